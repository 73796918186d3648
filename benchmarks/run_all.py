"""Run every speed benchmark in turn (``make bench``) and print the figures for the README.

1. generate a national-size dataset (``csc-metrics sample --scale 40``) into a working folder;
2. ingest it (``bench_ingest.py``: time and peak memory);
3. compute every indicator at every quarter end on the result (``bench_indicators.py``);
4. time the quarterly run on the shipped sample against one empty notebook (``bench_run.py``);
5. fit the placement demand model and forecast 3 years, on the national dataset and on the
   shipped sample (``bench_forecast.py``).

Each step is a separate process so that its time and memory are its own. The working folder is
removed at the end unless ``--keep`` is given.

Usage: python benchmarks/run_all.py [--scale 40] [--keep] [--work DIR]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _step(title: str, command: list[str]) -> None:
    print(f"\n== {title}\n$ {' '.join(command)}", flush=True)
    started = time.perf_counter()
    subprocess.run(command, check=True)
    print(f"({title}: {time.perf_counter() - started:.1f} s wall, including start-up)", flush=True)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks.

    Args:
        argv: Command-line arguments (default: ``sys.argv[1:]``).

    Returns:
        0, or the exit code of the first benchmark that failed.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="40", help="--scale of the national-size dataset")
    parser.add_argument("--work", type=Path, help="working folder (default: a temporary one)")
    parser.add_argument("--keep", action="store_true", help="keep the working folder")
    args = parser.parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="csc-metrics-bench-"))
    raw, processed = work / "raw", work / "processed"
    python = sys.executable
    try:
        if not raw.exists():
            _step(
                f"generate (--scale {args.scale})",
                [
                    python,
                    "-m",
                    "csc_metrics.cli",
                    "sample",
                    "--out",
                    str(raw),
                    "--scale",
                    args.scale,
                    "--years",
                    "2019-2025",
                ],
            )
        _step(
            "ingest",
            [python, str(HERE / "bench_ingest.py"), str(raw), "--processed", str(processed)],
        )
        _step(
            "indicators, every quarter end",
            [python, str(HERE / "bench_indicators.py"), str(processed)],
        )
        _step("quarterly run on the shipped sample", [python, str(HERE / "bench_run.py")])
        _step(
            "forecast, national dataset",
            [python, str(HERE / "bench_forecast.py"), str(processed), "--repeat", "1"],
        )
        _step("forecast, shipped sample", [python, str(HERE / "bench_forecast.py")])
    except subprocess.CalledProcessError as error:
        print(f"benchmark failed: {error}", file=sys.stderr)
        return error.returncode or 1
    finally:
        if not args.keep and args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
