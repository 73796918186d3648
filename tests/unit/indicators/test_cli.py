"""The `csc-metrics indicators` command: formats, --raw and --processed, and clear errors."""

from __future__ import annotations

import csv
import io as text_io
import json
import sys
import types
from pathlib import Path

import pytest
from indicators_fixtures import EXPECTED_AT_2024_03_31, LA, county, write_processed

from csc_metrics.catalogue import indicator_ids
from csc_metrics.cli import main


@pytest.fixture(scope="module")
def processed(tmp_path_factory) -> Path:
    return write_processed(county(), tmp_path_factory.mktemp("indicators") / "processed")


def _run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["indicators", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


#: What each command run on the module's read-only ``processed`` folder gave, by its arguments:
#: several tests read the same output (each run loads every table and works out every
#: indicator, about a second).
_ON_PROCESSED: dict[tuple[str, ...], tuple[int, str, str]] = {}


def _run_on(capsys, processed: Path, *args: str) -> tuple[int, str, str]:
    """``_run`` with ``--processed processed``, run once per module for the same arguments."""
    key = (str(processed), *args)
    if key not in _ON_PROCESSED:
        _ON_PROCESSED[key] = _run(capsys, "--processed", str(processed), *args)
    return _ON_PROCESSED[key]


def test_json_lists_the_overall_figures_in_catalogue_order(capsys, processed):
    code, out, _ = _run_on(
        capsys,
        processed,
        "--period-end",
        "2024-03-31",
        "--la-code",
        LA,
        "--format",
        "json",
    )
    assert code == 0
    records = json.loads(out)
    ids = [r["id"] for r in records]
    # Every permanence indicator is worked out whenever there are episodes (blank where the
    # county has no adoptions); tests/unit/indicators/test_permanence.py checks their values.
    # The county has no caseload snapshot: each caseload indicator is listed, not covered.
    permanence = set(indicator_ids("permanence"))
    caseload = set(indicator_ids("caseloads")) - {"worker_changes_12m"}
    assert ids == [
        i
        for i in indicator_ids()
        if i in EXPECTED_AT_2024_03_31 or i in permanence or i in caseload
    ]
    # The returns start on 2022-04-01: the 3-year adoption averages, which need the 3 years
    # from 2021-04-01, are not covered either.
    three_year = {"adoption_a1_3yr_days", "adoption_a2_3yr_days", "adoption_a10_3yr_days"}
    covered = [r for r in records if r["id"] not in caseload | three_year]
    assert all(set(r) == {"id", "numerator", "denominator", "value", "unknown"} for r in covered)
    uncovered = [r for r in records if r["id"] in caseload]
    assert all(r["value"] is None for r in uncovered)
    assert {r["not_covered"] for r in uncovered} == {"no caseload snapshots were supplied"}
    short = [r for r in records if r["id"] in three_year]
    assert all(r["value"] is None and "36 months" in r["not_covered"] for r in short)


def test_json_gives_integers_for_counts_and_null_for_blanks(capsys, processed):
    _, out, _ = _run_on(
        capsys,
        processed,
        "--period-end",
        "2024-03-31",
        "--la-code",
        LA,
        "--format",
        "json",
    )
    by_id = {r["id"]: r for r in json.loads(out)}
    # cla_count: 14 children (see the fixture's working).
    assert by_id["cla_count"] == {
        "id": "cla_count",
        "numerator": 14,
        "denominator": None,
        "value": 14,
        "unknown": None,
    }
    assert by_id["placed_over_20_miles_pct"] == {
        "id": "placed_over_20_miles_pct",
        "numerator": 2,
        "denominator": 11,
        "value": 18.2,
        "unknown": 3,
    }
    assert isinstance(by_id["cla_count"]["value"], int)


def test_csv_is_the_full_long_table_with_breakdowns(capsys, processed):
    code, out, _ = _run_on(
        capsys,
        processed,
        "--period-end",
        "2024-03-31",
        "--la-code",
        LA,
        "--format",
        "csv",
    )
    assert code == 0
    rows = list(csv.DictReader(text_io.StringIO(out)))
    assert list(rows[0]) == [
        "indicator_id",
        "period_end",
        "breakdown",
        "group",
        "numerator",
        "denominator",
        "value",
        "unknown",
        "not_covered",
    ]
    assert {r["breakdown"] for r in rows} >= {"total", "age_band", "placement_group", "activity"}
    first = rows[0]
    assert (first["indicator_id"], first["period_end"], first["value"]) == (
        "cla_count",
        "2024-03-31",
        "14",
    )


def test_table_is_readable_with_labels_and_units(capsys, processed):
    code, out, _ = _run_on(capsys, processed, "--period-end", "2024-03-31", "--la-code", LA)
    assert code == 0
    assert "Indicators for E10000017 at 31 March 2024" in out
    assert "Long-term placement stability" in out and "83.3%" in out
    assert "7.0 per 10,000" in out
    assert "2 care-leaver (OC3) row(s) left out" in out


def test_table_breakdowns_are_shown_only_when_asked(capsys, processed):
    args = ("--period-end", "2024-03-31", "--la-code", LA)
    _, plain, _ = _run_on(capsys, processed, *args)
    _, detailed, _ = _run_on(capsys, processed, *args, "--breakdowns")
    assert "placement type: Foster: external (IFA)" not in plain
    assert "placement type: Foster: external (IFA)" in detailed


@pytest.mark.slow  # the command three times, about 2 s of CPU
def test_output_names_no_child(capsys, processed):
    # The fixture's child ids (pseudonyms in real data) include CL7 and CL15, which the table's
    # data-quality note is about; neither may be printed.
    for fmt in ("table", "csv", "json"):
        _, out, _ = _run_on(
            capsys,
            processed,
            "--period-end",
            "2024-03-31",
            "--la-code",
            LA,
            "--format",
            fmt,
            "--breakdowns",
        )
        assert "CL7" not in out and "CL15" not in out


def test_latest_is_the_last_quarter_end_covered(capsys, processed):
    _, out, _ = _run_on(capsys, processed, "--period-end", "latest", "--la-code", LA)
    assert "at 30 June 2024" in out


def test_a_date_after_the_data_gives_a_clear_message_and_exit_code_2(capsys, processed):
    code, out, err = _run_on(capsys, processed, "--period-end", "2025-03-31", "--la-code", LA)
    assert code == 2
    assert out == ""
    assert "after the data" in err and "2022-04-01 to 2024-06-30" in err
    assert "Traceback" not in err


def test_a_bad_date_gives_a_clear_message(capsys, processed):
    code, _, err = _run_on(capsys, processed, "--period-end", "2024-02-30", "--la-code", LA)
    assert code == 2
    assert "YYYY-MM-DD" in err


def test_a_bad_council_code_gives_a_clear_message(capsys, processed):
    code, _, err = _run_on(capsys, processed, "--period-end", "2024-03-31", "--la-code", "E1")
    assert code == 2
    assert "E10000017" in err


def test_the_dfe_three_digit_code_is_taken_as_benchmarks_takes_it(capsys, processed):
    # 888 is Lancashire's old DfE code, E10000017 its E-code: the same output either way.
    by_old = _run_on(
        capsys,
        processed,
        "--period-end",
        "2024-03-31",
        "--la-code",
        "888",
        "--format",
        "json",
    )
    by_new = _run_on(
        capsys,
        processed,
        "--period-end",
        "2024-03-31",
        "--la-code",
        LA,
        "--format",
        "json",
    )
    assert by_old[0] == 0
    assert by_old[1] == by_new[1]


def test_a_three_digit_code_of_no_council_is_refused(capsys, processed):
    code, _, err = _run_on(capsys, processed, "--period-end", "2024-03-31", "--la-code", "000")
    assert code == 2
    assert "no council has it" in err


def test_a_folder_that_was_never_ingested_gives_a_clear_message(capsys, tmp_path):
    code, _, err = _run(
        capsys, "--processed", str(tmp_path), "--period-end", "2024-03-31", "--la-code", LA
    )
    assert code == 2
    assert "csc-metrics ingest" in err


def test_raw_is_ingested_in_memory(capsys, monkeypatch, tmp_path):
    # A stand-in for csc_metrics.pipeline (written in parallel): it "ingests" by writing the
    # county's processed tables, and chats on stdout, which must not reach the JSON.
    calls = []

    def fake_ingest(raw: Path, processed: Path, settings=None) -> None:
        calls.append(raw)
        print("ingesting...")
        write_processed(county(), Path(processed))

    monkeypatch.setitem(
        sys.modules, "csc_metrics.pipeline", types.SimpleNamespace(ingest=fake_ingest)
    )
    raw = tmp_path / "raw"
    raw.mkdir()
    code, out, _ = _run(
        capsys,
        "--raw",
        str(raw),
        "--period-end",
        "2024-03-31",
        "--la-code",
        LA,
        "--format",
        "json",
    )
    assert code == 0
    assert calls == [raw]
    assert json.loads(out)[0] == {
        "id": "cla_count",
        "numerator": 14,
        "denominator": None,
        "value": 14,
        "unknown": None,
    }


def test_a_missing_raw_folder_gives_a_clear_message(capsys, tmp_path):
    code, _, err = _run(
        capsys, "--raw", str(tmp_path / "absent"), "--period-end", "2024-03-31", "--la-code", LA
    )
    assert code == 2
    assert "no such folder" in err


@pytest.mark.slow  # a caseload ingest and the command twice, about 2.5 s
def test_json_also_reports_the_caseload_headlines_from_the_latest_snapshot(capsys, tmp_path):
    from caseload_fixtures import PSEUDONYMISER, new_log, standard_snapshot

    from csc_metrics.caseload import ingest_caseload

    data = county()
    tables = ingest_caseload(standard_snapshot(tmp_path / "raw"), None, new_log(), PSEUDONYMISER)
    data.cases, data.workforce = tables["cases"], tables["workforce"]
    data.establishment = tables["establishment"]
    processed = write_processed(data, tmp_path / "processed")
    _, out, _ = _run_on(
        capsys,
        processed,
        "--period-end",
        "2024-03-31",
        "--la-code",
        LA,
        "--format",
        "json",
    )
    by_id = {r["id"]: r for r in json.loads(out)}
    # From the standard snapshot (tests/caseload_fixtures.py): 18 cases held by case-holding
    # workers W1 (1.0), W2 (0.5), W4 (1.0) = 2.5 FTE -> 7.2; W2 holds 11 > 20 x 0.5 -> 1 of 3
    # over the threshold = 33.3%; C60 and C61 unallocated -> 2.
    assert by_id["caseload_per_fte"]["value"] == 7.2
    assert by_id["workers_over_threshold_pct"]["value"] == 33.3
    assert by_id["unallocated_cases_count"]["value"] == 2
    _, table, _ = _run_on(
        capsys,
        processed,
        "--period-end",
        "2024-03-31",
        "--la-code",
        LA,
    )
    assert "Caseloads and the workforce" in table


@pytest.mark.slow  # the command twice on a folder of its own, about 2 s
def test_json_includes_every_permanence_indicator_with_its_figures(capsys, tmp_path):
    from permanence_fixtures import county as permanence_county

    processed = write_processed(permanence_county(), tmp_path / "processed")
    _, out, _ = _run_on(
        capsys,
        processed,
        "--period-end",
        "2024-03-31",
        "--la-code",
        LA,
        "--format",
        "json",
    )
    by_id = {r["id"]: r for r in json.loads(out)}
    assert set(indicator_ids("permanence")) <= set(by_id)
    # tests/unit/indicators/test_permanence.py: 3 of the 10 children who left care were adopted;
    # A10 over 3 years = (0 + 317 + 487 + 334) / 4 = 284.5 -> 285 days.
    assert by_id["left_care_adopted_pct"] == {
        "id": "left_care_adopted_pct",
        "numerator": 3,
        "denominator": 10,
        "value": 30,
        "unknown": None,
    }
    assert by_id["adoption_a10_3yr_days"] == {
        "id": "adoption_a10_3yr_days",
        "numerator": 1138,
        "denominator": 4,
        "value": 285,
        "unknown": 0,
    }
    _, table, _ = _run_on(capsys, processed, "--period-end", "2024-03-31", "--la-code", LA)
    assert "Permanence and adoption" in table
    assert "285 days" in table
