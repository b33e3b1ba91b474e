"""Column types: one declaration (schema.column_types) behind the typed store and the typed CSV cells."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import duckdb
import pytest

from pipeline.corpus.graph import build_graph
from pipeline.io import schema
from pipeline.io.coerce import to_date, typed
from pipeline.io.store import write_duckdb
from pipeline.io.writers import csv_bytes, typed_cell


def test_the_declaration_types_each_table_by_its_columns() -> None:
    places = schema.column_types("places.csv", schema.PLACE_COLUMNS)
    assert (places["focal"], places["level"], places["start"], places["adcode"]) == (
        schema.BOOLEAN, schema.TEXT, schema.INTEGER, schema.TEXT,
    )  # fmt: skip
    sections = schema.column_types("sections", schema.SECTION_COLUMNS)
    assert (sections["path"], sections["level"], sections["article"]) == (schema.TEXT, schema.INTEGER, schema.INTEGER)
    figures = schema.column_types("figures", schema.FIGURE_COLUMNS)
    assert (figures["value"], figures["value_high"], figures["date"]) == (schema.DOUBLE, schema.DOUBLE, schema.DATE)
    wide = schema.column_types("compare_counties", schema.compare_columns(["分红(元)"]))
    assert (wide["分红(元)"], wide["分红(元) date"], wide["分红(元) source"], wide["n_docs"]) == (
        schema.DOUBLE, schema.DATE, schema.TEXT, schema.INTEGER,
    )  # fmt: skip
    co = schema.column_types("cooccurrence", ["practice", "甲", "date"])
    assert co == {"practice": schema.TEXT, "甲": schema.INTEGER, "date": schema.INTEGER}
    assert schema.column_types("anything", ["a"]) == {"a": schema.TEXT}


@pytest.mark.parametrize(
    ("value", "expected"),
    [(2014.0, "2014"), ("2014.0", "2014"), (2019, "2019"), ("2019/6", "2019-06"), ("2019年6月30日", "2019-06-30"),
     ("2019-06", "2019-06"), ("十三五期间", "十三五期间")],
)  # fmt: skip
def test_dates_have_one_iso_like_form(value: Any, expected: str) -> None:
    assert to_date(value) == expected


@pytest.mark.parametrize(
    ("value", "kind", "expected"),
    [(3.0, schema.INTEGER, "3"), ("3.0", schema.INTEGER, "3"), ("", schema.INTEGER, ""), (None, schema.DOUBLE, ""),
     ("98.4", schema.DOUBLE, "98.4"), (48243100.0, schema.DOUBLE, "48243100"), (True, schema.BOOLEAN, "true"),
     ("False", schema.BOOLEAN, "false"), (2014.0, schema.DATE, "2014"), ("1.10", schema.TEXT, "1.10"),
     ("n/a", schema.INTEGER, "n/a")],
)  # fmt: skip
def test_typed_cells(value: Any, kind: str, expected: str) -> None:
    assert typed_cell(value, kind) == expected


def test_csv_cells_follow_the_declaration() -> None:
    row = {"doc_id": "d", "article": 1.0, "path": "1.10", "level": 2.0, "start": 3.0, "end": 9, "page": ""}
    text = csv_bytes([row], schema.SECTION_COLUMNS, schema.column_types("sections", schema.SECTION_COLUMNS))
    header, line = text.decode("utf-8-sig").splitlines()
    assert dict(zip(header.split(","), line.split(","), strict=True)) == {
        "doc_id": "d", "article": "1", "path": "1.10", "heading": "", "role": "", "level": "2", "start": "3",
        "end": "9", "article_title": "", "page": "",
    }  # fmt: skip


def test_typed_rejects_what_does_not_fit() -> None:
    assert typed("", schema.DOUBLE) is None and typed("  ", schema.BOOLEAN) is None
    for value, kind in (("2.5", schema.INTEGER), (True, schema.INTEGER), ("maybe", schema.BOOLEAN)):
        with pytest.raises(ValueError):
            typed(value, kind)


def test_a_column_that_does_not_fit_its_type_stays_text(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    rows = [{"doc_id": "d", "value": "12.5", "page": 1}, {"doc_id": "d", "value": "约十", "page": None}]
    with caplog.at_level(logging.WARNING, logger="pipeline.io.store"):
        write_duckdb(tmp_path / "s.duckdb", {"figures": (rows, ["doc_id", "value", "page"])}, build_graph([]))
    assert "'value'" in caplog.text and "约十" in caplog.text
    con = duckdb.connect(str(tmp_path / "s.duckdb"), read_only=True)
    types = dict(
        con.execute(
            "select column_name, data_type from information_schema.columns where table_name = 'figures'"
        ).fetchall()
    )
    assert types == {"doc_id": "VARCHAR", "value": "VARCHAR", "page": "INTEGER"}
    assert con.execute("select value, page from figures").fetchall() == [("12.5", 1), ("约十", None)]
    con.close()
