"""Practice → outcome links: candidate pairs decided by rules or the learned model, relations from cue words."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pipeline.extract.links import latest_year, link_outcomes, relation_of, sentence_span
from pipeline.io.rows import link_rows
from pipeline.model import Article, DocResult, Document, Figure, Measure, OffsetMap, Section

MODELS = Path(__file__).resolve().parents[2] / "models"

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


# ------------------------------------------------------------------------------------ relations (case table)

RELATION_CASES = [
    # (sentence, the figure, relation) — the figure's own clause decides, or its sentence's opening frame
    ("全县累计发放贷款3000万元。", "3000万元", "achieved"),
    ("全县有建档立卡贫困户7465户。", "7465户", "baseline"),
    ("2014年全县贫困发生率高达23.5%。", "23.5%", "baseline"),
    ("全县贫困发生率降至0.5%。", "0.5%", "achieved"),
    ("全县有2000户贫困户脱贫。", "2000户", "achieved"),
    ("带动农户300户，其中有贫困户120户。", "120户", "achieved"),
    ("过去亩均收入仅1500元。", "1500元", "baseline"),
    ("养殖面积从2016年的2万亩扩大到28万亩。", "2万亩", "baseline"),
    ("养殖面积从2016年的2万亩扩大到28万亩。", "28万亩", "achieved"),
    ("下一步，力争新建电站30座。", "30座", "target"),
    ("计划新建示范村50个。", "50个", "target"),
    ("预计年产值可达2亿元。", "2亿元", "target"),
    ("建成后日处理污水将达8万吨。", "8万吨", "target"),
    ("2021年全县建成示范村25个，到2025年将建成示范村100个。", "100个", "target"),
    ("2021年全县建成示范村25个，到2025年将建成示范村100个。", "25个", "achieved"),
    ("到2020年底，全县贫困村120个全部出列。", "120个", "achieved"),  # the deadline reports look back on
    ("县里争取项目资金8600万元。", "8600万元", "achieved"),  # 争取资金 is obtaining, not a goal
]


@pytest.mark.parametrize(("sentence", "figure", "relation"), RELATION_CASES)
def test_relation_of(sentence: str, figure: str, relation: str) -> None:
    s = sentence.index(figure)
    assert relation_of(sentence, s, s + len(figure), "", latest_year(sentence)) == relation


def test_a_background_section_gives_baseline() -> None:
    text = "全县辖12个乡镇。"
    assert relation_of(text, 2, 5, "背景") == "baseline"


def test_cue_words_inside_a_practice_name_are_not_read(make_doc: Callable[..., Document]) -> None:
    """雨露计划 holds 计划 (a target cue): the name is blanked before the cues are read."""
    text = "某县开展雨露计划培训，培训贫困劳动力4800人。"
    doc = make_doc(text, "m")
    s = text.index("雨露计划")
    prac = Measure(doc.mention(s, s + 4, "MEASURE", "t"), "雨露计划", "program")
    links = link_outcomes(doc, [prac], [_fig(doc, "4800人", 4800, "人", "培训贫困劳动力")])
    assert [(ln.practice.name, ln.relation) for ln in links] == [("雨露计划", "achieved")]


# ------------------------------------------------------------------------- decisions: rules and the model

# Marked documents (the format of models/training/links.tsv): ⟦practice⟧ (|l loan product, |s formula,
# |o organization), ⟨figure@practice⟩, ⟨figure@A&B⟩ both, ⟨figure@-⟩ none.
DECISION_CASES = [
    # a practice named before the paragraph's outcomes
    "某县推行“⟦林果套种⟧”。全县套种面积达⟨3.2万亩@林果套种⟩，带动农户⟨2100户@林果套种⟩。",
    # figures before any practice is named are no outcomes
    "某县有耕地⟨40万亩@-⟩。近年来推行“⟦订单收购⟧”，签订订单面积⟨8万亩@订单收购⟩。",
    # coordination: 通过A和B，… links both
    "通过⟦就业车间⟧和⟦护路员岗位⟧，全县解决就业⟨3600人@就业车间&护路员岗位⟩。",
    # the section heading names the practice
    "一、主要做法\\n（一）发展⟦高山茶叶⟧\\n全县种植茶叶⟨5万亩@高山茶叶⟩，产值⟨6亿元@高山茶叶⟩。\\n二、存在问题\\n部分茶企负债⟨800万元@-⟩。",
]
MODEL_ONLY_CASES = [
    # the paragraph opens with its practice; one named in passing nearer the figures is a means, not the topic
    "某县多模式带贫\\n“⟦托管代养、分红到户⟧”模式。县里将资金投入肉牛企业，以“⟦企业+村集体+农户|s⟧”的方式代养，"
    "目前全县参与代养户达⟨2300户@托管代养、分红到户⟩，累计分红⟨1500万元@托管代养、分红到户⟩。",
    # a villager's words are no practice's outcome
    "某县开办“⟦牛倌课堂⟧”，培训养殖户⟨900人次@牛倌课堂⟩。养殖户张大哥说：“我家现在一年能挣⟨5万多元@-⟩。”",
    # counted by its head noun far from its name: 全县12个联合社 for the title's 果蔬联合社
    "某县创新试点村级⟦果蔬联合社|o⟧的调研\\n某县地处山区。县里推行村级⟦果蔬联合社|o⟧，吸纳农户入社。\\n"
    "一、主要做法\\n组织引领。县里选派⟨30名@-⟩干部驻村。\\n政策扶持。县财政为每个村解决资金⟨20万元@-⟩，"
    "通过⟦财政贴息|s⟧方式解决贷款。目前全县⟨12个@果蔬联合社⟩联合社共发展社员⟨980户@果蔬联合社⟩。",
    # 该联社 at the paragraph start points back to the credit union for the figures of its later sentences
    "⟦某县信用联社|o⟧助农纪实\n⟦某县信用联社|o⟧召开推进会。\n该联社今年已发放贷款⟨3亿元@某县信用联社⟩。"
    "同时，对全县⟨1.2万户@某县信用联社⟩农户开展评级授信。",
]


def _decided(marked: str, model: object) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    """(expected, got) (practice, figure) pairs of a marked document."""
    from pipeline.learn.links import parse_marked
    from pipeline.learn.train import marked_document

    doc, measures, figs = marked_document(parse_marked("case", marked))
    expected = {(p, f.mention.text) for f, names, _ in figs for p in names}
    links = link_outcomes(doc, measures, [f for f, _, _ in figs], model=model)
    return expected, {(ln.practice.name, ln.figure.mention.text) for ln in links}


@pytest.mark.parametrize("marked", DECISION_CASES)
def test_rule_decisions(marked: str) -> None:
    expected, got = _decided(marked, None)
    assert expected <= got
    unlinked = {f for f in _figures(marked)} - {f for _, f in expected}
    assert not {f for _, f in got} & unlinked  # a figure marked "-" gets no link


def _figures(marked: str) -> list[str]:
    import re

    return re.findall(r"⟨([^⟩@]+)@", marked)


@pytest.fixture(scope="module")
def link_model() -> object:
    from pipeline.learn.links import LinkModel

    try:
        return LinkModel.from_disk(MODELS)
    except FileNotFoundError:
        pytest.skip("link model not built")


@pytest.mark.parametrize("marked", DECISION_CASES + MODEL_ONLY_CASES)
def test_model_decisions(marked: str, link_model: object) -> None:
    expected, got = _decided(marked, link_model)
    assert got == expected


def test_repeated_paragraph_gives_one_link(make_doc: Callable[..., Document]) -> None:
    para = "某县推行“联户经营”，带动农户1200户增收。"
    doc = make_doc(para + "\n" + para, "r")
    s = doc.text.index("联户经营")
    prac = Measure(doc.mention(s, s + 4, "MEASURE", "t"), "联户经营", "program")
    i = doc.text.index("1200户")
    j = doc.text.index("1200户", i + 1)
    figs = [Figure(doc.mention(k, k + 5, "FIGURE", "t"), 1200, "户", "带动农户") for k in (i, j)]
    assert len(link_outcomes(doc, [prac], figs)) == 1


def test_model_ranks_the_nearest_practice_first(link_model: object) -> None:
    """Of two practices named before a figure in its sentence the nearer one ranks first (the rules take both)."""
    from pipeline.extract.links import articles_of, candidate_pairs, link_context
    from pipeline.learn.links import parse_marked
    from pipeline.learn.train import marked_document

    marked = "某县推行“⟦联户经营⟧”，后来又推广“⟦托管服务⟧”，托管耕地⟨6万亩@托管服务⟩。"
    doc, measures, figs = marked_document(parse_marked("n", marked))
    ctx = link_context(doc, articles_of(doc)[0], measures, {})
    pairs = candidate_pairs(ctx, figs[0][0])
    probs = link_model.predict_proba([p.features for p in pairs])  # type: ignore[attr-defined]
    best = max(zip(probs, pairs, strict=True), key=lambda t: t[0])[1]
    assert best.practice.name == "托管服务"


# ------------------------------------------------------------------ pair features read from the genre's grammar

# (marked document, practice, figure, feature, present?)
FEATURE_CASES = [
    # a formula opening an enumeration (采取“X”：…；…) reaches the figures of its items
    ("某县采取“⟦两个结合|s⟧”：坚持搬迁与园区相结合，建成安置点⟨4个@两个结合⟩；坚持搬迁与产业相结合，带动⟨900户@两个结合⟩。",
     "两个结合", "900户", "list_head", True),
    ("某县推行“⟦两个结合|s⟧”。全县建成安置点⟨4个@两个结合⟩。", "两个结合", "4个", "list_head", False),
    # the sentence opens a means of its own that names no known practice
    ("某县产业帮扶\\n某县推行⟦订单农业⟧。通过创新利益联结机制，全县⟨2000户@-⟩农户增收。", "订单农业", "2000户",
     "unnamed_means_between", True),
    # … but a mere manner (通过线上线下的方式) is no means of its own
    ("某县产业帮扶\\n某县推行⟦订单农业⟧。通过线上线下结合的方式联系客商，销售蔬菜⟨3万吨@订单农业⟩。",
     "订单农业", "3万吨", "unnamed_means_between", False),
    # … nor for the practice the title names
    ("某县“⟦订单农业⟧”见成效\n通过创新利益联结机制，全县⟨2000户@订单农业⟩农户增收。", "订单农业", "2000户",
     "unnamed_means_between", False),
    # a means named after the figure (N户通过B实现脱贫) takes the figure from the practice before it
    ("县里建成⟦帮扶车间⟧⟨30个@帮扶车间⟩，⟨1800户@易地搬迁⟩群众通过⟦易地搬迁⟧实现脱贫。", "帮扶车间", "1800户",
     "other_means_after", True),
    ("县里建成⟦帮扶车间⟧⟨30个@帮扶车间⟩，⟨1800户@易地搬迁⟩群众通过⟦易地搬迁⟧实现脱贫。", "易地搬迁", "1800户",
     "means_after", True),
    # a practice named only as the manner of another (以“A”的方式)
    ("县里推行⟦托管代养⟧，以“⟦企业+农户|s⟧”的方式代养肉牛，参与农户⟨600户@托管代养⟩。", "企业+农户", "600户",
     "as_manner", True),
    ("县里推行“⟦林长制⟧”政策，设立林长⟨300名@林长制⟩。", "林长制", "300名", "as_manner", False),
    # administrative work put in is counted, not achieved
    ("县里推行⟦联户经营⟧。县里选派⟨20名@-⟩干部驻村指导。", "联户经营", "20名", "input_in_clause", True),
    # the clause counts the practice's topic (电子商务交易额 for 电子商务进农村示范)
    ("某县实施⟦电子商务进农村示范⟧，推行“⟦电商+农户⟧”。全年电子商务交易额⟨8000万元@电子商务进农村示范⟩。",
     "电子商务进农村示范", "8000万元", "topic_in_clause", True),
    # a quoted coinage the text calls a practice (“三零”模式)
    ("某县推行“⟦三零|s⟧”模式，建成菌棚⟨500个@三零⟩。", "三零", "500个", "named_head", True),
]  # fmt: skip


def _pair_features(marked: str) -> dict[tuple[str, str], dict[str, float]]:
    from pipeline.learn.links import parse_marked
    from pipeline.learn.train import link_pairs

    return {(p.practice.name, p.figure.mention.text): p.features for p, *_ in link_pairs(parse_marked("f", marked))}


@pytest.mark.parametrize(("marked", "practice", "figure", "feature", "present"), FEATURE_CASES)
def test_pair_features(marked: str, practice: str, figure: str, feature: str, present: bool) -> None:
    feats = _pair_features(marked)[(practice, figure)]
    assert bool(feats.get(feature)) is present, sorted(feats)


@pytest.mark.parametrize(
    ("marked", "practice", "figure"),
    [
        # 该行 at the paragraph's start points back to the bank for the figures of its later sentences
        ("⟦某县农商银行|o⟧召开推进会。\\n该行今年发放贷款⟨2亿元@某县农商银行⟩。同时，对全县⟨9000户@某县农商银行⟩农户授信。",
         "某县农商银行", "9000户"),
        # 该社 for a cooperative
        ("某村成立⟦蔬菜专业合作社|o⟧。\\n该社现有社员⟨80户@蔬菜专业合作社⟩。去年实现收入⟨150万元@蔬菜专业合作社⟩。",
         "蔬菜专业合作社", "150万元"),
    ],
)  # fmt: skip
def test_paragraph_anaphor_proposes_the_practice(marked: str, practice: str, figure: str) -> None:
    assert _pair_features(marked)[(practice, figure)].get("para_anaphor")


def test_a_head_that_goes_on_into_another_word_is_no_anaphor() -> None:
    marked = "县里成立⟦农机合作社|o⟧。\\n这一社会问题得到缓解，今年新增就业⟨300人@-⟩。"
    assert not _pair_features(marked)[("农机合作社", "300人")].get("para_anaphor")


def test_training_names_of_traditional_documents_are_labelled() -> None:
    """A traditional-script training document is normalized; its marked names still label its pairs."""
    from pipeline.learn.links import parse_marked
    from pipeline.learn.train import link_pairs

    pairs = link_pairs(parse_marked("tr", "某縣推行“⟦稻漁共生⟧”，帶動農戶⟨800戶@稻漁共生⟩增收。"))
    assert [(p.practice.name, label) for p, label, _, _ in pairs] == [("稻渔共生", 1)]


def test_a_figure_under_the_practice_heading_before_its_first_mention_is_linked() -> None:
    """The section heading names the practice, so a figure before its first mention in the body is no
    background fact."""
    from pipeline.learn.links import parse_marked
    from pipeline.learn.train import marked_document

    marked = "某县调研\\n一、⟦联户养殖⟧\\n全县养殖户达⟨1200户@联户养殖⟩。联户养殖让群众增收。"
    doc, measures, figs = marked_document(parse_marked("h", marked))
    measures = [m for m in measures if doc.text.find(m.name) == m.mention.start]
    links = link_outcomes(doc, measures, [f for f, _, _ in figs])
    assert [(ln.practice.name, ln.figure.mention.text) for ln in links] == [("联户养殖", "1200户")]


def test_a_means_named_after_the_figure_takes_it(link_model: object) -> None:
    """⟨2400户⟩群众通过易地扶贫搬迁实现脱贫: the figure is the relocation's, not the factory's named before it."""
    marked = (
        "某县搬迁纪实\\n县里实施⟦易地扶贫搬迁⟧，建成⟦帮扶工厂⟧⟨16个@帮扶工厂⟩，"
        "⟨2400户@易地扶贫搬迁⟩群众通过⟦易地扶贫搬迁⟧实现稳定脱贫。"
    )
    _, got = _decided(marked, link_model)
    assert ("易地扶贫搬迁", "2400户") in got and ("帮扶工厂", "2400户") not in got
    assert ("帮扶工厂", "16个") in got


class _Wrapped:
    """The link model, counting its calls; ``one_by_one`` answers a batch with one call per row."""

    def __init__(self, model: Any, one_by_one: bool = False) -> None:
        self.model, self.one_by_one, self.calls = model, one_by_one, 0
        self.threshold, self.second_threshold, self.source = model.threshold, model.second_threshold, model.source

    def predict_proba(self, X: Any) -> list[float]:
        self.calls += 1
        if self.one_by_one:
            return [self.model.predict_proba([x])[0] for x in X]
        return self.model.predict_proba(X)


def test_one_model_call_per_article_gives_the_one_by_one_links(link_model: object) -> None:
    """link_outcomes asks the model once per article; the links are exactly those of one call per pair."""
    from pipeline.extract.links import articles_of
    from pipeline.learn.links import parse_marked
    from pipeline.learn.train import marked_document

    def key(links: list[Any]) -> list[tuple[Any, ...]]:
        return [
            (ln.practice.name, ln.figure.mention.start, ln.relation, ln.rule, ln.evidence.start, ln.evidence.end)
            for ln in links
        ]

    for marked in DECISION_CASES + MODEL_ONLY_CASES:
        doc, measures, figs = marked_document(parse_marked("case", marked))
        figures = [f for f, _, _ in figs]
        batched, single = _Wrapped(link_model), _Wrapped(link_model, one_by_one=True)
        got = link_outcomes(doc, measures, figures, model=batched)
        assert got, marked
        assert batched.calls <= len(articles_of(doc))
        assert key(got) == key(link_outcomes(doc, measures, figures, model=single))
