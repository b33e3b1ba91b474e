"""Figures qualified for tables: per-unit denominator, status, range, canonical indicator (sentences written here)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.extract.annotate import COMPONENTS, annotate, records
from pipeline.extract.figures import extract_figures
from pipeline.extract.qualify import STATUSES, qualify_figures
from pipeline.learn.indicators import load_mapper
from pipeline.model import Document, Figure
from pipeline.run import Resources
from pipeline.text.numerals import approximate_range, parse_quantity
from tests.records import document

MODELS = Path(__file__).resolve().parents[2] / "models"


def _qualified(text: str, mapper: object = None) -> list[Figure]:
    doc = document("q", text)
    return qualify_figures(doc, extract_figures(doc), mapper)


def _find(figs: list[Figure], raw: str) -> Figure:
    hits = [f for f in figs if raw in f.mention.text]
    assert hits, f"no figure {raw!r} in {[f.mention.text for f in figs]}"
    return hits[0]


# ----------------------------------------------------------------------------------------------------------- per

PER_CASES = [
    ("全村贫困户户均增收4000元。", "4000元", "户"),
    ("2020年全县农民人均纯收入达到9500元。", "9500元", "人"),
    ("参加抱团的试点村村均增收2.5万元。", "2.5万元", "村"),
    ("县财政对每个村安排产业扶持资金30万元。", "30万元", "村"),
    ("合作社流转土地，每亩租金450元。", "450元", "亩"),
    ("入股农户每户每年分红1200元。", "1200元", "户"),
    ("每名贫困学生补助生活费1000元。", "1000元", "人"),
    ("养一头牛补助500元，县里再补助1500元。", "500元", "头"),
    ("养一头牛补助500元，县里再补助1500元。", "1500元", "头"),
    ("土鸡蛋1斤能卖到15元。", "15元", "斤"),
    ("由财政出资80元/年/人，保险公司配套60元/年/人。", "80元", "人"),
    ("由财政出资80元/年/人，保险公司配套60元/年/人。", "60元", "人"),
    ("土地流转补偿标准为800元/亩。", "800元", "亩"),
    ("年收入低于3000元的贫困户全部纳入帮扶。", "3000元", "户"),
    ("特色产业实现人均2亩。", "2亩", "人"),
    ("对每个贫困户发放产业补助3000元。", "3000元", "户"),
    ("全县水稻亩产达到650公斤。", "650公斤", "亩"),
    ("鲜笋收购价3元一斤。", "3元", "斤"),
    ("一亩地能产鲜薯3000斤。", "3000斤", "亩"),
    ("每只羊补助300元。", "300元", "只"),
    ("茶园亩收益达到6000元。", "6000元", "亩"),
    ("贫困户户年均增收3000元。", "3000元", "户"),
    ("为每个劳动力发放交通补贴500元。", "500元", "人"),
    # not per-unit
    ("全县累计发放扶贫小额贷款3.5亿元。", "3.5亿元", ""),
    ("户均增收2000元，全县村集体经济收入达到500万元。", "500万元", ""),
    ("全县农民人均收入同比增长12%。", "12%", ""),
    ("人均耕地不足1亩的贫困户有300户。", "300户", ""),
    ("每年为贫困户提供就业岗位600个。", "600个", ""),
    ("全镇有合作社45家，带动农户1800户。", "1800户", ""),
]


@pytest.mark.parametrize(("text", "raw", "per"), PER_CASES)
def test_per(text: str, raw: str, per: str) -> None:
    assert _find(_qualified(text), raw).per == per


def test_slash_unit_becomes_base_unit_and_per() -> None:
    f = _find(_qualified("土地流转补偿标准为800元/亩。"), "800元")
    assert (f.unit, f.per, f.value) == ("元", "亩", 800)
    g = _find(_qualified("每人缴费80元/年。"), "80元")
    assert (g.unit, g.per) == ("元", "人")


# -------------------------------------------------------------------------------------------------------- status

STATUS_CASES = [
    ("截至2020年底，全县累计脱贫1.2万人。", "1.2万人", "actual"),
    ("2019年，全县发放扶贫小额信贷2.3亿元。", "2.3亿元", "actual"),
    ("到2025年，力争全县农民人均可支配收入达到2万元。", "2万元", "target"),
    ("计划明年新建温室大棚200个。", "200个", "target"),
    ("目标是到2022年村集体经济收入达到50万元。", "50万元", "target"),
    ("确保到2020年贫困发生率降至2%以下。", "2%", "target"),
    ("全县计划投资5000万元，目前已完成投资3200万元。", "5000万元", "target"),
    ("全县计划投资5000万元，目前已完成投资3200万元。", "3200万元", "actual"),
    ("年内完成易地扶贫搬迁1500人的目标任务。", "1500人", "target"),
    ("按规划，安置点总投资8000万元，占地60亩。", "60亩", "target"),
    ("今年计划将有2.8万人脱贫。", "2.8万人", "target"),
    ("项目建成后，预计年产值可达5000万元。", "5000万元", "projected"),
    ("今年全县有望实现脱贫3000人。", "3000人", "projected"),
    ("届时将带动周边群众就业500人。", "500人", "projected"),
    ("新厂房投产后，合作社年销售额将达到800万元。", "800万元", "projected"),
    ("如按每亩增收800元计算，全村可增收40万元。", "40万元", "hypothetical"),
    ("如按每亩增收800元计算，全村可增收40万元。", "800元", "hypothetical"),
    ("该项目能够帮助200户贫困户稳定增收。", "200户", "hypothetical"),
    ("合作社去年分红已达到30万元。", "30万元", "actual"),
    ("据测算，每头牛养殖纯收益达8000元。", "8000元", "actual"),
    ("全县共争取上级资金3000万元。", "3000万元", "actual"),
    ("通过雨露计划培训贫困劳动力1200人。", "1200人", "actual"),
    ("实施“雨露计划”，培训贫困劳动力1200人。", "1200人", "actual"),
    ("目前已规划建成美丽乡村示范村48个。", "48个", "actual"),
    ("力争年底前完成搬迁300户，建成安置房300套。", "300套", "target"),
    ("将有限的2000万元资金集中投入主导产业。", "2000万元", "actual"),
    ("下一步，我县将新建冷库10座。", "10座", "target"),
    ("2021年全县新建大棚300个。到2025年，全县茶园面积达到30万亩。", "30万亩", "target"),
    ("2021年全县新建大棚300个。到2025年，全县茶园面积达到30万亩。", "300个", "actual"),
    ("2019年底启动建设。到2020年底，全县贫困发生率降至0.5%。", "0.5%", "target"),
    ("2021年回访。到2020年底，全县贫困发生率降至0.5%。", "0.5%", "actual"),
    ("到2020年底，全县贫困发生率降至0.5%。", "0.5%", "actual"),
    ("项目投用后可带动500人就业。", "500人", "projected"),
    ("明年新建冷库5座。", "5座", "target"),
    ("菜价从2016年的每斤4元跌到2017年的2元。", "2元", "actual"),
]


@pytest.mark.parametrize(("text", "raw", "status"), STATUS_CASES)
def test_status(text: str, raw: str, status: str) -> None:
    assert _find(_qualified(text), raw).status == status


def test_a_target_frame_ends_with_its_sentence() -> None:
    figs = _qualified("力争年底前建成大棚300个。2020年全县已建成大棚120个。")
    assert [(f.value, f.status) for f in figs] == [(300, "target"), (120, "actual")]


# ------------------------------------------------------------------------------------------------------- ranges

RANGE_CASES = [
    ("贫困户收入增长20—40%。", "%", 20, 40),
    ("每户补助3万至5万元。", "元", 30000, 50000),
    ("养殖场面积3000-5000平方米。", "平方米", 3000, 5000),
    ("给予每村150-200万元的财政补助。", "元", 1500000, 2000000),
    ("村复垦土地补偿资金60-90万元/亩。", "元", 600000, 900000),
    ("每个村培育1至2个骨干产业。", "个", 1, 2),
    ("我们这里养一头牛能赚七八千元。", "元", 7000, 8000),
    ("种植大户每年能增收两三万元。", "元", 20000, 30000),
    ("旺季每天需要三四百人次务工。", "人次", 300, 400),
    ("亩产提高到1.5～2吨。", "吨", 1.5, 2),
    ("贷款利率下浮20%-30%。", "%", 20, 30),
    ("鲜薯收购价在10到15元之间。", "元", 10, 15),
    ("全县共有建档立卡贫困户1200户。", "户", 1200, None),
    ("带动十七八个村发展产业。", "个", 17, 18),
    ("每人每月补助两到三千元。", "元", 2000, 3000),
    ("每亩地产值8000到1万元。", "元", 8000, 10000),
    ("每户补贴三到五千元。", "元", 3000, 5000),
    ("安置点可容纳三到五百人。", "人", 300, 500),
    ("每戶補助十到十五萬元。", "元", 100000, 150000),
    ("每只羊可卖1200－1500元。", "元", 1200, 1500),
]


@pytest.mark.parametrize(("text", "unit", "value", "high"), RANGE_CASES)
def test_value_high(text: str, unit: str, value: float, high: float | None) -> None:
    figs = [f for f in _qualified(text) if f.unit == unit]
    assert figs, text
    assert (figs[0].value, figs[0].value_high) == (value, high)


@pytest.mark.parametrize(
    ("numeral", "expected"),
    [("七八千", (7000, 8000, 1000)), ("两三万", (20000, 30000, 10000)), ("十七八", (17, 18, 1)),
     ("一二十", (10, 20, 10)), ("三十", None), ("二十万", None), ("五七", None), ("十二万", None)],
)  # fmt: skip
def test_approximate_range(numeral: str, expected: tuple[float, float, float] | None) -> None:
    assert approximate_range(numeral) == expected


def test_parser_keeps_both_ends() -> None:
    q = parse_quantity("1.5万-2万元")
    assert q is not None and (q.value, q.value_high) == (15000, 20000)


# ------------------------------------------------------------------------------------------- canonical indicator


def test_indicator_std_from_the_vocabulary_and_never_forced() -> None:
    mapper = load_mapper(MODELS)
    figs = _qualified("2015年全县有建档立卡贫困户2.1万户，全县农民人均可支配收入7650元，种植核桃4万亩。", mapper)
    assert _find(figs, "2.1万户").indicator_std == "建档立卡贫困户"
    assert _find(figs, "7650元").indicator_std == "农民人均可支配收入"
    assert _find(figs, "4万亩").indicator_std == ""


# ------------------------------------------------------------------------------------------------- in the pipeline


def test_qualify_runs_after_tables_in_the_pipeline(resources: Resources) -> None:
    assert COMPONENTS.index("qualify") == COMPONENTS.index("tables") + 1
    assert "ruralmine_qualify" in resources.nlp.pipe_names
    text = (
        "黎平县位于贵州省。2015年全县有建档立卡贫困户2.1万户。入股农户户均分红1200元。"
        "到2025年，力争村集体经济收入达到50万元。每户补助3万至5万元。"
    )
    figs = records(annotate(resources.nlp, document("p", text)), "figures")
    assert _find(figs, "2.1万户").indicator_std == "建档立卡贫困户"
    assert _find(figs, "1200元").per == "户"
    assert _find(figs, "50万元").status == "target"
    assert _find(figs, "3万至5万元").value_high == 50000


PLAN_REPORT = (
    "某县发展蔬菜产业的调查\n"
    "一、主要成效\n"
    "2020年全县蔬菜种植面积达到5万亩，带动贫困户3000户。\n"
    "二、下步打算\n"
    "蔬菜种植面积扩大到8万亩，带动农户5000户。目前已建成冷库12座。\n"
)


@pytest.mark.parametrize(("raw", "status"), [("5万亩", "actual"), ("3000户", "actual"), ("8万亩", "target"),
                                             ("5000户", "target"), ("12座", "actual")])  # fmt: skip
def test_a_plan_section_makes_its_figures_targets(make_doc: Callable[..., Document], raw: str, status: str) -> None:
    doc = make_doc(PLAN_REPORT, "plan")
    assert any("打算" in s.heading for a in doc.articles for s in a.sections), "the factory should find headings"
    assert _find(qualify_figures(doc, extract_figures(doc)), raw).status == status


_PIECES = st.sampled_from(
    ["全县", "户均", "人均", "每个村", "力争", "预计", "截至2020年底，", "累计", "如按每户计算，", "贫困户", "发放贷款",
     "增收", "，", "、", "3.5万元", "20—40%", "1200户", "450元/亩", "七八千元", "3万至5万元", "500人", "将达"]
)  # fmt: skip


@given(st.lists(_PIECES, min_size=1, max_size=12))
@settings(max_examples=60, deadline=None)
def test_qualified_figures_are_well_formed(pieces: list[str]) -> None:
    """Whatever the sentence, every figure gets a known status, a per only where an amount can have one, and a
    range's upper end above its value."""
    for f in _qualified("".join(pieces) + "。"):
        assert f.status in STATUSES
        assert not (f.per and f.unit in ("%", "倍", "个百分点")) and f.per != f.unit
        assert "/" not in f.unit
        assert f.value_high is None or f.value_high > f.value


@pytest.mark.parametrize(
    ("heading", "framed"),
    [("二、下步打算", True), ("四、发展目标", True), ("（三）目标任务", True), ("五、下一步工作计划", True),
     ("2.今后工作思路", True), ("三、锚定目标精准发力", False), ("（二）实施雨露计划", False),
     ("四、存在问题和下一步打算", False), ("一、基本情况", False), ("三、主要成效和发展目标", False)],
)  # fmt: skip
def test_plan_headings(heading: str, framed: bool) -> None:
    from pipeline.extract.qualify import _status_cues

    (cue,) = [c for c in _status_cues() if c.scope == "section" and c.status == "target"]
    assert bool(cue.rx.search(heading)) == framed
