"""Indicator normalization: free indicator phrases → a canonical vocabulary that makes counties comparable.

Rules from ``models/indicators.json`` (unit + include/exclude patterns); a phrase that no rule claims stays
unmapped rather than being forced into the nearest column.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from pipeline.errors import ModelVersionError
from pipeline.learn.base import SavedModel
from pipeline.lexicon import lazy_pattern

log = logging.getLogger(__name__)

# Growth rates and shares describe change, not level: never a comparable level column.
_CHANGE = lazy_pattern("{words}|^占", "change_words")  # ^占: a share (占全县…)


@dataclass(frozen=True)
class Indicator:
    name: str
    unit: str
    units: tuple[str, ...]
    definition: str
    include: re.Pattern[str]
    exclude: re.Pattern[str] | None

    @property
    def column(self) -> str:
        return f"{self.name}({self.unit})"


VOCABULARY_FILE = "indicators.json"  # the vocabulary under models_dir


class IndicatorVocabulary:
    def __init__(self, indicators: list[Indicator]) -> None:
        self.indicators = indicators

    @classmethod
    def load(cls, models_dir: Path) -> IndicatorVocabulary:
        data = json.loads((models_dir / VOCABULARY_FILE).read_text(encoding="utf-8"))
        return cls(
            [
                Indicator(
                    name=d["name"],
                    unit=d["unit"],
                    units=tuple(d["units"]),
                    definition=d["definition"],
                    include=re.compile(d["include"]),
                    exclude=re.compile(d["exclude"]) if d.get("exclude") else None,
                )
                for d in data["indicators"]
            ]
        )

    def map(self, indicator: str, unit: str) -> Indicator | None:
        """The canonical indicator a phrase measures, or None when no rule claims it."""
        if not indicator or _CHANGE.search(indicator):
            return None
        for ind in self.indicators:
            if unit in ind.units and ind.include.search(indicator):
                if ind.exclude is not None and ind.exclude.search(indicator):
                    continue
                return ind
        return None


# --- learned part -------------------------------------------------------------------------------------------------

NONE_LABEL = "NONE"


class Prediction(NamedTuple):
    """The model's canonical indicator (or ``NONE``) for a phrase, and its probability."""

    label: str
    confidence: float


def indicator_features(phrase: str, unit: str) -> str:
    return f"{phrase}|{unit}"


class IndicatorModel(SavedModel):
    """Char n-gram TF-IDF + logistic regression over ``phrase|unit``; a second opinion beside the rules.

    ``predict([(phrase, unit), ...])`` gives one :class:`Prediction` per pair.
    """

    name = "indicator_model"
    version = "v1"
    _fast: Any = None  # TfidfLogitText over pipeline_ (False: not supported); a cache, never pickled

    def __init__(self, C: float = 20.0) -> None:
        self.C = C

    def make_estimator(self) -> Any:
        """The unfitted scikit-learn pipeline over :func:`indicator_features` strings."""
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline

        return make_pipeline(
            TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True),
            LogisticRegression(C=self.C, max_iter=3000, class_weight="balanced"),
        )

    def fit(self, items: Sequence[tuple[str, str]], labels: Sequence[str]) -> IndicatorModel:
        """Learn from ``(phrase, unit)`` pairs and their canonical indicator names (or ``NONE``)."""
        self.pipeline_ = self.make_estimator().fit([indicator_features(p, u) for p, u in items], list(labels))
        self._fast = None  # made from the fitted pipeline on first use
        return self

    def predict(self, items: Sequence[tuple[str, str]]) -> list[Prediction]:
        self.check_fitted()
        if not items:
            return []
        probs = self._fast_proba([indicator_features(p, u) for p, u in items])
        classes = self.pipeline_.classes_
        return [Prediction(str(classes[int(row.argmax())]), float(row.max())) for row in probs]

    def _fast_proba(self, texts: list[str]) -> Any:
        """``pipeline_.predict_proba`` (the same numbers) without scikit-learn's per-call input checks."""
        if self._fast is None:
            from pipeline.learn.fast_linear import TfidfLogitText, supports_char_ngrams

            self._fast = TfidfLogitText(self.pipeline_) if supports_char_ngrams(self.pipeline_) else False
        return self._fast.predict_proba(texts) if self._fast else self.pipeline_.predict_proba(texts)


class IndicatorMapper:
    """Rules and model together: agreement maps; the model may fill a gap or veto a rule, never force a column.

    The answer depends on ``(indicator, unit)`` only, so each distinct pair is decided once per mapper (a memo of
    at most ``MEMO_SIZE`` pairs, emptied when full); :meth:`map_many` asks the model about the new pairs of a
    whole document in one call instead of one call per figure.
    """

    MEMO_SIZE = 200_000

    def __init__(
        self, vocab: IndicatorVocabulary, model: IndicatorModel | None, min_fill: float = 0.85, min_veto: float = 0.8
    ):
        self.vocab = vocab
        self.model = model
        self.min_fill = min_fill
        self.min_veto = min_veto
        self.by_name = {i.name: i for i in vocab.indicators}
        self._memo: dict[tuple[str, str], Indicator | None] = {}

    def map(self, indicator: str, unit: str) -> Indicator | None:
        """The canonical indicator of a figure's indicator phrase and unit, or None (unmapped)."""
        return self.map_many([(indicator, unit)])[0]

    def map_many(self, pairs: Sequence[tuple[str, str]]) -> list[Indicator | None]:
        """:meth:`map` of each ``(indicator, unit)``: pairs not decided before go to the model in one batch."""
        unique = dict.fromkeys(pairs)
        known = {p: self._memo[p] for p in unique if p in self._memo}
        new = [p for p in unique if p not in known]
        ask = [p for p in new if self.model is not None and p[0] and not _CHANGE.search(p[0])]
        preds = dict(zip(ask, self.model.predict(ask), strict=True)) if self.model is not None and ask else {}
        found = {p: self._decide(*p, preds.get(p)) for p in new}
        if len(self._memo) + len(found) > self.MEMO_SIZE:
            self._memo.clear()
        if len(found) <= self.MEMO_SIZE:
            self._memo.update(found)
        known.update(found)
        return [known[p] for p in pairs]

    def _decide(self, indicator: str, unit: str, pred: Prediction | None) -> Indicator | None:
        """Rules and, when ``pred`` is the model's prediction for the pair, the model's fill or veto."""
        if not indicator or _CHANGE.search(indicator):
            return None
        rule = self.vocab.map(indicator, unit)
        if pred is None:
            return rule
        label, p = pred
        learned = self.by_name.get(label)
        if learned is not None and unit not in learned.units:
            learned, label = None, NONE_LABEL
        if rule is not None and label == NONE_LABEL and p >= self.min_veto:
            return None
        if rule is None and learned is not None and p >= self.min_fill:
            return learned
        return rule


def load_mapper(models_dir: Path) -> IndicatorMapper:
    """Rules plus the trained model when it has been built (``make models``); rules alone otherwise."""
    vocab = IndicatorVocabulary.load(models_dir)
    try:
        model: IndicatorModel | None = IndicatorModel.from_disk(models_dir)
    except (FileNotFoundError, ModelVersionError) as exc:
        log.warning("%s; mapping indicators by rules only", exc)
        model = None
    return IndicatorMapper(vocab, model)
