"""Figure extraction: sentence → expected figures (value, unit, indicator words, date, qualifier)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from pipeline.extract.figures import extract_figures
from pipeline.io.rows import figure_rows
from pipeline.model import DocResult, Document, Edit, OffsetMap, Table, apply_edits


def doc_of(text: str, doc_id: str = "t") -> Document:
    return Document(doc_id=doc_id, source="x.txt", format="txt", raw_text=text, text=text)


def find(figs, value: float, unit: str):
    hits = [f for f in figs if f.unit == unit and abs(f.value - value) <= 1e-6 * max(1, abs(value))]
    assert hits, f"no figure {value} {unit} in {[(f.value, f.unit, f.indicator) for f in figs]}"
    return hits[0]


# (sentence, value, unit, words the indicator must contain, date, qualifier)
CASES = [
    ("2016年全乡有建档立卡贫困户1500户、5230人,贫困发生率18.2%。", 1500, "户", ["贫困户"], "2016", ""),
    ("2016年全乡有建档立卡贫困户1500户、5230人,贫困发生率18.2%。", 5230, "人", ["贫困户"], "2016", ""),
    ("2016年全乡有建档立卡贫困户1500户、5230人,贫困发生率18.2%。", 18.2, "%", ["贫困发生率"], "2016", ""),
    ("该镇下辖12个行政村、3个社区。", 12, "个", ["行政村"], "", ""),
    ("该镇下辖12个行政村、3个社区。", 3, "个", ["社区"], "", ""),
    ("截至2019年6月底,累计发放扶贫小额信贷2356.7万元,同比增长21.5%。", 23567000, "元", ["扶贫小额信贷"], "2019-06", ""),
    ("截至2019年6月底,累计发放扶贫小额信贷2356.7万元,同比增长21.5%。", 21.5, "%", ["信贷", "增长"], "2019-06", ""),
    (
        "茶叶产值800万元,旅游收入达350万元,同比分别增长12.5%和30.2%。",
        12.5,
        "%",
        ["茶叶产值", "增长"],
        "",
        "",
    ),
    ("茶叶产值800万元,旅游收入达350万元,同比分别增长12.5%和30.2%。", 30.2, "%", ["旅游收入", "增长"], "", ""),
    ("全村党员40名,其中高中以上学历12名,占30%。", 30, "%", ["高中以上学历"], "", ""),
    ("公司带动周边农户600户发展养殖。", 600, "户", ["带动", "农户"], "", ""),
    ("合作社吸纳社员近千人。", 1000, "人", ["社员"], "", "近"),
    ("全县人口约23万。", 230000, "人", ["人口"], "", ""),
    ("新建蔬菜大棚120余座。", 120, "座", ["蔬菜大棚"], "", "余"),
    ("种植面积达1.2万亩以上。", 12000, "亩", ["种植面积"], "", "以上"),
    ("村集体经济收入增长近5倍。", 5, "倍", ["收入", "增长"], "", "近"),
    ("近三分之一的农户参加了培训。", 33.33, "%", ["农户"], "", "近"),
]


@pytest.mark.parametrize(("text", "value", "unit", "words", "date", "qual"), CASES)
def test_figure_cases(text: str, value: float, unit: str, words: list[str], date: str, qual: str) -> None:
    f = find(extract_figures(doc_of(text)), value, unit)
    for w in words:
        assert w in f.indicator, f.indicator
    assert f.date == date
    assert f.qualifier == qual
    assert f.indicator
    assert f.sentence and f.mention.text in f.sentence


# Text that holds numbers but no figure.
NOT_FIGURES = [
    "一、基本情况",
    "1.加强组织领导",
    "（三）创新工作机制",
    "一是抓班子,二是带队伍。",
    "坚持“五先五后”工作法,推进三位一体改革。",
    "实现两不愁三保障目标。",
    "打造六大产业。",
    "这是第一个示范村。",
    "形成了一个好机制,培养了一批人才。",
    "联系电话：0855-1234567，邮箱abc123@163.com。",
    "2020年10月15日召开会议。",
    "第12页",
]


@pytest.mark.parametrize("text", NOT_FIGURES)
def test_not_figures(text: str) -> None:
    assert extract_figures(doc_of(text)) == []


def test_rows_are_grounded_in_raw_text() -> None:
    raw = "截至2020年底，全縣共有貧困戶 1 200戶，帶動 4 824.31 萬元。"
    text, omap = raw, OffsetMap.identity(len(raw))
    # stand-in normalization: simplify a few characters, drop the spaces inside numbers
    simp = {"縣": "县", "貧": "贫", "戶": "户", "帶": "带", "動": "动", "萬": "万"}
    text, omap = apply_edits(text, omap, [Edit(i, i + 1, simp[c]) for i, c in enumerate(text) if c in simp])
    text, omap = apply_edits(
        text, omap, [Edit(m.start(), m.end(), "") for m in re.finditer(r"(?<=\d) (?=[\d万])", text)]
    )
    doc = Document(doc_id="g", source="g.txt", format="txt", raw_text=raw, text=text, offsets=omap)
    figs = extract_figures(doc)
    rows = figure_rows(DocResult(doc=doc, figures=figs))
    assert {(r["value"], r["unit"]) for r in rows} >= {("1200", "户"), ("48243100", "元")}
    for r in rows:
        assert raw[r["start"] : r["end"]] == r["raw"]
        assert r["indicator"]
        assert set(r) >= {"doc_id", "county_code", "indicator", "value", "unit", "raw", "date", "qualifier", "page"}


def test_page_filled_for_paged_sources() -> None:
    raw = "第一页内容。\f全县贫困户320户。"
    doc = Document(doc_id="p", source="p.pdf", format="pdf", raw_text=raw, text=raw, page_starts=[0, 7])
    (f,) = extract_figures(doc)
    assert f.mention.page == 2


def test_table_cells() -> None:
    raw = "表1 各乡镇产值\n乡镇 产值(万元) 户数(户)\n甲镇 120.5 300\n乙镇 80 210\n"
    table = Table(
        page=1,
        rows=[["乡镇", "产值(万元)", "户数(户)"], ["甲镇", "120.5", "300"], ["乙镇", "80", "210"]],
        raw_start=raw.index("乡镇 产值"),
        raw_end=len(raw),
        caption="表1 各乡镇产值",
    )
    doc = Document(doc_id="tb", source="t.pdf", format="pdf", raw_text=raw, text=raw, page_starts=[0], tables=[table])
    figs = [f for f in extract_figures(doc) if f.mention.source == "figures.table"]
    got = {(f.indicator, f.value, f.unit) for f in figs}
    assert ("甲镇产值", 1205000, "元") in got
    assert ("乙镇户数", 210, "户") in got
    for f in figs:
        assert raw[f.mention.raw_start : f.mention.raw_end] == f.mention.raw


SHARED = Path(__file__).resolve().parents[2] / "../shared"


def test_seed_recall_floor(make_doc: Callable[..., Document]) -> None:
    """Recall on the annotated seeds (scored as the gold README describes) stays above a floor."""
    gold_dir, seeds = SHARED / "gold", SHARED / "corpus/seeds"
    if not gold_dir.exists() or not seeds.exists():
        pytest.skip("shared gold/seeds not available")
    hit = total = 0
    for g in sorted(gold_dir.glob("*.json")):
        gold = json.loads(g.read_text(encoding="utf-8"))
        src = seeds / f"{gold['doc_id']}.txt"
        if not src.exists():
            continue
        with src.open(encoding="utf-8", newline="") as fh:
            raw = fh.read()
        doc = make_doc(raw, gold["doc_id"], source=str(src), structured=False)
        rows = figure_rows(DocResult(doc=doc, figures=extract_figures(doc)))
        for r in rows:
            assert raw[r["start"] : r["end"]] == r["raw"]
        for gf in gold.get("figures", []):
            total += 1
            tol = float(gf.get("tolerance", 1e-6))
            vals = [float(v) for v in [gf["value"], *gf.get("alt_values", [])]]
            hit += any(
                r["unit"] == gf["unit"]
                and any(
                    abs(float(r["value"]) - v) <= (tol * max(abs(v), 1) if "tolerance" not in gf else tol) for v in vals
                )
                and any(k in r["indicator"] for k in gf["indicator_any"])
                and (not gf.get("date") or r["date"].startswith(str(gf["date"])))
                for r in rows
            )
    assert total and hit / total >= 0.85, f"seed figure recall {hit}/{total}"


def test_numbers_inside_titles_are_not_figures() -> None:
    figs = extract_figures(doc_of("印发《2020年5个重点产业发展方案》,新增合作社12家。"))
    assert [(f.value, f.unit) for f in figs] == [(12, "家")]


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        # from-to pairs: both values measure the subject, each dated by its own year
        (
            "全县茶园面积由2016年的3.5万亩扩大到2022年的6万亩。",
            [(35000.0, "亩", "茶园面积", "2016"), (60000.0, "亩", "茶园面积", "2022")],
        ),
        # a comparison base year does not date the figure
        (
            "2022年全县旅游收入12亿元，比2015年增长3倍。",
            [(1.2e9, "元", "旅游收入", "2022"), (3.0, "倍", "旅游收入增长", "2022")],
        ),
        # 分别 over a listed subject: each value gets its own item with the shared head
        (
            "核桃、花椒两大产业种植面积分别达到4万亩和2万亩。",
            [(40000.0, "亩", "核桃种植面积", ""), (20000.0, "亩", "花椒种植面积", "")],
        ),
        ("年均降水量约500毫米。", [(500.0, "毫米", "年均降水量", "")]),
    ],
)
def test_sentence_patterns(sentence: str, expected: list[tuple[float, str, str, str]]) -> None:
    figs = extract_figures(doc_of(sentence))
    assert [(f.value, f.unit, f.indicator, f.date) for f in figs] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a sentence-initial date frames the rest of its paragraph …
        ("2022年，全县收入5亿元。核桃种植面积4万亩。", [("5亿元", "2022"), ("4万亩", "2022")]),
        # … until a time word resets it, or the paragraph ends
        ("2022年，全县收入5亿元。近年来，新建大棚300个。", [("5亿元", "2022"), ("300个", "")]),
        ("2022年，全县收入5亿元。\n核桃种植面积4万亩。", [("5亿元", "2022"), ("4万亩", "")]),
    ],
)
def test_framing_dates(text: str, expected: list[tuple[str, str]]) -> None:
    figs = extract_figures(doc_of(text))
    assert [(f.mention.raw.lstrip("达到"), f.date) for f in figs] == expected


def test_counted_noun_then_adverb_and_verb() -> None:
    figs = extract_figures(doc_of("截至2020年底，全县60个贫困村全部出列，贫困人口2万人全部脱贫。"))
    assert [(f.value, f.indicator) for f in figs] == [(60.0, "贫困村出列"), (20000.0, "贫困人口")]
