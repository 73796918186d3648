"""Caseload snapshots: Ofsted Annex A Lists 6-9 (or cases.csv), workforce and establishment.

Each list is built for one snapshot date from the same histories as the SSDA903 returns, so a
child on List 8 has the placement the Episodes file shows on that day, and a young person on
List 9 has the contact, activity and accommodation of their latest OC3 row. Rows closed in the
six months before the snapshot (a CIN closure, plan end or date ceased on or before it) are
included with their closure date, as Ofsted asks. Option values carry the template's prefixes
("a) Male", "f) U6: Foster placement - not FFA").

The lists are written as workbooks by ``sample.workbook``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from csc_metrics.sample import parameters as p
from csc_metrics.sample.allocation import allocation_at, child_key
from csc_metrics.sample.care import CareHistory
from csc_metrics.sample.caseload import Service
from csc_metrics.sample.config import add_years, completed_years, component_rng
from csc_metrics.sample.draws import choose, uniform_int
from csc_metrics.sample.geography import Geography
from csc_metrics.sample.writer import format_days, to_dates

_YEAR = 365.25
#: A blank cell as numpy's ``where`` accepts it (an object array holding None).
BLANK = np.array(None, dtype=object)
_RECENT_DAYS = 182
COMMON = ["Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age"]
DISABILITY = "Does the Child have a Disability"
TEAM, WORKER = "Allocated Team", "Allocated Worker"
LIST_6 = [
    *COMMON,
    DISABILITY,
    "CIN Start Date",
    "Primary Need Code",
    "Date Child Was Last Seen",
    "CIN Closure Date",
    "Reason for Closure",
    "Case Status",
    TEAM,
    WORKER,
]
LIST_7 = [
    *COMMON,
    DISABILITY,
    "Child Protection Plan Start Date",
    "Initial Category of Abuse",
    "Latest Category of Abuse",
    "Date of the Last Statutory Visit",
    "Was the Child Seen Alone?",
    "Date of latest review conference",
    "Child Protection Plan End Date",
    "Subject to Emergency Protection Order or Protected Under Police Powers in Last Six "
    "Months (Y/N)",
    "Number of Previous Child Protection Plans",
    TEAM,
    WORKER,
]
LIST_8 = [
    *COMMON,
    "Unaccompanied Asylum Seeking Child (UASC) within the Last 12 Months (Y/N)",
    DISABILITY,
    "Date Started to be Looked After",
    "Child's Category of Need",
    "Is this a second or subsequent period of being a Looked After Child within the last 12 "
    "months (Y/N)",
    "Start date of current legal status",
    "Child's Legal Status",
    "Date of Latest Statutory Review",
    "Date of Last Social Work Visit",
    "What is the permanence plan for this child?",
    "Date of Last IRO Visit / Contact to the Child",
    "Date of Last Health Assessment",
    "Date of Last Dental Check",
    "Number of Placements in the Last 12 months",
    "Date Ceased to be Looked After",
    "Reason Ceased to be Looked After",
    "Start Date of Most Recent Placement",
    "Placement Type",
    "Placement Provider",
    "Placement postcode",
    "URN of Placement",
    "Placement Location",
    "LA of Placement",
    "Number of Episodes the Child has been 'Missing' from their Placement in the last 12 months",
    "Number of Episodes the Child has been 'Absent' from their Placement in the last 12 months",
    "Was the child offered a Return Interview after their last missing episode (Y/N)?",
    "Did the child accept a Return Interview after their last missing episode (Y/N)?",
    TEAM,
    WORKER,
]
LIST_9 = [
    *COMMON,
    DISABILITY,
    TEAM,
    WORKER,
    "Eligibility Category",
    "LA in Touch",
    "Type of Accommodation",
    "Suitability of Accommodation",
    "Activity Status",
]
LIST_COLUMNS = {"List 6": LIST_6, "List 7": LIST_7, "List 8": LIST_8, "List 9": LIST_9}

# --- Option values of the Ofsted template (liia-tools Annex A schema) -------------------------

GENDER = {"M": "a) Male", "F": "b) Female"}
ETHNICITY = {
    "WBRI": "a) WBRI",
    "WIRI": "b) WIRI",
    "WIRT": "c) WIRT",
    "WOTH": "d) WOTH",
    "WROM": "e) WROM",
    "MWBC": "f) MWBC",
    "MWBA": "g) MWBA",
    "MWAS": "h) MWAS",
    "MOTH": "i) MOTH",
    "AIND": "j) AIND",
    "APKN": "k) APKN",
    "ABAN": "l) ABAN",
    "AOTH": "m) AOTH",
    "BCRB": "n) BCRB",
    "BAFR": "o) BAFR",
    "BOTH": "p) BOTH",
    "CHNE": "q) CHNE",
    "OOTH": "r) OOTH",
    "REFU": "s) REFU",
    "NOBT": "s) NOBT",
}
YES_NO = {True: "a) Yes", False: "b) No"}
NEED = {
    "N1": "N1 - Abuse or neglect",
    "N2": "N2 - Child's disability",
    "N3": "N3 - Parental disability or illness",
    "N4": "N4 - Family in acute stress",
    "N5": "N5 - Family dysfunction",
    "N6": "N6 - Socially unacceptable behaviour",
    "N7": "N7 - Low income",
    "N8": "N8 - Absent parenting",
}
LEGAL_STATUS = {
    "C1": "C1: ICO",
    "C2": "C2: FCO",
    "D1": "D1: Freeing order",
    "E1": "E1: Placement order",
    "V2": "V2: Single period under S20",
    "L1": "L1: Police protection LA accommodation",
    "L2": "L2: EPO",
    "L3": "L3: Child assessment order LA accommodation",
    "J1": "J1: Remanded to LA or youth detention",
    "J2": "J2: LA accommodation under PACE",
    "J3": "J3: Youth rehabilitation order",
}
PLACEMENT_TYPE = {
    "U1": "a) U1: Foster placement - relatives - long term",
    "U2": "b) U2: Foster placement - relative - FFA",
    "U3": "c) U3: Foster placement - relative - not FFA",
    "U4": "d) U4: Foster placement - long term",
    "U5": "e) U5: Foster placement - FFA",
    "U6": "f) U6: Foster placement - not FFA",
    "A3": "g) A3: Placed for adoption - consent - current foster",
    "A4": "h) A4: Placed for adoption - consent - not foster",
    "A5": "i) A5: Placed for adoption - order - foster",
    "A6": "j) A6: Placed for adoption - order - not foster",
    "P1": "k) P1: Placed with parents",
    "P2": "l) P2: Independent living",
    "P3": "m) P3: Residential employment",
    "H5": "n) H5: Residential accommodation",
    "K1": "o) K1: Secure Children's Homes",
    "K2": "p) K2: Children's Homes",
    "K3": "p1) K3: Registered supported accommodation",
    "R1": "q) R1: Residential Care Home",
    "R2": "r) R2: NHS/Health Trust",
    "R3": "s) R3: Family Centre or Mother and Baby Unit",
    "R5": "t) R5: Young Offender Institution",
    "S1": "u) S1: Residential school",
    "Z1": "v) Z1: Other placements",
    "T0": "w) T0: Temporary placement",
    "T1": "x) T1: Temporary placement - hospital",
    "T2": "y) T2: Temporary placement - holiday",
    "T3": "z) T3: Temporary placement - carer holiday",
    "T4": "zz) T4: Temporary placement - seven days or less",
}
PROVIDER = {
    "PR0": "a) PR0 - Parents/Parental responsibility",
    "PR1": "b) PR1 - Own provision",
    "PR2": "c) PR2 - Other LA provision",
    "PR3": "d) PR3 - Other public provision",
    "PR4": "e) PR4 - Private provision",
    "PR5": "f) PR5 - Voluntary/third sector",
}
REASON_CEASED = {
    "E11": "a) E11: Adopted - application unopposed",
    "E12": "b) E12: Adopted - consent dispensed",
    "E2": "c) E2: Died",
    "E3": "d) E3: Care taken by another LA",
    "E4A": "e) E4A: Returned home to live with parents or relatives - part of planning",
    "E4B": "f) E4B: Returned home to live with parents or relatives - not part of planning",
    "E13": "g) E13: Parents, relatives or other with no parental responsibility",
    "E41": "h) E41: Residence order granted",
    "E45": "i) E45: Special Guardianship Orders - former carer relative/friend",
    "E46": "j) E46: Special Guardianship Orders - former carer other",
    "E47": "k) E47: Special Guardianship Orders - relative/friend",
    "E48": "l) E48: Special Guardianship Orders - other",
    "E5": "m) E5: Moved into independent living - supported",
    "E6": "n) E6: Moved into independent living - no support",
    "E7": "o) E7: Transferred to residential care funded by adult social services",
    "E9": "p) E9: Sentenced to custody",
    "E14": "q) E14: Accommodation on remand ended",
    "E15": "r) E15: Age assessment determined child was 18 or over",
    "E16": "s) E16: Child moved abroad",
    "E8": "t) E8: Care ceased for any other reason",
    "E17": "v) E17: Aged 18+ and remained with current carers",
}
PERMANENCE_PLAN = {
    "home": "a) Return to family",
    "adoption": "b) Adoption",
    "sgo": "c) SGO/CAO",
    "cao": "c) SGO/CAO",
    "other": "g) other",
}
IN_TOUCH = {
    "YES": "a) Yes",
    "NO": "b) No",
    "DIED": "c) Died",
    "REFU": "d) Refu",
    "NREQ": "e) NREQ",
    "RHOM": "f) Rhom",
}
ACCOMMODATION = {
    "B": "B: Parents/relatives",
    "C": "C: Community home/residential care",
    "D": "D: Semi-independent, transitional accommodation and self-contained accommodation",
    "E": "E: Supported lodgings",
    "G": "G: Abroad",
    "H": "H: Deported",
    "K": "K: Ordinary lodgings, without formal support",
    "R": "R: Residence not known",
    "S": "S: No fixed adobe/homeless",
    "T": "T: Foyers and similar supported accommodation",
    "U": "U: Independent living",
    "V": "V: Emergency accommodation",
    "W": "W: Bed and breakfast",
    "X": "X: In custody",
    "Y": "Y: Other accommodation",
    "Z": "Z: With former foster carers",
}
SUITABILITY = {"1": "a) Suitable", "2": "b) Unsuitable"}
ACTIVITY = {
    "F1": "F1: Full time in higher education",
    "P1": "P1: Part time in higher education",
    "F2": "F2: Full time in education other than higher",
    "P2": "P2: Part time in education other than higher",
    "F4": "F4: Young person engaged full time in an apprenticeship",
    "P4": "P4: Young person engaged part time in an apprenticeship",
    "F5": "F5: Young person engaged full time in training or employment (not apprenticeship)",
    "P5": "P5: Young person engaged part time in training or employment (not apprenticeship)",
    "G4": "G4: Not in education, employment or training - illness or disability",
    "G5": "G5: Not in education, employment or training - other",
    "G6": "G6: Not in education, employment or training - pregnancy or parenting",
}


@dataclass
class SnapshotInputs:
    """Everything a snapshot is cut from (build with :func:`snapshot_inputs`)."""

    history: CareHistory
    service: Service
    oc3: pd.DataFrame
    child_ids: np.ndarray
    geography: Geography
    seed: int
    people: pd.DataFrame
    care_episodes: pd.DataFrame
    placement_keys: np.ndarray
    missing_keys: dict[str, np.ndarray]


def snapshot_inputs(
    history: CareHistory,
    service: Service,
    oc3: pd.DataFrame,
    child_ids: np.ndarray,
    geography: Geography,
    seed: int,
) -> SnapshotInputs:
    """Collect the inputs of every snapshot, with the look-up tables computed once.

    The tables every snapshot reads keep their text coded (``_coded_text``).
    """
    people = (
        pd.concat([history.children, service.extra_children], ignore_index=True)
        .set_index("child")
        .sort_index()
    )
    oc3 = oc3.sort_values(["child", "birthday"], kind="stable").reset_index(drop=True)
    care_episodes = _care_episodes(history)
    new = care_episodes[care_episodes["new_placement"]].sort_values(
        ["child", "decom"], kind="stable"
    )
    missing = history.missing
    return SnapshotInputs(
        history=history,
        service=service,
        oc3=_coded_text(oc3),
        child_ids=child_ids,
        geography=geography,
        seed=seed,
        people=_coded_text(people),
        care_episodes=_coded_text(care_episodes),
        placement_keys=child_key(new["child"].to_numpy(), new["decom"].to_numpy()),
        missing_keys={
            kind: child_key(rows["child"].to_numpy(), rows["start"].to_numpy())
            for kind, rows in ((kind, missing[missing["missing"] == kind]) for kind in "MA")
        },
    )


def _coded_text(frame: pd.DataFrame) -> pd.DataFrame:
    """The table with its text columns coded (categorical, Python strings as categories).

    Taking a coded column's values at some rows costs only those rows, and their strings are
    the categories' own (no conversion from Arrow, no copy per row), which keeps a national
    run's memory low too.
    """
    coded = frame.copy(deep=False)
    for name, dtype in frame.dtypes.items():
        if isinstance(dtype, pd.StringDtype):
            codes, distinct = pd.factorize(frame[name])
            categories = pd.Index(np.asarray(distinct, dtype=object), dtype=object)
            coded[name] = pd.Categorical.from_codes(codes, categories=categories)
    return coded


def _map(values: np.ndarray, table: dict, default: object = None) -> np.ndarray:
    """Look each value up in ``table``: ``default`` for a missing value or one not in it.

    Each distinct value is looked up once (``pd.factorize``); an ``object`` array comes back.
    """
    codes, distinct = pd.factorize(np.asarray(values, dtype=object))
    found = np.empty(len(distinct) + 1, dtype=object)
    found[:-1] = [table.get(value, default) for value in distinct]
    found[-1] = default  # code -1: a missing value
    return found[codes]


def _dates(days: np.ndarray, blank: np.ndarray | None = None) -> np.ndarray:
    values = to_dates(days)
    if blank is not None:
        values = np.where(blank, BLANK, values)
    return values


def _common(
    people: pd.DataFrame, ids: np.ndarray, child: np.ndarray, when: int
) -> dict[str, np.ndarray]:
    dob = people["dob"].to_numpy()[child]
    age = completed_years(dob, when)
    return {
        "Child Unique ID": ids[child],
        "Gender": _map(people["sex"].to_numpy()[child], GENDER),
        "Ethnicity": _map(people["ethnic"].to_numpy()[child], ETHNICITY),
        "Date of Birth": _dates(dob),
        "Age": age.astype(object),
        DISABILITY: _map(people["disability"].to_numpy(dtype=bool)[child], YES_NO),
    }


def _allocated(
    inputs: SnapshotInputs, child: np.ndarray, when: np.ndarray
) -> dict[str, np.ndarray]:
    segments = inputs.service.segments
    row = allocation_at(segments, child, when)
    safe = np.maximum(row, 0)
    team_names = inputs.service.teams["team"].to_numpy(dtype=object)
    worker_ids = inputs.service.staffing.workers["worker_id"].to_numpy(dtype=object)
    team = np.where(row >= 0, team_names[segments["team"].to_numpy()[safe]], "")
    worker = segments["worker"].to_numpy()[safe]
    worker_id = np.where((row >= 0) & (worker >= 0), worker_ids[np.maximum(worker, 0)], "")
    start = np.where(row >= 0, segments["start"].to_numpy()[safe], -1)
    return {
        TEAM: team.astype(object),
        WORKER: worker_id.astype(object),
        "_allocated": start,
        "_worker": np.where(row >= 0, worker, -1),
    }


def _open_or_recent(start: np.ndarray, end: np.ndarray, when: int) -> np.ndarray:
    return (start <= when) & ((end > when) | (end > when - _RECENT_DAYS))


def list_6(inputs: SnapshotInputs, when: int, rng: np.random.Generator) -> pd.DataFrame:
    """Children in need (not looked after) open at the snapshot or closed in the last 6 months."""
    cin = inputs.service.cin
    rows = cin[_open_or_recent(cin["start"].to_numpy(), cin["end"].to_numpy(), when)]
    child = rows["child"].to_numpy()
    closed = rows["end"].to_numpy() <= when
    cp = inputs.service.cp
    on_plan_children = cp.loc[(cp["start"] <= when) & (cp["end"] > when), "child"].to_numpy()
    on_plan = np.isin(child, on_plan_children)
    recent = rows["start"].to_numpy() > when - 45
    status = np.select(
        [closed, on_plan, recent],
        ["e) Closed episode", "b) Child Protection plan", "d) Open assessment"],
        default="c) Child in need plan",
    ).astype(object)
    last_day = np.where(closed, rows["end"].to_numpy() - 1, when)
    seen = np.maximum(last_day - uniform_int(rng, (0, 35), len(rows)), rows["start"].to_numpy())
    columns = _common(inputs.people, inputs.child_ids, child, when)
    columns.update(
        {
            "CIN Start Date": _dates(rows["start"].to_numpy()),
            "Primary Need Code": rows["need"].to_numpy(dtype=object),
            "Date Child Was Last Seen": _dates(seen),
            "CIN Closure Date": _dates(rows["end"].to_numpy(), blank=~closed),
            "Reason for Closure": np.where(
                closed, rows["closure_reason"].to_numpy(dtype=object), BLANK
            ),
            "Case Status": status,
        }
    )
    columns.update(_allocated(inputs, child, last_day))
    return _frame(columns, LIST_6)


def list_7(inputs: SnapshotInputs, when: int, rng: np.random.Generator) -> pd.DataFrame:
    """Child protection plans open at the snapshot or ended in the last 6 months."""
    cp = inputs.service.cp
    rows = cp[_open_or_recent(cp["start"].to_numpy(), cp["end"].to_numpy(), when)]
    n = len(rows)
    child = rows["child"].to_numpy()
    start = rows["start"].to_numpy()
    closed = rows["end"].to_numpy() <= when
    last_day = np.where(closed, rows["end"].to_numpy() - 1, when)
    visit = np.maximum(last_day - uniform_int(rng, (0, 21), n), start)
    # The first review conference is at three months, then every six months; before the
    # first review the latest conference is the initial one, on the day the plan started.
    reviews_held = np.where(last_day - start >= 90, 1 + (last_day - start - 90) // 182, 0)
    review = np.where(reviews_held >= 1, start + 90 + (reviews_held - 1) * 182, start)
    columns = _common(inputs.people, inputs.child_ids, child, when)
    columns.update(
        {
            "Child Protection Plan Start Date": _dates(start),
            "Initial Category of Abuse": rows["initial_category"].to_numpy(dtype=object),
            "Latest Category of Abuse": rows["latest_category"].to_numpy(dtype=object),
            "Date of the Last Statutory Visit": _dates(visit),
            "Was the Child Seen Alone?": choose(
                rng, {"a) Yes": 0.72, "b) No": 0.23, "c) Unknown": 0.05}, n
            ),
            "Date of latest review conference": _dates(np.minimum(review, last_day)),
            "Child Protection Plan End Date": _dates(rows["end"].to_numpy(), blank=~closed),
            LIST_7[13]: _map(rows["emergency"].to_numpy(dtype=bool), YES_NO),
            "Number of Previous Child Protection Plans": rows["previous_plans"].to_numpy(
                dtype=object
            ),
        }
    )
    columns.update(_allocated(inputs, child, last_day))
    return _frame(columns, LIST_7)


def list_8(inputs: SnapshotInputs, when: int, rng: np.random.Generator) -> pd.DataFrame:
    """Children looked after at the snapshot, or who ceased in the last 6 months."""
    history = inputs.history
    periods = history.periods
    rows = periods[_open_or_recent(periods["start"].to_numpy(), periods["end"].to_numpy(), when)]
    n = len(rows)
    child = rows["child"].to_numpy()
    start = rows["start"].to_numpy()
    end = rows["end"].to_numpy()
    closed = end <= when
    last_day = np.where(closed, end - 1, when)
    episodes = inputs.care_episodes
    keys = child_key(episodes["period"].to_numpy(), episodes["decom"].to_numpy())
    current = (
        np.searchsorted(keys, child_key(rows["period"].to_numpy(), last_day), side="right") - 1
    )
    episode = episodes.iloc[current]
    people = inputs.people
    dob = people["dob"].to_numpy()[child]
    age = (when - dob) / _YEAR

    previous_end = periods.groupby("child")["end"].shift(1).reindex(rows.index)
    second_period = (start - previous_end.fillna(-(10**7)).to_numpy()) <= 365
    placements = _placements_in_year(inputs.placement_keys, child, last_day, start)
    missing_count = _in_year(inputs.missing_keys["M"], child, last_day)
    away_count = _in_year(inputs.missing_keys["A"], child, last_day)
    any_missing = (missing_count + away_count) > 0
    offered = any_missing & (rng.random(n) < 0.92)
    accepted = offered & (rng.random(n) < 0.6)
    place = episode["place"].to_numpy(dtype=object)
    plan = _map(rows["route"].to_numpy(dtype=object), PERMANENCE_PLAN, "g) other")
    age18 = rows["route"].to_numpy(dtype=object) == "age18"
    plan[age18 & np.isin(place, ["K1", "K2", "S1", "R1"])] = "e) Long-term residential placement"
    plan[age18 & np.isin(place, ["H5", "P2", "K3"])] = "d) Supported living in the community"
    plan[age18 & (plan == "g) other")] = "f) Long-term fostering"
    location, la_of_placement, postcode = _placement_location(inputs, episode)

    columns = _common(people, inputs.child_ids, child, when)
    columns.update(
        {
            LIST_8[5]: _map(rows["uasc"].to_numpy(dtype=bool) & (age < 18.9), YES_NO),
            "Date Started to be Looked After": _dates(start),
            "Child's Category of Need": _map(episode["cin"].to_numpy(dtype=object), NEED),
            LIST_8[9]: _map(second_period, YES_NO),
            "Start date of current legal status": _dates(episode["ls_start"].to_numpy()),
            "Child's Legal Status": _map(episode["ls"].to_numpy(dtype=object), LEGAL_STATUS),
            "Date of Latest Statutory Review": _dates(
                np.maximum(last_day - uniform_int(rng, (0, 170), n), start),
                blank=last_day - start < 20,
            ),
            "Date of Last Social Work Visit": _dates(
                np.maximum(last_day - uniform_int(rng, (0, 40), n), start)
            ),
            "What is the permanence plan for this child?": plan,
            "Date of Last IRO Visit / Contact to the Child": _dates(
                np.maximum(last_day - uniform_int(rng, (0, 120), n), start)
            ),
            "Date of Last Health Assessment": _dates(
                np.maximum(last_day - uniform_int(rng, (0, 330), n), start + 20),
                blank=last_day - start < 28,
            ),
            "Date of Last Dental Check": _dates(
                np.maximum(last_day - uniform_int(rng, (0, 330), n), start),
                blank=(age < 3) | (last_day - start < 60),
            ),
            "Number of Placements in the Last 12 months": placements.astype(object),
            "Date Ceased to be Looked After": _dates(end, blank=~closed),
            "Reason Ceased to be Looked After": np.where(
                closed, _map(episode["rec"].to_numpy(dtype=object), REASON_CEASED), BLANK
            ),
            "Start Date of Most Recent Placement": _dates(episode["placement_start"].to_numpy()),
            "Placement Type": _map(place, PLACEMENT_TYPE),
            "Placement Provider": _map(episode["provider"].to_numpy(dtype=object), PROVIDER),
            "Placement postcode": postcode,
            "URN of Placement": np.where(
                episode["urn"].to_numpy(dtype=object) == "",
                BLANK,
                episode["urn"].to_numpy(dtype=object),
            ),
            "Placement Location": location,
            "LA of Placement": la_of_placement,
            LIST_8[28]: missing_count.astype(object),
            LIST_8[29]: away_count.astype(object),
            LIST_8[30]: np.where(any_missing, _map(offered, YES_NO), BLANK),
            LIST_8[31]: np.where(offered, _map(accepted, YES_NO), BLANK),
        }
    )
    columns.update(_allocated(inputs, child, last_day))
    return _frame(columns, LIST_8)


def list_9(inputs: SnapshotInputs, when: int, rng: np.random.Generator) -> pd.DataFrame:
    """Care leavers entitled to leaving-care services at the snapshot."""
    spells = inputs.service.care_leavers
    rows = spells[(spells["start"] <= when) & (spells["end"] > when)]
    n = len(rows)
    child = rows["child"].to_numpy()
    people = inputs.people
    dob = people["dob"].to_numpy()[child]
    adult = add_years(dob, 18) <= when
    oc3 = inputs.oc3
    keys = child_key(oc3["child"].to_numpy(), oc3["birthday"].to_numpy())
    latest = np.searchsorted(keys, child_key(child, np.full(n, when)), side="right") - 1
    safe = np.maximum(latest, 0)
    known = (latest >= 0) & (oc3["child"].to_numpy()[safe] == child)
    in_touch = np.where(known, oc3["in_touch"].to_numpy(dtype=object)[safe], "YES")
    activity = np.where(
        known, oc3["activ"].to_numpy(dtype=object)[safe], choose(rng, p.ACTIVITY_17_18, n)
    )
    accom = np.where(
        known,
        oc3["accom"].to_numpy(dtype=object)[safe],
        pd.Series(choose(rng, p.ACCOMMODATION_17, n)).astype(str).add("1").to_numpy(dtype=object),
    )
    accom = np.asarray(accom, dtype=object)
    accom_text = pd.Series(accom, dtype=object)
    letter = accom_text.str[:1].where(accom_text != "0", "").to_numpy(dtype=object)
    digit = accom_text.str[1:2].to_numpy(dtype=object)
    columns = _common(people, inputs.child_ids, child, when)
    columns.update(_allocated(inputs, child, np.full(n, when)))
    columns.update(
        {
            "Eligibility Category": np.where(
                adult, "b) Former relevant child", "a) Relevant child"
            ).astype(object),
            "LA in Touch": _map(in_touch, IN_TOUCH),
            "Type of Accommodation": _map(letter, ACCOMMODATION),
            "Suitability of Accommodation": _map(digit, SUITABILITY),
            "Activity Status": _map(activity, ACTIVITY),
        }
    )
    return _frame(columns, LIST_9)


def _frame(columns: dict[str, np.ndarray], order: list[str]) -> pd.DataFrame:
    """A list's table, rows in order of child id (ties as built), every listed column ``object``.

    The columns stay ``object`` (no text dtype is inferred): the workbook writer takes them
    as Python values, so a round trip through Arrow text would only cost time.
    """
    rows = np.argsort(np.asarray(columns["Child Unique ID"], dtype=object), kind="stable")
    frame = pd.DataFrame(
        {name: np.asarray(columns[name], dtype=object)[rows] for name in order}, dtype=object
    )
    for hidden in ("_allocated", "_worker"):
        if hidden in columns:
            frame[hidden] = np.asarray(columns[hidden])[rows]
    return frame


def _care_episodes(history: CareHistory) -> pd.DataFrame:
    """Episodes of periods of care, with the start of the current legal status and placement."""
    episodes = (
        history.episodes[history.episodes["period"] >= 0]
        .sort_values(["period", "decom"], kind="stable")
        .reset_index(drop=True)
    )
    period = episodes["period"].to_numpy()
    ls = episodes["ls"].to_numpy(dtype=object)
    new_run = np.r_[True, (period[1:] != period[:-1]) | (ls[1:] != ls[:-1])]
    run = np.cumsum(new_run)
    episodes["ls_start"] = episodes.groupby(run)["decom"].transform("min").to_numpy()
    placement_change = episodes["rne"].to_numpy(dtype=object) != "L"
    episodes["placement_start"] = (
        pd.Series(np.where(placement_change, episodes["decom"].to_numpy(), np.nan))
        .groupby(period)
        .ffill()
        .to_numpy(dtype=np.int64)
    )
    temporary = episodes["is_temporary"].to_numpy(dtype=bool)
    after_temporary = np.r_[False, temporary[:-1]] & np.r_[False, period[1:] == period[:-1]]
    episodes["new_placement"] = (
        np.isin(episodes["rne"].to_numpy(dtype=object), ["S", "P", "B", "T", "U"])
        & ~temporary
        & ~after_temporary
    )
    return episodes


def _placements_in_year(
    keys: np.ndarray, child: np.ndarray, last_day: np.ndarray, start: np.ndarray
) -> np.ndarray:
    """Placements in the year to ``last_day``: the new ones started in it, and the one held then.

    ``keys`` are the sorted child-and-day keys of the new placements.
    """
    held_at_start = start < last_day - 364
    return _in_year(keys, child, last_day) + held_at_start.astype(np.int64)


def _in_year(keys: np.ndarray, child: np.ndarray, last_day: np.ndarray) -> np.ndarray:
    """How many of ``keys`` (sorted child-and-day keys) fall in each child's year to a day."""
    upper = np.searchsorted(keys, child_key(child, last_day), side="right")
    lower = np.searchsorted(keys, child_key(child, last_day - 364), side="left")
    return upper - lower


def _placement_location(
    inputs: SnapshotInputs, episode: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    geography = inputs.geography
    pool = geography.postcodes
    row = episode["pl_row"].to_numpy()
    known = row >= 0
    safe = np.maximum(row, 0)
    district = pool["district"].to_numpy()[safe]
    in_lookup = known & pool["in_lookup"].to_numpy()[safe]
    la_codes = np.append(
        geography.districts["la_code"].to_numpy(dtype=object), np.array(["SCO"], dtype=object)
    )
    la = np.where(known, la_codes[district], "CON").astype(object)
    la[np.char.startswith(la.astype(str), "W")] = "WAL"
    in_county = np.r_[geography.districts["in_county"].to_numpy(dtype=bool), False][district]
    location = np.where(
        known & in_lookup, np.where(in_county, "a) In", "b) Out"), np.where(known, "b) Out", BLANK)
    ).astype(object)
    postcode = np.where(known, pool["postcode"].to_numpy(dtype=object)[safe], BLANK)
    return location, la, postcode


# --- Whole snapshots ------------------------------------------------------------------------


def annex_a_lists(inputs: SnapshotInputs, when: int) -> dict[str, pd.DataFrame]:
    """Build Lists 6-9 for one snapshot date (hidden ``_allocated``/``_worker`` columns kept)."""
    rng = component_rng(inputs.seed, f"annex_a_{when}")
    return {
        "List 6": list_6(inputs, when, rng),
        "List 7": list_7(inputs, when, rng),
        "List 8": list_8(inputs, when, rng),
        "List 9": list_9(inputs, when, rng),
    }


CASE_TYPE_OF_LIST = {"List 6": "CIN", "List 7": "CP", "List 8": "CLA", "List 9": "CARE_LEAVER"}
_CLOSURE_COLUMN = {
    "List 6": "CIN Closure Date",
    "List 7": "Child Protection Plan End Date",
    "List 8": "Date Ceased to be Looked After",
}


def open_cases(lists: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Return ``cases.csv`` rows: every open case on the lists, one row per child and type."""
    parts = []
    for name, frame in lists.items():
        column = _CLOSURE_COLUMN.get(name)
        rows = frame if column is None else frame[frame[column].isna()]
        parts.append(
            pd.DataFrame(
                {
                    "child_id": rows["Child Unique ID"].to_numpy(),
                    "case_type": CASE_TYPE_OF_LIST[name],
                    "team": rows[TEAM].to_numpy(),
                    "worker_id": rows[WORKER].to_numpy(),
                    "allocated_date": format_days(
                        rows["_allocated"].to_numpy(), blank=(rows[WORKER] == "").to_numpy()
                    ),
                }
            )
        )
    cases = pd.concat(parts, ignore_index=True)
    return cases.sort_values(["child_id", "case_type"], kind="stable").reset_index(drop=True)


def workforce_table(service: Service, when: int) -> pd.DataFrame:
    """Return ``workforce.csv`` for a snapshot: everyone in post, plus team managers."""
    workers = service.staffing.workers
    here = workers[(workers["start"] <= when) & (workers["end"] > when)]
    managers = service.staffing.managers
    managers = managers[managers["start"] <= when]
    table = pd.concat(
        [
            pd.DataFrame(
                {
                    "worker_id": here["worker_id"].to_numpy(),
                    "team": here["team"].to_numpy(),
                    "role": here["role"].to_numpy(),
                    "fte": here["fte"].map("{:.1f}".format).to_numpy(),
                    "agency": here["agency"].astype(int).astype(str).to_numpy(),
                    "start_date": format_days(here["start"].to_numpy()),
                    "qualified_date": format_days(
                        here["qualified_date"].to_numpy(),
                        blank=(here["qualified_date"] < 0).to_numpy(),
                    ),
                }
            ),
            pd.DataFrame(
                {
                    "worker_id": managers["worker_id"].to_numpy(),
                    "team": managers["team"].to_numpy(),
                    "role": "Team Manager",
                    "fte": "1.0",
                    "agency": "0",
                    "start_date": format_days(managers["start"].to_numpy()),
                    "qualified_date": format_days(managers["qualified_date"].to_numpy()),
                }
            ),
        ],
        ignore_index=True,
    )
    return table.sort_values(["team", "worker_id"], kind="stable").reset_index(drop=True)


def establishment_table(service: Service) -> pd.DataFrame:
    """Return ``establishment.csv``: funded FTE of each team (posts plus its manager)."""
    funded = service.staffing.posts.groupby("team")["fte"].sum() + 1.0
    return pd.DataFrame(
        {"team": funded.index.to_numpy(), "funded_fte": funded.map("{:.1f}".format).to_numpy()}
    )
