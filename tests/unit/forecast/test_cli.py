"""``csc-metrics forecast``: output formats, the backtest and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from forecast_fixtures import four_children, steady_entries
from indicators_fixtures import write_processed

from csc_metrics.cli import main
from csc_metrics.forecast.states import CATEGORY_IDS

FIELDS = {
    "quarter_end",
    "scenario",
    "level",
    "state",
    "category",
    "age_band",
    "location",
    "expected",
    "lower",
    "upper",
    "weekly_cost",
    "spend",
}


@pytest.fixture(scope="module")
def processed(tmp_path_factory) -> Path:
    return write_processed(four_children(), tmp_path_factory.mktemp("forecast") / "processed")


@pytest.fixture(scope="module")
def steady(tmp_path_factory) -> Path:
    return write_processed(steady_entries(), tmp_path_factory.mktemp("steady") / "processed")


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["forecast", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.slow  # a whole forecast through the command, over a second
def test_json_lists_every_quarter_state_and_total(capsys, processed):
    code, out, _ = run(
        capsys,
        "--processed",
        str(processed),
        "--la-code",
        "E10000017",
        "--reference-years",
        "1",
        "--horizon-months",
        "6",
        "--format",
        "json",
    )
    assert code == 0
    rows = json.loads(out)
    assert set(rows[0]) == FIELDS
    assert {r["quarter_end"] for r in rows} == {"2024-06-30", "2024-09-30"}
    totals = [r for r in rows if r["level"] == "total"]
    assert len(totals) == 2 and all(r["scenario"] == "base" for r in rows)
    # 135 states + 9 categories + 3 locations + the total, per quarter.
    assert len(rows) == 2 * (135 + 9 + 3 + 1)
    state = next(r for r in rows if r["state"] == "ifa|16-18|inside")
    assert (state["category"], state["age_band"], state["location"]) == ("ifa", "16-18", "inside")
    assert state["weekly_cost"] == 820


@pytest.mark.slow  # two whole forecasts through the command, about 1.5 s
def test_a_scenario_is_shown_beside_the_base(capsys, processed, tmp_path):
    scenario = tmp_path / "no_entries.csv"
    scenario.write_text("flow,change,value\nentry,multiply,0\n")
    code, out, _ = run(
        capsys,
        "--processed",
        str(processed),
        "--la-code",
        "E10000017",
        "--reference-years",
        "1",
        "--scenario",
        str(scenario),
        "--format",
        "json",
    )
    rows = json.loads(out)
    totals = {
        (r["scenario"], r["quarter_end"]): r["expected"] for r in rows if r["level"] == "total"
    }
    assert code == 0
    assert {name for name, _ in totals} == {"base", "no entries"}
    # With no entries the number can only fall below the base.
    assert totals[("no entries", "2027-03-31")] < totals[("base", "2027-03-31")]


@pytest.mark.slow  # a whole forecast through the command, over a second
def test_the_table_says_the_costs_are_defaults(capsys, processed):
    code, out, _ = run(
        capsys, "--processed", str(processed), "--la-code", "E10000017", "--reference-years", "1"
    )
    assert code == 0
    assert "DEFAULT costs" in out and "assumption" in out
    assert "Calibration against RO3" in out and "FTE" in out
    for label in ("In-house fostering", "External residential", "All children looked after"):
        assert label in out


@pytest.mark.slow  # a model fitted and backtested from two origins through the command, 1.5-2 s
def test_the_backtest_has_its_own_fields(capsys, steady):
    code, out, _ = run(
        capsys,
        "--processed",
        str(steady),
        "--la-code",
        "E10000017",
        "--backtest",
        "--half-life-years",
        "0",
        "--format",
        "json",
    )
    assert code == 0
    result = json.loads(out)
    assert result["target"] == "2025-03-31"
    year = next(r for r in result["by_horizon"] if r["horizon_months"] == 12)
    assert {"mape_model", "mape_persistence", "mape_trend", "improvement_pct"} <= set(year)
    assert {r["category"] for r in result["detail"]} == {*CATEGORY_IDS, "all"}


@pytest.mark.slow  # a model fitted and backtested from two origins through the command, 1.5-2 s
def test_the_backtest_table_says_whether_the_goal_is_met(capsys, steady):
    code, out, _ = run(
        capsys,
        "--processed",
        str(steady),
        "--la-code",
        "E10000017",
        "--backtest",
        "--half-life-years",
        "0",
    )
    assert code == 0
    assert "How far to trust this forecast" in out
    assert "The goal of 20% lower is met" in out


@pytest.mark.parametrize(
    ("option", "name", "text", "words"),
    [
        (
            "--scenario",
            "s.csv",
            "flow,to,change,value\nentry,castle,multiply,1\n",
            ["s.csv, row 2, column to", "Expected one of"],
        ),
        (
            "--scenario",
            "s.csv",
            "flow,to,change,value\nexit,adopted,multiply,-2\n",
            ["s.csv, row 2, column value", "factor of 0 or more"],
        ),
        (
            "--costs",
            "c.csv",
            "category,weekly_cost\nifa,800\n",
            ["c.csv: no cost for inhouse_fostering", "one row for each"],
        ),
        (
            "--costs",
            "c.csv",
            "category,weekly_cost\n"
            + "".join(f"{c},{-1 if c == 'ifa' else 5}\n" for c in CATEGORY_IDS),
            ["c.csv, row 3, column weekly_cost", "negative"],
        ),
    ],
)
def test_bad_files_exit_2_naming_file_row_and_expectation(
    capsys, processed, tmp_path, option, name, text, words
):
    path = tmp_path / name
    path.write_text(text)
    code, out, err = run(
        capsys, "--processed", str(processed), "--la-code", "E10000017", option, str(path)
    )
    assert code == 2 and out == ""
    assert "Traceback" not in err
    for word in words:
        assert word in err


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--start", "2024-02-29"], ["not a quarter end"]),
        (["--start", "2019-03-31"], ["outside the data"]),
        (["--horizon-months", "40"], ["whole quarters from 3 to 36"]),
        (["--horizon-months", "5"], ["whole quarters"]),
        (["--la-code", "Lancs"], ["not a council code"]),
        (["--reference-years", "0"], ["positive number of years"]),
    ],
)
def test_bad_options_exit_2_with_a_message(capsys, processed, args, words):
    base = ["--processed", str(processed), "--la-code", "E10000017"]
    if "--la-code" in args:
        base = ["--processed", str(processed)]
    code, _, err = run(capsys, *base, *args)
    assert code == 2
    for word in words:
        assert word in err


@pytest.mark.slow  # a whole forecast through the command, over a second
def test_output_names_no_child(capsys, processed):
    _, out, _ = run(
        capsys,
        "--processed",
        str(processed),
        "--la-code",
        "E10000017",
        "--reference-years",
        "1",
        "--format",
        "csv",
    )
    # The fixture's child ids are single letters A-D: look for them as CSV cells.
    cells = {cell for line in out.splitlines() for cell in line.split(",")}
    assert not cells & {"A", "B", "C", "D"}
