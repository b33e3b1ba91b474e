"""Segmentation of normalized text into sentences, clauses and 、-list items (offsets into the text).

Every extractor reads sentences through these functions, so they agree on where a sentence ends
(``chars.SENT_END`` or a line break).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Container

from pipeline.text.chars import CLAUSE_BOUND, ENUM_COMMA, ITEM_BOUND, SENT_END, SENT_END_RE, SENT_END_RUN_RE


def sentence_span(text: str, start: int, end: int | None = None) -> tuple[int, int]:
    """The sentence holding ``text[start:end]``: back from ``start`` to just after the previous sentence end,
    forward from ``end`` (default ``start``) through the next sentence end (or the text end).

    >>> sentence_span("甲。乙丙。丁", 3)
    (2, 5)
    """
    m = SENT_END_RE.search(text, start if end is None else end)
    return sentence_start(text, start), (m.end() if m else len(text))


_SENT_BREAKS = (*SENT_END, "\n")


def sentence_start(text: str, start: int) -> int:
    """Just after the last sentence end (or line break) before ``start``, 0 when there is none: ``str.rfind`` in
    a window that widens back from ``start`` (what a loop back over the characters finds, at C speed)."""
    hi, width = start, 64
    while hi > 0:
        lo = max(0, hi - width)
        k = max(map(text.rfind, _SENT_BREAKS, itertools.repeat(lo), itertools.repeat(hi)))
        if k >= 0:
            return k + 1
        hi, width = lo, width * 4
    return 0


def sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Spans tiling ``text[start:end]``: each sentence runs through its run of sentence ends (``。\\n``).

    Only a run at the very start can form a span of sentence ends alone (see ``is_blank_sentence``).

    >>> sentences("甲。乙！\\n丙")
    [(0, 2), (2, 5), (5, 6)]
    """
    end = len(text) if end is None else end
    out = []
    pos = start
    for m in SENT_END_RUN_RE.finditer(text, start, end):
        out.append((pos, m.end()))
        pos = m.end()
    if pos < end:
        out.append((pos, end))
    return out


def is_blank_sentence(text: str, span: tuple[int, int]) -> bool:
    """A span of ``sentences`` that holds sentence ends only (``。`` or a blank line at the start)."""
    a, b = span
    return a < b and (text[a] in SENT_END or text[a] == "\n")


def trimmed_sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Sentence spans of ``text[start:end]`` without surrounding whitespace, split at sentence ends, line
    breaks and ASCII full stops that end a sentence (not ``3.5`` or ``1.`` or ``a.b``); used to code clauses.
    """
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    s = start
    # only the characters that can end a sentence are visited (a regular expression finds them), then the end
    for i in itertools.chain((m.start() for m in _TRIM_BREAK_RE.finditer(text, start, end)), (end,)):
        if i < end and text[i] == "." and not is_period(text, i):
            continue
        e = i + 1 if i < end and text[i] != "\n" else i
        piece = text[s:e]
        body = piece.lstrip()  # str.strip's whitespace is str.isspace's
        if body:
            a = s + len(piece) - len(body)
            spans.append((a, a + len(body.rstrip())))
        s = i + 1
    return spans


_TRIM_BREAK_RE = re.compile("[" + re.escape(SENT_END + "\n.") + "]")  # what may end a trimmed sentence


def is_period(text: str, i: int) -> bool:
    """An ASCII full stop that ends a sentence (not a decimal point or an enumerator like ``1.``)."""
    prev = text[i - 1] if i > 0 else ""
    nxt = text[i + 1] if i + 1 < len(text) else ""
    return not (prev.isdigit() or nxt.isdigit() or (nxt and nxt.isascii() and nxt.isalpha()))


def clause_start(text: str, pos: int, lo: int = 0, bounds: Container[str] = CLAUSE_BOUND) -> int:
    """Start of the clause holding ``pos``: back to just after the previous ``，,。；;！？!?`` or line break
    (``bounds``), but not before ``lo``.

    >>> t = "全县，邻县三穗县新建大棚300个"
    >>> t[clause_start(t, t.index("300")):]
    '邻县三穗县新建大棚300个'
    """
    i = pos
    while i > lo and text[i - 1] not in bounds:
        i -= 1
    return i


def list_item(text: str, start: int, end: int, lo: int = 0, hi: int | None = None) -> str:
    """The item of a 、-list that ``text[start:end]`` sits in (果园5万亩、茶园2万亩), searched within
    ``text[lo:hi]``; "" when the span is not in a 、-list."""
    hi = len(text) if hi is None else hi
    a = start
    while a > lo and text[a - 1] not in ITEM_BOUND:
        a -= 1
    b = end
    while b < hi and text[b] not in ITEM_BOUND:
        b += 1
    in_list = (a > lo and text[a - 1] == ENUM_COMMA) or (b < hi and text[b] == ENUM_COMMA)
    return text[a:b] if in_list else ""


__all__ = [
    "clause_start",
    "is_blank_sentence",
    "is_period",
    "list_item",
    "sentence_span",
    "sentence_start",
    "sentences",
    "trimmed_sentences",
]
