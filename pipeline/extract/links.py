"""Practice → outcome links: which figures each program, product, formula or organization achieved, with the
relation (achieved, baseline, target) and evidence spans.

For every figure the practices named near it are candidate pairs (:func:`candidate_pairs`): the practices named
earlier in the paragraph or a little before, in the figure's sentence, by the figure's section heading, the
article's main practice and the one an anaphor (该模式) points back to. Each pair has features
(:func:`pair_features`: distance in characters, sentences and paragraphs, same clause/sentence/paragraph/list
item, whether another practice intervenes, cue words between, the practice's kind, the section's role, …).

The decision is learned (``pipeline.learn.links.LinkModel``, a logistic regression over these features trained on
sentences we wrote, ``models/training/links.tsv``); without the model the rules decide, each named in
``Link.rule``:

- ``rule:same_sentence``: the figure's sentence (or its 、-list item) names the practice;
- ``rule:anaphora``: the sentence points back to it (通过该模式…);
- ``rule:section_practice``: the figure's section heading names it;
- ``rule:outcome_section`` / ``rule:cue_after_practice``: the article's main practice, for a figure in an outcome
  (成效) section or in a sentence with an outcome cue after the practice was first named.

Background figures (before any practice is named, or in 背景/问题 sections) are not outcomes. The relation comes
from cue words around the figure (:func:`relation_of`): ``target`` (到2025年, 力争 …), ``baseline`` (the county's
situation before: 贫困发生率高达…, 有建档立卡贫困户…), else ``achieved``. The same evidence (a paragraph the page
repeats) gives one link.
"""

from __future__ import annotations

import bisect
import itertools
import math
import operator
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pipeline.extract.headings import SectionName, section_names
from pipeline.lexicon import LazyPattern, lazy_pattern, lazy_words, load
from pipeline.model import Article, Document, Figure, Link, Measure
from pipeline.text.chars import CLAUSE_BOUND, CLOSE_QUOTES, OPEN_QUOTES, SENT_END, SENT_END_RE
from pipeline.text.names import norm_name
from pipeline.text.segment import clause_start, list_item, sentence_span

PRACTICE_KINDS = ("program", "loan_product", "slogan", "organization")
OUTCOME_CUES = lazy_pattern("{words}", "outcome_cues")
NON_OUTCOME_ROLES = {"背景", "问题", "建议"}
OPENING = 8  # characters: a sentence's opening frame (力争到2025年，…) covers all its figures
LEDE = 250  # characters: the title, dateline and opening lines of an article
TITLE_LINE_MARKS = ("原标题", "标题", "题：", "题:")
WINDOW = 600  # characters before the figure's paragraph in which a named practice is a candidate

RELATIONS = ("achieved", "baseline", "target")
_TARGET = LazyPattern(lambda: re.compile(load("link_relations").alternation("relation", "target", escape=False)))
_BASELINE = LazyPattern(lambda: re.compile(load("link_relations").alternation("relation", "baseline", escape=False)))
_FROM = LazyPattern(lambda: re.compile(load("link_relations").alternation("relation", "from", escape=False)))
_CHANGE = LazyPattern(lambda: re.compile(load("link_relations").alternation("relation", "change", escape=False)))
_MEANS = LazyPattern(lambda: re.compile(f'(?:{load("link_cues").alternation("use", "means")})[“"]?$'))
_RESULT = LazyPattern(lambda: re.compile(load("link_cues").alternation("use", "result")))
# a word that opens a means clause (通过…, 依托…), followed by what comes after it (a quote is skipped)
_OPENER = LazyPattern(lambda: re.compile(f'(?:{load("link_cues").alternation("opener")})[“"「]?'))
# a practice head right after a quoted coinage (“三零”模式, “三变”改革): the quote names a practice
_NAMED_HEAD = LazyPattern(
    lambda: re.compile(f"[{CLOSE_QUOTES}]\\s?(?:{load('practice_suffixes').alternation('after_quote')})")
)
# a practice that opens an enumeration (采取“五个结合”：…；…, 做法是“三个一”：一是…): its items report its outcomes
_LIST_COLON = re.compile(f"[{CLOSE_QUOTES}]?[^，。；;,\\n：:]{{0,5}}[：:]")
# a practice named as the manner of something else (以“A”的方式…, 以A等形式; “A”政策 is the practice itself)
_AS_MANNER = LazyPattern(
    lambda: re.compile(f"[{CLOSE_QUOTES}]?(?:的|等)(?:{load('link_cues').alternation('use', 'manner')})")
)
# the object of a means clause that is a manner, not a practice (通过线上线下的方式, 通过创新思路, 各项政策)
_MANNER_IN = LazyPattern(lambda: re.compile(load("link_cues").alternation("use", "manner")))
_INPUT = LazyPattern(lambda: re.compile(load("link_cues").alternation("use", "input")))
# the words of OUTCOME_CUES and _RESULT (both alternations of escaped words): looked up in an article's index
_OUTCOME_WORDS = lazy_words("outcome_cues")
_RESULT_WORDS = lazy_words("link_cues", "use", "result")
MASK = "□"  # a practice mention in ``LinkContext.masked``
_LOG_1000 = math.log(1000)


def _occurrences(text: str, name: str, start: int, end: int) -> list[int]:
    out, i = [], text.find(name, start, end)
    while i != -1:
        out.append(i)
        i = text.find(name, i + 1, end)
    return out


def articles_of(doc: Document) -> list[Article]:
    return doc.articles or [Article(index=0, start=0, end=len(doc.text), title=doc.title)]


def _role_at(art: Article, pos: int) -> str:
    """The nearest role from the innermost section outwards (a subsection inherits its parent's role)."""
    roles = [s for s in art.sections if s.start <= pos < s.end and s.role]
    return max(roles, key=lambda s: s.level).role if roles else ""


_QUOTED = re.compile(f"[{OPEN_QUOTES}]([^{CLOSE_QUOTES}\n]{{2,16}})[{CLOSE_QUOTES}]")
MAIN_KINDS = ("program", "loan_product", "organization", "slogan")


def _title_zone(doc: Document, art: Article, n_lines: int = 3) -> str:
    """Title, subtitle and byline: where an article announces what it is about."""
    # the first non-blank lines, read from the text in place: splitting the whole article would copy it for every
    # pair (what ``doc.text[art.start:art.end].lstrip().split("\n")`` kept)
    text, i = doc.text, art.start
    lines: list[str] = []
    while i < art.end and text[i].isspace():
        i += 1
    while len(lines) < n_lines:
        j = text.find("\n", i, art.end)
        line = text[i : j if j >= 0 else art.end]
        if line.strip():
            lines.append(line)
        if j < 0:
            break
        i = j + 1
    return "\n".join([art.title, *lines])


def main_practice(doc: Document, art: Article, practices: Sequence[Measure]) -> Measure | None:
    """The practice the article is about: a practice (or a quoted coined term) its title zone names, else the
    most often named program; among several title terms, the one the body names most."""
    zone = _title_zone(doc, art)
    cands: dict[str, Measure] = {m.name: m for m in practices if m.kind in MAIN_KINDS}
    for q in _QUOTED.findall(zone):
        if q not in cands and len(_occurrences(doc.text, q, art.start, art.end)) >= 3:
            pos = doc.text.find(q, art.start, art.end)
            cands[q] = Measure(doc.mention(pos, pos + len(q), "MEASURE", "rule:title_quoted_term"), q, "program")
    best, best_score = None, 0.0
    for name, m in cands.items():
        n = len(_occurrences(doc.text, name, art.start, art.end))
        if not n:
            continue
        in_title = name in zone
        if m.kind == "organization" and not in_title:
            continue  # an organization is the practice only when the article says so up front
        if m.kind == "slogan" and not in_title:
            continue  # a formula is what the article is about only when its title says so
        bonus = {"program": 0.5, "slogan": -0.25}.get(m.kind, 0.0)
        score = n + (1000 if in_title else 0) + bonus
        if score > best_score:
            best, best_score = m, score
    return best


# A practice referred to by its head noun: 该模式, 这一机制, or a distinctive head alone (联合体, 协会).
_DEMONSTRATIVE = "(?:该|这一|这个|这种|此|上述)"
# generic heads (该模式) need a demonstrative; distinct ones (联合体, 协会) refer back alone
_ANAPHOR = LazyPattern(
    lambda: re.compile(
        f"{_DEMONSTRATIVE}({load('practice_suffixes').alternation('anaphor')}"
        f"|{load('link_cues').alternation('use', 'anaphor')})"
        f"|({load('practice_suffixes').alternation('anaphor', 'distinct')})"
    )
)
ANAPHOR_WINDOW = 800
# a one-character head that goes on into another word (这一社会…, 该行业…) is no anaphor
_HEAD_GOES_ON = re.compile("[会区保员业政为动长列情]")


def _anaphor(text: str, s0: int, pos: int, art_start: int, by_name: dict[str, Measure]) -> Measure | None:
    """The practice a sentence points back to (通过该模式…, 联合体带动农户…): the nearest earlier mention,
    within ``ANAPHOR_WINDOW`` characters, of a practice whose name ends with the same head."""
    for m in _ANAPHOR.finditer(text, s0, pos):
        head = m.group(1) or m.group(2)
        if len(head) == 1 and _HEAD_GOES_ON.match(text, m.end()):
            continue
        best, best_pos = None, -1
        lo = max(art_start, s0 - ANAPHOR_WINDOW)
        for name, meas in by_name.items():
            if not name.endswith(head) or len(name) <= len(head):
                continue
            at = text.rfind(name, lo, m.start())
            if at > best_pos:
                best, best_pos = meas, at
        if best is not None:
            return best
    return None


def _heading_practice_at(art: Article, pos: int, by_name: dict[str, Measure], named: dict[int, str]) -> Measure | None:
    """The practice named by the innermost heading around ``pos`` (``（三）建设食用菌产业园区``)."""
    for sec in sorted((s for s in art.sections if s.start <= pos < s.end), key=lambda s: -s.level):
        name = named.get(id(sec))
        if name is not None and name in by_name:
            return by_name[name]
    return None


# ------------------------------------------------------------------------------------------------- relation


# 到2020年 is the deadline most reports look back on; a later year the article has not reached is a target
LAST_PLAN_YEAR = 2020
_YEAR = re.compile(r"(?<![到至\d])((?:19|20)\d\d)年")
_TO_YEAR = re.compile(r"(?:到|至|在)((?:19|20)\d\d)年")


def latest_year(text: str, start: int = 0, end: int | None = None) -> int | None:
    """The latest year the text reports (2019年, 截至2020年底), not counting the years it looks ahead to (到2025年)."""
    years = [int(m.group(1)) for m in _YEAR.finditer(text, start, len(text) if end is None else end)]
    return max(years, default=None)


def relation_of(text: str, start: int, end: int, role: str = "", ref_year: int | None = None) -> str:
    """``target``, ``baseline`` or ``achieved`` for the figure at ``text[start:end]``, from cue words in its clause
    (and, for targets, its sentence's opening: 到2025年，全县…): 力争/计划/到 a year after ``ref_year`` (the
    latest year the article reports) → target; 贫困发生率高达, 有建档立卡贫困户, 过去 → baseline unless the
    clause reports a change (脱贫, 降至 …); a figure of a background (背景) section is baseline."""
    s0, s1 = sentence_span(text, start, end)
    c0 = clause_start(text, start, s0)
    c1 = end
    while c1 < s1 and text[c1] not in CLAUSE_BOUND:
        c1 += 1
    clause = text[c0:c1]
    left = text[c0:start]
    opening = text[s0 : min(start, s0 + OPENING)]
    if _TARGET.search(left) or _TARGET.search(opening):
        return "target"
    for m in _TO_YEAR.finditer(text, s0, start):
        year = int(m.group(1))
        ahead = ref_year is not None and year > ref_year and year > LAST_PLAN_YEAR
        if ahead and (m.start() < s0 + OPENING or m.start() >= c0):
            return "target"
    if _FROM.search(left):
        return "baseline"
    if _CHANGE.search(clause):
        return "achieved"
    if _BASELINE.search(left) or _BASELINE.search(opening) or role == "背景":
        return "baseline"
    return "achieved"


# ---------------------------------------------------------------------------------------- candidate pairs


@dataclass
class Pair:
    """A candidate (practice, figure) pair with the features the decision reads."""

    practice: Measure
    figure: Figure
    features: dict[str, float]
    evidence: tuple[int, int]  # the figure's sentence
    role: str = ""


@dataclass(slots=True)
class _Own:
    """One practice's mentions in an article, in order, with their starts and ends (both increasing)."""

    spans: list[tuple[int, int]]
    starts: list[int]
    ends: list[int]
    start_set: set[int]
    views: list[_Mention | None] = field(default_factory=list)  # ``_mention_view`` of spans[k], on first use


@dataclass
class LinkContext:
    """What the features of one article need: the practice mentions (sorted), paragraph and sentence starts."""

    doc: Document
    art: Article
    by_name: dict[str, Measure]
    mentions: list[tuple[int, int, str]]  # (start, end, name), sorted, nested names masked
    starts: list[int]
    para_starts: list[int]
    sent_ends: list[int]
    main: Measure | None
    first_mention: dict[str, int]
    heading_names: dict[int, str]
    ref_year: int | None = None
    masked: str = ""  # the text with practice names blanked, so cue words inside names (雨露计划) are not read
    title_zone: str = ""  # the article's title, subtitle and byline (:func:`_title_zone`)
    manner: set[int] = field(default_factory=set)  # starts of mentions named as a manner (以“A”的方式)
    own: dict[str, _Own] = field(default_factory=dict)  # name → its mentions, filled on first use
    ends: list[int] = field(default_factory=list)  # the mentions' ends, increasing (mentions never overlap)
    title_line: str = ""  # the article's title and first line (``_title_zone(doc, art, 1)``)
    occurrences: dict[str, int] = field(default_factory=dict)  # name → times it occurs in the article, on first use
    roles: dict[int, str] = field(default_factory=dict)  # stretch of ``section_bounds`` → ``_role_at``, on first use
    paras: dict[tuple[int, int], Counter[str]] = field(default_factory=dict)  # paragraph → names counted in it
    unnamed: dict[tuple[int, int], bool] = field(default_factory=dict)  # span → ``_unnamed_means``
    word_index: dict[str, _WordIndex] = field(default_factory=dict)  # cue words' occurrences, on first use
    names: dict[str, _Name] = field(default_factory=dict)  # name → what every pair of it reads, on first use
    breaks: list[int] = field(default_factory=list)  # the sentence ends of the article (``SENT_END_RE``), in order
    # the starts and ends of the article's sections, sorted and distinct: between two of them the same sections hold a
    # position, so what is read from those sections (its role, its heading's practice) is read once per stretch
    section_bounds: list[int] | None = None  # made on first use when not given
    headings_at: dict[int, Measure | None] = field(default_factory=dict)  # stretch → ``_heading_practice_at``
    # a sentence's start → (end read, ``_sentence_counters``), on first use
    counters: dict[int, tuple[int, dict[str, int], dict[str, int]]] = field(default_factory=dict)

    def sentence_span(self, start: int, end: int) -> tuple[int, int]:
        """``sentence_span(doc.text, start, end)``, read from the article's sentence ends by bisection (the text
        is searched only when the sentence runs out of the article)."""
        breaks = self.breaks
        k = bisect.bisect_left(breaks, start)  # breaks[k - 1]: the last sentence end before ``start``
        j = bisect.bisect_left(breaks, end)  # breaks[j]: the first at or after ``end``
        if k == 0 or j == len(breaks):
            return sentence_span(self.doc.text, start, end)
        return breaks[k - 1] + 1, breaks[j] + 1

    def name_view(self, name: str) -> _Name:
        """What every pair of the practice ``name`` reads (computed once per name and article)."""
        got = self.names.get(name)
        if got is None:
            got = self.names[name] = _Name(
                f"kind={self.by_name[name].kind}",
                self.own_mentions(name),
                name in self.title_line,
                name in self.title_zone,
                self.first_mention.get(name),
                name[-4:] if len(name) >= 5 else None,
                name[-3:],
                name[-3:] if len(name) >= 4 else None,
                name[-2:],
                name[:4] if len(name) >= 6 else None,
            )
        return got

    def has_word(self, which: str, lo: int, hi: int) -> bool:
        """One of the words ``which`` names (``outcome``: OUTCOME_CUES, ``result``: _RESULT) occurs inside
        ``text[lo:hi]``: what ``pattern.search(text, lo, hi)`` tells for an alternation of escaped words, read
        from the article's occurrences by bisection (the regex is asked outside the article)."""
        pattern = OUTCOME_CUES if which == "outcome" else _RESULT
        if lo < self.art.start or hi > self.art.end:
            return pattern.search(self.doc.text, lo, hi) is not None
        return self.word_index_of(which).inside(lo, hi)

    def word_index_of(self, which: str) -> _WordIndex:
        """The article's occurrences of the words ``which`` names (:meth:`has_word`), made on first use."""
        index = self.word_index.get(which)
        if index is None:
            words = _OUTCOME_WORDS if which == "outcome" else _RESULT_WORDS
            index = self.word_index[which] = _WordIndex.of(self.doc.text, list(words), self.art.start, self.art.end)
        return index

    def para_counts(self, p0: int, p1: int) -> Counter[str]:
        """How often each practice is named inside ``[p0, p1]`` (counted once per paragraph)."""
        got = self.paras.get((p0, p1))
        if got is None:
            got = self.paras[(p0, p1)] = Counter(n for s, e, n in self.within(p0, p1) if p0 <= s and e <= p1)
        return got

    def own_mentions(self, name: str) -> _Own:
        """The mentions of ``name``, with their starts and ends for bisecting (filled on first use)."""
        own = self.own.get(name)
        if own is None:
            spans = [(s, e) for s, e, n in self.mentions if n == name]
            own = self.own[name] = _Own(
                spans, [s for s, _ in spans], [e for _, e in spans], {s for s, _ in spans}, [None] * len(spans)
            )
        return own

    def role_at(self, pos: int) -> str:
        """``_role_at(art, pos)``, read once per stretch between section bounds (the sections holding ``pos``)."""
        k = bisect.bisect_right(self.bounds(), pos)
        role = self.roles.get(k)
        if role is None:
            role = self.roles[k] = _role_at(self.art, pos)
        return role

    def bounds(self) -> list[int]:
        """``section_bounds``, made from the article's sections when not given."""
        got = self.section_bounds
        if got is None:
            got = self.section_bounds = _section_bounds(self.art)
        return got

    def heading_practice_at(self, pos: int) -> Measure | None:
        """``_heading_practice_at`` for ``pos``, read once per stretch between section bounds."""
        k = bisect.bisect_right(self.bounds(), pos)
        if k in self.headings_at:
            return self.headings_at[k]
        got = self.headings_at[k] = _heading_practice_at(self.art, pos, self.by_name, self.heading_names)
        return got

    def n_occurrences(self, name: str) -> int:
        n = self.occurrences.get(name)
        if n is None:
            n = self.occurrences[name] = len(_occurrences(self.doc.text, name, self.art.start, self.art.end))
        return n

    def within(self, lo: int, hi: int) -> list[tuple[int, int, str]]:
        """The mentions that start in ``[lo, hi]``, in order (a superset of those inside ``[lo, hi]``): the
        features look at a window of the article, not at every mention of it for every pair."""
        return self.mentions[bisect.bisect_left(self.starts, lo) : bisect.bisect_right(self.starts, hi)]


@dataclass(slots=True)
class _Name:
    """What the features read of one practice, whatever the figure (computed once per name and article)."""

    kind_key: str  # the feature of the practice's kind
    own: _Own
    in_title_line: bool  # ``name in ctx.title_line``
    in_title_zone: bool  # ``name in ctx.title_zone``
    first: int | None  # ``ctx.first_mention.get(name)``
    # the slices of the name the features read, None when the name is too short for the feature to be read
    tail4: str | None  # ``name[-4:]`` of a name of 5 characters or more (``tail_in_sentence``)
    tail3: str  # ``name[-3:]``
    head3: str | None  # ``name[-3:]`` of a name of 4 characters or more (``head_in_clause``)
    head2: str  # ``name[-2:]``
    topic4: str | None  # ``name[:4]`` of a name of 6 characters or more (``topic_in_clause``)


@dataclass(slots=True)
class _WordIndex:
    """Every occurrence of a set of words in a stretch of text (overlapping ones too), by start, with the least end
    from each start on: whether a word lies inside ``[lo, hi)`` is one bisection."""

    starts: list[int]
    least_end: list[int]  # least_end[k] = min(end of occurrences k, k+1, …)

    @classmethod
    def of(cls, text: str, words: Sequence[str], start: int, end: int) -> _WordIndex:
        spans = sorted((i, i + len(w)) for w in set(words) if w for i in _occurrences(text, w, start, end))
        least, acc = [0] * len(spans), end + 1
        for k in range(len(spans) - 1, -1, -1):
            acc = min(acc, spans[k][1])
            least[k] = acc
        return cls([s for s, _ in spans], least)

    def inside(self, lo: int, hi: int) -> bool:
        k = bisect.bisect_left(self.starts, lo)
        return k < len(self.starts) and self.least_end[k] <= hi


def _mentions(text: str, names: Sequence[str], start: int, end: int) -> list[tuple[int, int, str]]:
    """Every occurrence of each name in ``text[start:end]``; a name inside a longer one's occurrence is not
    counted (扶贫小额信贷 inside 扶贫小额信贷风险补偿金)."""
    taken = bytearray(end - start)
    out = []
    for name in sorted(names, key=len, reverse=True):
        for i in _occurrences(text, name, start, end):
            if any(taken[i - start : i - start + len(name)]):
                continue
            taken[i - start : i - start + len(name)] = b"\x01" * len(name)
            out.append((i, i + len(name), name))
    return sorted(out)


def link_context(
    doc: Document, art: Article, practices: Sequence[Measure], heading_names: dict[int, str]
) -> LinkContext:
    text = doc.text
    by_name: dict[str, Measure] = {}
    for m in practices:
        if m.kind in PRACTICE_KINDS and len(norm_name(m.name)) >= 2:
            by_name.setdefault(m.name, m)
    mentions = _mentions(text, list(by_name), art.start, art.end)
    first: dict[str, int] = {}
    for s, _, name in mentions:
        first.setdefault(name, s)
    # paragraphs and sentence ends without the blank lines and the line breaks right after a sentence end, so
    # gaps count what a reader counts
    # (read from the article's sentence ends and line breaks, found by one regular expression, not a loop over its
    # characters)
    breaks = [m.start() for m in SENT_END_RE.finditer(text, art.start, art.end)]
    para_starts = [art.start] + [i + 1 for i in breaks if text[i] == "\n" and text[i + 1 : i + 2].strip()]
    sent_ends = [
        i for i in breaks if text[i] != "\n" or (i > 0 and text[i - 1] not in SENT_END and text[i - 1] != "\n")
    ]
    main = main_practice(doc, art, practices)
    if main is not None and main.name not in by_name:
        by_name[main.name] = main
    starts = [s for s, _, _ in mentions]
    year = latest_year(text, art.start, art.end)
    # only the stretch holding the mentions is copied as characters (a whole-text list per article was quadratic
    # in a long document of many articles)
    lo = min([art.start, *(s for s, _, _ in mentions)])
    hi = max([art.end, *(e for _, e, _ in mentions)])
    chars = list(text[lo:hi])
    for s, e, _ in mentions:
        chars[s - lo : e - lo] = MASK * (e - s)
    masked = text[:lo] + "".join(chars) + text[hi:] if mentions else text
    return LinkContext(
        doc,
        art,
        by_name,
        mentions,
        starts,
        para_starts,
        sent_ends,
        main,
        first,
        heading_names,
        year,
        masked,
        _title_zone(doc, art),
        {s for s, e, _ in mentions if _AS_MANNER.match(text, e)},
        ends=[e for _, e, _ in mentions],
        title_line=_title_zone(doc, art, 1),
        breaks=breaks,
        section_bounds=_section_bounds(art),
    )


def _section_bounds(art: Article) -> list[int]:
    """The starts and ends of the article's sections, sorted and distinct."""
    return sorted({b for sec in art.sections for b in (sec.start, sec.end)})


def _para_index(ctx: LinkContext, pos: int) -> int:
    return bisect.bisect_right(ctx.para_starts, pos) - 1


def _sent_index(ctx: LinkContext, pos: int) -> int:
    return bisect.bisect_left(ctx.sent_ends, pos)


_COUNTER = "[\\d一二三四五六七八九十两百]+[个家座所处批]|该|这些?|此|各|全县|全市|全区"


_COORDINATED = re.compile(f"[{CLOSE_QUOTES}]?(?:和|与|及|以及|、|同)[{OPEN_QUOTES}]?")


def _skip_quotes(text: str, i: int) -> int:
    m = _COORDINATED.match(text, i)
    return m.end() if m else -1


def _starts_at(ctx: LinkContext, i: int) -> bool:
    """A practice mention starts at ``i``."""
    k = bisect.bisect_left(ctx.starts, i)
    return k < len(ctx.starts) and ctx.starts[k] == i


def _joined_before(text: str, ctx: LinkContext, ms: int) -> bool:
    """The practice at ``ms`` is the second of a coordination (A和B): a practice mention ends just before the
    conjunction."""
    k = bisect.bisect_left(ctx.ends, ms - 4)  # the first mention ending at most 4 characters before ``ms``
    if k < len(ctx.ends) and ctx.ends[k] <= ms:
        m = _COORDINATED.match(text, ctx.ends[k])
        return m is not None and m.end() == ms
    return False


def _in_speech(text: str, s0: int, pos: int) -> bool:
    """The figure sits inside quoted speech: an open quote before it in its paragraph, not closed, after a speech
    verb or holding a long stretch (a quoted name such as “三金” is closed at once)."""
    lo = text.rfind("\n", 0, pos) + 1
    opened = -1  # the last open quote (``max`` of ``rfind`` over the quotes, read in a loop: no generator per figure)
    for q in OPEN_QUOTES:
        i = text.rfind(q, lo, pos)
        if i > opened:
            opened = i
    if opened < 0:
        return False
    for q in CLOSE_QUOTES:
        if text.find(q, opened, pos) != -1:
            return False
    return pos - opened > 12 or text[max(lo, opened - 3) : opened].rstrip("：:，,").endswith(("说", "道", "讲", "表示"))


def _unnamed_means(ctx: LinkContext, lo: int, hi: int) -> bool:
    """``text[lo:hi]`` opens a means clause (通过…, 依托…) whose object is no known practice (通过创新扶贫机制),
    nor a mere manner (通过线上线下的方式, 通过创新思路); asked once per span of the article (the pairs of a figure
    whose practices were named before its sentence all ask about the sentence)."""
    got = ctx.unnamed.get((lo, hi))
    if got is None:
        got = ctx.unnamed[(lo, hi)] = _unnamed_means_in(ctx.masked, lo, hi)
    return got


def _unnamed_means_in(masked: str, lo: int, hi: int) -> bool:
    for m in _OPENER.finditer(masked, lo, hi):
        if masked.startswith(MASK, m.end()):
            continue
        e = m.end()
        while e < len(masked) and masked[e] not in CLAUSE_BOUND:
            e += 1
        if not _MANNER_IN.search(masked, m.end(), e):
            return True
    return False


def _means_after(ctx: LinkContext, lo: int, hi: int) -> str | None:
    """The practice a means clause after the figure names (…2000户通过易地搬迁实现脱贫), within ``text[lo:hi]``."""
    for m in _OPENER.finditer(ctx.masked, lo, hi):
        if ctx.masked.startswith(MASK, m.end()):
            k = bisect.bisect_left(ctx.starts, m.end())
            if k < len(ctx.mentions) and ctx.mentions[k][0] == m.end():
                return ctx.mentions[k][2]
    return None


_COUNTED_PAIR_ENDS = frozenset(("这些", "全县", "全市", "全区"))
_COUNTED_CHAR_ENDS = frozenset("该这此各")
_COUNTER_DIGITS = frozenset("一二三四五六七八九十两百")
_COUNTER_MEASURES = frozenset("个家座所处批")


def _after_counter(left: str, i: int) -> bool:
    """A match of ``_COUNTER`` ends at ``left[i]`` (8个, 该, 这些, 全县): what ``(?:_COUNTER)`` before a head
    needs, read from the two characters before ``i``."""
    if i <= 0:
        return False
    c = left[i - 1]
    if c in _COUNTED_CHAR_ENDS or left[i - 2 : i] in _COUNTED_PAIR_ENDS:
        return True
    if c in _COUNTER_MEASURES and i >= 2:
        d = left[i - 2]
        return d in _COUNTER_DIGITS or d.isdecimal()  # ``\\d`` is a Unicode decimal digit (category Nd)
    return False


def _counted_head(left: str, name: str) -> bool:
    """The text before the figure refers to the practice by its head, counted or pointed at (11个合作社, 该车间):
    ``(?:_COUNTER)head`` for the last 3 or 2 characters of ``name``, read as the head's occurrences (``str.find``)
    each checked for a counter just before it (no regular expression per practice and figure)."""
    for k in (3, 2):
        head = name[-k:]
        i = left.find(head)
        while i != -1:
            if _after_counter(left, i):
                return True
            i = left.find(head, i + 1)
    return False


# the positions where ``_after_counter`` holds (a ``_COUNTER`` match ends just before them), as empty matches
_AFTER_COUNTER = re.compile(r"(?<=[该这此各])|(?<=这些|全县|全市|全区)|(?<=[\d一二三四五六七八九十两百][个家座所处批])")


def _counted_heads(left: str) -> tuple[frozenset[str], frozenset[str]]:
    """The 2- and 3-character stretches of ``left`` that start right after a counter (:func:`_after_counter`):
    ``_counted_head(left, name)`` for a name of 3 characters or more is ``name[-3:]`` in the second or ``name[-2:]``
    in the first, so a figure's left context is read once for all its candidates, not once per practice."""
    n = len(left)
    at = [m.start() for m in _AFTER_COUNTER.finditer(left)]
    return frozenset(left[i : i + 2] for i in at if i + 2 <= n), frozenset(left[i : i + 3] for i in at if i + 3 <= n)


def _sentence_counters(ctx: LinkContext, v: _FigureView) -> tuple[dict[str, int], dict[str, int]]:
    """The 2- and 3-character stretches right after a counter in the figure's sentence, each with the first place
    it starts (relative to the sentence start): ``_counted_heads(v.left_on)`` (``v.left_on`` is
    ``text[s0:fend + 4]``) holds ``h`` of length k exactly when ``at[h] + k <= len(v.left_on)``. Where
    ``_AFTER_COUNTER`` matches (a lookbehind: it reads only the characters before the position) is the same in
    ``text[s0:end + 4]`` for any ``end >= fend`` up to ``len(left_on)``, so the stretches are read once per
    sentence, on the longest left context of its figures, not once per figure."""
    s0, fend = v.s0, v.fend
    got = ctx.counters.get(s0)
    if got is None or got[0] < fend:
        end = v.s1 if v.s1 > fend else fend
        left = ctx.doc.text[s0 : end + 4]
        n = len(left)
        at2: dict[str, int] = {}
        at3: dict[str, int] = {}
        for m in _AFTER_COUNTER.finditer(left):
            i = m.start()
            if i + 2 <= n:
                at2.setdefault(left[i : i + 2], i)
                if i + 3 <= n:
                    at3.setdefault(left[i : i + 3], i)
        got = ctx.counters[s0] = (end, at2, at3)
    return got[1], got[2]


@dataclass(slots=True)
class _Mention:
    """What the features read at one practice mention, whatever the figure (computed once per mention)."""

    para: int  # paragraph index
    sent: int  # sentence index
    coordinated_after: bool  # 通过A和B: another practice named right after the conjunction
    joined_before: bool  # the second of a coordination (A和B)
    as_manner: bool
    named_head: bool
    colon_end: int  # end of the enumeration colon right after it, -1 when none
    # what a pair reads before the mention when the figure's sentence starts further back (``s0 < ms - 4``,
    # ``s0 <= ms - 8``): the same characters whatever the figure, so read once per mention
    conj_before: bool  # ``_COORDINATED.match(text, ms - 4, ms)`` (ms ≥ 4), else False
    means_before: bool  # ``_MEANS.search(text[ms - 8 : ms])`` (ms ≥ 8), else False


def _mention_view(ctx: LinkContext, ms: int, me: int) -> _Mention:
    """What the features read at the mention ``text[ms:me]`` (kept in its practice's ``_Own.views``)."""
    text = ctx.doc.text
    colon = _LIST_COLON.match(text, me)
    return _Mention(
        _para_index(ctx, ms),
        _sent_index(ctx, ms),
        bool(_COORDINATED.match(text, me) and _starts_at(ctx, _skip_quotes(text, me))),
        _joined_before(text, ctx, ms),
        bool(_AS_MANNER.match(text, me)),
        bool(_NAMED_HEAD.match(text, me)),
        colon.end() if colon is not None else -1,
        ms >= 4 and _COORDINATED.match(text, ms - 4, ms) is not None,
        ms >= 8 and _MEANS.search(text[ms - 8 : ms]) is not None,
    )


@dataclass(slots=True)
class _FigureView:
    """What the features read around one figure, whatever the practice (computed once per figure)."""

    pos: int
    fend: int
    s0: int
    s1: int
    c0: int
    c1: int  # end of the figure's clause
    item: str
    item_lo: int
    para: int  # paragraph index
    sent: int  # sentence index
    p0: int
    p1: int
    role: str
    in_sentence: list[tuple[int, str]]  # mentions ending before the figure in its sentence, nearest first
    in_paragraph: list[tuple[int, str]]  # the same in its paragraph
    sentence_names: set[str]  # practices named (not as a manner) inside the sentence
    means_after: str | None
    unnamed_means_in_para: bool
    left: str  # text[s0:pos]
    left_on: str  # text[s0:fend + 4]
    sentence: str  # text[s0:s1]
    clause: str  # text[c0:fend]
    masked_clause: str  # ctx.masked[c0:pos]
    in_speech: bool
    in_title: bool
    cue_in_sentence: bool
    cue_in_clause: bool
    input_in_clause: bool
    # the names that can be the nearest of ``in_sentence`` (``in_paragraph``) for some practice: the mentions up
    # to the first not named as a manner (:func:`_nearest_names`)
    near_in_sentence: frozenset[str] = frozenset()
    near_in_paragraph: frozenset[str] = frozenset()
    in_para: Counter[str] = field(default_factory=Counter)  # ``ctx.para_counts(p0, p1)``
    para_max: int = 0  # the most times a practice is named in the paragraph
    role_key: str = ""  # the feature of the section's role
    window_end: int = 0  # ``max(s1, p1)``: a practice's mentions up to here are its candidates' after the figure


def _nearest_names(ctx: LinkContext, mentions: list[tuple[int, str]]) -> frozenset[str]:
    """The practices ``name`` for which ``next(n for s, n in mentions if not by_way(s, name)) == name``, where
    ``by_way(s, name)``: the mention at ``s`` is named as a manner and is not one of ``name``'s (its own name is
    ``name``, as mentions never overlap): the names up to (with) the first mention not named as a manner."""
    out = set()
    for s, n in mentions:
        out.add(n)
        if s not in ctx.manner:
            break
    return frozenset(out)


def _figure_view(ctx: LinkContext, fig: Figure) -> _FigureView:
    text = ctx.doc.text
    art = ctx.art
    pos, fend = fig.mention.start, fig.mention.end
    s0, s1 = ctx.sentence_span(pos, fend)
    c0 = clause_start(text, pos, s0)
    item = list_item(text, pos, fend, s0, s1)
    item_lo = text.find(item, s0, s1) if item else -1
    pi = _para_index(ctx, pos)
    p0 = ctx.para_starts[pi]
    p1 = ctx.para_starts[pi + 1] if pi + 1 < len(ctx.para_starts) else art.end
    c1 = fend
    while c1 < s1 and text[c1] not in CLAUSE_BOUND:
        c1 += 1
    nl = text.find("\n", p0)  # not `"\n" in text[p0:]`: a copy of the rest of the text for every figure
    line = text[p0 : nl if nl >= 0 else len(text)].strip()
    in_title = pos - art.start < LEDE and (
        line == art.title.strip() or line.startswith(TITLE_LINE_MARKS) or p0 == art.start
    )
    in_sentence = [(s, n) for s, e, n in reversed(ctx.within(s0, pos)) if e <= pos and s >= s0]
    in_paragraph = [(s, n) for s, e, n in reversed(ctx.within(p0, pos)) if e <= pos and s >= p0]
    in_para = ctx.para_counts(p0, p1)
    role = ctx.role_at(pos)
    return _FigureView(
        pos,
        fend,
        s0,
        s1,
        c0,
        c1,
        item,
        item_lo,
        pi,
        _sent_index(ctx, pos),
        p0,
        p1,
        role,
        in_sentence,
        in_paragraph,
        {n for s, e, n in ctx.within(s0, s1) if s0 <= s and e <= s1 and s not in ctx.manner},
        _means_after(ctx, fend, c1),
        _unnamed_means(ctx, p0, s0),
        text[s0:pos],
        text[s0 : fend + 4],
        text[s0:s1],
        text[c0:fend],
        ctx.masked[c0:pos],
        _in_speech(text, s0, pos),
        in_title,
        OUTCOME_CUES.search(text, s0, s1) is not None,
        OUTCOME_CUES.search(text, c0, pos) is not None,
        _INPUT.search(ctx.masked, c0, pos) is not None,
        _nearest_names(ctx, in_sentence),
        _nearest_names(ctx, in_paragraph),
        in_para,
        max(in_para.values(), default=0),
        f"role={role or 'none'}",
        max(s1, p1),
    )


# Features read last by :func:`pair_features`: each is never negative and the link model weighs each below zero, so
# once the others are known they can only lower a pair's score (:class:`Prune`)
DEFERRED = ("intervening", "cue_between", "result_between", "means_before", "unnamed_means_between")


@dataclass(frozen=True)
class Prune:
    """A linear link model's weights, intercept and the score its threshold needs: a pair whose score without the
    :data:`DEFERRED` features (whose weights are all ≤ 0) is already below that cannot pass, and its remaining
    features are not read. ``margin`` covers the order in which floating-point terms are added."""

    weights: dict[str, float]
    intercept: float
    cut: float
    margin: float = 1e-6

    @classmethod
    def of(cls, model: Any) -> Prune | None:
        """From a model whose ``pruning()`` gives (weights, intercept, threshold score), when it weighs none of
        :data:`DEFERRED` above zero; else None (every pair is read whole)."""
        pruning = getattr(model, "pruning", None)
        got = pruning() if pruning is not None else None
        if got is None:
            return None
        weights, intercept, cut = got
        if any(weights.get(k, 0.0) > 0.0 for k in DEFERRED):
            return None
        return cls(weights, intercept, cut)

    def below(self, features: dict[str, float]) -> bool:
        """The score of ``features`` (a feature the model does not know weighs nothing) is below the cut."""
        score = sum(map(operator.mul, map(self.weights.get, features, itertools.repeat(0.0)), features.values()))
        return self.intercept + score < self.cut - self.margin


def pair_features(
    ctx: LinkContext, name: str, fig: Figure, extra: set[str], view: _FigureView | None = None
) -> dict[str, float]:
    """Features of the pair (practice ``name``, ``fig``); ``extra``: how the candidate was proposed (``heading``,
    ``anaphor``, ``main``); ``view``: what the features read around the figure (:func:`_figure_view`, made here
    when not given: :func:`candidate_pairs` makes it once for all the figure's pairs)."""
    f = _pair_features(ctx, name, fig, extra, view, None)
    assert f is not None  # only a ``Prune`` stops early
    return f


def _pair_features(
    ctx: LinkContext, name: str, fig: Figure, extra: set[str], view: _FigureView | None, prune: Prune | None
) -> dict[str, float] | None:
    """:func:`pair_features`, or None when ``prune`` tells the pair cannot pass the link model's threshold."""
    got = _figure_pair_features(ctx, fig, {name: extra}, _figure_view(ctx, fig) if view is None else view, prune)
    return got[0][1] if got else None


def _figure_pair_features(
    ctx: LinkContext, fig: Figure, names: dict[str, set[str]], v: _FigureView, prune: Prune | None
) -> list[tuple[str, dict[str, float]]]:
    """(name, :func:`pair_features`) for each practice ``name`` of ``names`` (name → how it was proposed) that
    ``ctx.by_name`` knows, in order, but those ``prune`` tells cannot pass the link model's threshold: one loop
    over a figure's candidates, which reads the figure's surroundings once."""
    text = ctx.doc.text
    pos, fend, s0, s1, c0, p0 = v.pos, v.fend, v.s0, v.s1, v.c0, v.p0
    item, item_lo = v.item, v.item_lo
    role = v.role
    role_key = v.role_key
    v_sent, v_para = v.sent, v.para
    log1p = math.log1p
    # the prune's test (:meth:`Prune.below`) and the cue words' test (:meth:`LinkContext.has_word`) read in place,
    # with the same operations in the same order: no call per pair
    if prune is not None:
        w_get, intercept, cut = prune.weights.get, prune.intercept, prune.cut - prune.margin
    zero = itertools.repeat(0.0)
    mul = operator.mul
    # ``_counted_head(v.left_on, name)`` for every candidate: where each head follows a counter in the sentence
    at2, at3 = _sentence_counters(ctx, v)
    far = n_left = len(v.left_on)  # a stretch the dicts lack is read as starting at ``far``: past the left context
    by_name, names_get = ctx.by_name, ctx.names.get
    log_1000 = _LOG_1000
    sentence_names = v.sentence_names
    n_sentence_names = len(sentence_names)
    window_end = v.window_end
    bisect_left, bisect_right = bisect.bisect_left, bisect.bisect_right
    # the article's cue-word indexes (:meth:`LinkContext.has_word`), read in place for spans inside the article
    art_start = ctx.art.start
    in_art = ctx.art.start <= pos <= ctx.art.end
    outcome_index, result_index = ctx.word_index_of("outcome"), ctx.word_index_of("result")
    out_starts, out_least, n_out = outcome_index.starts, outcome_index.least_end, len(outcome_index.starts)
    res_starts, res_least, n_res = result_index.starts, result_index.least_end, len(result_index.starts)
    out: list[tuple[str, dict[str, float]]] = []
    for name, extra in names.items():
        if name not in by_name:
            continue
        nv = names_get(name) or ctx.name_view(name)
        f: dict[str, float] = {nv.kind_key: 1.0}
        f[role_key] = 1.0

        # the mention that matters: the nearest before the figure, else the nearest after it in the same sentence
        # bisecting the practice's own mentions (sorted, never overlapping): no scan of them for every pair
        own_m = nv.own
        own = own_m.spans
        own_views = own_m.views
        k_before = bisect_right(own_m.ends, pos)  # own[:k_before] end before the figure
        k_after = bisect_left(own_m.starts, fend)  # own[k_after:]: after the figure
        n_own = len(own)
        if k_before < n_own and own[k_before][0] < fend:  # the figure inside the name (三个万亩)
            f["inside"] = 1.0
        last_before = own[k_before - 1] if k_before else None
        # up to the figure's paragraph end (``k_after < bisect_left(starts, window_end)``: the starts are sorted)
        first_after = own[k_after] if k_after < n_own and own[k_after][0] < window_end else None
        if last_before is not None and last_before[0] >= s0:
            ment: tuple[int, int] | None = last_before
            k_ment = k_before - 1
        elif first_after is not None and first_after[0] < s1:
            ment, k_ment = first_after, k_after
        elif last_before is not None:
            ment, k_ment = last_before, k_before - 1
        else:
            ment, k_ment = first_after, k_after
        same_sent = same_paragraph = nearest_in_sentence = nearest_in_paragraph = para_opening = coordinated = False
        if ment is not None:
            ms, me = ment
            got = own_views[k_ment]  # ``_mention_view(ctx, ms, me)``, kept with the practice's own mentions
            if got is None:
                got = own_views[k_ment] = _mention_view(ctx, ms, me)
            mv = got
            is_before = me <= pos
            dist = (pos - me) if is_before else (ms - fend)
            f["before" if is_before else "after"] = 1.0
            f["log_dist"] = log1p(dist if dist > 0 else 0) / log_1000
            if dist <= 4:
                f["adjacent"] = 1.0
            same_sent = ms >= s0 and me <= s1
            if same_sent:
                f["same_sentence"] = 1.0
                if ms >= c0:
                    f["same_clause"] = 1.0
            sg = v_sent - mv.sent
            if sg < 0:
                sg = -sg
            f["sent_gap"] = (sg if sg < 10 else 10) / 10  # numeric, so farther is never better
            pg = v_para - mv.para
            if pg < 0:
                pg = -pg
            f["para_gap"] = (pg if pg < 5 else 5) / 5
            if pg == 0:
                f["same_paragraph"] = 1.0
                same_paragraph = True
            if item:
                if item_lo <= ms < item_lo + len(item):
                    f["same_item"] = 1.0
                elif same_sent and ms > c0:
                    f["other_item"] = 1.0
            if mv.coordinated_after:
                f["coordinated"] = 1.0  # 通过A和B，…: A is joined to the next practice named
                coordinated = True
            if mv.joined_before or (mv.conj_before if ms - 4 > s0 else _COORDINATED.match(text, s0, ms)):
                f["coordinated"] = 1.0
                coordinated = True
            if p0 <= ms < p0 + 12:  # the figure's paragraph opens with this practice
                f["para_opening"] = 1.0
                para_opening = True
            if mv.as_manner:
                f["as_manner"] = 1.0  # 以“企业+村集体+农户”的方式代养: named as the manner of another practice
            if mv.named_head:
                f["named_head"] = 1.0  # “三零”模式: a quoted coinage the text calls a practice
            if is_before and 0 <= mv.colon_end <= pos and mv.para == v_para:
                f["list_head"] = 1.0  # the practice opens the enumeration the figure is in
            # a means of its own serves the article's title practice, but replaces any other earlier practice
            own_means = is_before and not nv.in_title_line
            if own_means and mv.para != v_para and v.unnamed_means_in_para:
                f["unnamed_means_in_para"] = 1.0  # the figure's paragraph opens a means of its own (以产业开发带动…)
            other_after = v.means_after  # in the figure's clause: 2000户通过B实现…
            if other_after and other_after != name:
                f["other_means_after"] = 1.0  # 2000户通过B实现脱贫: the figure is B's outcome, not this one's
            elif other_after == name:
                f["means_after"] = 1.0
            # the nearest practice named before the figure in its sentence (paragraph), skipping another practice
            # named only as a manner (以“A”的方式), which is no rival
            if name in v.near_in_sentence:
                f["nearest_in_sentence"] = 1.0
                nearest_in_sentence = True
            if name in v.near_in_paragraph:
                f["nearest_in_paragraph"] = 1.0
                nearest_in_paragraph = True

        else:
            f["no_mention_near"] = 1.0
        count = v.in_para.get(name, 0)  # how often the practice is named in the figure's paragraph
        f["para_count"] = (count if count < 4 else 4) / 4
        if count >= 2 and v.para_max <= count:
            f["para_topic"] = 1.0
        tail4 = nv.tail4
        if tail4 is not None and not same_sent and (tail4 in v.sentence or nv.tail3 in v.clause):
            f["tail_in_sentence"] = 1.0  # 11个扶贫车间吸纳就业… after 项目建设扶贫车间
        # ``v.left`` is a prefix of ``v.left_on``, and whether a counter comes before a head read there reads the same
        # characters: ``_counted_head(v.left, name)`` implies ``_counted_head(v.left_on, name)``
        head3 = nv.head3
        head_in_clause = head3 is not None and (
            at3.get(head3, far) + 3 <= n_left or at2.get(nv.head2, far) + 2 <= n_left
        )
        if head_in_clause:
            f["head_in_clause"] = 1.0  # 全县7个合作社吸收社员… for 扶贫互助合作社, 该车间吸纳… for 扶贫车间
        if v.in_speech:
            f["fig_in_speech"] = 1.0  # a villager's words (“我们一年能挣3000多元”) report no practice's outcome
        if v.in_title:
            f["fig_in_title"] = 1.0  # a title line that sums up the article (…带动3000户增收)
        others = n_sentence_names > (1 if name in sentence_names else 0)  # another practice in the sentence
        if others and not nearest_in_sentence:
            f["other_nearer"] = 1.0  # another practice is named nearer the figure in its sentence
        if v.cue_in_sentence:
            f["cue_in_sentence"] = 1.0
        if v.cue_in_clause:
            f["cue_in_clause"] = 1.0
        topic4 = nv.topic4
        if topic4 is not None and topic4 in v.masked_clause:
            f["topic_in_clause"] = 1.0  # 电子商务交易额907万元 for 电子商务进农村综合示范: the clause counts its topic
        if v.input_in_clause:
            f["input_in_clause"] = 1.0  # 选派30名干部, 召开推进会8次: the county's work put in, no outcome
        # a few conjunctions a linear model cannot form itself
        if para_opening and not nearest_in_paragraph:
            f["topic_over_nearer"] = 1.0  # the paragraph opens with this practice; another is named in passing
        if coordinated and same_sent:
            f["coordinated_in_sentence"] = 1.0
        first = nv.first
        if first is None or first > pos:
            f["before_first_mention"] = 1.0
        for e in sorted(extra) if extra else ():
            f[e] = 1.0
            if e == "main":
                if role == "成效":
                    f["main&outcome_section"] = 1.0
                if not others and ment is None:
                    f["main&alone"] = 1.0
                if nv.in_title_zone:
                    f["main_in_title"] = 1.0
                    if v.cue_in_clause and role not in NON_OUTCOME_ROLES:
                        f["title_practice_outcome"] = 1.0  # what the article's own practice achieved (累计发放…)
                if v.in_title:
                    f["main&title_line"] = 1.0
                if head_in_clause:
                    f["main&head_in_clause"] = 1.0
                passing = ctx.n_occurrences(name) <= 1 and not same_paragraph
                if passing and not nv.in_title_line:
                    f["main_in_passing"] = 1.0  # the most-named practice, named once and not in the title
        if prune is not None and intercept + sum(map(mul, map(w_get, f, zero), f.values())) < cut:
            continue  # the features still to come (:data:`DEFERRED`) only lower the score: the pair cannot pass
        if ment is None:
            out.append((name, f))
            continue
        # features that only lower the link model's score (:data:`DEFERRED`), read last so that ``prune`` can stop first
        ms, me = ment
        is_before = me <= pos
        lo, hi = (me, pos) if is_before else (fend, ms)
        between: set[str] = set()  # up to 3 other practices named between: the feature counts no further
        for bs, be, bn in ctx.within(lo, hi):
            if bs >= lo and be <= hi and bn != name and bs not in ctx.manner:
                between.add(bn)
                if len(between) >= 3:
                    break
        f["intervening"] = min(len(between), 3) / 3
        if is_before:  # ``ctx.has_word("outcome", me, pos)``
            if in_art and me >= art_start:
                k = bisect_left(out_starts, me)
                if k < n_out and out_least[k] <= pos:
                    f["cue_between"] = 1.0
            elif ctx.has_word("outcome", me, pos):
                f["cue_between"] = 1.0
        r_lo = me if is_before else c0
        if in_art and r_lo >= art_start:  # ``ctx.has_word("result", r_lo, pos)`` read from the index in place
            k = bisect_left(res_starts, r_lo)
            if k < n_res and res_least[k] <= pos:
                f["result_between"] = 1.0
        elif ctx.has_word("result", r_lo, pos):
            f["result_between"] = 1.0
        if mv.means_before if ms - 8 >= s0 else _MEANS.search(text[s0:ms]):
            f["means_before"] = 1.0  # 通过A, 依托A, 实施A
        if is_before and not nv.in_title_line and _unnamed_means(ctx, max(me, s0), pos):
            f["unnamed_means_between"] = 1.0  # 通过创新机制，…: the sentence names a means of its own
        out.append((name, f))
    return out


def candidate_pairs(ctx: LinkContext, fig: Figure, prune: Prune | None = None) -> list[Pair]:
    """The candidate pairs of one figure: practices named in its paragraph or up to ``WINDOW`` characters before
    it, its section's practice, the practice an anaphor points to, the article's main practice. With ``prune``
    (the link model's :class:`Prune`), the pairs that provably cannot pass its threshold are left out: the model
    would reject them, so :func:`decide` links the same pairs."""
    text = ctx.doc.text
    view = _figure_view(ctx, fig)
    pos, s0, s1, p0, p1, role = view.pos, view.s0, view.s1, view.p0, view.p1, view.role
    lo = max(ctx.art.start, p0 - WINDOW)
    a, b = bisect.bisect_left(ctx.starts, lo), bisect.bisect_left(ctx.starts, max(s1, p1))
    names: dict[str, set[str]] = {n: set() for _, _, n in ctx.mentions[a:b]}
    heading = ctx.heading_practice_at(pos)
    if heading is not None:
        names.setdefault(heading.name, set()).add("heading")
    ref = _anaphor(text, s0, pos, ctx.art.start, ctx.by_name)
    if ref is not None:
        names.setdefault(ref.name, set()).add("anaphor")
    elif p0 < s0:
        ref = _anaphor(text, p0, s0, ctx.art.start, ctx.by_name)  # 该行今年已发放…。同时，…
        if ref is not None:
            names.setdefault(ref.name, set()).add("para_anaphor")
    if ctx.main is not None:
        names.setdefault(ctx.main.name, set()).add("main")
    by_name = ctx.by_name
    return [Pair(by_name[n], fig, f, (s0, s1), role) for n, f in _figure_pair_features(ctx, fig, names, view, prune)]


# ------------------------------------------------------------------------------------------------ decisions


def rule_decision(pair: Pair) -> str | None:
    """The rule that links a pair when no model is loaded (the rules of the module docstring), or None."""
    f = pair.features
    if pair.role in NON_OUTCOME_ROLES:
        return None
    if f.get("same_sentence") and not f.get("other_item") and pair.practice.kind != "slogan":
        return "rule:same_sentence"
    if f.get("anaphor") and not f.get("same_sentence"):
        return "rule:anaphora"
    if f.get("heading"):
        return "rule:section_practice"
    if f.get("main"):
        if pair.role == "成效":
            return "rule:outcome_section"
        if not f.get("before_first_mention") and f.get("cue_in_sentence"):
            return "rule:cue_after_practice"
    return None


def _rules_decide(pairs: Sequence[Pair]) -> list[tuple[Pair, str]]:
    decided = [(p, rule_decision(p)) for p in pairs]
    named = [(p, r) for p, r in decided if r in ("rule:same_sentence", "rule:anaphora")]
    heading = [(p, r) for p, r in decided if r == "rule:section_practice"]
    if named or heading:
        return [(p, r) for p, r in named + heading if r is not None]
    return [(p, r) for p, r in decided if r is not None]


def decide(pairs: Sequence[Pair], model: Any = None, probs: Sequence[float] | None = None) -> list[tuple[Pair, str]]:
    """The pairs of one figure that are links, with the rule or model that said so. ``probs``: the model's
    probabilities for ``pairs`` when already computed (:func:`link_outcomes` asks once per article)."""
    if not pairs:
        return []
    if model is None:
        return _rules_decide(pairs)
    if probs is None:
        probs = model.predict_proba([p.features for p in pairs])
    ranked = sorted(zip(probs, range(len(pairs)), strict=True), reverse=True)
    out: list[tuple[Pair, str]] = []
    for k, (p, i) in enumerate(ranked):
        if p < model.threshold or len(out) >= 3:
            break
        f = pairs[i].features
        if k == 0 or p >= model.second_threshold or f.get("main") or f.get("coordinated"):
            out.append((pairs[i], model.source))  # a second practice: a clear one, or the article's own
    return out


def _pair_probs(pairs_of: Sequence[Sequence[Pair]], model: Any) -> list[Sequence[float] | None]:
    """The model's probabilities for each figure's pairs, from one call over all of them (None without a model)."""
    if model is None:
        return [None] * len(pairs_of)
    flat = [p.features for pairs in pairs_of for p in pairs]
    probs = model.predict_proba(flat) if flat else []
    out: list[Sequence[float] | None] = []
    i = 0
    for pairs in pairs_of:
        out.append(probs[i : i + len(pairs)])
        i += len(pairs)
    return out


# --------------------------------------------------------------------------------------------------- links


def link_outcomes(
    doc: Document,
    measures: Sequence[Measure],
    figures: Sequence[Figure],
    headings: Sequence[SectionName] | None = None,
    model: Any = None,
) -> list[Link]:
    """Links of every figure to the practices it is an outcome (or baseline, or target) of; ``headings``: what
    each section heading names (parsed here when not given); ``model``: the learned link decision
    (``LinkModel``), else the rules."""
    heading_names = {id(sn.section): sn.name for sn in (section_names(doc) if headings is None else headings)}
    links: list[Link] = []
    seen: set[tuple[str, float, str, str, str]] = set()
    fig_starts = [fig.mention.start for fig in figures]
    in_order = all(a <= b for a, b in itertools.pairwise(fig_starts))
    prune = Prune.of(model) if model is not None else None
    for art in articles_of(doc):
        ctx = link_context(doc, art, measures, heading_names)
        if not ctx.by_name:
            continue
        if in_order:  # figures come in text order: the article's are one slice (a scan per article was quadratic)
            figs = list(figures[bisect.bisect_left(fig_starts, art.start) : bisect.bisect_left(fig_starts, art.end)])
        else:
            figs = [fig for fig in figures if art.start <= fig.mention.start < art.end]
        pairs_of = [candidate_pairs(ctx, fig, prune) for fig in figs]
        first_any = min(ctx.first_mention.values(), default=art.end)
        for fig, pairs, probs in zip(figs, pairs_of, _pair_probs(pairs_of, model), strict=True):
            pos = fig.mention.start
            relations: dict[str, str] = {}  # role → relation: the figure's pairs share its clause and section
            for pair, rule in decide(pairs, model, probs):
                s0, s1 = pair.evidence
                relation = relations.get(pair.role)
                if relation is None:
                    relation = relations[pair.role] = relation_of(
                        ctx.masked, fig.mention.start, fig.mention.end, pair.role, ctx.ref_year
                    )
                f = pair.features
                named_before = f.get("heading")  # the section heading names the practice
                early = pos < first_any and not (f.get("same_paragraph") or f.get("fig_in_title") or named_before)
                if relation == "achieved" and early:
                    continue  # a fact stated before any practice is named (面积, 总人口) is no outcome
                key = (pair.practice.name, fig.value, fig.unit, relation, doc.text[s0:s1].strip())
                if key in seen:
                    continue  # a paragraph the page repeats: one link
                seen.add(key)
                evidence = doc.mention(s0, s1, "EVIDENCE", rule)
                link = Link(pair.practice, fig, relation=relation, rule=rule, evidence=evidence, role=pair.role)
                links.append(link)
    return links


__all__ = [
    "RELATIONS",
    "LinkContext",
    "Pair",
    "Prune",
    "articles_of",
    "candidate_pairs",
    "decide",
    "latest_year",
    "link_context",
    "link_outcomes",
    "main_practice",
    "pair_features",
    "relation_of",
    "rule_decision",
    "sentence_span",
]
