"""The link model's scores without scikit-learn: ``LinkModel.predict_proba`` (one sorted plan per key tuple) and
``column_scores`` (one array, summed column by column) give bitwise scikit-learn's logits and probabilities,
whatever the rows (features the model never saw, keys in any order, values of any sign), and the plans follow a
refit and stay bounded."""

from __future__ import annotations

import functools
import pickle
import random
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pipeline.learn.links as LL
import tests.extract.test_links_linear as TL

NAMES = [f"f{i:02d}" for i in range(24)]


def _fit(seed: int) -> Any:
    rng = random.Random(seed)
    train = [
        {k: rng.choice([1.0, rng.random(), rng.uniform(-3, 3)]) for k in rng.sample(NAMES, rng.randint(1, 10))}
        for _ in range(200)
    ]
    return LL.LinkModel().fit(train, [rng.randint(0, 1) for _ in train])


@functools.lru_cache(maxsize=1)
def _fitted() -> Any:
    return _fit(11)


@pytest.fixture(scope="module")
def model() -> Any:
    return _fit(11)


def _logits(model: Any, X: list[dict[str, float]]) -> np.ndarray:
    return np.asarray(model.pipeline_.decision_function(X), dtype=np.float64)


def _sklearn_probs(model: Any, X: list[dict[str, float]]) -> list[float]:
    return [float(p[1]) for p in model.pipeline_.predict_proba(X)]


VALUES = st.one_of(
    st.sampled_from([0.0, -0.0, 1.0, 0.25, 1 / 3, 2 / 3]),
    st.floats(min_value=-50, max_value=50, allow_nan=False, allow_infinity=False),
)
ROWS = st.lists(
    st.dictionaries(st.sampled_from([*NAMES, "unseen", "kind=x"]), VALUES, max_size=14), min_size=1, max_size=40
)


@settings(max_examples=300, deadline=None)
@given(ROWS)
def test_column_scores_and_planned_probabilities_are_scikit_learns_bitwise(X: list[dict[str, float]]) -> None:
    model = _fitted()  # fitted once: the plans it keeps between examples are checked as well
    index, coef, intercept = model._linear()
    assert LL.column_scores(X, index, coef, intercept).tobytes() == _logits(model, X).tobytes()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(LL, "PLANS", 3)  # plans dropped and made again on the way: the same numbers
        assert model.predict_proba(X) == _sklearn_probs(model, X)
    assert model.predict_proba(X) == _sklearn_probs(model, X)


def test_keys_in_another_order_give_the_same_score(model: Any) -> None:
    row = {"f03": 0.7, "f01": 1.0, "unseen": 2.0, "f20": -1.5, "f07": 1 / 3}
    backwards = dict(reversed(list(row.items())))
    assert tuple(row) != tuple(backwards)
    assert model.predict_proba([row]) == model.predict_proba([backwards]) == _sklearn_probs(model, [row])
    assert len(model._plans[1]) >= 2  # one plan per key tuple


def test_plans_stay_bounded_follow_a_refit_and_are_never_pickled(monkeypatch: pytest.MonkeyPatch) -> None:
    model = _fit(5)
    monkeypatch.setattr(LL, "PLANS", 4)
    rng = random.Random(1)
    X = [{k: 1.0 for k in rng.sample(NAMES, 3)} for _ in range(50)]
    assert model.predict_proba(X) == _sklearn_probs(model, X)
    assert 0 < len(model._plans[1]) <= 4
    before = model._plans
    model.pipeline_.fit(X, [int("f01" in x) for x in X])  # refitted in place: new coefficients, new plans
    assert model.predict_proba(X) == _sklearn_probs(model, X)
    assert model._plans is not before
    assert "_plans" not in model.__getstate__()
    assert "_plans" not in vars(pickle.loads(pickle.dumps(model)))


def test_the_trained_models_scores_on_real_pairs_are_scikit_learns_bitwise() -> None:
    if not (TL.MODELS / "link_model.pkl").exists():
        pytest.skip("no link model in models/ (make train)")
    import pipeline.extract.links as L

    model = LL.LinkModel.from_disk(TL.MODELS)
    doc, measures, figures = TL._parsed(1)
    ctxs = [L.link_context(doc, art, measures, {}) for art in L.articles_of(doc)]
    X = [p.features for ctx in ctxs for fig in figures for p in L.candidate_pairs(ctx, fig)]
    assert len(X) > 50
    index, coef, intercept = model._linear()
    assert LL.column_scores(X, index, coef, intercept).tobytes() == _logits(model, X).tobytes()
    assert model.predict_proba(X) == _sklearn_probs(model, X)
