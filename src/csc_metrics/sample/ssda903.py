"""Cutting the simulated histories into yearly SSDA903 returns, in each year's own codes.

A year-Y return (collection year ending 31 March Y) holds every child looked after at any time
in the year, with all their episodes that started by 31 March Y. An episode still open on
31 March Y has DEC, REC and REASON_PLACE_CHANGE blank in that file, even if it closes later, as
a real longitudinal return would. Codes are simulated in their current form and translated to
the code list valid in the file's year (SEX 1/2 before 2024-25, ACTIV F3/P3 before 2021-22,
E43/E44 before 2018-19, H5/P2 to K3 from 2025-26).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd

from csc_metrics.reference_files import read_reference
from csc_metrics.sample.care import BLANK_ROW, CareHistory
from csc_metrics.sample.config import SampleConfig, add_years
from csc_metrics.sample.geography import Geography
from csc_metrics.sample.permanence import PermanenceRecords
from csc_metrics.sample.permanence import year_tables as permanence_year_tables
from csc_metrics.sample.writer import format_days

#: Codes simulated in current form and the code a given year's list uses instead:
#: (table, column, current code, first year, last year, code in those years).
YEAR_RECODES: tuple[tuple[str, str, str, int, int, str], ...] = (
    ("header", "SEX", "M", 0, 2024, "1"),
    ("header", "SEX", "F", 0, 2024, "2"),
    ("uasc", "SEX", "M", 0, 2024, "1"),
    ("uasc", "SEX", "F", 0, 2024, "2"),
    ("episodes", "REC", "E45", 0, 2018, "E43"),
    ("episodes", "REC", "E46", 0, 2018, "E43"),
    ("episodes", "REC", "E47", 0, 2018, "E44"),
    ("episodes", "REC", "E48", 0, 2018, "E44"),
    ("episodes", "REASON_PLACE_CHANGE", "CUSTOD", 0, 2018, "OTHER"),
    ("episodes", "PLACE", "H5", 2026, 9999, "K3"),
    ("episodes", "PLACE", "P2", 2026, 9999, "K3"),
    ("oc3", "ACTIV", "F4", 0, 2021, "F3"),
    ("oc3", "ACTIV", "F5", 0, 2021, "F3"),
    ("oc3", "ACTIV", "P4", 0, 2021, "P3"),
    ("oc3", "ACTIV", "P5", 0, 2021, "P3"),
)
#: The tables of a year's return, in the order they are written.
TABLES = (
    "header",
    "episodes",
    "oc3",
    "uasc",
    "missing",
    "sw_episodes",
    "ad1",
    "placed_adoption",
    "prev_perm",
)
FILE_NAMES = {table: f"{table}.csv" for table in TABLES}


@cache
def table_columns() -> dict[str, tuple[list[str], int | None]]:
    """Columns of each SSDA903 table and the first year it exists, from the shared reference."""
    reference = read_reference("ssda903_tables.csv")
    result = {}
    for table, rows in reference.groupby("table", sort=False):
        first = rows["first_year"].iloc[0]
        result[table] = (rows["column"].tolist(), int(first) if first else None)
    return result


@dataclass
class ReturnInputs:
    """What the yearly returns are cut from.

    Attributes:
        history: Care histories.
        child_ids: Council id per child index.
        oc3: Care-leaver rows (see ``care_leavers.care_leaver_rows``).
        sw_episodes: Social-worker episodes: ``child, sw_id, start, end, reason``.
        geography: For postcode text.
        permanence: AD1, PlacedAdoption and PrevPerm records (none: those tables are not
            written).
    """

    history: CareHistory
    child_ids: np.ndarray
    oc3: pd.DataFrame
    sw_episodes: pd.DataFrame
    geography: Geography
    permanence: PermanenceRecords | None = None


def year_return(config: SampleConfig, inputs: ReturnInputs, year: int) -> dict[str, pd.DataFrame]:
    """Build one year's tables as text, in that year's codes.

    Args:
        config: The run's configuration.
        inputs: Histories and derived tables.
        year: Collection year.

    Returns:
        Table name -> frame of text columns, for the tables that exist in that year.
    """
    columns = table_columns()
    postcode_text = np.append(
        inputs.geography.postcodes["postcode"].to_numpy(dtype=object), np.array([""], dtype=object)
    )
    tables = _year_tables(config, inputs, year, postcode_text)
    for table, frame in list(tables.items()):
        wanted, first_year = columns[table]
        if first_year is not None and year < first_year:
            del tables[table]
            continue
        tables[table] = _recode(frame[wanted], table, year)
    return tables


def _recode(frame: pd.DataFrame, table: str, year: int) -> pd.DataFrame:
    frame = frame.copy()
    for name, column, current, first, last, becomes in YEAR_RECODES:
        if name == table and first <= year <= last:
            values = frame[column].to_numpy(dtype=object)
            frame[column] = np.where(values == current, becomes, values)
    return frame


def _year_tables(
    config: SampleConfig, inputs: ReturnInputs, year: int, postcode_text: np.ndarray
) -> dict[str, pd.DataFrame]:
    history = inputs.history
    children = history.children
    ids = inputs.child_ids
    year_start = config.year_starts[year]
    year_end = config.year_ends[year]
    episodes = history.episodes

    in_year = (episodes["decom"] <= year_end) & (episodes["dec"] >= year_start)
    looked_after = np.unique(episodes.loc[in_year, "child"].to_numpy())
    rows = episodes[episodes["child"].isin(looked_after) & (episodes["decom"] <= year_end)]
    rows = rows.assign(child_id=ids[rows["child"].to_numpy()])
    rows = rows.sort_values(["child_id", "decom"], kind="stable")
    still_open = rows["dec"].to_numpy() > year_end
    home_row = children["home_row"].to_numpy()[rows["child"].to_numpy()]
    episodes_table = pd.DataFrame(
        {
            "CHILD": rows["child_id"].to_numpy(),
            "DECOM": format_days(rows["decom"].to_numpy()),
            "RNE": rows["rne"].to_numpy(dtype=object),
            "LS": rows["ls"].to_numpy(dtype=object),
            "CIN": rows["cin"].to_numpy(dtype=object),
            "PLACE": rows["place"].to_numpy(dtype=object),
            "PLACE_PROVIDER": rows["provider"].to_numpy(dtype=object),
            "DEC": format_days(rows["dec"].to_numpy(), blank=still_open),
            "REC": np.where(still_open, "", rows["rec"].to_numpy(dtype=object)),
            "REASON_PLACE_CHANGE": np.where(
                still_open, "", rows["reason_place_change"].to_numpy(dtype=object)
            ),
            "HOME_POST": postcode_text[np.where(home_row == BLANK_ROW, -1, home_row)],
            "PL_POST": postcode_text[
                np.where(rows["pl_row"].to_numpy() == BLANK_ROW, -1, rows["pl_row"].to_numpy())
            ],
            "URN": rows["urn"].to_numpy(dtype=object),
        }
    )

    oc3 = inputs.oc3[inputs.oc3["year"] == year]
    oc3 = oc3.assign(child_id=ids[oc3["child"].to_numpy()]).sort_values("child_id", kind="stable")
    dob = children["dob"].to_numpy()
    oc3_table = pd.DataFrame(
        {
            "CHILD": oc3["child_id"].to_numpy(),
            "DOB": format_days(dob[oc3["child"].to_numpy()]),
            "IN_TOUCH": oc3["in_touch"].to_numpy(dtype=object),
            "ACTIV": oc3["activ"].to_numpy(dtype=object),
            "ACCOM": oc3["accom"].to_numpy(dtype=object),
        }
    )

    in_file = np.union1d(looked_after, oc3["child"].to_numpy())
    header_table = _header(children, ids, in_file, year_end)
    uasc_children = in_file[children["uasc"].to_numpy()[in_file]]
    birthday18 = add_years(dob[uasc_children], 18)
    uasc_table = pd.DataFrame(
        {
            "CHILD": ids[uasc_children],
            "SEX": children["sex"].to_numpy(dtype=object)[uasc_children],
            "DOB": format_days(dob[uasc_children]),
            "DUC": format_days(birthday18, blank=birthday18 > year_end),
        }
    ).sort_values("CHILD", kind="stable")

    missing = history.missing
    missing = missing[
        missing["child"].isin(looked_after)
        & (missing["start"] >= year_start)
        & (missing["start"] <= year_end)
    ]
    missing = missing.assign(child_id=ids[missing["child"].to_numpy()]).sort_values(
        ["child_id", "start"], kind="stable"
    )
    missing_table = pd.DataFrame(
        {
            "CHILD": missing["child_id"].to_numpy(),
            "DOB": format_days(dob[missing["child"].to_numpy()]),
            "MISSING": missing["missing"].to_numpy(dtype=object),
            "MIS_START": format_days(missing["start"].to_numpy()),
            "MIS_END": format_days(
                missing["end"].to_numpy(), blank=missing["end"].to_numpy() > year_end
            ),
        }
    )

    sw = inputs.sw_episodes
    sw = sw[sw["child"].isin(looked_after) & (sw["start"] <= year_end) & (sw["end"] > year_start)]
    sw = sw.assign(child_id=ids[sw["child"].to_numpy()]).sort_values(
        ["child_id", "start"], kind="stable"
    )
    sw_table = pd.DataFrame(
        {
            "CHILD": sw["child_id"].to_numpy(),
            "DOB": format_days(dob[sw["child"].to_numpy()]),
            "SW_ID": sw["sw_id"].to_numpy(dtype=object),
            "SW_DECOM": format_days(sw["start"].to_numpy()),
            "SW_DEC": format_days(sw["end"].to_numpy(), blank=sw["end"].to_numpy() > year_end),
            "SW_REASON": sw["reason"].to_numpy(dtype=object),
        }
    )
    tables = {
        "header": header_table,
        "episodes": episodes_table,
        "oc3": oc3_table,
        "uasc": uasc_table,
        "missing": missing_table,
        "sw_episodes": sw_table,
    }
    if inputs.permanence is not None:
        tables |= permanence_year_tables(config, inputs.permanence, ids, dob, looked_after, year)
    return tables


def _header(
    children: pd.DataFrame, ids: np.ndarray, in_file: np.ndarray, year_end: int
) -> pd.DataFrame:
    dob = children["dob"].to_numpy()[in_file]
    sex = children["sex"].to_numpy(dtype=object)[in_file]
    age = (year_end - dob) / 365.25
    female_12 = (sex == "F") & (age >= 12)
    mother = (
        children["mother"].to_numpy(dtype=bool)[in_file]
        if "mother" in children
        else np.zeros(len(in_file), dtype=bool)
    )
    mother_code = np.where(female_12, np.where(mother, "1", "0"), "").astype(object)
    mc_dob_days = (
        children["mother_child_dob"].to_numpy()[in_file]
        if "mother_child_dob" in children
        else np.zeros(len(in_file), dtype=np.int64)
    )
    has_child = female_12 & mother & (mc_dob_days <= year_end)
    mother_code[female_12 & mother & ~has_child] = "0"
    # A child under school age at the end of the year has no UPN yet (UN1).
    upn = children["upn"].to_numpy(dtype=object)[in_file]
    has_upn = ~pd.Series(upn, dtype=object).str.startswith("UN").to_numpy()
    upn = np.where(has_upn & (age < 5), "UN1", upn).astype(object)
    table = pd.DataFrame(
        {
            "CHILD": ids[in_file],
            "SEX": sex,
            "DOB": format_days(dob),
            "ETHNIC": children["ethnic"].to_numpy(dtype=object)[in_file],
            "UPN": upn,
            "MOTHER": np.where(has_child, "1", mother_code).astype(object),
            "MC_DOB": format_days(mc_dob_days, blank=~has_child),
        }
    )
    return table.sort_values("CHILD", kind="stable").reset_index(drop=True)
