"""Policy-tool coding of clauses and practices, as policy scholars code by hand (NVivo) — but learned.

Every clause that states a policy action gets a *field* (组织党建, 金融, 产业 …) and a *policy tool* in the
Rothwell & Zegveld scheme (供给型 / 环境型 / 需求型) with a sub-tool (资金投入, 金融支持, 示范推广 …).
Narrative and background clauses get the ``none`` class instead of a forced code, and a clause whose tool the
model gives less than ``min_confidence`` (:data:`MIN_CONFIDENCE`) is ``未编码`` (:data:`UNCODED`), not forced
into its likeliest tool. The codebook (each sub-tool with its tool, a definition and an example) is data in
``models/lexicon/policy_tool_codebook.tsv`` (:func:`codebook`). Three scikit-learn models
(TF-IDF over jieba words + char n-grams, logistic regression) are trained on labeled clauses kept in
``models/training/policy_clauses.tsv`` (:func:`pipeline.learn.train.train_policy_tools`); they are loaded
explicitly with :meth:`PolicyToolModel.from_disk`.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pipeline.learn.base import SavedModel, identity
from pipeline.text.chars import is_han_basic

NONE = "none"
UNCODED = "未编码"  # an action clause whose tool the model is not sure of: left for a human coder
# Below this tool probability a clause is UNCODED. Chosen on the 5-fold cross-validated predictions of the
# training clauses: coded clauses under 0.33 had the right tool about half the time (chance with 4 classes:
# 0.25), those from 0.33 up three times in four; the meta file records the calibration (``confidence``).
MIN_CONFIDENCE = 0.33
FIELDS = ("组织党建", "金融", "产业", "治理", "人才就业", "规划政策", "社会保障", "基础设施", "生态", "科技")
# Rothwell & Zegveld: sub-tool -> tool.
SUB_TOOLS: dict[str, str] = {
    "资金投入": "供给型",
    "人才培养": "供给型",
    "基础设施": "供给型",
    "技术支持": "供给型",
    "公共服务": "供给型",
    "目标规划": "环境型",
    "金融支持": "环境型",
    "税收优惠": "环境型",
    "法规管制": "环境型",
    "组织建设": "环境型",
    "策略性措施": "环境型",
    "政府采购": "需求型",
    "示范推广": "需求型",
    "服务外包": "需求型",
    "市场塑造": "需求型",
}
TOOLS = ("供给型", "环境型", "需求型")

# --------------------------------------------------------------------------------------------- model


def _make_clf(c: float) -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    vec = TfidfVectorizer(analyzer=identity, sublinear_tf=True, min_df=1)
    return make_pipeline(vec, LogisticRegression(C=c, class_weight="balanced", max_iter=3000))


_DIGITS_RE = re.compile(r"\d+(?:\.\d+)?")


class PolicyToolModel(SavedModel):
    """Tool, sub-tool and field classifiers over jieba words, word bigrams and char bigrams.

    The tool model has a ``none`` class (no policy action); field and sub-tool models learn from action
    clauses only, and the sub-tool is the likeliest one under the chosen tool, so a clause is coded only when
    some tool outweighs ``none``. ``predict(texts)`` gives one ``{field, tool, sub_tool, confidence}`` per text.
    """

    name = "policy_tools"
    version = "v2"  # v2: min_confidence (未编码 below it)
    _seg: Any = None  # jieba segmenter, made on first use and never pickled

    def __init__(self, C: float = 1.0, min_confidence: float = MIN_CONFIDENCE) -> None:
        self.C = C
        self.min_confidence = min_confidence

    def features(self, text: str) -> list[str]:
        """Sparse string features; digits folded so amounts and years do not become vocabulary."""
        if self._seg is None:
            from pipeline.text.tokenizer import shared_segmenter  # jieba and spaCy: imported by the runs that code

            self._seg = shared_segmenter()
        t = _DIGITS_RE.sub("0", " ".join(text.split()))
        words = [w for w in self._seg.cut(t, HMM=True) if w.strip() and not _is_punct(w)]
        feats = [f"w:{w}" for w in words]
        feats += [f"b:{a}_{b}" for a, b in itertools.pairwise(words)]
        if words:
            feats.append(f"first:{words[0]}")
        chars = "".join(c for c in t if not c.isspace())
        feats.extend(f"c2:{chars[i : i + 2]}" for i in range(len(chars) - 1))
        return feats

    def fit(self, texts: Sequence[str], fields: Sequence[str], subs: Sequence[str]) -> PolicyToolModel:
        """Fit the three models from clauses, their fields and sub-tools (``none`` for no policy action)."""
        return self.fit_features([self.features(t) for t in texts], fields, subs)

    def fit_features(self, feats: Sequence[list[str]], fields: Sequence[str], subs: Sequence[str]) -> PolicyToolModel:
        """:meth:`fit` on ready-made :meth:`features` (cross-validation computes them once)."""
        tools = [SUB_TOOLS.get(s, NONE) for s in subs]
        act = [i for i, s in enumerate(subs) if s != NONE]
        self.tool_model_ = _make_clf(self.C).fit(list(feats), tools)
        self.sub_model_ = _make_clf(self.C).fit([feats[i] for i in act], [subs[i] for i in act])
        self.field_model_ = _make_clf(self.C).fit([feats[i] for i in act], [fields[i] for i in act])
        return self

    def predict(self, texts: Sequence[str]) -> list[dict[str, Any]]:
        """One ``{field, tool, sub_tool, confidence}`` per text; tool/sub_tool ``none`` for no action."""
        self.check_fitted()
        return self.predict_features([self.features(t) for t in texts])

    def predict_features(self, feats: Sequence[list[str]], force: bool = False) -> list[dict[str, Any]]:
        """:meth:`predict` on ready-made :meth:`features`; ``force`` ignores the ``none`` class."""
        self.check_fitted()
        if not feats:
            return []
        tp = self.tool_model_.predict_proba(list(feats))
        sp = self.sub_model_.predict_proba(list(feats))
        fp = self.field_model_.predict_proba(list(feats))
        return [self._decide(t, s, f, force) for t, s, f in zip(tp, sp, fp, strict=True)]

    def predict_pooled(self, texts: Sequence[str], force: bool = True) -> dict[str, Any]:
        """One code for a bundle of texts (a practice's name, components and sentences): mean probabilities.

        With ``force`` the ``none`` class is ignored, so a practice always gets its likeliest tool.
        """
        self.check_fitted()
        texts = [t for t in texts if t.strip()]
        if not texts:
            return {"field": "", "tool": NONE, "sub_tool": NONE, "confidence": 0.0}
        feats = [self.features(t) for t in texts]
        tp = self.tool_model_.predict_proba(feats).mean(axis=0)
        sp = self.sub_model_.predict_proba(feats).mean(axis=0)
        fp = self.field_model_.predict_proba(feats).mean(axis=0)
        return self._decide(tp, sp, fp, force)

    def _decide(self, tp: Any, sp: Any, fp: Any, force: bool) -> dict[str, Any]:
        """Tool first (``none`` allowed unless forced); the sub-tool is the likeliest one under that tool. Unless
        forced, a tool under ``min_confidence`` gives :data:`UNCODED` (tool and sub-tool, no field)."""
        tprobs = {str(c): float(p) for c, p in zip(self.tool_model_.classes_, tp, strict=True)}
        if force:
            p_none = tprobs.pop(NONE, 0.0)
            tprobs = {k: v / max(1e-9, 1.0 - p_none) for k, v in tprobs.items()}
        tool = max(tprobs, key=lambda k: tprobs[k])
        if tool == NONE:
            return {"field": "", "tool": NONE, "sub_tool": NONE, "confidence": round(tprobs[tool], 4)}
        if not force and tprobs[tool] < self.min_confidence:
            return {"field": "", "tool": UNCODED, "sub_tool": UNCODED, "confidence": round(tprobs[tool], 4)}
        subs = {str(c): float(p) for c, p in zip(self.sub_model_.classes_, sp, strict=True)}
        cands = [s for s in subs if SUB_TOOLS.get(s) == tool] or list(subs)
        sub = max(cands, key=lambda s: subs[s])
        field = str(self.field_model_.classes_[int(fp.argmax())])
        return {"field": field, "tool": tool, "sub_tool": sub, "confidence": round(tprobs[tool], 4)}


def _is_punct(w: str) -> bool:
    return all(not (c.isalnum() or is_han_basic(c)) for c in w)


@dataclass(frozen=True)
class CodebookEntry:
    """One sub-tool of the codebook: its tool, what it covers and an example clause."""

    tool: str
    sub_tool: str
    definition: str
    example: str
    tool_definition: str


def codebook() -> list[CodebookEntry]:
    """The policy-tool codebook (``models/lexicon/policy_tool_codebook.tsv``), in file order."""
    from pipeline.lexicon import load

    lex = load("policy_tool_codebook")
    cols = [lex.column(c) for c in ("tool", "definition", "example", "tool_definition")]
    return [CodebookEntry(t, sub, d, e, td) for sub, t, d, e, td in zip(lex.words(), *cols, strict=True)]
