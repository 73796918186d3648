"""Build the synthetic council in memory, then write its files in the real layouts.

``build_council`` runs the whole simulation and returns every table as it will be written;
``output.write_council`` writes them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from csc_metrics.sample.annex_a import (
    SnapshotInputs,
    annex_a_lists,
    snapshot_inputs,
)
from csc_metrics.sample.care import CareHistory, simulate_care
from csc_metrics.sample.care_leavers import care_leaver_cohort, care_leaver_rows
from csc_metrics.sample.caseload import Service, build_service
from csc_metrics.sample.config import SampleConfig, component_rng
from csc_metrics.sample.geography import Geography, build_geography
from csc_metrics.sample.people import council_ids
from csc_metrics.sample.permanence import simulate_permanence
from csc_metrics.sample.ssda903 import ReturnInputs, year_return


@dataclass
class SyntheticCouncil:
    """A generated council: the simulation and every table it writes.

    Attributes:
        config: The configuration it was generated from.
        geography: Districts and postcodes.
        history: Care histories.
        oc3: Care-leaver rows (current codes).
        service: Caseloads, teams and staff.
        child_ids: Council id per child index.
        return_inputs: What the SSDA903 files are cut from (see :meth:`year_tables`).
        snapshots: Inputs of the caseload snapshots.
    """

    config: SampleConfig
    geography: Geography
    history: CareHistory
    oc3: pd.DataFrame
    service: Service
    child_ids: np.ndarray
    return_inputs: ReturnInputs
    snapshots: SnapshotInputs

    def year_tables(self, year: int) -> dict[str, pd.DataFrame]:
        """The SSDA903 tables of one collection year, as text frames (built on demand)."""
        return year_return(self.config, self.return_inputs, year)

    @property
    def returns(self) -> dict[int, dict[str, pd.DataFrame]]:
        """Every year's SSDA903 tables (convenient for small runs; large runs write by year)."""
        return {year: self.year_tables(year) for year in self.config.years}

    def snapshot_lists(self, when: int) -> dict[str, pd.DataFrame]:
        """Annex A Lists 6-9 at a snapshot day (with hidden allocation columns)."""
        return annex_a_lists(self.snapshots, when)


def build_council(config: SampleConfig) -> SyntheticCouncil:
    """Simulate the whole council.

    Args:
        config: What to generate.

    Returns:
        The council, ready to write.
    """
    geography = build_geography(component_rng(config.seed, "geography"), config.scale)
    history = simulate_care(config, geography)
    cohort = care_leaver_cohort(history)
    oc3 = care_leaver_rows(config, history, cohort)
    service = build_service(config, geography, history, cohort["child"].to_numpy())
    n_people = (
        int(
            max(
                history.children["child"].max(),
                service.extra_children["child"].max() if len(service.extra_children) else 0,
            )
        )
        + 1
    )
    child_ids = council_ids(component_rng(config.seed, "child_ids"), n_people)
    sw_episodes = _social_worker_episodes(service)
    return_inputs = ReturnInputs(
        history=history,
        child_ids=child_ids,
        oc3=oc3,
        sw_episodes=sw_episodes,
        geography=geography,
        permanence=simulate_permanence(config, history),
    )
    snapshots = snapshot_inputs(history, service, oc3, child_ids, geography, config.seed)
    return SyntheticCouncil(
        config=config,
        geography=geography,
        history=history,
        oc3=oc3,
        service=service,
        child_ids=child_ids,
        return_inputs=return_inputs,
        snapshots=snapshots,
    )


def _social_worker_episodes(service: Service) -> pd.DataFrame:
    """SWEpisodes rows: the social workers of children while in (or entering) care."""
    segments = service.segments
    workers = service.staffing.workers
    spell_period = service.spells["period"].to_numpy()[segments["spell"].to_numpy()]
    worker = segments["worker"].to_numpy()
    role = workers["role"].to_numpy(dtype=object)[np.maximum(worker, 0)]
    keep = (spell_period >= 0) & (worker >= 0) & (role != "Personal Adviser")
    rows = segments[keep]
    return pd.DataFrame(
        {
            "child": rows["child"].to_numpy(),
            "sw_id": workers["worker_id"].to_numpy(dtype=object)[rows["worker"].to_numpy()],
            "start": rows["start"].to_numpy(),
            "end": rows["end"].to_numpy(),
            "reason": np.where(
                rows["reason"].to_numpy(dtype=object) == "",
                "OTHERS",
                rows["reason"].to_numpy(dtype=object),
            ).astype(object),
        }
    )
