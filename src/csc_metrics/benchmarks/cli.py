"""``csc-metrics benchmarks``: a council's published DfE benchmarks, as a table, CSV or JSON."""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import Any

import pandas as pd

from csc_metrics.benchmarks.councils import council_info
from csc_metrics.benchmarks.tables import SYMBOL_REASONS, benchmark_table
from csc_metrics.cli import printing_to_stdout
from csc_metrics.dates import DATE_STYLES
from csc_metrics.formatting import format_value, neutralise_formulas

JSON_KEYS = ["id", "year", "la", "england", "region", "sn_median", "rank", "of"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the options of ``csc-metrics benchmarks``.

    Args:
        parser: The subcommand's parser.
    """
    parser.add_argument(
        "--la-code", required=True, help="the council: old DfE code (888) or new E-code (E10000017)"
    )
    parser.add_argument(
        "--year",
        type=int,
        default=None,
        help="year of the figures: year ending 31 March for children looked "
        "after and care leavers, 30 September for the workforce (default: the "
        "latest published for each indicator)",
    )
    parser.add_argument(
        "--format",
        choices=["table", "csv", "json"],
        default="table",
        help="table (for reading), csv (every column) or json (id, year, la, "
        "england, region, sn_median, rank, of)",
    )


def run(args: argparse.Namespace) -> int:
    """Print the benchmarks of one council.

    Args:
        args: Parsed options (``la_code``, ``year``, ``format``).

    Returns:
        0 on success.

    Raises:
        ParameterError: For an unknown council code or a year with nothing published.
    """
    table = benchmark_table(args.la_code, year=args.year)
    if args.format == "json":
        text = to_json(table) + "\n"
    elif args.format == "csv":
        text = to_csv(table)
    else:
        text = render_table(table, council_info(args.la_code)) + "\n"
    with printing_to_stdout():
        sys.stdout.write(text)
    return 0


def to_json(table: pd.DataFrame) -> str:
    """Write a benchmark table as the JSON list of the command-line contract.

    Args:
        table: From :func:`benchmark_table`.

    Returns:
        A JSON list of objects with exactly the keys id, year, la, england, region, sn_median,
        rank and of; integers for year, rank and of; null for anything missing.
    """

    def number(value: Any, integer: bool = False) -> float | int | None:
        if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
            return None
        return int(value) if integer else float(value)

    records = [
        {
            "id": row.id,
            "year": number(row.year, integer=True),
            "la": number(row.la),
            "england": number(row.england),
            "region": number(row.region),
            "sn_median": number(row.sn_median),
            "rank": number(row.rank, integer=True),
            "of": number(row.of, integer=True),
        }
        for row in table[JSON_KEYS].itertuples(index=False)
    ]
    return json.dumps(records, indent=2, allow_nan=False)


def to_csv(table: pd.DataFrame) -> str:
    """Write a benchmark table as CSV with every column (dates as YYYY-MM-DD)."""
    out = table.copy()
    out["period_end"] = out["period_end"].dt.strftime(DATE_STYLES["iso"])
    return neutralise_formulas(out).to_csv(index=False, lineterminator="\n")


def _format_values(values: pd.Series, units: pd.Series) -> pd.Series:
    """DfE's values as DfE published them (``formatting.format_value``, ``published``)."""
    shown = [
        format_value(v, u, precision="published", blank="-")
        for v, u in zip(values, units, strict=True)
    ]
    return pd.Series(shown, index=values.index)


def _text_table(shown: pd.DataFrame) -> list[str]:
    """Lay out a frame of strings: first column left-aligned, the others right-aligned."""
    widths = {c: max(len(str(c)), *(len(v) for v in shown[c])) for c in shown.columns}
    first = shown.columns[0]

    def line(cells: dict[str, str]) -> str:
        return "  ".join(
            str(cells[c]).ljust(widths[c]) if c == first else str(cells[c]).rjust(widths[c])
            for c in shown.columns
        ).rstrip()

    header = line({c: c for c in shown.columns})
    body = [line(row) for row in shown.to_dict(orient="records")]
    return [header, "-" * len(header), *body]


def render_table(table: pd.DataFrame, info: dict[str, Any]) -> str:
    """Format a benchmark table for a person to read in a terminal.

    Args:
        table: From :func:`benchmark_table`.
        info: From :func:`council_info`.

    Returns:
        The text: a heading naming the council, its region and neighbours, one line per
        indicator (value, England, region, neighbours' median, rank "12 of 152", quartile and
        which way is better), then the meaning of any symbols, notes and sources.
    """
    neighbours = "; ".join(
        sn["la_name"] or sn["la_code_old"] for sn in info["statistical_neighbours"]
    )
    lines = [
        f"Benchmarks for {info['la_name']} ({info['la_code_old']}, {info['la_code_new']}), "
        f"{info['region_name']} region"
        + ("" if info["status"] == "current" else f" (former council: {info['note']})"),
        f"Statistical neighbours ({info['sn_model'] or 'none published'}): {neighbours or 'none'}",
        "",
    ]
    own = _format_values(table["la"], table["unit"])
    own = own.where(table["symbol"].eq("") | table["la"].notna(), table["symbol"])
    ranked = table["rank"].notna()
    rank = pd.Series("-", index=table.index)
    rank[ranked] = [
        f"{int(r)} of {int(o)}"
        for r, o in zip(table.loc[ranked, "rank"], table.loc[ranked, "of"], strict=True)
    ]
    quartile = pd.Series("-", index=table.index)
    quartile[ranked] = [str(int(q)) for q in table.loc[ranked, "quartile"]]
    better = table["better"].map({"higher": "higher", "lower": "lower", "neutral": "neither"})
    shown = pd.DataFrame(
        {
            "Indicator": table["label"],
            "Year": table["year"].astype(str),
            info["la_name"]: own,
            "England": _format_values(table["england"], table["unit"]),
            info["region_name"]: _format_values(table["region"], table["unit"]),
            "SN median": _format_values(table["sn_median"], table["unit"]),
            "Rank": rank,
            "Quartile": quartile,
            "Better if": better.fillna(""),
        }
    )
    lines += _text_table(shown)
    lines += [
        "",
        "Rank 1 is best (for 'neither' indicators, the highest value); quartile 1 is the best "
        "quarter. 'Year' is the DfE year: ending 31 March, or at 30 September for the workforce.",
    ]
    symbols = sorted(set(table["symbol"]) - {""})
    if symbols:
        lines.append("Symbols: " + "; ".join(SYMBOL_REASONS.get(s, s) for s in symbols) + ".")
    missing = table[table["la"].isna() & table["symbol"].eq("")]
    if len(missing) == len(table):
        lines.append(f"No figures for {info['la_name']} here: {missing['reason'].iloc[0]}.")
    else:
        for reason, rows in missing.groupby("reason", sort=False):
            lines.append(f"{reason[:1].upper()}{reason[1:]}: {'; '.join(rows['label'])}.")
    notes = table.loc[table["note"].ne(""), ["label", "note"]].drop_duplicates()
    if len(notes):
        lines += ["", "Notes:"]
        lines += [f"  {row.label}: {row.note}" for row in notes.itertuples(index=False)]
    sources = table["source"].drop_duplicates()
    lines += ["", "Sources:"]
    lines += [f"  {source}" for source in sources]
    return "\n".join(lines)
