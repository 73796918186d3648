"""The shipped sample in data/raw/sample is exactly what the generator writes today."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from csc_metrics.sample import SHIPPED_SAMPLE
from csc_metrics.sample.generate import build_council
from csc_metrics.sample.output import write_council

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "raw" / "sample"


def _files(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def _unzipped(data: bytes) -> list[tuple[str, tuple, bytes]]:
    archive = zipfile.ZipFile(io.BytesIO(data))
    return [(i.filename, i.date_time, archive.read(i)) for i in archive.infolist()]


@pytest.mark.slow
def test_shipped_sample_equals_a_fresh_generation(tmp_path):
    assert (SAMPLE / "MANIFEST.md").exists(), "data/raw/sample is missing: run `make sample`"
    write_council(build_council(SHIPPED_SAMPLE), tmp_path)
    shipped, fresh = _files(SAMPLE), _files(tmp_path)
    assert shipped.keys() == fresh.keys()
    for name, data in fresh.items():
        if shipped[name] == data:
            continue
        if name.endswith(".xlsx") and _unzipped(shipped[name]) == _unzipped(data):
            raise AssertionError(
                f"{name}: same workbook contents but different zip bytes; this machine's zlib "
                "compresses differently from the one that built the sample (run `make sample` "
                "here to check, and do not commit the result unless the generator changed)"
            )
        raise AssertionError(
            f"{name} differs from a fresh generation: run `make sample` and "
            "commit data/raw/sample if the generator changed on purpose"
        )


def test_shipped_sample_is_small():
    size = sum(p.stat().st_size for p in SAMPLE.rglob("*") if p.is_file())
    assert size < 4_000_000
