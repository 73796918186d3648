"""A quarter's re-run reads only the new or changed raw folders, and gives a full ingest's result.

The fixture is a processed folder holding the history (SSDA903 2023 and 2024, the March caseload
snapshot); then a quarter passes: the June snapshot is added and the current year's (2024)
return is updated with one more episode. The incremental ingest of that folder is compared with
a full ingest of the same raw files into a copy of the folder without its cache. In a changed
year folder, only the tables whose files changed are cleaned again.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from caseload_fixtures import standard_snapshot
from ssda903_helpers import EPISODES, HEADER, episode_row, header_row, write

from csc_metrics import fingerprints, ingest_cache, privacy, reference_data, storage
from csc_metrics.caseload import ingest as caseload_ingest
from csc_metrics.errors import InputError
from csc_metrics.pipeline import core
from csc_metrics.pipeline.core import ingest
from csc_metrics.settings import DEFAULT_SETTINGS
from csc_metrics.ssda903 import ingest as ssda903_ingest

KEY = "incremental-test-key-long-enough-for-the-32-character-rule"
#: A full pupil number: the processed tables keep only the unknown-UPN codes, so must the cache.
FULL_UPN = "A123456789012"

#: Each test ingests two to four times (about a second each).
pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(privacy.KEY_ENV, KEY)


def _write_year(raw: Path, year: int, episodes: list[str]) -> None:
    folder = raw / "ssda903" / str(year)
    write(folder / "episodes.csv", [EPISODES, *episodes])
    children = sorted({row.split(",")[0] for row in episodes})
    headers = [header_row(child) for child in children]
    # One child with a real UPN, one with a duplicate row in the same year (a duplicate_row
    # error), so that per-year issues and cross-year merging both have something to do.
    headers[0] = f"{children[0]},1,01/05/2010,WBRI,{FULL_UPN},,"
    write(folder / "header.csv", [HEADER, *headers, headers[-1]])


def _previous_quarter(raw: Path) -> None:
    _write_year(
        raw,
        2023,
        [
            episode_row("RAWID0001", "01/06/2022"),
            episode_row("RAWID0002", "01/07/2022", dec="01/02/2023", rec="E11"),
            episode_row("RAWID0003", "31/02/2023"),  # an invalid date: a warning in 2023
        ],
    )
    _write_year(
        raw,
        2024,
        [
            episode_row("RAWID0001", "01/06/2022"),
            episode_row("RAWID0004", "01/05/2023", ls="c2 "),  # tidied: a 2024 warning
        ],
    )
    standard_snapshot(raw, "2024-03-31")


def _next_quarter(raw: Path) -> None:
    _write_year(
        raw,
        2024,
        [
            episode_row("RAWID0001", "01/06/2022"),
            episode_row("RAWID0004", "01/05/2023", ls="c2 "),
            episode_row("RAWID0005", "01/01/2024", place="XX"),  # invalid PLACE: 2024 only
        ],
    )
    standard_snapshot(raw, "2024-06-30")


def _processed_files(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.glob("*.parquet"))}


@pytest.fixture(scope="module")
def quarter(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The previous quarter's processed folder, and the raw folder a quarter later."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(privacy.KEY_ENV, KEY)
        root = tmp_path_factory.mktemp("quarter")
        raw = root / "raw"
        _previous_quarter(raw)
        previous = root / "previous"
        ingest(raw, previous)
        _next_quarter(raw)
    return {"root": root, "raw": raw, "previous": previous}


def _copy(quarter: dict[str, Path], name: str, cache: bool = True) -> Path:
    target = quarter["root"] / name
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(quarter["previous"], target)
    if not cache:
        shutil.rmtree(target / ingest_cache.INGEST_CACHE_FOLDER)
    return target


@pytest.fixture
def spy_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every raw year folder and snapshot folder read from its files, in order."""
    reads: list[str] = []
    read_year, read_snapshot = ssda903_ingest.read_year, caseload_ingest.read_snapshot_cells

    def year(number, folder, root, log):
        reads.append(folder.relative_to(root).as_posix())
        return read_year(number, folder, root, log)

    def snapshot(folder, date, root, log, **options):
        reads.append(folder.relative_to(root).as_posix())
        return read_snapshot(folder, date, root, log, **options)

    monkeypatch.setattr(ssda903_ingest, "read_year", year)
    monkeypatch.setattr(caseload_ingest, "read_snapshot_cells", snapshot)
    return reads


def test_the_incremental_ingest_equals_a_full_ingest_of_the_same_files(quarter):
    incremental = _copy(quarter, "incremental")
    full = _copy(quarter, "full", cache=False)
    ingest(quarter["raw"], incremental)
    ingest(quarter["raw"], full)
    assert _processed_files(incremental) == _processed_files(full)
    # The data-quality findings are the same, in the same order (dq_issues.parquet above).
    pd.testing.assert_frame_equal(
        storage.read_table("dq_issues", incremental), storage.read_table("dq_issues", full)
    )
    assert (incremental / "dq_issues.csv").read_bytes() == (full / "dq_issues.csv").read_bytes()
    manifests = [json.loads((f / storage.MANIFEST_NAME).read_text()) for f in (incremental, full)]
    for key in ("inputs", "ssda903_files", "tables", "issues", "issues_by_rule"):
        assert manifests[0][key] == manifests[1][key]
    # The history holds both snapshots, and the new episode's invalid PLACE was found.
    assert storage.read_table("clean_caseload__cases", incremental)["snapshot_date"].nunique() == 2
    assert "invalid_code" in set(storage.read_table("dq_issues", incremental)["rule"])


def test_the_incremental_ingest_equals_an_ingest_into_a_new_folder(quarter):
    incremental = _copy(quarter, "incremental-new")
    fresh = quarter["root"] / "fresh"
    shutil.rmtree(fresh, ignore_errors=True)
    ingest(quarter["raw"], incremental)
    ingest(quarter["raw"], fresh)
    assert _processed_files(incremental).keys() == _processed_files(fresh).keys()
    for name in _processed_files(fresh):
        if name != "dq_issues.parquet":
            assert (incremental / name).read_bytes() == (fresh / name).read_bytes(), name
    # Only the history note differs: a new folder has no earlier snapshot to replace.
    issues = storage.read_table("dq_issues", incremental)
    history_note = issues["rule"].eq("snapshots_replaced")
    assert history_note.sum() == 1
    pd.testing.assert_frame_equal(
        issues[~history_note].reset_index(drop=True), storage.read_table("dq_issues", fresh)
    )


def test_only_the_new_snapshot_and_the_changed_year_are_read(quarter, spy_reads):
    ingest(quarter["raw"], _copy(quarter, "reads"))
    assert spy_reads == ["ssda903/2024", "caseload/2024-06-30"]


def test_an_unchanged_folder_is_read_from_no_raw_file(quarter, spy_reads):
    processed = _copy(quarter, "unchanged")
    ingest(quarter["raw"], processed)
    spy_reads.clear()
    before = _processed_files(processed)
    ingest(quarter["raw"], processed)
    assert spy_reads == []
    after = _processed_files(processed)
    # The issues differ only in the history note: now both snapshots were there before.
    assert {n: b for n, b in after.items() if n != "dq_issues.parquet"} == {
        n: b for n, b in before.items() if n != "dq_issues.parquet"
    }


def test_other_settings_or_code_read_every_folder_again(quarter, spy_reads, monkeypatch):
    settings = dataclasses.replace(DEFAULT_SETTINGS, short_break_ls=frozenset({"V3", "V4", "E1"}))
    ingest(quarter["raw"], _copy(quarter, "settings"), settings)
    assert len(spy_reads) == 4
    spy_reads.clear()
    monkeypatch.setattr(fingerprints, "code_fingerprint", lambda: "other code")
    ingest(quarter["raw"], _copy(quarter, "code"))
    assert len(spy_reads) == 4


def test_another_key_gives_another_fingerprint_and_the_key_is_never_stored(quarter):
    fingerprint = ingest_cache.cache_fingerprint(DEFAULT_SETTINGS, KEY.encode())
    assert fingerprint != ingest_cache.cache_fingerprint(DEFAULT_SETTINGS, KEY.encode() + b"x")
    cache = quarter["previous"] / ingest_cache.INGEST_CACHE_FOLDER
    files = [path for path in cache.rglob("*") if path.is_file()]
    # The tables are compressed: read them as tables to see every value.
    stored = "".join(
        pd.read_feather(p).astype(str).to_csv() if p.suffix == ".feather" else p.read_text()
        for p in files
    )
    assert len(files) > 10
    assert KEY not in stored
    # Nor a raw child identifier or a full pupil number (the fixture has both), while their
    # pseudonyms are there.
    assert "RAWID000" not in stored and FULL_UPN not in stored
    assert privacy.Pseudonymiser(KEY.encode()).one("RAWID0001") in stored


def test_a_damaged_cache_file_is_read_again_from_raw(quarter, spy_reads):
    processed = _copy(quarter, "damaged")
    index = json.loads((processed / "_ingest_cache" / ingest_cache.INDEX_NAME).read_text())
    assert sorted(index["units"]) == ["caseload/2024-03-31", "ssda903/2023", "ssda903/2024"]
    for path in (processed / "_ingest_cache").rglob("episodes.feather"):
        path.write_bytes(b"ARROW1 damaged")
    full = _copy(quarter, "damaged-full", cache=False)
    ingest(quarter["raw"], processed)
    assert "ssda903/2023" in spy_reads
    ingest(quarter["raw"], full)
    assert _processed_files(processed) == _processed_files(full)


def test_a_failed_ingest_leaves_the_published_folder_and_cache_alone(quarter, tmp_path):
    processed = _copy(quarter, "failed")
    before = {p.relative_to(processed): p.read_bytes() for p in processed.rglob("*") if p.is_file()}
    raw = tmp_path / "raw"
    shutil.copytree(quarter["raw"], raw)
    # A year folder named by two digits cannot be placed in time: the ingest stops.
    shutil.copytree(raw / "ssda903" / "2024", raw / "ssda903" / "25")
    with pytest.raises(InputError, match="two-digit"):
        ingest(raw, processed)
    after = {p.relative_to(processed): p.read_bytes() for p in processed.rglob("*") if p.is_file()}
    assert after == before


def test_fresh_reads_every_folder_again_and_gives_the_same_tables(quarter, spy_reads):
    cached = _copy(quarter, "cached")
    ingest(quarter["raw"], cached)
    fresh = _copy(quarter, "fresh-read")
    spy_reads.clear()
    ingest(quarter["raw"], fresh, use_cache=False)
    assert len(spy_reads) == 4
    assert _processed_files(fresh) == _processed_files(cached)


def test_folders_cleaned_one_by_one_give_the_same_result_as_cleaned_together(quarter, monkeypatch):
    together = quarter["root"] / "together"
    alone = quarter["root"] / "alone"
    for folder in (together, alone):
        shutil.rmtree(folder, ignore_errors=True)
    ingest(quarter["raw"], together)
    # When a batch's issues cannot be handed to their folders, each folder is cleaned alone.
    monkeypatch.setattr(ssda903_ingest, "split_issues", lambda issues, units: None)
    monkeypatch.setattr(caseload_ingest, "split_issues", lambda issues, units: None)
    ingest(quarter["raw"], alone)
    assert _processed_files(alone) == _processed_files(together)


@pytest.fixture
def spy_cleaning(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, list[str]]]:
    """Every SSDA903 table cleaned, with the files its rows came from."""
    cleaned: list[tuple[str, list[str]]] = []
    clean_columns = ssda903_ingest.clean_columns

    def spy(raw, table, *arguments):
        cleaned.append((table, sorted(set(raw["source_file"]))))
        return clean_columns(raw, table, *arguments)

    monkeypatch.setattr(ssda903_ingest, "clean_columns", spy)
    return cleaned


def _year_with_cleaning_issues(raw: Path, episodes: list[str]) -> None:
    """2024's return: a Header whose codes need tidying and Episodes as given."""
    folder = raw / "ssda903" / "2024"
    write(folder / "episodes.csv", [EPISODES, *episodes])
    # Lower-case codes are tidied (warnings), so the Header's cleaning raises issues of its own;
    # a local column is noted as the file is read (an issue before every cleaning issue).
    headers = [f"{child},1,01/05/2010,wbri,UN1,,note" for child in ("RAWID0001", "RAWID0004")]
    write(folder / "header.csv", [f"{HEADER},LOCAL_NOTE", *headers])


def _quarter_of_one_changed_file(root: Path) -> tuple[Path, Path]:
    """A processed folder of 2023, 2024 and reference files; then only 2024's Episodes change."""
    raw, previous = root / "raw", root / "previous"
    first = [episode_row("RAWID0001", "01/06/2022"), episode_row("RAWID0004", "01/05/2023")]
    _write_year(raw, 2023, [episode_row("RAWID0001", "01/06/2022")])
    _year_with_cleaning_issues(raw, first)
    # A population row that cannot be used (an error), and no postcodes file (a note).
    population = ["la_code,year,population_0_17", "E10000017,2023,240000", "E10000017,2024,x"]
    write(raw / "reference" / "population.csv", population)
    ingest(raw, previous)
    # A quarter later: a new placement of a child already in the Header, with an invalid LS.
    _year_with_cleaning_issues(raw, [*first, episode_row("RAWID0004", "01/02/2024", ls="ZZ")])
    return raw, previous


def test_a_changed_year_cleans_again_only_the_tables_whose_files_changed(
    tmp_path, spy_cleaning, monkeypatch
):
    raw, previous = _quarter_of_one_changed_file(tmp_path)
    incremental, full = tmp_path / "incremental", tmp_path / "full"
    shutil.copytree(previous, incremental)
    shutil.copytree(previous, full)
    spy_cleaning.clear()
    references: list[Path] = []

    def read_reference(folder, log):
        references.append(folder)
        return reference_data.read_reference(folder, log)

    monkeypatch.setattr(core, "read_reference", read_reference)
    ingest(raw, incremental)
    assert spy_cleaning == [("episodes", ["ssda903/2024/episodes.csv"])]
    # The unchanged reference files are not read again either.
    assert references == []
    ingest(raw, full, use_cache=False)
    assert references == [raw / "reference"]
    assert _processed_files(incremental) == _processed_files(full)
    # The issues, in the same order: reading's, the Header's cleaning's (taken from the cache),
    # the Episodes' cleaning's, then the merge's.
    issues = storage.read_table("dq_issues", incremental)
    pd.testing.assert_frame_equal(issues, storage.read_table("dq_issues", full))
    header_issues = issues["table"].eq("header") & issues["file"].eq("ssda903/2024/header.csv")
    assert issues.loc[header_issues, "rule"].tolist() == ["extra_column", *["value_tidied"] * 2]
    assert "invalid_code" in set(issues.loc[issues["table"].eq("episodes"), "rule"])
    reference_issues = issues.loc[issues["dataset"].eq("reference"), "rule"]
    assert reference_issues.tolist() == ["file_absent", "invalid_population_row"]
    population = storage.read_table("clean_reference__population", incremental)
    assert population["year"].tolist() == [2023]
    manifests = [json.loads((f / storage.MANIFEST_NAME).read_text()) for f in (incremental, full)]
    for key in ("ssda903_files", "tables", "issues", "issues_by_rule"):
        assert manifests[0][key] == manifests[1][key]


def test_a_file_read_at_another_position_is_cleaned_again(tmp_path, spy_cleaning):
    raw, previous = _quarter_of_one_changed_file(tmp_path)
    # A second Episodes file, read before header.csv: the Header's rows get another file_order.
    write(
        raw / "ssda903" / "2024" / "episodes_late.csv",
        [EPISODES, episode_row("RAWID0001", "01/03/2024", rne="P")],
    )
    incremental, full = tmp_path / "incremental", tmp_path / "full"
    shutil.copytree(previous, incremental)
    shutil.copytree(previous, full)
    spy_cleaning.clear()
    ingest(raw, incremental)
    assert [table for table, _ in spy_cleaning] == ["header", "episodes"]
    ingest(raw, full, use_cache=False)
    assert _processed_files(incremental) == _processed_files(full)
    pd.testing.assert_frame_equal(
        storage.read_table("dq_issues", incremental), storage.read_table("dq_issues", full)
    )


def test_a_history_whose_every_snapshot_is_read_again_is_not_read_back(quarter, monkeypatch):
    processed = _copy(quarter, "history")
    tables_read: list[str] = []
    read_table = core.read_table

    def spy(name, folder):
        tables_read.append(name)
        return read_table(name, folder)

    monkeypatch.setattr(core, "read_table", spy)
    ingest(quarter["raw"], processed)
    # March's snapshot is in the raw folder and the cache: the published rows are replaced.
    assert not [name for name in tables_read if name.startswith("clean_caseload__")]
    issues = storage.read_table("dq_issues", processed)
    note = issues.loc[issues["rule"].eq("snapshots_replaced"), "value"]
    assert note.tolist() == ["2024-03-31"]
    assert storage.read_table("clean_caseload__cases", processed)["snapshot_date"].nunique() == 2
