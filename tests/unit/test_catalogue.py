"""The catalogue's tables keyed by indicator may only name indicators the catalogue has."""

from __future__ import annotations

import pandas as pd
import pytest

from csc_metrics import catalogue


def _serve(monkeypatch, table):
    """Read ``table`` as reference/windows.csv; every other reference file as shipped."""
    shipped = catalogue.read_reference
    monkeypatch.setattr(
        catalogue, "read_reference", lambda name: table if name == "windows.csv" else shipped(name)
    )


def test_an_indicator_table_naming_an_unknown_indicator_is_refused(monkeypatch):
    table = pd.DataFrame({"id": ["cla_count", "no_such_indicator"], "rolling_months": ["0", "12"]})
    _serve(monkeypatch, table)
    with pytest.raises(KeyError, match=r"reference/windows\.csv .*\['no_such_indicator'\]"):
        catalogue._indicator_reference("windows.csv")


def test_an_indicator_table_of_known_indicators_is_read_as_it_is(monkeypatch):
    table = pd.DataFrame({"id": ["cla_count"], "rolling_months": ["0"]})
    _serve(monkeypatch, table)
    assert catalogue._indicator_reference("windows.csv") is table
