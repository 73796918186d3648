"""The report context: what every report notebook needs, built once by ``open_report``.

``open_report`` checks the eight notebook parameters, loads the processed data, settles the
period end and reads the indicator series. Two caches keep the notebooks quick:

- ``processed_dir=None`` means the shipped synthetic sample: it is ingested into
  ``data/processed/sample`` the first time and reused while its files (and the package code that
  reads them) are unchanged. A file lock stops notebooks run side by side from ingesting twice.
- The indicator series over every quarter end is computed once per processed folder, council and
  settings and kept in ``<processed>/_cache/``, keyed by a hash of the ingest manifest, the
  council, the settings and the package code, so it is never stale. Ingest replaces the whole
  processed folder, and the cache with it.

Everything else (SPC per indicator, benchmarks, targets) is worked out when a notebook first asks
for it and then kept, so each notebook does only the work its own sections need.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import html
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields, replace
from functools import cache, cached_property
from io import BytesIO
from pathlib import Path
from typing import Any

import pandas as pd
import pandera.errors
from filelock import FileLock
from matplotlib.figure import Figure

import csc_metrics
from csc_metrics import benchmarks, catalogue, storage
from csc_metrics.caseload import latest_snapshot, snapshot_dates
from csc_metrics.catalogue import get_indicator
from csc_metrics.charts import TEXT_COLOUR, UNIT_LABELS, Chart, benchmark_chart, spc_chart
from csc_metrics.errors import ParameterError
from csc_metrics.indicators import (
    IndicatorInputs,
    compute_indicator_series,
    compute_indicators,
    data_coverage,
    prepare_inputs,
    window_start,
)
from csc_metrics.indicators.prepare import check_period_end
from csc_metrics.narrative import IndicatorSummary, summarise_indicator
from csc_metrics.privacy import KEY_ENV
from csc_metrics.report.landing import period_label
from csc_metrics.report.publish import hash_inputs, inputs_fingerprint
from csc_metrics.schemas import MetricTable
from csc_metrics.settings import DEFAULT_SETTINGS, Settings
from csc_metrics.spc import long_date
from csc_metrics.suppression import is_small_count

#: The notebook parameters, in the order of every notebook's ``parameters`` cell.
PARAMETERS = (
    "processed_dir",
    "period_end",
    "la_code",
    "la_name",
    "team",
    "comparator",
    "suppress",
    "targets_file",
)

#: Benchmark comparators a report can use, with how the parameter is described in messages.
COMPARATORS: dict[str, str] = {
    "england": "England",
    "region": "the council's region",
    "sn": "the median of the council's statistical neighbours",
}

#: The shipped synthetic sample and where its processed tables are cached, under the project root.
SAMPLE_RAW = Path("data") / "raw" / "sample"
SAMPLE_PROCESSED = Path("data") / "processed" / "sample"
#: The sample's identifiers are invented, so its pseudonyms use this fixed, public key: viewing
#: the sample never needs (or creates) the council's own key.
SAMPLE_KEY = "csc-metrics shipped synthetic sample"
#: Written into the sample's processed folder: what it was built from.
SAMPLE_STAMP = "sample_source.json"
#: The synthetic data generator (``csc-metrics sample``) writes this into the MANIFEST.md of
#: every folder it makes; reports on such data say that it is synthetic.
GENERATOR_MARK = '"generator": "csc-metrics sample"'

#: Sub-folder of a processed folder holding the report caches (replaced with it by ingest).
CACHE_FOLDER = "_cache"
SERIES_CACHE_PREFIX = "indicator_series-"

#: Parts of the package that neither ingest nor the indicators depend on: changing them does not
#: make a cached sample ingest or indicator series stale.
PRESENTATION_CODE = ("views", "report", "templates")

#: Flow indicators counted over the 12 months to each reference date from episodes: before the
#: data have run for a full year, their window is only partly covered and the count is too low.
FLOW_INDICATORS = ("cla_started_count", "cla_ceased_count")
#: Every care-leaver indicator's cohort is the OC3 rows of the 12 months to the reference date,
#: and OC3 rows exist only for the years held, so the same applies.
FULL_WINDOW_INDICATORS = FLOW_INDICATORS + tuple(catalogue.indicator_ids(area="care_leavers"))

#: Caseload indicators that have a value per team: with ``team`` set, the team's own series
#: takes the place of the whole service's.
TEAM_AREA = "caseloads"
#: Percentages of FTE rather than of people. Narrative writes their base as "n=", which for one
#: team's few FTE (5.4 shown as "n=5") reads as a small count of people; and a team's share of a
#: handful of posts says little. Team reports leave them out of key messages.
FTE_BASED_INDICATORS = frozenset(
    {"agency_workers_pct", "vacancy_rate_pct", "newly_qualified_pct", "social_worker_turnover_pct"}
)


# --- project, code and settings fingerprints ---------------------------------------------------


def project_root() -> Path | None:
    """The source checkout holding the package (with ``pyproject.toml``), or None if installed."""
    root = Path(csc_metrics.__file__).resolve().parents[2]
    return root if (root / "pyproject.toml").is_file() else None


@cache
def code_fingerprint() -> str:
    """A hash of the package code and reference data that ingest and the indicators use.

    Returns:
        A SHA-256 hex digest over every ``.py``, ``.csv`` and ``.json`` file of the package,
        except the presentation code (``PRESENTATION_CODE``).
    """
    package = Path(csc_metrics.__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*")):
        relative = path.relative_to(package)
        if (
            not path.is_file()
            or path.suffix not in (".py", ".csv", ".json")
            or relative.parts[0] in PRESENTATION_CODE
            or "__pycache__" in relative.parts
        ):
            continue
        digest.update(relative.as_posix().encode("utf-8") + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def _canonical(value: Any) -> Any:
    """A JSON-ready form of a setting whose text is the same in every Python process."""
    if isinstance(value, set | frozenset):
        return sorted(_canonical(v) for v in value)
    if isinstance(value, tuple | list):
        return [_canonical(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in sorted(value.items())}
    return value


def settings_fingerprint(settings: Settings) -> str:
    """The settings as canonical JSON text.

    Sets are sorted: the text of a ``frozenset`` depends on the process's hash seed, so its
    ``repr`` would give another cache key in every kernel.

    Args:
        settings: The settings.

    Returns:
        JSON text with sorted keys.
    """
    payload = {f.name: _canonical(getattr(settings, f.name)) for f in fields(settings)}
    return json.dumps(payload, sort_keys=True, default=str)


# --- the shipped sample --------------------------------------------------------------------------


@contextlib.contextmanager
def _sample_key() -> Iterator[None]:
    saved = os.environ.get(KEY_ENV)
    os.environ[KEY_ENV] = SAMPLE_KEY
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop(KEY_ENV, None)
        else:
            os.environ[KEY_ENV] = saved


def sample_stamp(raw: Path) -> dict[str, str]:
    """What a processed copy of the sample must have been built from to be reused.

    Args:
        raw: The sample's raw folder.

    Returns:
        ``{"inputs": hash of every file, "code": code_fingerprint()}``.
    """
    return {"inputs": inputs_fingerprint(hash_inputs(raw)), "code": code_fingerprint()}


def sample_processed_dir(root: Path | None = None) -> Path:
    """The shipped sample's processed folder, ingesting the sample first if it is not current.

    Args:
        root: The project root (default: the checkout holding the package).

    Returns:
        ``<root>/data/processed/sample``.

    Raises:
        ParameterError: If the package is not running from a checkout with the sample.
    """
    root = root if root is not None else project_root()
    raw = root / SAMPLE_RAW if root is not None else None
    if raw is None or not raw.is_dir():
        raise ParameterError(
            "processed_dir=None means the shipped sample data/raw/sample, which is not here "
            "(the package is not running from the project folder). Give processed_dir: a "
            "folder written by `csc-metrics ingest`."
        )
    processed = root / SAMPLE_PROCESSED
    processed.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(processed.parent / f".{processed.name}.lock")):
        wanted = sample_stamp(raw)
        stamp = processed / CACHE_FOLDER / SAMPLE_STAMP
        current = stamp.is_file() and json.loads(stamp.read_text("utf-8")) == wanted
        if not current:
            from csc_metrics.pipeline import ingest

            # A fresh folder: ingest would otherwise add the snapshots to an older history.
            shutil.rmtree(processed, ignore_errors=True)
            with _sample_key():
                ingest(raw, processed)
            stamp.parent.mkdir(exist_ok=True)
            storage.write_json(wanted, stamp)
    return processed


def is_synthetic(data: storage.ProcessedData) -> bool:
    """Whether processed data were ingested from a folder the synthetic generator wrote.

    Args:
        data: Processed data (its manifest names the raw folder).

    Returns:
        True when the raw folder's MANIFEST.md carries the generator's mark.
    """
    raw = data.manifest.get("raw_folder")
    manifest = Path(raw) / "MANIFEST.md" if raw else None
    try:
        return manifest is not None and GENERATOR_MARK in manifest.read_text("utf-8")
    except OSError:
        return False


# --- the indicator series cache ------------------------------------------------------------------


def series_cache_key(processed: Path, la_code: str, settings: Settings) -> str:
    """The key of a processed folder's indicator series for one council and settings.

    Args:
        processed: The processed folder (its ``manifest.json`` changes with every ingest).
        la_code: The council.
        settings: The settings.

    Returns:
        A SHA-256 hex digest.
    """
    digest = hashlib.sha256()
    parts = (
        (Path(processed) / storage.MANIFEST_NAME).read_bytes(),
        la_code.encode("utf-8"),
        settings_fingerprint(settings).encode("utf-8"),
        code_fingerprint().encode("utf-8"),
    )
    for part in parts:
        digest.update(len(part).to_bytes(8, "big") + part)
    return digest.hexdigest()


def _write_atomically(frame: pd.DataFrame, path: Path) -> None:
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(handle)
    try:
        frame.to_parquet(temporary, index=False)
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def cached_frame(
    processed: Path | None,
    name: str,
    key: str,
    compute: Callable[[], pd.DataFrame],
    check: Callable[[pd.DataFrame], pd.DataFrame] = lambda frame: frame,
) -> pd.DataFrame:
    """A table kept in ``<processed>/_cache/``, computed by the first caller that needs it.

    Callers at the same time wait on a file lock and then read what the first wrote (written
    atomically, so never half a file). A processed folder that cannot be written to is simply
    not cached, and an unreadable cache file is computed again.

    Args:
        processed: The processed folder, or None (nothing is cached).
        name: What the table is (the start of its file name).
        key: Its cache key: the file is ``<name>-<key>.parquet``.
        compute: Works the table out.
        check: Applied to a table read back from the cache (e.g. schema validation).

    Returns:
        The table.
    """
    if processed is None:
        return compute()
    folder = Path(processed) / CACHE_FOLDER
    path = folder / f"{name}-{key[:24]}.parquet"
    try:
        folder.mkdir(exist_ok=True)
        lock = FileLock(str(folder / f"{name}-lock"))
        lock.acquire()
    except OSError:
        return compute()
    try:
        if path.is_file():
            with contextlib.suppress(OSError, ValueError, pandera.errors.SchemaError):
                return check(pd.read_parquet(path))
        frame = compute()
        with contextlib.suppress(OSError):
            _write_atomically(frame, path)
        return frame
    finally:
        lock.release()


def cached_indicator_series(
    data: storage.ProcessedData, la_code: str, settings: Settings = DEFAULT_SETTINGS
) -> pd.DataFrame:
    """Every indicator at every quarter end the data cover, from the cache when it holds them.

    The first caller computes the series (``compute_indicator_series``); see ``cached_frame``.

    Args:
        data: Processed data loaded from a folder (``data.folder`` set; else nothing is cached).
        la_code: The council.
        settings: Local rules.

    Returns:
        A ``MetricTable`` frame.
    """
    key = series_cache_key(data.folder, la_code, settings) if data.folder else ""
    return cached_frame(
        data.folder,
        SERIES_CACHE_PREFIX.rstrip("-"),
        key,
        lambda: compute_indicator_series(data, la_code, settings=settings),
        MetricTable.validate,
    )


# --- parameters ----------------------------------------------------------------------------------


def _check_choice(name: str, value: Any, allowed: tuple[str, ...]) -> str:
    text = str(value).strip().lower() if value is not None else ""
    if text not in allowed:
        raise ParameterError(
            f"{name}={value!r} is not allowed: use one of {', '.join(repr(a) for a in allowed)}."
        )
    return text


def resolve_period_end(value: Any, data: storage.ProcessedData) -> pd.Timestamp:
    """The reference date a report is for.

    Args:
        value: ``"latest"`` (the most recent quarter end the data cover) or a date
            ``"YYYY-MM-DD"`` inside the data.
        data: The processed data.

    Returns:
        The date.

    Raises:
        ParameterError: If the value is neither, or the date is outside the data (the message
            gives the range covered).
    """
    start, end = data_coverage(data)
    text = str(value).strip().lower() if value is not None else ""
    if text == "latest":
        quarter_ends = pd.date_range(start, end, freq="QE")
        if len(quarter_ends) == 0:
            raise ParameterError(
                f"period_end='latest': the data cover {start:%Y-%m-%d} to {end:%Y-%m-%d}, "
                "which holds no quarter end. Give period_end as a date (YYYY-MM-DD)."
            )
        return pd.Timestamp(quarter_ends[-1])
    try:
        when = pd.Timestamp(pd.to_datetime(text, format="%Y-%m-%d")).normalize()
    except (ValueError, TypeError):
        raise ParameterError(
            f"period_end={value!r} is not 'latest' or a date in the form YYYY-MM-DD "
            "(for example 2025-03-31)."
        ) from None
    check_period_end(when, (start, end))
    return when


def teams_at(data: storage.ProcessedData, snapshot_date: pd.Timestamp | None) -> list[str]:
    """The teams in the caseload snapshot (cases and workforce), sorted.

    Args:
        data: The processed data.
        snapshot_date: The snapshot, or None (no teams).

    Returns:
        Team names as the data spell them.
    """
    if snapshot_date is None:
        return []
    names = pd.concat(
        [
            data.cases.loc[data.cases["snapshot_date"] == snapshot_date, "team"],
            data.workforce.loc[data.workforce["snapshot_date"] == snapshot_date, "team"],
        ]
    ).dropna()
    return sorted(set(names.astype(str).str.strip()) - {""})


def resolve_team(value: Any, teams: list[str]) -> str | None:
    """The team a report is for, spelt as in the data (matched ignoring case and spaces).

    Args:
        value: None (every team) or a team name.
        teams: The teams in the caseload snapshot.

    Returns:
        The team name, or None.

    Raises:
        ParameterError: If the team is not in the data; the message lists the teams.
    """
    if value is None:
        return None
    wanted = " ".join(str(value).split()).casefold()
    matches = [t for t in teams if " ".join(t.split()).casefold() == wanted]
    if matches:
        return matches[0]
    known = ", ".join(teams) if teams else "none (there is no caseload snapshot on or before it)"
    raise ParameterError(
        f"team={value!r} is not a team in the caseload data at the period end. Teams: {known}. "
        "Use team=None for every team."
    )


#: Phrases in indicator labels and the abbreviation managers use for them, longest first (the
#: NEET phrase contains the EET one).
ABBREVIATIONS: dict[str, str] = {
    "not in education, employment or training": "NEET",
    "in education, employment or training": "EET",
}


def value_text(value: float, unit: str) -> str:
    """A value for a table cell holding indicators of several units: ``1,234``, ``8.0%``, ``77.6``.

    Args:
        value: The value (blank gives an empty text).
        unit: The indicator's unit.

    Returns:
        The text.
    """
    if value is None or pd.isna(value):
        return ""
    if unit == "count":
        return f"{value:,.0f}"
    return f"{value:,.1f}" + ("%" if unit == "pct" else "")


def display_label(indicator_id: str) -> str:
    """An indicator's label with the abbreviation managers use added, e.g. ``... (EET)``.

    Args:
        indicator_id: The indicator.

    Returns:
        The catalogue label, followed by the abbreviation of the first phrase it contains.
    """
    label = get_indicator(indicator_id).label
    for phrase, abbreviation in ABBREVIATIONS.items():
        if phrase in label:
            return f"{label} ({abbreviation})"
    return label


# --- the context ---------------------------------------------------------------------------------


@dataclass(eq=False)
class ReportContext:
    """Everything a report notebook works from, for one council, period, team and comparator.

    Attributes:
        data: The processed data.
        processed_dir: Where it was read from.
        is_sample: Whether it is the shipped synthetic sample.
        period_end: The reference date.
        la_code: The council's code.
        la_name: The council's name, for titles.
        team: The team the report is for (caseload figures), or None for the whole service.
        comparator: ``england``, ``region`` or ``sn``.
        suppress: Whether counts of 1 to 5 must be hidden everywhere.
        targets: Local targets (``benchmarks.read_targets``), or None.
        full_series: Every indicator at every quarter end the data cover.
        settings: Local rules.
    """

    data: storage.ProcessedData
    processed_dir: Path
    is_sample: bool
    period_end: pd.Timestamp
    la_code: str
    la_name: str
    team: str | None
    comparator: str
    suppress: bool
    targets: pd.DataFrame | None
    full_series: pd.DataFrame
    settings: Settings = DEFAULT_SETTINGS
    _summaries: dict[str, IndicatorSummary | None] = field(default_factory=dict, repr=False)

    # --- dates and data ranges -------------------------------------------------------------

    @cached_property
    def coverage(self) -> tuple[pd.Timestamp, pd.Timestamp]:
        """The first and last day the SSDA903 returns cover."""
        return data_coverage(self.data)

    @cached_property
    def snapshots(self) -> list[pd.Timestamp]:
        """Caseload snapshot dates on or before the period end."""
        return [d for d in snapshot_dates(self.data) if d <= self.period_end]

    @cached_property
    def snapshot_date(self) -> pd.Timestamp | None:
        """The caseload snapshot the caseload figures come from (latest on or before)."""
        return latest_snapshot(self.data, self.period_end)

    @cached_property
    def teams(self) -> list[str]:
        """The teams in that snapshot."""
        return teams_at(self.data, self.snapshot_date)

    @cached_property
    def inputs(self) -> IndicatorInputs:
        """The prepared per-child structures (for child-level tables at the period end)."""
        return prepare_inputs(self.data, self.settings)

    @cached_property
    def series(self) -> pd.DataFrame:
        """Every indicator at each quarter end up to the period end, and at the period end."""
        series = self.full_series[self.full_series["period_end"] <= self.period_end]
        if not series["period_end"].eq(self.period_end).any():
            at_end = compute_indicators(
                self.data, self.period_end, self.la_code, self.settings, inputs=self.inputs
            )
            series = pd.concat([series, at_end], ignore_index=True)
        return series.reset_index(drop=True)

    @cached_property
    def metrics(self) -> pd.DataFrame:
        """Every indicator and breakdown at the period end."""
        return self.series[self.series["period_end"] == self.period_end].reset_index(drop=True)

    # --- benchmarks and targets --------------------------------------------------------------

    @cached_property
    def council(self) -> dict[str, Any]:
        """The council's names, region and neighbours (``benchmarks.council_info``)."""
        return benchmarks.council_info(self.la_code)

    @cached_property
    def aligned_benchmarks(self) -> pd.DataFrame:
        """The council's overall series lined up with the comparator (``align_to_benchmarks``).

        Lining up reads the benchmarks of every council (about a second), so the whole series'
        alignment is cached beside the indicator series, under the same key and the comparator.
        """
        if not self.full_series["period_end"].eq(self.period_end).any():
            return benchmarks.align_to_benchmarks(self.series, self.la_code, self.comparator)
        folder = self.data.folder
        key = series_cache_key(folder, self.la_code, self.settings) if folder else ""
        aligned = cached_frame(
            folder,
            f"benchmarks_{self.comparator}",
            key,
            lambda: benchmarks.align_to_benchmarks(self.full_series, self.la_code, self.comparator),
        )
        return aligned[aligned["period_end"] <= self.period_end].reset_index(drop=True)

    @cached_property
    def comparator_name(self) -> str:
        """What the comparator is called: England, the region's name, or the neighbours."""
        names = {
            "england": benchmarks.ENGLAND_NAME,
            "region": self.council["region_name"],
            "sn": "statistical neighbours (median)",
        }
        return names[self.comparator]

    def benchmark_for(self, indicator_id: str) -> dict[str, Any] | None:
        """The comparator's figure for an indicator at the period end, for narrative.

        Args:
            indicator_id: The indicator.

        Returns:
            ``{"comparator", "value", "year"}``, or None when there is no comparable figure.
        """
        rows = self.aligned_benchmarks
        row = rows[(rows["indicator_id"] == indicator_id) & (rows["period_end"] == self.period_end)]
        if row.empty or pd.isna(row["gap_pp"].iloc[0]):
            return None
        return {
            "comparator": self.comparator_name,
            "value": float(row["benchmark"].iloc[0]),
            "year": int(row["benchmark_year"].iloc[0]),
        }

    def target_for(self, indicator_id: str) -> float | None:
        """The local target in force at the period end, if a targets file gives one."""
        if self.targets is None:
            return None
        return benchmarks.target_for(self.targets, indicator_id, self.period_end)

    # --- series for one indicator ------------------------------------------------------------

    def is_team_view(self, indicator_id: str) -> bool:
        """Whether the indicator is shown for ``team`` rather than for the whole service."""
        if self.team is None or catalogue.get_indicator(indicator_id).area != TEAM_AREA:
            return False
        rows = self.series
        return bool(((rows["indicator_id"] == indicator_id) & (rows["breakdown"] == "team")).any())

    def first_full_window(self) -> pd.Timestamp:
        """The first reference date whose 12-month window lies wholly inside the data."""
        start = self.coverage[0]
        return start + pd.DateOffset(years=1) - pd.Timedelta(days=1)

    def overall_rows(self, indicator_id: str, team: str | None = None) -> pd.DataFrame:
        """The overall series of one indicator, oldest first, as metric rows.

        With ``team`` (default: the report's team, for caseload indicators) the team's rows take
        the place of the total. Indicators counted over the 12 months to each date start at the
        first date whose window lies wholly inside the data (``FULL_WINDOW_INDICATORS``).

        Args:
            indicator_id: The indicator.
            team: A team to use instead of the report's.

        Returns:
            Metric rows with ``breakdown`` "total" and ``group`` "all".
        """
        team = (
            team if team is not None else (self.team if self.is_team_view(indicator_id) else None)
        )
        rows = self.series[self.series["indicator_id"] == indicator_id]
        if team is None:
            rows = rows[rows["breakdown"] == "total"]
        else:
            rows = rows[(rows["breakdown"] == "team") & (rows["group"] == team)]
            rows = rows.assign(breakdown="total", group="all")
        if indicator_id in FULL_WINDOW_INDICATORS:
            rows = rows[window_start(rows["period_end"]) >= self.coverage[0]] if len(rows) else rows
        return rows.sort_values("period_end").reset_index(drop=True)

    def latest(self, indicator_id: str) -> pd.Series | None:
        """The overall row of an indicator at the period end (see ``overall_rows``)."""
        rows = self.overall_rows(indicator_id)
        rows = rows[rows["period_end"] == self.period_end]
        return None if rows.empty else rows.iloc[0]

    def summary(self, indicator_id: str) -> IndicatorSummary | None:
        """The latest figure, SPC, benchmark and target of an indicator, worked out once.

        Args:
            indicator_id: The indicator.

        Returns:
            The summary (see ``narrative.summarise_indicator``), or None when the indicator has
            no value at the period end.
        """
        if indicator_id not in self._summaries:
            rows = self.overall_rows(indicator_id).dropna(subset=["value"])
            summary = None
            if not rows.empty and rows["period_end"].iloc[-1] == self.period_end:
                team_view = self.is_team_view(indicator_id)
                summary = summarise_indicator(
                    rows,
                    indicator_id,
                    benchmark=self.benchmark_for(indicator_id) if not team_view else None,
                    target=self.target_for(indicator_id),
                    settings=self.settings,
                )
            self._summaries[indicator_id] = summary
        return self._summaries[indicator_id]

    def summaries(self, indicator_ids: list[str]) -> list[IndicatorSummary]:
        """The summaries of several indicators, leaving out those with no value."""
        found = [self.summary(i) for i in indicator_ids]
        return [s for s in found if s is not None]

    # --- words -------------------------------------------------------------------------------

    def count_text(self, count: float) -> str:
        """A count as text: ``1,234``, or ``fewer than 6`` when it must be suppressed."""
        if self.suppress and is_small_count(count, self.settings)[0]:
            return f"fewer than {self.settings.suppression_max + 1}"
        return f"{count:,.0f}"

    def is_small(self, *counts: float) -> bool:
        """Whether suppression is on and any of the counts is from 1 to 5."""
        return self.suppress and bool(is_small_count(list(counts), self.settings).any())

    @property
    def title_suffix(self) -> str:
        """``, Preston CLA Team 2`` for a team's report, else empty."""
        return f", {self.team}" if self.team else ""

    def source(self, what: str = "ssda903") -> str:
        """A chart's source line.

        Args:
            what: ``ssda903``, ``caseload`` or ``benchmarks``.

        Returns:
            The source text, saying when the data are the synthetic sample.
        """
        sample = (
            " (synthetic sample data)"
            if self.is_sample and "sample" not in self.la_name.lower()
            else ""
        )
        years = self.data.manifest.get("collection_years") or []
        returns = (
            f"SSDA903 returns {years[0] - 1}-{str(years[0])[-2:]} to {years[-1] - 1}-"
            f"{str(years[-1])[-2:]}"
            if years
            else "SSDA903 returns"
        )
        sources = {
            "ssda903": f"{self.la_name}, {returns}{sample}",
            "caseload": f"{self.la_name}, caseload snapshots and workforce lists{sample}",
            "benchmarks": f"{self.la_name}, {returns}{sample}; DfE published statistics",
        }
        return sources[what]


# --- results remembered per context ------------------------------------------------------------


def per_context(function: Callable[..., Any]) -> Callable[..., Any]:
    """Remember a view helper's result for each report context it is called with.

    A context does not change once built, and several cells of a report (its table, chart and
    key messages) start from the same helper's frame, e.g. the children looked after at the
    period end: it is worked out once per context. Frames, lists and dicts are handed out as
    copies, so a caller that changes its copy cannot change what the next caller gets.

    Args:
        function: ``function(ctx, *args, **kwargs)`` with hashable arguments after ``ctx``.

    Returns:
        The remembering function.
    """

    @functools.wraps(function)
    def remembered(ctx: ReportContext, *args: Any, **kwargs: Any) -> Any:
        results = ctx.__dict__.setdefault("_remembered", {})
        key = (function.__module__, function.__qualname__, args, tuple(sorted(kwargs.items())))
        if key not in results:
            results[key] = function(ctx, *args, **kwargs)
        value = results[key]
        if isinstance(value, pd.DataFrame | pd.Series):
            return value.copy()
        if isinstance(value, list | dict):
            return value.copy()
        return value

    return remembered


# --- contexts built ahead of the notebooks ------------------------------------------------------


@dataclass(frozen=True)
class _Wanted:
    """The settled parameters of a report context, to tell whether a preloaded one fits."""

    period_end: pd.Timestamp
    la_code: str
    la_name: str
    comparator: str
    suppress: bool
    targets: tuple[str, int, int] | None
    settings: Settings


@dataclass(frozen=True)
class _Preloaded:
    """A report context ``preload_report`` built in this process, and what it was built for."""

    context: ReportContext
    wanted: _Wanted
    manifest: bytes


#: The context ``preload_report`` built last in this process (kernels forked from the run's
#: kernel server inherit it), or None.
_preloaded: _Preloaded | None = None

#: Cached properties of a context that do not depend on its team: a team's report shares them
#: with the whole service's. (Its summaries do depend on the team, and are worked out afresh.)
TEAM_INDEPENDENT = (
    "coverage",
    "snapshots",
    "snapshot_date",
    "teams",
    "inputs",
    "series",
    "metrics",
    "council",
    "aligned_benchmarks",
    "comparator_name",
)


def _file_stamp(path: str | Path | None) -> tuple[str, int, int] | None:
    """A file's resolved path, size and modification time (None for no file)."""
    if not path:
        return None
    resolved = Path(path).expanduser().resolve()
    try:
        status = resolved.stat()
    except OSError:
        return (str(resolved), -1, -1)
    return (str(resolved), status.st_size, status.st_mtime_ns)


def _preloaded_for(folder: Path) -> _Preloaded | None:
    """The preloaded context read from ``folder``, if the folder has not been ingested since."""
    if _preloaded is None or _preloaded.context.processed_dir.resolve() != folder.resolve():
        return None
    try:
        manifest = (folder / storage.MANIFEST_NAME).read_bytes()
    except OSError:
        return None
    return _preloaded if manifest == _preloaded.manifest else None


def _for_team(context: ReportContext, team: Any) -> ReportContext:
    """The preloaded context itself, or for another team a copy sharing its data and series."""
    if resolve_team(team, context.teams) == context.team:
        return context
    derived = replace(context, team=None, _summaries={})
    for name in TEAM_INDEPENDENT:
        if name in context.__dict__:
            derived.__dict__[name] = context.__dict__[name]
    derived.team = resolve_team(team, derived.teams)
    return derived


def warm_up() -> None:
    """Do once the work every report repeats whatever its data.

    Loads DfE's benchmark tables with every council's values, ranks and neighbours' medians
    (the first benchmark comparison would otherwise take most of a second), and draws a chart in
    the report fonts. The run's kernel server calls this while ingest is still running, so every
    kernel it forks starts with it done.
    """
    data = benchmarks.load_benchmark_data()
    for name in ("grid", "by_area", "by_council", "neighbour_medians", "council_rows"):
        getattr(data, name)
    benchmarks.measure_table()
    chart = empty_chart("Warm-up", "Warm-up")
    chart.figure.savefig(BytesIO(), format="png", dpi=chart.figure.dpi)


def preload_report(
    processed_dir: str | Path | None,
    period_end: str,
    la_code: str,
    la_name: str | None,
    team: str | None,
    comparator: str,
    suppress: bool,
    targets_file: str | Path | None,
    settings: Settings = DEFAULT_SETTINGS,
) -> dict[str, Any]:
    """Build a report context and what every report notebook works out from it, ahead of them.

    The run calls this in its kernel server once the data are ingested, with the notebooks'
    parameters. Every kernel forked afterwards starts with the context in memory: ``open_report``
    with the same parameters returns it, and for another team a copy sharing its data and
    series, so no notebook loads the data, reads the series or works out a summary again. The
    indicator series and the benchmark alignment are also written to the processed folder's
    cache, for notebooks run later in JupyterLab.

    Args:
        processed_dir: As for ``open_report``.
        period_end: As for ``open_report``.
        la_code: As for ``open_report``.
        la_name: As for ``open_report``.
        team: As for ``open_report``.
        comparator: As for ``open_report``.
        suppress: As for ``open_report``.
        targets_file: As for ``open_report``.
        settings: Local rules.

    Returns:
        ``{"period_end": "YYYY-MM-DD"}``: the period end the parameters settle on.

    Raises:
        ParameterError: A parameter is not valid (the notebooks will say so themselves).
        InputError: The processed folder or targets file cannot be used.
    """
    global _preloaded
    _preloaded = None
    folder = sample_processed_dir() if processed_dir is None else Path(processed_dir).expanduser()
    # Read before the data, so that an ingest finishing meanwhile makes the context stale.
    manifest = (folder / storage.MANIFEST_NAME).read_bytes()
    context = open_report(
        processed_dir,
        period_end,
        la_code,
        la_name,
        team,
        comparator,
        suppress,
        targets_file,
        settings,
    )
    for name in TEAM_INDEPENDENT:
        getattr(context, name)
    context.summaries(catalogue.indicator_ids())
    wanted = _Wanted(
        context.period_end,
        context.la_code,
        context.la_name,
        context.comparator,
        context.suppress,
        _file_stamp(targets_file),
        settings,
    )
    _preloaded = _Preloaded(context, wanted, manifest)
    return {"period_end": context.period_end.date().isoformat()}


def open_report(
    processed_dir: str | Path | None,
    period_end: str,
    la_code: str,
    la_name: str | None,
    team: str | None,
    comparator: str,
    suppress: bool,
    targets_file: str | Path | None,
    settings: Settings = DEFAULT_SETTINGS,
) -> ReportContext:
    """Check a notebook's parameters and build its report context.

    Args:
        processed_dir: A folder written by ``csc-metrics ingest``; None for the shipped sample.
        period_end: ``"latest"`` or ``"YYYY-MM-DD"``.
        la_code: The council's code (E-code such as ``E10000017``, or DfE's three digits).
        la_name: The council's name for titles (default: DfE's name for the code).
        team: A team in the caseload data, or None for every team.
        comparator: ``"england"``, ``"region"`` or ``"sn"``.
        suppress: Hide counts of 1 to 5 everywhere.
        targets_file: A local targets CSV, or None.
        settings: Local rules.

    Returns:
        The context.

    Raises:
        ParameterError: A parameter is not valid; the message names it and what is allowed.
        InputError: The processed folder or targets file cannot be used.
    """
    comparator = _check_choice("comparator", comparator, tuple(COMPARATORS))
    if not isinstance(suppress, bool):
        raise ParameterError(f"suppress={suppress!r} is not allowed: use True or False.")
    if not la_code or not str(la_code).strip():
        raise ParameterError("la_code is empty: give the council's code, e.g. 'E10000017'.")
    council = benchmarks.council_info(str(la_code).strip().upper())
    # Placement councils in the postcode lookup are E-codes, whichever code was given.
    la_code = council["la_code_new"]
    folder = sample_processed_dir() if processed_dir is None else Path(processed_dir).expanduser()
    preloaded = _preloaded_for(folder)
    data = preloaded.context.data if preloaded else storage.load_processed(folder)
    when = resolve_period_end(period_end, data)
    name = str(la_name).strip() if la_name is not None else ""
    # The runner passes the code as the name when none was given: DfE's name reads better.
    codes = {council["la_code_old"].upper(), council["la_code_new"].upper()}
    if not name or name.upper() in codes:
        name = council["la_name"]
    wanted = _Wanted(when, la_code, name, comparator, suppress, _file_stamp(targets_file), settings)
    if preloaded is not None and preloaded.wanted == wanted:
        return _for_team(preloaded.context, team)
    targets = benchmarks.read_targets(targets_file) if targets_file else None
    context = ReportContext(
        data=data,
        processed_dir=folder,
        is_sample=processed_dir is None or is_synthetic(data),
        period_end=when,
        la_code=la_code,
        la_name=name,
        team=None,
        comparator=comparator,
        suppress=suppress,
        targets=targets,
        full_series=cached_indicator_series(data, la_code, settings),
        settings=settings,
    )
    context.team = resolve_team(team, context.teams)
    return context


# --- the context line --------------------------------------------------------------------------


def _day(date: pd.Timestamp) -> str:
    return long_date(pd.Timestamp(date))


def context_line(ctx: ReportContext) -> str:
    """One line saying what the report covers, with no counts in it.

    Args:
        ctx: The report context.

    Returns:
        ``Council (code) · quarter ending ... · data ... · compared with ... · ...``.
    """
    start, end = ctx.coverage
    parts = [f"{ctx.la_name} ({ctx.la_code})", period_label(ctx.period_end)]
    if ctx.team:
        parts.append(
            f"team: {ctx.team} (caseload figures are the team's; placement and care-leaver "
            "figures are for the whole council, as the SSDA903 return has no teams)"
        )
    data = f"SSDA903 data {_day(start)} to {_day(end)}"
    if ctx.snapshots:
        data += f"; caseload snapshots {_day(ctx.snapshots[0])} to {_day(ctx.snapshots[-1])}"
    parts.append(data)
    if ctx.is_sample:
        parts.append("synthetic sample data: no real child's data")
    parts.append(f"compared with {ctx.comparator_name}")
    parts.append(
        f"counts of 1 to {ctx.settings.suppression_max} suppressed (shown as c)"
        if ctx.suppress
        else "small numbers not suppressed: for use within the service only"
    )
    return " · ".join(parts)


def context_html(ctx: ReportContext) -> str:
    """The context line as an HTML paragraph."""
    return f'<p class="report-context">{html.escape(context_line(ctx))}</p>'


def show_context_line(ctx: ReportContext) -> None:
    """Show the context line at the top of a report."""
    from IPython.display import display

    display({"text/html": context_html(ctx), "text/plain": context_line(ctx)}, raw=True)


# --- tables ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportTable:
    """A table for ``display.show_table`` with its caption and which columns hold what.

    Attributes:
        data: The table (human-readable column names).
        caption: What the table shows.
        count_columns: Columns holding counts of people or cases (suppressed when asked).
        percent_columns: Percentage column -> (numerator column, denominator column).
        row_header: The column naming each row.
        total_row: The row label of a totals row, if any.
    """

    data: pd.DataFrame
    caption: str
    count_columns: tuple[str, ...] = ()
    percent_columns: dict[str, tuple[str, str]] = field(default_factory=dict)
    row_header: str | None = None
    total_row: str | None = None

    @property
    def options(self) -> dict[str, Any]:
        """Keyword arguments for ``display.show_table`` (besides caption and suppress)."""
        return {
            "count_columns": list(self.count_columns),
            "percent_columns": dict(self.percent_columns),
            "row_header": self.row_header,
            "total_row": self.total_row,
        }


# --- charts ------------------------------------------------------------------------------------


def empty_chart(title: str, message: str) -> Chart:
    """A chart that says why there is nothing to plot (no data for the period, or no team).

    Args:
        title: The chart's title.
        message: Why it is empty, in plain words.

    Returns:
        The chart, with the message as its alt text.
    """
    figure = Figure(figsize=(8.0, 1.6), dpi=100, layout="constrained")
    figure.set_facecolor("white")
    ax = figure.add_subplot()
    ax.axis("off")
    ax.text(0.0, 0.5, message, fontsize=11, color=TEXT_COLOUR, va="center", wrap=True)
    figure.suptitle(title, x=0.01, ha="left", fontsize=13, fontweight="bold", color=TEXT_COLOUR)
    return Chart(figure, title, f"{title}: {message}", message)


def chart_title(ctx: ReportContext, indicator_id: str) -> str:
    """An indicator's chart title: its label, and the team's name when it is the team's view."""
    label = get_indicator(indicator_id).label
    return f"{label}: {ctx.team}" if ctx.is_team_view(indicator_id) else label


def spc_chart_for(ctx: ReportContext, indicator_id: str, source: str = "ssda903") -> Chart:
    """The SPC chart of an indicator's series up to the period end.

    Args:
        ctx: The report context.
        indicator_id: The indicator (the team's series for caseload indicators with ``team``).
        source: ``ssda903`` or ``caseload`` (see ``ReportContext.source``).

    Returns:
        The chart, or an empty chart saying there is no series.
    """
    title = chart_title(ctx, indicator_id)
    summary = ctx.summary(indicator_id)
    if summary is None or summary.spc is None:
        return empty_chart(
            title, f"No figures for this indicator up to {long_date(ctx.period_end)}."
        )
    unit = get_indicator(indicator_id).unit
    points = summary.spc.points
    if len(points) > 1 and points["value"].nunique() == 1:
        # Limits on a flat line would be drawn on top of it: say it in words instead.
        value = points["value"].iloc[0]
        shown = ctx.count_text(value) if unit == "count" else value_text(value, unit)
        return empty_chart(
            title,
            f"The figure was {shown} at each of the {len(points)} quarter ends from "
            f"{long_date(points['date'].iloc[0])} to {long_date(ctx.period_end)}: no variation "
            "to chart.",
        )
    return spc_chart(
        summary.spc,
        title,
        UNIT_LABELS[unit],
        ctx.source(source),
        unit=unit,
        suppress=ctx.suppress,
        settings=ctx.settings,
    )


# --- benchmarks ----------------------------------------------------------------------------------


def _aligned_at_end(ctx: ReportContext, indicator_ids: list[str]) -> pd.DataFrame:
    aligned = ctx.aligned_benchmarks
    return aligned[
        aligned["indicator_id"].isin(indicator_ids) & (aligned["period_end"] == ctx.period_end)
    ]


def benchmark_table_for(ctx: ReportContext, indicator_ids: list[str], subject: str) -> ReportTable:
    """Our figures at the period end against the comparator, with the DfE year compared with.

    Args:
        ctx: The report context.
        indicator_ids: The benchmarked indicators, in report order.
        subject: What the table is about, for its caption (``Care leavers``).

    Returns:
        One row per indicator: ours, the comparator's, the gap, better or worse, the year, and
        why there is no gap where there is none.
    """
    aligned = _aligned_at_end(ctx, indicator_ids)
    table = pd.DataFrame(
        {
            "Indicator": aligned["indicator_id"].map(display_label),
            "Ours": aligned["value"],
            ctx.comparator_name: aligned["benchmark"],
            "Gap": aligned["gap_pp"],
            "Better or worse": aligned["comparison"].str.capitalize(),
            "DfE year": aligned["benchmark_year"].astype("string").fillna(""),
            "Why no gap": aligned["reason"],
        }
    )
    if not table["Why no gap"].ne("").any():
        table = table.drop(columns="Why no gap")
    return ReportTable(
        data=table.reset_index(drop=True),
        caption=(
            f"{subject} at {long_date(ctx.period_end)} compared with {ctx.comparator_name}: "
            "gaps in percentage points (our figure minus theirs); each quarter is compared "
            "with the latest DfE year ended on or before it"
        ),
        row_header="Indicator",
    )


def benchmark_focus(ctx: ReportContext, indicator_ids: list[str]) -> str:
    """The indicator furthest from the comparator in the worse direction.

    Args:
        ctx: The report context.
        indicator_ids: Benchmarked indicators, in report order.

    Returns:
        Its id; the first of ``indicator_ids`` when none is worse.
    """
    aligned = _aligned_at_end(ctx, indicator_ids)
    worse = aligned[aligned["comparison"] == "worse"]
    if worse.empty:
        return indicator_ids[0]
    return str(worse.loc[worse["gap_pp"].abs().idxmax(), "indicator_id"])


def benchmark_line_chart(ctx: ReportContext, indicator_id: str) -> Chart:
    """One indicator at each 31 March in our data, with DfE's England, region and SN median.

    Args:
        ctx: The report context.
        indicator_id: A benchmarked indicator.

    Returns:
        The chart (years ending 31 March on the x axis).
    """
    title = display_label(indicator_id)
    ours = ctx.overall_rows(indicator_id)
    ours = ours[(ours["period_end"].dt.month == 3) & (ours["period_end"].dt.day == 31)]
    if ours.empty:
        return empty_chart(title, "No 31 March figure in the data to compare with DfE's.")
    years = ours["period_end"].dt.year
    published = benchmarks.benchmark_series(ctx.la_code, [indicator_id]).set_index("year")
    published = published.loc[published.index.isin(years)]
    council = "This council (our figures)"
    wide = pd.DataFrame(
        {
            council: pd.Series(ours["value"].to_numpy(), index=years.to_numpy()),
            benchmarks.ENGLAND_NAME: published["england"],
            str(ctx.council["region_name"]): published["region"],
            "Statistical neighbours (median)": published["sn_median"],
        }
    ).sort_index()
    wide = wide.dropna(axis=1, how="all")
    wide.index.name = "year"
    unit = get_indicator(indicator_id).unit
    return benchmark_chart(
        wide,
        title,
        UNIT_LABELS[unit],
        ctx.source("benchmarks"),
        council,
        unit=unit,
        suppress=ctx.suppress,
        settings=ctx.settings,
    )
