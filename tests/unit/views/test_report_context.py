"""The report context: parameters, the sample and series caches, team views, the context line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from indicators_fixtures import child, episode, leaver, make_data
from views_fixtures import LA, R, context, metric_row, series_rows

from csc_metrics import shipped_sample, storage
from csc_metrics.errors import ParameterError
from csc_metrics.fingerprints import settings_fingerprint
from csc_metrics.indicators import resolve_period_end, resolve_team
from csc_metrics.settings import DEFAULT_SETTINGS
from csc_metrics.shipped_sample import sample_processed_dir
from csc_metrics.views import builders, series_cache
from csc_metrics.views.context_line import context_line, coverage_words
from csc_metrics.views.opening import open_report
from csc_metrics.views.series_cache import cached_indicator_series, series_cache_key

ROOT = Path(__file__).resolve().parents[3]


# --- fingerprints and the series cache ---------------------------------------------------------


@pytest.mark.slow
def test_settings_fingerprint_is_the_same_in_every_process():
    # frozenset text depends on the hash seed; the fingerprint must not, or every kernel would
    # miss the cache another kernel wrote.
    code = (
        "from csc_metrics.settings import DEFAULT_SETTINGS;"
        "from csc_metrics.fingerprints import settings_fingerprint;"
        "print(settings_fingerprint(DEFAULT_SETTINGS))"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT / "src")},
            check=True,
        ).stdout
        for seed in ("1", "2", "3")
    }
    assert len(outputs) == 1


def test_settings_fingerprint_changes_with_a_setting():
    changed = DEFAULT_SETTINGS.with_overrides(caseload_threshold=18.0)
    assert settings_fingerprint(changed) != settings_fingerprint(DEFAULT_SETTINGS)


@pytest.fixture
def processed(tmp_path):
    data = make_data([episode("A", "2023-06-01")])
    folder = tmp_path / "processed"
    folder.mkdir()
    storage.write_json({"created_at": "first ingest"}, folder / storage.MANIFEST_NAME)
    data.folder = folder
    return data


def test_the_cache_key_changes_with_the_manifest_council_and_settings(processed):
    key = series_cache_key(processed.folder, LA, DEFAULT_SETTINGS)
    assert series_cache_key(processed.folder, "E06000009", DEFAULT_SETTINGS) != key
    changed = DEFAULT_SETTINGS.with_overrides(distance_threshold_miles=10.0)
    assert series_cache_key(processed.folder, LA, changed) != key
    storage.write_json({"created_at": "second ingest"}, processed.folder / storage.MANIFEST_NAME)
    assert series_cache_key(processed.folder, LA, DEFAULT_SETTINGS) != key


@pytest.fixture
def counted_series(monkeypatch):
    calls = []
    real = series_cache.compute_indicator_series

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(series_cache, "compute_indicator_series", counting)
    return calls


def test_the_series_is_computed_once_then_read_from_the_cache(processed, counted_series):
    first = cached_indicator_series(processed, LA)
    second = cached_indicator_series(processed, LA)
    assert len(counted_series) == 1
    pd.testing.assert_frame_equal(first, second)
    assert len(list((processed.folder / "_cache").glob("indicator_series-*.parquet"))) == 1


@pytest.mark.slow  # works out the series twice, over a second
def test_a_new_ingest_is_never_served_the_old_series(processed, counted_series):
    cached_indicator_series(processed, LA)
    storage.write_json({"created_at": "second ingest"}, processed.folder / storage.MANIFEST_NAME)
    cached_indicator_series(processed, LA)
    assert len(counted_series) == 2


def test_a_folder_that_cannot_be_written_is_not_cached(processed, counted_series, monkeypatch):
    def refuse(*args, **kwargs):
        raise PermissionError("read-only")

    monkeypatch.setattr(Path, "mkdir", refuse)
    series = cached_indicator_series(processed, LA)
    assert len(counted_series) == 1 and not series.empty


# --- the shipped sample ------------------------------------------------------------------------


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A project root with a one-file sample, and an ingest that records its calls."""
    raw = tmp_path / "data" / "raw" / "sample"
    (raw / "ssda903" / "2024").mkdir(parents=True)
    (raw / "ssda903" / "2024" / "header.csv").write_text("CHILD,SEX\nA1,1\n")
    ingests = []

    def fake_ingest(raw_folder, processed_folder):
        ingests.append(os.environ.get("CSC_METRICS_KEY"))
        processed_folder.mkdir(parents=True)
        storage.write_json(
            {"raw_folder": str(raw_folder)}, processed_folder / storage.MANIFEST_NAME
        )

    monkeypatch.setattr("csc_metrics.pipeline.ingest", fake_ingest)
    return tmp_path, raw, ingests


def test_the_sample_is_ingested_once_and_reused_while_unchanged(project):
    root, _, ingests = project
    assert sample_processed_dir(root) == root / "data" / "processed" / "sample"
    sample_processed_dir(root)
    assert len(ingests) == 1


def test_a_changed_sample_file_is_ingested_again(project):
    root, raw, ingests = project
    sample_processed_dir(root)
    (raw / "ssda903" / "2024" / "header.csv").write_text("CHILD,SEX\nA1,2\n")
    sample_processed_dir(root)
    assert len(ingests) == 2


def test_the_sample_is_pseudonymised_with_its_own_public_key(project, monkeypatch):
    # The council's own key is neither needed nor created to view the synthetic sample.
    root, _, ingests = project
    monkeypatch.setenv("CSC_METRICS_KEY", "the council's key, 0123456789abcdef")
    sample_processed_dir(root)
    assert ingests == [shipped_sample.SAMPLE_KEY]
    assert os.environ["CSC_METRICS_KEY"] == "the council's key, 0123456789abcdef"


def test_no_sample_is_a_parameter_error_naming_processed_dir(tmp_path):
    with pytest.raises(ParameterError, match="processed_dir"):
        sample_processed_dir(tmp_path)


# --- parameters ----------------------------------------------------------------------------------


@pytest.fixture
def county():
    # Episodes from collection years 2023 and 2024, the last recorded date in its last quarter:
    # the data cover 2022-04-01 to 2024-03-31.
    return make_data(
        [
            episode("A", "2022-05-01", collection_year=2023),
            episode("B", "2023-06-01", dec="2024-02-10"),
        ]
    )


def test_latest_is_the_last_quarter_end_the_data_cover(county):
    assert resolve_period_end("latest", county) == pd.Timestamp("2024-03-31")


def test_a_period_end_outside_the_data_names_the_range(county):
    with pytest.raises(ParameterError, match="2022-04-01 to 2024-03-31"):
        resolve_period_end("2025-06-30", county)


def test_a_period_end_that_is_not_a_date_names_the_parameter(county):
    with pytest.raises(ParameterError, match="period_end='last quarter'"):
        resolve_period_end("last quarter", county)


def test_a_team_is_matched_ignoring_case_and_spaces():
    assert resolve_team("  north   cla team ", ["East CLA Team", "North CLA Team"]) == (
        "North CLA Team"
    )


def test_an_unknown_team_lists_the_teams():
    with pytest.raises(ParameterError, match="Teams: East CLA Team, North CLA Team"):
        resolve_team("West", ["East CLA Team", "North CLA Team"])


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"comparator": "wales"}, "comparator='wales' is not allowed: use one of 'england'"),
        ({"suppress": "yes"}, "suppress='yes' is not allowed: use True or False"),
        ({"la_code": " "}, "la_code is empty"),
    ],
)
def test_bad_parameters_are_refused_before_anything_is_read(changes, message):
    parameters = {
        "processed_dir": "/nonexistent",
        "period_end": "latest",
        "la_code": LA,
        "la_name": None,
        "team": None,
        "comparator": "england",
        "suppress": False,
        "targets_file": None,
    } | changes
    with pytest.raises(ParameterError, match=message):
        open_report(**parameters)


# --- series for one indicator ------------------------------------------------------------------


def test_care_leaver_series_start_once_a_full_year_is_in_the_data():
    # The data begin 1 April 2022 (collection year 2023): the first 12-month window wholly
    # inside them ends 31 March 2023, so 2022's three quarter ends are left out of the trend.
    data = make_data(
        [episode("A", "2022-05-01", collection_year=2023)],
        oc3=[leaver("L", "2005-06-01", "YES", "F1", "B1", collection_year=2023)],
    )
    rows = series_rows("care_leavers_19_21_eet_pct", [40.0] * 8, denominator=10)
    ctx = context(rows, data=data)
    dates = ctx.overall_rows("care_leavers_19_21_eet_pct")["period_end"]
    assert dates.min() == pd.Timestamp("2023-03-31") and len(dates) == 5


def test_a_team_report_takes_the_teams_caseload_series():
    rows = [
        metric_row("caseload_per_fte", R, 150, 10, 15.0),
        metric_row("caseload_per_fte", R, 40, 2, 20.0, breakdown="team", group="North"),
        metric_row("placements_3plus_pct", R, 8, 100),
    ]
    ctx = context(rows, team="North")
    assert ctx.latest("caseload_per_fte")["value"] == 20.0
    # Placement figures have no team: they stay the whole council's.
    assert ctx.latest("placements_3plus_pct")["value"] == 8.0


def test_a_teams_rows_are_split_once_and_shared_with_every_teams_report():
    from csc_metrics.views import preload

    rows = [
        *series_rows("caseload_per_fte", [14.0, 16.0], breakdown="team", group="North"),
        *series_rows("caseload_per_fte", [21.0, 19.0], breakdown="team", group="South"),
        *series_rows("caseload_per_fte", [17.0, 18.0]),
    ]
    service = context(rows)
    service.__dict__["teams"] = ["North", "South"]  # as the caseload snapshot would list them
    preload.split_team_series(service)
    split = service.team_series("caseload_per_fte")
    assert {team: list(r["value"]) for team, r in split.items()} == {
        "North": [14.0, 16.0],
        "South": [21.0, 19.0],
    }
    south = preload.for_team(service, "South")
    assert south.team_series("caseload_per_fte") is split
    # The South report's series is South's, as the whole service's rows: oldest first.
    overall = south.overall_rows("caseload_per_fte")
    assert list(overall["value"]) == [21.0, 19.0]
    assert set(overall["breakdown"]) == {"total"} and set(overall["group"]) == {"all"}


def test_a_team_with_no_rows_of_an_indicator_has_an_empty_series():
    rows = series_rows("caseload_per_fte", [14.0, 16.0], breakdown="team", group="North")
    assert context(rows, team="North").overall_rows("caseload_per_fte", team="West").empty


def test_an_indicators_overall_rows_are_worked_out_once_per_team():
    from csc_metrics.views import preload

    rows = [
        *series_rows("caseload_per_fte", [14.0, 16.0], breakdown="team", group="North"),
        *series_rows("caseload_per_fte", [17.0, 18.0]),
    ]
    service = context(rows)
    service.__dict__["teams"] = ["North"]
    kept = service.overall_rows("caseload_per_fte")
    assert service.overall_rows("caseload_per_fte") is kept
    # North's report (a copy of the service's context) has North's rows, not the service's.
    assert list(preload.for_team(service, "North").overall_rows("caseload_per_fte")["value"]) == [
        14.0,
        16.0,
    ]
    assert list(service.overall_rows("caseload_per_fte", team="North")["value"]) == [14.0, 16.0]
    assert list(service.overall_rows("caseload_per_fte")["value"]) == [17.0, 18.0]


def test_the_benchmark_rows_at_the_period_end_keep_their_order_and_labels():
    ctx = context(series_rows("placements_3plus_pct", [8.0]))
    # Two quarters of two indicators; only R's rows (labels 1 and 3) are the period end's.
    ctx.__dict__["aligned_benchmarks"] = pd.DataFrame(
        {
            "indicator_id": ["a", "b", "a", "b"],
            "period_end": [R - pd.DateOffset(months=3), R, R - pd.DateOffset(months=3), R],
            "gap_pp": [1.0, 2.0, 3.0, 4.0],
        }
    )
    at_end = ctx.aligned_at_end
    assert list(at_end.index) == [1, 3] and list(at_end["gap_pp"]) == [2.0, 4.0]


def test_dfes_published_years_are_split_by_indicator_once():
    ctx = context(series_rows("placements_3plus_pct", [8.0]))
    ctx.__dict__["published_benchmarks"] = pd.DataFrame(
        {"id": ["a", "b", "a"], "year": [2022, 2022, 2023], "england": [10.0, 20.0, 11.0]}
    )
    a = ctx.published_for("a")
    # a's rows in their order, by year: 2022 -> 10, 2023 -> 11.
    assert a["england"].to_dict() == {2022: 10.0, 2023: 11.0} and list(a.columns) == [
        "id",
        "england",
    ]
    assert ctx.published_for("a") is a
    # An indicator DfE does not publish has no years, and the same columns.
    none = ctx.published_for("c")
    assert none.empty and none.index.name == "year" and list(none.columns) == ["id", "england"]


# --- the context line --------------------------------------------------------------------------


def test_the_context_line_says_what_the_report_covers_without_counts():
    # The episode ends in the last quarter of 2023-24, so the data run to 31 March 2024.
    data = make_data(
        [episode("A", "2023-06-01", dec="2024-02-10")], header=[child("A", "2012-01-01")]
    )
    line = context_line(context(data=data, is_sample=True, suppress=True, comparator="sn"))
    assert line == (
        "Test county (E10000017) · quarter ending 31 March 2024 · SSDA903 data 1 April 2023 "
        "to 31 March 2024; no caseload snapshots (caseload figures not covered) · synthetic "
        "sample data: no real child's data · compared with statistical neighbours (median) · "
        "counts of 1 to 5 suppressed (shown as c)"
    )


def test_the_context_line_says_plainly_when_the_ssda903_data_end_before_the_period():
    # Returns to 31 March 2024, report at 30 June 2024 (as a later caseload snapshot allows).
    data = make_data([episode("A", "2023-06-01")], header=[child("A", "2012-01-01")])
    ctx = context(data=data, period_end=pd.Timestamp("2024-06-30"))
    assert coverage_words(ctx).startswith(
        "SSDA903 data 1 April 2023 to 31 March 2024 (ends before this period: placement, "
        "care-leaver and permanence figures not covered)"
    )


def test_data_made_by_the_generator_are_called_synthetic(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "MANIFEST.md").write_text('```json\n{"generator": "csc-metrics sample"}\n```\n')
    data = make_data([episode("A", "2023-06-01")])
    data.manifest = {"raw_folder": str(raw)}
    assert shipped_sample.is_synthetic(data)
    (raw / "MANIFEST.md").write_text(json.dumps({"generator": "another tool"}))
    assert not shipped_sample.is_synthetic(data)


def test_a_series_with_no_variation_is_said_in_words_not_charted():
    rows = series_rows("unallocated_cases_count", [0.0] * 12)
    chart = builders.spc_chart_for(context(rows), "unallocated_cases_count")
    assert chart.alt_text == (
        "Unallocated cases: The figure was 0 at each of the 12 quarter ends from 30 June 2021 "
        "to 31 March 2024: no variation to chart."
    )


def test_the_benchmark_alignment_is_cached_with_the_series(processed, monkeypatch):
    calls = []
    real = builders.benchmarks.align_to_benchmarks

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(builders.benchmarks, "align_to_benchmarks", counting)
    series = cached_indicator_series(processed, LA)
    first = context(series, data=processed, period_end="2023-06-30").aligned_benchmarks
    second = context(series, data=processed, period_end="2023-06-30").aligned_benchmarks
    assert len(calls) == 1
    pd.testing.assert_frame_equal(first, second)
    assert len(list((processed.folder / "_cache").glob("benchmarks_england-*.parquet"))) == 1


# --- showing a table ---------------------------------------------------------------------------


def test_ctx_show_applies_the_reports_suppression(monkeypatch):
    # North holds 3 cases (1 to 5: shown as c); South 12, and the total 15 would give North
    # away, so secondary suppression hides South too. Without suppression both are shown.
    shown = []
    monkeypatch.setattr(
        "IPython.display.display", lambda bundle, raw=False: shown.append(bundle["text/html"])
    )
    table = builders.ReportTable(
        data=pd.DataFrame({"Team": ["North", "South", "All"], "Cases": [3, 12, 15]}),
        caption="Cases by team",
        count_columns=("Cases",),
        row_header="Team",
        total_row="All",
    )
    context(suppress=True).show(table)
    context(suppress=False).show(table)
    suppressed, plain = shown
    assert '<td class="count">c</td>' in suppressed and ">12<" not in suppressed
    assert ">3<" in plain and ">12<" in plain


def test_a_jump_in_the_oc3_activity_blank_rate_is_named_for_the_indicators_it_moves():
    # Collection year 2024 (1 April 2023 to 31 March 2024). Four care leavers had their
    # birthday in May 2023 with their activity recorded; four in February 2024 with it blank.
    # 12 months to 31 December 2023: 0 of 4 blank (0%); to 31 March 2024: 4 of 8 (50%).
    answered = [leaver(f"a{i}", "2003-05-0" + str(i + 1), "YES", "F1", "Y") for i in range(4)]
    blank = [leaver(f"b{i}", "2003-02-0" + str(i + 1), "YES", None, "Y") for i in range(4)]
    ctx = context(data=make_data(oc3=answered + blank))
    problem = ctx.data_problem("care_leavers_19_21_eet_pct")
    assert problem is not None
    assert "activity (OC3 ACTIV) left blank went from 0% at 31 December 2023 to 50%" in problem
    # Accommodation was recorded for everyone, and the children looked after use no OC3 field.
    assert ctx.data_problem("care_leavers_19_21_suitable_accommodation_pct") is None
    assert ctx.data_problem("cla_count") is None
