"""``csc-metrics ingest``: read a raw folder into ``processed/`` and say what was found."""

from __future__ import annotations

import argparse
from pathlib import Path

from csc_metrics.errors import ParameterError
from csc_metrics.locks import folder_lock, lock_file_for
from csc_metrics.pipeline.core import DQ_CSV, DQ_TABLE, IngestResult, ingest, rollback
from csc_metrics.quality import summarise_issues
from csc_metrics.storage import HISTORY_FOLDER

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
        help="raw folder holding ssda903/<YYYY>/ (and optionally reference/, caseload/)",
    )
    parser.add_argument(
        "--processed",
        type=Path,
        required=True,
        help="processed folder to (re)build; replaced only when the whole ingest succeeds",
    )
    parser.add_argument(
        "--fresh",
        action="store_true",
        help="read every raw file again; by default a year folder or caseload snapshot whose "
        "files are unchanged since the last ingest into --processed (same code, settings and "
        "key) is taken from its cache in PROCESSED/_ingest_cache/",
    )
    parser.add_argument(
        "--rollback",
        action="store_true",
        help="put back the previous generation of the caseload tables (each ingest keeps the "
        "one it replaces in PROCESSED/_previous/); run it again to undo. --raw is not needed",
    )


def run(args: argparse.Namespace) -> int:
    """Run ``csc-metrics ingest``.

    Args:
        args: Parsed options (``raw``, ``processed``).

    Returns:
        0 when the input was usable (warnings allowed). Unusable input raises ``InputError``,
        which the command line reports with exit code 2.
    """
    processed = Path(args.processed).resolve()
    if not args.rollback and args.raw is None:
        raise ParameterError("--raw is required (only --rollback works without it).")
    with folder_lock(lock_file_for(processed, inside=False), f"the processed folder {processed}"):
        if args.rollback:
            current, replaced = rollback(processed)
            print(
                f"Rolled back the caseload tables in {processed}: snapshots now "
                f"{', '.join(current) or 'none'} (were {', '.join(replaced) or 'none'}). The "
                f"replaced generation is kept in {HISTORY_FOLDER}/: --rollback again undoes "
                "this. Move a bad snapshot folder out of RAW/caseload before the next ingest, "
                "or it is read again."
            )
            return 0
        result = ingest(args.raw, processed, use_cache=not getattr(args, "fresh", False))
    print(summary_text(result))
    return 0
