"""Qualify figures so they can be trusted in tables: per-unit denominator, status, range and canonical indicator.

A pure function over the ``Document`` and the figures found by the figure and table components; it sets
four fields of each ``Figure`` (and splits a slash unit such as ``元/亩`` into unit ``元`` and per ``亩``):

- ``per``: the denominator of a per-unit amount. Read from the words right before the number in its own
  clause (户均, 人均, 每户, 每个贫困村, 一头牛…, 1斤…), then from the indicator; a figure that follows a per-unit
  figure closely, in the same unit and of the same order of magnitude, with no total word (总, 累计) in its
  clause, shares its denominator (每斤3元跌到1元; 一头牛补助500元，本县补助1500元). Percentages and ratios
  have none, nor does a count of the very unit (户均 on a count of 户).
- ``status``: actual (default) | target | projected | hypothetical, from cue words
  (``models/lexicon/figure_status.tsv``): the nearest cue left of the number wins, where a clause cue counts in
  the figure's own clause only and a sentence cue (力争, 计划, 预计, 如按…计算) frames every figure after it in
  its sentence; an actual cue (截至, 已, 累计) resets the frame for its clause. ``…的目标`` right of the number
  in its clause makes it a target; a section headed as a plan (发展目标, 下步打算) makes its uncued figures targets.
- ``value_high``: the upper end of a range the number is written as (20—40%, 3万至5万元, 3000-5000平方米),
  from the quantity parser's reading of the figure's own text.
- ``indicator_std``: the canonical indicator the mapper (``pipeline.learn.indicators.IndicatorMapper``) gives
  the indicator and unit; empty when unmapped, never forced.

Rules, not a learned model: the cues are closed-class words of planning and reporting language whose scope
(clause or sentence) is what matters, and a rule says why a figure is a target, which a reader can check.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from pipeline.lexicon import load
from pipeline.model import Document, Figure
from pipeline.text.chars import CLAUSE_BOUND, COLON
from pipeline.text.numerals import may_state_range, parse_quantity
from pipeline.text.segment import clause_start, sentence_span

ACTUAL, TARGET, PROJECTED, HYPOTHETICAL = "actual", "target", "projected", "hypothetical"
STATUSES = (ACTUAL, TARGET, PROJECTED, HYPOTHETICAL)

_CLAUSE_BOUNDS = frozenset(CLAUSE_BOUND + COLON)
# Units that have no denominator: shares, ratios and changes.
_NO_PER_UNITS = frozenset({"%", "‰", "倍", "个百分点", "成"})
# Counts of households or people: 人均/户均 before them qualifies a condition, not the count.
_HEAD_COUNTS = frozenset({"户", "人", "人次", "名"})
_MAX_CARRY_GAP = 16  # characters between a per-unit figure and the one that shares its denominator
_MAX_CARRY_RATIO = 10.0  # ... and at most this many times larger or smaller
_SAME_HEAD = frozenset({"、", "或", "折合", "合"})  # between two amounts of one thing in different units


@dataclass(frozen=True)
class _Cue:
    rx: re.Pattern[str]
    status: str
    scope: str  # clause | sentence | after
    weak: bool  # yields to a target, projection or supposition cue framing the same figure
    literal: str = ""  # the word of a cue that is no regular expression: it matches only where the word occurs
    # the characters any match of the cue starts with (计 for 计划(?!生育)), None when any character may start one
    firsts: frozenset[str] | None = None


@lru_cache(maxsize=1)
def _status_cues() -> tuple[_Cue, ...]:
    lex = load("figure_status")
    out = []
    for word, is_re, status, scope, weak in lex.rows:
        if status not in STATUSES:
            raise ValueError(f"figure_status.tsv: unknown status {status!r} for {word!r}")
        rx = re.compile(word if is_re.strip() else re.escape(word))
        literal = "" if is_re.strip() else word
        out.append(_Cue(rx, status, scope, bool(weak.strip()), literal, None if literal else first_chars(rx)))
    return tuple(out)


def first_chars(rx: re.Pattern[str]) -> frozenset[str] | None:
    """The characters a non-empty match of ``rx`` can start with, read from its parsed form: literals and sets of
    literals, through groups, alternatives, optional parts and zero-width assertions (which consume nothing);
    None when that is not known (a negated set, any character, a class such as \\d, flags, or a pattern that
    can match the empty string). A cue whose first characters are all absent from the text cannot match there."""
    if rx.flags & ~(re.UNICODE):
        return None
    try:
        from re import _parser  # type: ignore[attr-defined]

        firsts, nullable = _firsts(list(_parser.parse(rx.pattern)))
    except Exception:  # an internal parse we do not follow: no filter, the regex decides
        return None
    return None if firsts is None or nullable else frozenset(firsts)


def _firsts(items: list[Any]) -> tuple[set[str] | None, bool]:
    """(first characters, can match empty) of a parsed sequence; first characters None = unknown."""
    from re import _constants as c  # type: ignore[attr-defined]

    out: set[str] = set()
    for op, av in items:
        if op is c.LITERAL:
            return out | {chr(av)}, False
        if op is c.IN:
            if any(o is not c.LITERAL for o, _ in av):
                return None, False
            return out | {chr(v) for _, v in av}, False
        if op in (c.AT, c.ASSERT, c.ASSERT_NOT):
            continue  # zero-width: the next item starts the match
        if op is c.SUBPATTERN:
            _group, add_flags, del_flags, sub = av
            if add_flags or del_flags:
                return None, False
            got, nullable = _firsts(list(sub))
        elif op is c.BRANCH:
            got, nullable = set(), False
            for alt in av[1]:
                a, n = _firsts(list(alt))
                if a is None:
                    return None, False
                got |= a
                nullable = nullable or n
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT):
            lo, _hi, sub = av
            got, nullable = _firsts(list(sub))
            nullable = nullable or lo == 0
        else:
            return None, False
        if got is None:
            return None, False
        out |= got
        if not nullable:
            return out, False
    return out, True


@lru_cache(maxsize=1)
def _left_cues() -> tuple[_Cue, ...]:
    """The cues read left of a figure (not ``after`` and ``section`` ones), in the lexicon's order."""
    return tuple(c for c in _status_cues() if c.scope not in ("after", "section"))


@lru_cache(maxsize=4096)
def _supposition_spans(sentence: str) -> tuple[tuple[int, int], ...]:
    """Spans of the supposition frames (按每亩1200棵、每棵2元计算) in a sentence, found once per sentence text."""
    frames = [c for c in _status_cues() if c.status == HYPOTHETICAL and c.scope == "sentence"]
    return tuple(m.span() for c in frames for m in c.rx.finditer(sentence))


@dataclass(frozen=True)
class _PerRules:
    avg: re.Pattern[str]  # 户均 …
    each: re.Pattern[str]  # 每(个)…户
    one: re.Pattern[str]  # 一头牛 / 1斤
    per_of: dict[str, str]
    slash: dict[str, str]
    total: re.Pattern[str]  # 总, 累计, 全县 …: a total, never a carried per-unit amount
    slash_after: re.Pattern[str]  # /年/人 written after the unit
    of_noun: re.Pattern[str]  # 3000元以下的贫困户: the amount of each
    price_of: re.Pattern[str]  # 3元一斤
    each_of: re.Pattern[str]  # 所有村…收入达到 / 贫困村…均达到: an amount each of them reaches


def _alt(words: Sequence[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


@lru_cache(maxsize=1)
def _per_rules() -> _PerRules:
    lex = load("per_unit")
    per_of = {r[0]: r[1] for r in lex.rows if r[2] in ("avg", "noun", "counter")}
    nouns = _alt(lex.words("kind", "noun"))
    counters = _alt(lex.words("kind", "counter"))
    times = _alt(lex.words("kind", "time"))
    ones = _alt(lex.words("one"))
    heads = _alt(lex.words("head"))
    each = re.compile(
        rf"每(?!{times})一?(?:个|(?P<counter>{counters}))?"
        rf"(?:(?P<noun>{nouns})|[^\d，,。；;、每均]{{1,5}}?(?P<head>{heads})|)"
    )
    one = re.compile(rf"(?<![\d第一二三四五六七八九十百千万.])(?:一|1)(?P<noun>{ones})")
    slash = {n: per_of[n] for n in lex.words("kind", "noun")}
    total = re.compile(_alt(lex.words("kind", "total")))
    slash_after = re.compile(rf"^(?:\s?/\s?(?:{times}))*\s?/\s?(?P<noun>{nouns})")
    # 收入3000元以下的贫困户: a threshold of income for households, people or villages (not 200万元的大棚)
    people = _alt([w for w in lex.words("head") if per_of.get(w) in _HEAD_COUNTS | {"村"}])
    of_noun = re.compile(rf"^(?:以下|以上|左右)?的[^\d，,。；;、]{{0,4}}?(?<!个)(?P<noun>{people})(?!均)")
    avg = re.compile(rf"(?:{_alt(lex.words('kind', 'avg'))})(?![安等台稳衡方面价常])")
    price_of = re.compile(rf"^(?:钱)?(?:一|1|每)(?P<noun>{ones})")
    dist = _alt(lex.words("kind", "distributive"))
    gap = r"[^\d，,。；;、]"
    reach = rf"(?:要|都|全部)?(?:{_alt(lex.words('kind', 'reach'))}){gap}{{0,2}}$"
    each_of = re.compile(
        rf"(?:{dist}|(?<![\d.])(?:\d+|[一二两三四五六七八九十百]+)个){gap}{{0,4}}?(?P<n1>{heads})(?!均)"
        rf"{gap}{{0,10}}?(?:收入|收益|分红)(?:均|都)?{reach}"
        rf"|(?P<n2>{heads})(?!均){gap}{{0,12}}?(?<![人户村亩平])均{reach}"
    )
    return _PerRules(avg, each, one, per_of, slash, total, slash_after, of_noun, price_of, each_of)


# ------------------------------------------------------------------------------------------------------- per


def _per_in(s: str, unit: str) -> str:
    """The denominator of the last per-unit cue in ``s``; "" when none. An X均 word (人均耕地不足1亩的贫困户300户)
    does not make a count of households or people per unit."""
    rules = _per_rules()
    best = (-1, "")
    if unit not in _HEAD_COUNTS:
        for m in rules.avg.finditer(s):
            best = max(best, (m.start(), rules.per_of[m.group()]))
    for m in rules.each.finditer(s):
        word = m.group("noun") or m.group("head") or m.group("counter")
        if word:
            best = max(best, (m.start(), rules.per_of[word]))
    return best[1]


def _per_one(s: str, unit: str) -> str:
    """A price or yield of one unit written before it (一头牛补助500元, 1斤2元, 一亩地产3000斤): the last such
    unit in ``s``."""
    if unit in _HEAD_COUNTS:
        return ""
    rules = _per_rules()
    found = [rules.per_of[m.group("noun")] for m in rules.one.finditer(s)]
    return found[-1] if found else ""


def _split_slash_unit(f: Figure, right: str) -> str:
    """``元/亩`` → unit 元, returns the denominator 亩 (a period such as ``元/年`` only loses its slash); a
    denominator written after the unit (``80元/年/人``, ``5元/斤`` read as 元) counts too."""
    den = ""
    if "/" in f.unit:
        base, _, after = f.unit.partition("/")
        if base:
            f.unit = base
            den = _per_rules().slash.get(after, "")
    slash = f.mention.text.find("/")
    if slash >= 0:  # the quantity parser read 元/亩 as 元 and kept /亩 in the mention
        right = f.mention.text[slash:] + right
    m = _per_rules().slash_after.match(right)
    if m:
        den = den or _per_rules().slash[m.group("noun")]
    return den


def _per_after(right: str, unit: str, left: str = "") -> str:
    """An amount of each of the things named right after it (``收入3000元以下的贫困户`` → 户), or a price with its
    unit after it (``3元一斤``, ``3元每斤``) → 斤; never a total (``共计46万元的个人分红``: ``left`` is the clause
    before the number)."""
    rules = _per_rules()
    if unit != "元" or rules.total.search(left):
        return ""
    m = rules.of_noun.match(right) or rules.price_of.match(right)
    return rules.per_of[m.group("noun")] if m else ""


_NUMBER_START = re.compile(r"[\d零〇一二两三四五六七八九十百千万亿几数]")


def _per_each(s: str, mention: str, unit: str) -> str:
    """The noun whose every member reaches the amount right after ``s`` (``所有村集体经济收入达到20万元``,
    ``贫困村集体经济收入均达到5万元``, ``15个村年收入超百万元``) → 村, where the reaching verb may open the figure's
    own text ``mention``; "" for a total (``全县村集体经济收入达到500万元``, ``为22个村增加集体经济收入130万元``)."""
    if unit in _HEAD_COUNTS:
        return ""
    m = _NUMBER_START.search(mention)
    m = _per_rules().each_of.search(s + (mention[: m.start()] if m else ""))
    return _per_rules().per_of[m.group("n1") or m.group("n2")] if m else ""


def _allowed(per: str, unit: str) -> bool:
    return bool(per) and unit not in _NO_PER_UNITS and per != unit


# ---------------------------------------------------------------------------------------------------- status


_YEAR_RE = re.compile(r"((?:19|20)\d\d)(?=\s*年|[-/.](?:1[0-2]|0?[1-9])\b)")


def reference_year(text: str) -> int:
    """The latest year the text states other than as a future date (到2025年): a stand-in for when it was written;
    0 when it states none."""
    future = [m.span() for c in _status_cues() if c.scope == "future" for m in c.rx.finditer(text)]
    inside = _span_cover(future)
    years = [int(m.group(1)) for m in _YEAR_RE.finditer(text) if not inside(m.start())]
    return max(years, default=0)


def _span_cover(spans: list[tuple[int, int]]) -> Callable[[int], bool]:
    """Whether a position is inside any of ``spans`` (``any(a <= p < b for a, b in spans)``): their union as
    sorted disjoint intervals, bisected (a long report's many dates are not each tested against every span)."""
    starts: list[int] = []
    ends: list[int] = []
    for a, b in sorted(sp for sp in spans if sp[0] < sp[1]):
        if ends and a <= ends[-1]:
            ends[-1] = max(ends[-1], b)
        else:
            starts.append(a)
            ends.append(b)

    def inside(p: int) -> bool:
        k = bisect.bisect_right(starts, p) - 1
        return k >= 0 and p < ends[k]

    return inside


@lru_cache(maxsize=1)
def _cue_index() -> tuple[
    tuple[_Cue, ...], tuple[tuple[int, str], ...], tuple[tuple[int, re.Pattern[str]], ...], tuple[int, ...]
]:
    """The left cues and, by their index, the words of the literal ones, a character class of the first characters
    of the others (where known), and the cues that may start anywhere."""
    cues = _left_cues()
    lits = tuple((i, c.literal) for i, c in enumerate(cues) if c.literal)
    firsts = tuple(
        (i, re.compile("[" + "".join(re.escape(ch) for ch in sorted(c.firsts)) + "]"))
        for i, c in enumerate(cues)
        if not c.literal and c.firsts is not None
    )
    anywhere = tuple(i for i, c in enumerate(cues) if not c.literal and c.firsts is None)
    return cues, lits, firsts, anywhere


class _FrameCues:
    """Which left cues can match in a status frame ``text[fs:fe]``, found once for all the figures of the frame.

    A literal cue occurs in ``text[fs:end]`` (``end <= fe``) exactly when its first occurrence in the frame ends by
    ``end``; a cue with known first characters can start left of a figure exactly when the first of them in the
    frame is left of it. So two sorted lists and a bisection per figure stand in for a test of every cue."""

    __slots__ = ("anywhere", "cues", "fe", "first_at", "first_ids", "fs", "lit_ends", "lit_ids")

    def __init__(self, text: str, fs: int, fe: int) -> None:
        self.fs, self.fe = fs, fe
        frame = text[fs:fe]
        self.cues, lits, firsts, self.anywhere = _cue_index()
        ends = sorted((p + len(w), i) for i, w in lits if (p := frame.find(w)) >= 0)
        self.lit_ends, self.lit_ids = [e for e, _ in ends], [i for _, i in ends]
        starts = sorted((m.start(), i) for i, rx in firsts if (m := rx.search(frame)) is not None)
        self.first_at, self.first_ids = [a for a, _ in starts], [i for _, i in starts]

    def candidates(self, n_left: int, n_seen: int) -> list[_Cue]:
        """The cues, in the lexicon's order, that may match left of a figure ``n_left`` characters into the frame
        whose text up to the figure's end is ``n_seen`` characters long; the others cannot."""
        ids = [
            *self.anywhere,
            *self.lit_ids[: bisect.bisect_right(self.lit_ends, n_seen)],
            *self.first_ids[: bisect.bisect_left(self.first_at, n_left)],
        ]
        ids.sort()
        return [self.cues[i] for i in ids]


def _status(
    text: str,
    ss: int,
    cs: int,
    start: int,
    end: int,
    se: int,
    default: str = ACTUAL,
    ref_year: int = 0,
    frame: _FrameCues | None = None,
) -> str:
    """The status of the figure at ``[start, end)`` of the sentence ``[ss, se)`` whose clause starts at ``cs``;
    ``default`` when no cue speaks (the status its section's heading gives: 发展目标 → target). A future date
    cue counts when its year is after ``ref_year`` (the document's latest other year; never when that is 0).
    ``frame``: the cue table of ``text[ss:fe]`` for some ``fe >= end`` (made here when not given)."""
    left = text[ss:start]
    # an amount inside the frame of a supposition is one of its assumptions (按每亩1200棵、每棵2元计算)
    if any(a < len(left) < b for a, b in _supposition_spans(text[ss:se])):
        return HYPOTHETICAL
    # a cue may end inside the figure's own text when that opens with its verb (将|达到3.2万亩, 可|达1万元)
    seen = text[ss:end]
    clause_off = cs - ss
    best_pos, best = -1, ACTUAL
    weak_key, weak_pos, weak = (False, -1), -1, ACTUAL
    hyp_pos = -1
    if frame is None or frame.fs != ss or frame.fe < end:
        frame = _FrameCues(text, ss, max(se, end))
    # a word that does not occur, or a cue none of whose first characters is left of the figure: no regex run
    for cue in frame.candidates(len(left), len(seen)):
        for m in cue.rx.finditer(seen):
            if m.start() >= len(left) or (cue.scope == "clause" and m.start() < clause_off):
                continue
            if cue.scope == "future" and not (ref_year and int(m.group("y")) > ref_year):
                continue
            if cue.scope != "future" and m.groupdict().get("y") and ref_year and int(m.group("y")) < ref_year:
                continue  # 2015年将…: a plan of a year before the document's own is no frame
            if cue.status == HYPOTHETICAL and cue.scope == "sentence":
                hyp_pos = max(hyp_pos, m.end())
            # of the weak cues, a date that sets a deadline (明年, 到2025年) outranks a modal (明年将建成 is a plan)
            if cue.weak and (cue.status == TARGET, m.end()) > weak_key:
                weak_key, weak_pos, weak = (cue.status == TARGET, m.end()), m.end(), cue.status
            elif not cue.weak and m.end() > best_pos:
                best_pos, best = m.end(), cue.status
    # a supposition framing the sentence holds for what it projects (按每亩1200棵计算，每亩预计收入2400元)
    if best == PROJECTED and hyp_pos >= 0:
        best = HYPOTHETICAL
    # a weak cue (将) speaks only where no target, projection or supposition frames the figure (计划将有 is a target)
    if weak_pos > best_pos and best == ACTUAL:
        best_pos, best = weak_pos, weak
    if best == ACTUAL:
        ce = end
        while ce < se and text[ce] not in _CLAUSE_BOUNDS:
            ce += 1
        right = text[end:ce]
        for cue in _status_cues():
            if cue.scope == "after" and cue.rx.match(right.lstrip("的以上左右余多")):
                return cue.status
        if best_pos < 0:
            return default
    return best


_HARD_END = frozenset("。！？!?\n")


def _frame_start(text: str, ss: int) -> int:
    """Where the status frame of the sentence starting at ``ss`` begins: back over semicolons to the full stop, for
    the items of a list separated by semicolons share the cue that opens it (``预计：GDP达109亿元；农村居民可支配
    收入14186元。``, ``今年将新建电站10座；新建村级电站30座。``); an actual cue in an item (已, 去年) still resets."""
    w = ss
    while w > 0 and text[w - 1] not in _HARD_END:
        w -= 1
    return w


def _section_status(doc: Document) -> list[tuple[int, int, int, str]]:
    """(start, end, level, status) of the sections whose heading frames their figures (二、下步打算 → target),
    and of the articles whose title does (某县脱贫攻坚工作规划: level 0, so any framed section inside wins)."""
    cues = [c for c in _status_cues() if c.scope == "section"]
    out = []
    for art in doc.articles:
        for cue in cues:
            if art.title and cue.rx.search(art.title):
                out.append((art.start, art.end, 0, cue.status))
                break
        for sec in art.sections:
            for cue in cues:
                if cue.rx.search(sec.heading):
                    out.append((sec.start, sec.end, sec.level, cue.status))
                    break
    return out


def _default_status(sections: list[tuple[int, int, int, str]], pos: int) -> str:
    inner = [(level, status) for s, e, level, status in sections if s <= pos < e]
    return max(inner)[1] if inner else ACTUAL


def _default_statuses(sections: list[tuple[int, int, int, str]]) -> tuple[list[int], list[str]]:
    """``_default_status`` for every position at once: the sections' starts and ends cut the text into stretches
    inside which the same sections hold a position, so one answer per stretch (found by bisection) serves every
    figure — not a scan of all framed sections per figure (a long document has hundreds of each)."""
    points = sorted({p for s, e, _, _ in sections for p in (s, e)})
    return points, [_default_status(sections, p) for p in points]


def _status_at(table: tuple[list[int], list[str]], pos: int) -> str:
    points, answers = table
    i = bisect.bisect_right(points, pos) - 1
    return answers[i] if i >= 0 else ACTUAL


# ----------------------------------------------------------------------------------------------------- range


def _value_high(f: Figure) -> float | None:
    got = _range_of(f.mention.text)
    if got is None:
        return None
    value, high = got
    if abs(value - f.value) > 1e-6 * max(1.0, abs(f.value)):
        return None
    return high


@lru_cache(maxsize=8192)
def _range_of(span: str) -> tuple[float, float] | None:
    """(low, high) of the range a figure's text states (3至5万元), None when it states no range: parsed once per
    distinct text (a report repeats its 100万元 and 2000户 many times)."""
    if not may_state_range(span):
        return None
    q = parse_quantity(span)
    if q is None or q.value_high is None or q.value_high <= q.value:
        return None
    return q.value, q.value_high


# ------------------------------------------------------------------------------------------------------ main


def qualify_figures(doc: Document, figures: Sequence[Figure], mapper: Any = None) -> list[Figure]:
    """Set ``per``, ``status``, ``value_high`` and ``indicator_std`` on each figure (in place); returns them."""
    text = doc.text
    ordered = sorted(figures, key=lambda f: (f.mention.start, f.mention.end))
    prev: Figure | None = None
    prev_sent = (-1, -1)
    framed = _default_statuses(_section_status(doc))
    ref_year = reference_year(text) if text else 0
    frame: _FrameCues | None = None
    for f in ordered:
        start, end = f.mention.start, f.mention.end
        ss, se = sentence_span(text, start, end) if text else (start, end)
        cs = clause_start(text, start, ss) if text else start
        if prev is not None and prev_sent != (ss, se):
            prev = None
        # per: the words right before the number (after any earlier figure of the clause), then the indicator
        slash = _split_slash_unit(f, text[end : end + 12])
        lo = max(cs, prev.mention.end if prev is not None and prev.mention.end <= start else cs)
        per = _per_in(text[lo:start], f.unit)
        if not per:
            per = _per_one(text[cs:start], f.unit)
        if not per:
            per = _per_each(text[cs:start], text[start:end], f.unit)
        if not per:
            per = _per_after(text[end : end + 12], f.unit, text[cs:start])
        if not per:
            per = _per_in(f.indicator, f.unit)
        if not per and prev is not None and prev.per:
            per = _carried_per(text, prev, f, cs)
        f.per = slash or (per if _allowed(per, f.unit) else "")
        default = _status_at(framed, start)
        fs = _frame_start(text, ss) if text else ss
        if text and (frame is None or frame.fs != fs or frame.fe < max(se, end)):
            frame = _FrameCues(text, fs, max(se, end))  # the figures of a frame come one after another
        f.status = _status(text, fs, cs, start, end, se, default, ref_year, frame) if text else default
        f.value_high = _value_high(f)
        prev, prev_sent = f, (ss, se)
    if mapper is not None:  # after the loop, which may fix units (元/亩 → 元); each distinct pair mapped once
        totals = [f for f in ordered if "其中" not in f.indicator]  # a part row (其中铁路) is no total
        for f, ind in zip(totals, mapper.map_many([(f.indicator, f.unit) for f in totals]), strict=True):
            f.indicator_std = ind.name if ind is not None else ""
    return list(figures)


@lru_cache(maxsize=1)
def _change_of_prev() -> re.Pattern[str]:
    """A comparison that makes the next number the change of the one before (比上年增加, 较2017年增长)."""
    return re.compile(rf"(?:比|较)[^，,。；;]{{0,10}}?(?:{_alt(load('change_words').words())})")


def _carried_per(text: str, prev: Figure, f: Figure, cs: int) -> str:
    """The denominator ``f`` shares with the per-unit figure ``prev`` before it (a list or a parallel clause)."""
    gap = text[prev.mention.end : f.mention.start]
    if gap.strip() in _SAME_HEAD and f.unit not in _NO_PER_UNITS:  # 每亩折合600股、600元: one head, two amounts
        return prev.per
    if prev.unit != f.unit or len(gap) > _MAX_CARRY_GAP or prev.value <= 0 or f.value <= 0:
        return ""
    ratio = max(prev.value, f.value) / min(prev.value, f.value)
    if _change_of_prev().search(gap):  # 人均收入30795元，比上年增加2594元: the change of a per-unit amount
        ratio = 1.0
    if ratio > _MAX_CARRY_RATIO or _per_rules().total.search(text[max(cs, prev.mention.end) : f.mention.start]):
        return ""
    return prev.per
