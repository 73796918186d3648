"""A council's local targets: read from its targets file, and the one in force at a date."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from csc_metrics.benchmarks.data import measure_table
from csc_metrics.council_files import numbered_rows, raise_problems, read_council_csv, written_dates
from csc_metrics.errors import InputError, describe_location

#: What a targets file is called in messages.
KIND = "Targets file"


def read_targets(path: str | Path) -> pd.DataFrame:
    """Read a council's local targets file.

    The file is a CSV with columns ``id`` (an indicator id), ``target`` (a number; a trailing
    ``%`` is allowed) and, optionally, ``from_date`` (YYYY-MM-DD or DD/MM/YYYY: the date the
    target applies from; blank = always). Other columns (e.g. notes) are ignored; blank lines
    are skipped.

    Args:
        path: The targets file.

    Returns:
        Columns ``id``, ``target`` (float), ``from_date`` (datetime, NaT = always), sorted.

    Raises:
        InputError: If the file is missing or unreadable, a column is missing, or a row has an
            unknown id, a non-numeric target, a bad date or repeats an id and date. The message
            names the file, column and row (the header is row 1) of every problem.
    """
    path = Path(path)
    raw = read_council_csv(path, KIND)
    missing = [c for c in ("id", "target") if c not in raw.columns]
    if missing:
        raise InputError(
            f"{path.name}: missing column(s) {', '.join(missing)}. A targets file needs the "
            f"columns id, target and optionally from_date; found: {', '.join(raw.columns)}."
        )
    if "from_date" not in raw.columns:
        raw["from_date"] = ""
    raw = numbered_rows(raw, ["id", "target", "from_date"])

    known = set(measure_table()["id"])
    target = pd.to_numeric(raw["target"].str.removesuffix("%").str.strip(), errors="coerce")
    from_date = written_dates(raw["from_date"])
    problems = pd.concat(
        [
            _problems(
                raw,
                ~raw["id"].isin(known),
                "id",
                "unknown indicator id {value!r} (ids are listed in reference/indicators.csv)",
            ),
            _problems(raw, target.isna(), "target", "{value!r} is not a number"),
            _problems(
                raw,
                raw["from_date"].ne("") & from_date.isna(),
                "from_date",
                "{value!r} is not a date (expected YYYY-MM-DD or DD/MM/YYYY)",
            ),
        ]
    )
    targets = pd.DataFrame(
        {
            "id": raw["id"],
            "target": target.astype(float),
            "from_date": from_date.astype("datetime64[ns]"),
            "row": raw["row"],
        }
    )
    repeated = targets.duplicated(["id", "from_date"], keep="first") & problems.empty
    if repeated.any():
        problems = pd.concat(
            [
                problems,
                _problems(
                    raw.assign(from_date=raw["from_date"].replace("", "(blank)")),
                    repeated,
                    "from_date",
                    "repeats the target for {id} with the same from_date ({value})",
                ),
            ]
        )
    raise_problems(KIND, path, problems.sort_values("row")["text"].tolist())
    return (
        targets.drop(columns="row")
        .sort_values(["id", "from_date"], na_position="first")
        .reset_index(drop=True)
    )


def _problems(raw: pd.DataFrame, bad: pd.Series, column: str, template: str) -> pd.DataFrame:
    rows = raw[bad]
    text = [
        f"{describe_location(column=column, row=int(r.row))}: "
        + template.format(value=getattr(r, column), id=r.id)
        for r in rows.itertuples(index=False)
    ]
    return pd.DataFrame({"row": rows["row"], "text": text}, index=rows.index)


def target_for(
    targets: pd.DataFrame, indicator_id: str, period_end: str | pd.Timestamp
) -> float | None:
    """Return the target in force for an indicator at a period end.

    Args:
        targets: From :func:`read_targets`.
        indicator_id: The indicator.
        period_end: The reference date.

    Returns:
        The target with the latest ``from_date`` on or before ``period_end`` (a target with
        no ``from_date`` applies always, and is overridden by dated ones once they start), or
        None when no target applies.
    """
    when = pd.Timestamp(period_end)
    mine = targets[targets["id"] == indicator_id]
    applies = mine[mine["from_date"].isna() | (mine["from_date"] <= when)]
    if applies.empty:
        return None
    latest = applies.sort_values("from_date", na_position="first").iloc[-1]
    return float(latest["target"])


def align_to_targets(metric_series: pd.DataFrame, targets: pd.DataFrame) -> pd.DataFrame:
    """Give every row of a series the target in force at its period end (as :func:`target_for`).

    Args:
        metric_series: Rows with ``indicator_id``, ``period_end``, ``value``.
        targets: From :func:`read_targets`.

    Returns:
        ``metric_series`` with ``target``, ``target_from`` (NaT for an undated target) and
        ``gap_to_target`` (value - target).
    """
    series = metric_series.copy()
    series["_row"] = np.arange(len(series))
    series["_when"] = pd.to_datetime(series["period_end"]).astype("datetime64[ns]")
    dated = targets.assign(
        _when=targets["from_date"].fillna(pd.Timestamp.min).astype("datetime64[ns]")
    ).rename(columns={"id": "indicator_id", "from_date": "target_from"})
    aligned = pd.merge_asof(
        series.sort_values("_when"),
        dated.sort_values("_when"),
        on="_when",
        by="indicator_id",
        direction="backward",
    ).sort_values("_row")
    aligned["gap_to_target"] = (pd.to_numeric(aligned["value"]) - aligned["target"]).round(1)
    return aligned.drop(columns=["_row", "_when"]).reset_index(drop=True)
