"""The link stage's per-figure loop reads what the per-pair code read: a figure's candidates scored in one loop
(``_figure_pair_features``) give each pair's own ``pair_features``; the sentence span read from the article's
sentence ends by bisection is ``sentence_span``; a practice's facts read once per article (``name_view``) are the
expressions they replace; the counted head read once on the longer left context finds what reading both found;
and with a ``Prune``, the pairs left out are exactly those whose score is below its cut, the others unchanged.
Documents are generated from made-up marked sentences (``parse_marked``), never third-party text."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

import pipeline.extract.links as L
from pipeline.text.chars import SENT_END
from pipeline.text.segment import sentence_span

PRACTICES = ["⟦扶贫车间⟧", "⟦光伏扶贫|p⟧", "⟦惠农贷|l⟧", "⟦“三变”改革⟧", "⟦种植合作社|o⟧", "⟦四个一|s⟧"]
FIGURES = ["⟨300人@扶贫车间⟩", "⟨2000户@-⟩", "⟨5万元@光伏扶贫⟩", "⟨12个@种植合作社⟩", "⟨80%@-⟩"]
FILLERS = [
    "全县",
    "通过",
    "依托",
    "带动",
    "实现增收",
    "该车间吸纳",
    "8个合作社",
    "和",
    "、",
    "，",
    "。",
    "。\n",
    "\n",
    "；",
    "：",
    "到2025年",
    "贫困发生率高达",
    "二、主要成效\n",
    "一是",
    "他说：“我们",
    "”",
]
MARKED = st.lists(st.sampled_from(PRACTICES + FIGURES + FILLERS), min_size=1, max_size=60).map(
    lambda parts: "某县扶贫工作\n" + "".join(parts)
)


def _doc(marked: str) -> tuple[Any, list[Any], list[Any]]:
    from pipeline.learn.links import parse_marked
    from pipeline.learn.train import marked_document

    doc, measures, figs = marked_document(parse_marked("gen", marked))
    return doc, measures, [f for f, _, _ in figs]


def _contexts(marked: str) -> list[tuple[Any, list[Any]]]:
    doc, measures, figures = _doc(marked)
    out = []
    for art in L.articles_of(doc):
        ctx = L.link_context(doc, art, measures, {})
        out.append((ctx, [f for f in figures if art.start <= f.mention.start < art.end]))
    return out


@settings(max_examples=150, deadline=None)
@given(MARKED)
def test_sentence_span_by_bisection_equals_the_search(marked: str) -> None:
    for ctx, _ in _contexts(marked):
        text = ctx.doc.text
        for start in range(ctx.art.start, ctx.art.end + 1):
            for end in (start, min(start + 3, len(text))):
                assert ctx.sentence_span(start, end) == sentence_span(text, start, end)


@settings(max_examples=150, deadline=None)
@given(MARKED)
def test_a_figures_loop_gives_each_pairs_own_features(marked: str) -> None:
    for ctx, figures in _contexts(marked):
        for fig in figures:
            pairs = L.candidate_pairs(ctx, fig)
            for p in pairs:
                extra = {k for k in ("heading", "anaphor", "para_anaphor", "main") if p.features.get(k)}
                alone = L.pair_features(ctx, p.practice.name, fig, extra)
                assert list(alone.items()) == list(p.features.items())  # same features, same order


@settings(max_examples=150, deadline=None)
@given(MARKED)
def test_a_practices_facts_read_once_equal_the_expressions(marked: str) -> None:
    for ctx, _ in _contexts(marked):
        for name, meas in ctx.by_name.items():
            nv = ctx.name_view(name)
            assert nv.kind_key == f"kind={meas.kind}"
            assert nv.own is ctx.own_mentions(name)
            assert nv.in_title_line == (name in ctx.title_line)
            assert nv.in_title_zone == (name in ctx.title_zone)
            assert nv.first == ctx.first_mention.get(name)
            assert (nv.tail4, nv.tail3) == ((name[-4:] if len(name) >= 5 else None), name[-3:])
            assert (nv.head3, nv.head2) == ((name[-3:] if len(name) >= 4 else None), name[-2:])
            assert nv.topic4 == (name[:4] if len(name) >= 6 else None)


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet="全县该这些个家8三合作社车间扶贫吸纳，", max_size=30),
    st.text(alphabet="全县该这些个家8三合作社车间扶贫吸纳，", max_size=6),
    st.sampled_from(["扶贫互助合作社", "扶贫车间", "种植合作社", "这些车间"]),
)
def test_the_counted_head_on_the_longer_left_finds_what_both_found(left: str, more: str, name: str) -> None:
    on = left + more  # ``_FigureView.left`` is a prefix of ``left_on``
    assert L._counted_head(on, name) == (L._counted_head(left, name) or L._counted_head(on, name))


WEIGHTS = st.dictionaries(
    st.sampled_from(
        [
            "kind=program",
            "kind=organization",
            "same_sentence",
            "before",
            "after",
            "log_dist",
            "sent_gap",
            "main",
            "no_mention_near",
            "role=none",
            "para_count",
            "cue_in_sentence",
            "nearest_in_sentence",
            "other_nearer",
        ]
    ),
    st.floats(min_value=-3, max_value=3, allow_nan=False),
    max_size=14,
)


@settings(max_examples=150, deadline=None)
@given(MARKED, WEIGHTS, st.floats(min_value=-3, max_value=3, allow_nan=False))
def test_pruned_pairs_are_those_below_the_cut_and_the_rest_are_whole(
    marked: str, weights: dict[str, float], cut: float
) -> None:
    prune = L.Prune(weights, -0.5, cut)
    for ctx, figures in _contexts(marked):
        for fig in figures:
            whole = L.candidate_pairs(ctx, fig)
            kept = {p.practice.name: p.features for p in L.candidate_pairs(ctx, fig, prune)}
            for p in whole:
                head = {k: v for k, v in p.features.items() if k not in L.DEFERRED}  # what the cut is read on
                if p.practice.name in kept:
                    assert not prune.below(head)
                    assert list(kept[p.practice.name].items()) == list(p.features.items())
                else:
                    assert prune.below(head)


def test_a_made_up_document_has_pairs_and_a_prune_cuts_them_by_score() -> None:
    """The generated documents do give pairs (the properties above are not vacuous), and a cut above every score
    leaves none, one below every score leaves all."""
    marked = (
        "某县扶贫工作\n全县⟦扶贫车间⟧带动⟨300人@扶贫车间⟩，⟦光伏扶贫|p⟧实现增收⟨5万元@光伏扶贫⟩。\n该车间吸纳⟨2000户@-⟩"
    )
    ((ctx, figures),) = _contexts(marked)
    assert len(figures) == 3
    for fig in figures:
        whole = L.candidate_pairs(ctx, fig)
        assert {p.practice.name for p in whole} == {"扶贫车间", "光伏扶贫"}
        assert L.candidate_pairs(ctx, fig, L.Prune({}, -5.0, 0.0)) == []
        assert [p.features for p in L.candidate_pairs(ctx, fig, L.Prune({}, 5.0, 0.0))] == [p.features for p in whole]


@settings(max_examples=150, deadline=None)
@given(MARKED)
def test_paragraph_starts_and_sentence_ends_equal_the_character_loops(marked: str) -> None:
    """``link_context`` reads paragraph starts and sentence ends from the article's breaks (one regular
    expression): what the loops over every character of the article found."""
    for ctx, _ in _contexts(marked):
        text, art = ctx.doc.text, ctx.art
        para_starts = [art.start] + [
            i + 1 for i in range(art.start, art.end) if text[i] == "\n" and text[i + 1 : i + 2].strip()
        ]
        after_text = [i > 0 and text[i - 1] not in SENT_END and text[i - 1] != "\n" for i in range(len(text))]
        sent_ends = [i for i in range(art.start, art.end) if text[i] in SENT_END or (text[i] == "\n" and after_text[i])]
        assert ctx.para_starts == para_starts
        assert ctx.sent_ends == sent_ends
