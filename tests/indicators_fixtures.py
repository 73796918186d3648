"""Hand-built clean tables for the indicator tests (imported by tests/unit/indicators/).

``county()`` is a small council, E10000017, built so that every indicator at R = 2024-03-31 can be
worked out by hand; the expected values are in ``EXPECTED_AT_2024_03_31`` with the working in the
comments. Other tests build their own few children with ``make_data``.

Reference date R = 2024-03-31, window W = 2023-04-01 .. 2024-03-31.
R - 30 months = 2021-09-30 (long-term care cut-off); R - 2 years = 2022-03-31 (same carer).

Postcode lookup (home of every child is PR1 1AA at 350000, 430000):
  PR1 1AB  353000, 434000  E10000017   3000/4000 m -> 5000 m / 1609.3 = 3.107 -> 3.1 miles
  LA1 1AA  350000, 470000  E06000009   40000 m -> 24.855 -> 24.9 miles, outside
  LA2 7    350000, 462267  E06000009   sector only: 32267 m -> 20.050 -> 20.1 miles, outside
  BB9      350000, 462186  E06000008   district only: 32186 m -> 20.000 -> 20.0 miles (not over 20)
  JE2 3AB  no grid ref     NUK         outside the UK: distance and council unknown
  ZZ9 9ZZ  (absent)                    not found: distance and council unknown
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import pandas as pd

from csc_metrics import storage
from csc_metrics.storage import EXTRACT_DATES_KEY, ProcessedData

LA = "E10000017"
R = pd.Timestamp("2024-03-31")

POSTCODES = pd.DataFrame(
    {
        "postcode": ["PR1 1AA", "PR1 1AB", "LA1 1AA", "LA2 7", "BB9", "JE2 3AB"],
        "easting": [350000.0, 353000.0, 350000.0, 350000.0, 350000.0, None],
        "northing": [430000.0, 434000.0, 470000.0, 462267.0, 462186.0, None],
        "la_code": [LA, LA, "E06000009", "E06000009", "E06000008", "NUK"],
    }
)


def episode(
    child: str,
    decom: str,
    dec: str | None = None,
    rne: str = "S",
    place: str | None = "U4",
    provider: str | None = "PR1",
    rec: str | None = None,
    pl_post: str | None = "PR1 1AB",
    home_post: str | None = "PR1 1AA",
    ls: str = "C2",
    collection_year: int = 2024,
) -> dict[str, Any]:
    """One clean episode row; REC defaults to X1 when the episode has ceased."""
    return {
        "child_id": child,
        "decom": pd.Timestamp(decom),
        "rne": rne,
        "ls": ls,
        "cin": "N1",
        "place": place,
        "place_provider": provider,
        "dec": pd.Timestamp(dec) if dec else pd.NaT,
        "rec": rec if rec or not dec else "X1",
        "reason_place_change": None,
        "home_post": home_post,
        "pl_post": pl_post,
        "urn": None,
        "is_short_break": ls in ("V3", "V4"),
        "collection_year": collection_year,
        "source_file": f"ssda903/{collection_year}/episodes.csv",
        "source_row": 0,
        "episode_source": "as returned",
        "has_overlap": False,
        "has_gap": False,
    }


def child(
    child_id: str, dob: str | None, sex: str = "M", ethnic_group: str = "White"
) -> dict[str, Any]:
    """One clean header row."""
    return {
        "child_id": child_id,
        "sex": sex,
        "dob": pd.Timestamp(dob) if dob else pd.NaT,
        "ethnic": None,
        "ethnic_group": ethnic_group,
        "upn_code": None,
        "mother": None,
        "collection_year": 2024,
        "source_file": "ssda903/2024/header.csv",
    }


def leaver(
    child_id: str,
    dob: str | None,
    in_touch: str | None,
    activ: str | None,
    accom: str | None,
    collection_year: int = 2024,
    source_file: str | None = None,
) -> dict[str, Any]:
    """One clean OC3 row."""
    return {
        "child_id": child_id,
        "dob": pd.Timestamp(dob) if dob else pd.NaT,
        "in_touch": in_touch,
        "activ": activ,
        "accom": accom,
        "collection_year": collection_year,
        "source_file": source_file or f"ssda903/{collection_year}/oc3.csv",
        "source_row": 0,
    }


def uasc(child_id: str, duc: str | None) -> dict[str, Any]:
    """One clean UASC row."""
    return {
        "child_id": child_id,
        "sex": "M",
        "dob": pd.NaT,
        "duc": pd.Timestamp(duc) if duc else pd.NaT,
        "collection_year": 2024,
        "source_file": "ssda903/2024/uasc.csv",
    }


def _frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    if "source_row" in frame:
        frame["source_row"] = range(2, len(frame) + 2)
    return frame


def write_processed(data: ProcessedData, folder: Path) -> Path:
    """Write data as a processed folder (every table, and its ingest manifest)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in storage.PROCESSED_TABLES:
        storage.write_table(getattr(data, name.split("__")[-1]), name, folder)
    (folder / storage.MANIFEST_NAME).write_text(json.dumps(data.manifest) + "\n")
    return folder


def make_data(
    episodes: list[dict[str, Any]] = (),
    header: list[dict[str, Any]] | None = None,
    oc3: list[dict[str, Any]] = (),
    uasc_rows: list[dict[str, Any]] = (),
    postcodes: pd.DataFrame | None = None,
    population: pd.DataFrame | None = None,
    extract_dates: dict[int, str] | None = None,
) -> ProcessedData:
    """Validated processed data; children in episodes without a header row get a default one.

    ``extract_dates`` (collection year -> ISO date) marks in-year extracts, as the ingest
    manifest does for a year folder with an ``extract_date.txt``.
    """
    header = list(header or [])
    known = {row["child_id"] for row in header}
    for row in episodes:
        if row["child_id"] not in known:
            header.append(child(row["child_id"], "2012-06-01"))
            known.add(row["child_id"])
    tables = {
        "postcodes": POSTCODES if postcodes is None else postcodes,
    }
    if header:
        tables["header"] = _frame(header)
    if episodes:
        tables["episodes"] = _frame(list(episodes))
    if oc3:
        tables["oc3"] = _frame(list(oc3))
    if uasc_rows:
        tables["uasc"] = _frame(list(uasc_rows))
    if population is not None:
        tables["population"] = population
    manifest = {EXTRACT_DATES_KEY: {str(y): d for y, d in (extract_dates or {}).items()}}
    return ProcessedData.from_tables(tables, manifest)


def county_episodes() -> list[dict[str, Any]]:
    """Episodes of the hand-built county, one block per child (see module docstring)."""
    return [
        # A: one open placement since 2020, own-council fostering, 3.1 miles.
        episode("A", "2020-01-10"),
        # B: episode ending on R: not looked after at R; ceased in W (DEC = R).
        episode("B", "2023-01-01", "2024-03-31", rec="E4A"),
        # C: short breaks (V3 episodes, an open V4 agreement): excluded from everything.
        episode("C", "2023-06-01", "2023-06-03", ls="V3", rec="E8"),
        episode("C", "2023-09-01", ls="V4"),
        # D: temporary placement (T3) and return to the same PLACE and PL_POST, then a real move.
        #    Placements in W: S episode (held at the start of W) 1, T3 no, return no, P +1 = 2.
        episode("D", "2022-01-01", "2023-05-01", place="U4", provider="PR4"),
        episode(
            "D", "2023-05-01", "2023-05-10", rne="P", place="T3", provider=None, pl_post="PR1 1AA"
        ),
        episode("D", "2023-05-10", "2023-08-01", rne="P", place="U4", provider="PR4"),
        episode("D", "2023-08-01", rne="P", place="U6", provider="PR4", pl_post="LA1 1AA"),
        # E: legal-status-only change (L) does not count. 1 + P + B = 3 placements.
        episode("E", "2023-01-01", "2023-06-01", place="U6"),
        episode("E", "2023-06-01", "2023-07-01", rne="L", place="U6"),
        episode("E", "2023-07-01", "2023-10-01", rne="P", place="K2", provider="PR4"),
        episode("E", "2023-10-01", rne="B", place="U4"),
        # F: same-carer moves (T, U) count as placements (local rule set {S,P,B,T,U}): 3.
        episode("F", "2023-02-01", "2023-05-01", place="U4", provider="PR4"),
        episode("F", "2023-05-01", "2023-09-01", rne="T", place="U4", provider="PR4"),
        episode("F", "2023-09-01", rne="U", place="U5", provider="PR4"),
        # G: long-term: in care since 2019, carer moved house (T) in 2022: same carer.
        episode("G", "2019-05-01", "2022-09-01"),
        episode("G", "2022-09-01", rne="T"),
        # H: long-term denominator, but a new carer (P) on 2023-01-01: not stable. Sector match.
        episode("H", "2019-05-01", "2023-01-01"),
        episode("H", "2023-01-01", rne="P", place="U6", provider="PR4", pl_post="LA2 7XY"),
        # I: re-entry within W: left care 2023-06-30, came back 2023-10-01 (1 + S = 2
        #    placements); district-only match, 20.0 miles (not over 20), other council.
        episode("I", "2022-06-01", "2023-06-30", rec="E4A"),
        episode("I", "2023-10-01", place="K2", provider="PR4", pl_post="BB9 9QQ"),
        # J: placed for adoption 2022-10-01 (under 2 years) after foster care from 2021-01-01:
        #    adoption clause, together over 2 years: stable.
        episode("J", "2021-01-01", "2022-10-01"),
        episode("J", "2022-10-01", rne="P", place="A4"),
        # K: temporary hospital stay and return in W: same carer since 2020; 1 placement.
        episode("K", "2020-01-01", "2023-11-01"),
        episode("K", "2023-11-01", "2023-11-05", rne="P", place="T1", provider=None, pl_post=None),
        episode("K", "2023-11-05", rne="P"),
        # L: aged 16 at R: not in the long-term denominator. Supported living, private.
        episode("L", "2018-01-01", place="H5", provider="PR4"),
        # M: UASC, started in W, voluntary children's home, blank postcodes: unknowns.
        episode("M", "2023-12-01", place="K2", provider="PR5", pl_post=None, home_post=None),
        # N: placed with parents since R - 30 months exactly (in the long-term denominator).
        episode("N", "2021-09-30", place="P1", provider="PR0", pl_post="PR1 1AA"),
        # O: one day short of 30 months in care; Jersey placement: outside the UK, unknown.
        episode("O", "2021-10-01", place="U1", pl_post="JE2 3AB"),
        # Q: health placement (Other), other public provider, postcode not in the lookup.
        episode("Q", "2023-02-01", place="R2", provider="PR3", pl_post="ZZ9 9ZZ"),
        # P: started on the first day of W and ceased within W.
        episode("P", "2023-04-01", "2023-05-01", rec="E13"),
        # S: adopted the day before W started: neither looked after nor ceased in W.
        episode("S", "2022-01-01", "2023-03-31", rec="E11"),
        # T: in the part-year 2025 extract, starting after R: changes nothing at R, and makes
        #    the data end at 30 June 2024 (the quarter of the latest date held).
        episode("T", "2024-05-01", collection_year=2025),
    ]


def county_header() -> list[dict[str, Any]]:
    """Header rows: dates of birth chosen for the age bands and the long-term age rule."""
    return [
        child("A", "2012-06-01", "F", "White"),  # 11 -> 10-15
        child("B", "2010-01-01", "M", "White"),
        child("C", "2015-01-01", "M", "White"),
        child("D", "2014-05-05", "M", "Black"),  # 9 -> 5-9
        child("E", "2013-02-02", "F", "Mixed"),  # 11 -> 10-15
        child("F", "2023-06-01", "F", "White"),  # 0 -> Under 1
        child("G", "2010-01-01", "M", "White"),  # 14 -> 10-15
        child("H", "2011-01-01", "M", "Asian"),  # 13 -> 10-15
        child("I", "2020-03-31", "F", "White"),  # 4 (birthday on R) -> 1-4
        child("J", "2018-01-01", "U", "White"),  # 6 -> 5-9
        child("K", "2009-01-01", "F", "Black"),  # 15 -> 10-15
        child("L", "2007-06-01", "M", "White"),  # 16 -> 16+
        child("M", "2008-05-01", "M", "Other"),  # 15 -> 10-15
        child("N", "2015-03-31", "F", "Refused or not obtained"),  # 9 (birthday on R) -> 5-9
        child("O", "2008-04-01", "M", "White"),  # 15: turns 16 the day after R
        child("Q", "2016-01-01", "F", "White"),  # 8 -> 5-9
        child("P", "2010-01-01", "M", "White"),
        child("S", "2015-01-01", "M", "White"),
        # Care leavers
        child("CL1", "2006-04-01", "F", "White"),
        child("CL2", "2005-03-31", "M", "Black"),
        child("CL3", "2004-07-15", "M", "White"),
        child("CL4", "2003-10-10", "F", "White"),
        child("CL5", "2005-12-01", "M", "White"),
        child("CL6", "2002-05-05", "F", "Asian"),
        child("CL7", "2001-06-01", "M", "White"),
        child("CL8", "2006-11-11", "M", "White"),
        child("CL9", "2005-03-31", "F", "White"),
        child("CL10", "2007-04-01", "F", "White"),
        child("CL14", "2004-01-20", "F", "White"),
    ]


def county_oc3() -> list[dict[str, Any]]:
    """OC3 rows: reference birthdays on both edges of W, DIED, RHOM, an age-22 row, no DOB."""
    return [
        leaver("CL1", "2006-04-01", "YES", "F2", "D1"),  # 17th on 2023-04-01 (first day of W)
        leaver("CL2", "2005-03-31", "YES", "F5", "U1"),  # 19th on 2024-03-31 (R)
        leaver("CL3", "2004-07-15", "NO", "G5", "S2"),  # 19th on 2023-07-15
        leaver("CL4", "2003-10-10", "DIED", "0", "0"),  # 20th: excluded
        leaver("CL5", "2005-12-01", "RHOM", "0", "0"),  # 18th: excluded
        leaver("CL6", "2002-05-05", "REFU", "0", "0"),  # 21st: activity not known
        leaver("CL7", "2001-06-01", "YES", "F1", "U1"),  # 22nd: data-quality error
        leaver("CL8", "2006-11-11", "NREQ", "P4", "B1"),  # 17th
        leaver("CL14", "2004-01-20", "YES", "F1", "Z1"),  # 20th on 2024-01-20
        leaver("CL15", None, "YES", "F1", "U1"),  # no DOB anywhere: data-quality error
        # 18th on 2023-03-31, the day before W: in the 2023 file, not in the cohort at R.
        leaver("CL9", "2005-03-31", "YES", "F1", "U1", collection_year=2023),
        # 17th on 2024-04-01, the day after R: in the 2025 file, not in the cohort at R.
        leaver("CL10", "2007-04-01", "NO", "G4", "B2", collection_year=2025),
    ]


def county(population: bool = True) -> ProcessedData:
    """The hand-built county (see module docstring and ``EXPECTED_AT_2024_03_31``)."""
    pop = pd.DataFrame(
        {
            "la_code": [LA, LA, LA, "E06000009"],
            "year": [2022, 2023, 2024, 2023],
            "population_0_17": [10000.0, 20000.0, 40000.0, 99.0],
        }
    )
    return make_data(
        county_episodes(),
        county_header(),
        county_oc3(),
        [uasc("M", "2026-05-01"), uasc("O", "2023-06-01"), uasc("CL2", "2023-03-31")],
        population=pop if population else None,
        # The 2025 return is an in-year extract taken on 30 June 2024.
        extract_dates={2025: "2024-06-30"},
    )


@functools.cache
def _county_indicators_at_r() -> pd.DataFrame:
    from csc_metrics.indicators import compute_indicators

    return compute_indicators(county(), R, LA)


def county_indicators_at_r() -> pd.DataFrame:
    """``compute_indicators(county(), R, LA)``, worked out once per test process (a copy each).

    The placement, care-leaver and core tests all read the county's indicators at R; each
    computation costs about 0.6 s of CPU.
    """
    return _county_indicators_at_r().copy()


@functools.cache
def _county_series() -> pd.DataFrame:
    from csc_metrics.indicators import compute_indicator_series

    return compute_indicator_series(county(), LA)


def county_series() -> pd.DataFrame:
    """``compute_indicator_series(county(), LA)`` at every quarter end covered, worked out once
    per test process (a copy each): the core and coverage tests both read it (about 0.9 s)."""
    return _county_series().copy()


#: indicator id -> (numerator, denominator, value, unknown) at R = 2024-03-31 (None = blank).
EXPECTED_AT_2024_03_31: dict[str, tuple[float, float | None, float | None, float | None]] = {
    # Looked after at R: A D E F G H I J K L M N O Q = 14 (B ended on R, C short breaks,
    # P and S left before R).
    "cla_count": (14, None, 14, None),
    # RNE S with DECOM in W: I (2023-10-01), M (2023-12-01), P (2023-04-01) = 3; C's short
    # break does not count.
    "cla_started_count": (3, None, 3, None),
    # DEC in W and REC not X1: B (on R), I (2023-06-30), P (2023-05-01) = 3; S ceased the day
    # before W.
    "cla_ceased_count": (3, None, 3, None),
    # Population: latest estimate whose 30 June is on or before R is 2023: 20,000.
    # 14 / 20000 x 10,000 = 7.0.
    "cla_rate_per_10k": (14, 20000, 7.0, None),
    # Placements in W: E 3 (S, P, B; L no), F 3 (S, T, U); D 2, I 2, others 1. 2/14 = 14.29.
    "placements_3plus_pct": (2, 14, 14.3, None),
    # Denominator (under 16, period of care began on or before 2021-09-30):
    #   A (2020-01-10), G (2019-05-01), H (2019-05-01), J (2021-01-01), K (2020-01-01),
    #   N (2021-09-30) = 6. Not: L (16), O (began 2021-10-01), the rest started later.
    # Numerator: A, G (T keeps the carer), K (temporary and return ignored), N (carer since
    #   2021-09-30), J (adoptive placement 2022-10-01 + previous from 2021-01-01) = 5;
    #   H changed carer 2023-01-01. 5/6 = 83.33. Unknown: every child's first episode held is
    #   an S, so no carer began before the data: 0.
    "long_term_stability_pct": (5, 6, 83.3, 0),
    # Known distances: A E F G J K L 3.1, N 0.0, D 24.9, H 20.1 (sector), I 20.0 (district)
    # = 11; unknown: M (blank), O (outside the UK), Q (not found) = 3.
    # Over 20.0: D, H = 2. 2/11 = 18.18.
    "placed_over_20_miles_pct": (2, 11, 18.2, 3),
    # Known councils: the same 11; outside E10000017: D, H (E06000009), I (E06000008) = 3.
    # 3/11 = 27.27.
    "placed_outside_la_pct": (3, 11, 27.3, 3),
    # Children's homes/residential with PR4/PR5: I (K2 PR4), M (K2 PR5) = 2/14 = 14.29.
    # (E's K2 PR4 episode ended before R.)
    "external_residential_pct": (2, 14, 14.3, None),
    # U4-U6 not PR1: D (U6 PR4), F (U5 PR4), H (U6 PR4) = 3/14 = 21.43.
    "ifa_fostering_pct": (3, 14, 21.4, None),
    # 17-18 with reference birthday in W: CL1 (YES F2 D1), CL8 (NREQ P4 B1); CL5 RHOM out.
    "care_leavers_17_18_count": (2, None, 2, None),
    "care_leavers_17_18_eet_pct": (2, 2, 100.0, None),
    "care_leavers_17_18_neet_pct": (0, 2, 0.0, None),
    "care_leavers_17_18_activity_unknown_pct": (0, 2, 0.0, None),
    "care_leavers_17_18_in_touch_pct": (1, 2, 50.0, None),
    "care_leavers_17_18_suitable_accommodation_pct": (2, 2, 100.0, None),
    # 19-21: CL2 (YES F5 U1), CL3 (NO G5 S2), CL6 (REFU 0 0), CL14 (YES F1 Z1) = 4;
    # CL4 DIED out, CL7 (22) a data-quality error, CL15 has no DOB.
    "care_leavers_19_21_count": (4, None, 4, None),
    "care_leavers_19_21_eet_pct": (2, 4, 50.0, None),  # CL2, CL14
    "care_leavers_19_21_neet_pct": (1, 4, 25.0, None),  # CL3
    "care_leavers_19_21_activity_unknown_pct": (1, 4, 25.0, None),  # CL6
    "care_leavers_19_21_in_touch_pct": (2, 4, 50.0, None),  # CL2, CL14
    "care_leavers_19_21_suitable_accommodation_pct": (2, 4, 50.0, None),  # U1, Z1
}
