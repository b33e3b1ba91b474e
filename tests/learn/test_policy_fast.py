"""The policy-tool model's decision reads class names made once and probability rows as Python floats: the same
decisions as the per-clause ``str``/``float`` conversion it replaced."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pipeline.learn.policy_tools import NONE, SUB_TOOLS, UNCODED, PolicyToolModel, _is_punct
from pipeline.text.chars import is_han_basic

MODELS = Path(__file__).resolve().parents[2] / "models"


def old_decide(model: PolicyToolModel, tp: Any, sp: Any, fp: Any, force: bool) -> dict[str, Any]:
    tprobs = {str(c): float(p) for c, p in zip(model.tool_model_.classes_, tp, strict=True)}
    if force:
        p_none = tprobs.pop(NONE, 0.0)
        tprobs = {k: v / max(1e-9, 1.0 - p_none) for k, v in tprobs.items()}
    tool = max(tprobs, key=lambda k: tprobs[k])
    if tool == NONE:
        return {"field": "", "tool": NONE, "sub_tool": NONE, "confidence": round(tprobs[tool], 4)}
    if not force and tprobs[tool] < model.min_confidence:
        return {"field": "", "tool": UNCODED, "sub_tool": UNCODED, "confidence": round(tprobs[tool], 4)}
    subs = {str(c): float(p) for c, p in zip(model.sub_model_.classes_, sp, strict=True)}
    cands = [s for s in subs if SUB_TOOLS.get(s) == tool] or list(subs)
    sub = max(cands, key=lambda s: subs[s])
    field = str(model.field_model_.classes_[int(fp.argmax())])
    return {"field": field, "tool": tool, "sub_tool": sub, "confidence": round(tprobs[tool], 4)}


CLAUSES = [
    "县财政安排专项资金500万元用于产业扶贫。",
    "成立脱贫攻坚领导小组，压实各级责任。",
    "对建档立卡贫困户发放小额信贷并给予贴息。",
    "组织开展技能培训1200人次。",
    "全县天气晴朗。",
]


@pytest.fixture(scope="module")
def model() -> PolicyToolModel:
    m = PolicyToolModel.from_disk(MODELS) if PolicyToolModel.paths(MODELS)[0].exists() else None
    if m is None:
        pytest.skip("no policy_tools model under models/")
    return m


def test_decisions_equal_the_per_clause_conversion(model: PolicyToolModel) -> None:
    rows = model._rows(CLAUSES)
    for force in (False, True):
        for tp, sp, fp in rows:
            assert model._decide(tp, sp, fp, force) == old_decide(model, tp, sp, fp, force)
    assert model._names is not None and len(model._names) == 3
    assert "_names" not in model.__getstate__()  # a cache: never pickled


def test_punctuation_words_cached() -> None:
    for w in ["，", "。", "——", "资金", "500", "a", "（", "·"]:
        assert _is_punct(w) == all(not (c.isalnum() or is_han_basic(c)) for c in w)
    assert _is_punct.cache_info().maxsize
