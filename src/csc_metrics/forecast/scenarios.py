"""What-if scenarios: changes to the quarterly rates, read from a YAML or CSV file.

A scenario is a list of changes, applied in order to the base rates (``rates.QuarterlyRates``).
Each change picks some rates and multiplies them, adds to them, or redirects a share of them:

========== ===================================================================================
column      meaning
========== ===================================================================================
flow        ``entry`` (children coming into care), ``move`` (a change of placement category),
            ``exit`` (leaving care), or ``placement`` (both ``entry`` and ``move``: every new
            placement in a category)
from        for ``move`` and ``exit``: the category the children are in (blank: any)
to          for ``entry``, ``move``, ``placement``: the category of the new placement; for
            ``exit``: the exit reason (blank: any)
age_band    the children's age band (blank: any): 0-1, 1-5, 5-10, 10-16, 16-18
location    the children's location (blank: any): inside, outside, unknown
change      ``multiply``, ``add`` or ``redirect``
value       multiply: a factor of 0 or more; add: for ``entry`` children per quarter (shared
            among the states picked in proportion to their entries), for ``move`` and
            ``exit`` a probability per quarter between -1 and 1 (shared likewise); redirect:
            the share (0 to 1) of the picked rates sent to ``redirect_to`` instead
redirect_to for ``redirect``: the category (or, for ``exit``, the exit reason) that receives the
            share; the children keep their age band and location
========== ===================================================================================

Several values in ``from``, ``to``, ``age_band`` or ``location`` are separated by ``;``. A ``move``
is a change of category: ageing and changes of location within a category are left as they are.

**Keeping the rates valid** (``normalise_rows``): after all changes, a negative rate is set to 0;
if the probabilities of leaving a state in a quarter (moves plus exits) add to more than 1, they
are all scaled down in proportion so that they add to exactly 1 (nobody stays), and the
probability of staying is always 1 minus their sum. Entry rates below 0 become 0. Children who
enter during a quarter get the same relative change (``follow_changes``). The states whose rates
had to be scaled down are listed in the scenario's notes.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from csc_metrics.forecast.files import FileRow, file_error, number, read_rows
from csc_metrics.forecast.rates import QuarterlyRates
from csc_metrics.forecast.states import (
    AGE_BAND_LABELS,
    AGE_BAND_LOOKUP,
    CATEGORY_IDS,
    CATEGORY_LABELS,
    CATEGORY_LOOKUP,
    EXIT_LOOKUP,
    EXIT_REASON_IDS,
    LOCATION_LOOKUP,
    LOCATIONS,
    STATES,
    normalise_name,
)

FLOWS = ("entry", "move", "exit", "placement")
CHANGES = ("multiply", "add", "redirect")
COLUMNS = ("flow", "from", "to", "age_band", "location", "change", "value", "redirect_to")
#: Columns a person may add for their own notes; they are not read.
NOTE_COLUMNS = ("note", "notes", "description", "comment", "label")


@dataclass(frozen=True)
class Change:
    """One change of a scenario (indices into the state lists; None means any).

    Attributes:
        where: Where it was read ("row 3"), for messages.
        flow: ``entry``, ``move`` or ``exit``.
        from_categories: Category indices of the children's state (move, exit).
        to: Category indices (entry, move) or exit-reason indices (exit).
        age_bands: Age band indices.
        locations: Location indices.
        change: ``multiply``, ``add`` or ``redirect``.
        value: The factor, amount or share.
        redirect_to: Category (or exit reason) index receiving a redirected share.
    """

    where: str
    flow: str
    from_categories: tuple[int, ...] | None
    to: tuple[int, ...] | None
    age_bands: tuple[int, ...] | None
    locations: tuple[int, ...] | None
    change: str
    value: float
    redirect_to: int | None = None


@dataclass
class Scenario:
    """A named list of changes."""

    name: str
    changes: list[Change]
    source: Path | None = None
    notes: list[str] = field(default_factory=list)


# --- Reading ---------------------------------------------------------------------------------


def _names(
    path: Path, row: FileRow, column: str, lookup: dict[str, str], order: tuple[str, ...]
) -> tuple[int, ...] | None:
    text = row.values.get(column, "")
    if not text or normalise_name(text) in ("any", "all"):
        return None
    indices = []
    for part in text.replace("|", ";").split(";"):
        key = normalise_name(part)
        if key not in lookup:
            raise file_error(
                path,
                f"{row.where}, column {column}",
                f"{part.strip()!r} is not known",
                "one of " + ", ".join(order) + " (or blank for any)",
            )
        indices.append(order.index(lookup[key]))
    return tuple(sorted(set(indices)))


def _category_list() -> str:
    return ", ".join(f"{key} ({label})" for key, label in CATEGORY_LABELS.items())


def _parse_change(path: Path, row: FileRow) -> list[Change]:
    values = row.values
    unknown = sorted(set(values) - set(COLUMNS) - set(NOTE_COLUMNS) - {""})
    if unknown:
        raise file_error(
            path,
            row.where,
            f"unknown column(s) {', '.join(unknown)}",
            "the columns " + ", ".join(COLUMNS) + " (and optionally note)",
        )
    flow = normalise_name(values.get("flow", ""))
    if flow not in FLOWS:
        raise file_error(
            path,
            f"{row.where}, column flow",
            f"{values.get('flow', '')!r} is not a flow" if values.get("flow") else "flow is blank",
            "entry, move, exit or placement",
        )
    change = normalise_name(values.get("change", ""))
    if change not in CHANGES:
        raise file_error(
            path,
            f"{row.where}, column change",
            f"{values.get('change', '')!r} is not a change"
            if values.get("change")
            else "change is blank",
            "multiply, add or redirect",
        )
    exits = flow == "exit"
    to_lookup, to_order = (
        (EXIT_LOOKUP, EXIT_REASON_IDS) if exits else (CATEGORY_LOOKUP, CATEGORY_IDS)
    )
    from_categories = _names(path, row, "from", CATEGORY_LOOKUP, CATEGORY_IDS)
    if flow in ("entry", "placement") and from_categories is not None:
        raise file_error(
            path,
            f"{row.where}, column from",
            f"an {flow} has no 'from' (children enter from outside care)",
            "'from' blank for entry and placement rows",
        )
    to = _names(path, row, "to", to_lookup, to_order)
    ages = _names(path, row, "age_band", AGE_BAND_LOOKUP, AGE_BAND_LABELS)
    locations = _names(path, row, "location", LOCATION_LOOKUP, LOCATIONS)
    value = _checked_value(path, row, flow, change)
    redirect_text = values.get("redirect_to", "")
    redirect_to = None
    if change == "redirect":
        if not redirect_text:
            raise file_error(
                path,
                f"{row.where}, column redirect_to",
                "a redirect needs redirect_to",
                "an exit reason" if exits else "a category: " + _category_list(),
            )
        picked = _names(path, row, "redirect_to", to_lookup, to_order)
        if picked is None or len(picked) != 1:
            raise file_error(
                path,
                f"{row.where}, column redirect_to",
                "redirect_to must name one target",
                "one exit reason" if exits else "one category",
            )
        redirect_to = picked[0]
    elif redirect_text:
        raise file_error(
            path,
            f"{row.where}, column redirect_to",
            f"redirect_to is only read when change is redirect, not {change}",
            "redirect_to blank, or change = redirect",
        )
    flows = ("entry", "move") if flow == "placement" else (flow,)
    return [
        Change(row.where, f, from_categories, to, ages, locations, change, value, redirect_to)
        for f in flows
    ]


def _checked_value(path: Path, row: FileRow, flow: str, change: str) -> float:
    if change == "multiply":
        expected = "a factor of 0 or more (0.9 for 10% fewer)"
        value = number(path, row, "value", expected)
        ok = value >= 0
    elif change == "redirect":
        expected = "a share from 0 to 1 (0.2 for a fifth)"
        value = number(path, row, "value", expected)
        ok = 0 <= value <= 1
    elif flow == "entry":
        expected = "a number of children per quarter (negative for fewer)"
        value = number(path, row, "value", expected)
        ok = True
    else:
        expected = "a probability per quarter from -1 to 1"
        value = number(path, row, "value", expected)
        ok = -1 <= value <= 1
    if not ok:
        raise file_error(
            path,
            f"{row.where}, column value",
            f"{value:g} is not a possible {change} value",
            expected,
        )
    return value


def read_scenario(path: Path) -> Scenario:
    """Read a scenario file (YAML with a ``changes:`` list, or CSV with the columns above).

    Args:
        path: The file.

    Returns:
        The scenario; its name is the YAML ``name`` or the file's name.

    Raises:
        InputError: (exit code 2) naming the file, the row and what was expected, for an
            unknown state, category, exit reason, age band or location, or an impossible rate.
    """
    path = Path(path)
    rows, top = read_rows(path, "changes", "change")
    changes = [change for row in rows for change in _parse_change(path, row)]
    name = top.get("name") or path.stem.replace("_", " ")
    return Scenario(name=name, changes=changes, source=path)


# --- Applying --------------------------------------------------------------------------------


def normalise_rows(matrix: np.ndarray, *, in_place: bool = False) -> np.ndarray:
    """Keep quarterly rates valid (rule in the module docstring).

    Only the rows adding to more than 1 are scaled (the others would be multiplied by 1, which
    changes nothing), and with ``in_place`` no other array of the matrix's size is made: the
    200 rate draws of a county are 30 MB each.

    Args:
        matrix: ``(..., n, n + r)`` rates; the diagonal (staying) is ignored and recomputed.
        in_place: Write the result into ``matrix`` (which must be writable floats).

    Returns:
        The valid rates (``matrix`` itself with ``in_place``): off-diagonal values at least 0
        and adding to at most 1, staying = 1 minus their sum.
    """
    n = matrix.shape[-2]
    idx = np.arange(n)
    off = np.maximum(matrix, 0.0, out=matrix if in_place else None)  # np.clip at 0
    off[..., idx, idx] = 0.0
    leaving = off.sum(axis=-1)
    over = leaving > 1.0
    if over.any():
        off[over] *= (1.0 / leaving[over])[:, None]
    off[..., idx, idx] = 1.0 - np.minimum(leaving, 1.0)
    return off


def rows_over_one(matrix: np.ndarray) -> np.ndarray:
    """States whose off-diagonal rates add to more than 1 (before ``normalise_rows``)."""
    n = matrix.shape[-2]
    off = np.clip(matrix, 0.0, None)
    off[..., np.arange(n), np.arange(n)] = 0.0
    return np.flatnonzero(off.sum(axis=-1) > 1.0 + 1e-12)


def follow_changes(position: np.ndarray, before: np.ndarray, after: np.ndarray) -> np.ndarray:
    """Give children who enter during a quarter the same relative change as the others.

    Where a quarterly rate was above 0 it is scaled by ``after / before``; where it was 0 and
    now is not, children entering during the quarter get half of it (they are in care for half
    a quarter on average).
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        scaled = np.where(before > 0, position * after / np.where(before > 0, before, 1), after / 2)
    n = position.shape[-2]
    scaled[..., np.arange(n), np.arange(n)] = position[..., np.arange(n), np.arange(n)]
    return scaled


_PARTS = STATES.parts()
_AGE = _PARTS["age"].to_numpy()
_CATEGORY = _PARTS["category_index"].to_numpy()
_LOCATION = _PARTS["location_index"].to_numpy()


def _pick(values: np.ndarray, allowed: tuple[int, ...] | None) -> np.ndarray:
    return np.ones(len(values), dtype=bool) if allowed is None else np.isin(values, allowed)


def _children(change: Change, categories: tuple[int, ...] | None) -> np.ndarray:
    """States of the children a change is about (its age band, location and category)."""
    return (
        _pick(_AGE, change.age_bands)
        & _pick(_LOCATION, change.locations)
        & _pick(_CATEGORY, categories)
    )


def _shares(cells: np.ndarray, base: np.ndarray, fallback: np.ndarray) -> np.ndarray:
    """Row-wise weights for an addition.

    In proportion to ``base`` over ``cells``, or equally over ``fallback`` where the row's cells
    hold nothing yet.
    """
    weighted = np.where(cells, base, 0.0)
    total = weighted.sum(axis=-1, keepdims=True)
    even = fallback / np.maximum(fallback.sum(axis=-1, keepdims=True), 1)
    return np.where(total > 0, weighted / np.where(total > 0, total, 1.0), even)


def _apply_entry(entries: np.ndarray, change: Change) -> np.ndarray:
    entries = entries.copy()
    picked = _children(change, change.to)
    if change.change == "multiply":
        entries[picked] *= change.value
    elif change.change == "add":
        base = entries[picked]
        weights = base / base.sum() if base.sum() > 0 else np.full(len(base), 1 / len(base))
        entries[picked] += change.value * weights
    else:
        moved = entries * change.value * picked
        entries -= moved
        target = STATES.index(_AGE, np.full(len(_AGE), change.redirect_to), _LOCATION)
        np.add.at(entries, target, moved)
    return np.clip(entries, 0.0, None)


def _apply_cells(
    matrix: np.ndarray, cells: np.ndarray, fallback: np.ndarray, change: Change, target: np.ndarray
) -> np.ndarray:
    """Apply one change to the picked cells of a rate block (rows: states)."""
    block = matrix.copy()
    if change.change == "multiply":
        block[cells] *= change.value
    elif change.change == "add":
        touched = np.asarray(cells.any(axis=-1) | fallback.any(axis=-1))
        block += change.value * _shares(cells, block, fallback) * touched[:, None]
    else:
        moved = np.where(cells, block * change.value, 0.0)
        block -= moved
        rows, columns = np.nonzero(cells)
        np.add.at(block, (rows, target[rows, columns]), moved[rows, columns])
    return block


def _apply_transition(transition: np.ndarray, change: Change) -> np.ndarray:
    n = STATES.n_states
    rows = _children(change, change.from_categories)
    result = transition.copy()
    if change.flow == "move":
        destination = _pick(_CATEGORY, change.to)
        other_category = _CATEGORY[:, None] != _CATEGORY[None, :]
        cells = rows[:, None] & destination[None, :] & other_category
        same_place = (_AGE[:, None] == _AGE[None, :]) & (_LOCATION[:, None] == _LOCATION[None, :])
        fallback = rows[:, None] & destination[None, :] & other_category & same_place
        redirect = change.redirect_to if change.redirect_to is not None else 0
        target = np.broadcast_to(
            STATES.index(_AGE, np.full(n, redirect), _LOCATION)[None, :], (n, n)
        )
        result[:, :n] = _apply_cells(transition[:, :n], cells, fallback, change, target)
    else:
        reasons = _pick(np.arange(STATES.n_exits), change.to)
        cells = rows[:, None] & reasons[None, :]
        redirect = change.redirect_to if change.redirect_to is not None else 0
        target = np.full(cells.shape, redirect)
        result[:, n:] = _apply_cells(transition[:, n:], cells, cells, change, target)
    return result


def apply_scenario(rates: QuarterlyRates, scenario: Scenario) -> tuple[QuarterlyRates, list[str]]:
    """Apply a scenario's changes in order, then keep the rates valid.

    Args:
        rates: Base quarterly rates (one set).
        scenario: The scenario.

    Returns:
        The scenario's rates, and notes naming the states whose rates had to be scaled down.
    """
    transition, position, entries = rates.transition, rates.entry_position, rates.entries
    for change in scenario.changes:
        if change.flow == "entry":
            entries = _apply_entry(entries, change)
            continue
        changed = _apply_transition(transition, change)
        position = follow_changes(position, transition, changed)
        transition = changed
    notes = []
    over = rows_over_one(transition)
    if len(over):
        names = _PARTS.iloc[over]
        listed = "; ".join(
            f"{CATEGORY_LABELS[row.category]} {row.age_band} {row.location}"
            for row in names.itertuples()
        )
        notes.append(
            f"In {len(over)} state(s) the scenario made the chances of moving or leaving in a "
            f"quarter add to more than 1; they were scaled down to add to 1 ({listed})."
        )
    result = replace(
        rates,
        transition=normalise_rows(transition),
        entry_position=normalise_rows(position),
        entries=np.clip(entries, 0.0, None),
    )
    return result, notes
