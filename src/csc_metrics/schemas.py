"""Pandera models: every processed table and every metric table, declared once.

These models are the contract between the stages: ingest writes tables that pass them,
indicators and notebooks read tables that pass them. Each model is validated at the stage
boundary (when a table is written to or read from ``processed/``, and when a metric table
leaves the indicator functions). Column names follow the DfE SSDA903 names, lower-cased
(``decom``, ``rne``, ``place``...), so they map one to one onto ``docs/definitions.md``;
``child_id`` is always the keyed pseudonym, never the council's own identifier.

Dates are ``datetime64[ns]``; codes and identifiers are text (``str``), blank meaning unknown.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pyarrow
from pandera.engines import pandas_engine
from pandera.typing import Series

SEVERITIES = ["error", "warning", "info"]
CASE_TYPES = ["CLA", "CP", "CIN", "CARE_LEAVER"]
ETHNIC_GROUPS = [
    "White",
    "Mixed",
    "Asian",
    "Black",
    "Other",
    "Refused or not obtained",
    "Not recorded",
]


_string_check = pandas_engine.STRING.check


def _string_check_whole(self: Any, pandera_dtype: Any, data_container: Any = None) -> Any:
    """The text dtype check of pandera, answering ``True`` when every value passes.

    pandera (0.35) answers a ``str`` column that already has the text dtype with one ``True``
    per value, and then builds and prints an empty table of failure cases for it: about a
    tenth of the CPU of validating a table, on every text column of every table. A single
    ``True`` means the same (the column passes) without that work; a column with any value
    that fails still gets its failure cases, so the error messages are unchanged.
    """
    result = _string_check(self, pandera_dtype, data_container)
    if data_container is None or isinstance(result, bool):
        return result
    return True if bool(np.asarray(result).all()) else result


pandas_engine.STRING.check = _string_check_whole  # type: ignore[method-assign]


def repeats_any(frame: pd.DataFrame, columns: list[str]) -> bool:
    """Whether two rows hold the same values in ``columns`` (blanks equal), as ``duplicated``.

    First the quick proof that no row repeats (``_rows_distinct``); only when it cannot give
    one, worked out exactly on each column's integer codes (``pandas.factorize``, blank -1)
    joined into one number per row: comparing millions of text keys directly, as
    ``DataFrame.duplicated`` does, costs seconds in a national caseload history.
    """
    if len(frame) < 2:
        return False
    if _rows_distinct(frame, columns):
        return False
    key = np.zeros(len(frame), dtype="int64")
    for number, column in enumerate(columns):
        if number > 1:
            # Numbered afresh (below the row count), so that the next product cannot overflow.
            key = pd.factorize(key)[0]
        codes, distinct = pd.factorize(frame[column])
        key = key * (len(distinct) + 1) + (codes + 1)
    return not pd.Index(key).is_unique


#: Multiplier folding a row's words into one 64-bit number (odd, so no word's bits are lost).
_FOLD = np.uint64(0x9E3779B97F4A7C15)


def _rows_distinct(frame: pd.DataFrame, columns: list[str]) -> bool:
    """True when no two rows can hold the same values in ``columns``; False when unsure.

    Each row's values are folded into one 64-bit number, the same for equal rows: when no two
    rows' numbers are equal (one sort of the numbers shows it), no two rows are; False only
    sends the caller to the exact check, so a rare equal number for different rows costs time,
    never a wrong answer. Text of one length throughout, as the pseudonyms are, is folded from
    its bytes, and dates and whole numbers from their values, without the hashing of millions
    of strings that factorising them costs (a national caseload history's 5.4 million rows:
    about 1.5 s of CPU, against 0.4 s); other columns from their ``pandas.factorize`` codes.
    """
    folded = np.zeros(len(frame), dtype="uint64")
    for column in columns:
        values = frame[column]
        if _fold_text(values, folded):
            continue
        if values.dtype.kind in "iuM" and isinstance(values.dtype, np.dtype):
            words = values.to_numpy().view("uint64")
        else:
            words = pd.factorize(values)[0].view("uint64")
        folded *= _FOLD
        folded ^= words
    folded.sort()
    return not bool((folded[1:] == folded[:-1]).any())


def _fold_text(values: pd.Series, folded: np.ndarray) -> bool:
    """Fold Arrow text into ``folded``, row by row, from its bytes as 64-bit words.

    Only text with no blanks and every value of one length, so that two rows' words are equal
    exactly when their values are; answers False (``folded`` untouched) for anything else.
    """
    array = values.array
    if not hasattr(array, "__arrow_array__"):
        return False
    arrow = array.__arrow_array__()
    chunks = [chunk for chunk in getattr(arrow, "chunks", [arrow]) if len(chunk)]
    rows = []
    width = None
    for chunk in chunks:
        if chunk.null_count or not (
            pyarrow.types.is_string(chunk.type) or pyarrow.types.is_large_string(chunk.type)
        ):
            return False
        offset_type = "int64" if pyarrow.types.is_large_string(chunk.type) else "int32"
        offsets = np.frombuffer(chunk.buffers()[1], dtype=offset_type)[
            chunk.offset : chunk.offset + len(chunk) + 1
        ]
        width = int(offsets[1] - offsets[0]) if width is None else width
        if width == 0 or (np.diff(offsets) != width).any():
            return False
        data = np.frombuffer(chunk.buffers()[2], dtype="uint8")[offsets[0] : offsets[-1]]
        rows.append(data.reshape(len(chunk), width))
    if width is None or sum(len(part) for part in rows) != len(folded):
        return False
    start = 0
    for part in rows:
        if width % 8:
            part = np.pad(part, ((0, 0), (0, -width % 8)))
        words = np.ascontiguousarray(part).view("uint64")
        into = folded[start : start + len(part)]
        for word in words.T:
            into *= _FOLD
            into ^= word
        start += len(part)
    return True


class _Clean(pa.DataFrameModel):
    class Config:
        strict = True
        coerce = True


# --- SSDA903 ---------------------------------------------------------------------------------


class CleanHeader(_Clean):
    """``clean_ssda903__header``: one row per child, from the latest file that holds the child."""

    child_id: Series[str] = pa.Field(unique=True)
    sex: Series[str] = pa.Field(isin=["M", "F", "U"], nullable=True)
    dob: Series[pd.Timestamp] = pa.Field(nullable=True)
    ethnic: Series[str] = pa.Field(nullable=True)
    ethnic_group: Series[str] = pa.Field(isin=ETHNIC_GROUPS)
    upn_code: Series[str] = pa.Field(nullable=True, description="UN1-UN5 code, else blank")
    mother: Series[str] = pa.Field(nullable=True)
    collection_year: Series[int]
    source_file: Series[str]


class CleanEpisodes(_Clean):
    """``clean_ssda903__episodes``: one longitudinal row per episode of care, all years merged."""

    child_id: Series[str]
    decom: Series[pd.Timestamp]
    rne: Series[str] = pa.Field(nullable=True)
    ls: Series[str] = pa.Field(nullable=True)
    cin: Series[str] = pa.Field(nullable=True)
    place: Series[str] = pa.Field(nullable=True)
    place_provider: Series[str] = pa.Field(nullable=True)
    dec: Series[pd.Timestamp] = pa.Field(nullable=True)
    rec: Series[str] = pa.Field(nullable=True)
    reason_place_change: Series[str] = pa.Field(nullable=True)
    home_post: Series[str] = pa.Field(nullable=True, description="upper case, one space")
    pl_post: Series[str] = pa.Field(nullable=True, description="upper case, one space")
    urn: Series[str] = pa.Field(nullable=True)
    is_short_break: Series[bool]
    collection_year: Series[int] = pa.Field(description="year of the file the kept row came from")
    source_file: Series[str]
    source_row: Series[int]
    episode_source: Series[str] = pa.Field(
        description="'as returned', or the repair rule applied (see docs/definitions.md)"
    )
    has_overlap: Series[bool] = pa.Field(description="starts before the previous episode ended")
    has_gap: Series[bool] = pa.Field(
        description="a continuation (RNE not S) that does not start on the previous DEC"
    )

    @pa.dataframe_check
    @classmethod
    def one_row_per_child_and_start(cls, df: pd.DataFrame) -> bool:
        """An episode is identified by child and start date."""
        return not repeats_any(df, ["child_id", "decom"])


class CleanOC3(_Clean):
    """``clean_ssda903__oc3``: care leavers' follow-up rows, one per young person per file year."""

    child_id: Series[str]
    dob: Series[pd.Timestamp] = pa.Field(nullable=True)
    in_touch: Series[str] = pa.Field(nullable=True)
    activ: Series[str] = pa.Field(nullable=True)
    accom: Series[str] = pa.Field(nullable=True)
    collection_year: Series[int]
    source_file: Series[str]
    source_row: Series[int]


class CleanUASC(_Clean):
    """``clean_ssda903__uasc``: children who are or were unaccompanied asylum-seeking children."""

    child_id: Series[str]
    sex: Series[str] = pa.Field(isin=["M", "F", "U"], nullable=True)
    dob: Series[pd.Timestamp] = pa.Field(nullable=True)
    duc: Series[pd.Timestamp] = pa.Field(nullable=True, description="date UASC status ceased")
    collection_year: Series[int]
    source_file: Series[str]


class CleanMissing(_Clean):
    """``clean_ssda903__missing``: missing and away-from-placement episodes."""

    child_id: Series[str]
    missing: Series[str] = pa.Field(nullable=True, description="M missing, A away")
    mis_start: Series[pd.Timestamp] = pa.Field(nullable=True)
    mis_end: Series[pd.Timestamp] = pa.Field(nullable=True)
    collection_year: Series[int]
    source_file: Series[str]


class CleanSWEpisodes(_Clean):
    """``clean_ssda903__sw_episodes``: social-worker episodes (2023-24 onward)."""

    child_id: Series[str]
    sw_id: Series[str] = pa.Field(nullable=True)
    sw_decom: Series[pd.Timestamp] = pa.Field(nullable=True)
    sw_dec: Series[pd.Timestamp] = pa.Field(nullable=True)
    sw_reason: Series[str] = pa.Field(nullable=True)
    collection_year: Series[int]
    source_file: Series[str]


class CleanAD1(_Clean):
    """``clean_ssda903__ad1``: adoption details of children adopted, one row per child per return.

    Only the dates and codes the permanence indicators read are kept (no date of birth: the
    Header holds it).
    """

    child_id: Series[str]
    date_int: Series[pd.Timestamp] = pa.Field(
        nullable=True, description="date of the decision that the child be placed for adoption"
    )
    date_match: Series[pd.Timestamp] = pa.Field(
        nullable=True, description="date the child was matched with the adopters"
    )
    foster_care: Series[str] = pa.Field(
        isin=["0", "1"], nullable=True, description="1: adopted by their foster carer(s)"
    )
    nb_adoptr: Series[str] = pa.Field(nullable=True, description="number of adopters, 1 or 2")
    sex_adoptr: Series[str] = pa.Field(nullable=True)
    ls_adoptr: Series[str] = pa.Field(nullable=True)
    collection_year: Series[int]
    source_file: Series[str]
    source_row: Series[int]


class CleanPlacedAdoption(_Clean):
    """``clean_ssda903__placed_adoption``: decisions that a child should be placed for adoption.

    One row per child and decision date; a decision that no longer stands has the date of that
    decision and its reason (RD1-RD4).
    """

    child_id: Series[str]
    date_placed: Series[pd.Timestamp] = pa.Field(
        nullable=True, description="date of the decision that the child be placed for adoption"
    )
    date_placed_ceased: Series[pd.Timestamp] = pa.Field(
        nullable=True, description="date of the decision that the child no longer be placed"
    )
    reason_placed_ceased: Series[str] = pa.Field(
        nullable=True, description="RD1-RD4: why the adoption plan ended"
    )
    collection_year: Series[int]
    source_file: Series[str]
    source_row: Series[int]


class CleanPrevPerm(_Clean):
    """``clean_ssda903__prev_perm``: permanence before this care, one row per child per return."""

    child_id: Series[str]
    prev_perm: Series[str] = pa.Field(
        nullable=True, description="P1 adoption, P2 SGO, P3 residence/CAO, P4 unknown, Z1 none"
    )
    la_perm: Series[str] = pa.Field(nullable=True)
    date_perm: Series[str] = pa.Field(
        nullable=True, description="as given: a date, possibly with ZZ for unknown parts"
    )
    collection_year: Series[int]
    source_file: Series[str]
    source_row: Series[int]


# --- Reference data --------------------------------------------------------------------------


class CleanPostcodes(_Clean):
    """``clean_reference__postcodes``: postcode, sector or district to grid reference and LA."""

    postcode: Series[str] = pa.Field(unique=True, description="upper case, one space")
    easting: Series[float] = pa.Field(nullable=True)
    northing: Series[float] = pa.Field(nullable=True)
    la_code: Series[str] = pa.Field(nullable=True)


class CleanPopulation(_Clean):
    """``clean_reference__population``: child population aged 0-17 by council and year."""

    la_code: Series[str]
    year: Series[int] = pa.Field(description="mid-year estimate year (population at 30 June)")
    population_0_17: Series[float] = pa.Field(gt=0)


# --- Caseloads -------------------------------------------------------------------------------


class CleanCases(_Clean):
    """``clean_caseload__cases``: one row per child per snapshot (a child is one case)."""

    snapshot_date: Series[pd.Timestamp]
    child_id: Series[str]
    case_type: Series[str] = pa.Field(isin=CASE_TYPES)
    case_types_held: Series[str] = pa.Field(description="all types the child is open under, ';'")
    team: Series[str] = pa.Field(nullable=True)
    worker_id: Series[str] = pa.Field(nullable=True, description="blank = unallocated")
    allocated_date: Series[pd.Timestamp] = pa.Field(nullable=True)
    source_file: Series[str]

    @pa.dataframe_check
    @classmethod
    def one_case_per_child(cls, df: pd.DataFrame) -> bool:
        """A child open under several case types is one case."""
        return not repeats_any(df, ["snapshot_date", "child_id"])


class CleanWorkforce(_Clean):
    """``clean_caseload__workforce``: one row per worker per snapshot."""

    snapshot_date: Series[pd.Timestamp]
    worker_id: Series[str]
    team: Series[str] = pa.Field(nullable=True)
    role: Series[str] = pa.Field(nullable=True)
    fte: Series[float] = pa.Field(nullable=True, ge=0)
    agency: Series[bool]
    start_date: Series[pd.Timestamp] = pa.Field(nullable=True)
    qualified_date: Series[pd.Timestamp] = pa.Field(nullable=True)
    source_file: Series[str]

    @pa.dataframe_check
    @classmethod
    def one_row_per_worker(cls, df: pd.DataFrame) -> bool:
        """Duplicate worker rows are resolved (and logged) at ingest."""
        return not repeats_any(df, ["snapshot_date", "worker_id"])


class CleanEstablishment(_Clean):
    """``clean_caseload__establishment``: funded social-worker FTE by team, where supplied."""

    snapshot_date: Series[pd.Timestamp]
    team: Series[str]
    funded_fte: Series[float] = pa.Field(ge=0)


# --- Data quality and metrics ----------------------------------------------------------------


class DataQualityIssues(_Clean):
    """``dq_issues``: every problem found at ingest; nothing is dropped without a row here."""

    dataset: Series[str] = pa.Field(description="ssda903, caseload or reference")
    table: Series[str] = pa.Field(nullable=True)
    file: Series[str] = pa.Field(nullable=True, description="path relative to the raw folder")
    row: Series[pd.Int64Dtype] = pa.Field(nullable=True, description="1-based, header is row 1")
    child_id: Series[str] = pa.Field(nullable=True, description="pseudonym")
    column: Series[str] = pa.Field(nullable=True)
    value: Series[str] = pa.Field(nullable=True, description="offending value, never a raw id")
    rule: Series[str]
    severity: Series[str] = pa.Field(isin=SEVERITIES)
    message: Series[str]


class MetricTable(_Clean):
    """Long table of indicator results: one row per indicator, reference date and group.

    The overall figure has ``breakdown == "total"`` and ``group == "all"``. A percentage value
    has one decimal place; a count's value is the count. A zero denominator gives a blank value.
    """

    indicator_id: Series[str]
    period_end: Series[pd.Timestamp]
    breakdown: Series[str]
    group: Series[str]
    numerator: Series[float] = pa.Field(nullable=True)
    denominator: Series[float] = pa.Field(nullable=True)
    value: Series[float] = pa.Field(nullable=True)
    unknown: Series[float] = pa.Field(nullable=True)
    #: Why the indicator is not covered at the date (its value is then blank); blank when it is.
    #: Only tables from ``compute_indicators`` and ``compute_indicator_series`` carry it.
    not_covered: Series[str] | None = pa.Field(nullable=True)


def column_names(model: type[pa.DataFrameModel]) -> list[str]:
    """A model's columns, in order: the one list of a table's columns."""
    return list(model.to_schema().columns)


#: The optional metric-table column saying why an indicator is not covered at a date.
NOT_COVERED = "not_covered"
#: The metric-table columns every producer of metric rows gives.
METRIC_COLUMNS = [c for c in column_names(MetricTable) if c != NOT_COVERED]
