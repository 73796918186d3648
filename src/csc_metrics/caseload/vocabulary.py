"""The words the caseload readers recognise: sheet names, column headers and coded values.

Real Annex A workbooks and local extracts spell the same thing many ways (formats.md §4, §6.7).
Every accepted spelling lives in the tables below, so supporting a new variant is a one-line data
change. Headers and values are compared after ``normalise_label`` (lower case, letters and digits
only), so case, spacing, punctuation and curly quotes never matter and need no entries here.
"""

from __future__ import annotations

import re

# --- Annex A lists -----------------------------------------------------------------------------

#: Annex A list number -> case type held by a child on that list (formats.md §4).
ANNEX_A_LIST_CASE_TYPES: dict[int, str] = {6: "CIN", 7: "CP", 8: "CLA", 9: "CARE_LEAVER"}

#: Annex A list number -> its Ofsted title, for messages.
ANNEX_A_LIST_TITLES: dict[int, str] = {
    6: "Children in Need",
    7: "Child Protection",
    8: "Children in Care",
    9: "Leaving Care Services",
}

#: Case type -> plain words for messages and reports.
CASE_TYPE_LABELS: dict[str, str] = {
    "CIN": "child in need",
    "CP": "child protection",
    "CLA": "child looked after",
    "CARE_LEAVER": "care leaver",
}

#: Sheet-name patterns that carry a list number ("List 6", "list6", "List 6 - CIN", "6. CIN").
ANNEX_A_SHEET_NUMBER_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(r"\blist\s*[-_.:#]?\s*(\d{1,2})(?!\d)", re.IGNORECASE),
    re.compile(r"^\s*(\d{1,2})\s*[.):\-_ ]", re.IGNORECASE),
)

#: Sheet titles without a list number, normalised -> list number ("Children in Need" -> 6).
ANNEX_A_SHEET_TITLES: dict[str, int] = {
    "childreninneed": 6,
    "childinneed": 6,
    "cin": 6,
    "childprotection": 7,
    "childprotectionplans": 7,
    "cp": 7,
    "childrenincare": 8,
    "childrenlookedafter": 8,
    "lookedafterchildren": 8,
    "cla": 8,
    "lac": 8,
    "leavingcareservices": 9,
    "leavingcare": 9,
    "careleavers": 9,
}

#: Canonical column -> accepted Annex A headers, most preferred first.
ANNEX_A_HEADINGS: dict[str, tuple[str, ...]] = {
    "child_id": (
        "Child Unique ID",
        "Child ID",
        "Child Unique Identifier",
        "Unique Child ID",
        "Child Identifier",
        "Child Reference",
        "Child Ref",
        "Person ID",
        "CHILD",
    ),
    "team": ("Allocated Team", "Allocated Team Name", "Team", "Team Name"),
    "worker_id": (
        "Allocated Worker",
        "Allocated Social Worker",
        "Allocated Worker ID",
        "Allocated Social Worker ID",
        "Social Worker",
        "Worker",
        "Worker ID",
    ),
}

#: List number -> accepted headers of the date on or before which a row is closed (spec §4).
ANNEX_A_CLOSURE_HEADINGS: dict[int, tuple[str, ...]] = {
    6: ("CIN Closure Date", "CIN End Date", "Date CIN Closed", "Case Closure Date", "Closure Date"),
    7: (
        "CPP End Date",
        "CP End Date",
        "Child Protection Plan End Date",
        "Date CPP Ended",
        "CP Plan End Date",
    ),
    8: (
        "Date Ceased to be Looked After",
        "Date Ceased Looked After",
        "Date Ceased to be LAC",
        "Date Ceased to be CLA",
        "Date Ceased Care",
        "Date Ceased",
    ),
}

#: How many rows from the top of a sheet are searched for the header row (title rows above it).
HEADER_SEARCH_ROWS = 10

# --- cases.csv, workforce.csv, establishment.csv -----------------------------------------------

#: Canonical column -> accepted cases.csv headers.
CASES_CSV_HEADINGS: dict[str, tuple[str, ...]] = {
    "child_id": ("child_id", "Child ID", "Child Unique ID", "CHILD"),
    "case_type": ("case_type", "Case Type", "Type"),
    "team": ("team", "Allocated Team", "Team Name"),
    "worker_id": ("worker_id", "Worker ID", "Allocated Worker", "Allocated Social Worker"),
    "allocated_date": ("allocated_date", "Allocated Date", "Date Allocated", "Allocation Date"),
}
CASES_CSV_REQUIRED: tuple[str, ...] = ("child_id", "case_type", "team", "worker_id")

#: Canonical column -> accepted workforce.csv headers.
WORKFORCE_HEADINGS: dict[str, tuple[str, ...]] = {
    "worker_id": ("worker_id", "Worker ID", "Staff ID", "Social Worker ID", "SWE No", "SWENo"),
    "team": ("team", "Team Name", "Allocated Team"),
    "role": ("role", "Job Title", "Org Role", "OrgRole"),
    "fte": ("fte", "Full Time Equivalent", "FTE30"),
    "agency": ("agency", "Agency Worker", "AgencyWorker", "Is Agency"),
    "start_date": ("start_date", "Start Date", "Date Started"),
    "qualified_date": ("qualified_date", "Qualified Date", "Date Qualified", "Qualification Date"),
}
WORKFORCE_REQUIRED: tuple[str, ...] = ("worker_id", "team", "fte", "agency")

#: Canonical column -> accepted establishment.csv headers.
ESTABLISHMENT_HEADINGS: dict[str, tuple[str, ...]] = {
    "team": ("team", "Team Name"),
    "funded_fte": ("funded_fte", "Funded FTE", "Establishment FTE", "Establishment", "Funded"),
}
ESTABLISHMENT_REQUIRED: tuple[str, ...] = ("team", "funded_fte")

# --- Values --------------------------------------------------------------------------------------

#: Normalised case-type spellings in cases.csv -> case type.
CASE_TYPE_VALUES: dict[str, str] = {
    "cin": "CIN",
    "childinneed": "CIN",
    "childreninneed": "CIN",
    "cinplan": "CIN",
    "cp": "CP",
    "cpp": "CP",
    "childprotection": "CP",
    "childprotectionplan": "CP",
    "cla": "CLA",
    "lac": "CLA",
    "cic": "CLA",
    "lookedafter": "CLA",
    "lookedafterchild": "CLA",
    "childlookedafter": "CLA",
    "childrenlookedafter": "CLA",
    "childincare": "CLA",
    "childrenincare": "CLA",
    "careleaver": "CARE_LEAVER",
    "careleavers": "CARE_LEAVER",
    "leavingcare": "CARE_LEAVER",
    "cl": "CARE_LEAVER",
}

#: Normalised agency flags -> agency worker or not.
AGENCY_VALUES: dict[str, bool] = {
    "1": True,
    "y": True,
    "yes": True,
    "true": True,
    "agency": True,
    "0": False,
    "n": False,
    "no": False,
    "false": False,
    "permanent": False,
    "employed": False,
}

#: Normalised worker values that mean "no worker allocated" rather than a worker's id.
UNALLOCATED_WORKER_VALUES: frozenset[str] = frozenset(
    {"unallocated", "notallocated", "none", "na", "nk", "tba", "tbc", "awaitingallocation"}
)


def normalise_label(text: str) -> str:
    """Reduce a header or coded value to lower-case letters and digits only.

    Args:
        text: A header or value as written.

    Returns:
        The normalised form ("Allocated  Team " -> "allocatedteam").
    """
    return re.sub(r"[^0-9a-z]", "", str(text).lower())
