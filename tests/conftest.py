"""Shared test set-up for ``tests/unit`` and ``tests/integration``.

``tests/unit/`` mirrors ``src/csc_metrics/`` (``tests/unit/indicators/test_caseloads.py`` tests
``indicators/caseloads.py``); ``tests/integration/`` holds what runs several stages together:
ingest end to end, report runs, the notebooks, the browser, checks over a whole generated
sample. The helpers both use (``*_fixtures.py``, ``ssda903_helpers.py``, ``sample_checks.py``,
``sample_runs.py``) stay here, beside this file, so pytest puts this folder on ``sys.path`` and
any test imports them by name. The test folders are packages, so two test files may share a
name (``unit/indicators/test_cli.py`` and ``unit/sample/test_cli.py``).

``tests/fixtures`` holds fixture notebooks and files that tests open themselves; nbval must not
collect the notebooks as tests (some fail on purpose). The ``report_*`` fixtures below build
the small raw and processed folders the runner tests use.
"""

from __future__ import annotations

import gc
import importlib
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from sample_runs import SampleRun

# Heavy modules (pandas, pandera, the report runner, nbformat and jsonschema: about 5 s of CPU)
# are imported where they are used, not here: pytest-xdist's controller process loads this file
# too, and runs beside the two workers on a 2-core machine.

# jsonschema (imported with nbformat) imports rfc3987-syntax when it is installed, which builds
# a parser as it is imported (1.5 s of CPU in each process). Only jsonschema's "iri" formats use
# it, which no schema of ours has; `csc-metrics run` marks it missing for the same reason
# (report/__init__.py). Done only if nothing has imported it yet (nbval has,
# under `make test`).
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]

collect_ignore_glob = ["fixtures/*"]

REPORT_NOTEBOOKS = Path(__file__).parent / "fixtures" / "report_notebooks"

#: Raw child identifiers in the fixture raw folder. CH900001 is also printed by the "leaky"
#: fixture notebook, to prove the privacy check catches it.
REPORT_RAW_CHILD_IDS = ("CH900001", "CH900002", "CH900003")


def write_report_raw(folder: Path) -> Path:
    """Write a small raw folder: an SSDA903 header file and a caseload snapshot."""
    import pandas as pd

    ssda903 = folder / "ssda903" / "2025"
    ssda903.mkdir(parents=True)
    pd.DataFrame(
        {
            "CHILD": list(REPORT_RAW_CHILD_IDS),
            "SEX": ["1", "2", "1"],
            "DOB": ["01/02/2010", "03/04/2012", "05/06/2008"],
            "ETHNIC": ["WBRI", "WBRI", "BAFR"],
        }
    ).to_csv(ssda903 / "header.csv", index=False)
    caseload = folder / "caseload" / "2025-03-31"
    caseload.mkdir(parents=True)
    pd.DataFrame(
        {
            "child_id": list(REPORT_RAW_CHILD_IDS),
            "team": ["Assessment North", "Assessment North", "Children in care"],
            "worker_id": ["W1", "W1", "W2"],
        }
    ).to_csv(caseload / "cases.csv", index=False)
    return folder


def write_report_processed(folder: Path) -> Path:
    """Write a processed folder as ingest would: a data-quality log and a manifest.

    The log has 7 errors of one rule and 1 warning of another, so suppression (1-5) hides the
    warning total and nothing else.
    """
    from csc_metrics import storage
    from csc_metrics.quality import DataQualityLog

    log = DataQualityLog()
    for row in range(2, 9):
        log.add(
            dataset="ssda903",
            table="header",
            file="ssda903/2025/header.csv",
            row=row,
            rule="missing_dob",
            severity="error",
            message="DOB is blank; expected a date dd/mm/yyyy",
        )
    log.add(
        dataset="ssda903",
        table="episodes",
        rule="invalid_code",
        severity="warning",
        message="PLACE code not in the code list",
    )
    folder.mkdir(parents=True, exist_ok=True)
    storage.write_table(log.to_frame(), "dq_issues", folder)
    storage.write_json({"tables": ["dq_issues"]}, folder / storage.MANIFEST_NAME)
    return folder


def report_config(base: Path, notebooks: Path, **changes):
    """A run of fixture notebooks on ``base/raw`` into ``base/reports``, with any changes."""
    from dataclasses import replace

    from csc_metrics.report.config import RunConfig

    config = RunConfig(
        raw=base / "raw",
        period_end="2025-03-31",
        la_code="E10000017",
        la_name="Sample county",
        out=base / "reports",
        notebooks_dir=notebooks,
        jobs=2,
        quiet=True,
    )
    return replace(config, **changes)


def fake_report_ingest(raw: Path, processed: Path) -> None:
    """Stand-in for ``pipeline.ingest``: replaces the processed folder as the real one does."""
    from csc_metrics import storage

    with storage.staged_replace(processed) as staging:
        write_report_processed(staging)


@pytest.fixture
def report_raw(tmp_path: Path) -> Path:
    """A fresh raw folder for one test."""
    return write_report_raw(tmp_path / "raw")


@pytest.fixture
def report_processed(tmp_path: Path) -> Path:
    """A fresh processed folder (data-quality log and manifest) for one test."""
    return write_report_processed(tmp_path / "processed")


@pytest.fixture(scope="session")
def report_tools() -> SimpleNamespace:
    """The runner tests' helpers: fixture notebooks, raw and processed writers, a fake ingest,
    and ``fork_server()``: this process's warm kernel server, to pass to ``run_suite``."""
    from kernel_server import shared_server

    return SimpleNamespace(
        notebooks=REPORT_NOTEBOOKS,
        raw_child_ids=REPORT_RAW_CHILD_IDS,
        write_raw=write_report_raw,
        write_processed=write_report_processed,
        fake_ingest=fake_report_ingest,
        config=report_config,
        require_browser=require_browser,
        audit_pages=audit_pages,
        fork_server=shared_server,
    )


# --- Kernels: one warm fork server per test process (tests/kernel_server.py) ----------------


def pytest_configure(config: pytest.Config) -> None:
    """Under nbval with this interpreter's kernel, fork nbval's kernels from the warm server."""
    if getattr(config.option, "nbval_current_env", False):
        from kernel_server import install_in_nbval

        install_in_nbval()


@pytest.fixture
def cli_uses_the_shared_kernel_server():
    """``csc-metrics run`` called in this test's process forks from the shared server."""
    from kernel_server import lent_to_the_command_line

    with lent_to_the_command_line():
        yield


# --- Garbage collection: the imported libraries out of its sight -----------------------------


def pytest_collection_finish(session: pytest.Session) -> None:
    """Freeze what collection imported and collect young objects less often.

    After collection each test process holds about 200,000 long-lived objects (pandas,
    pandera, matplotlib, the package, the test modules), which every full collection walked
    again; and the tests' many small tables set off a young collection every 700 allocations.
    Frozen, and with collections every 20,000 allocations, the garbage collector's share of
    the unit tests' CPU fell from about 3 % to 1 %; no test depends on when garbage is
    collected. The kernel fork server freezes what its kernels inherit the same way
    (``report/forkserver.py``).
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)


# --- Order: the longest scopes start first ---------------------------------------------------

#: Files (xdist ``--dist loadscope`` scopes) that take longest, in the order they should start:
#: the three shared sample runs and what reads them (the default run, the variant, the
#: suppressed run of the disclosure audit: a minute or more of wall time each), the notebooks
#: under nbval, the runner's runs. ``make test`` passes ``--no-loadscope-reorder`` so xdist
#: keeps this order rather than sorting scopes by their number of tests; started last, they
#: would leave one worker idle.
LONGEST_FIRST = (
    "tests/integration/test_report_end_to_end.py",
    "tests/integration/test_notebooks.py",
    "tests/integration/test_report_browser.py",
    "tests/integration/test_disclosure_audit.py",
    "notebooks/",
    "tests/integration/test_report_runner.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Put the longest files first, then files with slow tests, keeping the order within each."""
    slow_files = {i.nodeid.split("::")[0] for i in items if i.get_closest_marker("slow")}

    def rank(item: pytest.Item) -> int:
        path = item.nodeid.split("::")[0]
        first = [n for n, prefix in enumerate(LONGEST_FIRST) if path.startswith(prefix)]
        if first:
            return first[0]
        return len(LONGEST_FIRST) + (path not in slow_files)

    items.sort(key=rank)


# --- The runs on the shipped sample (tests/sample_runs.py), one of each per session --------


@pytest.fixture(scope="session")
def default_sample_run(tmp_path_factory) -> SampleRun:
    """``make report`` on the sample: latest quarter, every team's page, England, unsuppressed."""
    from sample_runs import sample_run

    return sample_run(tmp_path_factory, "default")


@pytest.fixture(scope="session")
def variant_sample_run(tmp_path_factory) -> SampleRun:
    """The sample a year earlier, for one team, against the region, with suppression."""
    from sample_runs import sample_run

    return sample_run(tmp_path_factory, "variant")


@pytest.fixture(scope="session")
def suppressed_sample_run(tmp_path_factory) -> SampleRun:
    """The latest quarter with every team's page and suppression on: the disclosure audit's."""
    from sample_runs import sample_run

    return sample_run(tmp_path_factory, "suppressed")


@pytest.fixture(scope="session")
def messy_sample(tmp_path_factory) -> Path:
    """A small ``--messy`` sample (read only), written once per session for every test file."""
    from sample_runs import made_once

    from csc_metrics.cli import main

    def build(base: Path) -> Path:
        arguments = ["--scale", "0.05", "--years", "2022-2025", "--seed", "5", "--messy"]
        assert main(["sample", "--out", str(base / "raw"), *arguments]) == 0
        return base / "raw"

    return made_once(tmp_path_factory, "messy-sample", build)


# --- Real-browser checks (tests/integration/test_report_browser.py, the end-to-end tests) -

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-default-apps",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "browser"
IMAGES_LOADED = "Array.from(document.images).map(i => [i.complete && i.naturalWidth > 0, i.alt])"


@dataclass
class PageAudit:
    """What a real browser saw when it opened one report page."""

    console_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    broken_images: list[str] = field(default_factory=list)
    serious_violations: list[str] = field(default_factory=list)


def require_browser() -> None:
    """Skip (or fail, when CI requires it) if Chromium or the Python drivers are missing."""
    required = os.environ.get("CSC_METRICS_REQUIRE_BROWSER") == "1"
    problems = []
    if not CHROMIUM.exists():
        problems.append(f"Debian chromium is not installed at {CHROMIUM} (run `make browser`)")
    for module in ("playwright.sync_api", "axe_playwright_python.sync_playwright"):
        try:
            importlib.import_module(module)
        except ImportError:
            problems.append(f"{module} is not installed (pip install -e '.[dev]')")
    if problems:
        message = "; ".join(problems)
        if required:
            pytest.fail(f"CSC_METRICS_REQUIRE_BROWSER=1 but {message}")
        pytest.skip(message)


def audit_pages(folder: Path, artifacts: str) -> dict[str, PageAudit]:
    """Open every HTML page of a report folder in headless Chromium through file://.

    For each page: console errors, requests for anything but file: and data: URLs, images
    that did not load, and axe-core violations of serious or critical impact. A full-page
    screenshot of each page with a finding is kept under ``test-artifacts/browser/<artifacts>/``
    (of every page with ``CSC_METRICS_SCREENSHOTS=all``): a tall report's screenshot takes
    longer than its accessibility audit, and is only needed to see what went wrong.
    """
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    shots = ARTIFACTS / artifacts
    shutil.rmtree(shots, ignore_errors=True)  # no screenshot left from an earlier session
    shots.mkdir(parents=True, exist_ok=True)
    every_page = os.environ.get("CSC_METRICS_SCREENSHOTS") == "all"
    axe = Axe()
    audits: dict[str, PageAudit] = {}
    pages = sorted(folder.rglob("*.html"))
    with tempfile.TemporaryDirectory() as profile, sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            offline=True,
        )
        try:
            for path in pages:
                name = path.relative_to(folder).as_posix()
                audit = audits[name] = PageAudit()
                page = context.new_page()
                page.on(
                    "console",
                    lambda m, a=audit: (
                        a.console_errors.append(m.text) if m.type == "error" else None
                    ),
                )
                page.on("pageerror", lambda e, a=audit: a.console_errors.append(str(e)))
                page.on(
                    "request",
                    lambda r, a=audit: (
                        None if r.url.startswith(("file:", "data:")) else a.requests.append(r.url)
                    ),
                )
                page.goto(path.resolve().as_uri(), wait_until="load")
                images = page.evaluate(IMAGES_LOADED)
                audit.broken_images = [alt for loaded, alt in images if not loaded]
                results = axe.run(page)
                audit.serious_violations = [
                    f"{v['id']} ({v['impact']}): {v['help']}"
                    for v in results.response["violations"]
                    if v.get("impact") in ("serious", "critical")
                ]
                if every_page or any(vars(audit).values()):
                    shot = shots / f"{name.replace('/', '__')}.png"
                    page.screenshot(path=str(shot), full_page=True)
                page.close()
        finally:
            context.close()
    return audits
