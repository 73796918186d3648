"""Reference dates, data coverage, and the per-episode structures every indicator reads.

Everything that does not depend on the reference date is worked out once, here, for all children
at once: each episode's placement group, distance and placement council, whether it counts as a
new placement or a new carer, where its period of care began, and each care leaver's reference
birthday. Evaluating an indicator at a reference date ``R`` is then a handful of vectorised masks,
which is what makes a quarterly series over many years fast.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from csc_metrics.dates import format_date, parse_period_end
from csc_metrics.errors import InputError, ParameterError
from csc_metrics.geography import build_postcode_index, placement_council, placement_distance_miles
from csc_metrics.indicators import groups
from csc_metrics.settings import DEFAULT_SETTINGS, Settings
from csc_metrics.storage import EXTRACT_DATES_KEY, ProcessedData

CHILD_COLUMNS = ["dob", "sex", "ethnic_group", "uasc_listed", "uasc_ceased"]

#: Local rule: the population used for a rate at reference date R is the latest ONS mid-year
#: estimate whose reference day (30 June of its year) is on or before R. Month and day of that
#: reference day:
POPULATION_REFERENCE_DAY = (6, 30)


def window_start(period_end: pd.Timestamp) -> pd.Timestamp:
    """First day of the 12 months W to ``period_end``: R minus a year plus a day.

    Definitions: docs/definitions.md, "Conventions".
    """
    return period_end - pd.DateOffset(years=1) + pd.Timedelta(days=1)


def age_at(dob: pd.Series, when: pd.Timestamp | pd.Series) -> pd.Series:
    """Age in completed years on a date; missing where the date of birth is missing.

    Definitions: docs/definitions.md, "Conventions".

    Args:
        dob: Dates of birth.
        when: One date, or dates aligned with ``dob``.

    Returns:
        Ages as floats (so that missing can be represented).
    """
    if isinstance(when, pd.Timestamp):
        year, month_day = when.year, when.month * 100 + when.day
    else:
        year, month_day = when.dt.year, when.dt.month * 100 + when.dt.day
    before_birthday = month_day < dob.dt.month * 100 + dob.dt.day
    return (year - dob.dt.year - before_birthday.astype(float)).astype(float)


# --- Coverage --------------------------------------------------------------------------------


def _collection_years(data: ProcessedData) -> pd.Series:
    return pd.concat(
        [data.episodes["collection_year"], data.oc3["collection_year"]], ignore_index=True
    ).astype(int)


def data_coverage(data: ProcessedData) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The range of reference dates the SSDA903 returns can answer for.

    Start: 1 April of the earliest collection year held (the first day that return covers).
    End: 31 March of the latest collection year, since a return covers its whole collection
    year (a quiet year has few events), unless the user said the latest return is an in-year
    extract by putting an ``extract_date.txt`` in its year folder: the data then end on that
    date (``storage.EXTRACT_DATES_KEY`` in the ingest manifest). Ingest warns
    (``return_ends_early``) when the last event is months before the year end and no extract
    date was given.

    Args:
        data: The processed data.

    Returns:
        ``(start, end)``.

    Raises:
        InputError: If the data hold no SSDA903 episodes or OC3 rows.
    """
    years = _collection_years(data)
    if years.empty:
        raise InputError(
            "The processed data hold no SSDA903 episodes or OC3 rows, so no indicator can be "
            "computed. Check that RAW/ssda903/<YYYY>/ holds the Episodes and OC3 files and "
            "re-run `csc-metrics ingest`."
        )
    latest = int(years.max())
    start = pd.Timestamp(year=int(years.min()) - 1, month=4, day=1)
    extract = (data.manifest.get(EXTRACT_DATES_KEY) or {}).get(str(latest))
    end = pd.Timestamp(extract) if extract else pd.Timestamp(year=latest, month=3, day=31)
    return start, end


def quarter_ends_covered(data: ProcessedData) -> list[pd.Timestamp]:
    """Every quarter end (30 June, 30 Sept, 31 Dec, 31 March) in ``data_coverage``, oldest first.

    Args:
        data: The processed data.

    Returns:
        The quarter ends.
    """
    start, end = data_coverage(data)
    return list(pd.date_range(start, end, freq="QE"))


def check_period_end(period_end: pd.Timestamp, coverage: tuple[pd.Timestamp, pd.Timestamp]) -> None:
    """Refuse a reference date outside the data, with a message naming the covered range.

    Args:
        period_end: The reference date asked for.
        coverage: ``(start, end)`` from ``data_coverage``.

    Raises:
        ParameterError: If ``period_end`` is before ``start`` or after ``end``.
    """
    start, end = coverage
    if start <= period_end <= end:
        return
    side = "before" if period_end < start else "after"
    quarter_ends = pd.date_range(start, end, freq="QE")
    asked, start_text, end_text = (format_date(d, "iso") for d in (period_end, start, end))
    quarters = (
        f" Quarter ends covered: {format_date(quarter_ends[0], 'iso')} to "
        f"{format_date(quarter_ends[-1], 'iso')}."
        if len(quarter_ends)
        else ""
    )
    raise ParameterError(
        f"The reference date {asked} is {side} the data: the SSDA903 files held cover "
        f"{start_text} to {end_text}. Choose a date in that range.{quarters}"
    )


# --- Prepared inputs -------------------------------------------------------------------------


@dataclass
class IndicatorInputs:
    """Date-independent structures for every indicator, built once by ``prepare_inputs``.

    Attributes:
        episodes: Non-short-break episodes sorted by child and start, with derived columns
            (see ``prepare_episodes``).
        children: One row per child (``child_attributes``).
        care_leavers: OC3 rows with reference birthday, age and band (``prepare_care_leavers``).
        population: The population table.
        coverage: ``(start, end)`` from ``data_coverage``.
        settings: The settings used.
    """

    episodes: pd.DataFrame
    children: pd.DataFrame
    care_leavers: pd.DataFrame
    population: pd.DataFrame
    coverage: tuple[pd.Timestamp, pd.Timestamp]
    settings: Settings


def resolve_period_end(
    value: object, data: ProcessedData, option: str = "period_end"
) -> pd.Timestamp:
    """The reference date a person asked for: a date some dataset covers, or the latest quarter end.

    ``latest`` is the latest quarter end that any dataset covers (``coverage``): a caseload
    snapshot after the last SSDA903 return gives a later ``latest``, at which the SSDA903
    indicators are reported as not covered.

    The notebooks' ``period_end``, ``csc-metrics indicators --period-end`` and
    ``csc-metrics run --period-end`` all go through here.

    Args:
        value: ``"latest"`` (the most recent quarter end the data cover) or a date
            ``"YYYY-MM-DD"`` (or a timestamp) inside the data.
        data: The processed data.
        option: How the person gave it, for messages (``period_end`` or ``--period-end``).

    Returns:
        The date.

    Raises:
        ParameterError: If the value is neither, ``latest`` finds no quarter end, or the date is
            outside the data (the message gives the range covered).
    """
    # Imported here: coverage builds on this module's data_coverage.
    from csc_metrics.indicators.coverage import (
        check_covered,
        covered_quarter_ends,
        dataset_windows,
        require_data,
    )

    wanted = parse_period_end(value, option, latest=True)
    windows = dataset_windows(data)
    if isinstance(wanted, str):  # "latest"
        require_data(windows)
        quarter_ends = covered_quarter_ends(windows)
        if not quarter_ends:
            shown = f"{option} latest" if option.startswith("-") else f"{option}='latest'"
            covered = "; ".join(
                f"{format_date(w.start, 'iso')} to {format_date(w.end, 'iso')}"
                for w in windows.values()
            )
            raise ParameterError(
                f"{shown}: the data cover {covered}, which holds no quarter end. Give {option} "
                "as a date (YYYY-MM-DD)."
            )
        return pd.Timestamp(quarter_ends[-1])
    check_covered(wanted, windows)
    return wanted


def prepare_inputs(data: ProcessedData, settings: Settings = DEFAULT_SETTINGS) -> IndicatorInputs:
    """Build the date-independent structures for all indicators.

    Args:
        data: The processed data.
        settings: Local rules.

    Returns:
        The prepared inputs.
    """
    children = child_attributes(data)
    return IndicatorInputs(
        episodes=prepare_episodes(data, settings, children),
        children=children,
        care_leavers=prepare_care_leavers(data, children),
        population=data.population,
        coverage=data_coverage(data),
        settings=settings,
    )


def child_attributes(data: ProcessedData) -> pd.DataFrame:
    """One row per child in the header or the UASC table, with what the breakdowns need.

    Args:
        data: The processed data.

    Returns:
        A frame indexed by ``child_id`` with ``dob``, ``sex`` and ``ethnic_group`` (categorical
        labels), ``uasc_listed`` (in the UASC table) and ``uasc_ceased`` (DUC in the latest
        file that lists the child; blank while the status lasts).
    """
    children = data.header.set_index("child_id")[["dob", "sex", "ethnic_group"]]
    uasc = (
        data.uasc.sort_values(["child_id", "collection_year"])
        .drop_duplicates("child_id", keep="last")
        .set_index("child_id")["duc"]
        .rename("uasc_ceased")
    )
    children = children.join(uasc, how="outer")
    children["uasc_listed"] = children.index.isin(uasc.index)
    children["sex"] = pd.Categorical(
        children["sex"].map(groups.SEX_LABELS).fillna("Unknown"), groups.SEX_GROUPS
    )
    children["ethnic_group"] = pd.Categorical(
        children["ethnic_group"].fillna(groups.ETHNIC_NOT_RECORDED), groups.ETHNIC_GROUP_LABELS
    )
    return children[CHILD_COLUMNS]


def attach_children(frame: pd.DataFrame, children: pd.DataFrame) -> pd.DataFrame:
    """Add the child attribute columns to rows keyed by ``child_id``.

    Children missing from the header get sex "Unknown", ethnic group "Not recorded", not UASC.
    A column both frames have (``dob`` in OC3) keeps the row's own, the header's as ``*_header``.
    """
    attached = frame.merge(
        children, left_on="child_id", right_index=True, how="left", suffixes=("", "_header")
    ).reset_index(drop=True)
    attached["sex"] = attached["sex"].fillna("Unknown")
    attached["ethnic_group"] = attached["ethnic_group"].fillna(groups.ETHNIC_NOT_RECORDED)
    attached["uasc_listed"] = attached["uasc_listed"].fillna(False).astype(bool)
    return attached


def _previous_in_child(values: pd.Series, same_child: np.ndarray) -> pd.Series:
    """Value of the previous row of the same child (missing on a child's first row)."""
    return values.shift(1).where(same_child)


def prepare_episodes(
    data: ProcessedData,
    settings: Settings = DEFAULT_SETTINGS,
    children: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Drop short breaks and add the derived columns the placement indicators need.

    Derived columns (all vectorised over every child at once):

    - ``child``: integer code of the child (for fast counting).
    - ``is_temporary``: PLACE is a temporary placement (T0-T4).
    - ``is_return``: the episode follows a temporary one and goes back to the same PLACE and
      PL_POST as the last non-temporary episode before it (definitions.md, "Three or more
      placements in 12 months").
    - ``is_new_placement``: counts as a further placement in the 3+ rule: RNE in
      ``settings.placement_change_rne``, not temporary, not a return.
    - ``is_new_carer``: starts a new carer for long-term stability: RNE in
      ``settings.carer_change_rne`` (or the child's first recorded episode), not temporary, not
      a return.
    - ``period_start``: start of the continuous period of care the episode belongs to: a new
      period begins at RNE S, at a child's first episode, and wherever an episode does not start
      on the day the previous one ceased.
    - ``carer_start``: start of the carer placement current during the episode.
    - ``previous_carer_start``: start of the carer placement before that one, in the same period
      of care (missing if none).
    - ``carer_start_known``: False when the carer placement began before the data supplied (the
      child's first recorded episode is RNE L, T or U, and no carer change follows): the
      ``carer_start`` recorded is then only an upper bound.
    - ``period_start_known``: False when the period of care began before the data supplied
      (its first recorded episode is not RNE S).
    - ``placement_group``, ``provider_group``, ``distance_miles``, ``placement_la``.
    - the child's ``dob``, ``sex``, ``ethnic_group``, ``uasc_listed``, ``uasc_ceased``.

    Args:
        data: The processed data.
        settings: Local rules.
        children: ``child_attributes(data)``, if already built.

    Returns:
        The prepared episodes, sorted by child and start date.
    """
    raw = data.episodes
    keep = ~raw["is_short_break"].astype(bool) & ~raw["ls"].isin(settings.short_break_ls)
    episodes = (
        raw.loc[keep].sort_values(["child_id", "decom"], kind="stable").reset_index(drop=True)
    )
    episodes["child"] = pd.factorize(episodes["child_id"])[0]
    same_child = (episodes["child"].diff() == 0).to_numpy()
    first_of_child = ~same_child

    is_temporary = episodes["place"].isin(settings.temporary_place_codes)
    # Row position of the last non-temporary episode before each row, within the child.
    position = pd.Series(np.arange(len(episodes)), dtype=float).where(~is_temporary)
    last_settled = position.groupby(episodes["child"]).ffill()
    before = _previous_in_child(last_settled, same_child)
    before_rows = before.fillna(0).astype(int).to_numpy()
    place_key = episodes["place"].fillna("").to_numpy()
    postcode_key = episodes["pl_post"].fillna("").to_numpy()
    previous_temporary = _previous_in_child(is_temporary, same_child).fillna(False).astype(bool)
    is_return = (
        previous_temporary
        & before.notna()
        & (place_key == place_key[before_rows])
        & (postcode_key == postcode_key[before_rows])
        & ~is_temporary
    )
    settled_move = ~is_temporary & ~is_return
    episodes["is_temporary"] = is_temporary
    episodes["is_return"] = is_return
    episodes["is_new_placement"] = (
        episodes["rne"].isin(settings.placement_change_rne) & settled_move
    )
    episodes["is_new_carer"] = (
        episodes["rne"].isin(settings.carer_change_rne) | first_of_child
    ) & settled_move

    previous_dec = _previous_in_child(episodes["dec"], same_child)
    starts_period = first_of_child | episodes["rne"].eq("S") | episodes["decom"].ne(previous_dec)
    period = starts_period.cumsum()
    episodes["period_start"] = episodes["decom"].groupby(period).transform("first")

    # Each carer placement's previous carer placement, when both are in the same period of care.
    is_new_carer = episodes["is_new_carer"].to_numpy()
    carer_rows = pd.DataFrame(
        {"child": episodes["child"], "period": period, "decom": episodes["decom"]}
    )[is_new_carer]
    previous_carer = (
        carer_rows["decom"]
        .shift(1)
        .where((carer_rows["child"].diff() == 0) & (carer_rows["period"].diff() == 0))
    )
    # Row position of the latest carer change at or before each row, within the child.
    carer_position = (
        pd.Series(np.arange(len(episodes)), dtype=float)
        .where(is_new_carer)
        .groupby(episodes["child"])
        .ffill()
    )
    has_carer = carer_position.notna().to_numpy()
    carer_rows_at = carer_position.fillna(0).astype(int).to_numpy()
    # A temporary first episode has no carer before it: its own start stands in.
    episodes["carer_start"] = episodes["decom"].to_numpy()[carer_rows_at]
    episodes["carer_start"] = episodes["carer_start"].where(has_carer, episodes["decom"])
    # A child's first recorded episode that is not itself a carer change (RNE L, T or U, or a
    # temporary placement) continues a carer placement that began before the data supplied: the
    # true carer start is on or before the recorded one, and not known.
    opened_before_data = first_of_child & ~episodes["rne"].isin(settings.carer_change_rne)
    chain_start = np.where(has_carer, carer_rows_at, np.arange(len(episodes)))
    episodes["carer_start_known"] = ~opened_before_data.to_numpy()[chain_start]
    # Likewise a period of care whose first recorded episode is not RNE S began earlier.
    episodes["period_start_known"] = (
        (episodes["rne"].eq("S") | ~first_of_child).groupby(period).transform("first")
    )
    previous_at_row = previous_carer.reindex(episodes.index)
    episodes["previous_carer_start"] = previous_at_row.to_numpy()[carer_rows_at]
    episodes["previous_carer_start"] = episodes["previous_carer_start"].where(has_carer)

    foster_split = (
        episodes["place_provider"].map(groups.FOSTER_BY_PROVIDER).fillna(groups.FOSTER_EXTERNAL)
    )
    placement_group = episodes["place"].map(groups.PLACE_TO_GROUP).fillna("Other")
    placement_group = placement_group.mask(
        placement_group.eq(groups.FOSTER_OTHER_CARERS), foster_split
    )
    episodes["placement_group"] = pd.Categorical(placement_group, groups.PLACEMENT_GROUPS)
    episodes["provider_group"] = pd.Categorical(
        episodes["place_provider"].map(groups.PROVIDER_TO_GROUP).fillna("None"),
        groups.PROVIDER_GROUPS,
    )
    index = build_postcode_index(data.postcodes)
    episodes["distance_miles"] = placement_distance_miles(
        episodes["home_post"], episodes["pl_post"], index, settings
    )
    episodes["placement_la"] = placement_council(episodes["pl_post"], index)
    return attach_children(episodes, child_attributes(data) if children is None else children)


def prepare_care_leavers(data: ProcessedData, children: pd.DataFrame | None = None) -> pd.DataFrame:
    """Give every OC3 row its reference birthday, age band, groups and indicator flags.

    Definitions: docs/definitions.md, "Care leavers".

    The reference birthday is the young person's birthday inside the collection year of the file
    the row came from (1 April Y-1 to 31 March Y). A 29 February birthday falls on 1 March in a
    year that is not a leap year (the day the young person reaches that age). The date
    of birth is the OC3 one, or the header one where OC3 leaves it blank. Where one young person
    has two rows for the same reference birthday, the row from the latest file is kept (highest
    collection year, then the last file name).

    Args:
        data: The processed data.
        children: ``child_attributes(data)``, if already built.

    Returns:
        OC3 rows with ``dob`` filled, ``reference_birthday``, ``reference_age`` (float), ``band``
        (``17_18``, ``19_21``, or missing when the age is outside 17-21 or unknown),
        ``excluded_reason``, the breakdown groups (``sex``, ``ethnic_group``, ``uasc``,
        ``activity``, ``accommodation``, ``in_touch_group``) and the boolean flags ``counted``,
        ``eet``, ``neet``, ``activity_unknown``, ``in_touch_yes``, ``suitable_accommodation``.
    """
    rows = attach_children(data.oc3, child_attributes(data) if children is None else children)
    rows["dob"] = rows["dob"].fillna(rows["dob_header"])
    month_day = rows["dob"].dt.month * 100 + rows["dob"].dt.day
    year = rows["collection_year"] - (month_day >= 401).astype(int)
    birthday = pd.to_datetime(
        pd.DataFrame({"year": year, "month": rows["dob"].dt.month, "day": rows["dob"].dt.day}),
        errors="coerce",
    )
    leap_day = month_day.eq(229) & birthday.isna()
    birthday = birthday.mask(
        leap_day, pd.to_datetime(year.astype("str") + "-03-01", errors="coerce")
    )
    rows["reference_birthday"] = birthday.where(rows["dob"].notna())
    rows["reference_age"] = (year - rows["dob"].dt.year).astype(float)
    rows["band"] = rows["reference_age"].map(groups.CARE_LEAVER_BANDS)
    rows = rows.sort_values(["child_id", "collection_year", "source_file", "source_row"])
    duplicate = (
        rows.duplicated(["child_id", "reference_birthday"], keep="last")
        & rows["reference_birthday"].notna()
    )
    rows = rows.loc[~duplicate].reset_index(drop=True)
    return _classify_care_leavers(rows)


def _classify_care_leavers(rows: pd.DataFrame) -> pd.DataFrame:
    """Add the exclusion reason, breakdown groups and indicator flags to OC3 rows."""
    activ, accom, in_touch = rows["activ"], rows["accom"], rows["in_touch"]
    excluded = in_touch.isin(groups.CARE_LEAVER_EXCLUDED)
    reason = pd.Series(pd.NA, index=rows.index, dtype="str")
    reason = reason.mask(excluded, "IN_TOUCH " + in_touch.fillna(""))
    reason = reason.mask(rows["band"].isna(), "age at reference birthday outside 17-21")
    rows["excluded_reason"] = reason
    # For care leavers UASC means "in the UASC table" (former UASC included): definitions.md,
    # "Care leavers".
    rows["uasc"] = pd.Categorical(
        np.where(rows["uasc_listed"], "UASC", "Not UASC"), groups.UASC_GROUPS
    )
    rows["activity"] = groups.label_codes(activ, groups.ACTIVITY_GROUPS, groups.ACTIVITY_LABELS)
    rows["accommodation"] = groups.label_codes(
        accom.str[0], groups.ACCOMMODATION_GROUPS, groups.ACCOMMODATION_LABELS
    )
    rows["in_touch_group"] = groups.label_codes(
        in_touch, groups.IN_TOUCH_GROUPS, groups.IN_TOUCH_LABELS
    )
    counted = reason.isna()
    old_eet_code = activ.isin(groups.EET_ACTIVITIES_BEFORE_2022) & (
        rows["collection_year"] <= groups.EET_OLD_CODES_LAST_YEAR
    )
    flags = {
        "counted": counted,
        "eet": activ.isin(groups.EET_ACTIVITIES) | old_eet_code,
        "neet": activ.isin(groups.NEET_ACTIVITIES),
        "activity_unknown": activ.isna() | activ.isin(groups.ACTIVITY_UNKNOWN),
        "in_touch_yes": in_touch.eq(groups.IN_TOUCH_YES),
        "suitable_accommodation": accom.str[1].eq(groups.SUITABLE_DIGIT),
    }
    for name, flag in flags.items():
        rows[name] = (counted & flag).fillna(False).astype(bool)
    return rows


def population_for(
    population: pd.DataFrame, la_code: str, period_end: pd.Timestamp
) -> tuple[float, int] | None:
    """The child population (0-17) to use for a rate at ``period_end``, with its estimate year.

    Local rule (``POPULATION_REFERENCE_DAY``): the latest mid-year estimate whose 30 June is on or
    before the reference date, for the run's council.

    Args:
        population: The ``clean_reference__population`` table.
        la_code: The responsible council.
        period_end: The reference date.

    Returns:
        ``(population, year)``, or None when no estimate applies.
    """
    month, day = POPULATION_REFERENCE_DAY
    latest_year = period_end.year - int((period_end.month, period_end.day) < (month, day))
    rows = population[(population["la_code"] == la_code) & (population["year"] <= latest_year)]
    if rows.empty:
        return None
    row = rows.sort_values("year").iloc[-1]
    return float(row["population_0_17"]), int(row["year"])
