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


# ------------------------------------------------------------------ issue 8: programs, formulas, instruments by class
from pipeline.extract.measures import canonical_key  # noqa: E402


@pytest.mark.parametrize(
    ("text", "name", "kind", "alias"),
    [
        ("县里全力推进易地搬迁，建成安置点12个。", "易地搬迁", "program", "易地扶贫搬迁"),  # the text's spelling
        ("全县落实东西部扶贫协作资金3000万元。", "东西部扶贫协作", "program", ""),
        ("乡里建成扶贫车间8个，吸纳300人就业。", "扶贫车间", "program", ""),
        ("该县大力发展电商扶贫，带动500户增收。", "电商扶贫", "program", ""),  # sector + 扶贫
        ("镇里组织开展消费帮扶，销售农产品200万元。", "消费帮扶", "program", ""),
        ("全县累计发放扶贫小额信贷2.1亿元。", "扶贫小额信贷", "loan_product", ""),
        ("全县累计发放扶贫小额信贷2.1亿元。", "扶贫小额信贷", "program", ""),
        ("为学生办理生源地助学贷款300万元。", "生源地助学贷款", "loan_product", "生源地信用助学贷款"),
    ],
)
def test_national_programme_types_by_lexicon(text: str, name: str, kind: str, alias: str) -> None:
    ms = by_name(extract_measures(make_doc(text)), kind)
    assert name in ms
    assert not alias or alias in ms[name].aliases


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("安置区内建设“红石榴”帮扶车间，吸纳妇女务工。", {"红石榴"}),  # a practice head after the quote
        ("按照上级的“借羊还羊”政策，合作社先借出种羊。", {"借羊还羊"}),
        ("先后建立了“雪域好物”“高原之恋”等12个电商平台。", {"雪域好物", "高原之恋"}),  # a list before 等…平台
        ("该县推行“村企联动、共同致富”模式，带动农户增收。", {"村企联动、共同致富"}),  # a pair of slogans + 模式
        ("据悉，共有两种。第一，“保底收益、按股分红”，贫困户以资金入股。", {"保底收益、按股分红"}),  # an ordinal
        ("形成了金融扶贫“山城模式”。", {"山城模式"}),  # ending in a strong suffix
        ("乡里发展“云端”牧场。“云端”牧场由合作社经营，云端牧场已有牛300头。", {"云端牧场"}),  # recurring
        ("据悉，托羊还羊分两种模式。", {"托羊还羊"}),  # X分N种模式
        ("各村学习“订单收购”的做法，农户不愁销路。", {"订单收购"}),  # “X”的做法/办法/路子
    ],
)
def test_quoted_coinages_the_text_marks_as_practices(text: str, names: set[str]) -> None:
    got = set(by_name(extract_measures(make_doc(text)), "program"))
    assert names <= got


@pytest.mark.parametrize(
    "text",
    [
        "生态扶贫让这里“保青山”又“鼓腰包”。",  # figures of speech
        "该县入选“2019年乡村振兴十佳县”榜单。",  # a dated ranking
        "建设“车间式”“家庭式”等扶贫工坊。",  # manners
        "平和县创新扶贫模式，群众增收。",  # a two-character topic before 模式
    ],
)
def test_quotes_and_topics_that_are_not_practices(text: str, resources) -> None:
    ms = extract_measures(make_doc(text), resources.program_filter)
    bad = {"保青山", "鼓腰包", "2019年乡村振兴十佳县", "车间式", "家庭式", "扶贫模式"}
    assert not bad & set(by_name(ms, "program"))


@pytest.mark.parametrize(
    ("text", "name", "items"),
    [
        ("聚焦“一超、两不愁、三保障”目标。", "两不愁", []),  # a quoted list of formulas
        ("聚焦“一超、两不愁、三保障”目标。", "三保障", []),
        ("全县实现两不愁三保障。", "三保障", []),  # the halves of 两不愁三保障
        ("全县建成县、乡、村三级服务网络。", "三级服务网络", ["县", "乡", "村"]),
        (
            "设立三项扶贫基金。其中教育扶贫救助基金100万元；医疗扶贫救助基金200万元；产业发展扶持基金300万元。",
            "三项扶贫基金",
            ["教育扶贫救助基金", "医疗扶贫救助基金", "产业发展扶持基金"],
        ),
        (
            "帮扶分三种模式。第一，入股分红。第二，就业务工。第三，技能培训。",
            "三种模式",
            ["入股分红", "就业务工", "技能培训"],
        ),
    ],
)
def test_formulas_in_lists_halves_levels_and_head_items(text: str, name: str, items: list[str]) -> None:
    ms = by_name(extract_measures(make_doc(text)), "slogan")
    assert name in ms
    assert ms[name].components == items


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("开发了“担保金·养殖贷”“惠农宝·安居贷”等产品。", "担保金·养殖贷"),  # a fund, a separator, the product
        ("开发了“担保金.助学扶贫贷”等产品。", "担保金.助学扶贫贷"),
        ("甘肃银行“富农通”贷款已发放300万元。", "富农通"),  # a name quoted before 贷款
    ],
)
def test_loan_products_with_separators_and_before_daikuan(text: str, name: str) -> None:
    ms = extract_measures(make_doc(text))
    assert name in by_name(ms, "loan_product")
    assert name not in by_name(ms, "program")


@pytest.mark.parametrize("name", ["推动乡村振兴战略合作框架协议", "农村电商发展研究报告(2019)", "产业帮扶合作备忘录"])
def test_agreements_and_reports_are_policy_documents(name: str) -> None:
    ms = extract_measures(make_doc(f"双方签订了《{name}》。"))
    assert name in by_name(ms, "policy_document")


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("产销互促541", "产销互促5411", True),  # a digit suffix
        ("村党支部领办合作社", "党支部领办合作社", True),  # an admin level before the name
        ("党支部领办专业合作社", "党支部领办合作社", True),
        ("村级扶贫互助合作社", "扶贫互助社", True),  # a level and the short form of 合作社
        ("企业带动、滚动脱贫", "企业带动滚动脱贫", True),
        ("电商扶贫", "旅游扶贫", False),
    ],
)
def test_canonical_key(a: str, b: str, same: bool) -> None:
    assert (canonical_key(a) == canonical_key(b)) is same


def test_variants_merge_into_one_practice_with_aliases() -> None:
    text = "推行“产销互促541”模式。“产销互促5411”模式让农户增收。“产消互促5411”模式已推广。“产销互促5411”见效。"
    progs = by_name(extract_measures(make_doc(text)), "program")
    names = [n for n in progs if n.startswith("产")]
    assert names == ["产销互促5411"]  # the spelling mentioned most; a digit more or a homophone is a variant
    assert progs["产销互促5411"].aliases == ["产销互促541", "产消互促5411"]
    row = measure_rows(DocResult(doc=make_doc(text), measures=list(progs.values())))[0]
    assert "aliases" in row


@pytest.mark.parametrize(
    "text", ["在各村设立“爱心超市”，群众参加公益劳动换积分。", "全面推广“积分超市”，激发内生动力。"]
)
def test_a_quoted_shop_is_no_place(text: str, resources) -> None:
    assert {"爱心超市", "积分超市"} & set(
        by_name(extract_measures(make_doc(text), resources.program_filter), "program")
    )


# ------------------------------------------------------------------ issue 8 (generalisation): chains, codes, glosses
@pytest.mark.parametrize(
    ("text", "name"),
    [
        # a part may be long (乡镇扶贫产业开发公司) and carry a bracketed gloss
        (
            "推广“党组织+供销社+乡镇扶贫产业开发公司+合作社+农户(脱贫户)”的模式。",
            "党组织+供销社+乡镇扶贫产业开发公司+合作社+农户(脱贫户)",
        ),
        ("推出“国企+党支部+村集体经济合作社+农户+N”模式。", "国企+党支部+村集体经济合作社+农户+N"),  # a closing letter
        ("实现“保底分红+务工收入”双增收。", "保底分红+务工收入"),
        ("採取「公司+合作社+茶農」模式。", "公司+合作社+茶農"),  # corner quotes
    ],
)
def test_quoted_chains_are_programs_by_their_form(text: str, name: str) -> None:
    assert name in by_name(extract_measures(make_doc(text)), "program")


@pytest.mark.parametrize(
    ("text", "chain"),
    [
        ("县里采取公司+合作社+农户模式带动增收。", "公司+合作社+农户"),  # the last part stops at the practice head
        ("通过企业+基地+贫困户的产业路子增收。", "企业+基地+贫困户"),  # ... and at 的
        ("形成党组织+集体经济实体+第三方经营主体+农户的格局。", "党组织+集体经济实体+第三方经营主体+农户"),
    ],
)
def test_unquoted_chain_spans(text: str, chain: str) -> None:
    from pipeline.extract.measures import program_candidates

    assert chain in {c.term for c, _, _ in program_candidates(text) if c.source == "plus"}


@pytest.mark.parametrize(
    ("text", "formula", "items", "program"),
    [
        (  # a digit formula takes the chain right before it as its items, and names a program with its head
            "探索“党组织+村集体+企业+农户”的“1+3”合作模式。",
            "1+3",
            ["党组织", "村集体", "企业", "农户"],
            "1+3合作模式",
        ),
        (  # a digit code defined by a gloss of as many items
            "实施“432”(建强四支队伍、完善三项机制、搭建两个平台)消费帮扶模式。",
            "432",
            ["建强四支队伍", "完善三项机制", "搭建两个平台"],
            "432消费帮扶模式",
        ),
        ("推行“三变”改革。", "三变", [], "三变改革"),  # the word right after still names it
    ],
)
def test_quoted_formulas_name_programs_and_take_chains(text: str, formula: str, items: list[str], program: str) -> None:
    ms = extract_measures(make_doc(text))
    assert by_name(ms, "slogan")[formula].components == items
    assert program in by_name(ms, "program")


def test_a_quoted_list_of_glossed_heads_is_one_formula() -> None:
    text = "按照“一减(减少申报材料)、两免(免抵押、免担保)、三优(优利率、优期限、优服务)”的要求放贷。"
    f = by_name(extract_measures(make_doc(text)), "slogan")["一减两免三优"]
    assert f.declared_count == 6
    assert f.components == ["减少申报材料", "免抵押", "免担保", "优利率", "优期限", "优服务"]


@pytest.mark.parametrize(
    ("text", "name", "items"),
    [
        ("引导企业、合作社、农户“三方联动”。", "三方联动", ["企业", "合作社", "农户"]),  # 三方 is a count, not 一方面
        ("实行县城、集镇、中心村三级安置。", "三级安置", ["县城", "集镇", "中心村"]),
        ("构建“企业+合作社+农户+保险”的四方利益联结机制。", "四方利益联结机制", ["企业", "合作社", "农户", "保险"]),
    ],
)
def test_more_numbered_formula_heads(text: str, name: str, items: list[str]) -> None:
    assert by_name(extract_measures(make_doc(text)), "slogan")[name].components == items


@pytest.mark.parametrize(
    "text",
    [
        "让“一方水土养不起一方人”的群众搬出大山。",  # an idiom with 一方
        "打造四大体系、建好三支队伍、对接两个主体。",  # sibling formulas are not one another's items
    ],
)
def test_idioms_and_sibling_formulas(text: str) -> None:
    ms = by_name(extract_measures(make_doc(text)), "slogan")
    assert "一方水土养不起一方人" not in ms
    assert all(not m.components for m in ms.values())


@pytest.mark.parametrize(
    ("text", "bad"),
    [
        ("由村集体进行动态管理。", "村集体进行动"),  # 进行 + 动态, no X行动
        ("合作社按合同支付施工单位工程款。", "合同支付施工单位工程"),  # 工程款
        ("县里加强成本控制。", "加强成本控制"),
    ],
)
def test_suffixes_inside_ordinary_words_propose_nothing(text: str, bad: str) -> None:
    from pipeline.extract.measures import program_candidates

    assert not any(c.term.endswith(bad[-2:]) for c, _, _ in program_candidates(text) if c.source == "suffix")


@pytest.mark.parametrize(
    ("term", "generic"),
    [
        ("产业扶贫模式", True),  # sector + 扶贫 + a generic head
        ("合作社发展模式", True),
        ("民生工程", True),
        ("长效机制", True),
        ("光伏扶贫工程", False),  # a programme head after a sector: the sector's programme
        ("金融扶贫试验区", False),  # a distinct head
        ("村企联建机制", False),  # a coined core
        ("扶贫小额信贷惠民机制", False),
    ],
)
def test_generic_terms(term: str, generic: bool) -> None:
    from pipeline.extract.measures import generic_term

    assert generic_term(term) is generic


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("探索推广了“企业+合作社+农户”的山川模式。", "山川模式"),  # a short name given to the quoted formula
        ("该县推行城、镇、村“分层”搬迁安置模式。", "分层搬迁安置模式"),  # a two-character coinage + its head
    ],
)
def test_short_names_the_text_gives(text: str, name: str) -> None:
    assert name in by_name(extract_measures(make_doc(text)), "program")


@pytest.mark.parametrize(
    ("text", "bad"),
    [
        ("把扶贫作为“民生工程”来抓。", "民生工程"),
        ("各村联合成立“联村发展有限公司”。", "联村发展有限公司"),
        ("积极创新产业扶贫模式。", "产业扶贫模式"),  # (产业扶贫 itself is a sector programme)
    ],
)
def test_generic_and_company_names_are_no_programs(text: str, bad: str) -> None:
    assert bad not in by_name(extract_measures(make_doc(text)), "program")


@pytest.mark.parametrize(
    ("text", "name", "kind", "alias"),
    [
        ("发放扶贫小额贷款2亿元。", "扶贫小额贷款", "loan_product", "扶贫小额信贷"),  # the common spelling
        ("坚持因村施策，分类推进。", "因村施策", "program", ""),
        ("实施移民建镇，安置群众3000户。", "移民建镇", "program", ""),
        ("选聘生态护林员800名。", "生态护林员", "program", ""),
    ],
)
def test_more_national_programme_types(text: str, name: str, kind: str, alias: str) -> None:
    ms = by_name(extract_measures(make_doc(text)), kind)
    assert name in ms
    assert not alias or alias in ms[name].aliases


def test_a_quoted_heading_word_needs_the_filter(resources) -> None:
    text = "一、破局：从“各自为战”到“抱团发展”\n过去各村规模小。\n二、赋能：“稻谷”为基\n公司统一收购稻谷。"
    doc = make_doc(text)
    ms = by_name(extract_measures(doc, resources.program_filter), "program")
    assert "稻谷" not in ms and "各自为战" not in ms


@pytest.mark.parametrize(
    ("text", "names"),
    [
        (  # the items of a 、-list of names with one head keep their own left edge (新, 并 are no cut inside them)
            "总结出三种搬迁模式：即整村再建新集镇搬迁模式、联村并建中心村搬迁模式、进城融入县城搬迁模式。",
            {"整村再建新集镇搬迁模式", "联村并建中心村搬迁模式", "进城融入县城搬迁模式"},
        ),
    ],
)
def test_listed_kinds_of_a_formula_are_programs(text: str, names: set[str]) -> None:
    ms = extract_measures(make_doc(text))
    assert names <= set(by_name(ms, "program"))
    assert by_name(ms, "slogan")["三种搬迁模式"].components == sorted(names, key=text.index)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("推广“金燕快贷通”小额贷款。", "金燕快贷通"),  # a brand tail after 贷, and words before 贷款
        ("推出“兴农通”信用贷款。", "兴农通"),
        ("推广农户联保贷款。", "农户联保贷款"),  # national product types
        ("开展土地承包经营权抵押贷款试点。", "土地承包经营权抵押贷款"),
        ("发放扶贫小额贴息贷款3亿元。", "扶贫小额贴息贷款"),
    ],
)
def test_more_loan_products(text: str, name: str) -> None:
    assert name in by_name(extract_measures(make_doc(text)), "loan_product")


@pytest.mark.parametrize("text", ["实行“先贷后补”的办法。", "破解群众“贷款难”问题。", "这是“信贷通”平台。"])
def test_words_with_dai_that_are_no_products(text: str) -> None:
    assert not by_name(extract_measures(make_doc(text)), "loan_product")


def test_a_definition_by_sheji_ends_at_the_clause_and_drops_the_count() -> None:
    text = "“三位一体”模式涉及政府、银行、龙头企业三方，“四位一体”又加上了担保公司。"
    assert by_name(extract_measures(make_doc(text)), "slogan")["三位一体"].components == ["政府", "银行", "龙头企业"]


@pytest.mark.parametrize(
    ("text", "name", "bad"),
    [
        ("实施多种易地搬迁扶贫工程。", "", "多种易地搬迁扶贫工程"),  # a quantifier is no part of a name
        ("在县城建设金融服务试验区。", "金融服务试验区", "县城建设金融服务试验区"),  # a verb inside is cut ...
        ("实施扶贫车间建设工程。", "扶贫车间建设工程", ""),  # ... unless it closes the name
        ("建立县级、村级、农户三级防控机制。", "", "农户三级防控机制"),  # words before a closing formula
        ("每个点建设一处产业或扶贫车间。", "", "一处产业或扶贫车间"),
    ],
)
def test_name_edges(text: str, name: str, bad: str) -> None:
    from pipeline.extract.measures import program_candidates

    terms = {c.term for c, s, e in program_candidates(text)}
    assert not name or name in terms
    assert not bad or bad not in {m.name for m in extract_measures(make_doc(text))}


def test_metaphors_in_quotes_need_a_sure_filter(resources) -> None:
    text = "小小的核桃，成为了一棵“致富大树”。"
    assert "致富大树" not in by_name(extract_measures(make_doc(text), resources.program_filter), "program")


def test_a_name_adopted_through_a_quoted_formula_is_a_program(resources) -> None:
    text = "县里推出了“三方共担”的信贷风险补偿机制，财政出资2000万元。"
    ms = by_name(extract_measures(make_doc(text), resources.program_filter), "program")
    assert "信贷风险补偿机制" in ms


@pytest.mark.parametrize(
    ("text", "name", "ok"),
    [
        ("采取“能人示范、合作社带动、农户参与”的模式增收。", "能人示范、合作社带动、农户参与", True),
        ("推行“支部引领、企业带动”机制。", "支部引领、企业带动", True),
        ("坚持“民建、民管、民用”的原则。", "民建、民管、民用", False),  # a principle, not a model
    ],
)
def test_quoted_role_clauses_named_a_model(text: str, name: str, ok: bool) -> None:
    assert (name in by_name(extract_measures(make_doc(text)), "program")) is ok


@pytest.mark.parametrize(
    ("text", "name", "canonical"),
    [
        ("实施村级互助资金试点项目。", "村级互助资金", "贫困村村级发展互助资金"),
        ("将小额贴息贷款投入合作社。", "小额贴息贷款", "扶贫小额信贷"),
    ],
)
def test_national_spellings_carry_their_canonical_name(text: str, name: str, canonical: str) -> None:
    assert canonical in by_name(extract_measures(make_doc(text)), "program")[name].aliases
