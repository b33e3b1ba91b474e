"""Learned filters (scikit-learn) trained on examples we label ourselves under ``models/training/``.

Program-term filter: decides whether a candidate term (a quoted coinage such as a "社社联建"-style name,
a ``…模式/机制/制度`` phrase, an ``X+Y+`` construction) names a practice, model or mechanism. Rules find
candidates cheaply; the filter drops the many candidates that are slogans of speech, quotations or
ordinary nouns. Models are loaded explicitly with :meth:`ProgramFilter.from_disk`, never at import.
"""

from __future__ import annotations

import csv
import datetime as _dt
import json
import logging
import pickle
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import sklearn

from pipeline.lexicon import lazy_pattern

log = logging.getLogger(__name__)

PROGRAM_FILTER_VERSION = "v1"
DEFAULT_THRESHOLD = 0.45  # a little under 0.5: the labeled data under-represents county-level programs
PROGRAM_FILTER_FILE = "program_filter.pkl"
PROGRAM_FILTER_META = "program_filter.meta.json"
PROGRAM_TRAINING_TSV = Path("training") / "program_terms.tsv"

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


def _identity(x: list[str]) -> list[str]:
    return x


def _make_pipeline() -> object:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    vec = TfidfVectorizer(analyzer=_identity, sublinear_tf=True, min_df=1)
    clf = LogisticRegression(C=4.0, class_weight="balanced", max_iter=2000)
    return make_pipeline(vec, clf)


class ProgramFilter:
    """Char n-gram TF-IDF + logistic regression over candidate terms; ``predict`` says "is a program"."""

    def __init__(self, model: object | None = None, meta: dict | None = None, threshold: float | None = None) -> None:
        self.model = model
        self.meta = meta or {}
        self.threshold = float(self.meta.get("threshold", DEFAULT_THRESHOLD)) if threshold is None else threshold

    @property
    def source(self) -> str:
        return f"clf:program_filter@{self.meta.get('version', PROGRAM_FILTER_VERSION)}"

    def fit(self, cands: Sequence[Candidate], labels: Sequence[int]) -> ProgramFilter:
        self.model = _make_pipeline()
        self.model.fit([program_features(c) for c in cands], list(labels))  # type: ignore[attr-defined]
        return self

    def predict_proba(self, cands: Sequence[Candidate]) -> list[float]:
        if self.model is None:
            raise RuntimeError("ProgramFilter has no model: call fit() or from_disk() first")
        if not cands:
            return []
        probs = self.model.predict_proba([program_features(c) for c in cands])  # type: ignore[attr-defined]
        return [float(p[1]) for p in probs]

    def predict(self, cands: Sequence[Candidate]) -> list[bool]:
        return [p >= self.threshold for p in self.predict_proba(cands)]

    def to_disk(self, models_dir: Path, meta: dict | None = None) -> Path:
        """Pickle the model with the sklearn version it was built with (checked on load)."""
        models_dir = Path(models_dir)
        models_dir.mkdir(parents=True, exist_ok=True)
        self.meta = {**self.meta, **(meta or {}), "sklearn_version": sklearn.__version__}
        self.meta.setdefault("version", PROGRAM_FILTER_VERSION)
        path = models_dir / PROGRAM_FILTER_FILE
        tmp = path.with_suffix(".tmp")
        with tmp.open("wb") as fh:
            pickle.dump({"sklearn_version": sklearn.__version__, "model": self.model}, fh)
        tmp.replace(path)
        (models_dir / PROGRAM_FILTER_META).write_text(
            json.dumps(self.meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
        return path

    @classmethod
    def from_disk(cls, models_dir: Path) -> ProgramFilter:
        """Load the pickled filter; refuse a pickle from another sklearn version (retrain with `models`)."""
        models_dir = Path(models_dir)
        path = models_dir / PROGRAM_FILTER_FILE
        if not path.exists():
            raise FileNotFoundError(f"{path} missing: run the `models` command to train the program filter")
        with path.open("rb") as fh:
            blob = pickle.load(fh)  # our own artifact, written by to_disk
        if blob.get("sklearn_version") != sklearn.__version__:
            raise RuntimeError(
                f"{path} was built with scikit-learn {blob.get('sklearn_version')}, "
                f"this is {sklearn.__version__}: rerun the `models` command"
            )
        meta_path = models_dir / PROGRAM_FILTER_META
        meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.exists() else {}
        return cls(model=blob["model"], meta=meta)


def load_program_examples(tsv: Path) -> tuple[list[Candidate], list[int]]:
    """Rows ``term, context, label, source`` of the training TSV; ``#`` lines are the guideline."""
    cands: list[Candidate] = []
    labels: list[int] = []
    with Path(tsv).open(encoding="utf-8", newline="") as fh:
        rows = csv.reader((ln for ln in fh if ln.strip() and not ln.startswith("#")), delimiter="\t")
        header = next(rows)
        idx = {name: i for i, name in enumerate(header)}
        for row in rows:
            term, context, label = row[idx["term"]], row[idx["context"]], row[idx["label"]]
            source = row[idx["source"]] if "source" in idx and len(row) > idx["source"] else "quoted"
            cands.append(Candidate.from_context(term, context, source))
            labels.append(int(label))
    return cands, labels


def cross_validate_program_filter(cands: Sequence[Candidate], labels: Sequence[int], folds: int = 5) -> dict:
    """Stratified k-fold precision/recall/F1 of the positive class (mean and per fold)."""
    from sklearn.metrics import f1_score, make_scorer, precision_score, recall_score
    from sklearn.model_selection import StratifiedKFold, cross_validate

    X = [program_features(c) for c in cands]
    cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=13)
    scoring = {
        "precision": make_scorer(precision_score, zero_division=0),
        "recall": make_scorer(recall_score, zero_division=0),
        "f1": make_scorer(f1_score, zero_division=0),
    }
    res = cross_validate(_make_pipeline(), X, list(labels), cv=cv, scoring=scoring)
    out: dict = {"folds": folds}
    for k in ("precision", "recall", "f1"):
        vals = [round(float(v), 4) for v in res[f"test_{k}"]]
        out[k] = round(sum(vals) / len(vals), 4)
        out[f"{k}_per_fold"] = vals
    return out


def train_program_filter(models_dir: Path) -> dict:
    """Retrain the program filter from ``models_dir/training/program_terms.tsv``; write model + meta.

    Returns the meta dict (date, data size, 5-fold CV scores) that is also written next to the model.
    """
    models_dir = Path(models_dir)
    tsv = models_dir / PROGRAM_TRAINING_TSV
    cands, labels = load_program_examples(tsv)
    if len(set(labels)) < 2:
        raise ValueError(f"{tsv}: need both positive and negative examples")
    scores = cross_validate_program_filter(cands, labels)
    pf = ProgramFilter().fit(cands, labels)
    meta = {
        "version": PROGRAM_FILTER_VERSION,
        "trained": _dt.date.today().isoformat(),
        "data": str(PROGRAM_TRAINING_TSV),
        "n_examples": len(labels),
        "n_positive": int(sum(labels)),
        "model": "TF-IDF over term char 1-3-grams, ends, context chars + LogisticRegression(balanced)",
        "cv": scores,
        "threshold": DEFAULT_THRESHOLD,
    }
    pf.to_disk(models_dir, meta)
    log.info("program filter trained on %d examples: cv %s", len(labels), scores)
    return pf.meta
