"""Attribution: the county and article of each figure and measure."""

from __future__ import annotations

from collections.abc import Callable

from pipeline.extract.attribution import article_of, attribute, clause_county
from pipeline.model import Document, Figure, Measure, Place
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
