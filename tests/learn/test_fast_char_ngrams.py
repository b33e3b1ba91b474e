"""The char n-gram indicator model's fast predict_proba (TfidfLogitText over the vectorizer's own analyzer) gives
scikit-learn's numbers bit for bit; other pipelines are not taken."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pipeline.learn.fast_linear import TfidfLogitText, supports, supports_char_ngrams
from pipeline.learn.indicators import IndicatorModel, indicator_features

MODELS = Path(__file__).resolve().parents[2] / "models"

# Made-up phrases: repeats, Latin letters in both cases (the analyzer lowercases), runs of spaces (it squeezes
# them), characters never seen, an empty phrase.
_ITEMS = [
    ("农民人均可支配收入", "元"),
    ("粮食总产量", "吨"),
    ("新建高标准农田", "亩"),
    ("脱贫人口", "人"),
    ("村集体经济收入", "万元"),
    ("农村  居民 收入", "元"),
]
_LABELS = ["income", "grain", "farmland", "people", "collective", "income"]
_QUERIES = [
    *_ITEMS,
    ("GDP总量", "亿元"),
    ("gdp总量", "亿元"),
    ("", ""),
    ("䶮䶮䶮", "丈"),
    ("人均收入人均收入", "元"),
]


@pytest.mark.parametrize("C", [1.0, 20.0])
def test_char_ngram_probabilities_equal_sklearns_bit_for_bit(C: float) -> None:
    model = IndicatorModel(C=C).fit(_ITEMS, _LABELS)
    pipe = model.pipeline_
    assert supports_char_ngrams(pipe) and not supports(pipe)
    texts = [indicator_features(p, u) for p, u in _QUERIES]
    want = pipe.predict_proba(texts)
    got = TfidfLogitText(pipe).predict_proba(texts)
    assert got.dtype == want.dtype and np.array_equal(got, want)
    preds = model.predict(_QUERIES)
    assert [p.label for p in preds] == [str(pipe.classes_[int(r.argmax())]) for r in want]
    assert [p.confidence for p in preds] == [float(r.max()) for r in want]


def test_saved_indicator_model_equals_sklearn() -> None:
    if not (MODELS / "indicator_model.pkl").exists():
        pytest.skip("models/indicator_model.pkl is not built")
    model = IndicatorModel.from_disk(MODELS)
    texts = [indicator_features(p, u) for p, u in _QUERIES]
    assert np.array_equal(model._fast_proba(texts), model.pipeline_.predict_proba(texts))
    assert model._fast  # the fast path was taken


def test_other_pipelines_are_not_taken() -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    words = make_pipeline(TfidfVectorizer(analyzer="word"), LogisticRegression()).fit(["ab cd", "ef gh"], ["x", "y"])
    binary = make_pipeline(TfidfVectorizer(analyzer="char", binary=True), LogisticRegression()).fit(
        ["ab", "cd"], ["x", "y"]
    )
    assert not supports_char_ngrams(words) and not supports_char_ngrams(binary)
    assert not supports_char_ngrams(object())
