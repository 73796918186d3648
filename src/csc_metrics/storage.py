"""Reading and writing processed tables, and replacing an output folder safely.

File formats live only here. Every processed table is a parquet file named after its pandera
model (``clean_ssda903__episodes.parquet`` for ``CleanEpisodes``), validated on the way out and
on the way in.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
import pandera.pandas as pa
import pyarrow
from pyarrow import csv as arrow_csv
from pyarrow import parquet

from csc_metrics import fingerprints, folders, schemas
from csc_metrics.errors import InputError
from csc_metrics.formatting import neutralise_formulas

#: Table name -> pandera model, for every table ``ingest`` writes to ``processed/``.
PROCESSED_TABLES: dict[str, type[pa.DataFrameModel]] = {
    "clean_ssda903__header": schemas.CleanHeader,
    "clean_ssda903__episodes": schemas.CleanEpisodes,
    "clean_ssda903__oc3": schemas.CleanOC3,
    "clean_ssda903__uasc": schemas.CleanUASC,
    "clean_ssda903__missing": schemas.CleanMissing,
    "clean_ssda903__sw_episodes": schemas.CleanSWEpisodes,
    "clean_ssda903__ad1": schemas.CleanAD1,
    "clean_ssda903__placed_adoption": schemas.CleanPlacedAdoption,
    "clean_ssda903__prev_perm": schemas.CleanPrevPerm,
    "clean_reference__postcodes": schemas.CleanPostcodes,
    "clean_reference__population": schemas.CleanPopulation,
    "clean_caseload__cases": schemas.CleanCases,
    "clean_caseload__workforce": schemas.CleanWorkforce,
    "clean_caseload__establishment": schemas.CleanEstablishment,
    "dq_issues": schemas.DataQualityIssues,
}

MANIFEST_NAME = "manifest.json"
#: Manifest key: collection year -> date (ISO) of an in-year SSDA903 extract, where one was given.
EXTRACT_DATES_KEY = "ssda903_extract_dates"
#: Sub-folder of a processed folder holding caches built from it (the indicator series, the
#: shipped sample's stamp). Ingest replaces the whole processed folder, and the caches with it.
CACHE_FOLDER = "_cache"


def empty_table(name: str) -> pd.DataFrame:
    """Return an empty frame with the columns and dtypes of a processed table.

    The frame is built once per process; each call gets its own copy. Its columns have the
    dtypes the model's checks coerce to (pandera's ``DataType.type``), so it is what validating
    an empty frame would give, without the validation (about 20 ms a table in a fresh process,
    and every ``ProcessedData`` without some table asks for it: a quarter's re-run ingest paid
    about 0.25 s of CPU for the twelve tables its published caseload history does without).

    Args:
        name: A key of ``PROCESSED_TABLES``.

    Returns:
        A zero-row frame that passes the table's model.
    """
    return _empty_table(name).copy()


@cache
def _empty_table(name: str) -> pd.DataFrame:
    """The empty table, built once per process, in the dtypes its model coerces to."""
    schema = PROCESSED_TABLES[name].to_schema()
    return pd.DataFrame({col: pd.Series(dtype=c.dtype.type) for col, c in schema.columns.items()})


def write_table(frame: pd.DataFrame, name: str, folder: Path, validated: bool = False) -> Path:
    """Validate a processed table against its model and write it as parquet.

    Args:
        frame: The table.
        name: A key of ``PROCESSED_TABLES``.
        folder: Folder to write to.
        validated: True when ``frame`` is what the model's ``validate`` returned just before
            (checking it again would cost a national ingest seconds).

    Returns:
        The path written.
    """
    if not validated:
        frame = PROCESSED_TABLES[name].validate(frame, lazy=True)
    path = Path(folder) / f"{name}.parquet"
    write_parquet(frame, path)
    return path


#: Rows per parquet row group: pyarrow's default, which ``DataFrame.to_parquet`` uses.
ROW_GROUP_ROWS = 1024 * 1024


def write_parquet(frame: pd.DataFrame, path: Path) -> None:
    """Write a frame as ``DataFrame.to_parquet(path, index=False)`` does, byte for byte.

    A text column stacked from several frames is held in several pieces, and parquet's pages
    follow them, so the same rows could give other bytes; here each row group is made whole
    first (one row group at a time, so a national table is never copied whole).

    Args:
        frame: The table.
        path: The file to write.
    """
    table = pyarrow.Table.from_pandas(frame, preserve_index=False)
    with parquet.ParquetWriter(path, table.schema, compression="snappy") as writer:
        for start in range(0, max(table.num_rows, 1), ROW_GROUP_ROWS):
            writer.write_table(table.slice(start, ROW_GROUP_ROWS).combine_chunks())


def read_table(name: str, folder: Path) -> pd.DataFrame:
    """Read one processed table, or an empty one if the file is absent.

    Args:
        name: A key of ``PROCESSED_TABLES``.
        folder: The processed folder.

    Returns:
        The validated table.

    Raises:
        InputError: If the file does not read back as the table (damaged, truncated).
    """
    path = Path(folder) / f"{name}.parquet"
    if not path.exists():
        return empty_table(name)
    try:
        frame = pd.read_parquet(path)
    except (OSError, ValueError, pyarrow.ArrowException) as error:
        raise InputError(
            f"The processed table {path} cannot be read ({type(error).__name__}): it is "
            "damaged. Run `csc-metrics ingest` again to rebuild it from the raw files."
        ) from None
    return PROCESSED_TABLES[name].validate(frame)


#: The manifest key holding the SHA-256 of every file ingest wrote (name -> hash).
FILE_HASHES = "files"
#: Sub-folder of a processed folder holding the previous generation of the caseload tables.
HISTORY_FOLDER = "_previous"
#: The caseload tables: a history of snapshots that may exist nowhere else once the raw
#: snapshots are archived.
CASELOAD_TABLES = (
    "clean_caseload__cases",
    "clean_caseload__workforce",
    "clean_caseload__establishment",
)


def snapshot_dates(name: str, folder: Path) -> set[pd.Timestamp]:
    """The snapshot dates in a processed caseload table, reading only that column.

    Args:
        name: A caseload table's name (``CASELOAD_TABLES``).
        folder: The processed folder.

    Returns:
        Its distinct ``snapshot_date`` values (none when the file is absent).

    Raises:
        InputError: If the file does not read back.
    """
    path = Path(folder) / f"{name}.parquet"
    if not path.exists():
        return set()
    try:
        column = parquet.read_table(path, columns=["snapshot_date"])["snapshot_date"]
    except (OSError, ValueError, KeyError, pyarrow.ArrowException) as error:
        raise InputError(
            f"The processed table {path} cannot be read ({type(error).__name__}): it is "
            "damaged. Run `csc-metrics ingest` again to rebuild it from the raw files."
        ) from None
    return {pd.Timestamp(date) for date in column.unique().to_pylist() if date is not None}


def file_hashes(folder: Path) -> dict[str, str]:
    """SHA-256 of every table and data file directly in a folder (not the manifest or marker).

    Args:
        folder: A processed folder (or its history folder) being written.

    Returns:
        File name -> hex digest, sorted by name.
    """
    skip = {MANIFEST_NAME, folders.MARKER_NAME}
    return {
        path.name: fingerprints.sha256_file(path)
        for path in sorted(Path(folder).iterdir())
        if path.is_file() and path.name not in skip and path.suffix in (".parquet", ".csv")
    }


def damaged_files(folder: Path, names: tuple[str, ...] | None = None) -> list[str]:
    """Files of a processed folder that no longer match the hash its manifest recorded.

    A folder whose manifest records no hashes (written before they were kept) has none.

    Args:
        folder: The processed folder (or its history folder).
        names: Only these table names (default: every file recorded).

    Returns:
        The damaged or missing files' names, sorted.
    """
    folder = Path(folder)
    try:
        manifest = json.loads((folder / MANIFEST_NAME).read_text("utf-8"))
    except (OSError, ValueError):
        return []
    recorded = manifest.get(FILE_HASHES) if isinstance(manifest, dict) else None
    if not isinstance(recorded, dict):
        return []
    wanted = {f"{n}.parquet" for n in names} if names is not None else set(recorded)
    damaged = []
    for name in sorted(wanted & set(recorded)):
        path = folder / name
        if not path.is_file() or fingerprints.sha256_file(path) != recorded[name]:
            damaged.append(name)
    return damaged


def check_files(folder: Path, names: tuple[str, ...] | None = None) -> None:
    """Raise ``InputError`` naming every processed file that does not match its recorded hash."""
    damaged = damaged_files(folder, names)
    if damaged:
        raise InputError(
            f"The processed folder {folder} holds damaged file(s): {', '.join(damaged)} "
            "(they no longer match the hashes ingest recorded). Run `csc-metrics ingest` again "
            "to rebuild them from the raw files."
        )


@dataclass
class ProcessedData:
    """All processed tables of one ``processed/`` folder, loaded into memory.

    Absent tables are empty frames with the right columns, so callers need no special cases.
    """

    header: pd.DataFrame
    episodes: pd.DataFrame
    oc3: pd.DataFrame
    uasc: pd.DataFrame
    missing: pd.DataFrame
    sw_episodes: pd.DataFrame
    postcodes: pd.DataFrame
    population: pd.DataFrame
    cases: pd.DataFrame
    workforce: pd.DataFrame
    establishment: pd.DataFrame
    dq_issues: pd.DataFrame
    manifest: dict[str, Any] = field(default_factory=dict)
    folder: Path | None = None
    # The permanence tables come last, with empty defaults, so that code building the data
    # from the original twelve tables keeps working.
    ad1: pd.DataFrame = field(default_factory=lambda: empty_table("clean_ssda903__ad1"))
    placed_adoption: pd.DataFrame = field(
        default_factory=lambda: empty_table("clean_ssda903__placed_adoption")
    )
    prev_perm: pd.DataFrame = field(default_factory=lambda: empty_table("clean_ssda903__prev_perm"))
    #: The snapshot dates of the caseload history, when a caseload table was left empty
    #: because every one of its rows is of a snapshot being read again (ingest does not read
    #: those back); None when the caseload tables hold every row.
    caseload_dates: frozenset[pd.Timestamp] | None = None

    @classmethod
    def from_tables(
        cls, tables: dict[str, pd.DataFrame], manifest: dict[str, Any] | None = None
    ) -> ProcessedData:
        """Build from a mapping of table name to frame; missing tables become empty.

        Args:
            tables: Keys are ``PROCESSED_TABLES`` names, with or without the dataset prefix
                (``"episodes"`` and ``"clean_ssda903__episodes"`` both work).
            manifest: Optional ingest manifest.

        Returns:
            The loaded data.
        """
        by_short = {_short_name(k): v for k, v in tables.items()}
        loaded = {
            _short_name(name): (
                model.validate(by_short[_short_name(name)])
                if _short_name(name) in by_short
                else empty_table(name)
            )
            for name, model in PROCESSED_TABLES.items()
        }
        return cls(**loaded, manifest=manifest or {})


def _short_name(name: str) -> str:
    return name.split("__", 1)[-1]


def load_processed(folder: Path) -> ProcessedData:
    """Load every table of a processed folder.

    Args:
        folder: A folder written by ``csc-metrics ingest``.

    Returns:
        The processed data.

    Raises:
        InputError: If the folder does not exist or holds no ingest manifest.
    """
    folder = Path(folder)
    manifest_path = folder / MANIFEST_NAME
    if not manifest_path.exists():
        raise InputError(
            f"{folder} is not a processed folder (no {MANIFEST_NAME}). "
            "Run `csc-metrics ingest --raw RAW --processed "
            f"{folder}` first."
        )
    check_files(folder)
    tables = {name: read_table(name, folder) for name in PROCESSED_TABLES}
    # read_table has validated every table: build the container without checking them again.
    data = ProcessedData(
        **{_short_name(name): table for name, table in tables.items()},
        manifest=json.loads(manifest_path.read_text("utf-8")),
    )
    data.folder = folder
    return data


#: Files and folders ingest writes into a processed folder, besides the tables.
PROCESSED_EXTRAS = frozenset(
    {
        MANIFEST_NAME,
        "dq_issues.csv",
        "run_ingest_stamp.json",
        CACHE_FOLDER,
        "_previous",
        "_ingest_cache",
        folders.MARKER_NAME,
    }
)


def is_legacy_processed(folder: Path) -> bool:
    """Whether an unmarked folder was written by ``csc-metrics ingest`` before folders had markers.

    It must hold an ingest manifest (one that lists the raw inputs) and nothing but what ingest
    writes: a report folder (``index.html``) or a folder holding anyone else's file is not one.
    """
    folder = Path(folder)
    allowed = {f"{name}.parquet" for name in PROCESSED_TABLES} | PROCESSED_EXTRAS
    try:
        names = {path.name for path in folder.iterdir()}
        manifest = json.loads((folder / MANIFEST_NAME).read_text("utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and "inputs" in manifest and names <= allowed


@contextmanager
def staged_replace(
    target: Path,
    kind: str = "report-period",
    option: str = "the folder",
    *,
    legacy: folders.LegacyCheck | None = None,
    check: bool = True,
    keep_retired: Callable[[Path, Path], None] | None = None,
    mark: bool = True,
) -> Iterator[Path]:
    """Build a folder's new contents beside it, then swap them in only on success.

    See ``folders.replace_folder``: an interrupted earlier swap is recovered first, a folder
    csc-metrics does not own (no marker of ``kind``) is refused with ``InputError``, and a
    failure inside the block leaves ``target`` exactly as it was.

    Args:
        target: The folder to replace (it need not exist yet).
        kind: Its kind (``folders.FOLDER_KINDS``).
        option: How the user named it, for messages.
        legacy: Recognises an unmarked folder written before markers existed.
        check: False when the caller has made its own check (``sample --force``).
        keep_retired: Called with ``(retired copy, new folder)`` after the swap.
        mark: False to leave the new folder without a marker (the synthetic raw sample).

    Yields:
        An empty staging folder to write into.
    """
    with folders.replace_folder(
        target, kind, option, legacy=legacy, check=check, keep_retired=keep_retired, mark=mark
    ) as staging:
        yield staging


def unused_path(folder: Path, stem: str, suffix: str = "") -> Path:
    """``folder/<stem><suffix>``, or ``<stem>-2<suffix>``, ``-3``... if that already exists.

    Args:
        folder: The folder.
        stem: The name wanted.
        suffix: What follows the stem (``.log``), or nothing for a folder.

    Returns:
        A path nothing is at yet.
    """
    path = Path(folder) / f"{stem}{suffix}"
    number = 1
    while path.exists():
        number += 1
        path = Path(folder) / f"{stem}-{number}{suffix}"
    return path


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """Write a table as UTF-8 CSV for people who open it in Excel.

    pyarrow's writer is used because it is about thirty times faster than ``DataFrame.to_csv``
    on a national data-quality table (700,000 rows: 0.2 s against 3.3 s); values are quoted
    where needed, and the header line always, which every CSV reader accepts. Text that a
    spreadsheet would run as a formula is neutralised first (``formatting.neutralise_formulas``).
    """
    table = pyarrow.Table.from_pandas(neutralise_formulas(frame), preserve_index=False)
    arrow_csv.write_csv(table, path, arrow_csv.WriteOptions(quoting_style="needed"))


def write_json(data: Any, path: Path) -> None:
    """Write JSON with stable formatting (sorted keys, two-space indent, dates as ISO text)."""
    Path(path).write_text(
        json.dumps(data, indent=2, sort_keys=True, default=str) + "\n", encoding="utf-8"
    )
