"""Training entry points: read the labeled files under ``models/training/``, cross-validate, fit, save.

Each ``train_*`` function retrains one model from ``models_dir/training/`` into ``models_dir`` and returns the
meta it wrote beside the model (data, size, date, cross-validated scores, versions); :func:`train_all` builds
everything ``make models`` builds (the gazetteer too). :func:`recorded_scores` reads the scores back for the
``scores`` command.
"""

from __future__ import annotations

import csv
import datetime as _dt
import json
import logging
import re
import warnings
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pipeline.learn.indicators import (
    NONE_LABEL,
    Indicator,
    IndicatorMapper,
    IndicatorModel,
    IndicatorVocabulary,
    indicator_features,
)
from pipeline.learn.links import LinkModel, MarkedDoc, parse_marked
from pipeline.learn.policy_tools import NONE, SUB_TOOLS, PolicyToolModel
from pipeline.learn.program_filter import Candidate, ProgramFilter, program_features

log = logging.getLogger(__name__)

PROGRAM_TRAINING_TSV = Path("training") / "program_terms.tsv"
PROGRAM_SENTENCES_TSV = Path("training") / "program_sentences.tsv"
INDICATOR_TRAINING_TSV = Path("training") / "indicator_phrases.tsv"
POLICY_TRAINING_TSV = Path("training") / "policy_clauses.tsv"
LINK_TRAINING_TSV = Path("training") / "links.tsv"

MODELS = (ProgramFilter, IndicatorModel, PolicyToolModel, LinkModel)


def train_all(models_dir: Path, external_dir: Path | None = None) -> dict[str, dict[str, Any]]:
    """Build the gazetteer (from ``external_dir``'s division tables when given) and train the three models.

    Returns ``{name: meta}``; the gazetteer's entry names the TSV it wrote.
    """
    from pipeline.gazetteer import build_gazetteer

    models_dir = Path(models_dir)
    out: dict[str, dict[str, Any]] = {"gazetteer": {"path": str(build_gazetteer(models_dir, external_dir))}}
    out[ProgramFilter.name] = train_program_filter(models_dir)
    out[IndicatorModel.name] = train_indicator_model(models_dir)
    out[PolicyToolModel.name] = train_policy_tools(models_dir)
    out[LinkModel.name] = train_link_model(models_dir)
    return out


def recorded_scores(models_dir: Path) -> dict[str, dict[str, Any] | None]:
    """The headline scores in each model's meta file (``None`` when not built), without per-class/fold detail."""
    out: dict[str, dict[str, Any] | None] = {}
    for cls in MODELS:
        _, meta_path = cls.paths(models_dir)
        if not meta_path.exists():
            out[meta_path.name] = None
            continue
        out[meta_path.name] = headline_scores(json.loads(meta_path.read_text(encoding="utf-8")))
    return out


def headline_scores(meta: dict[str, Any]) -> dict[str, Any]:
    """The scores and sizes of a model's meta, without per-class, per-fold and per-source detail."""
    words = ("cv", "score", "accuracy", "f1", "held", "n_")
    keep = {k: v for k, v in meta.items() if any(w in k for w in words) and not k.endswith("version")}
    return _drop_detail(keep)


def _drop_detail(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_detail(v) for k, v in value.items() if "per_" not in k and k != "by_source"}
    return value


def _today() -> str:
    return _dt.date.today().isoformat()


# ------------------------------------------------------------------------------------------ program filter


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


_MARK = re.compile("⟦([^⟦⟧]+)⟧")


def _as_pipeline_text(sentence: str) -> str:
    """The sentence as the pipeline's normalizer hands it to the extractors: widths unified, simplified script."""
    from pipeline.model import OffsetMap
    from pipeline.normalize import to_simplified, unify_width

    omap = OffsetMap.identity(len(sentence))
    for step in (unify_width, to_simplified):
        sentence, omap = step(sentence, omap)
    return sentence


def load_program_sentences(tsv: Path) -> tuple[list[Candidate], list[int], list[str], list[str]]:
    """Candidates over the written sentences of ``program_sentences.tsv`` (``doc, sentence`` with ⟦name⟧ marks):
    a candidate whose term is a marked name is 1, every other one 0. Returns candidates, labels, their docs and
    the marked names no candidate rule proposes (the recall the filter cannot reach)."""
    from pipeline.extract.measures import program_candidates

    cands: list[Candidate] = []
    labels: list[int] = []
    groups: list[str] = []
    unproposed: list[str] = []
    with Path(tsv).open(encoding="utf-8", newline="") as fh:
        rows = csv.reader((ln for ln in fh if ln.strip() and not ln.startswith("#")), delimiter="\t")
        next(rows)
        for doc, written in rows:
            sentence = _as_pipeline_text(written)  # traditional script and full widths, as extraction sees them
            names = _MARK.findall(sentence)
            plain = _MARK.sub(lambda m: m.group(1), sentence)
            found = program_candidates(plain)
            for c, _, _ in found:
                cands.append(c)
                labels.append(int(c.term.strip('"“”') in names))
                groups.append(doc)
            terms = {c.term.strip('"“”') for c, _, _ in found}
            unproposed += [n for n in names if n not in terms]
    return cands, labels, groups, unproposed


def cross_validate_by_document(
    terms: tuple[Sequence[Candidate], Sequence[int]],
    sentences: tuple[Sequence[Candidate], Sequence[int], Sequence[str]],
    folds: int = 5,
) -> dict:
    """GroupKFold by document over the sentence candidates (the term examples always train): precision, recall
    and F1 of the positive class on the held-out documents, at the filter's threshold."""
    from sklearn.metrics import f1_score, precision_score, recall_score
    from sklearn.model_selection import GroupKFold

    s_cands, s_labels, s_groups = sentences
    t_cands, t_labels = terms
    out: dict = {"folds": folds, "by": "document", "n_documents": len(set(s_groups))}
    per: dict[str, list[float]] = {"precision": [], "recall": [], "f1": []}
    for train_idx, test_idx in GroupKFold(n_splits=folds).split(s_cands, s_labels, s_groups):
        pf = ProgramFilter().fit(
            [*t_cands, *(s_cands[i] for i in train_idx)], [*t_labels, *(s_labels[i] for i in train_idx)]
        )
        pred = [int(p) for p in pf.predict([s_cands[i] for i in test_idx])]
        gold = [s_labels[i] for i in test_idx]
        per["precision"].append(precision_score(gold, pred, zero_division=0))
        per["recall"].append(recall_score(gold, pred, zero_division=0))
        per["f1"].append(f1_score(gold, pred, zero_division=0))
    for k, vals in per.items():
        out[k] = round(sum(vals) / len(vals), 4)
        out[f"{k}_per_fold"] = [round(float(v), 4) for v in vals]
    return out


def cross_validate_program_filter(cands: Sequence[Candidate], labels: Sequence[int], folds: int = 5) -> dict:
    """Stratified k-fold precision/recall/F1 of the positive class (mean and per fold), at probability 0.5."""
    from sklearn.metrics import f1_score, make_scorer, precision_score, recall_score
    from sklearn.model_selection import StratifiedKFold, cross_validate

    X = [program_features(c) for c in cands]
    cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=13)
    scoring = {
        "precision": make_scorer(precision_score, zero_division=0),
        "recall": make_scorer(recall_score, zero_division=0),
        "f1": make_scorer(f1_score, zero_division=0),
    }
    res = cross_validate(ProgramFilter().make_estimator(), X, list(labels), cv=cv, scoring=scoring)
    out: dict = {"folds": folds}
    for k in ("precision", "recall", "f1"):
        vals = [round(float(v), 4) for v in res[f"test_{k}"]]
        out[k] = round(sum(vals) / len(vals), 4)
        out[f"{k}_per_fold"] = vals
    return out


def train_program_filter(models_dir: Path) -> dict[str, Any]:
    """Retrain the program filter from ``training/program_terms.tsv``; returns the meta written beside it."""
    models_dir = Path(models_dir)
    tsv = models_dir / PROGRAM_TRAINING_TSV
    cands, labels = load_program_examples(tsv)
    if len(set(labels)) < 2:
        raise ValueError(f"{tsv}: need both positive and negative examples")
    scores = cross_validate_program_filter(cands, labels)
    s_cands: list[Candidate] = []
    s_labels: list[int] = []
    s_groups: list[str] = []
    unproposed: list[str] = []
    sentences_tsv = models_dir / PROGRAM_SENTENCES_TSV
    if sentences_tsv.exists():
        s_cands, s_labels, s_groups, unproposed = load_program_sentences(sentences_tsv)
    by_doc = (
        cross_validate_by_document((cands, labels), (s_cands, s_labels, s_groups)) if len(set(s_groups)) >= 5 else {}
    )
    pf = ProgramFilter().fit([*cands, *s_cands], [*labels, *s_labels])
    meta = {
        "trained": _today(),
        "data": [str(PROGRAM_TRAINING_TSV), str(PROGRAM_SENTENCES_TSV)],
        "n_examples": len(labels) + len(s_labels),
        "n_positive": int(sum(labels) + sum(s_labels)),
        "n_sentence_candidates": len(s_labels),
        "model": "TF-IDF over term char 1-3-grams, ends, context chars + LogisticRegression(balanced)",
        "cv": scores,
        "cv_by_document": by_doc,
        "sentence_names_not_proposed": unproposed,
        "threshold": pf.threshold,
    }
    pf.to_disk(models_dir, meta)
    log.info("program filter trained on %d examples: cv %s", len(labels), scores)
    return pf.meta


# ------------------------------------------------------------------------------------------ indicator model


def read_labeled(path: Path) -> list[tuple[str, str, str]]:
    """(phrase, unit, label) rows of a TSV whose ``#`` lines are the labeling guideline."""
    rows = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#") or line.startswith("phrase\t"):
            continue
        phrase, unit, label = line.split("\t")
        rows.append((phrase, unit, label))
    return rows


def train_indicator_model(models_dir: Path, seed: int = 13) -> dict[str, Any]:
    """Fit on the labeled phrases, report held-out and cross-validated accuracy, write model + meta."""
    from sklearn.model_selection import cross_val_score, train_test_split

    models_dir = Path(models_dir)
    rows = read_labeled(models_dir / INDICATOR_TRAINING_TSV)
    train, test = train_test_split(rows, test_size=0.25, random_state=seed, stratify=None)
    vocab = IndicatorVocabulary.load(models_dir)
    model = IndicatorModel().fit([(p, u) for p, u, _ in train], [lab for _, _, lab in train])
    gold = [lab for _, _, lab in test]

    def acc(pred: Sequence[str]) -> float:
        return round(sum(a == b for a, b in zip(pred, gold, strict=True)) / len(test), 4)

    def name(ind: Indicator | None) -> str:
        return ind.name if ind is not None else NONE_LABEL

    mapper = IndicatorMapper(vocab, model)
    held_out = {
        "rules": acc([name(vocab.map(p, u)) for p, u, _ in test]),
        "model": acc([g.label for g in model.predict([(p, u) for p, u, _ in test])]),
        "rules+model": acc([name(mapper.map(p, u)) for p, u, _ in test]),
    }
    cv = cross_val_score(
        IndicatorModel().make_estimator(), [indicator_features(p, u) for p, u, _ in rows], [r[2] for r in rows], cv=5
    )
    final = IndicatorModel().fit([(p, u) for p, u, _ in rows], [lab for _, _, lab in rows])
    meta = {
        "trained": _today(),
        "data": str(INDICATOR_TRAINING_TSV),
        "n_examples": len(rows),
        "model": "indicator phrase -> canonical indicator (or NONE); char 1-3-gram TF-IDF + logistic regression",
        "held_out_accuracy": held_out,
        "held_out_size": len(test),
        "cv5_accuracy_model": round(float(cv.mean()), 4),
    }
    final.to_disk(models_dir, meta)
    log.info("indicator model: %s", meta)
    return final.meta


# ------------------------------------------------------------------------------------------ policy tools


def read_training(path: Path) -> list[dict[str, str]]:
    """Rows of a labeled TSV (lines starting with ``#`` are the guideline)."""
    with Path(path).open(encoding="utf-8", newline="") as fh:
        lines = [ln for ln in fh if not ln.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t"))


def _scores(y_true: Sequence[str], y_pred: Sequence[str]) -> dict[str, Any]:
    from sklearn.metrics import f1_score, precision_recall_fscore_support

    labels = sorted(set(y_true))
    p, r, f, n = precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
    per = {
        lab: {"precision": round(float(a), 3), "recall": round(float(b), 3), "f1": round(float(c), 3), "n": int(d)}
        for lab, a, b, c, d in zip(labels, p, r, f, n, strict=True)
    }
    macro = f1_score(y_true, y_pred, labels=labels, average="macro", zero_division=0)
    acc = sum(a == b for a, b in zip(y_true, y_pred, strict=True)) / max(1, len(y_true))
    return {"macro_f1": round(float(macro), 4), "accuracy": round(acc, 4), "per_class": per}


def cross_validate_policy_tools(rows: Sequence[dict[str, str]], folds: int = 5, seed: int = 0) -> dict[str, Any]:
    """Stratified k-fold CV (stratified on tool): macro-F1 and per-class scores for each output."""
    from sklearn.model_selection import StratifiedKFold

    subs = [r["sub_tool"] for r in rows]
    fields = [r["field"] for r in rows]
    tools = [SUB_TOOLS.get(s, NONE) for s in subs]
    fx = PolicyToolModel()
    threshold = fx.min_confidence
    feats = [fx.features(r["text"]) for r in rows]
    pred: list[dict[str, Any]] = [{} for _ in rows]
    skf = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        for tr, te in skf.split(feats, tools):
            # scored without the 未编码 threshold (its effect is measured below, under "confidence")
            m = PolicyToolModel(min_confidence=0.0).fit_features(
                [feats[i] for i in tr], [fields[i] for i in tr], [subs[i] for i in tr]
            )
            for i, p in zip(te, m.predict_features([feats[i] for i in te]), strict=True):
                pred[i] = p
            # field and sub-tool are also scored on gold action clauses, as if the action decision were right
            act = [i for i in te if subs[i] != NONE]
            for i, p in zip(act, m.predict_features([feats[i] for i in act], force=True), strict=True):
                pred[i]["field_given_action"] = p["field"]
            for i, s in zip(act, m.sub_model_.predict([feats[i] for i in act]), strict=True):
                pred[i]["sub_given_action"] = str(s)
    fi = [i for i, s in enumerate(subs) if s != NONE]
    action_true = ["action" if t != NONE else NONE for t in tools]
    action_pred = ["action" if p["tool"] != NONE else NONE for p in pred]
    by_source: dict[str, Any] = {}
    for src in sorted({r.get("source", "") for r in rows}):
        idx = [i for i, r in enumerate(rows) if r.get("source", "") == src]
        fidx = [i for i in idx if subs[i] != NONE]
        by_source[src] = {
            "n": len(idx),
            "tool_macro_f1": _scores([tools[i] for i in idx], [pred[i]["tool"] for i in idx])["macro_f1"],
            "field_macro_f1": _scores([fields[i] for i in fidx], [pred[i]["field_given_action"] for i in fidx])[
                "macro_f1"
            ],
        }
    return {
        "folds": folds,
        "n": len(rows),
        "by_source": by_source,
        "tool": _scores(tools, [p["tool"] for p in pred]),
        "sub_tool": _scores(subs, [p["sub_tool"] for p in pred]),
        "sub_tool_given_action": _scores([subs[i] for i in fi], [pred[i]["sub_given_action"] for i in fi]),
        "field": _scores([fields[i] for i in fi], [pred[i]["field_given_action"] for i in fi]),
        "is_action": _scores(action_true, action_pred),
        "confidence": _confidence_calibration(pred, tools, threshold),
    }


def _confidence_calibration(pred: Sequence[dict[str, Any]], tools: Sequence[str], threshold: float) -> dict[str, Any]:
    """How right the coded (non-``none``) cross-validated predictions are below and from ``threshold``: the
    evidence for the 未编码 cut (``min_confidence``)."""
    coded = [i for i, p in enumerate(pred) if p["tool"] != NONE]
    low = [i for i in coded if float(pred[i]["confidence"]) < threshold]
    high = [i for i in coded if float(pred[i]["confidence"]) >= threshold]

    def acc(ix: list[int]) -> float:
        return round(sum(pred[i]["tool"] == tools[i] for i in ix) / max(len(ix), 1), 4)

    return {
        "min_confidence": threshold,
        "coded_below": {"n": len(low), "tool_accuracy": acc(low)},
        "coded_from": {"n": len(high), "tool_accuracy": acc(high)},
    }


def train_policy_tools(models_dir: Path) -> dict[str, Any]:
    """Cross-validate, fit on all labeled clauses, write ``policy_tools.pkl`` + meta; returns the meta."""
    models_dir = Path(models_dir)
    rows = read_training(models_dir / POLICY_TRAINING_TSV)
    cv = cross_validate_policy_tools(rows)
    model = PolicyToolModel().fit([r["text"] for r in rows], [r["field"] for r in rows], [r["sub_tool"] for r in rows])
    meta = {
        "trained": _today(),
        "data": str(POLICY_TRAINING_TSV),
        "n_examples": len(rows),
        "sources": dict(Counter(r.get("source", "") for r in rows)),
        "labeling": "labeled by the project's coding assistant (an LLM agent) under the guideline at the top "
        "of the TSV; single coder, no inter-coder agreement measured",
        "model": "TF-IDF over jieba words + word bigrams + char bigrams; LogisticRegression(C=1, balanced); "
        "tool model with a 'none' class (no policy action); field and sub-tool models on action clauses. "
        "Features and C chosen by a 5-fold CV sweep on this same data (words/chars/bigrams x C in 1,4,16), "
        "so the CV numbers are slightly optimistic",
        "min_confidence": model.min_confidence,
        "uncoded": "a clause whose tool probability is under min_confidence is coded 未编码 (see cv.confidence)",
        "cv": cv,
    }
    model.to_disk(models_dir, meta)
    log.info(
        "policy models: tool macro-F1 %.3f, field macro-F1 %.3f (%d-fold CV, n=%d)",
        cv["tool"]["macro_f1"],
        cv["field"]["macro_f1"],
        cv["folds"],
        len(rows),
    )
    return model.meta


# ------------------------------------------------------------------------------------------------ link model


def load_link_docs(tsv: Path) -> list[MarkedDoc]:
    """Rows ``doc, text`` of the link training TSV (marked text, see ``pipeline.learn.links``); ``#`` lines are
    the guideline."""
    docs = []
    for line in Path(tsv).read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#") or line.startswith("doc\t"):
            continue
        doc_id, marked = line.split("\t", 1)
        docs.append(parse_marked(doc_id, marked))
    return docs


def marked_document(md: MarkedDoc) -> tuple[Any, list[Any], list[tuple[Any, tuple[str, ...], str]]]:
    """The Document (normalized and structured as the pipeline does), the practice Measures and the figures (each
    with its marked practices and relation) of a marked training document."""
    from pipeline.model import Document, Figure, Measure
    from pipeline.normalize import normalize
    from pipeline.structure import structure

    doc = structure(normalize(Document(md.doc_id, f"{md.doc_id}.txt", "txt", raw_text=md.text)))
    omap = doc.offsets

    def span(a: int, b: int) -> tuple[int, int]:
        return omap.from_raw(a, b) if omap is not None else (a, b)

    measures = []
    renamed: dict[str, str] = {}  # the marked name → the name in the normalized text (traditional → simplified)
    for a, b, name, kind in md.practices:
        s, e = span(a, b)
        renamed.setdefault(name, doc.text[s:e] or name)
        measures.append(Measure(doc.mention(s, e, "MEASURE", "train"), doc.text[s:e] or name, kind))
    figs: list[tuple[Any, tuple[str, ...], str]] = []
    for k, mf in enumerate(md.figures, 1):
        s, e = span(mf.start, mf.end)
        fig = Figure(doc.mention(s, e, "FIGURE", "train"), float(k), "", "")  # k: figures stay apart
        figs.append((fig, tuple(renamed.get(n, n) for n in mf.practices), mf.relation))
    return doc, measures, figs


def link_pairs(md: MarkedDoc) -> list[tuple[Any, int, str, str]]:
    """(pair, label, marked relation, the relation rules' answer) of every candidate pair of a training document,
    built as the pipeline builds them (normalized and structured text, the same candidates and features)."""
    from pipeline.extract.headings import section_names
    from pipeline.extract.links import articles_of, candidate_pairs, link_context, relation_of

    doc, measures, figs = marked_document(md)
    heading_names = {id(sn.section): sn.name for sn in section_names(doc)}
    out: list[tuple[Any, int, str, str]] = []
    for art in articles_of(doc):
        ctx = link_context(doc, art, measures, heading_names)
        if not ctx.by_name:
            continue
        for fig, gold, rel in figs:
            if art.start <= fig.mention.start < art.end:
                pairs = candidate_pairs(ctx, fig)
                role = pairs[0].role if pairs else ""
                got = relation_of(ctx.masked, fig.mention.start, fig.mention.end, role, ctx.ref_year)
                out.extend((p, int(p.practice.name in gold), rel, got) for p in pairs)
    return out


LINK_THRESHOLDS = (0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6)
LINK_F1_TOLERANCE = 0.01


def cross_validate_link_model(
    groups: Sequence[str], X: Sequence[dict[str, float]], y: Sequence[int], folds: int = 5
) -> dict[str, Any]:
    """Precision, recall and F1 of the link class, cross-validated by document (GroupKFold), at the decision
    threshold chosen from the out-of-fold probabilities: the lowest of ``LINK_THRESHOLDS`` whose F1 is within
    ``LINK_F1_TOLERANCE`` of the best; that threshold and the F1 of each are returned too."""
    from sklearn.metrics import f1_score, precision_score, recall_score
    from sklearn.model_selection import GroupKFold

    splits = list(GroupKFold(n_splits=folds).split(X, y, list(groups)))
    probs: dict[int, float] = {}
    for train_idx, test_idx in splits:
        model = LinkModel().fit([X[i] for i in train_idx], [y[i] for i in train_idx])
        probs.update(zip(test_idx, model.predict_proba([X[i] for i in test_idx]), strict=True))

    def f1_at(t: float) -> float:
        return float(f1_score(list(y), [int(probs[i] >= t) for i in range(len(y))], zero_division=0))

    f1s = {t: f1_at(t) for t in LINK_THRESHOLDS}
    # F1 is flat over a wide band; within a point of the best, the lowest threshold (recall: a researcher needs
    # most of the links that are there, and precision is checked on unseen pages)
    threshold = min(t for t in LINK_THRESHOLDS if f1s[t] >= max(f1s.values()) - LINK_F1_TOLERANCE)
    out: dict[str, Any] = {"folds": folds, "by": "document", "threshold": threshold}
    out["f1_by_threshold"] = {str(t): round(v, 4) for t, v in f1s.items()}
    per: dict[str, list[float]] = {"precision": [], "recall": [], "f1": []}
    for _, test_idx in splits:
        pred = [int(probs[i] >= threshold) for i in test_idx]
        gold = [y[i] for i in test_idx]
        per["precision"].append(precision_score(gold, pred, zero_division=0))
        per["recall"].append(recall_score(gold, pred, zero_division=0))
        per["f1"].append(f1_score(gold, pred, zero_division=0))
    for k, vals in per.items():
        rounded = [round(float(v), 4) for v in vals]
        out[k] = round(sum(rounded) / len(rounded), 4)
        out[f"{k}_per_fold"] = rounded
    return out


def train_link_model(models_dir: Path) -> dict[str, Any]:
    """Retrain the link decision from ``training/links.tsv``; returns the meta written beside it (document-wise
    cross-validated scores of the model and, for comparison, of the rules; the relation rules' accuracy)."""
    from pipeline.extract.links import rule_decision

    models_dir = Path(models_dir)
    docs = load_link_docs(models_dir / LINK_TRAINING_TSV)
    rows = [(md.doc_id, p, label, rel, got) for md in docs for p, label, rel, got in link_pairs(md)]
    groups = [r[0] for r in rows]
    X = [r[1].features for r in rows]
    y = [r[2] for r in rows]
    if len(set(y)) < 2:
        raise ValueError("links.tsv: need both linked and unlinked pairs")
    scores = cross_validate_link_model(groups, X, y)
    rules = [int(rule_decision(r[1]) is not None) for r in rows]
    tp = sum(a and b for a, b in zip(rules, y, strict=True))
    rule_scores = {
        "precision": round(tp / max(sum(rules), 1), 4),
        "recall": round(tp / max(sum(y), 1), 4),
    }
    linked = [r for r in rows if r[2]]
    rel_ok = sum(rel == got for *_, rel, got in linked)
    model = LinkModel(threshold=scores["threshold"]).fit(X, y)
    weights = model.weights()
    meta = {
        "trained": _today(),
        "data": str(LINK_TRAINING_TSV),
        "n_documents": len(docs),
        "n_pairs": len(y),
        "n_links": int(sum(y)),
        "model": "candidate (practice, figure) pair features (pipeline.extract.links.pair_features) + "
        "DictVectorizer + LogisticRegression",
        "cv": scores,
        "rules_on_training_pairs": rule_scores,
        "relation_rules_accuracy": round(rel_ok / max(len(linked), 1), 4),
        "threshold": model.threshold,
        "second_threshold": model.second_threshold,
        "top_weights": dict(sorted(weights.items(), key=lambda kv: -abs(kv[1]))[:25]),
    }
    model.to_disk(models_dir, meta)
    log.info("link model trained on %d pairs from %d documents: cv %s", len(y), len(docs), scores)
    return model.meta
