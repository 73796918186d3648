"""Caseload and workforce indicators at a snapshot, overall and per team.

Definitions: docs/definitions.md, "Caseloads and the workforce".

Every function takes the processed data (``storage.ProcessedData``) and works vectorised over
workers and cases; a series counts every snapshot it needs at once, with the snapshot date as
one more key, so that a long series costs little more than one date.
``compute_caseload_indicators`` returns the long ``MetricTable`` shape shared with the
placement and care-leaver indicators.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from csc_metrics.catalogue import unit_format
from csc_metrics.geography import round_half_up
from csc_metrics.indicators.snapshots import snapshot_dates, year_earlier_snapshot
from csc_metrics.indicators.worker_changes import worker_changes_rows
from csc_metrics.schemas import METRIC_COLUMNS, MetricTable
from csc_metrics.settings import DEFAULT_SETTINGS, Settings
from csc_metrics.storage import ProcessedData

#: The caseload indicators ``csc-metrics indicators`` shows beside the placement ones.
HEADLINE_CASELOAD_INDICATORS: tuple[str, ...] = (
    "caseload_per_fte",
    "workers_over_threshold_pct",
    "unallocated_cases_count",
)

#: Group label for cases or workers with no team recorded, so team figures add up to the total.
TEAM_NOT_RECORDED = "Team not recorded"

#: Why a worker is not a case-holding worker (definitions.md, "Caseloads and the workforce":
#: "Case-holding workers"), in the order the reasons are checked.
EXCLUSION_REASONS: dict[str, str] = {
    "not_in_workforce": "not in the workforce list (no FTE)",
    "no_cases": "no cases",
    "fte_missing": "FTE missing",
    "fte_zero": "FTE 0",
    "over_max": "over the maximum cases per FTE (probable data error)",
}

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


def _cases_at(
    data: ProcessedData, snapshots: list[pd.Timestamp], columns: list[str] | None = None
) -> pd.DataFrame:
    """The cases of the given snapshots, in table order, with a team for every case.

    Args:
        data: Processed data.
        snapshots: The snapshot dates.
        columns: Only these columns (with ``team``), or None for all: a national history has
            5.4 million case rows, and every text column taken costs time.
    """
    cases = data.cases if columns is None else data.cases[columns]
    cases = cases.loc[cases["snapshot_date"].isin(snapshots).to_numpy()]
    return cases.assign(team=cases["team"].fillna(TEAM_NOT_RECORDED))


def _workforce_at(data: ProcessedData, snapshots: list[pd.Timestamp]) -> pd.DataFrame:
    """The workforce lists of the given snapshots, in table order, with a team for every worker."""
    workforce = data.workforce.loc[data.workforce["snapshot_date"].isin(snapshots)]
    return workforce.assign(team=workforce["team"].fillna(TEAM_NOT_RECORDED))


def _pairs(frame: pd.DataFrame) -> pd.MultiIndex:
    """(snapshot date, worker) of each row, to match workers within their own snapshot."""
    return pd.MultiIndex.from_frame(frame[["snapshot_date", "worker_id"]])


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
    workers = _worker_caseloads(data, [pd.Timestamp(snapshot_date)], settings)
    return workers[WORKER_COLUMNS]


def case_holding_workers(
    data: ProcessedData, snapshot_dates: list[pd.Timestamp], settings: Settings = DEFAULT_SETTINGS
) -> pd.Series:
    """How many case-holding workers (``worker_caseloads``) each snapshot has, worked out at once.

    Args:
        data: Processed data.
        snapshot_dates: The snapshot dates.
        settings: Local rules deciding who is case-holding.

    Returns:
        The count at each date (0 for a date without workers), indexed by the dates as given.
    """
    dates = [pd.Timestamp(d) for d in snapshot_dates]
    if not dates:
        return pd.Series([], index=pd.DatetimeIndex([]), dtype="int64")
    workers = _worker_caseloads(data, dates, settings)
    counts = workers["is_case_holding"].groupby(workers["snapshot_date"]).sum()
    return counts.reindex(pd.DatetimeIndex(dates), fill_value=0).astype("int64")


def _worker_caseloads(
    data: ProcessedData, snapshots: list[pd.Timestamp], settings: Settings
) -> pd.DataFrame:
    """``worker_caseloads`` of several snapshots at once, with ``snapshot_date``.

    Returns:
        ``WORKER_COLUMNS`` and ``snapshot_date``, sorted by snapshot, team and worker.
    """
    cases = _cases_at(data, snapshots, ["snapshot_date", "worker_id", "team", "child_id"])
    listed = _workforce_at(data, snapshots)[
        ["snapshot_date", "worker_id", "team", "role", "fte", "agency"]
    ]
    # Unallocated cases (no worker) are left out by grouping on the worker, whose blank keys
    # pandas drops, rather than by copying the allocated cases first (most of a national
    # history). A child is one case per snapshot (``CleanCases.one_case_per_child``), so the
    # children a worker holds are distinct: counting them is counting their distinct
    # identifiers, without hashing millions of them again (a national series: 2.8 -> 0.3 s).
    held = cases.groupby(["snapshot_date", "worker_id"])["child_id"].count()
    unlisted = _unlisted_workers(cases, listed)
    workers = pd.concat(
        [listed.assign(agency=listed["agency"].astype("boolean"), in_list=True), unlisted],
        ignore_index=True,
    )
    workers["cases"] = held.reindex(_pairs(workers)).fillna(0).astype("int64").to_numpy()
    workers["cases_per_fte"] = workers["cases"] / workers["fte"].where(workers["fte"].gt(0))
    workers["excluded_reason"] = _exclusion_reason(workers, settings)
    workers["is_case_holding"] = workers["excluded_reason"].isna()
    over = workers["cases"].gt(settings.caseload_threshold * workers["fte"])
    workers["over_threshold"] = over.astype("boolean").where(workers["is_case_holding"])
    workers = workers.sort_values(["snapshot_date", "team", "worker_id"]).reset_index(drop=True)
    return workers[["snapshot_date", *WORKER_COLUMNS]]


def _unlisted_workers(allocated: pd.DataFrame, listed: pd.DataFrame) -> pd.DataFrame:
    """Workers named on cases but absent from their snapshot's workforce list.

    Each one's team is the team most of their cases give (the first by name on a tie). Cases
    with no worker (``allocated`` may hold them) name no worker: grouping drops them.
    """
    absent = allocated.loc[~_pairs(allocated).isin(_pairs(listed))]
    teams = (
        absent.groupby(["snapshot_date", "worker_id", "team"])
        .size()
        .rename("n")
        .reset_index()
        .sort_values(
            ["snapshot_date", "worker_id", "n", "team"], ascending=[True, True, False, True]
        )
        .drop_duplicates(["snapshot_date", "worker_id"])
    )
    return pd.DataFrame(
        {
            "snapshot_date": teams["snapshot_date"],
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

    These are the workers definitions.md ("Case-holding workers") says to list, not count: FTE 0
    or missing (including workers missing from the workforce list) and workers above
    ``settings.max_cases_per_fte``.

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
    cases = _cases_at(data, [pd.Timestamp(snapshot_date)])
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
#: The columns of ``caseload_distribution`` for each snapshot and breakdown.
DISTRIBUTION_COLUMNS = [
    "group",
    "workers",
    "min",
    "p25",
    "median",
    "p75",
    "max",
    *(label for _, label in CASELOAD_BANDS),
]


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
    columns = ["snapshot_date", "breakdown", *DISTRIBUTION_COLUMNS]
    if not dates:
        return pd.DataFrame(columns=columns)
    workers = _worker_caseloads(data, dates, settings)
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

    ``groups`` has ``group, numerator`` and optionally ``denominator, unknown``. A percentage or
    ratio is rounded to its unit's decimals (``reference/units.csv``); a count's value is its
    numerator. A zero denominator gives a blank value.
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
        frame["value"] = round_half_up(
            scale[unit] * frame["numerator"] / denominator, unit_format(unit).decimals
        )
    frame["indicator_id"] = indicator_id
    frame["breakdown"] = breakdown
    frame["group"] = frame["group"].astype(str)
    return frame


def _by_total_and(
    frame: pd.DataFrame,
    snapshots: list[pd.Timestamp],
    breakdown_columns: dict[str, str | list[str]],
    sums: dict[str, str],
) -> list[tuple[str, pd.DataFrame]]:
    """Sum columns per snapshot, overall ("total"/"all") and for each breakdown (team...).

    Every snapshot in ``snapshots`` has a total row, zero when it has no rows; a breakdown has a
    row for each group present, in group order.
    """
    names, columns = list(sums), list(sums.values())
    # Each total is a plain column sum of its snapshot's rows, as for a single snapshot, so
    # a series adds up exactly as the figures at one date do.
    # Split with only the columns summed: the frame's other columns (text) need not be copied.
    by_snapshot = dict(
        tuple(frame[["snapshot_date", *dict.fromkeys(columns)]].groupby("snapshot_date"))
    )
    totals = pd.DataFrame(
        {
            name: [
                by_snapshot[date][column].sum() if date in by_snapshot else 0 for date in snapshots
            ]
            for name, column in sums.items()
        }
    )
    totals.insert(0, "snapshot_date", pd.DatetimeIndex(snapshots))
    out = [("total", totals.assign(group="all"))]
    for breakdown, keys in breakdown_columns.items():
        keys = [keys] if isinstance(keys, str) else keys
        grouped = (
            frame.groupby(["snapshot_date", *keys])[columns]
            .sum()
            .set_axis(names, axis=1)
            .reset_index()
        )
        group = grouped[keys[0]].astype(str)
        for key in keys[1:]:
            group = group + " | " + grouped[key].astype(str)
        grouped["group"] = group
        out.append((breakdown, grouped))
    return out


def _by_team(
    frame: pd.DataFrame,
    snapshots: list[pd.Timestamp],
    indicator_id: str,
    unit: str,
    numerator: str,
    denominator: str,
    unknown: str | None = None,
) -> list[pd.DataFrame]:
    """One indicator's metric rows for the service and each team, snapshot by snapshot.

    The value is the sum of ``numerator`` over the sum of ``denominator`` (``_rows``);
    ``unknown`` names the column counting what was left out, where there is one.
    """
    sums = {"numerator": numerator, "denominator": denominator}
    if unknown is not None:
        sums["unknown"] = unknown
    return [
        _rows(indicator_id, breakdown, groups, unit)
        for breakdown, groups in _by_total_and(frame, snapshots, {"team": "team"}, sums)
    ]


def _caseload_rows(workers: pd.DataFrame, snapshots: list[pd.Timestamp]) -> list[pd.DataFrame]:
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
    return _by_team(
        frame, snapshots, "caseload_per_fte", "ratio", "held_cases", "held_fte", "left_out_cases"
    ) + _by_team(
        frame, snapshots, "workers_over_threshold_pct", "pct", "over", "holders", "left_out_workers"
    )


def _case_rows(cases: pd.DataFrame, snapshots: list[pd.Timestamp]) -> list[pd.DataFrame]:
    frame = cases.assign(one=1, unallocated=cases["worker_id"].isna().astype(int))
    breakdowns: dict[str, str | list[str]] = {
        "team": "team",
        "case_type": "case_type",
        "team_case_type": ["team", "case_type"],
    }
    # Grouping millions of cases by their text keys costs far more than summing: the cases are
    # counted once per snapshot, team and case type (both counts at once), and every total and
    # breakdown is summed from those counts, whole numbers, so exactly as from the cases.
    keys = ["snapshot_date", "team", "case_type"]
    counts = frame.groupby(keys)[["unallocated", "one"]].sum().reset_index()
    both = _by_total_and(
        counts, snapshots, breakdowns, {"unallocated": "unallocated", "cases": "one"}
    )

    def counted(name: str) -> list[tuple[str, pd.DataFrame]]:
        other = "cases" if name == "unallocated" else "unallocated"
        return [(b, g.drop(columns=other).rename(columns={name: "numerator"})) for b, g in both]

    return [_rows("unallocated_cases_count", b, g, "count") for b, g in counted("unallocated")] + [
        _rows("caseload_by_type", b, g, "count") for b, g in counted("cases")
    ]


def _years_before(snapshot_date: pd.Series, years: int) -> pd.Series:
    """Each row's snapshot date minus whole years (worked out once per snapshot)."""
    dates = snapshot_date.drop_duplicates()
    earlier = pd.Series([d - pd.DateOffset(years=years) for d in dates], index=dates.to_numpy())
    return snapshot_date.map(earlier)


def _workforce_rows(
    workforce: pd.DataFrame, snapshots: list[pd.Timestamp], settings: Settings
) -> list[pd.DataFrame]:
    in_post = workforce["fte"].gt(0)
    qualified = workforce["qualified_date"]
    snapshot_date = workforce["snapshot_date"]
    known_qualified = in_post & qualified.notna() & qualified.le(snapshot_date)
    newly_since = _years_before(snapshot_date, settings.newly_qualified_years)
    frame = workforce.assign(
        fte_in_post=workforce["fte"].where(in_post, 0.0),
        agency_fte=workforce["fte"].where(in_post & workforce["agency"], 0.0),
        no_fte=(~in_post).astype(int),
        known_fte=workforce["fte"].where(known_qualified, 0.0),
        newly_fte=workforce["fte"].where(known_qualified & qualified.gt(newly_since), 0.0),
        qualified_unknown=(in_post & ~known_qualified).astype(int),
    )
    return _by_team(
        frame, snapshots, "agency_workers_pct", "pct", "agency_fte", "fte_in_post", "no_fte"
    ) + _by_team(
        frame,
        snapshots,
        "newly_qualified_pct",
        "pct",
        "newly_fte",
        "known_fte",
        "qualified_unknown",
    )


def _vacancy_rows(
    data: ProcessedData, workforce: pd.DataFrame, snapshots: list[pd.Timestamp]
) -> list[pd.DataFrame]:
    """Vacancy rate per funded team and overall; agency-filled posts count as vacant (DfE).

    Only snapshots with an establishment list have a vacancy rate.
    """
    establishment = data.establishment.loc[data.establishment["snapshot_date"].isin(snapshots)]
    if establishment.empty:
        return []
    employed = workforce["fte"].where(workforce["fte"].gt(0) & ~workforce["agency"], 0.0)
    in_post = employed.groupby([workforce["snapshot_date"], workforce["team"]]).sum()
    keys = pd.MultiIndex.from_frame(establishment[["snapshot_date", "team"]])
    teams = establishment.assign(in_post=in_post.reindex(keys).fillna(0.0).to_numpy())
    teams["vacant"] = (teams["funded_fte"] - teams["in_post"]).clip(lower=0.0)
    with_list = set(establishment["snapshot_date"])
    funded = [d for d in snapshots if d in with_list]
    return _by_team(teams, funded, "vacancy_rate_pct", "pct", "vacant", "funded_fte")


def _turnover_rows(
    data: ProcessedData, workforce: pd.DataFrame, snapshots: list[pd.Timestamp]
) -> list[pd.DataFrame]:
    """FTE of last year's workers who are no longer in the list / last year's FTE, by old team.

    Only snapshots with a workforce list and a workforce snapshot about a year earlier have a
    turnover figure; the rows carry the later snapshot's date.
    """
    listed = set(workforce["snapshot_date"].unique())
    earlier_of = {
        date: earlier
        for date in snapshots
        if date in listed and (earlier := year_earlier_snapshot(data, date)) is not None
    }
    if not earlier_of:
        return []
    pairs = pd.DataFrame(
        {"snapshot_date": list(earlier_of), "earlier_date": list(earlier_of.values())}
    )
    earlier = _workforce_at(data, list(earlier_of.values())).rename(
        columns={"snapshot_date": "earlier_date"}
    )
    earlier = pairs.merge(earlier, on="earlier_date")
    in_post = earlier["fte"].gt(0)
    left = ~_pairs(earlier).isin(_pairs(workforce))
    frame = earlier.assign(
        fte_then=earlier["fte"].where(in_post, 0.0),
        leavers_fte=earlier["fte"].where(in_post & left, 0.0),
    )
    return _by_team(
        frame, list(earlier_of), "social_worker_turnover_pct", "pct", "leavers_fte", "fte_then"
    )


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
    return caseload_indicator_series(data, [pd.Timestamp(period_end)], settings)


def _snapshot_rows(
    data: ProcessedData, snapshots: list[pd.Timestamp], settings: Settings
) -> pd.DataFrame:
    """The snapshot-based metric rows of each snapshot, snapshot by snapshot.

    Returns:
        ``snapshot_date`` and the metric columns except ``period_end``; within a snapshot the
        rows are indicator by indicator, each total before its breakdowns.
    """
    workforce = _workforce_at(data, snapshots)
    blocks = [
        *_caseload_rows(_worker_caseloads(data, snapshots, settings), snapshots),
        *_case_rows(
            _cases_at(data, snapshots, ["snapshot_date", "team", "case_type", "worker_id"]),
            snapshots,
        ),
        *_workforce_rows(workforce, snapshots, settings),
        *_vacancy_rows(data, workforce, snapshots),
        *_turnover_rows(data, workforce, snapshots),
    ]
    columns = ["snapshot_date", *(c for c in METRIC_COLUMNS if c != "period_end")]
    table = pd.concat(
        [block[columns].assign(block=n) for n, block in enumerate(blocks) if len(block)],
        ignore_index=True,
    )
    return table.sort_values(["snapshot_date", "block"], kind="stable").drop(columns="block")


def caseload_indicator_series(
    data: ProcessedData, period_ends: list[pd.Timestamp], settings: Settings = DEFAULT_SETTINGS
) -> pd.DataFrame:
    """``compute_caseload_indicators`` at several reference dates, each snapshot counted once.

    Args:
        data: Processed data.
        period_ends: The reference dates, in the order wanted.
        settings: Local rules.

    Returns:
        A ``MetricTable`` frame, date by date; within a date ``worker_changes_12m`` first, then
        the rows of the snapshot the date uses.
    """
    dates = [pd.Timestamp(d) for d in period_ends]
    held = snapshot_dates(data)
    snapshot_of = {}
    for date in dates:
        earlier = [d for d in held if d <= date]
        if earlier:
            snapshot_of[date] = earlier[-1]
    used = sorted(set(snapshot_of.values()))
    by_snapshot = (
        dict(tuple(_snapshot_rows(data, used, settings).groupby("snapshot_date"))) if used else {}
    )
    parts = []
    for date in dates:
        rows = [worker_changes_rows(data, date, settings)]
        if date in snapshot_of:
            rows.append(by_snapshot[snapshot_of[date]].drop(columns="snapshot_date"))
        parts += [r.assign(period_end=date) for r in rows if r is not None and len(r)]
    if not parts:
        return _empty_metric_table()
    table = pd.concat(parts, ignore_index=True)
    return MetricTable.validate(table[METRIC_COLUMNS].reset_index(drop=True))


def caseload_series(data: ProcessedData, settings: Settings = DEFAULT_SETTINGS) -> pd.DataFrame:
    """Caseload and workforce indicators at every snapshot date, oldest first.

    Args:
        data: Processed data.
        settings: Local rules.

    Returns:
        A ``MetricTable`` frame whose ``period_end`` is each snapshot date.
    """
    return caseload_indicator_series(data, snapshot_dates(data), settings)
