"""Postcode lookup with sector and district fall-back, placement distances and placement council.

The postcode lookup is a table supplied by the council (``<raw>/reference/postcodes.csv``, e.g. an
extract of the ONS Postcode Directory) that ingest turns into ``clean_reference__postcodes``: one
row per full postcode (``PR1 2AB``), postcode sector (``PR1 2``) or postcode district (``PR1``),
with the OS grid reference (easting, northing in metres) and the council (``la_code``).

Matching ignores case and spaces and falls back from the full postcode to its sector and then to
its district (docs/definitions.md, "The postcode lookup"), so a lookup holding only sectors or
districts still gives approximate distances and a placement council. Everything is done on the
distinct postcodes with vectorised string operations and dictionary maps, so the cost grows with
the number of distinct postcodes, not the number of episodes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from csc_metrics.settings import DEFAULT_SETTINGS, Settings

#: A full UK postcode once spaces are removed: outward code (2-4 characters) + inward code.
FULL_POSTCODE = r"^[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}$"
#: A postcode sector as written with its space ("PR1 2").
SECTOR = r"^[A-Z]{1,2}[0-9][A-Z0-9]? [0-9]$"
#: A postcode district ("PR1", "M60", "EC1A").
DISTRICT = r"^[A-Z]{1,2}[0-9][A-Z0-9]?$"

#: Pseudo council codes that DfE and Annex A use for places that are not a council area in
#: England, Wales, Scotland or Northern Ireland. A placement there has no known council, and a
#: grid reference there (if any) is not on the British National Grid, so both the distance and
#: the placement council count as unknown.
NON_COUNCIL_CODES: dict[str, str] = {
    "NUK": "outside the UK",
    "CON": "confidential placement",
}
#: Of those, the codes for places outside the UK (no distance can be measured).
OUTSIDE_UK_CODES = frozenset({"NUK"})

#: Why a postcode has no usable location, in the order the checks are made.
MATCH_LEVELS = ("postcode", "sector", "district", "blank", "invalid", "not found")


@dataclass(frozen=True)
class PostcodeIndex:
    """A postcode lookup split into full postcodes, sectors and districts, keyed for matching.

    Attributes:
        full: Rows keyed by the full postcode without spaces (``PR12AB``).
        sector: Rows keyed by the sector with one space (``PR1 2``).
        district: Rows keyed by the district (``PR1``).
    """

    full: pd.DataFrame
    sector: pd.DataFrame
    district: pd.DataFrame


def normalise_postcode(postcodes: pd.Series) -> pd.Series:
    """Upper-case postcodes and collapse runs of white space to one space; blanks become missing.

    Args:
        postcodes: Postcodes as text.

    Returns:
        The normalised postcodes, aligned with the input.
    """
    text = postcodes.astype("str").str.upper().str.strip().str.replace(r"\s+", " ", regex=True)
    return text.mask(postcodes.isna() | text.eq("") | text.isin(["NAN", "NONE"]))


def build_postcode_index(lookup: pd.DataFrame) -> PostcodeIndex:
    """Split a postcode lookup into full postcodes, sectors and districts.

    Rows that are none of the three (junk text) are ignored. Where two rows give the same key
    (``PR1 2AB`` and ``PR12AB``), the first is kept.

    Args:
        lookup: A ``clean_reference__postcodes`` table (postcode, easting, northing, la_code).

    Returns:
        The index used by ``locate_postcodes``.
    """
    table = lookup[["postcode", "easting", "northing", "la_code"]].copy()
    table["postcode"] = normalise_postcode(table["postcode"])
    table = table.dropna(subset=["postcode"])
    squeezed = table["postcode"].str.replace(" ", "", regex=False)
    is_full = squeezed.str.match(FULL_POSTCODE)
    is_sector = ~is_full & table["postcode"].str.match(SECTOR)
    is_district = ~is_full & ~is_sector & table["postcode"].str.match(DISTRICT)
    columns = ["easting", "northing", "la_code"]

    def keyed(mask: pd.Series, keys: pd.Series) -> pd.DataFrame:
        part = table.loc[mask, columns].copy()
        part.index = pd.Index(keys[mask], name="key")
        return part[~part.index.duplicated(keep="first")]

    return PostcodeIndex(
        full=keyed(is_full, squeezed),
        sector=keyed(is_sector, table["postcode"]),
        district=keyed(is_district, table["postcode"]),
    )


def _query_keys(distinct: pd.Series) -> pd.DataFrame:
    """Work out the full, sector and district keys of each distinct (normalised) postcode."""
    squeezed = distinct.str.replace(" ", "", regex=False)
    is_full = squeezed.str.match(FULL_POSTCODE).fillna(False).astype(bool)
    is_sector = (~is_full & distinct.str.match(SECTOR).fillna(False)).astype(bool)
    is_district = (~is_full & ~is_sector & distinct.str.match(DISTRICT).fillna(False)).astype(bool)
    outward = squeezed.str[:-3]
    inward = squeezed.str[-3:]
    blank = pd.Series(pd.NA, index=distinct.index, dtype="str")
    sector = blank.mask(is_full, outward + " " + inward.str[0]).mask(is_sector, distinct)
    district = (
        blank.mask(is_full, outward)
        .mask(is_sector, distinct.str.split(" ").str[0])
        .mask(is_district, distinct)
    )
    return pd.DataFrame(
        {
            "full": squeezed.where(is_full),
            "sector": sector,
            "district": district,
            "valid": is_full | is_sector | is_district,
        },
        index=distinct.index,
    )


def locate_postcodes(postcodes: pd.Series, index: PostcodeIndex) -> pd.DataFrame:
    """Find the grid reference and council of each postcode, falling back to sector and district.

    Args:
        postcodes: Postcodes as text (any case or spacing; blanks allowed).
        index: A ``PostcodeIndex`` from ``build_postcode_index``.

    Returns:
        A frame aligned with ``postcodes`` with columns ``easting``, ``northing``, ``la_code``
        and ``match`` (one of ``MATCH_LEVELS``: the level that matched, or why none did).
    """
    # Work on each distinct value once: episodes repeat the same few thousand postcodes. The
    # matching is done on arrays (position n is the all-blank row that missing postcodes take):
    # a call costs a few milliseconds however few the postcodes.
    codes, raw_distinct = pd.factorize(postcodes, use_na_sentinel=True)
    distinct = normalise_postcode(pd.Series(raw_distinct, dtype="str"))
    keys = _query_keys(distinct)
    n = len(distinct)
    easting = np.full(n + 1, np.nan)
    northing = np.full(n + 1, np.nan)
    la_code = np.full(n + 1, None, dtype=object)
    match = np.full(n + 1, "not found", dtype=object)
    missing = np.append(distinct.isna().to_numpy(bool), True)
    valid = np.append(keys["valid"].to_numpy(bool), False)
    match[missing] = "blank"
    match[~missing & ~valid] = "invalid"
    # Coarsest level first, so that a finer match overwrites it.
    for level in ("district", "sector", "full"):
        table = getattr(index, level)
        rows = np.append(table.index.get_indexer(keys[level]), -1)
        hit = rows >= 0
        if not hit.any():
            continue
        easting[hit] = table["easting"].to_numpy(float)[rows[hit]]
        northing[hit] = table["northing"].to_numpy(float)[rows[hit]]
        la_code[hit] = table["la_code"].to_numpy(object)[rows[hit]]
        match[hit] = "postcode" if level == "full" else level
    take = np.where(codes < 0, n, codes)
    councils = pd.Series(la_code[take], index=postcodes.index, dtype="str")
    return pd.DataFrame(
        {
            "easting": easting[take],
            "northing": northing[take],
            "la_code": councils.mask(councils.isna()),
            "match": pd.Series(match[take], index=postcodes.index, dtype="str"),
        },
        index=postcodes.index,
    )


def straight_line_miles(
    easting_a: pd.Series,
    northing_a: pd.Series,
    easting_b: pd.Series,
    northing_b: pd.Series,
    settings: Settings = DEFAULT_SETTINGS,
) -> pd.Series:
    """Straight-line distance between two grid references, in miles to one decimal place.

    Args:
        easting_a: Eastings of the first points (metres).
        northing_a: Northings of the first points (metres).
        easting_b: Eastings of the second points (metres).
        northing_b: Northings of the second points (metres).
        settings: Supplies ``metres_per_mile`` (1609.3).

    Returns:
        Miles, rounded half up to one decimal place; missing where either point is missing.
    """
    metres = np.hypot(
        easting_a.to_numpy(float) - easting_b.to_numpy(float),
        northing_a.to_numpy(float) - northing_b.to_numpy(float),
    )
    return pd.Series(round_half_up(metres / settings.metres_per_mile, 1), index=easting_a.index)


def round_half_up(values: np.ndarray | pd.Series | float, decimals: int = 1) -> np.ndarray:
    """Round half up (12.25 -> 12.3), as published statistics do, rather than half to even.

    A tiny allowance absorbs binary floating-point error (12.25 may be stored as 12.2499999...).

    Args:
        values: Numbers to round.
        decimals: Decimal places.

    Returns:
        The rounded numbers as a float array (missing stays missing).
    """
    scale = 10.0**decimals
    array = np.asarray(values, dtype=float)
    return np.floor(array * scale + 0.5 + 1e-9) / scale


def placement_distance_miles(
    home_postcodes: pd.Series,
    placement_postcodes: pd.Series,
    index: PostcodeIndex,
    settings: Settings = DEFAULT_SETTINGS,
    supplied_miles: pd.Series | None = None,
) -> pd.Series:
    """Distance from home to placement in miles, or missing where it is unknown.

    Unknown (definitions.md, "Placed more than 20 miles from home"): either postcode blank, not
    found in the lookup, outside the UK, or without a grid reference; or a supplied distance
    equal to ``settings.distance_unknown_value`` (999.9). Where a distance is supplied (e.g.
    Annex A "Placement distance"), it is used as given instead of the one computed from the
    postcodes.

    Args:
        home_postcodes: ``HOME_POST`` values.
        placement_postcodes: ``PL_POST`` values, aligned with ``home_postcodes``.
        index: The postcode lookup.
        settings: Supplies ``metres_per_mile`` and ``distance_unknown_value``.
        supplied_miles: Optional distances already recorded, aligned with the postcodes.

    Returns:
        Miles to one decimal place, missing when unknown, aligned with ``home_postcodes``.
    """
    home = locate_postcodes(home_postcodes, index)
    placement = locate_postcodes(placement_postcodes, index)
    outside = home["la_code"].isin(OUTSIDE_UK_CODES) | placement["la_code"].isin(OUTSIDE_UK_CODES)
    miles = straight_line_miles(
        home["easting"], home["northing"], placement["easting"], placement["northing"], settings
    ).mask(outside)
    if supplied_miles is not None:
        supplied = pd.to_numeric(supplied_miles, errors="coerce")
        miles = supplied.where(supplied.notna(), miles)
    unknown_value = np.isclose(miles.to_numpy(float), settings.distance_unknown_value)
    return miles.mask(unknown_value).astype(float)


def placement_council(placement_postcodes: pd.Series, index: PostcodeIndex) -> pd.Series:
    """The council (``la_code``) of each placement postcode, or missing where it is not known.

    Not known: blank, invalid or not-found postcodes, lookup rows without a council, and the
    pseudo codes in ``NON_COUNCIL_CODES`` (outside the UK, confidential).

    Args:
        placement_postcodes: ``PL_POST`` values.
        index: The postcode lookup.

    Returns:
        Council codes, aligned with the input.
    """
    councils = locate_postcodes(placement_postcodes, index)["la_code"]
    councils = councils.str.strip().str.upper()
    return councils.mask(councils.isin(list(NON_COUNCIL_CODES)) | councils.eq(""))
