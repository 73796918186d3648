"""Execution keys and the remembered preparation of the report data (report.executions)."""

from __future__ import annotations

from pathlib import Path

from csc_metrics import storage
from csc_metrics.report.execute import NotebookJob
from csc_metrics.report.executions import (
    execution_key,
    processed_fingerprint,
    remember_preparation,
    remembered_preparation,
    run_inputs_fingerprint,
)

ANSWER = {"period_end": "2025-03-31", "summary": {"council": "E10000017"}}


def processed_with(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    storage.write_json({storage.FILE_HASHES: files, "key_check": "k"}, folder / "manifest.json")
    return folder


def test_processed_data_without_recorded_hashes_cannot_be_keyed(tmp_path):
    storage.write_json({"tables": []}, tmp_path / "manifest.json")
    assert processed_fingerprint(tmp_path) is None
    assert run_inputs_fingerprint(tmp_path) is None


def test_the_processed_fingerprint_follows_the_recorded_hashes(tmp_path):
    one = processed_fingerprint(processed_with(tmp_path / "a", {"t.parquet": "1"}))
    same = processed_fingerprint(processed_with(tmp_path / "b", {"t.parquet": "1"}))
    other = processed_fingerprint(processed_with(tmp_path / "c", {"t.parquet": "2"}))
    assert one == same != other


def test_the_key_changes_with_the_notebook_and_each_parameter(tmp_path):
    notebook = tmp_path / "00_overview.ipynb"
    notebook.write_text("{}", encoding="utf-8")
    job = NotebookJob(notebook, "00_overview", {"la_code": "E10000017", "team": None})
    key = execution_key(job, "shared")
    assert execution_key(job, "shared") == key
    assert execution_key(job, "other shared") != key
    other = NotebookJob(notebook, "00_overview", {"la_code": "E10000017", "team": "North"})
    assert execution_key(other, "shared") != key
    notebook.write_text('{"cells": []}', encoding="utf-8")
    assert execution_key(job, "shared") != key


def test_a_preparation_is_remembered_for_the_same_parameters_and_inputs_only(tmp_path):
    parameters = {"la_code": "E10000017", "period_end": "latest"}
    remember_preparation(tmp_path, parameters, "shared", ANSWER)
    assert remembered_preparation(tmp_path, parameters, "shared") == ANSWER
    assert remembered_preparation(tmp_path, parameters, "other shared") is None
    assert (
        remembered_preparation(tmp_path, {**parameters, "la_code": "E10000016"}, "shared") is None
    )


def test_a_preparation_remembered_for_a_file_parameter_is_forgotten_when_its_content_changes(
    tmp_path,
):
    targets = tmp_path / "targets.csv"
    targets.write_text("indicator_id,target\n", encoding="utf-8")
    parameters = {"targets_file": str(targets)}
    remember_preparation(tmp_path, parameters, "shared", ANSWER)
    targets.write_text("indicator_id,target\nplacements_3plus_pct,9\n", encoding="utf-8")
    assert remembered_preparation(tmp_path, parameters, "shared") is None
