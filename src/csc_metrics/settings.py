"""Named settings for every local rule in the indicator definitions.

`docs/definitions.md` marks the choices the public DfE sources leave open as **local rule**; each
one lives here as a named field with its default, so a council can change it in one place
and the reports say which value was used. Nothing else in the package hard-codes these values.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any


@dataclass(frozen=True)
class Settings:
    """Local rules and thresholds used by the indicators.

    Attributes:
        placement_change_rne: RNE codes of a later episode that count as a new placement in the
            3+ placements rule (local rule; definitions.md, "Placement stability and location").
        carer_change_rne: RNE codes that start a new carer for long-term stability.
        temporary_place_codes: PLACE codes of temporary placements, ignored with their return.
        short_break_ls: Legal statuses of short breaks, excluded from every looked-after indicator.
        long_term_care_months: Months of continuous care required for long-term stability.
        same_carer_years: Years with the same carer required for long-term stability.
        metres_per_mile: Conversion used for placement distance.
        distance_threshold_miles: A placement further than this is "over 20 miles".
        distance_unknown_value: A supplied distance with this value means "unknown".
        caseload_threshold: Cases per FTE above which a worker is over the threshold (local
            rule; definitions.md, "Caseloads and the workforce").
        max_cases_per_fte: Workers above this many cases per FTE are probable data errors and are
            listed, not counted (DfE workforce-census practice).
        case_type_priority: Case types in priority order, for a child open under several types.
        newly_qualified_years: A worker qualified less than this many years ago is newly qualified.
        worker_changes_threshold: Children with at least this many social workers in the window
            count in ``worker_changes_12m``.
        suppression_max: Counts from 1 to this value are suppressed as ``c`` when suppression is on.
        spc_short_series: SPC series with fewer points than this get a short-series warning.
        spc_baseline_points: Fix each SPC segment's average and limits on its first this many
            points and judge later points against them; None (the default) sets them on every
            point of the segment (definitions.md, "Baseline length").
        blank_rate_jump_pp: A field's blank rate moving by at least this many percentage points
            between the two quarter ends compared is a data problem that explains the movement
            of the indicators depending on the field (definitions.md, "Data artefacts").
        small_group: Groups with a denominator below this are flagged as small in gap analyses.
        left_care_routes: How children leave care: route name and the REC codes that mean it,
            grouped as the DfE publishes its reasons (adopted E11-E12; special guardianship
            E45-E48, and E43-E44 before 2018-19; residence or child arrangements order E41;
            return home E4A-E4B; to parents, relatives or others without parental
            responsibility E13). Any other reason, or none recorded, is ``other``.
        repeated_event_kept: A child who ceased (or started) more than once in the 12 months
            is counted once, by the ``last`` or the ``first`` occasion (local rule).
        placement_order_ls: Legal statuses that mean a placement order (or, before 2024-25, a
            freeing order) was granted: the start of A2's clock.
        foster_carer_adoption_code: AD1 FOSTER_CARE value of a child adopted by their foster
            carers, whose A10 clock stops when they moved in with those carers.
        adoption_rolling_years: Years of adoptions in the scorecard-style rolling averages.
        adoption_negative_days_as_zero: A stage recorded as ending before it began counts as 0
            days (as the scorecard's A2 does for a match made before the placement order),
            rather than lowering the average (local rule for the other stages).
        adoption_decision_from_ad1: The decision date of an adopted child is AD1's DATE_INT,
            and only where that is blank the latest PlacedAdoption decision standing at the
            adoption (local rule); False uses PlacedAdoption first.
        waiting_band_months: Upper edges, in months since the decision, of the bands of
            children waiting to be placed for adoption (the last band is open-ended).
        waiting_decision_kept: Where a waiting child has several standing decisions, the wait
            is counted from the ``earliest`` or the ``latest`` (local rule).
        permanence_routes: Routes out of care that count as a permanent home in the time to
            permanence (Kaplan-Meier) estimate.
        permanence_other_exits: A child who left care by another route: ``not_permanent``
            keeps them in the estimate as not reaching permanence until the reference date
            (censored there), which gives the share of entrants who left for a permanent home;
            ``censored_at_exit`` censors them when they left (the usual survival convention,
            which estimates time to permanence had they stayed).
        permanence_cohort_years: Entrants to care in this many years to the reference date
            make the time-to-permanence cohort (never before the earliest return held).
        permanence_confidence: Level of the confidence intervals of the estimate.
        previous_permanence_codes: PrevPerm PREV_PERM codes of an earlier adoption (P1),
            special guardianship order (P2) or residence / child arrangements order (P3).
        previous_permanence_unknown: PREV_PERM codes meaning it is not known (P4).
    """

    placement_change_rne: frozenset[str] = frozenset({"S", "P", "B", "T", "U"})
    carer_change_rne: frozenset[str] = frozenset({"S", "P", "B"})
    temporary_place_codes: frozenset[str] = frozenset({"T0", "T1", "T2", "T3", "T4"})
    short_break_ls: frozenset[str] = frozenset({"V3", "V4"})
    long_term_care_months: int = 30
    same_carer_years: int = 2
    metres_per_mile: float = 1609.3
    distance_threshold_miles: float = 20.0
    distance_unknown_value: float = 999.9
    caseload_threshold: float = 20.0
    max_cases_per_fte: float = 50.0
    case_type_priority: tuple[str, ...] = ("CLA", "CP", "CIN", "CARE_LEAVER")
    newly_qualified_years: int = 2
    worker_changes_threshold: int = 3
    suppression_max: int = 5
    spc_short_series: int = 12
    spc_baseline_points: int | None = None
    blank_rate_jump_pp: float = 10.0
    small_group: int = 10
    left_care_routes: tuple[tuple[str, frozenset[str]], ...] = (
        ("adopted", frozenset({"E11", "E12"})),
        ("sgo", frozenset({"E43", "E44", "E45", "E46", "E47", "E48"})),
        ("cao", frozenset({"E41"})),
        ("home", frozenset({"E4A", "E4B"})),
        ("relatives_no_pr", frozenset({"E13"})),
    )
    repeated_event_kept: str = "last"
    placement_order_ls: frozenset[str] = frozenset({"E1", "D1"})
    foster_carer_adoption_code: str = "1"
    adoption_rolling_years: int = 3
    adoption_negative_days_as_zero: bool = True
    adoption_decision_from_ad1: bool = True
    waiting_band_months: tuple[int, ...] = (6, 12, 18, 24)
    waiting_decision_kept: str = "earliest"
    permanence_routes: frozenset[str] = frozenset({"adopted", "sgo", "cao"})
    permanence_other_exits: str = "not_permanent"
    permanence_cohort_years: int = 5
    permanence_confidence: float = 0.95
    previous_permanence_codes: frozenset[str] = frozenset({"P1", "P2", "P3"})
    previous_permanence_unknown: frozenset[str] = frozenset({"P4"})
    extra: dict[str, Any] = field(default_factory=dict)

    def with_overrides(self, **overrides: Any) -> Settings:
        """Return a copy with some settings changed.

        Args:
            **overrides: Setting names and their new values.

        Returns:
            A new ``Settings``.

        Raises:
            ValueError: If a name is not a setting.
        """
        known = {f.name for f in fields(self)}
        unknown = sorted(set(overrides) - known)
        if unknown:
            raise ValueError(f"Unknown setting(s): {', '.join(unknown)}. Known: {sorted(known)}")
        return replace(self, **overrides)


DEFAULT_SETTINGS = Settings()
