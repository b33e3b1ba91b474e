"""Offline OCR of PDF pages that have no usable text layer (scans, photocopies, page images).

The engine is RapidOCR (``rapidocr-onnxruntime``, pinned in pyproject.toml): PP-OCR detection and recognition
models for simplified and traditional Chinese (and Latin letters and digits) that ship inside its wheel, run by
onnxruntime on the CPU. Nothing is downloaded at run time. The engine is built once per process on first use
(``ocr_engine()``), never at import.

A page is rendered with PDFium at ``RENDER_SCALE`` (72 dpi x scale), its text lines are detected and read,
and the boxes (converted back to PDF points) go through the same reading-order code as text-layer pages
(``pdf.order_blocks``: lines top to bottom, left to right, columns when a gutter is found). Each line is then
cleaned of cheap OCR artefacts (``clean_ocr_line``).
"""

from __future__ import annotations

import logging
import re
import statistics
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

logger = logging.getLogger(__name__)

RENDER_SCALE = 2.5  # PDF points -> pixels: 180 dpi, enough for body text of 9 pt and up; 3.0 is ~40% slower
ENGINE = "rapidocr-onnxruntime==1.4.4"
INSTALL_HINT = "install the project's dependencies (pip install -e . installs rapidocr-onnxruntime)"


class OcrUnavailable(Exception):
    """The OCR engine cannot be loaded (not installed, or its runtime fails); the message says what to do."""


@dataclass
class OcrPage:
    """One page read by OCR: its lines (pdf.py's ``_Line`` blocks, in reading order) and their confidences."""

    page: int
    blocks: list[Any] = field(default_factory=list)
    scores: list[float] = field(default_factory=list)  # recognition confidence of each detected text box

    @property
    def confidence(self) -> float:
        return statistics.fmean(self.scores) if self.scores else 0.0


@lru_cache(maxsize=1)
def ocr_engine() -> Any:
    """The process's RapidOCR engine, built on first use (about 0.3 s; the models come from the wheel)."""
    try:
        from rapidocr_onnxruntime import RapidOCR
    except Exception as exc:  # ImportError, or onnxruntime's shared library failing to load
        raise OcrUnavailable(f"the OCR engine {ENGINE} cannot be loaded ({type(exc).__name__}: {exc})") from exc
    try:
        return RapidOCR()
    except Exception as exc:
        raise OcrUnavailable(f"the OCR engine {ENGINE} failed to start ({type(exc).__name__}: {exc})") from exc


# --------------------------------------------------------------------------- artefacts

_CJK = r"\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff01-\uff0f\uff1a-\uff20"
_SPACE_IN_CJK = re.compile(rf"(?<=[{_CJK}])[ \t\u3000]+(?=[{_CJK}\d])|(?<=\d)[ \t\u3000]+(?=[{_CJK}])")
_FULL_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
# A letter O read for the digit 0, or l / I / | for 1: only inside a run of digits (a digit on one side, no
# Latin letter on either side), so words (``OECD``, ``Il``) and codes with letters are left alone.
_O_FOR_0 = re.compile(r"(?<![A-Za-z])(?:(?<=\d)[Oo]|[Oo](?=\d))(?![A-Za-z])")
_L_FOR_1 = re.compile(r"(?<![A-Za-z])(?:(?<=\d)[lI|]|[lI|](?=\d))(?![A-Za-z])")


def clean_ocr_line(text: str) -> str:
    """One OCR line with cheap artefacts fixed: spaces between Han characters (and between Han characters and
    digits) removed, full-width digits made ASCII, O read for 0 and l/I/| read for 1 inside numbers.

    >>> clean_ocr_line("全县 共有 贫困户 32O0 户 , 增长 l5 . ６%")
    '全县共有贫困户3200户 , 增长15 . 6%'
    """
    text = text.translate(_FULL_DIGITS)
    for _ in range(2):  # overlapping matches (``1O0``)
        text = _O_FOR_0.sub("0", text)
        text = _L_FOR_1.sub("1", text)
    return _SPACE_IN_CJK.sub("", text).strip()


# --------------------------------------------------------------------------- pages


def _render(pdf: Any, index: int, scale: float) -> Any:
    import numpy as np

    page = pdf[index]
    try:
        bitmap = page.render(scale=scale)
        try:
            return np.array(bitmap.to_numpy()[:, :, :3], copy=True)  # BGR(A) as PDFium renders: what cv2 expects
        finally:
            bitmap.close()
    finally:
        page.close()


def _words(result: list[Any] | None, scale: float) -> tuple[list[dict[str, Any]], list[float]]:
    """RapidOCR's boxes as pdfplumber-like words in PDF points, and their recognition confidences."""
    words: list[dict[str, Any]] = []
    scores: list[float] = []
    for box, text, score in result or []:
        if not str(text).strip():
            continue
        xs = [float(p[0]) / scale for p in box]
        ys = [float(p[1]) / scale for p in box]
        words.append({"text": str(text).strip(), "x0": min(xs), "x1": max(xs), "top": min(ys), "bottom": max(ys)})
        scores.append(float(score))
    return words, scores


def ocr_pdf_pages(data: bytes, pages: list[int], scale: float = RENDER_SCALE) -> dict[int, OcrPage]:
    """The 1-based ``pages`` of a PDF read by OCR; raises ``OcrUnavailable`` when the engine cannot be loaded.

    A page that fails to render or read is logged and left out (its text stays missing, as without OCR).
    """
    if not pages:
        return {}
    import pypdfium2 as pdfium

    from pipeline.ingest.pdf import _Line, drop_margin_chrome, drop_page_numbers, order_blocks

    engine = ocr_engine()
    read: dict[int, tuple[list[dict[str, Any]], float, list[float]]] = {}
    pdf = pdfium.PdfDocument(data)
    try:
        for no in pages:
            try:
                image = _render(pdf, no - 1, scale)
                result, _ = engine(image)
            except Exception as exc:  # one page that cannot be read costs that page only
                logger.warning("OCR of PDF page %d failed: %s", no, exc, exc_info=True)
                continue
            words, scores = _words(result, scale)
            read[no] = (words, image.shape[0] / scale, scores)
    finally:
        pdf.close()
    # Running headers/footers repeated on the OCR'd pages, and bare page numbers, go as on text pages.
    drop_margin_chrome([(words, height) for words, height, _ in read.values()])
    out: dict[int, OcrPage] = {}
    for no, (words, height, scores) in read.items():
        blocks, _cols = order_blocks(words, []) if words else ([], False)
        drop_page_numbers(blocks, height)
        lines = []
        for b in blocks:
            if isinstance(b, _Line):
                b.text = clean_ocr_line(b.text)
                if b.text:
                    lines.append(b)
        out[no] = OcrPage(page=no, blocks=lines, scores=scores)
    return out
