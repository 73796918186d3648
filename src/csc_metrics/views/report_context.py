"""The report context: what every report notebook works from, built once by ``open_report``.

A ``ReportContext`` holds one council's processed data, period end, team, comparator and
suppression choice, and works out on first use (then keeps) what several reports share: the
indicator series up to the period end, the benchmark alignment, each indicator's summary (latest
figure, SPC, benchmark, target) and the caseload snapshot and its teams. ``per_context`` keeps a
view helper's result per context in the same way.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from csc_metrics import benchmarks, catalogue
from csc_metrics.artefacts import (
    DataProblem,
    blank_rate_jumps,
    blank_team_changes,
    describe_problem,
    episode_blank_rates,
    identical_workforce_files,
    missing_snapshots,
    oc3_blank_rates,
    problems_for,
)
from csc_metrics.change_points import change_points_for
from csc_metrics.dates import collection_year_label
from csc_metrics.display import show_table
from csc_metrics.indicators import (
    EVENT_WINDOW_YEARS,
    IndicatorInputs,
    compute_indicators,
    data_coverage,
    latest_snapshot,
    prepare_inputs,
    snapshot_dates,
    teams_at,
    window_start,
)
from csc_metrics.indicators.coverage import Window, dataset_not_covered, dataset_windows
from csc_metrics.narrative import IndicatorSummary, Latest, is_withheld, summarise_indicator
from csc_metrics.schemas import NOT_COVERED
from csc_metrics.settings import DEFAULT_SETTINGS, Settings
from csc_metrics.storage import ProcessedData
from csc_metrics.suppression import is_small_count, share_is_disclosive
from csc_metrics.views.series_cache import cached_frame, series_cache_key

if TYPE_CHECKING:
    from csc_metrics.views.builders import ReportTable

#: Flow indicators counted over the 12 months to each reference date from episodes: before the
#: data have run for a full year, their window is only partly covered and the count is too low.
FLOW_INDICATORS = ("cla_started_count", "cla_ceased_count")
#: Every care-leaver indicator's cohort is the OC3 rows of the 12 months to the reference date,
#: and OC3 rows exist only for the years held, so the same applies.
FULL_WINDOW_INDICATORS = FLOW_INDICATORS + tuple(catalogue.indicator_ids(area="care_leavers"))
#: Indicator -> years of events it counts to each reference date (1 unless said otherwise here):
#: the permanence indicators count ceasings, starts and adoptions over 12 months or 3 years.
WINDOW_YEARS: dict[str, int] = {
    **dict.fromkeys(FULL_WINDOW_INDICATORS, 1),
    **EVENT_WINDOW_YEARS,
}

#: Caseload indicators that have a value per team: with ``team`` set, the team's own series
#: takes the place of the whole service's.
TEAM_AREA = "caseloads"
#: What ``change_points_for`` gives an indicator when no change points are declared.
_NO_CHANGE_POINTS = change_points_for(None, "")
#: Percentages of FTE rather than of people. Narrative writes their base as "n=", which for one
#: team's few FTE (5.4 shown as "n=5") reads as a small count of people; and a team's share of a
#: handful of posts says little. Team reports leave them out of key messages.
FTE_BASED_INDICATORS = frozenset(
    {"agency_workers_pct", "vacancy_rate_pct", "newly_qualified_pct", "social_worker_turnover_pct"}
)


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
        change_points: Declared change points (``change_points.read_change_points``), or None.
    """

    data: ProcessedData
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
    change_points: pd.DataFrame | None = None
    _summaries: dict[str, IndicatorSummary | None] = field(default_factory=dict, repr=False)

    # --- dates and data ranges -------------------------------------------------------------

    @cached_property
    def windows(self) -> dict[str, Window]:
        """The dates each dataset supplied covers (``indicators.coverage.dataset_windows``)."""
        return dataset_windows(self.data)

    def not_covered(self, dataset: str) -> str | None:
        """Why a dataset does not cover the period end, or None when it does.

        Args:
            dataset: ``ssda903`` or ``caseload``.

        Returns:
            ``indicators.coverage.dataset_not_covered`` at the period end.
        """
        return dataset_not_covered(self.windows, dataset, self.period_end)

    @cached_property
    def coverage(self) -> tuple[pd.Timestamp, pd.Timestamp]:
        """The first and last day the SSDA903 returns cover (the snapshots', without them)."""
        if "ssda903" in self.windows:
            return data_coverage(self.data)
        window = next(iter(self.windows.values()))
        return window.start, window.end

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
        """The teams holding cases in that snapshot (``indicators.teams_at``)."""
        return teams_at(self.data, self.period_end)

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
    def series_by_indicator(self) -> dict[str, pd.DataFrame]:
        """``series`` split by indicator, each part in its rows' order, looked up by id.

        A report looks up one indicator's rows many times (each summary, chart and sentence):
        picking them out of every indicator's rows each time cost several milliseconds a look.
        """
        return dict(iter(self.series.groupby("indicator_id", sort=False)))

    def indicator_series(self, indicator_id: str) -> pd.DataFrame:
        """The rows of ``series`` of one indicator (empty when it has none)."""
        rows = self.series_by_indicator.get(indicator_id)
        return self.series.iloc[:0] if rows is None else rows

    @cached_property
    def metrics(self) -> pd.DataFrame:
        """Every indicator and breakdown at the period end."""
        return self.series[self.series["period_end"] == self.period_end].reset_index(drop=True)

    @cached_property
    def metrics_by_indicator(self) -> dict[str, pd.DataFrame]:
        """``metrics`` split by indicator, once, so a look-up does not compare every row."""
        return dict(tuple(self.metrics.groupby("indicator_id", sort=False)))

    def indicator_metrics(self, indicator_id: str) -> pd.DataFrame:
        """One indicator's rows of ``metrics`` (every breakdown), in their order there."""
        found = self.metrics_by_indicator.get(indicator_id)
        return self.metrics.iloc[:0] if found is None else found

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
    def aligned_at_end(self) -> pd.DataFrame:
        """The rows of ``aligned_benchmarks`` at the period end, in their order, with their labels.

        Tables, charts and sentences each look some indicators up at the period end: picking
        them out of every quarter's rows compared every row each time (several milliseconds).
        """
        aligned = self.aligned_benchmarks
        return aligned[aligned["period_end"] == self.period_end]

    @cached_property
    def published_benchmarks(self) -> pd.DataFrame:
        """Every published year of every benchmark for the council (``benchmark_series``).

        The benchmark line charts take their indicator's rows from here: the table is worked
        out once (about 30 ms), before the report kernels fork, not once per chart.
        """
        return benchmarks.benchmark_series(self.la_code)

    @cached_property
    def published_by_indicator(self) -> dict[str, pd.DataFrame]:
        """``published_benchmarks`` split by indicator id, each indexed by ``year``, once.

        A benchmark line chart wants one indicator's published years: picking them out of
        every indicator's rows compared every row's id each time. Do not change the frames.
        """
        published = self.published_benchmarks
        return {
            str(indicator_id): rows.set_index("year")
            for indicator_id, rows in published.groupby("id", sort=False)
        }

    def published_for(self, indicator_id: str) -> pd.DataFrame:
        """One indicator's rows of ``published_benchmarks`` by ``year`` (none when unpublished)."""
        found = self.published_by_indicator.get(indicator_id)
        return self.published_benchmarks.iloc[:0].set_index("year") if found is None else found

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
        rows = self.aligned_at_end
        row = rows[rows["indicator_id"] == indicator_id]
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
        # Asked for every table, chart and sentence: worked out once per indicator.
        known = self.__dict__.setdefault("_team_views", {})
        if indicator_id not in known:
            series = self.indicator_series(indicator_id)
            known[indicator_id] = bool(series["breakdown"].eq("team").any())
        return known[indicator_id]

    def first_full_window(self) -> pd.Timestamp:
        """The first reference date whose 12-month window lies wholly inside the data."""
        start = self.coverage[0]
        return start + pd.DateOffset(years=1) - pd.Timedelta(days=1)

    def overall_rows(self, indicator_id: str, team: str | None = None) -> pd.DataFrame:
        """The overall series of one indicator, oldest first, as metric rows.

        With ``team`` (default: the report's team, for caseload indicators) the team's rows take
        the place of the total. Indicators counted over the 12 months to each date start at the
        first date whose window lies wholly inside the data (``WINDOW_YEARS``).

        Args:
            indicator_id: The indicator.
            team: A team to use instead of the report's.

        Returns:
            Metric rows with ``breakdown`` "total" and ``group`` "all". Worked out once per
            indicator and team (each summary, chart and sentence asks again): do not change the
            frame.
        """
        team = (
            team if team is not None else (self.team if self.is_team_view(indicator_id) else None)
        )
        known = self.__dict__.setdefault("_overall_rows", {})
        if (indicator_id, team) not in known:
            known[indicator_id, team] = self._work_out_overall_rows(indicator_id, team)
        rows: pd.DataFrame = known[indicator_id, team]
        return rows

    def _work_out_overall_rows(self, indicator_id: str, team: str | None) -> pd.DataFrame:
        if team is None:
            rows = self.indicator_series(indicator_id)
            rows = rows[rows["breakdown"] == "total"]
        else:
            rows = self.team_series(indicator_id).get(team, self.series.iloc[:0])
            rows = rows.assign(breakdown="total", group="all")
        if NOT_COVERED in rows.columns:
            # A figure its data do not cover is blank, and no chart, limit or message uses it.
            rows = rows[rows[NOT_COVERED].isna()]
        years = WINDOW_YEARS.get(indicator_id)
        if years and len(rows):
            first_day = window_start(rows["period_end"]) - pd.DateOffset(years=years - 1)
            rows = rows[first_day >= self.coverage[0]]
        return rows.sort_values("period_end").reset_index(drop=True)

    def team_series(self, indicator_id: str) -> dict[str, pd.DataFrame]:
        """The rows of ``series`` of one indicator's team breakdown, by team, in their order.

        Split once for the whole service (``shared``): a team page looks its own rows up many
        times (each summary, chart and sentence), and picking them out of every team's rows
        compared every row's text twice a look. The run splits them before the team pages'
        kernels fork (``preload.split_team_series``). Do not change the frames.
        """

        def split() -> dict[str, pd.DataFrame]:
            rows = self.indicator_series(indicator_id)
            return dict(iter(rows[rows["breakdown"] == "team"].groupby("group", sort=False)))

        split_by_team: dict[str, pd.DataFrame] = self.shared(f"team_series {indicator_id}", split)
        return split_by_team

    def latest(self, indicator_id: str) -> pd.Series | None:
        """The overall row of an indicator at the period end (see ``overall_rows``)."""
        rows = self.overall_rows(indicator_id)
        # The row by its position: a frame's boolean selection copies every column first.
        at = (rows["period_end"] == self.period_end).to_numpy().argmax() if len(rows) else 0
        if not len(rows) or rows["period_end"].iat[at] != self.period_end:
            return None
        return rows.iloc[at]

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
                    rebase_dates=list(self.change_points_for(indicator_id)["date"]),
                    settings=self.settings,
                    overall=True,
                )
                summary = dataclasses.replace(summary, data_problem=self.data_problem(indicator_id))
            self._summaries[indicator_id] = summary
        return self._summaries[indicator_id]

    @cached_property
    def service_frames(self) -> dict[str, Any]:
        """Whole-service results that do not depend on the team (``shared``), by key.

        A team's report is a copy of the service's context that shares this store
        (``preload.TEAM_INDEPENDENT``), so what one works out the other finds.
        """
        return {}

    def shared(self, key: str, compute: Callable[[], Any]) -> Any:
        """A whole-service result, worked out once for the service's report and every team's.

        The run works out the team pages' ones in its kernel server before it forks the
        report kernels (``views.caseloads.prepare_team_pages``), so every team page starts
        with them. Use it only for results that do not depend on ``self.team``; frames are
        handed out as copies.

        Args:
            key: What the result is, with every argument it depends on (e.g. the snapshot).
            compute: Works the result out.

        Returns:
            The result.
        """
        frames = self.service_frames
        if key not in frames:
            frames[key] = compute()
        value = frames[key]
        return value.copy() if isinstance(value, pd.DataFrame | pd.Series) else value

    @cached_property
    def data_problems(self) -> list[DataProblem]:
        """Data-quality findings that can explain a caseload or workforce movement.

        Identical workforce files (from the ingest manifest's file hashes), changes in the
        number of cases with no team, quarter ends with no snapshot, and jumps in the blank
        rate of a field an SSDA903 indicator depends on (``artefacts``).
        """
        snapshots = snapshot_dates(self.data)
        quarter_ends = pd.date_range(
            min(snapshots, default=self.period_end), self.period_end, freq="QE"
        )
        return [
            *identical_workforce_files(self.data.manifest.get("inputs") or []),
            *blank_team_changes(self.data.cases),
            *missing_snapshots(snapshots, list(quarter_ends)),
            *self.blank_rate_problems,
        ]

    @cached_property
    def blank_rate_problems(self) -> list[DataProblem]:
        """Fields whose blank rate jumped between the period end and the quarter end before.

        The fields the SSDA903 indicators depend on (``reference/field_dependencies.csv``),
        over the records the indicators count at each date (``artefacts``); the threshold is
        ``settings.blank_rate_jump_pp``.
        """
        compared = [self.period_end - pd.offsets.QuarterEnd(1), self.period_end]
        rates = pd.concat(
            [
                episode_blank_rates(self.data.episodes, compared),
                oc3_blank_rates(self.data.oc3, compared),
            ],
            ignore_index=True,
        )
        return blank_rate_jumps(rates, self.settings.blank_rate_jump_pp)

    def data_problem(self, indicator_id: str) -> str | None:
        """The data problem that explains the indicator's latest movement, in words, or None.

        Caseload and workforce indicators are checked at the snapshot they come from (the
        latest on or before the period end) and, for a missing snapshot, at the period end.
        The whole service's problems apply to a team's figures too.
        """
        if catalogue.get_indicator(indicator_id).area != TEAM_AREA:
            found = problems_for(self.blank_rate_problems, indicator_id, self.period_end)
            return " ".join(describe_problem(p) for p in found) or None
        dates = {d for d in (self.snapshot_date, self.period_end) if d is not None}
        found = [
            p for d in sorted(dates) for p in problems_for(self.data_problems, indicator_id, d)
        ]
        if not found:
            return None
        return " ".join(describe_problem(p, self.count_text) for p in found)

    def change_points_for(self, indicator_id: str) -> pd.DataFrame:
        """The change points declared for an indicator, up to the period end (date, reason)."""
        if self.change_points is None:  # the usual case: no change points declared
            return _NO_CHANGE_POINTS.copy()
        declared = change_points_for(self.change_points, indicator_id)
        return declared[declared["date"] <= self.period_end].reset_index(drop=True)

    def summaries(self, indicator_ids: list[str]) -> list[IndicatorSummary]:
        """The summaries of several indicators, leaving out those with no value."""
        found = [self.summary(i) for i in indicator_ids]
        return [s for s in found if s is not None]

    def keep_summaries(self, summaries: Mapping[str, IndicatorSummary | None]) -> None:
        """Keep summaries worked out elsewhere from this context's data (e.g. in a child).

        Args:
            summaries: Indicator id -> what ``summary`` gives it, worked out from a copy of
                this context as it is (``preload.work_out_summaries``).
        """
        self._summaries.update(summaries)

    # --- words -------------------------------------------------------------------------------

    def count_text(self, count: float) -> str:
        """A count as text: ``1,234``, or ``fewer than 6`` when it must be suppressed."""
        if self.suppress and is_small_count(count, self.settings)[0]:
            return f"fewer than {self.settings.suppression_max + 1}"
        return f"{count:,.0f}"

    def is_small(self, *counts: float) -> bool:
        """Whether suppression is on and any of the counts is from 1 to 5."""
        return self.suppress and bool(is_small_count(list(counts), self.settings).any())

    def withholds(self, indicator_id: str, figure: Latest | Mapping[str, Any] | pd.Series) -> bool:
        """Whether suppression is on and an indicator's figure must not be shown as ours.

        The one rule for a single figure (``suppression.figure_is_disclosive``), so a figure
        withheld on the scorecard or in a sentence is withheld in every table too: a small
        count, or a percentage whose numerator, base or complement is small (58 of 59).

        Args:
            indicator_id: The indicator.
            figure: Its ``value``, ``numerator`` and ``denominator``.
        """
        indicator = catalogue.get_indicator(indicator_id)
        return is_withheld(indicator, Latest.of(figure), self.suppress, self.settings)

    def withholds_latest(self, indicator_id: str) -> bool:
        """Whether the indicator's latest figure is withheld (``withholds``); False without one."""
        latest = self.latest(indicator_id)
        return latest is not None and self.withholds(indicator_id, latest)

    def discloses(self, numerator: float, denominator: float) -> bool:
        """Whether suppression is on and a share of these counts must be hidden.

        ``suppression.share_is_disclosive``: a small numerator, denominator or complement.
        """
        return self.suppress and bool(
            share_is_disclosive(numerator, denominator, self.settings).any()
        )

    def show(self, table: ReportTable) -> None:
        """Show a report table, suppressed as this report asks (``display.show_table``).

        Every table of a report goes through here, so a table can never be shown without the
        report's suppression.

        Args:
            table: A table from a ``views`` function.
        """
        show_table(
            table.data,
            table.caption,
            suppress=self.suppress,
            settings=self.settings,
            **table.options,
        )

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
            f"SSDA903 returns {collection_year_label(years[0])} to "
            f"{collection_year_label(years[-1])}"
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
