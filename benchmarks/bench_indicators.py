"""Time ``compute_indicator_series`` over every quarter end the data cover.

Usage:
    python benchmarks/bench_indicators.py PROCESSED_DIR [--la-code E10000017]
    python benchmarks/bench_indicators.py --synthetic [--children 320000] [--seed 1]

With a processed folder (e.g. from ``csc-metrics sample --scale 40`` then ``csc-metrics ingest``)
it times the real thing. ``--synthetic`` builds, in memory and vectorised, a clean national-size
dataset (by default about 80,000 children looked after at any quarter end, ~640,000 episodes over
seven collection years, ~280,000 OC3 rows) so the speed can be measured without the generator.
Prints the time to load, the time for the whole series (its preparation included), and the time
per quarter end; `--prepare-alone` also times the preparation by itself first (before 7 December
it always did, which added a second preparation to the process run_all.py times).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from csc_metrics import storage
from csc_metrics.indicators import compute_indicator_series, prepare_inputs, quarter_ends_covered
from csc_metrics.memory import malloc_allocation

FIRST_YEAR, LAST_YEAR = 2019, 2025  # collection years: 28 quarter ends, 2018-06-30..2025-03-31
PLACES = np.array(["U1", "U3", "U4", "U6", "K2", "R1", "H5", "P1", "A4", "T1", "K3", "Z1"])
PLACE_WEIGHTS = np.array([8, 6, 25, 24, 12, 2, 6, 7, 3, 1, 5, 1], dtype=float)
PROVIDERS = np.array(["PR0", "PR1", "PR2", "PR3", "PR4", "PR5"])
MOVES = np.array(["P", "L", "T", "U", "B"])
# 5,000 valid postcodes: districts PR1-PR50, sectors 0-9, units AA-AJ.
_UNITS = np.arange(5000)
POSTCODES = np.char.add(
    np.char.add(np.char.add("PR", (_UNITS // 100 + 1).astype(str)), " "),
    np.char.add(
        ((_UNITS // 10) % 10).astype(str),
        np.char.add("A", np.array(list("ABCDEFGHIJ"))[_UNITS % 10]),
    ),
)
ETHNIC_GROUPS = np.array(["White", "Mixed", "Asian", "Black", "Other", "Refused or not obtained"])


def synthetic_data(children: int, seed: int) -> storage.ProcessedData:
    """A clean, national-size dataset built with numpy (no per-child loops)."""
    rng = np.random.default_rng(seed)
    data_end = pd.Timestamp(f"{LAST_YEAR}-03-31")
    first_day = pd.Timestamp("2016-04-01")
    ids = np.char.add("C", np.arange(children).astype(str))
    starts = first_day + pd.to_timedelta(
        rng.integers(0, (data_end - first_day).days, children), unit="D"
    )
    per_child = np.minimum(1 + rng.geometric(0.5, children) - 1, 8)
    child_of = np.repeat(np.arange(children), per_child)
    n = len(child_of)
    order = np.arange(n) - np.repeat(np.cumsum(per_child) - per_child, per_child)
    length = rng.exponential(400, n).astype(int) + 1
    # Each episode starts where the child's previous one ended: days since the first start.
    before = np.cumsum(length) - length
    first_row = np.cumsum(per_child) - per_child
    offset = before - before[first_row][child_of]
    decom = starts.to_numpy()[child_of] + pd.to_timedelta(offset, unit="D").to_numpy()
    dec = decom + pd.to_timedelta(length, unit="D").to_numpy()
    last = order == per_child[child_of] - 1
    place = rng.choice(PLACES, n, p=PLACE_WEIGHTS / PLACE_WEIGHTS.sum())
    episodes = pd.DataFrame(
        {
            "child_id": ids[child_of],
            "decom": decom,
            "rne": np.where(order == 0, "S", rng.choice(MOVES, n)),
            "ls": rng.choice(
                np.array(["C2", "C1", "V2", "E1", "V3"]), n, p=[0.5, 0.2, 0.2, 0.09, 0.01]
            ),
            "cin": "N1",
            "place": place,
            "place_provider": np.where(
                np.isin(place, ["T1", "Z1"]), None, rng.choice(PROVIDERS, n)
            ),
            "dec": dec,
            "rec": np.where(last, "E4A", "X1"),
            "reason_place_change": None,
            "home_post": POSTCODES[rng.integers(0, len(POSTCODES), n)],
            # 2% of placement postcodes are blank (confidential, not recorded).
            "pl_post": np.where(
                rng.random(n) < 0.02, None, POSTCODES[rng.integers(0, len(POSTCODES), n)]
            ),
            "urn": None,
            "collection_year": LAST_YEAR,
            "source_file": "synthetic",
            "source_row": np.arange(n),
            "episode_source": "as returned",
            "has_overlap": False,
            "has_gap": False,
        }
    )
    episodes["is_short_break"] = episodes["ls"].eq("V3")
    open_at_end = episodes["dec"] > data_end
    episodes.loc[open_at_end, ["dec", "rec"]] = [pd.NaT, None]
    episodes = episodes[episodes["decom"] <= data_end]
    episodes["collection_year"] = np.clip(
        (episodes["decom"] + pd.DateOffset(months=9)).dt.year, FIRST_YEAR, LAST_YEAR
    )
    header = pd.DataFrame(
        {
            "child_id": ids,
            "sex": rng.choice(np.array(["M", "F"]), children),
            "dob": starts - pd.to_timedelta(rng.integers(0, 17 * 365, children), unit="D"),
            "ethnic": None,
            "ethnic_group": rng.choice(ETHNIC_GROUPS, children),
            "upn_code": None,
            "mother": None,
            "collection_year": LAST_YEAR,
            "source_file": "synthetic",
        }
    )
    leavers = 40_000 * (LAST_YEAR - FIRST_YEAR + 1)
    years = np.repeat(np.arange(FIRST_YEAR, LAST_YEAR + 1), 40_000)
    oc3 = pd.DataFrame(
        {
            "child_id": ids[rng.integers(0, children, leavers)],
            "dob": pd.to_datetime((years - rng.integers(17, 22, leavers)).astype(str) + "-01-01")
            + pd.to_timedelta(rng.integers(0, 365, leavers), unit="D"),
            "in_touch": rng.choice(
                np.array(["YES", "NO", "REFU", "NREQ", "DIED", "RHOM"]),
                leavers,
                p=[0.85, 0.06, 0.03, 0.03, 0.01, 0.02],
            ),
            "activ": rng.choice(np.array(["F1", "F2", "F5", "P5", "G5", "G4", "0"]), leavers),
            "accom": rng.choice(np.array(["U1", "D1", "B1", "Z1", "S2", "0"]), leavers),
            "collection_year": years,
            "source_file": "synthetic",
            "source_row": np.arange(leavers),
        }
    )
    uasc_ids = ids[rng.random(children) < 0.05]
    uasc = pd.DataFrame(
        {
            "child_id": uasc_ids,
            "sex": "M",
            "dob": pd.NaT,
            "duc": pd.NaT,
            "collection_year": LAST_YEAR,
            "source_file": "synthetic",
        }
    )
    postcodes = pd.DataFrame(
        {
            "postcode": POSTCODES,
            "easting": rng.uniform(300_000, 400_000, 5000),
            "northing": rng.uniform(400_000, 500_000, 5000),
            "la_code": rng.choice(np.array(["E10000017", "E06000008", "E06000009"]), 5000),
        }
    )
    tables = {
        "header": header,
        "episodes": episodes.drop_duplicates(["child_id", "decom"]),
        "oc3": oc3,
        "uasc": uasc,
        "postcodes": postcodes,
    }
    return storage.ProcessedData.from_tables(tables)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("processed", nargs="?", type=Path, help="a processed folder")
    parser.add_argument("--synthetic", action="store_true", help="build a national-size dataset")
    parser.add_argument("--children", type=int, default=320_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--la-code", default="E10000017")
    parser.add_argument(
        "--prepare-alone",
        action="store_true",
        help="also time the preparation by itself, before the series (which prepares again)",
    )
    args = parser.parse_args(argv)
    if args.processed is None and not args.synthetic:
        parser.error("give a processed folder or --synthetic")

    started = time.perf_counter()
    # Loaded as `csc-metrics indicators` loads it: Arrow on malloc (memory.malloc_allocation).
    with malloc_allocation():
        data = (
            synthetic_data(args.children, args.seed)
            if args.synthetic
            else storage.load_processed(args.processed)
        )
    loaded = time.perf_counter()
    quarter_ends = quarter_ends_covered(data)
    prepare_started = time.perf_counter()
    if args.prepare_alone:
        # Not part of the series' figure: the series prepares its inputs itself.
        prepare_inputs(data)
    prepared = time.perf_counter()
    series = compute_indicator_series(data, args.la_code)
    finished = time.perf_counter()
    totals = series[(series["indicator_id"] == "cla_count") & (series["breakdown"] == "total")]
    looked_after_now = totals["value"].tolist()
    print(
        f"episodes: {len(data.episodes):,}  children: {len(data.header):,}  "
        f"OC3 rows: {len(data.oc3):,}"
    )
    print(
        f"children looked after at each quarter end: min {min(looked_after_now):,.0f}, "
        f"max {max(looked_after_now):,.0f}"
    )
    print(f"load or build data: {loaded - started:.1f} s (not part of the indicators)")
    if args.prepare_alone:
        print(f"prepare alone: {prepared - prepare_started:.1f} s (not part of the series)")
    print(
        f"compute_indicator_series, {len(quarter_ends)} quarter ends "
        f"({quarter_ends[0]:%Y-%m-%d} to {quarter_ends[-1]:%Y-%m-%d}), prepare included: "
        f"{finished - prepared:.1f} s ({(finished - prepared) / len(quarter_ends):.2f} s each); "
        f"{len(series):,} metric rows"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
