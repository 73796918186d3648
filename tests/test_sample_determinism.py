"""The same seed writes the same bytes; another seed writes different data."""

from __future__ import annotations

from pathlib import Path

import pytest

from csc_metrics.cli import main

SMALL = ["--scale", "0.05", "--years", "2024-2025"]


# Generates five synthetic councils: left out of `make test-fast`.
pytestmark = pytest.mark.slow


def _files(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def test_the_same_seed_gives_the_same_bytes(tmp_path):
    for name in ("a", "b"):
        assert main(["sample", "--out", str(tmp_path / name), *SMALL, "--seed", "11"]) == 0
    first, second = _files(tmp_path / "a"), _files(tmp_path / "b")
    assert first.keys() == second.keys()
    assert any(name.endswith(".xlsx") for name in first)
    different = [name for name in first if first[name] != second[name]]
    assert not different


def test_messy_runs_are_repeatable_too(tmp_path):
    for name in ("a", "b"):
        code = main(["sample", "--out", str(tmp_path / name), *SMALL, "--seed", "11", "--messy"])
        assert code == 0
    assert _files(tmp_path / "a") == _files(tmp_path / "b")


def test_another_seed_gives_other_data(tmp_path):
    assert main(["sample", "--out", str(tmp_path / "a"), *SMALL, "--seed", "11"]) == 0
    assert main(["sample", "--out", str(tmp_path / "b"), *SMALL, "--seed", "12"]) == 0
    first, second = _files(tmp_path / "a"), _files(tmp_path / "b")
    assert first["ssda903/2025/episodes.csv"] != second["ssda903/2025/episodes.csv"]
    assert first["caseload/2025-03-31/annex_a.xlsx"] != second["caseload/2025-03-31/annex_a.xlsx"]
    # The population table depends on the scale and years only.
    assert first["reference/population.csv"] == second["reference/population.csv"]
