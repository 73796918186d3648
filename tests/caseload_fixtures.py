"""Hand-made caseload fixtures shared by tests/unit/caseload/ and tests/unit/indicators/.

The standard snapshot (2024-03-31) is small enough to work out by hand; every figure the tests
expect is derived in the comments of ``STANDARD_LISTS`` and ``STANDARD_WORKFORCE`` and in the
tests themselves.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl

from csc_metrics.privacy import Pseudonymiser
from csc_metrics.quality import DataQualityLog

SNAPSHOT = "2024-03-31"
PSEUDONYMISER = Pseudonymiser(b"caseload-test-key")

# Workers (workforce.csv below):
#   W1 North 1.0 FTE employed   qualified 2014 -> 4 cases (C01, C02 CLA; C03 CP; C73 CIN)
#   W2 North 0.5 FTE agency     qualified 2023-01-15 (newly) -> 11 cases, over 20 x 0.5 = 10
#   W3 South 0 FTE              -> 2 cases (C30 CLA, C31 CIN): listed, not counted (FTE 0)
#   W4 South 1.0 FTE agency (Y) qualified 2010 -> 3 cases (C40 CLA, C41 CP, C42 CLA+CIN)
#   W5 South 0.1 FTE employed   no qualified date -> 6 cases = 60 per FTE > 50: listed
#   W9 not in the workforce list, case row team "East" -> 1 case (C90 CIN)
#   unallocated: C60 CP (South), C61 CIN (North, worker written "Unallocated")
#   closed, not cases: C70 (CIN closed 10/01/2024, a datetime cell), C71 (CPP ended on the
#   snapshot date, Excel serial 45382 = 2024-03-31), C72 (ceased care "15/02/2024", text).
#   C73's CIN closure date 2024-04-30 is after the snapshot, so C73 is open.
# Open cases: 4 + 11 + 2 + 3 + 6 + 1 + 2 = 29 children.
#   CLA: C01 C02 C30 C40 C42 = 5; CP: C03 C15 C16 C17 C41 C60 = 6;
#   CIN: C73 C10-C14 C31 C50-C55 C90 C61 = 15; CARE_LEAVER: C18 C19 C20 = 3.
STANDARD_LISTS: dict[str, list[list[object]]] = {
    "List 1": [["Child Unique ID", "Date of Contact"], ["C99", "01/03/2024"]],
    # Header variants: "Child ID", "Allocated team", "Allocated Social Worker"; a title row on
    # top; "a) " prefixes on teams.
    "List 6 - CIN": [
        ["Annex A List 6: children in need"],
        [
            "Child ID",
            "Age",
            "CIN Start Date",
            "CIN Closure Date",
            "Allocated team",
            "Allocated Social Worker",
        ],
        ["C10", 7, "01/01/2024", None, "a) North", "W2"],
        ["C11", 7, "01/01/2024", None, "a) North", "W2"],
        ["C12", 7, "01/01/2024", None, "a) North", "W2"],
        ["C13", 7, "01/01/2024", None, "a) North", "W2"],
        ["C14", 7, "01/01/2024", None, "a) North", "W2"],
        ["C31", 7, "01/01/2024", None, "b) South", "W3"],
        ["C42", 7, "01/01/2024", None, "South", "W4"],
        ["C50", 7, "01/01/2024", None, "South", "W5"],
        ["C51", 7, "01/01/2024", None, "South", "W5"],
        ["C52", 7, "01/01/2024", None, "South", "W5"],
        ["C53", 7, "01/01/2024", None, "South", "W5"],
        ["C54", 7, "01/01/2024", None, "South", "W5"],
        ["C55", 7, "01/01/2024", None, "South", "W5"],
        ["C90", 7, "01/01/2024", None, "East", "W9"],
        ["C61", 7, "01/01/2024", None, "North", "Unallocated"],
        ["C70", 7, "01/01/2023", dt.datetime(2024, 1, 10), "North", "W1"],
        ["C73", 7, "01/01/2024", "2024-04-30", "North", "W1"],
    ],
    "List 7": [
        ["Child Unique ID", "CPP Start Date", "CPP End Date", "Allocated Team", "Allocated Worker"],
        ["C03", "01/01/2024", None, "North", "W1"],
        ["C15", "01/01/2024", None, "North", "W2"],
        ["C16", "01/01/2024", None, "North", "W2"],
        ["C17", "01/01/2024", None, "North", "W2"],
        ["C41", "01/01/2024", None, "South", "W4"],
        ["C60", "01/01/2024", None, "South", None],
        ["C71", "01/01/2023", 45382, "North", "W1"],
    ],
    # Spacing and case differ from the template; C40's row names a team that W4 is not in.
    "list8": [
        [
            "CHILD  UNIQUE ID ",
            "Date Ceased to be Looked After",
            "Allocated Team",
            "Allocated Worker",
        ],
        ["C01", None, "North", "W1"],
        ["C02", None, "North", "W1"],
        ["C30", None, "South", "W3"],
        ["C40", None, "Old Team", "W4"],
        ["C42", None, "South", "W4"],
        ["C72", "15/02/2024", "North", "W1"],
    ],
    "9. Leaving Care": [
        ["Child Unique ID", "Allocated Team", "Allocated Worker", "Activity Status"],
        [1018.0, "North", "W2", "F1: Full time in higher education"],
        ["C19", "North", "W2", "F1: Full time in higher education"],
        ["C20", "North", "W2", "F1: Full time in higher education"],
    ],
}
# C18 is written as the number 1018.0 in List 9 (an Excel artefact): it is child "1018".

STANDARD_WORKFORCE = (
    "worker_id,team,role,fte,agency,start_date,qualified_date\n"
    "W1,North,Social worker,1,0,01/04/2015,01/07/2014\n"
    "W2,North,Social worker,0.5,1,01/06/2023,2023-01-15\n"
    "W3,South,Social worker,0,0,01/04/2019,01/07/2018\n"
    "W4,South,Senior practitioner,1,Y,01/09/2012,01/09/2010\n"
    "W5,South,Social worker,0.1,no,01/01/2024,\n"
)

# Funded FTE: North 2.0, South 3.0.
STANDARD_ESTABLISHMENT = "team,funded_fte\nNorth,2\nSouth,3\n"


def write_workbook(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    """Write an .xlsx with one sheet per entry, rows as given."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return path


def write_text(path: Path, text: str) -> Path:
    """Write a small text file, creating its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def standard_snapshot(raw: Path, date: str = SNAPSHOT, establishment: bool = True) -> Path:
    """Write the standard snapshot under ``raw/caseload/<date>/`` and return the caseload folder."""
    folder = raw / "caseload" / date
    write_workbook(folder / "annex_a.xlsx", STANDARD_LISTS)
    write_text(folder / "workforce.csv", STANDARD_WORKFORCE)
    if establishment:
        write_text(folder / "establishment.csv", STANDARD_ESTABLISHMENT)
    return raw / "caseload"


def pseudonym(child: str) -> str:
    """The test pseudonym of a raw child id."""
    return PSEUDONYMISER.one(child)


def new_log() -> DataQualityLog:
    """A fresh data-quality log."""
    return DataQualityLog()
