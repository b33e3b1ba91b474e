"""Render the project's own sample corpus and its gold annotations.

The texts live in ``scripts/corpus_src/*.md`` (written by the project). Each source file starts with a
JSON header between ``---`` lines holding the output ``doc_id``, the input ``kind`` to render and the
gold facts that are not inline. Figures are marked inline as ``⟦raw|value|unit|ind1/ind2|date⟧``; the
renderer writes only ``raw`` while the gold writer collects the rest, so text and gold cannot drift apart.

Usage: ``python scripts/build_corpus.py corpus [--gold tests/gold/corpus]``. Output is deterministic:
fixed PDF/DOCX metadata and zip timestamps, so rebuilding yields identical bytes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import logging
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

logger = logging.getLogger(__name__)

SRC_DIR = Path(__file__).resolve().parent / "corpus_src"
FIXED_DATE = dt.datetime(2022, 6, 1, 8, 0, 0)
FIG_RE = re.compile(r"⟦([^|⟧]*)\|([^|⟧]*)\|([^|⟧]*)\|([^|⟧]*)(?:\|([^|⟧]*))?⟧")
GOLD_LIST_KEYS = ("not_places", "measures", "programs", "loan_products", "policy_documents", "links")


@dataclass
class Block:
    """One structural unit of an article: title, byline, heading level 1-3, paragraph or table."""

    kind: str
    text: str = ""
    rows: list[list[str]] = field(default_factory=list)


@dataclass
class Source:
    """A parsed source file: header metadata plus the article blocks."""

    path: Path
    meta: dict
    body: str
    blocks: list[Block]


def strip_figs(text: str) -> str:
    """Keep only the raw surface string of every inline figure marker."""
    return FIG_RE.sub(lambda m: m.group(1), text)


def parse_figs(text: str) -> list[dict]:
    """Collect gold figures from the inline markers, in text order."""
    out = []
    for m in FIG_RE.finditer(text):
        raw, value, unit, inds, date = m.groups()
        fig: dict = {"value": float(value) if "." in value else int(value), "unit": unit}
        fig["indicator_any"] = [s for s in inds.split("/") if s]
        if date:
            fig["date"] = date
        fig["raw"] = raw
        out.append(fig)
    return out


def parse_source(path: Path) -> Source:
    """Split header JSON from the body and the body into blocks."""
    raw = path.read_text(encoding="utf-8")
    _, header, body = raw.split("---\n", 2)
    meta = json.loads(header)
    blocks: list[Block] = []
    table: list[list[str]] = []
    for line in strip_figs(body).splitlines():
        line = line.rstrip()
        if line.startswith("|"):
            if re.fullmatch(r"[|\s:-]+", line):  # markdown header separator
                continue
            table.append([c.strip() for c in line.strip("|").split("|")])
            continue
        if table:
            blocks.append(Block("table", rows=table))
            table = []
        if not line:
            continue
        if line.startswith("# "):
            blocks.append(Block("title", line[2:]))
        elif line.startswith("> "):
            blocks.append(Block("byline", line[2:]))
        elif line.startswith("### "):
            blocks.append(Block("h3", line[4:]))
        elif line.startswith("## "):
            blocks.append(Block("h2", line[3:]))
        elif line.startswith("#### "):
            blocks.append(Block("h4", line[5:]))
        elif len(line) <= 30 and re.match(r"[一二三四五六七八九十]+、", line):
            blocks.append(Block("h2", line))
        elif len(line) <= 30 and re.match(r"（[一二三四五六七八九十]+）", line):
            blocks.append(Block("h3", line))
        else:
            blocks.append(Block("p", line))
    if table:
        blocks.append(Block("table", rows=table))
    return Source(path, meta, body, blocks)


# ---------------------------------------------------------------- plain text


def to_text(blocks: list[Block], indent: str = "　　") -> str:
    """Plain-text rendering: headings on their own lines, paragraphs indented, tables space-aligned."""
    lines: list[str] = []
    for b in blocks:
        if b.kind == "title":
            lines += [b.text, ""]
        elif b.kind == "byline":
            lines.append(b.text)
        elif b.kind in ("h2", "h3", "h4"):
            lines += ["", b.text]
        elif b.kind == "p":
            lines.append(indent + b.text)
        elif b.kind == "table":
            lines.append("")
            lines += ["  ".join(r) for r in b.rows]
            lines.append("")
    return "\n".join(lines).strip("\n") + "\n"


def to_markdown(blocks: list[Block]) -> str:
    """Markdown rendering with ATX headings and a pipe table."""
    lines: list[str] = []
    marks = {"title": "#", "h2": "##", "h3": "###", "h4": "####"}
    for b in blocks:
        if b.kind in marks:
            lines += [f"{marks[b.kind]} {b.text}", ""]
        elif b.kind == "byline":
            lines += [f"*{b.text}*", ""]
        elif b.kind == "p":
            lines += [b.text, ""]
        elif b.kind == "table":
            head, *rest = b.rows
            lines.append("| " + " | ".join(head) + " |")
            lines.append("|" + "---|" * len(head))
            lines += ["| " + " | ".join(r) + " |" for r in rest]
            lines.append("")
    return "\n".join(lines)


# ---------------------------------------------------------------- traditional script


def to_traditional(text: str) -> str:
    """Convert simplified text to Taiwan-style traditional with OpenCC (deterministic)."""
    import opencc

    return opencc.OpenCC("s2tw").convert(text)


def add_pinyin(text: str, notes: dict[str, str], max_per_word: int = 2) -> str:
    """Insert pinyin reading aids, as popular articles do (``精準(zhǔn)扶貧(pín)``).

    ``notes`` maps a traditional word to its annotated form; only the first ``max_per_word``
    occurrences of each word are annotated.
    """
    for word, annotated in notes.items():
        text = text.replace(word, annotated, max_per_word)
    return text


# ---------------------------------------------------------------- HTML


def _esc(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def html_article(blocks: list[Block]) -> str:
    """Inner article HTML (title, byline, headings, paragraphs, tables)."""
    out: list[str] = []
    tags = {"title": "h1", "h2": "h2", "h3": "h3", "h4": "h4"}
    for b in blocks:
        if b.kind in tags:
            out.append(f"<{tags[b.kind]}>{_esc(b.text)}</{tags[b.kind]}>")
        elif b.kind == "byline":
            out.append(f'<div class="info">{_esc(b.text)}</div>')
        elif b.kind == "p":
            out.append(f"<p>{_esc(b.text)}</p>")
        elif b.kind == "table":
            head, *rest = b.rows
            rows = ["<tr>" + "".join(f"<th>{_esc(c)}</th>" for c in head) + "</tr>"]
            rows += ["<tr>" + "".join(f"<td>{_esc(c)}</td>" for c in r) + "</tr>" for r in rest]
            out.append("<table>" + "".join(rows) + "</table>")
    return "\n".join(out)


def html_page(blocks: list[Block], chrome: dict, lang: str = "zh-CN", article: str | None = None) -> str:
    """A full web page with navigation, breadcrumbs, share buttons, related links, comments, footer."""
    title = next(b.text for b in blocks if b.kind == "title")
    nav = "".join(f'<li><a href="/{i}/">{_esc(n)}</a></li>' for i, n in enumerate(chrome["nav"]))
    crumbs = " &gt; ".join(f'<a href="#">{_esc(c)}</a>' for c in chrome["breadcrumbs"])
    related = "".join(f'<li><a href="#">{_esc(r)}</a></li>' for r in chrome.get("related", []))
    comments = "".join(
        f'<div class="comment"><span class="user">{_esc(u)}</span><p>{_esc(c)}</p></div>'
        for u, c in chrome.get("comments", [])
    )
    return f"""<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<title>{_esc(title)}_{_esc(chrome["site"])}</title>
<meta name="keywords" content="{_esc(chrome.get("keywords", ""))}">
<link rel="stylesheet" href="/static/css/main.css">
<script>var _hmt = _hmt || []; (function(){{ /* analytics */ }})();</script>
</head>
<body>
<div class="topbar"><a href="/login">登录</a> | <a href="/register">注册</a> | <a href="/app">客户端下载</a></div>
<div class="header"><div class="logo">{_esc(chrome["site"])}</div>
<ul class="nav">{nav}</ul>
<form class="search"><input type="text" placeholder="请输入关键词"><button>搜索</button></form></div>
<div class="crumbs">当前位置：{crumbs}</div>
<div class="main">
<div class="article">
{html_article(blocks) if article is None else article}
<div class="editor">（责任编辑：{_esc(chrome.get("editor", "编辑部"))}）</div>
<div class="share">分享到：<a href="#">微信</a> <a href="#">微博</a>
<a href="#">QQ空间</a> <a href="#">复制链接</a></div>
</div>
<div class="sidebar"><h3>相关阅读</h3><ul>{related}</ul>
<h3>热门排行</h3><ol><li><a href="#">2023年中央一号文件全文发布</a></li>
<li><a href="#">高标准农田建设进展通报</a></li></ol></div>
<div class="comments"><h3>网友评论（{len(chrome.get("comments", []))}条）</h3>{comments}
<textarea placeholder="文明上网，理性发言"></textarea><button>发表评论</button></div>
</div>
<div class="footer"><p><a href="#">关于我们</a> | <a href="#">联系我们</a> |
<a href="#">网站地图</a> | <a href="#">版权声明</a></p>
<p>{_esc(chrome.get("footer", ""))}</p></div>
</body>
</html>
"""


# ---------------------------------------------------------------- PDF


def _cjk_font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    name = "STSong-Light"
    if name not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(name))
    return name


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Greedy character wrapping for CJK text (no hyphenation, keeps closing punctuation on the line)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    # tokens: runs of digits/latin (kept whole, as typesetters do) or single characters
    lines, cur = [], ""
    for tok in re.findall(r"[0-9A-Za-z.%＋+]+|.", text):
        if stringWidth(cur + tok, font, size) > width and cur and tok not in "，。、；：！？）”》":
            lines.append(cur)
            cur = tok
        else:
            cur += tok
    if cur:
        lines.append(cur)
    return lines


def pdf_twocol(blocks: list[Block], out: Path, header: str, first_page: int) -> None:
    """Magazine layout: title across the page, body in two columns, running header and page numbers."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    font = _cjk_font()
    w, h = A4
    c = canvas.Canvas(str(out), pagesize=A4, invariant=1)
    c.setTitle(header)
    c.setAuthor("ruralmine sample corpus")
    margin, gutter, size, lead = 60, 24, 12, 20
    colw = (w - 2 * margin - gutter) / 2
    top, bottom = h - 80, 70
    page = first_page

    def chrome() -> None:
        c.setFont(font, 8.5)
        c.drawString(margin, h - 45, header)
        c.drawRightString(w - margin, h - 45, "乡村振兴·案例")
        c.line(margin, h - 50, w - margin, h - 50)
        c.drawCentredString(w / 2, 40, f"— {page} —")

    chrome()
    y = top
    title = next(b for b in blocks if b.kind == "title")
    c.setFont(font, 18)
    c.drawCentredString(w / 2, y - 10, title.text)
    y -= 40
    for b in blocks:
        if b.kind == "byline":
            c.setFont(font, 10)
            c.drawCentredString(w / 2, y, b.text)
            y -= 16
    y -= 10
    col_top = y
    col = 0
    x = margin
    for b in blocks:
        if b.kind in ("title", "byline"):
            continue
        items = [("p", "  ".join(r)) for r in b.rows] if b.kind == "table" else [(b.kind, b.text)]
        for kind, text in items:
            fsize = 13 if kind == "h2" else size
            indent = "" if kind != "p" else "　　"
            for line in _wrap(indent + text, font, fsize, colw):
                if y < bottom:
                    if col == 0:
                        col, x, y = 1, margin + colw + gutter, col_top
                    else:
                        c.showPage()
                        page += 1
                        chrome()
                        col, x, y = 0, margin, top
                        col_top = top
                c.setFont(font, fsize)
                c.drawString(x, y, line)
                y -= lead
            if kind in ("h2", "h3"):
                y -= 2
    c.showPage()
    c.save()


def pdf_report(blocks: list[Block], out: Path, header: str) -> None:
    """Single-column report with real table cells (platypus), caption above the table."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = _cjk_font()
    base = ParagraphStyle("b", fontName=font, fontSize=10.5, leading=17, wordWrap="CJK", firstLineIndent=21)
    styles = {
        "title": ParagraphStyle("t", parent=base, fontSize=17, leading=24, alignment=1, firstLineIndent=0),
        "byline": ParagraphStyle("y", parent=base, fontSize=10, alignment=1, firstLineIndent=0),
        "h2": ParagraphStyle("h2", parent=base, fontSize=12, leading=20, firstLineIndent=0, spaceBefore=6),
        "h3": ParagraphStyle("h3", parent=base, firstLineIndent=0),
        "h4": ParagraphStyle("h4", parent=base, firstLineIndent=0),
        "p": base,
    }
    cell = ParagraphStyle("c", parent=base, fontSize=9.5, leading=13, firstLineIndent=0)

    def on_page(c, doc) -> None:
        c.saveState()
        c.setFont(font, 8.5)
        c.drawString(56, A4[1] - 40, header)
        c.drawCentredString(A4[0] / 2, 30, f"第 {doc.page} 页")
        c.restoreState()

    doc = SimpleDocTemplate(
        str(out),
        pagesize=A4,
        invariant=1,
        title=header,
        author="ruralmine sample corpus",
        leftMargin=56,
        rightMargin=56,
        topMargin=60,
        bottomMargin=50,
    )
    story: list = []
    for b in blocks:
        if b.kind == "table":
            data = [[Paragraph(_esc(x), cell) for x in r] for r in b.rows]
            t = Table(data, repeatRows=1)
            t.setStyle(
                TableStyle(
                    [
                        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                        ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey),
                        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                    ]
                )
            )
            story += [t, Spacer(1, 8)]
        else:
            story.append(Paragraph(_esc(b.text), styles[b.kind]))
    doc.build(story, onFirstPage=on_page, onLaterPages=on_page)


# ---------------------------------------------------------------- DOCX


def _fix_zip(path: Path) -> None:
    """Rewrite a zip container with fixed timestamps and order so rebuilds are byte-identical."""
    with zipfile.ZipFile(path) as z:
        items = [(i.filename, z.read(i.filename)) for i in z.infolist()]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in items:
            info = zipfile.ZipInfo(name, date_time=FIXED_DATE.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
    path.write_bytes(buf.getvalue())


def docx_report(blocks: list[Block], out: Path) -> None:
    """Word document with Title/Heading styles and a real table."""
    import docx

    d = docx.Document()
    props = d.core_properties
    props.author = "ruralmine sample corpus"
    props.last_modified_by = "ruralmine"
    props.created = FIXED_DATE
    props.modified = FIXED_DATE
    props.revision = 1
    levels = {"title": 0, "h2": 1, "h3": 2, "h4": 3}
    for b in blocks:
        if b.kind in levels:
            props.title = props.title or b.text
            d.add_heading(b.text, level=levels[b.kind])
        elif b.kind == "byline":
            d.add_paragraph(b.text).alignment = 1
        elif b.kind == "p":
            d.add_paragraph(b.text)
        elif b.kind == "table":
            t = d.add_table(rows=len(b.rows), cols=len(b.rows[0]))
            t.style = "Table Grid"
            for i, r in enumerate(b.rows):
                for j, x in enumerate(r):
                    t.cell(i, j).text = x
    d.save(str(out))
    _fix_zip(out)


# ---------------------------------------------------------------- self-check


def read_back(path: Path) -> str:
    """Extract text from a rendered file with ordinary readers (for the self-check, not for the pipeline)."""
    suffix = path.suffix
    if suffix == ".pdf":
        import pdfplumber

        with pdfplumber.open(path) as pdf:
            full = [p.extract_text() or "" for p in pdf.pages]
            # column by column as well, for the two-column layout
            half = [
                p.crop((x0, 0, x0 + p.width / 2, p.height)).extract_text() or ""
                for p in pdf.pages
                for x0 in (0, p.width / 2)
            ]
            return "\n".join(full + half)
    if suffix == ".docx":
        import docx

        d = docx.Document(str(path))
        cells = [c.text for t in d.tables for r in t.rows for c in r.cells]
        return "\n".join([p.text for p in d.paragraphs] + cells)
    data = path.read_bytes()
    for enc in ("utf-8", "utf-16", "big5", "gb18030"):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        if enc == "utf-16" and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
            continue
        return text
    raise ValueError(f"cannot decode {path}")


def _squash(text: str) -> str:
    """Simplified script, no whitespace, quotes, pinyin aids or brackets: how gold names are matched."""
    import opencc

    text = re.sub(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+\)", "", text)
    text = opencc.OpenCC("t2s").convert(text)
    return re.sub(r"[\s“”\"'《》（）()]", "", text)


def check(corpus: Path, gold_dir: Path) -> list[str]:
    """Report gold names and figure strings that do not occur in the read-back text."""
    problems = []
    for gpath in sorted(gold_dir.rglob("*.json")):
        gold = json.loads(gpath.read_text(encoding="utf-8"))
        doc = next(corpus.glob(gold["doc_id"] + ".*"))
        text = _squash(read_back(doc))
        names = [fc["name"] for fc in gold["focal_counties"]] + gold["not_places"]
        names += [m["name"] for m in gold["measures"]]
        names += gold["programs"] + gold["loan_products"] + gold["policy_documents"]
        names += [f["raw"] for f in gold["figures"]]
        for name in names:
            if _squash(name) not in text:
                problems.append(f"{gold['doc_id']}: {name!r} not found")
    return problems


# ---------------------------------------------------------------- driver


def render(sources: list[Source], out: Path) -> None:
    """Render one output document from its (one or more) sources, by the first source's kind."""
    meta = sources[0].meta
    kind = meta["kind"]
    blocks = [b for s in sources for b in s.blocks]
    out.parent.mkdir(parents=True, exist_ok=True)
    if kind == "pdf_twocol":
        pdf_twocol(blocks, out, meta["running_header"], meta.get("first_page", 1))
    elif kind == "pdf_table":
        pdf_report(blocks, out, meta["running_header"])
    elif kind == "docx":
        docx_report(blocks, out)
    elif kind == "html_web":
        out.write_text(html_page(blocks, meta["chrome"]), encoding="utf-8", newline="\n")
    elif kind == "html_trad_pinyin":
        marker = "@@ARTICLE@@"
        page = to_traditional(html_page(blocks, meta["chrome"], lang="zh-TW", article=marker))
        body = add_pinyin(to_traditional(html_article(blocks)), meta["pinyin"])
        page = page.replace(marker, body)
        out.write_text(page, encoding="utf-8", newline="\n")
    elif kind == "txt_trad_pinyin":
        out.write_text(add_pinyin(to_traditional(to_text(blocks)), meta["pinyin"]), encoding="utf-8")
    elif kind == "txt_gb18030_crlf":
        out.write_bytes(to_text(blocks).replace("\n", "\r\n").encode("gb18030"))
    elif kind == "txt_big5_trad":
        out.write_bytes(to_traditional(to_text(blocks)).encode("big5"))
    elif kind == "txt_utf16":
        out.write_bytes(to_text(blocks).encode("utf-16"))
    elif kind == "txt_magazine":
        parts = [meta["page_header"], ""]
        for s in sources:
            parts.append(to_text(s.blocks))
            parts.append("（" + s.meta.get("part_footer", "本栏编辑：乡村振兴编辑部") + "）\n")
            parts.append("─" * 20 + "\n")
        out.write_text("\n".join(parts), encoding="utf-8", newline="\n")
    elif kind == "txt":
        out.write_text(to_text(blocks), encoding="utf-8", newline="\n")
    elif kind == "md":
        out.write_text(to_markdown(blocks), encoding="utf-8", newline="\n")
    else:
        raise ValueError(f"unknown kind {kind!r} in {sources[0].path}")


def gold_for(sources: list[Source], doc_id: str) -> dict:
    """Merge the header gold of all parts of a document with the inline figures."""
    gold: dict = {"doc_id": doc_id, "note": " ".join(s.meta.get("note", "") for s in sources).strip()}
    gold["focal_counties"] = [fc for s in sources for fc in s.meta.get("focal_counties", [])]
    gold["allowed_counties"] = sorted({a for s in sources for a in s.meta.get("allowed_counties", [])})
    for key in GOLD_LIST_KEYS:
        gold[key] = [x for s in sources for x in s.meta.get(key, [])]
    gold["figures"] = [f for s in sources for f in parse_figs(s.body)]
    if "trad" in sources[0].meta["kind"]:
        for f in gold["figures"]:
            f["raw"] = to_traditional(f["raw"])
    conflicts = [c for s in sources for c in s.meta.get("conflicts", [])]
    if conflicts:
        gold["conflicts"] = conflicts
    return gold


def dump_gold(gold: dict) -> str:
    """JSON with one top-level key per line and one list item per line, like the shared gold files."""

    def one(x: object) -> str:
        return json.dumps(x, ensure_ascii=False)

    lines = []
    for key, val in gold.items():
        if isinstance(val, list) and val and isinstance(val[0], dict):
            items = ",\n".join("    " + one(v) for v in val)
            lines.append(f"  {one(key)}: [\n{items}\n  ]")
        else:
            lines.append(f"  {one(key)}: {one(val)}")
    return "{\n" + ",\n".join(lines) + "\n}\n"


def main(argv: list[str] | None = None) -> None:
    """Build every corpus file (and gold JSON) from ``scripts/corpus_src``."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("out", type=Path, help="corpus folder to write")
    ap.add_argument("--gold", type=Path, default=None, help="folder for gold JSON (default: none)")
    ap.add_argument("--src", type=Path, default=SRC_DIR)
    ap.add_argument("--check", action="store_true", help="read files back and verify gold names occur")
    args = ap.parse_args(argv)
    groups: dict[str, list[Source]] = {}
    for path in sorted(args.src.glob("*.md")):
        src = parse_source(path)
        groups.setdefault(src.meta["doc_id"], []).append(src)
    for doc_id, sources in groups.items():
        target = args.out / (doc_id + sources[0].meta["ext"])
        render(sources, target)
        logger.info("wrote %s", target)
        if args.gold:
            gpath = args.gold / (doc_id + ".json")
            gpath.parent.mkdir(parents=True, exist_ok=True)
            gpath.write_text(dump_gold(gold_for(sources, doc_id)), encoding="utf-8")
    if args.check and args.gold:
        for problem in check(args.out, args.gold):
            logger.warning("%s", problem)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    main()
