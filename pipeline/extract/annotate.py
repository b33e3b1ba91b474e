"""The extractors as spaCy components over ``spacy.blank("zh")`` + a private jieba tokenizer.

Each component reads the pipeline's ``Document`` from ``doc.user_data`` and writes its findings as span
groups (``doc.spans["places"|"figures"|"measures"|"county_refs"]``); ``records(doc, key)`` gives the
full records (Place, Figure, Measure) behind a group, with exact character and raw offsets. A
``span_ruler`` marks references to the focal county (该县, 全县, 县委 …). The spaCy Doc is then the one
object a researcher can inspect, serialize (``DocBin``) or render for review with displaCy.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

from pipeline.extract.figures import extract_figures
from pipeline.extract.measures import extract_measures
from pipeline.extract.places import extract_places
from pipeline.model import Document
from pipeline.text.tokenizer import make_nlp

USER_KEY = "ruralmine_document"
GAZETTEER_KEY = "ruralmine_gazetteer"
FILTER_KEY = "ruralmine_program_filter"
ERRORS_KEY = "ruralmine_errors"
RECORDS_KEY = "ruralmine_records:"
COUNTY_REF_PATTERNS = [
    {"label": "COUNTY_REF", "pattern": p} for p in ("该县", "全县", "我县", "本县", "县委", "县政府")
]

log = logging.getLogger(__name__)


def _document(doc: Doc) -> Document:
    d = doc.user_data.get(USER_KEY)
    if d is None:
        raise ValueError("spaCy Doc without its pipeline Document: build it with annotate()")
    return d


def _guarded(key: str, run: Any) -> Any:
    """A component that records its failure in ``doc.user_data["ruralmine_errors"]`` instead of stopping the
    pipeline: one extractor's bug must not cost the document its other findings."""

    def component(doc: Doc) -> Doc:
        try:
            run(doc)
        except Exception as exc:
            log.exception("%s extraction failed", key)
            doc.user_data.setdefault(ERRORS_KEY, []).append(f"{key} extraction failed: {exc}")
            doc.spans[key] = []
            doc.user_data[RECORDS_KEY + key] = []
        return doc

    return component


def _spans(doc: Doc, key: str, records: list[Any], label_of: Any) -> None:
    """Write a span group and, beside it, the records it came from.

    The records live in ``doc.user_data`` rather than in a ``Span._`` extension: spaCy keys span extension
    values by offsets and label, so two findings over the same characters would share one record.
    """
    spans, kept = [], []
    for rec in records:
        m = rec.mention
        span = doc.char_span(m.start, m.end, label=label_of(rec), alignment_mode="expand")
        if span is not None:
            spans.append(span)
            kept.append(rec)
    doc.spans[key] = spans
    doc.user_data[RECORDS_KEY + key] = kept


@Language.factory("ruralmine_places", default_config={})
def make_places(nlp: Language, name: str) -> Any:
    def run(doc: Doc) -> None:
        places = extract_places(_document(doc), doc.user_data[GAZETTEER_KEY])
        _spans(doc, "places", places, lambda p: p.level.upper())

    return _guarded("places", run)


@Language.factory("ruralmine_figures", default_config={})
def make_figures(nlp: Language, name: str) -> Any:
    def run(doc: Doc) -> None:
        _spans(doc, "figures", extract_figures(_document(doc)), lambda f: f.unit)

    return _guarded("figures", run)


@Language.factory("ruralmine_measures", default_config={})
def make_measures(nlp: Language, name: str) -> Any:
    def run(doc: Doc) -> None:
        found = extract_measures(_document(doc), doc.user_data.get(FILTER_KEY))
        _spans(doc, "measures", found, lambda m: m.kind.upper())

    return _guarded("measures", run)


def build_annotator(models_dir: Path | None = None) -> Language:
    """The shared spaCy pipeline: jieba tokens, county-reference ruler, then the three extractors."""
    nlp = make_nlp()
    ruler = nlp.add_pipe("span_ruler", config={"spans_key": "county_refs"})
    ruler.add_patterns(COUNTY_REF_PATTERNS)
    for name in ("ruralmine_places", "ruralmine_figures", "ruralmine_measures"):
        nlp.add_pipe(name)
    return nlp


def annotate(nlp: Language, document: Document, gazetteer: Any, program_filter: Any = None) -> Doc:
    """Run the pipeline on a normalized, structured Document; the records ride on the spans."""
    doc = nlp.make_doc(document.text)
    doc.user_data[USER_KEY] = document
    doc.user_data[GAZETTEER_KEY] = gazetteer
    doc.user_data[FILTER_KEY] = program_filter
    for _, proc in nlp.pipeline:
        doc = proc(doc)
    return doc


def records(doc: Doc, key: str) -> list[Any]:
    """The records (Place, Figure, Measure) behind span group ``key``, in span order."""
    return list(doc.user_data.get(RECORDS_KEY + key, []))


def review_html(doc: Doc) -> str:
    """displaCy page of the text with places, measures and figures highlighted, at character precision
    (token-based rendering would put spaces between Chinese words). Overlaps keep the longer span."""
    from spacy import displacy

    found = [
        (rec.mention.start, rec.mention.end, span.label_)
        for key in ("places", "measures", "figures")
        for span, rec in zip(doc.spans.get(key, []), records(doc, key), strict=True)
    ]
    ents, last_end = [], -1
    for start, end, label in sorted(found, key=lambda t: (t[0], t[0] - t[1])):
        if start >= last_end:
            ents.append({"start": start, "end": end, "label": label})
            last_end = end
    title = doc.user_data.get(USER_KEY).doc_id if doc.user_data.get(USER_KEY) else ""
    return displacy.render({"text": doc.text, "ents": ents, "title": title}, style="ent", manual=True, page=True)
