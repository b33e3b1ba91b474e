"""Attribution: the county and article of each figure and measure."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.extract.attribution import NAME_SCAN_FROM, CountyNames, article_of, attribute, clause_county
from pipeline.model import Article, Document, Figure, Measure, Place
from tests.records import mention


def _place(doc: Document, name: str, adcode: str, focal: bool) -> Place:
    pos = doc.text.find(name)
    return Place(mention(doc.doc_id, pos, text=name), name, name, adcode, "county", focal=focal)


def _figure(doc: Document, raw: str, value: float) -> Figure:
    pos = doc.text.index(raw)
    return Figure(doc.mention(pos, pos + len(raw), "FIGURE", "test"), value, "个", "大棚")


def test_a_county_named_in_the_clause_owns_the_figure(make_doc: Callable[..., Document]) -> None:
    doc = make_doc("榕江县调研\n榕江县新建大棚500个，邻近的从江县新建大棚300个。", "a")
    places = [_place(doc, "榕江县", "522632", True), _place(doc, "从江县", "522633", False)]
    assert clause_county(doc, places, doc.text.index("300个")) == "522633"
    assert clause_county(doc, places, doc.text.index("500个")) == "522632"
    figs = [_figure(doc, "500个", 500), _figure(doc, "300个", 300)]
    prog = Measure(doc.mention(0, 3, "MEASURE", "test"), "大棚", "program")
    attribute(doc, places, figs, [prog])
    assert [(f.county_code, f.county) for f in figs] == [("522632", "榕江县"), ("522633", "从江县")]
    assert (prog.county_code, prog.county, prog.article) == ("522632", "榕江县", 0)


def test_without_a_focal_county_a_finding_has_none(make_doc: Callable[..., Document]) -> None:
    doc = make_doc("某地新建大棚500个。", "b")
    fig = _figure(doc, "500个", 500)
    attribute(doc, [], [fig], [])
    assert (fig.county_code, fig.county, fig.article) == ("", "", 0)


def test_article_of_a_position_outside_every_article() -> None:
    doc = Document("c", "c", "txt", raw_text="x", text="x")
    assert article_of(doc, 0) is None


def _three_articles() -> Document:
    """A county report, a national commentary and a second county's piece (each long enough to be an article)."""
    report = "台江县发展刺绣产业\n" + "台江县组建刺绣合作社，带动绣娘增收。" * 12 + "全县新建车间30个。"
    national = "乡村振兴的时代课题\n" + "各地要巩固拓展脱贫攻坚成果，推进乡村振兴。" * 10 + "全国建成农田10亿亩。"
    second = "发展林下经济\n" + "林下种植天麻，群众收入稳定增长。" * 12 + "建成基地12个。（作者单位：剑河县农业农村局）"
    text = report + national + second
    a, b = len(report), len(report) + len(national)
    doc = Document("m", "m", "txt", raw_text=text, text=text)
    doc.articles = [Article(0, 0, a, "台江县发展刺绣产业"), Article(1, a, b, "乡村振兴"), Article(2, b, len(text))]
    return doc


@pytest.mark.parametrize(
    ("raw", "county", "article"),
    [
        ("30个", "522630", 0),  # the report's own figure
        ("10亿亩", "", 1),  # the national piece names no county: nobody's, not the report's
        ("12个", "522629", 2),  # the second piece's county, named only in its byline
    ],
)
def test_each_finding_belongs_to_its_article(raw: str, county: str, article: int) -> None:
    doc = _three_articles()
    places = [_place(doc, "台江县", "522630", True), _place(doc, "剑河县", "522629", True)]
    fig = _figure(doc, raw, 1)
    attribute(doc, places, [fig], [])
    assert (fig.county_code, fig.article) == (county, article)


def test_a_short_piece_keeps_the_documents_county() -> None:
    text = "导读\n台江县发展刺绣产业，" + "台江县组建刺绣合作社，带动绣娘增收。" * 12 + "全县新建车间30个。"
    doc = Document("s", "s", "txt", raw_text=text, text=text)
    doc.articles = [Article(0, 0, 3), Article(1, 3, len(text), "台江县发展刺绣产业")]
    fig = _figure(doc, "导读", 1)
    attribute(doc, [_place(doc, "台江县", "522630", True)], [fig], [])
    assert fig.county_code == "522630"


def _names_in_clause_old(counties: list[Place], clause: str) -> str:
    """The per-name expression CountyNames replaces (the reference)."""
    named = [(clause.rfind(p.name), p.adcode) for p in counties if p.name and p.name in clause]
    return max(named)[1] if named else ""


_NAME = st.text(alphabet="甲乙丙县区", min_size=0, max_size=4)


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.tuples(_NAME, st.sampled_from(["100001", "100002", "100003", "200001"])), max_size=20),
    st.text(alphabet="甲乙丙县区，", max_size=30),
)
def test_county_names_equal_the_per_name_scan(named: list[tuple[str, str]], clause: str) -> None:
    counties = [Place(mention("d", 0, text=n or "x"), n, n, code, "county") for n, code in named]
    assert CountyNames(counties).last_named(clause) == _names_in_clause_old(counties, clause)


def test_many_counties_are_looked_up_by_substring(make_doc: Callable[..., Document]) -> None:
    doc = make_doc("各县调研\n一县新建大棚100个，邻近的从江县新建大棚300个。", "a")
    filler = [_place(doc, f"测试{i}县", f"9900{i:02d}", False) for i in range(NAME_SCAN_FROM + 2)]
    places = [*filler, _place(doc, "从江县", "522633", False), _place(doc, "江县", "522699", False)]
    names = CountyNames(places)
    assert len(names.counties) >= NAME_SCAN_FROM  # the automaton path
    at = doc.text.index("300个")
    assert clause_county(doc, names, at) == "522699"  # 江县 starts last (inside 从江县): as the per-name rfind
    assert clause_county(doc, names, at) == _names_in_clause_old(places, "邻近的从江县新建大棚")
    assert clause_county(doc, names, doc.text.index("100个")) == ""
