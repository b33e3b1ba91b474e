"""Records become rows in one place: contract columns from io/schema.py, raw offsets, page everywhere."""

from __future__ import annotations

from collections.abc import Callable

from pipeline.corpus.build import build_corpus
from pipeline.io import rows, schema
from pipeline.model import DocResult, Document
from pipeline.resources import load_mapper
from pipeline.run import Resources, extract

TEXT = "三穗县“联社共建”调研\n2020年全县有贫困户1200户，推行“联社共建”模式，发放“惠农贷”3000万元。\n"


def _result(make_doc: Callable[..., Document], resources: Resources) -> DocResult:
    doc = make_doc("", "p", pages=[TEXT, "第二页：联社共建带动农户500户增收。"])
    return extract(doc, resources)


def test_every_table_with_offsets_has_page(make_doc: Callable[..., Document], resources: Resources) -> None:
    r = _result(make_doc, resources)
    assert r.doc.page_starts, "the factory should give a paged document"
    tables = rows.tables([r], build_corpus([r], load_mapper(resources.models_dir), resources.policy_model))
    for name, (data, cols) in tables.items():
        if "start" in cols or "evidence_start" in cols:
            assert "page" in cols, name
            for row in data:
                assert row["page"] != "", (name, row)
        assert all(set(row) <= set(cols) for row in data), name


def test_rows_are_raw_slices(make_doc: Callable[..., Document], resources: Resources) -> None:
    r = _result(make_doc, resources)
    raw = r.doc.raw_text
    for row in [*rows.figure_rows(r), *rows.measure_rows(r)]:
        assert raw[row["start"] : row["end"]] == row["raw"]
    for row in rows.link_rows(r):
        assert raw[row["evidence_start"] : row["evidence_end"]] == row["evidence"]
    figs = rows.figure_rows(r)
    assert figs and all(row["county"] == "三穗县" and row["article"] == 0 for row in figs)


def test_document_row_has_the_contract_columns(make_doc: Callable[..., Document], resources: Resources) -> None:
    row = rows.document_row(_result(make_doc, resources))
    assert list(row) == list(schema.DOCUMENT_COLUMNS)
    assert row["status"] == "ok" and row["error_code"] == "" and row["county"] == "三穗县"
