"""Independent readers and checks for generated sample folders, shared by the sample tests.

Nothing here uses the generator's internals: everything is read back from the files as a user
would, with plain pandas, so the tests check what was written rather than how.
"""

from __future__ import annotations

import json
import math
import re
from importlib.resources import files
from pathlib import Path

import numpy as np
import pandas as pd

EET = {"F1", "P1", "F2", "P2", "F3", "P3", "F4", "P4", "F5", "P5"}
PLACEMENT_RNE = {"S", "P", "B", "T", "U"}
TEMPORARY = {"T0", "T1", "T2", "T3", "T4"}


def reference(name: str) -> pd.DataFrame:
    """Read one of the package's shared reference CSVs as text."""
    with (files("csc_metrics") / "reference" / name).open(encoding="utf-8") as handle:
        return pd.read_csv(handle, dtype=str, keep_default_na=False)


def read_csv(path: Path) -> pd.DataFrame:
    """Read a generated CSV with every column as text and blanks as empty strings."""
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def read_year(folder: Path, year: int) -> dict[str, pd.DataFrame]:
    """Read every table of one year's SSDA903 return."""
    return {p.stem: read_csv(p) for p in sorted((folder / "ssda903" / str(year)).glob("*.csv"))}


def years_in(folder: Path) -> list[int]:
    """Collection years present in a sample folder."""
    return sorted(int(p.name) for p in (folder / "ssda903").iterdir())


def valid_codes(table: str, column: str, year: int) -> set[str]:
    """Codes valid for a table column in a collection year, from ssda903_codes.csv."""
    codes = reference("ssda903_codes.csv")
    rows = codes[(codes["table"] == table) & (codes["column"] == column)]
    first = pd.to_numeric(rows["first_year"], errors="coerce").fillna(0)
    last = pd.to_numeric(rows["last_year"], errors="coerce").fillna(9999)
    return set(rows.loc[(first <= year) & (last >= year), "code"])


def dates(values: pd.Series) -> pd.Series:
    """Parse dd/mm/yyyy text (blank -> NaT, anything else invalid -> error)."""
    return pd.to_datetime(values.replace("", None), format="%d/%m/%Y", errors="raise")


def manifest_json(folder: Path) -> dict:
    """The machine-readable block of a folder's MANIFEST.md."""
    text = (folder / "MANIFEST.md").read_text(encoding="utf-8")
    block = re.search(r"```json\n(.*?)\n```", text, re.S)
    assert block, "MANIFEST.md has no ```json block"
    return json.loads(block.group(1))


def wilson(successes: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95% Wilson score interval of a proportion."""
    if n == 0:
        return 0.0, 1.0
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def merged_episodes(folder: Path) -> pd.DataFrame:
    """Episodes of every year, one row per child and start, preferring the latest file."""
    parts = []
    for year in years_in(folder):
        frame = read_csv(folder / "ssda903" / str(year) / "episodes.csv")
        parts.append(frame.assign(year=year))
    episodes = pd.concat(parts, ignore_index=True)
    episodes = episodes.sort_values("year").drop_duplicates(["CHILD", "DECOM"], keep="last")
    episodes["decom"] = dates(episodes["DECOM"])
    episodes["dec"] = dates(episodes["DEC"])
    return episodes.sort_values(["CHILD", "decom"]).reset_index(drop=True)


def looked_after_on(episodes: pd.DataFrame, when: pd.Timestamp) -> pd.DataFrame:
    """Non-short-break episodes open on a day (DEC blank or after it)."""
    open_now = (episodes["decom"] <= when) & (episodes["dec"].isna() | (episodes["dec"] > when))
    return episodes[open_now & ~episodes["LS"].isin(["V3", "V4"])]


def three_plus_placements_pct(episodes: pd.DataFrame, when: pd.Timestamp) -> float:
    """Spec §2: % of children looked after on ``when`` with 3+ placements in the 12 months."""
    start = when - pd.DateOffset(years=1) + pd.Timedelta(days=1)
    children = looked_after_on(episodes, when)["CHILD"].unique()
    rows = episodes[
        episodes["CHILD"].isin(children)
        & ~episodes["LS"].isin(["V3", "V4"])
        & (episodes["decom"] <= when)
        & (episodes["dec"].isna() | (episodes["dec"] >= start))
    ]
    rows = rows.sort_values(["CHILD", "decom"])
    previous = rows.groupby("CHILD").shift(1)
    before_previous = rows.groupby("CHILD").shift(2)
    first = rows["CHILD"].ne(rows["CHILD"].shift(1))
    temporary = rows["PLACE"].isin(TEMPORARY)
    returning = (
        previous["PLACE"].isin(TEMPORARY)
        & (rows["PLACE"] == before_previous["PLACE"])
        & (rows["PL_POST"] == before_previous["PL_POST"])
    )
    counts = first | (rows["RNE"].isin(PLACEMENT_RNE) & ~temporary & ~returning)
    per_child = counts.groupby(rows["CHILD"]).sum()
    return float((per_child >= 3).mean() * 100)


def quarter_ends(first: str, last: str) -> list[pd.Timestamp]:
    """Quarter-end dates from ``first`` to ``last`` inclusive."""
    return list(pd.date_range(first, last, freq="QE"))


def care_leaver_rows(folder: Path) -> pd.DataFrame:
    """OC3 rows of every year with the reference birthday and age band (spec §3)."""
    parts = []
    for year in years_in(folder):
        oc3 = read_csv(folder / "ssda903" / str(year) / "oc3.csv")
        header = read_csv(folder / "ssda903" / str(year) / "header.csv")
        oc3 = oc3.merge(header[["CHILD", "ETHNIC"]], on="CHILD", how="left")
        dob = dates(oc3["DOB"])
        start = pd.Timestamp(year - 1, 4, 1)
        end = pd.Timestamp(year, 3, 31)
        birthday = pd.Series(pd.NaT, index=oc3.index, dtype="datetime64[ns]")
        age = pd.Series(0, index=oc3.index)
        for years in range(17, 22):
            candidate = dob + pd.DateOffset(years=years)
            hit = (candidate >= start) & (candidate <= end)
            birthday[hit] = candidate[hit]
            age[hit] = years
        parts.append(oc3.assign(year=year, birthday=birthday, age=age))
    rows = pd.concat(parts, ignore_index=True)
    rows["band"] = np.where(rows["age"] <= 18, "17_18", "19_21")
    rows["eet"] = rows["ACTIV"].isin(EET)
    rows["group"] = (
        rows["ETHNIC"]
        .str[0]
        .map({"W": "White", "M": "Mixed", "A": "Asian", "B": "Black", "C": "Other", "O": "Other"})
    )
    return rows


def eet_pct(
    rows: pd.DataFrame, when: pd.Timestamp, band: str, group: str | None = None
) -> tuple[int, int]:
    """(EET count, cohort) of care leavers with a reference birthday in the 12 months to when."""
    cohort = rows[
        (rows["band"] == band)
        & (rows["birthday"] > when - pd.DateOffset(years=1))
        & (rows["birthday"] <= when)
        & ~rows["IN_TOUCH"].isin(["DIED", "RHOM"])
    ]
    if group is not None:
        cohort = cohort[cohort["group"] == group]
    return int(cohort["eet"].sum()), len(cohort)


def xmr_limits(values: list[float]) -> tuple[float, float, float]:
    """NHS "Making Data Count" XmR centre and limits (moving ranges screened at 3.267)."""
    series = np.asarray(values, dtype=float)
    ranges = np.abs(np.diff(series))
    ranges = ranges[ranges <= 3.267 * ranges.mean()]
    centre = series.mean()
    return centre, centre - 2.66 * ranges.mean(), centre + 2.66 * ranges.mean()


def xmr_signals(values: list[float]) -> np.ndarray:
    """Points flagged by any "Making Data Count" rule (limit, trend, two-of-three, shift)."""
    series = np.asarray(values, dtype=float)
    centre, lower, upper = xmr_limits(values)
    flagged = (series < lower) | (series > upper)
    n = len(series)
    for i in range(n - 6):
        steps = np.diff(series[i : i + 7])
        window = series[i : i + 7]
        if (
            (steps < 0).all()
            or (steps > 0).all()
            or (window < centre).all()
            or (window > centre).all()
        ):
            flagged[i : i + 7] = True
    low_zone = centre - 2 / 3 * (centre - lower)
    high_zone = centre + 2 / 3 * (upper - centre)
    for i in range(n - 2):
        window = series[i : i + 3]
        if (window < low_zone).sum() >= 2 or (window > high_zone).sum() >= 2:
            flagged[i : i + 3] = True
    return flagged


def read_sheets(path: Path, names: list[str]) -> dict[str, pd.DataFrame]:
    """Annex A lists as frames, read by pandas (the first row is the header).

    pandas' calamine engine, not openpyxl: openpyxl's XML parsing made reading the twelve
    sample workbooks take several seconds; the package's own reader is not involved either way.
    """
    return pd.read_excel(path, sheet_name=names, engine="calamine")


CLOSURE_COLUMNS = {
    "List 6": "CIN Closure Date",
    "List 7": "Child Protection Plan End Date",
    "List 8": "Date Ceased to be Looked After",
}


def team_caseloads(folder: Path) -> pd.DataFrame:
    """Cases per FTE of each team at each snapshot, from Annex A and the workforce list.

    A case is a child open on any list (one per child), held by the worker on its row; a team's
    caseload is the cases its case-holding workers hold over their FTE (spec §4).
    """
    rows = []
    for snapshot in sorted((folder / "caseload").iterdir()):
        workforce = read_csv(snapshot / "workforce.csv")
        parts = []
        sheets = read_sheets(snapshot / "annex_a.xlsx", ["List 6", "List 7", "List 8", "List 9"])
        for name, sheet in sheets.items():
            if name in CLOSURE_COLUMNS:
                sheet = sheet[sheet[CLOSURE_COLUMNS[name]].isna()]
            parts.append(sheet[["Child Unique ID", "Allocated Worker"]])
        cases = pd.concat(parts).dropna().drop_duplicates("Child Unique ID")
        held = cases.groupby("Allocated Worker").size().rename("cases")
        staff = workforce.set_index("worker_id")[["team", "fte"]].join(held, how="inner")
        staff["fte"] = staff["fte"].astype(float)
        staff = staff[staff["cases"] / staff["fte"] <= 50]
        per_team = staff.groupby("team")[["cases", "fte"]].sum()
        per_team["per_fte"] = per_team["cases"] / per_team["fte"]
        rows.append(per_team.assign(snapshot=snapshot.name).reset_index())
    return pd.concat(rows, ignore_index=True)
