"""The false-alarm rate of the SPC verdicts: how many headline indicators a county whose
underlying rates never change is shown as special cause at the latest quarter.

A benchmark, not a test (it generates and ingests a county per seed, about a minute each):

    PYTHONPATH=src python benchmarks/bench_false_alarms.py --seeds 1 2 3 4 5

Each seed is a ``csc-metrics sample --no-patterns`` county of the shipped sample's size and
years (``sample.SHIPPED_SAMPLE`` with another seed): the same noise as the shipped sample, no
planted pattern. Every headline indicator's SPC verdict at the latest quarter end is read
from the report context, as the overview shows it. Printed per seed: the indicators flagged,
and at the end the mean number flagged and the share of headline indicators. "Flagged" is
special cause at the latest point; "called real" leaves out what a data problem explains
(``artefacts``), as the messages do. Record the figures in the README ("False alarms").
Target: no more than one headline indicator flagged at the latest quarter on average.
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from csc_metrics.pipeline import ingest
from csc_metrics.sample import SHIPPED_SAMPLE
from csc_metrics.sample.generate import build_council
from csc_metrics.sample.output import write_council
from csc_metrics.views.opening import open_report
from csc_metrics.views.overview import headline_ids

LA_CODE = "E10000017"


def flagged_at_latest(processed: Path) -> tuple[list[str], list[str], int]:
    """The headline indicators special cause at the latest quarter, and those called real."""
    ctx = open_report(processed, "latest", LA_CODE, None, None, "england", False, None)
    summaries = ctx.summaries(headline_ids())
    special = [s for s in summaries if s.spc is not None and s.spc.is_special_cause]
    called = [s.indicator_id for s in special if not s.data_problem]
    return [s.indicator_id for s in special], called, len(summaries)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    args = parser.parse_args(argv)
    os.environ.setdefault("CSC_METRICS_KEY", "false-alarm-benchmark")
    flagged_counts, called_counts, shares = [], [], []
    by_indicator: collections.Counter[str] = collections.Counter()
    for seed in args.seeds:
        began = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix="csc-false-alarms-") as folder:
            raw, processed = Path(folder) / "raw", Path(folder) / "processed"
            config = dataclasses.replace(SHIPPED_SAMPLE, seed=seed, patterns=False)
            raw.mkdir()
            write_council(build_council(config), raw)
            ingest(raw, processed)
            flagged, called, headline = flagged_at_latest(processed)
        by_indicator.update(flagged)
        flagged_counts.append(len(flagged))
        called_counts.append(len(called))
        shares.append(len(flagged) / headline)
        print(
            f"seed {seed}: {len(flagged)} of {headline} headline indicators special cause at "
            f"the latest quarter ({', '.join(flagged) or 'none'}); {len(called)} called real; "
            f"{time.perf_counter() - began:.0f} s",
            flush=True,
        )
    print(
        f"Mean over {len(args.seeds)} seeds: {statistics.mean(flagged_counts):.2f} headline "
        f"indicators flagged ({100 * statistics.mean(shares):.1f}% of them), "
        f"{statistics.mean(called_counts):.2f} called real. Target: at most 1."
    )
    print(
        "Seeds flagging each indicator: "
        + (", ".join(f"{i} {n}" for i, n in by_indicator.most_common()) or "none")
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
