"""Reading the workforce list (``workforce.csv``) and the funded establishment list.

The workforce list has one row per worker: ``worker_id, team, role, fte, agency, start_date,
qualified_date``. It gives each worker's team (which is the team of their cases) and FTE (the
denominator of caseload per FTE). The optional establishment list gives funded FTE by team, from
which vacancies are worked out (``establishment.csv``: ``team, funded_fte``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from csc_metrics.caseload.csv_files import read_csv_table
from csc_metrics.caseload.issues import file_headers, log_rows
from csc_metrics.caseload.values import (
    as_text,
    clean_identifier,
    map_labels,
    parse_dates,
    parse_numbers,
    same_spelling,
    strip_ordinal_prefix,
)
from csc_metrics.caseload.vocabulary import (
    AGENCY_VALUES,
    ESTABLISHMENT_HEADINGS,
    ESTABLISHMENT_REQUIRED,
    WORKFORCE_HEADINGS,
    WORKFORCE_REQUIRED,
)
from csc_metrics.quality import DataQualityLog
from csc_metrics.schemas import CleanWorkforce, column_names

DATASET = "caseload"
WORKFORCE_TABLE = "workforce"
ESTABLISHMENT_TABLE = "establishment"

#: A workforce list's rows as read, before duplicates are resolved: the clean table's columns
#: (``schemas.CleanWorkforce``) with the row each came from.
WORKFORCE_ROW_COLUMNS = [*column_names(CleanWorkforce), "source_row"]

#: Two rows for one worker whose FTEs add up to no more than this are one split post.
FULL_TIME = 1.0
#: Tolerance when comparing summed FTEs with a whole post (0.6 + 0.4 is not exactly 1 in floats).
FTE_TOLERANCE = 1e-9
#: The largest FTE a worker's row can have: above it (hours typed as FTE, 1e308, inf) it is an
#: impossible value, not used.
MAX_FTE = 2.0


def read_workforce_cells(
    path: Path, source: str, snapshot_date: pd.Timestamp, log: DataQualityLog
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Read a workforce list as text, for ``clean_workforce``.

    Args:
        path: The file.
        source: Its path relative to the raw folder.
        snapshot_date: The snapshot date, stored on every row.
        log: Data-quality log.

    Returns:
        ``(cells, headers)``: the text cells of ``vocabulary.WORKFORCE_HEADINGS`` with
        ``snapshot_date``, ``source_file`` and ``source_row``, and the header each column had.

    Raises:
        InputError: If the file cannot be read or lacks worker_id, team, fte or agency.
    """
    cells, headers = read_csv_table(
        path, source, WORKFORCE_HEADINGS, WORKFORCE_REQUIRED, WORKFORCE_TABLE, log
    )
    return cells.assign(snapshot_date=snapshot_date), headers


def clean_workforce(
    cells: pd.DataFrame, headers: pd.DataFrame, log: DataQualityLog
) -> pd.DataFrame:
    """Clean the workforce lists of any number of snapshots, one row per worker per snapshot.

    Rows without a worker id are dropped (``error``). FTE that is blank, unreadable, negative or 0
    is kept as blank or 0 with a ``warning``: such workers are listed, not counted, in caseload
    per FTE. An unrecognised agency flag is taken as "not agency" with a ``warning``. Duplicate
    worker rows are resolved by ``resolve_duplicate_workers``.

    Args:
        cells: Text cells from ``read_workforce_cells``, of one or more files.
        headers: Header as written in each file, indexed by ``source_file``.
        log: Data-quality log.

    Returns:
        Columns ``WORKFORCE_ROW_COLUMNS``.
    """
    worker = clean_identifier(cells["worker_id"])
    missing = cells.loc[worker.isna()]
    _warn(
        log,
        missing,
        "missing_worker_id",
        file_headers(missing, headers, "worker_id"),
        None,
        "The row has no worker id, so the worker cannot be matched to cases; row not used.",
        severity="error",
    )
    cells = cells.loc[worker.notna()]
    workforce = pd.DataFrame(index=cells.index)
    workforce["snapshot_date"] = cells["snapshot_date"]
    # A later row's spelling wins, so "w1" then "W1" are one worker written "W1".
    workforce["worker_id"] = same_spelling(
        worker.loc[cells.index][::-1], cells["snapshot_date"][::-1]
    )[::-1]
    workforce["team"] = strip_ordinal_prefix(as_text(cells["team"]))
    workforce["role"] = as_text(cells["role"])
    workforce["fte"] = _clean_fte(cells, file_headers(cells, headers, "fte"), log)
    workforce["agency"] = _clean_agency(cells, file_headers(cells, headers, "agency"), log)
    for column in ("start_date", "qualified_date"):
        workforce[column] = _clean_date(cells, column, headers, log)
    workforce["source_file"] = cells["source_file"].astype(str)
    workforce["source_row"] = cells["source_row"].astype("int64")
    return resolve_duplicate_workers(workforce[WORKFORCE_ROW_COLUMNS], log)


def _warn(
    log: DataQualityLog,
    rows: pd.DataFrame,
    rule: str,
    column: str | pd.Series | None,
    value: pd.Series | None,
    message: str | pd.Series,
    severity: str = "warning",
    table: str = WORKFORCE_TABLE,
) -> None:
    """Record an issue per row; a per-row ``column`` (each file's header) is aligned to ``rows``."""
    if isinstance(column, pd.Series):
        column = column.loc[rows.index]
    log_rows(
        log,
        rows,
        table=table,
        rule=rule,
        severity=severity,
        column=column,
        value=value,
        message=message,
    )


def _clean_fte(cells: pd.DataFrame, header: pd.Series, log: DataQualityLog) -> pd.Series:
    fte, unreadable = parse_numbers(cells["fte"])
    raw = as_text(cells["fte"])
    # Negative, infinite or beyond any post (1e308): impossible, so an error and not used.
    impossible = fte.lt(0) | ~np.isfinite(fte.fillna(0.0)) | fte.gt(MAX_FTE)
    fte = fte.mask(impossible)
    _warn(
        log,
        cells.loc[unreadable | impossible],
        "invalid_fte",
        header,
        raw.loc[unreadable | impossible],
        f"FTE must be a number from 0 to {MAX_FTE:g}; it was not used, so this worker is "
        "listed but not counted in caseload per FTE.",
        severity="error",
    )
    negative = impossible
    not_counted = (fte.isna() & ~(unreadable | negative)) | fte.eq(0)
    _warn(
        log,
        cells.loc[not_counted],
        "fte_zero_or_missing",
        header,
        raw.loc[not_counted],
        "FTE is 0 or blank: this worker is listed but not counted in caseload per FTE or the "
        "FTE-based workforce measures.",
    )
    over = fte.gt(FULL_TIME + FTE_TOLERANCE)
    _warn(
        log,
        cells.loc[over],
        "fte_above_one",
        header,
        raw.loc[over],
        "FTE is above 1 (a full-time post); check it is FTE and not hours. Used as given.",
    )
    return fte


def _clean_agency(cells: pd.DataFrame, header: pd.Series, log: DataQualityLog) -> pd.Series:
    raw = as_text(cells["agency"])
    agency = map_labels(raw, AGENCY_VALUES)
    unknown = agency.isna()
    _warn(
        log,
        cells.loc[unknown],
        "invalid_agency",
        header,
        raw.loc[unknown],
        "Agency must be 1/0, Y/N or yes/no; the worker is taken as not agency.",
    )
    return agency.fillna(False).astype(bool)


def _clean_date(
    cells: pd.DataFrame, column: str, headers: pd.DataFrame, log: DataQualityLog
) -> pd.Series:
    dates, unreadable = parse_dates(cells[column])
    _warn(
        log,
        cells.loc[unreadable],
        "unreadable_date",
        file_headers(cells.loc[unreadable], headers, column),
        as_text(cells.loc[unreadable, column]),
        "Not a date (expected dd/mm/yyyy, yyyy-mm-dd or an Excel date); left blank.",
    )
    return dates


def resolve_duplicate_workers(workforce: pd.DataFrame, log: DataQualityLog) -> pd.DataFrame:
    """Keep one row per worker per snapshot, with a warning for every row merged away.

    The last row in the file is kept: HR extracts list a change (a move of team, a new FTE) as a
    later row. One exception: when a worker's rows are in different teams and their FTEs add up
    to no more than 1, they are one person's split post, so the kept row's FTE is their sum.

    Args:
        workforce: Clean workforce rows with ``snapshot_date``, ``source_file`` and
            ``source_row``, in file order.
        log: Data-quality log.

    Returns:
        One row per worker per snapshot.
    """
    worker = ["snapshot_date", "worker_id"]
    duplicated = workforce.duplicated(worker, keep=False)
    if not duplicated.any():
        return workforce.reset_index(drop=True)
    groups = workforce.loc[duplicated].groupby(worker)
    summary = pd.DataFrame(
        {
            "teams": groups["team"].nunique(dropna=False),
            "fte_sum": groups["fte"].sum(min_count=1),
            "rows": groups.size(),
            "kept_row": groups["source_row"].last(),
        }
    )
    summary["split_post"] = summary["teams"].gt(1) & summary["fte_sum"].le(
        FULL_TIME + FTE_TOLERANCE
    )
    kept = workforce.drop_duplicates(worker, keep="last").set_index(worker)
    split = summary.index[summary["split_post"]]
    kept.loc[split, "fte"] = summary.loc[split, "fte_sum"]
    dropped = workforce.loc[duplicated & workforce.duplicated(worker, keep="last")]
    info = summary.reindex(pd.MultiIndex.from_frame(dropped[worker]))
    how = np.where(
        info["split_post"].to_numpy(),
        "; they are in different teams with FTEs adding up to no more than 1, so they were "
        "taken as one split post: FTE "
        # A blank FTE sum (every row blank) is no split post; fill it so the text still joins.
        + info["fte_sum"].round(2).astype(str).fillna("").to_numpy()
        + " in the team of the last row.",
        "; the last row was kept.",
    )
    message = (
        "Worker "
        + dropped["worker_id"].to_numpy()
        + " has "
        + info["rows"].astype(str).to_numpy()
        + " rows in the workforce list; row "
        + dropped["source_row"].astype(str).to_numpy()
        + " was merged into row "
        + info["kept_row"].astype(str).to_numpy()
        + how
    )
    _warn(
        log,
        dropped,
        "duplicate_worker",
        "worker_id",
        dropped["worker_id"],
        pd.Series(message, index=dropped.index),
    )
    return kept.reset_index()[WORKFORCE_ROW_COLUMNS]


def read_establishment_cells(
    path: Path, source: str, snapshot_date: pd.Timestamp, log: DataQualityLog
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Read a funded establishment list as text, for ``clean_establishment``.

    Args:
        path: The file.
        source: Its path relative to the raw folder.
        snapshot_date: The snapshot date, stored on every row.
        log: Data-quality log.

    Returns:
        ``(cells, headers)``: the text cells of ``team`` and ``funded_fte`` with
        ``snapshot_date``, ``source_file`` and ``source_row``, and the header each column had.

    Raises:
        InputError: If the file cannot be read or lacks team or funded_fte.
    """
    cells, headers = read_csv_table(
        path, source, ESTABLISHMENT_HEADINGS, ESTABLISHMENT_REQUIRED, ESTABLISHMENT_TABLE, log
    )
    return cells.assign(snapshot_date=snapshot_date), headers


def clean_establishment(
    cells: pd.DataFrame, headers: pd.DataFrame, log: DataQualityLog
) -> pd.DataFrame:
    """Clean the funded establishment lists of any number of snapshots: funded FTE by team.

    Rows without a team, or whose funded FTE is not a number of 0 or more, cannot be used and are
    dropped (``error``). Several rows for one team in a snapshot are added up (a list of posts is
    fine), noted as ``info``.

    Args:
        cells: Text cells from ``read_establishment_cells``, of one or more files.
        headers: Header as written in each file, indexed by ``source_file``.
        log: Data-quality log.

    Returns:
        Columns ``snapshot_date, team, funded_fte``, one row per team per snapshot.
    """
    team = strip_ordinal_prefix(as_text(cells["team"]))
    funded, _ = parse_numbers(cells["funded_fte"])
    unusable = team.isna() | funded.isna() | funded.lt(0)
    _warn(
        log,
        cells.loc[unusable],
        "invalid_establishment_row",
        file_headers(cells, headers, "funded_fte"),
        as_text(cells.loc[unusable, "funded_fte"]),
        "Each row needs a team and a funded FTE of 0 or more; row not used.",
        severity="error",
        table=ESTABLISHMENT_TABLE,
    )
    usable = pd.DataFrame(
        {"snapshot_date": cells["snapshot_date"], "team": team, "funded_fte": funded}
    ).loc[~unusable]
    repeated = usable.loc[usable.duplicated(["snapshot_date", "team"], keep=False)]
    _warn(
        log,
        cells.loc[repeated.index],
        "establishment_team_repeated",
        file_headers(cells, headers, "team"),
        repeated["team"],
        "The team has several rows; their funded FTEs were added up.",
        severity="info",
        table=ESTABLISHMENT_TABLE,
    )
    return usable.groupby(["snapshot_date", "team"], as_index=False, sort=True)["funded_fte"].sum()
