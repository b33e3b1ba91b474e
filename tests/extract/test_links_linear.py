"""The links stage is linear in the number of mentions: the bisected helpers equal the scans they replaced, the
links of a long made-up document with many mentions are those the scanning code gave, and the work (pair
evaluations, mentions visited) grows linearly with the document."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pipeline.extract.links as L
from pipeline.model import Article, Document, OffsetMap
from tests.extract.test_links import DECISION_CASES, MODEL_ONLY_CASES

MODELS = Path(__file__).resolve().parents[2] / "models"
# the links (and a digest of every pair's features) the scanning code (before the bisected one) gave on
# ``_long_marked(3)``; made by the code of commit bc76097
GOLDEN = Path(__file__).resolve().parent / "links_many_mentions.json"


def _long_marked(copies: int) -> str:
    return "\n".join((DECISION_CASES + MODEL_ONLY_CASES) * copies)


def _parsed(copies: int) -> tuple[Document, list[Any], list[Any]]:
    from pipeline.learn.links import parse_marked
    from pipeline.learn.train import marked_document

    doc, measures, figs = marked_document(parse_marked("long", _long_marked(copies)))
    return doc, measures, [f for f, _, _ in figs]


def _key(links: list[Any]) -> list[list[Any]]:
    return [
        [ln.practice.name, ln.figure.mention.start, ln.relation, ln.rule, ln.evidence.start, ln.evidence.end, ln.role]
        for ln in links
    ]


def _features_digest(doc: Document, measures: list[Any], figures: list[Any]) -> str:
    h = hashlib.sha256()
    for art in L.articles_of(doc):
        ctx = L.link_context(doc, art, measures, {})
        for fig in figures:
            for p in L.candidate_pairs(ctx, fig):
                h.update(json.dumps([p.practice.name, fig.mention.start, sorted(p.features.items())]).encode())
    return h.hexdigest()


@pytest.fixture(scope="module")
def link_model() -> object:
    from pipeline.learn.links import LinkModel

    if not (MODELS / "link_model.pkl").exists():
        pytest.skip("no link model in models/ (make train)")
    return LinkModel.from_disk(MODELS)


def test_links_of_a_document_with_many_mentions_are_those_of_the_scanning_code(link_model: object) -> None:
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    doc, measures, figures = _parsed(3)
    assert len(figures) >= 50
    assert _key(L.link_outcomes(doc, measures, figures)) == golden["rules"]
    assert _key(L.link_outcomes(doc, measures, figures, model=link_model)) == golden["model"]
    assert _features_digest(doc, measures, figures) == golden["features"]


def _text_and_ctx(pieces: list[tuple[str, bool]]) -> tuple[str, L.LinkContext]:
    """A text of names and fillers, with a context whose mentions are the names (never overlapping)."""
    text, mentions = "", []
    for piece, is_name in pieces:
        if is_name:
            mentions.append((len(text), len(text) + len(piece), piece))
        text += piece
    doc = Document("h", "h.txt", "txt", raw_text=text, text=text, offsets=OffsetMap.identity(len(text)))
    art = Article(index=0, start=0, end=len(text), title="")
    ctx = L.LinkContext(
        doc, art, {}, mentions, [s for s, _, _ in mentions], [0], [], None, {}, {}, ends=[e for _, e, _ in mentions]
    )
    return text, ctx


def _joined_before_scan(text: str, ctx: L.LinkContext, ms: int) -> bool:
    for _, e, _ in ctx.mentions:  # the scan over every mention the bisect replaced
        if e <= ms and ms - e <= 4:
            m = L._COORDINATED.match(text, e)
            return m is not None and m.end() == ms
    return False


_PIECES = st.lists(
    st.one_of(
        st.tuples(st.sampled_from(["扶贫车间", "光伏", "合作社", "三变改革"]), st.just(True)),
        st.tuples(st.sampled_from(["和", "与", "、", "”和“", "，", "实现增收", "x", "。\n"]), st.just(False)),
    ),
    max_size=40,
)


@settings(max_examples=200, deadline=None)
@given(_PIECES)
def test_joined_before_by_bisect_equals_the_scan(pieces: list[tuple[str, bool]]) -> None:
    text, ctx = _text_and_ctx(pieces)
    for ms in range(len(text) + 1):
        assert L._joined_before(text, ctx, ms) == _joined_before_scan(text, ctx, ms)


@settings(max_examples=200, deadline=None)
@given(_PIECES, st.sampled_from(["扶贫车间", "光伏", "合作社", "三变改革"]))
def test_own_mentions_and_paragraph_counts_equal_the_scans(pieces: list[tuple[str, bool]], name: str) -> None:
    text, ctx = _text_and_ctx(pieces)
    own = ctx.own_mentions(name)
    assert own.spans == [(s, e) for s, e, n in ctx.mentions if n == name]
    for pos in range(len(text)):
        fend = min(len(text), pos + 3)
        k = L.bisect.bisect_right(own.ends, pos)
        assert own.spans[:k] == [(s, e) for s, e in own.spans if e <= pos]
        inside = [(s, e) for s, e in own.spans if s < fend and e > pos]
        assert (k < len(own.spans) and own.spans[k][0] < fend) == bool(inside)
        counts = ctx.para_counts(0, pos)
        in_para = [n for s, e, n in ctx.mentions if s >= 0 and e <= pos]
        assert dict(counts) == {n: in_para.count(n) for n in in_para}


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=" \n\u3000标题一二", max_size=30), st.integers(1, 3))
def test_title_zone_read_in_place_equals_the_split(body: str, n_lines: int) -> None:
    doc = Document("t", "t.txt", "txt", raw_text=body, text=body, offsets=OffsetMap.identity(len(body)))
    art = Article(index=0, start=0, end=len(body), title="题")
    head = body.lstrip().split("\n")
    assert L._title_zone(doc, art, n_lines) == "\n".join([art.title, *[ln for ln in head if ln.strip()][:n_lines]])


def _work(copies: int, monkeypatch: pytest.MonkeyPatch) -> tuple[int, int, int]:
    """(figures, pair evaluations, mentions visited by the window look-ups) of ``_long_marked(copies)``."""
    doc, measures, figures = _parsed(copies)
    pairs, visited = [0], [0]
    pair_features, within = L.pair_features, L.LinkContext.within

    def counted_pairs(*a: Any, **k: Any) -> Any:
        pairs[0] += 1
        return pair_features(*a, **k)

    def counted_within(self: L.LinkContext, lo: int, hi: int) -> Any:
        got = within(self, lo, hi)
        visited[0] += len(got)
        return got

    monkeypatch.setattr(L, "pair_features", counted_pairs)
    monkeypatch.setattr(L.LinkContext, "within", counted_within)
    L.link_outcomes(doc, measures, figures)
    monkeypatch.undo()
    return len(figures), pairs[0], visited[0]


def test_the_work_grows_linearly_with_the_document(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each further copy of the cases costs the same pair evaluations and mention visits (the first copy costs
    less: nothing is named before it)."""
    (f2, p2, v2), (f4, p4, v4), (f8, p8, v8) = (_work(k, monkeypatch) for k in (2, 4, 8))
    assert f8 - f4 == 2 * (f4 - f2)
    assert p8 - p4 == 2 * (p4 - p2)  # pair evaluations: the same for every further copy
    assert v8 - v4 == 2 * (v4 - v2)  # and so are the mentions they look at
