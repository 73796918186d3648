"""Speed of the quarterly run against the cost of one trivial notebook (target ratio <= 2.5).

    python benchmarks/bench_run.py                      # the default sample and notebooks
    python benchmarks/bench_run.py --repeats 5 --check  # exit 1 if the ratio is over 2.5
    python benchmarks/bench_run.py --notebooks DIR --raw DIR -- --skip-ingest --processed DIR

Three wall times are measured in this one script, each as the median of --repeats runs after
one untimed warm-up run:

* baseline: executing one notebook that only imports pandas and seaborn, with papermill on a
  fresh kernel, and rendering it to HTML with nbconvert's HTMLExporter, in this process (so the
  baseline leaves out Python start-up and the import of papermill and nbconvert);
* cold run: the whole ``csc-metrics run --fresh-ingest`` command as a new process, exactly as a
  user or cron starts it: Python start-up, imports, a fresh ingest of the raw folder, every
  notebook executed and rendered, landing page, checks and publishing. This is the figure the
  target is about (``--check``);
* re-run: the same command again without ``--fresh-ingest``, as an analyst re-running a quarter
  with unchanged raw files: the processed data are up to date with them and are reused.

Every run writes to the same reports folder, as a quarterly run does (so each run knows the
previous run's notebook times). The ratios are run / baseline. Measuring the runs with their
start-up and the baseline without it makes the ratios conservative ones.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_RATIO = 2.5


def time_baseline(folder: Path) -> float:
    """Execute and render one notebook that imports pandas and seaborn; return the seconds."""
    import nbformat
    import papermill
    from nbconvert import HTMLExporter

    source = folder / "empty.ipynb"
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell("import pandas as pd\nimport seaborn as sns")]
    )
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(notebook, source)
    began = time.perf_counter()
    executed = papermill.execute_notebook(
        str(source), str(folder / "empty-out.ipynb"), kernel_name="python3", progress_bar=False
    )
    HTMLExporter(exclude_input=True).from_notebook_node(executed)
    return time.perf_counter() - began


def time_run(arguments: list[str], out: Path) -> float:
    """Run ``csc-metrics run`` as a new process; return the seconds, or fail loudly."""
    command = [sys.executable, "-m", "csc_metrics.cli", "run", *arguments, "--out", str(out)]
    began = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, env=os.environ.copy())
    seconds = time.perf_counter() - began
    if result.returncode != 0:
        raise SystemExit(
            f"csc-metrics run exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
        )
    return seconds


def main(argv: list[str] | None = None) -> dict[str, float]:
    """Measure and print the ratio; return the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--raw", type=Path, default=ROOT / "data" / "raw" / "sample")
    parser.add_argument("--notebooks", type=Path, default=ROOT / "notebooks")
    parser.add_argument("--la-code", default="E10000017")
    parser.add_argument("--period-end", default="latest")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--check", action="store_true", help=f"exit 1 if over {TARGET_RATIO}")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("extra", nargs="*", help="more `csc-metrics run` options, after --")
    args = parser.parse_args(argv)
    if not args.raw.is_dir() or not args.notebooks.is_dir():
        raise SystemExit(f"Need the raw folder {args.raw} and the notebooks {args.notebooks}.")
    os.environ.setdefault("CSC_METRICS_KEY", "benchmark-key-0123456789abcdef0123")
    run_arguments = [
        "--raw", str(args.raw),
        "--notebooks", str(args.notebooks),
        "--period-end", args.period_end,
        "--la-code", args.la_code,
        "--quiet",
        *args.extra,
    ]  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="bench-run-") as scratch:
        folder = Path(scratch)
        time_baseline(folder)
        baseline = [time_baseline(folder) for _ in range(args.repeats)]
        out = folder / "reports"
        # With --skip-ingest given after --, every run reuses the processed folder as it is.
        skipping = "--skip-ingest" in args.extra
        cold_arguments = run_arguments if skipping else [*run_arguments, "--fresh-ingest"]
        time_run(cold_arguments, out)
        cold = [time_run(cold_arguments, out) for _ in range(args.repeats)]
        rerun = [time_run(run_arguments, out) for _ in range(args.repeats)]
    figures: dict[str, float] = {
        "baseline_seconds": round(statistics.median(baseline), 2),
        "run_seconds": round(statistics.median(cold), 2),
        "rerun_seconds": round(statistics.median(rerun), 2),
        "cores": os.cpu_count() or 1,
    }
    figures["ratio"] = round(figures["run_seconds"] / figures["baseline_seconds"], 2)
    figures["rerun_ratio"] = round(figures["rerun_seconds"] / figures["baseline_seconds"], 2)
    print(
        f"one empty notebook (pandas + seaborn), execute + render: {figures['baseline_seconds']} s"
    )
    print(
        f"whole `csc-metrics run` ({args.notebooks}), fresh ingest: {figures['run_seconds']} s, "
        f"ratio {figures['ratio']} (target <= {TARGET_RATIO}; {figures['cores']} cores)"
    )
    print(
        f"re-run with unchanged raw files (processed data reused): {figures['rerun_seconds']} s, "
        f"ratio {figures['rerun_ratio']}"
    )
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    if args.check and figures["ratio"] > TARGET_RATIO:
        raise SystemExit(1)
    return figures


if __name__ == "__main__":
    main()
