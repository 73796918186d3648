"""The processed folder's hashes, the caseload history's previous generation and --rollback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from caseload_fixtures import standard_snapshot
from snapshot_history import copy_of, ingest, ingest_twice_archiving_a_snapshot
from ssda903_helpers import episode_row, raw_folder

from csc_metrics import privacy, storage
from csc_metrics.cli import main
from csc_metrics.errors import InputError

KEY = "history-test-key-long-enough-for-the-32-character-rule"

#: Every test reads or ingests again a copy of two ingests (a few seconds each).
pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(privacy.KEY_ENV, KEY)


def _snapshots(folder: Path) -> list[str]:
    cases = storage.read_table("clean_caseload__cases", folder)
    return sorted(str(d.date()) for d in cases["snapshot_date"].unique())


@pytest.fixture(scope="module")
def generations_made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folders ``generations`` copies, made once for the module (two ingests)."""
    base = tmp_path_factory.mktemp("generations")
    raw = raw_folder(base / "raw", {2024: [episode_row("RAWID0001", "01/06/2022")]})
    standard_snapshot(raw)
    return ingest_twice_archiving_a_snapshot(base, raw, KEY)


@pytest.fixture
def generations(generations_made: Path, tmp_path: Path) -> tuple[Path, Path]:
    """Two ingests: March (later archived out of raw), then June added on top of it.

    A copy of the module's ``generations_made``: each test damages or rolls back its own copy.
    """
    return copy_of(generations_made, tmp_path)


def test_the_manifest_records_a_hash_of_every_processed_file(generations):
    _, processed = generations
    manifest = json.loads((processed / storage.MANIFEST_NAME).read_text("utf-8"))
    recorded = manifest[storage.FILE_HASHES]
    assert "clean_ssda903__episodes.parquet" in recorded and "dq_issues.csv" in recorded
    assert storage.damaged_files(processed) == []


def test_an_ingest_keeps_the_caseload_tables_it_replaces_as_the_previous_generation(generations):
    _, processed = generations
    assert _snapshots(processed) == ["2024-03-31", "2024-06-30"]
    assert _snapshots(processed / storage.HISTORY_FOLDER) == ["2024-03-31"]


def test_a_damaged_table_is_named_when_the_data_are_loaded(generations):
    _, processed = generations
    (processed / "clean_ssda903__episodes.parquet").write_bytes(b"PAR1 not thrift")
    with pytest.raises(InputError, match=r"clean_ssda903__episodes\.parquet"):
        storage.load_processed(processed)


def test_damaged_ssda903_tables_are_rebuilt_from_raw(generations):
    raw, processed = generations
    (processed / "clean_ssda903__episodes.parquet").write_bytes(b"PAR1 not thrift")
    assert ingest(raw, processed) == 0
    assert storage.damaged_files(processed) == []
    assert len(storage.load_processed(processed).episodes) == 1


def test_a_damaged_caseload_history_is_restored_from_the_previous_generation(generations, caplog):
    raw, processed = generations
    (processed / "clean_caseload__cases.parquet").write_bytes(b"PAR1 not thrift")
    with caplog.at_level("WARNING"):
        assert ingest(raw, processed) == 0
    assert "restored it from the previous generation" in caplog.text
    # March from the previous generation, June read again from the raw folder.
    assert _snapshots(processed) == ["2024-03-31", "2024-06-30"]


def test_a_history_nothing_can_restore_stops_and_says_what_is_lost(generations, capsys):
    raw, processed = generations
    (processed / "clean_caseload__cases.parquet").write_bytes(b"PAR1 not thrift")
    (processed / storage.HISTORY_FOLDER / "clean_caseload__cases.parquet").write_bytes(b"x")
    before = (processed / storage.MANIFEST_NAME).read_bytes()
    capsys.readouterr()
    assert ingest(raw, processed) == 2
    message = capsys.readouterr().err
    assert "clean_caseload__cases.parquet" in message and "lost" in message
    assert (processed / storage.MANIFEST_NAME).read_bytes() == before


def test_rollback_restores_the_previous_generation_and_a_second_undoes_it(generations, capsys):
    _, processed = generations
    assert main(["ingest", "--rollback", "--processed", str(processed)]) == 0
    assert _snapshots(processed) == ["2024-03-31"]
    assert _snapshots(processed / storage.HISTORY_FOLDER) == ["2024-03-31", "2024-06-30"]
    assert storage.damaged_files(processed) == []
    assert "Rolled back" in capsys.readouterr().out
    assert main(["ingest", "--rollback", "--processed", str(processed)]) == 0
    assert _snapshots(processed) == ["2024-03-31", "2024-06-30"]


def test_rollback_without_a_previous_generation_is_a_message(tmp_path, capsys):
    raw = raw_folder(tmp_path / "raw", {2024: [episode_row("RAWID0001", "01/06/2022")]})
    standard_snapshot(raw)
    processed = tmp_path / "processed"
    assert ingest(raw, processed) == 0
    capsys.readouterr()
    assert main(["ingest", "--rollback", "--processed", str(processed)]) == 2
    assert "nothing to roll back" in capsys.readouterr().err
