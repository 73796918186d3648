"""MANIFEST.md: what was generated, how it compares with its targets, and what was planted.

The manifest is written for people (what is in the folder, calibration targets against what was
achieved, the planted patterns in plain words, the quirks of a messy run) and for tests: one
fenced ``json`` block holds the run's parameters, every planted pattern (with the indicator id,
dates and the keywords a report's key messages should use to name it) and every injected quirk.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from csc_metrics.sample import parameters as p
from csc_metrics.sample import summary as s
from csc_metrics.sample.config import LA_CODE, LA_NAME, SampleConfig, to_date
from csc_metrics.sample.generate import SyntheticCouncil
from csc_metrics.sample.messy import MessyPlan
from csc_metrics.sample.permanence import calibration_rows, manifest_pattern
from csc_metrics.sample.teams import rising_team_name

_NUMBER_WORDS = {5: "Five", 6: "Six", 7: "Seven", 8: "Eight"}


def _iso(days: int) -> str:
    return to_date(days).isoformat()


def _pct(value: float) -> float | None:
    return None if np.isnan(value) else round(float(value), 1)


def _show(value: float) -> str:
    """A percentage for a sentence, or a note when it cannot be measured in these years."""
    return "(not measurable)" if np.isnan(value) else f"{value:.1f}%"


def _mean(values: list[float]) -> float:
    """Mean of a list, or NaN for an empty one (a pattern outside a short run's years)."""
    return float(np.mean(values)) if values else float("nan")


def patterns(council: SyntheticCouncil) -> list[dict[str, Any]]:
    """The planted patterns, each with its dates, indicator and the values achieved.

    Args:
        council: The generated council.

    Returns:
        One dictionary per pattern (the entries of the manifest's ``patterns`` list).
    """
    config = council.config
    if not config.patterns:
        return []
    end = config.horizon_end
    quarters = _quarter_ends(council)
    decline_start = config.eet_decline_start
    first_quarter = next(q for q in quarters if q >= decline_start)
    eet = {
        q: s.care_leaver_eet(council, q, "19_21")[1]
        for q in quarters
        if q >= config.year_ends[config.first_year]
    }
    eet_before = _mean([v for q, v in eet.items() if q < decline_start])
    n_end, eet_end = s.care_leaver_eet(council, end, "19_21")
    rising, source = rising_team_name(council.service.teams)
    rising_quarters = config.rising_team_quarters
    team_series = dict(s.team_caseloads(council, rising))
    step = config.stability_step_date
    stability = {q: s.three_plus_placements(council, q) for q in quarters}
    place_before = _mean([v for q, v in stability.items() if q < step])
    place_after = _mean([v for q, v in stability.items() if q >= step + 365])
    where = s.location(council, end)
    n_group, eet_group = s.care_leaver_eet(council, end, "19_21", p.EET_EQUITY_GROUP)
    n_all, eet_all = s.care_leaver_eet(council, end, "19_21")
    planted = [
        {
            "id": "care_leavers_19_21_eet_widening_gap",
            "area": "care_leavers",
            "indicator_id": "care_leavers_19_21_eet_pct",
            "breakdown": "total",
            "group": "all",
            "from": _iso(decline_start),
            "to": _iso(end),
            "first_quarter_end_affected": _iso(first_quarter),
            "direction": "worse",
            "description": (
                "Fewer care leavers aged 19-21 are in education, employment or training: the "
                f"12-month EET rate, about {_show(eet_before)} at earlier quarter ends, keeps "
                f"falling from {_iso(first_quarter)} to {_show(eet_end)} by {_iso(end)}, so the "
                "gap to the earlier level and to England (about 54%) widens over the last six "
                "quarters."
            ),
            "keywords": ["19-21", "EET"],
            "visible_in_data": not np.isnan(eet_before),
            "achieved": {
                "earlier_quarters_mean": _pct(eet_before),
                "quarters": {_iso(q): _pct(v) for q, v in eet.items()},
                "at_end": _pct(eet_end),
                "cohort_at_end": n_end,
            },
        },
        {
            "id": "rising_team_caseload",
            "area": "caseloads",
            "indicator_id": "caseload_per_fte",
            "breakdown": "team",
            "group": rising,
            "from": _iso(rising_quarters[0]),
            "to": _iso(rising_quarters[-1]),
            "direction": "worse",
            "description": (
                f"{rising}'s caseload rises at each of eight quarter ends in a row, from "
                f"{team_series[_iso(rising_quarters[0])]} to "
                f"{team_series[_iso(rising_quarters[-1])]} cases per FTE, as children are "
                f"transferred in from {source} and other CLA teams without extra staff."
            ),
            "keywords": [rising],
            "visible_in_data": len(rising_quarters) == 9,
            "achieved": {date: team_series[date] for date in map(_iso, rising_quarters)},
        },
        {
            "id": "placement_stability_step_change",
            "area": "placements",
            "indicator_id": "placements_3plus_pct",
            "breakdown": "total",
            "group": "all",
            "from": _iso(step),
            "to": _iso(end),
            "direction": "better",
            "description": (
                f"From {_iso(step)} children looked after move placement less often: the share "
                "with 3+ placements in 12 months, about "
                f"{_show(place_before)} at earlier quarter ends, averages about "
                f"{_show(place_after)} once a full year has passed."
            ),
            "keywords": ["3+ placements"],
            "visible_in_data": not (np.isnan(place_before) or np.isnan(place_after)),
            "achieved": {
                "before_mean": _pct(place_before),
                "after_mean": _pct(place_after),
                "quarters": {_iso(q): _pct(v) for q, v in stability.items()},
            },
        },
        {
            "id": "out_of_county_external_residential",
            "area": "placements",
            "indicator_id": "placed_outside_la_pct",
            "breakdown": "placement_group",
            "group": "children's homes and residential",
            "from": _iso(config.data_start),
            "to": _iso(end),
            "direction": "worse",
            "description": (
                "Children placed outside the county are mostly in external children's homes "
                "(private or voluntary providers): "
                f"{_show(where['outside_pct_external_residential'])} of children in external "
                "residential care are out of county against "
                f"{_show(where['outside_pct_fostering'])} of fostered children, and external "
                "residential care is "
                f"{_show(where['external_residential_share_of_outside_pct'])} of all out-of-county "
                "placements, while fostering is "
                f"{_show(where['fostering_share_of_inside_pct'])} of placements inside it."
            ),
            "keywords": ["outside", "residential"],
            "visible_in_data": True,
            "achieved": {k: _pct(v) for k, v in where.items()},
        },
        {
            "id": "care_leavers_19_21_eet_equity_gap",
            "area": "care_leavers",
            "indicator_id": "care_leavers_19_21_eet_pct",
            "breakdown": "ethnic_group",
            "group": p.EET_EQUITY_GROUP,
            "from": _iso(config.data_start),
            "to": _iso(end),
            "direction": "worse",
            "description": (
                f"Care leavers aged 19-21 from the {p.EET_EQUITY_GROUP} ethnic group are much "
                "less often in education, employment or training than others throughout: "
                f"{_show(eet_group)} (of {n_group}) against {_show(eet_all)} for all "
                f"(of {n_all}) in the year to {_iso(end)}."
            ),
            "keywords": ["19-21", "EET", p.EET_EQUITY_GROUP],
            "visible_in_data": n_group > 0,
            "achieved": {
                "group_pct": _pct(eet_group),
                "group_cohort": n_group,
                "all_pct": _pct(eet_all),
                "all_cohort": n_all,
            },
        },
        *_permanence_patterns(council, quarters),
    ]
    planted.append(placement_drift(council))
    return planted


def placement_drift(council: SyntheticCouncil) -> dict[str, Any]:
    """The drift of 10-15-year-olds' placements to IFAs and external homes (issue 18).

    Achieved: children aged 10-15 in IFA foster care, external children's homes and in-house
    foster care at each 31 March, and the share in the first two.
    """
    config = council.config
    ages = p.PLACEMENT_DRIFT_AGES
    year_ends = {year: s.march_31(year) for year in config.years}
    mix = {
        to_date(when).isoformat(): s.placement_mix(council, when, ages)
        for when in year_ends.values()
    }
    first, last = mix[_iso(year_ends[config.first_year])], mix[_iso(config.horizon_end)]
    return {
        "id": "placement_mix_drift_10_15",
        "area": "forecast",
        "indicator_id": "external_residential_pct",
        "breakdown": "age_band",
        "group": "10-15",
        "from": _iso(config.placement_drift_start),
        "to": _iso(config.horizon_end),
        "direction": "worse",
        "description": (
            "From "
            f"{_iso(config.placement_drift_start)} in-house foster carers and council "
            "children's homes run short for children aged 10-15: a rising share of their new "
            "placements (reaching "
            f"{p.PLACEMENT_DRIFT_MAX_SHARE:.0%} after {p.PLACEMENT_DRIFT_RAMP_YEARS:g} years) go "
            "to an independent fostering agency (IFA) or an external children's home instead. "
            "10-15-year-olds in IFA foster care and external residential care go from "
            f"{first['ifa'] + first['external_residential']} ({first['ifa_and_external_pct']}%) "
            f"at 31 March {config.first_year} to "
            f"{last['ifa'] + last['external_residential']} ({last['ifa_and_external_pct']}%) at "
            f"31 March {config.last_year}; in in-house foster care from "
            f"{first['inhouse_fostering']} to {last['inhouse_fostering']}. The forecast's "
            "backtest and report show the rise and its cost."
        ),
        "keywords": ["external residential", "IFA"],
        "visible_in_data": len(config.years) >= 3,
        "achieved": mix,
    }


def _permanence_patterns(council: SyntheticCouncil, quarters: list[int]) -> list[dict[str, Any]]:
    """The permanence pattern, when the council has permanence records."""
    records = council.return_inputs.permanence
    return [] if records is None else [manifest_pattern(council.config, records, quarters)]


def _quarter_ends(council: SyntheticCouncil) -> list[int]:
    """Every quarter end inside the collection years (the 903 data cover them all)."""
    config = council.config
    full = SampleConfig(first_year=config.first_year, last_year=config.last_year)
    return full.snapshot_dates


def calibration(council: SyntheticCouncil) -> list[dict[str, Any]]:
    """Headline targets (docs/definitions.md, "The synthetic sample") against achieved values."""
    config = council.config
    scale = config.scale
    last = config.last_year
    end = config.horizon_end
    pre_step_year = (
        max(y for y in config.years if s.march_31(y) < config.stability_step_date)
        if s.march_31(config.first_year) < config.stability_step_date
        else config.first_year
    )
    pre_decline_year = max(
        (y for y in config.years if s.march_31(y) < config.eet_decline_start),
        default=config.first_year,
    )
    cla = len(s.open_episodes(council, end)["child"].unique())
    episodes = council.history.episodes
    starts = episodes[
        (episodes["rne"] == "S")
        & ~episodes["is_short_break"]
        & (episodes["decom"] > end - 365)
        & (episodes["decom"] <= end)
    ]
    mix = s.placement_group(s.open_episodes(council, end)["place"].to_numpy(dtype=object))
    mix_share = {
        k: 100 * float(np.mean(mix == k))
        for k in (
            "fostering",
            "children's homes and residential",
            "placed with parents",
            "supported or independent living",
        )
    }
    residential = mix_share["children's homes and residential"]
    where = s.location(council, end)
    n17, eet17 = s.care_leaver_eet(council, end, "17_18")
    _, eet19 = s.care_leaver_eet(council, s.march_31(pre_decline_year), "19_21")
    n19_end, _ = s.care_leaver_eet(council, end, "19_21")
    work = s.caseload(council, config.snapshot_dates[-1])
    return [
        {
            "measure": f"Children looked after at 31 March {last}",
            "target": f"about {2000 * scale:,.0f}",
            "achieved": f"{cla:,}",
        },
        {
            "measure": f"Children starting care in the year to 31 March {last}",
            "target": f"{540 * scale:,.0f}-{620 * scale:,.0f}",
            "achieved": f"{starts['child'].nunique():,}",
        },
        {
            "measure": f"3+ placements in 12 months, 31 March {pre_step_year} (before the step)",
            "target": "11-12% (Lancashire 2019: 11%)",
            "achieved": f"{s.three_plus_placements(council, s.march_31(pre_step_year)):.1f}%",
        },
        {
            "measure": f"3+ placements in 12 months, 31 March {last}",
            "target": "7-10% (Lancashire 2024-25: 7%)",
            "achieved": f"{s.three_plus_placements(council, end):.1f}%",
        },
        {
            "measure": f"Fostered, 31 March {last}",
            "target": "about 66%",
            "achieved": f"{mix_share['fostering']:.1f}%",
        },
        {
            "measure": f"Children's homes and residential care, 31 March {last}",
            "target": "15-17%",
            "achieved": f"{residential:.1f}%",
        },
        {
            "measure": f"Placed with parents, 31 March {last}",
            "target": "about 8%",
            "achieved": f"{mix_share['placed with parents']:.1f}%",
        },
        {
            "measure": f"Supported or independent living, 31 March {last}",
            "target": "about 5%",
            "achieved": f"{mix_share['supported or independent living']:.1f}%",
        },
        {
            "measure": f"Placed outside the county, 31 March {last}",
            "target": "about 18%",
            "achieved": f"{where['outside_pct']:.1f}%",
        },
        {
            "measure": f"Placed more than 20 miles from home, 31 March {last}",
            "target": "about 19%",
            "achieved": f"{where['over_20_miles_pct']:.1f}%",
        },
        {
            "measure": f"Care leavers 17-18 / 19-21 in the year to 31 March {last}",
            "target": f"about {300 * scale:,.0f} / {790 * scale:,.0f} (brief: about "
            f"{1300 * scale:,.0f} in all)",
            "achieved": f"{n17:,} / {n19_end:,}",
        },
        {
            "measure": f"Care leavers 17-18 in EET, year to 31 March {last}",
            "target": "about 62%",
            "achieved": f"{eet17:.1f}%",
        },
        {
            "measure": f"Care leavers 19-21 in EET, year to 31 March {pre_decline_year} "
            "(before the planted decline)",
            "target": "48-54%",
            "achieved": f"{eet19:.1f}%",
        },
        {
            "measure": f"Case-holding social workers (and personal advisers), "
            f"{_iso(config.snapshot_dates[-1])}",
            "target": f"about {250 * scale:,.0f} social workers",
            "achieved": f"{work['case_holding_social_workers']:,.0f} "
            f"(+{work['case_holding_workers'] - work['case_holding_social_workers']:,.0f}"
            " personal advisers)",
        },
        {
            "measure": "Teams",
            "target": "15-25 (area-level teams below scale 0.5)",
            "achieved": f"{work['teams']:.0f}",
        },
        {
            "measure": f"Cases per case-holding FTE, {_iso(config.snapshot_dates[-1])}",
            "target": "about 15",
            "achieved": f"{work['caseload_per_fte']:.1f}",
        },
        {
            "measure": f"Agency workers (FTE), {_iso(config.snapshot_dates[-1])}",
            "target": "about 4-5%",
            "achieved": f"{work['agency_pct']:.1f}%",
        },
        {
            "measure": f"Vacancy rate (FTE), {_iso(config.snapshot_dates[-1])}",
            "target": "about 3-8%",
            "achieved": f"{work['vacancy_pct']:.1f}%",
        },
        *(
            []
            if council.return_inputs.permanence is None
            else calibration_rows(config, council.return_inputs.permanence, council.history)
        ),
    ]


def _options(config: SampleConfig) -> str:
    options = (
        f"--seed {config.seed} --scale {config.scale:g} "
        f"--years {config.first_year}-{config.last_year}"
    )
    if config.snapshot_years is not None:
        options += f" --snapshot-years {config.snapshot_years}"
    return options + (" --messy" if config.messy else "")


def render(
    council: SyntheticCouncil, plan: MessyPlan | None, row_counts: dict[int, dict[str, int]]
) -> str:
    """Return the text of MANIFEST.md.

    Args:
        council: The generated council.
        plan: The quirks of a messy run, or None.
        row_counts: Collection year -> table -> rows written (before any quirks).

    Returns:
        The manifest as Markdown.
    """
    config = council.config
    planted = patterns(council)
    layout = (
        "Annex A workbooks (annex_a.xlsx, Lists 6-9)"
        if config.write_workbooks
        else "cases.csv (child_id, case_type, team, worker_id, allocated_date)"
    )
    lines = [
        "# Synthetic council data",
        "",
        "Generated by `csc-metrics sample`. Every child, worker, "
        "postcode and number here is invented: no real person's data. The council is fictional "
        f"but calibrated to Lancashire County Council and uses its code ({LA_CODE}, old code "
        f"888): {LA_NAME}.",
        "",
        "## Run",
        "",
        "| parameter | value |",
        "|---|---|",
        f"| seed | {config.seed} |",
        f"| scale | {config.scale:g} (1 = about 2,000 children looked after) |",
        f"| collection years | {config.first_year}-{config.last_year} (each ends 31 March) |",
        f"| caseload snapshots | {len(config.snapshot_dates)} quarter ends, "
        f"{_iso(config.snapshot_dates[0])} to {_iso(config.snapshot_dates[-1])} |",
        f"| caseload format | {layout} |",
        f"| messy | {'yes' if plan else 'no'} |",
        "",
        f"Regenerate exactly with `csc-metrics sample --out DIR {_options(config)}`.",
        "",
        "## What is in the folder",
        "",
        "- `ssda903/<YYYY>/`: the SSDA903 return for the year ending 31 March YYYY: "
        "`header.csv`, `episodes.csv`, `oc3.csv`, `uasc.csv`, `missing.csv`, from 2024 "
        "`sw_episodes.csv`, and the permanence tables `ad1.csv` (children adopted in the "
        "year), `placed_adoption.csv` (decisions that a child should be placed for adoption, "
        "and plans that ended) and `prev_perm.csv` (children who started care in the year). "
        "Each year repeats every episode of each child looked after in the "
        "year, including earlier ones; an episode open at 31 March has a blank DEC in that "
        "year's file even if it closes later.",
        "- `caseload/<YYYY-MM-DD>/`: a quarter-end allocation snapshot: "
        f"{layout}, `workforce.csv` (worker_id, team, role, fte, agency, start_date, "
        "qualified_date) and `establishment.csv` (team, funded_fte).",
        "- `reference/postcodes.csv`: postcode, easting, northing, la_code for every postcode "
        "used, except a few deliberately missing (confidential placements are blank; some "
        "placements are in Scotland, outside the lookup).",
        "- `reference/population.csv`: the county's child population aged 0-17 by mid-year.",
        "",
        "Rows per SSDA903 table:",
        "",
    ]
    names = list(row_counts[config.last_year])
    lines.append("| year | " + " | ".join(names) + " |")
    lines.append("|---|" + "---|" * len(names))
    for year, row in row_counts.items():
        lines.append(
            f"| {year} | " + " | ".join(f"{row[n]:,}" if n in row else "" for n in names) + " |"
        )
    lines += [
        "",
        "## Calibration: targets and achieved",
        "",
        "Targets are from the project's benchmarks (section 13, Lancashire and England "
        "figures), scaled. Achieved values are the generator's own quick calculations.",
        "",
        "| measure | target | achieved |",
        "|---|---|---|",
    ]
    for row in calibration(council):
        lines.append(f"| {row['measure']} | {row['target']} | {row['achieved']} |")
    lines += [
        "",
        "## Planted patterns",
        "",
        f"{_NUMBER_WORDS.get(len(planted), len(planted))} patterns are planted for the reports "
        "to find. Each is described here and in "
        "the JSON block below (`patterns`), with the indicator it shows in, its dates and "
        "the keywords a key message naming it should contain (case-insensitive).",
        "",
    ]
    for pattern in planted:
        hidden = (
            ""
            if pattern["visible_in_data"]
            else (
                " (Not visible with these collection years: the pattern needs data before and "
                "after its dates.)"
            )
        )
        lines.append(
            f"- **{pattern['id']}** ({pattern['indicator_id']}, {pattern['from']} to "
            f"{pattern['to']}): {pattern['description']}{hidden}"
        )
    if plan:
        lines += [
            "",
            "## Quirks of real extracts (--messy)",
            "",
            "Rows count from the header as row 1. Each quirk is also in the JSON block (`quirks`).",
            "",
        ]
        for quirk in plan.quirks:
            where = ", ".join(quirk["files"][:4]) + (" ..." if len(quirk["files"]) > 4 else "")
            rows = f", rows {', '.join(map(str, quirk['rows']))}" if quirk["rows"] else ""
            column = f", column {quirk['column']}" if quirk["column"] else ""
            lines.append(
                f"- **{quirk['quirk']}** ({quirk['count']}): {quirk['detail']}; "
                f"{where}{column}{rows}"
            )
    machine = {
        "generator": "csc-metrics sample",
        "seed": config.seed,
        "scale": config.scale,
        "first_year": config.first_year,
        "last_year": config.last_year,
        "la_code": LA_CODE,
        "messy": bool(plan),
        "snapshots": [_iso(d) for d in config.snapshot_dates],
        "patterns": planted,
        "quirks": plan.quirks if plan else [],
    }
    lines += [
        "",
        "## Machine-readable summary",
        "",
        "```json",
        json.dumps(machine, indent=2, sort_keys=False),
        "```",
        "",
    ]
    return "\n".join(lines)
