"""The SSDA903 tables and code lists, as data.

Everything here is read from the shared package data (``reference/ssda903_tables.csv`` and
``reference/ssda903_codes.csv``) or held in small module-level tables, so that a new collection
year's codes are a change to a CSV, never to an if-chain.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import pandas as pd

from csc_metrics.reference_files import read_reference

#: Tables csc-metrics cleans and writes to ``processed/``; the others are recognised and noted.
USED_TABLES = (
    "header",
    "episodes",
    "oc3",
    "uasc",
    "missing",
    "sw_episodes",
    "ad1",
    "placed_adoption",
    "prev_perm",
)

#: DfE tables that are not in the shared table list yet but appear in a council's full extract,
#: so that their files are recognised (and noted as not used) rather than rejected.
EXTRA_TABLES = pd.DataFrame(
    {
        "table": ["dolo"] * 4,
        "dfe_name": ["DoLo"] * 4,
        "column": ["CHILD", "DOB", "DOLO_START", "DOLO_END"],
        "kind": ["id", "date", "date", "date"],
        "first_year": [2027] * 4,
    }
)

#: Columns shared by many tables, which say little about which table a file holds.
COMMON_COLUMNS = frozenset({"CHILD", "DOB", "SEX"})

#: Ethnic group of each ETHNIC code: whole codes first, then by first letter (definitions.md,
#: "Conventions").
ETHNIC_GROUP_BY_CODE = {"REFU": "Refused or not obtained", "NOBT": "Refused or not obtained"}
ETHNIC_GROUP_BY_LETTER = {
    "W": "White",
    "M": "Mixed",
    "A": "Asian",
    "B": "Black",
    "C": "Other",
    "O": "Other",
}
ETHNIC_NOT_RECORDED = "Not recorded"


@dataclass(frozen=True)
class TableSpec:
    """One DfE SSDA903 table.

    Attributes:
        table: Short name (``episodes``).
        dfe_name: The DfE's name (``Episodes``).
        columns: Column names in DfE order.
        kinds: Column name -> kind (``id``, ``code``, ``date``, ``postcode``, ``text``).
        used: Whether csc-metrics cleans and writes this table.
    """

    table: str
    dfe_name: str
    columns: tuple[str, ...]
    kinds: dict[str, str]
    used: bool

    @property
    def distinctive(self) -> frozenset[str]:
        """Columns that point to this table rather than to any table with a child and DOB."""
        return frozenset(self.columns) - COMMON_COLUMNS


@cache
def table_specs() -> dict[str, TableSpec]:
    """Return every recognised SSDA903 table, keyed by short name, in DfE order."""
    tables = pd.concat(
        [read_reference("ssda903_tables.csv"), EXTRA_TABLES.astype(str)], ignore_index=True
    )
    specs = {}
    for name, rows in tables.groupby("table", sort=False):
        specs[str(name)] = TableSpec(
            table=str(name),
            dfe_name=str(rows["dfe_name"].iloc[0]),
            columns=tuple(rows["column"]),
            kinds=dict(zip(rows["column"], rows["kind"], strict=True)),
            used=name in USED_TABLES,
        )
    return specs


@cache
def code_list() -> pd.DataFrame:
    """Return every valid code with the collection years it is valid in.

    Returns:
        Columns ``table, column, code, first_year, last_year, label, current_code``; the years
        are integers, with 0 and 9999 standing for open-ended.
    """
    codes = read_reference("ssda903_codes.csv")
    codes["first_year"] = pd.to_numeric(codes["first_year"].replace("", "0")).astype(int)
    codes["last_year"] = pd.to_numeric(codes["last_year"].replace("", "9999")).astype(int)
    return codes


def codes_for(table: str, column: str) -> pd.DataFrame:
    """Return the code list of one column (empty if the column has no list)."""
    codes = code_list()
    return codes[(codes["table"] == table) & (codes["column"] == column)].reset_index(drop=True)
