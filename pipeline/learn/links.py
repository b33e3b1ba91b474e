"""The learned link decision: is a candidate (practice, figure) pair a practice → outcome link?

Candidates and their features come from ``pipeline.extract.links`` (``candidate_pairs``, ``pair_features``:
distances in characters, sentences and paragraphs, same clause/sentence/list item, cue words between, the
practice's kind, the section's role, whether another practice intervenes, how the candidate was proposed).
A logistic regression over those features (``DictVectorizer``) decides; trained by
:func:`pipeline.learn.train.train_link_model` on pairs from the sentences in ``models/training/links.tsv`` (written
by the project in the genre's style), cross-validated by document.

Training rows are short documents with inline marks: ``⟦name⟧`` (a program) or ``⟦name|kind⟧`` (kind ``p``
program, ``l`` loan product, ``s`` slogan/formula, ``o`` organization) for a practice mention, and
``⟨figure@practice⟩`` / ``⟨figure@practice:relation⟩`` / ``⟨figure@-⟩`` for a figure and the practice it is an
outcome of (``-``: none; ``A&B``: both, 通过A和B，…). ``\\n`` in a cell is a line break (headings such as
``二、主要成效`` start lines).
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pipeline.learn.base import SavedModel

DEFAULT_THRESHOLD = 0.5
SECOND_THRESHOLD = 0.7  # a second practice of the same figure needs more (通过A和B，带动…)

KINDS = {"p": "program", "l": "loan_product", "s": "slogan", "o": "organization"}
_MARK = re.compile(r"⟦([^⟧|]+)(?:\|([plso]))?⟧|⟨([^⟩@]+)@([^⟩:]+)(?::(\w+))?⟩")


@dataclass
class MarkedFigure:
    start: int
    end: int
    practices: tuple[str, ...]  # () when the figure is no practice's outcome
    relation: str = "achieved"


@dataclass
class MarkedDoc:
    """One training document: plain text, practice mentions (start, end, name, kind) and marked figures."""

    doc_id: str
    text: str
    practices: list[tuple[int, int, str, str]] = field(default_factory=list)
    figures: list[MarkedFigure] = field(default_factory=list)


def parse_marked(doc_id: str, marked: str) -> MarkedDoc:
    """A :class:`MarkedDoc` from a marked training cell (see the module docstring)."""
    marked = marked.replace("\\n", "\n")
    out = MarkedDoc(doc_id, "")
    parts: list[str] = []
    pos = 0
    n = 0
    for m in _MARK.finditer(marked):
        plain = marked[pos : m.start()]
        parts.append(plain)
        n += len(plain)
        if m.group(1) is not None:
            name = m.group(1)
            out.practices.append((n, n + len(name), name, KINDS[m.group(2) or "p"]))
            parts.append(name)
            n += len(name)
        else:
            fig, prac, rel = m.group(3), m.group(4), m.group(5) or "achieved"
            names = () if prac == "-" else tuple(prac.split("&"))
            out.figures.append(MarkedFigure(n, n + len(fig), names, rel))
            parts.append(fig)
            n += len(fig)
        pos = m.end()
    parts.append(marked[pos:])
    out.text = "".join(parts)
    return out


PLANS = 4096  # key tuples whose plans are kept (a corpus's pairs have a few hundred)


def _plan(keys: tuple[str, ...], index: dict[str, int], coef: Sequence[float]) -> list[tuple[int, float]]:
    """(position of the key in the row, its coefficient) for the keys the model knows, in increasing column order:
    the order of the sparse dot product's terms."""
    return [(i, coef[j]) for j, i in sorted((index[k], i) for i, k in enumerate(keys) if k in index)]


def column_scores(X: Sequence[dict[str, float]], index: dict[str, int], coef: Sequence[float], intercept: float) -> Any:
    """The linear scores (logits) of feature dicts as one float64 array, bitwise those of scikit-learn's sparse
    dot product: a row's products are added from 0.0 in increasing column order (DictVectorizer's order), then the
    intercept. Here the rows are columns of one dense array and the sum runs column by column over the columns
    any row has: a row without column ``j`` adds ``0.0 * coef[j]`` (±0.0), which leaves any sum not -0.0 as it
    is, and a sum from +0.0 is never -0.0 under round-to-nearest. Features the model does not know weigh
    nothing."""
    import numpy as np

    n = len(X)
    lens = np.fromiter(map(len, X), dtype=np.intp, count=n)
    total_terms = int(lens.sum())
    keys = itertools.chain.from_iterable(X)
    cols = np.fromiter(map(index.get, keys, itertools.repeat(-1)), dtype=np.intp, count=total_terms)
    vals = np.fromiter(itertools.chain.from_iterable(map(dict.values, X)), dtype=np.float64, count=total_terms)
    rows = np.repeat(np.arange(n, dtype=np.intp), lens)
    known = cols >= 0
    cols, rows, vals = cols[known], rows[known], vals[known]
    present = np.unique(cols)  # increasing
    dense = np.zeros((len(coef), n), dtype=np.float64)
    dense[cols, rows] = vals  # a dict has each key once: no cell is written twice
    total = np.zeros(n, dtype=np.float64)
    term = np.empty(n, dtype=np.float64)
    weights = np.asarray(coef, dtype=np.float64)
    for j in present.tolist():
        np.multiply(dense[j], weights[j], out=term)  # two operations, never a fused multiply-add
        np.add(total, term, out=total)
    return total + intercept


class LinkModel(SavedModel):
    """DictVectorizer + logistic regression over pair features; ``predict_proba`` gives P(link) per pair."""

    name = "link_model"
    version = "v1"

    def __init__(
        self, threshold: float = DEFAULT_THRESHOLD, second_threshold: float = SECOND_THRESHOLD, C: float = 4.0
    ) -> None:
        self.threshold = threshold
        self.second_threshold = second_threshold
        self.C = C

    def make_estimator(self) -> Any:
        from sklearn.feature_extraction import DictVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline

        return make_pipeline(DictVectorizer(), LogisticRegression(C=self.C, max_iter=2000))

    def fit(self, X: Sequence[dict[str, float]], y: Sequence[int]) -> LinkModel:
        self.pipeline_ = self.make_estimator().fit(list(X), list(y))
        return self

    def predict_proba(self, X: Sequence[dict[str, float]]) -> list[float]:
        """P(link) per pair: the fitted pipeline's ``predict_proba``, computed in place (:meth:`_linear`)."""
        self.check_fitted()
        if not X:
            return []
        linear = self._linear()
        if linear is None:
            return [float(p[1]) for p in self.pipeline_.predict_proba(list(X))]
        import numpy as np
        from scipy.special import expit  # type: ignore[import-untyped]

        index, coef, intercept = linear
        cache = self.__dict__.get("_plans")  # (coefficients, key tuple → plan); a cache, never pickled
        if cache is None or cache[0] is not coef:  # plans of other coefficients (a refit in place): made again
            cache = self.__dict__["_plans"] = (coef, {})
        plans: dict[tuple[str, ...], list[tuple[int, float]]] = cache[1]
        scores = []
        for x in X:
            # the sparse row's order (DictVectorizer sorts a row's columns), products summed from 0.0 as the
            # sparse dot product does, then the intercept: the same floating-point operations, the same result.
            # Which columns a row has, in which order, depends only on its keys (in order): the pairs of a corpus
            # have a few hundred such key tuples, so the sorting is done once per tuple (:func:`_plan`)
            keys = tuple(x)
            plan = plans.get(keys)
            if plan is None:
                if len(plans) >= PLANS:
                    plans.clear()
                plan = plans[keys] = _plan(keys, index, coef)
            vals = list(x.values())
            total = 0.0
            for i, w in plan:
                total += float(vals[i]) * w
            scores.append(total + intercept)
        return [float(p) for p in expit(np.asarray(scores, dtype=np.float64))]

    def _linear(self) -> tuple[dict[str, int], list[float], float] | None:
        """(feature → column, coefficients, intercept) of a fitted DictVectorizer + binary LogisticRegression,
        read once (None for any other pipeline): scikit-learn's ``predict_proba`` checks its input and builds a
        sparse matrix on every call, which cost more than the arithmetic for the few pairs of an article."""
        # keyed on the pipeline and its classifier's coefficients: a refit in place (new coef_) reads them again
        key = (self.pipeline_, getattr(self.pipeline_.steps[-1][1], "coef_", None))
        cached = self.__dict__.get("_linear_cache")
        if cached is not None and cached[0] is key[0] and cached[1] is key[1]:
            return cached[2]
        import numpy as np
        from sklearn.feature_extraction import DictVectorizer
        from sklearn.linear_model import LogisticRegression

        steps = [step for _, step in self.pipeline_.steps]
        linear = None
        if (
            len(steps) == 2
            and type(steps[0]) is DictVectorizer
            and type(steps[1]) is LogisticRegression
            and steps[0].dtype is np.float64
            and len(steps[1].classes_) == 2
        ):
            vec, clf = steps
            coef = [float(w) for w in np.asarray(clf.coef_, dtype=np.float64)[0]]
            linear = (dict(vec.vocabulary_), coef, float(clf.intercept_[0]))
        self._linear_cache = (*key, linear)
        return linear

    def pruning(self) -> tuple[dict[str, float], float, float] | None:
        """(feature → coefficient, intercept, the score ``threshold`` needs) of a fitted linear pipeline (None for
        any other): a pair whose score is below that has ``predict_proba`` below ``threshold``. Candidates can
        be left out early with these (``pipeline.extract.links.Prune``)."""
        self.check_fitted()
        linear = self._linear()
        if linear is None or not 0.0 < self.threshold < 1.0:
            return None
        index, coef, intercept = linear
        return {k: coef[j] for k, j in index.items()}, intercept, math.log(self.threshold / (1.0 - self.threshold))

    def predict(self, X: Sequence[dict[str, float]]) -> list[bool]:
        return [p >= self.threshold for p in self.predict_proba(X)]

    def weights(self) -> dict[str, float]:
        """Feature → coefficient, for the meta file and for reading what the model learned."""
        self.check_fitted()
        vec, clf = self.pipeline_.steps[0][1], self.pipeline_.steps[-1][1]
        return {k: round(float(w), 3) for k, w in zip(vec.get_feature_names_out(), clf.coef_[0], strict=True)}
