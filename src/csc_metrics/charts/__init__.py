"""Charts for the reports: SPC, benchmark comparison, breakdown bars, team small multiples, heatmap.

Every chart is built from a table, uses the colour-blind-safe Okabe-Ito palette (and, where a
colour carries meaning, a marker shape or hatching as well, so colour is never the only cue), and
carries a title, axis labels with units and a source line. Each returns a ``Chart`` whose
``alt_text`` is written from the data, for the ``alt`` attribute of the HTML image.

Figures are created without pyplot, so a notebook shows only what ``display.show_figure`` emits.
With ``suppress=True`` no count from 1 to ``settings.suppression_max`` is plotted or labelled.
``style.py`` holds what every chart shares; each kind of chart has its own module.
"""

from csc_metrics.charts.breakdowns import breakdown_bars, team_small_multiples
from csc_metrics.charts.comparison import benchmark_chart
from csc_metrics.charts.heatmap import heatmap
from csc_metrics.charts.spc_chart import spc_chart
from csc_metrics.charts.style import (
    LIMIT_COLOUR,
    OKABE_ITO,
    SERIES_COLOURS,
    SPC_POINT_STYLES,
    TEXT_COLOUR,
    Chart,
)

__all__ = [
    "LIMIT_COLOUR",
    "OKABE_ITO",
    "SERIES_COLOURS",
    "SPC_POINT_STYLES",
    "TEXT_COLOUR",
    "Chart",
    "benchmark_chart",
    "breakdown_bars",
    "heatmap",
    "spc_chart",
    "team_small_multiples",
]
