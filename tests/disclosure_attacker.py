"""An automated attacker on a report folder: tries to undo suppression by arithmetic (issue 14).

It reads what the views publish as structured facts, the tables every page shows (each count
cell is marked ``class="count"`` by ``display``, each share ``class="pct"``), across every page
of the run (the service's pages and every team's), and the JSON and CSV files beside them. Then
it tries each relation of issue 14:

- ``primary``: a count of 1 to 5 shown;
- ``total``: a hidden count given back by a total row or column minus the visible cells, on a
  table shown to add up (a column or row with nothing hidden adds up exactly);
- ``complement``: a count shown with its base and its share, the rest being 1 to 5;
- ``derived``: an interval or share shown on a row whose count is hidden;
- ``other page``: a cell hidden on one page and shown, under the same caption, row and column,
  on another page of the run (a team's page against the service's);
- ``other table``: an indicator's latest figure hidden in one table (the scorecard) and shown
  as "ours" in another (the gap to England);
- text: small bases (``n=3``), parts of a whole (``58 of 59``) and a chart whose bars share one
  base with a single bar left out, in sentences and alt text;
- ``workers``: a list of individual workers' caseloads under suppression.

Each finding says where and how; a leak-free folder gives none.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

SUPPRESSED = "c"
SMALL = range(1, 6)
INTERVAL = re.compile(r"^\s*-?\d+(\.\d+)?\s*(to|–|-)\s*-?\d+(\.\d+)?\s*$")


@dataclass
class Cell:
    text: str
    css: str = ""

    @property
    def number(self) -> float | None:
        try:
            return float(self.text.replace(",", "").rstrip("%"))
        except ValueError:
            return None

    @property
    def hidden(self) -> bool:
        return self.text.strip() == SUPPRESSED


@dataclass
class Table:
    page: str
    caption: str = ""
    headers: list[str] = field(default_factory=list)
    rows: list[tuple[str, list[Cell]]] = field(default_factory=list)

    def where(self, row: str = "", column: str = "") -> str:
        at = f" row {row!r}" if row else ""
        at += f" column {column!r}" if column else ""
        return f"{self.page}: {self.caption!r}{at}"


class _TableParser(HTMLParser):
    """Collects every ``csc-table``: caption, column headings, row label and cells."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page = page
        self.tables: list[Table] = []
        self._table: Table | None = None
        self._cell: Cell | None = None
        self._in: str | None = None
        self._row: list[Cell] | None = None
        self._label: str | None = None
        self._head = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "table" and "csc-table" in (attributes.get("class") or ""):
            self._table = Table(self.page)
        elif self._table is None:
            return
        elif tag == "caption":
            self._in = "caption"
        elif tag == "thead":
            self._head = True
        elif tag == "tr" and not self._head:
            self._row, self._label = [], None
        elif tag == "th" and self._head:
            self._in, self._cell = "heading", Cell("")
        elif tag == "th":
            self._in, self._cell = "label", Cell("")
        elif tag == "td":
            self._in, self._cell = "cell", Cell("", attributes.get("class") or "")

    def handle_data(self, data: str) -> None:
        if self._table is None:
            return
        if self._in == "caption":
            self._table.caption += data
        elif self._cell is not None:
            self._cell.text += data

    def handle_endtag(self, tag: str) -> None:
        table = self._table
        if table is None:
            return
        if tag == "caption":
            self._in = None
        elif tag == "thead":
            self._head = False
        elif tag == "th" and self._cell is not None:
            if self._in == "heading":
                table.headers.append(self._cell.text.strip())
            else:
                self._label = self._cell.text.strip()
            self._cell, self._in = None, None
        elif tag == "td" and self._cell is not None and self._row is not None:
            self._row.append(self._cell)
            self._cell, self._in = None, None
        elif tag == "tr" and self._row is not None:
            table.rows.append((self._label or "", self._row))
            self._row = None
        elif tag == "table":
            self.tables.append(table)
            self._table = None


def read_tables(folder: Path) -> list[Table]:
    """Every table on every HTML page under ``folder`` (service and team pages)."""
    tables = []
    for page in sorted(folder.rglob("*.html")):
        parser = _TableParser(page.relative_to(folder).as_posix())
        parser.feed(page.read_text(encoding="utf-8", errors="replace"))
        tables += parser.tables
    return tables


def _value_columns(table: Table) -> list[str]:
    """Headings of the value cells (the row label's heading dropped when there is one)."""
    width = max((len(cells) for _, cells in table.rows), default=0)
    return table.headers[-width:] if width else []


def primary(table: Table) -> list[str]:
    columns = _value_columns(table)
    return [
        f"primary: {table.where(label, columns[i] if i < len(columns) else '')} shows {cell.text}"
        for label, cells in table.rows
        for i, cell in enumerate(cells)
        if "count" in cell.css and cell.number is not None and cell.number in SMALL
    ]


def _lines_add_up(lines: list[tuple[list[Cell], Cell]]) -> bool:
    """Whether the lines with nothing hidden add up exactly (and there is at least one)."""
    complete = [
        (parts, total)
        for parts, total in lines
        if not total.hidden and not any(p.hidden for p in parts) and total.number is not None
    ]
    return bool(complete) and all(
        abs(sum(p.number or 0 for p in parts) - (total.number or 0)) < 0.5
        for parts, total in complete
    )


def _recover(lines: list[tuple[list[Cell], Cell]], describe) -> list[str]:
    found = []
    if not _lines_add_up(lines):
        return found
    for index, (parts, total) in enumerate(lines):
        hidden = [p for p in parts if p.hidden]
        if total.hidden or total.number is None or len(hidden) != 1:
            continue
        if any(p.number is None and not p.hidden for p in parts):
            continue
        value = total.number - sum(p.number or 0 for p in parts if not p.hidden)
        found.append(f"total: {describe(index)} has its hidden count back: {value:g}")
    return found


def totals(table: Table) -> list[str]:
    """Hidden counts given back by a total row or a total column."""
    columns = _value_columns(table)
    count_at = sorted(
        {i for _, cells in table.rows for i, c in enumerate(cells) if "count" in c.css}
    )
    found: list[str] = []
    total_rows = [
        r for r, (label, _) in enumerate(table.rows) if re.match(r"(all|total)\b", label, re.I)
    ]
    for total_row in total_rows:
        parts = [cells for r, (_, cells) in enumerate(table.rows) if r not in total_rows]
        lines = [
            ([cells[i] for cells in parts if i < len(cells)], table.rows[total_row][1][i])
            for i in count_at
            if i < len(table.rows[total_row][1])
        ]
        label = table.rows[total_row][0]
        found += _recover(lines, lambda k, label=label: table.where(label, columns[count_at[k]]))
    total_columns = [
        i for i in count_at if i < len(columns) and re.match(r"(all|total)\b", columns[i], re.I)
    ]
    for total_at in total_columns[:1]:
        others = [i for i in count_at if i != total_at and i not in total_columns]
        lines = [([cells[i] for i in others], cells[total_at]) for _, cells in table.rows]
        heading = columns[total_at]
        found += _recover(lines, lambda k, heading=heading: table.where(table.rows[k][0], heading))
    return found


def derived(table: Table) -> list[str]:
    """An interval or share shown on a row whose count is hidden."""
    columns = _value_columns(table)
    found = []
    for label, cells in table.rows:
        if not any(c.hidden and "count" in c.css for c in cells):
            continue
        for i, cell in enumerate(cells):
            heading = columns[i] if i < len(columns) else ""
            if INTERVAL.match(cell.text) and "interval" in heading.lower():
                found.append(f"derived: {table.where(label, heading)} shows {cell.text}")
    return found


def complements(table: Table) -> list[str]:
    """A count and its base shown with the share that ties them, the rest being 1 to 5."""
    found = []
    for label, cells in table.rows:
        counts = [c.number for c in cells if "count" in c.css and c.number is not None]
        shares = [c.number for c in cells if "pct" in c.css and c.number is not None]
        for part in counts:
            for base in counts:
                rest = base - part
                if base <= 0 or rest not in SMALL:
                    continue
                if any(abs(100 * part / base - share) < 0.051 for share in shares):
                    found.append(
                        f"complement: {table.where(label)}: {part:g} of {base:g} leaves {rest:g}"
                    )
    return found


def _caption_key(table: Table, teams: list[str]) -> str:
    caption = table.caption
    for team in sorted(teams, key=len, reverse=True):
        caption = caption.replace(team, "TEAM")
    return caption


def other_pages(tables: list[Table], teams: list[str]) -> list[str]:
    """A cell hidden on one page and shown on another, under the same caption, row and column."""
    shown: dict[tuple[str, str, str], tuple[str, str]] = {}
    hidden: dict[tuple[str, str, str], str] = {}
    for table in tables:
        key = _caption_key(table, teams)
        columns = _value_columns(table)
        for label, cells in table.rows:
            for i, cell in enumerate(cells):
                where = (key, label, columns[i] if i < len(columns) else str(i))
                if cell.hidden:
                    hidden[where] = table.page
                elif "count" in cell.css and cell.number is not None:
                    shown[where] = (table.page, cell.text)
    return [
        f"other page: {where[0]!r} row {where[1]!r} column {where[2]!r} is hidden on "
        f"{hidden[where]} and shown as {shown[where][1]} on {shown[where][0]}"
        for where in hidden
        # The same caption twice on one page is two tables (one per year, say), not one figure.
        if where in shown and shown[where][0] != hidden[where]
    ]


OUR_FIGURE = re.compile(r"^(latest|ours|our figure|now)\b", re.I)


def same_indicator(tables: list[Table]) -> list[str]:
    """An indicator's latest figure hidden in one table and shown as ours in another."""
    withheld = {
        label
        for table in tables
        for label, cells in table.rows
        for heading, cell in zip(_value_columns(table), cells, strict=False)
        if cell.hidden and OUR_FIGURE.match(heading)
    }
    return [
        f"other table: {table.where(label, heading)} shows {cell.text}, withheld elsewhere"
        for table in tables
        for label, cells in table.rows
        if label in withheld
        for heading, cell in zip(_value_columns(table), cells, strict=False)
        if not cell.hidden and cell.number is not None and OUR_FIGURE.match(heading)
    ]


def workers(table: Table) -> list[str]:
    if "Worker" not in table.headers:
        return []
    return [f"workers: {table.where()} lists workers one by one"]


def structured_files(folder: Path) -> list[str]:
    """Small counts in JSON figures (``summary.json`` and the like) not marked suppressed."""
    found = []
    for path in sorted(folder.rglob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            continue
        stack = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack += item
            elif isinstance(item, dict):
                stack += list(item.values())
                for key in ("numerator", "count", "children"):
                    value = item.get(key)
                    if isinstance(value, int | float) and value in SMALL:
                        found.append(f"primary: {path.relative_to(folder)} has {key} {value:g}")
    return found


class _TextParser(HTMLParser):
    """The words a reader (or a screen reader) gets: text and images' alt text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        alt = dict(attrs).get("alt")
        if alt:
            self.parts.append(alt)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


SMALL_BASE = re.compile(r"\bn\s*=\s*([0-9][0-9,]*)\b")
# Not a rule about points of a chart ("2 of 3 points close to a limit") or about time.
OF = re.compile(
    r"\b([0-9][0-9,]*) of (?:the )?([0-9][0-9,]*)\b(?! (?:points|quarters|years|months|weeks))"
)


BAR = re.compile(r"([0-9.]+)% \(95% interval [^)]*?, n=([0-9,]+)\)")
NOT_SHOWN = re.compile(r"Not shown \(small numbers\): ([^.]*)\.")


def chart_parts(name: str, alt: str) -> list[str]:
    """Bars that are parts of one whole (one base for all) with a single bar left out."""
    bars = BAR.findall(alt)
    left_out = NOT_SHOWN.search(alt)
    bases = {int(n.replace(",", "")) for _, n in bars}
    if not left_out or len(bars) < 2 or len(bases) != 1:
        return []
    base = bases.pop()
    shown = sum(round(float(rate) * base / 100) for rate, _ in bars)
    if len(left_out.group(1).split(", ")) == 1 and base - shown > 0:
        return [f"total: {name} chart {alt[:60]!r} leaves out one part: {base - shown}"]
    return []


def sentences(folder: Path) -> list[str]:
    """Small bases (``n=3``) and parts of a whole (``58 of 59``) in text and alt text."""
    found = []
    for page in sorted(folder.rglob("*.html")):
        parser = _TextParser()
        parser.feed(page.read_text(encoding="utf-8", errors="replace"))
        text = " ".join(parser.parts)
        name = page.relative_to(folder).as_posix()
        for alt in parser.parts:
            if alt.startswith("Bar chart of"):
                found += chart_parts(name, alt)
        for match in SMALL_BASE.finditer(text):
            if int(match.group(1).replace(",", "")) in SMALL:
                found.append(f"primary: {name} text says {match.group(0)!r}")
        for match in OF.finditer(text):
            part, whole = (int(g.replace(",", "")) for g in match.groups())
            if part in SMALL or (whole - part) in SMALL:
                found.append(f"complement: {name} text says {match.group(0)!r}")
    return found


def attack(folder: Path, teams: list[str], suppressed: bool = True) -> list[str]:
    """Every relation of issue 14 tried over everything ``folder`` holds; the findings."""
    tables = read_tables(folder)
    findings: list[str] = []
    for table in tables:
        findings += primary(table) + totals(table) + derived(table) + complements(table)
        if suppressed:
            findings += workers(table)
    findings += other_pages(tables, teams)
    findings += same_indicator(tables)
    findings += structured_files(folder)
    findings += sentences(folder)
    return findings
