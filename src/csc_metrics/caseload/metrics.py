"""Caseload and workforce indicators at a snapshot, overall and per team (spec §4).

Every function takes the processed data (``io.ProcessedData``) and works on one snapshot at a
time, vectorised over workers and cases. ``compute_caseload_indicators`` returns the long
``MetricTable`` shape shared with the placement and care-leaver indicators.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from csc_metrics.caseload.worker_changes import worker_changes_rows
from csc_metrics.geography import round_half_up
from csc_metrics.io import ProcessedData
from csc_metrics.schemas import METRIC_COLUMNS, MetricTable
from csc_metrics.settings import DEFAULT_SETTINGS, Settings

#: The caseload indicators ``csc-metrics indicators`` shows beside the placement ones.
HEADLINE_CASELOAD_INDICATORS: tuple[str, ...] = (
    "caseload_per_fte",
    "workers_over_threshold_pct",
    "unallocated_cases_count",
)

#: Group label for cases or workers with no team recorded, so team figures add up to the total.
TEAM_NOT_RECORDED = "Team not recorded"

#: Why a worker is not a case-holding worker (spec §4), in the order the reasons are checked.
EXCLUSION_REASONS: dict[str, str] = {
    "not_in_workforce": "not in the workforce list (no FTE)",
    "no_cases": "no cases",
    "fte_missing": "FTE missing",
    "fte_zero": "FTE 0",
    "over_max": "over the maximum cases per FTE (probable data error)",
}

#: A snapshot this close to 12 months before another is its "year earlier" for turnover.
TURNOVER_TOLERANCE = pd.Timedelta(days=31)

WORKER_COLUMNS = [
    "worker_id",
    "team",
    "role",
    "fte",
    "agency",
    "cases",
    "cases_per_fte",
    "is_case_holding",
    "excluded_reason",
    "over_threshold",
]


# --- Snapshots -----------------------------------------------------------------------------------


def snapshot_dates(data: ProcessedData) -> list[pd.Timestamp]:
    """List the snapshot dates held in the caseload history, oldest first.

    Args:
        data: Processed data.

    Returns:
        Every date with cases or a workforce list.
    """
    dates = pd.concat([data.cases["snapshot_date"], data.workforce["snapshot_date"]])
    return [pd.Timestamp(d) for d in sorted(pd.to_datetime(dates).dropna().unique())]


def latest_snapshot(data: ProcessedData, period_end: object) -> pd.Timestamp | None:
    """Return the latest snapshot date on or before a reference date.

    Args:
        data: Processed data.
        period_end: The reference date ``R``.

    Returns:
        The snapshot date, or None if no snapshot was taken on or before ``R``.
    """
    reference = pd.Timestamp(period_end)
    earlier = [d for d in snapshot_dates(data) if d <= reference]
    return earlier[-1] if earlier else None


def _cases_at(data: ProcessedData, snapshot_date: pd.Timestamp) -> pd.DataFrame:
    cases = data.cases.loc[data.cases["snapshot_date"] == snapshot_date]
    return cases.assign(team=cases["team"].fillna(TEAM_NOT_RECORDED))


def _workforce_at(data: ProcessedData, snapshot_date: pd.Timestamp) -> pd.DataFrame:
    workforce = data.workforce.loc[data.workforce["snapshot_date"] == snapshot_date]
    return workforce.assign(team=workforce["team"].fillna(TEAM_NOT_RECORDED))


# --- Tables for the notebooks --------------------------------------------------------------------


def worker_caseloads(
    data: ProcessedData, snapshot_date: object, settings: Settings = DEFAULT_SETTINGS
) -> pd.DataFrame:
    """One row per worker at a snapshot: their cases, FTE and whether they are counted.

    Workers come from the workforce list, plus any worker named on a case who is missing from it
    (their team is the team most of their cases give; their FTE is unknown). A worker is
    case-holding (counted in every caseload indicator) when they have at least one case, FTE above
    0 and no more than ``settings.max_cases_per_fte`` cases per FTE; otherwise
    ``excluded_reason`` says why. ``over_threshold`` is whether a case-holding worker's cases
    exceed ``settings.caseload_threshold`` x FTE (blank for workers who are not case-holding).

    Args:
        data: Processed data.
        snapshot_date: The snapshot date.
        settings: ``caseload_threshold`` and ``max_cases_per_fte``.

    Returns:
        Columns ``WORKER_COLUMNS``, sorted by team and worker.
    """
    snapshot_date = pd.Timestamp(snapshot_date)
    cases = _cases_at(data, snapshot_date)
    listed = _workforce_at(data, snapshot_date)[["worker_id", "team", "role", "fte", "agency"]]
    allocated = cases.loc[cases["worker_id"].notna()]
    held = allocated.groupby("worker_id")["child_id"].nunique()
    unlisted = _unlisted_workers(allocated, listed)
    workers = pd.concat(
        [listed.assign(agency=listed["agency"].astype("boolean"), in_list=True), unlisted],
        ignore_index=True,
    )
    workers["cases"] = workers["worker_id"].map(held).fillna(0).astype("int64")
    workers["cases_per_fte"] = workers["cases"] / workers["fte"].where(workers["fte"].gt(0))
    workers["excluded_reason"] = _exclusion_reason(workers, settings)
    workers["is_case_holding"] = workers["excluded_reason"].isna()
    over = workers["cases"].gt(settings.caseload_threshold * workers["fte"])
    workers["over_threshold"] = over.astype("boolean").where(workers["is_case_holding"])
    return workers.sort_values(["team", "worker_id"]).reset_index(drop=True)[WORKER_COLUMNS]


def _unlisted_workers(allocated: pd.DataFrame, listed: pd.DataFrame) -> pd.DataFrame:
    """Workers named on cases but absent from the workforce list, with their cases' main team."""
    absent = allocated.loc[~allocated["worker_id"].isin(listed["worker_id"])]
    teams = (
        absent.groupby(["worker_id", "team"])
        .size()
        .rename("n")
        .reset_index()
        .sort_values(["worker_id", "n", "team"], ascending=[True, False, True])
        .drop_duplicates("worker_id")
    )
    return pd.DataFrame(
        {
            "worker_id": teams["worker_id"],
            "team": teams["team"],
            "role": pd.Series(np.nan, index=teams.index, dtype=object),
            "fte": np.nan,
            "agency": pd.array([pd.NA] * len(teams), dtype="boolean"),
            "in_list": False,
        }
    )


def _exclusion_reason(workers: pd.DataFrame, settings: Settings) -> pd.Series:
    conditions = {
        "not_in_workforce": ~workers["in_list"].astype(bool),
        "no_cases": workers["cases"].eq(0),
        "fte_missing": workers["fte"].isna(),
        "fte_zero": workers["fte"].eq(0),
        "over_max": workers["cases_per_fte"].gt(settings.max_cases_per_fte),
    }
    reason = np.select(
        list(conditions.values()), [EXCLUSION_REASONS[k] for k in conditions], default=""
    )
    return pd.Series(reason, index=workers.index).replace("", np.nan)


def excluded_workers(
    data: ProcessedData, snapshot_date: object, settings: Settings = DEFAULT_SETTINGS
) -> pd.DataFrame:
    """Workers who hold cases but are left out of the caseload indicators, with the reason.

    These are the workers spec §4 says to list, not count: FTE 0 or missing (including workers
    missing from the workforce list) and workers above ``settings.max_cases_per_fte``.

    Args:
        data: Processed data.
        snapshot_date: The snapshot date.
        settings: Local rules.

    Returns:
        The matching rows of ``worker_caseloads``.
    """
    workers = worker_caseloads(data, snapshot_date, settings)
    return workers.loc[workers["cases"].gt(0) & ~workers["is_case_holding"]].reset_index(drop=True)


def unallocated_cases(data: ProcessedData, snapshot_date: object) -> pd.DataFrame:
    """Open and unallocated cases at a snapshot, by team and case type.

    Args:
        data: Processed data.
        snapshot_date: The snapshot date.

    Returns:
        Columns ``team, case_type, open_cases, unallocated_cases``; one row per team and case
        type with at least one open case.
    """
    cases = _cases_at(data, pd.Timestamp(snapshot_date))
    return (
        cases.assign(unallocated=cases["worker_id"].isna())
        .groupby(["team", "case_type"], as_index=False)
        .agg(open_cases=("child_id", "size"), unallocated_cases=("unallocated", "sum"))
        .astype({"open_cases": "int64", "unallocated_cases": "int64"})
    )


#: Bands of cases per FTE for the caseload distribution: (lower bound inclusive, label).
CASELOAD_BANDS: tuple[tuple[float, str], ...] = (
    (0.0, "under 10"),
    (10.0, "10 to under 15"),
    (15.0, "15 to under 20"),
    (20.0, "20 to under 25"),
    (25.0, "25 to under 30"),
    (30.0, "30 or more"),
)


def caseload_distribution(
    data: ProcessedData, snapshot_date: object = None, settings: Settings = DEFAULT_SETTINGS
) -> pd.DataFrame:
    """How caseloads are spread across case-holding workers, overall and per team.

    Args:
        data: Processed data.
        snapshot_date: One snapshot date, or None for every snapshot.
        settings: Local rules deciding who is case-holding.

    Returns:
        One row per snapshot and group (``breakdown`` "total"/``group`` "all", and "team"):
        ``workers`` (case-holding), ``min``, ``p25``, ``median``, ``p75``, ``max`` of cases per
        FTE, and the number of workers in each ``CASELOAD_BANDS`` band (one column per label).
    """
    dates = snapshot_dates(data) if snapshot_date is None else [pd.Timestamp(snapshot_date)]
    frames = [worker_caseloads(data, d, settings).assign(snapshot_date=d) for d in dates]
    columns = [
        "snapshot_date",
        "breakdown",
        "group",
        "workers",
        "min",
        "p25",
        "median",
        "p75",
        "max",
        *(label for _, label in CASELOAD_BANDS),
    ]
    if not frames:
        return pd.DataFrame(columns=columns)
    workers = pd.concat(frames, ignore_index=True)
    workers = workers.loc[workers["is_case_holding"]]
    edges = [lower for lower, _ in CASELOAD_BANDS] + [np.inf]
    labels = [label for _, label in CASELOAD_BANDS]
    workers = workers.assign(
        band=pd.cut(workers["cases_per_fte"], edges, right=False, labels=labels)
    )
    both = pd.concat(
        [
            workers.assign(breakdown="total", group="all"),
            workers.assign(breakdown="team", group=workers["team"]),
        ],
        ignore_index=True,
    )
    keys = ["snapshot_date", "breakdown", "group"]
    per_fte = both.groupby(keys)["cases_per_fte"]
    summary = per_fte.agg(workers="size", min="min", max="max")
    quartiles = (
        per_fte.quantile([0.25, 0.5, 0.75])
        .unstack()
        .reindex(columns=[0.25, 0.5, 0.75])
        .set_axis(["p25", "median", "p75"], axis=1)
    )
    bands = pd.crosstab(
        [both["snapshot_date"], both["breakdown"], both["group"]], both["band"], dropna=False
    ).reindex(columns=labels, fill_value=0)
    table = summary.join(quartiles).join(bands).reset_index()
    table[labels] = table[labels].fillna(0).astype("int64")
    # The overall row first, then teams alphabetically, within each snapshot.
    table = table.sort_values(
        ["snapshot_date", "breakdown", "group"], key=_total_first
    ).reset_index(drop=True)
    return table[columns]


def _total_first(column: pd.Series) -> pd.Series:
    return column.map({"total": "0", "team": "1"}) if column.name == "breakdown" else column


# --- Metric rows ---------------------------------------------------------------------------------


def _rows(
    indicator_id: str,
    breakdown: str,
    groups: pd.DataFrame,
    unit: str,
) -> pd.DataFrame:
    """Turn grouped numerators and denominators into metric rows.

    ``groups`` has ``group, numerator`` and optionally ``denominator, unknown``. A percentage is
    to one decimal place, a ratio too; a count's value is its numerator. A zero denominator gives a
    blank value.
    """
    frame = groups.copy()
    for column in ("denominator", "unknown"):
        if column not in frame:
            frame[column] = np.nan
    denominator = frame["denominator"].where(frame["denominator"].gt(0))
    scale = {"pct": 100.0, "ratio": 1.0}
    if unit == "count":
        frame["value"] = frame["numerator"]
    else:
        # Half up, as the placement and care-leaver indicators and published statistics round.
        frame["value"] = round_half_up(scale[unit] * frame["numerator"] / denominator, 1)
    frame["indicator_id"] = indicator_id
    frame["breakdown"] = breakdown
    frame["group"] = frame["group"].astype(str)
    return frame


def _by_total_and(
    frame: pd.DataFrame, breakdown_columns: dict[str, str | list[str]], sums: dict[str, str]
) -> list[tuple[str, pd.DataFrame]]:
    """Sum columns overall ("total"/"all") and for each breakdown (team, case type...)."""
    totals = pd.DataFrame({name: [frame[column].sum()] for name, column in sums.items()})
    out = [("total", totals.assign(group="all"))]
    for breakdown, columns in breakdown_columns.items():
        keys = [columns] if isinstance(columns, str) else columns
        grouped = frame.groupby(keys, as_index=False).agg(
            **{name: (column, "sum") for name, column in sums.items()}
        )
        group = grouped[keys[0]].astype(str)
        for key in keys[1:]:
            group = group + " | " + grouped[key].astype(str)
        grouped["group"] = group
        out.append((breakdown, grouped))
    return out


def _caseload_rows(workers: pd.DataFrame, settings: Settings) -> list[pd.DataFrame]:
    holding = workers["is_case_holding"]
    left_out = workers["cases"].gt(0) & ~holding
    frame = workers.assign(
        held_cases=workers["cases"].where(holding, 0),
        held_fte=workers["fte"].where(holding, 0.0),
        left_out_cases=workers["cases"].where(left_out, 0),
        holders=holding.astype(int),
        over=workers["over_threshold"].fillna(False).astype(int),
        left_out_workers=left_out.astype(int),
    )
    per_fte = _by_total_and(
        frame,
        {"team": "team"},
        {"numerator": "held_cases", "denominator": "held_fte", "unknown": "left_out_cases"},
    )
    over = _by_total_and(
        frame,
        {"team": "team"},
        {"numerator": "over", "denominator": "holders", "unknown": "left_out_workers"},
    )
    return [_rows("caseload_per_fte", b, g, "ratio") for b, g in per_fte] + [
        _rows("workers_over_threshold_pct", b, g, "pct") for b, g in over
    ]


def _case_rows(cases: pd.DataFrame) -> list[pd.DataFrame]:
    frame = cases.assign(one=1, unallocated=cases["worker_id"].isna().astype(int))
    breakdowns = {
        "team": "team",
        "case_type": "case_type",
        "team_case_type": ["team", "case_type"],
    }
    unallocated = _by_total_and(frame, breakdowns, {"numerator": "unallocated"})
    by_type = _by_total_and(frame, breakdowns, {"numerator": "one"})
    return [_rows("unallocated_cases_count", b, g, "count") for b, g in unallocated] + [
        _rows("caseload_by_type", b, g, "count") for b, g in by_type
    ]


def _workforce_rows(
    workforce: pd.DataFrame, snapshot_date: pd.Timestamp, settings: Settings
) -> list[pd.DataFrame]:
    in_post = workforce["fte"].gt(0)
    qualified = workforce["qualified_date"]
    known_qualified = in_post & qualified.notna() & qualified.le(snapshot_date)
    newly_since = snapshot_date - pd.DateOffset(years=settings.newly_qualified_years)
    frame = workforce.assign(
        fte_in_post=workforce["fte"].where(in_post, 0.0),
        agency_fte=workforce["fte"].where(in_post & workforce["agency"], 0.0),
        no_fte=(~in_post).astype(int),
        known_fte=workforce["fte"].where(known_qualified, 0.0),
        newly_fte=workforce["fte"].where(known_qualified & qualified.gt(newly_since), 0.0),
        qualified_unknown=(in_post & ~known_qualified).astype(int),
    )
    agency = _by_total_and(
        frame,
        {"team": "team"},
        {"numerator": "agency_fte", "denominator": "fte_in_post", "unknown": "no_fte"},
    )
    newly = _by_total_and(
        frame,
        {"team": "team"},
        {"numerator": "newly_fte", "denominator": "known_fte", "unknown": "qualified_unknown"},
    )
    return [_rows("agency_workers_pct", b, g, "pct") for b, g in agency] + [
        _rows("newly_qualified_pct", b, g, "pct") for b, g in newly
    ]


def _vacancy_rows(
    data: ProcessedData, workforce: pd.DataFrame, snapshot_date: pd.Timestamp
) -> list[pd.DataFrame]:
    """Vacancy rate per funded team and overall; agency-filled posts count as vacant (DfE)."""
    establishment = data.establishment.loc[data.establishment["snapshot_date"] == snapshot_date]
    if establishment.empty:
        return []
    employed = workforce["fte"].where(workforce["fte"].gt(0) & ~workforce["agency"], 0.0)
    in_post = employed.groupby(workforce["team"]).sum()
    teams = establishment.assign(in_post=establishment["team"].map(in_post).fillna(0.0))
    teams["vacant"] = (teams["funded_fte"] - teams["in_post"]).clip(lower=0.0)
    vacancies = _by_total_and(
        teams, {"team": "team"}, {"numerator": "vacant", "denominator": "funded_fte"}
    )
    return [_rows("vacancy_rate_pct", b, g, "pct") for b, g in vacancies]


def year_earlier_snapshot(data: ProcessedData, snapshot_date: object) -> pd.Timestamp | None:
    """Return the workforce snapshot taken about 12 months before a snapshot, if there is one.

    Args:
        data: Processed data.
        snapshot_date: The later snapshot.

    Returns:
        The workforce snapshot closest to 12 months earlier, within ``TURNOVER_TOLERANCE`` either
        side, or None.
    """
    target = pd.Timestamp(snapshot_date) - pd.DateOffset(years=1)
    dates = pd.Series(pd.to_datetime(data.workforce["snapshot_date"].unique()))
    distance = (dates - target).abs()
    near = dates.loc[distance.le(TURNOVER_TOLERANCE)]
    if near.empty:
        return None
    return pd.Timestamp(near.loc[distance.loc[near.index].idxmin()])


def _turnover_rows(
    data: ProcessedData, workforce: pd.DataFrame, snapshot_date: pd.Timestamp
) -> list[pd.DataFrame]:
    """FTE of last year's workers who are no longer in the list / last year's FTE, by old team."""
    earlier_date = year_earlier_snapshot(data, snapshot_date)
    if earlier_date is None or workforce.empty:
        return []
    earlier = _workforce_at(data, earlier_date)
    in_post = earlier["fte"].gt(0)
    left = ~earlier["worker_id"].isin(workforce["worker_id"])
    frame = earlier.assign(
        fte_then=earlier["fte"].where(in_post, 0.0),
        leavers_fte=earlier["fte"].where(in_post & left, 0.0),
    )
    turnover = _by_total_and(
        frame, {"team": "team"}, {"numerator": "leavers_fte", "denominator": "fte_then"}
    )
    return [_rows("social_worker_turnover_pct", b, g, "pct") for b, g in turnover]


def _empty_metric_table() -> pd.DataFrame:
    columns = MetricTable.to_schema().columns
    return MetricTable.validate(
        pd.DataFrame({name: pd.Series(dtype=str(c.dtype)) for name, c in columns.items()})
    )


def compute_caseload_indicators(
    data: ProcessedData, period_end: object, settings: Settings = DEFAULT_SETTINGS
) -> pd.DataFrame:
    """Caseload and workforce indicators at a reference date, overall and per team.

    The snapshot used is the latest on or before ``period_end``; the rows carry ``period_end``
    as their reference date. ``worker_changes_12m`` comes from the SSDA903 social-worker episodes
    rather than a snapshot, so it is given whenever those episodes cover the 12 months to
    ``period_end``, even with no snapshot.

    Args:
        data: Processed data.
        period_end: The reference date ``R``.
        settings: Local rules (caseload threshold, maximum cases per FTE, newly qualified years,
            worker changes threshold, short-break legal statuses).

    Returns:
        A ``MetricTable`` frame; empty when there is no snapshot on or before ``period_end`` and no
        social-worker episodes covering its window.
    """
    reference = pd.Timestamp(period_end)
    parts = [worker_changes_rows(data, reference, settings)]
    snapshot_date = latest_snapshot(data, reference)
    if snapshot_date is not None:
        workers = worker_caseloads(data, snapshot_date, settings)
        workforce = _workforce_at(data, snapshot_date)
        parts += _caseload_rows(workers, settings)
        parts += _case_rows(_cases_at(data, snapshot_date))
        parts += _workforce_rows(workforce, snapshot_date, settings)
        parts += _vacancy_rows(data, workforce, snapshot_date)
        parts += _turnover_rows(data, workforce, snapshot_date)
    parts = [p for p in parts if p is not None and len(p)]
    if not parts:
        return _empty_metric_table()
    table = pd.concat(parts, ignore_index=True).assign(period_end=reference)
    return MetricTable.validate(table[METRIC_COLUMNS].reset_index(drop=True))


def caseload_series(data: ProcessedData, settings: Settings = DEFAULT_SETTINGS) -> pd.DataFrame:
    """Caseload and workforce indicators at every snapshot date, oldest first.

    Args:
        data: Processed data.
        settings: Local rules.

    Returns:
        A ``MetricTable`` frame whose ``period_end`` is each snapshot date.
    """
    tables = [compute_caseload_indicators(data, d, settings) for d in snapshot_dates(data)]
    tables = [t for t in tables if len(t)]
    if not tables:
        return _empty_metric_table()
    return MetricTable.validate(pd.concat(tables, ignore_index=True))
