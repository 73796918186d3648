"""The run's parameters: every bad value is a ParameterError naming the option."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from csc_metrics.errors import InputError, ParameterError
from csc_metrics.forecast.states import CATEGORY_IDS
from csc_metrics.report.config import (
    RunConfig,
    discover_notebooks,
    parse_period_end,
    slugify,
    team_notebook,
)
from csc_metrics.report.jobs import for_notebook


@pytest.fixture
def notebooks(tmp_path: Path) -> Path:
    folder = tmp_path / "notebooks"
    folder.mkdir()
    for name in ("01_caseloads.ipynb", "00_overview.ipynb", "_draft.ipynb", ".hidden.ipynb"):
        (folder / name).write_text("{}")
    return folder


@pytest.fixture
def config(tmp_path: Path, notebooks: Path) -> RunConfig:
    raw = tmp_path / "raw"
    raw.mkdir()
    return RunConfig(
        raw=raw,
        period_end="2025-03-31",
        la_code="e10000017",
        out=tmp_path / "reports",
        notebooks_dir=notebooks,
        jobs=2,
    )


def test_period_end_accepts_latest_and_iso_dates():
    assert parse_period_end("Latest") == "latest"
    assert parse_period_end("2025-03-31") == "2025-03-31"


@pytest.mark.parametrize("value", ["31/03/2025", "2025-02-30", "last"])
def test_period_end_rejects_anything_else(value):
    with pytest.raises(ParameterError, match="--period-end"):
        parse_period_end(value)


def test_validated_upper_cases_the_council_code_and_defaults_the_processed_folder(config):
    checked = config.validated()
    assert checked.la_code == "E10000017"
    # The run's own processed folder, so an analyst's data/processed is never overwritten.
    assert checked.processed_dir == checked.out / "_processed"


@pytest.mark.parametrize("code", ["E1000001", "W06000001", "X10000017", "10000017"])
def test_a_code_that_is_not_an_english_council_is_refused(config, code):
    with pytest.raises(ParameterError, match="--la-code"):
        replace(config, la_code=code).validated()


def test_team_and_per_team_together_are_refused(config):
    with pytest.raises(ParameterError, match="not both"):
        replace(config, team="North", per_team=True).validated()


def test_jobs_below_one_is_refused(config):
    with pytest.raises(ParameterError, match="--jobs"):
        replace(config, jobs=0).validated()


def test_a_missing_raw_folder_is_refused(config, tmp_path):
    with pytest.raises(ParameterError, match="--raw"):
        replace(config, raw=tmp_path / "nowhere").validated()


def test_output_inside_the_read_only_raw_folder_is_refused(config):
    with pytest.raises(ParameterError, match="only ever read"):
        replace(config, out=config.raw / "reports").validated()


@pytest.mark.parametrize("option", ["out", "processed"])
def test_an_output_folder_that_is_a_file_is_refused_naming_it(config, tmp_path, option):
    # It used to end in a traceback from mkdir (FileExistsError, NotADirectoryError).
    a_file = tmp_path / "reports.txt"
    a_file.write_text("mine")
    with pytest.raises(ParameterError, match=f"--{option} .*is a file"):
        replace(config, **{option: a_file}).validated()
    assert a_file.read_text() == "mine"


def test_skip_ingest_needs_an_existing_processed_folder(config):
    with pytest.raises(ParameterError, match="--skip-ingest"):
        replace(config, skip_ingest=True).validated()


def test_a_missing_targets_file_is_refused(config, tmp_path):
    with pytest.raises(ParameterError, match="--targets"):
        replace(config, targets=tmp_path / "targets.csv").validated()


def test_notebooks_are_found_in_reading_order_without_drafts(notebooks):
    assert [p.name for p in discover_notebooks(notebooks)] == [
        "00_overview.ipynb",
        "01_caseloads.ipynb",
    ]


def test_an_empty_notebooks_folder_is_refused(tmp_path):
    with pytest.raises(ParameterError, match=r"no \.ipynb"):
        discover_notebooks(tmp_path)


def test_the_team_notebook_is_the_caseload_one(notebooks):
    assert team_notebook(discover_notebooks(notebooks)).name == "01_caseloads.ipynb"


def test_per_team_without_a_caseload_notebook_is_refused(tmp_path):
    with pytest.raises(ParameterError, match="caseload"):
        team_notebook([tmp_path / "00_overview.ipynb"])


def test_team_names_become_file_names():
    assert slugify("Assessment North (East)") == "assessment-north-east"
    assert slugify("***") == "team"


def test_notebook_parameters_carry_dates_as_text_and_absolute_paths(config):
    checked = config.validated()
    parameters = checked.notebook_parameters(pd.Timestamp("2025-03-31"), team="North")
    assert parameters == {
        "processed_dir": str(checked.out / "_processed"),
        "period_end": "2025-03-31",
        "la_code": "E10000017",
        "la_name": "Lancashire",
        "team": "North",
        "comparator": "england",
        "suppress": False,
        "targets_file": None,
        "scenario_file": None,
        "costs_file": None,
        "change_points_file": None,
    }


def test_missing_forecast_files_are_refused(config, tmp_path):
    with pytest.raises(ParameterError, match="--scenario"):
        replace(config, scenario=tmp_path / "scenario.yaml").validated()
    with pytest.raises(ParameterError, match="--costs"):
        replace(config, costs=tmp_path / "costs.csv").validated()


def test_a_bad_scenario_stops_the_run_before_anything_is_read(config, tmp_path):
    scenario = tmp_path / "scenario.csv"
    scenario.write_text("flow,to,change,value\nentry,castle,multiply,1\n")
    with pytest.raises(InputError, match=r"scenario\.csv, row 2, column to"):
        replace(config, scenario=scenario).validated()


def test_forecast_files_go_only_to_the_notebooks_that_declare_them(config, tmp_path):
    costs = tmp_path / "costs.csv"
    costs.write_text("category,weekly_cost\n" + "".join(f"{c},1\n" for c in CATEGORY_IDS))
    checked = replace(config, costs=costs).validated()
    parameters = checked.notebook_parameters(pd.Timestamp("2025-03-31"), team=None)
    declares = tmp_path / "06_demand_and_cost.ipynb"
    silent = tmp_path / "01_caseloads.ipynb"
    cell = {"cell_type": "code", "metadata": {"tags": ["parameters"]}, "outputs": []}
    declares.write_text(
        json.dumps({"cells": [{**cell, "source": ["team = None\n", "costs_file = None"]}]})
    )
    silent.write_text(json.dumps({"cells": [{**cell, "source": ["team = None"]}]}))
    assert for_notebook(declares, parameters)["costs_file"] == str(costs)
    assert "scenario_file" not in for_notebook(declares, parameters)
    assert "costs_file" not in for_notebook(silent, parameters)
    assert for_notebook(silent, parameters)["team"] is None


def test_a_single_team_run_publishes_beside_the_council_report(config):
    checked = replace(config, team="Assessment North").validated()
    assert checked.publish_name(pd.Timestamp("2025-03-31")) == "2025-03-31_team-assessment-north"


def test_the_context_built_ahead_gets_the_eight_parameters_and_the_change_points(
    config, tmp_path, monkeypatch
):
    from datetime import datetime

    from csc_metrics.report import runner
    from csc_metrics.views import PARAMETERS, opening

    costs = tmp_path / "costs.csv"
    costs.write_text("category,weekly_cost\n" + "".join(f"{c},1\n" for c in CATEGORY_IDS))
    checked = replace(config, costs=costs).validated()
    seen = {}

    def preload(**parameters):
        seen.update(parameters)
        return {"period_end": "2025-03-31"}

    monkeypatch.setattr(opening, "preload_report", preload)
    run = runner._Run(checked, datetime.now(), "stamp", tmp_path / "log", None, None, None, None)
    assert run._prepare_report_data(None) == pd.Timestamp("2025-03-31")
    # The change points decide the SPC limits of every summary built ahead; the forecast's
    # files do not reach it.
    assert list(seen) == [*PARAMETERS, "change_points_file"]


def test_a_bad_change_points_file_stops_the_run_before_ingest(config, tmp_path):
    bad = tmp_path / "change_points.csv"
    bad.write_text("indicator,date,reason\nplacements_3plus_pct,31/13/2023,New panel\n")
    with pytest.raises(InputError, match="column date, row 2"):
        replace(config, change_points=bad).validated()
    with pytest.raises(ParameterError, match="--change-points"):
        replace(config, change_points=tmp_path / "absent.csv").validated()


def test_without_a_name_the_council_is_named_from_councils_csv(config):
    # councils.csv: E10000017 is Lancashire. The banner used to read "E10000017 · E10000017".
    assert config.validated().display_name == "Lancashire"


def test_a_given_name_is_kept(config):
    assert replace(config, la_name=" Our county ").validated().display_name == "Our county"


def test_synthetic_data_never_carry_a_real_councils_name(config):
    # The generator marks its MANIFEST.md; the sample borrows Lancashire's code, not its name.
    (config.raw / "MANIFEST.md").write_text('{"generator": "csc-metrics sample"}', "utf-8")
    assert config.validated().display_name == "Synthetic county (sample data)"
    # ... also when the code itself is passed as the name (as make targets used to).
    named_by_code = replace(config, la_name="E10000017")
    assert named_by_code.validated().display_name == "Synthetic county (sample data)"
