"""The extractors as spaCy components: spans carry the records, a failing component does not stop the rest."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from spacy.language import Language

from pipeline.extract.annotate import COMPONENTS, annotate, build_annotator, problems, records, to_result
from pipeline.model import Document, Figure, Measure
from pipeline.run import Resources

TEXT = "该县位于贵州省。2020年全县有贫困户1200户，推行“联社共建”模式，发放“惠农贷”3000万元。"


@pytest.fixture
def doc(make_doc: Callable[..., Document]) -> Document:
    return make_doc("三穗县“联社共建”调研\n" + TEXT, "a")


def test_span_groups_hold_records(resources: Resources, doc: Document) -> None:
    sdoc = annotate(resources.nlp, doc)
    assert [t.text for t in sdoc][:3] != list(sdoc.text[:3])  # jieba words, not characters
    assert resources.nlp.pipe_names == [f"ruralmine_{c}" for c in COMPONENTS]
    assert any(p.canonical == "三穗县" and p.focal for p in records(sdoc, "places"))
    assert {m.name for m in records(sdoc, "measures")} >= {"联社共建", "惠农贷"}
    for span, rec in zip(sdoc.spans["figures"], records(sdoc, "figures"), strict=True):
        assert span.start_char <= rec.mention.start and rec.mention.end <= span.end_char


def test_records_of_groups_do_not_mix_when_spans_coincide(
    resources: Resources, make_doc: Callable[..., Document]
) -> None:
    """A place and a measure over the same characters keep their own records."""
    doc = make_doc("“榕江县”模式。榕江县推行“榕江县”模式。", "b")
    sdoc = annotate(resources.nlp, doc)
    assert all(type(r).__name__ == "Place" for r in records(sdoc, "places"))
    assert all(type(r).__name__ == "Measure" for r in records(sdoc, "measures"))


def test_a_failing_component_is_recorded_not_fatal(resources: Resources, doc: Document) -> None:
    nlp: Language = build_annotator(None, resources.program_filter)  # no gazetteer: places fail
    sdoc = annotate(nlp, doc)
    assert [code for code, msg in problems(sdoc) if "places" in msg] == ["E101"]
    assert records(sdoc, "figures") and records(sdoc, "places") == []


def test_result_holds_typed_records(resources: Resources, doc: Document) -> None:
    """to_result: places, figures, measures with county and article, links to Measure and Figure records."""
    r = to_result(annotate(resources.nlp, doc))
    assert r.county == "三穗县" and r.places and r.figures and r.measures
    assert all(f.county == "三穗县" and f.article == 0 for f in r.figures)
    assert all(isinstance(ln.practice, Measure) and isinstance(ln.figure, Figure) for ln in r.links)
    assert any(ln.practice.name == "联社共建" and ln.figure.value == 3.0e7 for ln in r.links)
    assert all(r.doc.raw_text[ln.evidence.raw_start : ln.evidence.raw_end] == ln.evidence.raw for ln in r.links)
