"""``csc-metrics sample`` on the command line: the layout it writes and the errors it gives."""

from __future__ import annotations

import pytest

from csc_metrics.cli import main

SMALL = ["--scale", "0.05", "--years", "2024-2025", "--seed", "3"]


@pytest.mark.slow
def test_sample_writes_the_documented_layout(tmp_path, capsys):
    out = tmp_path / "raw"
    assert main(["sample", "--out", str(out), *SMALL]) == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "MANIFEST.md",
        "caseload",
        "reference",
        "ssda903",
    ]
    assert sorted(p.name for p in (out / "ssda903").iterdir()) == ["2024", "2025"]
    assert (out / "ssda903" / "2024" / "sw_episodes.csv").exists()
    snapshots = sorted(p.name for p in (out / "caseload").iterdir())
    assert snapshots[0] == "2023-06-30" and snapshots[-1] == "2025-03-31"
    assert (out / "caseload" / "2025-03-31" / "annex_a.xlsx").exists()
    assert "MANIFEST.md" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("years", "message"),
    [
        ("2025-2019", "runs backwards"),
        ("twenty", "not a year range"),
        ("2001-2003", "outside the collection years"),
    ],
)
def test_bad_years_give_a_clear_message_and_exit_2(tmp_path, capsys, years, message):
    assert main(["sample", "--out", str(tmp_path / "x"), "--years", years]) == 2
    error = capsys.readouterr().err
    assert message in error and "--years" in error
    assert not (tmp_path / "x").exists()


def test_bad_scale_exits_2(tmp_path, capsys):
    assert main(["sample", "--out", str(tmp_path / "x"), "--scale", "0"]) == 2
    assert "--scale" in capsys.readouterr().err


def test_snapshot_years_must_fit_the_years(tmp_path, capsys):
    code = main(
        ["sample", "--out", str(tmp_path / "x"), "--years", "2024-2025", "--snapshot-years", "3"]
    )
    assert code == 2
    assert "--snapshot-years" in capsys.readouterr().err


@pytest.mark.slow
def test_an_existing_folder_is_replaced_only_with_force(tmp_path, capsys):
    out = tmp_path / "raw"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    assert main(["sample", "--out", str(out), *SMALL]) == 2
    assert "--force" in capsys.readouterr().err
    assert (out / "notes.txt").exists()
    assert main(["sample", "--out", str(out), *SMALL, "--force"]) == 0
    assert not (out / "notes.txt").exists()
    assert (out / "MANIFEST.md").exists()


def test_no_patterns_turns_every_planted_pattern_off():
    import argparse

    from csc_metrics.sample.cli import add_arguments, config_from_args

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    assert config_from_args(parser.parse_args(["--out", "x"])).patterns is True
    assert config_from_args(parser.parse_args(["--out", "x", "--no-patterns"])).patterns is False


@pytest.mark.slow
def test_a_no_patterns_county_plants_nothing(tmp_path):
    import dataclasses

    import numpy as np

    from csc_metrics.sample import SampleConfig
    from csc_metrics.sample.generate import build_council
    from csc_metrics.sample.manifest import patterns

    config = SampleConfig(seed=3, scale=0.05, first_year=2024, last_year=2025)
    planted = build_council(config)
    flat = build_council(dataclasses.replace(config, patterns=False))
    # The manifest lists the patterns of the default county and none of the flat one.
    assert len(patterns(planted)) == 7
    assert patterns(flat) == []
    # The same noise: the same children, with the same identifiers.
    assert np.array_equal(np.asarray(planted.child_ids), np.asarray(flat.child_ids))
