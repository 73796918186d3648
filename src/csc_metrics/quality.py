"""The data-quality log: every problem found while reading raw data, one row each.

Readers add issues in bulk (a frame of offending rows at a time, never row by row), and
``ingest`` writes the log as the ``dq_issues`` table. A row that is dropped must have an
``error`` issue here; a value that is blanked or changed gets a ``warning``; things noted but
harmless (an extra local column) are ``info``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd
import pyarrow

from csc_metrics.schemas import DataQualityIssues, column_names

DQ_COLUMNS = column_names(DataQualityIssues)


@dataclass
class DataQualityLog:
    """Collects data-quality issues from every reader."""

    #: Issues as frames, or as Arrow tables (a cached folder's, ``extend``): a run of those is
    #: turned into a frame at once when the log is (a county's 36 cached folders one by one
    #: cost about 30 ms more).
    _parts: list[pd.DataFrame | pyarrow.Table] = field(default_factory=list)
    #: Issues recorded one at a time (``add``) since the last part: made one part together
    #: (``_flush``) before anything else is added or read, so the order is kept. A one-row
    #: frame each cost about a millisecond, and an ingest records dozens of file-level notes.
    _pending: list[dict[str, object]] = field(default_factory=list)

    def add(
        self,
        *,
        dataset: str,
        rule: str,
        severity: str,
        message: str,
        table: str | None = None,
        file: str | None = None,
        row: int | None = None,
        child_id: str | None = None,
        column: str | None = None,
        value: str | None = None,
    ) -> None:
        """Record one issue (for file-level problems; use ``add_rows`` for row-level ones)."""
        self._pending.append(
            {
                "dataset": dataset,
                "table": table,
                "file": file,
                "row": row,
                "child_id": child_id,
                "column": column,
                "value": value,
                "rule": rule,
                "severity": severity,
                "message": message,
            }
        )

    def _flush(self) -> None:
        """Make the issues recorded one at a time since the last part into one part."""
        if self._pending:
            self._parts.append(pd.DataFrame(self._pending, dtype=object))
            self._pending = []

    def add_rows(
        self,
        rows: pd.DataFrame,
        *,
        dataset: str,
        rule: str,
        severity: str,
        message: str | pd.Series,
        table: str | None = None,
        column: str | None = None,
        value: pd.Series | None = None,
    ) -> None:
        """Record one issue per row of ``rows``, vectorised.

        Args:
            rows: The offending rows. Must carry ``source_file`` and ``source_row`` columns, and
                ``child_id`` (already pseudonymised) where the table has one.
            dataset: ``ssda903``, ``caseload`` or ``reference``.
            rule: Short rule name, e.g. ``invalid_code``.
            severity: ``error`` (row unusable), ``warning`` (used with caution) or ``info``.
            message: What was expected; a string, or a Series aligned with ``rows``.
            table: Table name (``episodes``).
            column: Column the issue is about.
            value: Offending values, aligned with ``rows``; never raw child identifiers.
        """
        if rows.empty:
            return
        n = len(rows)
        part = pd.DataFrame(
            {
                "dataset": [dataset] * n,
                "table": [table] * n,
                "file": rows["source_file"].to_numpy() if "source_file" in rows else [None] * n,
                "row": rows["source_row"].to_numpy() if "source_row" in rows else [None] * n,
                "child_id": rows["child_id"].to_numpy() if "child_id" in rows else [None] * n,
                "column": [column] * n,
                "value": value.to_numpy() if value is not None else [None] * n,
                "rule": [rule] * n,
                "severity": [severity] * n,
                "message": message.to_numpy() if isinstance(message, pd.Series) else [message] * n,
            }
        )
        self._flush()
        self._parts.append(part)

    def issue_count(self) -> int:
        """How many issues have been recorded so far."""
        return sum(len(part) for part in self._parts) + len(self._pending)

    def extend(self, issues: pd.DataFrame | pyarrow.Table) -> None:
        """Add issues already collected elsewhere (e.g. by a worker process), as a table.

        Args:
            issues: A ``DataQualityIssues`` table, as a frame or as the Arrow table the ingest
                cache reads back.
        """
        if len(issues):
            self._flush()
            self._parts.append(
                issues.select(DQ_COLUMNS)
                if isinstance(issues, pyarrow.Table)
                else issues[DQ_COLUMNS]
            )

    def to_frame(self) -> pd.DataFrame:
        """Return all issues as a ``DataQualityIssues`` table."""
        self._flush()
        if not self._parts:
            frame = pd.DataFrame({c: pd.Series(dtype="str") for c in DQ_COLUMNS})
            frame["row"] = pd.array(frame["row"], dtype="Int64")
            return DataQualityIssues.validate(frame[DQ_COLUMNS])
        return DataQualityIssues.validate(_stacked_issues(self._parts))

    def counts(self) -> dict[str, int]:
        """Count issues by severity."""
        frame = self.to_frame()
        return {s: int((frame["severity"] == s).sum()) for s in ("error", "warning", "info")}


def joined_frames(
    parts: Sequence[pd.DataFrame | pyarrow.Table],
) -> list[pd.DataFrame]:
    """The parts as frames, in order; each run of Arrow tables (cached units) made one frame.

    Turning one Arrow table into a frame has a fixed cost of a few milliseconds: a county's
    history has hundreds of cached tables, so runs of them are joined first.

    Args:
        parts: One table per unit, in unit order.

    Returns:
        Frames whose rows, stacked in order, are the parts' rows in order.
    """
    frames: list[pd.DataFrame] = []
    run: list[pyarrow.Table] = []
    for part in [*parts, None]:
        if isinstance(part, pyarrow.Table):
            run.append(part)
            continue
        if run:
            joined = pyarrow.concat_tables(run, promote_options="default")
            frames.append(joined.to_pandas())
            run = []
        if part is not None:
            frames.append(part)
    return frames


def _stacked_issues(parts: list[pd.DataFrame | pyarrow.Table]) -> pd.DataFrame:
    """The parts' issues stacked in order, as ``DataQualityIssues`` columns and dtypes.

    Parts that already have the table's columns and dtypes (issues of a cached folder, or of a
    log turned into a table before) are stacked as they are; the others (just added, as Python
    objects) are turned into the table's dtypes together, once. Turning every part to objects
    and back cost about 0.1 s for a county's 18,000 cached issues on every ingest.
    """
    parts = joined_frames(parts)
    typed = _issue_dtypes()
    untyped = [
        n
        for n, part in enumerate(parts)
        if list(part.columns) != DQ_COLUMNS or not part.dtypes.equals(typed)
    ]
    converted: dict[int, pd.DataFrame] = {}
    if untyped:
        loose = pd.concat([parts[n].astype(object) for n in untyped], ignore_index=True)
        loose["row"] = pd.array(loose["row"], dtype="Int64")
        loose = DataQualityIssues.validate(loose[DQ_COLUMNS])
        start = 0
        for n in untyped:
            converted[n] = loose.iloc[start : start + len(parts[n])]
            start += len(parts[n])
    return pd.concat([converted.get(n, part) for n, part in enumerate(parts)], ignore_index=True)[
        DQ_COLUMNS
    ]


_DQ_DTYPES: list[pd.Series] = []


def _issue_dtypes() -> pd.Series:
    """The dtypes of a validated ``DataQualityIssues`` table (worked out once)."""
    if not _DQ_DTYPES:
        empty = pd.DataFrame({c: pd.Series(dtype="str") for c in DQ_COLUMNS})
        empty["row"] = pd.array(empty["row"], dtype="Int64")
        _DQ_DTYPES.append(DataQualityIssues.validate(empty[DQ_COLUMNS]).dtypes)
    return _DQ_DTYPES[0]


def summarise_issues(issues: pd.DataFrame) -> pd.DataFrame:
    """Summarise a ``dq_issues`` table by severity, dataset, table and rule.

    Args:
        issues: A ``DataQualityIssues`` table.

    Returns:
        One row per (severity, dataset, table, rule) with the count of issues, errors first.
    """
    order = {"error": 0, "warning": 1, "info": 2}
    summary = (
        issues.fillna({"table": ""})
        .groupby(["severity", "dataset", "table", "rule"], as_index=False)
        .size()
        .rename(columns={"size": "issues"})
    )
    summary["_order"] = summary["severity"].map(order)
    return (
        summary.sort_values(["_order", "issues"], ascending=[True, False])
        .drop(columns="_order")
        .reset_index(drop=True)
    )
