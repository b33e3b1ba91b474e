"""Pruning the candidate pairs the link model cannot accept (``pipeline.extract.links.Prune``): the features read
last only lower the score, so a pair already below the threshold's score without them is left out; the links are
those of the unpruned pairs, and so are the kept pairs' features."""

from __future__ import annotations

import math
from typing import Any

import pytest

import pipeline.extract.links as L
from tests.extract.test_links_linear import MODELS, _key, _parsed


@pytest.fixture(scope="module")
def link_model() -> Any:
    from pipeline.learn.links import LinkModel

    if not (MODELS / "link_model.pkl").exists():
        pytest.skip("no link model in models/ (make train)")
    return LinkModel.from_disk(MODELS)


def _pairs(prune: L.Prune | None) -> list[tuple[str, int, dict[str, float]]]:
    doc, measures, figures = _parsed(2)
    out = []
    for art in L.articles_of(doc):
        ctx = L.link_context(doc, art, measures, {})
        for fig in figures:
            if art.start <= fig.mention.start < art.end:
                out += [(p.practice.name, fig.mention.start, p.features) for p in L.candidate_pairs(ctx, fig, prune)]
    return out


def test_the_trained_model_allows_pruning(link_model: Any) -> None:
    prune = L.Prune.of(link_model)
    assert prune is not None
    assert all(prune.weights.get(k, 0.0) <= 0.0 for k in L.DEFERRED)
    assert prune.cut == pytest.approx(math.log(link_model.threshold / (1 - link_model.threshold)))


def test_pruned_pairs_are_those_below_the_threshold(link_model: Any) -> None:
    whole, pruned = _pairs(None), _pairs(L.Prune.of(link_model))
    kept = {(n, p) for n, p, _ in pruned}
    assert 0 < len(pruned) < len(whole)  # some pairs are left out, not all
    probs = link_model.predict_proba([f for _, _, f in whole])
    for (name, pos, _feats), prob in zip(whole, probs, strict=True):
        if (name, pos) not in kept:
            assert prob < link_model.threshold  # never a pair the model would accept
    by_key = {(n, p): f for n, p, f in whole}
    assert all(by_key[(n, p)] == f for n, p, f in pruned)  # a kept pair's features are all read


def test_links_with_pruning_equal_links_without(link_model: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    doc, measures, figures = _parsed(2)
    fast = L.link_outcomes(doc, measures, figures, model=link_model)
    monkeypatch.setattr(L.Prune, "of", classmethod(lambda cls, model: None))
    slow = L.link_outcomes(doc, measures, figures, model=link_model)
    assert fast and _key(fast) == _key(slow)


def test_no_pruning_when_a_deferred_feature_could_raise_the_score(link_model: Any) -> None:
    class Raising:
        def pruning(self) -> tuple[dict[str, float], float, float]:
            weights, intercept, cut = link_model.pruning()
            return {**weights, "intervening": 0.5}, intercept, cut

    assert L.Prune.of(Raising()) is None
    assert L.Prune.of(object()) is None  # a model without linear weights: every pair read whole


def test_a_figures_relation_is_read_once_for_its_links(link_model: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The pairs of one figure share its clause and section: ``relation_of`` is asked once per figure and role."""
    doc, measures, figures = _parsed(1)
    calls: list[tuple[int, str]] = []
    relation_of = L.relation_of

    def counted(text: str, start: int, end: int, role: str = "", ref_year: int | None = None) -> str:
        calls.append((start, role))
        return relation_of(text, start, end, role, ref_year)

    monkeypatch.setattr(L, "relation_of", counted)
    links = L.link_outcomes(doc, measures, figures, model=link_model)
    assert len(calls) == len(set(calls))  # never twice for one figure
    by_fig = {ln.figure.mention.start for ln in links}
    assert len(links) > len(by_fig)  # some figure has several links, and its relation was read once
