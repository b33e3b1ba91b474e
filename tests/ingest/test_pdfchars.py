"""PDFium's characters and ruling lines for the layout code (pdfchars.py): the same char dicts, words, tables
and reading order as pdfplumber's; pages PDFium should not read go to pdfplumber."""

from __future__ import annotations

import difflib
import io
from pathlib import Path

import pdfplumber
import pypdfium2 as pdfium
import pytest

from pipeline.ingest import pdf as pdf_mod
from pipeline.ingest.pdf import X_TOLERANCE, Y_TOLERANCE, extract_pdf
from pipeline.ingest.pdfchars import PdfiumPage, PdfiumPages, read_page
from tests.robustness.hostile import cid_pdf

from .pdfmake import banded_pdf, pages_pdf, table_pdf, two_column_pdf, watermark_pdf

LEFT = [f"左栏第{n}行：全县农村居民人均可支配收入增长{n}.5%" for n in range(1, 9)]
RIGHT = [f"右栏第{n}行：新建高标准农田{n}2万亩，粮食总产稳定" for n in range(1, 9)]
ROWS = [["指标", "单位", "2023年"], ["粮食产量", "万吨", "12.5"], ["脱贫人口", "人", "1200"]]
LINE = "全县农村居民人均可支配收入增长百分之八"


def _both(data: bytes, monkeypatch: pytest.MonkeyPatch) -> tuple[pdf_mod.PdfText, pdf_mod.PdfText]:
    monkeypatch.setattr(pdf_mod, "CHAR_READER", "pdfplumber")
    old = extract_pdf(data)
    monkeypatch.setattr(pdf_mod, "CHAR_READER", "pdfium")
    return old, extract_pdf(data)


def _pdfium_page(data: bytes, index: int = 0) -> PdfiumPage | None:
    doc = pdfium.PdfDocument(data)
    try:
        return read_page(doc, index, lambda text: True)
    finally:
        doc.close()


def test_chars_are_pdfplumbers_dicts() -> None:
    data = two_column_pdf("某县乡村振兴调研报告", LEFT, RIGHT)
    page = _pdfium_page(data)
    assert page is not None
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        want = [c for c in pdf.pages[0].chars if c["text"].strip()]
    got = [c for c in page.chars if c["text"].strip()]
    assert [c["text"] for c in got] == [c["text"] for c in want]
    for g, w in zip(got, want, strict=True):
        for key in ("x0", "size"):
            assert g[key] == pytest.approx(w[key], abs=0.01), (g["text"], key)
        # For a font that is not embedded (STSong-Light) PDFium takes some widths and the descent from its
        # substitute font: a box may be a little wider, or sit a little lower, than pdfminer's; it is as tall.
        if "\u4e00" <= g["text"] <= "\u9fff":
            assert g["x1"] == pytest.approx(w["x1"], abs=0.01)
        else:  # digits and Latin letters
            assert g["x1"] == pytest.approx(w["x1"], abs=0.1 * w["size"])
        assert g["bottom"] - g["top"] == pytest.approx(w["bottom"] - w["top"], abs=0.01)
        assert g["top"] == pytest.approx(w["top"], abs=0.05 * w["size"])
        assert g["upright"] and g["object_type"] == "char"
    kw = {"x_tolerance": X_TOLERANCE, "y_tolerance": Y_TOLERANCE}
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        assert [w["text"] for w in page.extract_words(**kw)] == [w["text"] for w in pdf.pages[0].extract_words(**kw)]


def test_ruled_table_found_from_pdfium_edges() -> None:
    data = table_pdf("表前的一段文字。", ROWS, "表后的一段文字。")
    page = _pdfium_page(data)
    assert page is not None and page.edges
    tables = page.find_tables()
    assert len(tables) == 1
    assert tables[0].extract(x_tolerance=X_TOLERANCE, y_tolerance=Y_TOLERANCE) == ROWS
    assert not _pdfium_page(pages_pdf([[LINE]])).find_tables()  # type: ignore[union-attr]  # no rules: none


@pytest.mark.parametrize(
    "make",
    [
        lambda: two_column_pdf("某县乡村振兴调研报告", LEFT, RIGHT),
        lambda: table_pdf("表前的一段文字。", ROWS, "表后的一段文字。", caption="表1 主要指标"),
        lambda: banded_pdf(
            [
                ("full", ["一、产业发展"], []),
                ("cols", LEFT[:4], RIGHT[:4]),
                ("full", ["二、基础设施"], []),
                ("cols", LEFT[4:], RIGHT[4:]),
            ]
        ),
        lambda: watermark_pdf(LEFT, "DRAFT", 45),
        lambda: pages_pdf([LEFT[:3], RIGHT[:3], LEFT[3:6]], header="某县工作总结", footer_fmt="— {n} —"),
    ],
    ids=["two-column", "table", "bands", "watermark", "headers"],
)
def test_same_text_tables_and_order_as_pdfplumber(make, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    old, new = _both(make(), monkeypatch)
    assert new.raw_text == old.raw_text and new.raw_text
    assert [(t.page, t.rows, t.caption, t.raw_start) for t in new.tables] == [
        (t.page, t.rows, t.caption, t.raw_start) for t in old.tables
    ]
    assert new.columns_pages == old.columns_pages and new.page_starts == old.page_starts
    assert new.dropped_lines == old.dropped_lines and new.n_chars == old.n_chars


def _rotated(data: bytes) -> bytes:
    doc = pdfium.PdfDocument(data)
    doc[0].set_rotation(90)
    buf = io.BytesIO()
    doc.save(buf)
    doc.close()
    return buf.getvalue()


def test_rotated_and_garbage_pages_are_left_to_pdfplumber(monkeypatch: pytest.MonkeyPatch) -> None:
    data = _rotated(pages_pdf([[LINE], [LINE]]))
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        pages = PdfiumPages(data, pdf.pages, lambda text: True)
        kinds = [type(p).__name__ for p in pages]
        pages.close()
    assert kinds == ["Page", "PdfiumPage"] and pages.plumber_pages == [1]
    old, new = _both(data, monkeypatch)
    assert new.raw_text == old.raw_text
    # Garbage with PDFium (no ToUnicode map): pdfplumber reads the page, then the garbage checks run as before.
    old, new = _both(cid_pdf([(LINE, True), (LINE, False)]), monkeypatch)
    assert new.raw_text == old.raw_text and list(new.garbage_pages) == list(old.garbage_pages) == [2]


def test_pdfium_failing_on_the_file_falls_back_to_pdfplumber(monkeypatch: pytest.MonkeyPatch) -> None:
    data = two_column_pdf("某县乡村振兴调研报告", LEFT, RIGHT)
    old, _ = _both(data, monkeypatch)

    def refuse(*args: object) -> None:
        raise RuntimeError("PDFium is out")

    monkeypatch.setattr("pipeline.ingest.pdfchars.read_page", refuse)
    assert extract_pdf(data).raw_text == old.raw_text  # every page read by pdfplumber


# --------------------------------------------------------------------------- real PDFs

PDFS = Path(__file__).resolve().parents[2] / ".." / "shared" / "external" / "pdfs"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "same_text"),
    [
        ("govdoc_cn_397/397.pdf", True),
        ("qiandongnan_2023_tongjigongbao.pdf", True),
        ("yancheng_bond_prospectus_tables.pdf", True),
        ("zhoukou_2023_tongjigongbao.pdf", False),  # two word gaps of 3.0 pt: PDFium's widths differ by 0.2 pt
    ],
)
def test_real_pdfs_read_as_with_pdfplumber(name: str, same_text: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    p = PDFS / name
    if not p.is_file():
        pytest.skip(f"{name} not available")
    old, new = _both(p.read_bytes(), monkeypatch)
    assert [(t.page, t.rows) for t in new.tables] == [(t.page, t.rows) for t in old.tables]
    assert new.columns_pages == old.columns_pages and new.n_pages == old.n_pages
    if same_text:
        assert new.raw_text == old.raw_text
    else:
        ratio = difflib.SequenceMatcher(None, old.raw_text, new.raw_text, autojunk=False).ratio()
        assert ratio >= 0.999 and new.raw_text.replace(" ", "") == old.raw_text.replace(" ", "")


def test_pdfplumber_opens_a_file_only_when_a_page_needs_it(monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[int] = []
    real_open = pdf_mod._open_pdf

    def counting_open(data: bytes) -> object:
        opened.append(1)
        return real_open(data)

    monkeypatch.setattr(pdf_mod, "_open_pdf", counting_open)
    plain = extract_pdf(pages_pdf([[LINE], [LINE]]))
    assert opened == [] and plain.n_pages == 2 and plain.raw_text.count(LINE) == 2
    rotated = extract_pdf(_rotated(pages_pdf([[LINE], [LINE]])))  # page 1 is pdfplumber's: opened once
    assert opened == [1] and rotated.n_pages == 2 and rotated.raw_text.count(LINE) == 2


def test_a_page_pdfplumber_cannot_open_fails_alone() -> None:
    def cannot_open() -> list[object]:
        raise pdf_mod.PdfOpenError("damaged", "PSEOF")

    data = _rotated(pages_pdf([[LINE], [LINE]]))
    pages = PdfiumPages(data, cannot_open, lambda text: True)
    got = list(pages)
    pages.close()
    assert pages.plumber_pages == [1] and isinstance(got[1], PdfiumPage)
    with pytest.raises(pdf_mod.PdfOpenError, match="PSEOF"):
        _ = got[0].chars


def test_fast_cells_are_pdfplumbers() -> None:
    from pdfplumber.table import edges_to_intersections
    from pdfplumber.table import intersections_to_cells as plumber_cells

    from pipeline.ingest.pdfchars import intersections_to_cells

    def edge(x0: float, top: float, x1: float, bottom: float) -> dict[str, object]:
        o = "v" if x0 == x1 else "h"
        size = {"width": x1 - x0, "height": bottom - top, "doctop": top, "object_type": "curve_edge"}
        return {"x0": x0, "top": top, "x1": x1, "bottom": bottom, "orientation": o, **size}

    # A ruled grid with a merged cell (no inner rule at x=60 in the second row), a header ruled only on top and
    # a stray vertical rule: cells in pdfplumber's order.
    xs, ys = [10, 60, 110, 160], [10, 30, 50, 70]
    edges = [edge(10, y, 160, y) for y in ys] + [edge(x, 10, x, 70) for x in (10, 110, 160)]
    edges += [edge(60, 10, 60, 30), edge(60, 50, 60, 70), edge(200, 0, 200, 90), edge(5, 80, 120, 80)]
    inter = edges_to_intersections(edges, 3, 3)
    want = plumber_cells(inter)
    assert intersections_to_cells(inter) == want and len(want) == 8 and (xs[0], ys[1], xs[2], ys[2]) in want
    table = PdfiumPage(1, 200, 100, [], edges).find_tables()
    assert [t.bbox for t in table] == [(10, 10, 160, 70)]


def test_one_line_cells_read_as_pdfplumber_reads_them() -> None:
    import random

    from pdfplumber.utils import extract_text

    from pipeline.ingest.pdfchars import _one_line_text

    rng = random.Random(7)
    checked = 0
    for _ in range(400):
        x, chars = 10.0, []
        top = rng.choice([100.0, 100.0, 100.0, 101.5])
        for _k in range(rng.randint(1, 8)):
            w = rng.choice([5.0, 10.5])
            text = rng.choice(["粮", "食", "1", ".", " ", "ﬁ", "a"])
            x += rng.choice([0.0, 0.0, 1.0, 3.0, 3.5, 8.0, -2.0])
            chars.append({"text": text, "x0": x, "x1": x + w, "top": top, "bottom": top + 10, "upright": True})
            chars[-1] |= {"doctop": top, "height": 10.0, "width": w, "size": 10.0}
            x += w
            top = rng.choice([top, top, top, top + 0.5])
        want = extract_text(chars, x_tolerance=X_TOLERANCE, y_tolerance=Y_TOLERANCE)
        got = _one_line_text(chars, X_TOLERANCE)
        if got is not None:
            checked += 1
            assert got == want, chars
    assert checked > 100  # the fast path is taken for most cells, and agrees each time
