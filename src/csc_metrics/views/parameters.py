"""The eight notebook parameters: their names, what each allows, and their settled values.

``check_parameters`` refuses a bad comparator, suppression flag or council code before any data
are read; ``settle_parameters`` then settles the rest against the data (``latest``, the
council's name). A bad value stops the notebook with a message naming the parameter and what is
allowed. The period end and team are checked by the same functions as on the command line
(``indicators.resolve_period_end`` and ``indicators.resolve_team``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from csc_metrics import benchmarks
from csc_metrics.errors import ParameterError
from csc_metrics.indicators import resolve_period_end
from csc_metrics.settings import Settings
from csc_metrics.storage import ProcessedData

#: The notebook parameters, in the order of every notebook's ``parameters`` cell.
PARAMETERS = (
    "processed_dir",
    "period_end",
    "la_code",
    "la_name",
    "team",
    "comparator",
    "suppress",
    "targets_file",
)
#: Parameters a notebook may declare after the eight, when it shows the placement forecast:
#: ``csc-metrics run --scenario`` and ``--costs`` (absolute paths, or None). The runner passes
#: them only to notebooks whose ``parameters`` cell names them.
FORECAST_PARAMETERS = ("scenario_file", "costs_file")
#: Parameters a notebook may declare after the eight when it shows SPC charts:
#: ``csc-metrics run --change-points`` (an absolute path, or None). Passed, like the forecast's,
#: only to notebooks whose ``parameters`` cell names them.
SPC_PARAMETERS = ("change_points_file",)
#: Every optional parameter, passed only where a notebook declares it.
OPTIONAL_PARAMETERS = FORECAST_PARAMETERS + SPC_PARAMETERS

#: Benchmark comparators a report can use, with how the parameter is described in messages.
COMPARATORS: dict[str, str] = {
    "england": "England",
    "region": "the council's region",
    "sn": "the median of the council's statistical neighbours",
}


@dataclass(frozen=True)
class ReportParameters:
    """The settled parameters of a report, the team aside (a team's report shares the rest).

    Attributes:
        period_end: The reference date (``latest`` resolved).
        la_code: The council's E-code.
        la_name: The council's name for titles.
        comparator: ``england``, ``region`` or ``sn``.
        suppress: Whether counts of 1 to 5 are hidden.
        targets: The targets file's path, size and modification time (``file_stamp``), or None.
        settings: Local rules.
        change_points: The change-points file's ``file_stamp``, or None.
    """

    period_end: pd.Timestamp
    la_code: str
    la_name: str
    comparator: str
    suppress: bool
    targets: tuple[str, int, int] | None
    settings: Settings
    change_points: tuple[str, int, int] | None = None


def check_choice(name: str, value: Any, allowed: tuple[str, ...]) -> str:
    """A parameter that must be one of a few words, in lower case.

    Raises:
        ParameterError: If it is none of them; the message lists what is allowed.
    """
    text = str(value).strip().lower() if value is not None else ""
    if text not in allowed:
        raise ParameterError(
            f"{name}={value!r} is not allowed: use one of {', '.join(repr(a) for a in allowed)}."
        )
    return text


def check_parameters(la_code: Any, comparator: Any, suppress: Any) -> tuple[dict[str, Any], str]:
    """Check the parameters that need no data: the council, comparator and suppression.

    Args:
        la_code: The council's code (E-code such as ``E10000017``, or DfE's three digits).
        comparator: ``"england"``, ``"region"`` or ``"sn"``.
        suppress: True or False.

    Returns:
        The council (``benchmarks.council_info``) and the comparator in lower case.

    Raises:
        ParameterError: A parameter is not valid; the message names it and what is allowed.
    """
    comparator = check_choice("comparator", comparator, tuple(COMPARATORS))
    if not isinstance(suppress, bool):
        raise ParameterError(f"suppress={suppress!r} is not allowed: use True or False.")
    if not la_code or not str(la_code).strip():
        raise ParameterError("la_code is empty: give the council's code, e.g. 'E10000017'.")
    return benchmarks.council_info(str(la_code).strip().upper()), comparator


def file_stamp(path: str | Path | None) -> tuple[str, int, int] | None:
    """A file's resolved path, size and modification time (None for no file)."""
    if not path:
        return None
    resolved = Path(path).expanduser().resolve()
    try:
        status = resolved.stat()
    except OSError:
        return (str(resolved), -1, -1)
    return (str(resolved), status.st_size, status.st_mtime_ns)


def settle_parameters(
    data: ProcessedData,
    council: dict[str, Any],
    period_end: Any,
    la_name: Any,
    comparator: str,
    suppress: bool,
    targets_file: str | Path | None,
    settings: Settings,
) -> ReportParameters:
    """Settle the parameters against the data, once ``check_parameters`` has passed them.

    Args:
        data: The processed data.
        council: From ``check_parameters``.
        period_end: ``"latest"`` or ``"YYYY-MM-DD"`` inside the data.
        la_name: The council's name for titles; blank, or the code itself (the runner passes
            the code when no name was given), gives DfE's name for the council.
        comparator: From ``check_parameters``.
        suppress: From ``check_parameters``.
        targets_file: A local targets CSV, or None.
        settings: Local rules.

    Returns:
        The settled parameters. Placement councils in the postcode lookup are E-codes, so the
        council is named by its E-code whichever code was given.

    Raises:
        ParameterError: If the period end is not a date inside the data.
    """
    name = str(la_name).strip() if la_name is not None else ""
    codes = {council["la_code_old"].upper(), council["la_code_new"].upper()}
    if not name or name.upper() in codes:
        name = council["la_name"]
    return ReportParameters(
        period_end=resolve_period_end(period_end, data, "period_end"),
        la_code=council["la_code_new"],
        la_name=name,
        comparator=comparator,
        suppress=suppress,
        targets=file_stamp(targets_file),
        settings=settings,
    )
