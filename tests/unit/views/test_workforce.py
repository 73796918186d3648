"""The workforce claims: a trend chart and a table for agency staff, vacancies and turnover."""

from __future__ import annotations

import pytest
from views_fixtures import context, series_rows

from csc_metrics.views import workforce


def rows():
    # Twelve quarter ends to 31 March 2024; agency 10%, 12% alternating on 80 FTE, vacancies
    # 5% on 90 FTE, turnover only for the last four quarters (a year of snapshots first).
    return [
        *series_rows("agency_workers_pct", [10.0, 12.0] * 6, denominator=80.0),
        *series_rows("vacancy_rate_pct", [5.0] * 12, denominator=90.0),
        *series_rows("social_worker_turnover_pct", [15.0, 16.0] * 2, denominator=75.5),
    ]


def test_the_table_gives_each_share_with_its_fte_base_at_each_quarter_end():
    table = workforce.trend_table(context(rows())).data
    assert len(table) == 12
    last = table.iloc[-1]
    assert last["Quarter ending"] == "31 Mar 2024"
    assert last.filter(like="Agency").tolist() == [12.0, 80.0]
    assert last.filter(like="turnover").tolist() == [16.0, 75.5]
    # Before turnover has a year of snapshots, its cells are blank.
    assert table.filter(like="turnover").iloc[0].isna().all()


def test_each_workforce_claim_has_its_trend_chart():
    ctx = context(rows())
    chart = workforce.trend_chart(ctx, "agency_workers_pct")
    assert "SPC chart" in chart.alt_text
    with pytest.raises(ValueError, match="not one of"):
        workforce.trend_chart(ctx, "cla_count")
