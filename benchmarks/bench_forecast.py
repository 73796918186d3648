"""Time fitting the placement demand model and forecasting 3 years.

Usage:
    python benchmarks/bench_forecast.py                   # the shipped sample (ingested first)
    python benchmarks/bench_forecast.py PROCESSED_DIR     # e.g. a --scale 40 ingest
    python benchmarks/bench_forecast.py ... --repeat 3 --backtest

Timed, from processed data already in memory: the fit (episodes prepared, stays in states,
rates over the reference window, quarterly rates and the rate draws for the band) and the
forecast (12 quarters with the band, spend and the output table). Loading the parquet files and
ingesting are not timed (they are the ingest's and the loader's own benchmarks). Targets
(issue 18): under 3 s on the shipped sample, under 30 s at ``--scale 40``.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import tempfile
import time
from pathlib import Path

from csc_metrics import storage
from csc_metrics.forecast import fit_model, forecast, run_backtest

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "raw" / "sample"


def _load(processed: Path | None) -> storage.ProcessedData:
    if processed is not None:
        return storage.load_processed(processed)
    from csc_metrics.pipeline import ingest

    with tempfile.TemporaryDirectory(prefix="csc-metrics-bench-forecast-") as folder:
        with contextlib.redirect_stdout(sys.stderr):
            ingest(SAMPLE, Path(folder) / "processed")
        return storage.load_processed(Path(folder) / "processed")


def main(argv: list[str] | None = None) -> int:
    """Time the fit and the forecast and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "processed", type=Path, nargs="?", help="processed folder (default: sample)"
    )
    parser.add_argument("--la-code", default="E10000017")
    parser.add_argument("--repeat", type=int, default=3, help="timed repetitions (default 3)")
    parser.add_argument("--backtest", action="store_true", help="also time the backtest")
    args = parser.parse_args(argv)
    data = _load(args.processed)
    children = data.episodes["child_id"].nunique()
    fits, forecasts, totals, backtests = [], [], [], []
    for _ in range(args.repeat):
        started = time.perf_counter()
        model = fit_model(data, args.la_code)
        fitted = time.perf_counter()
        forecast(model, quarters=12).table()
        done = time.perf_counter()
        fits.append(fitted - started)
        forecasts.append(done - fitted)
        totals.append(done - started)
        if args.backtest:
            run_backtest(model)
            backtests.append(time.perf_counter() - done)
    where = args.processed or "the shipped sample"
    print(
        f"Forecast benchmark on {where}: {len(data.episodes):,} episodes, {children:,} children, "
        f"{model.counts.stock.sum():,.0f} looked after at {model.origin:%Y-%m-%d}."
    )
    print(
        f"fit {statistics.median(fits):.2f} s, forecast 3 years {statistics.median(forecasts):.2f}"
        f" s, fit + forecast {statistics.median(totals):.2f} s (median of {args.repeat}; best "
        f"{min(totals):.2f} s)"
    )
    if backtests:
        print(f"backtest (two refits and forecasts) {statistics.median(backtests):.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
