"""Each dataset on its own dates: coverage windows, not-covered reasons, look-back windows.

The SSDA903 county of indicators_fixtures covers 2022-04-01 to 2024-06-30 (its returns are
2022-23 to 2024-25, the last a part year). The caseload fixture is one snapshot dated
2024-03-31 (caseload_fixtures.standard_snapshot).
"""

from __future__ import annotations

import pandas as pd
import pytest
from caseload_fixtures import PSEUDONYMISER, new_log, standard_snapshot
from indicators_fixtures import LA, county, county_series, episode, make_data

from csc_metrics.caseload import ingest_caseload
from csc_metrics.errors import InputError
from csc_metrics.indicators import compute_indicator_series, compute_indicators
from csc_metrics.indicators.coverage import (
    covered_quarter_ends,
    dataset_windows,
    not_covered_reasons,
)
from csc_metrics.indicators.prepare import resolve_period_end
from csc_metrics.storage import ProcessedData


@pytest.fixture(scope="module")
def caseload_tables(tmp_path_factory):
    raw = tmp_path_factory.mktemp("raw")
    return ingest_caseload(standard_snapshot(raw, "2024-09-30"), None, new_log(), PSEUDONYMISER)


def _total(metrics, indicator_id, period_end=None):
    rows = metrics[metrics["indicator_id"].eq(indicator_id) & metrics["breakdown"].eq("total")]
    if period_end is not None:
        rows = rows[rows["period_end"].eq(pd.Timestamp(period_end))]
    return rows.iloc[0]


def test_caseload_only_data_give_caseload_figures_and_say_the_rest_is_not_covered(
    caseload_tables,
):
    # No SSDA903 data: latest = the quarter end of the snapshot (2024-09-30); cla_count is
    # blank with its reason, caseload_per_fte has a value.
    data = ProcessedData.from_tables(caseload_tables)
    period_end = resolve_period_end("latest", data)
    assert period_end == pd.Timestamp("2024-09-30")
    metrics = compute_indicators(data, period_end, LA)
    cla = _total(metrics, "cla_count")
    assert pd.isna(cla["value"])
    assert cla["not_covered"] == "no SSDA903 returns were supplied"
    caseload = _total(metrics, "caseload_per_fte")
    assert pd.notna(caseload["value"]) and pd.isna(caseload["not_covered"])


def test_a_snapshot_after_the_ssda903_data_is_reported_with_the_903_figures_not_covered(
    caseload_tables,
):
    # SSDA903 to 2024-06-30, a snapshot on 2024-09-30: latest = 2024-09-30, where the caseload
    # figures are worked out and cla_count says the SSDA903 returns end earlier.
    county_data = county()
    data = ProcessedData.from_tables(
        {
            **{name: getattr(county_data, name) for name in ("header", "episodes", "oc3")},
            **{name: getattr(county_data, name) for name in ("uasc", "postcodes")},
            **caseload_tables,
        },
        county_data.manifest,
    )
    period_end = resolve_period_end("latest", data)
    assert period_end == pd.Timestamp("2024-09-30")
    metrics = compute_indicators(data, period_end, LA)
    assert pd.notna(_total(metrics, "caseload_per_fte")["value"])
    reason = _total(metrics, "cla_count")["not_covered"]
    assert reason.startswith("the SSDA903 returns cover 1 April 2022 to 30 June 2024")


def test_the_first_quarter_ends_of_a_history_leave_12_month_indicators_not_covered():
    # Returns from 2022-04-01. At 2022-06-30, 2022-09-30 and 2022-12-31 the 12 months to R
    # reach before 2022-04-01: placements_3plus_pct is not covered; at 2023-03-31 the window
    # starts on 2022-04-01 exactly, so it is. cla_count needs no window: covered throughout.
    metrics = county_series()  # compute_indicator_series(county(), LA), shared
    three_plus = metrics[
        metrics["indicator_id"].eq("placements_3plus_pct") & metrics["breakdown"].eq("total")
    ].set_index("period_end")
    first = [pd.Timestamp(d) for d in ("2022-06-30", "2022-09-30", "2022-12-31")]
    assert three_plus.loc[first, "value"].isna().all()
    assert three_plus.loc[first, "not_covered"].str.contains("needs the 12 months").all()
    assert pd.isna(three_plus.loc[pd.Timestamp("2023-03-31"), "not_covered"])
    cla = metrics[metrics["indicator_id"].eq("cla_count") & metrics["breakdown"].eq("total")]
    assert cla["not_covered"].isna().all()


def test_only_the_overall_row_is_kept_for_an_indicator_not_covered():
    # A breakdown of a figure that is not covered would be a partial count too.
    metrics = compute_indicator_series(county(), LA, ["2022-06-30"])
    rows = metrics[metrics["indicator_id"].eq("placements_3plus_pct")]
    assert rows["breakdown"].tolist() == ["total"]


def test_latest_is_the_latest_quarter_end_any_dataset_covers():
    # One episode in the 2024 return only: the SSDA903 data cover 2023-04-01 to 2024-03-31.
    data = make_data([episode("X", "2023-06-01")])
    windows = dataset_windows(data)
    assert covered_quarter_ends(windows)[-1] == pd.Timestamp("2024-03-31")
    assert set(windows) == {"ssda903"}


def test_the_reasons_name_each_indicator_at_each_date_not_covered():
    # No caseload snapshot: every caseload-data indicator at the date gets the same reason;
    # worker_changes_12m comes from the SSDA903 SWEpisodes, so it is judged on those.
    data = make_data([episode("X", "2019-06-01")])
    reasons = not_covered_reasons(dataset_windows(data), [pd.Timestamp("2024-03-31")])
    caseload = reasons[reasons["not_covered"].eq("no caseload snapshots were supplied")]
    assert "caseload_per_fte" in set(caseload["indicator_id"])
    assert "worker_changes_12m" not in set(reasons["indicator_id"])


def test_no_data_at_all_is_an_input_error():
    with pytest.raises(InputError, match="no SSDA903 returns and no caseload snapshot"):
        resolve_period_end("latest", ProcessedData.from_tables({}))
