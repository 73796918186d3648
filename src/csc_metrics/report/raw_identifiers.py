"""The raw folder's child identifiers for the privacy check, re-read only from changed files.

Before publishing, every run checks that no child identifier from the raw files appears in
the build (``privacy_check.find_identifiers``). Collecting them means reading every raw file
(``privacy_check.raw_child_ids``): for a county, 28 Annex A workbooks and seven years of
returns, about 6 seconds of CPU on every run even when nothing changed.

So the run remembers, in the processed folder's cache, what each raw file held, keyed by the
file's SHA-256: never the identifiers, but a keyed digest of each (an HMAC with the
pseudonymisation key, like the pseudonyms in the processed tables, under a label of its own).
The next run reads only the files whose content changed, and finds the remembered identifiers
in the build by their digests: a word of the build whose digest is remembered is a raw
identifier. A file holding an identifier that is not a single word of letters and digits is
never remembered (such identifiers are searched for as text, which a digest cannot do), and
without a key nothing is remembered.

On a run that ingests, the workbook sheets ingest parses are shown to ``SheetsReadByIngest``
(``caseload.annex_a.observing_sheets``), which reads their identifiers by the privacy check's
own rule: the files are then read after ingest, in the run's process, without parsing those
sheets a second time (a county's 28 Annex A workbooks were parsed twice, about 4 s of CPU).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from csc_metrics import storage
from csc_metrics.errors import ParameterError
from csc_metrics.fingerprints import sha256_file
from csc_metrics.privacy import load_key
from csc_metrics.report import privacy_check
from csc_metrics.report.privacy_check import MIN_IDENTIFIER_LENGTH, Finding

logger = logging.getLogger(__name__)

#: The remembered digests, in the processed folder's cache.
REMEMBERED_FILE = "raw_identifiers.json"
#: Bumped whenever what is remembered changes meaning.
FORMAT = 1
#: Keeps these digests apart from the pseudonyms (another label, so another value).
_LABEL = b"csc-metrics raw identifier check\0"


def identifier_digest(key: bytes, identifier: str) -> str:
    """A keyed digest of an identifier: the same for the same key, useless without it."""
    # 64 bits: a county's words and identifiers are far too few for two to share one by chance.
    return hmac.new(key, _LABEL + identifier.encode("utf-8"), hashlib.sha256).hexdigest()[:16]


class IdentifierDigests:
    """``identifier_digest`` under one key, each identifier's worked out once.

    A child is in every caseload snapshot and return year while in the service, so a county's
    raw files hold each identifier dozens of times (about 230,000 times for 20,000 children):
    each is digested once, from a copy of the key's HMAC already fed the label.
    """

    def __init__(self, key: bytes) -> None:
        """Digests under ``key``."""
        self._keyed = hmac.new(key, _LABEL, hashlib.sha256)
        self._known: dict[str, str] = {}

    def __call__(self, identifier: str) -> str:
        """``identifier_digest(key, identifier)``."""
        found = self._known.get(identifier)
        if found is None:
            digest = self._keyed.copy()
            digest.update(identifier.encode("utf-8"))
            found = self._known[identifier] = digest.hexdigest()[:16]
        return found


@dataclass
class RawIdentifiers:
    """What the privacy check looks for in a build.

    Attributes:
        identifiers: Identifiers read from the files read this run.
        digests: Digests of the identifiers of files not read again (their content unchanged).
        key: The key the digests were made with (None: nothing remembered).
        by_file: File SHA-256 -> digests of its identifiers, for every file that can be
            remembered (read this run or not), to keep for the next run.
    """

    identifiers: set[str] = field(default_factory=set)
    digests: set[str] = field(default_factory=set)
    key: bytes | None = None
    by_file: dict[str, list[str]] = field(default_factory=dict)


def _key() -> bytes | None:
    try:
        return load_key(create=False)
    except ParameterError:
        return None


def _remembered(processed: Path, key: bytes) -> dict[str, list[str]]:
    try:
        kept = json.loads((processed / storage.CACHE_FOLDER / REMEMBERED_FILE).read_text("utf-8"))
        if kept["format"] != FORMAT or kept["key"] != identifier_digest(key, ""):
            return {}
        digests = list(kept["digests"])
        return {str(file): [digests[i] for i in where] for file, where in kept["files"].items()}
    except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError):
        return {}


class SheetsReadByIngest:
    """The child identifiers of the workbook sheets ingest parsed, by the privacy check's rule.

    Used as ``caseload.annex_a.observing_sheets``'s observer while the run ingests: of each
    sheet ingest parses, the cells under its child-identifier headers are kept here
    (``privacy_check.sheet_child_id_cells``), so that collecting the raw identifiers afterwards
    does not parse the sheet again. Only that is done in ingest's thread; the cells are cleaned
    into identifiers (``privacy_check.child_ids_of_cells``) when they are asked for, after
    ingest. The rule stays the privacy check's own.
    """

    def __init__(self) -> None:
        """Start with no sheet read."""
        self._lock = threading.Lock()
        # Workbook -> sheet name -> the sheet's identifiers, or its cells not yet cleaned.
        self._sheets: dict[Path, dict[str, set[str] | list[list[object]]]] = {}

    def __call__(self, path: Path, sheet_name: str, rows: Sequence[Sequence[object]]) -> None:
        """Keep the identifier cells of one parsed sheet (``annex_a.SheetObserver``)."""
        cells = privacy_check.sheet_child_id_cells(rows)
        with self._lock:
            self._sheets.setdefault(Path(path).resolve(), {})[sheet_name] = cells

    def of(self, path: Path) -> dict[str, set[str]]:
        """Sheet name -> identifiers of the sheets of ``path`` read so far (maybe none)."""
        found: dict[str, set[str]] = {}
        with self._lock:
            sheets = self._sheets.get(Path(path).resolve(), {})
            for name, kept in sheets.items():
                if not isinstance(kept, set):
                    kept = sheets[name] = privacy_check.child_ids_of_cells(kept)
                found[name] = kept
        return found


@dataclass(frozen=True)
class Remembered:
    """The digests the last run remembered, read before ingest replaces the processed folder.

    Attributes:
        key: The pseudonymisation key (None: nothing is remembered or kept).
        by_file: File SHA-256 -> digests of its identifiers.
    """

    key: bytes | None
    by_file: dict[str, list[str]]


def remembered_identifiers(processed: Path) -> Remembered:
    """What the last run remembered in ``processed``'s cache (see the module).

    Read it before ingesting: an ingest replaces the processed folder, and its cache with it.
    """
    key = _key()
    return Remembered(key, _remembered(Path(processed), key) if key is not None else {})


def collect_raw_identifiers(
    raw: Path, remembered: Remembered, read: SheetsReadByIngest | None = None
) -> RawIdentifiers:
    """The child identifiers of a raw folder, reading only the files changed since last time.

    Args:
        raw: The raw data folder.
        remembered: What the last run remembered (``remembered_identifiers``).
        read: The sheets ingest parsed, read already by the same rule (not parsed again).

    Returns:
        What to look for in the build, and what to remember for the next run.
    """
    key, remembered_files = remembered.key, remembered.by_file
    found = RawIdentifiers(key=key)
    digest_of = IdentifierDigests(key) if key is not None else None
    for path in privacy_check.raw_files(raw):
        digest = sha256_file(path)
        if digest in remembered_files:
            found.digests.update(remembered_files[digest])
            found.by_file[digest] = remembered_files[digest]
            continue
        identifiers = privacy_check.file_child_ids(path, read.of(path) if read else None)
        found.identifiers |= identifiers
        wanted = [i for i in identifiers if len(i) >= MIN_IDENTIFIER_LENGTH]
        if digest_of is not None and all(privacy_check.is_word(i) for i in wanted):
            found.by_file[digest] = sorted(digest_of(i) for i in wanted)
    return found


def remember_raw_identifiers(found: RawIdentifiers, processed: Path) -> None:
    """Keep the digests of each raw file's identifiers for the next run (see the module).

    Call only once ingest has finished (it replaces the processed folder, its cache with it).
    A cache that cannot be written only costs the next run the reading.
    """
    if found.key is None:
        return
    path = Path(processed) / storage.CACHE_FOLDER / REMEMBERED_FILE
    # Each digest once, each file a list of positions: a child is in many snapshots and years.
    digests = sorted({d for file in found.by_file.values() for d in file})
    position = {digest: i for i, digest in enumerate(digests)}
    record = {
        "format": FORMAT,
        "key": identifier_digest(found.key, ""),
        "digests": digests,
        "files": {file: [position[d] for d in kept] for file, kept in found.by_file.items()},
    }
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.tmp")
        temporary.write_text(json.dumps(record, sort_keys=True), encoding="utf-8")
        temporary.replace(path)
    except OSError as error:
        logger.info("The raw identifiers' digests were not remembered: %s", error)


def identifier_search(found: RawIdentifiers) -> privacy_check.IdentifierSearch:
    """The search for identifiers read now or known by their digests, built once.

    A word of the build is looked up among the remembered digests once per search, however
    many reports it is in (a county's reports share most of their words).

    Args:
        found: The raw folder's identifiers (``collect_raw_identifiers``).
    """
    key = found.key
    if key is None or not found.digests:
        return privacy_check.IdentifierSearch(found.identifiers)
    digests = found.digests
    digest_of = IdentifierDigests(key)
    seen: dict[str, bool] = {}

    def remembered(words: Iterable[str]) -> bool:
        for word in words:
            hit = seen.get(word)
            if hit is None:
                hit = seen[word] = len(word) >= MIN_IDENTIFIER_LENGTH and digest_of(word) in digests
            if hit:
                return True
        return False

    return privacy_check.IdentifierSearch(found.identifiers, word_check=remembered)


def find_raw_identifiers(
    folder: Path, found: RawIdentifiers, files: Iterable[Path] | None = None
) -> list[Finding]:
    """``privacy_check.find_identifiers`` for identifiers read now or known by their digests.

    Args:
        folder: The output folder.
        found: The raw folder's identifiers (``collect_raw_identifiers``).
        files: Only these files of the folder (default: every text file).
    """
    return identifier_search(found).findings(folder, files)


class BuildScan:
    """``find_raw_identifiers`` over a build, file by file as the run writes it.

    A report's page and executed notebook are checked as soon as they are written, while other
    notebooks still run, so that the check left for the end of the run covers only what is
    written last (the landing page, the manifest). ``finish`` checks every file of the build that
    was not checked, or has changed since (its size or modification time), and returns the
    findings in the order a scan of the whole folder gives them.
    """

    def __init__(self, build: Path) -> None:
        self._build = Path(build)
        self._lock = threading.Lock()
        # Path -> (modification time, size, findings) when it was checked.
        self._checked: dict[Path, tuple[int, int, list[Finding]]] = {}
        # The search for the run's identifiers, shared by every report's check, and what for.
        self._kept_search: tuple[RawIdentifiers, privacy_check.IdentifierSearch] | None = None

    def check(self, files: Iterable[Path], found: RawIdentifiers) -> None:
        """Check these files of the build now (missing ones are left for ``finish``)."""
        stamps = {path: _stamp(path) for path in files}
        present = {path: stamp for path, stamp in stamps.items() if stamp is not None}
        found_in = self._findings_by_file(list(present), found)
        with self._lock:
            for path, stamp in present.items():
                self._checked[path] = (*stamp, found_in.get(path, []))

    def finish(self, found: RawIdentifiers) -> list[Finding]:
        """Every finding in the build: each file checked once, unless it changed since."""
        files = privacy_check.output_files(self._build)
        with self._lock:
            earlier = dict(self._checked)
        known = {
            path: earlier[path][2]
            for path in files
            if path in earlier and _stamp(path) == earlier[path][:2]
        }
        found_in = self._findings_by_file([p for p in files if p not in known], found)
        return [f for path in files for f in known.get(path, found_in.get(path, []))]

    def _findings_by_file(
        self, files: list[Path], found: RawIdentifiers
    ) -> dict[Path, list[Finding]]:
        """The findings in these files, by file."""
        by_file: dict[Path, list[Finding]] = {}
        if files:
            for finding in self._search(found).findings(self._build, files):
                by_file.setdefault(self._build / finding.file, []).append(finding)
        return by_file

    def _search(self, found: RawIdentifiers) -> privacy_check.IdentifierSearch:
        """The search for ``found``'s identifiers, built at its first use and kept."""
        with self._lock:
            if self._kept_search is None or self._kept_search[0] is not found:
                self._kept_search = (found, identifier_search(found))
            return self._kept_search[1]


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        status = path.stat()
    except OSError:
        return None
    return status.st_mtime_ns, status.st_size
