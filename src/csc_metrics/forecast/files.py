"""Reading the user's scenario and costs files: CSV or YAML, rows with where they came from.

Both files are small tables a person writes by hand, so both formats give the same thing: a
list of rows (column name -> text), each with the words that locate it in an error message
("row 3" of a CSV, counting the header as row 1; "change 2" or "cost 2" of a YAML list).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from csc_metrics.errors import InputError

CSV_SUFFIXES = (".csv", ".txt")
YAML_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class FileRow:
    """One row of a user file.

    Its values (lower-case column names, stripped text) and where it is (``"row 3"``).
    """

    where: str
    values: dict[str, str]


def file_error(path: Path, where: str | None, problem: str, expected: str) -> InputError:
    """An exit-2 error naming the file, the row and what was expected."""
    place = f"{path.name}, {where}" if where else path.name
    return InputError(f"{place}: {problem}. Expected {expected}. (File: {path})")


def _decode(path: Path) -> str:
    data = path.read_bytes()
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise file_error(path, None, "the file is not text (it looks binary)", "a text file")
    for encoding in ("utf-8-sig", "utf-16", "cp1252"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding == "utf-16" and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
            continue
        return text
    raise file_error(path, None, "the file's text cannot be read", "UTF-8 or Windows-1252 text")


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def read_rows(path: Path, list_key: str, item_word: str) -> tuple[list[FileRow], dict[str, str]]:
    """Read a CSV or YAML file of rows.

    Args:
        path: The file.
        list_key: For YAML, the key holding the list of rows (a bare list also works).
        item_word: What a YAML item is called in messages (``"change"``, ``"cost"``).

    Returns:
        ``(rows, top-level YAML scalars such as name)``; CSV gives no top-level values.

    Raises:
        InputError: If the file is missing, unreadable, empty or not a table of rows.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file.")
    suffix = path.suffix.lower()
    if suffix not in CSV_SUFFIXES + YAML_SUFFIXES:
        raise file_error(
            path, None, f"the file type {suffix or '(none)'} is not supported", "a .csv or .yaml"
        )
    text = _decode(path)
    if suffix in YAML_SUFFIXES:
        return _yaml_rows(path, text, list_key, item_word)
    reader = csv.reader(io.StringIO(text))
    lines = [(number, line) for number, line in enumerate(reader, start=1) if any(line)]
    if not lines:
        raise file_error(path, None, "the file is empty", "a header row and at least one row")
    header_number, header = lines[0]
    names = [name.strip().lower() for name in header]
    rows = []
    for number, line in lines[1:]:
        if len(line) > len(names) and any(cell.strip() for cell in line[len(names) :]):
            raise file_error(
                path,
                f"row {number}",
                "the row has more values than the header has columns",
                f"{len(names)} values ({', '.join(names)})",
            )
        values = {name: _text(cell) for name, cell in zip(names, line, strict=False) if name}
        rows.append(FileRow(where=f"row {number}", values=values))
    if not rows:
        raise file_error(
            path, f"row {header_number}", "the file has a header but no rows", "at least one row"
        )
    return rows, {}


def _yaml_rows(
    path: Path, text: str, list_key: str, item_word: str
) -> tuple[list[FileRow], dict[str, str]]:
    try:
        content = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else None
        raise file_error(path, where, "the file is not valid YAML", "YAML as in the docs") from None
    top: dict[str, str] = {}
    if isinstance(content, dict):
        top = {str(k).lower(): _text(v) for k, v in content.items() if not isinstance(v, list)}
        items = content.get(list_key)
    else:
        items = content
    if not isinstance(items, list) or not items:
        raise file_error(
            path,
            None,
            f"no list of {item_word}s was found",
            f"a list under '{list_key}:' with one entry per {item_word}",
        )
    rows = []
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise file_error(
                path,
                f"{item_word} {number}",
                "the entry is not a set of 'key: value' lines",
                "keys such as the columns listed in the docs",
            )
        values = {str(k).strip().lower(): _text(v) for k, v in item.items()}
        rows.append(FileRow(where=f"{item_word} {number}", values=values))
    return rows, top


def number(path: Path, row: FileRow, column: str, expected: str, *, percent: bool = False) -> float:
    """A row's value as a number, or an exit-2 error naming file, row, column and expectation.

    Thousands separators and a pound sign are ignored; with ``percent`` a trailing ``%`` too.
    """
    text = row.values.get(column, "").replace(",", "").replace("£", "").strip()
    if percent and text.endswith("%"):
        text = text[:-1].strip()
    try:
        value = float(text)
    except ValueError:
        shown = row.values.get(column, "")
        raise file_error(
            path,
            f"{row.where}, column {column}",
            f"{shown!r} is not a number" if shown else "the value is blank",
            expected,
        ) from None
    if value != value or value in (float("inf"), float("-inf")):
        raise file_error(path, f"{row.where}, column {column}", "the value is not finite", expected)
    return value
