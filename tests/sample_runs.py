"""Two quarterly runs on the shipped sample, shared by the notebook, end-to-end and browser tests.

Executing the six report notebooks is the slowest thing the suite does, so each run is made
once per test session and shared (``made_once``): by whichever pytest-xdist worker asks first,
under a file lock in the session's shared temporary folder; the other workers wait for it and
read what it published (and the ``RunOutcome``, pickled beside it). Other read-only inputs
that several test files need, such as a generated messy sample, are shared the same way.
nbval executes the committed notebooks on their own (``make test``); these runs are the
runner's real output on the real notebooks:

- ``default``: what ``make report`` does: the latest quarter end, every team's caseload page
  (``--per-team``), compared with England, no suppression.
- ``variant``: everything a user can change at once: the quarter end a year earlier, one team
  (``--team``), compared with the region, with suppression. It reads a processed folder
  ingested beforehand, since its team and quarter end are chosen from the data.
- ``suppressed``: the default run with ``--suppress``, for the disclosure audit (issue 14).
"""

from __future__ import annotations

import os
import pickle
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import nbformat
import pandas as pd
import pytest
from filelock import FileLock

from csc_metrics.report.config import PROCESSED_FOLDER, RunConfig
from csc_metrics.report.outcomes import RunOutcome
from csc_metrics.report.runner import folder_teams, ingest_raw, latest_quarter_end, run_suite

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "raw" / "sample"
NOTEBOOKS = ROOT / "notebooks"
REPORTS = (
    "00_overview",
    "01_caseloads",
    "02_care_leavers",
    "03_placements",
    "04_data_quality",
    "05_permanence",
    "06_demand_and_cost",
)
MISSING = [str(SAMPLE)] if not SAMPLE.is_dir() else []
MISSING += [
    str(NOTEBOOKS / f"{n}.ipynb") for n in REPORTS if not (NOTEBOOKS / f"{n}.ipynb").exists()
]
#: A fixed pseudonymisation key, so no key file is written to the tester's home folder.
KEY = "end-to-end-test-key-0123456789abcdef"
LA_CODE = "E10000017"
LA_NAME = "Synthetic county (sample data)"
T = TypeVar("T")


@dataclass(frozen=True)
class SampleRun:
    """One run on the sample: its outcome, its output folder and what it was asked for."""

    outcome: RunOutcome
    out: Path
    team: str | None
    other_teams: tuple[str, ...]

    @property
    def published(self) -> Path:
        """The published folder (fails the test, with the run's own message, if none)."""
        assert self.outcome.exit_code == 0, self.outcome.failure_message()
        return self.outcome.published

    def notebook(self, name: str) -> nbformat.NotebookNode:
        """A report notebook as the run executed it, outputs and all."""
        return nbformat.read(self.published / "notebooks" / f"{name}.ipynb", as_version=4)


def _config(base: Path, **changes) -> RunConfig:
    settings = {
        "raw": SAMPLE,
        "period_end": "latest",
        "la_code": LA_CODE,
        "la_name": LA_NAME,
        "out": base / "reports",
        "notebooks_dir": NOTEBOOKS,
        "quiet": True,
    }
    return RunConfig(**{**settings, **changes})


def ingested_sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped sample ingested (``csc-metrics ingest``, key ``KEY``), once per session.

    Read only: the variant run and the preload tests each copy it before anything writes into
    it (a run keeps its caches in its processed folder). It replaces an ingest of the sample
    in each of them (about 4.4 s of CPU each); the default and suppressed runs ingest as
    ``make report`` does, inside the run.
    """
    if MISSING:
        pytest.skip(f"needs the sample and notebooks: {MISSING}")

    def build(base: Path) -> Path:
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("CSC_METRICS_KEY", KEY)
            ingest_raw(SAMPLE, base / "processed")
        return base / "processed"

    return made_once(tmp_path_factory, "sample-ingested", build)


def _default(base: Path, tmp_path_factory: pytest.TempPathFactory) -> SampleRun:
    out = base / "reports"
    return SampleRun(run_suite(_config(base, per_team=True)), out, None, ())


def _variant(base: Path, tmp_path_factory: pytest.TempPathFactory) -> SampleRun:
    processed = base / "processed"
    shutil.copytree(ingested_sample(tmp_path_factory), processed)
    period_end = latest_quarter_end(processed) - pd.DateOffset(years=1)
    period_end = period_end + pd.offsets.QuarterEnd(0)
    teams = folder_teams(processed, period_end)
    config = _config(
        base,
        period_end=period_end.date().isoformat(),
        processed=processed,
        skip_ingest=True,
        team=teams[0],
        suppress=True,
        comparator="region",
    )
    return SampleRun(run_suite(config), base / "reports", teams[0], tuple(teams[1:]))


def _suppressed(base: Path, tmp_path_factory: pytest.TempPathFactory) -> SampleRun:
    out = base / "reports"
    outcome = run_suite(_config(base, per_team=True, suppress=True))
    # The sample's teams at its latest quarter end (for the attacker's cross-page relations),
    # read from the folder the run ingested into rather than from an ingest of its own.
    processed = out / PROCESSED_FOLDER
    teams = folder_teams(processed, latest_quarter_end(processed)) if outcome.exit_code == 0 else []
    return SampleRun(outcome, out, None, tuple(teams))


BUILDERS = {"default": _default, "variant": _variant, "suppressed": _suppressed}


def shared_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The temporary folder every xdist worker of this session sees (its own without xdist)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def made_once(tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], T]) -> T:
    """What ``build(folder)`` returns, made by the first worker that asks and read by the others.

    Args:
        tmp_path_factory: pytest's factory, for the session's shared folder.
        name: The folder under the shared root to build in.
        build: Writes into the (new) folder and returns something picklable.

    Returns:
        The result. One that raised is not recorded, so every test asking for it fails with
        the error rather than with a missing file.
    """
    base = shared_root(tmp_path_factory) / name
    record = base.with_name(f"{name}.pickle")
    with FileLock(str(base) + ".lock"):
        if not record.exists():
            shutil.rmtree(base, ignore_errors=True)
            base.mkdir(parents=True)
            result = build(base)
            record.write_bytes(pickle.dumps(result))
    return pickle.loads(record.read_bytes())


def sample_run(tmp_path_factory: pytest.TempPathFactory, name: str) -> SampleRun:
    """The named run on the shipped sample (``default`` or ``variant``), made once per session."""
    if MISSING:
        pytest.skip(f"needs the sample and notebooks: {MISSING}")

    def build(base: Path) -> SampleRun:
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("CSC_METRICS_KEY", KEY)
            return BUILDERS[name](base, tmp_path_factory)

    return made_once(tmp_path_factory, f"sample-run-{name}", build)
