"""Small PDFs made with reportlab at test time (CJK via the built-in STSong-Light CID font)."""

from __future__ import annotations

import io

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

FONT = "STSong-Light"
W, H = 595.0, 842.0  # A4


def _canvas(buf: io.BytesIO, **kw: object) -> canvas.Canvas:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return canvas.Canvas(buf, pagesize=(W, H), **kw)


def pages_pdf(pages: list[list[str]], header: str = "", footer_fmt: str = "", encrypt: str = "") -> bytes:
    """One line per string, top down; optional running header and footer (``{n}`` = page number)."""
    buf = io.BytesIO()
    c = _canvas(buf, encrypt=encrypt or None)
    for n, lines in enumerate(pages, start=1):
        c.setFont(FONT, 11)
        if header:
            c.drawString(72, H - 40, header)
        y = H - 100
        for ln in lines:
            c.drawString(72, y, ln)
            y -= 18
        if footer_fmt:
            c.drawCentredString(W / 2, 30, footer_fmt.format(n=n))
        c.showPage()
    c.save()
    return buf.getvalue()


def two_column_pdf(title: str, left: list[str], right: list[str]) -> bytes:
    """A full-width title over two columns of equal-width lines (x 60-280 and 315-535)."""
    buf = io.BytesIO()
    c = _canvas(buf)
    c.setFont(FONT, 16)
    c.drawCentredString(W / 2, H - 70, title)
    c.setFont(FONT, 11)
    for x, lines in ((60, left), (315, right)):
        y = H - 120
        for ln in lines:
            c.drawString(x, y, ln)
            y -= 16
    c.showPage()
    c.save()
    return buf.getvalue()


def table_pdf(before: str, rows: list[list[str]], after: str, caption: str = "") -> bytes:
    """A ruled grid table between two text lines."""
    buf = io.BytesIO()
    c = _canvas(buf)
    c.setFont(FONT, 11)
    c.drawString(72, H - 100, before)
    if caption:
        c.drawString(200, H - 130, caption)
    col_w, row_h = 110.0, 22.0
    x0, top = 72.0, H - 140
    ncols = len(rows[0])
    for i in range(len(rows) + 1):
        c.line(x0, top - i * row_h, x0 + ncols * col_w, top - i * row_h)
    for j in range(ncols + 1):
        c.line(x0 + j * col_w, top, x0 + j * col_w, top - len(rows) * row_h)
    for i, row in enumerate(rows):
        for j, cell in enumerate(row):
            c.drawString(x0 + j * col_w + 5, top - (i + 1) * row_h + 7, cell)
    c.drawString(72, top - len(rows) * row_h - 40, after)
    c.showPage()
    c.save()
    return buf.getvalue()


def scanned_pdf(n_pages: int = 2, image: bool = False) -> bytes:
    """Pages with shapes only, or a full-page image as a scanner makes: no text layer."""
    buf = io.BytesIO()
    c = _canvas(buf)
    for _ in range(n_pages):
        if image:
            from PIL import Image, ImageDraw

            img = Image.new("L", (300, 420), 255)
            ImageDraw.Draw(img).rectangle((30, 40, 270, 60), fill=0)  # a dark bar where a text line was
            c.drawInlineImage(img, 0, 0, W, H)
        else:
            c.rect(50, 50, 400, 600, fill=1)
            c.circle(300, 400, 80)
        c.showPage()
    c.save()
    return buf.getvalue()


def watermark_pdf(lines: list[str], mark: str, angle: float) -> bytes:
    """Body lines with a watermark drawn over them: giant letters, rotated by ``angle`` degrees."""
    buf = io.BytesIO()
    c = _canvas(buf)
    c.setFont(FONT, 11)
    y = H - 120
    for ln in lines:
        c.drawString(72, y, ln)
        y -= 16
    c.saveState()
    c.translate(150, H - 200)
    c.rotate(angle)
    c.setFont("Helvetica", 40 if angle else 140)
    c.setFillGray(0.85)
    c.drawString(0, 0, mark)
    c.restoreState()
    c.showPage()
    c.save()
    return buf.getvalue()


def mixed_scan_pdf(text_pages: int, scan_pages: int) -> bytes:
    """Some pages with a text layer, then some with shapes only (scans mixed in)."""
    buf = io.BytesIO()
    c = _canvas(buf)
    for n in range(text_pages):
        c.setFont(FONT, 11)
        c.drawString(72, H - 120, f"第{n + 1}页：全县脱贫攻坚工作取得决定性成效。")
        c.showPage()
    for _ in range(scan_pages):
        c.rect(50, 50, 400, 600, fill=1)
        c.showPage()
    c.save()
    return buf.getvalue()


def banded_pdf(segments: list[tuple[str, list[str], list[str]]]) -> bytes:
    """Segments top down: ("full", lines, []) spans the page; ("cols", left, right) is two columns."""
    buf = io.BytesIO()
    c = _canvas(buf)
    c.setFont(FONT, 11)
    y = H - 80
    for kind, a, b in segments:
        if kind == "full":
            for ln in a:
                c.drawString(60, y, ln)
                y -= 16
        else:
            for x, lines in ((60, a), (315, b)):
                yy = y
                for ln in lines:
                    indent = 22 if ln.startswith("　") else 0
                    c.drawString(x + indent, yy, ln.lstrip("　"))
                    yy -= 16
            y -= 16 * max(len(a), len(b))
        y -= 10
    c.showPage()
    c.save()
    return buf.getvalue()
