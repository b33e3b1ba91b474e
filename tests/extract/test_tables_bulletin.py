"""Borderless (whitespace-aligned) tables of statistical bulletins and footnote markers, on invented text."""

from __future__ import annotations

import csv
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.extract.figures import extract_figures
from pipeline.extract.tables import table_figures
from pipeline.model import Document

# An invented bulletin page as PDF text gives it: caption with the year, a letter-spaced header, sub-rows.
BULLETIN = (
    "表2 2021年某州主要农产品产量\n"
    "产品名称 产量（万吨） 比上年增长（%）\n"
    "粮食 120.50 -1.5\n"
    "其中：稻谷 80.25 2.0\n"
    "薯类（鲜薯） 9.75 -0.4\n"
    "鲜 菜 33.10 6.2\n"
    "全年全州蔬菜产量增长较快。\n"
    "表3 2021 年某州运输指标\n"
    "指 标 单位 绝对数 增长%\n"
    "货物运输总量 亿吨 1.20 5.5\n"
    "#铁路 万吨 3500 -2.1\n"
    "旅客运输总量 万人 860.00 12.0\n"
)


def _figs(make_doc: Callable[..., Document], text: str) -> list[tuple[str, float, str, str, str]]:
    doc = make_doc(text, fmt="pdf", structured=False)
    return [(f.indicator, f.value, f.unit, f.date, doc.raw_text[f.mention.raw_start : f.mention.raw_end])
            for f in table_figures(doc)]  # fmt: skip


def test_borderless_table_row_by_column_with_unit_and_year(make_doc: Callable[..., Document]) -> None:
    got = _figs(make_doc, BULLETIN)
    assert ("粮食产量", 1205000.0, "吨", "2021", "120.50") in got
    assert ("稻谷产量", 802500.0, "吨", "2021", "80.25") in got  # 其中： dropped from the row header
    assert ("薯类比上年增长", -0.4, "%", "2021", "-0.4") in got
    assert ("鲜菜产量", 331000.0, "吨", "2021", "33.10") in got  # letter-spaced row header joined
    assert len(got) == 8 + 6  # 4 rows x 2 columns, 3 rows x 2 columns: the prose line between ends table 2


def test_unit_column_and_bare_percent_header(make_doc: Callable[..., Document]) -> None:
    got = _figs(make_doc, BULLETIN)
    assert ("货物运输总量绝对数", 120000000.0, "吨", "2021", "1.20") in got  # 亿吨 from the unit column
    assert ("铁路绝对数", 35000000.0, "吨", "2021", "3500") in got  # a # sub-row, its own unit
    assert ("铁路增长", -2.1, "%", "2021", "-2.1") in got  # 增长% header
    assert ("旅客运输总量绝对数", 8600000.0, "人", "2021", "860.00") in got


@pytest.mark.parametrize(
    "text",
    [
        "表1 说明\n本表数据为初步统计数。\n",  # no header with value columns, no rows
        "表1 2020年指标\n指标 2020 2021\n产量 12 13\n",  # a header made of numbers is not a header
        "某县产量 12 13\n粮食 5 6\n",  # no 表N caption: prose with numbers is not a table
    ],
)
def test_not_a_borderless_table(make_doc: Callable[..., Document], text: str) -> None:
    assert _figs(make_doc, text) == []


def test_footnote_marker_keeps_indicator_and_raw_offsets(make_doc: Callable[..., Document]) -> None:
    raw = "全年全州生产总值[2]1234.56亿元，比上年增长4.1%。农业增加值①88.8亿元。\n[1]本公报数据为初步统计数。"
    doc = make_doc(raw, fmt="pdf", structured=False)
    assert "[2]" not in doc.text and "①" not in doc.text and "[1]本公报" in doc.text  # the note itself stays
    figs = {f.value: f for f in extract_figures(doc)}
    gdp = figs[123456000000.0]
    assert "生产总值" in gdp.indicator
    assert raw[gdp.mention.raw_start : gdp.mention.raw_end] == "1234.56亿元"
    assert "农业增加值" in figs[8880000000.0].indicator


@pytest.mark.slow
def test_eval_bulletins_gate_through_the_cli(shared: Path, repo: Path, tmp_path: Path) -> None:
    """`make eval-bulletins` as the user meets it: the zhoukou bulletin scored against our gold passes its floors,
    and its table figures carry indicator, unit and the year of the table title."""
    pdf = shared / "external/pdfs/zhoukou_2023_tongjigongbao.pdf"
    if not pdf.exists():
        pytest.skip("the external bulletins are not available")
    corpus = tmp_path / "bulletins"
    corpus.mkdir()
    shutil.copy(pdf, corpus / pdf.name)
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["eval", str(corpus), "--gold", str(repo / "tests/gold/bulletins"), "--out",
                                   str(out), "--floors", str(repo / "tests/eval_floors/bulletins.json")])  # fmt: skip
    assert res.exit_code == 0, res.output
    with (out / "figures.csv").open(encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    steel = [r for r in rows if r["indicator"] == "钢材产量"]  # 表5: row 钢材 x column 产量, unit column 吨
    assert [(float(r["value"]), r["unit"], r["date"]) for r in steel] == [(1577693.0, "吨", "2023")]
