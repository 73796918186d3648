"""Code lists and group names used by the indicators' breakdowns.

Definitions: docs/definitions.md, "Children looked after" and "Care leavers".

Every mapping from SSDA903 codes to the groups a manager reads is a table here, in report order,
so that a council that wants another grouping changes data, not logic. Codes that are not in a
table (blank or unrecognised) fall into the group named in each table's docstring.
"""

from __future__ import annotations

import pandas as pd

from csc_metrics.schemas import ETHNIC_GROUPS

#: Age bands at the reference date: (label, lowest age in completed years), youngest first.
AGE_BANDS: tuple[tuple[str, int], ...] = (
    ("Under 1", 0),
    ("1-4", 1),
    ("5-9", 5),
    ("10-15", 10),
    ("16+", 16),
)
#: Group of a child whose date of birth is not recorded.
AGE_NOT_KNOWN = "Not known"
AGE_BAND_LABELS = [label for label, _ in AGE_BANDS] + [AGE_NOT_KNOWN]

#: Header SEX code -> label; a blank or a child missing from the header is "Unknown".
SEX_LABELS: dict[str, str] = {"M": "Male", "F": "Female", "U": "Unknown"}
SEX_GROUPS = ["Female", "Male", "Unknown"]

#: Ethnicity groups (first letter of ETHNIC, as derived at ingest); a child missing from the
#: header is "Not recorded".
ETHNIC_GROUP_LABELS = list(ETHNIC_GROUPS)
ETHNIC_NOT_RECORDED = "Not recorded"

UASC_GROUPS = ["UASC", "Not UASC"]

PLACEMENT_GROUPS = [
    "Foster: relatives or friends",
    "Foster: own council",
    "Foster: external (IFA)",
    "Children's homes and residential",
    "Supported or independent living",
    "Placed with parents",
    "Placed for adoption",
    "Other",
]
#: Placeholder group for foster care with other carers, split by provider (``FOSTER_BY_PROVIDER``).
FOSTER_OTHER_CARERS = "Foster: other carers"

#: PLACE code -> placement group (definitions.md, "Children looked after"). Blank or
#: unrecognised codes are "Other".
PLACE_TO_GROUP: dict[str, str] = {
    **dict.fromkeys(["U1", "U2", "U3"], "Foster: relatives or friends"),
    **dict.fromkeys(["U4", "U5", "U6"], FOSTER_OTHER_CARERS),
    **dict.fromkeys(["K1", "K2", "R1", "S1"], "Children's homes and residential"),
    **dict.fromkeys(["H5", "P2", "K3"], "Supported or independent living"),
    "P1": "Placed with parents",
    **dict.fromkeys(["A3", "A4", "A5", "A6"], "Placed for adoption"),
    **dict.fromkeys(
        ["P3", "R2", "R3", "R5", "T0", "T1", "T2", "T3", "T4", "Z1", "Z11", "Z12", "Z13", "Z14"],
        "Other",
    ),
}
#: Foster care with other carers, by PLACE_PROVIDER: own-council fostering (PR1) or external
#: (independent fostering agencies, other councils...). Any other provider, or none, is external.
FOSTER_BY_PROVIDER: dict[str, str] = {"PR1": "Foster: own council"}
FOSTER_EXTERNAL = "Foster: external (IFA)"

PROVIDER_GROUPS = [
    "Own council",
    "Other council or public",
    "Private",
    "Voluntary",
    "Parent",
    "None",
]
#: PLACE_PROVIDER code -> provider group (definitions.md, "Children looked after"). Blank or
#: unrecognised codes are "None".
PROVIDER_TO_GROUP: dict[str, str] = {
    "PR1": "Own council",
    "PR2": "Other council or public",
    "PR3": "Other council or public",
    "PR4": "Private",
    "PR5": "Voluntary",
    "PR0": "Parent",
}

#: ``external_residential_pct``: children's homes and residential care run by these providers.
EXTERNAL_RESIDENTIAL_GROUP = "Children's homes and residential"
EXTERNAL_RESIDENTIAL_PROVIDERS = frozenset({"Private", "Voluntary"})

#: PLACE codes of a placement for adoption (long-term stability's adoption clause).
ADOPTION_PLACES = frozenset({"A3", "A4", "A5", "A6"})

# --- Care leavers (definitions.md, "Care leavers") ---------------------------------------------

#: Age at the reference birthday -> band used in the indicator ids.
CARE_LEAVER_BANDS: dict[int, str] = {
    17: "17_18",
    18: "17_18",
    19: "19_21",
    20: "19_21",
    21: "19_21",
}

#: ACTIV codes in education, employment or training in every return.
EET_ACTIVITIES = frozenset({"F1", "P1", "F2", "P2", "F4", "P4", "F5", "P5"})
#: Codes withdrawn in 2021-22 that still count as EET in returns up to this collection year.
EET_ACTIVITIES_BEFORE_2022 = frozenset({"F3", "P3"})
EET_OLD_CODES_LAST_YEAR = 2021
NEET_ACTIVITIES = frozenset({"G4", "G5", "G6"})
#: "0": not in touch and activity not known (blank is treated the same way).
ACTIVITY_UNKNOWN = frozenset({"0"})
#: IN_TOUCH codes excluded from every care-leaver denominator.
CARE_LEAVER_EXCLUDED = frozenset({"DIED", "RHOM"})
IN_TOUCH_YES = "YES"
#: Second character of ACCOM meaning the accommodation is considered suitable.
SUITABLE_DIGIT = "1"

#: ACTIV code -> breakdown group, in report order. Blank is "Not recorded"; any other code is
#: shown as "Unrecognised code".
ACTIVITY_GROUPS: dict[str, str] = {
    "F1": "Full-time higher education (F1)",
    "P1": "Part-time higher education (P1)",
    "F2": "Full-time other education (F2)",
    "P2": "Part-time other education (P2)",
    "F4": "Full-time apprenticeship (F4)",
    "P4": "Part-time apprenticeship (P4)",
    "F5": "Full-time training or employment (F5, formerly F3)",
    "P5": "Part-time training or employment (P5, formerly P3)",
    "F3": "Full-time training or employment (F5, formerly F3)",
    "P3": "Part-time training or employment (P5, formerly P3)",
    "G4": "NEET: illness or disability (G4)",
    "G5": "NEET: other circumstances (G5)",
    "G6": "NEET: pregnancy or parenting (G6)",
    "0": "Not known (0)",
}
#: ACCOM letter -> breakdown group. "0" is not known; blank is "Not recorded".
ACCOMMODATION_GROUPS: dict[str, str] = {
    "B": "With parents or relatives (B)",
    "C": "Community home or residential care (C)",
    "D": "Semi-independent, transitional (D)",
    "E": "Supported lodgings (E)",
    "G": "Gone abroad (G)",
    "H": "Deported (H)",
    "K": "Ordinary lodgings, no formal support (K)",
    "R": "Residence not known (R)",
    "S": "No fixed abode or homeless (S)",
    "T": "Foyers and similar (T)",
    "U": "Independent living (U)",
    "V": "Emergency accommodation (V)",
    "W": "Bed and breakfast (W)",
    "X": "In custody (X)",
    "Y": "Other accommodation (Y)",
    "Z": "With former foster carers (Z)",
    "0": "Not known (0)",
}
#: IN_TOUCH code -> breakdown group (DIED and RHOM are excluded before any breakdown).
IN_TOUCH_GROUPS: dict[str, str] = {
    "YES": "In touch (YES)",
    "NO": "Not in touch (NO)",
    "REFU": "Refuses contact (REFU)",
    "NREQ": "No longer requires services (NREQ)",
}
NOT_RECORDED = "Not recorded"
UNRECOGNISED = "Unrecognised code"


def ordered_groups(mapping: dict[str, str], extra: tuple[str, ...] = ()) -> list[str]:
    """Distinct group names of a code table in first-seen order, then ``extra`` groups."""
    return list(dict.fromkeys([*mapping.values(), *extra]))


def label_codes(codes: pd.Series, mapping: dict[str, str], labels: list[str]) -> pd.Categorical:
    """Map codes to group names as an ordered categorical with every group present.

    Blank codes go to ``NOT_RECORDED`` and codes missing from ``mapping`` to ``UNRECOGNISED``.

    Args:
        codes: Codes (upper-case text, blank allowed).
        mapping: Code -> group.
        labels: All group names in report order (from ``ordered_groups``).

    Returns:
        A categorical aligned with ``codes``.
    """
    labelled = codes.map(mapping)
    labelled = labelled.where(labelled.notna() | codes.isna(), UNRECOGNISED).fillna(NOT_RECORDED)
    return pd.Categorical(labelled, categories=labels)


ACTIVITY_LABELS = ordered_groups(ACTIVITY_GROUPS, (NOT_RECORDED, UNRECOGNISED))
ACCOMMODATION_LABELS = ordered_groups(ACCOMMODATION_GROUPS, (NOT_RECORDED, UNRECOGNISED))
IN_TOUCH_LABELS = ordered_groups(IN_TOUCH_GROUPS, (NOT_RECORDED, UNRECOGNISED))


def age_band(ages: pd.Series) -> pd.Categorical:
    """Age band of each age in completed years (missing or negative age -> "Not known").

    A negative age (a date before the recorded date of birth) is a data error, so it is "Not
    known" rather than left out of every group.

    Args:
        ages: Ages in completed years (float, missing allowed).

    Returns:
        A categorical over ``AGE_BAND_LABELS``.
    """
    edges = [lowest for _, lowest in AGE_BANDS] + [200]
    bands = pd.cut(ages, bins=edges, right=False, labels=[label for label, _ in AGE_BANDS])
    bands = bands.astype("str").where(ages.notna() & (ages >= 0), AGE_NOT_KNOWN)
    return pd.Categorical(bands, categories=AGE_BAND_LABELS)
