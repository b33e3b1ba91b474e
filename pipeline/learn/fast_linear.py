"""``predict_proba`` of fitted ``make_pipeline(TfidfVectorizer(analyzer=identity), LogisticRegression)`` models
without scikit-learn's per-call overhead, with the very same numbers.

scikit-learn's pipeline validates its input at every step of every call (``validate_data``, ``check_array``,
namespace checks: most of the time of a call on a few rows) and each of the policy-tool models counts the same
feature lists in a Python loop of its own. :class:`TfidfLogitGroup` counts features once for several models over
one union vocabulary (``collections.Counter`` in C), builds each model's count matrix as its vectorizer does
(canonical CSR: summed counts, sorted column indices, its ``dtype``), then runs the same operations in the same
order as scikit-learn: ``log`` + 1 (sublinear tf), ``× idf``, scikit-learn's own in-place row normalisation, the
sparse-dense product with the coefficients plus the intercepts, and scikit-learn's ``softmax`` (or ``expit`` for
two classes). Each row depends only on its own features, so the probabilities are bit-for-bit those of
``pipeline.predict_proba`` whatever the batch (tests/learn/test_fast_linear.py checks it). A pipeline of any other
shape is not supported (:func:`supports`); callers then use the pipeline itself.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np


def _tfidf_logit(pipe: Any, analyzer_ok: Any) -> bool:
    """Whether ``pipe`` is a fitted (TfidfVectorizer, LogisticRegression) pipeline whose vectorizer's analyzer
    passes ``analyzer_ok`` and whose weighting this module reproduces."""
    try:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        steps = getattr(pipe, "steps", None)
        if not steps or len(steps) != 2:
            return False
        vec, clf = steps[0][1], steps[1][1]
        return (
            type(vec) is TfidfVectorizer
            and type(clf) is LogisticRegression
            and analyzer_ok(vec.analyzer)
            and vec.norm in ("l1", "l2", None)
            and hasattr(vec, "vocabulary_")
            and hasattr(clf, "coef_")
            and not getattr(vec, "binary", False)
            and np.dtype(vec.dtype) in (np.dtype(np.float64), np.dtype(np.float32))
        )
    except (ImportError, AttributeError, TypeError):
        return False


def supports(pipe: Any) -> bool:
    """Whether ``pipe`` is a fitted (TfidfVectorizer over ready-made feature lists, LogisticRegression) pipeline."""
    from pipeline.learn.base import identity

    return _tfidf_logit(pipe, lambda analyzer: analyzer is identity)


def supports_char_ngrams(pipe: Any) -> bool:
    """Whether ``pipe`` is a fitted (TfidfVectorizer with ``analyzer="char"``, LogisticRegression) pipeline: its
    vectorizer's own analyzer (``build_analyzer``) gives the n-grams of a text, counted here as it counts them."""
    return _tfidf_logit(pipe, lambda analyzer: analyzer == "char")


class _Model:
    """One fitted pipeline's numbers: its column of every union feature, idf, coefficients."""

    def __init__(self, pipe: Any, gid: dict[str, int]) -> None:
        vec, clf = pipe.steps[0][1], pipe.steps[1][1]
        self.n_features = len(vec.vocabulary_)
        self.col = np.full(len(gid), -1, dtype=np.int64)
        for feat, j in vec.vocabulary_.items():
            self.col[gid[feat]] = j
        self.dtype = np.dtype(vec.dtype)
        self.sublinear = bool(vec.sublinear_tf)
        self.idf = vec.idf_ if vec.use_idf else None
        self.norm = vec.norm
        self.coef_t = clf.coef_.T if clf.coef_.ndim == 2 else clf.coef_
        self.intercept = clf.intercept_
        self.binary = len(clf.classes_) <= 2

    def proba(self, gids: np.ndarray, counts: np.ndarray, rows: np.ndarray, n_rows: int) -> np.ndarray:
        """Class probabilities of ``n_rows`` rows given (row, union feature, count) triples."""
        from scipy import sparse  # type: ignore[import-untyped]
        from sklearn.utils.sparsefuncs_fast import inplace_csr_row_normalize_l1, inplace_csr_row_normalize_l2

        cols = self.col[gids]
        keep = cols >= 0
        cols, vals, rws = cols[keep], counts[keep], rows[keep]
        indptr = np.zeros(n_rows + 1, dtype=np.int64)
        np.cumsum(np.bincount(rws, minlength=n_rows), out=indptr[1:])
        idx_dtype = np.int32 if indptr[-1] <= np.iinfo(np.int32).max else np.int64
        x = sparse.csr_array(
            (vals.astype(self.dtype), cols.astype(idx_dtype), indptr.astype(idx_dtype)),
            shape=(n_rows, self.n_features),
        )
        x.sort_indices()  # what CountVectorizer does; each row's columns are unique already
        if self.sublinear:
            np.log(x.data, x.data)
            x.data += 1.0
        if self.idf is not None:
            x.data *= self.idf[x.indices]
        if self.norm == "l2":
            inplace_csr_row_normalize_l2(x)
        elif self.norm == "l1":
            inplace_csr_row_normalize_l1(x)
        scores = x @ self.coef_t + self.intercept
        if scores.ndim > 1 and scores.shape[1] == 1:
            scores = scores.reshape((-1,))
        if self.binary:
            from scipy.special import expit  # type: ignore[import-untyped]

            prob = expit(scores, out=scores)
            return np.stack([1 - prob, prob], axis=1)
        from sklearn.utils.extmath import softmax

        return np.asarray(softmax(scores, copy=False))


class TfidfLogitGroup:
    """Several fitted pipelines (see :func:`supports`) fed the same feature lists: one count, each model's
    ``predict_proba`` with identical results."""

    def __init__(self, pipes: Sequence[Any]) -> None:
        gid: dict[str, int] = {}
        for pipe in pipes:
            for feat in pipe.steps[0][1].vocabulary_:
                gid.setdefault(feat, len(gid))
        self._gid = gid
        self._models = [_Model(p, gid) for p in pipes]

    def predict_proba(self, feats: Sequence[Sequence[str]]) -> list[np.ndarray]:
        """One ``(len(feats), n_classes)`` probability array per pipeline, in the order given."""
        get = self._gid.get
        keys: list[int] = []
        vals: list[int] = []
        lens: list[int] = []
        for row in feats:
            cnt = Counter(map(get, row))
            cnt.pop(None, None)
            keys.extend(cnt.keys())  # type: ignore[arg-type]
            vals.extend(cnt.values())
            lens.append(len(cnt))
        gids = np.asarray(keys, dtype=np.int64)
        counts = np.asarray(vals, dtype=np.int64)
        rows = np.repeat(np.arange(len(feats), dtype=np.int64), lens)
        return [m.proba(gids, counts, rows, len(feats)) for m in self._models]


class TfidfLogitText:
    """``predict_proba`` of one fitted char n-gram pipeline (see :func:`supports_char_ngrams`) on raw texts: the
    vectorizer's own analyzer makes each text's n-grams, :class:`TfidfLogitGroup` the rest (the same numbers)."""

    def __init__(self, pipe: Any) -> None:
        self._analyze = pipe.steps[0][1].build_analyzer()
        self._group = TfidfLogitGroup([pipe])

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        return self._group.predict_proba([self._analyze(t) for t in texts])[0]


__all__ = ["TfidfLogitGroup", "TfidfLogitText", "supports", "supports_char_ngrams"]
