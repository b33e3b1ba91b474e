"""Borderless (whitespace-aligned) tables of statistical bulletins and footnote markers, on invented text."""

from __future__ import annotations

import csv
import re
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
    assert ("粮食其中稻谷产量", 802500.0, "吨", "2021", "80.25") in got  # 其中：稻谷 is a part of 粮食
    assert ("薯类比上年增长", -0.4, "%", "2021", "-0.4") in got
    assert ("鲜菜产量", 331000.0, "吨", "2021", "33.10") in got  # letter-spaced row header joined
    assert len(got) == 8 + 6  # 4 rows x 2 columns, 3 rows x 2 columns: the prose line between ends table 2


def test_unit_column_and_bare_percent_header(make_doc: Callable[..., Document]) -> None:
    got = _figs(make_doc, BULLETIN)
    assert ("货物运输总量绝对数", 120000000.0, "吨", "2021", "1.20") in got  # 亿吨 from the unit column
    assert ("货物运输总量其中铁路绝对数", 35000000.0, "吨", "2021", "3500") in got  # a # sub-row, its own unit
    assert ("货物运输总量其中铁路增长", -2.1, "%", "2021", "-2.1") in got  # 增长% header
    assert ("旅客运输总量绝对数", 8600000.0, "人", "2021", "860.00") in got


# Sub-rows as bulletins print them: ``#`` and ``其中：`` parts, a breakdown repeated under each indicator.
TRANSPORT = (
    "表6 2022年某州交通运输主要指标\n"
    "指标 单位 绝对数 增长%\n"
    "货物运输总量 亿吨 2.50 5.0\n"
    "#铁路 亿吨 0.60 -3.0\n"
    "水运 亿吨 0.40 6.0\n"
    "公路 亿吨 1.50 4.0\n"
    "货物运输周转量 亿吨公里 800.00 -12.0\n"
    "#铁路 亿吨公里 120.00 -1.0\n"
    "水运 亿吨公里 150.00 5.0\n"
    "公路 亿吨公里 530.00 6.0\n"
    "旅客运输周转量 亿人公里 30.50 60.0\n"
)
POPULATION = (
    "表1 2022年末某州常住人口\n"
    "指 标 年末数（万人） 比重（%）\n"
    "全州常住人口 700.00\n"
    "其中：城镇 300.00 42.86\n"
    "乡村 400.00 57.14\n"
    "其中：男性 355.00 50.71\n"
    "女性 345.00 49.29\n"
    "油料 10.00\n"
    "其中：花生 8.00\n"
)


def test_sub_rows_carry_their_parent(make_doc: Callable[..., Document]) -> None:
    """``#铁路`` and the rows of the same breakdown after it (水运, 公路: labels that recur under each indicator)
    are parts of the indicator above; a row with another unit starts a new one; 吨公里 and 人公里 are units."""
    got = {(ind, v, u) for ind, v, u, _, _ in _figs(make_doc, TRANSPORT)}
    assert ("货物运输总量其中铁路绝对数", 60000000.0, "吨") in got
    assert ("货物运输总量其中公路绝对数", 150000000.0, "吨") in got
    assert ("货物运输周转量绝对数", 80000000000.0, "吨公里") in got  # a new parent: its unit changed
    assert ("货物运输周转量其中铁路绝对数", 12000000000.0, "吨公里") in got
    assert ("货物运输周转量其中水运增长", 5.0, "%") in got
    assert ("旅客运输周转量绝对数", 3050000000.0, "人公里") in got


def test_an_unmarked_row_after_a_part_gets_no_guessed_parent(make_doc: Callable[..., Document]) -> None:
    """Without printed indents ``乡村`` after ``其中：城镇`` may be a part or a new indicator (``油料``), so it keeps
    its own name, and a part marked after it (``其中：男性``) gets no parent rather than a wrong one."""
    got = {ind for ind, *_ in _figs(make_doc, POPULATION)}
    assert {"全州常住人口其中城镇年末数", "乡村年末数", "男性年末数", "女性比重", "花生年末数"} <= got
    assert not any(ind.startswith(("乡村其中", "女性其中", "油料其中")) for ind in got)


def test_a_part_row_is_not_mapped_to_its_parents_canonical_indicator(resources: object) -> None:
    """``全州常住人口其中城镇`` names the population but counts a part of it: no indicator_std (a comparison
    table must not take the urban population for the total)."""
    from pipeline.extract.qualify import qualify_figures
    from pipeline.model import Figure, Mention

    doc = Document("d", "d.pdf", "pdf", raw_text="x", text="x")
    mention = Mention("d", 0, 1, 0, 1, 1, "FIGURE", "x", "x", source="table")
    whole = Figure(mention=mention, value=7000000.0, unit="人", indicator="全州常住人口年末数")
    part = Figure(mention=mention, value=3000000.0, unit="人", indicator="全州常住人口其中城镇年末数")
    qualify_figures(doc, [whole, part], resources.indicator_mapper)  # type: ignore[attr-defined]
    assert whole.indicator_std and not part.indicator_std


@pytest.mark.parametrize(
    ("sentence", "value", "unit", "indicator"),
    [
        ("全年出生率8.47‰，自然增长率-0.57‰。", -0.57, "‰", "自然增长率"),  # a printed minus is kept
        ("全年生产总值比上年增长－2.5%。", -2.5, "%", "生产总值"),  # a full-width minus too
        ("全年出生人口比上年下降0.57万人。", 5700.0, "人", "出生人口"),  # 下降 says the direction: positive
        ("全年货物运输周转量962.97亿吨公里，旅客运输周转量36.73亿人公里。", 96297000000.0, "吨公里", "货物运输周转量"),
        ("全年货物运输周转量962.97亿吨公里，旅客运输周转量36.73亿人公里。", 3673000000.0, "人公里", "旅客运输周转量"),
    ],
)
def test_signed_values_and_transport_units_in_sentences(
    make_doc: Callable[..., Document], sentence: str, value: float, unit: str, indicator: str
) -> None:
    doc = make_doc("某州2023年国民经济和社会发展统计公报\n" + sentence, fmt="pdf", structured=False)
    hits = [f for f in extract_figures(doc) if f.value == value and f.unit == unit]
    assert hits and indicator in hits[0].indicator, [(f.indicator, f.value, f.unit) for f in extract_figures(doc)]
    if value < 0:
        assert doc.raw_text[hits[0].mention.raw_start] in "-－"  # the span takes the sign


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("2019年-2020年", [(2019.0, 2020.0)]),  # a range, not a negative year
        ("1-10月增长5%", [(1.0, 10.0), (5.0, None)]),
        ("G-3公里", [(3.0, None)]),  # a code
        ("增幅为-1.5%", [(-1.5, None)]),
    ],
)
def test_minus_sign_only_before_a_number_of_its_own(text: str, values: list[tuple[float, float | None]]) -> None:
    from pipeline.text.numerals import iter_quantities

    assert [(q.value, q.value_high) for q in iter_quantities(text)] == values


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
    got = {(r["indicator"], float(r["value"]), r["unit"]) for r in rows}
    assert ("自然增长率", -0.57, "‰") in got  # the printed minus kept
    assert ("货物运输周转量其中铁路绝对数", 13957000000.0, "吨公里") in got  # 表6: a # sub-row, its parent


def test_a_negative_figure_is_written_safely_and_still_grounded(tmp_path: Path) -> None:
    """Through the CLI: ``-0.57‰`` is a figure of value -0.57 whose raw cell is written with the spreadsheet
    guard (``'-0.57‰``); the evaluator still finds it at its offsets (grounding 1.0)."""
    import json

    corpus, gold, out = tmp_path / "c", tmp_path / "g", tmp_path / "o"
    corpus.mkdir()
    gold.mkdir()
    report = "某县2023年国民经济和社会发展统计公报\n全年出生率8.47‰，自然增长率-0.57‰。\n"
    (corpus / "gb.txt").write_text(report, "utf-8")
    fig = {"value": -0.57, "unit": "‰", "indicator_any": ["自然增长率"]}
    (gold / "gb.json").write_text(json.dumps({"doc_id": "gb", "figures": [fig]}), "utf-8")
    res = CliRunner().invoke(app, ["eval", str(corpus), "--gold", str(gold), "--out", str(out)])
    assert res.exit_code == 0, res.output
    with (out / "figures.csv").open(encoding="utf-8-sig") as f:
        row = next(r for r in csv.DictReader(f) if r["unit"] == "‰" and r["value"].startswith("-"))
    assert (row["value"], row["raw"]) == ("-0.57", "'-0.57‰")
    text = (out / "text" / "gb.txt").read_text("utf-8")
    assert text[int(row["start"]) : int(row["end"])] == "-0.57‰"
    assert re.search(r"figures\s.*1\.000", res.output) and re.search(r"grounding\s.*1\.000", res.output)
