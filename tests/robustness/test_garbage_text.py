"""Garbage text: each PDF page's text is checked for plausibility; a garbage page is read again with the other
PDF reader (PDFium) and the better text kept; a document is never ``ok`` with garbage (E018 partial, E019
failed, naming the pages); a PDF pdfplumber cannot open but PDFium can (an owner-only encrypted PDF with a
non-conforming /P) is read, not called damaged."""

from __future__ import annotations

import io
from pathlib import Path

import pdfplumber
import pytest

from pipeline.config import Config
from pipeline.ingest import load_document
from pipeline.ingest import pdf as pdf_mod
from pipeline.ingest.pdf import PdfOpenError, extract_pdf, is_garbage, text_garbage
from tests.ocr_support import needs_ocr

from .hostile import cid_pdf, owner_encrypted_pdf, write

LINE = "全县农村居民人均可支配收入增长百分之八"


@pytest.mark.parametrize(
    ("text", "what"),
    [
        ("榕江县" + "".join(f"(cid:{n})" for n in range(6300, 6330)), "(cid:NNN) glyph codes"),
        ("全县农村\ufffd\ufffd\ufffd\ufffd\ufffd\ufffd居民收入", "U+FFFD replacement characters"),
        ("全县" + "\ue000\ue001\ue002\ue003\ue004\ue005\ue006" + "收入", "private-use or control characters"),
        ("È«ÏØÅ©´å¾ÓÃñÈË¾ù¿ÉÖ§ÅäÊÕÈë", "a Han/Latin character mix"),  # GBK bytes read as Latin-1
        ("全a县b农c村d居e民f人g均h可i支j配k收l入", "a Han/Latin character mix"),
    ],
)
def test_garbage_is_recognised_and_named(text: str, what: str) -> None:
    assert is_garbage(text)
    share, kind = text_garbage(text)
    assert kind == what and share >= 0.1


@pytest.mark.parametrize(
    "text",
    [
        LINE,
        "2020年GDP增长8.5%，新增3A级景区2个，建成5G基站120座。",
        "“一村一品”（One Village One Product）示范村12个；拼音：Nóngcūn zhènxīng。",
        "表1\t指标\t数值\n脱贫户\t1200户\n",
        "嚴(yán)從(cóng)細(xì)實(shí)施，發(fā)展(zhǎn)產(chǎn)業(yè)",  # pages annotated with pinyin
        "短\ufffd",  # one stray character on a short page is not garbage
        "",
    ],
)
def test_ordinary_text_is_plausible(text: str) -> None:
    assert not is_garbage(text), text_garbage(text)


@pytest.mark.parametrize("reader", ["pdfplumber", "pdfium"])
def test_owner_encrypted_pdf_garbage_from_pdfplumber_is_replaced_by_pdfium(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, reader: str
) -> None:
    data = owner_encrypted_pdf(LINE)
    with pdfplumber.open(io.BytesIO(data)) as pdf:  # the fault: pdfplumber reads glyph codes
        assert "(cid:" in (pdf.pages[0].extract_text() or "")
    monkeypatch.setattr(pdf_mod, "CHAR_READER", reader)
    doc = load_document(write(tmp_path / "owner.pdf", data), tmp_path, Config())
    assert doc.status == "ok", doc.error
    assert doc.raw_text == LINE
    # pdfplumber's characters: its garbage page is replaced by PDFium's text; PDFium's characters (the
    # default, pdfchars.py): the page is read right the first time, with layout.
    assert doc.meta.get("pdf_fallback_pages") == ([1] if reader == "pdfplumber" else None)


def test_some_pages_garbage_with_both_readers_is_partial_naming_them(tmp_path: Path) -> None:
    data = cid_pdf([(LINE, True), (LINE, False), ("乡村振兴" + LINE, True), (LINE, False)])
    doc = load_document(write(tmp_path / "mixed.pdf", data), tmp_path, Config(ocr=False))  # with OCR: below
    assert doc.status == "partial" and doc.error_code == "E018"
    assert "2 of 4 page(s)" in doc.error and "pages 2, 4" in doc.error and "(cid:NNN)" in doc.error
    assert "OCR" in doc.error  # what to do
    assert doc.meta["garbage_pages"] == [2, 4]
    assert LINE in doc.raw_text and "乡村振兴" in doc.raw_text  # the good pages are kept


def test_every_page_garbage_is_failed(tmp_path: Path) -> None:
    doc = load_document(
        write(tmp_path / "cid.pdf", cid_pdf([(LINE, False), (LINE, False)])), tmp_path, Config(ocr=False)
    )
    assert doc.status == "failed" and doc.error_code == "E019"
    assert "pages 1-2" in doc.error and doc.raw_text == ""


@pytest.mark.slow
@needs_ocr
def test_pages_garbage_with_both_readers_are_read_by_ocr(tmp_path: Path) -> None:
    """The glyphs still draw: OCR reads the pages whose text layer is garbage (ingest/ocr.py)."""
    data = cid_pdf([(LINE, True), (LINE, False), ("乡村振兴" + LINE, True), (LINE, False)])
    doc = load_document(write(tmp_path / "mixed.pdf", data), tmp_path, Config())
    assert doc.status == "ok" and doc.meta["text_method"] == "mixed" and doc.meta["ocr_pages"] == [2, 4]
    assert "garbage_pages" not in doc.meta and "(cid:" not in doc.raw_text
    ends = [*doc.page_starts[1:], len(doc.raw_text)]
    pages = [doc.raw_text[a:b].strip() for a, b in zip(doc.page_starts, ends, strict=True)]
    assert pages[0] == LINE and pages[2] == "乡村振兴" + LINE
    assert all(p for p in pages)  # the OCR'd pages have text, each on its own page


def test_fallback_keeps_the_better_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = cid_pdf([(LINE, True), (LINE, False)])
    monkeypatch.setattr(pdf_mod, "pdfium_pages", lambda data: [LINE, "乡村振兴示范村建设"])
    res = extract_pdf(data)
    assert res.fallback_pages == [2] and not res.garbage_pages
    assert res.raw_text == LINE + "\n乡村振兴示范村建设"
    # PDFium worse than pdfplumber (more artefacts): pdfplumber's text stays, and the page is named
    monkeypatch.setattr(pdf_mod, "pdfium_pages", lambda data: [LINE, "\ufffd" * 40])
    res = extract_pdf(data)
    assert res.fallback_pages == [] and list(res.garbage_pages) == [2]
    assert "(cid:" in res.raw_text

    # PDFium cannot open it at all: same, no crash
    def refuse(data: bytes) -> list[str]:
        raise PdfOpenError("damaged", "no")

    monkeypatch.setattr(pdf_mod, "pdfium_pages", refuse)
    assert list(extract_pdf(data).garbage_pages) == [2]


def test_owner_encrypted_pdf_with_nonconforming_p_is_read_not_damaged(tmp_path: Path) -> None:
    data = owner_encrypted_pdf(LINE, p_format="{p}.0")  # /P must be an integer; PDFium accepts it
    with pytest.raises(Exception, match="format requires"), pdfplumber.open(io.BytesIO(data)) as pdf:
        _ = len(pdf.pages)  # the fault: pdfplumber (pdfminer) cannot open it
    doc = load_document(write(tmp_path / "p.pdf", data), tmp_path, Config())
    assert doc.status == "ok", doc.error
    assert doc.raw_text == LINE and doc.meta["pdf_extractor"] == "pypdfium2"


def test_classification_when_neither_reader_opens(tmp_path: Path) -> None:
    # A wrong permission value that also breaks the key: PDFium asks for a password -> encrypted, not damaged.
    data = owner_encrypted_pdf(LINE, p_format="99999999999")
    doc = load_document(write(tmp_path / "enc.pdf", data), tmp_path, Config())
    assert doc.status == "failed" and doc.error_code == "E011"
    # Truly damaged: damaged for both readers.
    bad = write(tmp_path / "bad.pdf", b"%PDF-1.7\n" + b"\x00garbage" * 50)
    doc = load_document(bad, tmp_path, Config())
    assert doc.status == "failed" and doc.error_code == "E010"
