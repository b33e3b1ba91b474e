"""Work per match or per paragraph that used to grow with the length of the document: places' province and
prefecture votes are read once per document (not once per match), figures read a paragraph's first line without
copying the rest of the text. Each fast path gives what the old code gave."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pipeline.extract.figures as F
import pipeline.extract.places as P
from pipeline.gazetteer import Gazetteer
from pipeline.model import Document

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    if not (ROOT / "models/gazetteer.tsv").exists():
        pytest.skip("models/gazetteer.tsv not built")
    return Gazetteer.load(ROOT / "models")


def _doc(text: str) -> Document:
    return Document(doc_id="t", source="", format="txt", raw_text=text, text=text, title="")


_PLACES = "贵州省黔东南州榕江县推进产业发展。湖北省宜昌市长阳县新建大棚。榕江县、从江县发展蔬菜。\n"


def _old_top(c: dict[str, float]) -> set[str]:
    """_Context._top as it was: the threshold computed per unit."""
    total = sum(c.values())
    return {k for k, v in c.items() if v >= max(1.0, 0.2 * total)}


def test_context_units_equal_the_old_formula(gaz: Gazetteer) -> None:
    for text in (_PLACES, _PLACES * 7, "全国各地推进乡村振兴。", "榕江县" * 3 + "从江县"):
        ctx = P._Context(gaz, gaz.match(text))
        assert ctx.provinces() == _old_top(ctx.province)
        assert ctx.prefectures() == _old_top(ctx.prefecture)
    assert P._Context(gaz, gaz.match(_PLACES * 7)).provinces()  # the cases do pick units


def test_context_units_are_picked_once_per_document(gaz: Gazetteer, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    real = P._Context._top

    def counting(c: dict[str, float]) -> set[str]:
        calls.append(1)
        return real(c)

    monkeypatch.setattr(P._Context, "_top", staticmethod(counting))
    places = P.extract_places(_doc(_PLACES * 20), gaz)
    assert {p.adcode for p in places} >= {"522632"}
    assert len(calls) == 2  # provinces and prefectures, not two per match (60+ matches here)


def test_heading_lines_read_up_to_the_newline(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []
    real = F.heading_year

    def recording(line: str) -> Any:
        seen.append(line)
        return real(line)

    monkeypatch.setattr(F, "heading_year", recording)
    text = "2019年主要工作\n新建大棚300个。\n\n二、下一步计划\n全县脱贫人口1.2万人。"  # no newline at the end
    figs = F.extract_figures(_doc(text), with_tables=False)
    assert seen == [
        "2019年主要工作",
        "新建大棚300个。",
        "二、下一步计划",
        "全县脱贫人口1.2万人。",
    ]
    assert [f.date for f in figs if f.unit == "个"] == ["2019"]  # the heading's year dates its section


def _focal_by_scans(doc: Document, hits: list[Any]) -> set[str]:
    """_focal as it was: every article's hits found by scanning all of them."""
    focal: set[str] = set()
    for i, (a_start, a_end, title) in enumerate(P._articles(doc)):
        focal |= P._focal_in(doc, hits, a_start, a_end, title, fallback=i == 0)
    return focal


def test_focal_counties_equal_the_scans(gaz: Gazetteer, monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline.model import Article

    got: list[tuple[set[str], set[str]]] = []
    real = P._focal

    def both(doc: Document, hits: list[Any]) -> set[str]:
        fast = real(doc, hits)
        got.append((fast, _focal_by_scans(doc, hits)))
        return fast

    monkeypatch.setattr(P, "_focal", both)
    body = "{c}推进产业发展，{c}新建大棚300个，宜昌市支持{c}。该县脱贫人口1.2万人。\n"
    counties = ("榕江县", "从江县", "长阳县")
    parts = [f"{c}工作总结\n\n" + body.format(c=c) + "全县发展蔬菜。" * 40 + "\n" for c in counties]
    parts.insert(2, "宜昌市宜昌市长阳县。\n" + "发展蔬菜。" * 50 + "\n")  # a prefecture named more than its county
    many = _doc("".join(parts))
    at = 0
    for k, part in enumerate(parts):
        many.articles.append(Article(index=k, start=at, end=at + len(part), title=part.split("\n", 1)[0]))
        at += len(part)
    for doc in (many, _doc("".join(parts)), _doc("全国各地推进乡村振兴。")):  # the last: no county (fallback)
        P.extract_places(doc, gaz)
    assert len(got) == 3
    assert all(fast == old for fast, old in got)
    assert len(got[0][0]) >= 2  # each article of the first document votes for its own county


def _old_section_path(doc: Document, pos: int) -> tuple[int | None, str]:
    for art in doc.articles:
        if art.start <= pos < art.end:
            heads = sorted((s for s in art.sections if s.start <= pos < s.end), key=lambda s: (s.level, s.start))
            return art.index, " > ".join(s.heading.strip() for s in heads if s.heading.strip())
    return None, ""


spans = st.lists(st.tuples(st.integers(0, 60), st.integers(0, 15)), max_size=8)


@settings(max_examples=300, deadline=None)
@given(spans, st.booleans(), st.lists(st.integers(-2, 80), min_size=1, max_size=20))
def test_article_finder_equals_the_scan(raw: list[tuple[int, int]], chain: bool, positions: list[int]) -> None:
    from pipeline.extract.clauses import _section_path
    from pipeline.model import Article, Section
    from pipeline.structure import article_finder

    arts: list[Article] = []
    at = 0
    for k, (a, n) in enumerate(raw):
        start = at + a % 5 if chain else a  # chained: one after another; else anywhere, overlapping
        section = Section(k, "1", f"第{k}节", 1, "", start, start + n // 2)
        arts.append(Article(index=k, start=start, end=start + n, sections=[section]))
        at = start + n
    doc = _doc("x" * 90)
    doc.articles = arts
    find = article_finder(arts)
    for pos in positions:
        assert find(pos) is next((a for a in arts if a.start <= pos < a.end), None)
        assert _section_path(doc, pos, find) == _old_section_path(doc, pos) == _section_path(doc, pos)


_QUOTED_ALPHABET = st.sampled_from(list('云端共建帮扶“”"’」，。'))


@settings(max_examples=400, deadline=None)
@given(
    st.text(_QUOTED_ALPHABET, max_size=60),
    st.text(_QUOTED_ALPHABET, min_size=2, max_size=3),
    st.text(_QUOTED_ALPHABET, min_size=2, max_size=2),
)
def test_recurring_word_equals_findall(text: str, term: str, tail: str) -> None:
    import re

    from pipeline.extract.measures import _recurs

    want = len(re.findall(re.escape(term) + r"[\"”’」]?" + re.escape(tail), text)) >= 3
    seen: dict[tuple[str, str], bool] = {}
    assert _recurs(text, term, tail, seen) == want
    assert _recurs(text, term, tail, seen) == want and seen == {(term, tail): want}  # once per pair


def test_recurring_word_cases() -> None:
    from pipeline.extract.measures import _recurs

    text = "“云端”共建，云端共建，云端”共建。"
    assert _recurs(text, "云端", "共建", {})
    assert not _recurs(text[:-6], "云端", "共建", {})  # twice only
    assert not _recurs("云端云端云端", "云端", "共建", {})
    seen = {("云端", "共建"): False}
    assert not _recurs(text, "云端", "共建", seen)  # a pair decided before is not scanned again


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 40), st.integers(0, 40))), st.lists(st.integers(-3, 45), max_size=30))
def test_span_cover_equals_any(spans: list[tuple[int, int]], positions: list[int]) -> None:
    from pipeline.extract.qualify import _span_cover

    inside = _span_cover(spans)
    for p in positions:
        assert inside(p) == any(a <= p < b for a, b in spans)


def test_reference_year_skips_future_dates() -> None:
    from pipeline.extract.qualify import reference_year

    assert reference_year("2019年全县新建大棚300个，到2025年建成500个。") == 2019
    assert reference_year("到2025年建成500个。" * 50 + "2020年新建大棚300个。" * 50) == 2020
    assert reference_year("新建大棚300个。") == 0


def test_ascii_quotes_paired_per_paragraph() -> None:
    from pipeline.extract.measures import iter_quoted

    text = '推行"党支部+合作社"模式。\n没有引号的段落。\n"一村一品"和"一户一策"'
    got = [text[a:b] for a, b in iter_quoted(text)]
    assert got == ["党支部+合作社", "一村一品", "一户一策"]
