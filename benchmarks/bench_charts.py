"""CPU time per chart, over every chart the report notebooks draw (target: median <= 60 ms).

    python benchmarks/bench_charts.py                      # the shipped sample
    python benchmarks/bench_charts.py --processed DIR      # a processed folder (e.g. a county)
    python benchmarks/bench_charts.py --json               # the figures as JSON on stdout

Every report notebook's code cells are run in this process as the notebook runs them (the
parameters cell, then every cell in order), with the display functions' publishing switched off.
A chart cell is one that calls ``show_figure(...)``: its argument (the chart function: data for
the chart, the figure, its layout) and the rendering to an embedded PNG are timed separately in
CPU seconds (``time.process_time``), so other work on a shared machine does not count. The
report's other cells (context, key messages, tables) run untimed first, so a chart is not
charged for the report's shared preparation.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import io
import json
import statistics
import sys
import time
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


def time_notebook(path: Path, parameters: dict[str, Any]) -> list[dict[str, Any]]:
    """Run one notebook's cells in this process; return each chart's CPU milliseconds."""
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
        began = time.process_time()
        chart = eval(argument, namespace)
        built = time.process_time()
        namespace["show_figure"](chart)
        done = time.process_time()
        charts.append(
            {
                "notebook": path.name,
                "chart": argument,
                "build_ms": (built - began) * 1000,
                "render_ms": (done - built) * 1000,
                "total_ms": (done - began) * 1000,
            }
        )
    return charts


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Time every chart; print a table (or JSON) and return the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--processed", type=Path, help="processed folder (default: the sample)")
    parser.add_argument("--notebooks", type=Path, default=ROOT / "notebooks")
    parser.add_argument("--team", help="the team parameter (default: the whole service)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    parameters: dict[str, Any] = {}
    if args.processed is not None:
        parameters["processed_dir"] = str(args.processed)
    if args.team is not None:
        parameters["team"] = args.team
    charts: list[dict[str, Any]] = []
    # Cells that display through IPython directly print their output outside a kernel.
    with contextlib.redirect_stdout(io.StringIO()):
        for path in sorted(args.notebooks.glob("[0-9]*.ipynb")):
            charts.extend(time_notebook(path, parameters))
    totals = [c["total_ms"] for c in charts]
    result = {
        "charts": len(charts),
        "median_ms": statistics.median(totals) if totals else float("nan"),
        "median_build_ms": statistics.median(c["build_ms"] for c in charts) if charts else 0,
        "median_render_ms": statistics.median(c["render_ms"] for c in charts) if charts else 0,
        "max_ms": max(totals, default=float("nan")),
        "target_ms": TARGET_MS,
        "each": charts,
    }
    if args.json:
        print(json.dumps(result, indent=1))
    else:
        for c in charts:
            print(
                f"{c['total_ms']:7.0f} ms  (build {c['build_ms']:5.0f}, render "
                f"{c['render_ms']:5.0f})  {c['notebook']}: {c['chart']}"
            )
        print(
            f"\n{len(charts)} charts: median {result['median_ms']:.0f} ms CPU per chart "
            f"(build {result['median_build_ms']:.0f}, render {result['median_render_ms']:.0f}); "
            f"max {result['max_ms']:.0f} ms; target <= {TARGET_MS:.0f} ms"
        )
    return result


if __name__ == "__main__":
    main()
    sys.exit(0)
