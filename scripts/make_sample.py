"""Regenerate the shipped synthetic sample in data/raw/sample (``make sample``).

The sample is written from ``csc_metrics.sample.SHIPPED_SAMPLE`` (fixed seed, scale, years and
snapshots), so running this again gives the same bytes;
``tests/integration/test_sample_shipped.py`` checks that the committed copy equals a fresh
generation.
"""

from __future__ import annotations

import sys
from pathlib import Path

from csc_metrics.sample import SHIPPED_SAMPLE
from csc_metrics.sample.generate import build_council
from csc_metrics.sample.output import write_council
from csc_metrics.storage import staged_replace

SAMPLE_FOLDER = Path(__file__).resolve().parents[1] / "data" / "raw" / "sample"


def main() -> int:
    """Rebuild data/raw/sample; the old copy is replaced only once the new one is complete."""
    council = build_council(SHIPPED_SAMPLE)
    # The repository's own sample folder, always replaced (as ``sample --force`` does): it is
    # committed without a csc-metrics marker, since it is raw input, not a folder ingest owns.
    with staged_replace(
        SAMPLE_FOLDER, "sample", "data/raw/sample", check=False, mark=False
    ) as staging:
        written = write_council(council, staging)
    size = sum(path.stat().st_size for path in SAMPLE_FOLDER.rglob("*") if path.is_file())
    print(f"Wrote {len(written)} files ({size / 1e6:.1f} MB) to {SAMPLE_FOLDER}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
