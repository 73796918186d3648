"""Weekly unit costs by placement category, inflation, spend, and the RO3 calibration check.

The costs file has one row per category: ``category`` and ``weekly_cost`` (GBP per child per
week) are required; ``inflation_pct`` (yearly, blank = 0) and ``prices_at`` (the date the cost
is priced at, YYYY-MM-DD; blank = the forecast origin) are optional; any other column (basis,
source, notes) is kept for display. Every category must be there once, with a cost of 0 or
more. Without ``--costs`` the defaults shipped in ``reference/placement_costs.csv`` are used:
published figures and judgements from the project's benchmarks (§10, §13.7), every one an
ASSUMPTION that a council should replace with its own.

Cost on a day ``d`` = ``weekly_cost x (1 + inflation_pct / 100) ** (years from prices_at to
d)``. Spend in a quarter = child-days in the category x cost at the quarter's mid-point / 7;
for a projection, child-days are the mean of the expected stock at the quarter's start and end
times its days.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import numpy as np
import pandas as pd

from csc_metrics.errors import InputError
from csc_metrics.forecast.files import file_error, number, read_rows
from csc_metrics.forecast.states import (
    CATEGORY_IDS,
    CATEGORY_LABELS,
    CATEGORY_LOOKUP,
    STATES,
    normalise_name,
)
from csc_metrics.forecast.timeline import Timeline, day_of

DEFAULT_COSTS = "placement_costs.csv"
RO3_PATTERN = "ro3_cla_spend_*.csv"
#: Categories RO3's "residential care" line pays for (children's homes, secure units,
#: residential schools; in-house and external alike).
RESIDENTIAL = ("inhouse_residential", "external_residential")


@dataclass
class Costs:
    """Unit costs by category (in ``CATEGORY_IDS`` order).

    Attributes:
        weekly: GBP per child per week at ``prices_at``.
        inflation_pct: Yearly inflation per category (percent).
        prices_at: The date each cost is priced at (NaT: the forecast origin).
        table: The file as read, one row per category, with any extra columns.
        source: The file read (None for the shipped defaults).
    """

    weekly: np.ndarray
    inflation_pct: np.ndarray
    prices_at: list[pd.Timestamp | None]
    table: pd.DataFrame
    source: Path | None = None

    @property
    def is_default(self) -> bool:
        """Whether these are the shipped default costs."""
        return self.source is None

    def at(self, when: pd.Timestamp, origin: pd.Timestamp) -> np.ndarray:
        """Weekly cost of each category on a date, with inflation.

        Args:
            when: The date.
            origin: The forecast origin (the price date of costs that give none).

        Returns:
            GBP per child per week, one per category.
        """
        day = pd.Timedelta(days=1)
        years = (
            np.array(
                [(pd.Timestamp(when) - (origin if p is None else p)) / day for p in self.prices_at]
            )
            / 365.25
        )
        return self.weekly * (1.0 + self.inflation_pct / 100.0) ** years


def _reference(name: str) -> Path:
    """A file shipped in the package's reference folder."""
    return Path(str(files("csc_metrics") / "reference" / name))


def _default_path() -> Path:
    return _reference(DEFAULT_COSTS)


def read_costs(path: Path | None = None) -> Costs:
    """Read a costs file (CSV or YAML with a ``costs:`` list), or the shipped defaults.

    Args:
        path: The file; None for the defaults.

    Returns:
        The costs.

    Raises:
        InputError: (exit code 2) naming the file and row, for an unknown, repeated or missing
            category, or a cost or inflation that is not a number or is negative.
    """
    file = _default_path() if path is None else Path(path)
    rows, _ = read_rows(file, "costs", "cost")
    weekly = np.full(len(CATEGORY_IDS), np.nan)
    inflation = np.zeros(len(CATEGORY_IDS))
    prices: list[pd.Timestamp | None] = [None] * len(CATEGORY_IDS)
    records = []
    seen: dict[int, str] = {}
    for row in rows:
        if "category" not in row.values or "weekly_cost" not in row.values:
            raise file_error(
                file,
                row.where,
                "the columns category and weekly_cost are needed",
                "a header with category, weekly_cost (and optionally inflation_pct, prices_at)",
            )
        key = normalise_name(row.values["category"])
        if key not in CATEGORY_LOOKUP:
            raise file_error(
                file,
                f"{row.where}, column category",
                f"{row.values['category']!r} is not a placement category"
                if key
                else "the category is blank",
                "one of " + ", ".join(CATEGORY_IDS),
            )
        index = CATEGORY_IDS.index(CATEGORY_LOOKUP[key])
        if index in seen:
            raise file_error(
                file,
                f"{row.where}, column category",
                f"{CATEGORY_IDS[index]} was already given in {seen[index]}",
                "each category once",
            )
        seen[index] = row.where
        cost = number(file, row, "weekly_cost", "a weekly cost in GBP of 0 or more")
        if cost < 0:
            raise file_error(
                file,
                f"{row.where}, column weekly_cost",
                f"the cost {cost:g} is negative",
                "a weekly cost in GBP of 0 or more",
            )
        weekly[index] = cost
        if row.values.get("inflation_pct", ""):
            inflation[index] = number(
                file,
                row,
                "inflation_pct",
                "a yearly inflation in percent, e.g. 3.5",
                percent=True,
            )
            if inflation[index] <= -100:
                raise file_error(
                    file,
                    f"{row.where}, column inflation_pct",
                    f"{inflation[index]:g}% would make costs 0 or negative",
                    "a yearly inflation above -100%",
                )
        prices[index] = _price_date(file, row)
        records.append({**row.values, "category": CATEGORY_IDS[index]})
    missing = [CATEGORY_IDS[i] for i in range(len(CATEGORY_IDS)) if i not in seen]
    if missing:
        raise file_error(
            file,
            None,
            f"no cost for {', '.join(missing)}",
            "one row for each of the categories " + ", ".join(CATEGORY_IDS),
        )
    table = pd.DataFrame(records)
    table["category"] = pd.Categorical(table["category"], categories=list(CATEGORY_IDS))
    table = table.sort_values("category").reset_index(drop=True)
    table.insert(1, "label", table["category"].astype(str).map(CATEGORY_LABELS))
    return Costs(
        weekly=weekly,
        inflation_pct=inflation,
        prices_at=prices,
        table=table,
        source=None if path is None else file,
    )


def _price_date(file: Path, row) -> pd.Timestamp | None:
    text = row.values.get("prices_at", "")
    if not text:
        return None
    try:
        return pd.Timestamp(pd.to_datetime(text, format="%Y-%m-%d"))
    except (ValueError, TypeError):
        raise file_error(
            file,
            f"{row.where}, column prices_at",
            f"{text!r} is not a date",
            "a date in the form YYYY-MM-DD, or blank for the forecast start",
        ) from None


def state_costs(category_costs: np.ndarray) -> np.ndarray:
    """Expand per-category costs to per-state costs."""
    return category_costs[STATES.parts()["category_index"].to_numpy()]


def projected_spend(
    state_stock: np.ndarray, dates: list[pd.Timestamp], costs: Costs
) -> tuple[np.ndarray, np.ndarray]:
    """Spend in each quarter of a projection, by state, and the weekly cost used.

    Args:
        state_stock: ``(quarters + 1, n)`` expected children by state at the origin and each
            quarter end.
        dates: The origin and quarter ends.
        costs: Unit costs.

    Returns:
        ``(spend (quarters, n) in GBP, weekly cost (quarters, n) at each quarter's mid-point)``.
    """
    origin = dates[0]
    spend, weekly = [], []
    for k in range(1, len(dates)):
        days = (dates[k] - dates[k - 1]).days
        middle = dates[k - 1] + pd.Timedelta(days=days / 2)
        cost = state_costs(costs.at(middle, origin))
        average = (state_stock[k - 1] + state_stock[k]) / 2
        spend.append(average * days * cost / 7)
        weekly.append(cost)
    return np.array(spend), np.array(weekly)


def child_days(timeline: Timeline, start: pd.Timestamp, end: pd.Timestamp) -> np.ndarray:
    """Child-days in each state over a past period (both days included)."""
    stays = timeline.stays
    first, after = day_of(pd.Timestamp(start)), day_of(pd.Timestamp(end)) + 1
    days = np.clip(
        np.minimum(stays["end"].to_numpy(), after) - np.maximum(stays["start"].to_numpy(), first),
        0,
        None,
    )
    return np.bincount(stays["state"].to_numpy(), weights=days, minlength=STATES.n_states)


def actual_spend(
    timeline: Timeline, start: pd.Timestamp, end: pd.Timestamp, costs: Costs, origin: pd.Timestamp
) -> np.ndarray:
    """Spend by state over a past period at the unit costs: child-days x cost / 7.

    Args:
        timeline: The children's stays.
        start: First day of the period.
        end: Last day of the period (included).
        costs: Unit costs.
        origin: The forecast origin (price date of costs that give none).

    Returns:
        GBP by state, costs taken at the period's mid-point.
    """
    middle = pd.Timestamp(start) + (pd.Timestamp(end) - pd.Timestamp(start)) / 2
    return child_days(timeline, start, end) * state_costs(costs.at(middle, origin)) / 7


# --- RO3 calibration -------------------------------------------------------------------------


@dataclass
class Calibration:
    """Modelled residential spend in a financial year against the council's RO3 line.

    Attributes:
        financial_year: E.g. ``"2024-25"`` (the year of the RO3 file).
        modelled_gbp: Residential child-days in the year x the unit costs / 7.
        ro3_gbp: RO3 residential care total expenditure (C3), GBP.
        ratio: ``modelled / ro3``.
        residential_child_weeks: Child-weeks in residential care in the year (from the data).
        implied_weekly_cost: ``ro3 / residential child-weeks``: the average weekly cost RO3
            implies.
        note: Why a figure is missing, or a caution.
    """

    financial_year: str
    modelled_gbp: float | None
    ro3_gbp: float | None
    ratio: float | None
    residential_child_weeks: float | None
    implied_weekly_cost: float | None
    note: str = ""


def _ro3_file() -> Path | None:
    """The latest RO3 file shipped (``ro3_cla_spend_YYYY_YY.csv``)."""
    names = sorted(
        entry.name
        for entry in (files("csc_metrics") / "reference").iterdir()
        if fnmatch.fnmatch(entry.name, RO3_PATTERN)
    )
    return _reference(names[-1]) if names else None


def ro3_residential(la_code: str) -> tuple[str, float | None, str]:
    """The council's RO3 residential care total expenditure, in GBP.

    Args:
        la_code: The council's E-code.

    Returns:
        ``(financial year "YYYY-YY", GBP or None, note)``.
    """
    path = _ro3_file()
    if path is None:
        return "", None, "No RO3 file is installed with csc-metrics."
    digits = path.stem.split("_")[-2:]
    year = f"{digits[0]}-{digits[1]}"
    table = pd.read_csv(path, dtype=str)
    column = next(c for c in table.columns if "residential care Total Expenditure" in c)
    rows = table[table["ons_code"].str.upper() == la_code.upper()]
    if rows.empty:
        return year, None, f"{la_code} is not in the RO3 {year} file (upper-tier English councils)."
    value = pd.to_numeric(rows[column].iloc[0], errors="coerce")
    if pd.isna(value):
        return year, None, f"RO3 {year} gives no residential figure for {la_code} ([x])."
    return year, float(value) * 1000.0, ""


def calibrate(
    timeline: Timeline,
    coverage: tuple[pd.Timestamp, pd.Timestamp],
    la_code: str,
    costs: Costs,
    origin: pd.Timestamp,
) -> Calibration:
    """Set modelled residential spend against the RO3 residential line for the RO3 year.

    The modelled figure uses the children's actual days in residential care in the financial
    year (not a forecast) and the unit costs. When the data do not cover that year, the latest
    financial year they do cover is used and the note says so.

    Args:
        timeline: The children's stays.
        coverage: ``(start, end)`` of the data.
        la_code: The council.
        costs: Unit costs.
        origin: The forecast origin.

    Returns:
        The calibration.
    """
    year, ro3, note = ro3_residential(la_code)
    if not year:
        return Calibration("", None, None, None, None, None, note)
    fy_end = pd.Timestamp(year=2000 + int(year[-2:]), month=3, day=31)
    if fy_end > coverage[1] or _year_start(fy_end) < coverage[0]:
        latest = pd.Timestamp(year=coverage[1].year - int(coverage[1].month < 3), month=3, day=31)
        if _year_start(latest) < coverage[0]:
            return Calibration(
                year, None, ro3, None, None, None, "The data cover no whole financial year."
            )
        note = (
            f"The data do not cover {year}: modelled spend is for the year to "
            f"{latest:%d %B %Y}, set against RO3 {year}. {note}"
        ).strip()
        fy_end = latest
    fy_start = _year_start(fy_end)
    residential = STATES.parts()["category"].isin(RESIDENTIAL).to_numpy()
    modelled = float(actual_spend(timeline, fy_start, fy_end, costs, origin)[residential].sum())
    child_weeks = float(child_days(timeline, fy_start, fy_end)[residential].sum() / 7)
    return Calibration(
        financial_year=year,
        modelled_gbp=modelled,
        ro3_gbp=ro3,
        ratio=modelled / ro3 if ro3 else None,
        residential_child_weeks=child_weeks,
        implied_weekly_cost=ro3 / child_weeks if ro3 is not None and child_weeks > 0 else None,
        note=note,
    )


def _year_start(year_end: pd.Timestamp) -> pd.Timestamp:
    return year_end - pd.DateOffset(years=1) + pd.Timedelta(days=1)


def check_costs_path(path: Path | None) -> None:
    """Fail early (exit 2) when a costs file given on the command line is not there."""
    if path is not None and not Path(path).is_file():
        raise InputError(f"--costs {path}: no such file.")
