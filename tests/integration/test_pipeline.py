"""``csc-metrics ingest`` end to end: outputs, manifest, privacy, bad inputs, caseload hook."""

import hashlib
import json
import re
import sys
import types
from pathlib import Path

import pandas as pd
import pytest
from ssda903_helpers import EPISODES, HEADER, episode_row, header_row, raw_folder, write

from csc_metrics import __version__, privacy
from csc_metrics.cli import main
from csc_metrics.privacy import Pseudonymiser

KEY = "pipeline-test-key-0123456789abcdef"
# Distinctive raw identifiers, so a leak cannot hide behind a coincidental match.
CHILDREN = ["RAWID0001", "987650002"]


@pytest.fixture
def key(monkeypatch):
    monkeypatch.setenv(privacy.KEY_ENV, KEY)
    return KEY


@pytest.fixture
def raw(tmp_path):
    folder = raw_folder(
        tmp_path / "raw",
        {
            2023: [episode_row(CHILDREN[0], "01/06/2022")],
            2024: [
                episode_row(CHILDREN[0], "01/06/2022", dec="01/09/2023", rec="E4A"),
                episode_row(CHILDREN[1], "01/02/2024", place="q9"),  # invalid code: a warning
            ],
        },
    )
    # Identifiers that need tidying, whose issues must not show them: spaces, lower case, .0
    write(
        folder / "ssda903" / "2024" / "header.csv",
        [HEADER, header_row(" rawid0001 "), header_row(CHILDREN[1] + ".0")],
    )
    write(
        folder / "reference" / "postcodes.csv",
        ["postcode,easting,northing,la_code", "PR1 2AB,354000,429000,E10000017"],
    )
    write(
        folder / "reference" / "population.csv",
        ["la_code,year,population_0_17", "E10000017,2023,250000"],
    )
    return folder


def _ingest(raw, processed):
    return main(["ingest", "--raw", str(raw), "--processed", str(processed)])


def _snapshot(folder: Path) -> dict[str, bytes]:
    """Every file in the folder, its sub-folders (the ingest cache) included."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def published(raw, tmp_path, key):
    processed = tmp_path / "processed"
    assert _ingest(raw, processed) == 0
    return processed


def test_ingest_writes_every_table_the_issues_and_a_manifest(published):
    names = {p.name for p in published.iterdir()}
    assert {
        "clean_ssda903__header.parquet",
        "clean_ssda903__episodes.parquet",
        "clean_ssda903__oc3.parquet",
        "clean_ssda903__uasc.parquet",
        "clean_ssda903__missing.parquet",
        "clean_ssda903__sw_episodes.parquet",
        "clean_ssda903__ad1.parquet",
        "clean_ssda903__placed_adoption.parquet",
        "clean_ssda903__prev_perm.parquet",
        "clean_reference__postcodes.parquet",
        "clean_reference__population.parquet",
        "dq_issues.parquet",
        "dq_issues.csv",
        "manifest.json",
        ".csc-metrics-folder.json",  # the marker: csc-metrics may replace this folder
        "_ingest_cache",  # each year folder's cleaned rows, for the next ingest
    } == names


def test_the_processed_folder_loads_back_through_the_contract(published):
    from csc_metrics.storage import load_processed

    data = load_processed(published)
    assert len(data.episodes) == 2 and len(data.header) == 2
    assert data.postcodes["postcode"].tolist() == ["PR1 2AB"]


def test_the_manifest_records_inputs_rows_issues_and_version(published, raw):
    manifest = json.loads((published / "manifest.json").read_text())
    episodes_2024 = raw / "ssda903" / "2024" / "episodes.csv"
    inputs = {i["path"]: i for i in manifest["inputs"]}
    assert inputs["ssda903/2024/episodes.csv"] == {
        "path": "ssda903/2024/episodes.csv",
        "bytes": episodes_2024.stat().st_size,
        "sha256": hashlib.sha256(episodes_2024.read_bytes()).hexdigest(),
    }
    assert "reference/postcodes.csv" in inputs
    # 3 episode rows read (1 in 2023, 2 in 2024); the 2023 one is repeated in 2024: 2 out.
    assert manifest["tables"]["clean_ssda903__episodes"] == {"rows_in": 3, "rows_out": 2}
    issues = pd.read_parquet(published / "dq_issues.parquet")
    assert manifest["issues"] == {
        s: int((issues["severity"] == s).sum()) for s in ("error", "warning", "info")
    }
    assert manifest["package_version"] == __version__
    assert manifest["raw_folder"] == str(raw.resolve())
    assert manifest["collection_years"] == [2023, 2024]
    assert isinstance(manifest["run_seconds"], float)


def test_the_command_line_summarises_the_issues_and_says_where_they_are(raw, tmp_path, key, capsys):
    processed = tmp_path / "processed"
    assert _ingest(raw, processed) == 0
    out = capsys.readouterr().out
    assert "2 children, 2 episodes" in out
    # Warnings: PLACE q9 invalid; one child id tidied, one with Excel's .0 (header).
    assert "0 errors" in out and "3 warnings" in out
    assert "invalid_code" in out
    assert str(processed.resolve() / "dq_issues.csv") in out


def test_no_raw_child_id_appears_in_processed_files_logs_or_output(
    raw, tmp_path, key, capsys, caplog
):
    processed = tmp_path / "processed"
    assert _ingest(raw, processed) == 0
    captured = capsys.readouterr()
    texts = [captured.out, captured.err, caplog.text]
    # The ingest cache's files too: they are compressed, so they are read as tables.
    for path in (p for p in processed.rglob("*") if p.is_file()):
        assert b"RAWID" not in path.read_bytes().upper(), path.name
        assert CHILDREN[1].encode() not in path.read_bytes(), path.name
        if path.suffix == ".parquet":
            texts.append(pd.read_parquet(path).astype(str).to_csv())
        elif path.suffix == ".feather":
            texts.append(pd.read_feather(path).astype(str).to_csv())
        else:
            texts.append(path.read_text())
    assert not [t for t in texts if "RAWID" in t.upper() or CHILDREN[1] in t]
    # The tidied identifiers were reported, by pseudonym only.
    issues = pd.read_parquet(processed / "dq_issues.parquet")
    assert {"value_tidied", "excel_number_artefact"} <= set(issues["rule"])


def test_the_same_key_gives_the_same_pseudonyms_on_every_run(raw, tmp_path, key, monkeypatch):
    for name in ("run1", "run2"):
        assert _ingest(raw, tmp_path / name) == 0
    monkeypatch.setenv(privacy.KEY_ENV, "another-key-0123456789abcdef012345")
    assert _ingest(raw, tmp_path / "other") == 0
    ids = {
        name: sorted(pd.read_parquet(tmp_path / name / "clean_ssda903__header.parquet")["child_id"])
        for name in ("run1", "run2", "other")
    }
    expected = sorted(Pseudonymiser(KEY.encode()).one(c) for c in CHILDREN)
    assert ids["run1"] == ids["run2"] == expected
    assert not set(ids["other"]) & set(expected)


def test_without_a_key_one_is_generated_and_stderr_says_where(raw, tmp_path, monkeypatch, capsys):
    monkeypatch.delenv(privacy.KEY_ENV, raising=False)
    key_file = tmp_path / "keys" / "key"
    monkeypatch.setenv(privacy.KEY_FILE_ENV, str(key_file))
    assert _ingest(raw, tmp_path / "processed") == 0
    assert key_file.exists()
    assert str(key_file) in capsys.readouterr().err


def _empty_file(raw):
    (raw / "ssda903" / "2024" / "episodes.csv").write_bytes(b"")


def _binary_file(raw):
    (raw / "ssda903" / "2024" / "episodes.csv").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")


def _workbook_named_csv(raw):
    (raw / "ssda903" / "2024" / "episodes.csv").write_bytes(b"PK\x03\x04" + bytes(200))


def _wrong_table(raw):
    write(
        raw / "ssda903" / "2024" / "list8.csv",
        ["Child Unique ID,Gender,Ethnicity,Date of Birth,Age", "C1,a) Male,WBRI,01/05/2010,13"],
    )


def _header_only(raw):
    write(raw / "ssda903" / "2024" / "episodes.csv", [EPISODES])


def _two_digit_years(raw):
    write(
        raw / "ssda903" / "2024" / "episodes.csv",
        [EPISODES, episode_row("RAWID0001", "01/06/22"), episode_row("RAWID0002", "01/02/24")],
    )


def _two_digit_year_folder(raw):
    (raw / "ssda903" / "2024").rename(raw / "ssda903" / "24")


def _no_episodes(raw):
    for year in ("2023", "2024"):
        (raw / "ssda903" / year / "episodes.csv").unlink()


def _no_ssda903_folder(raw):
    (raw / "ssda903").rename(raw / "903")


def _reference_without_easting(raw):
    write(raw / "reference" / "postcodes.csv", ["postcode,northing,la_code", "PR1 2AB,1,E1"])


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        (_empty_file, r"ssda903/2024/episodes\.csv is empty"),
        (_binary_file, r"ssda903/2024/episodes\.csv is not a CSV text file"),
        (_workbook_named_csv, r"episodes\.csv is not a CSV text file: it looks like an Excel"),
        (_wrong_table, r"ssda903/2024/list8\.csv is not an SSDA903 table"),
        (_header_only, r"ssda903/2024/episodes\.csv has the Episodes column headings but no rows"),
        (_two_digit_years, r"episodes\.csv, column DECOM: dates have two-digit years.*row 2"),
        (_two_digit_year_folder, r"ssda903/24 is not a collection-year folder.*rename it to 2024"),
        (_no_episodes, r"No Episodes table found"),
        (_no_ssda903_folder, r"No SSDA903 folder at"),
        (_reference_without_easting, r"reference/postcodes\.csv lacks the column\(s\) EASTING"),
    ],
)
def test_unusable_input_exits_2_with_a_clear_message_and_leaves_processed_alone(
    spoil, message, raw, published, capsys
):
    before = _snapshot(published)
    capsys.readouterr()
    spoil(raw)
    assert _ingest(raw, published) == 2
    err = capsys.readouterr().err
    assert pytest.approx(0) == err.count("Traceback")
    assert __import__("re").search(message, err), err
    assert _snapshot(published) == before


def test_a_date_of_birth_with_a_two_digit_year_is_never_shown(raw, published, capsys):
    # Every DOB written dd/mm/yy: refused, naming the file, column and row, never the date.
    write(
        raw / "ssda903" / "2024" / "header.csv",
        [HEADER, header_row("RAWID0001", dob="17/03/11"), header_row("RAWID0002", dob="02/09/14")],
    )
    capsys.readouterr()
    assert _ingest(raw, published) == 2
    err = capsys.readouterr().err
    assert "header.csv, column DOB: dates have two-digit years" in err
    assert "17/03/11" not in err and "02/09/14" not in err


def test_a_folder_that_ingest_did_not_write_is_never_replaced(raw, tmp_path, key, capsys):
    documents = tmp_path / "documents"
    documents.mkdir()
    (documents / "budget.xlsx").write_bytes(b"precious")
    assert _ingest(raw, documents) == 2
    assert "not a folder csc-metrics made" in capsys.readouterr().err
    assert (documents / "budget.xlsx").read_bytes() == b"precious"


def test_processed_inside_raw_is_refused(raw, key, capsys):
    assert _ingest(raw, raw / "processed") == 2
    assert "must be outside --raw" in capsys.readouterr().err
    assert not (raw / "processed").exists()


def test_several_problems_are_reported_together(raw, tmp_path, key, capsys):
    _empty_file(raw)
    _wrong_table(raw)
    assert _ingest(raw, tmp_path / "processed") == 2
    err = capsys.readouterr().err
    assert "2 problems" in err and "is empty" in err and "list8.csv" in err


@pytest.fixture
def fake_caseload(monkeypatch):
    """A stand-in csc_metrics.caseload that records its calls and returns one case."""
    calls = []

    def ingest_caseload(
        folder,
        previous,
        log,
        pseudonymiser,
        settings=None,
        cache=None,
        workbooks=None,
        background=None,
    ):
        calls.append({"folder": folder, "previous": previous})
        log.add(dataset="caseload", rule="fake", severity="info", message="seen")
        cases = pd.DataFrame(
            {
                "snapshot_date": pd.to_datetime(["2024-03-31"]),
                "child_id": [pseudonymiser.one("RAWID0001")],
                "case_type": ["CLA"],
                "case_types_held": ["CLA"],
                "team": ["North"],
                "worker_id": ["W1"],
                "allocated_date": pd.to_datetime(["2024-01-01"]),
                "source_file": ["caseload/2024-03-31/cases.csv"],
            }
        )
        return {"cases": cases}

    module = types.ModuleType("csc_metrics.caseload")
    module.ingest_caseload = ingest_caseload
    module.prefetch_workbooks = lambda folder, cache: None
    module.start_caseload_worker = lambda folder, cache, pseudonymiser, settings, scratch: None
    monkeypatch.setitem(sys.modules, "csc_metrics.caseload", module)
    return calls


def test_the_caseload_stage_is_called_with_the_published_data_and_its_tables_written(
    raw, tmp_path, key, fake_caseload
):
    (raw / "caseload" / "2024-03-31").mkdir(parents=True)
    processed = tmp_path / "processed"
    assert _ingest(raw, processed) == 0
    assert _ingest(raw, processed) == 0
    first, second = fake_caseload
    assert first["folder"] == raw.resolve() / "caseload"
    assert first["previous"] is None
    assert second["previous"].folder == processed.resolve()
    assert len(second["previous"].cases) == 1
    cases = pd.read_parquet(processed / "clean_caseload__cases.parquet")
    assert cases["team"].tolist() == ["North"]
    issues = pd.read_parquet(processed / "dq_issues.parquet")
    assert "fake" in set(issues["rule"])


def test_without_a_caseload_folder_the_caseload_stage_is_not_called(published, fake_caseload):
    assert fake_caseload == []


def _manifest_quirks(raw: Path) -> list[dict]:
    text = (raw / "MANIFEST.md").read_text()
    block = re.search(r"```json\n(.*?)\n```", text, re.S)
    return json.loads(block.group(1))["quirks"]


#: Planted quirk -> the data-quality rule that must report it at the planted file, row and column.
ROW_LEVEL_QUIRK_RULES = {
    "invalid_code": "invalid_code",
    "impossible_date": "invalid_date",
    "lower_case_code": "value_tidied",
    "duplicated_episode": "duplicate_row",
    "overlapping_episode": "episode_overlap",
}


@pytest.mark.slow
def test_the_messy_sample_ingests_and_every_planted_problem_is_found(messy_sample, tmp_path, key):
    raw = messy_sample
    processed = tmp_path / "processed"
    assert _ingest(raw, processed) == 0  # BOM, CRLF, blank rows and extra columns all read
    issues = pd.read_parquet(processed / "dq_issues.parquet")
    quirks = _manifest_quirks(raw)
    assert {q["quirk"] for q in quirks} >= set(ROW_LEVEL_QUIRK_RULES)
    for quirk in quirks:
        rule = ROW_LEVEL_QUIRK_RULES.get(quirk["quirk"])
        if rule is None:
            continue
        found = issues[(issues["rule"] == rule) & (issues["file"] == quirk["files"][0])]
        # A duplicate or an overlap is reported on one of the two rows involved: the planted
        # row or its neighbour.
        pair = quirk["quirk"] in ("duplicated_episode", "overlapping_episode")
        rows = {r + step for r in quirk["rows"] for step in ((-1, 0, 1) if pair else (0,))}
        assert set(found["row"].dropna().astype(int)) & rows, quirk
    float_ids = next(q for q in quirks if q["quirk"] == "excel_float_ids")
    undone = issues[
        (issues["rule"] == "excel_number_artefact") & (issues["file"] == float_ids["files"][0])
    ]
    assert len(undone) == float_ids["count"]
    extra = next(q for q in quirks if q["quirk"] == "extra_local_columns")
    noted = issues.loc[issues["rule"] == "extra_column", "column"]
    assert set(extra["column"].split(";")) <= set(noted)
    episodes = pd.read_parquet(processed / "clean_ssda903__episodes.parquet")
    assert episodes["has_overlap"].any()
    assert not episodes["rne"].dropna().str.contains(r"[a-z\s]").any()  # tidied codes


def test_the_readme_explains_every_data_quality_rule():
    from csc_metrics.quality_rules import SSDA903_RULES as RULES

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert [rule for rule in RULES if f"| `{rule}` | {RULES[rule][0]} |" not in readme] == []


def test_the_manifest_holds_a_key_check_value_not_the_key(published):
    manifest = json.loads((published / "manifest.json").read_text())
    assert manifest[privacy.KEY_CHECK_FIELD] == privacy.key_check_value(KEY.encode())
    assert KEY not in (published / "manifest.json").read_text()


def test_a_run_with_a_different_key_stops_with_exit_2(published, raw, monkeypatch, capsys):
    before = _snapshot(published)
    monkeypatch.setenv(privacy.KEY_ENV, "a-different-key-0123456789abcdef0123")
    assert _ingest(raw, published) == 2
    err = capsys.readouterr().err
    assert "no longer link" in err and "a-different-key" not in err
    assert _snapshot(published) == before


@pytest.mark.parametrize("bad_key", ["", "a", "short-key"])
def test_an_empty_or_short_key_stops_ingest_with_exit_2_and_a_command(
    raw, tmp_path, monkeypatch, capsys, bad_key
):
    monkeypatch.setenv(privacy.KEY_ENV, bad_key)
    assert _ingest(raw, tmp_path / "processed") == 2
    assert privacy.GOOD_KEY_COMMAND in capsys.readouterr().err
    assert not (tmp_path / "processed").exists()
