"""Practice → outcome links from sentence, section role and cue rules."""

from __future__ import annotations

from collections.abc import Callable

from pipeline.extract.links import link_outcomes, sentence_span
from pipeline.io.rows import link_rows
from pipeline.model import Article, DocResult, Document, Figure, Measure, OffsetMap, Section

TEXT = (
    "某县辖12个乡镇。该县创新“联社共建”模式。\n"
    "二、主要成效\n"
    "“联社共建”实施以来，累计发放贷款3000万元。全县合作社产值1亿元。\n"
    "三、存在问题\n"
    "部分合作社仍有负债200万元。"
)


def _doc() -> Document:
    n = len(TEXT)
    i2, i3 = TEXT.index("二、"), TEXT.index("三、")
    art = Article(
        index=0,
        start=0,
        end=n,
        title="某县“联社共建”调研",
        sections=[
            Section(0, "2", "二、主要成效", 1, "成效", i2, i3),
            Section(0, "3", "三、存在问题", 1, "问题", i3, n),
        ],
    )
    return Document("d", "d.txt", "txt", raw_text=TEXT, text=TEXT, offsets=OffsetMap.identity(n), articles=[art])


def _fig(doc: Document, raw: str, value: float, unit: str, indicator: str) -> Figure:
    s = doc.text.index(raw)
    return Figure(doc.mention(s, s + len(raw), "FIGURE", "test"), value, unit, indicator)


def test_links_follow_rules_and_skip_background_and_problems() -> None:
    doc = _doc()
    prac = Measure(
        doc.mention(TEXT.index("联社共建"), TEXT.index("联社共建") + 4, "MEASURE", "t"), "联社共建", "program"
    )
    figs = [
        _fig(doc, "12个", 12, "个", "乡镇"),
        _fig(doc, "3000万元", 3.0e7, "元", "累计发放贷款"),
        _fig(doc, "1亿元", 1.0e8, "元", "合作社产值"),
        _fig(doc, "200万元", 2.0e6, "元", "负债"),
    ]
    links = link_outcomes(doc, [prac], figs)
    got = {(ln.figure.value, ln.rule) for ln in links}
    assert got == {(3.0e7, "rule:same_sentence"), (1.0e8, "rule:outcome_section")}
    rows = link_rows(DocResult(doc=doc, links=links))
    for r in rows:
        assert r["practice"] == "联社共建"
        assert TEXT[r["evidence_start"] : r["evidence_end"]].startswith(("“联社共建”", "全县"))


def test_sentence_span() -> None:
    s, e = sentence_span(TEXT, TEXT.index("3000"))
    assert TEXT[s:e].endswith("3000万元。")


HEADED = (
    "一、主要做法\n"
    "（一）建设蔬菜产业园区\n"
    "全县建成蔬菜产业园区12个，带动农户3000户增收。\n"
    "（二）推行“联保贷”\n"
    "通过该产品累计发放贷款2亿元，其中“春耕贷”5000万元。\n"
    "二、存在问题\n"
    "部分园区负债800万元。\n"
)


def test_section_heading_names_the_practice(make_doc: Callable[..., Document]) -> None:
    from pipeline.extract.measures import extract_measures

    doc = make_doc(HEADED, "h")
    measures = extract_measures(doc)
    assert "蔬菜产业园区" in {m.name for m in measures}
    figs = [
        _fig(doc, "3000户", 3000, "户", "带动农户"),
        _fig(doc, "2亿元", 2e8, "元", "累计发放贷款"),
        _fig(doc, "800万元", 8e6, "元", "负债"),
    ]
    got = {(ln.practice.name, ln.figure.value) for ln in link_outcomes(doc, measures, figs)}
    assert ("蔬菜产业园区", 3000) in got
    assert ("联保贷", 2e8) in got and ("春耕贷", 2e8) in got  # the section's product and the one named
    assert not any(v == 8e6 for _, v in got)  # problems are not outcomes


def test_anaphora_points_back_to_the_practice(make_doc: Callable[..., Document]) -> None:
    from pipeline.extract.measures import extract_measures

    text = "某县组建核桃产业联合体，统一收购加工。联合体带动农户5000户增收。通过该模式，户均增收3000元。"
    doc = make_doc(text, "a")
    measures = extract_measures(doc)
    figs = [_fig(doc, "5000户", 5000, "户", "带动农户")]
    got = {(ln.practice.name, ln.rule) for ln in link_outcomes(doc, measures, figs)}
    assert ("核桃产业联合体", "rule:anaphora") in got


def test_markdown_headings_are_sections() -> None:
    from pipeline.normalize import normalize
    from pipeline.structure import structure

    doc = structure(normalize(Document("m", "m.md", "md", raw_text="# 某县调研\n\n## 一、主要做法\n\n内容。\n")))
    assert [s.heading for a in doc.articles for s in a.sections] == ["一、主要做法"]


def test_a_practice_in_one_list_item_does_not_claim_the_others() -> None:
    text = "某县推行“联社共建”模式。目前已建成茶园6万亩、“稻鱼共生”2万亩、蔬菜3万亩。"
    n = len(text)
    doc = Document("l", "l.txt", "txt", raw_text=text, text=text, offsets=OffsetMap.identity(n))
    prac = [
        Measure(doc.mention(text.index("联社共建"), text.index("联社共建") + 4, "MEASURE", "t"), "联社共建", "program"),
        Measure(doc.mention(text.index("稻鱼共生"), text.index("稻鱼共生") + 4, "MEASURE", "t"), "稻鱼共生", "program"),
    ]
    figs = [
        _fig(doc, "6万亩", 6e4, "亩", "茶园"),
        _fig(doc, "2万亩", 2e4, "亩", "稻鱼共生"),
        _fig(doc, "3万亩", 3e4, "亩", "蔬菜"),
    ]
    got = {(ln.practice.name, ln.figure.value) for ln in link_outcomes(doc, prac, figs)}
    assert ("稻鱼共生", 2e4) in got
    assert ("稻鱼共生", 6e4) not in got and ("稻鱼共生", 3e4) not in got
