"""``csc-metrics sample``: write a synthetic county council's files in the real formats."""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path

from csc_metrics.errors import ParameterError
from csc_metrics.folders import replace_folder
from csc_metrics.sample.config import (
    DEFAULT_SEED,
    DEFAULT_YEARS,
    SampleConfig,
    check_scale,
    parse_years,
    to_date,
)

log = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the options of ``csc-metrics sample``.

    Args:
        parser: The subcommand's parser.
    """
    parser.add_argument(
        "--out",
        required=True,
        type=Path,
        metavar="DIR",
        help="folder to write (created; must be empty unless --force)",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=DEFAULT_SEED,
        help=f"random seed: the same seed gives the same files (default {DEFAULT_SEED})",
    )
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="size: 1 is a large county (about 2,000 children looked after), "
        "40 is England (default 1)",
    )
    parser.add_argument(
        "--years",
        default=DEFAULT_YEARS,
        metavar="YYYY-YYYY",
        help=f"collection years, each ending 31 March (default {DEFAULT_YEARS})",
    )
    parser.add_argument(
        "--snapshot-years",
        type=int,
        default=None,
        metavar="N",
        help="years of quarterly caseload snapshots ending at the last year "
        "(default: every collection year)",
    )
    parser.add_argument(
        "--messy",
        action="store_true",
        help="add the quirks of real extracts (BOM, CRLF, lower-case codes, "
        "stray spaces, invalid codes and dates, duplicates...)",
    )
    parser.add_argument(
        "--no-patterns",
        dest="patterns",
        action="store_false",
        help="plant no pattern: every underlying rate stays constant over the years, with the "
        "same noise (to measure how often the reports flag special cause by chance)",
    )
    parser.add_argument(
        "--force", action="store_true", help="replace DIR even if it already holds files"
    )


def config_from_args(args: argparse.Namespace) -> SampleConfig:
    """Check the options and turn them into a configuration.

    Args:
        args: Parsed options.

    Returns:
        The configuration.

    Raises:
        ParameterError: If an option is unusable.
    """
    first, last = parse_years(args.years)
    scale = check_scale(args.scale)
    snapshot_years = args.snapshot_years
    if snapshot_years is not None and not 1 <= snapshot_years <= last - first + 1:
        raise ParameterError(
            f"--snapshot-years {snapshot_years} must be between 1 and the number of collection "
            f"years ({last - first + 1} for --years {args.years})."
        )
    return SampleConfig(
        seed=args.seed,
        scale=scale,
        first_year=first,
        last_year=last,
        messy=args.messy,
        snapshot_years=snapshot_years,
        patterns=args.patterns,
    )


def _check_output(out: Path, force: bool) -> None:
    if out.exists() and not out.is_dir():
        raise ParameterError(f"--out {out} is a file, not a folder.")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise ParameterError(
            f"--out {out} already holds files. Choose an empty or new folder, or add --force "
            "to replace its contents."
        )


def run(args: argparse.Namespace) -> int:
    """Generate the synthetic council and write it.

    Args:
        args: Parsed options.

    Returns:
        0 on success.
    """
    # Imported here so that ``--help`` and option errors stay fast.
    from csc_metrics.sample.generate import build_council
    from csc_metrics.sample.output import MANIFEST_NAME, write_council
    from csc_metrics.sample.summary import open_episodes

    config = config_from_args(args)
    out = Path(args.out)
    _check_output(out, args.force)
    started = time.perf_counter()
    log.info(
        "Simulating a county at scale %g for collection years %s-%s (seed %s)...",
        config.scale,
        config.first_year,
        config.last_year,
        config.seed,
    )
    council = build_council(config)
    log.info("Writing files...")
    with replace_folder(out, "sample", "--out", check=False, mark=False) as staging:
        written = write_council(council, staging)
    looked_after = open_episodes(council, config.horizon_end)["child"].nunique()
    years = (
        str(config.first_year)
        if config.first_year == config.last_year
        else f"{config.first_year}-{config.last_year}"
    )
    print(
        f"Wrote {len(written)} files to {out} in {time.perf_counter() - started:.0f} s: "
        f"{len(config.years)} SSDA903 returns ({years}), "
        f"{len(config.snapshot_dates)} caseload snapshots to "
        f"{to_date(config.snapshot_dates[-1]).isoformat()}, "
        f"{looked_after:,} children looked after at 31 March {config.last_year}. "
        f"See {out / MANIFEST_NAME} for what was planted."
    )
    return 0
