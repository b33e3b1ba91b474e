"""Per-document steps stay linear in a long document of many articles: the framed-section status found by
bisection equals the scan it replaced, and a document of many articles links what each article alone links."""

from __future__ import annotations

import itertools
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.extract.qualify import ACTUAL, _default_status, _default_statuses, _status_at

section = st.tuples(
    st.integers(0, 300), st.integers(1, 60), st.integers(0, 4), st.sampled_from(["target", "projected"])
)


@settings(max_examples=300, deadline=None)
@given(st.lists(section, max_size=12), st.lists(st.integers(-5, 400), min_size=1, max_size=40))
def test_status_table_equals_scan(raw: list[tuple[int, int, int, str]], positions: list[int]) -> None:
    sections = [(s, s + n, level, status) for s, n, level, status in raw]
    table = _default_statuses(sections)
    for pos in positions:
        assert _status_at(table, pos) == _default_status(sections, pos)


def test_status_table_cases() -> None:
    sections = [(0, 100, 0, "target"), (20, 40, 2, "projected")]
    table = _default_statuses(sections)
    assert [_status_at(table, p) for p in (-1, 0, 19, 20, 39, 40, 99, 100)] == [
        ACTUAL,
        "target",
        "target",
        "projected",
        "projected",
        "target",
        "target",
        ACTUAL,
    ]
    assert _status_at(_default_statuses([]), 5) == ACTUAL


def test_masked_text_of_each_article_equals_masking_the_whole_text() -> None:
    """``link_context`` copies only the article's stretch: the masked text is what masking the whole text gave."""
    import pipeline.extract.links as L
    from pipeline.model import Article
    from tests.extract.test_links_linear import _parsed

    doc, measures, _ = _parsed(2)
    cuts = [i + 1 for i, ch in enumerate(doc.text) if ch == "\n"][::7]
    bounds = [0, *cuts, len(doc.text)]
    doc.articles = [Article(index=k, start=a, end=b, title="") for k, (a, b) in enumerate(itertools.pairwise(bounds))]
    assert len(doc.articles) > 3
    masked_any = 0
    for art in doc.articles:
        ctx = L.link_context(doc, art, measures, {})
        chars = list(doc.text)
        for s, e, _ in ctx.mentions:
            chars[s:e] = L.MASK * (e - s)
        assert ctx.masked == "".join(chars)
        masked_any += bool(ctx.mentions)
    assert masked_any > 1


def _drop_overlapped_scan(found: list[Any]) -> list[Any]:
    keep: list[Any] = []
    for f in sorted(found, key=lambda f: (-(f.end - f.start), f.start)):
        if not any(f.start < k.end and k.start < f.end for k in keep):
            keep.append(f)
    return keep


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 80), st.integers(0, 12)), max_size=30))
def test_drop_overlapped_equals_the_scan(spans: list[tuple[int, int]]) -> None:
    """The longest of overlapping formula spans, found by bisection over the kept ones, as the scan found it."""
    from pipeline.extract.measures import _drop_overlapped, _Found

    found = [_Found("slogan", f"f{i}", s, s + n, "rule:test") for i, (s, n) in enumerate(spans)]
    assert _drop_overlapped(found) == _drop_overlapped_scan(found)
