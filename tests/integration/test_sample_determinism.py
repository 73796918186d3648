"""The same seed writes the same bytes; another seed writes different data."""

from __future__ import annotations

from pathlib import Path

import pytest

from csc_metrics.cli import main

# One year of quarterly snapshots (four workbooks) is enough to compare workbook bytes.
SMALL = ["--scale", "0.05", "--years", "2024-2025", "--snapshot-years", "1"]


# Generates five small synthetic councils: left out of `make test-fast`.
pytestmark = pytest.mark.slow


def _files(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


@pytest.fixture(scope="module")
def seed_11_twice(tmp_path_factory) -> tuple[Path, Path]:
    """Two samples written one after the other with seed 11."""
    base = tmp_path_factory.mktemp("seed-11")
    for name in ("a", "b"):
        assert main(["sample", "--out", str(base / name), *SMALL, "--seed", "11"]) == 0
    return base / "a", base / "b"


def test_the_same_seed_gives_the_same_bytes(seed_11_twice):
    first, second = (_files(folder) for folder in seed_11_twice)
    assert first.keys() == second.keys()
    assert any(name.endswith(".xlsx") for name in first)
    different = [name for name in first if first[name] != second[name]]
    assert not different


def test_messy_runs_are_repeatable_too(tmp_path):
    for name in ("a", "b"):
        code = main(["sample", "--out", str(tmp_path / name), *SMALL, "--seed", "11", "--messy"])
        assert code == 0
    assert _files(tmp_path / "a") == _files(tmp_path / "b")


def test_another_seed_gives_other_data(seed_11_twice, tmp_path):
    assert main(["sample", "--out", str(tmp_path / "b"), *SMALL, "--seed", "12"]) == 0
    first, second = _files(seed_11_twice[0]), _files(tmp_path / "b")
    assert first["ssda903/2025/episodes.csv"] != second["ssda903/2025/episodes.csv"]
    assert first["caseload/2025-03-31/annex_a.xlsx"] != second["caseload/2025-03-31/annex_a.xlsx"]
    # The population table depends on the scale and years only.
    assert first["reference/population.csv"] == second["reference/population.csv"]
