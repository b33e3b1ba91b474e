"""PDF ingest: reading order over columns, header/footer removal, page starts, tables, real PDFs."""

from __future__ import annotations

import difflib
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.config import Config
from pipeline.ingest import load_document
from pipeline.ingest.pdf import INDENT, extract_pdf, good_table, is_page_number

from .pdfmake import banded_pdf, mixed_scan_pdf, pages_pdf, table_pdf, two_column_pdf, watermark_pdf

LEFT = [
    "左栏第一行文字内容甲乙丙丁戊",
    "左栏第二行文字内容甲乙丙丁戊",
    "左栏第三行文字内容甲乙丙丁戊",
    "左栏第四行结束",
]
RIGHT = [
    "右栏第一行文字内容子丑寅卯辰",
    "右栏第二行文字内容子丑寅卯辰",
    "右栏第三行文字内容子丑寅卯辰",
    "右栏第四行结束",
]


def _load(tmp_path: Path, data: bytes, name: str = "x.pdf", config: Config | None = None):
    p = tmp_path / name
    p.write_bytes(data)
    return load_document(p, tmp_path, config or Config())


def test_two_columns_read_column_by_column(tmp_path: Path) -> None:
    doc = _load(tmp_path, two_column_pdf("某县乡村振兴调研报告", LEFT, RIGHT))
    assert doc.status == "ok", doc.error
    lines = doc.raw_text.split("\n")
    assert lines == ["某县乡村振兴调研报告", *LEFT, *RIGHT]
    assert doc.meta["column_pages"] == [1]


def test_single_column_not_split(tmp_path: Path) -> None:
    lines = [f"第{i}行：全县农村居民人均可支配收入增长{i}.5%，" for i in range(1, 12)]
    doc = _load(tmp_path, pages_pdf([lines]))
    assert doc.raw_text.split("\n") == lines
    assert "column_pages" not in doc.meta


def test_headers_footers_page_numbers_dropped_and_page_starts(tmp_path: Path) -> None:
    pages = [[f"第{n}页正文：产业扶贫带动{n}00户增收。", f"本页第二行内容{n}。"] for n in range(1, 5)]
    data = pages_pdf(pages, header="某某县脱贫攻坚工作总结", footer_fmt="— {n} —")
    doc = _load(tmp_path, data)
    assert doc.status == "ok"
    assert "某某县脱贫攻坚工作总结" not in doc.raw_text
    assert "—" not in doc.raw_text
    assert doc.n_pages == 4
    for n, start in enumerate(doc.page_starts, start=1):
        assert doc.raw_text[start:].startswith(f"第{n}页正文")
        assert doc.page_of_raw(start) == n
    assert doc.raw_text.count("\n") == 4 * 2 - 1  # lines joined with \n, pages joined with \n


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("— 3 —", True),
        ("- 12 -", True),
        ("第3页", True),
        ("第 3 页 共 10 页", True),
        ("3/10", True),
        ("Page 4", True),
        ("iv", True),
        ("17", True),
        ("2023年全县生产总值", False),
        ("表3 主要指标", False),
        ("一、总体要求", False),
    ],
)
def test_is_page_number(line: str, expected: bool) -> None:
    assert is_page_number(line) is expected


def test_table_found_and_kept_in_raw_text(tmp_path: Path) -> None:
    rows = [["指标", "单位", "数值"], ["粮食产量", "万吨", "19.23"], ["贫困人口", "万人", "2.07"]]
    doc = _load(tmp_path, table_pdf("表前的正文一行。", rows, "表后的正文一行。", caption="表1 主要指标"))
    assert doc.status == "ok"
    assert len(doc.tables) == 1
    t = doc.tables[0]
    assert t.rows == rows
    assert t.page == 1
    assert t.caption == "表1 主要指标"
    assert doc.raw_text[t.raw_start : t.raw_end] == "\n".join("\t".join(r) for r in rows)
    assert doc.raw_text.index("表前") < t.raw_start < t.raw_end < doc.raw_text.index("表后")


@pytest.mark.parametrize(
    ("rows", "ok"),
    [
        ([["年份", "评级"], ["2023", "AA+"], ["2022", "AA"]], True),
        ([["指标", "产量"]], False),  # one row
        ([["a"], ["b"], ["c"]], False),  # one column
        ([["指标", "单位", "产量"], [None, "万吨\n万吨\n万头", "19.23\n13.49\n2.07"]], False),  # stacked
        ([["名称", "说明"], ["甲\n乙\n丙\n丁", "一\n二\n三\n四"]], False),  # merged rows
        ([[None, None, None], [None, "x", None]], False),  # mostly empty
    ],
)
def test_good_table(rows: list[list[str | None]], ok: bool) -> None:
    assert good_table(rows) is ok


def test_page_error_gives_partial(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline.ingest import pdf as pdf_mod

    real = pdf_mod._page_words

    def flaky(page, with_tables=True):
        if page.page_number == 2:
            raise ValueError("bad content stream")
        return real(page, with_tables)

    monkeypatch.setattr(pdf_mod, "_page_words", flaky)
    doc = _load(tmp_path, pages_pdf([["第一页内容文字"], ["第二页内容文字"], ["第三页内容文字"]]))
    assert doc.status == "partial"
    assert "page 2" in doc.error and "bad content stream" in doc.error
    assert doc.error_code == "E017"
    assert "第一页" in doc.raw_text and "第三页" in doc.raw_text and "第二页" not in doc.raw_text
    assert doc.n_pages == 3


# --------------------------------------------------------------------------- real PDFs

PDFS = Path(__file__).resolve().parents[2] / ".." / "shared" / "external" / "pdfs"


def _real(name: str) -> Path:
    p = PDFS / name
    if not p.is_file():
        pytest.skip(f"{name} not available")
    return p


def _accuracy(got: str, truth: str) -> float:
    a, b = re.sub(r"\s+", "", got), re.sub(r"\s+", "", truth)
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


def test_397_accuracy_floor() -> None:
    """Whitespace-free difflib ratio against the true text (measured 0.9969; floor 0.99)."""
    pdf = _real("govdoc_cn_397/397.pdf")
    truth = (pdf.parent / "397.txt").read_text(encoding="utf-8")
    doc = load_document(pdf, PDFS, Config())
    assert doc.doc_id == "govdoc_cn_397/397"
    assert doc.n_pages == 5
    assert _accuracy(doc.raw_text, truth) >= 0.99
    assert "— 1 —" not in doc.raw_text


@pytest.mark.parametrize(
    ("name", "pages", "present"),
    [
        ("zhoukou_2023_tongjigongbao.pdf", 13, ["钢材 吨 1577693 48.8"]),
        ("qiandongnan_2023_tongjigongbao.pdf", 21, ["全年全州生产总\n值[2]1329.65亿元"]),
        ("yancheng_bond_prospectus_tables.pdf", 1, ["330,435.30"]),
        ("tw_tactri_rice_pest_table_trad.pdf", 2, ["稻 作 病 蟲 害"]),
    ],
)
def test_real_pdfs(name: str, pages: int, present: list[str]) -> None:
    doc = load_document(_real(name), PDFS, Config())
    assert doc.status == "ok", doc.error
    assert doc.n_pages == pages
    assert doc.page_starts == sorted(doc.page_starts) and doc.page_starts[0] == 0
    for s in present:
        assert s in doc.raw_text
    for t in doc.tables:
        assert doc.raw_text[t.raw_start : t.raw_end] == "\n".join("\t".join(r) for r in t.rows)
        assert doc.page_of_raw(t.raw_start) == t.page
    # Bare page-number lines are gone.
    assert not any(is_page_number(ln) for ln in doc.raw_text.split("\n") if ln.strip())


def test_yancheng_tables() -> None:
    res = extract_pdf(_real("yancheng_bond_prospectus_tables.pdf").read_bytes())
    assert len(res.tables) == 2
    first, second = res.tables
    assert first.caption.startswith("表7-1")
    assert first.rows[0] == ["年份", "主体信用评级", "涵义", "评级机构", "评级展望"]
    assert second.rows[1][:3] == ["1", "工商银行", "330,435.30"]


@pytest.mark.parametrize("angle", [0, 45], ids=["giant", "slanted"])
def test_watermark_removed(tmp_path: Path, angle: float) -> None:
    lines = [f"第{i}行正文：农民专业合作社{i}家，带动农户增收。" for i in range(1, 9)]
    doc = _load(tmp_path, watermark_pdf(lines, "DRAFT", angle))
    assert doc.raw_text.split("\n") == lines


@pytest.mark.parametrize(
    ("text_pages", "scan_pages", "status"),
    [(3, 0, "ok"), (5, 1, "ok"), (2, 2, "partial"), (1, 3, "partial"), (0, 2, "failed")],
)
def test_scanned_pages_mixed_in(tmp_path: Path, text_pages: int, scan_pages: int, status: str) -> None:
    doc = _load(tmp_path, mixed_scan_pdf(text_pages, scan_pages), config=Config(ocr=False))  # OCR: test_ocr.py
    assert doc.status == status
    assert doc.error_code == {"ok": "", "partial": "E016", "failed": "E012"}[status]
    if status != "ok":
        assert "needs OCR" in doc.error
    if status == "partial":
        first_scan = text_pages + 1
        assert f"page {first_scan}" in doc.error
        assert doc.n_pages == text_pages + scan_pages


_LINE = st.text(  # no lone Latin letters between Han characters: the garbage-text check reads those as a wrong encoding
    st.sampled_from("乡村振兴产业合作社贫困户收入增长万元亩年月县镇，。、：（）%0123456789"),
    min_size=1,
    max_size=30,
)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.lists(_LINE.filter(lambda s: re.search(r"[\u4e00-\u9fff]", s)), min_size=1, max_size=25),
        min_size=1,
        max_size=3,
    )
)
def test_lines_roundtrip_property(tmp_path: Path, pages: list[list[str]]) -> None:
    """Whatever single-column lines are drawn come back in order, one page after another."""
    doc = _load(tmp_path, pages_pdf(pages), config=Config(min_chars_per_page=1))
    assert doc.status == "ok"
    assert doc.n_pages == len(pages)
    for n, lines in enumerate(pages):
        end = doc.page_starts[n + 1] - 1 if n + 1 < len(pages) else len(doc.raw_text)
        assert doc.raw_text[doc.page_starts[n] : end].split("\n") == lines


def test_columns_in_bands(tmp_path: Path) -> None:
    """Columns above and below a full-width paragraph: each band is read left then right."""
    full = ["通栏段落：本文以全县二〇二〇年统计数据为基础，分析产业扶贫带动脱贫户增收的主要做法和成效。"]
    l1 = ["　一、基本情况说明文字", "左栏第二行文字内容甲乙丙丁", "左栏第三行文字内容甲乙丙丁", "左栏第四行结束。"]
    r1 = ["右栏第一行文字内容子丑寅卯", "右栏第二行文字内容子丑寅卯", "右栏第三行文字内容子丑寅卯", "右栏第四行。"]
    l2 = ["下方左栏一行文字内容戊己庚", "下方左栏二行文字内容戊己庚", "下方左栏三行。"]
    r2 = ["下方右栏一行文字内容辛壬癸", "下方右栏二行文字内容辛壬癸", "下方右栏三行。"]
    data = banded_pdf([("cols", l1, r1), ("full", full, []), ("cols", l2, r2)])
    doc = _load(tmp_path, data)
    # an indented paragraph start keeps its indent (two ideographic spaces, pdf.INDENT)
    expected = [INDENT + s.lstrip("　") if s.startswith("　") else s for s in [*l1, *r1, *full, *l2, *r2]]
    assert doc.raw_text.split("\n") == expected
