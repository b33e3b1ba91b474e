from __future__ import annotations

import pytest

from pipeline.corpus.conflicts import core_indicator, find_conflicts


def _f(indicator: str, value: float, start: int, unit: str = "个", date: str = "") -> dict[str, object]:
    return {"doc_id": "d", "county_code": "1", "indicator": indicator, "value": value, "unit": unit,
            "date": date, "start": start, "end": start + 3, "raw": f"{value}{unit}"}  # fmt: skip


@pytest.mark.parametrize(
    ("text", "core"), [("全县行政村", "行政村"), ("实现全县行政村", "行政村"), ("辖行政村", "行政村")]
)
def test_core_indicator(text: str, core: str) -> None:
    assert core_indicator(text) == core


@pytest.mark.parametrize(
    ("figs", "n"),
    [
        ([_f("行政村", 263, 0), _f("实现全县行政村", 261, 50)], 1),  # same thing, two values
        ([_f("行政村", 263, 0), _f("行政村", 263, 50)], 0),  # repeated, consistent
        ([_f("合作社", 278, 0), _f("合作社", 101, 50)], 0),  # different scopes, far apart
        ([_f("贫困户", 100, 0, "户", "2014"), _f("贫困户", 90, 50, "户", "2015")], 0),  # different dates
        ([_f("增长", 44.6, 0, "%"), _f("增长", 45.0, 50, "%")], 0),  # rates are not levels
    ],
)
def test_find_conflicts(figs: list[dict[str, object]], n: int) -> None:
    assert len(find_conflicts(figs)) == n
