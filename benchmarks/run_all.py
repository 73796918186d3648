"""Every speed figure of issue 20, measured in turn and printed in one table beside its target.

    python benchmarks/run_all.py                   # everything but the national scale (minutes)
    python benchmarks/run_all.py --national        # also --scale 40 ingest and indicators
    python benchmarks/run_all.py --only sample,charts --work DIR --keep

Figures (each a separate process, so its time and memory are its own; wall seconds are written
beside the machine's load, CPU seconds are the process's and its children's user + system):

- ``sample``: ``csc-metrics sample --scale 1`` (a county: 7 years, 28 snapshots, ~1,950 children
  looked after, 22 teams). Target <= 20 s.
- ``county``: ``csc-metrics run --per-team --fresh-ingest`` on that county into an empty
  reports folder (cold), then the same run again with unchanged inputs (re-run: the processed
  data, the executed notebooks and the raw identifiers' digests are re-used, every page written
  again). Targets <= 30 s and <= 15 s.
- ``quarter``: the county's processed folder holding the history up to the previous quarter,
  then one new caseload snapshot and an updated current-year SSDA903 return added; the ingest of
  the folder with them (``csc-metrics ingest``, Python start-up included), which reads only those
  two folders and takes the rest from the ingest cache. Target <= 3 s. Beside it, for scale, the
  full ingest of the same files (``ingest --fresh``, every file read again).
- ``papermill``: the shipped sample's reports run as a user runs them (``csc-metrics run``)
  against executing and rendering the same notebooks with the ``papermill`` and ``jupyter
  nbconvert --no-input`` command lines one after another, measured in turn. Target >= 8x.
- ``charts``: CPU per chart by median over every chart of the sample's reports
  (``bench_charts.py``). Target <= 60 ms.
- ``national`` (only with ``--national``): ``--scale 40`` ingest time and peak memory, and every
  indicator at every quarter end. Targets < 60 s, < 4 GB, < 60 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SAMPLE = ROOT / "data" / "raw" / "sample"
LA = ["--la-code", "E10000017", "--period-end", "latest"]
STEPS = ("sample", "county", "quarter", "papermill", "charts", "national")


@dataclass
class Figure:
    """One measured figure beside its target."""

    name: str
    value: float | None
    unit: str
    target: str
    met: bool | None
    note: str = ""


def _load() -> str:
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "?"


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(command: list[str], ok: tuple[int, ...] = (0,), **kwargs) -> tuple[float, float, str]:
    """Run a command; return wall seconds, CPU seconds (it and its children) and the load.

    ``ok`` lists the exit codes that still give a figure: ``bench_ingest.py`` exits 1 when it
    misses its own target, which is a measurement, not a failure.
    """
    cpu, began = _children_cpu(), time.perf_counter()
    load = _load()
    done = subprocess.run(command, stdout=subprocess.DEVNULL, **kwargs)
    if done.returncode not in ok:
        raise subprocess.CalledProcessError(done.returncode, command)
    return time.perf_counter() - began, _children_cpu() - cpu, load


def csc(*arguments: str) -> list[str]:
    return [sys.executable, "-m", "csc_metrics.cli", *arguments]


def step_sample(work: Path) -> list[Figure]:
    county = work / "county"
    if county.exists():
        shutil.rmtree(county)
    wall, cpu, load = timed(csc("sample", "--out", str(county), "--scale", "1"))
    return [
        Figure(
            "csc-metrics sample --scale 1",
            wall,
            "s",
            "<= 20 s",
            wall <= 20,
            f"CPU {cpu:.1f} s; load {load}",
        )
    ]


def _county(work: Path) -> Path:
    county = work / "county"
    if not county.exists():
        step_sample(work)
    return county


def step_county(work: Path) -> list[Figure]:
    county, out = _county(work), work / "county-reports"
    # Cold: nothing of an earlier run (a kept --work folder) to re-use.
    shutil.rmtree(out, ignore_errors=True)
    run = csc("run", "--raw", str(county), *LA, "--per-team", "--quiet", "--out", str(out))
    cold, cold_cpu, cold_load = timed([*run, "--fresh-ingest"])
    again, again_cpu, again_load = timed(run)
    return [
        Figure(
            "county run --per-team, cold (fresh ingest)",
            cold,
            "s",
            "<= 30 s",
            cold <= 30,
            f"CPU {cold_cpu:.1f} s; load {cold_load}",
        ),
        Figure(
            "county run --per-team, unchanged inputs",
            again,
            "s",
            "<= 15 s",
            again <= 15,
            f"CPU {again_cpu:.1f} s; load {again_load}",
        ),
    ]


def _previous_quarter(county: Path, before: Path) -> None:
    """The county as it was a quarter earlier: no latest snapshot, a shorter current return."""
    if before.exists():
        shutil.rmtree(before)
    shutil.copytree(county, before)
    snapshots = sorted(p for p in (before / "caseload").iterdir() if p.is_dir())
    shutil.rmtree(snapshots[-1])
    years = sorted(p for p in (before / "ssda903").iterdir() if p.is_dir())
    episodes = next(p for p in years[-1].iterdir() if "episode" in p.name.lower())
    lines = episodes.read_bytes().splitlines(keepends=True)
    episodes.write_bytes(b"".join(lines[: max(2, len(lines) * 9 // 10)]))


def step_quarter(work: Path) -> list[Figure]:
    county, before, processed = _county(work), work / "county-previous", work / "quarter"
    _previous_quarter(county, before)
    if processed.exists():
        shutil.rmtree(processed)
    # Python's compiled modules are written (by the first run) and read, as in an installed
    # package: with PYTHONDONTWRITEBYTECODE set, every run of a changed checkout would compile
    # the package's modules again (0.1-0.2 s of a 2-3 s figure).
    env = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run(
        csc("ingest", "--raw", str(before), "--processed", str(processed)),
        check=True,
        stdout=subprocess.DEVNULL,
        env=env,
    )
    wall, cpu, load = timed(
        csc("ingest", "--raw", str(county), "--processed", str(processed)), env=env
    )
    full, full_cpu, full_load = timed(
        csc("ingest", "--raw", str(county), "--processed", str(processed), "--fresh"), env=env
    )
    return [
        Figure(
            "quarter re-run ingest (1 new snapshot + updated 903 return)",
            wall,
            "s",
            "<= 3 s",
            wall <= 3,
            f"CPU {cpu:.1f} s incl. Python start-up; load {load}",
        ),
        Figure(
            "county ingest of every file (ingest --fresh), for scale",
            full,
            "s",
            "-",
            None,
            f"CPU {full_cpu:.1f} s; load {full_load}",
        ),
    ]


def step_papermill(work: Path) -> list[Figure]:
    notebooks = sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
    out = work / "papermill"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    ours, ours_cpu, load = timed(
        csc("run", "--raw", str(SAMPLE), *LA, "--quiet", "--out", str(out / "reports"))
    )
    began, cpu = time.perf_counter(), _children_cpu()
    bin_dir = Path(sys.executable).parent
    for notebook in notebooks:
        executed = out / notebook.name
        subprocess.run(
            [str(bin_dir / "papermill"), str(notebook), str(executed), "--no-progress-bar"],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=ROOT / "notebooks",
        )
        subprocess.run(
            [str(bin_dir / "jupyter-nbconvert"), "--to", "html", "--no-input", str(executed)],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    plain, plain_cpu = time.perf_counter() - began, _children_cpu() - cpu
    speedup = plain / ours
    return [
        Figure(
            f"sample's {len(notebooks)} reports: papermill+nbconvert / csc-metrics run",
            speedup,
            "x",
            ">= 8x",
            speedup >= 8,
            f"run {ours:.1f} s (CPU {ours_cpu:.1f}), CLIs {plain:.1f} s (CPU {plain_cpu:.1f}); "
            f"load {load}",
        )
    ]


def step_charts(work: Path) -> list[Figure]:
    result = subprocess.run(
        [sys.executable, str(HERE / "bench_charts.py"), "--json"],
        check=True,
        capture_output=True,
        text=True,
    )
    figures = json.loads(result.stdout)
    median = figures["median_ms"]
    return [
        Figure(
            "chart CPU, median over every chart of the sample's reports",
            median,
            "ms",
            "<= 60 ms",
            median <= 60,
            f"{figures['charts']} charts; medians: data {figures['median_data_ms']:.0f}, figure "
            f"{figures['median_figure_ms']:.0f}, layout {figures['median_layout_ms']:.0f}, render "
            f"{figures['median_render_ms']:.0f} ms (drawing alone "
            f"{figures['median_drawing_ms']:.0f}); max {figures['max_ms']:.0f} ms",
        )
    ]


def step_national(work: Path) -> list[Figure]:
    raw, processed = work / "national", work / "national-processed"
    if not raw.exists():
        subprocess.run(
            csc("sample", "--out", str(raw), "--scale", "40"), check=True, stdout=subprocess.DEVNULL
        )
    shutil.rmtree(processed, ignore_errors=True)
    figures_file = work / "national-ingest.json"
    figures_file.unlink(missing_ok=True)
    wall, cpu, load = timed(
        [
            sys.executable,
            str(HERE / "bench_ingest.py"),
            str(raw),
            "--processed",
            str(processed),
            "--json",
            str(figures_file),
        ],
        ok=(0, 1),
    )
    # The peak of the ingest and its caseload worker together, as bench_ingest.py sampled it
    # (the largest single process's peak where it could not).
    peak_gb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024**2
    if figures_file.is_file():
        peak_gb = max(peak_gb, json.loads(figures_file.read_text("utf-8"))["peak_gb"])
    indicators, indicators_cpu, indicators_load = timed(
        [sys.executable, str(HERE / "bench_indicators.py"), str(processed)]
    )
    return [
        Figure(
            "national (--scale 40) ingest",
            wall,
            "s",
            "< 60 s",
            wall < 60,
            f"CPU {cpu:.1f} s incl. start-up; load {load}",
        ),
        Figure("national ingest peak memory", peak_gb, "GB", "< 4 GB", peak_gb < 4),
        Figure(
            "national indicators, every quarter end",
            indicators,
            "s",
            "< 60 s",
            indicators < 60,
            f"CPU {indicators_cpu:.1f} s incl. loading; load {indicators_load}",
        ),
    ]


def table(figures: list[Figure]) -> str:
    """The figures as a Markdown table (the README's Performance section shows it)."""
    lines = [
        "| figure | measured | target | met | notes |",
        "|---|---|---|---|---|",
    ]
    for f in figures:
        value = "failed" if f.value is None else f"{f.value:.1f} {f.unit}"
        met = ("-" if f.target == "-" else "?") if f.met is None else ("yes" if f.met else "no")
        lines.append(f"| {f.name} | {value} | {f.target} | {met} | {f.note} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--national", action="store_true", help="also the --scale 40 figures")
    parser.add_argument("--only", help=f"comma-separated steps of {', '.join(STEPS)}")
    parser.add_argument("--work", type=Path, help="working folder (default: a temporary one)")
    parser.add_argument("--keep", action="store_true", help="keep the working folder")
    args = parser.parse_args(argv)
    steps = args.only.split(",") if args.only else [s for s in STEPS if s != "national"]
    if args.national and "national" not in steps:
        steps.append("national")
    # A throwaway key (32 characters or more, the key rule), never the user's key file.
    os.environ.setdefault("CSC_METRICS_KEY", "benchmark-only-key-0123456789abcdef")
    work = args.work or Path(tempfile.mkdtemp(prefix="csc-metrics-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    functions = {name: globals()[f"step_{name}"] for name in STEPS}
    figures: list[Figure] = []
    try:
        for name in steps:
            print(f"== {name} (load {_load()})", file=sys.stderr, flush=True)
            try:
                figures.extend(functions[name](work))
            except (subprocess.CalledProcessError, ValueError, OSError) as error:
                figures.append(Figure(name, None, "", "", False, f"failed: {error}"))
    finally:
        if not args.keep and args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    print(
        f"Measured {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC on {os.cpu_count()} cores, "
        f"load {_load()} at the end.\n"
    )
    print(table(figures))
    return 0 if all(f.met is not False for f in figures) else 1


if __name__ == "__main__":
    sys.exit(main())
