"""Annex A workbooks (Lists 6-9) written byte for byte the same for the same lists and date.

openpyxl writes a workbook's frame (styles, workbook part, header rows), once per set of
headers; ``xlsx.sheet_rows_xml`` writes the data rows; the zip is written with fixed entry
times and document dates, so the shipped sample can be compared with a fresh generation.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from functools import cache

import pandas as pd
from openpyxl import Workbook
from openpyxl.packaging.core import DocumentProperties
from openpyxl.writer.excel import ExcelWriter
from openpyxl.xml.functions import tostring

from csc_metrics.sample.annex_a import LIST_COLUMNS
from csc_metrics.sample.config import to_date
from csc_metrics.sample.xlsx import DATE_CELL, sheet_rows_xml


def workbook_bytes(
    lists: dict[str, pd.DataFrame], when: int, headers: dict[str, str] | None = None
) -> bytes:
    """Write Lists 6-9 as an .xlsx workbook whose bytes depend only on the data and the date.

    openpyxl writes the workbook with the header rows (once for each set of headers: only its
    document properties hold the date); the data rows are written as XML by
    ``xlsx.sheet_rows_xml`` (the same bytes, many times faster) unless a value needs openpyxl's
    own writer, when openpyxl writes every row.

    Args:
        lists: The lists (hidden helper columns are dropped).
        when: Snapshot day; it is also the document's created and modified date.
        headers: Header texts to write instead of the standard ones (a messy run's variants).

    Returns:
        The workbook file's bytes.
    """
    rows = {name: sheet_rows_xml(frame, LIST_COLUMNS[name]) for name, frame in lists.items()}
    if not all(xml is not None for xml in rows.values()):
        return _openpyxl_workbook_bytes(lists, when, headers, None)
    stamp = _stamp(when)
    # openpyxl registers the date style when it writes the first date; the frame has a date row
    # under the first header for that, which the rows then replace.
    date_probe = any(DATE_CELL in (xml or "") for xml in rows.values())
    sheets = tuple(
        (name, tuple((headers or {}).get(column, column) for column in LIST_COLUMNS[name]))
        for name in lists
    )
    frame = _frame_parts(sheets, date_probe)
    inserts = {
        f"xl/worksheets/sheet{number}.xml": (rows[name] or "").encode("utf-8")
        for number, name in enumerate(lists, start=1)
    }
    parts = [
        (name, _core_properties(stamp) if name == _CORE_PART else content)
        for name, content in frame
    ]
    return _zip_parts(parts, stamp, inserts)


def _stamp(when: int) -> dt.datetime:
    """A snapshot's workbook date: the snapshot day at 08:00."""
    return dt.datetime.combine(to_date(when), dt.time(8, 0))


_CREATOR = "csc-metrics sample"
_CORE_PART = "docProps/core.xml"


@cache
def _frame_parts(
    sheets: tuple[tuple[str, tuple[str, ...]], ...], date_probe: bool
) -> list[tuple[str, bytes]]:
    """The parts openpyxl writes for a workbook of these sheets and header rows, in its order.

    Every part but the document properties (``_CORE_PART``, which hold the date) is the same
    for every workbook with these headers, so openpyxl writes it once per process.
    """
    workbook = Workbook(write_only=True)
    for number, (name, header) in enumerate(sheets, start=1):
        sheet = workbook.create_sheet(name)
        sheet.append(list(header))
        if date_probe and number == 1:
            sheet.append([dt.date(2000, 1, 1)])
    buffer = io.BytesIO()
    archive = zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
    ExcelWriter(workbook, archive).save()
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    return [(info.filename, source.read(info)) for info in source.infolist()]


def _core_properties(stamp: dt.datetime) -> bytes:
    """The document properties part of a workbook created and modified at ``stamp``."""
    properties = DocumentProperties(creator=_CREATOR, created=stamp, modified=stamp)
    return tostring(properties.to_tree())


def _openpyxl_workbook_bytes(
    lists: dict[str, pd.DataFrame],
    when: int,
    headers: dict[str, str] | None,
    rows: dict[str, str | None] | None,
) -> bytes:
    """The workbook by openpyxl: every row, or (given ``rows``) the header rows plus ``rows``.

    Rows go to openpyxl one at a time: its writer takes rows, not arrays.
    """
    workbook = Workbook(write_only=True)
    inserts: dict[str, bytes] = {}
    # openpyxl registers the date style when it writes the first date; on the fast path a date
    # row under the first header does that, and is then replaced by the rows.
    date_probe = rows is not None and any(DATE_CELL in (xml or "") for xml in rows.values())
    for number, (name, frame) in enumerate(lists.items(), start=1):
        sheet = workbook.create_sheet(name)
        columns = LIST_COLUMNS[name]
        sheet.append([(headers or {}).get(column, column) for column in columns])
        if rows is not None:
            if date_probe and number == 1:
                sheet.append([dt.date(2000, 1, 1)])
            inserts[f"xl/worksheets/sheet{number}.xml"] = (rows[name] or "").encode("utf-8")
            continue
        values = frame[columns].astype(object).where(frame[columns].notna(), None)
        for record in values.itertuples(index=False, name=None):
            sheet.append(record)
    stamp = _stamp(when)
    workbook.properties.creator = _CREATOR
    workbook.properties.created = stamp
    workbook.properties.modified = stamp
    buffer = io.BytesIO()
    archive = zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
    writer = ExcelWriter(workbook, archive)
    writer.save()
    return _fixed_zip(buffer.getvalue(), stamp, inserts)


#: docProps/app.xml without the writing library's version, so an openpyxl upgrade alone does
#: not change the workbook's bytes.
_APP_XML = (
    b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'extended-properties"><Application>csc-metrics sample</Application></Properties>'
)


def _fixed_zip(data: bytes, stamp: dt.datetime, inserts: dict[str, bytes] | None = None) -> bytes:
    """Rewrite a zip with every entry's time set to ``stamp`` (zip stores local times).

    ``inserts`` maps a worksheet's name in the zip to rows to add at the end of its sheet data.
    """
    source = zipfile.ZipFile(io.BytesIO(data))
    parts = [(info.filename, source.read(info)) for info in source.infolist()]
    return _zip_parts(parts, stamp, inserts)


def _zip_parts(
    parts: list[tuple[str, bytes]], stamp: dt.datetime, inserts: dict[str, bytes] | None = None
) -> bytes:
    """A zip of ``parts`` (name, content), every entry's time set to ``stamp``.

    ``inserts`` maps a worksheet's name in the zip to rows to add at the end of its sheet data.
    """
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name, content in parts:
            entry = zipfile.ZipInfo(name, date_time=stamp.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.create_system = 0
            entry.external_attr = 0
            if name == "docProps/app.xml":
                content = _APP_XML
            if inserts and name in inserts:
                content = _insert_rows(content, inserts[name])
            target.writestr(entry, content)
    return out.getvalue()


def _insert_rows(sheet: bytes, rows: bytes) -> bytes:
    """A worksheet's XML with ``rows`` after its header row (and instead of a date probe row)."""
    head, tail = sheet.split(b"</sheetData>", 1)
    probe = head.find(b'<row r="2">')
    if probe != -1:
        head = head[:probe]
    return head + rows + b"</sheetData>" + tail
