"""The extractors as spaCy components: spans carry the records, a failing component does not stop the rest."""

from __future__ import annotations

from pathlib import Path

import pytest
from spacy.language import Language

from pipeline.extract.annotate import annotate, build_annotator, problems, records, to_result
from pipeline.model import Document, Figure, Measure
from pipeline.normalize import normalize
from pipeline.run import Resources
from pipeline.structure import structure

MODELS = Path(__file__).resolve().parents[2] / "models"
TEXT = "该县位于贵州省。2020年全县有贫困户1200户，推行“联社共建”模式，发放“惠农贷”3000万元。"


@pytest.fixture(scope="module")
def res() -> Resources:
    return Resources.load(MODELS)


def _doc() -> Document:
    return structure(normalize(Document("a", "a.txt", "txt", raw_text="三穗县“联社共建”调研\n" + TEXT)))


def test_span_groups_hold_records(res: Resources) -> None:
    sdoc = annotate(res.nlp, _doc())
    assert [t.text for t in sdoc][:3] != list(sdoc.text[:3])  # jieba words, not characters
    assert any(p.canonical == "三穗县" and p.focal for p in records(sdoc, "places"))
    assert {m.name for m in records(sdoc, "measures")} >= {"联社共建", "惠农贷"}
    for span, rec in zip(sdoc.spans["figures"], records(sdoc, "figures"), strict=True):
        assert span.start_char <= rec.mention.start and rec.mention.end <= span.end_char


def test_records_of_groups_do_not_mix_when_spans_coincide(res: Resources) -> None:
    """A place and a measure over the same characters keep their own records."""
    doc = structure(normalize(Document("b", "b.txt", "txt", raw_text="“榕江县”模式。榕江县推行“榕江县”模式。")))
    sdoc = annotate(res.nlp, doc)
    assert all(type(r).__name__ == "Place" for r in records(sdoc, "places"))
    assert all(type(r).__name__ == "Measure" for r in records(sdoc, "measures"))


def test_a_failing_component_is_recorded_not_fatal(res: Resources) -> None:
    nlp: Language = build_annotator(None, res.program_filter)  # no gazetteer: places fail
    sdoc = annotate(nlp, _doc())
    assert [code for code, msg in problems(sdoc) if "places" in msg] == ["E101"]
    assert records(sdoc, "figures") and records(sdoc, "places") == []


def test_result_holds_typed_records(res: Resources) -> None:
    """to_result: places, figures, measures with county and article, links to Measure and Figure records."""
    r = to_result(annotate(res.nlp, _doc()))
    assert r.county == "三穗县" and r.places and r.figures and r.measures
    assert all(f.county == "三穗县" and f.article == 0 for f in r.figures)
    assert all(isinstance(ln.practice, Measure) and isinstance(ln.figure, Figure) for ln in r.links)
    assert any(ln.practice.name == "联社共建" and ln.figure.value == 3.0e7 for ln in r.links)
    assert all(r.doc.raw_text[ln.evidence.raw_start : ln.evidence.raw_end] == ln.evidence.raw for ln in r.links)
