from __future__ import annotations

import pytest

from pipeline.corpus.conflicts import core_indicator, find_conflicts
from pipeline.model import Figure
from tests.records import figure, result


def _f(indicator: str, value: float, start: int, unit: str = "个", date: str = "") -> Figure:
    return figure("d", indicator, value, unit, start=start, end=start + 3, date=date, county_code="1")


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
def test_find_conflicts(figs: list[Figure], n: int) -> None:
    assert len(find_conflicts([result("d", figures=figs)])) == n


def test_conflict_keeps_both_figures() -> None:
    a, b = _f("行政村", 263, 0), _f("实现全县行政村", 261, 50)
    (c,) = find_conflicts([result("d", figures=[a]), result("e", figures=[b])])
    assert (c.a, c.b, c.value_a, c.value_b, c.indicator) == (a, b, 263.0, 261.0, "行政村")
