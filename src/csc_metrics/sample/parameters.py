"""Calibration of the synthetic county: every rate and mix the simulation draws from.

The figures come from the DfE's published tables for Lancashire (E10000017) and England, as
docs/definitions.md ("The synthetic sample") lists them; where the public figures say nothing
the value is a judgement, marked ASSUMPTION. Each table is data: the simulation only
looks values up here, so recalibrating never means touching the simulation code.

Probabilities in a table need not sum exactly to 1; they are normalised when drawn.
"""

from __future__ import annotations

# --- Scale ------------------------------------------------------------------------------------

#: Children starting a first period of care per year at scale 1. With the durations below this
#: gives a stock of about 2,000 at 31 March (Lancashire 1,699-2,115, 2019-2025) and, with
#: re-entries, about 600 starts a year (Lancashire 517-818).
FIRST_ENTRIES_PER_YEAR = 600.0

#: Child population aged 0-17 (ONS mid-year estimate) of the county at scale 1, by mid-year.
#: 2018-2024 are Lancashire's denominators of the DfE rate per 10,000 (``cla_rate_per_10k``
#: rows for 888 in reference/benchmarks.csv); other years follow the trend of the last three.
POPULATION_0_17 = {
    2018: 246_300,
    2019: 247_443,
    2020: 248_294,
    2021: 249_415,
    2022: 250_615,
    2023: 254_199,
    2024: 257_657,
    2025: 261_392,
}

# --- Who enters care --------------------------------------------------------------------------

#: Age on entry: (lowest age in years, highest age in years, share of first entries).
#: Lancashire 2025 starts: under 1 24%, 1-4 21%, 5-9 18%, 10-15 24%, 16+ 15%.
ENTRY_AGE_BANDS = (
    (0.0, 1.0, 0.23),
    (1.0, 5.0, 0.13),
    (5.0, 10.0, 0.14),
    (10.0, 16.0, 0.31),
    (16.0, 17.85, 0.19),
)

#: Share of first entries aged 14 or over who are unaccompanied asylum-seeking children
#: (Lancashire: 5-9% of all starts).
UASC_SHARE_OF_OLDER_ENTRANTS = 0.16
#: Share of UASC who are boys (England: about 90%).
UASC_MALE_SHARE = 0.92

#: Share of boys among other children (Lancashire 54-56%).
MALE_SHARE = 0.55

#: Ethnicity codes and shares (Lancashire 2024-25: White 84%, Mixed 8%, Asian 5%, Black 2%,
#: Other 1-2%, not known under 1%). Mixed is slightly over-represented among older children in
#: care nationally; the planted equity gap needs enough of them, so older entrants use
#: ``ETHNICITY_OLDER`` (ASSUMPTION, within the national range).
ETHNICITY = {
    "WBRI": 0.790,
    "WIRI": 0.004,
    "WOTH": 0.030,
    "WIRT": 0.006,
    "WROM": 0.006,
    "MWBC": 0.030,
    "MWBA": 0.012,
    "MWAS": 0.022,
    "MOTH": 0.020,
    "AIND": 0.010,
    "APKN": 0.030,
    "ABAN": 0.006,
    "AOTH": 0.006,
    "BCRB": 0.004,
    "BAFR": 0.010,
    "BOTH": 0.004,
    "CHNE": 0.002,
    "OOTH": 0.010,
    "REFU": 0.001,
    "NOBT": 0.004,
}
ETHNICITY_OLDER = {
    **ETHNICITY,
    "WBRI": 0.715,
    "MWBC": 0.060,
    "MWBA": 0.025,
    "MWAS": 0.035,
    "MOTH": 0.030,
}
#: Ethnicity of UASC (mostly Afghan, Sudanese, Eritrean, Iranian, Vietnamese, Albanian young
#: people; England 2024).
ETHNICITY_UASC = {"AOTH": 0.40, "BAFR": 0.30, "OOTH": 0.22, "WOTH": 0.08}

#: Category of need at the start of a period of care (Lancashire 2025: abuse or neglect 69%,
#: family dysfunction 19%, acute stress 5%, absent parenting 3%, disability 2%, other 2%).
CATEGORY_OF_NEED = {
    "N1": 0.69,
    "N5": 0.19,
    "N4": 0.05,
    "N8": 0.02,
    "N2": 0.02,
    "N3": 0.01,
    "N6": 0.015,
    "N7": 0.005,
}

# --- Routes through care ----------------------------------------------------------------------

#: Route of a period of care by age band on entry (rows follow ``ENTRY_AGE_BANDS``). Chosen so
#: that reasons ceased resemble Lancashire 2024 (SGO 17%, planned return home 13%, 18+ stayed
#: with carers 12%, adopted 7%, independent living 8%, CAO 4%, other 30%) and the stock stays
#: level.
ROUTE_BY_AGE_BAND = (
    {"home": 0.22, "adoption": 0.34, "sgo": 0.24, "cao": 0.05, "age18": 0.10, "other": 0.05},
    {"home": 0.30, "adoption": 0.15, "sgo": 0.26, "cao": 0.06, "age18": 0.15, "other": 0.08},
    {"home": 0.36, "adoption": 0.02, "sgo": 0.20, "cao": 0.05, "age18": 0.27, "other": 0.10},
    {"home": 0.27, "adoption": 0.00, "sgo": 0.05, "cao": 0.02, "age18": 0.50, "other": 0.16},
    {"home": 0.19, "adoption": 0.00, "sgo": 0.00, "cao": 0.00, "age18": 0.66, "other": 0.15},
)
#: Routes of UASC: most stay until 18; a few are age-assessed as adults or move on.
ROUTE_UASC = {"age18": 0.86, "other": 0.14}

#: Duration in days of routes that end before 18: (median, lognormal sigma, minimum).
ROUTE_DURATION = {
    "home": (450.0, 1.0, 3.0),
    "sgo": (600.0, 0.45, 150.0),
    "cao": (480.0, 0.5, 120.0),
    "other": (560.0, 1.0, 7.0),
}

#: Probability that a child who went home comes back into care later, and the gap in days.
REENTRY_PROBABILITY = 0.14
REENTRY_GAP_DAYS = (60, 900)

# --- Legal status ----------------------------------------------------------------------------

#: Legal status on entry (Lancashire 2024-25 starts: s20 42-46%, ICO 47-52%, police protection
#: 4-5%, remand about 2%).
LEGAL_STATUS_ON_ENTRY = {"V2": 0.43, "C1": 0.48, "L1": 0.03, "L2": 0.02, "J1": 0.02, "L3": 0.002}
#: Legal status on entry of children whose plan becomes adoption (consent under s20 is rarer).
LEGAL_STATUS_ON_ENTRY_ADOPTION = {"C1": 0.85, "V2": 0.10, "L2": 0.05}
#: Share of children leaving police protection or an EPO who go onto an interim care order
#: (the rest are accommodated under s20), and the share who move placement that day (RNE B).
C1_AFTER_EMERGENCY_SHARE = 0.7
MOVE_AT_EMERGENCY_END_SHARE = 0.5
#: Share of children accommodated under s20 (V2) who later come under an interim care order,
#: and the days until they do.
V2_TO_C1_SHARE = 0.22
V2_TO_C1_DAYS = (30, 300)
#: Days from an interim care order to the final order (care proceedings; 26-week target).
CARE_ORDER_DAYS = (170, 420)
#: Days from entry to the placement order (E1), to placement for adoption, and to the order.
PLACEMENT_ORDER_DAYS = (260, 430)
PLACED_FOR_ADOPTION_DAYS = (45, 240)
ADOPTION_ORDER_DAYS = (140, 330)
#: Days a child stays under police protection or an EPO before an ICO or s20.
EMERGENCY_DAYS = (1, 9)
#: Days on remand before it ends (REC E14) for remanded children on the "other" route.
REMAND_DAYS = (14, 120)

# --- Placements -------------------------------------------------------------------------------

#: Placement kinds: PLACE code, and provider shares. Codes depend on date for supported
#: accommodation (see ``SUPPORTED_ACCOMMODATION``).
PLACEMENT_KINDS = {
    "kinship": ("U3", {"PR1": 1.0}),
    "foster_inhouse": ("U6", {"PR1": 1.0}),
    "foster_ifa": ("U6", {"PR4": 0.88, "PR5": 0.12}),
    "ffa": ("U5", {"PR1": 1.0}),
    "home_la": ("K2", {"PR1": 1.0}),
    "home_external": ("K2", {"PR4": 0.9, "PR5": 0.1}),
    "secure": ("K1", {"PR1": 0.3, "PR2": 0.7}),
    "residential_school": ("S1", {"PR4": 0.6, "PR5": 0.4}),
    "supported": ("H5", {"PR4": 0.6, "PR1": 0.25, "PR5": 0.15}),
    "parents": ("P1", {"PR0": 1.0}),
    "mother_baby": ("R3", {"PR4": 0.6, "PR1": 0.4}),
    "custody": ("R5", {"PR3": 1.0}),
    "health": ("R2", {"PR3": 1.0}),
}

#: Placement kind on entry by age band on entry (rows follow ``ENTRY_AGE_BANDS``). Calibrated
#: so that the stock at 31 March is about 66% fostered (kinship 16%, in-house 30%, IFA 20%),
#: 15-17% in children's homes and residential care (three quarters external), 8% placed with
#: parents, 5% in supported accommodation (definitions.md, "The synthetic sample").
KIND_ON_ENTRY = (
    {
        "kinship": 0.24,
        "foster_inhouse": 0.40,
        "foster_ifa": 0.17,
        "ffa": 0.08,
        "parents": 0.04,
        "mother_baby": 0.07,
    },
    {
        "kinship": 0.27,
        "foster_inhouse": 0.38,
        "foster_ifa": 0.22,
        "parents": 0.10,
        "home_external": 0.02,
        "ffa": 0.01,
    },
    {
        "kinship": 0.24,
        "foster_inhouse": 0.36,
        "foster_ifa": 0.26,
        "parents": 0.07,
        "home_external": 0.05,
        "home_la": 0.02,
    },
    {
        "kinship": 0.14,
        "foster_inhouse": 0.28,
        "foster_ifa": 0.26,
        "parents": 0.05,
        "home_external": 0.17,
        "home_la": 0.05,
        "secure": 0.01,
        "residential_school": 0.02,
        "custody": 0.01,
        "health": 0.01,
    },
    {
        "kinship": 0.07,
        "foster_inhouse": 0.16,
        "foster_ifa": 0.20,
        "parents": 0.02,
        "home_external": 0.20,
        "home_la": 0.04,
        "supported": 0.28,
        "secure": 0.01,
        "custody": 0.01,
        "health": 0.01,
    },
)
#: Placement kind after an unplanned move, by age band at the move: moves in the teenage
#: years escalate towards residential care.
KIND_ON_MOVE = (
    {"kinship": 0.18, "foster_inhouse": 0.46, "foster_ifa": 0.30, "ffa": 0.04, "mother_baby": 0.02},
    {
        "kinship": 0.20,
        "foster_inhouse": 0.44,
        "foster_ifa": 0.32,
        "home_external": 0.02,
        "parents": 0.02,
    },
    {
        "kinship": 0.16,
        "foster_inhouse": 0.38,
        "foster_ifa": 0.34,
        "home_external": 0.08,
        "home_la": 0.02,
        "parents": 0.02,
    },
    {
        "kinship": 0.09,
        "foster_inhouse": 0.26,
        "foster_ifa": 0.26,
        "home_external": 0.26,
        "home_la": 0.07,
        "secure": 0.02,
        "residential_school": 0.02,
        "parents": 0.02,
    },
    {
        "kinship": 0.04,
        "foster_inhouse": 0.11,
        "foster_ifa": 0.15,
        "home_external": 0.26,
        "home_la": 0.05,
        "supported": 0.34,
        "secure": 0.01,
        "custody": 0.02,
        "parents": 0.02,
    },
)
#: Placement kind of unaccompanied children on entry (16-17s mostly in supported accommodation).
KIND_UASC = {"foster_ifa": 0.45, "foster_inhouse": 0.15, "supported": 0.40}

#: Supported accommodation code by start date: H5 (semi-independent, unregistered), P2
#: (independent living, banned from 28 October 2023), K3 (registered supported accommodation,
#: from the 2024-25 collection). (first day as ISO date, {code: share}).
SUPPORTED_ACCOMMODATION = (
    ("1900-01-01", {"H5": 0.80, "P2": 0.20}),
    ("2023-10-28", {"H5": 1.00}),
    ("2024-04-01", {"K3": 1.00}),
)

#: Unplanned placement moves per child-year before the stability step change, and multipliers.
MOVE_RATE = 0.38
#: Multiplier on the move rate in the first days of a period of care (early moves are common).
EARLY_MOVE_MULTIPLIER = 2.6
EARLY_MOVE_DAYS = 120
#: Multiplier by age band at the move (rows follow ``ENTRY_AGE_BANDS``).
MOVE_AGE_MULTIPLIER = (0.6, 0.7, 0.9, 1.45, 1.35)
#: Shape of the gamma frailty that makes some children move much more than others.
MOVE_FRAILTY_SHAPE = 0.55
#: Multiplier on the move rate from the stability step-change date (the planted pattern).
MOVE_RATE_AFTER_STEP = 0.6

#: Planted drift in the placement mix (issue 18): for children aged 10-15, a share of the new
#: placements that would have been with the council's own foster carers or in its own
#: children's homes go to an independent fostering agency or an external children's home
#: instead (in-house carers and beds running short). The share rises in a straight line from 0
#: on ``SampleConfig.placement_drift_start`` to ``PLACEMENT_DRIFT_MAX_SHARE`` over
#: ``PLACEMENT_DRIFT_RAMP_YEARS``, then stays there; the diverted placements are shared between
#: the kinds in ``PLACEMENT_DRIFT_TO``. The stock of 10-15s in IFAs and external homes keeps
#: rising for years after, as earlier placements end.
PLACEMENT_DRIFT_AGES = (10.0, 16.0)
PLACEMENT_DRIFT_FROM = ("foster_inhouse", "home_la")
PLACEMENT_DRIFT_MAX_SHARE = 0.8
PLACEMENT_DRIFT_RAMP_YEARS = 4.0
PLACEMENT_DRIFT_TO = {"foster_ifa": 0.6, "home_external": 0.4}

#: Share of foster placements lasting over a year that become long-term with the same carer
#: (U6 to U4, U3 to U1: RNE T), and the share of those that coincide with the final care order
#: (RNE U).
LONG_TERM_CONVERSION_SHARE = 0.45
LONG_TERM_AT_CARE_ORDER_SHARE = 0.3

#: Share of children going home who first spend time placed with parents (P1), and for how long.
HOME_ON_TRIAL_SHARE = 0.75
HOME_ON_TRIAL_DAYS = (60, 600)
#: Share of children on the "age 18" route who move to supported accommodation at 16-17.
MOVE_TO_SUPPORTED_SHARE = 0.30
#: Share of children leaving by SGO or child arrangements order who first move to relatives
#: (so that the order is to former foster carers who are relatives), and how many days before
#: the order they move.
SGO_KINSHIP_SHARE = 0.65
SGO_KINSHIP_DAYS_BEFORE = (150, 520)
#: Days after the 16th birthday of a planned move to supported accommodation.
SUPPORTED_MOVE_DAYS_AFTER_16 = (180, 650)
#: First placements by plan: fostering for adoption (U5) for children whose plan becomes
#: adoption, relatives for those who will leave by SGO.
FFA_SHARE_OF_ADOPTION = 0.25
KINSHIP_FIRST_SHARE_OF_SGO = 0.45
#: Providers of adoptive placements: the council's own or hosted regional adoption agency
#: (PR1), another council's agency (PR2), a voluntary adoption agency (PR5).
ADOPTION_PROVIDER = {"PR1": 0.55, "PR2": 0.30, "PR5": 0.15}
#: SGOs to relatives who had not fostered the child (E47) against others (E48), and the share
#: of UASC leaving on the "other" route because an age assessment found them to be adults.
SGO_TO_RELATIVES_SHARE = 0.6
UASC_AGE_ASSESSED_SHARE = 0.5

#: Temporary placements (T0-T4) per child-year, their length in days, and code mix.
TEMPORARY_RATE = 0.12
TEMPORARY_DAYS = (1, 12)
TEMPORARY_CODES = {"T0": 0.10, "T1": 0.18, "T2": 0.30, "T3": 0.30, "T4": 0.12}

#: Reason for placement change for unplanned moves (Lancashire 2025 excluding "status change
#: only", which is what a same-carer change records).
REASON_PLACE_CHANGE = {
    "CARPL": 0.20,
    "CREQB": 0.16,
    "CREQO": 0.07,
    "APPRR": 0.08,
    "CHILD": 0.07,
    "OTHER": 0.36,
    "ALLEG": 0.01,
    "STAND": 0.01,
    "CLOSE": 0.02,
    "LAREQ": 0.015,
    "CUSTOD": 0.005,
}

#: Reason a period of care ended by route; age-18 reasons depend on where the young person was
#: living (foster care allows "staying put", E17).
REC_BY_ROUTE = {
    "adoption": {"E11": 0.4, "E12": 0.6},
    "cao": {"E41": 1.0},
    "home": {"E4A": 0.66, "E4B": 0.12, "E13": 0.22},
    "other": {
        "E8": 0.62,
        "E3": 0.10,
        "E16": 0.05,
        "E7": 0.02,
        "E2": 0.01,
        "E9": 0.04,
        "E5": 0.10,
        "E6": 0.06,
    },
    "age18_foster": {"E17": 0.62, "E5": 0.14, "E8": 0.15, "E4A": 0.05, "E7": 0.02, "E6": 0.02},
    "age18_other": {"E5": 0.46, "E6": 0.10, "E8": 0.34, "E4A": 0.05, "E7": 0.05},
}
#: Ages below which the "other" reasons are implausible: E5/E6 (independent living) need 16,
#: E9 (custody) needs 12; younger children get E8 instead.
REC_MIN_AGE = {"E5": 16.0, "E6": 16.0, "E9": 12.0, "E16": 0.0}

#: Shares of children with a disability, of young women in care who become mothers, and of
#: unknown-UPN codes (UN4 newly looked after, UN5 source discrepancies).
DISABILITY_SHARE = 0.07
MOTHER_SHARE = 0.05
UPN_UNKNOWN_SHARE = 0.01

# --- Short breaks ----------------------------------------------------------------------------

#: Children on an agreed series of short breaks (V3 individual episodes, V4 agreement episodes)
#: at any time, at scale 1 (ASSUMPTION: about 3% of the looked-after population).
SHORT_BREAK_CHILDREN = 60
SHORT_BREAK_V4_SHARE = 0.3
#: Share of short breaks with a family-link foster carer (the rest in a council short-break
#: unit).
SHORT_BREAK_FAMILY_LINK_SHARE = 0.4
#: Days between breaks and nights per break (V3); at most 75 days a year (validator rule 367).
SHORT_BREAK_GAP_DAYS = (18, 45)
SHORT_BREAK_NIGHTS = (1, 4)
#: Length of a short-break agreement in days.
SHORT_BREAK_AGREEMENT_DAYS = (360, 1800)

# --- Missing from placement -------------------------------------------------------------------

#: Missing (M) or away (A) episodes per child-year by placement group, for children 11 and over.
MISSING_RATE = {"residential": 2.2, "supported": 1.5, "foster": 0.35, "other": 0.3}
MISSING_AWAY_SHARE = 0.3
MISSING_DAYS = (0, 4)

# --- Placement location ----------------------------------------------------------------------

#: Where a placement is, by placement kind: (share in the child's own district, share elsewhere
#: in the same area of the county, share elsewhere in the county, share outside the county).
#: External children's homes are mostly out of county (the planted pattern: out-of-county
#: placements are concentrated in external residential care; NAO 2024: 67% of children in
#: children's homes are outside their council).
LOCATION_BY_KIND = {
    "kinship": (0.62, 0.18, 0.12, 0.08),
    "foster_inhouse": (0.52, 0.28, 0.18, 0.02),
    "foster_ifa": (0.36, 0.30, 0.24, 0.10),
    "ffa": (0.30, 0.30, 0.30, 0.10),
    "home_la": (0.25, 0.30, 0.45, 0.00),
    "home_external": (0.04, 0.06, 0.12, 0.78),
    "secure": (0.0, 0.0, 0.0, 1.0),
    "residential_school": (0.05, 0.05, 0.20, 0.70),
    "supported": (0.40, 0.25, 0.18, 0.17),
    "mother_baby": (0.20, 0.20, 0.30, 0.30),
    "custody": (0.0, 0.0, 0.0, 1.0),
    "health": (0.30, 0.30, 0.25, 0.15),
    "adoption": (0.15, 0.15, 0.25, 0.45),
    "temporary": (0.30, 0.20, 0.20, 0.30),
}
#: Share of placement postcodes left blank (confidential placements, e.g. refuges).
CONFIDENTIAL_PLACEMENT_SHARE = 0.008
#: Share of placement postcodes outside England, Wales or the lookup (Scotland), so unknown.
UNMATCHED_PLACEMENT_SHARE = 0.006
#: Share of children whose home postcode is outside the county, and blank (no fixed abode).
HOME_OUTSIDE_COUNTY_SHARE = 0.03
HOME_BLANK_SHARE = 0.006

# --- Care leavers ---------------------------------------------------------------------------

#: Activity of care leavers at their 17th-18th and 19th-21st birthdays, as shares of those in
#: touch (Lancashire 2025: 17-18 EET 62%: HE 3, other education 39, training or employment 17,
#: apprenticeship 3; 19-21 EET 48%: HE 6, other education 14, training or employment 26,
#: apprenticeship 2; NEET illness 12, pregnancy or parenting 5, other 33).
ACTIVITY_17_18 = {
    "F1": 0.03,
    "P1": 0.005,
    "F2": 0.28,
    "P2": 0.05,
    "F4": 0.03,
    "P4": 0.003,
    "F5": 0.12,
    "P5": 0.06,
    "G4": 0.09,
    "G5": 0.23,
    "G6": 0.04,
}
ACTIVITY_19_21 = {
    "F1": 0.055,
    "P1": 0.008,
    "F2": 0.11,
    "P2": 0.035,
    "F4": 0.02,
    "P4": 0.002,
    "F5": 0.22,
    "P5": 0.09,
    "G4": 0.125,
    "G5": 0.325,
    "G6": 0.05,
}
#: Spread of the young person's own tendency to be in education, employment or training (on
#: the log-odds scale), which makes a young person's activity persist from year to year.
EET_PERSISTENCE_SD = 0.8
#: Log-odds shifts of EET for the planted patterns. The 19-21 decline grows linearly over the
#: last 18 months of reference birthdays to ``EET_DECLINE_LOG_ODDS`` (about 48% to 30%);
#: young people of the Mixed group are less often EET throughout (about 48% against 10%).
EET_DECLINE_LOG_ODDS = -1.35
EET_EQUITY_GROUP = "Mixed"
EET_EQUITY_LOG_ODDS = -2.3

#: Contact with care leavers (IN_TOUCH) by age band (Lancashire: about 98% activity known).
IN_TOUCH_17_18 = {
    "YES": 0.955,
    "NO": 0.010,
    "REFU": 0.005,
    "NREQ": 0.005,
    "RHOM": 0.022,
    "DIED": 0.003,
}
IN_TOUCH_19_21 = {
    "YES": 0.915,
    "NO": 0.020,
    "REFU": 0.010,
    "NREQ": 0.030,
    "RHOM": 0.022,
    "DIED": 0.003,
}
#: Share of young people not in touch whose activity is still known from a third party.
ACTIVITY_KNOWN_WHEN_NOT_IN_TOUCH = 0.25

#: Accommodation letter by age band (Z, with former foster carers, is not allowed at 17).
ACCOMMODATION_17 = {"B": 0.18, "C": 0.12, "D": 0.46, "E": 0.12, "U": 0.06, "K": 0.03, "Y": 0.03}
ACCOMMODATION_18 = {
    "B": 0.14,
    "C": 0.04,
    "D": 0.34,
    "E": 0.08,
    "U": 0.10,
    "Z": 0.25,
    "T": 0.02,
    "K": 0.03,
}
ACCOMMODATION_19_21 = {
    "B": 0.15,
    "C": 0.02,
    "D": 0.17,
    "E": 0.04,
    "U": 0.42,
    "Z": 0.06,
    "T": 0.04,
    "K": 0.04,
    "S": 0.02,
    "X": 0.015,
    "V": 0.01,
    "W": 0.005,
    "R": 0.005,
    "G": 0.005,
    "Y": 0.01,
}
#: Share of accommodation considered suitable (Lancashire 2025: 94% at 17-18, 92% at 19-21 of
#: all, including not known); homelessness (S) and custody (X) are always unsuitable.
SUITABLE_17_18 = 0.965
SUITABLE_19_21 = 0.945

# --- Caseloads and workforce ------------------------------------------------------------------

#: Children in need (not on a plan, not looked after) and children on child protection plans
#: open at any time, at scale 1 (ASSUMPTION, sized so that about 250 case-holding social
#: workers hold about 15 cases per FTE; definitions.md, "The synthetic sample").
CIN_OPEN = 900
CP_OPEN = 620
#: Mean length of a CIN episode and of a CP plan in days.
CIN_MEAN_DAYS = 260
CP_MEAN_DAYS = 300
#: Share of children starting care who had a child protection plan before, when it started
#: (days before entry), and how long after entry the plan ends.
CP_BEFORE_CARE_SHARE = 0.42
CP_STARTS_BEFORE_ENTRY_DAYS = (45, 420)
CP_ENDS_AFTER_ENTRY_DAYS = (0, 50)
#: Days a CIN episode opens before a plan starts, and stays open after it ends.
CIN_BEFORE_PLAN_DAYS = (20, 90)
CIN_AFTER_PLAN_DAYS = (30, 220)
#: Shares of children in need with a disability (besides need code N2), of plans whose latest
#: category of abuse is the initial one, of plans after an EPO or police protection, and of
#: disabled children looked after who are held by the disabilities team.
CIN_DISABILITY_SHARE = 0.04
CP_SAME_CATEGORY_SHARE = 0.85
CP_EMERGENCY_SHARE = 0.04
DISABLED_CLA_WITH_CWD_TEAM_SHARE = 0.5
#: Categories of abuse on a plan (England 2024: neglect 53%, emotional 36%, physical 6%,
#: sexual 4%, multiple 1%... Annex A option values).
CATEGORY_OF_ABUSE = {
    "a) Neglect": 0.52,
    "b) Physical abuse": 0.07,
    "c) Sexual abuse": 0.04,
    "d) Emotional abuse": 0.34,
    "e) Multiple/not recommended": 0.03,
}
CIN_PRIMARY_NEED = {
    "N1 - Abuse or neglect": 0.52,
    "N2 - Child's disability": 0.11,
    "N3 - Parental disability or illness": 0.04,
    "N4 - Family in acute stress": 0.09,
    "N5 - Family dysfunction": 0.17,
    "N6 - Socially unacceptable behaviour": 0.03,
    "N7 - Low income": 0.005,
    "N8 - Absent parenting": 0.02,
    "N9 - Cases other than children in need": 0.015,
}
CIN_CLOSURE_REASON = {
    "RC7 - Services ceased for any other reason, including child no longer in need": 0.62,
    "RC8 - Case closed after assessment, no further action": 0.14,
    "RC9 - Case closed after assessment, referred to early help": 0.16,
    "RC5 - Transferred to services of another local authority": 0.05,
    "RC4 - Special guardianship order": 0.015,
    "RC3 - Child arrangements order": 0.015,
}

#: Cases per FTE a team is staffed for (the county average is about 15).
TARGET_CASES_PER_FTE = {"safeguarding": 16.5, "cla": 16.0, "cwd": 15.0, "leaving_care": 19.0}
#: FTE mix of workers (shares of 1.0, 0.8, 0.6 and 0.5 FTE).
FTE_MIX = {1.0: 0.80, 0.8: 0.11, 0.6: 0.06, 0.5: 0.03}
#: Share of agency workers among those in post at the start (Lancashire 2023-2025: 4-5% of
#: FTE) and among new starters (higher, because agency workers stay months, not years).
AGENCY_SHARE = 0.045
AGENCY_SHARE_OF_STARTERS = 0.3
#: Mean years in post of permanent and agency workers (turnover about 10-13% a year).
PERMANENT_TENURE_YEARS = 12.0
AGENCY_TENURE_YEARS = 0.9
#: Probability that a post stays empty for a while after a worker leaves, and for how long.
VACANCY_AFTER_LEAVING = 0.55
VACANCY_DAYS = (20, 200)
#: Share of funded posts that are vacant throughout (Lancashire vacancy 3% in 2025).
LONG_TERM_VACANT_SHARE = 0.02
#: Share of new starters who are newly qualified.
NEWLY_QUALIFIED_SHARE_OF_STARTERS = 0.3
#: Case reallocations within a team per case-year (the reasons below), besides a worker leaving.
REALLOCATION_RATE = 0.55
REALLOCATION_REASON = {
    "MANAGE": 0.42,
    "ABSENC": 0.14,
    "ORGRST": 0.06,
    "CHCHAN": 0.05,
    "PCCHAN": 0.05,
    "OTHERS": 0.25,
    "SWDIED": 0.0005,
}
#: Days a new case may wait for a worker, and the share of new cases that wait at all.
UNALLOCATED_SHARE = 0.12
UNALLOCATED_DAYS = (1, 40)
#: Days a newly looked-after child stays with the safeguarding team before transfer to a CLA
#: team, and the days of involvement before entry that social-worker episodes show.
TRANSFER_TO_CLA_TEAM_DAYS = (20, 140)
PRE_CARE_INVOLVEMENT_DAYS = (30, 270)
#: Caseload growth of the planted rising team over its eight quarters (share of its starting
#: cases added each quarter).
RISING_TEAM_GROWTH_PER_QUARTER = 0.06
