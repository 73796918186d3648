"""Shared helpers for raw text: decoding files, CSV with every cell as text, headings, blanks.

Every reader of raw files (SSDA903 returns, caseload lists, reference lookups) uses these, so a
file is decoded, parsed and tidied the same way whichever dataset it belongs to:

- ``decode``: UTF-8 with or without a byte-order mark, UTF-16, or Windows-1252, refusing binary
  files saved as ``.csv`` with a message saying what they look like;
- ``read_text_csv``/``parse_csv``: every cell as text. pyarrow's CSV parser is several times
  faster than pandas' C parser on large files (a national episode file, a long caseload
  history) and hands back the same text columns. It refuses some files the C parser reads (a
  row with fewer fields than the header); those are parsed by the C parser exactly as before,
  which also raises the errors users are shown. Small files go straight to the C parser;
- ``normalise_column``, ``blank_rows``, ``blank_to_na``: headings as DfE writes them, blank
  rows and blank cells;
- ``normalise_postcodes``: postcodes, sectors and districts in one canonical form, with a
  ``Cleaned`` result saying which rows were not postcodes.
"""

from __future__ import annotations

import codecs
import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow

from csc_metrics.distinct import on_distinct
from csc_metrics.errors import InputError

#: Below this size pyarrow's start-up costs more than its speed saves.
PYARROW_MIN_BYTES = 1024**2


def read_text_csv(
    source: Path | io.BytesIO, c_parser_options: dict[str, Any] | None = None, **options: Any
) -> pd.DataFrame:
    """Parse a CSV with pandas' options, trying pyarrow's parser first.

    Args:
        source: A path or a ``BytesIO`` (rewound before the C parser reads it).
        c_parser_options: Options only the C parser accepts (``na_filter``); they must not
            change how a file that pyarrow can parse is read.
        **options: ``pandas.read_csv`` options that both parsers accept (``dtype``,
            ``keep_default_na``, ``skip_blank_lines``, ``encoding``...).

    Returns:
        The parsed table.

    Raises:
        Whatever ``pandas.read_csv`` with the C parser raises for the file.
    """
    if isinstance(source, io.BytesIO):
        size = source.getbuffer().nbytes
    else:
        size = Path(source).stat().st_size
    if size >= PYARROW_MIN_BYTES:
        try:
            return pd.read_csv(source, engine="pyarrow", **options)
        except (ValueError, pyarrow.ArrowException):
            if isinstance(source, io.BytesIO):
                source.seek(0)
    return pd.read_csv(source, **options, **(c_parser_options or {}))


#: Magic numbers of binary files that users save with a .csv name by mistake.
BINARY_SIGNATURES = {
    b"PK\x03\x04": "an Excel workbook or zip file",
    b"\xd0\xcf\x11\xe0": "an old-style Excel workbook (.xls)",
    b"%PDF": "a PDF document",
}

_OUTWARD = r"[A-Z]{1,2}[0-9][A-Z0-9]?"
FULL_POSTCODE = rf"^(?P<outward>{_OUTWARD})(?P<inward>[0-9][A-Z]{{2}})$"
POSTCODE_SECTOR = rf"^{_OUTWARD} [0-9]$"
POSTCODE_DISTRICT = rf"^{_OUTWARD}$"


@dataclass
class Cleaned:
    """A cleaned column and the rows each data-quality rule applies to.

    Attributes:
        values: The cleaned values, aligned with the input (blank is NA).
        issues: Rule name -> boolean mask aligned with the input.
    """

    values: pd.Series
    issues: dict[str, pd.Series] = field(default_factory=dict)


def decode(data: bytes, path: str) -> tuple[str, str]:
    """Decode a text file: UTF-8 with or without BOM, UTF-16 with BOM, else Windows-1252.

    Args:
        data: The file's bytes.
        path: Its path, for messages.

    Returns:
        The text and the encoding used.

    Raises:
        InputError: If the file is empty or is not text.
    """
    # A file holding only a byte-order mark (and perhaps blank lines) is empty too.
    content = data
    for bom in (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        content = content.removeprefix(bom)
    if not content.replace(b"\x00", b"").strip():
        raise InputError(f"{path} is empty: it has no column headings and no rows.")
    for signature, kind in BINARY_SIGNATURES.items():
        if data.startswith(signature):
            raise InputError(
                f"{path} is not a CSV text file: it looks like {kind}. "
                "Open it and save it as CSV (comma delimited, UTF-8)."
            )
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), "utf-16"
    head = data[:4096]
    if (
        len(head) >= 4
        and head[1::2].count(0) > 0.9 * len(head[1::2])
        and head[0::2].count(0) < 0.1 * len(head[0::2])
    ):
        return data.decode("utf-16-le", errors="strict"), "utf-16"
    if b"\x00" in data[:65536]:
        raise InputError(
            f"{path} is not a CSV text file (it contains binary data). "
            "Export the table again as CSV (comma delimited, UTF-8)."
        )
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as error:
        raise InputError(
            f"{path} is neither UTF-8 nor Windows-1252 text (byte {error.start + 1} cannot be "
            "read). Save it again as CSV UTF-8."
        ) from None


#: Delimiters a CSV export may use -> how messages name them. Excel's "Unicode Text" export is
#: tab-separated UTF-16; councils with a continental locale save semicolon-separated CSV.
DELIMITER_NAMES = {",": "comma", "\t": "tab", ";": "semicolon", "|": "vertical bar"}


def detect_delimiter(text: str) -> str:
    """The delimiter of CSV text: the candidate found most often in its first non-blank line.

    Quoted parts of the line are left out, so a heading such as ``"Team; North"`` does not count.
    A line with none of them (one column) is comma-separated.

    Args:
        text: The decoded file.

    Returns:
        One of ``DELIMITER_NAMES``.
    """
    first = _first_non_blank_line(text)
    unquoted = re.sub(r'"[^"]*"', "", first)
    counts = {delimiter: unquoted.count(delimiter) for delimiter in DELIMITER_NAMES}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


#: Characters of a file looked at first for its heading row (``_first_non_blank_line``).
HEAD_CHARACTERS = 64 * 1024


def _first_non_blank_line(text: str) -> str:
    """The first line of ``text`` that is not blank, as ``str.splitlines`` cuts lines, or "".

    Only the start of the text is split (a national file has hundreds of thousands of lines):
    every line of a prefix but its last is a whole line of the text, so the prefix grows only
    while no whole line in it holds anything.
    """
    size = HEAD_CHARACTERS
    while True:
        head = text[:size]
        lines = head.splitlines()
        whole = lines if len(head) == len(text) else lines[:-1]
        found = next((line for line in whole if line.strip()), None)
        if found is not None or len(head) == len(text):
            return found or ""
        size *= 4


def parse_csv(text: str, path: str, delimiter: str = ",") -> pd.DataFrame:
    """Parse CSV text with every value as text (blank lines kept, so row numbers hold).

    Args:
        text: The decoded file.
        path: Its path, for messages.
        delimiter: The field delimiter (``detect_delimiter``).

    Raises:
        InputError: If the text is not valid CSV; the message names the delimiter used.
    """
    name = DELIMITER_NAMES.get(delimiter, repr(delimiter))
    try:
        frame = read_text_csv(
            io.BytesIO(text.encode("utf-8")),
            # Without NA detection a missing trailing field is "" too (pyarrow refuses such rows).
            {"na_filter": False},
            dtype="str",
            keep_default_na=False,
            skip_blank_lines=False,
            encoding="utf-8",
            sep=delimiter,
        )
    except pd.errors.EmptyDataError:
        raise InputError(f"{path} is empty: it has no column headings and no rows.") from None
    except pd.errors.ParserError as error:
        detail = str(error).replace("Error tokenizing data. C error: ", "")[:200]
        raise InputError(
            f"{path} cannot be read as {name}-separated text (the {name} is the delimiter found "
            f"in its heading row): {detail}. Check for stray delimiters or quotes."
        ) from None
    if not isinstance(frame.index, pd.RangeIndex):
        # pandas takes the leading fields as row labels when every row has more fields than the
        # heading row: the columns would be shifted, so refuse instead.
        raise InputError(
            f"{path} cannot be read as {name}-separated text (the {name} is the delimiter found "
            "in its heading row): its rows have more fields than the heading row has columns. "
            "Check for stray delimiters or a missing column heading."
        )
    return frame


def refuse_repeated_headings(
    headings: list[object], accepted: Callable[[str], str | None], source: str, fix: str
) -> None:
    """Refuse a heading row that gives one of the format's columns more than once.

    The rows no longer line up with such headings (every value after the extra heading sits
    one column to the right), so reading on would shift the data. pandas renames a second
    ``CHILD`` to ``CHILD.1``; both count. Only headings the format accepts are named: a heading
    row that is really a row of data repeats values, not headings.

    Args:
        headings: The heading cells as read.
        accepted: The heading as the format knows it (``CHILD``), or None when it is not one.
        source: The file, for the message.
        fix: What to do, ending the message.

    Raises:
        InputError: If an accepted heading appears more than once.
    """
    places: dict[str, list[int]] = {}
    written: dict[str, str] = {}
    for number, heading in enumerate(headings, start=1):
        text = re.sub(r"\.\d+$", "", str(heading)).strip()
        key = accepted(text)
        if key is not None:
            places.setdefault(key, []).append(number)
            written.setdefault(key, text)
    twice = {key: numbers for key, numbers in places.items() if len(numbers) > 1}
    if twice:
        named = "; ".join(
            f"{written[key]} in columns {' and '.join(str(n) for n in numbers)}"
            for key, numbers in twice.items()
        )
        raise InputError(
            f"{source}: its heading row gives the same column heading more than once ({named}). "
            f"Each column needs its own heading: {fix}"
        )


def normalise_column(name: object) -> str:
    """Return a column heading as the DfE writes it: trimmed, upper case, no BOM or quotes.

    Spaces inside a heading become underscores (``Place Provider`` is ``PLACE_PROVIDER``).
    """
    heading = str(name).replace("\ufeff", "").strip().strip('"').strip().upper()
    return re.sub(r"\s+", "_", heading)


def blank_rows(frame: pd.DataFrame) -> np.ndarray:
    """Return a mask of the rows whose every value is blank or spaces."""
    blank = np.ones(len(frame), dtype=bool)
    for column in frame.columns:
        # Only rows blank so far are looked at: after the first column there are hardly any.
        candidates = np.flatnonzero(blank)
        if not len(candidates):
            break
        values = frame[column].iloc[candidates]
        blank[candidates] = values.fillna("").str.strip().eq("").to_numpy()
    return blank


def blank_to_na(values: pd.Series) -> pd.Series:
    """Strip surrounding spaces and turn empty text into NA."""
    stripped = values.astype("str").str.strip()
    return stripped.mask(stripped.eq(""))


def normalise_postcodes(raw: pd.Series) -> Cleaned:
    """Upper-case postcodes with one space before the inward code; keep sectors and districts.

    ``pr12ab``, ``PR1  2AB`` and ``PR12AB`` all become ``PR1 2AB``; a sector (``PR1 2``) or a
    district (``PR1``) is kept as given, upper-cased. Anything else is blanked.

    Args:
        raw: Postcodes as read.

    Returns:
        Normalised postcodes; issue ``invalid_postcode``.
    """

    def clean(distinct: pd.Series) -> pd.DataFrame:
        text = distinct.str.upper().str.replace(r"\s+", " ", regex=True).str.strip()
        present = text.notna() & text.ne("")
        compact = text.str.replace(" ", "", regex=False)
        full = compact.str.extract(FULL_POSTCODE)
        value = (full["outward"] + " " + full["inward"]).fillna(
            text.where(text.str.fullmatch(POSTCODE_SECTOR).fillna(False).astype(bool))
        )
        district = compact.where(
            compact.str.fullmatch(POSTCODE_DISTRICT).fillna(False).astype(bool)
        )
        value = value.fillna(district)
        return pd.DataFrame({"value": value, "invalid_postcode": present & value.isna()})

    result = on_distinct(raw, clean, dtype="str")
    return Cleaned(
        result["value"].astype("str"),
        {"invalid_postcode": result["invalid_postcode"].astype(bool)},
    )


# --- describing a file's shape in messages (never its values) -----------------------------------

#: A cell that is a number, a date, or holds a digit is data, not a heading: never echoed.
_NUMBER = re.compile(r"[+-]?\d[\d,]*(\.\d+)?")
_DATE = re.compile(r"\d{1,4}[/.\-]\d{1,2}[/.\-]\d{1,4}([ T].*)?")


def _kind_of_cell(cell: object) -> str:
    """What a cell looks like, in words (``a number``, ``a date``...), never the cell itself."""
    text = "" if cell is None else str(cell).strip()
    if not text or text.lower() == "nan" or text.startswith("Unnamed:"):
        return "blank"
    if _DATE.fullmatch(text):
        return "a date"
    if _NUMBER.fullmatch(text):
        return "a number"
    if any(character.isdigit() for character in text):
        return "text with digits"
    return "text"


def describe_heading_row(headings: list[object], known: Any = ()) -> str:
    """Describe a file's heading row for a message without echoing anything it holds.

    A file without its heading row has a child's id, date of birth or UPN where the headings
    should be, and messages go to stderr, log files and cron mail. So only headings that are
    among the ``known`` headings of the format are named; anything else is counted, and a row
    that holds numbers or dates is described by its shape: ``the first row looks like data, not
    column headings: 7 values, the first a number``.

    Args:
        headings: The cells of the row read as headings.
        known: Headings the format accepts (compared after ``normalise_column`` and ignoring
            spaces, underscores and punctuation).

    Returns:
        A phrase for a message, e.g. ``its 5 column headings (CHILD, SEX and 3 not recognised)``.
    """

    def key(value: object) -> str:
        return re.sub(r"[^A-Z0-9]", "", normalise_column(value))

    kinds = [_kind_of_cell(cell) for cell in headings]
    accepted = {key(k) for k in known}
    recognised = [
        normalise_column(cell)
        for cell, kind in zip(headings, kinds, strict=True)
        if kind != "blank" and key(cell) in accepted
    ]
    filled = [k for k in kinds if k != "blank"]
    data_like = [
        k
        for cell, k in zip(headings, kinds, strict=True)
        if k not in ("blank", "text") and key(cell) not in accepted
    ]
    if data_like:
        first = next((k for k in kinds if k != "blank"), "blank")
        return (
            f"the first row looks like data, not column headings: {len(filled)} values, "
            f"the first {first}"
        )
    if not filled:
        return "the first row is blank: no column headings"
    others = len(filled) - len(recognised)
    named = ", ".join(recognised)
    if others and named:
        named += f" and {others} not recognised"
    elif others:
        named = "none recognised"
    plural = "s" if len(filled) != 1 else ""
    return f"its {len(filled)} column heading{plural} ({named})"


#: A workbook (a zip file) whose parts expand to more than this many times its size, and to more
#: than ``WORKBOOK_SUSPECT_BYTES``, is refused before it is parsed: real workbooks compress about
#: 5 to 20 times; a "zip bomb" of 1 MB that expands to 300 MB would exhaust memory.
WORKBOOK_MAX_RATIO = 100
WORKBOOK_SUSPECT_BYTES = 50_000_000
#: Any workbook expanding beyond this is refused, whatever its ratio.
WORKBOOK_MAX_BYTES = 2_000_000_000


def check_workbook_size(path: Path, source: str) -> None:
    """Refuse an ``.xlsx`` workbook that would expand to an unreasonable size when parsed.

    Only the zip directory is read (the sizes it declares), never the parts themselves. A file
    that is not a zip at all is left to the workbook reader, which says so.

    Args:
        path: The workbook.
        source: Its path relative to the raw folder, for the message.

    Raises:
        InputError: If the declared expanded size is too large.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            expanded = sum(info.file_size for info in archive.infolist())
        size = max(Path(path).stat().st_size, 1)
    except (zipfile.BadZipFile, OSError, ValueError):
        return
    if expanded > WORKBOOK_MAX_BYTES or (
        expanded > WORKBOOK_SUSPECT_BYTES and expanded / size > WORKBOOK_MAX_RATIO
    ):
        raise InputError(
            f"{source} is a {size / 1e6:.1f} MB workbook that would expand to "
            f"{expanded / 1e6:.0f} MB when read, far more than a real workbook; it was not "
            "opened. Save the workbook again from Excel, or remove it from the raw folder."
        )
