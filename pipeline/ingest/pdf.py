"""PDF text with pdfplumber: reading order over columns, headers/footers dropped, tables kept as text.

Each page becomes a list of blocks (text lines and tables) in reading order. Columns are found from
word x-positions: a vertical gutter that few words cross, with text on both sides at the same heights.
Items crossing the gutter (titles, full-width paragraphs, wide tables) cut the page into bands; each
band is read left column then right column. Lines repeated in the top/bottom margins across pages and
bare page numbers (``- 3 -``, ``第3页``) are dropped. Tables from pdfplumber's table finder that look
like real grids are written into the text as tab-separated rows and recorded with their raw span.
"""

from __future__ import annotations

import io
import itertools
import logging
import math
import re
import statistics
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pipeline.model import Table

logger = logging.getLogger(__name__)

X_TOLERANCE = 3.0  # pdfplumber's default; CJK glyphs in running text touch, so this rarely splits words
Y_TOLERANCE = 3.0
MARGIN_ZONE = 0.11  # top/bottom share of the page height where running headers and footers live
PAGE_NO_ZONE = 0.25  # a bare page number may sit this far in (short last pages, wide margins)
EDGE_LINES = 3  # only the first/last few lines of a page can be headers/footers
MIN_GUTTER = 6.0  # points of empty vertical strip between two columns
# Who builds the characters of text-layer pages: "pdfium" (pdfchars.py: PDFium's characters and ruling lines
# in pdfplumber's shapes, ~4x faster; pdfplumber still reads pages PDFium cannot) or "pdfplumber" (pdfminer).
CHAR_READER = "pdfium"

_PAGE_NO = re.compile(
    r"^[-—–－_~·•.()（）\[\]<>〈〉《》|]*"
    r"(?:(?:第)?\d{1,4}(?:页)?(?:(?:共|/|of)\d{1,4}页?)?|page\d{1,4}(?:of\d{1,4})?|[ivxlc]{1,6})?"
    r"[-—–－_~·•.()（）\[\]<>〈〉《》|]*$",
    re.I,
)
_NUMERIC_CELL = re.compile(r"^[-+−]?[\d,.%‰～~\s]+$|^[%‰]$|^.{1,3}$")
_TABLE_CAPTION = re.compile(r"^(表|table|tab\.)\s*[\d一二三四五六七八九十]", re.I)
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")


class PdfOpenError(Exception):
    """The file cannot be opened as a PDF; ``kind`` says why (``encrypted`` or ``damaged``)."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail


@dataclass
class _Line:
    text: str
    top: float
    bottom: float
    x0: float
    x1: float


@dataclass
class _TableBlock:
    rows: list[list[str]]
    top: float
    bottom: float
    x0: float
    x1: float


@dataclass
class PdfText:
    """What a PDF yields: raw text, page starts, tables with raw spans, per-page problems."""

    raw_text: str
    page_starts: list[int]
    tables: list[Table]
    n_pages: int
    page_errors: dict[int, str] = field(default_factory=dict)
    empty_pages: list[int] = field(default_factory=list)  # pages under min_chars
    n_chars: int = 0  # characters in the text layer, before any filtering
    dropped_lines: int = 0
    columns_pages: list[int] = field(default_factory=list)
    extractor: str = "pdfplumber"  # "pypdfium2" when pdfplumber could not open the file and PDFium could
    fallback_pages: list[int] = field(
        default_factory=list
    )  # pages whose text came from PDFium (pdfplumber's was garbage)
    garbage_pages: dict[int, str] = field(default_factory=dict)  # pages garbage with both readers: what is wrong
    ocr_pages: dict[int, float] = field(default_factory=dict)  # pages read by OCR (ocr.py): mean confidence
    ocr_confidence: float = 0.0  # mean recognition confidence over all OCR'd text boxes
    ocr_error: str = ""  # why pages that needed OCR did not get it (the engine cannot be loaded)


# --------------------------------------------------------------------------- plausibility

GARBAGE_SHARE = 0.10  # a page is garbage when this share of its characters are extraction artefacts...
GARBAGE_MIN = 5  # ...and there are at least this many of them (a stray glyph on a short page is not garbage)
_CID_ARTEFACT = re.compile(r"\(cid:\d+\)")
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")
# Accented letters that ordinary Chinese documents do use: pinyin with tone marks (and × ÷ among Latin-1).
_NOT_MOJIBAKE = frozenset("āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüĀÁǍÀĒÉĚÈĪÍǏÌŌÓǑÒŪÚǓÙǕǗǙǛÜ×÷")


def text_garbage(text: str) -> tuple[float, str]:
    """(share, what): the share of a page's non-blank characters that are extraction artefacts, and the main kind.

    Artefacts: ``(cid:NNN)`` glyph codes (each counts as one character; a font without a usable character map),
    U+FFFD replacement characters, private-use / unassigned / control characters, and an implausible Han/Latin
    mix (accented Latin letters other than pinyin's, or single Latin letters between two Han characters: a wrong
    font encoding, e.g. GBK bytes read as Latin-1).
    """
    n_cid = len(_CID_ARTEFACT.findall(text))
    rest = _CID_ARTEFACT.sub("\x00", text)  # keep each artefact as one position for the neighbour test
    chars = [c for c in rest if not c.isspace() and c != "\x00"]
    n = len(chars) + n_cid
    if not n:
        return 0.0, ""
    kinds = {"(cid:NNN) glyph codes": n_cid, "U+FFFD replacement characters": 0, "private-use or control characters": 0}
    mix = 0
    for i, c in enumerate(rest):
        if c == "\ufffd":
            kinds["U+FFFD replacement characters"] += 1
        elif unicodedata.category(c) in ("Co", "Cn", "Cs") or (
            unicodedata.category(c) == "Cc" and c not in "\t\n\r\f\x00"
        ):
            kinds["private-use or control characters"] += 1
        elif ("\u00c0" <= c <= "\u024f" and c not in _NOT_MOJIBAKE) or (
            _LATIN.match(c) and 0 < i < len(rest) - 1 and _HAN.match(rest[i - 1]) and _HAN.match(rest[i + 1])
        ):
            mix += 1
    kinds["a Han/Latin character mix"] = mix
    bad = sum(kinds.values())
    what = max(kinds, key=lambda k: kinds[k])
    return bad / n, what if bad else ""


def is_garbage(text: str) -> bool:
    share, _ = text_garbage(text)
    return share >= GARBAGE_SHARE and share * _n_chars(text) >= GARBAGE_MIN


def _n_chars(text: str) -> int:
    return len(_CID_ARTEFACT.findall(text)) + sum(1 for c in _CID_ARTEFACT.sub("", text) if not c.isspace())


def _garbage_note(text: str) -> str:
    share, what = text_garbage(text)
    return f"{share:.0%} {what}"


# --------------------------------------------------------------------------- the second reader (PDFium)


def _pdfium_error(exc: BaseException) -> PdfOpenError:
    msg = f"{type(exc).__name__}: {exc}"
    return PdfOpenError("encrypted" if re.search(r"password|encrypt|security", msg, re.I) else "damaged", msg)


def pdfium_pages(data: bytes) -> list[str]:
    """Each page's text as PDFium reads it (lines stripped, blank lines dropped); raises PdfOpenError.

    The second reader: used for pages whose pdfplumber text is garbage, and for files pdfplumber cannot open.
    It has no layout analysis (columns, headers, tables): its text is the page's text in PDFium's order.
    """
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except Exception as exc:
        raise _pdfium_error(exc) from exc
    out: list[str] = []
    try:
        for i in range(len(pdf)):
            page = pdf[i]
            try:
                textpage = page.get_textpage()
                try:
                    raw = textpage.get_text_bounded()
                finally:
                    textpage.close()
            except Exception:  # one broken page: no text for it (its row says so via the empty-page checks)
                logger.warning("PDFium page %d failed", i + 1, exc_info=True)
                raw = ""
            finally:
                page.close()
            raw = "".join(c for c in raw if c in "\n\r\t" or unicodedata.category(c) != "Cc")
            lines = [ln.strip() for ln in raw.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
            out.append("\n".join(ln for ln in lines if ln))
    finally:
        pdf.close()
    return out


def _pdfium_blocks(text: str) -> list[_Line | _TableBlock]:
    return [_Line(text=ln, top=float(i), bottom=float(i) + 1, x0=0.0, x1=0.0) for i, ln in enumerate(text.split("\n"))]


# --------------------------------------------------------------------------- lines and columns


def _vertical_overlap(a_top: float, a_bot: float, b_top: float, b_bot: float) -> float:
    return min(a_bot, b_bot) - max(a_top, b_top)


def group_lines(words: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Words grouped into lines by vertical overlap, each line left to right, lines top down."""
    lines: list[list[dict[str, Any]]] = []
    bounds: list[list[float]] = []
    typical = statistics.median(w["bottom"] - w["top"] for w in words) if words else 0.0
    for w in sorted(words, key=lambda w: (w["top"], w["x0"])):
        h = w["bottom"] - w["top"]
        if h > 2.5 * typical:  # a tall item (drop cap, sideways text) would swallow several lines
            lines.append([w])
            bounds.append([w["top"], w["top"]])  # zero height: nothing overlaps it
            continue
        placed = False
        # Look back a few lines: a superscript or a smaller glyph may start slightly above the last line.
        for i in range(len(lines) - 1, max(-1, len(lines) - 3), -1):
            top, bot = bounds[i]
            ov = _vertical_overlap(top, bot, w["top"], w["bottom"])
            if ov >= 0.5 * min(h, bot - top) and ov > 0:
                lines[i].append(w)
                if h <= 1.3 * (bot - top):  # a tall glyph joins the line but does not stretch it
                    bounds[i] = [min(top, w["top"]), max(bot, w["bottom"])]
                placed = True
                break
        if not placed:
            lines.append([w])
            bounds.append([w["top"], w["bottom"]])
    for ws in lines:
        ws.sort(key=lambda w: w["x0"])
    lines.sort(key=lambda ws: min(w["top"] for w in ws))
    return lines


def _make_line(ws: list[dict[str, Any]]) -> _Line:
    return _Line(
        text=" ".join(w["text"] for w in ws),
        top=min(w["top"] for w in ws),
        bottom=max(w["bottom"] for w in ws),
        x0=min(w["x0"] for w in ws),
        x1=max(w["x1"] for w in ws),
    )


def build_lines(words: list[dict[str, Any]]) -> list[_Line]:
    """Lines of text from words, joined with spaces where pdfplumber saw a gap."""
    return [_make_line(ws) for ws in group_lines(words)]


def find_gutter(words: list[dict[str, Any]]) -> float | None:
    """x of a column gutter, or None: an empty strip few words cross, with prose lines on both sides."""
    if len(words) < 8:
        return None
    xmin = min(w["x0"] for w in words)
    xmax = max(w["x1"] for w in words)
    width = xmax - xmin
    if width < 100:
        return None
    lo, hi = int(xmin + 0.25 * width), math.ceil(xmin + 0.75 * width)
    runs = _empty_strips(_coverage(words, lo, hi), len(words))
    if not runs:
        return None
    start, end = max(runs, key=lambda r: r[1] - r[0])  # the widest strip (the first of equal ones)
    gx = lo + start + (end - start) / 2
    left = [w for w in words if w["x1"] <= gx]
    right = [w for w in words if w["x0"] >= gx]
    crossing = len(words) - len(left) - len(right)
    if len(left) < 3 or len(right) < 3 or crossing > 0.3 * min(len(left), len(right)):
        return None
    # Side by side: enough left words share a height with some right word.
    side_by_side = sum(
        1 for a in left if any(_vertical_overlap(a["top"], a["bottom"], b["top"], b["bottom"]) > 0 for b in right)
    )
    if side_by_side < max(3, 0.3 * min(len(left), len(right))):
        return None
    # Prose, not a borderless table: on each side lines are left-aligned, fill most of the side's
    # width and have no wide gaps between their words (table rows have all three the other way).
    for side in (left, right):
        if not _prose_column(side):
            return None
    return gx


def _prose_column(words: list[dict[str, Any]]) -> bool:
    lines = build_lines(words)
    if len(lines) < 3:
        return False
    s0 = min(ln.x0 for ln in lines)
    s1 = max(ln.x1 for ln in lines)
    width = s1 - s0
    size = statistics.median(ln.bottom - ln.top for ln in lines)
    wide = sum(1 for ln in lines if ln.x1 - ln.x0 >= 0.6 * width)
    aligned = sum(1 for ln in lines if ln.x0 - s0 <= 2.5 * size)
    gappy = 0
    for ln in lines:
        ws = sorted((w for w in words if ln.top <= w["top"] and w["bottom"] <= ln.bottom), key=lambda w: w["x0"])
        if any(b["x0"] - a["x1"] > 2 * size for a, b in itertools.pairwise(ws)):
            gappy += 1
    n = len(lines)
    return wide >= 0.6 * n and aligned >= 0.7 * n and gappy <= 0.2 * n


def _gutter_runs(words: list[dict[str, Any]], lo_share: float, hi_share: float) -> list[tuple[int, float]]:
    """(width, x) of every empty vertical strip (crossed by few words) between lo_share and hi_share of the
    text's width, at least MIN_GUTTER wide; left to right."""
    xmin = min(w["x0"] for w in words)
    xmax = max(w["x1"] for w in words)
    width = xmax - xmin
    lo, hi = int(xmin + lo_share * width), math.ceil(xmin + hi_share * width)
    cover = _coverage(words, lo, hi)
    runs: list[tuple[int, float]] = []
    for run_start, i in _empty_strips(cover, len(words)):
        # The gutter proper is the emptiest part of the strip: a short column beside it (the end
        # of a text) widens the strip with a few words that must stay on their side.
        low = min(cover[run_start:i])
        best_len, best_at, j = 0, float(run_start), run_start
        while j < i:
            k = j
            while k < i and cover[k] == low:
                k += 1
            if k - j > best_len:
                best_len, best_at = k - j, j + (k - j) / 2
            j = max(k, j + 1)
        runs.append((i - run_start, lo + best_at))
    return runs


def _coverage(words: list[dict[str, Any]], lo: int, hi: int) -> list[int]:
    """For each x in [lo, hi], how many words cross it."""
    cover = [0] * (hi - lo + 1)
    for w in words:
        a, b = max(lo, int(w["x0"])), min(hi, math.ceil(w["x1"]))
        for x in range(a, b + 1):
            cover[x - lo] += 1
    return cover


def _empty_strips(cover: list[int], n_words: int) -> list[tuple[int, int]]:
    """[start, end) index ranges of ``cover``, left to right, at least MIN_GUTTER wide, crossed by at most a tenth
    of the ``n_words`` words."""
    limit = max(1, n_words // 10)
    strips: list[tuple[int, int]] = []
    run_start = None
    for i, c in enumerate([*cover, limit + 1]):
        if c <= limit:
            if run_start is None:
                run_start = i
        elif run_start is not None:
            if i - run_start >= MIN_GUTTER:
                strips.append((run_start, i))
            run_start = None
    return strips


def _columns_split(words: list[dict[str, Any]], gxs: list[float]) -> bool:
    """Whether gutters ``gxs`` (left to right) cut the words into prose columns standing side by side."""
    bounds = [-math.inf, *gxs, math.inf]
    strips = [[w for w in words if a <= w["x0"] and w["x1"] <= b] for a, b in itertools.pairwise(bounds)]
    crossing = len(words) - sum(len(s) for s in strips)
    smallest = min(len(s) for s in strips)
    if smallest < 3 or crossing > 0.3 * smallest:
        return False
    for left, right in itertools.pairwise(strips):
        side_by_side = sum(
            1 for a in left if any(_vertical_overlap(a["top"], a["bottom"], b["top"], b["bottom"]) > 0 for b in right)
        )
        if side_by_side < max(3, 0.3 * min(len(left), len(right))):
            return False
    # Every column is prose; only the last may be a short stub (a page whose text ends early in it).
    *full, last = strips
    if not all(_prose_column(s) for s in full):
        return False
    return _prose_column(last) or len(last) < 0.5 * min(len(s) for s in full)


def find_gutters(words: list[dict[str, Any]]) -> list[float]:
    """x of the column gutters, left to right: one for two columns (``find_gutter``), two for three columns
    (magazine pages), none for a single column or a borderless table."""
    gx = find_gutter(words)
    if gx is not None:
        return [gx]
    if len(words) < 12 or max(w["x1"] for w in words) - min(w["x0"] for w in words) < 150:
        return []
    runs = _gutter_runs(words, 0.15, 0.85)
    pairs = sorted(itertools.combinations(runs, 2), key=lambda p: -(p[0][0] + p[1][0]))
    for a, b in pairs[:6]:
        if _columns_split(words, [a[1], b[1]]):
            return [a[1], b[1]]
    return []


INDENT = "\u3000\u3000"  # written before a paragraph's indented first line, as Chinese text indents it


HEADING_SIZE = 1.15  # a line this much taller than the column's median line is set in a heading's type


_LEAD_RUN = re.compile(r"^[\x21-\x7e\u00c0-\u024f\u0300-\u036f]+")  # ``(lǐng),``: Latin that breaks as a unit


def _lead_width(text: str, size: float) -> float:
    """Width the start of a line would have needed at the end of the previous one: its leading Latin run (a
    pinyin gloss, a word or number: half a glyph per letter, wrapped as a unit), else 0 (CJK wraps between any
    two glyphs). A line that stopped short of the column's edge by less than this was still full."""
    m = _LEAD_RUN.match(text)
    return 0.5 * size * len(m.group()) if m else 0.0


def _right_edge(lines: list[_Line]) -> float:
    """The column's right edge: where its full lines end (the 90th percentile of line ends), so one line
    reaching further (a running header left in a one-page file's first column, a wide figure caption) does
    not make every other line look short."""
    ends = sorted(ln.x1 for ln in lines)
    return ends[int(0.9 * (len(ends) - 1))]


def join_wrapped_headings(lines: list[_Line]) -> list[_Line]:
    """A heading or title set in larger type that wrapped in a narrow column, back on one line: consecutive
    lines of the same large size, close together, the first one reaching the column's right edge and not
    ending a sentence."""
    if len(lines) < 3:
        return lines
    body = statistics.median(ln.bottom - ln.top for ln in lines)
    right = _right_edge(lines)
    out: list[_Line] = []
    last: _Line | None = None  # the previous physical line (out[-1] may hold several joined)
    for ln in lines:
        prev = out[-1] if out else None
        h = ln.bottom - ln.top
        if (
            prev is not None
            and last is not None
            and h >= HEADING_SIZE * body
            and abs((last.bottom - last.top) - h) <= 0.05 * h
            and 0 <= ln.top - last.bottom <= 0.5 * h
            and last.x1 + _lead_width(ln.text, h) >= right - 1.5 * h
            and prev.text[-1:] not in "。！？；!?;"
        ):
            sep = "" if (_CJK.match(prev.text[-1]) or _CJK.match(ln.text[0])) else " "
            out[-1] = _Line(prev.text + sep + ln.text, prev.top, ln.bottom, min(prev.x0, ln.x0), max(prev.x1, ln.x1))
        else:
            out.append(ln)
        last = ln
    return out


def mark_indents(lines: list[_Line]) -> list[_Line]:
    """Lines of one column, a paragraph's first line prefixed with ``INDENT`` when it is indented on the page
    (1.5 to 4 glyphs in from the column's left edge and running to its right edge: not a centred heading), so
    hard-wrap joining keeps paragraphs apart."""
    if len(lines) < 3:
        return lines
    size = statistics.median(ln.bottom - ln.top for ln in lines)
    left = min(ln.x0 for ln in lines)
    right = _right_edge(lines)
    for ln in lines:
        if 1.5 * size <= ln.x0 - left <= 4 * size and ln.x1 >= right - 2 * size:
            ln.text = INDENT + ln.text
    return lines


def order_blocks(
    words: list[dict[str, Any]], tables: list[_TableBlock], depth: int = 0
) -> tuple[list[_Line | _TableBlock], bool]:
    """Blocks in reading order, and whether a column split was used.

    Items crossing a gutter cut the page into bands; each band is read column by column, left to right.
    """
    gxs = find_gutters(words) if depth < 2 else []
    if not gxs:
        blocks: list[_Line | _TableBlock] = [*mark_indents(join_wrapped_headings(build_lines(words))), *tables]
        blocks.sort(key=lambda b: b.top)
        return blocks, False

    def crosses(x0: float, x1: float) -> bool:
        return any(x0 < g < x1 for g in gxs)

    span_words = [w for w in words if crosses(w["x0"], w["x1"])]
    span_tables = [t for t in tables if crosses(t.x0, t.x1)]
    spanning: list[_Line | _TableBlock] = [*build_lines(span_words), *span_tables]
    spanning.sort(key=lambda b: b.top)
    cuts = [b.top for b in spanning]
    n_bands = len(spanning) + 1
    n_cols = len(gxs) + 1

    def band(top: float) -> int:
        return sum(1 for c in cuts if c < top)

    def column(x1: float) -> int:
        return sum(1 for g in gxs if g < x1)

    cols_w: list[list[list[dict[str, Any]]]] = [[[] for _ in range(n_cols)] for _ in range(n_bands)]
    cols_t: list[list[list[_TableBlock]]] = [[[] for _ in range(n_cols)] for _ in range(n_bands)]
    for w in words:
        if not crosses(w["x0"], w["x1"]):
            cols_w[band(w["top"])][column(w["x1"])].append(w)
    for t in tables:
        if not crosses(t.x0, t.x1):
            cols_t[band(t.top)][column(t.x1)].append(t)
    out: list[_Line | _TableBlock] = []
    for i in range(n_bands):
        for ws, ts in zip(cols_w[i], cols_t[i], strict=True):
            if ws or ts:
                sub, _ = order_blocks(ws, ts, depth + 1)
                out.extend(sub)
        if i < len(spanning):
            out.append(spanning[i])
    return out, True


# --------------------------------------------------------------------------- tables


def _join_cell(cell: str | None) -> str:
    """Cell text on one line: wrapped CJK joins without a space, other wraps with one."""
    if not cell:
        return ""
    parts = [p.strip() for p in cell.split("\n") if p.strip()]
    if not parts:
        return ""
    out = parts[0]
    for p in parts[1:]:
        out += p if (_CJK.match(out[-1]) or _CJK.match(p[0])) else " " + p
    return " ".join(out.split("\t"))


def good_table(rows: list[list[str | None]]) -> bool:
    """A real grid: 2+ rows and columns, mostly filled, and no columns of stacked values in one cell.

    Statistical bulletins often rule only the header of a table; pdfplumber then returns one row whose
    cells hold a whole column of numbers each, which reads worse than the plain text lines.
    """
    if len(rows) < 2 or max((len(r) for r in rows), default=0) < 2:
        return False
    cells = [c for r in rows for c in r]
    filled = [c for c in cells if c and c.strip()]
    if len(filled) < 0.4 * len(cells) or len(filled) < 3:
        return False
    for r in rows:
        if sum(1 for c in r if c and c.count("\n") >= 3) >= 2:
            return False  # several rows merged into one (missing row rulings)
        for c in (c for c in r if c and c.count("\n") >= 2):
            parts = [p for p in c.split("\n") if p.strip()]
            numeric = sum(1 for p in parts if _NUMERIC_CELL.match(p.strip()))
            if numeric >= 0.6 * len(parts):
                return False  # a column of values stacked in one cell
    return True


def _inside(obj: dict[str, Any], bbox: tuple[float, float, float, float]) -> bool:
    cx = (obj["x0"] + obj["x1"]) / 2
    cy = (obj["top"] + obj["bottom"]) / 2
    return bbox[0] <= cx <= bbox[2] and bbox[1] <= cy <= bbox[3]


def _page_tables(page: Any) -> list[_TableBlock]:
    found = []
    for t in page.find_tables():
        try:
            rows = t.extract(x_tolerance=X_TOLERANCE, y_tolerance=Y_TOLERANCE)
        except Exception:  # one odd table must not cost the page its text
            logger.debug("table extract failed on page %s", page.page_number, exc_info=True)
            continue
        if good_table(rows):
            x0, top, x1, bottom = t.bbox
            cells = [[_join_cell(c) for c in r] for r in rows]
            width = max(len(r) for r in cells)
            keep_cols = [j for j in range(width) if any(j < len(r) and r[j] for r in cells)]
            cells = [[r[j] if j < len(r) else "" for j in keep_cols] for r in cells]
            found.append(_TableBlock(cells, top, bottom, x0, x1))
    # Drop tables nested inside another accepted table.
    keep = []
    for t in found:
        nested = any(
            o is not t and o.x0 <= t.x0 and o.x1 >= t.x1 and o.top <= t.top and o.bottom >= t.bottom for o in found
        )
        if not nested:
            keep.append(t)
    return keep


# --------------------------------------------------------------------------- pages


def _without_watermarks(page: Any) -> Any:
    """The page without watermark glyphs: giant letters (5x the median glyph) or text at a slant.

    Watermarks otherwise glue themselves into the words they overlap (``C芽時``, ``A6～12``).
    """
    chars = [c for c in page.chars if c["text"].strip()]
    if not chars:
        return page
    size = statistics.median(c["bottom"] - c["top"] for c in chars)

    def mark(c: dict[str, Any]) -> bool:
        if c.get("object_type") != "char":
            return False
        a, b, _c, d = (c.get("matrix") or (1, 0, 0, 1, 0, 0))[:4]
        slanted = abs(a) > 1e-3 and abs(b) > 1e-3 and abs(abs(a) - abs(d)) < 1e-3 * max(1, abs(a))
        return (c["bottom"] - c["top"]) > 5 * size or slanted

    if not any(mark(c) for c in chars):
        return page
    return page.filter(lambda o: not mark(o))


def _page_words(page: Any, with_tables: bool = True) -> tuple[list[dict[str, Any]], list[_TableBlock]]:
    """Words outside accepted tables, and the tables."""
    page = _without_watermarks(page)
    tables = _page_tables(page) if with_tables else []
    bboxes = [(t.x0, t.top, t.x1, t.bottom) for t in tables]
    target = page
    if bboxes:
        target = page.filter(lambda o: o.get("object_type") != "char" or not any(_inside(o, b) for b in bboxes))
    words = target.extract_words(
        x_tolerance=X_TOLERANCE, y_tolerance=Y_TOLERANCE, keep_blank_chars=False, use_text_flow=False
    )
    return [w for w in words if w["text"].strip()], tables


def _chrome_key(text: str) -> str:
    """Compare running lines without spaces; short ones also without their numbers (``第3章``, dates)."""
    s = re.sub(r"\s+", "", text)
    return re.sub(r"\d+", "#", s) if len(s) <= 25 else s


def is_page_number(text: str) -> bool:
    """A line that is only a page number and its decoration (``— 3 —``, ``第3页``, ``3/10``)."""
    s = re.sub(r"\s+", "", text)
    return bool(s) and bool(_PAGE_NO.match(s))


def drop_margin_chrome(pages: list[tuple[list[dict[str, Any]], float]]) -> int:
    """Drop words of running headers/footers and page numbers from each page's words, in place.

    Runs before column ordering: lines in the top/bottom margin are built across the full page width,
    so a header or a centred ``— 37 —`` is not cut in two by a column gutter. A margin line is chrome if
    it is a bare page number or if the same line (numbers masked when short) sits in that margin on at
    least 40% of the pages (and two).
    """
    n = len(pages)
    page_lines: list[list[tuple[str, list[dict[str, Any]]]]] = []
    counts: Counter[tuple[str, str]] = Counter()
    for words, height in pages:
        cands = []
        top = [w for w in words if w["bottom"] <= MARGIN_ZONE * height]
        bottom = [w for w in words if w["top"] >= (1 - MARGIN_ZONE) * height]
        for zone, ws in (("top", top), ("bottom", bottom)):
            for line in group_lines(ws):
                cands.append((zone, line))
        page_lines.append(cands)
        counts.update({(zone, _chrome_key(" ".join(w["text"] for w in ln))) for zone, ln in cands})
    need = max(2, math.ceil(0.4 * n))
    dropped = 0
    for (words, _), cands in zip(pages, page_lines, strict=True):
        kill: set[int] = set()
        for zone, ln in cands:
            text = " ".join(w["text"] for w in ln)
            if is_page_number(text) or (n >= 2 and counts[(zone, _chrome_key(text))] >= need):
                kill.update(id(w) for w in ln)
                dropped += 1
        if kill:
            words[:] = [w for w in words if id(w) not in kill]
    return dropped


def drop_page_numbers(blocks: list[_Line | _TableBlock], height: float) -> int:
    """Drop bare page numbers among the first/last lines of a page that sit inside the outer quarter."""
    idx = [i for i, b in enumerate(blocks) if isinstance(b, _Line)]
    kill = set()
    for i in set(idx[:EDGE_LINES] + idx[-EDGE_LINES:]):
        b = blocks[i]
        depth = b.bottom / height if b.top < height / 2 else 1 - b.top / height
        if depth <= PAGE_NO_ZONE and is_page_number(b.text):  # type: ignore[union-attr]
            kill.add(i)
    if kill:
        blocks[:] = [b for i, b in enumerate(blocks) if i not in kill]
    return len(kill)


def _caption(blocks: list[_Line | _TableBlock], i: int) -> str:
    """The table's caption: a ``表 N`` line just above it, else a short non-sentence line right above."""
    above = [b for b in blocks[max(0, i - 2) : i] if isinstance(b, _Line)]
    top = blocks[i].top
    for b in reversed(above):
        if top - b.bottom <= 45 and _TABLE_CAPTION.match(b.text):
            return b.text
    if above and above[-1] is blocks[i - 1]:
        prev = above[-1]
        if top - prev.bottom <= 30 and len(prev.text) <= 40 and not re.search(r"[。，；;,:：]$", prev.text):
            return prev.text
    return ""


def _open_pdf(data: bytes) -> Any:
    import pdfplumber

    try:
        pdf = pdfplumber.open(io.BytesIO(data))
        _ = len(pdf.pages)
    except Exception as exc:
        chain: list[BaseException] = []
        e: BaseException | None = exc
        while e is not None and len(chain) < 6:
            chain.append(e)
            e = e.__cause__ or e.__context__
        # pdfplumber wraps pdfminer's errors (PDFPasswordIncorrect, PSEOF ...) as an argument.
        chain += [a for x in list(chain) for a in x.args if isinstance(a, BaseException)]
        names = "; ".join(f"{type(x).__name__}: {x}" if str(x) else type(x).__name__ for x in chain)
        if re.search(r"password|encrypt", names, re.I):
            raise PdfOpenError("encrypted", names) from exc
        raise PdfOpenError("damaged", names) from exc
    return pdf


class _LazyPlumber:
    """pdfplumber's reading of a file, opened on first use (``pages``: a function giving its pages)."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._pdf: Any = None

    def pages(self) -> list[Any]:
        if self._pdf is None:
            self._pdf = _open_pdf(self._data)
        return list(self._pdf.pages)

    def close(self) -> None:
        if self._pdf is not None:
            self._pdf.close()
            self._pdf = None


def _pdfium_pages(data: bytes, plumber_pages: list[Any] | Callable[[], list[Any]]) -> Any:
    """The pages as pdfchars.PdfiumPages (pdfplumber's for pages PDFium should not read), or None when PDFium
    cannot open the file (pdfplumber then reads every page)."""
    from pipeline.ingest.pdfchars import PdfiumPages

    try:
        return PdfiumPages(data, plumber_pages, lambda text: not is_garbage(text))
    except Exception as exc:
        logger.info("PDFium cannot read the PDF (%s: %s); pdfplumber reads it", type(exc).__name__, exc)
        return None


def extract_pdf(data: bytes, with_tables: bool = True, min_chars: int = 1, ocr: bool = False) -> PdfText:
    """Raw text of a PDF, page by page; pages that fail are reported in ``page_errors``.

    Pages with fewer than ``min_chars`` characters in their text layer are listed in ``empty_pages``; with
    ``ocr``, they (and pages whose text is garbage with both readers) are read by OCR (ocr.py, ``ocr_pages``).
    """
    lazy = _LazyPlumber(data)
    fast = _pdfium_pages(data, lazy.pages) if CHAR_READER == "pdfium" else None
    if fast is not None and fast.encrypted:  # encrypted: pdfplumber opens it first and decides, as before
        fast.close()
        fast = None
    pdf: Any = lazy
    if fast is None:
        try:
            pdf = _open_pdf(data)
        except PdfOpenError as exc:
            if exc.kind == "encrypted":
                raise
            return _extract_with_pdfium(data, exc, min_chars, ocr)  # "damaged" for pdfplumber may open in PDFium
        fast = _pdfium_pages(data, pdf.pages) if CHAR_READER == "pdfium" else None
    try:
        raw_pages: list[tuple[list[dict[str, Any]], float]] = []
        page_tables: list[list[_TableBlock]] = []
        page_errors: dict[int, str] = {}
        n_chars = 0
        empty_pages = []
        for no, page in enumerate(fast if fast is not None else pdf.pages, start=1):
            words: list[dict[str, Any]] = []
            found: list[_TableBlock] = []
            try:
                chars = sum(1 for c in page.chars if c["text"].strip())
                n_chars += chars
                if chars < min_chars:
                    empty_pages.append(no)
                if chars:
                    words, found = _page_words(page, with_tables)
            except Exception as exc:  # a broken page costs that page only
                logger.warning("PDF page %d failed: %s", no, exc, exc_info=True)
                page_errors[no] = f"{type(exc).__name__}: {exc}"
            finally:
                page.flush_cache()
            raw_pages.append((words, float(page.height) or 1.0))
            page_tables.append(found)
        n_pages = len(fast) if fast is not None else len(pdf.pages)
    finally:
        pdf.close()
        lazy.close()
        if fast is not None:
            fast.close()
    dropped = drop_margin_chrome(raw_pages)
    pages: list[list[_Line | _TableBlock]] = []
    columns_pages = []
    for no, ((words, height), found) in enumerate(zip(raw_pages, page_tables, strict=True), start=1):
        blocks: list[_Line | _TableBlock] = []
        try:
            blocks, cols = order_blocks(words, found)
            if cols:
                columns_pages.append(no)
            dropped += drop_page_numbers(blocks, height)
        except Exception as exc:  # layout analysis on one odd page must not cost the others
            logger.warning("PDF page %d layout failed: %s", no, exc, exc_info=True)
            page_errors[no] = f"{type(exc).__name__}: {exc}"
            blocks = []
        pages.append(blocks)
    fallback_pages, garbage_pages = _replace_garbage(pages, data)
    todo = [n for n in empty_pages if n not in page_errors] + sorted(garbage_pages)
    ocr_done, ocr_error = _ocr_into(pages, data, sorted(todo)) if ocr else ({}, "")
    raw_text, page_starts, tables = _assemble(pages)
    return PdfText(
        raw_text=raw_text,
        page_starts=page_starts,
        tables=tables,
        n_pages=n_pages,
        page_errors=page_errors,
        empty_pages=empty_pages,
        n_chars=n_chars,
        dropped_lines=dropped,
        columns_pages=columns_pages,
        fallback_pages=fallback_pages,
        garbage_pages={n: g for n, g in garbage_pages.items() if n not in ocr_done},
        **_ocr_fields(ocr_done, ocr_error),
    )


def _ocr_into(pages: list[list[_Line | _TableBlock]], data: bytes, todo: list[int]) -> tuple[dict[int, Any], str]:
    """OCR the pages ``todo`` (1-based) and put their lines in ``pages`` (in place); returns the OcrPage of each
    page read and, when the engine cannot be loaded, why."""
    if not todo:
        return {}, ""
    from pipeline.ingest.ocr import OcrUnavailable, ocr_pdf_pages

    try:
        done = ocr_pdf_pages(data, todo)
    except OcrUnavailable as exc:
        logger.warning("%d page(s) need OCR, but %s", len(todo), exc)
        return {}, str(exc)
    done = {no: page for no, page in done.items() if page.blocks}  # nothing read: the page keeps what it had
    for no, page in done.items():
        pages[no - 1] = page.blocks
    return done, ""


def _ocr_fields(done: dict[int, Any], error: str) -> dict[str, Any]:
    scores = [s for p in done.values() for s in p.scores]
    return {
        "ocr_pages": {n: p.confidence for n, p in done.items()},
        "ocr_confidence": sum(scores) / len(scores) if scores else 0.0,
        "ocr_error": error,
    }


def _block_text(b: _Line | _TableBlock) -> str:
    return b.text if isinstance(b, _Line) else "\n".join("\t".join(r) for r in b.rows)


def _replace_garbage(pages: list[list[_Line | _TableBlock]], data: bytes) -> tuple[list[int], dict[int, str]]:
    """Pages whose text is garbage get PDFium's text instead when it is better (in place); returns the pages
    replaced and the pages still garbage (with what is wrong)."""
    alt: list[str] | None = None
    replaced: list[int] = []
    garbage: dict[int, str] = {}
    for no, blocks in enumerate(pages, start=1):
        text = "\n".join(_block_text(b) for b in blocks)
        if not blocks or not is_garbage(text):
            continue
        if alt is None:
            try:
                alt = pdfium_pages(data)
            except PdfOpenError as exc:
                logger.warning("PDFium cannot open the PDF either: %s", exc.detail)
                alt = []
        other = alt[no - 1] if no <= len(alt) else ""
        if other.strip() and text_garbage(other)[0] < text_garbage(text)[0]:
            pages[no - 1] = _pdfium_blocks(other)
            replaced.append(no)
            text = other
            logger.info("PDF page %d: garbage text from pdfplumber, PDFium's text used", no)
        if is_garbage(text):
            garbage[no] = _garbage_note(text)
    return replaced, garbage


def _assemble(pages: list[list[_Line | _TableBlock]]) -> tuple[str, list[int], list[Table]]:
    """The raw text of the pages (blocks one per line, pages joined by a newline), page starts and tables."""
    parts: list[str] = []
    page_starts: list[int] = []
    tables: list[Table] = []
    pos = 0
    for no, blocks in enumerate(pages, start=1):
        if no > 1:
            parts.append("\n")
            pos += 1
        page_starts.append(pos)
        for i, b in enumerate(blocks):
            if i:
                parts.append("\n")
                pos += 1
            text = _block_text(b)
            if isinstance(b, _TableBlock):
                tables.append(
                    Table(page=no, rows=b.rows, raw_start=pos, raw_end=pos + len(text), caption=_caption(blocks, i))
                )
            parts.append(text)
            pos += len(text)
    return "".join(parts), page_starts, tables


def _extract_with_pdfium(data: bytes, plumber_error: PdfOpenError, min_chars: int, ocr: bool = False) -> PdfText:
    """The whole file through PDFium, when pdfplumber cannot open it (e.g. an encryption dictionary with a
    non-conforming ``/P`` that PDFium accepts); raises pdfplumber's error when PDFium cannot open it either
    (as ``encrypted`` when PDFium asks for a password)."""
    try:
        texts = pdfium_pages(data)
    except PdfOpenError as alt:
        if alt.kind == "encrypted":
            raise PdfOpenError("encrypted", f"{plumber_error.detail}; PDFium: {alt.detail}") from plumber_error
        raise plumber_error from None
    logger.warning("pdfplumber cannot open the PDF (%s); its text is read with PDFium", plumber_error.detail[:200])
    pages: list[list[_Line | _TableBlock]] = [_pdfium_blocks(t) if t else [] for t in texts]
    counts = [sum(1 for c in t if not c.isspace()) for t in texts]
    garbage = {no: _garbage_note(t) for no, t in enumerate(texts, start=1) if t and is_garbage(t)}
    empty = [no for no, n in enumerate(counts, start=1) if n < min_chars]
    ocr_done, ocr_error = _ocr_into(pages, data, sorted([*empty, *garbage])) if ocr else ({}, "")
    raw_text, page_starts, tables = _assemble(pages)
    return PdfText(
        raw_text=raw_text,
        page_starts=page_starts,
        tables=tables,
        n_pages=len(texts),
        empty_pages=empty,
        n_chars=sum(counts),
        extractor="pypdfium2",
        garbage_pages={n: g for n, g in garbage.items() if n not in ocr_done},
        **_ocr_fields(ocr_done, ocr_error),
    )
