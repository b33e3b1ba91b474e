"""Indicator normalization: free indicator phrases → a canonical vocabulary that makes counties comparable.

Rules from ``models/indicators.json`` (unit + include/exclude patterns); a phrase that no rule claims stays
unmapped rather than being forced into the nearest column.
"""

from __future__ import annotations

import json
import logging
import pickle
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

# Growth rates and shares describe change, not level: never a comparable level column.
_CHANGE = re.compile(r"增长|增加|下降|提高|提升|减少|同比|环比|占比|^占")


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


class IndicatorVocabulary:
    def __init__(self, indicators: list[Indicator]) -> None:
        self.indicators = indicators

    @classmethod
    def load(cls, models_dir: Path) -> IndicatorVocabulary:
        data = json.loads((models_dir / "indicators.json").read_text(encoding="utf-8"))
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
MODEL_FILE = "indicator_model.pkl"
META_FILE = "indicator_model.meta.json"


def read_labeled(path: Path) -> list[tuple[str, str, str]]:
    """(phrase, unit, label) rows of a TSV whose ``#`` lines are the labeling guideline."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#") or line.startswith("phrase\t"):
            continue
        phrase, unit, label = line.split("\t")
        rows.append((phrase, unit, label))
    return rows


def _features(phrase: str, unit: str) -> str:
    return f"{phrase}|{unit}"


class IndicatorModel:
    """Char n-gram TF-IDF + logistic regression over ``phrase|unit``; a second opinion beside the rules."""

    def __init__(self, pipeline: Any = None) -> None:
        self.pipeline = pipeline

    @staticmethod
    def _new() -> Any:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline

        return make_pipeline(
            TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True),
            LogisticRegression(C=20.0, max_iter=3000, class_weight="balanced"),
        )

    def fit(self, rows: list[tuple[str, str, str]]) -> IndicatorModel:
        self.pipeline = self._new().fit([_features(p, u) for p, u, _ in rows], [lab for _, _, lab in rows])
        return self

    def predict(self, phrase: str, unit: str) -> tuple[str, float]:
        proba = self.pipeline.predict_proba([_features(phrase, unit)])[0]
        i = int(proba.argmax())
        return str(self.pipeline.classes_[i]), float(proba[i])

    def to_disk(self, models_dir: Path, meta: dict[str, Any]) -> None:
        import sklearn

        from pipeline.io.writers import atomic_write_bytes, atomic_write_text

        atomic_write_bytes(
            models_dir / MODEL_FILE, pickle.dumps({"sklearn": sklearn.__version__, "pipeline": self.pipeline})
        )
        atomic_write_text(models_dir / META_FILE, json.dumps(meta, ensure_ascii=False, indent=1) + "\n")

    @classmethod
    def from_disk(cls, models_dir: Path) -> IndicatorModel:
        import sklearn

        data = pickle.loads((models_dir / MODEL_FILE).read_bytes())  # our own file, built by `make models`
        if data["sklearn"] != sklearn.__version__:
            raise RuntimeError(
                f"{models_dir / MODEL_FILE} was built with scikit-learn {data['sklearn']}, "
                f"this is {sklearn.__version__}: run `make models`"
            )
        return cls(data["pipeline"])


class IndicatorMapper:
    """Rules and model together: agreement maps; the model may fill a gap or veto a rule, never force a column."""

    def __init__(
        self, vocab: IndicatorVocabulary, model: IndicatorModel | None, min_fill: float = 0.85, min_veto: float = 0.8
    ):
        self.vocab = vocab
        self.model = model
        self.min_fill = min_fill
        self.min_veto = min_veto
        self.by_name = {i.name: i for i in vocab.indicators}

    def map(self, indicator: str, unit: str) -> Indicator | None:
        if not indicator or _CHANGE.search(indicator):
            return None
        rule = self.vocab.map(indicator, unit)
        if self.model is None:
            return rule
        label, p = self.model.predict(indicator, unit)
        learned = self.by_name.get(label)
        if learned is not None and unit not in learned.units:
            learned, label = None, NONE_LABEL
        if rule is not None and label == NONE_LABEL and p >= self.min_veto:
            return None
        if rule is None and learned is not None and p >= self.min_fill:
            return learned
        return rule


def train_indicator_model(models_dir: Path, seed: int = 13) -> dict[str, Any]:
    """Fit on the labeled phrases, report held-out and cross-validated accuracy, write model + meta."""
    from datetime import date

    from sklearn.model_selection import cross_val_score, train_test_split

    data_path = models_dir / "training" / "indicator_phrases.tsv"
    rows = read_labeled(data_path)
    train, test = train_test_split(rows, test_size=0.25, random_state=seed, stratify=None)
    vocab = IndicatorVocabulary.load(models_dir)
    model = IndicatorModel().fit(train)

    def acc(pred: Any) -> float:
        return round(sum(pred(p, u) == lab for p, u, lab in test) / len(test), 4)

    def name(ind: Indicator | None) -> str:
        return ind.name if ind is not None else NONE_LABEL

    held_out = {
        "rules": acc(lambda p, u: name(vocab.map(p, u))),
        "model": acc(lambda p, u: model.predict(p, u)[0]),
        "rules+model": acc(lambda p, u: name(IndicatorMapper(vocab, model).map(p, u))),
    }
    cv = cross_val_score(
        IndicatorModel._new(), [_features(p, u) for p, u, _ in rows], [lab for _, _, lab in rows], cv=5
    )
    final = IndicatorModel().fit(rows)
    meta = {
        "what": "indicator phrase -> canonical indicator (or NONE); char 1-3-gram TF-IDF + logistic regression",
        "data": str(data_path.relative_to(models_dir)),
        "n_examples": len(rows),
        "held_out_accuracy": held_out,
        "held_out_size": len(test),
        "cv5_accuracy_model": round(float(cv.mean()), 4),
        "built": date.today().isoformat(),
    }
    final.to_disk(models_dir, meta)
    log.info("indicator model: %s", meta)
    return meta


def load_mapper(models_dir: Path) -> IndicatorMapper:
    """Rules plus the trained model when it has been built (``make models``); rules alone otherwise."""
    vocab = IndicatorVocabulary.load(models_dir)
    try:
        model: IndicatorModel | None = IndicatorModel.from_disk(models_dir)
    except FileNotFoundError:
        log.warning("no indicator model in %s (run `make models`); mapping indicators by rules only", models_dir)
        model = None
    return IndicatorMapper(vocab, model)
