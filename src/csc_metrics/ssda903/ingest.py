"""SSDA903 ingest: read every year's files, clean each table, merge the years.

``ingest_ssda903`` is the contract the pipeline and other stages use; ``read_ssda903`` returns
the same tables together with what was read from which file, for the ingest manifest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from csc_metrics.errors import InputError
from csc_metrics.ingest_cache import (
    CachedUnit,
    IngestCache,
    UnitTable,
    split_issues,
)
from csc_metrics.memory import release_free_memory
from csc_metrics.privacy import Pseudonymiser
from csc_metrics.quality import DataQualityLog, joined_frames
from csc_metrics.schemas import column_names
from csc_metrics.settings import DEFAULT_SETTINGS, Settings
from csc_metrics.ssda903 import return_checks, specs
from csc_metrics.ssda903.cleaning import ChildPseudonyms, clean_columns
from csc_metrics.ssda903.issues import log_file, log_rows
from csc_metrics.ssda903.merge import keep_latest, merge_episodes
from csc_metrics.ssda903.raw import ESSENTIAL_TABLES, RawTable
from csc_metrics.ssda903.reading import YearRead, read_year, year_folders
from csc_metrics.storage import PROCESSED_TABLES, empty_table

#: Table -> columns that identify one of its records across returns, and whether a record is
#: unique across years (OC3 has one row per young person per year).
RECORD_KEYS: dict[str, tuple[list[str], bool]] = {
    "header": (["child_id"], True),
    "oc3": (["child_id"], False),
    "uasc": (["child_id"], True),
    "missing": (["child_id", "missing", "mis_start"], True),
    "sw_episodes": (["child_id", "sw_id", "sw_decom"], True),
    # AD1 and PrevPerm describe one adoption or one entry to care: a child has one row per
    # return, and a child adopted (or entering care) twice has a row in each of two returns.
    "ad1": (["child_id"], False),
    # A decision to place for adoption is repeated by every return while it stands; the latest
    # return's row holds its end, if it has ended.
    "placed_adoption": (["child_id", "date_placed"], True),
    "prev_perm": (["child_id"], False),
}


@dataclass
class Ssda903Result:
    """The clean SSDA903 tables and an account of what was read.

    Attributes:
        tables: Table short name -> clean table (``header``, ``episodes``, ``oc3``, ``uasc``,
            ``missing``, ``sw_episodes``, ``ad1``, ``placed_adoption``, ``prev_perm``), each
            passing its ``schemas`` model.
        files: One entry per table read from a file: path, table, collection year, encoding,
            rows read, blank rows skipped, extra columns dropped, and whether it is used.
        rows_in: Table short name -> data rows read from every file.
        extract_dates: Collection year -> the date of an in-year extract, where the year folder
            says so (``extract_date.txt``); a year without one covers its whole year.
    """

    tables: dict[str, pd.DataFrame]
    files: list[dict] = field(default_factory=list)
    rows_in: dict[str, int] = field(default_factory=dict)
    extract_dates: dict[int, pd.Timestamp] = field(default_factory=dict)


def no_ssda903() -> Ssda903Result:
    """The result for a raw folder with no ``ssda903/`` folder: every table empty."""
    return Ssda903Result(tables={table: _to_model(None, table) for table in specs.USED_TABLES})


def _note_files(raw_tables: list[RawTable], log: DataQualityLog) -> list[dict]:
    all_specs = specs.table_specs()
    files = []
    for raw in raw_tables:
        spec = all_specs[raw.table]
        for column in raw.extra_columns:
            log_file(
                log,
                "extra_column",
                f"local column {column} is not in the DfE {spec.dfe_name} table; dropped",
                file=raw.path,
                table=raw.table,
                column=column,
            )
        if raw.blank_rows:
            log_file(
                log,
                "blank_rows_skipped",
                f"{raw.blank_rows} completely blank row(s) skipped",
                file=raw.path,
                table=raw.table,
            )
        if not spec.used:
            log_file(
                log,
                "table_not_used",
                f"{spec.dfe_name} table read ({len(raw.frame)} rows) but not used by csc-metrics",
                file=raw.path,
                table=raw.table,
            )
        files.append(
            {
                "path": raw.path,
                "table": raw.table,
                "collection_year": raw.collection_year,
                "encoding": raw.encoding,
                "rows": len(raw.frame),
                "blank_rows": raw.blank_rows,
                "extra_columns": raw.extra_columns,
                "used": spec.used,
            }
        )
    return files


def _check_tables_present(folder: Path, tables_found: set[str]) -> list[str]:
    """Problems when a table nothing can be computed without is in no year folder."""
    problems = []
    found = sorted({specs.table_specs()[t].dfe_name for t in tables_found})
    for table in ESSENTIAL_TABLES:
        if table not in tables_found:
            name = specs.table_specs()[table].dfe_name
            problems.append(
                f"No {name} table found in {folder} (found: {', '.join(found) or 'nothing'}). "
                f"Each year folder needs the {name} CSV with its DfE column names."
            )
    return problems


def _build_header(frame: pd.DataFrame, log: DataQualityLog) -> pd.DataFrame:
    frame = keep_latest(frame, ["child_id"], "header", log)
    unknown_upn_codes = specs.codes_for("header", "UPN")["code"]
    ethnic = frame["ethnic"]
    group = ethnic.map(specs.ETHNIC_GROUP_BY_CODE).fillna(
        ethnic.str[0].map(specs.ETHNIC_GROUP_BY_LETTER)
    )
    return frame.assign(
        upn_code=frame["upn"].where(frame["upn"].isin(unknown_upn_codes)),
        ethnic_group=group.fillna(specs.ETHNIC_NOT_RECORDED),
    )


def _build_episodes(frame: pd.DataFrame, log: DataQualityLog, settings: Settings) -> pd.DataFrame:
    no_start = frame["decom"].isna()
    log_rows(
        log,
        frame[no_start],
        "missing_start_date",
        "DECOM is blank or not a date; the episode cannot be placed in time and was dropped",
        table="episodes",
        column="DECOM",
    )
    frame = frame[~no_start]
    backwards = frame["dec"].lt(frame["decom"]).fillna(False).astype(bool)
    log_rows(
        log,
        frame[backwards],
        "dec_before_decom",
        "DEC is before DECOM (" + frame.loc[backwards, "decom"].dt.strftime("%d/%m/%Y") + ")",
        table="episodes",
        column="DEC",
        value=frame.loc[backwards, "dec"].dt.strftime("%d/%m/%Y"),
    )
    return_checks.log_dates_after_year_end(frame, log)
    return_checks.log_incomplete_episodes(frame, log)
    frame = merge_episodes(frame, log)
    return frame.assign(is_short_break=frame["ls"].isin(settings.short_break_ls))


def _to_model(frame: pd.DataFrame | None, table: str) -> pd.DataFrame:
    name = f"clean_ssda903__{table}"
    if frame is None:
        return empty_table(name)
    model = PROCESSED_TABLES[name]
    return model.validate(frame[column_names(model)].reset_index(drop=True))


@dataclass
class _YearUnit:
    """One collection-year folder's cleaned tables (``file_order`` counted within the year)."""

    name: str
    year: int
    tables: dict[str, UnitTable]
    issues: UnitTable
    files: list[dict]
    rows_in: dict[str, int]
    files_read: int
    extract_date: pd.Timestamp | None
    #: Each table's files (``_table_sources``), and how many of ``issues`` reading raised and
    #: cleaning each table raised (``_issue_counts``): kept in the cache's notes, so that a
    #: later ingest re-reading the folder can take a table whose files did not change from it.
    sources: dict[str, list[list[object]]] = field(default_factory=dict)
    issue_counts: dict[str, object] = field(default_factory=dict)

    def to_cache(self) -> CachedUnit:
        return CachedUnit(
            self.tables,
            self.issues,
            {
                "files": self.files,
                "rows_in": self.rows_in,
                "files_read": self.files_read,
                "extract_date": (
                    None if self.extract_date is None else self.extract_date.date().isoformat()
                ),
                SOURCES: self.sources,
                ISSUE_COUNTS: self.issue_counts,
            },
        )

    @classmethod
    def from_cache(cls, name: str, year: int, cached: CachedUnit) -> _YearUnit:
        meta = cached.meta
        extract = meta.get("extract_date")
        return cls(
            name,
            year,
            cached.tables,
            cached.issues,
            list(meta["files"]),
            {str(t): int(n) for t, n in meta["rows_in"].items()},
            int(meta["files_read"]),
            None if extract is None else pd.Timestamp(extract),
        )


def _without_full_upn(header: pd.DataFrame) -> pd.DataFrame:
    """Header rows with UPN kept only where it is an unknown-UPN code, as processed keeps it.

    A pupil number identifies a child, so neither the processed tables nor the ingest cache
    hold it.
    """
    unknown_upn_codes = specs.codes_for("header", "UPN")["code"]
    return header.assign(upn=header["upn"].where(header["upn"].isin(unknown_upn_codes)))


def _split_by_unit(frame: pd.DataFrame, units: list[str]) -> dict[str, pd.DataFrame]:
    """Rows of a table cleaned for several year folders, by the folder their file is in.

    The folders' rows are stacked in the order of ``units``, so each folder's rows are one
    slice, taken without copying them; rows in any other order are picked out by mask.
    """
    codes, files = pd.factorize(frame["source_file"])
    folder_of_file = pd.Index([str(f).rsplit("/", 1)[0] for f in files])
    unit_of_file = pd.Index(units).get_indexer(folder_of_file)
    unit_of_row = np.append(unit_of_file, -1)[codes]
    if len(unit_of_row) and (unit_of_row.min() >= 0) and (np.diff(unit_of_row) >= 0).all():
        bounds = np.searchsorted(unit_of_row, np.arange(len(units) + 1), "left")
        return {
            unit: frame.iloc[bounds[number] : bounds[number + 1]].reset_index(drop=True)
            for number, unit in enumerate(units)
        }
    return {
        unit: frame.loc[np.isin(codes, np.flatnonzero(folder_of_file == unit))].reset_index(
            drop=True
        )
        for unit in units
    }


@dataclass
class _FreshYear:
    """A year folder read from its files, not yet cleaned, with its own log and file records."""

    name: str
    year: int
    read: YearRead
    log: DataQualityLog
    files: list[dict]
    #: Each table's files (``_table_sources``), when the folder goes into the ingest cache.
    sources: dict[str, list[list[object]]] = field(default_factory=dict)
    #: Tables whose files are those the last ingest cleaned: their cleaned rows and cleaning
    #: issues, taken from the ingest cache instead of being cleaned again.
    earlier: dict[str, tuple[UnitTable, UnitTable]] = field(default_factory=dict)


#: Cache notes of a year folder: each table's files, and the issue counts (``_issue_counts``).
SOURCES = "sources"
ISSUE_COUNTS = "issue_counts"


def _table_sources(
    tables: list[RawTable], input_hashes: dict[str, str]
) -> dict[str, list[list[object]]]:
    """Each table's files in a year folder: path, SHA-256 and reading position, in order.

    A table's cleaned rows and issues depend on nothing else (the code, settings and key are
    the ingest cache's fingerprint): the rows are cleaned one by one, and their source columns
    come from the path, the folder's year and the file's position.
    """
    sources: dict[str, list[list[object]]] = {}
    for raw in tables:
        sources.setdefault(raw.table, []).append(
            [raw.path, input_hashes.get(raw.path), int(raw.file_order)]
        )
    return sources


def _issue_counts(read: int, tables: dict[str, int]) -> dict[str, object]:
    """How a year folder's issues divide, for its cache notes.

    Its issues are those reading its files raised (``read`` of them) first, then, table by
    table in ``specs.USED_TABLES`` order, those cleaning each table raised (``tables``).
    """
    return {"read": read, "tables": tables}


def _earlier_tables(
    earlier: CachedUnit | None, sources: dict[str, list[list[object]]]
) -> dict[str, tuple[UnitTable, UnitTable]]:
    """The tables of a year folder's last cleaning whose files are unchanged, with their issues.

    Args:
        earlier: The folder as the last ingest cached it (``IngestCache.earlier``), or None.
        sources: Each table's files now (``_table_sources``).

    Returns:
        Table -> its cleaned rows and the issues cleaning them raised, for each table whose
        files (paths, contents and reading positions) are those it was cleaned from.
    """
    if earlier is None:
        return {}
    counts = earlier.meta.get(ISSUE_COUNTS)
    cleaned_from = earlier.meta.get(SOURCES)
    if not isinstance(counts, dict) or not isinstance(cleaned_from, dict):
        return {}
    read, tables = counts.get("read"), counts.get("tables")
    if not isinstance(read, int) or not isinstance(tables, dict):
        return {}
    segments: dict[str, tuple[int, int]] = {}
    start = read
    for table in specs.USED_TABLES:
        if table in tables:
            segments[table] = (start, start + int(tables[table]))
            start += int(tables[table])
    if start != len(earlier.issues):
        return {}
    return {
        table: (
            earlier.tables[table],
            _rows(earlier.issues, *segments[table]),
        )
        for table, files in sources.items()
        if table in segments
        and table in earlier.tables
        and cleaned_from.get(table) == files
        and all(digest is not None for _, digest, _ in files)
    }


def _rows(table: UnitTable, start: int, stop: int) -> UnitTable:
    """Rows ``start`` to ``stop`` (not included) of a frame or an Arrow table."""
    if isinstance(table, pd.DataFrame):
        return table.iloc[start:stop].reset_index(drop=True)
    return table.slice(start, stop - start)


def _read_year_folder(name: str, year: int, year_folder: Path, root: Path) -> _FreshYear:
    """Read one year folder with its own log: what reading it says, and its file notes."""
    log = DataQualityLog()
    read = read_year(year, year_folder, root, log)
    return_checks.log_year_without_header(read.tables, log)
    return _FreshYear(name, year, read, log, _note_files(read.tables, log))


def _clean_years(
    reads: list[_FreshYear], pseudonyms: ChildPseudonyms, problems: list[str]
) -> list[_YearUnit]:
    """Clean the tables of several year folders together, then hand each folder its share.

    Cleaning is row by row, so each folder's rows and issues are the same as if it were
    cleaned alone; cleaning the folders together saves pandas' per-call cost. A table whose
    files the last ingest cleaned (``_FreshYear.earlier``) is taken from there instead.
    """
    names = [fresh.name for fresh in reads]
    clean_log = DataQualityLog()
    cleaned: dict[str, dict[str, pd.DataFrame]] = {}
    bounds: dict[str, tuple[int, int]] = {}
    for table in specs.USED_TABLES:
        raws = [
            raw.frame
            for fresh in reads
            if table not in fresh.earlier
            for raw in fresh.read.tables
            if raw.table == table
        ]
        if raws:
            start = clean_log.issue_count()
            frame = clean_columns(
                pd.concat(raws, ignore_index=True), table, clean_log, pseudonyms, problems
            )
            bounds[table] = (start, clean_log.issue_count())
            if table == "header":
                frame = _without_full_upn(frame)
            cleaned[table] = _split_by_unit(frame, names)
    every_issue = clean_log.to_frame()
    split = {
        table: split_issues(every_issue.iloc[start:stop], names)
        for table, (start, stop) in bounds.items()
    }
    issues: dict[str, dict[str, pd.DataFrame]] = {}
    for table, by_unit in split.items():
        if by_unit is None:
            # An issue that names no year folder cannot be handed to one: clean them one by one.
            if len(reads) > 1:
                return [u for fresh in reads for u in _clean_years([fresh], pseudonyms, [])]
            start, stop = bounds[table]
            by_unit = {names[0]: every_issue.iloc[start:stop].reset_index(drop=True)}
        issues[table] = by_unit
    units = []
    for fresh in reads:
        read_issues = fresh.log.issue_count()
        tables_read = [raw.table for raw in fresh.read.tables]
        tables: dict[str, UnitTable] = {}
        counts: dict[str, int] = {}
        # The folder's issues: reading's, then each table's cleaning's, in table order (as
        # cleaning it alone would raise them).
        for table in specs.USED_TABLES:
            if table not in tables_read:
                continue
            if table in fresh.earlier:
                tables[table], table_issues = fresh.earlier[table]
            else:
                tables[table], table_issues = cleaned[table][fresh.name], issues[table][fresh.name]
            fresh.log.extend(table_issues)
            counts[table] = len(table_issues)
        units.append(
            _YearUnit(
                fresh.name,
                fresh.year,
                tables,
                fresh.log.to_frame(),
                fresh.files,
                {
                    t: sum(len(r.frame) for r in fresh.read.tables if r.table == t)
                    for t in dict.fromkeys(tables_read)
                },
                fresh.read.files_read,
                fresh.read.extract_date,
                fresh.sources,
                _issue_counts(read_issues, counts),
            )
        )
    return units


def _year_units(
    folder: Path,
    log: DataQualityLog,
    pseudonymiser: Pseudonymiser,
    cache: IngestCache | None,
) -> list[_YearUnit]:
    """Every year folder's cleaned tables, oldest first: cached when unchanged, else read.

    Raises:
        InputError: With every problem that makes the input unusable.
    """
    root = folder.parent
    years, problems = year_folders(folder, log)
    units: dict[str, _YearUnit] = {}
    reads: list[_FreshYear] = []
    for year, year_folder in years:
        name = year_folder.relative_to(root).as_posix()
        cached = cache.load(name) if cache is not None else None
        if cached is not None:
            units[name] = _YearUnit.from_cache(name, year, cached)
        else:
            reads.append(_read_year_folder(name, year, year_folder, root))
    problems += [problem for fresh in reads for problem in fresh.read.problems]
    found = {t for unit in units.values() for t in unit.rows_in}
    found |= {raw.table for fresh in reads for raw in fresh.read.tables}
    problems += _check_tables_present(folder, found)
    if problems:
        raise InputError(_problem_message(problems))
    if reads and cache is not None:
        for fresh in reads:
            fresh.sources = _table_sources(fresh.read.tables, cache.input_hashes)
            fresh.earlier = _earlier_tables(cache.earlier(fresh.name), fresh.sources)
    if reads:
        for unit in _clean_years(reads, ChildPseudonyms(pseudonymiser), problems):
            units[unit.name] = unit
    if problems:
        raise InputError(_problem_message(problems))
    if cache is not None:
        for fresh in reads:
            cache.store(fresh.name, units[fresh.name].to_cache())
    return [units[year_folder.relative_to(root).as_posix()] for _, year_folder in years]


def _merge_years(units: list[_YearUnit]) -> dict[str, pd.DataFrame]:
    """Each table's rows of every year, oldest first, ``file_order`` counted across the years.

    The years' tables are let go as they are stacked, so a national history is not held twice.
    """
    files_before = np.cumsum([0, *(unit.files_read for unit in units[:-1])])
    merged = {}
    for table in specs.USED_TABLES:
        having = [(unit, before) for unit, before in zip(units, files_before, strict=True)]
        having = [(unit, before) for unit, before in having if table in unit.tables]
        if not having:
            continue
        parts = [unit.tables.pop(table) for unit, _ in having]
        lengths = [len(part) for part in parts]
        frame = pd.concat(joined_frames(parts), ignore_index=True)
        del parts
        offsets = np.repeat([before for _, before in having], lengths)
        frame["file_order"] = frame["file_order"].to_numpy() + offsets
        merged[table] = frame
    return merged


def read_ssda903(
    folder: Path,
    log: DataQualityLog,
    pseudonymiser: Pseudonymiser,
    settings: Settings = DEFAULT_SETTINGS,
    cache: IngestCache | None = None,
) -> Ssda903Result:
    """Read, clean and merge every SSDA903 return under ``folder/<YYYY>/``.

    Each year folder is read and cleaned by itself (or taken from ``cache`` when its files are
    unchanged); the years are then merged: a child's latest record, episodes across years.

    Args:
        folder: The ``RAW/ssda903`` folder.
        log: Data-quality log; every dropped row gets an error, every changed value a warning.
        pseudonymiser: Keyed hash for child identifiers.
        settings: Local rules (``short_break_ls`` marks short-break episodes).
        cache: The ingest cache, or None to read every file.

    Returns:
        The clean tables and an account of the files read.

    Raises:
        InputError: If the input is unusable: no folder, no Header or Episodes table, a file
            that cannot be read or lacks required columns, dates with two-digit years.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(
            f"No SSDA903 folder at {folder}. Put each year's files in {folder}/<YYYY>/, "
            "named by the year the collection ends in."
        )
    units = _year_units(folder, log, pseudonymiser, cache)
    for unit in units:
        log.extend(unit.issues)
    files = [record for unit in units for record in unit.files]
    rows_in: dict[str, int] = {}
    for unit in units:
        for table, count in unit.rows_in.items():
            rows_in[table] = rows_in.get(table, 0) + count
    extract_dates = {u.year: u.extract_date for u in units if u.extract_date is not None}
    cleaned = _merge_years(units)
    # The years' raw text and cleaning's temporary arrays are freed: hand their memory back
    # before the merge's own peak (a caseload worker may be running beside it).
    release_free_memory()

    problems = return_checks.misnamed_year_folders(cleaned["episodes"])
    if problems:
        raise InputError(_problem_message(problems))

    built = {"header": _build_header(cleaned.pop("header"), log)}
    # Handed over, not kept here: each step of the merge lets go of the rows before it, so a
    # national history is not held once more for the whole merge.
    built["episodes"] = _build_episodes(cleaned.pop("episodes"), log, settings)
    if built["episodes"].empty:
        raise InputError(
            f"None of the {rows_in['episodes']} episode rows under {folder} can be used: each "
            "lacks a child identifier (CHILD) or a valid start date (DECOM, dd/mm/yyyy)."
        )
    for table, (key, across_years) in RECORD_KEYS.items():
        if table in cleaned and table != "header":
            built[table] = keep_latest(
                cleaned.pop(table), key, table, log, across_years=across_years
            )
    return_checks.log_children_without_header(built["episodes"], built["header"], log)
    return_checks.log_return_ending_early(built["episodes"], extract_dates, log)
    tables = {table: _to_model(built.get(table), table) for table in specs.USED_TABLES}
    return Ssda903Result(tables=tables, files=files, rows_in=rows_in, extract_dates=extract_dates)


def _problem_message(problems: list[str]) -> str:
    if len(problems) == 1:
        return problems[0]
    listed = "\n".join(f"  - {p}" for p in problems)
    return f"{len(problems)} problems make the SSDA903 input unusable:\n{listed}"


def ingest_ssda903(
    folder: Path,
    log: DataQualityLog,
    pseudonymiser: Pseudonymiser,
    settings: Settings = DEFAULT_SETTINGS,
) -> dict[str, pd.DataFrame]:
    """Read, clean and merge every SSDA903 return under ``folder/<YYYY>/``.

    Args:
        folder: The ``RAW/ssda903`` folder.
        log: Data-quality log.
        pseudonymiser: Keyed hash for child identifiers.
        settings: Local rules.

    Returns:
        Clean tables keyed ``header``, ``episodes``, ``oc3``, ``uasc``, ``missing``,
        ``sw_episodes``, ``ad1``, ``placed_adoption`` and ``prev_perm``, each passing its
        ``schemas`` model (empty when the table is absent).

    Raises:
        InputError: If the input is unusable (see ``read_ssda903``).
    """
    return read_ssda903(folder, log, pseudonymiser, settings).tables
