"""The county's geography: districts, invented postcodes with grid references, care settings.

Postcodes are invented but plausible: real outward codes of each district (``PR1``, ``BB11``),
an invented inward code, and an OS grid reference (metres) scattered around the district centre.
Councils outside the county carry their real ONS codes, so placements out of county map to a
real neighbouring council. A few outward codes (in Scotland) are deliberately left out of the
lookup so that "placement council not known" exists in the data.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from csc_metrics.sample import parameters as p
from csc_metrics.sample.config import LA_CODE

#: name, council code, area of the county (blank outside), outward codes, easting, northing,
#: weight as a home district (under-18 population x relative rate of care), weight as an
#: out-of-county placement location (nearer councils more likely).
DISTRICTS: tuple[tuple[str, str, str, tuple[str, ...], int, int, float, float], ...] = (
    ("Lancaster", LA_CODE, "North", ("LA1", "LA3", "LA4", "LA5"), 347600, 461400, 31.0, 0),
    ("Wyre", LA_CODE, "North", ("FY5", "FY6", "FY7", "PR3"), 335200, 442900, 19.0, 0),
    ("Fylde", LA_CODE, "North", ("FY8", "PR4"), 336100, 430200, 9.0, 0),
    ("Preston", LA_CODE, "Central", ("PR1", "PR2"), 354200, 429400, 46.0, 0),
    ("South Ribble", LA_CODE, "Central", ("PR5", "PR25", "PR26"), 354100, 421600, 14.0, 0),
    ("Chorley", LA_CODE, "Central", ("PR6", "PR7"), 358600, 417600, 17.0, 0),
    ("West Lancashire", LA_CODE, "Central", ("L39", "L40", "WN8"), 342100, 407200, 18.0, 0),
    ("Burnley", LA_CODE, "East", ("BB10", "BB11", "BB12"), 384100, 432600, 34.0, 0),
    ("Pendle", LA_CODE, "East", ("BB8", "BB9", "BB18"), 387600, 438600, 25.0, 0),
    ("Hyndburn", LA_CODE, "East", ("BB5",), 376000, 428600, 21.0, 0),
    ("Rossendale", LA_CODE, "East", ("BB4",), 380100, 422600, 13.0, 0),
    ("Ribble Valley", LA_CODE, "East", ("BB7",), 374600, 441600, 3.5, 0),
    ("Blackpool", "E06000009", "", ("FY1", "FY2", "FY3", "FY4"), 331600, 436100, 0, 8.0),
    ("Blackburn with Darwen", "E06000008", "", ("BB1", "BB2", "BB3"), 368100, 428100, 0, 8.0),
    ("Wigan", "E08000010", "", ("WN1", "WN2", "WN3", "WN5", "WN6"), 358100, 405600, 0, 5.0),
    ("Bolton", "E08000001", "", ("BL1", "BL2", "BL3"), 371600, 409100, 0, 4.0),
    ("Bury", "E08000002", "", ("BL8", "BL9"), 380600, 410600, 0, 3.0),
    ("Rochdale", "E08000005", "", ("OL11", "OL12", "OL16"), 389600, 413600, 0, 4.0),
    ("Oldham", "E08000004", "", ("OL1", "OL4", "OL8"), 392600, 405100, 0, 2.5),
    ("Manchester", "E08000003", "", ("M8", "M9", "M11", "M40"), 385100, 399100, 0, 3.0),
    ("Salford", "E08000006", "", ("M6", "M7"), 379100, 399600, 0, 2.0),
    ("Sefton", "E08000014", "", ("PR8", "PR9", "L20"), 334100, 416600, 0, 3.0),
    ("Liverpool", "E08000012", "", ("L4", "L11", "L13"), 337100, 393100, 0, 2.0),
    ("Westmorland and Furness", "E06000064", "", ("LA9", "LA12", "LA14"), 351600, 492600, 0, 4.0),
    ("North Yorkshire", "E06000065", "", ("BD23", "BD24"), 399100, 451600, 0, 3.5),
    ("Bradford", "E08000032", "", ("BD3", "BD5"), 417100, 433100, 0, 2.5),
    ("Calderdale", "E08000033", "", ("HX1", "HX3"), 409600, 425100, 0, 2.0),
    ("Kirklees", "E08000034", "", ("HD1", "HD2"), 414600, 416600, 0, 1.5),
    ("Leeds", "E08000035", "", ("LS9", "LS11", "LS22"), 431600, 433100, 0, 1.5),
    ("Warrington", "E06000007", "", ("WA1", "WA2"), 361100, 388600, 0, 1.5),
    ("Cheshire West and Chester", "E06000050", "", ("CH65", "CW9"), 340600, 376600, 0, 1.5),
    ("Stoke-on-Trent", "E06000021", "", ("ST1", "ST4"), 388600, 347600, 0, 1.2),
    ("Derbyshire", "E10000007", "", ("S40", "DE55"), 438100, 371100, 0, 1.2),
    ("Staffordshire", "E10000028", "", ("ST16", "WS11"), 392100, 323100, 0, 1.0),
    ("Shropshire", "E06000051", "", ("SY1", "SY4"), 349600, 313100, 0, 1.0),
    ("Birmingham", "E08000025", "", ("B23", "B44"), 410100, 293100, 0, 0.6),
    ("Conwy", "W06000003", "", ("LL29", "LL22"), 285100, 379100, 0, 0.8),
)
#: Outward codes never in the lookup (Scotland): a placement postcode here has no known council.
UNMATCHED_OUTWARDS = ("DG1", "DG2", "EH6", "G51", "KA7")

#: Letters allowed in the last two characters of a postcode.
_UNIT_LETTERS = np.array(list("ABDEFGHJLNPQRSTUWXYZ"))
#: Spread of postcodes around a district centre, in metres.
_SPREAD_METRES = 3200.0


@dataclass
class Geography:
    """Districts and the postcode pool the simulation draws from.

    Attributes:
        districts: One row per district (``name, la_code, area, easting, northing,
            home_weight, out_weight, in_county``).
        postcodes: The pool: ``postcode, easting, northing, district, in_lookup``.
        district_slices: For district ``d``, the pool rows are ``[start[d], stop[d])``.
    """

    districts: pd.DataFrame
    postcodes: pd.DataFrame
    district_start: np.ndarray
    district_stop: np.ndarray

    @property
    def county_districts(self) -> np.ndarray:
        """Indices of the county's own districts."""
        return np.flatnonzero(self.districts["in_county"].to_numpy())

    def draw_postcodes(self, rng: np.random.Generator, district: np.ndarray) -> np.ndarray:
        """Draw one pool row per element, inside the given districts.

        Args:
            rng: Random generator.
            district: District index per draw.

        Returns:
            Row indices into ``postcodes``.
        """
        start = self.district_start[district]
        size = self.district_stop[district] - start
        return start + (rng.random(len(district)) * size).astype(np.int64)

    def draw_home_districts(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """Draw home districts of children, weighted by each district's rate of care."""
        weights = self.districts["home_weight"].to_numpy(dtype=float)
        return rng.choice(len(weights), size=size, p=weights / weights.sum())

    def draw_out_of_county(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """Draw districts outside the county (in the lookup), nearer ones more often."""
        weights = self.districts["out_weight"].to_numpy(dtype=float)
        return rng.choice(len(weights), size=size, p=weights / weights.sum())

    def _area_members(self) -> tuple[np.ndarray, np.ndarray]:
        """Per district, the county districts of its area (padded) and how many there are."""
        areas = self.districts["area"].to_numpy()
        in_county = self.districts["in_county"].to_numpy()
        groups = [
            np.flatnonzero((areas == areas[d]) & in_county) if in_county[d] else np.array([d])
            for d in range(len(areas))
        ]
        width = max(len(g) for g in groups)
        members = np.array([np.pad(g, (0, width - len(g)), mode="edge") for g in groups])
        return members, np.array([len(g) for g in groups])

    def draw_location(
        self,
        rng: np.random.Generator,
        home_district: np.ndarray,
        shares: np.ndarray,
    ) -> np.ndarray:
        """Draw the district of a placement relative to the child's home district.

        Args:
            rng: Random generator.
            home_district: The child's home district per draw (a county district, or not).
            shares: Per draw, the four shares (own district, same area, elsewhere in the
                county, outside the county), as an ``(n, 4)`` array.

        Returns:
            District index per draw.
        """
        n = len(home_district)
        cumulative = np.cumsum(shares, axis=1)
        cumulative /= cumulative[:, -1:]
        where = (rng.random(n)[:, None] >= cumulative).sum(axis=1)
        county = self.county_districts
        home_in_county = self.districts["in_county"].to_numpy()[home_district]
        # A child whose home is outside the county is placed as if from a random county district.
        anchor = np.where(home_in_county, home_district, rng.choice(county, size=n))
        result = anchor.copy()
        same_area = where == 1
        members, counts = self._area_members()
        pick = (rng.random(n) * counts[anchor]).astype(np.int64)
        result[same_area] = members[anchor, pick][same_area]
        elsewhere = where == 2
        result[elsewhere] = rng.choice(county, size=elsewhere.sum())
        outside = where == 3
        result[outside] = self.draw_out_of_county(rng, outside.sum())
        return result


def build_geography(rng: np.random.Generator, scale: float) -> Geography:
    """Invent the postcode pool of every district.

    Args:
        rng: Random generator.
        scale: Generation scale; larger counties get more distinct postcodes per district.

    Returns:
        The geography.
    """
    rows = [
        {
            "name": name,
            "la_code": code,
            "area": area,
            "outwards": outwards,
            "easting": east,
            "northing": north,
            "home_weight": home_w,
            "out_weight": out_w,
            "in_county": code == LA_CODE,
        }
        for name, code, area, outwards, east, north, home_w, out_w in DISTRICTS
    ]
    districts = pd.DataFrame(rows)
    per_district = int(np.clip(round(220 * scale**0.8), 40, 3000))
    parts = []
    for index, row in districts.iterrows():
        parts.append(
            _district_pool(
                rng,
                int(index),
                row["outwards"],
                row["easting"],
                row["northing"],
                per_district,
                in_lookup=True,
            )
        )
    unmatched_index = len(districts)
    parts.append(
        _district_pool(
            rng, unmatched_index, UNMATCHED_OUTWARDS, 330000, 580000, 40, in_lookup=False
        )
    )
    pool = pd.concat(parts, ignore_index=True)
    counts = pool.groupby("district").size().reindex(range(unmatched_index + 1)).to_numpy()
    stop = np.cumsum(counts)
    start = stop - counts
    return Geography(districts=districts, postcodes=pool, district_start=start, district_stop=stop)


def _district_pool(
    rng: np.random.Generator,
    district: int,
    outwards: tuple[str, ...],
    easting: int,
    northing: int,
    size: int,
    in_lookup: bool,
) -> pd.DataFrame:
    candidates = size * 3
    outward_index = rng.integers(0, len(outwards), size=candidates)
    sector = rng.integers(0, 10, size=candidates)
    letters = rng.integers(0, len(_UNIT_LETTERS), size=(candidates, 2))
    codes = (
        np.asarray(outwards, dtype=object)[outward_index]
        + " "
        + sector.astype(str)
        + _UNIT_LETTERS[letters[:, 0]]
        + _UNIT_LETTERS[letters[:, 1]]
    )
    _, first = np.unique(codes.astype(str), return_index=True)
    order = np.sort(first)[:size]
    codes = codes[order]
    chosen_outward = outward_index[order]
    chosen_sector = sector[order]
    # Outward codes and sectors sit in fixed places around the centre, units scatter about them.
    outward_offset = rng.normal(0, _SPREAD_METRES, size=(len(outwards), 2))
    sector_offset = rng.normal(0, _SPREAD_METRES / 3, size=(len(outwards), 10, 2))
    unit_offset = rng.normal(0, 250, size=(len(order), 2))
    east = (
        easting
        + outward_offset[chosen_outward, 0]
        + sector_offset[chosen_outward, chosen_sector, 0]
        + unit_offset[:, 0]
    )
    north = (
        northing
        + outward_offset[chosen_outward, 1]
        + sector_offset[chosen_outward, chosen_sector, 1]
        + unit_offset[:, 1]
    )
    return pd.DataFrame(
        {
            "postcode": codes,
            "easting": np.round(east).astype(np.int64),
            "northing": np.round(north).astype(np.int64),
            "district": district,
            "in_lookup": in_lookup,
        }
    )


def lookup_table(geography: Geography, used: np.ndarray) -> pd.DataFrame:
    """Return ``postcodes.csv``: every used postcode that is meant to be in the lookup.

    Args:
        geography: The geography.
        used: Pool row indices of every postcode that appears in the generated files.

    Returns:
        Columns ``postcode, easting, northing, la_code``, sorted by postcode.
    """
    pool = geography.postcodes
    rows = pool.iloc[np.unique(used)]
    rows = rows[rows["in_lookup"]]
    la_codes = geography.districts["la_code"].to_numpy()[rows["district"].to_numpy()]
    table = pd.DataFrame(
        {
            "postcode": rows["postcode"].to_numpy(),
            "easting": rows["easting"].to_numpy(),
            "northing": rows["northing"].to_numpy(),
            "la_code": la_codes,
        }
    )
    return table.sort_values("postcode", kind="stable").reset_index(drop=True)


def population_table(first_year: int, last_year: int, scale: float) -> pd.DataFrame:
    """Return ``population.csv``: the county's child population by mid-year.

    Args:
        first_year: First collection year; the table starts at the mid-year before it.
        last_year: Last collection year.
        scale: Generation scale.

    Returns:
        Columns ``la_code, year, population_0_17``.
    """
    known = p.POPULATION_0_17
    years = sorted(known)
    slope = (known[years[-1]] - known[years[-4]]) / 3
    rows = []
    for year in range(first_year - 2, last_year + 1):
        value: float
        if year in known:
            value = known[year]
        elif year > years[-1]:
            value = known[years[-1]] + slope * (year - years[-1])
        else:
            value = known[years[0]] - slope * (years[0] - year)
        rows.append({"la_code": LA_CODE, "year": year, "population_0_17": round(value * scale)})
    return pd.DataFrame(rows)
