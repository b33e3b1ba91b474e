"""The extractors as spaCy components: spans carry the records, a failing component does not stop the rest."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from spacy.language import Language

from pipeline.extract.annotate import ERRORS_KEY, annotate, build_annotator, records
from pipeline.model import Document
from pipeline.run import Resources

MODELS = Path(__file__).resolve().parents[2] / "models"
TEXT = "该县位于贵州省。2020年全县有贫困户1200户，推行“联社共建”模式，发放“惠农贷”3000万元。"


@pytest.fixture
def doc(make_doc: Callable[..., Document]) -> Document:
    return make_doc("三穗县“联社共建”调研\n" + TEXT, "a")


def test_span_groups_hold_records(resources: Resources, doc: Document) -> None:
    sdoc = annotate(resources.nlp, doc, resources.gazetteer, resources.program_filter)
    assert [t.text for t in sdoc][:3] != list(sdoc.text[:3])  # jieba words, not characters
    assert {s.text for s in sdoc.spans["county_refs"]} >= {"该县", "全县"}
    assert any(p.canonical == "三穗县" and p.focal for p in records(sdoc, "places"))
    assert {m.name for m in records(sdoc, "measures")} >= {"联社共建", "惠农贷"}
    for span, rec in zip(sdoc.spans["figures"], records(sdoc, "figures"), strict=True):
        assert span.start_char <= rec.mention.start and rec.mention.end <= span.end_char


def test_records_of_groups_do_not_mix_when_spans_coincide(
    resources: Resources, make_doc: Callable[..., Document]
) -> None:
    """A place and a measure over the same characters keep their own records."""
    doc = make_doc("“榕江县”模式。榕江县推行“榕江县”模式。", "b")
    sdoc = annotate(resources.nlp, doc, resources.gazetteer, resources.program_filter)
    assert all(type(r).__name__ == "Place" for r in records(sdoc, "places"))
    assert all(type(r).__name__ == "Measure" for r in records(sdoc, "measures"))


def test_a_failing_component_is_recorded_not_fatal(resources: Resources, doc: Document) -> None:
    nlp: Language = build_annotator(MODELS)
    sdoc = annotate(nlp, doc, None, resources.program_filter)  # no gazetteer: places fail
    assert any("places" in e for e in sdoc.user_data[ERRORS_KEY])
    assert records(sdoc, "figures")
