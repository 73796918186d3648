"""A long caseload history is cleaned in a second process; nothing may depend on it.

The worker (``caseload.background``) is spawned only for a history of more than
``BACKGROUND_MIN_BYTES`` in two or more batches, and forked (from a process running one thread)
for a few new snapshots (``FORK_MIN_BYTES`` to ``FORK_MAX_BYTES``); here the limits are set so
that the shipped sample's snapshots are batches cleaned by the worker and the main process
together, and everything ingest writes is compared with an ingest without the worker. Each test
runs with the worker spawned and forked (pytest-xdist's workers run an execnet thread, so
forking is forced there: the child runs only the worker).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pyarrow
import pytest
from caseload_fixtures import write_text
from pyarrow import feather

from csc_metrics import ingest_cache, privacy, storage
from csc_metrics.caseload import background
from csc_metrics.caseload import ingest as caseload_ingest
from csc_metrics.errors import InputError
from csc_metrics.pipeline.core import CASELOAD_WORKER_FOLDER, ingest

KEY = "caseload-worker-test-key-long-enough-for-the-rule"
SAMPLE = Path(__file__).resolve().parents[2] / "data" / "raw" / "sample"

#: Each test ingests the shipped sample once or twice (a few seconds each, and a process); the
#: ingest by one process that two tests compare with is made once (``alone``).
pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(privacy.KEY_ENV, KEY)


@pytest.fixture(params=["spawn", "fork"])
def method(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """How the worker starts: forked where this process counts as running one thread."""
    monkeypatch.setattr(background, "fork_is_safe", lambda: request.param == "fork")
    return str(request.param)


def _record_starts(patch: pytest.MonkeyPatch) -> list[object]:
    """Each worker ``start_background`` gives from now on (None where it starts none)."""
    started: list[object] = []
    start = background.start_background

    def spy(*arguments: object, **options: object) -> background.BackgroundCaseload | None:
        worker = start(*arguments, **options)  # type: ignore[arg-type]
        started.append(worker)
        return worker

    patch.setattr(caseload_ingest, "start_background", spy)
    return started


@pytest.fixture
def starts(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Each worker ``start_background`` gave in this test (None where it started none)."""
    return _record_starts(monkeypatch)


@pytest.fixture(scope="module")
def alone(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[object]]:
    """The shipped sample ingested by one process (no worker, spawned or forked), once for the
    module (read only), with the workers ``start_background`` gave meanwhile: four tests (two
    tests, each with both start methods) compare an ingest with it."""
    folder = tmp_path_factory.mktemp("caseload-worker") / "alone"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(privacy.KEY_ENV, KEY)
        patch.setattr(background, "FORK_MIN_BYTES", 2**62)
        started = _record_starts(patch)
        ingest(SAMPLE, folder)
    return folder, started


def _worker_for_any_history(patch: pytest.MonkeyPatch, method: str) -> None:
    """Every snapshot its own batch, and a worker started (by ``method``) whatever the size."""
    if method == "spawn":
        patch.setattr(background, "BACKGROUND_MIN_BYTES", 0)
    else:
        patch.setattr(background, "FORK_MIN_BYTES", 0)
        patch.setattr(background, "FORK_MAX_BYTES", 2**62)
    patch.setattr(caseload_ingest, "WORKER_BATCH_BYTES", 1)


def _processed_files(folder: Path) -> dict[str, bytes]:
    """Every table and the issues ingest wrote (parquet and CSV)."""
    return {
        path.name: path.read_bytes()
        for path in sorted(folder.iterdir())
        if path.suffix in (".parquet", ".csv")
    }


def _cached_tables(folder: Path) -> dict[str, pyarrow.Table]:
    """Every cached year's and snapshot's tables and issues, as tables.

    Their bytes depend on how the rows were batched (Arrow keeps a batch's chunks), not on
    which process cleaned them; their rows must not.
    """
    cache = folder / ingest_cache.INGEST_CACHE_FOLDER
    return {
        path.relative_to(cache).as_posix(): feather.read_table(path)
        for path in sorted(cache.rglob("*.feather"))
    }


def _cache_index(folder: Path) -> dict[str, object]:
    """The cache's index without the files' hashes."""
    index = json.loads(
        (folder / ingest_cache.INGEST_CACHE_FOLDER / ingest_cache.INDEX_NAME).read_text()
    )
    for unit in index["units"].values():
        unit["files"] = sorted(unit["files"])
    return index


def test_the_worker_gives_what_one_process_gives(tmp_path, alone, method, starts, monkeypatch):
    alone, alone_starts = alone
    # The shipped sample's caseload is about 2 MB: far below the spawned worker's threshold.
    assert alone_starts == [None]
    _worker_for_any_history(monkeypatch, method)
    shared = tmp_path / "shared"
    ingest(SAMPLE, shared)
    assert isinstance(starts[-1], background.BackgroundCaseload)
    assert starts[-1].method == method
    # Every table and the issues, byte for byte, and every cached snapshot's and year's rows.
    assert _processed_files(shared) == _processed_files(alone)
    manifests = [json.loads((f / storage.MANIFEST_NAME).read_text()) for f in (alone, shared)]
    for name in ("tables", "issues", "issues_by_rule", "ssda903_files"):
        assert manifests[0][name] == manifests[1][name]
    cached, cached_alone = _cached_tables(shared), _cached_tables(alone)
    assert cached.keys() == cached_alone.keys()
    assert all(cached[name].equals(cached_alone[name]) for name in cached)
    assert _cache_index(shared) == _cache_index(alone)
    # The worker's scratch folder is gone.
    assert not (shared / CASELOAD_WORKER_FOLDER).exists()


def _raw_with_unusable_snapshots(tmp_path: Path) -> Path:
    raw = tmp_path / "raw"
    shutil.copytree(SAMPLE, raw)
    snapshots = sorted((raw / "caseload").iterdir())
    # The second and third of three snapshots have no usable case list.
    for snapshot in snapshots[1:]:
        for workbook in snapshot.glob("*.xlsx"):
            workbook.unlink()
        write_text(snapshot / "cases.csv", "child_id,team\nC1,North\n")
    return raw


def test_the_earliest_unusable_snapshot_is_the_one_reported(tmp_path, method, starts, monkeypatch):
    raw = _raw_with_unusable_snapshots(tmp_path)
    second = sorted(p.name for p in (raw / "caseload").iterdir())[1]
    with pytest.raises(InputError) as alone, pytest.MonkeyPatch.context() as patch:
        patch.setattr(background, "FORK_MIN_BYTES", 2**62)
        ingest(raw, tmp_path / "alone")
    assert second in str(alone.value)
    _worker_for_any_history(monkeypatch, method)
    with pytest.raises(InputError) as shared:
        ingest(raw, tmp_path / "shared")
    assert starts[-1] is not None
    assert str(shared.value) == str(alone.value)


def test_a_worker_that_dies_leaves_its_batches_to_the_main_process(
    tmp_path, alone, method, monkeypatch
):
    alone, _ = alone
    _worker_for_any_history(monkeypatch, method)

    class Died(background.BackgroundCaseload):
        """A worker that took every batch and stopped before it cleaned any."""

        def __init__(self, *arguments: object, **options: object) -> None:
            super().__init__(*arguments, **options)  # type: ignore[arg-type]
            stopped = self._process
            assert stopped is not None
            stopped.terminate()
            stopped.join()
            self._claims.bounds[0] = len(self.batches)

    shared = tmp_path / "shared"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(background, "BackgroundCaseload", Died)
        # The main process waits POLL_SECONDS (1 s) for each batch the dead worker claimed
        # before it cleans that batch itself: every snapshot is a batch here (about 16 s).
        patch.setattr(background, "POLL_SECONDS", 0.05)
        ingest(SAMPLE, shared)
    pd.testing.assert_frame_equal(
        storage.read_table("clean_caseload__cases", shared),
        storage.read_table("clean_caseload__cases", alone),
    )
    assert (shared / "dq_issues.csv").read_bytes() == (alone / "dq_issues.csv").read_bytes()
