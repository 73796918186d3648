"""No child's data in any message, log or file written when an input is malformed (issue 14).

Each malformed raw folder below holds known identifiers and dates of birth exactly where a
reader would look for headings. ``csc-metrics ingest`` and ``csc-metrics run`` are run on it;
stderr, stdout and every file either command wrote (the run log, any manifest) are then searched
for those values. Messages may say what shape a file has, never what it holds.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from caseload_fixtures import STANDARD_WORKFORCE, write_text, write_workbook
from kernel_server import lent_to_the_command_line, server_in_this_environment
from ssda903_helpers import EPISODES, HEADER, episode_row, raw_folder, write

from csc_metrics import privacy
from csc_metrics.cli import main

# A child's id, date of birth (two ways of writing it) and UPN that must never appear.
CHILD_ID = "1012654"
DOB = "25/07/2006"
DOB_ISO = "2006-07-25"
UPN = "H888527710403"
SECRETS = (CHILD_ID, DOB, DOB_ISO, UPN)
DATA_ROW = f"{CHILD_ID},M,{DOB},MOTH,{UPN},,"


def _valid_ssda903(raw: Path) -> None:
    raw_folder(raw, {2024: [episode_row("C1", "01/06/2023")]})


def header_without_headings(raw: Path, outside: Path) -> None:
    _valid_ssda903(raw)
    write(raw / "ssda903" / "2024" / "header.csv", [DATA_ROW, DATA_ROW.replace("M,", "F,", 1)])


def episodes_without_headings(raw: Path, outside: Path) -> None:
    _valid_ssda903(raw)
    write(raw / "ssda903" / "2024" / "episodes.csv", [episode_row(CHILD_ID, DOB)])


def annex_a_list_without_headings(raw: Path, outside: Path) -> None:
    _valid_ssda903(raw)
    folder = raw / "caseload" / "2024-03-31"
    write_workbook(
        folder / "annex_a.xlsx",
        {"List 6 - CIN": [[CHILD_ID, 17, DOB, None, "North", "W1", UPN]]},
    )
    write_text(folder / "workforce.csv", STANDARD_WORKFORCE)


def cases_csv_without_headings(raw: Path, outside: Path) -> None:
    _valid_ssda903(raw)
    folder = raw / "caseload" / "2024-03-31"
    write_text(folder / "cases.csv", f"{CHILD_ID},CIN,North,W1,{DOB},{UPN}\n")
    write_text(folder / "workforce.csv", STANDARD_WORKFORCE)


def symlink_to_a_system_file(raw: Path, outside: Path) -> None:
    _valid_ssda903(raw)
    # A "system file" outside the raw folder whose first line holds the values.
    system_file = write_text(outside / "passwd", f"{CHILD_ID}:x:{DOB}:{UPN}:/root:/bin/sh\n")
    target = raw / "ssda903" / "2024" / "header.csv"
    target.unlink()
    target.symlink_to(system_file)


def reference_without_headings(raw: Path, outside: Path) -> None:
    _valid_ssda903(raw)
    write(raw / "reference" / "postcodes.csv", [f"{UPN},{CHILD_ID},{DOB},E10000017"])


MALFORMED: dict[str, Callable[[Path, Path], None]] = {
    "header": header_without_headings,
    "episodes": episodes_without_headings,
    "annex_a": annex_a_list_without_headings,
    "cases_csv": cases_csv_without_headings,
    "symlink": symlink_to_a_system_file,
    "reference": reference_without_headings,
}


def _leaks(text: str) -> list[str]:
    return [value for value in SECRETS if re.search(rf"(?<!\d){re.escape(value)}(?!\d)", text)]


def _written_files(root: Path, skip: tuple[Path, ...]) -> list[Path]:
    return [
        path
        for path in root.rglob("*")
        if path.is_file() and not path.is_symlink() and not any(p in path.parents for p in skip)
    ]


KEY = "message-scan-test-key-0123456789abcdef"


@pytest.fixture
def key(monkeypatch):
    monkeypatch.setenv(privacy.KEY_ENV, KEY)


@pytest.fixture(scope="module")
def kernel_server():
    """One warm kernel server for this module's runs, started with the tests' key set.

    ``csc-metrics run`` would start one per run (3.4 s of CPU each); like a run's own server, it
    is started in the environment the run has, the key set.
    What it writes to stderr still goes to each run's log (``KernelPool.close``), which the
    test searches.
    """
    patch = pytest.MonkeyPatch()
    patch.setenv(privacy.KEY_ENV, KEY)
    with server_in_this_environment() as server:
        patch.undo()  # the key stays in the server's environment only
        yield server


@pytest.mark.slow
@pytest.mark.parametrize("case", list(MALFORMED))
def test_a_malformed_file_exits_2_and_nothing_written_or_printed_holds_its_values(
    case, tmp_path, capsys, key, kernel_server
):
    raw, outside = tmp_path / "raw", tmp_path / "system"
    MALFORMED[case](raw, outside)
    ingest = main(["ingest", "--raw", str(raw), "--processed", str(tmp_path / "processed")])
    with lent_to_the_command_line(kernel_server):
        run = main(
            [
                "-v",
                "run",
                "--raw",
                str(raw),
                "--period-end",
                "2024-03-31",
                "--la-code",
                "E10000017",
                "--out",
                str(tmp_path / "reports"),
                "--processed",
                str(tmp_path / "processed-run"),
            ]
        )
    printed = capsys.readouterr()
    assert ingest == 2 and run == 2, printed.err
    assert "csc-metrics ingest:" in printed.err  # there is a message, and it names the file
    assert not _leaks(printed.err) and not _leaks(printed.out), printed.err
    written = _written_files(tmp_path, skip=(raw, outside))
    assert any(p.suffix == ".log" for p in written)  # the run's log file was searched too
    leaking = {str(p): _leaks(p.read_text(errors="replace")) for p in written}
    assert not {p: v for p, v in leaking.items() if v}


def test_the_scan_finds_a_value_when_one_is_written(tmp_path):
    # The search itself can fail: a message that echoed the row would be caught.
    assert _leaks(f"its columns ({DATA_ROW})") == [CHILD_ID, DOB, UPN]
    assert _leaks("the first row looks like data: 7 values, the first a number") == []
    assert HEADER and EPISODES  # the formats the malformed files imitate
