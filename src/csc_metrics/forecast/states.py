"""The states of the placement demand model: age band x placement category x location.

Every code list here is data: the categories are built from the spec's placement groups
(``indicators.groups``) split where the cost differs, the exit reasons from the SSDA903 REC codes,
and the names a scenario or costs file may use for each are listed beside them. A child looked
after is in exactly one state on each day; "not looked after" is where children enter from and
leave to, by exit reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from csc_metrics.indicators import groups

#: Age bands of the model: (label, lowest age in completed years). A child is in a band from the
#: birthday of its lowest age to the day before the next band's birthday; the last band holds
#: every age from 16 (a few young people stay looked after past 18).
AGE_BANDS: tuple[tuple[str, int], ...] = (
    ("0-1", 0),
    ("1-5", 1),
    ("5-10", 5),
    ("10-16", 10),
    ("16-18", 16),
)
AGE_BAND_LABELS: tuple[str, ...] = tuple(label for label, _ in AGE_BANDS)

#: Placement categories: (id used in files and JSON, label for people). Kept apart where the
#: weekly cost differs; every one is a spec placement group or a provider split of one.
CATEGORIES: tuple[tuple[str, str], ...] = (
    ("inhouse_fostering", "In-house fostering"),
    ("ifa", "Independent fostering agency (IFA)"),
    ("kinship", "Kinship (connected) fostering"),
    ("inhouse_residential", "In-house residential"),
    ("external_residential", "External residential"),
    ("supported", "Supported accommodation"),
    ("with_parents", "Placed with parents"),
    ("placed_for_adoption", "Placed for adoption"),
    ("other", "Other"),
)
CATEGORY_IDS: tuple[str, ...] = tuple(category for category, _ in CATEGORIES)
CATEGORY_LABELS: dict[str, str] = dict(CATEGORIES)

#: Spec placement group (``groups.PLACEMENT_GROUPS``) -> model category. Children's homes and
#: residential care is split by provider below.
GROUP_TO_CATEGORY: dict[str, str] = {
    "Foster: relatives or friends": "kinship",
    "Foster: own council": "inhouse_fostering",
    "Foster: external (IFA)": "ifa",
    "Children's homes and residential": "inhouse_residential",
    "Supported or independent living": "supported",
    "Placed with parents": "with_parents",
    "Placed for adoption": "placed_for_adoption",
    "Other": "other",
}
#: Residential care run by these provider groups is external (the spec's
#: ``external_residential_pct``); run by the council or another public body it is in-house.
EXTERNAL_PROVIDER_GROUPS = groups.EXTERNAL_RESIDENTIAL_PROVIDERS

#: Where the placement is, against the responsible council's area. "unknown": the placement
#: postcode is blank or not in the postcode lookup, so the council cannot be told.
LOCATIONS: tuple[str, ...] = ("inside", "outside", "unknown")

#: Exit reasons (the REC of the last episode of a period of care, current codes): (id, label).
EXIT_REASONS: tuple[tuple[str, str], ...] = (
    ("returned_home", "Returned home"),
    ("adopted", "Adopted"),
    ("special_guardianship", "Special guardianship order"),
    ("child_arrangements", "Child arrangements order"),
    ("adulthood", "Independent living or adult services (mostly at 18)"),
    ("other", "Other reason"),
)
EXIT_REASON_IDS: tuple[str, ...] = tuple(reason for reason, _ in EXIT_REASONS)
EXIT_REASON_LABELS: dict[str, str] = dict(EXIT_REASONS)
#: REC code -> exit reason. Any other code (E2, E3, E8, E9, E14, E16, or blank) is "other".
REC_TO_EXIT: dict[str, str] = {
    **dict.fromkeys(["E4A", "E4B", "E13"], "returned_home"),
    **dict.fromkeys(["E11", "E12"], "adopted"),
    **dict.fromkeys(["E43", "E44", "E45", "E46", "E47", "E48"], "special_guardianship"),
    "E41": "child_arrangements",
    **dict.fromkeys(["E5", "E6", "E7", "E15", "E17"], "adulthood"),
}

#: Other names a scenario or costs file may use (compared without case, spaces or punctuation).
ALIASES: dict[str, str] = {
    "inhousefoster": "inhouse_fostering",
    "ownfostering": "inhouse_fostering",
    "fosterowncouncil": "inhouse_fostering",
    "independentfostering": "ifa",
    "fosterexternalifa": "ifa",
    "connectedfostering": "kinship",
    "connectedpersons": "kinship",
    "fosterrelativesorfriends": "kinship",
    "inhousechildrenshomes": "inhouse_residential",
    "externalchildrenshomes": "external_residential",
    "supportedaccommodation": "supported",
    "supportedorindependentliving": "supported",
    "placedwithparents": "with_parents",
    "adoption": "adopted",
    "sgo": "special_guardianship",
    "cao": "child_arrangements",
    "residenceorder": "child_arrangements",
    "home": "returned_home",
    "independentliving": "adulthood",
    "aged18": "adulthood",
}


def normalise_name(text: str) -> str:
    """A name for comparing without case, spaces or punctuation.

    ``"In-house fostering"`` becomes ``"inhousefostering"``.
    """
    return re.sub(r"[^a-z0-9]", "", str(text).lower())


def _lookup(choices: dict[str, str]) -> dict[str, str]:
    """Normalised id, label and alias -> id, for the ids in ``choices`` (id -> label)."""
    table = {normalise_name(key): key for key in choices}
    table.update({normalise_name(label): key for key, label in choices.items()})
    table.update({alias: target for alias, target in ALIASES.items() if target in choices})
    return table


CATEGORY_LOOKUP = _lookup(CATEGORY_LABELS)
EXIT_LOOKUP = _lookup(EXIT_REASON_LABELS)
AGE_BAND_LOOKUP = {normalise_name(label): label for label in AGE_BAND_LABELS}
LOCATION_LOOKUP = {normalise_name(location): location for location in LOCATIONS}


@dataclass(frozen=True)
class StateSpace:
    """Index arithmetic of the states.

    ``state = (age * n_categories + category) * n_locations + location``; exits follow the
    in-care states in the order of ``EXIT_REASON_IDS``.
    """

    n_ages: int = len(AGE_BANDS)
    n_categories: int = len(CATEGORIES)
    n_locations: int = len(LOCATIONS)
    n_exits: int = len(EXIT_REASONS)

    @property
    def n_states(self) -> int:
        """Number of in-care states."""
        return self.n_ages * self.n_categories * self.n_locations

    def index(self, age: np.ndarray, category: np.ndarray, location: np.ndarray) -> np.ndarray:
        """State index of age band, category and location indices."""
        return (np.asarray(age) * self.n_categories + np.asarray(category)) * self.n_locations + (
            np.asarray(location)
        )

    def parts(self) -> pd.DataFrame:
        """One row per in-care state.

        Columns ``state``, ``age_band``, ``category``, ``location`` and the indices ``age``,
        ``category_index``, ``location_index``.
        """
        state = np.arange(self.n_states)
        location = state % self.n_locations
        category = (state // self.n_locations) % self.n_categories
        age = state // (self.n_locations * self.n_categories)
        return pd.DataFrame(
            {
                "state": state,
                "age_band": np.asarray(AGE_BAND_LABELS, dtype=object)[age],
                "category": np.asarray(CATEGORY_IDS, dtype=object)[category],
                "location": np.asarray(LOCATIONS, dtype=object)[location],
                "age": age,
                "category_index": category,
                "location_index": location,
            }
        )


STATES = StateSpace()


def state_name(age_band: str, category: str, location: str) -> str:
    """The name of a state in output files: ``category|age_band|location``."""
    return f"{category}|{age_band}|{location}"
