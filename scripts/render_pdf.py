"""Render text documents as magazine-like PDFs (two or three columns) with reportlab, to test PDF ingest.

Each page has a running header (the magazine's name and the document's title) and a page number in the
footer; paragraphs flow from column to column and page to page (a sentence may be cut at a column or page
end); short lines without end punctuation are set as headings, which may fall at the foot of a column; Markdown
pipe tables are set as ruled tables within a column.
CJK text uses reportlab's built-in CID font STSong-Light (no font file; Adobe-GB1 covers traditional
characters too: MSung-Light's text does not extract back to Unicode with pdfminer).

Output goes only to the folder given (a tmp or output folder): renderings of third-party text are never
committed. Each PDF keeps the stem of its text file, so its doc_id matches the text version's gold.

    python scripts/render_pdf.py SRC_DIR_OR_FILE OUT_DIR [--columns 2|3]
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate, Paragraph, Spacer, Table, TableStyle

FONT = "STSong-Light"
HEADER = "理论与实践 · 县域发展"  # the invented magazine's running header
_END_PUNCT = re.compile(r"[。！？；：，,.;:!?」』”\"）)]$")


def _font(name: str) -> str:
    if name not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(name))
    return name


_MD_HEADING = re.compile(r"^#{1,6}\s+")
_PIPE_ROW = re.compile(r"^\s*\|.*\|\s*$")
_PIPE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")


def paragraphs(text: str) -> list[tuple[str, str]]:
    """(kind, text) per non-empty line: ``heading`` for short lines without end punctuation, ``table`` for a
    Markdown pipe table (its lines, the ``|---|`` rule dropped), else ``body``."""
    out: list[tuple[str, str]] = []
    for line in text.splitlines():
        s = line.strip()
        if not s or _PIPE_RULE.match(s):
            continue
        if _PIPE_ROW.match(s):
            if out and out[-1][0] == "table":
                out[-1] = ("table", out[-1][1] + "\n" + s)
            else:
                out.append(("table", s))
            continue
        md_heading = _MD_HEADING.match(s)
        s = _MD_HEADING.sub("", s).replace("**", "").lstrip("> ")  # Markdown markup is set, not printed
        kind = "heading" if md_heading or (len(s) <= 30 and not _END_PUNCT.search(s)) else "body"
        out.append((kind, s))
    return out


def _table(rows: str, style: ParagraphStyle, width: float) -> Table:
    """A pipe table set as a magazine sets it: ruled cells, the first column wider, text wrapping in cells."""
    cells = [[c.strip() for c in r.strip().strip("|").split("|")] for r in rows.splitlines()]
    n = max(len(r) for r in cells)
    first = width * (0.4 if n > 2 else 0.5)
    widths = [first] + [(width - first) / (n - 1)] * (n - 1) if n > 1 else [width]
    data = [[Paragraph(escape(c), style) for c in r + [""] * (n - len(r))] for r in cells]
    t = Table(data, colWidths=widths, repeatRows=1)
    t.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return t


def render(text: str, out: Path, title: str = "", columns: int = 2) -> Path:
    """Write ``text`` to ``out`` as a ``columns``-column A4 PDF with running header and page numbers."""
    font = _font(FONT)
    width, height = A4
    margin, gutter = 50.0, 18.0
    top, bottom = 70.0, 60.0
    col_w = (width - 2 * margin - (columns - 1) * gutter) / columns
    frames = [
        Frame(margin + i * (col_w + gutter), bottom, col_w, height - top - bottom, id=f"c{i}", showBoundary=0)
        for i in range(columns)
    ]
    header = f"{HEADER}　{title}"[:60]

    def chrome(canv: object, doc: object) -> None:
        c = canv  # reportlab Canvas
        c.saveState()  # type: ignore[attr-defined]
        c.setFont(font, 9)  # type: ignore[attr-defined]
        c.drawString(margin, height - 40, header)  # type: ignore[attr-defined]
        c.line(margin, height - 46, width - margin, height - 46)  # type: ignore[attr-defined]
        c.drawCentredString(width / 2, 30, f"— {doc.page} —")  # type: ignore[attr-defined]
        c.restoreState()  # type: ignore[attr-defined]

    body = ParagraphStyle("body", fontName=font, fontSize=10, leading=15, firstLineIndent=20, wordWrap="CJK")
    head = ParagraphStyle("head", fontName=font, fontSize=12, leading=18, spaceBefore=6, spaceAfter=3, wordWrap="CJK")
    cell = ParagraphStyle("cell", fontName=font, fontSize=8, leading=10, wordWrap="CJK")
    story: list[object] = []
    for kind, s in paragraphs(text):
        if kind == "table":
            story += [Spacer(1, 4), _table(s, cell, col_w), Spacer(1, 6)]
        else:
            story.append(Paragraph(escape(s), head if kind == "heading" else body))
    story.append(Spacer(1, 1))
    out.parent.mkdir(parents=True, exist_ok=True)
    doc = BaseDocTemplate(str(out), pagesize=A4, title=title)
    doc.addPageTemplates([PageTemplate(id="mag", frames=frames, onPage=chrome)])
    doc.build(story)
    return out


def render_folder(src: Path, out_dir: Path, columns: int = 2) -> list[Path]:
    """Every ``*.txt`` (and ``*.md``) under ``src`` (or ``src`` itself) rendered into ``out_dir`` with its stem,
    in the same sub-folder (so ``txt/a.txt`` becomes ``txt/a.pdf``: the doc_id its gold uses)."""
    files = [src] if src.is_file() else sorted(p for p in src.rglob("*") if p.suffix in (".txt", ".md"))
    done = []
    from pipeline.ingest.text import decode_bytes  # the corpus's own encodings (GB18030, Big5, UTF-16 ...)

    for p in files:
        text, _ = decode_bytes(p.read_bytes())
        rel = p.parent.relative_to(src) if src.is_dir() else Path()
        done.append(render(text, out_dir / rel / f"{p.stem}.pdf", title=p.stem, columns=columns))
    return done


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("src", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--columns", type=int, default=2, choices=(2, 3))
    a = ap.parse_args(argv)
    for p in render_folder(a.src, a.out, a.columns):
        sys.stdout.write(f"{p}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
