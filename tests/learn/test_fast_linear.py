"""The fast predict_proba of the TF-IDF + logistic-regression models gives scikit-learn's numbers bit for bit; the
policy-tool model and the program filter memoise per text / candidate without changing a prediction."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

import pipeline.learn.policy_tools as policy_tools
import pipeline.learn.program_filter as program_filter
from pipeline.corpus.practices import classify_practices, practice_contexts
from pipeline.learn.base import identity
from pipeline.learn.fast_linear import TfidfLogitGroup, supports
from pipeline.learn.policy_tools import NONE, PolicyToolModel
from pipeline.learn.program_filter import Candidate, ProgramFilter, program_features
from pipeline.learn.train import POLICY_TRAINING_TSV, read_training
from tests.records import measure, result

REPO = Path(__file__).resolve().parents[2]
MODELS = REPO / "models"

# Made-up feature lists: three classes, words shared between them, repeats (counts above 1).
_ROWS = [
    (["w:资金", "w:投入", "c2:资金", "w:资金"], "a"),
    (["w:贷款", "w:贴息", "c2:贷款", "b:贷款_贴息"], "b"),
    (["w:培训", "w:农民", "c2:培训", "w:培训", "w:培训"], "c"),
    (["w:资金", "w:贷款"], "b"),
    (["w:农民", "w:投入"], "a"),
    (["w:培训", "w:贴息"], "c"),
]


def _fit(labels: list[str], sublinear: bool = True, norm: str | None = "l2") -> object:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    vec = TfidfVectorizer(analyzer=identity, sublinear_tf=sublinear, norm=norm)
    return make_pipeline(vec, LogisticRegression(max_iter=500)).fit([f for f, _ in _ROWS], labels)


_QUERIES = [
    ["w:资金", "w:资金", "w:资金", "w:贴息"],
    ["w:没见过", "c2:新词"],  # nothing known: the intercepts alone
    [],
    ["w:培训", "b:贷款_贴息", "w:农民", "w:投入", "w:投入"],
]


@pytest.mark.parametrize("sublinear", [True, False])
@pytest.mark.parametrize("norm", ["l2", "l1", None])
def test_group_probabilities_equal_sklearns_bit_for_bit(sublinear: bool, norm: str | None) -> None:
    multi = _fit([y for _, y in _ROWS], sublinear, norm)
    binary = _fit(["a" if y == "a" else "z" for _, y in _ROWS], sublinear, norm)
    assert supports(multi) and supports(binary)
    fast = TfidfLogitGroup([multi, binary]).predict_proba(_QUERIES)
    for got, pipe in zip(fast, (multi, binary), strict=True):
        assert np.array_equal(got, pipe.predict_proba(_QUERIES))  # type: ignore[attr-defined]
    one_by_one = [TfidfLogitGroup([multi]).predict_proba([q])[0][0] for q in _QUERIES]
    assert np.array_equal(np.vstack(one_by_one), multi.predict_proba(_QUERIES))  # type: ignore[attr-defined]


def test_other_pipelines_are_not_taken() -> None:
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    counts = make_pipeline(CountVectorizer(analyzer=identity), LogisticRegression()).fit(
        [f for f, _ in _ROWS], [y for _, y in _ROWS]
    )
    assert not supports(counts)
    assert not supports(object())


@pytest.fixture(scope="module")
def policy_model() -> PolicyToolModel:
    if not PolicyToolModel.paths(MODELS)[0].exists():
        pytest.skip("models/policy_tools.pkl not present")
    return PolicyToolModel.from_disk(MODELS)


def _texts() -> list[str]:
    rows = read_training(MODELS / POLICY_TRAINING_TSV)
    texts = [r["text"] for r in rows[:150]]
    return [*texts, *(t + "，2020年投入35.6万元" for t in texts[:20]), "全县　投入 1.5 亿元", "  "]


def _sklearn_decisions(model: PolicyToolModel, texts: list[str], force: bool) -> list[dict[str, object]]:
    """What the model decided before the fast path: scikit-learn's pipelines on each text's features."""
    out = []
    for t in texts:
        feats = [model.features(t)]
        tp, sp, fp = (m.predict_proba(feats)[0] for m in (model.tool_model_, model.sub_model_, model.field_model_))
        out.append(model._decide(tp, sp, fp, force))
    return out


def test_policy_predictions_equal_the_pipelines(policy_model: PolicyToolModel) -> None:
    model = PolicyToolModel.from_disk(MODELS)  # a fresh one: an empty memo
    texts = _texts()
    want = _sklearn_decisions(model, texts, force=False)
    assert model.predict(texts) == want
    assert model.predict(texts[::-1]) == want[::-1]  # now from the memo
    assert model._memo is not None and len(model._memo) == len({policy_tools._fold(t) for t in texts})


def test_policy_memo_is_bounded_and_answers_the_same(
    policy_model: PolicyToolModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(policy_tools, "MEMO_TEXTS", 8)
    model = PolicyToolModel.from_disk(MODELS)
    texts = _texts()[:40]
    want = _sklearn_decisions(model, texts, force=False)
    got = [model.predict([t])[0] for t in texts]
    assert got == want
    assert model._memo is not None and len(model._memo) <= 8


def test_pooled_codes_equal_the_mean_of_the_pipelines(policy_model: PolicyToolModel) -> None:
    texts = _texts()
    bundles = [texts[i : i + 6] for i in range(0, 60, 4)] + [["", "  "]]
    want = []
    for b in bundles:
        feats = [policy_model.features(t) for t in b if t.strip()]
        if not feats:
            want.append({"field": "", "tool": NONE, "sub_tool": NONE, "confidence": 0.0})
            continue
        m = (policy_model.tool_model_, policy_model.sub_model_, policy_model.field_model_)
        tp, sp, fp = (x.predict_proba(feats).mean(axis=0) for x in m)
        want.append(policy_model._decide(tp, sp, fp, True))
    assert policy_model.predict_pooled_many(bundles) == want
    assert [policy_model.predict_pooled(b) for b in bundles] == want


def test_classify_practices_codes_every_practice_as_one_at_a_time(policy_model: PolicyToolModel) -> None:
    text = "全县推行“积分超市”模式，群众以积分兑换生活用品。创新“合作社+农户”机制，带动增收。"
    results = [result("d1", text, measures=[measure("d1", "积分超市"), measure("d1", "合作社+农户")])]
    got = classify_practices(results, policy_model)
    ctx = practice_contexts(results)
    assert set(got) == set(ctx) == {"积分超市", "合作社+农户"}
    for name, bundle in ctx.items():
        p = policy_model.predict_pooled(bundle, force=True)
        assert got[name] == {k: p[k] for k in ("field", "tool", "sub_tool", "confidence")}


def test_program_filter_memo_gives_the_pipelines_probabilities(monkeypatch: pytest.MonkeyPatch) -> None:
    if not ProgramFilter.paths(MODELS)[0].exists():
        pytest.skip("models/program_filter.pkl not present")
    monkeypatch.setattr(program_filter, "MEMO_CANDIDATES", 6)
    flt = ProgramFilter.from_disk(MODELS)
    terms = ["坝长制", "积分超市", "三变改革", "稻谷", "单打独斗", "企业+合作社+农户"]
    cands = [Candidate(t, left, "模式", src) for t, left, src in itertools.product(terms, ["推行", ""], ["quoted"])]
    want = [float(p[1]) for p in flt.pipeline_.predict_proba([program_features(c) for c in cands])]
    assert flt.predict_proba(cands) == want
    assert [flt.predict_proba([c])[0] for c in cands[::-1]] == want[::-1]
    assert flt._memo is not None and len(flt._memo) <= 6


def test_memo_key_is_what_the_features_see() -> None:
    # texts that differ only in numbers and whitespace share their features, so their probabilities
    assert policy_tools._fold(" 投入\u3000 12.5 万元 ") == policy_tools._fold("投入 3 万元") == "投入 0 万元"
