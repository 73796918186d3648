"""What to generate: the seed, the scale, the collection years, and the dates derived from them.

Everything the generator does is a function of a :class:`SampleConfig`, so two runs with the same
configuration write the same bytes. Dates inside the simulation are whole days since 1 January
1970 held in numpy ``int64`` arrays, which keeps the arithmetic vectorised and exact.
"""

from __future__ import annotations

import datetime as dt
import re
import zlib
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from csc_metrics.errors import ParameterError

#: Collection years the generator can write. Before 2017 the 17-18 care-leaver follow-up did not
#: exist in its current form; 2026 is the latest year with a published code list.
FIRST_SUPPORTED_YEAR = 2017
LAST_SUPPORTED_YEAR = 2026
DEFAULT_YEARS = "2019-2025"
DEFAULT_SEED = 1
#: Largest scale accepted: 40 is national size; beyond 100 the child ids would run out.
MAX_SCALE = 100.0
#: Above this scale the caseload snapshots are written as cases.csv instead of Annex A workbooks.
WORKBOOK_MAX_SCALE = 2.0

LA_CODE = "E10000017"
LA_OLD_CODE = "888"
LA_NAME = "Synthetic county council (calibrated to Lancashire)"

_EPOCH = dt.date(1970, 1, 1)


def day(date: dt.date) -> int:
    """Return a date as whole days since 1 January 1970."""
    return (date - _EPOCH).days


def to_date(days: int) -> dt.date:
    """Return the date that is ``days`` days after 1 January 1970."""
    return _EPOCH + dt.timedelta(days=int(days))


def add_years(days: np.ndarray, years: int | np.ndarray) -> np.ndarray:
    """Add whole years to dates (a 29 February moves to 28 February in a common year).

    Args:
        days: Dates as days since 1970.
        years: Years to add, a scalar or an array broadcastable to ``days``.

    Returns:
        The shifted dates as days since 1970.
    """
    stamps = np.asarray(days).astype("datetime64[D]")
    year = stamps.astype("datetime64[Y]").astype(np.int64) + 1970
    month_start = stamps.astype("datetime64[M]")
    month = month_start.astype(np.int64) % 12
    day_of_month = (stamps - month_start).astype(np.int64)
    new_year = year + np.asarray(years)
    new_month_start = (new_year - 1970).astype("datetime64[Y]").astype(
        "datetime64[M]"
    ) + month.astype("timedelta64[M]")
    next_month_start = new_month_start + np.timedelta64(1, "M")
    month_length = (
        next_month_start.astype("datetime64[D]") - new_month_start.astype("datetime64[D]")
    ).astype(np.int64)
    clipped = np.minimum(day_of_month, month_length - 1)
    return (new_month_start.astype("datetime64[D]").astype(np.int64) + clipped).astype(np.int64)


def completed_years(dob: np.ndarray, when: np.ndarray | int) -> np.ndarray:
    """Return age in completed years on a date (a child born 2008-04-01 is 16 on 2024-04-01).

    Args:
        dob: Dates of birth, as days since 1970.
        when: The date(s) of the age, as days since 1970.

    Returns:
        Whole years, as integers.
    """
    birth = np.asarray(dob).astype("datetime64[D]")
    on = np.broadcast_to(np.asarray(when), birth.shape).astype("datetime64[D]")
    birth_year = birth.astype("datetime64[Y]")
    on_year = on.astype("datetime64[Y]")
    # Compare month and day as a day-of-year key that ignores leap days.
    birth_key = _month_day_key(birth, birth_year)
    on_key = _month_day_key(on, on_year)
    years = on_year.astype(np.int64) - birth_year.astype(np.int64)
    return years - (on_key < birth_key)


def _month_day_key(dates: np.ndarray, years: np.ndarray) -> np.ndarray:
    months = dates.astype("datetime64[M]")
    month_number = months.astype(np.int64) - years.astype("datetime64[M]").astype(np.int64)
    day_number = (dates - months.astype("datetime64[D]")).astype(np.int64)
    return month_number * 32 + day_number


def parse_years(text: str) -> tuple[int, int]:
    """Parse a ``--years`` value such as ``2019-2025`` or ``2024``.

    Args:
        text: The value given on the command line.

    Returns:
        The first and last collection year (each the year in which the collection ends).

    Raises:
        ParameterError: If the text is not one year or a range of years within the supported
            collection years, or the range runs backwards.
    """
    match = re.fullmatch(r"\s*(\d{4})\s*(?:-\s*(\d{4})\s*)?", text or "")
    if not match:
        raise ParameterError(
            f"--years {text!r} is not a year range: expected two four-digit collection years "
            f"joined by a hyphen (e.g. {DEFAULT_YEARS}) or a single year (e.g. 2024)."
        )
    first = int(match.group(1))
    last = int(match.group(2) or first)
    if first > last:
        raise ParameterError(
            f"--years {text!r} runs backwards: give the earlier year first (e.g. {last}-{first})."
        )
    if first < FIRST_SUPPORTED_YEAR or last > LAST_SUPPORTED_YEAR:
        raise ParameterError(
            f"--years {text!r} is outside the collection years the generator knows the code lists "
            f"for: {FIRST_SUPPORTED_YEAR} to {LAST_SUPPORTED_YEAR} (a collection year ends on "
            "31 March of that year)."
        )
    return first, last


def check_scale(scale: float) -> float:
    """Check a ``--scale`` value.

    Args:
        scale: Size relative to the default county (1 = about 2,000 children looked after).

    Returns:
        The scale.

    Raises:
        ParameterError: If the scale is not a positive number no larger than ``MAX_SCALE``.
    """
    if not np.isfinite(scale) or scale <= 0 or scale > MAX_SCALE:
        raise ParameterError(
            f"--scale {scale} is not usable: give a positive number up to {MAX_SCALE:g} "
            "(1 = a large county with about 2,000 children looked after; 40 = England)."
        )
    return float(scale)


@dataclass(frozen=True)
class SampleConfig:
    """Parameters of one generation run.

    Attributes:
        seed: Seed of every random draw.
        scale: Size relative to the default county (1 = about 2,000 children looked after).
        first_year: First collection year written (the year ending 31 March ``first_year``).
        last_year: Last collection year written.
        messy: Whether to add the quirks of real extracts.
        workbooks: Whether caseload snapshots are Annex A workbooks (else ``cases.csv``);
            ``None`` chooses by scale.
        patterns: Whether to plant the patterns (the stability step, the 10-15 placement-mix
            drift, the 19-21 EET decline and equity gap, the rising team caseload and the
            lengthening adoption decision). False (``csc-metrics sample --no-patterns``): every
            underlying rate stays constant over the years, with the same noise, for measuring
            how often the reports flag special cause by chance.
        snapshot_years: Years of quarterly caseload snapshots, ending at the last collection
            year's end; ``None`` covers every collection year.
    """

    seed: int = DEFAULT_SEED
    scale: float = 1.0
    first_year: int = 2019
    last_year: int = 2025
    messy: bool = False
    workbooks: bool | None = None
    snapshot_years: int | None = None
    patterns: bool = True

    @property
    def years(self) -> list[int]:
        """Every collection year written, oldest first."""
        return list(range(self.first_year, self.last_year + 1))

    @property
    def write_workbooks(self) -> bool:
        """Whether caseload snapshots are written as Annex A workbooks."""
        if self.workbooks is not None:
            return self.workbooks
        return self.scale <= WORKBOOK_MAX_SCALE

    @property
    def year_starts(self) -> dict[int, int]:
        """Collection year -> its first day (1 April of the previous year), as days."""
        return {y: day(dt.date(y - 1, 4, 1)) for y in self.years}

    @property
    def year_ends(self) -> dict[int, int]:
        """Collection year -> its last day (31 March), as days."""
        return {y: day(dt.date(y, 3, 31)) for y in self.years}

    @property
    def horizon_end(self) -> int:
        """The last day the data describe: 31 March of the last collection year."""
        return day(dt.date(self.last_year, 3, 31))

    @property
    def data_start(self) -> int:
        """The first day of the first collection year."""
        return day(dt.date(self.first_year - 1, 4, 1))

    @property
    def simulation_start(self) -> int:
        """First day on which children enter care in the simulation.

        A care leaver aged 21 in the first collection year may have entered care as a baby, so
        the simulated history starts 23 years before the data.
        """
        return day(dt.date(self.first_year - 24, 4, 1))

    @cached_property
    def snapshot_dates(self) -> list[int]:
        """Quarter ends of the caseload snapshots, oldest first (days since 1970)."""
        first = self.data_start
        if self.snapshot_years is not None:
            first = max(first, day(dt.date(self.last_year - self.snapshot_years, 4, 1)))
        ends = []
        for year in range(self.first_year - 1, self.last_year + 1):
            for month, last_day in ((3, 31), (6, 30), (9, 30), (12, 31)):
                date = dt.date(year, month, last_day)
                if first <= day(date) <= self.horizon_end:
                    ends.append(day(date))
        return ends

    # --- Dates of the planted patterns -------------------------------------------------------

    @property
    def stability_step_date(self) -> int:
        """Day from which children move placement less often (the stability step change)."""
        return day(dt.date(self.last_year - 3, 7, 1))

    @property
    def placement_drift_start(self) -> int:
        """Day from which placements of 10-15s drift to IFAs and external homes (5 years)."""
        return day(dt.date(self.last_year - 5, 4, 1))

    @property
    def eet_decline_start(self) -> int:
        """First reference birthday of the widening 19-21 EET gap: 18 months before the end."""
        return day(dt.date(self.last_year - 2, 10, 1))

    @property
    def rising_team_quarters(self) -> list[int]:
        """The nine quarter ends over which one team's caseload rises eight times running.

        With fewer snapshots the rise covers all of them.
        """
        return self.snapshot_dates[-9:]


def component_rng(seed: int, component: str) -> np.random.Generator:
    """Return an independent random generator for one part of the simulation.

    Each part (children, placements, care leavers...) draws from its own stream, so changing how
    one part uses random numbers leaves every other part's output unchanged.

    Args:
        seed: The run's seed.
        component: Name of the part.

    Returns:
        A seeded numpy generator.
    """
    entropy = [int(seed), zlib.crc32(component.encode())]
    return np.random.default_rng(np.random.SeedSequence(entropy))
