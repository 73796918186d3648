"""``csc-metrics indicators``: every indicator at a reference date, as a table, CSV or JSON.

    csc-metrics indicators --raw DIR --period-end YYYY-MM-DD --la-code CODE [--format FORMAT]
    csc-metrics indicators --processed DIR --period-end YYYY-MM-DD --la-code CODE ...

``--format json`` prints a list of ``{"id", "numerator", "denominator", "value", "unknown"}``
objects (the overall figures, in catalogue order; whole numbers as integers, blanks as null); an
indicator that its data do not cover at the date has ``"value": null`` and a ``"not_covered"``
reason (docs/definitions.md, "Coverage");
``csv`` prints the full long metric table with every breakdown; ``table`` (the default) prints an
aligned table for a person. Nothing printed identifies a child.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import sys
import tempfile
from pathlib import Path
from typing import Any, TextIO

import pandas as pd

from csc_metrics import storage
from csc_metrics.catalogue import indicator_table
from csc_metrics.cli import printing_to_stdout
from csc_metrics.dates import DATE_STYLES, format_date, parse_period_end
from csc_metrics.errors import InputError, ParameterError
from csc_metrics.formatting import format_count, format_value, neutralise_formulas
from csc_metrics.indicators.care_leavers import care_leaver_data_issues
from csc_metrics.indicators.core import compute_indicators
from csc_metrics.indicators.coverage import has_ssda903
from csc_metrics.indicators.metrics import TOTAL_BREAKDOWN
from csc_metrics.indicators.prepare import (
    IndicatorInputs,
    prepare_inputs,
    resolve_period_end,
    window_start,
)
from csc_metrics.memory import malloc_allocation
from csc_metrics.schemas import NOT_COVERED

#: A council code: E (England), W, S or N followed by eight digits, e.g. E10000017.
LA_CODE_PATTERN = re.compile(r"^[EWSN]\d{8}$")
#: The DfE's old three-digit council code, e.g. 888 (Lancashire).
OLD_LA_CODE_PATTERN = re.compile(r"^\d{3}$")
FORMATS = ("table", "csv", "json")
#: The reference date's option, as messages name it.
OPTION = "--period-end"
AREA_TITLES = {
    "placements": "Children looked after and placements",
    "care_leavers": "Care leavers",
    "permanence": "Permanence and adoption",
    "caseloads": "Caseloads and the workforce",
}
BREAKDOWN_TITLES = {
    "age_band": "age band",
    "sex": "sex",
    "ethnic_group": "ethnic group",
    "uasc": "UASC",
    "placement_group": "placement type",
    "provider_group": "placement provider",
    "activity": "activity",
    "accommodation": "accommodation",
    "in_touch": "contact",
    "age_at_entry": "age on entering care",
    "entry_age_band": "age band on entering care",
    "waiting_band": "time waiting",
    "reason": "reason",
    "previous_permanence": "before this care",
}


def add_source_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare ``--raw DIR`` or ``--processed DIR`` (one of them required); see ``load_source``.

    Args:
        parser: A subcommand's parser.
    """
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--raw",
        type=Path,
        metavar="DIR",
        help="raw folder (ssda903/, reference/): ingested in memory",
    )
    source.add_argument(
        "--processed",
        type=Path,
        metavar="DIR",
        help="processed folder written by `csc-metrics ingest`",
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the command's options.

    Args:
        parser: The subcommand's parser.
    """
    add_source_arguments(parser)
    parser.add_argument(
        "--period-end",
        required=True,
        metavar="YYYY-MM-DD",
        help="reference date R (any date in the data; 'latest' = the last quarter end covered)",
    )
    parser.add_argument(
        "--la-code", required=True, metavar="CODE", help="responsible council, e.g. E10000017"
    )
    parser.add_argument(
        "--format", choices=FORMATS, default="table", help="output format (default: table)"
    )
    parser.add_argument(
        "--breakdowns",
        action="store_true",
        help="table format: also show every breakdown group under each indicator",
    )


def check_la_code(la_code: str) -> str:
    """The council's E-code in upper case; a DfE three-digit code (888) is turned into it.

    Args:
        la_code: ``E10000017`` or ``888``, as ``csc-metrics benchmarks --la-code`` takes.

    Returns:
        The E-code.

    Raises:
        ParameterError: If the value is neither, or the three-digit code is no council's.
    """
    code = la_code.strip().upper()
    if OLD_LA_CODE_PATTERN.match(code):
        from csc_metrics.benchmarks import council_table  # only for old codes

        councils = council_table()
        new = councils.loc[councils["la_code_old"].eq(code), "la_code_new"]
        if len(new) and LA_CODE_PATTERN.match(str(new.iloc[0])):
            return str(new.iloc[0])
        raise ParameterError(
            f"--la-code {la_code!r} is not a DfE council code: no council has it in "
            "csc_metrics/reference/councils.csv. Give the three-digit code (e.g. 888) or the "
            "E-code (e.g. E10000017)."
        )
    if not LA_CODE_PATTERN.match(code):
        raise ParameterError(
            f"--la-code {la_code!r} is not a council code: expected a letter E, W, S or N and "
            "eight digits, e.g. E10000017 (Lancashire), or the DfE three-digit code, e.g. 888."
        )
    return code


def _ingest_in_memory(raw: Path) -> storage.ProcessedData:
    """Ingest a raw folder into a temporary processed folder and load it."""
    if not raw.is_dir():
        raise InputError(f"--raw {raw}: no such folder.")
    try:
        from csc_metrics.pipeline import ingest  # only needed for --raw; imported lazily
    except ImportError as error:
        raise ParameterError(
            "This installation has no ingest step (csc_metrics.pipeline), so --raw cannot be "
            "used. Run `csc-metrics ingest` separately and pass --processed instead."
        ) from error
    with tempfile.TemporaryDirectory(prefix="csc-metrics-indicators-") as folder:
        processed = Path(folder) / "processed"
        # Keep stdout for the indicators alone, so that csv and json output stay parseable.
        with contextlib.redirect_stdout(sys.stderr):
            ingest(raw, processed)
        return storage.load_processed(processed)


def load_source(args: argparse.Namespace) -> storage.ProcessedData:
    """Load the processed data named by ``--processed``, or ingest ``--raw`` in memory.

    Args:
        args: Parsed arguments.

    Returns:
        The processed data.
    """
    if args.processed is not None:
        # Arrow on malloc while the tables are read: a national history's text columns are
        # otherwise faulted in afresh page by page (see ``memory``).
        with malloc_allocation():
            return storage.load_processed(args.processed)
    return _ingest_in_memory(args.raw)


def plain_number(value: Any) -> int | float | None:
    """A number as JSON would want it: an int when whole, None when blank."""
    if value is None or pd.isna(value):
        return None
    number = float(value)
    return int(number) if number.is_integer() else number


def _csv_number(value: float) -> str:
    number = plain_number(value)
    return "" if number is None else str(number)


def _not_covered(row: Any) -> dict[str, str]:
    """``{"not_covered": reason}`` for an indicator not covered at the date, else nothing."""
    reason = getattr(row, NOT_COVERED, None)
    return {NOT_COVERED: reason} if isinstance(reason, str) and reason else {}


def write_json(metrics: pd.DataFrame, out: TextIO) -> None:
    """Print the overall figures as a JSON list of objects, in catalogue order."""
    totals = metrics[metrics["breakdown"] == TOTAL_BREAKDOWN]
    records = [
        {
            "id": row.indicator_id,
            "numerator": plain_number(row.numerator),
            "denominator": plain_number(row.denominator),
            "value": plain_number(row.value),
            "unknown": plain_number(row.unknown),
            **_not_covered(row),
        }
        for row in totals.itertuples(index=False)
    ]
    json.dump(records, out, indent=2)
    out.write("\n")


def write_csv(metrics: pd.DataFrame, out: TextIO) -> None:
    """Print the full long metric table (every breakdown) as CSV."""
    table = metrics.copy()
    table["period_end"] = table["period_end"].dt.strftime(DATE_STYLES["iso"])
    for column in ("numerator", "denominator", "value", "unknown"):
        table[column] = table[column].map(_csv_number)
    neutralise_formulas(table).to_csv(out, index=False, lineterminator="\n")


def write_table(
    metrics: pd.DataFrame,
    out: TextIO,
    *,
    la_code: str,
    period_end: pd.Timestamp,
    breakdowns: bool = False,
    notes: list[str] | None = None,
) -> None:
    """Print an aligned table for a person, grouped by area, with labels and units.

    Args:
        metrics: Metric rows at one reference date.
        out: Where to print.
        la_code: The council, for the title.
        period_end: The reference date, for the title.
        breakdowns: Also print each indicator's breakdown groups.
        notes: Lines printed under the table.
    """
    catalogue = indicator_table().set_index("id")
    lines: list[tuple[str, str, str, str, str]] = []
    area = None
    for indicator_id, rows in metrics.groupby("indicator_id", sort=False):
        meta = catalogue.loc[indicator_id] if indicator_id in catalogue.index else None
        label = meta["label"] if meta is not None else indicator_id
        unit = meta["unit"] if meta is not None else "count"
        if meta is not None and meta["area"] != area:
            area = meta["area"]
            lines.append((AREA_TITLES.get(area, area), "", "", "", ""))
        for row in rows.itertuples(index=False):
            covered = not isinstance(getattr(row, NOT_COVERED, None), str)
            if row.breakdown == TOTAL_BREAKDOWN:
                name = f"  {label}"
            elif breakdowns:
                name = f"      {BREAKDOWN_TITLES.get(row.breakdown, row.breakdown)}: {row.group}"
            else:
                continue
            lines.append(
                (
                    name,
                    format_value(row.value, unit, words=True, blank="-")
                    if covered
                    else "not covered",
                    format_count(row.numerator),
                    format_count(row.denominator),
                    format_count(row.unknown),
                )
            )
    header = ("Indicator", "Value", "Numerator", "Denominator", "Unknown")
    widths = [max(len(line[i]) for line in [header, *lines]) for i in range(len(header))]

    def render(cells: tuple[str, ...]) -> str:
        text = cells[0].ljust(widths[0]) + "".join(
            "  " + cell.rjust(width) for cell, width in zip(cells[1:], widths[1:], strict=True)
        )
        return text.rstrip()

    start = window_start(period_end)
    out.write(f"Indicators for {la_code} at {format_date(period_end)}\n")
    out.write(f"12-month window: {format_date(start)} to {format_date(period_end)}\n\n")
    out.write(render(header) + "\n")
    out.write(render(tuple("-" * w for w in widths)) + "\n")
    for line in lines:
        out.write(render(line) + "\n")
    for note in notes or []:
        out.write(f"\n{note}")
    if notes:
        out.write("\n")


def not_covered_notes(metrics: pd.DataFrame) -> list[str]:
    """One note per reason some indicators are not covered, naming how many share it."""
    if NOT_COVERED not in metrics.columns:
        return []
    reasons = metrics[NOT_COVERED].dropna()
    return [
        f"Not covered ({count} indicator{'s' if count > 1 else ''}): {reason}."
        for reason, count in reasons.value_counts(sort=False).items()
    ]


def table_notes(
    metrics: pd.DataFrame,
    inputs: IndicatorInputs | None,
    la_code: str,
    period_end: pd.Timestamp,
) -> list[str]:
    """Plain-English notes printed under the table: what is missing and why."""
    notes = not_covered_notes(metrics)
    if inputs is None:
        return notes
    notes += [
        "Unknown: children left out of a percentage because their distance or placement "
        "council is not known (blank postcode, not in the postcode lookup, outside the UK)."
    ]
    if not metrics["indicator_id"].eq("cla_rate_per_10k").any():
        notes.append(
            f"Rate per 10,000 not shown: no child population for {la_code} for a mid-year "
            "estimate on or before the reference date (RAW/reference/population.csv)."
        )
    issues = care_leaver_data_issues(inputs, period_end)
    if len(issues):
        notes.append(
            f"{len(issues)} care-leaver (OC3) row(s) left out as data-quality errors (age at the "
            "reference birthday outside 17-21, or no date of birth)."
        )
    return notes


def run(args: argparse.Namespace) -> int:
    """Compute and print the indicators.

    Args:
        args: Parsed arguments (see ``add_arguments``).

    Returns:
        0 on success (errors are raised as ``CscMetricsError`` and mapped to exit codes).
    """
    la_code = check_la_code(args.la_code)
    parse_period_end(args.period_end, OPTION, latest=True)  # fails before a slow ingest
    data = load_source(args)
    period_end = resolve_period_end(args.period_end, data, OPTION)
    inputs = prepare_inputs(data) if has_ssda903(data) else None
    metrics = compute_indicators(data, period_end, la_code, inputs=inputs)
    with printing_to_stdout():
        if args.format == "json":
            write_json(metrics, sys.stdout)
        elif args.format == "csv":
            write_csv(metrics, sys.stdout)
        else:
            write_table(
                metrics,
                sys.stdout,
                la_code=la_code,
                period_end=period_end,
                breakdowns=args.breakdowns,
                notes=table_notes(metrics, inputs, la_code, period_end),
            )
    return 0
