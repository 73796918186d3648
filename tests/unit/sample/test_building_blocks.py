"""Small hand-worked checks of the generator's building blocks."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import numpy as np
import pandas as pd
import pytest

from csc_metrics.errors import ParameterError
from csc_metrics.sample.allocation import allocation_at
from csc_metrics.sample.annex_a import LIST_COLUMNS
from csc_metrics.sample.care import CareHistory
from csc_metrics.sample.care_leavers import care_leaver_cohort, ethnic_group
from csc_metrics.sample.config import (
    SampleConfig,
    add_years,
    check_scale,
    completed_years,
    day,
    parse_years,
)
from csc_metrics.sample.messy import FileOptions, csv_bytes
from csc_metrics.sample.ssda903 import _recode
from csc_metrics.sample.teams import assign_teams, team_layout
from csc_metrics.sample.workbook import workbook_bytes
from csc_metrics.sample.writer import format_days


def days(*dates: str) -> np.ndarray:
    return np.array([day(dt.date.fromisoformat(d)) for d in dates])


def test_parse_years_reads_a_range_or_one_year():
    assert parse_years("2019-2025") == (2019, 2025)
    assert parse_years(" 2024 ") == (2024, 2024)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("2025-2019", "runs backwards"),
        ("19-25", "not a year range"),
        ("2010-2012", "outside the collection years"),
    ],
)
def test_parse_years_explains_what_is_wrong(text, words):
    with pytest.raises(ParameterError, match=words):
        parse_years(text)


def test_check_scale_refuses_zero():
    with pytest.raises(ParameterError, match="positive number"):
        check_scale(0)


def test_add_years_moves_29_february_to_28_february():
    # 29 Feb 2008 + 1 year has no 29 Feb: 28 Feb 2009; + 4 years lands on 29 Feb 2012.
    shifted = add_years(days("2008-02-29", "2008-02-29", "2010-06-15"), np.array([1, 4, 18]))
    assert list(shifted) == list(days("2009-02-28", "2012-02-29", "2028-06-15"))


def test_completed_years_counts_birthdays_reached():
    # Born 1 April 2008: 16 on 1 April 2024. Born 2 April 2008: still 15 that day.
    ages = completed_years(days("2008-04-01", "2008-04-02"), day(dt.date(2024, 4, 1)))
    assert list(ages) == [16, 15]


def test_format_days_writes_day_month_year_and_blanks():
    text = format_days(days("2024-03-31", "1999-12-01"), blank=np.array([False, True]))
    assert list(text) == ["31/03/2024", ""]


def test_quarter_ends_of_a_run():
    config = SampleConfig(first_year=2024, last_year=2025)
    # Data from 1 April 2023: quarter ends 30 June 2023 ... 31 March 2025 (8 of them).
    ends = [dt.date(1970, 1, 1) + dt.timedelta(days=int(d)) for d in config.snapshot_dates]
    assert ends[0] == dt.date(2023, 6, 30) and ends[-1] == dt.date(2025, 3, 31)
    assert len(ends) == 8
    shorter = SampleConfig(first_year=2021, last_year=2025, snapshot_years=1)
    assert len(shorter.snapshot_dates) == 4


def test_codes_are_translated_to_the_year_of_the_file():
    header = pd.DataFrame({"SEX": ["M", "F"]})
    assert _recode(header, "header", 2024)["SEX"].tolist() == ["1", "2"]
    assert _recode(header, "header", 2025)["SEX"].tolist() == ["M", "F"]
    oc3 = pd.DataFrame({"ACTIV": ["F5", "P4", "G5"]})
    assert _recode(oc3, "oc3", 2021)["ACTIV"].tolist() == ["F3", "P3", "G5"]
    episodes = pd.DataFrame(
        {"REC": ["E47", "E46"], "PLACE": ["H5", "U6"], "REASON_PLACE_CHANGE": ["CUSTOD", "CARPL"]}
    )
    assert _recode(episodes, "episodes", 2018)["REC"].tolist() == ["E44", "E43"]
    assert _recode(episodes, "episodes", 2018)["REASON_PLACE_CHANGE"].tolist() == ["OTHER", "CARPL"]
    assert _recode(episodes, "episodes", 2026)["PLACE"].tolist() == ["K3", "U6"]


def test_ethnic_groups_follow_the_first_letter_of_the_code():
    groups = ethnic_group(
        np.array(
            ["WBRI", "MWBC", "APKN", "BAFR", "CHNE", "OOTH", "REFU", "NOBT", None], dtype=object
        )
    )
    assert list(groups) == [
        "White",
        "Mixed",
        "Asian",
        "Black",
        "Other",
        "Other",
        "Refused or not obtained",
        "Refused or not obtained",
        "Not recorded",
    ]


def test_allocation_at_finds_the_open_segment():
    # Child 0 has worker 5 from day 10 to day 20, then worker 6 from day 20 to day 30.
    segments = pd.DataFrame(
        {"child": [0, 0, 1], "start": [10, 20, 15], "end": [20, 30, 16], "worker": [5, 6, 7]}
    )
    rows = allocation_at(segments, np.array([0, 0, 0, 1, 1]), np.array([9, 19, 20, 15, 16]))
    # Day 9 is before any segment; day 19 is in the first, 20 in the second; child 1's
    # segment covers day 15 only (it ends on day 16).
    assert list(rows) == [-1, 0, 1, 2, -1]


def test_cases_go_to_a_team_serving_the_childs_district():
    teams = team_layout(1.0)
    kind = np.array(["cla", "safeguarding", "cwd", "cla"], dtype=object)
    district = np.array(["Preston", "Burnley", "Burnley", "Manchester"], dtype=object)
    chosen = teams["team"].to_numpy()[assign_teams(np.random.default_rng(0), teams, kind, district)]
    assert chosen[0] in {"Preston CLA Team 1", "Preston CLA Team 2"}
    assert chosen[1] == "Burnley Safeguarding Team"
    assert chosen[2] == "Children with Disabilities Team"
    # A home outside the county may go to any CLA team.
    assert chosen[3].endswith("CLA Team") or "CLA Team" in chosen[3]


def test_small_runs_use_area_teams_and_large_runs_split_them():
    assert len(team_layout(0.2)) == 11
    assert len(team_layout(1.0)) == 22
    large = team_layout(3.0)
    assert len(large) == 66 and "Burnley CLA Team Unit 3" in set(large["team"])


def _history(rows: list[tuple]) -> CareHistory:
    """One period per child: (dob, start, end, final REC)."""
    children = pd.DataFrame(
        {
            "child": range(len(rows)),
            "dob": [r[0] for r in rows],
            "ethnic": "WBRI",
            "uasc": False,
            "sex": "F",
        }
    )
    periods = pd.DataFrame(
        {
            "period": range(len(rows)),
            "child": range(len(rows)),
            "start": [r[1] for r in rows],
            "end": [r[2] for r in rows],
            "route": "age18",
        }
    )
    episodes = pd.DataFrame({"child": range(len(rows)), "rec": [r[3] for r in rows]})
    return CareHistory(
        children=children,
        periods=periods,
        episodes=episodes,
        missing=pd.DataFrame(),
        settings=pd.DataFrame(),
    )


def test_care_leaver_cohort_needs_13_weeks_after_14_and_a_day_after_16():
    born = day(dt.date(2005, 6, 1))
    fourteen, sixteen, eighteen = (day(dt.date(2005 + a, 6, 1)) for a in (14, 16, 18))
    history = _history(
        [
            (born, fourteen + 300, eighteen, "E17"),  # in care 14y10m to 18: in the cohort
            (born, fourteen, fourteen + 90, "E4A"),  # 90 days after 14, none after 16: out
            (born, fourteen, sixteen, "E4A"),  # left on the 16th birthday itself: out
            (born, fourteen + 300, sixteen + 1, "E4A"),  # a day after 16 and 13+ weeks: in
            (born, fourteen + 300, eighteen, "E11"),  # adopted: out
        ]
    )
    assert care_leaver_cohort(history)["child"].tolist() == [0, 3]


def test_messy_csv_options_change_only_the_bytes_asked_for():
    frame = pd.DataFrame({"A": ["1"], "B": ["x"]})
    assert csv_bytes(frame, FileOptions()) == b"A,B\n1,x\n"
    assert csv_bytes(frame, FileOptions(bom=True, crlf=True)) == b"\xef\xbb\xbfA,B\r\n1,x\r\n"
    assert csv_bytes(frame, FileOptions(trailing_blank_rows=2)) == b"A,B\n1,x\n,\n,\n\n"


def test_workbooks_are_the_same_bytes_every_time():
    lists = {
        name: pd.DataFrame({column: ["x"] for column in columns})
        for name, columns in LIST_COLUMNS.items()
    }
    when = day(dt.date(2025, 3, 31))
    first, second = workbook_bytes(lists, when), workbook_bytes(lists, when)
    assert first == second
    entries = zipfile.ZipFile(io.BytesIO(first)).infolist()
    assert {e.date_time for e in entries} == {(2025, 3, 31, 8, 0, 0)}


def test_a_year_return_has_every_table_the_reader_uses_in_its_order():
    # The generator keeps its own list so that `csc-metrics sample` need not import the reader
    # (importing ssda903 loads the whole ingest); this keeps the two lists one rule.
    from csc_metrics.sample.ssda903 import TABLES
    from csc_metrics.ssda903.specs import USED_TABLES

    assert TABLES == USED_TABLES
