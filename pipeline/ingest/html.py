"""HTML pages: main text via trafilatura (paragraphs kept as lines), plain tag strip as fallback."""

from __future__ import annotations

import html as html_lib
import logging
import re

logger = logging.getLogger(__name__)

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_\-]+)""", re.I)
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.I | re.S)
_DROP = re.compile(r"<(script|style|noscript|template)\b.*?</\1\s*>|<!--.*?-->", re.I | re.S)
_BLOCK = re.compile(r"<\s*(br|/p|/div|/li|/tr|/h[1-6]|/table|/section|/article|/blockquote|/pre|/dd|/dt)\b[^>]*>", re.I)
_CELL = re.compile(r"<\s*/t[dh]\s*>", re.I)
_TAG = re.compile(r"<[^>]+>")


def declared_charset(data: bytes) -> str | None:
    """Charset from a <meta> tag in the first 4 KB, if it names a codec Python knows."""
    m = _META_CHARSET.search(data[:4096])
    if not m:
        return None
    name = m.group(1).decode("ascii", "ignore").lower()
    if name in ("gb2312", "gbk"):
        name = "gb18030"  # superset: pages labelled gb2312 routinely use GBK characters
    try:
        "".encode(name)
    except LookupError:
        return None
    return name


def _clean_lines(text: str) -> str:
    lines = [re.sub(r"[ \t\u00a0\u3000]+", " ", ln).strip() for ln in text.split("\n")]
    return "\n".join(ln for ln in lines if ln)


def strip_tags(markup: str) -> str:
    """Crude text of a page: drop scripts, break at block ends, remove tags, unescape entities."""
    s = _DROP.sub(" ", markup)
    s = _BLOCK.sub("\n", s)
    s = _CELL.sub("\t", s)
    s = _TAG.sub("", s)
    return _clean_lines(html_lib.unescape(s))


def html_title(markup: str) -> str:
    m = _TITLE.search(markup)
    return _clean_lines(html_lib.unescape(_TAG.sub("", m.group(1)))).replace("\n", " ") if m else ""


def extract_html(markup: str) -> tuple[str, str, str]:
    """(text, title, method): trafilatura's main text, else the tag-stripped page."""
    title = ""
    text = ""
    try:
        import trafilatura

        text = (
            trafilatura.extract(
                markup,
                output_format="txt",
                include_tables=True,
                include_comments=False,
                favor_recall=True,
                deduplicate=False,
            )
            or ""
        )
        meta = trafilatura.extract_metadata(markup)
        if meta is not None and meta.title:
            title = meta.title
    except Exception:  # trafilatura chokes on some markup; the fallback below still gives text
        logger.warning("trafilatura failed; falling back to tag stripping", exc_info=True)
    method = "trafilatura"
    if not text.strip():
        text, method = strip_tags(markup), "strip"
    else:
        text = _clean_lines(text)
    return text, title or html_title(markup), method
