"""Rebuild the packaged DfE benchmark data from the published underlying data files.

Run ``make benchmarks-data`` (or ``python scripts/build_benchmarks.py``) after copying a new DfE
release into ``../shared/reference/dfe``: the script reads every published file, keeps the
headline indicators only, and rewrites four compact tables under ``src/csc_metrics/reference/``:

- ``benchmarks.csv``: one row per indicator, year and area (England, a region or a council):
  the published value, the DfE symbol when the value is withheld, numerator, denominator and the
  source of the row. ``area_code`` is E92000001 for England, the region's E12 code, or the
  council's old three-digit code (``314/318`` for a joint return). ``cla_count`` is not stored
  twice: it is the numerator of ``cla_rate_per_10k``.
- ``benchmark_sources.csv``: each source's publication, release, file, period basis (year ending
  31 March, or at 30 September), coverage and licence.
- ``councils.csv``: every council in the files with its old and current new code, codes it was
  published under before, name, region, status (current or former) and reorganisation notes.
- ``statistical_neighbours.csv``: each council's ten statistical neighbours and the model used
  (the newest model, else the older groupings for councils that model does not cover).
- ``adoption_stage_benchmarks.csv``: England's average time between the stages of adoption, by
  age on starting the final period of care, published in years and months and converted to
  days (``csc_metrics.benchmarks.stages``); the all-ages averages are also ``benchmarks.csv``
  rows.

The output is deterministic (sorted rows, fixed number formatting), so running the script twice
on the same files changes nothing. File names with a year in them are found by pattern
(``csww_indicators_*.csv``, ``sn_model_*_wide.csv``), so next year's release needs no edit here
unless DfE renames a column or a breakdown label; the script then stops and names it.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from csc_metrics.benchmarks import COVERAGE_ALL, ENGLAND_CODE, SYMBOL_REASONS
from csc_metrics.benchmarks.stages import (
    ALL_AGES,
    STAGE_COLUMNS,
    months_to_days,
    years_months_to_months,
)

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = REPO_ROOT.parent / "shared" / "reference" / "dfe"
DEFAULT_OUTPUT = REPO_ROOT / "src" / "csc_metrics" / "reference"

LONDON_CODE = "E12000007"
#: DfE publishes London boroughs under Inner and Outer London; their region is London.
SUB_REGION_TO_REGION = {"E13000001": LONDON_CODE, "E13000002": LONDON_CODE}
LICENCE = "Open Government Licence v3.0"
ATTRIBUTION = (
    "Department for Education. Contains public sector information licensed under the "
    "Open Government Licence v3.0."
)
#: DfE / GSS symbols that stand in for a withheld value.
SYMBOLS = set(SYMBOL_REASONS)
CLA_URL = (
    "https://explore-education-statistics.service.gov.uk/find-statistics/"
    "children-looked-after-in-england-including-adoptions"
)
CSWW_URL = (
    "https://explore-education-statistics.service.gov.uk/find-statistics/"
    "children-s-social-work-workforce"
)
CLA_TITLE = "Children looked after in England including adoptions"
CSWW_TITLE = "Children's social work workforce"
MARCH = "year ending 31 March"
SEPTEMBER = "at 30 September"
PERIOD_END = {MARCH: "03-31", SEPTEMBER: "09-30"}

PUBLISHERS = {
    "cla": (CLA_TITLE, CLA_URL, MARCH),
    "csww": (CSWW_TITLE, CSWW_URL, SEPTEMBER),
}
#: Published files: key -> (file name or pattern, publisher). A breakdown file's counts and
#: percentages are its one ``*_count`` and one ``*_percent`` column.
FILES = {
    "cla": ("cla_number_and_rate_per_10k_children.csv", "cla"),
    "stab": ("la_cla_placement_stability.csv", "cla"),
    "newpl": ("la_cla_during_year_new_placements.csv", "cla"),
    "clact": ("la_care_leavers_activity.csv", "cla"),
    "clacc": ("la_care_leavers_accommodation_suitability.csv", "cla"),
    "ceased": ("la_cla_ceased_during_year.csv", "cla"),
    "csww": ("csww_indicators_*.csv", "csww"),
}
#: Files that name their areas differently from the others: the columns read, and the function
#: that puts them into the common layout (``AREA_COLUMNS``, counts in ``*_count``, published
#: percentages in ``*_percent``). It is given the tables already read, for the region codes.
CEASED_COLUMNS = [
    "time_period",
    "geographic_level",
    "geo_breakdown",
    "old_la_code",
    "new_la_code",
    "cla_group",
    "characteristic",
    "number",
    "percentage",
]
#: The DfE's adoption stages file (England only) and what each stage is in the catalogue.
STAGES_FILE = "national_cla_adopted_average_time_between_adoption_process_stages.csv"
STAGES_COLUMNS = [
    "time_period",
    "geographic_level",
    "stage_of_adoption_process",
    "age_start_poc",
    "number",
]
STAGE_IDS = {
    "1. Average time between entry into care and decision that child should be placed for "
    "adoption": ("entry_to_decision", "adoption_entry_to_decision_days"),
    "2. Average time between decision that child should be placed for adoption and matching of "
    "child and adopters": ("decision_to_match", "adoption_decision_to_match_days"),
    "3. Average time between date of matching and date placed for adoption": (
        "match_to_placed",
        "adoption_match_to_placed_days",
    ),
    "4. Total average time between entry into care and date placed for adoption": (
        "a1",
        "adoption_a1_days",
    ),
    "5. Average time between date placed for adoption and the date child adopted": (
        "placed_to_adopted",
        "adoption_placed_to_adopted_days",
    ),
    "6. Total average time between entry into care and adoption": (
        "entry_to_adopted",
        "adoption_entry_to_adopted_days",
    ),
}
#: The file's age groups -> the groups of the indicators' ``age_at_entry`` breakdown.
STAGE_AGES = {
    "Aged under 1": "Under 1",
    "Aged 1": "1",
    "Aged 2": "2",
    "Aged 3": "3",
    "Aged 4": "4",
    "Aged 5": "5",
    "Aged 6": "6",
    "Aged 7 and over": "7 and over",
    "Total": ALL_AGES,
}
STAGES_COVERAGE = "England only (the DfE publishes these averages for England only)"
#: How each indicator is read from the files: ``reference/benchmark_measures.csv``. A row with
#: no ``label_column`` names columns (``a+b`` is a sum); with one, it names breakdown rows: the
#: published percentage of the ``value`` row, or, when ``value`` is blank, the sum of the
#: ``numerator`` rows (``|``-separated) over the ``denominator`` row. Source ``curated`` is the
#: shared reference table of CLA at 31 March by distance and locality.
MEASURES_FILE = REPO_ROOT / "src" / "csc_metrics" / "reference" / "benchmark_measures.csv"

#: The categories DfE adds up into "Total in education, employment or training" (checked).
EET_COMPONENTS = [
    "Higher education i.e. studies beyond A level",
    "Education other than higher education",
    "In training or employment",
    "In training or employment (excl. apprenticeship)",
    "In an apprenticeship",
]

#: Facts about reorganisations that the files show only as codes appearing and disappearing.
COUNCIL_NOTES = {
    "825": "Buckinghamshire Council (unitary) from 1 April 2020; same children's services area.",
    "815": "North Yorkshire Council (unitary) from 1 April 2023; same children's services area.",
    "933": "Somerset Council (unitary) from 1 April 2023; same children's services area.",
    "835": "Dorset County Council, replaced on 1 April 2019 by Dorset (838) and "
    "Bournemouth, Christchurch and Poole (839).",
    "836": "Poole, merged on 1 April 2019 into Bournemouth, Christchurch and Poole (839).",
    "837": "Bournemouth, merged on 1 April 2019 into Bournemouth, Christchurch and Poole (839).",
    "838": "Dorset Council, created on 1 April 2019 from most of Dorset County Council (835).",
    "839": "Created on 1 April 2019 from Bournemouth (837), Poole (836) and Christchurch.",
    "928": "Abolished on 1 April 2021: replaced by North Northamptonshire (940) and "
    "West Northamptonshire (941).",
    "940": "Created on 1 April 2021 from Northamptonshire (928); its workforce is published "
    "jointly with West Northamptonshire (one children's trust).",
    "941": "Created on 1 April 2021 from Northamptonshire (928); its workforce is published "
    "jointly with North Northamptonshire (one children's trust).",
    "909": "Abolished on 1 April 2023: replaced by Cumberland (942) and Westmorland and "
    "Furness (943).",
    "942": "Created on 1 April 2023 from Cumbria (909).",
    "943": "Created on 1 April 2023 from Cumbria (909).",
    "314": "Its workforce is published jointly with Richmond upon Thames (one children's "
    "services company).",
    "318": "Its workforce is published jointly with Kingston upon Thames (one children's "
    "services company).",
}

BENCHMARK_COLUMNS = [
    "indicator_id",
    "year",
    "area_code",
    "value",
    "symbol",
    "numerator",
    "denominator",
    "source_id",
]
SOURCE_COLUMNS = [
    "source_id",
    "publication",
    "release",
    "url",
    "file",
    "years",
    "period_basis",
    "period_end",
    "coverage",
    "licence",
    "attribution",
    "notes",
]
COUNCIL_COLUMNS = [
    "la_code_old",
    "la_code_new",
    "other_la_codes_new",
    "la_name",
    "region_code",
    "region_name",
    "status",
    "first_year",
    "last_year",
    "joint_return_code",
    "sn_model",
    "note",
]
AREA_COLUMNS = [
    "time_period",
    "geographic_level",
    "region_code",
    "region_name",
    "old_la_code",
    "new_la_code",
    "la_name",
]
LEVELS = {"National": "national", "Regional": "regional", "Local authority": "la"}
KEYS = ["level", "year", "area_code"]


class BuildError(Exception):
    """A published file is missing or not in the expected layout."""


def find_file(folder: Path, pattern: str) -> Path:
    """Return the file matching a pattern, the last by name when several match.

    Args:
        folder: Folder of published files.
        pattern: File name or glob pattern.

    Returns:
        The path.

    Raises:
        BuildError: If nothing matches.
    """
    matches = sorted(folder.glob(pattern))
    if not matches:
        raise BuildError(f"No file matching {pattern!r} in {folder}.")
    return matches[-1]


def read_published(path: Path, required: list[str]) -> pd.DataFrame:
    """Read a published CSV as stripped text (byte-order mark removed, blanks kept as blanks).

    Args:
        path: The file.
        required: Columns the file must have.

    Returns:
        The table.

    Raises:
        BuildError: If a required column is missing.
    """
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    frame.columns = frame.columns.str.strip()
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise BuildError(
            f"{path.name}: missing column(s) {', '.join(missing)}; "
            f"found {', '.join(frame.columns)}."
        )
    return frame.apply(lambda col: col.str.strip())


def split_symbol(values: pd.Series, where: str) -> tuple[pd.Series, pd.Series]:
    """Split published cells into numbers and DfE symbols.

    Args:
        values: Published cells as text.
        where: File and column, for the error message.

    Returns:
        ``(numbers, symbols)``: a float per cell (NaN when withheld) and the symbol ('' for a
        number or a blank cell).

    Raises:
        BuildError: If a cell is neither a number, a known symbol nor blank.
    """
    values = values.fillna("")
    numbers = pd.to_numeric(values, errors="coerce")
    # The curated table writes symbols with an explanation, e.g. "c (suppressed)".
    symbols = values.str.extract(r"^([a-z]+)\b", expand=False).fillna("")
    bad = numbers.isna() & values.ne("") & ~symbols.isin(SYMBOLS)
    if bad.any():
        examples = ", ".join(repr(v) for v in values[bad].unique()[:5])
        raise BuildError(f"{where}: unexpected value(s) {examples}; expected numbers or {SYMBOLS}.")
    return numbers, symbols.where(numbers.isna(), "")


def keep_areas(frame: pd.DataFrame) -> pd.DataFrame:
    """Keep England, the nine regions and councils, and give each row its area code.

    Inner and Outer London regional rows are dropped (London is the region); council rows in
    them get the London region code. A joint return's codes ``314 / 318`` become ``314/318``.
    """
    frame = frame[frame["geographic_level"].isin(LEVELS)].copy()
    sub_region = frame["geographic_level"].eq("Regional") & frame["region_code"].isin(
        SUB_REGION_TO_REGION
    )
    frame = frame[~sub_region]
    frame["level"] = frame["geographic_level"].map(LEVELS)
    frame["region_code"] = frame["region_code"].replace(SUB_REGION_TO_REGION)
    frame["year"] = frame["time_period"].astype(int)
    frame["la_code_old"] = frame["old_la_code"].str.replace(" / ", "/")
    frame["la_code_new"] = frame["new_la_code"].str.replace(" / ", "/")
    frame["area_code"] = np.select(
        [frame["level"].eq("national"), frame["level"].eq("regional")],
        [ENGLAND_CODE, frame["region_code"]],
        frame["la_code_old"],
    )
    return frame


def percent_column(frame: pd.DataFrame, suffix: str, where: str) -> str:
    """Return the one column of a breakdown file ending in ``suffix`` (``_count``, ``_percent``)."""
    found = [c for c in frame.columns if c.endswith(suffix)]
    if len(found) != 1:
        raise BuildError(f"{where}: expected one column ending in {suffix!r}, found {found}.")
    return found[0]


def column_measure(frame: pd.DataFrame, spec: pd.Series, where: str) -> pd.DataFrame:
    """Read an indicator whose value, numerator and denominator are columns (``a+b`` sums)."""
    if spec.group_column:
        frame = frame[frame[spec.group_column] == spec.group]
    needed = {spec.value, *spec.numerator.split("+"), *spec.denominator.split("+")}
    missing = sorted(needed - set(frame.columns))
    if missing or frame.empty:
        raise BuildError(f"{where}: no rows, or missing column(s) {', '.join(missing)}.")

    def total(columns: str) -> pd.Series:
        numbers = [split_symbol(frame[c], f"{where}, {c}")[0] for c in columns.split("+")]
        return pd.concat(numbers, axis=1).sum(axis=1, min_count=len(numbers))

    value, symbol = split_symbol(frame[spec.value], f"{where}, {spec.value}")
    counted_symbol = split_symbol(frame[spec.numerator.split("+")[0]], where)[1]
    return frame[KEYS].assign(
        value=value,
        symbol=symbol.where(symbol.ne(""), counted_symbol).where(value.isna(), ""),
        numerator=total(spec.numerator),
        denominator=total(spec.denominator),
    )


def breakdown_measure(frame: pd.DataFrame, spec: pd.Series, where: str) -> pd.DataFrame:
    """Read an indicator published as breakdown rows (one row per category and area)."""
    count_col = percent_column(frame, "_count", where)
    percent_col = percent_column(frame, "_percent", where)
    frame = frame[frame[spec.group_column] == spec.group]
    numerator_labels = spec.numerator.split("|")
    for label in [*numerator_labels, spec.denominator]:
        if not frame[spec.label_column].eq(label).any():
            raise BuildError(
                f"{where}: no rows with {spec.label_column} = {label!r} for {spec.group!r}."
            )
    wide = frame.pivot_table(
        index=KEYS, columns=spec.label_column, values=[count_col, percent_col], aggfunc="first"
    )
    counts = {
        label: split_symbol(wide[(count_col, label)], where)
        for label in [*numerator_labels, spec.denominator]
    }
    denominator, denominator_symbol = counts[spec.denominator]
    if spec.value:
        numerator = counts[numerator_labels[0]][0]
        value, symbol = split_symbol(wide[(percent_col, spec.value)], where)
    else:
        # A derived sum of published counts. DfE's percentages are whole numbers, so this
        # one is too (rounded half up); any withheld part withholds the sum.
        part_values = pd.concat([counts[label][0] for label in numerator_labels], axis=1)
        part_symbols = pd.concat([counts[label][1] for label in numerator_labels], axis=1)
        numerator = part_values.sum(axis=1, min_count=len(numerator_labels))
        value = np.floor(100 * numerator / denominator.where(denominator > 0) + 0.5)
        first_symbol = part_symbols.where(part_symbols.ne("")).bfill(axis=1).iloc[:, 0]
        symbol = first_symbol.fillna(denominator_symbol).where(value.isna(), "")
    rows = wide.index.to_frame(index=False)
    rows["value"] = value.to_numpy()
    rows["symbol"] = symbol.to_numpy()
    rows["numerator"] = numerator.to_numpy()
    rows["denominator"] = denominator.to_numpy()
    return rows


def published_measures(
    frames: dict[str, pd.DataFrame], measures: pd.DataFrame, source_ids: dict[str, str]
) -> pd.DataFrame:
    """Read every indicator of the published files, as the measures table says.

    Args:
        frames: Published tables by file key (areas kept).
        measures: ``benchmark_measures.csv`` rows (all text).
        source_ids: Source id by file key.

    Returns:
        Benchmark rows (``level``, ``year``, ``area_code``, ``indicator_id``, ``value``,
        ``symbol``, ``numerator``, ``denominator``, ``source_id``).

    Raises:
        BuildError: If a column or breakdown label the mapping needs is absent.
    """
    parts = []
    for _, spec in measures[measures["source_key"].isin(frames)].iterrows():
        where = f"{FILES[spec.source_key][0]} ({spec.indicator_id})"
        read = breakdown_measure if spec.label_column else column_measure
        rows = read(frames[spec.source_key], spec, where)
        parts.append(
            rows.assign(indicator_id=spec.indicator_id, source_id=source_ids[spec.source_key])
        )
    return pd.concat(parts, ignore_index=True)


def check_eet_totals(frame: pd.DataFrame) -> list[str]:
    """Check that DfE's EET total is the sum of its categories for every council.

    National and regional counts are rounded to the nearest 10, so only councils are checked.

    Args:
        frame: The care leavers' activity table (areas kept).

    Returns:
        One warning per council, year and age band whose total differs.
    """
    councils = frame[frame["level"] == "la"]
    counts = councils.pivot_table(
        index=["year", "area_code", "care_leaver_age"],
        columns="breakdown",
        values="care_leaver_count",
        aggfunc="first",
    )
    components = counts.reindex(columns=EET_COMPONENTS)
    parts = components.apply(pd.to_numeric, errors="coerce")
    complete = components.isin(["c", "x", "u"]).sum(axis=1).eq(0)
    total = pd.to_numeric(counts["Total in education, employment or training"], errors="coerce")
    differs = complete & total.notna() & parts.sum(axis=1).ne(total)
    return [
        f"care leavers' EET total differs from the sum of its categories: {key}"
        for key in counts.index[differs]
    ]


def curated_measures(
    path: Path, measures: pd.DataFrame, area_names: pd.Series
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read the CLA-at-31-March distance and locality figures from the curated table.

    Args:
        path: The shared reference ``benchmarks.csv`` (long: indicator, geography, year,
            value, unit, source_id), with its ``sources.csv`` beside it.
        measures: The ``curated`` rows of the measures table.
        area_names: Area code by area name (England, regions, councils).

    Returns:
        ``(rows, sources)``: benchmark rows and the source table rows they use.

    Raises:
        BuildError: If a measure or a geography name is not found.
    """
    table = read_published(path, ["indicator", "geography", "year", "value", "source_id"])
    described = read_published(path.with_name("sources.csv"), ["source_id", "source"])
    keys = ["geography", "year"]

    def labelled(label: str, name: str) -> pd.DataFrame:
        rows = table.loc[table["indicator"] == label, [*keys, "value", "source_id"]]
        if rows.empty:
            raise BuildError(f"{path.name}: no rows for {label!r}.")
        return rows.drop_duplicates(keys).rename(columns={"value": name})

    parts = []
    for spec in measures.itertuples(index=False):
        rows = (
            labelled(spec.value, "share")
            .merge(
                labelled(spec.numerator, "number").drop(columns="source_id"), on=keys, how="left"
            )
            .merge(
                labelled(spec.denominator, "total").drop(columns="source_id"), on=keys, how="left"
            )
        )
        unknown = sorted(set(rows["geography"]) - set(area_names.index))
        if unknown:
            raise BuildError(f"{path.name}: unknown geography name(s) {unknown}.")
        where = f"{path.name}, {spec.value}"
        value, symbol = split_symbol(rows["share"], where)
        area_code = rows["geography"].map(area_names)
        level = np.select(
            [area_code.eq(ENGLAND_CODE), area_code.str.startswith("E12")],
            ["national", "regional"],
            "la",
        )
        parts.append(
            pd.DataFrame(
                {
                    "indicator_id": spec.indicator_id,
                    "level": level,
                    "year": rows["year"].astype(int),
                    "area_code": area_code,
                    "value": value,
                    "symbol": symbol,
                    "numerator": split_symbol(rows["number"], where)[0],
                    "denominator": split_symbol(rows["total"], where)[0],
                    "curated_id": rows["source_id"],
                }
            )
        )
    rows = pd.concat(parts, ignore_index=True)
    used = described[described["source_id"].isin(rows["curated_id"])].copy()
    release = used["source"].str.extract(r"reporting year (\d{4})", expand=False)
    if release.isna().any() or release.duplicated().any():
        raise BuildError(f"{path.name}: cannot tell the release of sources {list(used.source_id)}.")
    used["new_id"] = "cla31mar" + release.str[-2:]
    used["release"] = "reporting year " + release
    rows["source_id"] = rows["curated_id"].map(used.set_index("source_id")["new_id"])
    sources = pd.DataFrame(
        {
            "source_id": used["new_id"],
            "publication": f"{CLA_TITLE}, "
            + used["release"]
            + ": children looked after at 31 March by distance and locality of placement",
            "release": used["release"],
            "url": CLA_URL,
            "file": f"{path.name}, source " + used["source_id"],
            "years": [
                f"{y.min()}-{y.max()}"
                for y in (rows.loc[rows["curated_id"] == sid, "year"] for sid in used["source_id"])
            ],
            "period_basis": MARCH,
            "period_end": PERIOD_END[MARCH],
            "coverage": "England, North West and Lancashire only (DfE's file for every council "
            "was too large to copy)",
            "licence": LICENCE,
            "attribution": ATTRIBUTION,
            "notes": used["source"],
        }
    )
    return rows.drop(columns="curated_id"), sources


def drop_non_existent(rows: pd.DataFrame) -> pd.DataFrame:
    """Drop 'z' rows of councils that did not exist in a year (e.g. Cumbria after 2023).

    A council with any published value or other symbol in a source and year existed then, and
    keeps its 'z' (not applicable) rows for that source and year.
    """
    existed = rows[rows["symbol"].ne("z")][["source_id", "year", "area_code"]].drop_duplicates()
    marked = rows.merge(
        existed.assign(existed=True), how="left", on=["source_id", "year", "area_code"]
    )
    keep = marked["existed"].eq(True).to_numpy() | rows["level"].ne("la").to_numpy()
    return rows[keep]


def council_table(frames: dict[str, pd.DataFrame], rows: pd.DataFrame) -> pd.DataFrame:
    """Build one row per council from the council rows of the published files.

    Args:
        frames: Published tables by publication key (areas kept), each with a ``period_end``
            column.
        rows: Benchmark rows, to tell in which years each council has published data.

    Returns:
        ``councils.csv``: codes, current name and region, status, codes used before, notes.
    """
    stacked = pd.concat([f.loc[f["level"].eq("la")] for f in frames.values()], ignore_index=True)
    published = rows[
        rows["level"].eq("la") & (rows["value"].notna() | ~rows["symbol"].isin(["", "z"]))
    ]
    present = published[["year", "area_code"]].drop_duplicates()
    stacked = stacked.merge(present, on=["year", "area_code"])
    joint_codes = sorted(set(stacked.loc[stacked["area_code"].str.contains("/"), "area_code"]))
    stacked = stacked[~stacked["area_code"].str.contains("/")]
    stacked = stacked.sort_values(["area_code", "period_end", "la_code_new"])
    latest_period = (
        stacked["period_end"].str[:4].astype(int).groupby(stacked["period_end"].str[4:]).max()
    )
    current = stacked.groupby("area_code").tail(1).set_index("area_code")
    by_council = stacked.groupby("area_code")
    in_latest = stacked[stacked["year"].eq(stacked["period_end"].str[4:].map(latest_period))]
    region_names = (
        stacked.loc[
            stacked["region_name"].ne("") & ~stacked["region_name"].str.contains("Inner|Outer"),
            ["region_code", "region_name"],
        ]
        .drop_duplicates("region_code")
        .set_index("region_code")["region_name"]
    )
    region_names[LONDON_CODE] = "London"
    joint = {part: code for code in joint_codes for part in code.split("/")}
    table = pd.DataFrame(
        {
            "la_code_old": current.index,
            "la_code_new": current["la_code_new"].to_numpy(),
            "la_name": current["la_name"].to_numpy(),
            "region_code": current["region_code"].to_numpy(),
        }
    )
    table["other_la_codes_new"] = [
        ";".join(sorted(set(by_council.get_group(old)["la_code_new"]) - {new}))
        for old, new in zip(table["la_code_old"], table["la_code_new"], strict=True)
    ]
    table["region_name"] = table["region_code"].map(region_names)
    table["status"] = np.where(
        table["la_code_old"].isin(in_latest["area_code"]), "current", "former"
    )
    table["first_year"] = table["la_code_old"].map(by_council["year"].min())
    table["last_year"] = table["la_code_old"].map(by_council["year"].max())
    table["joint_return_code"] = table["la_code_old"].map(joint).fillna("")
    table["note"] = table["la_code_old"].map(COUNCIL_NOTES).fillna("")
    table["sn_model"] = ""
    return table[COUNCIL_COLUMNS].sort_values("la_code_old").reset_index(drop=True)


def neighbour_table(folder: Path, councils: pd.DataFrame) -> pd.DataFrame:
    """Read each council's ten statistical neighbours: the newest model, else the older one.

    Args:
        folder: Folder of published files.
        councils: ``councils.csv`` rows.

    Returns:
        Long table: ``la_code_old``, ``sn_rank``, ``neighbour_la_code_old``, ``closeness``,
        ``model``.
    """
    newest = find_file(folder, "sn_model_*_wide.csv")
    year = re.search(r"(\d{4})", newest.name)
    newest_model = "DfE statistical neighbour model" + (f" {year.group(1)}" if year else "")
    ranks = range(1, 11)
    wide = read_published(
        newest, ["old_la_code", *[f"SN_{i}" for i in ranks], *[f"SN_{i}P" for i in ranks]]
    )
    wide = wide[wide["old_la_code"].ne("")]
    long_new = pd.concat(
        [
            pd.DataFrame(
                {
                    "la_code_old": wide["old_la_code"],
                    "sn_rank": i,
                    "neighbour_la_code_old": wide[f"SN_{i}"],
                    "closeness": wide[f"SN_{i}P"],
                }
            )
            for i in ranks
        ],
        ignore_index=True,
    ).assign(model=newest_model)

    older = find_file(folder, "New_Statistical_Neighbour_Groupings_*.csv")
    # The older file repeats the header "SNP" for every closeness column, so read by position:
    # LA num, LA Name, LA number, GOInd, GOReg, then SN1, SNP, SN2, SNP, ... SN10, SNP.
    raw = pd.read_csv(
        older, dtype=str, keep_default_na=False, encoding="utf-8-sig", header=None, skiprows=1
    ).apply(lambda col: col.str.strip())
    if raw.shape[1] < 25:
        raise BuildError(f"{older.name}: expected 25 columns (code, names, 10 neighbours).")
    raw = raw[raw[0].ne("")]
    named = re.search(r"_([A-Za-z]+)_(\d{4})", older.name)
    older_model = "DfE statistical neighbour groupings" + (
        f" {named.group(1)} {named.group(2)}" if named else ""
    )
    long_old = pd.concat(
        [
            pd.DataFrame(
                {
                    "la_code_old": raw[0],
                    "sn_rank": i,
                    "neighbour_la_code_old": raw[3 + 2 * i],
                    "closeness": raw[4 + 2 * i],
                }
            )
            for i in ranks
        ],
        ignore_index=True,
    ).assign(model=older_model)
    long_old = long_old[~long_old["la_code_old"].isin(long_new["la_code_old"])]

    table = pd.concat([long_new, long_old], ignore_index=True)
    table = table[table["la_code_old"].isin(councils["la_code_old"])]
    table["closeness"] = table["closeness"].str.strip().str.capitalize()
    return table.sort_values(["la_code_old", "sn_rank"]).reset_index(drop=True)[
        ["la_code_old", "sn_rank", "neighbour_la_code_old", "closeness", "model"]
    ]


def format_number(values: pd.Series) -> pd.Series:
    """Write numbers without float noise: 7 not 7.0, 41602.2 not 41602.200000000004."""
    rounded = pd.to_numeric(values).astype(float).round(4)
    return rounded.map(lambda x: "" if pd.isna(x) else f"{x:.12g}")


def commit_of(source: Path) -> str:
    """Return the repository commit the reference folder's README says the files came from."""
    readme = source.parent / "README.md"
    if not readme.exists():
        return ""
    found = re.search(r"commit ([0-9a-f]{7,40})", readme.read_text(encoding="utf-8"))
    return found.group(1) if found else ""


def ceased_layout(frame: pd.DataFrame, frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Put the children-who-ceased file into the common layout.

    It names areas in one column (``geo_breakdown``) and has no region codes, and it adds the
    dashboard's own statistical neighbours' medians, which are dropped: the package works out
    each council's neighbours' median itself, from the same model for every measure.

    Args:
        frame: The file as read (``CEASED_COLUMNS``).
        frames: Tables already read; the children looked after table gives the region codes.

    Returns:
        The rows with ``AREA_COLUMNS``, ``ceased_count`` and ``ceased_percent``.

    Raises:
        BuildError: If a region is named that the other files do not know.
    """
    frame = frame[frame["geographic_level"].isin(LEVELS)].copy()
    known = frames["cla"]
    region_codes = (
        pd.concat(
            [
                known[["region_name", "region_code"]],
                pd.DataFrame(
                    {
                        "region_name": ["Inner London", "Outer London"],
                        "region_code": list(SUB_REGION_TO_REGION),
                    }
                ),
            ]
        )
        .drop_duplicates("region_name")
        .set_index("region_name")["region_code"]
    )
    regional = frame["geographic_level"].eq("Regional")
    unknown = sorted(set(frame.loc[regional, "geo_breakdown"]) - set(region_codes.index))
    if unknown:
        raise BuildError(f"la_cla_ceased_during_year.csv: unknown region name(s) {unknown}.")
    council_region = (
        known[known["level"].eq("la")]
        .sort_values("year")
        .drop_duplicates("la_code_old", keep="last")
        .set_index("la_code_old")["region_code"]
    )
    council = frame["geographic_level"].eq("Local authority")
    frame["region_name"] = frame["geo_breakdown"].where(regional, "")
    frame["region_code"] = (
        frame["geo_breakdown"]
        .map(region_codes)
        .where(regional, frame["old_la_code"].map(council_region))
        .fillna("")
    )
    frame["la_name"] = frame["geo_breakdown"].where(council, "")
    return frame.rename(columns={"number": "ceased_count", "percentage": "ceased_percent"})


def adoption_stages(source: Path) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, str]]:
    """Read England's average time between the stages of adoption.

    Durations are published as ``years:months`` (``01:07`` = 19 months) and converted to whole
    days; ``k`` and other symbols are kept, never read as zero. The file's seventh row (children
    placed within 12 months of the decision) is a count, not a duration, and is not used.

    Args:
        source: Folder of DfE underlying data files.

    Returns:
        ``(rows, by_age, source)``: ``benchmarks.csv`` rows for all ages, the full table by age
        (``STAGE_COLUMNS``) and the source row.

    Raises:
        BuildError: If a stage or age group is missing, or a cell is not understood.
    """
    path = find_file(source, STAGES_FILE)
    frame = read_published(path, STAGES_COLUMNS)
    frame = frame[frame["geographic_level"].eq("National")]
    for label in STAGE_IDS:
        if not frame["stage_of_adoption_process"].eq(label).any():
            raise BuildError(f"{path.name}: no rows for the stage {label!r}.")
    frame = frame[frame["stage_of_adoption_process"].isin(STAGE_IDS)].copy()
    unknown = sorted(set(frame["age_start_poc"]) - set(STAGE_AGES))
    if unknown:
        raise BuildError(f"{path.name}: unknown age group(s) {unknown}.")
    try:
        months = frame["number"].map(years_months_to_months)
    except ValueError as error:
        raise BuildError(f"{path.name}: {error}") from None
    symbols = frame["number"].where(months.isna(), "")
    bad = months.isna() & ~symbols.isin(SYMBOLS | {""})
    if bad.any():
        examples = ", ".join(repr(v) for v in frame.loc[bad, "number"].unique()[:5])
        raise BuildError(f"{path.name}: unexpected value(s) {examples}; expected years:months.")
    stage = frame["stage_of_adoption_process"].map(lambda label: STAGE_IDS[label][0])
    by_age = pd.DataFrame(
        {
            "year": frame["time_period"].astype(int),
            "indicator_id": frame["stage_of_adoption_process"].map(
                lambda label: STAGE_IDS[label][1]
            ),
            "stage": stage,
            "age_at_entry": frame["age_start_poc"].map(STAGE_AGES),
            "published": frame["number"],
            "months": months,
            "days": months_to_days(months),
            "symbol": symbols,
        }
    )
    order = {name: n for n, name in enumerate(STAGE_AGES.values())}
    stage_order = {ids[0]: n for n, ids in enumerate(STAGE_IDS.values())}
    by_age = by_age.assign(
        _stage=by_age["stage"].map(stage_order), _age=by_age["age_at_entry"].map(order)
    ).sort_values(["year", "_stage", "_age"])
    by_age = by_age.drop(columns=["_stage", "_age"]).reset_index(drop=True)[STAGE_COLUMNS]
    release = int(by_age["year"].max())
    source_id = f"adstages{release % 100:02d}"
    every_age = by_age[by_age["age_at_entry"].eq(ALL_AGES)]
    rows = pd.DataFrame(
        {
            "indicator_id": every_age["indicator_id"],
            "level": "national",
            "year": every_age["year"],
            "area_code": ENGLAND_CODE,
            "value": every_age["days"],
            "symbol": every_age["symbol"],
            "numerator": np.nan,
            "denominator": np.nan,
            "source_id": source_id,
        }
    )
    described = {
        "source_id": source_id,
        "publication": f"{CLA_TITLE}, reporting year {release}: average time between adoption "
        "stages",
        "release": f"reporting year {release}",
        "url": CLA_URL,
        "file": path.name,
        "years": f"{by_age['year'].min()}-{release}",
        "period_basis": MARCH,
        "period_end": PERIOD_END[MARCH],
        "coverage": STAGES_COVERAGE,
        "licence": LICENCE,
        "attribution": ATTRIBUTION,
        "notes": "Published in years and months (years:months), converted to days at "
        "365.25 / 12 days a month and rounded to whole days.",
    }
    return rows, by_age, described


def read_publications(source: Path) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """Read every published file and describe each as a source.

    Args:
        source: Folder of DfE underlying data files.

    Returns:
        ``(frames, sources)``: tables by publication key (areas kept, with ``period_end``) and
        one source row per file.
    """
    commit = commit_of(source)
    copied = (
        "Underlying data file as copied from github:dfe-analytical-services/"
        "CSC_outcomes_and_enablers" + (f" @{commit}" if commit else "") + "."
    )
    frames = {}
    sources = []
    for key, (pattern, publisher) in FILES.items():
        title, url, basis = PUBLISHERS[publisher]
        path = find_file(source, pattern)
        if key == "ceased":
            frame = keep_areas(ceased_layout(read_published(path, CEASED_COLUMNS), frames))
        else:
            frame = keep_areas(read_published(path, AREA_COLUMNS))
        release = int(frame["year"].max())
        frame["period_end"] = frame["year"].astype(str) + "-" + PERIOD_END[basis]
        frames[key] = frame
        sources.append(
            {
                "source_id": f"{key}{release % 100:02d}",
                "publication": f"{title}, reporting year {release}",
                "release": f"reporting year {release}",
                "url": url,
                "file": path.name,
                "years": f"{frame['year'].min()}-{release}",
                "period_basis": basis,
                "period_end": PERIOD_END[basis],
                "coverage": COVERAGE_ALL,
                "licence": LICENCE,
                "attribution": ATTRIBUTION,
                "notes": copied,
            }
        )
    return frames, pd.DataFrame(sources, index=list(FILES))


def build(source: Path, curated: Path | None) -> tuple[dict[str, pd.DataFrame], list[str]]:
    """Read the published files and build the five package tables.

    Args:
        source: Folder of DfE underlying data files.
        curated: The shared ``benchmarks.csv`` with CLA-at-31-March distance and locality
            figures, or None to leave those two indicators out.

    Returns:
        ``(tables, warnings)``: tables by output file name, and consistency warnings.

    Raises:
        BuildError: If a file or column is missing or a value is not understood.
    """
    frames, sources = read_publications(source)
    measures = pd.read_csv(MEASURES_FILE, dtype=str, keep_default_na=False)
    rows = published_measures(frames, measures, sources["source_id"].to_dict())
    warnings = check_eet_totals(frames["clact"])
    # The ceased file has no council names or regions of its own; the others describe councils.
    councils = council_table({k: f for k, f in frames.items() if k != "ceased"}, rows)
    stage_rows, stage_table, stage_source = adoption_stages(source)
    rows = pd.concat([rows, stage_rows], ignore_index=True)
    sources = pd.concat([sources, pd.DataFrame([stage_source])], ignore_index=True)

    if curated is not None:
        area_names = pd.concat(
            [
                pd.Series({"England": ENGLAND_CODE}),
                councils.drop_duplicates("region_code").set_index("region_name")["region_code"],
                councils.set_index("la_name")["la_code_old"],
            ]
        )
        area_names = area_names[~area_names.index.duplicated(keep=False)]
        curated_rows, curated_sources = curated_measures(
            curated, measures[measures["source_key"] == "curated"], area_names
        )
        rows = pd.concat([rows, curated_rows], ignore_index=True)
        sources = pd.concat([sources, curated_sources], ignore_index=True)

    rows = drop_non_existent(rows)
    rows["level_order"] = rows["level"].map({"national": 0, "regional": 1, "la": 2})
    rows = rows.sort_values(["indicator_id", "year", "level_order", "area_code"])
    for column in ["value", "numerator", "denominator"]:
        rows[column] = format_number(rows[column])
    benchmarks = rows[BENCHMARK_COLUMNS].fillna("").reset_index(drop=True)

    neighbours = neighbour_table(source, councils)
    councils["sn_model"] = (
        councils["la_code_old"]
        .map(neighbours.drop_duplicates("la_code_old").set_index("la_code_old")["model"])
        .fillna("")
    )
    # The model is recorded once per council (councils.csv), not on each neighbour row.
    neighbours = neighbours.drop(columns="model")
    tables = {
        "benchmarks.csv": benchmarks,
        "benchmark_sources.csv": sources[SOURCE_COLUMNS].sort_values("source_id"),
        "councils.csv": councils,
        "statistical_neighbours.csv": neighbours,
        "adoption_stage_benchmarks.csv": stage_table.assign(
            months=format_number(stage_table["months"]), days=format_number(stage_table["days"])
        ),
    }
    return tables, warnings


def write_tables(tables: dict[str, pd.DataFrame], output: Path) -> None:
    """Write each table as UTF-8 CSV with Unix line endings (byte-identical on every run)."""
    output.mkdir(parents=True, exist_ok=True)
    for name, table in tables.items():
        table.to_csv(output / name, index=False, lineterminator="\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Parse the command line, rebuild the tables and say what was written.

    Args:
        argv: Arguments (default: ``sys.argv[1:]``).

    Returns:
        0 on success, 2 when a published file is missing or not understood.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--source",
        type=Path,
        default=DEFAULT_SOURCE,
        help=f"folder of DfE published files (default: {DEFAULT_SOURCE})",
    )
    parser.add_argument(
        "--curated",
        type=Path,
        default=None,
        help="curated benchmarks.csv with CLA-at-31-March distance and "
        "locality figures (default: benchmarks.csv beside the source folder)",
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=DEFAULT_OUTPUT,
        help=f"where to write the tables (default: {DEFAULT_OUTPUT})",
    )
    args = parser.parse_args(argv)
    source = args.source.resolve()
    if not source.is_dir():
        print(
            f"build_benchmarks: source folder {source} does not exist; pass --source DIR.",
            file=sys.stderr,
        )
        return 2
    curated = args.curated or source.parent / "benchmarks.csv"
    if not curated.exists():
        print(
            f"build_benchmarks: {curated} not found, so the CLA-at-31-March distance and "
            "locality figures are left out.",
            file=sys.stderr,
        )
        curated = None
    try:
        tables, warnings = build(source, curated)
    except BuildError as error:
        print(f"build_benchmarks: {error}", file=sys.stderr)
        return 2
    for message in warnings:
        print(f"build_benchmarks: warning: {message}", file=sys.stderr)
    write_tables(tables, args.output)
    for name, table in tables.items():
        size = (args.output / name).stat().st_size
        print(f"wrote {args.output / name}: {len(table)} rows, {size / 1024:.0f} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
