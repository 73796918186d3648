"""Published DfE benchmarks for any council in England, gaps against them, and local targets.

For any council (old three-digit DfE code or new E-code):

- ``benchmark_table`` (``tables.py``): for each indicator, the council's own published value,
  England, its region, the median of its ten statistical neighbours, and its rank and quartile
  among all councils, saying which way is better; ``benchmark_series``: the same for every
  published year (benchmark lines on charts);
- ``align_to_benchmarks`` (``alignment.py``): the council's own quarterly series lined up with
  the benchmark year each quarter should be compared with, and the gap;
- ``read_targets``, ``target_for``, ``align_to_targets`` (``targets.py``): local targets;
- ``council_info`` and friends (``councils.py``): codes, names, regions and neighbours;
- ``adoption_stage_benchmarks`` (``stages.py``): England's average time between the stages of
  adoption, by age, converted from the DfE's years and months to days.

The packaged DfE tables are loaded once per process by ``data.py``; ``cli.py`` is the
``csc-metrics benchmarks`` command.
"""

from csc_metrics.benchmarks.alignment import COMPARATORS, align_to_benchmarks
from csc_metrics.benchmarks.councils import council_info, council_table, resolve_council
from csc_metrics.benchmarks.data import (
    COVERAGE_ALL,
    ENGLAND_CODE,
    ENGLAND_NAME,
    BenchmarkData,
    load_benchmark_data,
    measure_table,
    rank_councils,
)
from csc_metrics.benchmarks.stages import adoption_stage_benchmarks
from csc_metrics.benchmarks.tables import SYMBOL_REASONS, benchmark_series, benchmark_table
from csc_metrics.benchmarks.targets import align_to_targets, read_targets, target_for

__all__ = [
    "COMPARATORS",
    "COVERAGE_ALL",
    "ENGLAND_CODE",
    "ENGLAND_NAME",
    "SYMBOL_REASONS",
    "BenchmarkData",
    "adoption_stage_benchmarks",
    "align_to_benchmarks",
    "align_to_targets",
    "benchmark_series",
    "benchmark_table",
    "council_info",
    "council_table",
    "load_benchmark_data",
    "measure_table",
    "rank_councils",
    "read_targets",
    "resolve_council",
    "target_for",
]
