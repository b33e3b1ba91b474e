"""ruralmine.xlsx from hand-made tables: opens with openpyxl, data dictionary with Chinese labels, frozen
headers, numbers as numbers, 万元 display, wrapped long text, county names, formula injection neutralized."""

from __future__ import annotations

import logging
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from pipeline.io import columns, schema
from pipeline.io.xlsx import DICTIONARY_SHEET, WAN_YUAN, workbook_bytes, write_xlsx

REPO = Path(__file__).resolve().parents[2]
INJECTION = '=HYPERLINK("http://example.invalid","点击")'


def _tables() -> dict[str, Any]:
    figure = {
        "doc_id": "d1", "county_code": "522631", "county": "黎平县", "indicator": "累计发放贷款",
        "value": "48243100", "unit": "元", "raw": "4824.31万元", "date": "2014", "start": 10, "end": 19,
        "page": "", "sentence": INJECTION + "累计发放贷款4824.31万元。", "status": "actual", "value_high": "",
    }  # fmt: skip
    small = {**figure, "value": "3000", "per": "户", "raw": "3000元", "sentence": "户均3000元。"}
    negative = {**figure, "value": "-3.5", "unit": "%", "raw": "-3.5%", "indicator": "+1+2", "sentence": "下降"}
    link = {"doc_id": "d1", "county_code": "522631", "practice": "@SUM(A1)", "relation": "achieved",
            "value": 6800.0, "unit": "户", "evidence": "长" * 300}  # fmt: skip
    section = {"doc_id": "d1", "article": 0, "path": "1.10", "heading": "-一、基本情况", "level": 1}
    place = {"doc_id": "d1", "name": "黎平", "adcode": "522631", "level": "county", "focal": True,
             "canonical": "黎平县", "mentions": 3}  # fmt: skip
    compare = {"adcode": "522631", "county": "黎平县", "n_docs": 2, "投入资金(元)": "300000",
               "投入资金(元) date": "2020", "投入资金(元) source": "d1:3-9"}  # fmt: skip
    return {
        "figures.csv": ([figure, small, negative], schema.FIGURE_COLUMNS),
        "links.csv": ([link], schema.LINK_COLUMNS),
        "sections.csv": ([section], schema.SECTION_COLUMNS),
        "places.csv": ([place], schema.PLACE_COLUMNS),
        "conflicts.csv": ([], schema.CONFLICT_COLUMNS),
        "compare_counties.csv": ([compare], schema.compare_columns(["投入资金(元)"])),
        "cooccurrence.csv": ([{"practice": "=A1", "=A1": 2}], ["practice", "=A1"]),
    }


@pytest.fixture(scope="module")
def wb() -> Any:
    return load_workbook(BytesIO(workbook_bytes(_tables())))


def _records(ws: Any) -> list[dict[str, Any]]:
    rows = list(ws.iter_rows())
    head = [c.value for c in rows[0]]
    return [dict(zip(head, r, strict=True)) for r in rows[1:]]


def test_one_sheet_per_table_after_the_dictionary(wb: Any) -> None:
    assert wb.sheetnames == [DICTIONARY_SHEET, "figures", "links", "sections", "places", "conflicts",
                             "compare_counties", "cooccurrence"]  # fmt: skip
    for ws in wb.worksheets:
        assert ws.freeze_panes == "A2", ws.title
    assert [c.value for c in wb["conflicts"][1]][:3] == ["county_code", "county", "indicator"]


def test_dictionary_gives_every_column_a_chinese_label_meaning_and_type(wb: Any) -> None:
    rows = [[c.value for c in r] for r in wb[DICTIONARY_SHEET].iter_rows()]
    assert rows[0] == ["表 table", "列 column", "中文名", "类型 type", "单位 unit", "含义 meaning", "示例 example"]
    entries = {(r[0], r[1]): r for r in rows[1:]}
    for ws in wb.worksheets[1:]:
        for head in ws[1]:  # names escaped alike in both sheets ('=A1 in cooccurrence)
            assert (ws.title, head.value) in entries, (ws.title, head.value)
    many = {**{f"做法{i}": i for i in range(9)}, "practice": "合作联营"}
    wide = load_workbook(BytesIO(workbook_bytes({"cooccurrence.csv": ([many], ["practice"])})))
    lines = [[c.value for c in r] for r in wide[DICTIONARY_SHEET].iter_rows(min_row=2)]
    assert [line[1] for line in lines] == ["practice", "*"]  # nine practice columns share one line
    assert "(9: 做法0, 做法1, 做法2, 做法3, 做法4, …)" in lines[1][5]
    value = entries[("figures", "value")]
    assert value[2] == "数值" and value[3] == "number" and value[6] == "48243100"
    assert entries[("compare_counties", "投入资金(元) date")][3] == "text"
    assert entries[("links", "county")][2] == "县"


def test_numbers_are_numbers_and_codes_paths_dates_stay_text(wb: Any) -> None:
    fig = _records(wb["figures"])
    assert [r["value"].value for r in fig] == [48243100, 3000, -3.5]  # -3.5 is a number, not escaped
    assert fig[0]["start"].value == 10 and fig[0]["page"].value is None
    assert fig[0]["date"].value == "2014" and fig[0]["county_code"].value == "522631"
    assert wb["links"]["G2"].value == 6800 and wb["links"]["G2"].data_type == "n"
    assert _records(wb["sections"])[0]["path"].value == "1.10"
    assert _records(wb["places"])[0]["focal"].value is True
    cmp = _records(wb["compare_counties"])[0]
    assert cmp["adcode"].value == "522631" and cmp["投入资金(元)"].value == 300000
    assert cmp["投入资金(元) date"].value == "2020"


def test_amounts_in_yuan_from_wan_up_display_in_wan(wb: Any) -> None:
    fig = _records(wb["figures"])
    assert fig[0]["value"].number_format == WAN_YUAN  # 48243100 元 shows as 4824.3万元
    assert fig[1]["value"].number_format == "General"  # 3000 元 stays as it is
    assert _records(wb["compare_counties"])[0]["投入资金(元)"].number_format == WAN_YUAN


def test_long_text_wrapped_and_county_beside_the_code(wb: Any) -> None:
    link = _records(wb["links"])[0]
    assert link["evidence"].alignment.wrap_text
    assert link["county"].value == "黎平县"  # links.csv has only county_code
    assert wb["links"].column_dimensions["O"].width >= 40


def test_formula_injection_is_text_in_the_workbook(wb: Any) -> None:
    fig = _records(wb["figures"])
    assert fig[0]["sentence"].value.startswith("'=HYPERLINK(") and fig[0]["sentence"].data_type == "s"
    assert fig[2]["indicator"].value == "'+1+2"
    assert _records(wb["links"])[0]["practice"].value == "'@SUM(A1)"
    assert _records(wb["sections"])[0]["heading"].value == "'-一、基本情况"
    co = wb["cooccurrence"]
    assert co["A1"].value == "practice" and co["B1"].value == "'=A1" and co["A2"].value == "'=A1"
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            assert all(c.data_type != "f" for c in row), ws.title


def test_control_characters_are_dropped_not_fatal() -> None:
    tables = {"figures.csv": ([{"doc_id": "d", "sentence": "a\x00b\x0bc\td"}], schema.FIGURE_COLUMNS)}
    wb = load_workbook(BytesIO(workbook_bytes(tables)))
    assert _records(wb["figures"])[0]["sentence"].value == "abc\td"


def test_written_atomically(tmp_path: Path) -> None:
    path = tmp_path / "ruralmine.xlsx"
    assert write_xlsx(path, _tables()) == 8
    assert load_workbook(path).sheetnames[0] == DICTIONARY_SHEET
    assert [p.name for p in tmp_path.iterdir()] == ["ruralmine.xlsx"]


# The table each column list of schema.py describes (a new list is skipped with a message until added here).
_TABLE_OF = {
    "DOCUMENT_COLUMNS": "documents", "PLACE_COLUMNS": "places", "FIGURE_COLUMNS": "figures",
    "MEASURE_COLUMNS": "measures", "LINK_COLUMNS": "links", "SECTION_COLUMNS": "sections",
    "CLAUSE_COLUMNS": "policy_tools", "CONFLICT_COLUMNS": "conflicts", "COMPARE_BASE_COLUMNS": "compare_counties",
    "COMPARE_LONG_COLUMNS": "compare_counties_long", "PRACTICE_COLUMNS": "compare_practices",
    "TOOLS_CROSSTAB_COLUMNS": "policy_tools_crosstab", "PRACTICE_INDEX_COLUMNS": "practices",
    "CORRECTION_COLUMNS": "corrections_applied", "COUNTY_PRACTICE_EDGE_COLUMNS": "edges_county_practice",
    "PRACTICE_EDGE_COLUMNS": "edges_practice_practice", "CODEBOOK_COLUMNS": "policy_tools_codebook",
    "STORE_NODE_COLUMNS": "nodes", "STORE_EDGE_COLUMNS": "edges", "REVIEW_COLUMNS": "reviewed",
}  # fmt: skip


@pytest.mark.parametrize(
    "cols",
    [getattr(schema, n) for n in dir(schema) if n.endswith("_COLUMNS") and isinstance(getattr(schema, n), tuple)],
)
def test_every_schema_column_is_in_the_dictionary(cols: tuple[str, ...]) -> None:
    name = next(n for n in dir(schema) if getattr(schema, n) is cols)
    table = _TABLE_OF.get(name)
    if table is None:
        pytest.skip(f"{name}: a new table; add it to this map and its columns to pipeline/io/columns.tsv")
    missing = [c for c in cols if columns.describe(table, c) is columns.UNDOCUMENTED]
    assert not missing, f"add these columns of {table} to pipeline/io/columns.tsv: {missing}"
    for c in cols:
        e = columns.describe(table, c)
        assert e.label_zh and e.meaning, (table, c)


def test_columns_doc_is_generated_from_the_dictionary() -> None:
    doc = (REPO / "docs" / "columns.md").read_text(encoding="utf-8")
    assert doc == columns.markdown(), "run: python -m pipeline.io.columns > docs/columns.md"


def test_dictionary_file_is_checked(tmp_path: Path) -> None:
    bad = tmp_path / "columns.tsv"
    bad.write_text("# x\n" + "\t".join(columns.FIELDS) + "\nfigures\tvalue\tmoney\t\t数值\tm\t1\n", encoding="utf-8")
    with pytest.raises(ValueError, match="type in"):
        columns.load(bad)


@pytest.mark.parametrize(("const", "table"), sorted(_TABLE_OF.items()))
def test_dictionary_types_agree_with_the_store_types(const: str, table: str) -> None:
    """The workbook's dictionary and the typed store (schema.column_types) both say a column's kind: they agree."""
    same = {"integer": schema.INTEGER, "number": schema.DOUBLE, "boolean": schema.BOOLEAN}
    cols = getattr(schema, const)
    disagree = []
    for col, kind in schema.column_types(f"{table}.csv", cols).items():
        e = columns.describe(table, col)
        want = same.get(e.type)
        ok = kind == want if want else kind in (schema.TEXT, schema.DATE)
        if not ok:
            disagree.append((col, e.type, kind))
    assert cols and not disagree, disagree


def _openpyxl_workbook(tables: dict[str, Any]) -> Any:
    """The workbook as openpyxl's write-only mode wrote it before (every cell a WriteOnlyCell, county names copied
    into the rows): the reference the streamed writer (pipeline/io/xlsxml.py) must read like."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    from pipeline.io import xlsx
    from pipeline.io.writers import cell, table_columns

    wb = Workbook(write_only=True)
    bold, fill, wrap = Font(bold=True), PatternFill("solid", fgColor="DDEBF7"), Alignment(wrap_text=True)
    entries = columns.load()
    names = xlsx.county_names(xlsx.table_sheets(tables))

    def header(ws: Any, labels: Any) -> list[Any]:
        out = [WriteOnlyCell(ws, xlsx._text(label)) for label in labels]
        for c in out:
            c.font, c.fill = bold, fill
        return out

    sheets, described = [], []
    for file_name, (rows, cols) in tables.items():
        name = columns.table_name(file_name)
        cols = table_columns(rows, cols)
        if "county_code" in cols and "county" not in cols:
            k = cols.index("county_code") + 1
            cols = [*cols[:k], "county", *cols[k:]]
            rows = [{**r, "county": names.get(str(r.get("county_code") or ""), "")} for r in rows]
        sheets.append((name, rows, cols))
        described += [(name, c, columns.describe(name, c, entries)) for c in cols]
    ws = wb.create_sheet(xlsx.DICTIONARY_SHEET)
    ws.freeze_panes = "A2"
    for letter, width in zip("ABCDEFG", (24, 28, 14, 10, 12, 70, 30), strict=True):
        ws.column_dimensions[letter].width = width
    ws.append(header(ws, xlsx.DICTIONARY_HEADER))
    lines = xlsx._dictionary_lines(described)
    for values in lines:
        out = [WriteOnlyCell(ws, xlsx._text(v) if v else None) for v in values]
        out[5].alignment = wrap
        ws.append(out)
    ws.auto_filter.ref = f"A1:G{len(lines) + 1}"
    for name, rows, cols in sheets:
        ws = wb.create_sheet(name)
        kinds = [columns.describe(name, c, entries) for c in cols]
        rows = list(rows)[: xlsx.MAX_ROWS]
        for i, (col, e) in enumerate(zip(cols, kinds, strict=True), start=1):
            seen = [xlsx._width(cell(r.get(col))) for r in rows[:200]]
            width = xlsx.LONG_WIDTH if e.type == "longtext" else min(xlsx.MAX_WIDTH, max([xlsx._width(col), *seen]) + 2)
            ws.column_dimensions[get_column_letter(i)].width = width
        ws.freeze_panes = "A2"
        ws.append(header(ws, cols))
        for r in rows:
            out = []
            for col, e in zip(cols, kinds, strict=True):
                c = WriteOnlyCell(ws, xlsx.convert(r.get(col), e.type))
                if e.type == "longtext":
                    c.alignment = wrap
                elif (
                    e.numeric
                    and isinstance(c.value, int | float)
                    and abs(c.value) >= xlsx.WAN_FROM
                    and xlsx._is_yuan(col, r.get("unit"), e)
                ):
                    c.number_format = WAN_YUAN
                out.append(c)
            ws.append(out)
        if cols:
            ws.auto_filter.ref = f"A1:{get_column_letter(len(cols))}{len(rows) + 1}"
    buf = BytesIO()
    wb.save(buf)
    return load_workbook(BytesIO(buf.getvalue()))


def _cells(wb: Any) -> dict[str, Any]:
    """Everything a reader meets: per sheet its cells' values, types, number formats, wrap and bold, the column
    widths, frozen panes and filter range (empty cells with a style and absent cells read alike: None)."""
    out = {}
    for ws in wb.worksheets:
        cells = [
            (c.coordinate, c.value, c.data_type, c.number_format, bool(c.alignment.wrap_text), bool(c.font.b))
            for row in ws.iter_rows() for c in row if c.value is not None
        ]  # fmt: skip
        widths = {k: d.width for k, d in ws.column_dimensions.items()}
        out[ws.title] = (cells, widths, ws.freeze_panes, ws.auto_filter.ref)
    return out


def test_streamed_sheets_read_as_openpyxl_wrote_them(tmp_path: Path) -> None:
    tables = _tables()
    many = [{**tables["figures.csv"][0][i % 3], "doc_id": f"d{i}", "value": str(10**i), "page": i % 2 or "",
             "sentence": f"  前后空格{i} & <b>\"引号\"</b>  "} for i in range(12)]  # fmt: skip
    tables["figures.csv"] = (many, schema.FIGURE_COLUMNS)
    new_path = tmp_path / "new.xlsx"
    write_xlsx(new_path, tables)
    old = _openpyxl_workbook(tables)
    new = load_workbook(new_path)
    assert new.sheetnames == old.sheetnames
    assert _cells(new) == _cells(old)
    assert _records(new["links"])[0]["county"].value == "黎平县"
    assert _records(new["figures"])[0]["sentence"].value == '  前后空格0 & <b>"引号"</b>  '


def test_the_same_tables_give_the_same_bytes(tmp_path: Path) -> None:
    """No time of the run in the workbook (entry dates fixed, no creation date): reruns compare byte for byte."""
    assert workbook_bytes(_tables()) == workbook_bytes(_tables())


def test_sheets_over_the_row_limit_keep_the_first_rows(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from pipeline.io import xlsx

    monkeypatch.setattr(xlsx, "MAX_ROWS", 3)
    rows = [{"doc_id": f"d{i}", "start": i} for i in range(5)]
    with caplog.at_level(logging.WARNING, logger="pipeline.io.xlsx"):
        wb = load_workbook(BytesIO(workbook_bytes({"figures.csv": (rows, schema.FIGURE_COLUMNS)})))
    got = _records(wb["figures"])
    assert [r["doc_id"].value for r in got] == ["d0", "d1", "d2"]
    assert wb["figures"].auto_filter.ref.endswith("4")
    assert "figures: 5 rows, over Excel's limit; the sheet keeps the first 3" in caplog.text
