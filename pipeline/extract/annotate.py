"""The extractors as one spaCy pipeline over ``spacy.blank("zh")`` + a private jieba tokenizer.

Each component's logic lives in its own module (places, figures, tables, qualify, headings, measures,
attribution, links, clauses) as a pure function over the pipeline's ``Document``; this module registers them as spaCy
factories and assembles them, in the order of ``COMPONENTS``. A component reads the ``Document`` and the
earlier components' records from ``doc.user_data``, writes its own records there and, for spans of text, a
span group (``doc.spans["places"|"figures"|"measures"|"clauses"]``). ``to_result(annotate(nlp, document))``
returns the ``DocResult`` of typed records; the spaCy Doc stays available for inspection and review pages.

A component that fails records the failure (with its error code) instead of stopping the pipeline: one
extractor's bug must not cost the document its other findings.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

from pipeline.errors import stage_error
from pipeline.extract.attribution import attribute
from pipeline.extract.clauses import code_clauses
from pipeline.extract.figures import extract_figures
from pipeline.extract.headings import section_names
from pipeline.extract.links import link_outcomes
from pipeline.extract.measures import extract_measures
from pipeline.extract.places import extract_places
from pipeline.extract.qualify import qualify_figures
from pipeline.extract.tables import table_figures
from pipeline.model import DocResult, Document
from pipeline.text.tokenizer import make_nlp

USER_KEY = "ruralmine_document"
ERRORS_KEY = "ruralmine_errors"
RECORDS_KEY = "ruralmine_records:"
COMPONENTS = ("places", "figures", "tables", "qualify", "headings", "measures", "attribution", "links", "clauses")

log = logging.getLogger(__name__)


def _document(doc: Doc) -> Document:
    d = doc.user_data.get(USER_KEY)
    if d is None:
        raise ValueError("spaCy Doc without its pipeline Document: build it with annotate()")
    return d


def records(doc: Doc, key: str) -> list[Any]:
    """The records behind component ``key`` (Place, Figure, Measure, Link, Clause), in order."""
    return list(doc.user_data.get(RECORDS_KEY + key, []))


def _store(doc: Doc, key: str, found: list[Any], label_of: Callable[[Any], str] | None) -> None:
    """Keep the records and, for span-like ones, a span group beside them.

    The records live in ``doc.user_data`` rather than in a ``Span._`` extension: spaCy keys span extension
    values by offsets and label, so two findings over the same characters would share one record.
    """
    if label_of is not None:
        spans, kept = [], []
        for rec in found:
            m = rec.mention
            span = doc.char_span(m.start, m.end, label=label_of(rec), alignment_mode="expand")
            if span is not None:
                spans.append(span)
                kept.append(rec)
        doc.spans[key] = spans
        found = kept
    doc.user_data[RECORDS_KEY + key] = found


class Component:
    """A guarded pipeline component: ``run(document, doc, resources)`` returns the records of ``key``."""

    def __init__(self, key: str, run: Callable[..., list[Any] | None], label_of: Callable[[Any], str] | None) -> None:
        self.key = key
        self.run = run
        self.label_of = label_of
        self.resources: dict[str, Any] = {}

    def __call__(self, doc: Doc) -> Doc:
        try:
            found = self.run(_document(doc), doc, self.resources)
            if found is not None:
                _store(doc, self.key, found, self.label_of)
        except Exception as exc:
            log.exception("%s failed", self.key)
            doc.user_data.setdefault(ERRORS_KEY, []).append(stage_error(self.key, exc))
            if self.label_of is not None:
                doc.spans[self.key] = []
            doc.user_data.setdefault(RECORDS_KEY + self.key, [])
        return doc


def _places(document: Document, doc: Doc, res: dict[str, Any]) -> list[Any]:
    return extract_places(document, res["gazetteer"])


def _figures(document: Document, doc: Doc, res: dict[str, Any]) -> list[Any]:
    return extract_figures(document, with_tables=False)


def _tables(document: Document, doc: Doc, res: dict[str, Any]) -> None:
    """Numeric table cells join the figures (one span group, in text order)."""
    found = table_figures(document)
    if found:
        merged = sorted([*records(doc, "figures"), *found], key=lambda f: (f.mention.start, f.mention.end))
        _store(doc, "figures", merged, lambda f: f.unit)


def _qualify(document: Document, doc: Doc, res: dict[str, Any]) -> None:
    """per, status, value_high and indicator_std of every figure (text and table), set in place."""
    qualify_figures(document, records(doc, "figures"), res.get("indicator_mapper"))


def _headings(document: Document, doc: Doc, res: dict[str, Any]) -> list[Any]:
    return section_names(document)


def _measures(document: Document, doc: Doc, res: dict[str, Any]) -> list[Any]:
    return extract_measures(document, res.get("program_filter"), records(doc, "headings"))


def _attribution(document: Document, doc: Doc, res: dict[str, Any]) -> None:
    attribute(document, records(doc, "places"), records(doc, "figures"), records(doc, "measures"))


def _links(document: Document, doc: Doc, res: dict[str, Any]) -> list[Any]:
    measures, figures, headings = records(doc, "measures"), records(doc, "figures"), records(doc, "headings")
    return link_outcomes(document, measures, figures, headings, res.get("link_model"))


def _clauses(document: Document, doc: Doc, res: dict[str, Any]) -> list[Any] | None:
    model = res.get("policy_model")
    if model is None:
        return None
    found = code_clauses(document, model)
    focal = [p for p in records(doc, "places") if p.focal]
    for c in found:
        c.county_code = focal[0].adcode if focal else ""
    return found


# Each component: the function that finds its records and, for span-like records, the span label.
_RUNS: dict[str, tuple[Callable[..., list[Any] | None], Callable[[Any], str] | None]] = {
    "places": (_places, lambda p: p.level.upper()),
    "figures": (_figures, lambda f: f.unit),
    "tables": (_tables, None),
    "qualify": (_qualify, None),
    "headings": (_headings, None),
    "measures": (_measures, lambda m: m.kind.upper()),
    "attribution": (_attribution, None),
    "links": (_links, None),
    "clauses": (_clauses, lambda c: "CLAUSE"),
}
assert tuple(_RUNS) == COMPONENTS


def _register(key: str) -> None:
    """Register ``ruralmine_{key}`` as a spaCy factory building that component."""
    run, label_of = _RUNS[key]

    def make(nlp: Language, name: str) -> Component:
        return Component(key, run, label_of)

    Language.factory(f"ruralmine_{key}", default_config={}, func=make)


for _key in COMPONENTS:
    _register(_key)


def build_annotator(
    gazetteer: Any = None,
    program_filter: Any = None,
    policy_model: Any = None,
    indicator_mapper: Any = None,
    link_model: Any = None,
) -> Language:
    """The shared spaCy pipeline: jieba tokens, then the components of ``COMPONENTS`` in order.

    The loaded resources (gazetteer, program filter, policy-tool model, indicator mapper) are handed to the
    components here, once, not per document.
    """
    nlp = make_nlp()
    resources = {
        "gazetteer": gazetteer,
        "program_filter": program_filter,
        "policy_model": policy_model,
        "indicator_mapper": indicator_mapper,
        "link_model": link_model,
    }
    for key in COMPONENTS:
        comp = nlp.add_pipe(f"ruralmine_{key}")
        assert isinstance(comp, Component)
        comp.resources = resources
    return nlp


def annotate(nlp: Language, document: Document) -> Doc:
    """Run the pipeline on a normalized, structured Document; the records ride beside the spans."""
    doc = nlp.make_doc(document.text)
    doc.user_data[USER_KEY] = document
    for _, proc in nlp.pipeline:
        doc = proc(doc)
    return doc


def to_result(doc: Doc) -> DocResult:
    """The typed records of an annotated Doc."""
    return DocResult(
        doc=_document(doc),
        places=records(doc, "places"),
        figures=records(doc, "figures"),
        measures=records(doc, "measures"),
        links=records(doc, "links"),
        clauses=records(doc, "clauses"),
    )


def problems(doc: Doc) -> list[tuple[str, str]]:
    """(error code, message) of every component that failed on this Doc."""
    return list(doc.user_data.get(ERRORS_KEY, []))


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
    document = doc.user_data.get(USER_KEY)
    # displaCy escapes the text but not the title or labels: a file named <img onerror=…> is data, not markup
    title = html.escape(document.doc_id) if document is not None else ""
    for ent in ents:
        ent["label"] = html.escape(str(ent["label"]))
    return displacy.render({"text": doc.text, "ents": ents, "title": title}, style="ent", manual=True, page=True)
