"""Character classes of Chinese report text: Han ranges, sentence and clause ends, quotes, whitespace.

The one place these sets are spelled out. Where rules genuinely use different sets, each variant is named
here once, with what it is for. Strings are raw character lists, usable in ``c in SET`` tests and (as they
hold no regex metacharacters but ``-`` ranges in the Han constants) inside ``[...]`` classes.
"""

from __future__ import annotations

import re

# ----------------------------------------------------------------------------------------------- Han

HAN_BASIC = "\u4e00-\u9fff"  # CJK Unified Ideographs: the measure and heading rules (names, formulas)
HAN_EXT_A = "\u3400-\u4dbf"  # Extension A: rare characters of place and person names
HAN_COMPAT = "\uf900-\ufaff"  # Compatibility Ideographs: what some PDF fonts emit
HAN_WIDE = HAN_EXT_A + HAN_BASIC  # structure: titles, bylines, author names
HAN = HAN_WIDE + HAN_COMPAT  # normalize and ingest: every Han code point the pipeline knows
HAN_RE = re.compile(f"[{HAN}]")
# CJK-side characters: Han, CJK symbols/punctuation, full-width forms, curly quotes, dashes, ellipsis.
CJK_SIDE = f"{HAN}\u3001-\u303f\uff00-\uffef\u2014\u2018-\u201f\u2026\u00b7\u25cb\u25cf"


def is_han_basic(ch: str) -> bool:
    """A character in the basic CJK Unified Ideographs block (``HAN_BASIC``)."""
    return "\u4e00" <= ch <= "\u9fff"


# --------------------------------------------------------------------------------- sentence and clause

SENT_END = "。！？；!?;"  # ends a sentence (full- and half-width); a line break ends one too
SENT_END_ELLIPSIS = SENT_END + "…"  # normalize: a hard-wrapped line ending here is not mid-sentence
COMMA = "，,"
COLON = "：:"
ENUM_COMMA = "、"  # separates the items of a list inside a clause
SENT_PUNCT = SENT_END + COMMA + COLON + ENUM_COMMA  # normalize: a line holding any of these is prose
CLAUSE_BOUND = COMMA + SENT_END + "\n"  # a clause runs back to one of these (clause_start)
ITEM_BOUND = CLAUSE_BOUND + ENUM_COMMA  # a 、-list item runs back and forth to one of these
PARENS = "（）()"
HARD_BOUND = CLAUSE_BOUND + COLON + PARENS  # figures: the clause around a number (colons and brackets cut)
FIGURE_CLAUSE_BOUND = HARD_BOUND + ENUM_COMMA + "【】[]"  # figures: the phrase left of a number

SENT_END_RE = re.compile(f"[{SENT_END}\n]")  # one sentence end
SENT_END_RUN_RE = re.compile(f"[{SENT_END}\n]+")  # a run of sentence ends (。\n)

# ----------------------------------------------------------------------------------------------- quotes

QUOTE_PAIRS = (("“", "”"), ("「", "」"), ("『", "』"), ("‘", "’"))  # paired quotes; ASCII " pairs in order
OPEN_QUOTES = '“"「『'  # quotes that open a coined term (headings, links)
CLOSE_QUOTES = '”"」』'
QUOTE_CHARS = '"“”‘’「」'  # stripped from the ends of a quoted name

# ------------------------------------------------------------------------------------------- whitespace

WS = " \t\u3000\u00a0\u2002\u2003\u2009\u200b\ufeff"  # spaces PDF and web text carry (not newlines)

__all__ = [
    "CJK_SIDE",
    "CLAUSE_BOUND",
    "CLOSE_QUOTES",
    "COLON",
    "COMMA",
    "ENUM_COMMA",
    "FIGURE_CLAUSE_BOUND",
    "HAN",
    "HAN_BASIC",
    "HAN_COMPAT",
    "HAN_EXT_A",
    "HAN_RE",
    "HAN_WIDE",
    "HARD_BOUND",
    "ITEM_BOUND",
    "OPEN_QUOTES",
    "PARENS",
    "QUOTE_CHARS",
    "QUOTE_PAIRS",
    "SENT_END",
    "SENT_END_ELLIPSIS",
    "SENT_END_RE",
    "SENT_END_RUN_RE",
    "SENT_PUNCT",
    "WS",
    "is_han_basic",
]
