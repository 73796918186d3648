"""A report context built ahead of the notebooks (views.opening.preload_report) and its reuse."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path

import pandas as pd
import pytest

from csc_metrics import storage
from csc_metrics.report.data_needs import DataDates, data_dates
from csc_metrics.report.forkserver import ForkServer, ServerCallError, fork_server_supported
from csc_metrics.views import preload
from csc_metrics.views.opening import open_report, preload_report

LA = "E10000017"
PARAMETERS = {
    "period_end": "latest",
    "la_code": LA,
    "la_name": None,
    "team": None,
    "comparator": "england",
    "suppress": False,
    "targets_file": None,
}


# Ingests the whole shipped sample and starts a fork server: left out of `make test-fast`.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def sample_processed(tmp_path_factory) -> Path:
    """The shipped sample as the session ingested it once (``sample_runs.ingested_sample``,
    shared with the variant sample run), copied for this module: the preload writes into it."""
    from sample_runs import ingested_sample

    folder = tmp_path_factory.mktemp("preload") / "processed"
    shutil.copytree(ingested_sample(tmp_path_factory), folder)
    return folder


@pytest.fixture(scope="module")
def preloaded_once(sample_processed):
    """``preload_report`` called once on the sample: its answer and the context it kept.

    Building the context takes about 6 s of CPU; each test gets a deep copy of it as it was
    right after the preload (``preloaded``), so nothing one test works out on its context is
    there for the next: a test asserting that the preload built something still sees only
    what the preload built.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(preload, "_preloaded", None)
        answer = preload_report(sample_processed, **PARAMETERS)
        kept = preload._preloaded
    assert kept is not None
    return answer, kept


@pytest.fixture
def preloaded(sample_processed, preloaded_once, monkeypatch):
    """The sample's context preloaded; afterwards, loads of the processed data are counted."""
    monkeypatch.setattr(preload, "_preloaded", copy.deepcopy(preloaded_once[1]))
    loads: list[Path] = []
    real = storage.load_processed

    def counting(folder, *args, **kwargs):
        loads.append(Path(folder))
        return real(folder, *args, **kwargs)

    monkeypatch.setattr(storage, "load_processed", counting)
    return sample_processed, loads


def test_preload_answers_the_settled_period_end(preloaded_once):
    answer, _ = preloaded_once
    # The sample's last collection year ends on 31 March 2025, its latest quarter end.
    assert answer["period_end"] == "2025-03-31"
    # With it, the facts of the run's summary.json (views.summary).
    assert answer["summary"]["period_end"] == "2025-03-31"


def test_preload_answers_the_teams_the_run_would_read_from_the_folder(
    preloaded_once, sample_processed
):
    # --per-team takes the teams from the preparation instead of reading the cases again.
    from csc_metrics.report.run_defaults import folder_teams

    answer, _ = preloaded_once
    teams = folder_teams(sample_processed, pd.Timestamp(answer["period_end"]))
    assert len(teams) > 1
    assert answer["teams"] == teams


def test_preload_answers_the_dates_the_data_cover(preloaded_once, sample_processed):
    answer, _ = preloaded_once
    assert DataDates.from_record(answer["data_dates"]) == data_dates(sample_processed)


def test_the_same_parameters_get_the_preloaded_context_without_reading_the_data(preloaded):
    folder, loads = preloaded
    first = open_report(folder, **PARAMETERS)
    assert open_report(folder, **PARAMETERS) is first
    assert loads == []


def test_the_preloads_parameters_are_not_settled_again_but_others_are(preloaded, monkeypatch):
    # A report of the run opens with the arguments the preload settled: nothing is checked
    # again (about 25 ms a report). Any other argument is checked as always.
    from csc_metrics.views import opening

    folder, _ = preloaded
    checked: list[str] = []
    real = opening.check_parameters

    def counting(la_code, comparator, suppress):
        checked.append(comparator)
        return real(la_code, comparator, suppress)

    monkeypatch.setattr(opening, "check_parameters", counting)
    service = open_report(folder, **PARAMETERS)
    team = open_report(folder, **(PARAMETERS | {"team": service.teams[0]}))
    assert team.team == service.teams[0]
    assert checked == []
    open_report(folder, **(PARAMETERS | {"comparator": "region"}))
    assert checked == ["region"]


def test_the_period_end_given_as_a_date_matches_latest_once_settled(preloaded):
    folder, _ = preloaded
    assert open_report(folder, **PARAMETERS) is open_report(
        folder, **(PARAMETERS | {"period_end": "2025-03-31"})
    )


def test_another_name_gets_a_new_context_on_the_same_data(preloaded):
    folder, loads = preloaded
    shared = open_report(folder, **PARAMETERS)
    renamed = open_report(folder, **(PARAMETERS | {"la_name": "Another name"}))
    assert renamed is not shared
    assert renamed.la_name == "Another name"
    assert renamed.data is shared.data
    assert loads == []


def test_a_team_gets_its_own_context_sharing_the_series(preloaded):
    folder, _ = preloaded
    shared = open_report(folder, **PARAMETERS)
    team = shared.teams[0]
    for_team = open_report(folder, **(PARAMETERS | {"team": team}))
    assert for_team is not shared
    assert for_team.team == team
    assert shared.team is None
    assert for_team.series is shared.series


def test_a_team_page_starts_with_the_service_frames_worked_out_in_the_preload(
    preloaded, monkeypatch
):
    # The workers, caseload spread, unallocated cases, care leavers' team outcomes, the
    # caseload indicators' rows split by team and the team table's rows are the same for every
    # team: the preload works them out once and each team's context shares them.
    from csc_metrics.views import care_leavers, caseloads

    folder, _ = preloaded
    shared = open_report(folder, **PARAMETERS)
    for_team = open_report(folder, **(PARAMETERS | {"team": shared.teams[0]}))
    assert for_team.service_frames is shared.service_frames
    assert {key.split()[0] for key in shared.service_frames} == {
        "worker_caseloads",
        "caseload_distribution",
        "unallocated_cases",
        "unallocated_every_team",
        "unallocated_every_team_hidden",
        "team_care_leaver_outcomes",
        "team_series",
        "team_rows",
        "total_row",
    }
    assert for_team.data_problems is shared.data_problems

    def not_again(*args, **kwargs):
        raise AssertionError("worked out again for a team")

    for name in (
        "worker_caseloads",
        "caseload_distribution",
        "unallocated_cases",
        "suppression_mask",
    ):
        monkeypatch.setattr(caseloads, name, not_again)
    monkeypatch.setattr(care_leavers, "team_care_leaver_outcomes", not_again)
    assert len(caseloads.worker_table(for_team).data) > 0
    caseloads.unallocated_table(for_team)
    caseloads.distribution_table(for_team)
    care_leavers.team_outcomes_table(for_team)


def test_the_forecast_and_the_published_benchmarks_are_built_in_the_preload(preloaded, monkeypatch):
    # The overview's spend row and the demand and cost report both start from the forecast at
    # the shipped unit costs, and every benchmark line chart from the council's published
    # table: a kernel forked after the preload builds neither again.
    from csc_metrics import benchmarks
    from csc_metrics.forecast import report as forecast_report
    from csc_metrics.views import forecast

    folder, _ = preloaded
    shared = open_report(folder, **PARAMETERS)

    def not_again(*args, **kwargs):
        raise AssertionError("built again after the preload")

    monkeypatch.setattr(forecast_report, "build_report", not_again)
    monkeypatch.setattr(benchmarks, "benchmark_series", not_again)
    assert forecast.open_forecast(shared, None, None).report is not None
    assert forecast.spend_row(shared)[1] != ""
    assert not shared.published_benchmarks.empty


def test_a_new_ingest_is_never_served_the_preloaded_context(preloaded, tmp_path):
    folder, loads = preloaded
    shared = open_report(folder, **PARAMETERS)
    manifest = folder / storage.MANIFEST_NAME
    saved = tmp_path / "manifest.json"
    shutil.copyfile(manifest, saved)
    try:
        manifest.write_text(manifest.read_text(encoding="utf-8") + "\n", encoding="utf-8")
        assert open_report(folder, **PARAMETERS) is not shared
        assert loads == [folder]
    finally:
        shutil.copyfile(saved, manifest)


@pytest.fixture
def fork_server():
    if not fork_server_supported():
        pytest.skip("kernels are forked on Linux only")
    server = ForkServer(modules=())
    yield server
    server.close()


def test_the_fork_server_answers_a_call_with_the_function_result(fork_server):
    assert fork_server.call("json:dumps", obj=[1, 2]) == "[1, 2]"


def test_a_failing_call_in_the_fork_server_names_the_function_and_error(fork_server):
    with pytest.raises(ServerCallError, match=r"json:loads failed.*JSONDecodeError"):
        fork_server.call("json:loads", s="{")


def test_the_forecast_is_started_before_the_indicator_series_are_worked_out(
    sample_processed, monkeypatch
):
    # The forecast needs only the data: started first, its child works on the other core
    # while the series (the preparation's largest part) are worked out here.
    from csc_metrics.views import opening

    order: list[str] = []

    class StopError(Exception):
        pass

    def series(*_args, **_kwargs):
        order.append("series")
        raise StopError

    monkeypatch.setattr(
        opening.forecast,
        "forecast_in_background",
        lambda *_args, **_kwargs: order.append("forecast") or (lambda _ctx: None),
    )
    monkeypatch.setattr(opening, "cached_indicator_series", series)
    monkeypatch.setattr(preload, "_preloaded", None)
    with pytest.raises(StopError):
        preload_report(sample_processed, **PARAMETERS)
    assert order == ["forecast", "series"]


def test_the_forecast_starts_from_the_episodes_the_preparation_prepared(
    sample_processed, monkeypatch
):
    # The child would otherwise prepare the same episodes again (most of its work).
    from csc_metrics.views import opening

    prepared = []
    started_with = []
    real = opening.prepare_inputs

    class StopError(Exception):
        pass

    def prepare(*args, **kwargs):
        prepared.append(real(*args, **kwargs))
        return prepared[-1]

    def forecast_in_background(*_args, episodes=None):
        started_with.append(episodes)
        raise StopError

    monkeypatch.setattr(opening, "prepare_inputs", prepare)
    monkeypatch.setattr(opening.forecast, "forecast_in_background", forecast_in_background)
    monkeypatch.setattr(preload, "_preloaded", None)
    with pytest.raises(StopError):
        preload_report(sample_processed, **PARAMETERS)
    assert len(prepared) == 1
    assert started_with[0] is prepared[0].episodes


def test_the_preload_prepares_the_per_child_inputs_once(sample_processed, tmp_path, monkeypatch):
    # A cold series (no cache) and the context's child-level tables start from the same
    # prepared inputs: prepared once, not once for the series and again for the context.
    from csc_metrics.indicators import core, placements, prepare
    from csc_metrics.views import opening, report_context

    folder = tmp_path / "processed"
    shutil.copytree(sample_processed, folder, ignore=shutil.ignore_patterns("_cache"))
    prepared = []
    real = prepare.prepare_inputs

    def counting(*args, **kwargs):
        prepared.append(args)
        return real(*args, **kwargs)

    for module in (prepare, core, placements, opening, report_context):
        monkeypatch.setattr(module, "prepare_inputs", counting)
    monkeypatch.setattr(preload, "_preloaded", None)

    preload_report(folder, **PARAMETERS)

    assert len(prepared) == 1
    kept = preload._preloaded
    assert kept is not None and "inputs" in kept.context.__dict__
