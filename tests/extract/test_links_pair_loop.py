"""The per-pair loop of the link stage reads in place what it asked of helpers per pair: a figure's counted heads
read once for all its candidates (``_counted_heads``) find what ``_counted_head`` found for each practice, and
the cue words between a mention and the figure read from the article's word index give what the regular
expressions give (the pairs, features in order, equal those read with the searches). Documents are generated
from made-up marked sentences, never third-party text."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pipeline.extract.links as L
from tests.extract.test_links_figure_loop import MARKED, _contexts

HEAD_TEXT = st.text(alphabet="全县市区该这些此各个家座所处批8٣三两百合作社车间扶贫吸纳，", max_size=40)
NAMES = st.sampled_from(["扶贫互助合作社", "扶贫车间", "种植合作社", "这些车间", "全县区社", "各家个处"])


@settings(max_examples=500, deadline=None)
@given(HEAD_TEXT, NAMES)
def test_the_counted_heads_of_a_left_context_are_what_the_head_search_finds(left: str, name: str) -> None:
    heads2, heads3 = L._counted_heads(left)
    assert (name[-3:] in heads3 or name[-2:] in heads2) == L._counted_head(left, name)


def test_the_counted_heads_of_a_made_up_context() -> None:
    heads2, heads3 = L._counted_heads("全县8个合作社和该车间")
    assert "合作社" in heads3 and "车间" in heads2
    assert "扶贫" not in heads2 and L._counted_heads("") == (frozenset(), frozenset())


def _search_index(ctx: Any, which: str) -> L._WordIndex:
    """The word index answered by the regular expression (what ``has_word`` replaced): every span of the article
    the alternation matches whole (``fullmatch``: some word is that span), by start, with the least end from each
    start on, so that ``inside(lo, hi)`` is ``pattern.search(text, lo, hi) is not None``; the pair loop reads the
    index's lists in place, so it is given this one."""
    text, art = ctx.doc.text, ctx.art
    pattern = L.OUTCOME_CUES if which == "outcome" else L._RESULT
    longest = max(map(len, L._OUTCOME_WORDS if which == "outcome" else L._RESULT_WORDS))
    spans = [
        (i, e)
        for i in range(art.start, art.end)
        for e in range(i + 1, min(i + longest, art.end) + 1)
        if pattern.fullmatch(text, i, e)
    ]
    least, acc = [0] * len(spans), art.end + 1
    for k in range(len(spans) - 1, -1, -1):
        acc = min(acc, spans[k][1])
        least[k] = acc
    return L._WordIndex([i for i, _ in spans], least)


def _pairs(marked: str, prune: L.Prune | None) -> list[tuple[str, int, list[tuple[str, float]]]]:
    return [
        (p.practice.name, fig.mention.start, list(p.features.items()))
        for ctx, figures in _contexts(marked)
        for fig in figures
        for p in L.candidate_pairs(ctx, fig, prune)
    ]


@settings(max_examples=150, deadline=None)
@given(MARKED, st.sampled_from([None, L.Prune({"same_sentence": 1.0, "main": 0.5}, -0.8, 0.0)]))
def test_the_pair_loop_gives_the_features_of_the_helpers(marked: str, prune: L.Prune | None) -> None:
    fast = _pairs(marked, prune)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(L.LinkContext, "word_index_of", _search_index)
        slow = _pairs(marked, prune)
    assert fast == slow


@settings(max_examples=150, deadline=None)
@given(MARKED)
def test_head_in_clause_is_the_counted_head_on_the_figures_left_context(marked: str) -> None:
    for ctx, figures in _contexts(marked):
        for fig in figures:
            left_on = L._figure_view(ctx, fig).left_on
            for p in L.candidate_pairs(ctx, fig):
                name = p.practice.name
                expected = len(name) >= 4 and L._counted_head(left_on, name)
                assert ("head_in_clause" in p.features) == expected


def test_the_reference_is_not_vacuous() -> None:
    """A made-up article whose pairs read a counted head and a cue word between mention and figure."""
    marked = "某县扶贫工作\n全县⟦扶贫车间|o⟧建成后，全县8个车间带动增收⟨300人@扶贫车间⟩。"
    feats = [dict(f) for _, _, f in _pairs(marked, None)]
    assert any(f.get("head_in_clause") for f in feats)
    assert any(f.get("result_between") or f.get("cue_between") for f in feats)


def test_a_head_counted_by_the_figure_itself_is_read() -> None:
    """``head_in_clause`` reads the left context up to 4 characters past the figure (建成12个车间)."""
    marked = "某县扶贫工作\n全县⟦扶贫车间|o⟧。今年建成⟨12个@扶贫车间⟩车间。"
    feats = [dict(f) for _, _, f in _pairs(marked, None)]
    assert feats and all(f.get("head_in_clause") for f in feats)


def _in_speech_reference(text: str, s0: int, pos: int) -> bool:
    """``_in_speech`` as it was written with ``max``/``any`` over generators."""
    from pipeline.text.chars import CLOSE_QUOTES, OPEN_QUOTES

    lo = text.rfind("\n", 0, pos) + 1
    opened = max(text.rfind(q, lo, pos) for q in OPEN_QUOTES)
    if opened < 0 or any(text.find(q, opened, pos) != -1 for q in CLOSE_QUOTES):
        return False
    return pos - opened > 12 or text[max(lo, opened - 3) : opened].rstrip("：:，,").endswith(("说", "道", "讲", "表示"))


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet='他说：，“”"「」『』\n我们一年能挣3000多元表示', max_size=40), st.data())
def test_in_speech_read_in_loops_equals_the_generators(text: str, data: st.DataObject) -> None:
    pos = data.draw(st.integers(0, len(text)))
    s0 = data.draw(st.integers(0, pos))
    assert L._in_speech(text, s0, pos) == _in_speech_reference(text, s0, pos)


def test_in_speech_of_made_up_sentences() -> None:
    text = "他说：“我们一年能挣3000多元”"
    assert L._in_speech(text, 0, text.index("3000"))
    assert not L._in_speech("“三金”模式带动3000户", 0, 9)


SECTIONS = st.lists(
    st.tuples(
        st.integers(0, 40),
        st.integers(0, 40),
        st.integers(1, 3),
        st.sampled_from(["", "成效", "做法", "背景"]),
        st.sampled_from(["", "扶贫车间", "光伏扶贫"]),
    ),
    max_size=6,
)


@settings(max_examples=300, deadline=None)
@given(SECTIONS)
def test_a_role_and_a_heading_practice_read_per_stretch_equal_the_scans(sections: list[Any]) -> None:
    from pipeline.model import Article, Measure, Section

    secs = [
        Section(0, str(k), h, level, role, min(a, b), max(a, b)) for k, (a, b, level, role, h) in enumerate(sections)
    ]
    art = Article(0, 0, 41, "", sections=secs)
    by_name = {n: Measure(None, n, "program") for n in ("扶贫车间", "光伏扶贫")}  # type: ignore[arg-type]
    named = {id(s): s.heading for s in secs if s.heading}
    for given_bounds in (True, False):
        ctx = L.LinkContext(None, art, by_name, [], [], [0], [], None, {}, named)  # type: ignore[arg-type]
        if given_bounds:
            ctx.section_bounds = L._section_bounds(art)
        for pos in [*range(0, 42), *range(41, -1, -1)]:  # both ways: the answers cached per stretch are reused
            assert ctx.role_at(pos) == L._role_at(art, pos)
            assert ctx.heading_practice_at(pos) is L._heading_practice_at(art, pos, by_name, named)
