"""Hand-built children for the forecast tests (imported by tests/test_forecast_*.py).

``four_children()``: council E10000017, one collection year (2024), reference window
2023-03-31 .. 2024-03-31 (366 days, 2024 is a leap year). PR1 1AB is inside the council,
LA1 1AA outside (tests/indicators_fixtures.py).

- A, born 2010-06-01 (12-13 in the window): in-house foster care (U4, PR1) inside since
  2022-01-01, still there. 366 days in (10-16, in-house fostering, inside); no event.
- B, born 2007-10-01: IFA foster care (U6, PR4) inside since 2023-01-01, still there. 16 on
  2023-10-01, so 184 days in (10-16, IFA, inside) (31 March to 1 October: 1 + 30 + 31 + 30 + 31
  + 31 + 30) and 182 in (16-18, IFA, inside) (1 October to 31 March: 31 + 30 + 31 + 31 + 29 +
  30), and one ageing move between them on 2023-10-01.
- C, born 2012-01-15: enters care on 2023-06-01 in in-house foster care inside, moves on
  2023-09-01 to an external children's home (K2, PR4) outside, returns home (E4A) on
  2024-01-01. 92 days in (10-16, in-house fostering, inside) (1 June to 1 September: 30 + 31 +
  31), one entry there, one move to (10-16, external residential, outside), 122 days there
  (1 September to 1 January: 30 + 31 + 30 + 31), one exit "returned home".
- D, born 2015-05-05 (7-8): in-house foster care inside throughout, with a holiday (T2) from
  2023-08-01 to 2023-08-10, a return to the same carer, and a move to another in-house carer
  (U5) on 2023-12-01: the same state all along, so 366 days in (5-10, in-house fostering,
  inside) and no move.

Totals: (10-16, in-house fostering, inside) 366 + 92 = 458 days, 1 entry, 1 move out.

``steady_entries()``: from 2020-04-01 one child enters in-house foster care every 30 days and
nobody leaves: 49 children on 2024-03-31 (days 0, 30 ... 1440 of the 1460 since 2020-04-01)
and 61 on 2025-03-31 (day 1800 of 1825).
"""

from __future__ import annotations

import pandas as pd
from indicators_fixtures import child, episode, make_data

from csc_metrics.storage import ProcessedData

LA = "E10000017"
INSIDE = "PR1 1AB"
OUTSIDE = "LA1 1AA"
WINDOW_START = pd.Timestamp("2023-03-31")
ORIGIN = pd.Timestamp("2024-03-31")


def four_children() -> ProcessedData:
    """Children A-D (module docstring)."""
    episodes = [
        episode("A", "2022-01-01", place="U4", provider="PR1", pl_post=INSIDE),
        episode("B", "2023-01-01", place="U6", provider="PR4", pl_post=INSIDE),
        episode("C", "2023-06-01", "2023-09-01", place="U4", provider="PR1", pl_post=INSIDE),
        episode(
            "C",
            "2023-09-01",
            "2024-01-01",
            rne="P",
            place="K2",
            provider="PR4",
            pl_post=OUTSIDE,
            rec="E4A",
        ),
        episode("D", "2022-05-01", "2023-08-01", place="U4", provider="PR1", pl_post=INSIDE),
        episode("D", "2023-08-01", "2023-08-10", rne="P", place="T2", provider=None, pl_post=None),
        episode(
            "D", "2023-08-10", "2023-12-01", rne="P", place="U4", provider="PR1", pl_post=INSIDE
        ),
        episode("D", "2023-12-01", rne="P", place="U5", provider="PR1", pl_post=INSIDE),
    ]
    header = [
        child("A", "2010-06-01"),
        child("B", "2007-10-01"),
        child("C", "2012-01-15"),
        child("D", "2015-05-05"),
    ]
    return make_data(episodes, header)


def steady_entries() -> ProcessedData:
    """One entry every 30 days from 2020-04-01 to 2025-03-31, nobody leaving."""
    start = pd.Timestamp("2020-04-01")
    episodes, header = [], []
    for number, offset in enumerate(range(0, 1826, 30)):
        when = start + pd.Timedelta(days=offset)
        year = when.year + int(when.month >= 4)
        name = f"S{number}"
        row = episode(name, f"{when:%Y-%m-%d}", place="U4", provider="PR1", pl_post=INSIDE)
        row["collection_year"] = year
        episodes.append(row)
        header.append(child(name, f"{when - pd.DateOffset(years=11):%Y-%m-%d}"))
    return make_data(episodes, header)
