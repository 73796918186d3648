"""``csc-metrics run`` on the command line: exit codes, quiet output, messages on stderr.

These runs use --skip-ingest on a prepared processed folder, so they exercise the real command
without the ingest stage (which the end-to-end tests cover on the sample).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from csc_metrics.cli import main
from csc_metrics.report.publish import lock_file_for, run_lock


@pytest.fixture
def args(tmp_path, report_tools, cli_uses_the_shared_kernel_server):
    # The runs in this process fork their kernels from the shared server (conftest); the
    # stopped run below is a process of its own, which starts and stops its own server.
    raw = report_tools.write_raw(tmp_path / "raw")
    processed = report_tools.write_processed(tmp_path / "processed")
    return [
        "run",
        "--raw", str(raw),
        "--period-end", "2025-03-31",
        "--la-code", "E10000017",
        "--la-name", "Sample county",
        "--out", str(tmp_path / "reports"),
        "--processed", str(processed),
        "--skip-ingest",
        "--jobs", "2",
    ]  # fmt: skip


def notebooks(report_tools, name: str) -> list[str]:
    return ["--notebooks", str(report_tools.notebooks / name)]


@pytest.mark.slow
def test_a_published_run_exits_0_and_prints_progress(args, report_tools, capsys):
    assert main([*args, *notebooks(report_tools, "suite")]) == 0
    out = capsys.readouterr().out
    assert re.search(r"\[\d/3\] done      00_overview\.ipynb \(\d+\.\d s\)", out)
    assert "Published " in out and "2025-03-31/index.html" in out


@pytest.mark.slow
def test_quiet_prints_nothing_when_all_is_well(args, report_tools, capsys):
    assert main([*args, *notebooks(report_tools, "suite"), "--quiet"]) == 0
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ("", "")


@pytest.mark.slow
def test_a_failing_notebook_exits_1_naming_notebook_and_cell_on_stderr(args, report_tools, capsys):
    assert main([*args, *notebooks(report_tools, "failing"), "--quiet"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(
        "csc-metrics run: 1 notebook(s) failed: 01_placements.ipynb: cell 4"
    )
    assert "_failed" in captured.err and "logs/run-" in captured.err


def test_a_bad_parameter_exits_2_with_a_message(args, report_tools, capsys):
    bad = [*args, *notebooks(report_tools, "suite")]
    bad[bad.index("2025-03-31")] = "31/03/2025"
    assert main(bad) == 2
    assert "--period-end '31/03/2025' is not a date" in capsys.readouterr().err


@pytest.mark.slow
def test_a_second_run_exits_3_while_the_first_holds_the_lock(args, report_tools, tmp_path, capsys):
    with run_lock(lock_file_for(tmp_path / "reports", inside=True), "a run"):
        assert main([*args, *notebooks(report_tools, "suite")]) == 3
    assert "Another csc-metrics run is already writing" in capsys.readouterr().err


def test_help_documents_the_options_and_exit_codes():
    result = subprocess.run(
        [sys.executable, "-m", "csc_metrics.cli", "run", "--help"],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(Path(__file__).parents[2] / "src"), "COLUMNS": "200"},
    )
    assert result.returncode == 0
    for option in ("--raw", "--period-end", "--la-code", "--per-team", "--jobs", "--suppress"):
        assert option in result.stdout
    assert "exit codes: 0 published; 1 a notebook failed" in " ".join(result.stdout.split())


@pytest.mark.slow
@pytest.mark.skipif(os.name != "posix", reason="SIGTERM is how POSIX schedulers stop a job")
def test_a_stopped_run_exits_130_at_once_and_leaves_nothing_half_built(
    args, report_tools, tmp_path
):
    command = [sys.executable, "-m", "csc_metrics.cli", *args, *notebooks(report_tools, "slow")]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for line in process.stdout:  # the slow notebook sleeps for two minutes
        if "started   00_slow.ipynb" in line:
            break
    time.sleep(1)
    began = time.monotonic()
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130
    assert time.monotonic() - began < 15
    assert "csc-metrics run: interrupted" in err
    assert sorted(p.name for p in (tmp_path / "reports").iterdir()) == [
        ".csc-metrics-run.lock",
        "logs",
    ]
