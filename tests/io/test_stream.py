"""The write phase streamed: tables written as their rows are made (same bytes as from a list), a table whose rows
bring their own columns written whole, the store loaded from row functions (same tables), the workbook fed by the
CSV files just written (same cells as from the rows), and write_outputs never holding every table at once."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path
from typing import Any

import duckdb
import networkx as nx
import pytest
from openpyxl import load_workbook

from pipeline.corpus.build import build_corpus
from pipeline.io import rows, schema, writers, xlsx
from pipeline.io.output import write_outputs
from pipeline.io.store import write_duckdb
from pipeline.learn.indicators import IndicatorMapper, IndicatorVocabulary
from tests.records import figure, measure, place, result

REPO = Path(__file__).resolve().parents[2]


def _figures(n: int) -> list[dict[str, Any]]:
    return [
        {"doc_id": f"d{i}", "indicator": "=SUM(A1)" if i % 7 == 0 else "脱贫人口", "value": i * 1.5, "unit": "人",
         "start": i, "end": i + 3, "page": "" if i % 2 else 1, "date": "2019.0" if i % 3 else "2019/6",
         "sentence": "  " if i % 5 == 0 else f"第{i}句，\"引号\"", "status": "actual"}
        for i in range(n)
    ]  # fmt: skip


def test_a_streamed_table_has_the_bytes_of_one_written_from_a_list(tmp_path: Path) -> None:
    data = _figures(2 * writers._CHUNK + 3)
    types = schema.column_types("figures.csv", schema.FIGURE_COLUMNS)
    writers.write_csv(tmp_path / "list.csv", data, schema.FIGURE_COLUMNS, types)
    n, cols = writers.write_table(tmp_path / "stream.csv", lambda: iter(data), schema.FIGURE_COLUMNS, types)
    assert n == len(data) and cols == list(schema.FIGURE_COLUMNS)
    assert (tmp_path / "stream.csv").read_bytes() == (tmp_path / "list.csv").read_bytes()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary file left


def test_rows_reach_the_file_before_the_last_row_is_made(tmp_path: Path) -> None:
    seen: list[int] = []

    def make() -> Iterator[dict[str, Any]]:
        yield from _figures(2 * writers._CHUNK)
        (tmp,) = [p for p in tmp_path.iterdir() if p.name.startswith(".t.csv.")]
        seen.append(tmp.stat().st_size)  # what was written while rows were still being made
        yield from _figures(1)

    writers.write_table(tmp_path / "t.csv", make, schema.FIGURE_COLUMNS)
    assert seen and seen[0] > 10_000


def test_rows_with_columns_of_their_own_are_written_whole(tmp_path: Path) -> None:
    data = [{"practice": "a", "x": 1}, {"practice": "b", "=y": 2}]
    n, cols = writers.write_table(tmp_path / "c.csv", lambda: iter(data), ["practice"])
    assert (n, cols) == (2, ["practice", "x", "=y"])
    assert (tmp_path / "c.csv").read_bytes() == writers.csv_bytes(data, ["practice"])


def test_a_table_that_fails_mid_stream_leaves_no_file(tmp_path: Path) -> None:
    def make() -> Iterator[dict[str, Any]]:
        yield from _figures(3)
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        writers.write_table(tmp_path / "t.csv", make, schema.FIGURE_COLUMNS)
    assert list(tmp_path.iterdir()) == []


def _store(path: Path) -> dict[str, Any]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        names = [r[0] for r in con.execute("select table_name from information_schema.tables order by 1").fetchall()]
        return {n: (con.execute(f'describe "{n}"').fetchall(), con.execute(f'select * from "{n}"').fetchall())
                for n in names}  # fmt: skip
    finally:
        con.close()


def test_the_store_from_row_functions_equals_the_store_from_lists(tmp_path: Path) -> None:
    data = [*_figures(30), {"doc_id": "big", "start": 2**40, "value": "约十"}]  # a BIGINT and a misfit value
    extra = [{"practice": "a", "x": 1}]
    write_duckdb(tmp_path / "a.duckdb", {"figures": (data, schema.FIGURE_COLUMNS), "c": (extra, ["practice"])},
                 nx.MultiDiGraph())  # fmt: skip
    write_duckdb(tmp_path / "b.duckdb", {"figures": (lambda: iter(data), schema.FIGURE_COLUMNS),
                                         "c": (lambda: iter(extra), ["practice"])}, nx.MultiDiGraph())  # fmt: skip
    a, b = _store(tmp_path / "a.duckdb"), _store(tmp_path / "b.duckdb")
    assert a == b
    types = {c[0]: c[1] for c in a["figures"][0]}
    assert types["start"] == "BIGINT" and types["value"] == "VARCHAR" and types["page"] == "INTEGER"
    assert [c[0] for c in a["c"][0]] == ["practice", "x"]


def test_the_workbook_from_the_csv_files_shows_what_the_rows_give(tmp_path: Path) -> None:
    tables = {
        "figures.csv": (_figures(12), schema.FIGURE_COLUMNS),
        "links.csv": ([{"doc_id": "d1", "county_code": "522631", "value": 6800.0, "unit": "户"}], schema.LINK_COLUMNS),
        "places.csv": (
            [{"doc_id": "d1", "adcode": "522631", "canonical": "黎平县", "level": "county", "focal": True}],
            schema.PLACE_COLUMNS,
        ),
    }
    written = {}
    for name, (data, cols) in tables.items():
        _, written[name] = writers.write_table(
            tmp_path / name, lambda data=data: iter(data), cols, schema.column_types(name, cols)
        )
    xlsx.write_sheets(tmp_path / "from_csv.xlsx", xlsx.csv_sheets(tmp_path, written))
    from_csv = load_workbook(tmp_path / "from_csv.xlsx")
    from_rows = load_workbook(BytesIO(xlsx.workbook_bytes(tables)))

    def values(wb: Any) -> dict[str, list[list[Any]]]:
        return {ws.title: [[(c.value, c.data_type) for c in r] for r in ws.iter_rows()] for ws in wb.worksheets}

    got, want = values(from_csv), values(from_rows)
    fig_want = want.pop("figures")
    fig_got = got.pop("figures")
    assert got == want  # links (county name beside the code, 6800 a number), places (focal a boolean), dictionary
    date_at = list(schema.FIGURE_COLUMNS).index("date")
    assert [r[date_at][0] for r in fig_got[1:4]] == ["2019-06", "2019", "2019"]  # as figures.csv writes them
    assert fig_got[1][list(schema.FIGURE_COLUMNS).index("indicator")][0] == "'=SUM(A1)"
    assert len(fig_got) == len(fig_want)


def test_write_outputs_streams_the_tables(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No list of every row of every table: rows.tables is never called, the per-document tables come from
    generators; the outputs are those the tables give."""
    r = result(
        "d1",
        title="榕江县调研",
        places=[place("d1", "522632", "榕江县")],
        measures=[measure("d1", "社社联建", start=10, county_code="522632")],
        figures=[dataclasses.replace(figure("d1", "脱贫人口", 1200.0, "人", start=40), county_code="522632")],
    )
    corpus = build_corpus([r], IndicatorMapper(IndicatorVocabulary.load(REPO / "models"), None))
    want = rows.tables([r], corpus)
    monkeypatch.setattr(rows, "tables", lambda *a: pytest.fail("write_outputs made every table as a list"))
    counts = write_outputs(tmp_path / "out", [r], corpus)
    for name, (data, cols) in want.items():
        assert counts[name] == len(data)
        expect = writers.csv_bytes(data, cols, schema.column_types(name, cols))
        assert (tmp_path / "out" / name).read_bytes() == expect, name
    wb = load_workbook(tmp_path / "out" / xlsx.XLSX_NAME, read_only=True)
    assert wb.sheetnames[0] == xlsx.DICTIONARY_SHEET and "figures" in wb.sheetnames
    con = duckdb.connect(str(tmp_path / "out" / "kg.duckdb"), read_only=True)
    assert con.execute("select count(*) from figures").fetchone() == (len(want["figures.csv"][0]),)
    con.close()


def test_the_workbook_reads_back_a_cell_longer_than_the_csv_default_limit(tmp_path: Path) -> None:
    """A cell of 200,000 characters (a practice listing thousands of documents) reaches the sheet, cut to Excel's
    limit, and the csv module's limit is left as it was."""
    import csv

    long = "文" * 200_000
    cols = ["name", "documents"]
    _, written = writers.write_table(tmp_path / "t.csv", lambda: iter([{"name": "x", "documents": long}]), cols, {})
    before = csv.field_size_limit()
    xlsx.write_sheets(tmp_path / "t.xlsx", xlsx.csv_sheets(tmp_path, {"t.csv": written}))
    assert csv.field_size_limit() == before
    cell = load_workbook(tmp_path / "t.xlsx")["t"]["B2"].value
    assert len(cell) == xlsx.MAX_CELL and cell.startswith("文文") and cell.endswith("…")
