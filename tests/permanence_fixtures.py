"""Hand-built clean tables for the permanence tests (tests/unit/indicators, views and benchmarks).

``county()`` is a small council in which every permanence figure at R = 2024-03-31 can be
worked out by hand; the expected values are in the tests, with the arithmetic in comments.
W = 2023-04-01 .. 2024-03-31 (the 12 months); the 3 years to R run from 2021-04-01.

Adoptions (episodes, AD1, PlacedAdoption):

  P1  foster-carer adoption. Born 2021-05-01. Entered 2021-06-01 with fostering-for-adoption
      carers (U5); placement order (LS E1) 2022-01-10 (RNE L); placed for adoption with the
      same carers (A5, RNE T) 2022-09-01; adopted 2023-06-30 (E11). AD1: decision 2021-11-01,
      match 2022-08-01, FOSTER_CARE 1. PlacedAdoption also holds a decision of 2021-10-15,
      which AD1 overrides by default.
  P2  match before the placement order. Born 2020-03-15. Entered 2022-02-01 (U4); placement
      order 2022-10-01; placed (A6, RNE P) 2022-12-15; adopted 2023-09-30 (E12). AD1: no
      decision date, match 2022-09-01, FOSTER_CARE 0; PlacedAdoption decision 2022-06-01.
  P3  two periods of care, only the last counts; adopted exactly on R. Born 2019-01-10.
      First period 2019-02-01 to 2019-08-01 (returned home, E4A). Second period from
      2021-03-01 (U4); placement order 2021-12-01; placed (A6) 2022-07-01; adopted 2024-03-31.
      AD1: decision 2021-09-01, match 2022-06-15, FOSTER_CARE 0.
  P7  adopted before W but within 3 years. Entered 2020-09-01; placement order 2021-03-01;
      placed (A6) 2021-08-01; adopted 2022-05-01. AD1 (2022 return): match 2021-07-01.

Decisions and waiting:

  P4  adoption plan that ends: in care since 2022-05-01; decision 2022-11-01, reversed
      2023-08-15 because the court made no placement order (RD2).
  P5  still waiting at R: in care since 2022-08-01; placement order 2023-05-01; decision
      2023-01-15; not placed for adoption.
  P6  placed for adoption before R: in care since 2023-02-01; decision 2023-06-01; placed
      (A6) 2024-02-01, so not waiting at R.

Others who left care in W (one child each): S1 special guardianship (E45) 2023-12-01; C1 child
arrangements order (E41) 2023-05-05; H1 returned home (E4B) on 2023-04-01, the first day of W;
H2 returned home on 2023-03-31, the day before W (not counted); R1 to relatives without
parental responsibility (E13) 2023-07-01; O1 aged 18 and stayed with carers (E17) 2023-07-01;
O2 ended 2023-11-20 with no reason recorded; T1 left twice: home (E4A) 2023-05-01, back in care
2023-06-01, then special guardianship (E45) 2024-01-10 (counted once, by the last).

Children who started care in W: T1 (2023-06-01, no PrevPerm row), N1 (2023-09-01, PrevPerm P1
adoption), N2 (2023-10-01, Z1 none), N3 (2024-01-01, only a 2022 PrevPerm row: P2 special
guardianship), N4 (2024-02-01, P4 not known).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pandas as pd
from indicators_fixtures import child, episode, make_data

from csc_metrics.schemas import CleanAD1, CleanPlacedAdoption, CleanPrevPerm
from csc_metrics.storage import ProcessedData

LA = "E10000017"
R = pd.Timestamp("2024-03-31")


def _date(text: str | None) -> pd.Timestamp:
    return pd.Timestamp(text) if text else pd.NaT


def ad1(
    child_id: str,
    date_int: str | None,
    date_match: str | None,
    foster_care: str | None = "0",
    collection_year: int = 2024,
) -> dict[str, Any]:
    """One clean AD1 row."""
    return {
        "child_id": child_id,
        "date_int": _date(date_int),
        "date_match": _date(date_match),
        "foster_care": foster_care,
        "nb_adoptr": "2",
        "sex_adoptr": "MF",
        "ls_adoptr": "L11",
        "collection_year": collection_year,
        "source_file": f"ssda903/{collection_year}/ad1.csv",
        "source_row": 2,
    }


def decision(
    child_id: str,
    date_placed: str,
    ceased: str | None = None,
    reason: str | None = None,
    collection_year: int = 2024,
) -> dict[str, Any]:
    """One clean PlacedAdoption row."""
    return {
        "child_id": child_id,
        "date_placed": _date(date_placed),
        "date_placed_ceased": _date(ceased),
        "reason_placed_ceased": reason,
        "collection_year": collection_year,
        "source_file": f"ssda903/{collection_year}/placed_adoption.csv",
        "source_row": 2,
    }


def previous(child_id: str, code: str | None, collection_year: int = 2024) -> dict[str, Any]:
    """One clean PrevPerm row."""
    return {
        "child_id": child_id,
        "prev_perm": code,
        "la_perm": None,
        "date_perm": None,
        "collection_year": collection_year,
        "source_file": f"ssda903/{collection_year}/prev_perm.csv",
        "source_row": 2,
    }


def with_permanence(
    data: ProcessedData,
    ad1_rows: list[dict[str, Any]] = (),
    decisions: list[dict[str, Any]] = (),
    prev_rows: list[dict[str, Any]] = (),
) -> ProcessedData:
    """Add validated AD1, PlacedAdoption and PrevPerm tables to processed data."""
    tables = {}
    for name, model, rows in (
        ("ad1", CleanAD1, ad1_rows),
        ("placed_adoption", CleanPlacedAdoption, decisions),
        ("prev_perm", CleanPrevPerm, prev_rows),
    ):
        if rows:
            tables[name] = model.validate(pd.DataFrame(list(rows)))
    return replace(data, **tables)


def blank_rec(row: dict[str, Any]) -> dict[str, Any]:
    """An ended episode with no reason recorded."""
    return {**row, "rec": None}


def county_episodes() -> list[dict[str, Any]]:
    """Episodes of the permanence county (see the module docstring)."""
    return [
        episode("P1", "2021-06-01", "2022-01-10", place="U5", ls="C1", collection_year=2022),
        episode("P1", "2022-01-10", "2022-09-01", rne="L", place="U5", ls="E1"),
        episode("P1", "2022-09-01", "2023-06-30", rne="T", place="A5", ls="E1", rec="E11"),
        episode("P2", "2022-02-01", "2022-10-01", ls="C1"),
        episode("P2", "2022-10-01", "2022-12-15", rne="L", ls="E1"),
        episode("P2", "2022-12-15", "2023-09-30", rne="P", place="A6", ls="E1", rec="E12"),
        episode("P3", "2019-02-01", "2019-08-01", ls="V2", rec="E4A", collection_year=2019),
        episode("P3", "2021-03-01", "2021-12-01", ls="C1", collection_year=2021),
        episode("P3", "2021-12-01", "2022-07-01", rne="L", ls="E1"),
        episode("P3", "2022-07-01", "2024-03-31", rne="P", place="A6", ls="E1", rec="E11"),
        episode("P7", "2020-09-01", "2021-03-01", ls="C1", collection_year=2021),
        episode("P7", "2021-03-01", "2021-08-01", rne="L", ls="E1", collection_year=2022),
        episode(
            "P7",
            "2021-08-01",
            "2022-05-01",
            rne="P",
            place="A6",
            ls="E1",
            rec="E12",
            collection_year=2022,
        ),
        episode("P4", "2022-05-01"),
        episode("P5", "2022-08-01", "2023-05-01", ls="C1"),
        episode("P5", "2023-05-01", rne="L", ls="E1"),
        episode("P6", "2023-02-01", "2024-02-01", ls="C1"),
        episode("P6", "2024-02-01", rne="P", place="A6", ls="E1"),
        episode("S1", "2022-01-01", "2023-12-01", rec="E45"),
        episode("C1", "2022-06-01", "2023-05-05", rec="E41"),
        episode("H1", "2022-10-01", "2023-04-01", rec="E4B"),
        episode("H2", "2022-10-01", "2023-03-31", rec="E4A"),
        episode("R1", "2022-11-01", "2023-07-01", rec="E13"),
        episode("O1", "2020-05-01", "2023-07-01", rec="E17"),
        blank_rec(episode("O2", "2023-01-10", "2023-11-20")),
        episode("T1", "2022-09-01", "2023-05-01", rec="E4A"),
        episode("T1", "2023-06-01", "2024-01-10", rec="E45"),
        episode("N1", "2023-09-01"),
        episode("N2", "2023-10-01"),
        episode("N3", "2024-01-01"),
        episode("N4", "2024-02-01"),
    ]


def county() -> ProcessedData:
    """The permanence county (see the module docstring)."""
    header = [
        child("P1", "2021-05-01"),
        child("P2", "2020-03-15", sex="F"),
        child("P3", "2019-01-10"),
        child("P7", "2019-06-01"),
        child("O1", "2005-07-01"),
    ]
    data = make_data(county_episodes(), header=header)
    return with_permanence(
        data,
        ad1_rows=[
            ad1("P1", "2021-11-01", "2022-08-01", foster_care="1"),
            ad1("P2", None, "2022-09-01"),
            ad1("P3", "2021-09-01", "2022-06-15"),
            ad1("P7", "2020-12-01", "2021-07-01", collection_year=2022),
        ],
        decisions=[
            decision("P1", "2021-10-15"),
            decision("P2", "2022-06-01"),
            decision("P4", "2022-11-01", "2023-08-15", "RD2"),
            decision("P5", "2023-01-15"),
            decision("P6", "2023-06-01"),
        ],
        prev_rows=[
            previous("N1", "P1"),
            previous("N2", "Z1"),
            previous("N3", "P2", collection_year=2022),
            previous("N4", "P4"),
        ],
    )
