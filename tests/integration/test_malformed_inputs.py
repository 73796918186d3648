"""A corpus of malformed inputs: each is refused with exit 2 and a message, never a traceback.

Every case starts from a good raw folder already ingested into a processed folder, breaks one
thing, and runs ``csc-metrics ingest`` in this process. Each case asserts:

* the exit code (2: unusable input or environment);
* a message on stderr that names the file or folder at fault;
* no traceback, and a message of at most a few hundred characters;
* no data value echoed: neither a raw child id, a date of birth, nor the canary planted in the
  broken file;
* the processed folder unchanged, byte for byte, with nothing left beside it.
"""

from __future__ import annotations

import codecs
import hashlib
import os
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from caseload_fixtures import standard_snapshot, write_workbook
from ssda903_helpers import EPISODES, HEADER, episode_row, header_row, raw_folder, write

from csc_metrics import folders, privacy
from csc_metrics.cli import main
from csc_metrics.errors import MESSAGE_LIMIT

KEY = "corpus-test-key-long-enough-for-the-32-character-rule"
#: Raw values no message may show: child ids, a date of birth, and the canary in broken files.
CHILDREN = ("RAWID0001", "RAWID0002")
DOB = "17/03/2011"
CANARY = "CANARY7Q"
SECRETS = (*CHILDREN, DOB, CANARY)

Breaker = Callable[[Path, Path], None]


def _good_raw(root: Path) -> Path:
    raw = raw_folder(
        root,
        {
            2023: [episode_row(CHILDREN[0], "01/06/2022")],
            2024: [
                episode_row(CHILDREN[0], "01/06/2022", dec="01/09/2023", rec="E4A"),
                episode_row(CHILDREN[1], "01/02/2024"),
            ],
        },
        headers={2024: [header_row(CHILDREN[0], dob=DOB), header_row(CHILDREN[1], dob=DOB)]},
    )
    write(
        raw / "reference" / "population.csv",
        ["la_code,year,population_0_17", "E10000017,2023,250000"],
    )
    standard_snapshot(raw)
    return raw


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A good raw folder and its processed folder, ingested once for the whole corpus."""
    base = tmp_path_factory.mktemp("corpus")
    raw = _good_raw(base / "raw")
    processed = base / "processed"
    saved = os.environ.get(privacy.KEY_ENV)
    os.environ[privacy.KEY_ENV] = KEY
    try:
        assert main(["ingest", "--raw", str(raw), "--processed", str(processed)]) == 0
    finally:
        if saved is None:
            os.environ.pop(privacy.KEY_ENV, None)
        else:
            os.environ[privacy.KEY_ENV] = saved
    return raw, processed


def _digest(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


# --- how each case breaks the raw folder (raw, processed) ------------------------------------

Y23 = Path("ssda903") / "2023"
Y24 = Path("ssda903") / "2024"
SNAP = Path("caseload") / "2024-03-31"


def _bytes(relative: Path | str, data: bytes) -> Breaker:
    def breaker(raw: Path, processed: Path) -> None:
        path = raw / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.is_dir():
            shutil.rmtree(path)
        path.write_bytes(data)

    return breaker


def _text(relative: Path | str, text: str) -> Breaker:
    return _bytes(relative, text.encode("utf-8"))


def _remove(relative: Path | str) -> Breaker:
    def breaker(raw: Path, processed: Path) -> None:
        path = raw / relative
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()

    return breaker


def _both(*breakers: Breaker) -> Breaker:
    def breaker(raw: Path, processed: Path) -> None:
        for one in breakers:
            one(raw, processed)

    return breaker


def _link_outside(relative: Path | str, content: str) -> Breaker:
    def breaker(raw: Path, processed: Path) -> None:
        outside = raw.parent / "outside" / "secret.txt"
        outside.parent.mkdir(parents=True, exist_ok=True)
        outside.write_text(content)
        (raw / relative).unlink()
        (raw / relative).symlink_to(outside)

    return breaker


def _episodes_without(column: str) -> Breaker:
    columns = EPISODES.split(",")
    kept = [c for c in columns if c != column]
    rows = [episode_row(CHILDREN[1], "01/02/2024").split(",")]
    lines = [",".join(kept)] + [
        ",".join(v for c, v in zip(columns, r, strict=True) if c != column) for r in rows
    ]
    return _text(Y24 / "episodes.csv", "\n".join(lines) + "\n")


def _zip_bomb(raw: Path, processed: Path) -> None:
    # About 0.3 MB on disk, declaring 300 MB of sheet XML: refused before it is parsed.
    path = raw / SNAP / "annex_a.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as bomb:
        bomb.writestr("[Content_Types].xml", "<Types/>")
        with bomb.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            block = b"<c>" + b"0" * (1 << 20) + b"</c>"
            for _ in range(300):
                sheet.write(block)


def _workbook(sheets: dict[str, list[list[object]]]) -> Breaker:
    def breaker(raw: Path, processed: Path) -> None:
        write_workbook(raw / SNAP / "annex_a.xlsx", sheets)

    return breaker


def _processed_file(raw: Path, processed: Path) -> None:
    shutil.rmtree(processed)
    processed.write_text("a file where the processed folder should be")


def _processed_report(raw: Path, processed: Path) -> None:
    shutil.rmtree(processed)
    processed.mkdir()
    (processed / "index.html").write_text("<p>published report</p>")
    (processed / "manifest.json").write_text('{"inputs": [], "csc_metrics_version": "0.1.0"}')
    folders.write_marker(processed, "report-period")


def _processed_foreign(raw: Path, processed: Path) -> None:
    shutil.rmtree(processed)
    processed.mkdir()
    (processed / "manifest.json").write_text('{"inputs": []}')
    (processed / "holiday.jpg").write_bytes(b"\xff\xd8 a photo")


CASES_CSV_HEAD = "child_id,case_type,team,worker_id\n"
WORKFORCE_HEAD = "worker_id,team,role,fte,agency,start_date,qualified_date\n"

#: name -> (how to break the input, text the message must contain to name the file).
CORPUS: dict[str, tuple[Breaker, str]] = {
    # SSDA903 files
    "episodes_empty": (_bytes(Y24 / "episodes.csv", b""), "episodes.csv"),
    "episodes_blank_lines_only": (_bytes(Y24 / "episodes.csv", b"\n\n  \n"), "episodes.csv"),
    "header_bom_only": (_bytes(Y24 / "header.csv", codecs.BOM_UTF8), "header.csv"),
    "header_bom_and_blank_lines": (
        _bytes(Y24 / "header.csv", codecs.BOM_UTF8 + b"\r\n\r\n"),
        "header.csv",
    ),
    "header_utf16_bom_only": (_bytes(Y24 / "header.csv", codecs.BOM_UTF16_LE), "header.csv"),
    "episodes_binary": (
        _bytes(Y24 / "episodes.csv", b"\x00\x01" + CANARY.encode() + b"\x00" * 200),
        "episodes.csv",
    ),
    "episodes_is_a_workbook": (
        _bytes(Y24 / "episodes.csv", b"PK\x03\x04" + CANARY.encode()),
        "episodes.csv",
    ),
    "episodes_is_a_pdf": (_bytes(Y24 / "episodes.csv", b"%PDF-1.4 " + CANARY.encode()), "episodes"),
    "episodes_old_excel": (
        _bytes(Y24 / "episodes.csv", b"\xd0\xcf\x11\xe0" + CANARY.encode()),
        "episodes.csv",
    ),
    "episodes_without_headings": (
        _text(Y24 / "episodes.csv", episode_row(CANARY, "01/02/2024") + "\n"),
        "episodes.csv",
    ),
    "episodes_one_huge_line": (_text(Y24 / "episodes.csv", CANARY * 250_000), "episodes.csv"),
    "episodes_without_decom": (_episodes_without("DECOM"), "episodes.csv"),
    "episodes_without_child": (_episodes_without("CHILD"), "episodes.csv"),
    "episodes_not_windows_1252": (
        _bytes(Y24 / "episodes.csv", (EPISODES + "\n").encode() + b"\x81\x8d\x8f\x90\x9d\xff\xfe"),
        "episodes.csv",
    ),
    "episodes_link_to_a_secret_file": (
        _link_outside(Y24 / "episodes.csv", f"root:{CANARY}:0:0\nuser:{CANARY}:1:1\n"),
        "episodes.csv",
    ),
    "episodes_are_folders": (
        _both(
            _remove(Y23 / "episodes.csv"),
            _remove(Y24 / "episodes.csv"),
            lambda raw, p: (raw / Y23 / "episodes.csv").mkdir(),
            lambda raw, p: (raw / Y24 / "episodes.csv").mkdir(),
        ),
        "ssda903",
    ),
    "no_episodes_in_any_year": (
        _both(_remove(Y23 / "episodes.csv"), _remove(Y24 / "episodes.csv")),
        "ssda903",
    ),
    # Caseload data alone is a valid raw folder (issue 12); neither dataset is not.
    "no_ssda903_or_caseload_folder": (_both(_remove("ssda903"), _remove("caseload")), "ssda903"),
    "empty_ssda903_folder": (
        _both(_remove("ssda903"), lambda raw, p: (raw / "ssda903").mkdir()),
        "ssda903",
    ),
    "year_folders_are_files": (
        _both(_remove(Y23), _remove(Y24), _text(Y24, CANARY), _text(Y23, CANARY)),
        "ssda903",
    ),
    "header_without_dob": (
        _text(Y24 / "header.csv", "CHILD,SEX,ETHNIC\n" + f"{CHILDREN[1]},1,WBRI\n"),
        "header.csv",
    ),
    "xml_return_that_is_not_xml": (
        _both(
            _remove(Y24 / "episodes.csv"),
            _remove(Y24 / "header.csv"),
            _text(Y24 / "return.xml", f"<Message><Header>{CANARY}"),
        ),
        "2024",
    ),
    # Caseload snapshot files
    "annex_a_not_a_zip": (
        _bytes(SNAP / "annex_a.xlsx", b"PK\x03\x04" + CANARY.encode()),
        "annex_a",
    ),
    "annex_a_empty_file": (_bytes(SNAP / "annex_a.xlsx", b""), "annex_a"),
    "annex_a_is_text": (
        _text(SNAP / "annex_a.xlsx", f"Child ID,Team\n{CANARY},North\n"),
        "annex_a",
    ),
    "annex_a_zip_bomb": (_zip_bomb, "annex_a.xlsx"),
    "annex_a_without_child_ids": (
        _workbook({"List 6": [["Team", "Allocated Worker"], ["North", "W1"]]}),
        "annex_a",
    ),
    "annex_a_old_excel": (
        _both(_remove(SNAP / "annex_a.xlsx"), _bytes(SNAP / "annex_a.xls", b"\xd0\xcf\x11\xe0")),
        "annex_a.xls",
    ),
    "cases_csv_headings_only": (
        _both(_remove(SNAP / "annex_a.xlsx"), _text(SNAP / "cases.csv", CASES_CSV_HEAD)),
        "cases.csv",
    ),
    "cases_csv_empty": (
        _both(_remove(SNAP / "annex_a.xlsx"), _bytes(SNAP / "cases.csv", b"")),
        "cases.csv",
    ),
    "cases_csv_bom_only": (
        _both(_remove(SNAP / "annex_a.xlsx"), _bytes(SNAP / "cases.csv", codecs.BOM_UTF8)),
        "cases.csv",
    ),
    "cases_csv_without_child_id": (
        _both(
            _remove(SNAP / "annex_a.xlsx"),
            _text(SNAP / "cases.csv", f"case_type,team,worker_id\nCIN,North,{CANARY}\n"),
        ),
        "cases.csv",
    ),
    "two_case_lists_in_one_snapshot": (
        _text(SNAP / "cases.csv", CASES_CSV_HEAD + f"{CANARY},CIN,North,W1\n"),
        "2024-03-31",
    ),
    "workforce_empty": (_bytes(SNAP / "workforce.csv", b""), "workforce.csv"),
    "workforce_bom_only": (_bytes(SNAP / "workforce.csv", codecs.BOM_UTF8), "workforce.csv"),
    "workforce_without_fte": (
        _text(SNAP / "workforce.csv", "worker_id,team,agency\nW1,North,0\n"),
        "workforce.csv",
    ),
    "workforce_without_team": (
        _text(SNAP / "workforce.csv", "worker_id,fte,agency\nW1,1,0\n"),
        "workforce.csv",
    ),
    "workforce_binary": (
        _bytes(SNAP / "workforce.csv", b"\x00" * 50 + CANARY.encode()),
        "workforce.csv",
    ),
    "establishment_without_funded_fte": (
        _text(SNAP / "establishment.csv", "team,posts\nNorth,2\n"),
        "establishment.csv",
    ),
    "establishment_empty": (_bytes(SNAP / "establishment.csv", b""), "establishment.csv"),
    # A heading given twice: every value after it would sit one column to the right.
    "header_heading_given_twice": (
        _text(
            Y24 / "header.csv", "CHILD," + HEADER + "\n" + header_row(CHILDREN[1], dob=DOB) + "\n"
        ),
        "header.csv",
    ),
    "workforce_heading_given_twice": (
        _text(SNAP / "workforce.csv", "worker_id," + WORKFORCE_HEAD + f"{CANARY},North,SW,1,0,,\n"),
        "workforce.csv",
    ),
    # Folders given on the command line
    "processed_is_a_file": (_processed_file, "processed"),
    "processed_is_a_report_folder": (_processed_report, "processed"),
    "processed_holds_a_users_file": (_processed_foreign, "processed"),
}


def test_the_corpus_has_at_least_forty_inputs() -> None:
    assert len(CORPUS) >= 40


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_a_malformed_input_is_refused_with_a_message_and_nothing_changes(
    name: str,
    ingested: tuple[Path, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    good_raw, good_processed = ingested
    raw, processed = tmp_path / "raw", tmp_path / "work" / "processed"
    shutil.copytree(good_raw, raw, symlinks=True)
    shutil.copytree(good_processed, processed)
    breaker, names = CORPUS[name]
    breaker(raw, processed)
    before = _digest(processed) if processed.is_dir() else processed.read_bytes()
    monkeypatch.setenv(privacy.KEY_ENV, KEY)
    capsys.readouterr()

    code = main(["ingest", "--raw", str(raw), "--processed", str(processed)])

    captured = capsys.readouterr()
    message = captured.err
    assert code == 2, f"{name}: exit {code}, stderr {message[:300]!r}"
    assert names in message
    assert "Traceback" not in message + captured.out
    assert len(message) <= MESSAGE_LIMIT + 100
    for secret in SECRETS:
        assert secret not in message + captured.out
    after = _digest(processed) if processed.is_dir() else processed.read_bytes()
    assert after == before
    leftovers = [
        p.name for p in processed.parent.iterdir() if ".new-" in p.name or ".old-" in p.name
    ]
    assert leftovers == []
