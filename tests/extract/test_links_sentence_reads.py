"""What the link stage's pair loop reads once per sentence or per mention instead of once per figure or pair equals
what it read before: a figure's counted heads from its sentence's counted stretches (``_sentence_counters``) are
``_counted_heads`` of its left context, whatever order the figures are read in; a mention's view kept with its
practice's own mentions is ``_mention_view``; the conjunction and means words read once per mention answer what the
per-pair reads answered for any sentence start; the first mention after the figure is read without a bisection to
the paragraph end. Documents are generated from made-up marked sentences, never third-party text."""

from __future__ import annotations

import bisect
import random

from hypothesis import given, settings
from hypothesis import strategies as st

import pipeline.extract.links as L
from tests.extract.test_links_figure_loop import MARKED, _contexts
from tests.extract.test_links_pair_loop import _search_index


def _heads_read_per_sentence(ctx: L.LinkContext, v: L._FigureView) -> tuple[set[str], set[str]]:
    """The counted heads of the figure's left context as the pair loop reads them from ``_sentence_counters``:
    a head of k characters follows a counter when its first place plus k is inside ``v.left_on``."""
    at2, at3 = L._sentence_counters(ctx, v)
    n = len(v.left_on)
    return {h for h, i in at2.items() if i + 2 <= n}, {h for h, i in at3.items() if i + 3 <= n}


@settings(max_examples=150, deadline=None)
@given(MARKED, st.randoms(use_true_random=False))
def test_counted_heads_read_per_sentence_equal_those_of_each_left_context(marked: str, rnd: random.Random) -> None:
    for ctx, figures in _contexts(marked):
        views = [L._figure_view(ctx, fig) for fig in figures]
        shuffled = list(views)
        rnd.shuffle(shuffled)
        for v in [*views, *reversed(views), *shuffled]:  # forwards, backwards, shuffled: the sentence's read reused
            assert _heads_read_per_sentence(ctx, v) == L._counted_heads(v.left_on)


def test_counted_heads_of_two_figures_of_one_made_up_sentence() -> None:
    marked = "某县扶贫工作\n全县⟦扶贫车间|o⟧建成后，8个车间吸纳⟨300人@扶贫车间⟩，该合作社带动⟨200户@-⟩。"
    ((ctx, figures),) = _contexts(marked)
    first, second = (L._figure_view(ctx, fig) for fig in figures)
    assert first.s0 == second.s0  # the second figure reads the stretches the first one found
    heads2, heads3 = _heads_read_per_sentence(ctx, first)
    assert "车间" in heads2 and "合作社" not in heads3
    assert "合作社" in _heads_read_per_sentence(ctx, second)[1]
    assert _heads_read_per_sentence(ctx, second) == L._counted_heads(second.left_on)


@settings(max_examples=150, deadline=None)
@given(MARKED)
def test_the_views_kept_with_own_mentions_and_the_per_mention_reads_equal_the_expressions(marked: str) -> None:
    for ctx, figures in _contexts(marked):
        for fig in figures:
            L.candidate_pairs(ctx, fig)
        text = ctx.doc.text
        fresh = L.link_context(ctx.doc, ctx.art, list(ctx.by_name.values()), {})
        for name in ctx.by_name:
            own = ctx.own_mentions(name)
            assert len(own.views) == len(own.spans)
            for (ms, me), mv in zip(own.spans, own.views, strict=True):
                if mv is not None:
                    assert mv == L._mention_view(fresh, ms, me)
                mv = L._mention_view(fresh, ms, me)
                for s0 in range(ctx.art.start, ms + 1):
                    conj = mv.conj_before if ms - 4 > s0 else L._COORDINATED.match(text, s0, ms)
                    assert bool(conj) == bool(L._COORDINATED.match(text, ms - 4 if ms - 4 > s0 else s0, ms))
                    means = mv.means_before if ms - 8 >= s0 else L._MEANS.search(text[s0:ms])
                    assert bool(means) == bool(L._MEANS.search(text[max(s0, ms - 8) : ms]))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 60), unique=True).map(sorted), st.integers(0, 61), st.integers(0, 61))
def test_the_first_mention_after_the_figure_needs_no_bisection_to_the_window_end(
    starts: list[int], fend: int, window_end: int
) -> None:
    k_after = bisect.bisect_left(starts, fend)
    old = k_after < bisect.bisect_left(starts, window_end)
    assert old == (k_after < len(starts) and starts[k_after] < window_end)


@settings(max_examples=60, deadline=None)
@given(MARKED)
def test_the_reference_index_of_the_pair_loop_test_is_the_search(marked: str) -> None:
    """``_search_index`` (the index test_links_pair_loop gives the loop) answers what the regular expressions do."""
    for ctx, _ in _contexts(marked):
        text, art = ctx.doc.text, ctx.art
        for which, pattern in (("outcome", L.OUTCOME_CUES), ("result", L._RESULT)):
            index = _search_index(ctx, which)
            for lo in range(art.start, art.end + 1):
                for hi in range(lo, art.end + 1):
                    assert index.inside(lo, hi) == (pattern.search(text, lo, hi) is not None)
