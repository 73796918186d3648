"""The quirks of real extracts, added on request and recorded in the manifest.

The quirks are those the readers clean (docs/definitions.md, "Reading and cleaning SSDA903
returns" and "Caseloads and the workforce").

Every quirk is injected into the text tables before they are written, and recorded with the
file, the 1-based row (the header is row 1, as in the data-quality log) and the column, so the
ingest tests can check each one is found. No raw id is recorded: rows are identified by number.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from csc_metrics.sample.config import SampleConfig, component_rng

_TAG = "_quirk"


@dataclass
class FileOptions:
    """How one CSV file is written."""

    bom: bool = False
    crlf: bool = False
    trailing_blank_rows: int = 0


@dataclass
class MessyPlan:
    """The quirks of a messy run.

    Attributes:
        files: Relative path -> how it is written (BOM, line endings, blank rows at the end).
        quirks: One record per injected quirk: ``quirk, file, rows, column, count, detail``.
        workforce_duplicate: Snapshot day whose workforce list repeats one worker's row.
        header_variant: Snapshot day whose workbook uses "Age of Child (Years)" for "Age".
    """

    files: dict[str, FileOptions] = field(default_factory=dict)
    quirks: list[dict] = field(default_factory=list)
    workforce_duplicate: int | None = None
    header_variant: int | None = None


def plan_messy(config: SampleConfig) -> MessyPlan:
    """Decide which files get which file-level quirks (BOM, CRLF, blank trailing rows).

    Args:
        config: The run's configuration.

    Returns:
        The plan; row-level quirks are added to it by :func:`apply_messy`, year by year.
    """
    plan = MessyPlan()
    years = config.years
    first = years[0]
    middle = years[len(years) // 2]
    for index, year in enumerate(years):
        for table in _tables_of(year):
            plan.files[f"ssda903/{year}/{table}.csv"] = FileOptions(
                bom=year == first, crlf=index % 2 == 0
            )
    bom_files = [n for n, o in plan.files.items() if o.bom]
    plan.quirks.append(
        _record(
            "utf8_bom",
            bom_files,
            None,
            None,
            len(bom_files),
            "files start with a UTF-8 byte-order mark",
        )
    )
    crlf_files = [n for n, o in plan.files.items() if o.crlf]
    plan.quirks.append(
        _record(
            "crlf_line_endings",
            crlf_files,
            None,
            None,
            len(crlf_files),
            "Windows (CRLF) line endings",
        )
    )
    trailing = f"ssda903/{middle}/episodes.csv"
    plan.files[trailing].trailing_blank_rows = 3
    plan.quirks.append(
        _record(
            "blank_trailing_rows",
            [trailing],
            None,
            None,
            3,
            "rows of commas only, then a blank line, after the data",
        )
    )
    plan.workforce_duplicate = config.snapshot_dates[-1]
    plan.header_variant = config.snapshot_dates[len(config.snapshot_dates) // 2]
    return plan


def _tables_of(year: int) -> list[str]:
    tables = ["header", "episodes", "oc3", "uasc", "missing"]
    return [*tables, "sw_episodes"] if year >= 2024 else tables


def apply_messy(
    config: SampleConfig, plan: MessyPlan, year: int, tables: dict[str, pd.DataFrame]
) -> dict[str, pd.DataFrame]:
    """Add the row-level quirks that belong to one year's return, recording them in the plan.

    The last year's episodes get lower-case codes, stray spaces, invalid codes, impossible
    dates, a duplicated and an overlapping episode and two local columns; its OC3 gets
    lower-case codes; the middle year's header has Excel-style ``.0`` ids and an invalid code.

    Args:
        config: The run's configuration.
        plan: The plan from :func:`plan_messy` (quirk records are appended).
        year: Collection year of ``tables``.
        tables: The clean tables of that year (not modified).

    Returns:
        The tables to write.
    """
    years = config.years
    last, middle = years[-1], years[len(years) // 2]
    if year not in (last, middle):
        return tables
    rng = component_rng(config.seed, f"messy_{year}")
    tables = {t: f.copy() for t, f in tables.items()}
    if year == last:
        episodes = tables["episodes"]
        episodes[_TAG] = ""
        # Local columns come first so that the duplicated row repeats them too.
        episodes = _extra_columns(episodes, {"LOCAL_PLACEMENT_REF": "PLR", "TEAM_CODE": "T"}, rng)
        _lower_case(rng, episodes, ["LS", "PLACE"], 4)
        _stray_spaces(rng, episodes, ["RNE", "PLACE_PROVIDER", "PL_POST"], 4)
        _invalid_codes(rng, episodes, {"PLACE": "U7", "LS": "C3", "REC": "E99"})
        _impossible_dates(rng, episodes)
        episodes = _duplicate_episode(rng, episodes)
        _overlap_episode(episodes)
        name = f"ssda903/{year}/episodes.csv"
        plan.quirks.extend(_tagged_records(episodes, name))
        plan.quirks.append(
            _record(
                "extra_local_columns",
                [name],
                None,
                "LOCAL_PLACEMENT_REF;TEAM_CODE",
                2,
                "local columns not in the DfE specification",
            )
        )
        tables["episodes"] = episodes.drop(columns=_TAG)
        oc3 = tables["oc3"]
        oc3[_TAG] = ""
        _lower_case(rng, oc3, ["IN_TOUCH", "ACTIV"], 3)
        plan.quirks.extend(_tagged_records(oc3, f"ssda903/{year}/oc3.csv"))
        tables["oc3"] = oc3.drop(columns=_TAG)
    if year == middle:
        header = tables["header"]
        header[_TAG] = ""
        header["CHILD"] = header["CHILD"].astype(str) + ".0"
        _invalid_codes(rng, header, {"ETHNIC": "WHIT"})
        name = f"ssda903/{year}/header.csv"
        plan.quirks.append(
            _record(
                "excel_float_ids", [name], None, "CHILD", len(header), "every CHILD id ends in '.0'"
            )
        )
        plan.quirks.extend(_tagged_records(header, name))
        tables["header"] = header.drop(columns=_TAG)
    return tables


def _record(
    quirk: str,
    files: list[str],
    rows: list[int] | None,
    column: str | None,
    count: int,
    detail: str,
) -> dict:
    return {
        "quirk": quirk,
        "files": files,
        "rows": rows,
        "column": column,
        "count": count,
        "detail": detail,
    }


def _pick(
    rng: np.random.Generator, frame: pd.DataFrame, count: int, where: np.ndarray | None = None
) -> np.ndarray:
    free = frame[_TAG].to_numpy() == ""
    if where is not None:
        free &= where
    candidates = np.flatnonzero(free)
    return np.sort(rng.choice(candidates, size=min(count, len(candidates)), replace=False))


def _tag(frame: pd.DataFrame, rows: np.ndarray, text: str) -> None:
    frame.iloc[rows, frame.columns.get_loc(_TAG)] = text


def _lower_case(
    rng: np.random.Generator, frame: pd.DataFrame, columns: list[str], count: int
) -> None:
    for column in columns:
        values = frame[column].astype(str)
        rows = _pick(
            rng,
            frame,
            count,
            (values.str.upper() != values.str.lower()).to_numpy() & (values != "").to_numpy(),
        )
        frame.iloc[rows, frame.columns.get_loc(column)] = values.iloc[rows].str.lower().to_numpy()
        _tag(frame, rows, f"lower_case_code|{column}")


def _stray_spaces(
    rng: np.random.Generator, frame: pd.DataFrame, columns: list[str], count: int
) -> None:
    for column in columns:
        values = frame[column].astype(str)
        rows = _pick(rng, frame, count, (values != "").to_numpy())
        padded = np.where(
            np.arange(len(rows)) % 2 == 0, " " + values.iloc[rows], values.iloc[rows] + "  "
        )
        frame.iloc[rows, frame.columns.get_loc(column)] = padded
        _tag(frame, rows, f"stray_spaces|{column}")


def _invalid_codes(
    rng: np.random.Generator, frame: pd.DataFrame, replacements: dict[str, str]
) -> None:
    for column, code in replacements.items():
        rows = _pick(rng, frame, 1, (frame[column] != "").to_numpy())
        frame.iloc[rows, frame.columns.get_loc(column)] = code
        _tag(frame, rows, f"invalid_code|{column}")


def _impossible_dates(rng: np.random.Generator, frame: pd.DataFrame) -> None:
    # The year is kept from the real date; the day and month become impossible.
    for column, day_month in (("DECOM", "31/02/"), ("DEC", "00/13/")):
        rows = _pick(rng, frame, 1, (frame[column] != "").to_numpy())
        year = frame[column].iloc[rows].str[-4:]
        frame.iloc[rows, frame.columns.get_loc(column)] = (day_month + year).to_numpy()
        _tag(frame, rows, f"impossible_date|{column}")


def _duplicate_episode(rng: np.random.Generator, frame: pd.DataFrame) -> pd.DataFrame:
    """Repeat one closed episode's row straight after itself."""
    row = int(_pick(rng, frame, 1, (frame["DEC"] != "").to_numpy())[0])
    copy = frame.iloc[[row]].copy()
    copy[_TAG] = "duplicated_episode|"
    return pd.concat([frame.iloc[: row + 1], copy, frame.iloc[row + 1 :]], ignore_index=True)


def _overlap_episode(frame: pd.DataFrame) -> None:
    """Push one closed continuation's DEC ten days past the next episode's start."""
    child = frame["CHILD"].to_numpy()
    same_child_next = np.r_[child[1:] == child[:-1], False]
    candidates = np.flatnonzero(
        same_child_next
        & (frame["REC"] == "X1").to_numpy()
        & (frame[_TAG] == "").to_numpy()
        & np.r_[(frame[_TAG] == "").to_numpy()[1:], False]
    )
    row = candidates[len(candidates) // 2]
    next_start = pd.to_datetime(frame["DECOM"].iloc[row + 1], format="%d/%m/%Y")
    frame.iloc[row, frame.columns.get_loc("DEC")] = (next_start + pd.Timedelta(days=10)).strftime(
        "%d/%m/%Y"
    )
    frame.iloc[row, frame.columns.get_loc(_TAG)] = "overlapping_episode|DEC"


def _extra_columns(
    frame: pd.DataFrame, columns: dict[str, str], rng: np.random.Generator
) -> pd.DataFrame:
    frame = frame.copy()
    for name, prefix in columns.items():
        numbers = rng.integers(1000, 99999, size=len(frame)).astype(str)
        frame.insert(frame.columns.get_loc(_TAG), name, prefix + pd.Series(numbers).to_numpy())
    return frame


def _tagged_records(frame: pd.DataFrame, file: str) -> list[dict]:
    tags = frame[_TAG].to_numpy(dtype=object)
    records = []
    seen: dict[tuple[str, str], list[int]] = {}
    for position in np.flatnonzero(tags != ""):
        quirk, column = str(tags[position]).split("|")
        seen.setdefault((quirk, column), []).append(int(position) + 2)
    details = {
        "lower_case_code": "codes in lower case",
        "stray_spaces": "leading or trailing spaces around a value",
        "invalid_code": "a code that is not in the year's code list",
        "impossible_date": "a date that does not exist",
        "duplicated_episode": "an exact copy of the row above",
        "overlapping_episode": "DEC ten days after the next episode's DECOM",
    }
    for (quirk, column), rows in seen.items():
        records.append(_record(quirk, [file], rows, column or None, len(rows), details[quirk]))
    return records


def csv_bytes(frame: pd.DataFrame, options: FileOptions | None) -> bytes:
    """Serialise a text table as CSV bytes, with a messy file's options if given."""
    options = options or FileOptions()
    text = frame.to_csv(index=False, lineterminator="\r\n" if options.crlf else "\n")
    if options.trailing_blank_rows:
        newline = "\r\n" if options.crlf else "\n"
        text += ("," * (frame.shape[1] - 1) + newline) * options.trailing_blank_rows + newline
    data = text.encode("utf-8")
    return b"\xef\xbb\xbf" + data if options.bom else data
