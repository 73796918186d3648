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
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from csc_metrics import storage
from csc_metrics.errors import ParameterError
from csc_metrics.fingerprints import sha256_file
from csc_metrics.privacy import load_key
from csc_metrics.report import privacy_check
from csc_metrics.report.forkserver import ForkServer, ServerCallError
from csc_metrics.report.privacy_check import MIN_IDENTIFIER_LENGTH, Finding

logger = logging.getLogger(__name__)

#: The remembered digests, in the processed folder's cache.
REMEMBERED_FILE = "raw_identifiers.json"
#: Bumped whenever what is remembered changes meaning.
FORMAT = 1
#: Keeps these digests apart from the pseudonyms (another label, so another value).
_LABEL = b"csc-metrics raw identifier check\0"
#: What the run asks its kernel fork server to call (``read_raw_identifiers``).
SERVER_FUNCTION = "csc_metrics.report.raw_identifiers:collect_as_record"


def identifier_digest(key: bytes, identifier: str) -> str:
    """A keyed digest of an identifier: the same for the same key, useless without it."""
    # 64 bits: a county's words and identifiers are far too few for two to share one by chance.
    return hmac.new(key, _LABEL + identifier.encode("utf-8"), hashlib.sha256).hexdigest()[:16]


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


def collect_raw_identifiers(raw: Path, processed: Path) -> RawIdentifiers:
    """The child identifiers of a raw folder, reading only the files changed since last time.

    Args:
        raw: The raw data folder.
        processed: The processed folder whose cache remembers the last run's digests.

    Returns:
        What to look for in the build, and what to remember for the next run.
    """
    key = _key()
    remembered = _remembered(Path(processed), key) if key is not None else {}
    found = RawIdentifiers(key=key)
    for path in privacy_check.raw_files(raw):
        digest = sha256_file(path)
        if digest in remembered:
            found.digests.update(remembered[digest])
            found.by_file[digest] = remembered[digest]
            continue
        identifiers = privacy_check.file_child_ids(path)
        found.identifiers |= identifiers
        wanted = [i for i in identifiers if len(i) >= MIN_IDENTIFIER_LENGTH]
        if key is not None and all(privacy_check.is_word(i) for i in wanted):
            found.by_file[digest] = sorted(identifier_digest(key, i) for i in wanted)
    return found


def collect_as_record(raw: str, processed: str) -> dict[str, Any]:
    """``collect_raw_identifiers`` as JSON values, for the run's kernel fork server to answer.

    The run asks its fork server, idle while ingest runs in the run's own process, to read the
    raw files, so that the two use both cores instead of sharing one. The identifiers travel
    over the pipe between the two processes and are kept nowhere.

    Returns:
        ``identifiers``, ``digests``, ``by_file`` and ``key_check`` (the key's digest of an
        empty text, so the run can tell the server used the run's key; None without a key).
    """
    found = collect_raw_identifiers(Path(raw), Path(processed))
    return {
        "identifiers": sorted(found.identifiers),
        "digests": sorted(found.digests),
        "by_file": found.by_file,
        "key_check": None if found.key is None else identifier_digest(found.key, ""),
    }


def from_record(record: dict[str, Any]) -> RawIdentifiers | None:
    """What ``collect_as_record`` answered, or None when its key is not this process's key."""
    key = _key()
    check = None if key is None else identifier_digest(key, "")
    if record.get("key_check") != check:
        return None
    return RawIdentifiers(
        identifiers=set(record["identifiers"]),
        digests=set(record["digests"]),
        key=key,
        by_file={str(k): list(v) for k, v in record["by_file"].items()},
    )


def read_raw_identifiers(
    raw: Path, processed: Path, server: ForkServer | None = None
) -> RawIdentifiers:
    """``collect_raw_identifiers``, in the run's kernel fork server when there is one.

    The server is idle while ingest runs in the run's own process, so the two use both cores
    instead of sharing one. Its answer is used only when it was made with the run's key.

    Args:
        raw: The raw data folder.
        processed: The processed folder (its cache remembers the last run's digests).
        server: The run's kernel fork server, or None to read them in this process.

    Returns:
        What to look for in the build, and what to remember for the next run.
    """
    if server is not None:
        try:
            found = from_record(
                server.call(SERVER_FUNCTION, raw=str(raw), processed=str(processed))
            )
        except (ServerCallError, KeyError, TypeError, AttributeError) as error:
            logger.info("The fork server did not read the raw identifiers: %s", error)
        else:
            if found is not None:
                return found
    return collect_raw_identifiers(raw, processed)


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


def find_raw_identifiers(folder: Path, found: RawIdentifiers) -> list[Finding]:
    """``privacy_check.find_identifiers`` for identifiers read now or known by their digests."""
    key = found.key
    if key is None or not found.digests:
        return privacy_check.find_identifiers(folder, found.identifiers)
    digests = found.digests
    seen: dict[str, bool] = {}

    def remembered(words: Iterable[str]) -> bool:
        for word in words:
            hit = seen.get(word)
            if hit is None:
                hit = seen[word] = (
                    len(word) >= MIN_IDENTIFIER_LENGTH and identifier_digest(key, word) in digests
                )
            if hit:
                return True
        return False

    return privacy_check.find_identifiers(folder, found.identifiers, word_check=remembered)
