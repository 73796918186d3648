"""The `csc-metrics benchmarks` command: its three formats, council codes and errors."""

from __future__ import annotations

import contextlib
import json
import re
from io import StringIO

import pandas as pd
import pytest

from csc_metrics.cli import main

JSON_KEYS = ["id", "year", "la", "england", "region", "sn_median", "rank", "of"]


def _run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["benchmarks", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture(scope="module")
def lancashire_json() -> list[dict]:
    # Run once for the module; capsys is function-scoped, so capture by hand.
    buffer = StringIO()
    with contextlib.redirect_stdout(buffer):
        assert main(["benchmarks", "--la-code", "888", "--format", "json"]) == 0
    return json.loads(buffer.getvalue())


def test_json_objects_have_exactly_the_contract_keys(lancashire_json):
    assert all(list(record) == JSON_KEYS for record in lancashire_json)


def test_json_uses_spec_ids_and_integers_for_year_rank_and_of(lancashire_json):
    record = next(r for r in lancashire_json if r["id"] == "placements_3plus_pct")
    # Lancashire 2025: 7% against England 10%, North West 9%, neighbours' median 10; 12 of 151.
    assert record == {
        "id": "placements_3plus_pct",
        "year": 2025,
        "la": 7.0,
        "england": 10.0,
        "region": 9.0,
        "sn_median": 10.0,
        "rank": 12,
        "of": 151,
    }
    assert isinstance(record["rank"], int) and isinstance(record["of"], int)


def test_json_writes_missing_values_as_null(capsys):
    # Lincolnshire has no CLA-at-31-March distance figure here: no value, median or rank.
    code, out, _ = _run(capsys, "--la-code", "925", "--format", "json")
    record = next(r for r in json.loads(out) if r["id"] == "placed_over_20_miles_pct")
    assert code == 0
    assert (record["la"], record["sn_median"], record["rank"], record["of"]) == (None,) * 4


def test_old_and_new_codes_give_the_same_answer(capsys, lancashire_json):
    code, out, _ = _run(capsys, "--la-code", "e10000017", "--format", "json")
    assert code == 0 and json.loads(out) == lancashire_json


def test_year_option_selects_that_year(capsys):
    code, out, _ = _run(capsys, "--la-code", "888", "--year", "2019", "--format", "json")
    records = json.loads(out)
    # 2019 is published only for the workforce (year to 30 September 2019).
    assert code == 0 and {r["year"] for r in records} == {2019}
    assert {r["id"] for r in records} == {
        "caseload_per_fte",
        "agency_workers_pct",
        "vacancy_rate_pct",
        "social_worker_turnover_pct",
    }


def test_csv_has_every_column_and_one_row_per_indicator(capsys):
    code, out, _ = _run(capsys, "--la-code", "888", "--format", "csv")
    table = pd.read_csv(StringIO(out))
    # 16 placement, care-leaver and workforce measures, 6 routes out of care, 6 adoption stages.
    assert code == 0 and len(table) == 28
    assert {"label", "quartile", "better", "reason", "note", "source", "sn_count"} <= set(table)
    assert table.set_index("id").at["care_leavers_19_21_eet_pct", "la"] == 48


def test_table_is_readable_with_rank_quartile_and_direction(capsys):
    code, out, _ = _run(capsys, "--la-code", "888")
    line = next(x for x in out.splitlines() if x.startswith("Children looked after with 3+"))
    assert code == 0
    assert "Benchmarks for Lancashire (888, E10000017), North West region" in out
    # Lancashire, England, North West, neighbours' median, rank, quartile, better if.
    assert re.search(r"2025\s+7%\s+10%\s+9%\s+10%\s+12 of 151\s+1\s+lower$", line)
    assert "Open Government Licence v3.0" in out


def test_unknown_council_exits_2_with_a_helpful_message(capsys):
    code, out, err = _run(capsys, "--la-code", "lancs")
    assert code == 2 and out == ""
    assert "Unknown council code 'lancs'" in err and "Lancashire: 888 or E10000017" in err


def test_a_year_without_figures_exits_2(capsys):
    code, _, err = _run(capsys, "--la-code", "888", "--year", "2010")
    assert code == 2 and "Years available" in err
