"""The data quality report: what was read, what ingest found, how complete the key fields are.

Everything comes from the processed folder: the ingest manifest (files, sizes, hashes, rows),
the data-quality table (``dq_issues``) and the clean tables themselves. Issues are shown as
counts by rule, file and year; no child's row, identifier or value is ever listed.
"""

from __future__ import annotations

import pandas as pd

from csc_metrics.charts import Chart, heatmap
from csc_metrics.dates import collection_year, collection_year_label, format_date
from csc_metrics.indicators import care_leaver_data_issues, case_holding_workers
from csc_metrics.indicators.coverage import DATASET_NAMES, coverage_summary
from csc_metrics.quality import summarise_issues
from csc_metrics.quality_rules import rule_meaning
from csc_metrics.views.builders import ReportTable, empty_chart
from csc_metrics.views.messages import percent
from csc_metrics.views.report_context import ReportContext, per_context

SEVERITY_WORDS: dict[str, str] = {
    "error": "Errors (rows left out)",
    "warning": "Warnings (values changed or used with caution)",
    "info": "Notes",
}
#: Key fields whose blanks are counted: (table, column, field, what a record is).
COMPLETENESS_FIELDS: tuple[tuple[str, str, str, str], ...] = (
    ("episodes", "home_post", "Home postcode (HOME_POST)", "episodes"),
    ("episodes", "pl_post", "Placement postcode (PL_POST)", "episodes"),
    ("episodes", "place_provider", "Placement provider (PLACE_PROVIDER)", "episodes"),
    ("episodes", "ls", "Legal status (LS)", "episodes"),
    ("episodes", "cin", "Category of need (CIN)", "episodes"),
    ("header", "dob", "Date of birth (DOB)", "children"),
    ("header", "sex", "Sex (SEX)", "children"),
    ("header", "ethnic", "Ethnicity (ETHNIC)", "children"),
    ("oc3", "activ", "Activity (ACTIV)", "care leavers"),
    ("oc3", "accom", "Accommodation (ACCOM)", "care leavers"),
    ("oc3", "in_touch", "In touch (IN_TOUCH)", "care leavers"),
)
#: A key field blank on more than this % of the latest return's records is a key message.
COMPLETENESS_ALERT_PCT = 5.0
MAX_COMPLETENESS_MESSAGES = 3
#: What each raw file is, by its name (case ignored); Annex A workbooks by their suffix.
FILE_KINDS: dict[str, str] = {
    "workforce.csv": "Workforce list",
    "establishment.csv": "Funded posts",
    "cases.csv": "Case list",
    "postcodes.csv": "Postcode lookup",
    "population.csv": "Child population",
}
WORKBOOK_KIND = "Annex A workbook"
NO_FILE = "(not one file)"


@per_context
def issues(ctx: ReportContext) -> pd.DataFrame:
    """Every data-quality issue: ingest's, and the care-leaver rows left out at the period end.

    Args:
        ctx: The report context.

    Returns:
        A ``DataQualityIssues`` table.
    """
    cohort = _cohort_issues(ctx)
    return pd.concat([ctx.data.dq_issues, cohort], ignore_index=True)


def _cohort_issues(ctx: ReportContext) -> pd.DataFrame:
    """The care-leaver rows left out at the period end (none without SSDA903 data)."""
    if "ssda903" not in ctx.windows:
        return ctx.data.dq_issues.iloc[0:0]
    return care_leaver_data_issues(ctx.inputs, ctx.period_end)


# --- what was read -------------------------------------------------------------------------------


def _kind(path: str, tables: dict[str, str]) -> str:
    if path in tables:
        return f"SSDA903 {tables[path]}"
    name = path.rsplit("/", 1)[-1].lower()
    return FILE_KINDS.get(name, WORKBOOK_KIND if name.endswith((".xlsx", ".xlsm")) else "Other")


def files_table(ctx: ReportContext) -> ReportTable:
    """Every input file ingest read: what it is, its rows, size and the start of its hash.

    Args:
        ctx: The report context.

    Returns:
        One row per file, in the order of the manifest.
    """
    manifest = ctx.data.manifest
    inputs = pd.DataFrame(manifest.get("inputs") or [], columns=["path", "bytes", "sha256"])
    returns = pd.DataFrame(manifest.get("ssda903_files") or [], columns=["path", "table", "rows"])
    tables = dict(zip(returns["path"], returns["table"].astype(str), strict=True))
    rows = inputs["path"].map(returns.set_index("path")["rows"])
    table = pd.DataFrame(
        {
            "File": inputs["path"],
            "What it is": inputs["path"].map(lambda p: _kind(p, tables)),
            "Rows read": rows,
            "Size (KB)": (inputs["bytes"] / 1024).round(1),
            "SHA-256 (first 12 characters)": inputs["sha256"].str[:12],
        }
    )
    created = manifest.get("created_at", "")
    return ReportTable(
        data=table,
        caption=(
            f"The {len(table):,} input files ingest read"
            + (f" on {created[:10]}" if created else "")
            + "; rows are counted for SSDA903 files (the hash identifies each file exactly)"
        ),
        count_columns=("Rows read",),
        row_header="File",
    )


# --- issues --------------------------------------------------------------------------------------


def issues_by_rule_table(ctx: ReportContext) -> ReportTable:
    """Issues counted by severity, dataset, table and rule, errors first, with their meaning."""
    summary = summarise_issues(issues(ctx))
    table = pd.DataFrame(
        {
            "Rule": summary["rule"],
            "Severity": summary["severity"].map(SEVERITY_WORDS),
            "Data": summary["dataset"] + " " + summary["table"].fillna(""),
            "What it means": summary["rule"].map(rule_meaning),
            "Issues": summary["issues"].astype("int64"),
        }
    )
    return ReportTable(
        data=table,
        caption=(
            "Data-quality issues by rule, errors first (errors: rows left out; warnings: values "
            "changed or used with caution; notes: harmless)"
        ),
        count_columns=("Issues",),
        row_header="Rule",
    )


def issues_by_file_table(ctx: ReportContext) -> ReportTable:
    """Issues per input file and severity (files with no issue are left out)."""
    found = issues(ctx)
    files = found["file"].fillna(NO_FILE)
    counts = pd.crosstab(files, found["severity"]).reindex(
        columns=list(SEVERITY_WORDS), fill_value=0
    )
    counts.columns = ["Errors", "Warnings", "Notes"]
    counts["All issues"] = counts.sum(axis=1)
    table = counts.sort_values(["Errors", "Warnings", "All issues"], ascending=False)
    table = table.rename_axis("File").reset_index()
    columns = ("Errors", "Warnings", "Notes", "All issues")
    table[list(columns)] = table[list(columns)].astype("int64")
    return ReportTable(
        data=table,
        caption="Data-quality issues by input file (files with none are left out)",
        count_columns=columns,
        row_header="File",
    )


def _source_year(files: pd.Series) -> pd.Series:
    """The collection year of an issue's file: the return's year, or the snapshot's."""
    parts = files.fillna("").str.split("/")
    folder = parts.str[0]
    name = parts.str[1].fillna("")
    year = pd.to_numeric(name.where(folder == "ssda903"), errors="coerce")
    snapshot = pd.to_datetime(name.where(folder == "caseload"), errors="coerce", format="%Y-%m-%d")
    snapshot_year = snapshot.dt.year + (snapshot.dt.month > 3).astype("Int64")
    return year.fillna(snapshot_year.astype("float"))


def issues_chart(ctx: ReportContext) -> Chart:
    """Heatmap of issues by rule and by the collection year of the file they were found in."""
    title = "Data-quality issues by rule and year of the data"
    found = issues(ctx)
    year = _source_year(found["file"])
    found = found.assign(year=year).dropna(subset=["year"])
    if found.empty:
        return empty_chart(title, "Ingest found no issue in any file.")
    rows = found["rule"] + " (" + found["severity"] + ")"
    years = found["year"].astype(int).map(collection_year_label)
    pivot = pd.crosstab(rows, years)
    return heatmap(
        pivot,
        title,
        "Collection year (April to March) of the return or snapshot",
        "",
        ctx.source(),
        unit="count",
        colour_label="issues",
        suppress=ctx.suppress,
        settings=ctx.settings,
    )


# --- completeness ------------------------------------------------------------------------------


@per_context
def completeness(ctx: ReportContext) -> pd.DataFrame:
    """How often each key field is blank, by the collection year of the record.

    Records count in the year of the return they were last reported in, up to the year of the
    period end.

    Args:
        ctx: The report context.

    Returns:
        One row per field and year: ``field`` (with what a record is), ``name``, ``noun``,
        ``year``, ``records``, ``blank``, ``blank_pct``.
    """
    last_year = collection_year(ctx.period_end)
    parts = []
    for table_name, column, field, noun in COMPLETENESS_FIELDS:
        table = getattr(ctx.data, table_name)
        table = table[table["collection_year"] <= last_year]
        blank = table[column].isna() | table[column].astype("string").str.strip().eq("")
        counts = blank.groupby(table["collection_year"]).agg(["size", "sum"])
        parts.append(
            pd.DataFrame(
                {
                    "field": f"{field}, {noun}",
                    "name": field,
                    "noun": noun,
                    "year": counts.index.astype(int),
                    "records": counts["size"].to_numpy(),
                    "blank": counts["sum"].to_numpy(),
                }
            )
        )
    frame = pd.concat(parts, ignore_index=True)
    frame["blank_pct"] = 100 * frame["blank"] / frame["records"]
    return frame


def completeness_table(ctx: ReportContext) -> ReportTable:
    """The table behind ``completeness_chart``: % blank per key field and year."""
    frame = completeness(ctx).drop(columns=["name", "noun"])
    table = frame.assign(year=frame["year"].map(collection_year_label)).rename(
        columns={
            "field": "Field",
            "year": "Collection year",
            "records": "Records",
            "blank": "Blank",
            "blank_pct": "% blank",
        }
    )
    return ReportTable(
        data=table,
        caption="Blank key fields by collection year (each record in the return that last held it)",
        count_columns=("Records", "Blank"),
        percent_columns={"% blank": ("Blank", "Records")},
        row_header="Field",
    )


def completeness_chart(ctx: ReportContext) -> Chart:
    """Heatmap of % blank per key field and collection year."""
    title = "How often key fields are blank"
    frame = completeness(ctx)
    if frame.empty:
        return empty_chart(title, "No SSDA903 records up to the period end.")
    frame = frame.assign(year=frame["year"].map(collection_year_label))
    order = [f"{field}, {noun}" for _, _, field, noun in COMPLETENESS_FIELDS]
    pivot = frame.pivot(index="field", columns="year", values="blank_pct").reindex(order)
    counts = frame.pivot(index="field", columns="year", values="blank").reindex(order)
    return heatmap(
        pivot,
        title,
        "Collection year (April to March)",
        "",
        ctx.source(),
        unit="pct",
        colour_label="% of records blank",
        counts=counts,
        suppress=ctx.suppress,
        settings=ctx.settings,
    )


# --- caseload snapshots ------------------------------------------------------------------------


def missing_snapshots(ctx: ReportContext) -> list[pd.Timestamp]:
    """Quarter ends between the first and last snapshot (up to the period end) with none."""
    if not ctx.snapshots:
        return []
    expected = pd.date_range(ctx.snapshots[0], ctx.snapshots[-1], freq="QE")
    return [d for d in expected if d not in set(ctx.snapshots)]


def snapshot_table(ctx: ReportContext) -> ReportTable:
    """Each caseload snapshot: cases, unallocated, missing teams, workers, missing FTE.

    Quarter ends with no snapshot between the first and the last are listed too.

    Args:
        ctx: The report context.

    Returns:
        One row per snapshot (or missing quarter end), oldest first.
    """
    columns = [
        "Open cases",
        "Unallocated",
        "Cases with no team",
        "Workers listed",
        "Case-holding workers",
        "Workers with no FTE",
    ]
    dates = ctx.snapshots
    cases = ctx.data.cases[ctx.data.cases["snapshot_date"].isin(dates)]
    workforce = ctx.data.workforce[ctx.data.workforce["snapshot_date"].isin(dates)]
    by_case = (
        cases.assign(unallocated=cases["worker_id"].isna(), no_team=cases["team"].isna())
        .groupby("snapshot_date")
        .agg(
            open_cases=("child_id", "size"),
            unallocated=("unallocated", "sum"),
            no_team=("no_team", "sum"),
        )
    )
    by_worker = (
        workforce.assign(no_fte=workforce["fte"].isna() | workforce["fte"].eq(0))
        .groupby("snapshot_date")
        .agg(listed=("worker_id", "size"), no_fte=("no_fte", "sum"))
    )
    holding = case_holding_workers(ctx.data, list(dates), ctx.settings)
    index = pd.DatetimeIndex(sorted([*dates, *missing_snapshots(ctx)]))
    table = pd.DataFrame(
        {
            "Snapshot": [format_date(d) for d in index],
            "Open cases": by_case["open_cases"].reindex(index).to_numpy(),
            "Unallocated": by_case["unallocated"].reindex(index).to_numpy(),
            "Cases with no team": by_case["no_team"].reindex(index).to_numpy(),
            "Workers listed": by_worker["listed"].reindex(index).to_numpy(),
            "Case-holding workers": holding.reindex(index).to_numpy(),
            "Workers with no FTE": by_worker["no_fte"].reindex(index).to_numpy(),
            "Note": ["" if d in set(dates) else "No snapshot for this quarter end" for d in index],
        }
    )
    return ReportTable(
        data=table,
        caption=(
            "Caseload snapshots up to the period end: what each holds, and quarter ends with "
            "no snapshot"
        ),
        count_columns=tuple(columns),
        row_header="Snapshot",
    )


# --- key messages ------------------------------------------------------------------------------


def summary_message(ctx: ReportContext) -> str:
    """What ingest read and how many issues of each severity it found."""
    manifest = ctx.data.manifest
    # Ingest's own counts, as the landing page gives them; the care-leaver rows left out when
    # the figures at this date were worked out are said separately, so the two pages agree.
    counts = ctx.data.dq_issues["severity"].value_counts()
    cohort = len(_cohort_issues(ctx))
    years = manifest.get("collection_years") or []
    returns = (
        f"SSDA903 returns for {len(years)} collection years ({collection_year_label(years[0])} to "
        f"{collection_year_label(years[-1])})"
        if years
        else "no SSDA903 return"
    )
    snapshots = (
        f"{len(ctx.snapshots)} caseload snapshots" if ctx.snapshots else ("no caseload snapshot")
    )
    return (
        f"Ingest read {len(manifest.get('inputs') or []):,} files: {returns} and {snapshots}. "
        f"It found {ctx.count_text(counts.get('error', 0))} errors (rows left out), "
        f"{ctx.count_text(counts.get('warning', 0))} warnings (values changed or used with "
        f"caution) and {ctx.count_text(counts.get('info', 0))} notes."
        + (
            f" Working out the care-leaver figures at {format_date(ctx.period_end)} left out "
            f"{ctx.count_text(cohort)} more OC3 rows (errors, listed below)."
            if cohort
            else ""
        )
    )


def rule_messages(ctx: ReportContext) -> list[str]:
    """The most frequent error and warning rules, or, with neither, that nothing was changed."""
    summary = summarise_issues(issues(ctx))
    messages = []
    for severity, word in (("error", "error"), ("warning", "warning")):
        rows = summary[summary["severity"] == severity]
        if rows.empty:
            continue
        top = rows.sort_values("issues", ascending=False).iloc[0]
        messages.append(
            f"The most frequent {word}: {rule_meaning(top['rule'])} "
            f"({ctx.count_text(top['issues'])} times, rule {top['rule']} in {top['dataset']} "
            f"{top['table']})."
        )
    if not messages:
        messages.append(
            "No row was left out and no value was changed: every issue found is a note, "
            "harmless to the figures."
        )
    return messages


def completeness_messages(ctx: ReportContext) -> list[str]:
    """Key fields blank on more than ``COMPLETENESS_ALERT_PCT`` % of the latest year's records."""
    frame = completeness(ctx)
    if frame.empty:
        return []
    latest = frame[frame["year"] == frame["year"].max()]
    poor = latest[latest["blank_pct"] > COMPLETENESS_ALERT_PCT].sort_values(
        "blank_pct", ascending=False
    )
    year = collection_year_label(int(frame["year"].max()))
    if poor.empty:
        return [
            f"Every key field checked is at least {100 - COMPLETENESS_ALERT_PCT:.0f}% complete "
            f"in the {year} return."
        ]
    return [
        f"{row.name} is blank for {percent(row.blank_pct)} of {row.noun} in the {year} "
        f"return ({ctx.count_text(row.blank)} of {ctx.count_text(row.records)})."
        for row in poor.head(MAX_COMPLETENESS_MESSAGES).itertuples(index=False)
    ]


def snapshot_messages(ctx: ReportContext) -> list[str]:
    """Whether the caseload snapshots cover every quarter end, and which are missing."""
    if not ctx.snapshots:
        return [
            f"There is no caseload snapshot on or before {format_date(ctx.period_end)}, so there "
            "are no caseload figures."
        ]
    missing = missing_snapshots(ctx)
    span = f"{format_date(ctx.snapshots[0])} to {format_date(ctx.snapshots[-1])}"
    if not missing:
        return [f"Caseload snapshots cover every quarter end from {span}."]
    listed = ", ".join(format_date(d) for d in missing)
    return [
        f"Caseload snapshots from {span} miss these quarter ends, so caseload trends have gaps: "
        f"{listed}."
    ]


def look_back_messages(ctx: ReportContext) -> list[str]:
    """Children whose carer or care began before the earliest return, so stability is unknown.

    Definitions: docs/definitions.md, "Long-term stability" (carer or care that began before
    the data).
    """
    rows = ctx.metrics[
        ctx.metrics["indicator_id"].eq("long_term_stability_pct")
        & ctx.metrics["breakdown"].eq("total")
    ]
    unknown = rows["unknown"].iloc[0] if len(rows) else 0
    if pd.isna(unknown) or unknown <= 0:
        return []
    return [
        f"For {ctx.count_text(unknown)} children under 16 the current carer or period of care "
        "began before the earliest SSDA903 return supplied, so whether they have had the same "
        "carer for 2 years is not known: they are left out of long-term stability and counted "
        "as unknown. Supplying earlier returns fixes this."
    ]


def coverage_messages(ctx: ReportContext) -> list[str]:
    """What each dataset covers, and which of them stops before the report's date."""
    return [
        sentence for sentence in coverage_summary(ctx.windows) if sentence.startswith("No ")
    ] + [
        f"The {DATASET_NAMES[w.dataset]} end on {format_date(w.end)}, before "
        f"{format_date(ctx.period_end)}: their figures at this date are not covered."
        for w in ctx.windows.values()
        if w.end < ctx.period_end
    ]


def key_messages(ctx: ReportContext) -> list[str]:
    """The data quality report's key messages, generated from the data.

    Args:
        ctx: The report context.

    Returns:
        What was read and found, the most frequent problems, incomplete key fields, and the
        coverage of the caseload snapshots.
    """
    return [
        summary_message(ctx),
        *rule_messages(ctx),
        *completeness_messages(ctx),
        *snapshot_messages(ctx),
        *coverage_messages(ctx),
        *look_back_messages(ctx),
    ]
