"""PDF pages read by PDFium (pypdfium2) and handed to pdf.py as pdfplumber-like pages.

pdfplumber builds ``page.chars`` with pdfminer, which is most of the time of PDF ingest; PDFium gives the same
characters with positions about four times faster. ``PdfiumPage`` offers what pdf.py's layout code uses of a
pdfplumber page (``chars``, ``edges``, ``filter``, ``extract_words``, ``find_tables``, ``height``, ``page_number``)
built from PDFium, so the layout code (columns, reading order, running headers, tables) stays as it is:

- characters as pdfplumber's dicts (``text``, ``x0``, ``x1``, ``top``, ``bottom``, ``size``, ``upright``,
  ``matrix``, ...). Boxes follow pdfminer's: the advance width across, ``size`` (the font size times the text's
  scale) down from the descent line, so words, lines and type sizes come out as with pdfplumber;
- ruling lines (``edges``) from the page's path objects (inside forms too), so pdfplumber's own table finder
  (``TableFinder``, pure Python) finds ruled tables on the page; cells are filled from the PDFium characters.

A page is left to pdfplumber (``use_pdfplumber``) when PDFium's reading of it could differ in kind: a rotated
page, a crop or media box not at the origin, or a text layer that is garbage with PDFium (pdfplumber's text
and then pdf.py's garbage fallback decide, as before).
"""

from __future__ import annotations

import bisect
import ctypes
import itertools
import logging
import math
import re
import threading
from collections.abc import Callable, Iterator
from typing import Any

logger = logging.getLogger(__name__)

# PDFium is not thread-safe: calls into it from this module are serialized (Dask runs one thread per worker
# process, but a scheduler given with --scheduler may run several).
_PDFIUM_LOCK = threading.Lock()

_MOVETO = 2  # FPDF_SEGMENT_MOVETO
_PATH = 2  # FPDF_PAGEOBJ_PATH
_FORM = 5  # FPDF_PAGEOBJ_FORM
# Text made only of these (and no Latin letter alone between two Han characters) cannot be garbage: the full
# plausibility test (pdf.text_garbage) is skipped for it.
_PLAIN = re.compile(r"[\u0020-\u007e\u00b7\u00d7\u2010-\u2030\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff01-\uff5e]*")
_HAN_LATIN_HAN = re.compile(r"[\u3400-\u9fff][A-Za-z][\u3400-\u9fff]")
_Matrix = tuple[float, float, float, float, float, float]
_IDENTITY: _Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


def _mul(m: _Matrix, n: _Matrix) -> _Matrix:
    """``m`` then ``n`` (PDF row-vector convention: p' = p · m · n)."""
    a, b, c, d, e, f = m
    a2, b2, c2, d2, e2, f2 = n
    return (
        a * a2 + b * c2,
        a * b2 + b * d2,
        c * a2 + d * c2,
        c * b2 + d * d2,
        e * a2 + f * c2 + e2,
        e * b2 + f * d2 + f2,
    )


class PdfiumPage:
    """One page's characters and ruling edges from PDFium, with the part of pdfplumber's Page API pdf.py uses."""

    def __init__(
        self, page_number: int, width: float, height: float, chars: list[dict[str, Any]], edges: list[dict[str, Any]]
    ) -> None:
        self.page_number = page_number
        self.width = width
        self.height = height
        self.bbox = (0.0, 0.0, width, height)
        self.chars = chars
        self.edges = edges

    def filter(self, test: Callable[[dict[str, Any]], bool]) -> PdfiumPage:
        return PdfiumPage(
            self.page_number,
            self.width,
            self.height,
            [c for c in self.chars if test(c)],
            [e for e in self.edges if test(e)],
        )

    def extract_words(self, **kwargs: Any) -> list[dict[str, Any]]:
        from pdfplumber.utils import extract_words

        return extract_words(self.chars, **kwargs)

    def find_tables(self, table_settings: dict[str, Any] | None = None) -> list[Any]:
        from pdfplumber.table import Table, TableFinder, TableSettings, cells_to_tables, edges_to_intersections

        if not self.edges:  # the default strategy finds tables from ruling lines only
            return []
        # TableFinder.__init__ step by step, with intersections_to_cells replaced by the faster equivalent below.
        finder = TableFinder.__new__(TableFinder)
        finder.page = self  # type: ignore[assignment]
        finder.settings = TableSettings.resolve(table_settings)
        finder.edges = finder.get_edges()
        finder.intersections = edges_to_intersections(
            finder.edges, finder.settings.intersection_x_tolerance, finder.settings.intersection_y_tolerance
        )
        finder.cells = intersections_to_cells(finder.intersections)
        tables = [Table(self, group) for group in cells_to_tables(finder.cells)]  # type: ignore[arg-type]
        return [_Table(t, self.chars) for t in tables]

    def flush_cache(self) -> None:
        """Nothing cached (pdfplumber's pages need it)."""


def intersections_to_cells(intersections: dict[Any, dict[str, list[dict[str, Any]]]]) -> list[Any]:
    """What ``pdfplumber.table.intersections_to_cells`` returns (the same cells in the same order), faster: each
    point's edges are turned into sets once (not once per comparison), and the points below and to the right
    of a point are looked up by column and row instead of scanned for."""
    points = sorted(intersections)
    v_sets = {p: {(e["x0"], e["top"], e["x1"], e["bottom"]) for e in intersections[p]["v"]} for p in points}
    h_sets = {p: {(e["x0"], e["top"], e["x1"], e["bottom"]) for e in intersections[p]["h"]} for p in points}

    def connects(p1: tuple[Any, Any], p2: tuple[Any, Any]) -> bool:
        if p1[0] == p2[0] and not v_sets[p1].isdisjoint(v_sets[p2]):
            return True
        return p1[1] == p2[1] and not h_sets[p1].isdisjoint(h_sets[p2])

    by_x: dict[Any, list[tuple[Any, Any]]] = {}
    by_y: dict[Any, list[tuple[Any, Any]]] = {}
    for p in points:  # in sorted order: each list is sorted too
        by_x.setdefault(p[0], []).append(p)
        by_y.setdefault(p[1], []).append(p)
    x_pos = {p: k for lst in by_x.values() for k, p in enumerate(lst)}
    y_pos = {p: k for lst in by_y.values() for k, p in enumerate(lst)}
    cells = []
    for i, pt in enumerate(points):
        if i == len(points) - 1:
            break
        below = by_x[pt[0]][x_pos[pt] + 1 :]
        right = by_y[pt[1]][y_pos[pt] + 1 :]
        found = None
        for below_pt in below:
            if not connects(pt, below_pt):
                continue
            for right_pt in right:
                if not connects(pt, right_pt):
                    continue
                bottom_right = (right_pt[0], below_pt[1])
                if (
                    bottom_right in intersections
                    and connects(bottom_right, right_pt)
                    and connects(bottom_right, below_pt)
                ):
                    found = (pt[0], pt[1], bottom_right[0], bottom_right[1])
                    break
            if found:
                break
        if found:
            cells.append(found)
    return cells


def _one_line_text(chars: list[dict[str, Any]], x_tolerance: float) -> str | None:
    """What ``pdfplumber.utils.extract_text(chars)`` gives for characters on one line (the same ``top``, upright,
    left to right as given, no ligature): words split at blanks and at gaps wider than ``x_tolerance``, joined
    with a space; None for anything else (pdfplumber's function then reads them)."""
    from pdfplumber.utils.text import LIGATURES

    top = chars[0]["top"]
    words: list[str] = []
    word: list[str] = []
    prev: dict[str, Any] | None = None
    for c in chars:
        t = c["text"]
        if c["top"] != top or not c["upright"] or not t or t in LIGATURES:
            return None
        if prev is not None and c["x0"] < prev["x0"]:
            return None  # not in reading order: pdfplumber sorts
        if t.isspace():
            if word:
                words.append("".join(word))
                word = []
        elif word and prev is not None and c["x0"] > prev["x1"] + x_tolerance:
            words.append("".join(word))
            word = [t]
        else:
            word.append(t)
        prev = c
    if word:
        words.append("".join(word))
    return " ".join(words)


class _Table:
    """A table pdfplumber's finder found, read faster: ``extract`` gives what ``pdfplumber.table.Table.extract``
    gives (a cell holds the characters whose centre is inside it, its text by ``extract_text``) but looks up each
    row's characters by their vertical centre instead of scanning every character of the page once per row."""

    def __init__(self, table: Any, chars: list[dict[str, Any]]) -> None:
        self.bbox = table.bbox
        self.rows = table.rows
        x0, top, x1, bottom = table.bbox
        mids = []
        for k, c in enumerate(chars):
            v = (c["top"] + c["bottom"]) / 2
            h = (c["x0"] + c["x1"]) / 2
            if x0 <= h < x1 and top <= v < bottom:
                mids.append((v, k, h, c))
        mids.sort(key=lambda m: (m[0], m[1]))
        self._mids = mids
        self._vs = [m[0] for m in mids]

    def extract(self, **kwargs: Any) -> list[list[str | None]]:
        from pdfplumber.utils import extract_text

        out: list[list[str | None]] = []
        for row in self.rows:
            rx0, rtop, rx1, rbottom = row.bbox
            lo, hi = bisect.bisect_left(self._vs, rtop), bisect.bisect_left(self._vs, rbottom)
            row_chars = sorted((m for m in self._mids[lo:hi] if rx0 <= m[2] < rx1), key=lambda m: m[1])
            cells: list[str | None] = []
            for cell in row.cells:
                if cell is None:
                    cells.append(None)
                    continue
                cx0, ctop, cx1, cbottom = cell
                inside = [m[3] for m in row_chars if cx0 <= m[2] < cx1 and ctop <= m[0] < cbottom]
                text = _one_line_text(inside, kwargs.get("x_tolerance", 3)) if inside else ""
                cells.append(text if text is not None else extract_text(inside, **kwargs))
            out.append(cells)
        return out


def _page_chars(raw: Any, textpage: Any, height: float) -> list[dict[str, Any]]:
    """The page's characters as pdfplumber dicts (PDFium's generated spaces and line breaks left out)."""
    n = raw.FPDFText_CountChars(textpage)
    if n <= 0:
        return []
    buf = ctypes.create_string_buffer((n + 1) * 2)
    got = raw.FPDFText_GetText(textpage, 0, n, ctypes.cast(buf, ctypes.POINTER(ctypes.c_ushort)))
    text = buf.raw[: max(0, got - 1) * 2].decode("utf-16-le", errors="replace")
    by_index = len(text) == n  # one UTF-16 unit per character (no surrogate pairs): one call for the text
    rect = raw.FS_RECTF()
    m = raw.FS_MATRIX()
    is_generated = raw.FPDFText_IsGenerated
    get_unicode = raw.FPDFText_GetUnicode
    loose_box = raw.FPDFText_GetLooseCharBox
    get_matrix = raw.FPDFText_GetMatrix
    font_size = raw.FPDFText_GetFontSize
    chars: list[dict[str, Any]] = []
    for i in range(n):
        ch = text[i] if by_index else chr(get_unicode(textpage, i))
        if ch in "\r\n\x00\ufffe":
            continue
        if is_generated(textpage, i):
            # PDFium's spaces and line breaks. It drops the page's own space glyphs and generates spaces where it
            # sees a gap or a change of font (``增长 2.0%``), which pdfminer does not; both cannot be told apart,
            # so none is kept: words then split where the gap is wider than x_tolerance, as with pdfplumber.
            continue
        if not loose_box(textpage, i, rect):
            continue
        get_matrix(textpage, i, m)
        a, b, c, d = m.a, m.b, m.c, m.d
        upright = abs(b) < 1e-6 and abs(c) < 1e-6 and a * d > 0
        # PDFium computes in single precision: rounded to 1/10000 pt, 137.99998 is pdfminer's 138.0 again (a
        # gap of exactly x_tolerance then joins words as pdfplumber does).
        x0, x1 = round(rect.left, 4), round(rect.right, 4)
        bottom = round(height - rect.bottom, 4)
        if upright:
            size = round(font_size(textpage, i) * abs(d), 4)
            top = round(bottom - size, 4)
        else:
            size = round(font_size(textpage, i) * math.sqrt(abs(a * d - b * c)), 4)
            top = round(height - rect.top, 4)
        char = {
            "object_type": "char",
            "text": ch,
            "x0": x0,
            "x1": x1,
            "top": top,
            "bottom": bottom,
            "doctop": top,
            "y0": height - bottom,
            "y1": height - top,
            "width": x1 - x0,
            "height": bottom - top,
            "size": size,
            "upright": upright,
            "matrix": (a, b, c, d, m.e, m.f),
        }
        chars.append(char)
    return chars


def _edge(p0: tuple[float, float], p1: tuple[float, float], height: float) -> dict[str, Any]:
    (xa, ya), (xb, yb) = p0, p1
    if abs(xa - xb) < 1e-4:
        xb = xa
    if abs(ya - yb) < 1e-4:
        yb = ya
    top, bottom = height - max(ya, yb), height - min(ya, yb)
    return {
        "object_type": "curve_edge",
        "x0": min(xa, xb),
        "x1": max(xa, xb),
        "top": top,
        "bottom": bottom,
        "doctop": top,
        "width": abs(xa - xb),
        "height": bottom - top,
        "orientation": "v" if xa == xb else ("h" if ya == yb else None),
    }


def _path_edges(raw: Any, obj: Any, ctm: _Matrix, height: float) -> Iterator[dict[str, Any]]:
    """Edges of a path object: each segment of each subpath (its closing one too), in page space."""
    fill = ctypes.c_int()
    stroke = ctypes.c_int()
    if raw.FPDFPath_GetDrawMode(obj, fill, stroke) and not fill.value and not stroke.value:
        return  # neither filled nor stroked: draws nothing
    a, b, c, d, e, f = ctm
    x = ctypes.c_float()
    y = ctypes.c_float()
    sub: list[tuple[float, float]] = []
    closed = False

    def flush() -> Iterator[dict[str, Any]]:
        for p, q in itertools.pairwise(sub):
            yield _edge(p, q, height)
        if closed and len(sub) > 2 and sub[0] != sub[-1]:
            yield _edge(sub[-1], sub[0], height)

    for k in range(raw.FPDFPath_CountSegments(obj)):
        seg = raw.FPDFPath_GetPathSegment(obj, k)
        raw.FPDFPathSegment_GetPoint(seg, x, y)
        pt = (x.value * a + y.value * c + e, x.value * b + y.value * d + f)
        if raw.FPDFPathSegment_GetType(seg) == _MOVETO and sub:
            yield from flush()
            sub, closed = [], False
        sub.append(pt)
        closed = closed or bool(raw.FPDFPathSegment_GetClose(seg))
    yield from flush()


def _edges(raw: Any, objects: list[Any], ctm: _Matrix, height: float, depth: int = 0) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    m = raw.FS_MATRIX()
    for obj in objects:
        kind = raw.FPDFPageObj_GetType(obj)
        if kind not in (_PATH, _FORM):
            continue
        own = (m.a, m.b, m.c, m.d, m.e, m.f) if raw.FPDFPageObj_GetMatrix(obj, m) else _IDENTITY
        full = _mul(own, ctm)
        if kind == _PATH:
            out.extend(_path_edges(raw, obj, full, height))
        elif depth < 8:
            inner = [raw.FPDFFormObj_GetObject(obj, k) for k in range(raw.FPDFFormObj_CountObjects(obj))]
            out.extend(_edges(raw, inner, full, height, depth + 1))
    return out


def read_page(pdf: Any, index: int, plausible: Callable[[str], bool]) -> PdfiumPage | None:
    """Page ``index`` (0-based) of an open ``pypdfium2.PdfDocument`` as a ``PdfiumPage``, or None when it should be
    read by pdfplumber (rotated, boxes off the origin, or text that ``plausible`` rejects)."""
    import pypdfium2 as pdfium

    raw = pdfium.raw

    page = pdf[index]
    try:
        if page.get_rotation() % 360:
            return None
        box = tuple(round(v, 3) for v in page.get_mediabox())
        if box[:2] != (0, 0) or tuple(round(v, 3) for v in page.get_cropbox()) != box:
            return None
        width, height = float(box[2]), float(box[3])
        textpage = page.get_textpage()
        try:
            chars = _page_chars(raw, textpage.raw, height)
        finally:
            textpage.close()
        text = "".join(c["text"] for c in chars)
        surely_plain = _PLAIN.fullmatch(text) and "(cid:" not in text and not _HAN_LATIN_HAN.search(text)
        if not surely_plain and not plausible(text):
            return None
        objects = [raw.FPDFPage_GetObject(page.raw, k) for k in range(raw.FPDFPage_CountObjects(page.raw))]
        edges = _edges(raw, objects, _IDENTITY, height)
        return PdfiumPage(index + 1, width, height, chars, edges)
    finally:
        page.close()


class _FailedPage:
    """A page pdfplumber should have read but could not open: reading its characters raises ``error``."""

    def __init__(self, page_number: int, error: Exception) -> None:
        self.page_number = page_number
        self.height = 0.0
        self._error = error

    @property
    def chars(self) -> list[dict[str, Any]]:
        raise self._error

    def flush_cache(self) -> None:
        """Nothing cached."""


class PdfiumPages:
    """The pages of a PDF for pdf.py: PDFium's where it reads them, else pdfplumber's (``fallback``).

    ``fallback`` is pdfplumber's page list, or a function giving it: then pdfplumber opens the file only when a
    page needs it (the first page PDFium should not read), and not at all for most files."""

    def __init__(
        self, data: bytes, fallback: list[Any] | Callable[[], list[Any]], plausible: Callable[[str], bool]
    ) -> None:
        import pypdfium2 as pdfium

        with _PDFIUM_LOCK:
            self._pdf = pdfium.PdfDocument(data)
        self._fallback: list[Any] | None = None if callable(fallback) else fallback
        self._open_fallback = fallback if callable(fallback) else None
        self._plausible = plausible
        self.plumber_pages: list[int] = []  # 1-based pages read by pdfplumber
        if self._fallback is not None and len(self._pdf) != len(self._fallback):
            self.close()
            raise ValueError(f"PDFium sees {len(self._pdf)} pages, pdfplumber {len(self._fallback)}")

    def __len__(self) -> int:
        return len(self._pdf)

    @property
    def encrypted(self) -> bool:
        """Whether the file has a security handler (pdf.py then opens it with pdfplumber first, as before)."""
        import pypdfium2 as pdfium

        with _PDFIUM_LOCK:
            return bool(pdfium.raw.FPDF_GetSecurityHandlerRevision(self._pdf.raw) != -1)

    def _plumber_page(self, i: int) -> Any:
        if self._fallback is None and self._open_fallback is not None:
            try:
                self._fallback = self._open_fallback()
            except Exception as exc:  # pdfplumber cannot open the file: the pages it should read fail
                self._open_fallback = None
                self._error: Exception = exc
            else:
                if len(self._fallback) != len(self._pdf):
                    logger.warning("PDFium sees %d pages, pdfplumber %d", len(self._pdf), len(self._fallback))
        if self._fallback is None:
            return _FailedPage(i + 1, self._error)
        if i >= len(self._fallback):
            return _FailedPage(i + 1, IndexError(f"pdfplumber has no page {i + 1}"))
        return self._fallback[i]

    def __iter__(self) -> Iterator[Any]:
        for i in range(len(self._pdf)):
            try:
                with _PDFIUM_LOCK:
                    page = read_page(self._pdf, i, self._plausible)
            except Exception:  # PDFium failing on one page: pdfplumber reads it
                logger.warning("PDFium cannot read page %d; pdfplumber reads it", i + 1, exc_info=True)
                page = None
            if page is None:
                self.plumber_pages.append(i + 1)
                yield self._plumber_page(i)
            else:
                yield page

    def close(self) -> None:
        with _PDFIUM_LOCK:
            self._pdf.close()
