"""Time ``csc-metrics ingest`` on a large raw folder and report its peak memory.

A benchmark, not a test: run it by hand on a big folder, e.g. the synthetic sample at scale 40,

    csc-metrics sample --out /tmp/raw40 --scale 40
    PYTHONPATH=src python benchmarks/bench_ingest.py /tmp/raw40

and record the figures in the README ("Performance"). Target: under 60 s and under 4 GB on a
2-core machine. With ``--processed DIR`` the folder is kept, and a second run with the same
``--processed`` measures a re-run with the ingest cache in place (under 4 GB too). Peak memory
is the peak resident set size of this process (Linux/macOS); the largest worker process (big
caseload histories are cleaned by two) is shown on its own.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

from csc_metrics import privacy
from csc_metrics.pipeline import ingest

TARGET_SECONDS = 60
TARGET_GB = 4


def _peak_rss_gb(who: int = resource.RUSAGE_SELF) -> float:
    peak = resource.getrusage(who).ru_maxrss
    # Linux reports kilobytes, macOS bytes.
    return peak / (1024**3 if sys.platform == "darwin" else 1024**2)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("raw", type=Path, help="raw folder holding ssda903/<YYYY>/")
    parser.add_argument(
        "--processed", type=Path, help="where to write (default: a temporary folder, removed)"
    )
    args = parser.parse_args()
    if not os.environ.get(privacy.KEY_ENV):
        # A throwaway key, so the benchmark never creates the user's key file.
        os.environ[privacy.KEY_ENV] = "benchmark-only-key-0123456789abcdef"
    workdir = None if args.processed else Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    processed = args.processed or workdir / "processed"
    try:
        started, cpu_started = time.perf_counter(), time.process_time()
        result = ingest(args.raw, processed)
        seconds = time.perf_counter() - started
        cpu_seconds = time.process_time() - cpu_started
    finally:
        if workdir is not None:
            shutil.rmtree(workdir, ignore_errors=True)
    peak = _peak_rss_gb()
    rows = result.manifest["tables"]
    episodes = rows["clean_ssda903__episodes"]
    header = rows["clean_ssda903__header"]
    print(f"raw folder      {args.raw}")
    print(f"episode rows    {episodes['rows_in']:,} read, {episodes['rows_out']:,} written")
    print(f"children        {header['rows_out']:,}")
    print(f"issues          {result.manifest['issues']}")
    print("time by stage")
    for stage, stage_seconds in result.stage_seconds.items():
        print(f"  {stage:<13} {stage_seconds:.1f} s")
    print(f"time            {seconds:.1f} s (target under {TARGET_SECONDS} s)")
    # On a shared machine the wall-clock time depends on the other jobs; the CPU time much less.
    print(f"CPU time        {cpu_seconds:.1f} s")
    print(f"peak memory     {peak:.2f} GB (target under {TARGET_GB} GB)")
    # Big caseload histories are cleaned by worker processes, whose memory is their own.
    worker_peak = _peak_rss_gb(resource.RUSAGE_CHILDREN)
    if worker_peak:
        print(f"  largest worker process {worker_peak:.2f} GB")
    return 0 if seconds < TARGET_SECONDS and peak < TARGET_GB else 1


if __name__ == "__main__":
    sys.exit(main())
