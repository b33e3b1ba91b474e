"""Measures: formulas with counts and items, programs, loan products, policy documents, provenance."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.extract.measures import (
    count_options,
    declared_count,
    extract_measures,
    is_formula_term,
    iter_quoted,
)
from pipeline.io.rows import measure_rows
from pipeline.model import DocResult, Document, Edit, OffsetMap, apply_edits


def make_doc(text: str, raw: str | None = None, offsets: OffsetMap | None = None) -> Document:
    raw = text if raw is None else raw
    return Document(doc_id="t", source="t.txt", format="txt", raw_text=raw, text=text, offsets=offsets)


def by_name(measures, kind=None):
    return {m.name: m for m in measures if kind is None or m.kind == kind}


@pytest.mark.parametrize(
    ("name", "count"),
    [
        ("两学一做", 3),  # different numerals add up
        ("三会一课", 4),
        ("五位一体", 5),  # N位一体 integrates N things
        ("七合一", 7),
        ("六个一", 6),  # N个一: N "one X" items
        ("三讲三评", 3),  # equal numerals: N pairs (count_options also allows 2N)
        ("九统一", 9),  # the closing 一 belongs to 统一
        ("四帮一赢", 5),  # a closing win is one outcome item
        ("一村一品", None),  # a rule of thumb, not a count
        ("2+3", 5),
        ("1+N", None),
        ("河长制", None),
    ],
)
def test_declared_count(name: str, count: int | None) -> None:
    assert declared_count(name) == count


@pytest.mark.parametrize(
    ("name", "options"),
    [("三讲三评", [3, 6]), ("两学一做", [3]), ("五无", [5]), ("河长制", [])],
)
def test_count_options(name: str, options: list[int]) -> None:
    assert count_options(name, declared_count(name)) == options


@pytest.mark.parametrize(
    ("term", "ok"),
    [
        ("三会一课", True),
        ("四无", True),
        ("两长", True),
        ("三支力量", True),
        ("一村一策", True),
        ("3+2", True),
        ("产销联动3211", True),
        ("三个月", False),  # plain quantity
        ("两年", False),
        ("一批", False),
        ("第一", False),
        ("一对一", False),  # idiom
        ("一站式", False),  # word, not a formula
        ("双赢", False),
        ("五大", False),  # numeral + classifier alone
        ("二是", False),  # item marker
        ("村社共建", False),
    ],
)
def test_is_formula_term(term: str, ok: bool) -> None:
    assert is_formula_term(term) is ok


def test_quotes_curly_and_ascii() -> None:
    text = '推行“村社共建”和"院落议事"\n另起"一段'
    spans = {text[s:e] for s, e in iter_quoted(text)}
    assert spans == {"村社共建", "院落议事"}


@pytest.mark.parametrize(
    ("text", "name", "items"),
    [
        # enumeration in quotes right before the formula
        ("全镇把“粮、果、茶、畜”四大产业作为重点。", "四大产业", ["粮", "果", "茶", "畜"]),
        # 、-list (last joined by 和) right before a quoted formula; the first item loses its verb
        ("着力培养村医、村教和村干“三支力量”。", "三支力量", ["村医", "村教", "村干"]),
        # parallel items sharing a head character
        ("帮扶缺劳力、缺技术、缺门路的“三缺”户。", "三缺", ["缺劳力", "缺技术", "缺门路"]),
        # definition in brackets after the formula
        ("每村配备“两长”（组长和片长）。", "两长", ["组长", "片长"]),
        # definition after a colon
        ("推行“三统一”：统一育苗、统一施肥、统一收购。", "三统一", ["统一育苗", "统一施肥", "统一收购"]),
        # comma list tied by 的 to an unquoted numeral + head formula
        ("形成了村里自查,乡镇复核,县级抽查的三道审核关口。", "三道审核关口", ["村里自查", "乡镇复核", "县级抽查"]),
    ],
)
def test_formula_components_from_enumerations(text: str, name: str, items: list[str]) -> None:
    m = by_name(extract_measures(make_doc(text)), "slogan")[name]
    assert m.components == items
    assert m.declared_count == len(items)


def test_numbered_list_after_formula() -> None:
    text = "我们总结出“三步工作法”。\n1. 先入户摸底，建立台账。\n2. 再张榜公示。\n3. 后集中审批。\n其他内容。"
    m = by_name(extract_measures(make_doc(text)), "slogan")["三步工作法"]
    assert m.declared_count == 3
    assert [c[:2] for c in m.components] == ["先入", "再张", "后集"]


def test_paired_formula_may_list_single_items() -> None:
    text = "推行“两送两帮”：送政策、送技术，帮销售、帮融资。"
    m = by_name(extract_measures(make_doc(text)), "slogan")["两送两帮"]
    assert m.components == ["送政策", "送技术", "帮销售", "帮融资"]
    assert m.declared_count == 4


def test_heading_list_after_formula() -> None:
    text = "重点抓好“两抓两促”。\n（一）抓组织，促落实。\n（二）抓产业，促增收。\n"
    m = by_name(extract_measures(make_doc(text)), "slogan")["两抓两促"]
    assert m.components == ["抓组织，促落实", "抓产业，促增收"]


@pytest.mark.parametrize(
    "text",
    ["用三个月时间完成两年任务。", "第一批试点村有一批新项目。", "双方实现双赢，一对一帮扶。"],
)
def test_plain_numbers_are_not_formulas(text: str) -> None:
    assert not [m for m in extract_measures(make_doc(text)) if m.kind == "slogan"]


def test_duplicates_merge_and_take_components_where_listed() -> None:
    text = "全面落实“四到户”。其他工作。所谓“四到户”，即政策到户、资金到户、技术到户、服务到户。再次强调“四到户”。"
    slogans = [m for m in extract_measures(make_doc(text)) if m.kind == "slogan"]
    assert [m.name for m in slogans] == ["四到户"]
    assert slogans[0].components == ["政策到户", "资金到户", "技术到户", "服务到户"]
    assert slogans[0].mention.start == text.index("四到户")  # first mention kept


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("信用社推出“兴农贷、惠商贷”两款产品。", {"兴农贷", "惠商贷"}),
        ("创新“林权贷”“果园贷”业务。", {"林权贷", "果园贷"}),
        ("累计发放助农贷资金3亿元。", {"助农贷"}),
        ("发放贷款3亿元，扩大信贷规模，防止惜贷。", set()),
    ],
)
def test_loan_products(text: str, names: set[str]) -> None:
    assert set(by_name(extract_measures(make_doc(text)), "loan_product")) == names


def test_policy_documents_keep_nested_quotes_and_skip_periodicals() -> None:
    text = "县里印发《关于推进“一村一策”工作的实施方案（试行）》，《农民日报》作了报道，课题《乡村治理研究》结题。"
    docs = by_name(extract_measures(make_doc(text)), "policy_document")
    assert set(docs) == {"关于推进“一村一策”工作的实施方案（试行）"}


def test_programs_without_filter_need_a_suffix_after_the_quote() -> None:
    text = "探索“村社共建”模式，群众说“很满意”。"
    progs = by_name(extract_measures(make_doc(text)), "program")
    assert set(progs) == {"村社共建"}
    assert progs["村社共建"].mention.source == "rule:quoted_before_suffix"


def test_rows_map_back_to_raw_text() -> None:
    raw = "县里推行 “村社共建” 模式，\n配套“两长”（组长和片长），推出“兴农贷”产品。"
    # normalized text drops the spaces and the newline (a stand-in for the real normalizer)
    edits = [Edit(m.start(), m.end(), "") for m in re.finditer(r"[ \n]", raw)]
    text, omap = apply_edits(raw, OffsetMap.identity(len(raw)), edits)
    doc = make_doc(text, raw=raw, offsets=omap)
    rows = measure_rows(DocResult(doc=doc, measures=extract_measures(doc)))
    assert {r["kind"] for r in rows} >= {"program", "slogan", "loan_product"}
    for r in rows:
        assert r["raw"] == raw[r["start"] : r["end"]]
        assert r["name"] in r["raw"].replace(" ", "").replace("\n", "")
    two = next(r for r in rows if r["name"] == "两长")
    assert two["components"] == "组长 | 片长" and two["declared_count"] == 2


FRAGMENTS = [
    "推行“村社共建”模式",
    "“三会一课”",
    "《乡村振兴实施方案》",
    "推出“兴农贷”产品",
    "，",
    "。",
    " ",
    "\n",
    "两年",
]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=12))
def test_rows_raw_is_always_a_raw_slice(parts: list[str]) -> None:
    raw = "".join(parts)
    edits = [Edit(m.start(), m.end(), "") for m in re.finditer(r" ", raw)]
    text, omap = apply_edits(raw, OffsetMap.identity(len(raw)), edits)
    doc = make_doc(text, raw=raw, offsets=omap)
    for r in measure_rows(DocResult(doc=doc, measures=extract_measures(doc))):
        assert r["raw"] == raw[r["start"] : r["end"]]
        assert 0 <= r["start"] <= r["end"] <= len(raw)


def test_same_sentence_list_after_comma_counts_only_when_it_matches() -> None:
    m = by_name(extract_measures(make_doc("推进“两转”工作，散户转合作、小户转大户。")), "slogan")["两转"]
    assert m.components == ["散户转合作", "小户转大户"]
    m = by_name(extract_measures(make_doc("推进“三转”工作，散户转合作、小户转大户。")), "slogan")["三转"]
    assert m.components == []  # two items for a declared three: not taken


def test_undeclared_formula_takes_a_list_in_the_same_sentence_only() -> None:
    text = "推行“1+X”服务，一是建强支部，二是做实服务。"
    assert by_name(extract_measures(make_doc(text)), "slogan")["1+X"].components == ["建强支部", "做实服务"]
    far = "推行“1+X”服务。" + "其他情况说明。" * 10 + "一是建强支部，二是做实服务。"
    assert by_name(extract_measures(make_doc(far)), "slogan")["1+X"].components == []


def test_formula_followed_by_reform_is_also_a_program() -> None:
    text = "开展“三变”改革。"
    doc = make_doc(text)
    ms = extract_measures(doc)
    assert by_name(ms, "slogan")["三变"].declared_count == 3
    prog = by_name(ms, "program")["三变改革"]
    assert prog.mention.source == "rule:quoted_formula_suffix"
    assert measure_rows(DocResult(doc=doc, measures=[prog]))[0]["raw"] == "三变”改革"


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("湖南:一子落而满盘活--桑植县推进村级集体经济合作社", "村级集体经济合作社"),
        ("——甘肃渭源县创新村级扶贫互助资金协会的调研", "村级扶贫互助资金协会"),
        ("某县乡村振兴的路径思考", None),  # a topic, not a practice
    ],
)
def test_practice_in_title(title: str, expected: str | None) -> None:
    from pipeline.extract.headings import practice_in_title

    got = practice_in_title(title)
    assert (got[0] if got else None) == expected


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("信用社对贷款实行“整村评级”，先评级后授信。", "整村评级"),
        ("县里探索“托养代管”的办法，由合作社统一管护。", "托养代管"),
        ("全县组建核桃产业联合体，统一收购加工。", "核桃产业联合体"),
    ],
)
def test_adopted_coinages_are_programs(text: str, name: str, make_doc: Callable[..., Document]) -> None:
    doc = make_doc(text, "a", structured=False)
    assert name in {m.name for m in extract_measures(doc) if m.kind == "program"}


def test_a_verb_right_before_the_suffix_stays_in_the_name(make_doc: Callable[..., Document]) -> None:
    doc = make_doc("各村按照统一方式形成核桃产业带动模式，全县受益。", "a", structured=False)
    assert "核桃产业带动模式" in {m.name for m in extract_measures(doc) if m.kind == "program"}


def test_a_conjunction_joins_two_short_noun_groups_in_a_name(make_doc: Callable[..., Document]) -> None:
    doc = make_doc("县里建立防返贫动态监测和帮扶机制，及时发现风险。", "a", structured=False)
    assert "防返贫动态监测和帮扶机制" in {m.name for m in extract_measures(doc) if m.kind == "program"}


def test_adoption_through_a_quoted_formula(make_doc: Callable[..., Document]) -> None:
    text = "县里形成“企业+合作社+农户”的核桃产业扶贫模式，带动农户增收。"
    doc = make_doc(text, "a", structured=False)
    assert "核桃产业扶贫模式" in {m.name for m in extract_measures(doc) if m.kind == "program"}
