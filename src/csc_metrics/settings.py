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
        small_group: Groups with a denominator below this are flagged as small in gap analyses.
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
    small_group: int = 10
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
