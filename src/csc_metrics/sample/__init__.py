"""The synthetic data generator behind ``csc-metrics sample``.

``build_council(SampleConfig(...))`` simulates a fictional county council (calibrated to
Lancashire) and ``write_council(council, folder)`` writes its SSDA903 returns, caseload
snapshots, reference tables and MANIFEST.md. ``SHIPPED_SAMPLE`` is the configuration of the
sample in ``data/raw/sample``.
"""

from __future__ import annotations

from csc_metrics.sample.config import SampleConfig

#: The shipped sample: small (a few hundred children looked after), five collection years and
#: twelve quarterly caseload snapshots, with every planted pattern visible at this size.
SHIPPED_SAMPLE = SampleConfig(seed=11, scale=0.2, first_year=2021, last_year=2025, snapshot_years=3)

__all__ = ["SHIPPED_SAMPLE", "SampleConfig"]
