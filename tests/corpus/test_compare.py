"""Comparison tables: only reported figures, per-unit amounts in their own columns, a long table beside the wide."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.corpus.build import build_corpus
from pipeline.corpus.compare import compare_counties
from pipeline.io import rows, schema
from pipeline.learn.indicators import IndicatorMapper, load_mapper
from pipeline.model import DocResult, Figure
from tests.records import figure, place, result

MODELS = Path(__file__).resolve().parents[2] / "models"
CODE = "522631"


@pytest.fixture(scope="module")
def mapper() -> IndicatorMapper:
    return load_mapper(MODELS)


def _fig(indicator: str, value: float, unit: str, std: str, *, per: str = "", status: str = "actual",
         date: str = "2020", start: int = 0) -> Figure:  # fmt: skip
    f = figure("d", indicator, value, unit, start=start, date=date, county_code=CODE)
    f.indicator_std, f.per, f.status = std, per, status
    return f


def _results(*figs: Figure) -> list[DocResult]:
    return [result("d", places=[place("d", CODE, "黎平县", province="贵州省")], figures=list(figs))]


def _cells(results: list[DocResult], mapper: IndicatorMapper) -> dict[str, float]:
    (row,), _ = compare_counties(results, mapper)
    return {col: f.value for col, f in row.cells.items()}


def test_targets_and_projections_stay_out(mapper: IndicatorMapper) -> None:
    res = _results(
        _fig("建档立卡贫困户", 21000, "户", "建档立卡贫困户", date="2015"),
        _fig("建档立卡贫困户", 500, "户", "建档立卡贫困户", status="target", date="2025", start=10),
        _fig("建档立卡贫困户", 800, "户", "建档立卡贫困户", status="projected", date="2023", start=20),
        _fig("建档立卡贫困户", 900, "户", "建档立卡贫困户", status="hypothetical", date="2024", start=30),
    )
    assert _cells(res, mapper) == {"建档立卡贫困户(户)": 21000}


def test_per_unit_amounts_never_fill_a_totals_cell(mapper: IndicatorMapper) -> None:
    res = _results(
        _fig("户均分红", 3000, "元", "分红", per="户", date="2021"),
        _fig("分红", 500000, "元", "分红", date="2019", start=10),
        _fig("农民人均可支配收入", 9500, "元", "农民人均可支配收入", per="人", start=20),
    )
    cells = _cells(res, mapper)
    assert cells == {"分红(元)": 500000, "分红(元/户)": 3000, "农民人均可支配收入(元/人)": 9500}
    _, columns = compare_counties(res, mapper)
    assert columns.index("分红(元)") < columns.index("分红(元/户)")


def test_unmapped_figures_stay_unmapped(mapper: IndicatorMapper) -> None:
    res = _results(_fig("种植猕猴桃", 30000, "亩", ""), _fig("建档立卡贫困户", 500, "个", "建档立卡贫困户", start=9))
    assert _cells(res, mapper) == {}  # no canonical name; a name whose unit is not the indicator's


def test_newest_actual_figure_wins(mapper: IndicatorMapper) -> None:
    res = _results(
        _fig("建档立卡贫困户", 21000, "户", "建档立卡贫困户", date="2015"),
        _fig("建档立卡贫困户", 15000, "户", "建档立卡贫困户", date="2018", start=10),
    )
    assert _cells(res, mapper) == {"建档立卡贫困户(户)": 15000}


def test_long_table_has_one_row_per_cell(mapper: IndicatorMapper) -> None:
    res = _results(
        _fig("户均分红", 3000, "元", "分红", per="户", date="2021", start=5),
        _fig("分红", 500000, "元", "分红", date="2019", start=10),
        _fig("分红", 900000, "元", "分红", status="target", date="2025", start=20),
    )
    corpus = build_corpus(res, mapper)
    tables = rows.tables(res, corpus)
    long_rows, cols = tables["compare_counties_long.csv"]
    assert tuple(cols[:8]) == ("county", "adcode", "indicator_std", "value", "unit", "per", "date", "source")
    assert cols == schema.COMPARE_LONG_COLUMNS
    got = sorted((r["indicator_std"], r["value"], r["unit"], r["per"], r["date"]) for r in long_rows)
    assert got == [("分红", "3000", "元", "户", "2021"), ("分红", "500000", "元", "", "2019")]
    assert all(r["county"] == "黎平县" and r["adcode"] == CODE and r["source"].startswith("d:") for r in long_rows)
    wide, _ = tables["compare_counties.csv"]
    assert wide[0]["分红(元)"] == "500000" and wide[0]["分红(元/户)"] == "3000"


def test_figure_rows_carry_the_new_columns() -> None:
    f = _fig("户均分红", 3000, "元", "分红", per="户")
    f.value_high = 4000
    (row,) = rows.figure_rows(_results(f)[0])
    cols = schema.FIGURE_COLUMNS
    assert cols[cols.index("article") + 1 :][:4] == ("indicator_std", "per", "status", "value_high")
    assert (row["indicator_std"], row["per"], row["status"], row["value_high"]) == ("分红", "户", "actual", "4000")
    f.value_high = None
    assert rows.figure_rows(_results(f)[0])[0]["value_high"] == ""


def test_conflicts_ignore_targets_and_per_unit_amounts() -> None:
    from pipeline.corpus.conflicts import find_conflicts

    res = _results(
        _fig("建档立卡贫困户", 21000, "户", "建档立卡贫困户", date="2015"),
        _fig("建档立卡贫困户", 20000, "户", "建档立卡贫困户", status="target", date="2015", start=10),
    )
    assert find_conflicts(res) == []


def test_graph_figures_carry_status_and_per() -> None:
    from pipeline.corpus.graph import build_graph

    res = _results(
        _fig("户均分红", 3000, "元", "分红", per="户"), _fig("分红", 9e5, "元", "分红", status="target", start=9)
    )
    g = build_graph(res)
    figs = {d["value"]: d for _, d in g.nodes(data=True) if d.get("type") == "Figure"}
    assert (figs["3000"]["per"], figs["3000"]["status"], figs["3000"]["indicator_std"]) == ("户", "actual", "分红")
    assert figs["900000"]["status"] == "target"
