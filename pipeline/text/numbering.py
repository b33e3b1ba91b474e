"""Heading and list-item numbering (``一、``, ``（二）``, ``1.2``, ``①``, ``一是…二是…``) and the one reader
of the ordinals they carry (``cn_int``: 三 → 3, 十二 → 12, 二十三 → 23, 一百零五 → 105).
"""

from __future__ import annotations

import re
from functools import lru_cache

from pipeline.lexicon import lazy_pattern
from pipeline.text.chars import HAN, HAN_WIDE, SENT_END
from pipeline.text.numerals import parse_number

CN_ORDINAL = "一二三四五六七八九十"  # numerals that number headings and list items
CN_HEADING_NUM = CN_ORDINAL + "百零〇两"  # structure: numerals of numbered headings (第一百零五章)
CN_LINE_NUM = CN_ORDINAL + "百零"  # normalize: numerals that open a line starting a heading
CN_FORMULA_NUM = CN_ORDINAL + "两双"  # measures: numerals of formulas (两不愁, 双培双带) and their item lists
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩"
# A number followed by one of these is a quantity or date (3个, 2020年), not a heading number.
NOT_AFTER_NUMBER = "年月日个万亿元户人家名项次倍号期届"

# (style, rank, pattern): numbered heading styles; lower rank = higher in the hierarchy. Group "num" holds
# the numeral.
HEADING_STYLES: list[tuple[str, int, re.Pattern[str]]] = [
    ("chapter", 0, re.compile(rf"^第(?P<num>[{CN_HEADING_NUM}\d]+)[章篇部分]+\s*")),
    ("section", 1, re.compile(rf"^第(?P<num>[{CN_HEADING_NUM}\d]+)节\s*")),
    ("cn", 2, re.compile(rf"^(?P<num>[{CN_HEADING_NUM}]+)\s*[、.．]\s*")),
    ("paren_cn", 3, re.compile(rf"^[(（]\s*(?P<num>[{CN_HEADING_NUM}]+)\s*[)）]\s*[、.]?\s*")),
    ("arabic3", 6, re.compile(r"^(?P<num>\d{1,2}\.\d{1,2}\.\d{1,2})(?![\d.])\s*[、.]?\s*")),
    ("arabic2", 5, re.compile(r"^(?P<num>\d{1,2}\.\d{1,2})(?![\d.%％])\s*[、]?\s*")),
    (
        "arabic",
        4,
        re.compile(rf"^(?P<num>\d{{1,2}})(?:\s*[.．、]\s*|\s*(?=[{HAN_WIDE}])(?![{NOT_AFTER_NUMBER}]))"),
    ),
    ("paren_arabic", 7, re.compile(r"^[(（]\s*(?P<num>\d{1,2})\s*[)）]\s*")),
    ("circled", 8, re.compile(rf"^(?P<num>[{CIRCLED}])\s*")),
]
PLAIN_RANK = 9  # rank of an unnumbered heading
_TABLE_ROW_RE = re.compile(r"\s[-+]?\d[\d,]*(?:\.\d+)?%?\s*$")

# normalize: a line opening with numbering or a byline/bullet mark starts a block (never joined to the line
# above when repairing hard wraps).
LINE_START_RE = lazy_pattern(
    rf"^\s*(?:第[{CN_LINE_NUM}\d]+[章节部分篇条]|[{CN_ORDINAL}]+、|[(（][{CN_ORDINAL}\d]+[)）]"
    rf"|\d{{1,2}}(?:\.\d{{1,2}})*(?:[.、．]\s*|\s*)(?=[{HAN}])(?![{NOT_AFTER_NUMBER}])"
    rf"|[{CIRCLED}]|○|●|■|◆|——|{{words}})",
    "byline_words",
    "line_start",
)
# extract/headings: the numbering in front of a heading's words.
HEADING_NUMBERING_RE = re.compile(
    rf"^\s*(?:第[{CN_ORDINAL}\d]+[章节部分]|[{CN_ORDINAL}]+[、.．]|[(（][{CN_ORDINAL}\d]+[)）]"
    r"|\d{1,2}(?:\.\d{1,2})*[.、．]?)\s*"
)
# extract/clauses: an enumerator opening a sentence (（一）, 1., ①, 第一，).
ENUM_RE = re.compile(rf"^\s*(?:[(（]?[{CN_ORDINAL}\d]{{1,3}}[)）、.．]|[①-⑳]|第[{CN_ORDINAL}]+[，,、是])\s*")
# extract/measures: item markers of a list following a formula; group 1 holds the ordinal.
NUMBERED_ITEM_RE = re.compile(r"(?:(?<=\n)|(?<=^)|(?<=[。；;：:]))\s*(\d{1,2})[.．、]\s*(?!\d)")
PAREN_ITEM_RE = re.compile(rf"[（(]([{CN_FORMULA_NUM}十]{{1,2}})[）)]")
CN_ITEM_RE = re.compile(rf"(?:(?<=[\n。；;：:，,])|^)\s*([{CN_FORMULA_NUM}十]{{1,2}})(是|要|则|、)")


@lru_cache(maxsize=4096)
def cn_int(s: str) -> int | None:
    """The ordinal a numbering numeral gives: ASCII digits, ①…⑩, or a Chinese numeral read strictly
    (一百二 and 一二 are not ordinals); None when ``s`` is none of these.

    >>> [cn_int(s) for s in ("3", "②", "十二", "二十三", "一百零五", "两", "〇", "双")]
    [3, 2, 12, 23, 105, 2, 0, None]
    """
    if not s:
        return None
    if s in CIRCLED:  # before isdigit(): "①".isdigit() is True but int("①") fails
        return CIRCLED.index(s) + 1
    if s.isdigit():
        return int(s)
    try:
        return int(parse_number(s.replace("〇", "零"), strict=True))
    except ValueError:
        return None


def heading_style(line: str) -> tuple[str, int, str] | None:
    """(style, rank, numeral) if ``line`` is a numbered heading: numbered, and short or unpunctuated."""
    text = line.strip()
    n = len(re.sub(r"\s", "", text))
    for style, rank, pat in HEADING_STYLES:
        m = pat.match(text)
        if not m or m.end() >= len(text):
            continue
        rest = text[m.end() :]
        if not re.match(rf"[{HAN_WIDE}“\"《A-Za-z]", rest):
            continue
        if n > 40 or "。" in text[:-1] or text[-1] in SENT_END:
            return None  # a numbered paragraph or list item, not a heading
        if _TABLE_ROW_RE.search(text):
            return None  # "60周岁及以上 745933 15.2": a table row
        return style, rank, m.group("num")
    return None


__all__ = [
    "CIRCLED",
    "CN_FORMULA_NUM",
    "CN_HEADING_NUM",
    "CN_ITEM_RE",
    "CN_LINE_NUM",
    "CN_ORDINAL",
    "ENUM_RE",
    "HEADING_NUMBERING_RE",
    "HEADING_STYLES",
    "LINE_START_RE",
    "NOT_AFTER_NUMBER",
    "NUMBERED_ITEM_RE",
    "PAREN_ITEM_RE",
    "PLAIN_RANK",
    "cn_int",
    "heading_style",
]
