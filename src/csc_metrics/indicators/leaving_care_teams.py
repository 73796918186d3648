"""Care leavers' outcomes by the leaving-care team (and personal adviser) they are allocated to.

Annex A List 9 allocates each care leaver to a team and a personal adviser; the SSDA903 OC3
return records their activity, contact and accommodation. Both carry the same pseudonymised
child id (one key pseudonymises every dataset), so joining them gives each leaving-care team its
own young people's EET, in-touch and suitable-accommodation figures for 17-18 and 19-21, beside
the whole service's. Definitions: docs/definitions.md, "Care leavers"; the cohort is
``care_leavers.care_leaver_cohort``'s, the allocation the List 9 rows of the latest caseload
snapshot on or before the reference date.
"""

from __future__ import annotations

import pandas as pd

from csc_metrics.indicators.care_leavers import BANDS
from csc_metrics.indicators.metrics import percentage

#: The case type of Annex A List 9 rows in the processed caseload cases.
CARE_LEAVER_CASE_TYPE = "CARE_LEAVER"
#: What is measured, as (measure, numerator flag of the cohort), all over ``counted``.
TEAM_MEASURES = (
    ("eet", "eet"),
    ("in_touch", "in_touch_yes"),
    ("suitable_accommodation", "suitable_accommodation"),
)
#: The ``team`` of the whole service's rows.
SERVICE = "All care leavers (the service)"
OUTCOME_COLUMNS = ["team", "band", "measure", "numerator", "denominator", "value"]


def care_leaver_allocations(cases: pd.DataFrame, period_end: pd.Timestamp) -> pd.DataFrame:
    """Each care leaver's team and personal adviser at the latest snapshot on or before a date.

    Args:
        cases: Processed caseload cases (``clean_caseload__cases``).
        period_end: The reference date.

    Returns:
        ``child_id``, ``team``, ``worker_id``: one row per child (a child on two List 9 rows
        keeps the first), empty when no snapshot on or before the date has List 9 rows.
    """
    leavers = cases[
        (cases["case_type"] == CARE_LEAVER_CASE_TYPE) & (cases["snapshot_date"] <= period_end)
    ]
    if leavers.empty:
        return pd.DataFrame({"child_id": [], "team": [], "worker_id": []}, dtype="string")
    latest = leavers[leavers["snapshot_date"] == leavers["snapshot_date"].max()]
    return (
        latest[["child_id", "team", "worker_id"]].drop_duplicates("child_id").reset_index(drop=True)
    )


def team_care_leaver_outcomes(cohort: pd.DataFrame, allocations: pd.DataFrame) -> pd.DataFrame:
    """EET, in touch and suitable accommodation by team and age band, and for the service.

    Args:
        cohort: ``care_leavers.care_leaver_cohort`` at the reference date.
        allocations: ``care_leaver_allocations`` at the same date.

    Returns:
        ``OUTCOME_COLUMNS``: for each team with care leavers in the cohort (teams in name order),
        then the service (``SERVICE``, every counted young person, allocated or not), each band
        (``17_18``, ``19_21``) and measure: the numerator, the denominator (young people
        counted) and the percentage. A young person with no List 9 row is in the service's
        figures only.
    """
    counted = cohort[cohort["counted"] & cohort["band"].isin(BANDS)]
    joined = counted.merge(allocations[["child_id", "team"]], on="child_id", how="inner")
    service = counted.assign(team=SERVICE)
    frame = pd.concat([joined, service], ignore_index=True)
    flags = {measure: frame[column].astype(bool) for measure, column in TEAM_MEASURES}
    grouped = (
        frame.assign(denominator=1, **flags)
        .groupby(["team", "band"], observed=True)[["denominator", *flags]]
        .sum()
        .reset_index()
    )
    long = grouped.melt(
        id_vars=["team", "band", "denominator"],
        value_vars=list(flags),
        var_name="measure",
        value_name="numerator",
    )
    long["value"] = percentage(long["numerator"].to_numpy(), long["denominator"].to_numpy())
    order = {measure: n for n, (measure, _) in enumerate(TEAM_MEASURES)}
    long = long.assign(
        _service=long["team"].eq(SERVICE), _measure=long["measure"].map(order)
    ).sort_values(["_service", "team", "band", "_measure"])
    return long[OUTCOME_COLUMNS].reset_index(drop=True)
