"""Writing a generated council to disk in the real layouts.

::

    ssda903/<YYYY>/header.csv, episodes.csv, oc3.csv, uasc.csv, missing.csv,
                   sw_episodes.csv (2024 on)
    caseload/<YYYY-MM-DD>/annex_a.xlsx (or cases.csv), workforce.csv, establishment.csv
    reference/postcodes.csv, population.csv
    MANIFEST.md
"""

from __future__ import annotations

import contextlib
import os
import struct
from collections.abc import Iterable
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

from csc_metrics.forked import ForkedCall
from csc_metrics.sample.annex_a import establishment_table, open_cases, workforce_table
from csc_metrics.sample.config import SampleConfig, to_date
from csc_metrics.sample.generate import SyntheticCouncil
from csc_metrics.sample.geography import lookup_table, population_table
from csc_metrics.sample.manifest import render
from csc_metrics.sample.messy import FileOptions, MessyPlan, apply_messy, csv_bytes, plan_messy
from csc_metrics.sample.ssda903 import FILE_NAMES
from csc_metrics.sample.workbook import workbook_bytes

MANIFEST_NAME = "MANIFEST.md"


def snapshot_folder_name(when: int) -> str:
    """Name of a caseload snapshot folder: its date as ``YYYY-MM-DD``."""
    return to_date(when).isoformat()


def write_council(council: SyntheticCouncil, out: Path) -> list[Path]:
    """Write every file of the council under ``out``.

    The caseload snapshots' files (each a workbook or ``cases.csv``, the workforce and the
    establishment) depend only on the council, so where this process can fork, a child writes
    them beside it: the two take snapshots from one queue (``_SnapshotQueue``), this process
    once it has written the SSDA903 returns (``forked.ForkedCall``). The files are the same
    wherever they are written.

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
    establishment = establishment_table(council.service)
    snapshots = config.snapshot_dates
    queue = _SnapshotQueue(len(snapshots))
    # Where this process cannot fork, or the child fails, ``result`` writes from the queue
    # here, which by then is empty: what the child did not finish is written below.
    helper = ForkedCall(partial(_write_queued, council, plan, out, establishment, queue))
    try:
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
        if plan is not None:
            for when in snapshots:
                plan.quirks.extend(_snapshot_quirks(config, plan, when))
        # Every quirk is planned now: the manifest is made before this process takes snapshots
        # from the queue, so that the child has none left to write when this one is done.
        manifest = render(council, plan, row_counts).encode("utf-8")
        done, postcodes = _write_queued(council, plan, out, establishment, queue)
        used_postcodes |= postcodes
        helped, helped_postcodes = helper.result()
    except BaseException:
        helper.cancel()
        raise
    finally:
        queue.close()
    done |= helped
    used_postcodes |= helped_postcodes
    # Whatever the child did not finish (it failed, or none was started), written here.
    left = [number for number in range(len(snapshots)) if number not in done]
    if left:
        _, postcodes = _write_snapshots(council, plan, out, establishment, left)
        used_postcodes |= postcodes
    for when in snapshots:
        writer.written.extend(out / name for name in _snapshot_files(config, when))
    pool = council.geography.postcodes
    used_rows = np.flatnonzero(pool["postcode"].isin(used_postcodes).to_numpy())
    writer.csv(lookup_table(council.geography, used_rows), "reference/postcodes.csv")
    writer.csv(
        population_table(config.first_year, config.last_year, config.scale),
        "reference/population.csv",
    )
    writer.raw(manifest, MANIFEST_NAME)
    return writer.written


def _snapshot_files(config: SampleConfig, when: int) -> list[str]:
    """The files of one caseload snapshot, in the order they are written."""
    folder = f"caseload/{snapshot_folder_name(when)}"
    cases = "annex_a.xlsx" if config.write_workbooks else "cases.csv"
    return [f"{folder}/{cases}", f"{folder}/workforce.csv", f"{folder}/establishment.csv"]


def _snapshot_quirks(config: SampleConfig, plan: MessyPlan, when: int) -> list[dict]:
    """The quirks a messy run plants in one snapshot's files, as the manifest lists them."""
    folder = f"caseload/{snapshot_folder_name(when)}"
    quirks: list[dict] = []
    if config.write_workbooks and when == plan.header_variant:
        quirks.append(
            {
                "quirk": "header_variant",
                "files": [f"{folder}/annex_a.xlsx"],
                "rows": [1],
                "column": "Age",
                "count": 4,
                "detail": "every list's 'Age' header reads 'Age of Child (Years)'",
            }
        )
    if when == plan.workforce_duplicate:
        quirks.append(
            {
                "quirk": "duplicated_worker",
                "files": [f"{folder}/workforce.csv"],
                "rows": [6],
                "column": None,
                "count": 1,
                "detail": "an exact copy of the worker row above",
            }
        )
    return quirks


def _write_snapshot(
    council: SyntheticCouncil,
    plan: MessyPlan | None,
    writer: _Writer,
    establishment: pd.DataFrame,
    when: int,
) -> set[str]:
    """Write one caseload snapshot's files; return the placement postcodes its lists use."""
    config = council.config
    cases, workforce_file, establishment_file = _snapshot_files(config, when)
    lists = council.snapshot_lists(when)
    used_postcodes: set[str] = set()
    if config.write_workbooks:
        used_postcodes.update(lists["List 8"]["Placement postcode"].dropna().unique())
        headers = None
        if plan is not None and when == plan.header_variant:
            headers = {"Age": "Age of Child (Years)"}
        writer.raw(workbook_bytes(lists, when, headers), cases)
    else:
        writer.csv(open_cases(lists), cases)
    workforce = workforce_table(council.service, when)
    if plan is not None and when == plan.workforce_duplicate:
        workforce = pd.concat(
            [workforce.iloc[:4], workforce.iloc[[3]], workforce.iloc[4:]], ignore_index=True
        )
    writer.csv(workforce, workforce_file)
    writer.csv(establishment, establishment_file)
    return used_postcodes


def _write_snapshots(
    council: SyntheticCouncil,
    plan: MessyPlan | None,
    out: Path,
    establishment: pd.DataFrame,
    numbers: Iterable[int],
) -> tuple[set[int], set[str]]:
    """Write the snapshots of these numbers (places in the configuration's snapshot dates).

    Returns:
        The numbers written and the placement postcodes their lists use.
    """
    writer = _Writer(out, plan)
    done: set[int] = set()
    used_postcodes: set[str] = set()
    for number in numbers:
        when = council.config.snapshot_dates[number]
        used_postcodes |= _write_snapshot(council, plan, writer, establishment, when)
        done.add(number)
    return done, used_postcodes


def _write_queued(
    council: SyntheticCouncil,
    plan: MessyPlan | None,
    out: Path,
    establishment: pd.DataFrame,
    queue: _SnapshotQueue,
) -> tuple[set[int], set[str]]:
    """Write snapshots taken from ``queue`` one at a time until it is empty."""
    return _write_snapshots(council, plan, out, establishment, iter(queue.take, None))


class _SnapshotQueue:
    """Snapshot numbers handed out once each to whichever process asks next.

    The numbers wait in a pipe, four bytes each, written before any child is forked; a read of
    four bytes takes one whole number (Linux reads a pipe under its lock), so this process and
    a forked child never take the same one. An empty pipe whose writing end is closed reads
    as the end.
    """

    _RECORD = struct.Struct("<I")

    def __init__(self, count: int) -> None:
        """Queue the numbers 0 to ``count - 1``.

        Args:
            count: How many snapshots.
        """
        data = b"".join(self._RECORD.pack(number) for number in range(count))
        self._read, write = os.pipe()
        try:
            # A pipe holds 64 KiB: 16,000 snapshots, far more than any run has.
            os.write(write, data)
        finally:
            os.close(write)

    def take(self) -> int | None:
        """The next number, or None once every number has been taken."""
        data = os.read(self._read, self._RECORD.size)
        if not data:
            return None
        return int(self._RECORD.unpack(data)[0])

    def close(self) -> None:
        """Close this process's end of the pipe."""
        with contextlib.suppress(OSError):
            os.close(self._read)


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
