"""Reusing processed data that are up to date with the raw files (report.reuse and the run)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from kernel_server import server_in_this_environment

from csc_metrics import __version__, storage
from csc_metrics.fingerprints import hash_inputs
from csc_metrics.report.config import RunConfig
from csc_metrics.report.reuse import (
    INGEST_STAMP,
    ingested_inputs,
    processed_up_to_date,
    write_ingest_stamp,
)
from csc_metrics.report.runner import run_suite
from csc_metrics.settings import DEFAULT_SETTINGS


def write_processed_from(raw: Path, processed: Path) -> None:
    """What a real ingest records: the manifest lists the ingested raw files with their hashes."""
    inputs = [
        {"path": path, "sha256": digest}
        for path, digest in ingested_inputs(hash_inputs(raw)).items()
    ]
    processed.mkdir(parents=True, exist_ok=True)
    storage.write_json(
        {"package_version": __version__, "inputs": inputs}, processed / storage.MANIFEST_NAME
    )


@pytest.fixture
def key(monkeypatch):
    monkeypatch.setenv("CSC_METRICS_KEY", "reuse-test-key-0123456789abcdef0")


@pytest.fixture
def ingested(tmp_path, report_raw, key) -> tuple[Path, Path]:
    """A raw folder and a processed folder built from it by a run (so stamped)."""
    processed = tmp_path / "processed"
    write_processed_from(report_raw, processed)
    write_ingest_stamp(processed)
    return report_raw, processed


def test_unchanged_raw_files_are_up_to_date(ingested):
    raw, processed = ingested
    decision = processed_up_to_date(processed, hash_inputs(raw))
    assert decision.up_to_date
    assert decision.reason == "processed data up to date with the raw files"


def test_a_changed_raw_file_is_named_and_forces_an_ingest(ingested):
    raw, processed = ingested
    (raw / "ssda903" / "2025" / "header.csv").write_text("CHILD,SEX\n", encoding="utf-8")
    decision = processed_up_to_date(processed, hash_inputs(raw))
    assert not decision.up_to_date
    assert "ssda903/2025/header.csv" in decision.reason


def test_an_added_raw_file_forces_an_ingest(ingested):
    raw, processed = ingested
    (raw / "ssda903" / "2025" / "oc3.csv").write_text("CHILD\n", encoding="utf-8")
    assert not processed_up_to_date(processed, hash_inputs(raw)).up_to_date


def test_a_removed_raw_file_forces_an_ingest(ingested):
    raw, processed = ingested
    (raw / "caseload" / "2025-03-31" / "cases.csv").unlink()
    assert not processed_up_to_date(processed, hash_inputs(raw)).up_to_date


def test_a_file_outside_the_ingested_folders_does_not_matter(ingested):
    raw, processed = ingested
    (raw / "notes.txt").write_text("the analyst's notes", encoding="utf-8")
    assert processed_up_to_date(processed, hash_inputs(raw)).up_to_date


def test_another_pseudonymisation_key_forces_an_ingest(ingested, monkeypatch):
    raw, processed = ingested
    monkeypatch.setenv("CSC_METRICS_KEY", "another-key-0123456789abcdef012345")
    decision = processed_up_to_date(processed, hash_inputs(raw))
    assert not decision.up_to_date
    assert "key" in decision.reason


def test_the_stamp_holds_a_fingerprint_of_the_key_never_the_key(ingested):
    _, processed = ingested
    assert "reuse-test-key-0123456789abcdef0" not in (processed / INGEST_STAMP).read_text(
        encoding="utf-8"
    )


def test_other_local_rules_force_an_ingest(ingested):
    raw, processed = ingested
    other = replace(DEFAULT_SETTINGS, short_break_ls=frozenset({"V3"}))
    decision = processed_up_to_date(processed, hash_inputs(raw), other)
    assert not decision.up_to_date
    assert "settings" in decision.reason


def test_another_package_version_forces_an_ingest(ingested):
    raw, processed = ingested
    stamp = json.loads((processed / INGEST_STAMP).read_text(encoding="utf-8"))
    storage.write_json(stamp | {"package_version": "0.0.1"}, processed / INGEST_STAMP)
    assert not processed_up_to_date(processed, hash_inputs(raw)).up_to_date


def test_a_change_to_the_code_forces_an_ingest_although_the_version_is_the_same(ingested):
    # The version is 0.1.0 in every checkout; the code fingerprint tells the builds apart.
    raw, processed = ingested
    stamp = json.loads((processed / INGEST_STAMP).read_text(encoding="utf-8"))
    storage.write_json(stamp | {"code": "0" * 64}, processed / INGEST_STAMP)
    decision = processed_up_to_date(processed, hash_inputs(raw))
    assert not decision.up_to_date
    assert "code" in decision.reason


def test_a_processed_file_that_no_longer_matches_its_hash_forces_an_ingest(ingested):
    raw, processed = ingested
    storage.write_table(storage.empty_table("dq_issues"), "dq_issues", processed)
    manifest = json.loads((processed / storage.MANIFEST_NAME).read_text(encoding="utf-8"))
    manifest[storage.FILE_HASHES] = storage.file_hashes(processed)
    storage.write_json(manifest, processed / storage.MANIFEST_NAME)
    assert processed_up_to_date(processed, hash_inputs(raw)).up_to_date
    (processed / "dq_issues.parquet").write_bytes(b"PAR1 damaged")
    decision = processed_up_to_date(processed, hash_inputs(raw))
    assert not decision.up_to_date
    assert "dq_issues.parquet" in decision.reason


def test_a_linked_year_folder_outside_raw_is_an_input_like_any_other(ingested, tmp_path):
    # Halving the episodes of a year folder linked in from an archive must force an ingest.
    raw, processed = ingested
    archive = tmp_path / "archive" / "2019"
    archive.mkdir(parents=True)
    (archive / "episodes.csv").write_text("CHILD,DECOM\nA,01/01/2019\nB,01/02/2019\n")
    (raw / "ssda903" / "2019").symlink_to(archive, target_is_directory=True)
    write_processed_from(raw, processed)
    assert "ssda903/2019/episodes.csv" in ingested_inputs(hash_inputs(raw))
    assert processed_up_to_date(processed, hash_inputs(raw)).up_to_date
    (archive / "episodes.csv").write_text("CHILD,DECOM\nA,01/01/2019\n")
    decision = processed_up_to_date(processed, hash_inputs(raw))
    assert not decision.up_to_date
    assert "ssda903/2019/episodes.csv" in decision.reason


def test_processed_data_not_written_by_a_run_are_ingested_again(ingested):
    raw, processed = ingested
    (processed / INGEST_STAMP).unlink()
    assert not processed_up_to_date(processed, hash_inputs(raw)).up_to_date


def test_no_processed_folder_is_not_up_to_date(tmp_path, report_raw, key):
    decision = processed_up_to_date(tmp_path / "nothing", hash_inputs(report_raw))
    assert not decision.up_to_date


# --- the run ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def reruns(tmp_path_factory, report_tools):
    """Three runs in one reports folder: first, again unchanged, then with --fresh-ingest.

    Returns the number of ingests after each run and the three published manifests.
    """
    base = tmp_path_factory.mktemp("reruns")
    raw = report_tools.write_raw(base / "raw")
    ingests: list[Path] = []

    def ingest(raw_folder: Path, processed: Path) -> None:
        ingests.append(processed)
        with storage.staged_replace(processed, "processed") as staging:
            report_tools.write_processed(staging)
            write_processed_from(raw_folder, staging)

    config = RunConfig(
        raw=raw,
        period_end="2025-03-31",
        la_code="E10000017",
        out=base / "reports",
        notebooks_dir=report_tools.notebooks / "plain_chart",
        jobs=1,
        quiet=True,
    )
    counts, manifests, pages = [], [], []
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CSC_METRICS_KEY", "reuse-test-key-0123456789abcdef0")
        # One warm kernel server for the three runs, started in the runs' environment.
        with server_in_this_environment() as server:
            for changes in ({}, {}, {"fresh_ingest": True}):
                outcome = run_suite(
                    replace(config, **changes),
                    fork_server=server,
                    ingest_fn=ingest,
                    latest_fn=lambda processed: pd.Timestamp("2025-03-31"),
                    teams_fn=lambda processed, period_end: [],
                )
                assert outcome.exit_code == 0
                counts.append(len(ingests))
                manifests.append(json.loads((outcome.published / "manifest.json").read_text()))
                pages.append((outcome.published / "index.html").read_text(encoding="utf-8"))
    return counts, manifests, pages


@pytest.mark.slow
def test_a_rerun_with_unchanged_raw_files_does_not_ingest_again(reruns):
    counts, _, _ = reruns
    # One ingest for the first run, none for the unchanged re-run, one for --fresh-ingest.
    assert counts == [1, 1, 2]


@pytest.mark.slow
def test_the_manifest_says_whether_the_processed_data_were_reused(reruns):
    _, manifests, _ = reruns
    assert [m["ingest"]["status"] for m in manifests] == ["fresh", "reused", "fresh"]


@pytest.mark.slow
def test_the_landing_page_says_the_processed_data_were_up_to_date(reruns):
    _, _, pages = reruns
    assert "processed data up to date with the raw files" not in pages[0]
    assert "processed data up to date with the raw files" in pages[1]


def test_fresh_and_skip_ingest_together_are_a_parameter_error(tmp_path, report_raw):
    from csc_metrics.errors import ParameterError

    config = RunConfig(
        raw=report_raw,
        period_end="2025-03-31",
        la_code="E10000017",
        out=tmp_path / "reports",
        skip_ingest=True,
        fresh_ingest=True,
    )
    with pytest.raises(ParameterError, match="not both"):
        config.validated()
