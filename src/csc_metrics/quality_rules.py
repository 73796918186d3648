"""The data-quality rules: each rule's name, severity and meaning, as data, in one registry.

Severities follow ``quality.py``: ``error`` the row cannot be used and is dropped, ``warning`` a
value was changed or blanked or the row is used with caution, ``info`` noted but harmless.
``docs/definitions.md`` and the README describe the same rules in plain words; the data quality
report explains every rule it counts with ``rule_meaning``.
"""

from __future__ import annotations

#: SSDA903 ingest's rules: rule -> (severity, what it means).
SSDA903_RULES: dict[str, tuple[str, str]] = {
    "missing_child_id": ("error", "the row has no child identifier, so it cannot be used"),
    "missing_start_date": ("error", "the episode has no valid start date (DECOM)"),
    "duplicate_row": ("error", "the same record appears twice in one collection year"),
    "episode_superseded": (
        "error",
        "an episode left open in an older return was replaced by a later return",
    ),
    "value_tidied": ("warning", "spaces removed or letters upper-cased"),
    "excel_number_artefact": ("warning", "a number Excel wrote as '1.0' was read as '1'"),
    "label_instead_of_code": ("warning", "a code's label was given instead of the code"),
    "code_not_valid_in_year": (
        "warning",
        "the code belongs to another collection year's list; mapped to today's code",
    ),
    "invalid_code": ("warning", "the value is not a code of this column; left blank"),
    "invalid_date": ("warning", "the value is not a possible date; left blank"),
    "two_digit_year": ("warning", "a date with a two-digit year cannot be trusted; left blank"),
    "invalid_postcode": ("warning", "the value is not a postcode, sector or district; left blank"),
    "postcode_normalised": (
        "info",
        "a postcode was rewritten in the standard form (upper case, one space before the inward "
        "code), e.g. C251YT read as C25 1YT",
    ),
    "dec_before_decom": ("warning", "the episode ends before it starts"),
    "rec_without_dec": (
        "warning",
        "a reason the episode ceased (REC) is given but no date ceased (DEC): treated as open",
    ),
    "dec_without_rec": (
        "warning",
        "a date ceased (DEC) is given but no valid reason (REC): ended for an unknown reason",
    ),
    "mandatory_item_blank": (
        "warning",
        "a mandatory episode item (RNE, LS, CIN or PLACE) is blank",
    ),
    "date_after_year_end": (
        "warning",
        "an episode date is later than the end of its return's collection year",
    ),
    "return_ends_early": (
        "warning",
        "the latest return's last event is months before its year end, and no extract date says "
        "it is an in-year extract, so it is taken to cover its whole year",
    ),
    "episode_repaired": ("warning", "an episode left open in an older return was closed"),
    "episode_overlap": ("warning", "the episode starts before the previous one ended"),
    "episode_gap": ("warning", "a continuation episode starts after the previous one ended"),
    "child_not_in_header": ("warning", "the child has episodes but no Header row"),
    "table_missing_for_year": ("warning", "a collection year has Episodes but no Header"),
    "file_ignored": ("warning", "the file is not CSV or XML and was not read"),
    "extra_column": ("info", "a local column that is not in the DfE table was dropped"),
    "blank_rows_skipped": ("info", "completely blank rows were skipped"),
    "not_utf8": ("info", "the file was read as Windows-1252 (cp1252) text"),
    "delimiter_detected": (
        "info",
        "the file was UTF-16 text or separated by tabs or semicolons, not commas; read as found",
    ),
    "table_not_used": ("info", "a DfE table was recognised but csc-metrics does not use it"),
    "repeated_in_later_file": (
        "info",
        "records repeated in a later return; the later return's version was kept",
    ),
}

#: Rules found when the care-leaver indicators are worked out (OC3 rows left out of a cohort).
CARE_LEAVER_RULES: dict[str, tuple[str, str]] = {
    "care_leaver_age_outside_17_21": (
        "error",
        "an OC3 row whose age at the birthday is outside 17-21",
    ),
    "care_leaver_dob_missing": ("error", "an OC3 row with no date of birth, so no age band"),
}

#: Every registered rule.
RULES: dict[str, tuple[str, str]] = {**SSDA903_RULES, **CARE_LEAVER_RULES}


def severity(rule: str) -> str:
    """Return the severity of a registered rule."""
    return RULES[rule][0]


def rule_meaning(rule: str) -> str:
    """What a data-quality rule means, in words (its name in words when not registered)."""
    return RULES[rule][1] if rule in RULES else rule.replace("_", " ")
