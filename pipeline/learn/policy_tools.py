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
from functools import lru_cache
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
PREDICT_BATCH = 2_048  # distinct texts whose features are made and predicted together (a row is the same in any batch)
MEMO_TEXTS = 16_384  # distinct clause texts whose probabilities a loaded model keeps (about 0.5 KB each)


def _fold(text: str) -> str:
    """What the features see of a text: whitespace runs as one space, numbers as ``0``."""
    return _DIGITS_RE.sub("0", " ".join(text.split()))


class PolicyToolModel(SavedModel):
    """Tool, sub-tool and field classifiers over jieba words, word bigrams and char bigrams.

    The tool model has a ``none`` class (no policy action); field and sub-tool models learn from action
    clauses only, and the sub-tool is the likeliest one under the chosen tool, so a clause is coded only when
    some tool outweighs ``none``. ``predict(texts)`` gives one ``{field, tool, sub_tool, confidence}`` per text.
    """

    name = "policy_tools"
    version = "v2"  # v2: min_confidence (未编码 below it)
    _seg: Any = None  # jieba segmenter, made on first use and never pickled
    _fast: Any = None  # fast_linear.TfidfLogitGroup over the three models (False: not of that shape)
    _memo: dict[str, Any] | None = None  # folded text -> its three probability rows, one array
    _names: tuple[tuple[str, ...], ...] | None = None  # (tool, sub-tool, field) class names, as str

    def __init__(self, C: float = 1.0, min_confidence: float = MIN_CONFIDENCE) -> None:
        self.C = C
        self.min_confidence = min_confidence

    def features(self, text: str) -> list[str]:
        """Sparse string features; digits folded so amounts and years do not become vocabulary."""
        return self._folded_features(_fold(text))

    def _folded_features(self, t: str) -> list[str]:
        """:meth:`features` of a text :func:`_fold` has folded already."""
        if self._seg is None:
            from pipeline.text.tokenizer import shared_segmenter  # jieba and spaCy: imported by the runs that code

            self._seg = shared_segmenter()
        words = [w for w in self._seg.cut(t, HMM=True) if w.strip() and not _is_punct(w)]
        feats = [f"w:{w}" for w in words]
        feats += [f"b:{a}_{b}" for a, b in itertools.pairwise(words)]
        if words:
            feats.append(f"first:{words[0]}")
        chars = t.replace(" ", "")  # the folded text's only whitespace is single spaces
        feats.extend(f"c2:{a}{b}" for a, b in itertools.pairwise(chars))
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
        self._fast, self._memo, self._names = None, None, None  # caches of the models fitted before
        return self

    def predict(self, texts: Sequence[str]) -> list[dict[str, Any]]:
        """One ``{field, tool, sub_tool, confidence}`` per text; tool/sub_tool ``none`` for no action."""
        self.check_fitted()
        return [self._decide(t, s, f, False) for t, s, f in self._rows(texts)]

    def predict_features(self, feats: Sequence[list[str]], force: bool = False) -> list[dict[str, Any]]:
        """:meth:`predict` on ready-made :meth:`features`; ``force`` ignores the ``none`` class."""
        self.check_fitted()
        if not feats:
            return []
        tp, sp, fp = self._predict_proba(feats)
        return [self._decide(t, s, f, force) for t, s, f in zip(tp, sp, fp, strict=True)]

    def predict_pooled(self, texts: Sequence[str], force: bool = True) -> dict[str, Any]:
        """One code for a bundle of texts (a practice's name, components and sentences): mean probabilities.

        With ``force`` the ``none`` class is ignored, so a practice always gets its likeliest tool.
        """
        return self.predict_pooled_many([texts], force)[0]

    def predict_pooled_many(self, bundles: Sequence[Sequence[str]], force: bool = True) -> list[dict[str, Any]]:
        """:meth:`predict_pooled` of each bundle, every distinct text of all of them predicted in one batch."""
        import numpy as np

        self.check_fitted()
        kept = [[t for t in b if t.strip()] for b in bundles]
        rows = self._rows([t for b in kept for t in b])
        out: list[dict[str, Any]] = []
        i = 0
        for b in kept:
            part, i = rows[i : i + len(b)], i + len(b)
            if not part:
                out.append({"field": "", "tool": NONE, "sub_tool": NONE, "confidence": 0.0})
                continue
            tp, sp, fp = (np.vstack([r[k] for r in part]).mean(axis=0) for k in range(3))
            out.append(self._decide(tp, sp, fp, force))
        return out

    def _predict_proba(self, feats: Sequence[list[str]]) -> list[Any]:
        """The (tool, sub-tool, field) models' ``predict_proba`` of feature lists (the same numbers, faster)."""
        if self._fast is None:
            from pipeline.learn.fast_linear import TfidfLogitGroup, supports

            pipes = [self.tool_model_, self.sub_model_, self.field_model_]
            self._fast = TfidfLogitGroup(pipes) if all(supports(p) for p in pipes) else False
        if self._fast:
            return list(self._fast.predict_proba(feats))
        return [m.predict_proba(list(feats)) for m in (self.tool_model_, self.sub_model_, self.field_model_)]

    def _rows(self, texts: Sequence[str]) -> list[tuple[Any, Any, Any]]:
        """(tool, sub-tool, field) probabilities of each text; each distinct folded text is computed once (a
        row depends on its text only) and kept for the next calls (up to :data:`MEMO_TEXTS` texts)."""
        import numpy as np

        if self._memo is None:
            self._memo = {}
        memo = self._memo
        keys = [_fold(t) for t in texts]
        todo = list(dict.fromkeys(k for k in keys if k not in memo))
        fresh: dict[str, Any] = {}
        for lo in range(0, len(todo), PREDICT_BATCH):  # a batch's features at a time (~10 KB a text), not all
            batch = todo[lo : lo + PREDICT_BATCH]
            probs = self._predict_proba([self._folded_features(k) for k in batch])
            for i, k in enumerate(batch):
                fresh[k] = np.concatenate([p[i] for p in probs])
        n_t, n_s = len(self.tool_model_.classes_), len(self.sub_model_.classes_)
        out = []
        for k in keys:
            row = fresh[k] if k in fresh else memo[k]
            out.append((row[:n_t], row[n_t : n_t + n_s], row[n_t + n_s :]))
        memo.update(fresh)
        if len(memo) > MEMO_TEXTS:
            for k in list(itertools.islice(memo, len(memo) - MEMO_TEXTS // 2)):
                del memo[k]
        return out

    def _decide(self, tp: Any, sp: Any, fp: Any, force: bool) -> dict[str, Any]:
        """Tool first (``none`` allowed unless forced); the sub-tool is the likeliest one under that tool. Unless
        forced, a tool under ``min_confidence`` gives :data:`UNCODED` (tool and sub-tool, no field)."""
        names = self._names
        if names is None:  # the three models' class names as strings, made once (not per clause)
            models = (self.tool_model_, self.sub_model_, self.field_model_)
            names = self._names = tuple(tuple(str(c) for c in m.classes_) for m in models)
        tprobs = dict(zip(names[0], _floats(tp), strict=True))
        if force:
            p_none = tprobs.pop(NONE, 0.0)
            tprobs = {k: v / max(1e-9, 1.0 - p_none) for k, v in tprobs.items()}
        tool = max(tprobs, key=lambda k: tprobs[k])
        if tool == NONE:
            return {"field": "", "tool": NONE, "sub_tool": NONE, "confidence": round(tprobs[tool], 4)}
        if not force and tprobs[tool] < self.min_confidence:
            return {"field": "", "tool": UNCODED, "sub_tool": UNCODED, "confidence": round(tprobs[tool], 4)}
        subs = dict(zip(names[1], _floats(sp), strict=True))
        cands = [s for s in subs if SUB_TOOLS.get(s) == tool] or list(subs)
        sub = max(cands, key=lambda s: subs[s])
        field = names[2][int(fp.argmax())]
        return {"field": field, "tool": tool, "sub_tool": sub, "confidence": round(tprobs[tool], 4)}


def _floats(row: Any) -> list[float]:
    """A probability row as Python floats (``float`` of each element: what ``ndarray.tolist`` gives, in C)."""
    return row.tolist() if hasattr(row, "tolist") else [float(p) for p in row]


@lru_cache(maxsize=65_536)
def _is_punct(w: str) -> bool:
    """A word of punctuation only (cached: a corpus repeats its words)."""
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
