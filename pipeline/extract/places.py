"""PLACE extraction: gazetteer matches filtered by context, resolved to one adcode, with the focal county.

Precision first: a gazetteer hit is only a place when its context says so. Hits followed by a feature
or institution word (``凯里学院``, ``雷山县水库``) name something else; a bare form without a suffix
(``榕江``) is accepted only in the document's own province or right after/before its parent or child;
a one-character stem (``和县``) only after its parent, since ``县委和县政府`` is prose. Ambiguous names
(``朝阳区``) are resolved by a parent written just before them, then by the document's dominant
prefecture/province, and dropped when still ambiguous.
"""

from __future__ import annotations

import bisect
import itertools
import logging
import re
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from pipeline.gazetteer import Entry, Gazetteer, GazMatch, strip_suffix
from pipeline.lexicon import LazyWords, lazy_words
from pipeline.model import Document, Place
from pipeline.text.chars import is_han_basic

log = logging.getLogger(__name__)

SOURCE = "gazetteer"

# Words that, written right after a name, make it part of another entity's name (not a place mention).
NOT_PLACE_AFTER = lazy_words("place_context", "use", "not_place_after")
# A suffix char that, with the next char, forms an ordinary word: the suffix is not the unit's (合作市场).
SUFFIX_BREAKERS = lazy_words("place_context", "use", "suffix_breaker")
# After a one-character stem's suffix these continue a 县/市 word (县委和县政府 → 和|县政府).
GENERIC_STEM = lazy_words("place_chars", "generic_stem")
GOV_AFTER = lazy_words("place_chars", "gov_after")
# Heads of organisation and outlet names written after a place (衡水分行, 中国湖北网; 金控集团 after a trade name).
ORG_HEAD = lazy_words("org_heads")
ORG_HEAD_FAR = lazy_words("org_heads", "far")

# References to "the county" that point back to the most recently named county.
ANAPHORA_RE = re.compile(r"(?:该|全|我|本|此)(县|市|区|旗)|(县|市|区|旗)(?:委|政府|人民政府|人大|政协|长|域|城)")

KIND_RANK = {"full": 0, "alias": 1, "former": 2, "short": 3}
LEVEL_RANK = {"province": 0, "prefecture": 1, "county": 2}


@dataclass
class _Hit:
    """A context-checked match resolved to one entry; ``weak`` says why it still needs confirmation
    ("" when it needs none): "bare" (a bare county form with no parent or child beside it), "far" (a bare
    prefecture of a province the document is not in), "single"
    (a one-character stem, 威县, with no parent or prefecture around), "ordinary" (a suffixed name whose
    stem is an ordinary word, 平和县, 互助县, with no context)."""

    start: int
    end: int
    entry: Entry
    kind: str
    weak: str = ""


def _unit_char(entry: Entry) -> str:
    """The one-char suffix people use when pointing back to this unit (县, 市, 区, 旗)."""
    _, suf = strip_suffix(entry.name)
    return suf[-1:] if suf else ""


def _stem_len(entry: Entry) -> int:
    stem, _ = strip_suffix(entry.name)
    return len(stem)


_ADDRESS_AFTER = re.compile(r"\d+[路街巷号弄]")


@lru_cache(maxsize=8)
def _prefixes(words: LazyWords) -> tuple[str, ...]:
    """A word list as a tuple for ``str.startswith`` (one C call instead of a generator over the words)."""
    return tuple(words)


def _not_place_after(text: str, end: int) -> bool:
    tail = text[end : end + 6]
    return tail.startswith(_prefixes(NOT_PLACE_AFTER)) or bool(_ADDRESS_AFTER.match(tail))


_NOT_NAME_TAGS = ("v", "d", "p", "c", "u", "a", "r", "m", "q", "f")  # a verb or function word is no trade name


def _in_org_name(gaz: Gazetteer, text: str, end: int) -> bool:
    """The name ending at ``end`` opens an organisation's or outlet's name: 衡水分行, 保定市公安局, 河南手机报,
    or a one/two-character trade name and its head (湖南省金控集团, 长春农业大学), but not 江苏省成立公司."""
    tail = text[end : end + 8]
    if tail.startswith(_prefixes(ORG_HEAD)):
        return True
    for gap in (1, 2):
        word = tail[:gap]
        if len(word) < gap or not all(is_han_basic(c) for c in word):
            return False
        tag = gaz.dict_word(word)[1]
        if tag.startswith(_NOT_NAME_TAGS):
            continue
        if tail[gap:].startswith(_prefixes(ORG_HEAD_FAR)):
            return True
    return False


def _ancestor_codes(gaz: Gazetteer, entry: Entry) -> set[str]:
    return {a.adcode for a in gaz.ancestors(entry)}


class _Context:
    """Document-wide votes for province and prefecture, from unambiguous suffixed names."""

    def __init__(self, gaz: Gazetteer, matches: list[GazMatch]) -> None:
        self.province: defaultdict[str, float] = defaultdict(float)
        self.prefecture: defaultdict[str, float] = defaultdict(float)
        for m in matches:
            strong = [
                e
                for e, k in zip(m.entries, m.kinds, strict=True)
                if k in ("full", "alias", "former") and not e.ordinary_stem
            ]
            if not strong or _stem_len(strong[0]) < 2:
                continue
            w = 1.0 / len(strong)
            for e in strong:
                self.province[e.province_code] += w
                if e.level == "county":
                    self.prefecture[e.prefecture_code] += w
                elif e.level == "prefecture":
                    self.prefecture[e.adcode] += w

        # the votes are final now: the units they pick, once (every match's resolution asks for them)
        self._provinces = frozenset(self._top(self.province))
        self._prefectures = frozenset(self._top(self.prefecture))

    @staticmethod
    def _top(c: dict[str, float]) -> set[str]:
        """Units holding a fair share of all votes: none in a national overview, one in a county report."""
        least = max(1.0, 0.2 * sum(c.values()))
        return {k for k, v in c.items() if v >= least}

    def provinces(self) -> frozenset[str]:
        return self._provinces

    def prefectures(self) -> frozenset[str]:
        return self._prefectures


# A dateline opens a news item with its place: 嘉鱼：帮助受灾贫困户… , 【岳西讯】, 榕江讯.
_DATELINE_RE = re.compile(r"[：:]|讯|消息")


def _resolve(
    gaz: Gazetteer, m: GazMatch, prev: _Hit | None, nxt: GazMatch | None, ctx: _Context, text: str
) -> _Hit | None:
    """Pick the entry this match names, or None when context does not support any."""
    provs, prefs = ctx.provinces(), ctx.prefectures()
    adjacent_prev = prev if prev is not None and 0 <= m.start - prev.end <= 1 else None
    scored: list[tuple[tuple, Entry, str, str]] = []
    dateline = bool(_DATELINE_RE.match(text, m.end)) and (m.start == 0 or text[m.start - 1] in "\n【[ 　")
    for e, kind in zip(m.entries, m.kinds, strict=True):
        parent_before = adjacent_prev is not None and adjacent_prev.entry.adcode in _ancestor_codes(gaz, e)
        child_after = False
        if nxt is not None and 0 <= nxt.start - m.end <= 1:
            child_after = any(e.adcode in _ancestor_codes(gaz, c) for c in nxt.entries)
        in_prov = e.province_code in provs
        in_pref = (e.prefecture_code or e.adcode) in prefs
        weak = ""
        if kind == "short" and e.level != "province" and not (dateline and len(m.entries) == 1):
            if e.level == "county" and not (parent_before or child_after or in_prov):
                continue
            if _not_place_after(text, m.end):
                continue
            if e.level == "county" and not (parent_before or child_after):
                weak = "bare"
            elif e.level == "prefecture" and not (parent_before or child_after or in_prov):
                weak = "far"  # 阿里研究院 in a Hubei report: kept only when 阿里地区 is named
        if e.ordinary_stem and kind != "short" and not (parent_before or in_pref or child_after):
            if text[m.end : m.end + 1] in GOV_AFTER or _is_word_form(gaz, m.text):
                continue  # 比如县里, 老解放区 are prose
            weak = "ordinary"
        elif _determiner_stem(e) and not (parent_before or child_after):
            if text[m.end : m.end + 1] in GOV_AFTER or text[m.end : m.end + 1] in _UNIT_CHARS:
                continue  # 全州县市 is "every county and city of the prefecture", not 全州县
            if _LEVEL_LIST_AFTER.match(text, m.end):
                continue  # 全州县、乡、村三级 / 全州县（市）: the prefecture's levels of government
            weak = "ordinary"
        if _stem_len(e) < 2 and kind == "full" and e.level == "county" and not parent_before:
            if text[m.end : m.end + 1] in GOV_AFTER:
                continue
            if e.name[0] in GENERIC_STEM or text[m.start - 1 : m.start] in "县市区" or _function_char(gaz, e.name[0]):
                continue
            if not in_pref:
                weak = "single"
        kind_penalty = 1 if e.valid_to and not parent_before else 0
        score = (
            0 if parent_before else 1,
            0 if in_pref else 1,
            0 if in_prov else 1,
            kind_penalty,
            KIND_RANK[kind],
            LEVEL_RANK.get(e.level, 3),
        )
        scored.append((score, e, kind, weak))
    if not scored:
        return None
    scored.sort(key=lambda t: t[0])
    best = scored[0]
    if len(scored) > 1 and scored[1][0] == best[0] and scored[1][1].adcode != best[1].adcode:
        log.debug("ambiguous place %r: %s", m.text, [s[1].adcode for s in scored[:3]])
        return None
    return _Hit(m.start, m.end, best[1], best[2], best[3])


# A stem made of a determiner and a unit character (全州, 各县) reads as "the whole prefecture" in prose.
_DETERMINERS = "全各该本每此我"
_UNIT_CHARS = "州市县区旗省盟"
# After 全州县: a list of further levels (县、乡、村 / 县（市）/ 县乡两级), not the name of a second county.
_LEVEL_LIST_AFTER = re.compile(r"[、/（(]\s*[乡镇村市区](?:[、，,)）/]|[两三四五]?级)")


def _determiner_stem(e: Entry) -> bool:
    stem, _ = strip_suffix(e.name)
    return len(stem) == 2 and stem[0] in _DETERMINERS and stem[1] in _UNIT_CHARS


def _is_word_form(gaz: Gazetteer, form: str) -> bool:
    """The suffixed form is itself an ordinary word of the dictionary (解放区), not tagged a place."""
    f, tag = gaz.dict_word(form)
    return f >= WORD_FORM_FREQ and tag != "ns"


def _function_char(gaz: Gazetteer, ch: str) -> bool:
    """A conjunction or preposition (和, 与): 市和县两级 is prose, never the county 和县 without its parent."""
    return gaz.char_tag(ch) in ("c", "p")


def _is_word(gaz: Gazetteer, w: str) -> bool:
    """A frequent ordinary two-char word (not a place name) in jieba's dictionary."""
    f, tag = gaz.word_freq.get(w, (0, ""))
    return f >= 100 and (tag != "ns" or f >= 5000)


def _in_file_name(text: str, start: int, end: int) -> bool:
    """The name is part of an image or file name left in the page (成都博物_fororder_banner2.jpg): the
    whitespace-delimited token around it joins words with underscores."""
    if text.find("_", max(0, start - 60), end + 60) < 0:
        return False  # no underscore within the token's reach (most names): no need to find the token
    return "_" in _token_at(text, start, end)


def _token_at(text: str, start: int, end: int, reach: int = 60) -> str:
    """The whitespace-delimited token holding text[start:end], at most ``reach`` characters either side."""
    lo = start
    while lo > max(0, start - reach) and not text[lo - 1].isspace():
        lo -= 1
    hi = end
    while hi < min(len(text), end + reach) and not text[hi].isspace():
        hi += 1
    return text[lo:hi]


LONGER_WORD_FREQ = 20  # a dictionary word this frequent that a bare name opens is that word (阿里巴巴, 新华社)


def _opens_word(gaz: Gazetteer, text: str, m: GazMatch) -> bool:
    """The bare name is the start of a longer dictionary word that is not a place: 阿里巴巴, 新华社, 中山大学."""
    for k in range(1, 4):
        f, tag = gaz.dict_word(text[m.start : m.end + k])
        if f >= LONGER_WORD_FREQ and tag != "ns":
            return True
    return False


def _context_ok(gaz: Gazetteer, text: str, m: GazMatch, prev_end: int) -> bool:
    """Reject hits that are part of another word (合作市场, 沿海城市, 新民主) or entity (凯里学院)."""
    if text[m.end - 1 : m.end + 1] in SUFFIX_BREAKERS:
        return False
    if _in_file_name(text, m.start, m.end):
        return False
    bare = all(k == "short" for k in m.kinds)
    # The char before joins the first char into a word (公民权, 沿海城市), unless a place ends there.
    if m.start > 0 and prev_end != m.start and _is_word(gaz, text[m.start - 1 : m.start + 1]):
        return False
    if bare and _is_word(gaz, text[m.end - 1 : m.end + 1]):
        return False
    if bare and _opens_word(gaz, text, m):
        return False
    # A suffixed name stays a mention of the unit in 榕江县山区 or 榕江县人民医院; a bare one does not.
    return not (bare and _not_place_after(text, m.end))


BARE_WORD_FREQ = 200  # a bare form this frequent in jieba's dictionary is also an ordinary word (新建, 兴国)
WORD_FORM_FREQ = 1000  # a suffixed form this frequent in jieba and not tagged ns is a word (解放区)
HEAD_CHARS = 200  # the head of a page (title, byline) lies within its first characters
MIN_ARTICLE_CHARS = 200  # shorter "articles" (sidebars, notes) do not get a focal county of their own


WELL_KNOWN_FREQ = 1000  # a bare name jieba tags as a place this often is a city people name anywhere (广州)
_LIST_SEP = "、和与及"


def _well_known(gaz: Gazetteer, form: str) -> bool:
    f, tag = gaz.dict_word(form)
    return tag == "ns" and f >= WELL_KNOWN_FREQ


def _listed_with_place(text: str, hits: list[_Hit], i: int) -> bool:
    """The hit is an item of a list of places (与长沙、广州等地): a confirmed place right before or after it."""
    h = hits[i]
    before = hits[i - 1] if i else None
    after = hits[i + 1] if i + 1 < len(hits) else None
    return any(
        o is not None and not o.weak and len(text[a:b]) == 1 and text[a:b] in _LIST_SEP
        for o, a, b in ((before, before.end if before else 0, h.start), (after, h.end, after.start if after else 0))
    )


def _anchored(gaz: Gazetteer, text: str, hits: list[_Hit], head_end: int) -> list[_Hit]:
    """Keep weak hits only when the document confirms them.

    A bare county form (科尔沁 the cattle breed, 龙江 for the province, a dance called 芒康…) is kept when the
    document names the unit with its suffix somewhere, or when the prefecture around is the document's and
    the form comes twice, unless it is also a common word (对新建标准化鹅舍 is not 新建区) or part of a longer
    name found here or of its province's name. A one-character county (威县) or an ordinary-word stem (平和县)
    with no parent beside it is kept when written twice, in the head line, or when named strongly elsewhere.
    """
    strong = {h.entry.adcode for h in hits if not h.weak}
    named = {h.entry.adcode for h in hits if h.kind != "short" and not h.weak}
    weak_count = Counter(h.entry.adcode for h in hits if h.weak)
    in_head = {h.entry.adcode for h in hits if h.weak and h.start < head_end}
    # Names a bare form is part of: another unit named here (科尔沁 in 科尔沁左翼后旗), or its own province
    # (龙江 in 黑龙江, the province's nickname).
    provinces = (gaz.entries.get(h.entry.province_code) for h in hits if h.weak == "bare")
    longer = {text[h.start : h.end] for h in hits if not h.weak} | {strip_suffix(p.name)[0] for p in provinces if p}
    kept: list[_Hit] = []
    for i, h in enumerate(hits):
        code = h.entry.adcode
        if not h.weak:
            kept.append(h)
            continue
        if h.weak == "bare":
            form = text[h.start : h.end]
            if code in named or (
                weak_count[code] >= 2
                and h.entry.prefecture_code in {s[:4] + "00" for s in strong}
                and gaz.word_freq.get(form, (0, ""))[0] < BARE_WORD_FREQ
                and not any(form in n and form != n for n in longer)
            ):
                kept.append(h)
        elif h.weak == "far":
            if code in named or _well_known(gaz, text[h.start : h.end]) or _listed_with_place(text, hits, i):
                kept.append(h)
        elif code in strong or weak_count[code] >= 2 or code in in_head:
            kept.append(h)
    return kept


def _head_end(doc: Document) -> int:
    """End of the document's head: its first three non-empty lines (chrome, title, date line), at most
    HEAD_CHARS characters."""
    pos, lines = 0, 0
    while pos < min(len(doc.text), HEAD_CHARS) and lines < 3:
        nl = doc.text.find("\n", pos)
        nl = len(doc.text) if nl < 0 else nl
        if doc.text[pos:nl].strip():
            lines += 1
        pos = nl + 1
    return min(pos, len(doc.text), HEAD_CHARS)


def _articles(doc: Document) -> list[tuple[int, int, str]]:
    """(start, end, title) of the main (longest) article first, then every other substantial article."""
    if not doc.articles:
        return [(0, len(doc.text), doc.title)]
    arts = sorted(doc.articles, key=lambda a: a.end - a.start, reverse=True)
    return [(a.start, a.end, a.title or (doc.title if i == 0 else "")) for i, a in enumerate(arts)
            if i == 0 or a.end - a.start >= MIN_ARTICLE_CHARS]  # fmt: skip


def _focal(doc: Document, hits: list[_Hit]) -> set[str]:
    """Adcodes of the county (or counties) the document is about: each substantial article votes for its own,
    so a magazine page with three county reports has three focal counties."""
    county, pref = _level_slices(hits, "county"), _level_slices(hits, "prefecture")
    focal: set[str] = set()
    for i, (a_start, a_end, title) in enumerate(_articles(doc)):
        focal |= _focal_in(
            doc,
            hits,
            a_start,
            a_end,
            title,
            fallback=i == 0,
            inside=county(a_start, a_end),
            pref_inside=pref(a_start, a_end),
        )
    return focal


def _level_slices(hits: list[_Hit], level: str) -> Callable[[int, int], list[_Hit] | None]:
    """The hits of ``level`` starting in [a, b): in text order (as the matcher gives them) one bisected slice, not a
    scan of every hit per article (a long file holds hundreds of articles); None when out of order (the caller
    scans)."""
    of_level = [h for h in hits if h.entry.level == level]
    starts = [h.start for h in of_level]
    if not all(a <= b for a, b in itertools.pairwise(starts)):
        return lambda a, b: None
    return lambda a, b: of_level[bisect.bisect_left(starts, a) : bisect.bisect_left(starts, b)]


def _focal_in(
    doc: Document,
    hits: list[_Hit],
    a_start: int,
    a_end: int,
    title: str,
    fallback: bool,
    inside: list[_Hit] | None = None,
    pref_inside: list[_Hit] | None = None,
) -> set[str]:
    """``inside``, ``pref_inside``: the county and the prefecture hits in [a_start, a_end) when the caller has them
    (else found here)."""
    county_hits = (
        inside if inside is not None else [h for h in hits if h.entry.level == "county" and a_start <= h.start < a_end]
    )
    if not county_hits and fallback:
        county_hits = [h for h in hits if h.entry.level == "county"]
        a_start, a_end = 0, len(doc.text)
        pref_inside = None  # the whole text's, found below
    if not county_hits:
        return set()
    score: defaultdict[str, float] = defaultdict(float)
    for h in county_hits:
        score[h.entry.adcode] += 1.0
    first = min(county_hits, key=lambda h: h.start)
    score[first.entry.adcode] += 1.0
    head = title
    if not head:  # no title from structure: the first non-empty line of the article
        body = doc.text[a_start:a_end].lstrip()
        head = body.split("\n", 1)[0][:60]
    titled: set[str] = set()
    for h in county_hits:
        e = h.entry
        forms = (e.name, *e.aliases, *e.short)
        if any(f and f in head for f in forms):
            titled.add(e.adcode)
    if len(titled) >= 4:  # a title listing many counties is about none in particular
        titled.clear()
    for code in titled:
        score[code] += 5.0
    # Anaphora: 该县/全县/县委... credit the most recent county of that unit type.
    ordered = sorted(county_hits, key=lambda h: h.start)
    starts = [h.start for h in ordered]
    for m in ANAPHORA_RE.finditer(doc.text, a_start, a_end):
        unit = m.group(1) or m.group(2)
        i = bisect.bisect_right(starts, m.start()) - 1
        while i >= 0 and _unit_char(ordered[i].entry) != unit:
            i -= 1
        if i >= 0:
            score[ordered[i].entry.adcode] += 0.5
    best = max(score.values())
    top = max(score, key=lambda c: score[c])
    # A roll-call of many counties (a prefecture bulletin) has no focal county unless a title names one.
    counts = Counter(h.entry.adcode for h in county_hits)
    # The only county the article names is its county, if only in its byline (作者单位：岑巩县人大常委会), unless
    # the article is about its prefecture (宿迁市 named more often than the one county it cites).
    if pref_inside is None:
        pref_inside = [h for h in hits if h.entry.level == "prefecture" and a_start <= h.start < a_end]
    pref_counts = Counter(h.entry.adcode for h in pref_inside)
    if len(counts) == 1 and max(pref_counts.values(), default=0) <= counts[top]:
        return set(counts)
    if len(counts) >= 4 and counts[top] < 0.3 * sum(counts.values()) and top not in titled:
        return set()
    return {code for code, s in score.items() if s >= 0.7 * best and s >= 3.0}


def extract_places(doc: Document, gaz: Gazetteer) -> list[Place]:
    """One Place per adcode named in ``doc.text``: first mention, mention count, and ``focal`` flag."""
    text = doc.text
    raw_matches = gaz.match(text)
    matches = [m for i, m in enumerate(raw_matches) if _context_ok(gaz, text, m, raw_matches[i - 1].end if i else -1)]
    ctx = _Context(gaz, matches)
    hits: list[_Hit] = []
    prev: _Hit | None = None
    for i, m in enumerate(matches):
        nxt = matches[i + 1] if i + 1 < len(matches) else None
        hit = _resolve(gaz, m, prev, nxt, ctx, text)
        if hit is not None:
            hits.append(hit)
            prev = hit
    hits = _anchored(gaz, text, hits, _head_end(doc))
    by_code: dict[str, list[_Hit]] = defaultdict(list)
    for h in hits:
        by_code[h.entry.adcode].append(h)
    focal = _focal(doc, hits)
    places: list[Place] = []
    for code, hs in by_code.items():
        if code not in focal and all(_in_org_name(gaz, text, h.end) for h in hs):
            continue  # named only inside organisations' names (衡水分行, 中国湖北网): not a place of the document
        first = min(hs, key=lambda h: h.start)
        e = first.entry
        places.append(
            Place(
                mention=doc.mention(first.start, first.end, "PLACE", SOURCE),
                name=text[first.start : first.end],
                canonical=e.name,
                adcode=code,
                level=e.level,
                province=e.province if e.level != "province" else e.name,
                prefecture=e.prefecture,
                focal=code in focal,
                mentions=len(hs),
            )
        )
    places.sort(key=lambda p: p.mention.start)
    return places
