"""Caseload indicators on the hand-made standard snapshot (see caseload_fixtures for the cases)."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from caseload_fixtures import PSEUDONYMISER, new_log, standard_snapshot

from csc_metrics import schemas
from csc_metrics.caseload import ingest_caseload
from csc_metrics.indicators import (
    case_holding_workers,
    caseload_distribution,
    caseload_series,
    compute_caseload_indicators,
    excluded_workers,
    latest_snapshot,
    snapshot_dates,
    unallocated_cases,
    worker_caseloads,
)
from csc_metrics.settings import DEFAULT_SETTINGS
from csc_metrics.storage import ProcessedData

S = pd.Timestamp("2024-03-31")


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    raw = tmp_path_factory.mktemp("raw")
    tables = ingest_caseload(standard_snapshot(raw), None, new_log(), PSEUDONYMISER)
    return ProcessedData.from_tables(tables)


@pytest.fixture(scope="module")
def metrics(data):
    return compute_caseload_indicators(data, "2024-06-30")


def _row(metrics, indicator, breakdown="total", group="all"):
    found = metrics.loc[
        (metrics["indicator_id"] == indicator)
        & (metrics["breakdown"] == breakdown)
        & (metrics["group"] == group)
    ]
    assert len(found) == 1, (indicator, breakdown, group)
    row = found.iloc[0]
    values = row[["numerator", "denominator", "value", "unknown"]]
    return [None if pd.isna(v) else v for v in values]


# --- The worker table ----------------------------------------------------------------------------


def test_worker_table_counts_cases_and_marks_who_is_case_holding(data):
    workers = worker_caseloads(data, S).set_index("worker_id")
    assert workers["cases"].to_dict() == {"W1": 4, "W2": 11, "W3": 2, "W4": 3, "W5": 6, "W9": 1}
    assert workers.loc[workers["is_case_holding"]].index.tolist() == ["W1", "W2", "W4"]


def test_case_holding_workers_are_counted_for_every_snapshot_at_once(tmp_path):
    raw = tmp_path / "raw"
    standard_snapshot(raw)
    standard_snapshot(raw, "2024-06-30")
    tables = ingest_caseload(raw / "caseload", None, new_log(), PSEUDONYMISER)
    data = ProcessedData.from_tables(tables)
    dates = [pd.Timestamp("2024-06-30"), S, pd.Timestamp("2023-12-31")]
    counts = case_holding_workers(data, dates)
    # W1, W2 and W4 hold cases in each snapshot (the test above); none before the first.
    assert counts.to_dict() == {dates[0]: 3, dates[1]: 3, dates[2]: 0}


def test_a_part_time_worker_over_twenty_times_fte_is_over_the_threshold(data):
    workers = worker_caseloads(data, S).set_index("worker_id")
    # W2: 11 cases at 0.5 FTE = 22 per FTE; threshold 20 x 0.5 = 10 cases; 11 > 10.
    assert workers.loc["W2", "cases_per_fte"] == 22.0
    assert bool(workers.loc["W2", "over_threshold"]) is True
    # W1: 4 cases at 1.0 FTE, within 20.
    assert bool(workers.loc["W1", "over_threshold"]) is False


def test_workers_with_cases_left_out_are_listed_with_the_reason(data):
    listed = excluded_workers(data, S).set_index("worker_id")["excluded_reason"].to_dict()
    # W3: FTE 0; W5: 6 cases / 0.1 FTE = 60 per FTE > 50; W9: not in the workforce list.
    assert listed == {
        "W3": "FTE 0",
        "W5": "over the maximum cases per FTE (probable data error)",
        "W9": "not in the workforce list (no FTE)",
    }


def test_the_maximum_cases_per_fte_is_a_setting(data):
    relaxed = DEFAULT_SETTINGS.with_overrides(max_cases_per_fte=70.0)
    workers = worker_caseloads(data, S, relaxed).set_index("worker_id")
    assert bool(workers.loc["W5", "is_case_holding"]) is True  # 60 per FTE <= 70


def test_caseload_distribution_across_case_holding_workers(data):
    table = caseload_distribution(data, S).set_index(["breakdown", "group"])
    total = table.loc[("total", "all")]
    # Cases per FTE of case-holding workers: W4 3.0, W1 4.0, W2 22.0. Quartiles by linear
    # interpolation: p25 = 3 + 0.5 x (4 - 3) = 3.5; p75 = 4 + 0.5 x (22 - 4) = 13.0.
    assert total[["workers", "min", "p25", "median", "p75", "max"]].tolist() == [
        3,
        3.0,
        3.5,
        4.0,
        13.0,
        22.0,
    ]
    assert (total["under 10"], total["20 to under 25"], total["30 or more"]) == (2, 1, 0)
    # North holds W1 and W2: median (4 + 22) / 2 = 13.0. South holds only W4.
    assert table.loc[("team", "North"), "median"] == 13.0
    assert table.loc[("team", "South"), "workers"] == 1
    assert table.index[0] == ("total", "all")


def test_unallocated_cases_by_team_and_case_type(data):
    table = unallocated_cases(data, S)
    unallocated = table.loc[table["unallocated_cases"] > 0]
    # C61 CIN in North ("Unallocated"), C60 CP in South (blank worker).
    assert unallocated[["team", "case_type", "unallocated_cases"]].values.tolist() == [
        ["North", "CIN", 1],
        ["South", "CP", 1],
    ]
    assert table["open_cases"].sum() == 29


# --- Indicators ------------------------------------------------------------------------------


def test_the_metric_table_passes_its_contract_and_carries_the_requested_date(metrics):
    schemas.MetricTable.validate(metrics)
    assert metrics["period_end"].unique().tolist() == [pd.Timestamp("2024-06-30")]


def test_caseload_per_fte_overall(metrics):
    # Case-holding: W1 4 cases/1.0, W2 11/0.5, W4 3/1.0 -> 18 cases / 2.5 FTE = 7.2.
    # Left out: W3 2 + W5 6 + W9 1 = 9 cases (reported as unknown).
    assert _row(metrics, "caseload_per_fte") == [18.0, 2.5, 7.2, 9.0]


def test_caseload_per_fte_per_team(metrics):
    # North: W1 + W2 = 15 cases / 1.5 FTE = 10.0. South: W4 3 / 1.0 = 3.0, W3 and W5's 8 cases
    # left out. East: only W9 (no FTE): no denominator, so a blank value, 1 case left out.
    assert _row(metrics, "caseload_per_fte", "team", "North") == [15.0, 1.5, 10.0, 0.0]
    assert _row(metrics, "caseload_per_fte", "team", "South") == [3.0, 1.0, 3.0, 8.0]
    assert _row(metrics, "caseload_per_fte", "team", "East") == [0.0, 0.0, None, 1.0]


def test_workers_over_threshold(metrics):
    # 1 (W2) of 3 case-holding workers = 33.3%; 3 workers with cases left out.
    assert _row(metrics, "workers_over_threshold_pct") == [1.0, 3.0, 33.3, 3.0]
    assert _row(metrics, "workers_over_threshold_pct", "team", "North") == [1.0, 2.0, 50.0, 0.0]


def test_unallocated_cases_count_by_every_breakdown(metrics):
    assert _row(metrics, "unallocated_cases_count") == [2.0, None, 2.0, None]
    assert _row(metrics, "unallocated_cases_count", "team", "North")[2] == 1.0
    assert _row(metrics, "unallocated_cases_count", "case_type", "CP")[2] == 1.0
    assert _row(metrics, "unallocated_cases_count", "team_case_type", "South | CP")[2] == 1.0
    assert _row(metrics, "unallocated_cases_count", "team_case_type", "North | CLA")[2] == 0.0


def test_case_mix(metrics):
    by_type = {
        t: _row(metrics, "caseload_by_type", "case_type", t)[2]
        for t in ("CLA", "CP", "CIN", "CARE_LEAVER")
    }
    assert by_type == {"CLA": 5.0, "CP": 6.0, "CIN": 15.0, "CARE_LEAVER": 3.0}
    # North: W1 4 + W2 11 + C61 = 16; South: W3 2 + W4 3 + W5 6 + C60 = 12; East: C90.
    teams = ("North", "South", "East")
    by_team = {t: _row(metrics, "caseload_by_type", "team", t)[2] for t in teams}
    assert by_team == {"North": 16.0, "South": 12.0, "East": 1.0}


def test_agency_share_is_by_fte(metrics):
    # In post (FTE > 0): W1 1.0, W2 0.5 agency, W4 1.0 agency, W5 0.1 = 2.6 FTE; agency 1.5.
    # 1.5 / 2.6 = 57.69% -> 57.7. W3 (FTE 0) is not counted: 1 unknown.
    numerator, denominator, value, unknown = _row(metrics, "agency_workers_pct")
    assert (numerator, value, unknown) == (1.5, 57.7, 1.0)
    assert math.isclose(denominator, 2.6)


def test_newly_qualified_share(metrics):
    # Newly qualified = qualified after 2022-03-31 (2 years before the snapshot): W2 (0.5 FTE).
    # Known qualified dates among workers in post: W1 1.0 + W2 0.5 + W4 1.0 = 2.5 FTE -> 20.0%.
    # W5 has no qualified date: 1 unknown.
    assert _row(metrics, "newly_qualified_pct") == [0.5, 2.5, 20.0, 1.0]


def test_vacancy_rate_counts_agency_filled_posts_as_vacant(metrics):
    # Employed (not agency) FTE: North W1 1.0 of 2 funded -> 1.0 vacant (50.0%);
    # South W5 0.1 of 3 funded -> 2.9 vacant (96.7%). Overall 3.9 / 5 = 78.0%.
    assert _row(metrics, "vacancy_rate_pct", "team", "North") == [1.0, 2.0, 50.0, None]
    numerator, denominator, value, _ = _row(metrics, "vacancy_rate_pct")
    assert (round(numerator, 6), denominator, value) == (3.9, 5.0, 78.0)
    assert _row(metrics, "vacancy_rate_pct", "team", "South")[2] == 96.7


def test_vacancy_rate_needs_an_establishment_list(tmp_path):
    tables = ingest_caseload(
        standard_snapshot(tmp_path, establishment=False), None, new_log(), PSEUDONYMISER
    )
    metrics = compute_caseload_indicators(ProcessedData.from_tables(tables), S)
    assert "vacancy_rate_pct" not in set(metrics["indicator_id"])


@pytest.mark.parametrize(
    "indicator",
    [
        "caseload_per_fte",
        "workers_over_threshold_pct",
        "unallocated_cases_count",
        "caseload_by_type",
        "agency_workers_pct",
        "newly_qualified_pct",
        "vacancy_rate_pct",
    ],
)
def test_team_figures_add_up_to_the_total(metrics, indicator):
    rows = metrics.loc[metrics["indicator_id"] == indicator]
    teams = rows.loc[rows["breakdown"] == "team", ["numerator", "denominator", "unknown"]]
    total = rows.loc[rows["breakdown"] == "total", ["numerator", "denominator", "unknown"]]
    pd.testing.assert_series_equal(
        teams.sum(min_count=1).fillna(-1), total.iloc[0].fillna(-1), check_names=False
    )


def test_the_threshold_is_a_setting(data):
    strict = DEFAULT_SETTINGS.with_overrides(caseload_threshold=3.5)
    metrics = compute_caseload_indicators(data, S, strict)
    # Over 3.5 x FTE: W1 4 > 3.5, W2 11 > 1.75; W4 3 <= 3.5 -> 2 of 3 = 66.7%.
    assert _row(metrics, "workers_over_threshold_pct")[:3] == [2.0, 3.0, 66.7]


# --- Snapshots and series ---------------------------------------------------------------------


def test_the_latest_snapshot_on_or_before_the_reference_date_is_used(data):
    assert latest_snapshot(data, "2024-06-30") == S
    assert latest_snapshot(data, "2024-03-31") == S
    assert latest_snapshot(data, "2024-03-30") is None


def test_no_snapshot_before_the_reference_date_gives_an_empty_table(data):
    metrics = compute_caseload_indicators(data, "2023-12-31")
    assert metrics.empty
    schemas.MetricTable.validate(metrics)


def test_the_series_has_one_period_per_snapshot(tmp_path):
    raw = tmp_path / "raw"
    standard_snapshot(raw, "2023-12-31")
    tables = ingest_caseload(standard_snapshot(raw, "2024-03-31"), None, new_log(), PSEUDONYMISER)
    data = ProcessedData.from_tables(tables)
    series = caseload_series(data)
    assert snapshot_dates(data) == [pd.Timestamp("2023-12-31"), S]
    assert sorted(series["period_end"].unique()) == [pd.Timestamp("2023-12-31"), S]
    per_fte = series.query("indicator_id == 'caseload_per_fte' and breakdown == 'total'")
    # At 2023-12-31 the rows closed in 2024 (C70 10/01, C71 31/03, C72 15/02, all W1) were still
    # open: W1 holds 7 cases, so (7 + 11 + 3) / 2.5 = 8.4. At 2024-03-31: 18 / 2.5 = 7.2.
    assert per_fte["value"].tolist() == [8.4, 7.2]


# --- Turnover ----------------------------------------------------------------------------------


def _workforce(date, rows):
    return pd.DataFrame(
        [
            {
                "snapshot_date": pd.Timestamp(date),
                "worker_id": worker,
                "team": team,
                "role": "SW",
                "fte": fte,
                "agency": False,
                "start_date": pd.NaT,
                "qualified_date": pd.NaT,
                "source_file": "workforce.csv",
            }
            for worker, team, fte in rows
        ]
    )


def test_turnover_is_last_years_fte_no_longer_in_the_list():
    then = _workforce("2023-03-31", [("A", "North", 1.0), ("B", "North", 0.5), ("C", "South", 1.0)])
    now = _workforce("2024-03-31", [("A", "North", 1.0), ("D", "South", 1.0)])
    data = ProcessedData.from_tables({"workforce": pd.concat([then, now], ignore_index=True)})
    metrics = compute_caseload_indicators(data, S)
    # A year earlier 2.5 FTE; B (0.5) and C (1.0) have gone: 1.5 / 2.5 = 60.0%.
    assert _row(metrics, "social_worker_turnover_pct") == [1.5, 2.5, 60.0, None]
    # By last year's team: North 0.5 / 1.5 = 33.3%.
    assert _row(metrics, "social_worker_turnover_pct", "team", "North")[2] == 33.3


def test_turnover_needs_a_snapshot_about_a_year_earlier():
    then = _workforce("2023-09-30", [("A", "North", 1.0)])
    now = _workforce("2024-03-31", [("D", "South", 1.0)])
    data = ProcessedData.from_tables({"workforce": pd.concat([then, now], ignore_index=True)})
    metrics = compute_caseload_indicators(data, S)
    assert "social_worker_turnover_pct" not in set(metrics["indicator_id"])


# --- worker_changes_12m ------------------------------------------------------------------------


def _episodes(rows):
    return pd.DataFrame(
        [
            {
                "child_id": child,
                "decom": pd.Timestamp(decom),
                "rne": "S",
                "ls": ls,
                "cin": "N1",
                "place": "U1",
                "place_provider": "PR1",
                "dec": pd.Timestamp(dec) if dec else pd.NaT,
                "rec": None,
                "reason_place_change": None,
                "home_post": None,
                "pl_post": None,
                "urn": None,
                "is_short_break": ls in ("V3", "V4"),
                "collection_year": 2024,
                "source_file": "episodes.csv",
                "source_row": i + 2,
                "episode_source": "as returned",
                "has_overlap": False,
                "has_gap": False,
            }
            for i, (child, decom, dec, ls) in enumerate(rows)
        ]
    )


def _sw(rows):
    return pd.DataFrame(
        [
            {
                "child_id": child,
                "sw_id": sw_id,
                "sw_decom": pd.Timestamp(start),
                "sw_dec": pd.Timestamp(end) if end else pd.NaT,
                "sw_reason": "MANAGE",
                "collection_year": 2024,
                "source_file": "sw.csv",
            }
            for child, sw_id, start, end in rows
        ]
    )


def test_worker_changes_counts_children_looked_after_with_three_or_more_social_workers():
    # R = 2024-03-31, W = 2023-04-01 .. 2024-03-31.
    episodes = _episodes(
        [
            ("a", "2020-01-01", None, "C2"),  # looked after at R
            ("b", "2020-01-01", None, "C2"),  # looked after at R
            ("c", "2020-01-01", "2024-03-31", "C2"),  # ceased on R: not looked after at R
            ("d", "2020-01-01", None, "V3"),  # short breaks: excluded
            ("e", "2020-01-01", None, "C2"),  # looked after, no SW episode in W
        ]
    )
    sw = _sw(
        [
            # a: SW1 ended on the first day of W (overlaps), SW2, SW3 -> 3 workers.
            ("a", "SW1", "2022-01-01", "2023-04-01"),
            ("a", "SW2", "2023-04-01", "2023-10-01"),
            ("a", "sw3 ", "2023-10-01", None),
            # b: SW4 ended the day before W (outside); SW5, SW5 again, SW6 -> 2 workers.
            ("b", "SW4", "2022-01-01", "2023-03-31"),
            ("b", "SW5", "2023-03-31", "2023-06-01"),
            ("b", "SW5", "2023-06-01", "2023-09-01"),
            ("b", "SW6", "2023-09-01", None),
            # c and d have 3 workers but are not counted: not looked after at R.
            ("c", "SW1", "2023-05-01", "2023-06-01"),
            ("c", "SW2", "2023-06-01", "2023-07-01"),
            ("c", "SW3", "2023-07-01", None),
            ("d", "SW1", "2023-05-01", "2023-06-01"),
            ("d", "SW2", "2023-06-01", "2023-07-01"),
            ("d", "SW3", "2023-07-01", None),
        ]
    )
    data = ProcessedData.from_tables({"episodes": episodes, "sw_episodes": sw})
    metrics = compute_caseload_indicators(data, "2024-03-31")
    # Looked after at R: a, b, e = 3. With 3+ workers: a = 1. No SW episode in W: e = 1.
    assert _row(metrics, "worker_changes_12m") == [1.0, 3.0, 1.0, 1.0]


def test_worker_changes_is_left_out_when_sw_episodes_do_not_cover_the_window():
    episodes = _episodes([("a", "2020-01-01", None, "C2")])
    sw = _sw([("a", "SW1", "2023-04-01", None)])  # collection year 2024 only
    data = ProcessedData.from_tables({"episodes": episodes, "sw_episodes": sw})
    # R = 2024-06-30: W runs into collection year 2025, which was not supplied.
    assert compute_caseload_indicators(data, "2024-06-30").empty
