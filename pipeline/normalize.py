"""NORMALIZE stage: raw extracted text -> clean simplified text, with an OffsetMap back to the raw text.

Every step is a pure ``(text, omap) -> (text, omap)`` function that only ever changes text through
``Edit``/``apply_edits``, so any span found later maps back to the exact raw characters it came from.

Step order (see ``STEPS``) matters:
1. ``unify_width``      full-width digits/Latin -> ASCII (1:1), so pinyin like ``（ｐíｎ）`` is plain Latin;
2. ``strip_pronunciation`` pinyin annotations go before t2s and before space repair glues them on;
3. ``to_simplified``    OpenCC t2s, so the chrome vocabulary below only needs simplified forms;
4. ``remove_boilerplate`` line classifiers need the raw line structure, so they run before joining
   (then pinyin stripping runs once more, for glosses a dropped line had separated from their char);
5. ``repair_pdf_breaks`` spaces/newlines inside words, hard-wrapped lines, letter-spaced headings;
6. ``tidy_whitespace``  trims lines and collapses runs of blank lines.

Width policy: full-width digits, Latin letters and ``％．＋－／＝＠＃＆～`` become ASCII (numbers must
parse); Chinese punctuation ``，。、；：“”（）《》！？`` is kept as written.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections import Counter
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from pipeline.lexicon import lazy_pattern, load
from pipeline.model import (
    SCRIPT_MIXED,
    SCRIPT_SIMPLIFIED,
    SCRIPT_TRADITIONAL,
    Document,
    Edit,
    OffsetMap,
    apply_edits,
)
from pipeline.text.chars import CJK_SIDE, HAN, HAN_RE, SENT_END_ELLIPSIS, SENT_PUNCT, WS
from pipeline.text.numbering import LINE_START_RE as _HEADING_START_RE

log = logging.getLogger(__name__)

Step = Callable[[str, OffsetMap], tuple[str, OffsetMap]]

_CJK_SIDE_RE = re.compile(f"[{CJK_SIDE}]")

# ---------------------------------------------------------------------------------------------- helpers


@lru_cache(maxsize=2)
def _converter(config: str) -> Any:
    """OpenCC converters are built lazily on first use (never at import) and reused."""
    import opencc

    return opencc.OpenCC(config)


def _lines(text: str) -> list[tuple[int, int]]:
    """(start, end) of each line, end excluding the newline."""
    spans, pos = [], 0
    for line in text.split("\n"):
        spans.append((pos, pos + len(line)))
        pos += len(line) + 1
    return spans


def _content_len(line: str) -> int:
    """Line length without whitespace: invariant under space repair, so classifiers stay stable."""
    return len(line) - sum(map(line.count, WS))  # WS: single characters, counted in C


def _is_cjk(ch: str) -> bool:
    return bool(_CJK_SIDE_RE.match(ch))


# ------------------------------------------------------------------------------------------ unify_width

_WIDTH_EXTRA = {
    "％": "%",
    "．": ".",
    "＋": "+",
    "－": "-",
    "／": "/",
    "＝": "=",
    "＠": "@",
    "＃": "#",
    "＆": "&",
}
_WIDTH_EXTRA["～"] = "~"


def _half(ch: str) -> str | None:
    o = ord(ch)
    if 0xFF10 <= o <= 0xFF19 or 0xFF21 <= o <= 0xFF3A or 0xFF41 <= o <= 0xFF5A:
        return chr(o - 0xFEE0)
    return _WIDTH_EXTRA.get(ch)


_WIDE_RE = re.compile("[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a" + "".join(_WIDTH_EXTRA) + "]")
_HALF = {chr(o): h for o in range(0xFF00, 0xFF80) if (h := _half(chr(o))) is not None} | _WIDTH_EXTRA


def unify_width(text: str, omap: OffsetMap) -> tuple[str, OffsetMap]:
    """Full-width digits/letters/number signs -> ASCII, one char for one char."""
    edits = [Edit(m.start(), m.start() + 1, _HALF[m.group()]) for m in _WIDE_RE.finditer(text)]
    return apply_edits(text, omap, edits) if edits else (text, omap)


# ------------------------------------------------------------------------------------- strip_footnotes

# A footnote marker glued to the word (or figure) it annotates: 生产总值[2]、增加值［3］、产值①、总值¹. A bracketed
# number at a line start ("[1]本公报…", the notes themselves) or after a digit (a figure, a list) stays, as does
# a superscript after 米 (米² is a unit).
_FOOTNOTE_RE = re.compile(
    rf"(?<=[{HAN}%％）)”》])(?:[\[［][0-9０-９]{{1,2}}[\]］]|[\u2460-\u2473])"
    rf"|(?<=[{HAN}%％）)”》])(?<!米)[\u00b9\u00b2\u00b3\u2070\u2074-\u2079]{{1,2}}"
)


def strip_footnotes(text: str, omap: OffsetMap) -> tuple[str, OffsetMap]:
    """Delete footnote markers after an indicator (``生产总值[2]1329.65亿元`` -> ``生产总值1329.65亿元``), so the
    figure keeps its indicator; the offset map still points every remaining character at the raw text."""
    edits = [Edit(m.start(), m.end()) for m in _FOOTNOTE_RE.finditer(text)]
    return apply_edits(text, omap, edits) if edits else (text, omap)


# ---------------------------------------------------------------------------------- strip_pronunciation

_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ"
_INITIALS = "(?:zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])?"
_FINALS = (
    "(?:iang|iong|uang|ueng|ang|eng|ing|ong|ian|iao|uai|uan|van|vn|ve|ai|ei|ao|ou|an|en|er|in|un|"
    "ia|ie|iu|ua|uo|ui|ue|a|o|e|i|u|v|ng|m|n)"
)
_SYLLABLE_RE = re.compile(f"{_INITIALS}{_FINALS}[1-5]?")
_SYL = f"[a-z{_TONED}][a-z{_TONED}1-5]*"
_ANNOT = rf"[^\S\n]*\n?[^\S\n]*[(（]\s*({_SYL}(?:(?:[ \t'’-]|\s*\n\s*){_SYL}){{0,3}})\s*[)）]"
_ANNOT_RE = re.compile(_ANNOT, re.IGNORECASE)
# one or more glosses in a row after a Han char: "專(zhuān)(zhuan)" goes in one pass (idempotence)
_ANNOTS_RE = re.compile(rf"(?<=[{HAN}])(?:{_ANNOT})+", re.IGNORECASE)
_TONE_FOLD = str.maketrans(
    "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ",
    "aaaaeeeeiiiioooouuuuvvvvvnnnm",
)


def _is_pinyin(word: str) -> bool:
    """True for a run of pinyin syllables; tone marks make it certain, plain ASCII must parse fully."""
    folded = word.translate(_TONE_FOLD)
    if any(c in _TONED for c in word.lower()):
        return bool(re.fullmatch(r"[a-z1-5\s'’-]+", folded.lower()))
    if not word.islower():  # GDP, App: acronyms and words, not pinyin
        return False
    parts = re.split(r"\s*[\n '’-]\s*", folded)
    return not (len(parts) > 3 or any(not _SYLLABLE_RE.fullmatch(p) for p in parts))


def strip_pronunciation(text: str, omap: OffsetMap) -> tuple[str, OffsetMap]:
    """Delete pinyin glosses ``精準(zhǔn)`` right after a Han char; real parentheticals stay."""
    edits = []
    for m in _ANNOTS_RE.finditer(text):
        end = m.start()
        for sub in _ANNOT_RE.finditer(text, m.start(), m.end()):
            if sub.start() != end or not _is_pinyin(sub.group(1)):
                break
            end = sub.end()
        if end > m.start():
            # A gloss that a line break cut from its char (``動\n(dòng)員``) goes, the line break stays: the
            # lines are joined (or not) by repair_pdf_breaks like any other line break.
            head = text[m.start() : text.index("(" if "(" in text[m.start() : end] else "（", m.start())]
            start = m.start() + head.index("\n") + 1 if "\n" in head else m.start()
            edits.append(Edit(start, end))
    return apply_edits(text, omap, edits) if edits else (text, omap)


# ---------------------------------------------------------------------------------------- to_simplified


def _diff_edits(old: str, new: str, offset: int) -> list[Edit]:
    return [Edit(offset + i, offset + i + 1, b) for i, (a, b) in enumerate(zip(old, new, strict=True)) if a != b]


_HAN_RUN_RE = re.compile(f"[{HAN}]+")


def _copy_map(omap: OffsetMap) -> OffsetMap:
    new = OffsetMap.__new__(OffsetMap)
    new.starts, new.ends, new.raw_len = omap.starts[:], omap.ends[:], omap.raw_len
    return new


def simplified(text: str) -> str:
    """``text`` in simplified script (OpenCC t2s), without an offset map."""
    return str(_converter("t2s").convert(text))


def to_simplified(text: str, omap: OffsetMap) -> tuple[str, OffsetMap]:
    """OpenCC t2s; per-char edits where lengths agree, whole-run edits where a phrase changes length."""
    cc = _converter("t2s")
    whole = cc.convert(text)
    if whole == text:
        return text, omap
    if len(whole) == len(text):
        # every change is one character for one (what apply_edits would build from _diff_edits): the text is
        # OpenCC's and each character keeps its raw span, so the map is a copy of ``omap``
        return whole, _copy_map(omap)
    edits: list[Edit] = []
    for m in _HAN_RUN_RE.finditer(text):
        run = m.group()
        conv = cc.convert(run)
        if conv == run:
            continue
        if len(conv) == len(run):
            edits.extend(_diff_edits(run, conv, m.start()))
        else:
            edits.append(Edit(m.start(), m.end(), conv))
    return apply_edits(text, omap, edits) if edits else (text, omap)


@lru_cache(maxsize=65_536)
def _char_script(ch: str) -> int:
    """1 when t2s changes the character (traditional), 2 when only s2t does (simplified), else 0."""
    if _converter("t2s").convert(ch) != ch:
        return 1
    if _converter("s2t").convert(ch) != ch:
        return 2
    return 0


def detect_script(text: str) -> str:
    """simplified | traditional | mixed from chars t2s would change vs. chars s2t would change."""
    n_trad = n_simp = 0
    for ch, n in Counter(text).items():  # every character counted in C, the Han ones picked per distinct one
        if not HAN_RE.match(ch):
            continue
        kind = _char_script(ch)  # a character's conversions never change: asked once per process
        if kind == 1:
            n_trad += n
        elif kind == 2:
            n_simp += n
    if n_trad <= 2:
        return SCRIPT_SIMPLIFIED
    share = n_trad / (n_trad + n_simp)
    if share >= 0.85:
        return SCRIPT_TRADITIONAL
    if share <= 0.1:
        return SCRIPT_SIMPLIFIED
    return SCRIPT_MIXED


# ------------------------------------------------------------------------------------ remove_boilerplate


@lru_cache(maxsize=1)
def _chrome_res() -> tuple[re.Pattern[str], ...]:
    """Site chrome vocabulary (portal, forum, CMS and print-page furniture), not phrases of any document:
    ``models/lexicon/chrome_patterns.tsv`` (``{HAN}`` stands for the Han ranges)."""
    return tuple(re.compile(p.replace("{HAN}", HAN), re.IGNORECASE) for p in load("chrome_patterns").words())


# A chrome tail inside an otherwise useful line: "来源:... 日期:...【字体: 打印本页 关闭本页".
_TAIL_RE = re.compile(
    r"\s*【\s*字体\s*[:：].*$|\s*(?:打印本页|关闭本页|关闭窗口)(?:\s*(?:打印本页|关闭本页|关闭窗口))*\s*$"
)
_SHORT = 10  # content chars: a sidebar fragment, a forum stat, a vertical title's letters
_CHROME_SHORT = 40
_RUN_MIN = 4  # fragment run holding a chrome line
_RUN_MIN_PLAIN = 6  # fragment run without one (cover pages with 4-5 short lines survive)
_VALUE_END_RE = re.compile(rf"[{HAN}）)%][{WS}]*[-+]?\d+(?:\.\d+)?%?$")


def _chrome_hits(line: str) -> int:
    return _chrome_hits_stripped(line.strip(WS))


@lru_cache(maxsize=16_384)
def _chrome_hits_stripped(s: str) -> int:
    """How many chrome patterns a stripped line matches; cached per distinct line (headers, footers, bylines and
    blank lines repeat on every page; one alternation of the patterns was no faster, see git log)."""
    return sum(1 for r in _chrome_res() if r.search(s))


def _is_chrome_line(line: str) -> bool:
    """Chrome vocabulary on a short line, or several chrome phrases on a longer one."""
    hits = _chrome_hits(line)
    if not hits:
        return False
    n = _content_len(line)
    if n <= _CHROME_SHORT:
        return hits >= 2 or not any(c in line for c in "。!！?？") or n <= 20
    return hits >= 2


def remove_boilerplate(text: str, omap: OffsetMap) -> tuple[str, OffsetMap]:
    """Delete chrome lines and runs of short fragment lines (sidebars, forum user cards, vertical titles).

    A run is a sequence of non-blank lines, blank lines ignored, each either short (<= 10 content chars)
    or chrome; runs of >= 4 lines go entirely. Isolated short lines (headings, bylines) stay.
    """
    spans = _lines(text)
    edits: list[Edit] = []
    info = []  # (start, end, kind) kind: blank | chrome | short | body
    all_lines = [text[s:e] for s, e in spans]
    deleted = _deleted_widths(spans, all_lines, omap)
    # In hard-wrapped text (a narrow PDF column), a line that lost its glosses (``經(jīng)``) but filled the
    # column on the page is running text, however few characters are left: no fragment.
    wrap = _wrap_width(all_lines, [_visual_width(x) + g for x, g in zip(all_lines, deleted, strict=True)])
    full = 0.85 * wrap if wrap else float("inf")
    for (s, e), gone in zip(spans, deleted, strict=True):
        line = text[s:e]
        tail = _TAIL_RE.search(line)
        if tail and tail.start() > 0 and _content_len(line[: tail.start()]) > 0:
            edits.append(Edit(s + tail.start(), e))
            line = line[: tail.start()]
        if not line.strip(WS):
            kind = "blank"
        elif _is_chrome_line(line) or (tail is not None and tail.start() == 0):
            kind = "chrome"
        elif _VALUE_END_RE.search(line):
            kind = "table"  # a table row such as "城市 99.9": data, and it breaks fragment runs
        elif _content_len(line) <= _SHORT and not (gone and _visual_width(line) + gone >= full):
            kind = "short"
        else:
            kind = "body"
        info.append((s, e, kind))
    drop = [k == "chrome" for _, _, k in info]
    i = 0
    while i < len(info):
        if info[i][2] in ("short", "chrome"):
            j, members = i, []
            while j < len(info) and info[j][2] in ("short", "chrome", "blank"):
                if info[j][2] != "blank":
                    members.append(j)
                j += 1
            with_chrome = any(info[k][2] == "chrome" for k in members)
            if len(members) >= (_RUN_MIN if with_chrome else _RUN_MIN_PLAIN):
                for k in members:
                    drop[k] = True
            i = j
        else:
            i += 1
    tail_edits = {ed.start: ed for ed in edits}
    out: list[Edit] = []
    n = len(text)
    for idx, (s, e, _k) in enumerate(info):
        if drop[idx]:
            # delete the line and its newline (the previous one for the last line)
            if e < n:
                out.append(Edit(s, e + 1))
            elif s > 0 and not (idx > 0 and drop[idx - 1]):
                out.append(Edit(s - 1, e))
            else:
                out.append(Edit(s, e))
        else:
            out.extend(ed for st, ed in tail_edits.items() if s <= st <= e)
    if not out:
        return text, omap
    removed = sum(ed.end - ed.start for ed in out)
    log.debug("remove_boilerplate: %d chars removed", removed)
    return apply_edits(text, omap, out)


# -------------------------------------------------------------------------------------- repair_pdf_breaks

_BYLINE_START_RE = lazy_pattern(r"^\s*(?:{words})\s*[/／:：]", "byline_words", "byline_start")
_SPACE_RUN_RE = re.compile(f"[{WS}]+")
_TABLE_ROW_RE = re.compile(rf"[\d%％][{WS}]+[-+]?\d|[{WS}]\d+(?:\.\d+)?%?$")  # "乡村 3245038 66.2"


def _heading_like(line: str) -> bool:
    """Short line without sentence punctuation: title, heading, kicker or byline; its spaces are meant."""
    n = _content_len(line)
    return 0 < n <= 30 and not any(c in line for c in SENT_PUNCT)


def _letter_spaced(line: str) -> bool:
    """``第 二 产 业``: justified CJK headings; Latin ``a b c`` is left alone."""
    toks = line.split()
    return len(toks) >= 3 and all(len(t) == 1 and _is_cjk(t) for t in toks)


_DROP_WS = str.maketrans("", "", WS)
_NARROW_RE = re.compile("[\x00-\u2000]")


@lru_cache(maxsize=16_384)
def _visual_width(line: str) -> float:
    """Width in Han-character units: ASCII digits and letters are about half as wide in PDF layouts.

    Summed character by character, left to right (the float sum the wrap tests were tuned on); a line of wide
    characters only (most Chinese lines) sums to its length exactly. Cached: each step measures the same lines."""
    s = line.translate(_DROP_WS)
    if not _NARROW_RE.search(s):
        return float(len(s)) if s else 0
    return sum(1.0 if c > "\u2000" else 0.55 for c in s)


GLOSS_WIDTH = 0.55  # a character deleted inside a line (a pinyin gloss, a space) took this width on the page
GLOSS_MAX = 12  # characters deleted before a line's first one that still count as part of it (``(zhuāng)``)


def _deletions(spans: list[tuple[int, int]], lines: list[str], omap: OffsetMap) -> list[tuple[int, int]]:
    """Per line, the characters earlier steps deleted in it (``縣(xiàn)`` glosses, footnote markers), those
    between its last character and its newline included (``經(jīng)\n``), and, apart, the ones before its first
    character (``\n(dòng)員``: a gloss that did not fit at the previous line's end)."""
    out = []
    starts, ends = omap.starts, omap.ends
    n = len(starts)  # (0 for KeptSpans: every span then asks to_raw)
    # a monotone map (every step here keeps one) gives a span's raw start and end at its ends: no min/max over
    # the line's slice; otherwise, or for a line outside the map, to_raw as before
    monotone = _monotone(omap)
    to_raw = omap.to_raw
    for k, ((s, e), line) in enumerate(zip(spans, lines, strict=True)):
        body = line.strip(WS)
        inside = lead = 0
        if body and e > s:
            a = s + (len(line) - len(line.lstrip(WS)))
            b = a + len(body)
            if monotone and b <= n:
                ra, rb = starts[a], ends[b - 1]
            else:
                ra, rb = to_raw(a, b)
            inside = max(0, (rb - ra) - len(body))
            if a > 0:  # a gloss deleted at the line's start (``\n(dòng)員``), not a whole dropped line
                gap = ra - (ends[a - 1] if a <= n else to_raw(a - 1, a)[1])
                lead = gap if 0 < gap <= GLOSS_MAX else 0
            if b == e and k + 1 < len(spans):  # a gloss deleted at the line's end (``經(jīng)\n``)
                gap = (starts[e] if e < n else to_raw(e, e + 1)[0]) - rb
                inside += gap if 0 < gap <= GLOSS_MAX else 0
        out.append((inside + lead, lead))
    return out


def _monotone(omap: OffsetMap) -> bool:
    """True when the map's starts and its ends never decrease (then ``to_raw(a, b)`` is ``starts[a], ends[b-1]``)."""
    if len(omap.starts) < 2:
        return True
    import numpy as np  # (loaded by spaCy in a run; not at import)

    st = np.frombuffer(omap.starts, dtype=np.int64)
    en = np.frombuffer(omap.ends, dtype=np.int64)
    return bool((st[1:] >= st[:-1]).all() and (en[1:] >= en[:-1]).all())


def _deleted_widths(spans: list[tuple[int, int]], lines: list[str], omap: OffsetMap) -> list[float]:
    """Per line, the width (in Han-character units) of what earlier steps deleted in it; 0 when nothing."""
    return [GLOSS_WIDTH * n for n, _ in _deletions(spans, lines, omap)]


def _line_widths(spans: list[tuple[int, int]], lines: list[str], omap: OffsetMap) -> tuple[list[float], list[float]]:
    """Each line's width as it stood on the page (its visual width plus what earlier steps deleted in it, so a
    full line that lost its glosses still counts as full), and the width of a gloss the next line starts with
    (``個\n(gè)``: it did not fit at this line's end, so this line was full)."""
    gone = _deletions(spans, lines, omap)
    widths = [_visual_width(line) + GLOSS_WIDTH * n for line, (n, _) in zip(lines, gone, strict=True)]
    spill = [GLOSS_WIDTH * gone[k + 1][1] if k + 1 < len(lines) else 0.0 for k in range(len(lines))]
    return widths, spill


def _wrap_width(lines: list[str], widths_of: list[float] | None = None) -> float | None:
    """Typical hard-wrap width if the text looks hard-wrapped (many lines of near-equal width <= 80)."""
    all_widths = widths_of if widths_of is not None else [_visual_width(x) for x in lines]
    widths = [w for w in all_widths if w > 0]
    if len(widths) < 10:
        return None
    top = sorted(widths)[int(0.8 * (len(widths) - 1))]
    if top > 80 or top < 12:
        return None
    full = sum(1 for w in widths if 0.85 * top <= w <= top * 1.1)
    return top if full >= 0.4 * len(widths) and full >= 8 else None


def repair_pdf_breaks(text: str, omap: OffsetMap) -> tuple[str, OffsetMap]:
    """Drop spaces next to CJK chars inside lines and join hard-wrapped lines of one paragraph.

    Spaces between two non-CJK chars (``Rank: 8``, ``GDP growth``) stay; spaces inside heading-like
    lines stay unless the line is letter-spaced (``第 二 产 业``). Lines are joined only when the text is
    hard-wrapped (``_wrap_width``) and the line is full width; blank lines always separate paragraphs.
    """
    spans = _lines(text)
    lines = [text[s:e] for s, e in spans]
    joins = _joins(lines, *_line_widths(spans, lines, omap))
    joined = {k for k in joins} | {k + 1 for k in joins}
    edits: list[Edit] = []
    for idx, ((s, _e), line) in enumerate(zip(spans, lines, strict=True)):
        if not line.strip(WS):
            continue
        # a line that joins its neighbours is running text, whatever its length
        keep_spaces = idx not in joined and _heading_like(line) and not _letter_spaced(line)
        table_row = idx not in joined and bool(_TABLE_ROW_RE.search(line))  # a joined line is running text
        lead = len(line) - len(line.lstrip(WS))
        for m in _SPACE_RUN_RE.finditer(line):
            a, b = m.start(), m.end()
            if a < lead or b > len(line.rstrip(WS)):
                continue  # leading/trailing whitespace: tidy_whitespace trims it
            left, right = line[a - 1], line[b]
            digit_han = (left.isdigit() and _is_cjk(right)) or (_is_cjk(left) and right.isdigit())
            if keep_spaces and not (digit_han and not table_row):
                if m.group() != " ":
                    edits.append(Edit(s + a, s + b, " "))  # one plain space between heading parts
                continue
            if table_row and (left.isdigit() or right.isdigit()):
                continue  # "城镇 392.66 45.31": cells stay apart
            if _letter_spaced(line) or _is_cjk(left) or _is_cjk(right):
                edits.append(Edit(s + a, s + b))
    for k in joins:
        cur, nxt = lines[k].rstrip(WS), lines[k + 1].strip(WS)
        # swallow trailing spaces of cur and leading spaces of nxt together with the newline
        a = spans[k][0] + len(cur)
        b = spans[k + 1][0] + (len(lines[k + 1]) - len(lines[k + 1].lstrip(WS)))
        rep = "" if (_is_cjk(cur[-1]) or _is_cjk(nxt[0])) else " "
        edits.append(Edit(a, b, rep))
    return apply_edits(text, omap, edits) if edits else (text, omap)


def _table_row(line: str) -> bool:
    """A table row (``乡村 3245038 66.2``), not a wrapped sentence that happens to end in a number after a
    space (``贫困户32712户、 118900``: sentence punctuation before the number)."""
    m = _TABLE_ROW_RE.search(line)
    return m is not None and not any(c in SENT_PUNCT for c in line[: m.start()])


@lru_cache(maxsize=1)
def _unit_start_re() -> re.Pattern[str]:
    """A unit of ``units.tsv`` at a line's start, perhaps after a magnitude (万, 亿)."""
    units = "|".join(re.escape(u) for u in sorted(load("units").words(), key=len, reverse=True))
    return re.compile(rf"^(?:百万|千万|万亿|亿|万|億|萬)?(?:{units})")


_ONE_VALUE_END_RE = re.compile(r"\d+(?:\.\d+)?$")
_CELLS_RE = re.compile(rf"[\d%％][{WS}]+[-+]?\d")  # two numeric cells side by side: a table row


def _number_wrapped(cur: str, nxt: str) -> bool:
    """``…合作社存款 3224.04`` / ``万元，同比增长…``: a sentence wrapped between a number and its unit, not a
    table row with one value: the next line starts with a unit (two or more characters, or one not followed
    by a Han character: ``人口合计`` starts a label, not the unit 人) and is no table row itself."""
    m = _unit_start_re().match(nxt)
    if m is None or not _ONE_VALUE_END_RE.search(cur) or _table_row(nxt) or _CELLS_RE.search(cur):
        return False
    return len(m.group()) >= 2 or not HAN_RE.match(nxt[m.end() : m.end() + 1])


def _joins(lines: list[str], widths_of: list[float] | None = None, spill: list[float] | None = None) -> list[int]:
    """Indices ``k`` whose line continues on line ``k + 1`` (hard-wrapped text only); ``widths_of``: each
    line's width on the page (default: its visual width); ``spill``: the width of what did not fit at each
    line's end and wrapped (a line short by no more than that was full)."""
    plain = [_visual_width(x) for x in lines]
    if widths_of is None:
        widths_of = plain
    # Lines as they stood on the page tell the wrap width best (deleted glosses made some look short); the
    # text as it is when that gives none.
    width = _wrap_width(lines, widths_of) or _wrap_width(lines, plain)
    if width is None:
        return []
    stripped = [x.strip(WS) for x in lines]
    rows = [
        _table_row(x) and not (k + 1 < len(lines) and _number_wrapped(x, stripped[k + 1]))
        for k, x in enumerate(stripped)
    ]
    # Where few lines are indented (a PDF's paragraph first lines, ``　　`` in Chinese text), an indented line
    # always starts a paragraph; where most are, indentation says nothing.
    body = [x for x in lines if x.strip(WS)]
    indents_mark = sum(1 for x in body if x[:1] in WS) < 0.5 * len(body)
    out = []
    for k in range(len(lines) - 1):
        cur, nxt = stripped[k], stripped[k + 1]
        if not cur or not nxt:
            continue
        w = widths_of[k]
        if w > 1.1 * width or rows[k] or rows[k + 1]:
            continue
        # a full line always continues; a shorter one only when it stops mid-sentence
        mid_sentence = cur[-1] not in SENT_END_ELLIPSIS + '：:”"）)】》'
        reach = w + (spill[k] if spill else 0.0)
        if reach < 0.85 * width and not (mid_sentence and reach >= 0.6 * width):
            continue
        if _HEADING_START_RE.match(nxt):
            continue
        if lines[k + 1][:1] in WS and (cur[-1] in SENT_END_ELLIPSIS or indents_mark):
            continue  # a sentence ends (or indents mark paragraphs) and the next line is indented: a new paragraph
        if (_HEADING_START_RE.match(cur) or _BYLINE_START_RE.match(cur)) and _heading_like(cur):
            continue  # a heading or byline that happens to fill a narrow column is still its own line
        if _heading_like(lines[k + 1]) and widths_of[k + 1] + (spill[k + 1] if spill else 0.0) < 0.85 * width:
            continue
        out.append(k)
    return out


# ---------------------------------------------------------------------------------------- tidy_whitespace

_MULTI_BLANK_RE = re.compile(r"\n(?:[ \t\u3000\u00a0]*\n)+")


def tidy_whitespace(text: str, omap: OffsetMap) -> tuple[str, OffsetMap]:
    """Trim each line, collapse blank-line runs to one blank line, drop leading/trailing blank lines."""
    edits: list[Edit] = []
    for s, e in _lines(text):
        line = text[s:e]
        lead = len(line) - len(line.lstrip(WS))
        trail = len(line) - len(line.rstrip(WS))
        if lead == len(line):
            if line:
                edits.append(Edit(s, e))
            continue
        if lead:
            edits.append(Edit(s, s + lead))
        if trail:
            edits.append(Edit(e - trail, e))
    text, omap = apply_edits(text, omap, edits) if edits else (text, omap)
    edits = [Edit(m.start(), m.end(), "\n\n") for m in _MULTI_BLANK_RE.finditer(text) if m.group() != "\n\n"]
    edits = [ed for ed in edits if ed.end - ed.start != 2]
    lead_nl = len(text) - len(text.lstrip("\n"))
    trail_nl = len(text) - len(text.rstrip("\n"))
    if lead_nl:
        edits = [ed for ed in edits if ed.start >= lead_nl]
        edits.append(Edit(0, lead_nl))
    if trail_nl and trail_nl < len(text):
        edits = [ed for ed in edits if ed.end <= len(text) - trail_nl]
        edits.append(Edit(len(text) - trail_nl, len(text)))
    return apply_edits(text, omap, edits) if edits else (text, omap)


# -------------------------------------------------------------------------------------------- normalize

STEPS: tuple[Step, ...] = (
    unify_width,
    strip_footnotes,
    strip_pronunciation,
    to_simplified,
    remove_boilerplate,
    strip_pronunciation,  # again: a dropped line (page number) can bring a gloss next to its Han char
    repair_pdf_breaks,
    tidy_whitespace,
)


def normalize_text(text: str, omap: OffsetMap | None = None) -> tuple[str, OffsetMap]:
    """Run all steps over ``text``; the map composes with ``omap`` (identity by default)."""
    if omap is None:
        omap = OffsetMap.identity(len(text))
    for step in STEPS:
        text, omap = step(text, omap)
    return text, omap


_MD_HEADING = re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+", re.M)
_MD_EMPHASIS = re.compile(r"\*\*|__")
_MD_QUOTE = re.compile(r"^[ \t]{0,3}>[ \t]?", re.M)


def strip_markdown(text: str, omap: OffsetMap) -> tuple[str, OffsetMap]:
    """Markdown markup that is not text: heading hashes, bold markers, quote markers (tables stay: they are
    data the table reader uses)."""
    edits = [Edit(m.start(), m.end()) for rx in (_MD_HEADING, _MD_EMPHASIS, _MD_QUOTE) for m in rx.finditer(text)]
    edits = sorted(set(edits), key=lambda e: (e.start, e.end))
    kept: list[Edit] = []
    for e in edits:  # a heading's hashes and a quote marker never overlap, but be safe
        if not kept or e.start >= kept[-1].end:
            kept.append(e)
    return apply_edits(text, omap, kept) if kept else (text, omap)


_CR_RE = re.compile("\r")


def _cr_edits(raw: str) -> list[Edit]:
    """CRLF -> LF, a lone CR -> LF: the carriage returns found by a regular expression, not a loop over every
    character of the text."""
    crs = (m.start() for m in _CR_RE.finditer(raw)) if "\r" in raw else ()
    return [Edit(i, i + 1, "" if raw[i + 1 : i + 2] == "\n" else "\n") for i in crs]


def normalize(doc: Document) -> Document:
    """A copy of ``doc`` with normalized ``text``, its ``offsets`` into ``raw_text``, and ``script``."""
    raw = doc.raw_text
    # carriage returns go first (CRLF -> LF, lone CR -> LF), so every step sees "\n" only
    omap = OffsetMap.identity(len(raw))
    text, omap = apply_edits(raw, omap, _cr_edits(raw))
    if doc.format == "md":
        text, omap = strip_markdown(text, omap)
    script = detect_script(raw)
    text, omap = normalize_text(text, omap)
    if raw and not text:
        log.warning("normalize: %s lost all text", doc.doc_id)
    return dataclasses.replace(doc, text=text, offsets=omap, script=script)


__all__ = [
    "STEPS",
    "detect_script",
    "normalize",
    "normalize_text",
    "remove_boilerplate",
    "repair_pdf_breaks",
    "strip_footnotes",
    "strip_markdown",
    "strip_pronunciation",
    "tidy_whitespace",
    "to_simplified",
    "unify_width",
]
