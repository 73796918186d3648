"""CPU time per chart, over every chart the report notebooks draw (target: median <= 60 ms).

    python benchmarks/bench_charts.py                      # the shipped sample
    python benchmarks/bench_charts.py --processed DIR      # a processed folder (e.g. a county)
    python benchmarks/bench_charts.py --json               # the figures as JSON on stdout

Every report notebook's code cells are run in this process as the notebook runs them (the
parameters cell, then every cell in order), with the display functions' publishing switched off.
A chart cell is one that calls ``show_figure(...)``: its argument (the chart function) and the
rendering to the embedded image are timed in CPU seconds (``time.process_time``), so other work
on a shared machine does not count. The report's other cells (context, key messages, tables)
run untimed first, so a chart is not charged for the report's shared preparation. As in
``csc-metrics run``, the process is first warmed up and the report context built ahead
(``views.preload.warm_up``, ``views.opening.preload_report``: glyph tables, the one-axes
figure template, the context's team-independent frames), and each notebook runs in a child
forked from it, as each report runs in a kernel forked from the run's kernel server.

Each chart's CPU is split into its parts:

- ``data``: the chart function's work before its figure exists (the table it plots);
- ``figure``: making the figure and drawing on it (axes, lines, bars, labels, legend);
- ``layout``: the one-pass layout (``charts.style.lay_out``: ticks fixed, texts measured, axes
  fitted between the title and the footnote);
- ``render``: writing the figure as SVG and embedding it (``display.figure_html``).

``total`` is all four, the figure the target is on; ``drawing`` is the last three (what the
chart costs once its table is ready).
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import gc
import inspect
import io
import json
import os
import statistics
import sys
import time
import traceback
from pathlib import Path
from typing import Any

import nbformat

ROOT = Path(__file__).resolve().parents[1]
TARGET_MS = 60.0


def _chart_argument(source: str) -> str | None:
    """The expression passed to ``show_figure`` if the cell is only that call, else None."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    if len(tree.body) != 1 or not isinstance(tree.body[0], ast.Expr):
        return None
    call = tree.body[0].value
    if (
        isinstance(call, ast.Call)
        and isinstance(call.func, ast.Name)
        and call.func.id == "show_figure"
        and len(call.args) == 1
    ):
        return ast.unparse(call.args[0])
    return None


class _Clock:
    """When the current chart's first figure was made, and the CPU its layout took."""

    def __init__(self) -> None:
        self.first_figure: float | None = None
        self.layout = 0.0

    def install(self) -> None:
        """Wrap ``Figure.__init__``, ``__setstate__`` and ``style.lay_out`` to note their times.

        A figure made ahead (``style.make_figures_ahead``) is noted when it is taken.
        """
        from matplotlib.figure import Figure

        from csc_metrics.charts import style

        make_figure, lay_out = Figure.__init__, style.lay_out
        copy_figure = Figure.__setstate__
        clock = self

        def timed_figure(figure, *args, **kwargs):
            if self.first_figure is None:
                self.first_figure = time.process_time()
            make_figure(figure, *args, **kwargs)

        def timed_copy(figure, state):  # a figure unpickled from a template (style.new_axes)
            if self.first_figure is None:
                self.first_figure = time.process_time()
            copy_figure(figure, state)

        class TimedFigures(list):  # figures made ahead, noted as each is taken
            def pop(self, *args):
                if clock.first_figure is None:
                    clock.first_figure = time.process_time()
                return super().pop(*args)

        style._made_ahead = TimedFigures(getattr(style, "_made_ahead", []))  # type: ignore[attr-defined]

        def timed_lay_out(*args, **kwargs):
            began = time.process_time()
            try:
                return lay_out(*args, **kwargs)
            finally:
                self.layout += time.process_time() - began

        Figure.__init__ = timed_figure  # type: ignore[method-assign]
        Figure.__setstate__ = timed_copy  # type: ignore[method-assign]
        style.lay_out = timed_lay_out  # type: ignore[assignment]

    def reset(self) -> None:
        self.first_figure, self.layout = None, 0.0


CLOCK = _Clock()
PARTS = ("data", "figure", "layout", "render", "drawing", "total")


def time_notebook(path: Path, parameters: dict[str, Any], repeat: int = 1) -> list[dict[str, Any]]:
    """Run one notebook's cells in this process; return each chart's CPU milliseconds.

    With ``repeat`` above 1 each chart is drawn that many times and its quickest drawing kept:
    a steadier figure on a shared machine (later drawings may find caches warm).
    """
    from csc_metrics import display

    display._publish = lambda bundle: None  # type: ignore[assignment]
    notebook = nbformat.read(path, as_version=4)
    cells = [cell.source for cell in notebook.cells if cell.cell_type == "code"]
    namespace: dict[str, Any] = {}
    exec(cells[0], namespace)  # the parameters cell
    namespace.update(parameters)
    charts = []
    for source in cells[1:]:
        if _chart_argument(source) is None:
            exec(source, namespace)
    for source in cells[1:]:
        argument = _chart_argument(source)
        if argument is None:
            continue
        drawings = [_time_chart(argument, namespace) for _ in range(repeat)]
        charts.append({"notebook": path.name, "chart": argument, **min(drawings, key=_total)})
    return charts


def _total(drawing: dict[str, float]) -> float:
    return drawing["total_ms"]


def _time_chart(argument: str, namespace: dict[str, Any]) -> dict[str, float]:
    """Draw one chart and show it; its CPU milliseconds, in parts."""
    CLOCK.reset()
    began = time.process_time()
    chart = eval(argument, namespace)
    built = time.process_time()
    namespace["show_figure"](chart)
    done = time.process_time()
    first_figure = CLOCK.first_figure if CLOCK.first_figure is not None else built
    data, layout = first_figure - began, CLOCK.layout
    return {
        "data_ms": data * 1000,
        "figure_ms": (built - began - data - layout) * 1000,
        "layout_ms": layout * 1000,
        "render_ms": (done - built) * 1000,
        "drawing_ms": (done - first_figure) * 1000,
        "total_ms": (done - began) * 1000,
    }


def _prepare_as_the_run_does(notebook: Path, parameters: dict[str, Any]) -> None:
    """Warm up and build the report context ahead, as the run's kernel server does.

    ``csc-metrics run`` calls ``views.preload.warm_up`` and ``views.opening.preload_report``
    (with the notebooks' parameters) in its kernel server, then forks a kernel per report:
    each report's ``open_report`` finds the context built, with its team-independent frames.
    """
    from csc_metrics.views import opening, preload

    preload.warm_up()
    cells = [c.source for c in nbformat.read(notebook, as_version=4).cells if c.cell_type == "code"]
    namespace: dict[str, Any] = {}
    exec(cells[0], namespace)  # the parameters cell
    namespace.update(parameters)
    names = inspect.signature(opening.preload_report).parameters
    with contextlib.redirect_stdout(io.StringIO()):
        opening.preload_report(**{name: namespace[name] for name in names if name in namespace})


def _in_a_fork(function: Any, *args: Any) -> Any:
    """``function(*args)`` in a forked child, as each report runs in a kernel forked for it.

    What one report works out and remembers (on the context, in caches) is then not found
    by the next, as in a run; what the child inherits is frozen out of the garbage collector's
    sight, as a kernel's is. The result comes back as JSON.
    """
    reading, writing = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child
        # As a kernel forked from the run's kernel server does (report.forkserver._detach):
        # what it inherits is kept out of the garbage collector's sight.
        gc.freeze()
        os.close(reading)
        code = 0
        try:
            with os.fdopen(writing, "w") as out:
                json.dump(function(*args), out)
        except BaseException:
            traceback.print_exc()
            code = 1
        os._exit(code)
    os.close(writing)
    with os.fdopen(reading) as answer:
        text = answer.read()
    _, status = os.waitpid(child, 0)
    if status != 0:
        raise RuntimeError(f"timing {args[0]} failed (see above)")
    return json.loads(text)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Time every chart; print a table (or JSON) and return the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--processed", type=Path, help="processed folder (default: the sample)")
    parser.add_argument("--notebooks", type=Path, default=ROOT / "notebooks")
    parser.add_argument("--team", help="the team parameter (default: the whole service)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument(
        "--repeat", type=int, default=1, help="draw each chart this many times, keep the quickest"
    )
    args = parser.parse_args(argv)
    parameters: dict[str, Any] = {}
    if args.processed is not None:
        parameters["processed_dir"] = str(args.processed)
    if args.team is not None:
        parameters["team"] = args.team
    charts: list[dict[str, Any]] = []
    notebooks = sorted(args.notebooks.glob("[0-9]*.ipynb"))
    _prepare_as_the_run_does(notebooks[0], parameters)
    CLOCK.install()
    # Cells that display through IPython directly print their output outside a kernel.
    with contextlib.redirect_stdout(io.StringIO()):
        for path in notebooks:
            charts.extend(_in_a_fork(time_notebook, path, parameters, args.repeat))
    totals = [c["total_ms"] for c in charts]
    medians = {
        part: statistics.median(c[f"{part}_ms"] for c in charts) if charts else float("nan")
        for part in PARTS
    }
    result = {
        "charts": len(charts),
        "median_ms": medians["total"],
        **{f"median_{part}_ms": value for part, value in medians.items()},
        "max_ms": max(totals, default=float("nan")),
        "target_ms": TARGET_MS,
        "each": charts,
    }
    if args.json:
        print(json.dumps(result, indent=1))
    else:
        print("  total   data figure layout render  (ms CPU)")
        for c in charts:
            print(
                f"{c['total_ms']:7.0f} {c['data_ms']:6.0f} {c['figure_ms']:6.0f} "
                f"{c['layout_ms']:6.0f} {c['render_ms']:6.0f}  {c['notebook']}: {c['chart']}"
            )
        parts = ", ".join(f"{part} {medians[part]:.0f}" for part in PARTS[:-1])
        print(
            f"\n{len(charts)} charts: median {result['median_ms']:.0f} ms CPU per chart "
            f"(medians of the parts: {parts}); max {result['max_ms']:.0f} ms; "
            f"target <= {TARGET_MS:.0f} ms"
        )
    return result


if __name__ == "__main__":
    main()
    sys.exit(0)
