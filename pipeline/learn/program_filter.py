"""Learned filters (scikit-learn) trained on examples we label ourselves under ``models/training/``.

Program-term filter: decides whether a candidate term (a quoted coinage such as a "社社联建"-style name,
a ``…模式/机制/制度`` phrase, an ``X+Y+`` construction) names a practice, model or mechanism. Rules find
candidates cheaply; the filter drops the many candidates that are slogans of speech, quotations or
ordinary nouns. Models are loaded explicitly with :meth:`ProgramFilter.from_disk`, never at import; they are
trained by :func:`pipeline.learn.train.train_program_filter`.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pipeline.learn.base import SavedModel, identity
from pipeline.lexicon import lazy_pattern

MEMO_CANDIDATES = 16_384  # distinct candidates whose probability a loaded filter keeps (about 0.4 KB each)
DEFAULT_THRESHOLD = 0.45  # a little under 0.5: the labeled data under-represents county-level programs

_ESTABLISH = lazy_pattern(r"(?:{words})[“\"]?$", "adoption_verbs", "establish")

# Context strings in the training TSV look like ``left⟦term⟧right``.
CTX_OPEN, CTX_CLOSE = "⟦", "⟧"


@dataclass(frozen=True)
class Candidate:
    """A candidate term with a little context and the rule that proposed it (``quoted|suffix|plus``)."""

    term: str
    left: str = ""
    right: str = ""
    source: str = "quoted"

    def context(self) -> str:
        return f"{self.left}{CTX_OPEN}{self.term}{CTX_CLOSE}{self.right}"

    @classmethod
    def from_context(cls, term: str, context: str, source: str) -> Candidate:
        left, _, rest = context.partition(CTX_OPEN)
        _, _, right = rest.partition(CTX_CLOSE)
        return cls(term=term, left=left, right=right, source=source)


def program_features(c: Candidate) -> list[str]:
    """Sparse string features: term char n-grams, its ends and length, the words around it, the rule.

    Module-level (not a lambda) so the pickled vectorizer can find it again.
    """
    t = c.term
    padded = f"^{t}$"
    feats = [f"src:{c.source}", f"len:{min(len(t), 12)}"]
    for n in (1, 2, 3):
        feats.extend(f"g{n}:{padded[i : i + n]}" for i in range(len(padded) - n + 1))
    feats += [f"end1:{t[-1:]}", f"end2:{t[-2:]}", f"beg1:{t[:1]}", f"beg2:{t[:2]}"]
    feats += [f"r1:{c.right[:1]}", f"r2:{c.right[:2]}", f"l1:{c.left[-1:]}", f"l2:{c.left[-2:]}"]
    feats.append(f"src_end2:{c.source}:{t[-2:]}")
    if _ESTABLISH.search(c.left):
        feats.append(f"estab:{c.source}")  # 推行/建立/实施 X: the text says X was set up or run
    if any(ch.isdigit() for ch in t):
        feats.append("has_digit")
    if "+" in t:
        feats.append("has_plus")
    return feats


class ProgramFilter(SavedModel):
    """Char n-gram TF-IDF + logistic regression over candidate terms; ``predict`` says "is a program".

    ``predict([Candidate("坝长制", left="全面推行", source="suffix")])`` → ``[True]`` with the trained model.
    """

    name = "program_filter"
    version = "v1"
    _fast: Any = None  # fast_linear.TfidfLogitGroup over the pipeline (False: not of that shape)
    _memo: dict[Candidate, float] | None = None  # candidate -> probability, for the next calls

    def __init__(self, threshold: float = DEFAULT_THRESHOLD, C: float = 4.0) -> None:
        self.threshold = threshold
        self.C = C

    def make_estimator(self) -> Any:
        """The unfitted scikit-learn pipeline over :func:`program_features` lists."""
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline

        vec = TfidfVectorizer(analyzer=identity, sublinear_tf=True, min_df=1)
        clf = LogisticRegression(C=self.C, class_weight="balanced", max_iter=2000)
        return make_pipeline(vec, clf)

    def fit(self, cands: Sequence[Candidate], labels: Sequence[int]) -> ProgramFilter:
        self.pipeline_ = self.make_estimator().fit([program_features(c) for c in cands], list(labels))
        self._fast, self._memo = None, None  # caches of the pipeline fitted before
        return self

    def predict_proba(self, cands: Sequence[Candidate]) -> list[float]:
        """Probability that each candidate is a program (each distinct candidate computed once per process, up
        to :data:`MEMO_CANDIDATES` of them: a probability depends on the candidate only)."""
        self.check_fitted()
        if not cands:
            return []
        if self._memo is None:
            self._memo = {}
        memo = self._memo
        todo = list(dict.fromkeys(c for c in cands if c not in memo))
        fresh: dict[Candidate, float] = {}
        if todo:
            feats = [program_features(c) for c in todo]
            if self._fast is None:
                from pipeline.learn.fast_linear import TfidfLogitGroup, supports

                self._fast = TfidfLogitGroup([self.pipeline_]) if supports(self.pipeline_) else False
            probs = self._fast.predict_proba(feats)[0] if self._fast else self.pipeline_.predict_proba(feats)
            fresh = {c: float(p[1]) for c, p in zip(todo, probs, strict=True)}
        out = [fresh[c] if c in fresh else memo[c] for c in cands]
        memo.update(fresh)
        if len(memo) > MEMO_CANDIDATES:
            for c in list(itertools.islice(memo, len(memo) - MEMO_CANDIDATES // 2)):
                del memo[c]
        return out

    def predict(self, cands: Sequence[Candidate]) -> list[bool]:
        """Whether each candidate is a program (probability at least :attr:`threshold`)."""
        return [p >= self.threshold for p in self.predict_proba(cands)]
