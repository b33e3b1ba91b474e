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


def can_draw_cjk() -> bool:
    """Whether PDFium finds a CJK font here to draw STSong-Light text (it is not embedded): scans need one."""
    import numpy as np
    import pypdfium2 as pdfium

    buf = io.BytesIO()
    _canvas(io.BytesIO())  # registers the font
    c = canvas.Canvas(buf, pagesize=(60, 40))
    c.setFont(FONT, 20)
    c.drawString(10, 12, "县")
    c.showPage()
    c.save()
    pdf = pdfium.PdfDocument(buf.getvalue())
    try:
        img = np.asarray(pdf[0].render(scale=1).to_pil().convert("L"))
    finally:
        pdf.close()
    return bool((img < 128).sum() > 10)


def scan_of(data: bytes, tilt: float = 0.6, noise: float = 10.0, seed: int = 1) -> bytes:
    """An image-only PDF, as a scanner makes it: each page rendered at 144 dpi, tilted by ``tilt`` degrees,
    with grey noise and a slight blur; no text layer."""
    import numpy as np
    import pypdfium2 as pdfium
    from PIL import Image, ImageFilter

    rng = np.random.default_rng(seed)
    pdf = pdfium.PdfDocument(data)
    images = []
    try:
        for i in range(len(pdf)):
            im = pdf[i].render(scale=2).to_pil().convert("L")
            im = im.rotate(tilt, resample=Image.Resampling.BICUBIC, fillcolor=255).filter(ImageFilter.GaussianBlur(0.6))
            a = np.asarray(im).astype(np.float32) + rng.normal(0, noise, (im.height, im.width))
            images.append(Image.fromarray(np.clip(a, 0, 255).astype(np.uint8)))
            tilt = -tilt  # the next sheet went in the other way
    finally:
        pdf.close()
    buf = io.BytesIO()
    images[0].save(buf, "PDF", save_all=True, append_images=images[1:], resolution=144.0)
    return buf.getvalue()


def splice_pdf(parts: list[tuple[bytes, int]]) -> bytes:
    """A PDF made of page ``i`` (0-based) of each PDF in ``parts``, in order (a text page beside a scanned one)."""
    import pypdfium2 as pdfium

    out = pdfium.PdfDocument.new()
    sources = []
    try:
        for data, i in parts:
            src = pdfium.PdfDocument(data)
            sources.append(src)
            out.import_pages(src, [i])
        buf = io.BytesIO()
        out.save(buf)
        return buf.getvalue()
    finally:
        out.close()
        for s in sources:
            s.close()
