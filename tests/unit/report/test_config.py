"""The run's parameters: every bad value is a ParameterError naming the option."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from csc_metrics.errors import ParameterError
from csc_metrics.report.config import (
    RunConfig,
    discover_notebooks,
    parse_period_end,
    slugify,
    team_notebook,
)


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
        "la_name": "E10000017",
        "team": "North",
        "comparator": "england",
        "suppress": False,
        "targets_file": None,
    }


def test_a_single_team_run_publishes_beside_the_council_report(config):
    checked = replace(config, team="Assessment North").validated()
    assert checked.publish_name(pd.Timestamp("2025-03-31")) == "2025-03-31_team-assessment-north"
