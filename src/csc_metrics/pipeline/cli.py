"""``csc-metrics ingest``: read a raw folder into ``processed/`` and say what was found."""

from __future__ import annotations

import argparse
from pathlib import Path

from csc_metrics.pipeline.core import DQ_CSV, DQ_TABLE, IngestResult, ingest
from csc_metrics.quality import summarise_issues

#: Rules listed by name in the summary; beyond this many the summary says how many more fired.
TOP_RULES_SHOWN = 30
SEVERITY_WORDS = {
    "error": "errors (rows dropped)",
    "warning": "warnings (values changed or used with caution)",
    "info": "notes",
}


def summary_text(result: IngestResult) -> str:
    """Describe an ingest for the command line: what was read, the issues, where they are.

    Args:
        result: What ``ingest`` wrote.

    Returns:
        Plain text, several lines.
    """
    manifest = result.manifest
    years = manifest["collection_years"]
    header = result.tables["clean_ssda903__header"]
    episodes = result.tables["clean_ssda903__episodes"]
    read = (
        f"Read SSDA903 returns for {len(years)} collection year(s) "
        f"({', '.join(str(y) for y in years)}): {len(header):,} children, "
        f"{len(episodes):,} episodes."
        if years
        else "No SSDA903 folder: only the caseload snapshots were read, so only the caseload "
        "report has data."
    )
    lines = [
        read,
        f"Wrote {len(result.tables) + 1} tables to {result.processed}.",
        "Data-quality issues: "
        + "; ".join(f"{manifest['issues'][s]:,} {w}" for s, w in SEVERITY_WORDS.items())
        + ".",
    ]
    every_rule = summarise_issues(result.dq_issues)
    summary = every_rule.head(TOP_RULES_SHOWN)
    if not summary.empty:
        lines.append("Issues by rule, errors first:")
        width = max(len(r) for r in summary["rule"])
        lines += [
            f"  {row.severity:<8} {row.issues:>8,}  {row.rule:<{width}}  "
            f"({row.dataset}{' ' + row.table if row.table else ''})"
            for row in summary.itertuples()
        ]
        if len(every_rule) > len(summary):
            more = len(every_rule) - len(summary)
            lines.append(f"  ... and {more} more rule(s); every one is in the file below.")
    lines.append(
        f"Every issue, with file, row, column and rule: {result.processed / DQ_CSV} "
        f"(also {DQ_TABLE}.parquet)."
    )
    return "\n".join(lines)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``ingest`` options.

    Args:
        parser: The subcommand's parser.
    """
    parser.add_argument(
        "--raw",
        type=Path,
        required=True,
        help="raw folder holding ssda903/<YYYY>/ (and optionally reference/, caseload/)",
    )
    parser.add_argument(
        "--processed",
        type=Path,
        required=True,
        help="processed folder to (re)build; replaced only when the whole ingest succeeds",
    )


def run(args: argparse.Namespace) -> int:
    """Run ``csc-metrics ingest``.

    Args:
        args: Parsed options (``raw``, ``processed``).

    Returns:
        0 when the input was usable (warnings allowed). Unusable input raises ``InputError``,
        which the command line reports with exit code 2.
    """
    result = ingest(args.raw, args.processed)
    print(summary_text(result))
    return 0
