"""Care leavers aged 17-18 and 19-21: cohort, activity, contact and accommodation (spec §3).

The cohort at a reference date R is every OC3 row whose reference birthday (the 17th-21st
birthday inside the collection year of its file) falls in the 12 months to R. Young people who
died or returned home (IN_TOUCH DIED, RHOM) leave every denominator; rows whose age at the
reference birthday is outside 17-21, or whose date of birth is missing, are data-quality errors
and are left out, and ``care_leaver_data_issues`` lists them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from csc_metrics.dates import parse_period_end
from csc_metrics.indicators.metrics import IndicatorSpec, summarise
from csc_metrics.indicators.placements import as_inputs
from csc_metrics.indicators.prepare import IndicatorInputs, window_start
from csc_metrics.quality import DQ_COLUMNS
from csc_metrics.quality_rules import severity
from csc_metrics.schemas import DataQualityIssues
from csc_metrics.settings import DEFAULT_SETTINGS, Settings
from csc_metrics.storage import ProcessedData

BANDS = ("17_18", "19_21")
GROUP_BREAKDOWNS = ("sex", "ethnic_group", "uasc", "accommodation")
COUNT_BREAKDOWNS = ("activity", "accommodation", "in_touch", "sex", "ethnic_group", "uasc")

COHORT_COLUMNS = [
    "child_id",
    "collection_year",
    "source_file",
    "source_row",
    "reference_age",
    "band",
    "in_touch",
    "activ",
    "accom",
    "excluded_reason",
    "sex",
    "ethnic_group",
    "uasc",
    "activity",
    "accommodation",
    "in_touch_group",
    "counted",
    "eet",
    "neet",
    "activity_unknown",
    "in_touch_yes",
    "suitable_accommodation",
]


def band_specs(band: str) -> tuple[IndicatorSpec, ...]:
    """The six indicators of one age band (``17_18`` or ``19_21``)."""
    prefix = f"care_leavers_{band}"
    return (
        IndicatorSpec(f"{prefix}_count", "counted", breakdowns=COUNT_BREAKDOWNS),
        IndicatorSpec(f"{prefix}_eet_pct", "eet", "counted", breakdowns=GROUP_BREAKDOWNS),
        IndicatorSpec(f"{prefix}_neet_pct", "neet", "counted", breakdowns=GROUP_BREAKDOWNS),
        IndicatorSpec(
            f"{prefix}_activity_unknown_pct",
            "activity_unknown",
            "counted",
            breakdowns=GROUP_BREAKDOWNS,
        ),
        IndicatorSpec(
            f"{prefix}_in_touch_pct", "in_touch_yes", "counted", breakdowns=GROUP_BREAKDOWNS
        ),
        IndicatorSpec(
            f"{prefix}_suitable_accommodation_pct",
            "suitable_accommodation",
            "counted",
            breakdowns=GROUP_BREAKDOWNS,
        ),
    )


def _rows_in_window(inputs: IndicatorInputs, period_end: pd.Timestamp) -> pd.DataFrame:
    rows = inputs.care_leavers
    return rows[rows["reference_birthday"].between(window_start(period_end), period_end)]


def care_leaver_cohort(
    source: ProcessedData | IndicatorInputs,
    period_end: str | pd.Timestamp,
    settings: Settings = DEFAULT_SETTINGS,
) -> pd.DataFrame:
    """Every OC3 row whose reference birthday is in the 12 months to ``period_end``.

    Rows that are left out of the indicators stay in this table with ``counted`` false and an
    ``excluded_reason`` (died, returned home, or age outside 17-21), so a report can show them.

    Args:
        source: Processed data or prepared inputs.
        period_end: The reference date R.
        settings: Local rules (when ``source`` is processed data).

    Returns:
        A frame with ``COHORT_COLUMNS``: ``child_id`` is the pseudonym; ``band`` is ``17_18``,
        ``19_21`` or missing; group columns are categoricals; ``counted`` and the indicator
        flags are booleans.
    """
    inputs = as_inputs(source, settings)
    period_end = parse_period_end(period_end)
    return _rows_in_window(inputs, period_end)[COHORT_COLUMNS].reset_index(drop=True)


def care_leaver_indicators(
    source: ProcessedData | IndicatorInputs,
    period_end: str | pd.Timestamp,
    settings: Settings = DEFAULT_SETTINGS,
) -> pd.DataFrame:
    """Every §3 indicator for both age bands at ``period_end``, with breakdowns.

    Args:
        source: Processed data or prepared inputs.
        period_end: The reference date R.
        settings: Local rules (when ``source`` is processed data).

    Returns:
        Metric-table rows (not yet validated), 17-18 first.
    """
    return care_leaver_indicator_series(source, [period_end], settings)


def care_leaver_indicator_series(
    source: ProcessedData | IndicatorInputs,
    period_ends: Sequence[str | pd.Timestamp],
    settings: Settings = DEFAULT_SETTINGS,
) -> pd.DataFrame:
    """``care_leaver_indicators`` at several reference dates, counted all at once.

    Args:
        source: Processed data or prepared inputs.
        period_ends: The reference dates, in the order wanted.
        settings: Local rules (when ``source`` is processed data).

    Returns:
        Metric-table rows (not yet validated): the 17-18 band at every date, then 19-21.
    """
    inputs = as_inputs(source, settings)
    dates = [parse_period_end(d) for d in period_ends]
    rows = inputs.care_leavers
    birthday = rows["reference_birthday"].to_numpy()
    in_window = [
        np.flatnonzero(
            (birthday >= np.datetime64(window_start(d))) & (birthday <= np.datetime64(d))
        )
        for d in dates
    ]
    positions = np.repeat(np.arange(len(dates)), [len(w) for w in in_window])
    cohort = rows.iloc[np.concatenate(in_window)][COHORT_COLUMNS].rename(
        columns={"in_touch": "in_touch_code", "in_touch_group": "in_touch"}
    )
    parts = []
    for band in BANDS:
        in_band = cohort["band"].eq(band).to_numpy()
        parts.append(summarise(cohort[in_band], band_specs(band), dates, positions[in_band]))
    return pd.concat(parts, ignore_index=True)


def care_leaver_data_issues(
    source: ProcessedData | IndicatorInputs,
    period_end: str | pd.Timestamp,
    settings: Settings = DEFAULT_SETTINGS,
) -> pd.DataFrame:
    """OC3 rows left out of the care-leaver indicators at ``period_end`` as data-quality errors.

    Two rules: the age at the reference birthday is outside 17-21 (the row's reference birthday
    is in the window); the date of birth is missing in OC3 and the header (the row's collection
    year ends in the window), so no reference birthday can be worked out.

    Args:
        source: Processed data or prepared inputs.
        period_end: The reference date R.
        settings: Local rules (when ``source`` is processed data).

    Returns:
        A ``DataQualityIssues`` table (child ids are pseudonyms; no date of birth is shown).
    """
    inputs = as_inputs(source, settings)
    period_end = parse_period_end(period_end)
    in_window = _rows_in_window(inputs, period_end)
    bad_age = in_window[in_window["band"].isna()]
    rows = inputs.care_leavers
    year_end = pd.to_datetime(rows["collection_year"].astype("str") + "-03-31")
    no_dob = rows[rows["dob"].isna() & year_end.between(window_start(period_end), period_end)]
    parts = [
        pd.DataFrame(
            {
                "file": bad_age["source_file"],
                "row": bad_age["source_row"],
                "child_id": bad_age["child_id"],
                "column": "DOB",
                "value": bad_age["reference_age"].astype(int).astype("str"),
                "rule": "care_leaver_age_outside_17_21",
                "message": "OC3 row whose age at the birthday in its collection year is "
                + bad_age["reference_age"].astype(int).astype("str")
                + ": only ages 17 to 21 belong in the care-leaver cohort, so it is left out",
            }
        ),
        pd.DataFrame(
            {
                "file": no_dob["source_file"],
                "row": no_dob["source_row"],
                "child_id": no_dob["child_id"],
                "column": "DOB",
                "value": pd.Series(pd.NA, index=no_dob.index, dtype="str"),
                "rule": "care_leaver_dob_missing",
                "message": "OC3 row without a date of birth (in OC3 or the header): its "
                "reference birthday and age band cannot be worked out, so it is left out",
            }
        ),
    ]
    issues = pd.concat(parts, ignore_index=True)
    issues["dataset"] = "ssda903"
    issues["table"] = "oc3"
    issues["severity"] = issues["rule"].map(severity)
    issues["row"] = pd.array(issues["row"], dtype="Int64")
    return DataQualityIssues.validate(issues[DQ_COLUMNS].astype({"value": "str"}))
