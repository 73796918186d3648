"""Time ``csc-metrics ingest`` on a large raw folder and report its peak memory.

A benchmark, not a test: run it by hand on a big folder, e.g. the synthetic sample at scale 40,

    csc-metrics sample --out /tmp/raw40 --scale 40
    PYTHONPATH=src python benchmarks/bench_ingest.py /tmp/raw40

and record the figures in the README ("Performance"). Target: under 60 s and under 4 GB on a
2-core machine. With ``--processed DIR`` the folder is kept, and a second run with the same
``--processed`` measures a re-run with the ingest cache in place (under 4 GB too). Peak memory
is the peak of the resident set sizes of this process and every process it started, summed,
sampled every 50 ms (Linux; a long caseload history is cleaned in a second process while the
SSDA903 returns are read, so both count); elsewhere, and as a check, the peak resident set size
of this process alone.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

from csc_metrics import privacy
from csc_metrics.pipeline import ingest

TARGET_SECONDS = 60
TARGET_GB = 4


def _children_cpu() -> float:
    """CPU seconds of the finished child processes (a caseload worker)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _peak_rss_gb(who: int = resource.RUSAGE_SELF) -> float:
    peak = resource.getrusage(who).ru_maxrss
    # Linux reports kilobytes, macOS bytes.
    return peak / (1024**3 if sys.platform == "darwin" else 1024**2)


def _tree_rss_bytes(root: int) -> int:
    """Resident bytes of a process and all its descendants, from ``/proc`` (Linux)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name (in parentheses) may hold spaces: the fields after it are fixed.
        parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    tree, added = {root}, True
    while added:
        grown = tree | {pid for pid, parent in parents.items() if parent in tree}
        added, tree = grown != tree, grown
    total = 0
    page = os.sysconf("SC_PAGE_SIZE")
    for pid in tree:
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * page
        except (OSError, IndexError, ValueError):
            continue
    return total


class TreeMemory:
    """The peak summed resident memory of this process and its children, sampled in a thread."""

    def __init__(self, interval: float = 0.05) -> None:
        self.peak_bytes = 0
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        if Path("/proc/self/statm").exists():
            self._thread.start()

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak_bytes = max(self.peak_bytes, _tree_rss_bytes(os.getpid()))
            self._stop.wait(self._interval)

    def stop(self) -> float | None:
        """Stop sampling; the peak in GB, or None where it could not be sampled."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
        return self.peak_bytes / 1024**3 if self.peak_bytes else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("raw", type=Path, help="raw folder holding ssda903/<YYYY>/")
    parser.add_argument(
        "--processed", type=Path, help="where to write (default: a temporary folder, removed)"
    )
    parser.add_argument(
        "--json", type=Path, help="also write the figures to this file, for benchmarks/run_all.py"
    )
    parser.add_argument(
        "--fresh",
        action="store_true",
        help="read every raw file again, as `ingest --fresh` (into --processed's history)",
    )
    args = parser.parse_args()
    if not os.environ.get(privacy.KEY_ENV):
        # A throwaway key, so the benchmark never creates the user's key file.
        os.environ[privacy.KEY_ENV] = "benchmark-only-key-0123456789abcdef"
    workdir = None if args.processed else Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    processed = args.processed or workdir / "processed"
    memory = TreeMemory()
    try:
        started, cpu_started = time.perf_counter(), time.process_time()
        children_cpu = _children_cpu()
        result = ingest(args.raw, processed, use_cache=not args.fresh)
        seconds = time.perf_counter() - started
        cpu_seconds = time.process_time() - cpu_started
        worker_cpu = _children_cpu() - children_cpu
    finally:
        tree_peak = memory.stop()
        if workdir is not None:
            shutil.rmtree(workdir, ignore_errors=True)
    own_peak = _peak_rss_gb()
    peak = max(tree_peak or 0.0, own_peak)
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
    print(f"CPU time        {cpu_seconds + worker_cpu:.1f} s", end="")
    print(f" (worker processes {worker_cpu:.1f} s)" if worker_cpu else "")
    print(f"peak memory     {peak:.2f} GB (target under {TARGET_GB} GB)", end="")
    print(" of this process and its workers together" if tree_peak else "")
    print(f"  this process alone {own_peak:.2f} GB")
    # Big caseload histories are cleaned by worker processes, whose memory is their own.
    worker_peak = _peak_rss_gb(resource.RUSAGE_CHILDREN)
    if worker_peak:
        print(f"  largest worker process {worker_peak:.2f} GB")
    if args.json is not None:
        figures = {
            "seconds": seconds,
            "cpu_seconds": cpu_seconds + worker_cpu,
            "peak_gb": peak,
            "process_peak_gb": own_peak,
            "load": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
        }
        args.json.write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")
    return 0 if seconds < TARGET_SECONDS and peak < TARGET_GB else 1


if __name__ == "__main__":
    sys.exit(main())
