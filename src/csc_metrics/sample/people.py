"""Children's identities and characteristics: council ids, sex, ethnicity, UPNs."""

from __future__ import annotations

import numpy as np

from csc_metrics.sample import parameters as p
from csc_metrics.sample.config import LA_OLD_CODE
from csc_metrics.sample.draws import choose

#: Check letters of a unique pupil number, indexed by the weighted digit sum modulo 23.
_UPN_CHECK_LETTERS = np.array(list("ABCDEFGHJKLMNPQRTUVWXYZ"))


def council_ids(rng: np.random.Generator, size: int) -> np.ndarray:
    """Draw unique council child identifiers: 7-digit numbers, or 8 digits for a big run.

    Args:
        rng: Random generator.
        size: Number of identifiers.

    Returns:
        Text identifiers, unique, in random order.
    """
    low, span = (1_000_000, 9_000_000) if size < 2_000_000 else (10_000_000, 90_000_000)
    numbers = low + rng.choice(span, size=size, replace=False)
    return numbers.astype(str).astype(object)


def draw_sex(rng: np.random.Generator, uasc: np.ndarray) -> np.ndarray:
    """Draw sex codes M/F; unaccompanied asylum-seeking children are mostly boys."""
    male_share = np.where(uasc, p.UASC_MALE_SHARE, p.MALE_SHARE)
    return np.where(rng.random(len(uasc)) < male_share, "M", "F").astype(object)


def draw_ethnicity(rng: np.random.Generator, age_years: np.ndarray, uasc: np.ndarray) -> np.ndarray:
    """Draw ETHNIC codes, with the older-children mix from age 10 and the UASC mix for UASC."""
    result = choose(rng, p.ETHNICITY, len(age_years))
    older = age_years >= 10
    result[older] = choose(rng, p.ETHNICITY_OLDER, int(older.sum()))
    result[uasc] = choose(rng, p.ETHNICITY_UASC, int(uasc.sum()))
    return result


def draw_upns(rng: np.random.Generator, dob: np.ndarray) -> np.ndarray:
    """Draw unique pupil numbers in the DfE format (check letter, LA number, school, year).

    Args:
        rng: Random generator.
        dob: Dates of birth (days since 1970); the year digits are the year the child turned 4.

    Returns:
        13-character UPN strings.
    """
    size = len(dob)
    la_digits = np.tile(np.array([int(c) for c in LA_OLD_CODE]), (size, 1))
    school = rng.integers(2000, 7000, size=size)
    year = (_birth_year(dob) + 4) % 100
    serial = rng.integers(0, 1000, size=size)
    body = np.concatenate(
        [
            la_digits,
            _digits(school, 4),
            _digits(year, 2),
            _digits(serial, 3),
        ],
        axis=1,
    )
    weights = np.arange(2, 14)
    check = _UPN_CHECK_LETTERS[(body * weights).sum(axis=1) % 23]
    text = body.astype(str)
    joined = text[:, 0].astype(object)
    for column in range(1, text.shape[1]):
        joined = joined + text[:, column]
    return (check.astype(object) + joined).astype(object)


def _birth_year(dob: np.ndarray) -> np.ndarray:
    return np.asarray(dob).astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970


def _digits(values: np.ndarray, width: int) -> np.ndarray:
    powers = 10 ** np.arange(width - 1, -1, -1)
    return (np.asarray(values)[:, None] // powers) % 10
