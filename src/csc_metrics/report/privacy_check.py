"""Checks on a built report folder: no raw child identifier, and (with suppression) no small count.

The runner runs these on every build before publishing; the tests run them on the sample. A
finding names the file and line, never the identifier itself.
"""

from __future__ import annotations

import bisect
import json
import logging
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from pandas._libs.parsers import STR_NA_VALUES

from csc_metrics.caseload.vocabulary import ANNEX_A_HEADINGS, HEADER_SEARCH_ROWS, normalise_label
from csc_metrics.raw_text import check_workbook_size

logger = logging.getLogger(__name__)

#: Column headers that hold a child's identifier in raw files, compared after lower-casing and
#: removing everything but letters and digits (SSDA903 ``CHILD``, Annex A ``Child Unique ID``,
#: allocation lists ``child_id``).
CHILD_ID_HEADERS = frozenset({"child", "childid", "childuniqueid", "childuid"})

#: In a workbook, also every header ingest reads a child's identifier from in an Annex A list
#: (``Person ID``, ``Child Reference``...): an identifier ingest reads is one to look for.
WORKBOOK_CHILD_ID_HEADERS = CHILD_ID_HEADERS | frozenset(
    normalise_label(header) for header in ANNEX_A_HEADINGS["child_id"]
)

#: Identifiers shorter than this are not searched for: a three-digit identifier would match
#: ordinary numbers in any report.
MIN_IDENTIFIER_LENGTH = 5

#: Files scanned in an output folder (everything a person or program could read).
TEXT_SUFFIXES = frozenset({".html", ".htm", ".json", ".ipynb", ".log", ".txt", ".csv", ".md"})

#: Words that make a preceding number a count of people or cases in narrative text.
#: Placements and episodes are left out: their small numbers are thresholds ("3 placements or
#: more"), not counts of children.
COUNT_NOUNS = (
    "child",
    "children",
    "young people",
    "young person",
    "care leaver",
    "care leavers",
    "case",
    "cases",
    "worker",
    "workers",
    "social worker",
    "social workers",
)

# The base64 characters are taken in runs, not one alternation per character: the same match,
# ten times faster over a page's embedded charts.
_DATA_URI = re.compile(r"data:[\w/+.\-]+;base64,(?:[A-Za-z0-9+/=\s]+|\\n)+")
_WORD = re.compile(r"[A-Za-z0-9]+")
_TAG = re.compile(r"<[^>]+>")
_STYLE_OR_SCRIPT = re.compile(r"<(style|script)\b.*?</\1>", re.IGNORECASE | re.DOTALL)
_COUNT_CELL = re.compile(
    r"<td\b[^>]*\bclass=\"[^\"]*\bcount\b[^\"]*\"[^>]*>(.*?)</td>", re.IGNORECASE | re.DOTALL
)
_N_EQUALS = re.compile(r"(?<![\w.])n\s*[=:]\s*([0-9][0-9,]*)(?![\d.,]*\d)", re.IGNORECASE)
# A number right before a count noun, unless it is part of a bigger number, a range or a
# proportion ("1 in 5 children" is a rate, not five children).
_NUMBER_NOUN = re.compile(
    r"(?<![\w.,+\-])(?<!in )([0-9]+)\s+(?:" + "|".join(re.escape(n) for n in COUNT_NOUNS) + r")\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Finding:
    """One problem found in an output file.

    Attributes:
        file: Path of the file inside the output folder.
        where: ``line 12`` for text files, ``cell 5`` for notebooks, ``a value`` for JSON.
        what: What was found, never the identifier itself.
    """

    file: str
    where: str
    what: str

    def __str__(self) -> str:
        return f"{self.file}, {self.where}: {self.what}"


#: Cell text pandas reads as missing, and ``pd.read_excel`` would have left out.
_MISSING_TEXT = frozenset(STR_NA_VALUES) | {"None", "nan"}


def _clean_identifiers(values: pd.Series) -> set[str]:
    text = values.dropna().astype(str).str.strip()
    # Excel turns 123456 into 123456.0; the pseudonymiser strips that too.
    text = text.str.replace(r"\.0+$", "", regex=True)
    return set(text[text != ""])


def raw_child_ids(raw: Path) -> set[str]:
    """Collect every child identifier in a raw folder (CSV and Excel files, any layout).

    Any column whose header is a known child-identifier header (``CHILD``, ``Child Unique ID``,
    ``child_id``...) is read as text.

    Args:
        raw: The raw data folder.

    Returns:
        The identifiers, stripped.
    """
    identifiers: set[str] = set()
    for path in raw_files(raw):
        identifiers |= file_child_ids(path)
    return identifiers


#: Raw files that can hold child identifiers (CSV and Excel workbooks).
READ_SUFFIXES = (".csv", ".xlsx", ".xlsm")


def raw_files(raw: Path) -> list[Path]:
    """The raw folder's CSV and Excel files, sorted; hidden files and Excel lock files left out."""
    return [
        path
        for path in sorted(Path(raw).rglob("*"))
        if path.is_file()
        and not path.name.startswith((".", "~$"))
        and path.suffix.lower() in READ_SUFFIXES
    ]


def file_child_ids(path: Path, read_sheets: Mapping[str, set[str]] | None = None) -> set[str]:
    """The child identifiers of one raw file (none for a file that is not CSV or Excel).

    Args:
        path: A raw file.
        read_sheets: For a workbook, the identifiers of sheets already read by this same rule
            (``sheet_child_ids``, sheet name -> identifiers): those sheets are not parsed again.

    Returns:
        The identifiers, stripped; none for a file that cannot be read (ingest reports it).
    """
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            return _ids_from_csv(path)
        if suffix in (".xlsx", ".xlsm"):
            return _ids_from_excel(path, read_sheets or {})
    except Exception as error:  # an unreadable file is ingest's business, not ours
        logger.debug("Privacy check could not read %s: %s", path, error)
    return set()


def is_word(identifier: str) -> bool:
    """Whether an identifier is one word of letters and digits (found as a whole word)."""
    return _WORD.fullmatch(identifier) is not None


def _ids_from_csv(path: Path) -> set[str]:
    header = pd.read_csv(path, nrows=0, dtype=str, encoding_errors="replace")
    columns = [c for c in header.columns if normalise_label(c) in CHILD_ID_HEADERS]
    if not columns:
        return set()
    frame = pd.read_csv(
        path, usecols=columns, dtype=str, keep_default_na=False, encoding_errors="replace"
    )
    return set().union(*(_clean_identifiers(frame[c]) for c in columns))


def _ids_from_excel(path: Path, read_sheets: Mapping[str, set[str]]) -> set[str]:
    """The identifiers in a workbook's child-identifier columns (header on each sheet's first row).

    Read with calamine, as ingest reads Annex A, but straight into Python values rather than
    through ``pd.read_excel``: that would convert every cell of every sheet to text, about a
    second for a year of Annex A returns, when only the identifier columns matter. What is
    found is the same: cells pandas reads as missing (``NA``, ``#N/A``...) are left out. Sheets
    in ``read_sheets`` were read already (by ``sheet_child_ids``, from ingest's own parse).
    """
    from python_calamine import CalamineWorkbook

    found: set[str] = set()
    # A workbook that would expand beyond reason is refused by ingest; never parse it here.
    check_workbook_size(path, str(path))
    workbook = CalamineWorkbook.from_path(str(path))
    for name in workbook.sheet_names:
        if name in read_sheets:
            found |= read_sheets[name]
            continue
        found |= sheet_child_ids(workbook.get_sheet_by_name(name).to_python(skip_empty_area=False))
    return found


def sheet_child_ids(rows: Sequence[Sequence[object]]) -> set[str]:
    """The identifiers in one sheet's child-identifier columns.

    The header is the first row, among the first ``HEADER_SEARCH_ROWS`` (as ingest looks), that
    names a child-identifier column (``WORKBOOK_CHILD_ID_HEADERS``): an Annex A list often has a
    title row or two above it.

    Args:
        rows: The sheet's cells as calamine gives them (``to_python(skip_empty_area=False)``).

    Returns:
        The identifiers, stripped.
    """
    return child_ids_of_cells(sheet_child_id_cells(rows))


def sheet_child_id_cells(rows: Sequence[Sequence[object]]) -> list[list[object]]:
    """The cells under each child-identifier header of a sheet, as they are (``sheet_child_ids``).

    The first half of ``sheet_child_ids``: what must be taken from the sheet's cells while they
    are at hand, leaving the cleaning (``child_ids_of_cells``) for later.

    Args:
        rows: The sheet's cells as calamine gives them.

    Returns:
        One list per child-identifier column, of its cells below the header (None where a
        short row has no cell there, as pandas would pad it).
    """
    header, columns = _child_id_header(rows)
    return [
        [row[column] if column < len(row) else None for row in rows[header + 1 :]]
        for column in columns
    ]


def child_ids_of_cells(columns: Iterable[Sequence[object]]) -> set[str]:
    """The identifiers in cells from ``sheet_child_id_cells``: stripped, missing ones left out."""
    found: set[str] = set()
    for column in columns:
        values = pd.Series(column, dtype=object).astype(str).str.strip()
        found |= _clean_identifiers(values[~values.isin(_MISSING_TEXT)])
    return found


def _child_id_header(rows: Sequence[Sequence[object]]) -> tuple[int, list[int]]:
    """The header row's index and its child-identifier columns (none found: ``(0, [])``)."""
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        columns = [i for i, h in enumerate(row) if normalise_label(h) in WORKBOOK_CHILD_ID_HEADERS]
        if columns:
            return index, columns
    return 0, []


def output_files(folder: Path) -> list[Path]:
    """Every readable text file under an output folder."""
    return sorted(
        p for p in Path(folder).rglob("*") if p.is_file() and p.suffix.lower() in TEXT_SUFFIXES
    )


class IdentifierSearch:
    """What ``find_identifiers`` looks for, worked out once for any number of files.

    An identifier made of letters and digits is found when it stands as a whole word, between
    characters that are not letters or digits (so ``CH001234`` is found in ``id=CH001234,`` and
    in ``child_CH001234``, but not inside a longer pseudonym such as ``9f001234ab``, where it
    would be chance). Other identifiers are found anywhere. A run checks each report as it is
    written, so one search serves every report of the run: the identifiers (a county has tens
    of thousands) are sorted into whole words and others once, not once per report.

    Args:
        identifiers: Raw identifiers from the input.
        min_length: Shorter identifiers are ignored.
        word_check: Also counts a text as a leak when this says one of its words is an
            identifier (``raw_identifiers`` passes the identifiers it knows by digest).
    """

    def __init__(
        self,
        identifiers: Iterable[str],
        min_length: int = MIN_IDENTIFIER_LENGTH,
        word_check: Callable[[Iterable[str]], bool] | None = None,
    ) -> None:
        wanted = {i for i in identifiers if len(i) >= min_length}
        self._plain = {i for i in wanted if _WORD.fullmatch(i)}
        self._unusual = wanted - self._plain
        self._word_check = word_check

    @property
    def searches(self) -> bool:
        """Whether there is anything to look for."""
        return bool(self._plain or self._unusual) or self._word_check is not None

    def leaks(self, text: str) -> bool:
        """Whether ``text`` holds an identifier (by the rule in the class description)."""
        words = set(_WORD.findall(text))
        return (
            not words.isdisjoint(self._plain)
            or any(u in text for u in self._unusual)
            or (self._word_check is not None and self._word_check(words))
        )

    def findings(self, folder: Path, files: Iterable[Path] | None = None) -> list[Finding]:
        """One finding per file and line (or notebook cell) holding an identifier.

        Args:
            folder: The output folder.
            files: Only these files of the folder (default: every text file, ``output_files``).
        """
        findings: list[Finding] = []
        if not self.searches:
            return findings
        for path in output_files(folder) if files is None else files:
            parts = readable_parts(path)
            if not self.leaks("\n".join(text for _, text in parts)):
                continue
            name = str(path.relative_to(folder))
            findings.extend(
                Finding(name, where, "a raw child identifier")
                for where, text in parts
                if self.leaks(text)
            )
        return findings


def find_identifiers(
    folder: Path,
    identifiers: Iterable[str],
    min_length: int = MIN_IDENTIFIER_LENGTH,
    *,
    word_check: Callable[[Iterable[str]], bool] | None = None,
    files: Iterable[Path] | None = None,
) -> list[Finding]:
    """Find raw identifiers anywhere in the text files of an output folder.

    Identifiers are matched as ``IdentifierSearch`` says. What is searched is what a person
    could read: embedded images are skipped (a chance match inside image bytes is not a
    disclosure), and so are the numbers in JSON and notebook metadata (timings and sizes such
    as ``0.123456`` would otherwise match numeric identifiers by chance).

    Args:
        folder: The output folder.
        identifiers: Raw identifiers from the input.
        min_length: Shorter identifiers are ignored.
        word_check: Also counts a text as a leak when this says one of its words is an
            identifier (``raw_identifiers`` passes the identifiers it knows by digest).
        files: Only these files of the folder (default: every text file, ``output_files``).

    Returns:
        One finding per file and line (or notebook cell), without the identifier.
    """
    return IdentifierSearch(identifiers, min_length, word_check).findings(folder, files)


def readable_parts(path: Path) -> list[tuple[str, str]]:
    """The readable text of an output file, in parts that say where each came from.

    Text and HTML files give one part per line (embedded images removed); notebooks give one
    part per cell (source and outputs, not metadata); other JSON gives its strings.

    Args:
        path: A file in an output folder.

    Returns:
        ``(where, text)`` pairs.
    """
    raw_text = path.read_text(encoding="utf-8", errors="replace")
    suffix = path.suffix.lower()
    if suffix in (".ipynb", ".json"):
        try:
            document = json.loads(raw_text)
        except json.JSONDecodeError:
            document = None
        if suffix == ".ipynb" and isinstance(document, dict):
            return [
                (f"cell {number}", "\n".join(_strings(_readable_cell(cell))))
                for number, cell in enumerate(document.get("cells", []), start=1)
            ]
        if document is not None:
            return [("a value", text) for text in _strings(document)]
    text = _DATA_URI.sub("data:", raw_text)
    return [(f"line {number}", line) for number, line in enumerate(text.splitlines(), start=1)]


def _readable_cell(cell: dict[str, Any]) -> list[Any]:
    parts: list[Any] = [cell.get("source", "")]
    for output in cell.get("outputs", []) or []:
        data = {
            mimetype: value
            for mimetype, value in (output.get("data") or {}).items()
            if not mimetype.startswith("image/")
        }
        parts.extend([output.get("text", ""), data, output.get("evalue", "")])
        parts.extend(output.get("traceback", []) or [])
    return parts


def _strings(value: Any) -> list[str]:
    """Every string (keys and values) in a JSON value, with data URIs removed; no numbers."""
    if isinstance(value, str):
        return [_DATA_URI.sub("data:", value)]
    if isinstance(value, dict):
        return [s for key, item in value.items() for s in (*_strings(key), *_strings(item))]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return []


def visible_text(html: str) -> str:
    """The text of an HTML document without tags, styles or embedded images."""
    without_blocks = _STYLE_OR_SCRIPT.sub(" ", html)
    return " ".join(_TAG.sub(" ", _DATA_URI.sub(" ", without_blocks)).split())


def _small(number_text: str, limit: int) -> bool:
    value = int(number_text.replace(",", ""))
    return 1 <= value <= limit


def find_small_counts(folder: Path, limit: int = 5, narrative: bool = True) -> list[Finding]:
    """Find counts from 1 to ``limit`` that suppression should have hidden.

    Looks at three places in every HTML file: table cells with ``class="count"``; ``n=``
    figures; and, when ``narrative`` is true, numbers directly followed by a word for people or
    cases (``3 children``, ``2 care leavers``). Style sheets, scripts and embedded images are
    not read.

    Args:
        folder: The output folder.
        limit: The largest count that must be suppressed.
        narrative: Also check numbers followed by a count noun.

    Returns:
        One finding per offending figure, in file and line order.
    """
    findings: list[Finding] = []
    for path in sorted(Path(folder).rglob("*.html")):
        name = str(path.relative_to(folder))
        html = _readable_html(path.read_text(encoding="utf-8", errors="replace"))
        line_starts = [0] + [newline.end() for newline in re.finditer("\n", html)]
        for match in _COUNT_CELL.finditer(html):
            text = visible_text(match.group(1)).strip()
            if re.fullmatch(r"[0-9][0-9,]*", text) and _small(text, limit):
                line = bisect.bisect_right(line_starts, match.start())
                findings.append(Finding(name, f"line {line}", f"count cell shows {text}"))
        patterns = [(_N_EQUALS, "n={}")]
        if narrative:
            patterns.append((_NUMBER_NOUN, "'{} …' in the text"))
        for number, line_text in enumerate(html.splitlines(), start=1):
            text = visible_text(line_text)
            findings.extend(
                Finding(name, f"line {number}", what.format(figure))
                for pattern, what in patterns
                for figure in pattern.findall(text)
                if _small(figure, limit)
            )
    return sorted(set(findings), key=lambda f: (f.file, int(f.where.split()[-1]), f.what))


def _readable_html(html: str) -> str:
    # Blank out style sheets, scripts and embedded images, keeping the lines where they were.
    def keep_lines(match: re.Match[str]) -> str:
        return "\n" * match.group(0).count("\n")

    return _DATA_URI.sub("data:", _STYLE_OR_SCRIPT.sub(keep_lines, html))
