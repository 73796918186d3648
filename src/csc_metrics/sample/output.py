"""Writing a generated council to disk in the real layouts.

::

    ssda903/<YYYY>/header.csv, episodes.csv, oc3.csv, uasc.csv, missing.csv,
                   sw_episodes.csv (2024 on)
    caseload/<YYYY-MM-DD>/annex_a.xlsx (or cases.csv), workforce.csv, establishment.csv
    reference/postcodes.csv, population.csv
    MANIFEST.md
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from csc_metrics.sample.annex_a import (
    establishment_table,
    open_cases,
    workbook_bytes,
    workforce_table,
)
from csc_metrics.sample.config import to_date
from csc_metrics.sample.generate import SyntheticCouncil
from csc_metrics.sample.geography import lookup_table, population_table
from csc_metrics.sample.manifest import render
from csc_metrics.sample.messy import FileOptions, MessyPlan, apply_messy, csv_bytes, plan_messy
from csc_metrics.sample.ssda903 import FILE_NAMES

MANIFEST_NAME = "MANIFEST.md"


def snapshot_folder_name(when: int) -> str:
    """Name of a caseload snapshot folder: its date as ``YYYY-MM-DD``."""
    return to_date(when).isoformat()


def write_council(council: SyntheticCouncil, out: Path) -> list[Path]:
    """Write every file of the council under ``out``.

    Args:
        council: The generated council.
        out: Output folder (created if needed; existing files of the same names are replaced).

    Returns:
        The files written, in the order written.
    """
    out = Path(out)
    config = council.config
    plan = plan_messy(config) if config.messy else None
    writer = _Writer(out, plan)
    used_postcodes: set[str] = set()
    row_counts: dict[int, dict[str, int]] = {}
    for year in config.years:
        tables = council.year_tables(year)
        row_counts[year] = {table: len(frame) for table, frame in tables.items()}
        if plan is not None:
            tables = apply_messy(config, plan, year, tables)
        for table, frame in tables.items():
            writer.csv(frame, f"ssda903/{year}/{FILE_NAMES[table]}")
            if table == "episodes":
                used_postcodes.update(frame["PL_POST"].str.strip().str.upper().unique())
                used_postcodes.update(frame["HOME_POST"].str.strip().str.upper().unique())
    establishment = establishment_table(council.service)
    for when in config.snapshot_dates:
        folder = f"caseload/{snapshot_folder_name(when)}"
        lists = council.snapshot_lists(when)
        if config.write_workbooks:
            used_postcodes.update(lists["List 8"]["Placement postcode"].dropna().unique())
            headers = None
            if plan is not None and when == plan.header_variant:
                headers = {"Age": "Age of Child (Years)"}
                plan.quirks.append(
                    {
                        "quirk": "header_variant",
                        "files": [f"{folder}/annex_a.xlsx"],
                        "rows": [1],
                        "column": "Age",
                        "count": 4,
                        "detail": "every list's 'Age' header reads 'Age of Child (Years)'",
                    }
                )
            writer.raw(workbook_bytes(lists, when, headers), f"{folder}/annex_a.xlsx")
        else:
            writer.csv(open_cases(lists), f"{folder}/cases.csv")
        workforce = workforce_table(council.service, when)
        if plan is not None and when == plan.workforce_duplicate:
            workforce = pd.concat(
                [workforce.iloc[:4], workforce.iloc[[3]], workforce.iloc[4:]], ignore_index=True
            )
            plan.quirks.append(
                {
                    "quirk": "duplicated_worker",
                    "files": [f"{folder}/workforce.csv"],
                    "rows": [6],
                    "column": None,
                    "count": 1,
                    "detail": "an exact copy of the worker row above",
                }
            )
        writer.csv(workforce, f"{folder}/workforce.csv")
        writer.csv(establishment, f"{folder}/establishment.csv")
    pool = council.geography.postcodes
    used_rows = np.flatnonzero(pool["postcode"].isin(used_postcodes).to_numpy())
    writer.csv(lookup_table(council.geography, used_rows), "reference/postcodes.csv")
    writer.csv(
        population_table(config.first_year, config.last_year, config.scale),
        "reference/population.csv",
    )
    writer.raw(render(council, plan, row_counts).encode("utf-8"), MANIFEST_NAME)
    return writer.written


class _Writer:
    """Writes files under one folder, applying a messy run's file options."""

    def __init__(self, out: Path, plan: MessyPlan | None) -> None:
        self.out = out
        self.plan = plan
        self.written: list[Path] = []

    def csv(self, frame: pd.DataFrame, relative: str) -> None:
        options = self.plan.files.get(relative) if self.plan else None
        self.raw(csv_bytes(frame, options or FileOptions()), relative)

    def raw(self, data: bytes, relative: str) -> None:
        path = self.out / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        self.written.append(path)
