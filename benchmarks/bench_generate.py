"""Benchmark: time and peak memory of ``csc-metrics sample --scale 40`` (a national-size run).

Runs the command in a child process (so its peak memory is measured on its own), writes to a
temporary folder that is removed afterwards, and prints one line of results; ``--json`` prints
them as JSON for a benchmark collector. The target is under 5 minutes and under 4 GB.

The command forks a child that writes caseload snapshots beside it, so the peak memory is the
larger of the biggest process's peak resident size and the peak of the processes' summed
proportional set size (PSS: pages they share counted once), sampled from ``/proc`` every 0.2 s
where it exists.

Usage: python benchmarks/bench_generate.py [--scale 40] [--years 2019-2025] [--json]
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TIME_LIMIT_SECONDS = 300
MEMORY_LIMIT_BYTES = 4 * 1024**3


def run(scale: float = 40.0, years: str = "2019-2025", seed: int = 1) -> dict[str, float]:
    """Generate a sample in a child process and measure it.

    Args:
        scale: ``--scale`` of the run.
        years: ``--years`` of the run.
        seed: ``--seed`` of the run.

    Returns:
        ``scale``, ``seconds``, ``peak_memory_gb``, ``files`` and ``size_gb`` of the output.
    """
    folder = Path(tempfile.mkdtemp(prefix="bench-generate-"))
    out = folder / "raw"
    command = [
        sys.executable,
        "-m",
        "csc_metrics.cli",
        "sample",
        "--out",
        str(out),
        "--scale",
        str(scale),
        "--years",
        years,
        "--seed",
        str(seed),
    ]
    try:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        summed_peak = 0
        while process.poll() is None:
            summed_peak = max(summed_peak, _tree_pss_bytes(process.pid))
            time.sleep(0.2)
        seconds = time.perf_counter() - started
        if process.returncode:
            raise subprocess.CalledProcessError(process.returncode, command)
        # ru_maxrss of finished children is in kilobytes on Linux.
        peak = max(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024, summed_peak)
        files = [p for p in out.rglob("*") if p.is_file()]
        return {
            "scale": scale,
            "seconds": round(seconds, 1),
            "peak_memory_gb": round(peak / 1024**3, 2),
            "files": len(files),
            "size_gb": round(sum(p.stat().st_size for p in files) / 1024**3, 2),
        }
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _tree_pss_bytes(root: int) -> int:
    """The summed PSS of a process and its descendants now (0 where ``/proc`` cannot tell)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir() if Path("/proc").is_dir() else []:
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, []))
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1]) * 1024
                    break
        except OSError:
            continue
    return total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=40.0)
    parser.add_argument("--years", default="2019-2025")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()
    result = run(args.scale, args.years)
    within = (
        result["seconds"] < TIME_LIMIT_SECONDS
        and result["peak_memory_gb"] * 1024**3 < MEMORY_LIMIT_BYTES
    )
    if args.json:
        print(json.dumps({**result, "within_target": within}))
    else:
        print(
            f"sample --scale {result['scale']:g}: {result['seconds']:.0f} s, peak memory "
            f"{result['peak_memory_gb']:.2f} GB, {result['files']} files "
            f"({result['size_gb']:.2f} GB); target under {TIME_LIMIT_SECONDS // 60} min and "
            f"4 GB: {'met' if within else 'NOT met'}"
        )
    return 0 if within else 1


if __name__ == "__main__":
    sys.exit(main())
