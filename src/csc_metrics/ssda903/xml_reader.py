"""Reading the DfE XML form of the SSDA903 return into the same text tables as the CSVs.

The DfE layout (the one the DfE schema and the data-to-insight validator use) nests it so::

    <CHILD>
      <HEADER>
        <CHILDID/> <SEX/> <DOB/> ... <UASC/> <DUC/> <IN_TOUCH/> <ACTIV/> <ACCOM/> <DATE_INT/> ...
        <AREVIEW>...</AREVIEW> <AMISSING>...</AMISSING> <OC2>...</OC2>
        <PERMANENCE>...</PERMANENCE> <AD_PLACED>...</AD_PLACED>
      </HEADER>
      <EPISODE>...</EPISODE>
      <EPISODE>...</EPISODE>
    </CHILD>

so ``CHILDID`` sits inside ``HEADER`` and the episodes are the header's siblings. A ``CHILD``
element is always one child record: everything inside it, wrappers such as ``HEADER`` included,
belongs to it. Files without ``CHILD`` elements (the flat layout: any element holding ``CHILDID``
directly, with its repeating groups inside it) are read as before. Tag names are the CSV column
names except ``CHILDID`` (CSV ``CHILD``) and ``PL`` (CSV ``PLACE``).

The file is parsed in one streaming pass with expat, which reports the line each record starts
on, so data-quality issues point at a line of the XML file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.parsers import expat

import numpy as np
import pandas as pd

from csc_metrics.errors import InputError
from csc_metrics.ssda903.raw import RawTable, finish_table
from csc_metrics.ssda903.specs import table_specs

#: Repeating-group element -> table it belongs to.
GROUP_TABLES = {
    "EPISODE": "episodes",
    "AMISSING": "missing",
    "AREVIEW": "reviews",
    "OC2": "oc2",
    "PERMANENCE": "prev_perm",
    "AD_PLACED": "placed_adoption",
    "SW_EPISODE": "sw_episodes",
    "SWEPISODE": "sw_episodes",
    "DOLO": "dolo",
}
#: XML tag -> CSV column, where they differ.
TAG_TO_COLUMN = {"CHILDID": "CHILD", "PL": "PLACE"}
#: Tables held with the Header items; a child has one when this item is present.
CHILD_LEVEL_TABLES = {"oc3": "IN_TOUCH", "uasc": "DUC", "ad1": "DATE_INT"}


@dataclass
class _Element:
    """An open XML element while parsing."""

    tag: str
    line: int
    fields: dict[str, str] = field(default_factory=dict)
    text: list[str] = field(default_factory=list)
    has_children: bool = False
    groups: list[tuple[str, int, dict[str, str]]] = field(default_factory=list)


class _Collector:
    """Expat handlers that collect each record's leaf values and starting line."""

    def __init__(self, parser: expat.XMLParserType) -> None:
        self.parser = parser
        self.stack: list[_Element] = []
        self.records: dict[str, list[dict[str, str]]] = {}

    def start(self, tag: str, _attributes: dict) -> None:
        if self.stack:
            self.stack[-1].has_children = True
        self.stack.append(_Element(tag.upper(), self.parser.CurrentLineNumber))

    def text(self, data: str) -> None:
        if self.stack:
            self.stack[-1].text.append(data)

    def end(self, _tag: str) -> None:
        element = self.stack.pop()
        parent = self.stack[-1] if self.stack else None
        if not element.has_children:
            if parent is not None:
                parent.fields[TAG_TO_COLUMN.get(element.tag, element.tag)] = "".join(
                    element.text
                ).strip()
        elif element.tag in GROUP_TABLES:
            if parent is not None:
                parent.groups.append((GROUP_TABLES[element.tag], element.line, element.fields))
        elif element.tag == "CHILD" or (
            "CHILD" in element.fields and not any(open_.tag == "CHILD" for open_ in self.stack)
        ):
            if "CHILD" not in element.fields:
                raise InputError(
                    f"The CHILD element starting on line {element.line} has no CHILDID: "
                    "every child needs its CHILDID inside its HEADER."
                )
            self._emit_child(element)
        elif parent is not None:
            # A wrapper such as HEADER: its items and groups belong to the enclosing child.
            parent.fields.update(element.fields)
            parent.groups.extend(element.groups)

    def _emit_child(self, element: _Element) -> None:
        fields = element.fields
        self._add("header", element.line, fields)
        for table, item in CHILD_LEVEL_TABLES.items():
            if fields.get(item) or (table == "uasc" and fields.get("UASC") == "1"):
                self._add(table, element.line, fields)
        for table, line, group_fields in element.groups:
            self._add(table, line, {**fields, **group_fields, "CHILD": fields["CHILD"]})

    def _add(self, table: str, line: int, fields: dict[str, str]) -> None:
        self.records.setdefault(table, []).append({**fields, "_line": str(line)})


def read_xml_tables(
    data: bytes, path: str, collection_year: int, file_order: int
) -> list[RawTable]:
    """Read a DfE SSDA903 XML file into one text table per SSDA903 table it holds.

    Args:
        data: The file's bytes.
        path: Path relative to the raw folder.
        collection_year: Year the collection ends in.
        file_order: Position of the file in reading order.

    Returns:
        The tables found, each with the DfE CSV columns (absent items blank).

    Raises:
        InputError: If the file is not well-formed XML or holds no child records.
    """
    parser = expat.ParserCreate()
    collector = _Collector(parser)
    parser.StartElementHandler = collector.start
    parser.EndElementHandler = collector.end
    parser.CharacterDataHandler = collector.text
    try:
        parser.Parse(data, True)
    except expat.ExpatError as error:
        raise InputError(
            f"{path} is not well-formed XML (line {error.lineno}: {expat.ErrorString(error.code)})."
        ) from None
    if not collector.records:
        raise InputError(f"{path} holds no SSDA903 child records (no CHILDID elements).")
    specs = table_specs()
    tables = []
    for table, rows in collector.records.items():
        spec = specs[table]
        frame = pd.DataFrame(rows)
        source_rows = frame.pop("_line").astype(int).to_numpy(dtype=np.int64)
        frame = frame.reindex(columns=list(spec.columns)).astype("str").fillna("")
        tables.append(
            finish_table(spec, path, collection_year, file_order, "xml", frame, source_rows)
        )
    return tables
