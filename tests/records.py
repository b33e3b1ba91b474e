"""Typed records for tests: the smallest Place, Figure, Measure, Link, Clause and DocResult that stand up."""

from __future__ import annotations

from collections.abc import Iterable

from pipeline.model import Clause, DocResult, Document, Figure, Link, Measure, Mention, OffsetMap, Place


def mention(doc_id: str, start: int = 0, end: int | None = None, text: str = "", page: int | None = None) -> Mention:
    end = start + max(1, len(text)) if end is None else end
    return Mention(doc_id, start, end, start, end, page, "TEST", text, text, "test")


def place(doc_id: str, adcode: str, canonical: str, *, level: str = "county", focal: bool = True,
          province: str = "", prefecture: str = "", start: int = 0) -> Place:  # fmt: skip
    return Place(mention(doc_id, start, text=canonical), canonical, canonical, adcode, level, province, prefecture,
                 focal=focal)  # fmt: skip


def figure(doc_id: str, indicator: str, value: float, unit: str = "个", *, start: int = 0, end: int | None = None,
           date: str = "", county_code: str = "", sentence: str = "") -> Figure:  # fmt: skip
    m = mention(doc_id, start, end, f"{value:g}{unit}")
    return Figure(m, value, unit, indicator, date=date, sentence=sentence, county_code=county_code)


def measure(doc_id: str, name: str, kind: str = "program", *, start: int = 0, county_code: str = "",
            components: Iterable[str] = ()) -> Measure:  # fmt: skip
    return Measure(mention(doc_id, start, text=name), name, kind, components=list(components),
                   county_code=county_code)  # fmt: skip


def link(practice: Measure, fig: Figure, rule: str = "rule:same_sentence", start: int = 0, end: int = 1) -> Link:
    return Link(practice, fig, "achieved", rule, mention(fig.mention.doc_id, start, end))


def clause(doc_id: str, tool: str, sub_tool: str, field: str = "产业") -> Clause:
    return Clause(mention(doc_id, text="条款"), field, tool, sub_tool, 0.9)


def document(doc_id: str, text: str = "", title: str = "") -> Document:
    return Document(doc_id, doc_id, "txt", raw_text=text, text=text, offsets=OffsetMap.identity(len(text)),
                    title=title)  # fmt: skip


def result(doc_id: str, text: str = "", *, title: str = "", places: Iterable[Place] = (),
           figures: Iterable[Figure] = (), measures: Iterable[Measure] = (), links: Iterable[Link] = (),
           clauses: Iterable[Clause] = ()) -> DocResult:  # fmt: skip
    return DocResult(document(doc_id, text, title), list(places), list(figures), list(measures), list(links),
                     list(clauses))  # fmt: skip
