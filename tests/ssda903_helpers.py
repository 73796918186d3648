"""Helpers for the SSDA903 ingest tests: write small raw files exactly as councils send them."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from csc_metrics.privacy import Pseudonymiser
from csc_metrics.quality import DataQualityLog
from csc_metrics.ssda903 import read_ssda903

KEY = b"test-key"
PSEUDONYMISER = Pseudonymiser(KEY)
HEADER = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB"
EPISODES = (
    "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN"
)


def pseudonym(raw_id: str) -> str:
    """The pseudonym a raw child id gets with the test key."""
    return PSEUDONYMISER.one(raw_id)


def write(path: Path, lines: list[str], encoding: str = "utf-8", newline: str = "\n") -> Path:
    """Write CSV lines with a chosen encoding and line ending."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes((newline.join(lines) + newline).encode(encoding))
    return path


def header_row(child: str, sex: str = "1", dob: str = "01/05/2010", ethnic: str = "WBRI") -> str:
    """One Header row with no UPN, MOTHER or MC_DOB."""
    return f"{child},{sex},{dob},{ethnic},UN1,,"


def episode_row(
    child: str,
    decom: str,
    rne: str = "S",
    ls: str = "C2",
    place: str = "U4",
    provider: str = "PR1",
    dec: str = "",
    rec: str = "",
) -> str:
    """One Episodes row with fixed CIN, postcodes and URN."""
    return f"{child},{decom},{rne},{ls},N1,{place},{provider},{dec},{rec},,PR1 2AB,PR2 3CD,SC123456"


def raw_folder(
    root: Path,
    episodes: dict[int, list[str]],
    headers: dict[int, list[str]] | None = None,
) -> Path:
    """Write ssda903/<year>/header.csv and episodes.csv; a year's header defaults to its children.

    Returns:
        The raw folder (parent of ``ssda903``).
    """
    for year, rows in episodes.items():
        write(root / "ssda903" / str(year) / "episodes.csv", [EPISODES, *rows])
        children = sorted({row.split(",")[0] for row in rows})
        header_rows = (headers or {}).get(year) or [header_row(c) for c in children]
        write(root / "ssda903" / str(year) / "header.csv", [HEADER, *header_rows])
    return root


#: What ``read`` gave for each raw ssda903 folder, by the names and bytes of its files: several
#: tests read the same returns (each read validates every table, about half a second).
_READ: dict[tuple[tuple[str, bytes], ...], tuple[dict[str, pd.DataFrame], pd.DataFrame]] = {}


def read(raw: Path) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """Ingest raw/ssda903 with the test key; return the clean tables and the issues.

    The same files (same names, same bytes) are read once per process; each call gets its
    own copies. Anything but plain files and folders (a symbolic link) is read every time.
    """
    folder = raw / "ssda903"
    paths = sorted(folder.rglob("*"))
    if any(p.is_symlink() or not (p.is_file() or p.is_dir()) for p in paths):
        return _read(folder)
    key = tuple((p.relative_to(folder).as_posix(), p.read_bytes()) for p in paths if p.is_file())
    if key not in _READ:
        _READ[key] = _read(folder)
    tables, issues = _READ[key]
    return {name: table.copy() for name, table in tables.items()}, issues.copy()


def _read(folder: Path) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    log = DataQualityLog()
    tables = read_ssda903(folder, log, PSEUDONYMISER).tables
    return tables, log.to_frame()


def issues_for(issues: pd.DataFrame, rule: str) -> pd.DataFrame:
    """The issues of one rule."""
    return issues[issues["rule"] == rule].reset_index(drop=True)
