"""Figures: every quantity a report states, with what it measures (indicator), when, and how hedged.

Candidates come from a regex scan (``pipeline.text.numerals.iter_quantities``), so whole documents are cheap;
jieba part-of-speech tags are used only on the short clause left of each candidate to trim the noun
phrase the number measures. Sentence-level rules then resolve what a bare number refers to: a list
sharing one subject (``贫困户32712户、118900人``), ``分别`` pairing, growth rates and shares (``同比增长``,
``占``) that belong to the preceding figure, and a date stated earlier in the sentence.
"""

from __future__ import annotations

import bisect
import itertools
import logging
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import jieba.posseg

from pipeline.extract.dates import (
    BREAKDOWN_START,
    DATE_RE,
    RELATIVE_YEAR,
    SAME_YEAR,
    date_for,
    dates_in,
    document_page_year,
    framing,
    heading_year,
    report_year,
)
from pipeline.lexicon import LazyPattern, lazy_pattern, lazy_words, load
from pipeline.model import Document, Figure
from pipeline.text.chars import FIGURE_CLAUSE_BOUND, HARD_BOUND, SENT_END
from pipeline.text.numerals import QUANTITY_RE, Quantity, iter_quantities, parse_number
from pipeline.text.segment import clause_start, is_blank_sentence, sentences
from pipeline.text.tokenizer import shared_pos_tokenizer

log = logging.getLogger(__name__)

SOURCE = "figures.rules"
SOURCE_TABLE = "figures.table"

_CLAUSE_BOUND = frozenset(FIGURE_CLAUSE_BOUND)
_HARD_BOUND = frozenset(HARD_BOUND)

# Units that count things named right after them (19个乡镇, 带动1000户贫困户).
_CLASSIFIERS = lazy_words("units", "classifier")
# Units never reported as figures on their own (durations written as dates, calendar months).
_SKIP_UNITS = {"年", "月"}
_CN_NUMERAL_CHARS = set("零〇一二两三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟")


# The code points ``str.isdigit`` takes and ``str.isdecimal`` does not (², ①, ⒈…), as ranges, under Unicode 14.0
# (Python 3.11's ``unicodedata``): a scan of all 1.1 million code points otherwise (test_figures_fast checks both).
_OTHER_DIGITS_UNIDATA = "14.0.0"
_OTHER_DIGITS = (
    (0xB2, 0xB3), (0xB9, 0xB9), (0x1369, 0x1371), (0x19DA, 0x19DA), (0x2070, 0x2070), (0x2074, 0x2079),
    (0x2080, 0x2089), (0x2460, 0x2468), (0x2474, 0x247C), (0x2488, 0x2490), (0x24EA, 0x24EA), (0x24F5, 0x24FD),
    (0x24FF, 0x24FF), (0x2776, 0x277E), (0x2780, 0x2788), (0x278A, 0x2792), (0x10A40, 0x10A43),
    (0x10E60, 0x10E68), (0x11052, 0x1105A), (0x1F100, 0x1F10A),
)  # fmt: skip


@lru_cache(maxsize=1)
def _numberish() -> re.Pattern[str]:
    """A character for which ``ch.isdigit() or ch in _CN_NUMERAL_CHARS or ch == "成"``: ``\\d`` (a decimal digit,
    category Nd, what ``str.isdecimal`` tells), the other digits ``str.isdigit`` knows (²), the numeral
    characters and 成; one regular expression instead of a test per character of every sentence."""
    if unicodedata.unidata_version == _OTHER_DIGITS_UNIDATA:
        other_digits = "".join(chr(c) for a, b in _OTHER_DIGITS for c in range(a, b + 1))
    else:  # another Unicode version: asked of every code point (0.1 s once per process)
        other_digits = "".join(c for c in map(chr, range(0x110000)) if c.isdigit() and not c.isdecimal())
    return re.compile(f"[\\d{re.escape(other_digits)}{re.escape(''.join(sorted(_CN_NUMERAL_CHARS)))}成]")


_DATE_RE = DATE_RE  # the date forms (tables.py and the phrase trimmer)


def _growth_start() -> re.Pattern[str]:
    """A growth rate or change (同比增长, 比上年提高): it belongs to the figure before it."""
    words = load("figure_words")
    return re.compile(
        rf"^(?:{words.alternation('growth_base')}|比\S{{0,8}}?|较\S{{0,8}}?)?(?:分别)?(?:{words.alternation('growth_verb')})"
    )


_GROWTH_START = LazyPattern(_growth_start)
_SHARE_START = re.compile(r"^(?:仅)?(?:占|占比|占到|占全\S{0,6}?的?|为其|相当于|是)")
_LEAD_STRIP = lazy_pattern("^(?:{words})+", "figure_words", "lead_strip")
_TRAIL_STRIP = lazy_pattern(r"(?:{words}|、|\s)+$", "figure_words", "trail_strip")
_DROP_POS = {"t", "p", "c", "u", "uj", "ul", "uz", "ug", "uv", "ud", "r", "m", "q", "x", "w", "f", "y", "e", "o"}
_DROP_LEAD_POS = _DROP_POS | {"d", "ns"}
_FORMULA_NEAR = re.compile(r"^.{0,3}?[一二两三四五六七八九十百千万]")
_MAX_INDICATOR = 24


@lru_cache(maxsize=1)
def _pos_tokenizer() -> jieba.posseg.POSTokenizer:
    """Private POS tokenizer (jieba's global one would share state with other stages)."""
    return shared_pos_tokenizer()


@lru_cache(maxsize=4096)
def _tags(s: str) -> tuple[tuple[str, str], ...]:
    """(word, POS) pairs of a short phrase; cached because a clause is looked at several times."""
    return tuple((w.word, w.flag) for w in _pos_tokenizer().cut(s))


@dataclass
class _Cand:
    q: Quantity
    start: int  # normalized offsets of the whole figure (qualifier + number + unit)
    end: int
    sent_start: int
    sent_end: int
    indicator: str = ""
    date: str = ""
    left: str = ""
    right: str = ""
    resp: bool = False  # indicator assigned by 分别 pairing
    head: str = ""  # indicator before the verb phrase a share is used for (收益 of 收益用于道路养护)


@lru_cache(maxsize=4096)
def _quantities(sentence: str) -> tuple[Quantity, ...]:
    """``iter_quantities`` of a sentence, cached: a report (and a web page's repeated blocks) states the same
    sentence again; the quantities are only read, never changed."""
    return tuple(iter_quantities(sentence))


def _sentences(text: str) -> list[tuple[int, int]]:
    return [sp for sp in sentences(text) if not is_blank_sentence(text, sp)]


_DURATION_LEFT = lazy_pattern("(?:{words})[^，。；]{0,4}$", "figure_words", "duration_noun")


def _is_year_or_date(text: str, q: Quantity, s: int, e: int) -> bool:
    if q.unit == "年" and _DURATION_LEFT.search(text[max(0, s - 10) : s]):
        return False  # 受教育年限不足3年: a duration that is measured, not a date
    if q.unit in _SKIP_UNITS:
        return True
    # 5月22日 / 2017年05月 leftovers
    return q.unit == "日"


def _is_noise(text: str, q: Quantity, s: int, e: int) -> bool:
    """Numbers that are not figures: ordinals, articles (一个), formula names (五先五后), codes."""
    num = q.numeral
    before = text[max(0, s - 1) : s]
    ctx = text[max(0, s - 60) : s]
    if ctx.rfind("《") > ctx.rfind("》"):
        return True  # inside a document title
    if before == "第":
        return True
    if before and (before.isascii() and before.isalnum()):
        return True  # part of a code/identifier
    cn_only = all(c in _CN_NUMERAL_CHARS for c in num)
    if cn_only and q.unit not in {"%", "‰"} and _is_small_count(text, q, num, e):
        return True
    if cn_only:
        if num in {"一", "壹"} and not q.qualifier:
            return True  # 一个/一批/一项: article, not a count
        after = text[e : e + 4]
        if len(num) == 1 and _FORMULA_NEAR.match(after):
            return True  # 三位一体, 千家万户
        if len(num) <= 2 and text[max(0, s - 3) : s].count("“") + text[max(0, s - 3) : s].count('"'):
            return True  # quoted formula
        if num in {"万", "千", "百", "亿"} and not q.qualifier:
            return True
    return q.unit in {"元", "%"} and q.value == 0


_CN_DIGITS = set("〇一二两三四五六七八九壹贰叁肆伍陆柒捌玖")
_ROUND_UNITS = lazy_words("figure_context", "round_unit")
_VAGUE_TAIL = lazy_pattern("^(?:{words})", "figure_context", "vague_tail")


def _is_small_count(text: str, q: Quantity, num: str, e: int) -> bool:
    """Small counts (at most 20, no 百/千/万) in Chinese numerals that report nothing: vague ones (五六户,
    一二十张不等, 一亩多, 两个以上), counters of rounds and phases (两轮, 分三期), and single-digit counts of
    things (五个特色产业, 两条渠道), which in this genre name a list or a slogan rather than report a statistic."""
    if q.value > 20 or any(c in num for c in "百千万亿萬億佰仟"):
        return False  # 七八千元, 三四百人次: an approximate amount is still a figure (with its range)
    if len(num) >= 2 and num[0] in _CN_DIGITS and num[1] in _CN_DIGITS:
        return True  # 五六, 四五, 一二十: a vague range
    if q.unit in _ROUND_UNITS:
        return True
    if q.qualifier or _VAGUE_TAIL.match(text[e : e + 3]):
        return True
    return len(num) == 1 and q.unit in _CLASSIFIERS


def _clause_left(text: str, sent_start: int, start: int, prev_end: int) -> str:
    """Text from the clause start (or the previous quantity) up to the number.

    A short list item before the number (``服务站、队、点57个``) pulls the whole list in.
    """
    lo = max(sent_start, prev_end)
    i = start
    seg = 0
    while i > lo:
        ch = text[i - 1]
        if ch in _CLAUSE_BOUND:
            if ch == "、" and seg <= 3 and i - 1 > lo:
                i -= 1
                seg = 0
                continue
            break
        i -= 1
        seg += 1
    return text[i:start]


def _clause_right(text: str, end: int, sent_end: int, next_start: int) -> str:
    j = end
    hi = min(sent_end, next_start)
    while j < hi and (text[j] not in _HARD_BOUND or text[j] in "()（）") and text[j] != "、":
        j += 1
    return text[end:j]


_TIME_WORD = lazy_pattern("^(?:{words})$", "figure_words", "time_word")
_ADMIN_SUFFIX = re.compile(r"(?:省|市|县|区|州|盟|旗|镇|乡|街道)$")
_KEEP_ADVERBS = lazy_words("figure_words", "keep_adverb")
_NOUNISH = {"n", "nr", "ns", "nt", "nz", "ng", "nrt", "nrfg", "vn", "j", "l", "b", "an", "s", "eng", "k", "zg"}
_TRAIL_WORDS = lazy_words("figure_words", "trail_word")


def _drop_lead(word: str, flag: str) -> bool:
    if word in _KEEP_ADVERBS:
        return False
    if flag == "t":
        return bool(_TIME_WORD.match(word) or re.search(r"\d", word))
    if flag == "ns":
        return bool(_ADMIN_SUFFIX.search(word))
    if flag == "m":
        return bool(re.search(r"[\d一二两三四五六七八九十百千万亿]", word))
    return flag[:1] in {"p", "c", "u", "r", "d", "q", "x", "w", "y", "e", "o"}


_NOUN_SUFFIX_CHARS = {"户", "村", "社", "员", "企", "组", "点"}


def _drop_trail(word: str, flag: str) -> bool:
    if word in _KEEP_ADVERBS or word in _NOUN_SUFFIX_CHARS:
        return False
    if word in _TRAIL_WORDS:
        return True
    if flag == "f":
        return word in {"中", "内", "里"}
    return flag[:1] in {"p", "c", "u", "d", "x", "w", "y", "e", "o", "m", "q", "r"}


_LEFT_CUT = lazy_words("figure_context", "left_cut")
_DATE_AND_TAIL = re.compile(rf"(?:到|至|截至|截止)?(?:{_DATE_RE.pattern})(?:年度|度|底|末|初|以来)?")


@lru_cache(maxsize=4096)
def _trim_np(left: str) -> str:
    """Noun phrase the number measures, from the clause text left of it (a pure function of ``left``: cached, as
    the same clause openings recur across a report's figures)."""
    s = SAME_YEAR.sub("", RELATIVE_YEAR.sub("", _DATE_AND_TAIL.sub("", left)))  # 去年, 次年: dates, not the phrase
    s = re.sub(r"\d+(?:\.\d+)?", "", s)
    s = _TRAIL_STRIP.sub("", s)
    s = _LEAD_STRIP.sub("", s)
    if not s:
        return ""
    toks = list(_tags(s))
    cut = max((i for i, (w, _) in enumerate(toks) if w in _LEFT_CUT), default=-1)
    if 0 <= cut < len(toks) - 1 and any(f in _NOUNISH or f == "a" for _, f in toks[cut + 1 :]):
        toks = toks[cut + 1 :]  # 由县政府把建档立卡贫困户…, 使全县最贫困的…: the phrase after the disposal word
    while toks and _drop_lead(*toks[0]):
        toks.pop(0)
    while toks and _drop_trail(*toks[-1]):
        toks.pop()
    out = "".join(w for w, _ in toks)
    out = _LEAD_STRIP.sub("", out)
    out = _TRAIL_STRIP.sub("", out)
    if len(out) > _MAX_INDICATOR:
        out = out[-_MAX_INDICATOR:]
    return out


_MEASURED_NOUNS = lazy_words("figure_context", "measured_noun")
_NOUN_MODIFIERS = lazy_words("figure_context", "noun_modifier")
_NOT_MEASURED = lazy_words("figure_context", "not_measured")
_PERSON_UNITS = lazy_words("figure_context", "person_unit")
_ATTRIBUTE_HEAD = lazy_pattern("(?:{words})$", "figure_context", "attribute_head")
_REL_CLAUSE_SPAN = 16
_SHORT_MODIFIER = 4


@lru_cache(maxsize=4096)
def _right_np(right: str, allow_verb: bool) -> str:
    """The noun phrase a number modifies: 120亩尚未投产的花椒基地 → 花椒基地 (a relative clause before 的 is
    dropped), 8头膘肥体壮的黄白花牛 → 黄白花牛, else what ``_right_phrase`` reads."""
    s = right[: _MAX_INDICATOR * 2].lstrip(" ")
    s = s[1:] if s.startswith("的") else s
    k = s.find("的", 1, _REL_CLAUSE_SPAN)
    short_modifier = k <= _SHORT_MODIFIER or not _starts_with_verb(s[:k])  # 撂荒的坡耕地, not 用于救助…的特困户
    if k > 0 and not any(ch in _CLAUSE_BOUND for ch in s[:k]) and short_modifier:
        before = _right_phrase(s[:k], allow_verb=False)
        if before:
            return before  # 3个舞蹈的小区居民, 140多项具体指标评定…的: the noun before 的 is counted
        after = _right_phrase(s[k + 1 :], allow_verb=False)
        if after:
            return after  # 120亩尚未投产的花椒基地: a modifier clause, then the noun
    return _right_phrase(s, allow_verb)


def _right_tags(s: str) -> list[tuple[str, str]]:
    """Tags of the text after a number, with nouns the tagger reads as verbs (收入, 贴息) and an adverb-tagged
    modifier before a noun (自然屯) read as nouns."""
    out = list(_tags(s))
    for i in range(len(out) - 1, -1, -1):  # right to left: 易地/扶贫/搬迁/村 are all modifiers of 村
        w, f = out[i]
        nxt = out[i + 1][1] if i + 1 < len(out) else ""
        if w in _MEASURED_NOUNS:
            f = "n"
        elif nxt in _NOUNISH and (w in _NOUN_MODIFIERS or (f == "d" and i == 0 and len(w) >= 2)):
            f = "b"  # 建档立卡贫困户, 自然屯: a modifier of the noun after it
        out[i] = (w, f)
    return out


def _right_phrase(right: str, allow_verb: bool) -> str:
    """Thing counted right after the number: 19个乡镇街道 → 乡镇街道; 12个没有卫生室 → 没有卫生室."""
    s = right[: _MAX_INDICATOR * 2].lstrip(" 的")
    if not s or s[0] in _CLAUSE_BOUND:
        return ""
    toks = _right_tags(s)
    out: list[str] = []
    seen_noun = False
    depth = 0
    for i, (w, f) in enumerate(toks):
        nxt = toks[i + 1][1] if i + 1 < len(toks) else ""
        if w in {"(", "（"} and seen_noun:
            depth += 1
            out.append(w)
        elif w in {")", "）"} and depth:
            depth -= 1
            out.append(w)
        elif depth:
            out.append(w)
        elif f == "r" and nxt in _NOUNISH and (out or allow_verb):
            continue  # 租给其他贫困户: a determiner inside the phrase
        elif f in _NOUNISH or (f == "a" and nxt in _NOUNISH):
            out.append(w)
            seen_noun = seen_noun or f != "vn"  # 发展养殖 (all vn) is an activity, not a thing
        elif f == "v" and seen_noun and len(w) >= 2 and nxt == "f":
            out.append(w)  # 合作社组织中: a verb-tagged word used as a noun
        elif (w in {"和", "及", "与", "或"} and seen_noun and nxt in _NOUNISH) or (
            f.startswith("v") and not seen_noun and allow_verb
        ):
            out.append(w)
        else:
            break
    if not seen_noun or depth:
        return ""
    return "".join(out)[:_MAX_INDICATOR]


def _right_verbs(right: str) -> str:
    """Verb phrase right after a count of people (1650人脱贫): what happened to them."""
    out: list[str] = []
    for w, f in _tags(right[:16]):
        if not (f.startswith("v") or f in _NOUNISH or f == "d" or (f in {"a", "r", "uj"} and out)) or len(out) >= 4:
            break
        out.append(w)
    return "".join(out)


def _starts_with_verb(right: str) -> bool:
    for _w, f in _tags(right[:8].lstrip(" ")):
        return f.startswith("v") and f != "vn"
    return False


def _is_verb(w: str, f: str) -> bool:
    return (f.startswith("v") and f != "vn") or w in _KEEP_ADVERBS


@lru_cache(maxsize=4096)
def _last_verb(np_left: str) -> str:
    """Trailing verbs of the left phrase (带动, 新增注册) that give a counted noun its meaning."""
    toks = list(_tags(np_left)) if np_left else []
    k = len(toks)
    while k > 0 and _is_verb(*toks[k - 1]):
        k -= 1
    return "".join(w for w, _ in toks[k:])


_dates_in = dates_in  # tables.py reads caption dates with it


def _candidates(doc: Document) -> list[_Cand]:
    text = doc.text
    out: list[_Cand] = []
    frame = ""  # the date a framing clause set for the rest of the paragraph
    stated = ""  # the last year the paragraph stated (for 同年)
    last_date = ""  # the date of the last figure of the paragraph (for 其中)
    prev_start = 0
    title = doc.title.strip()
    summed_up = report_year(text, title)  # 二〇一九年工作总结: the year undated figures hold for
    year = document_page_year(text, doc.raw_text) or summed_up
    section = ""  # the year a heading (2019年主要工作) gives its section
    for ss, se in _sentences(text):
        prev = text[prev_start:ss]
        body = prev.rstrip(SENT_END + "\n ")
        if ss == 0 or "\n" in prev[len(body) :]:
            if prev.rstrip("\n ")[-1:] not in {"：", ":", "；", ";"}:  # …取得新进展：\n a list keeps its frame
                frame = ""  # a framing date holds within its paragraph only
                stated = ""
                last_date = ""
            nl = text.find("\n", ss)  # not ``"\n" in text[ss:]``: a copy of the rest of the text per paragraph
            line = text[ss : nl if nl >= 0 else len(text)]
            heading = heading_year(line)
            if heading is not None:
                section = heading
        prev_start = ss
        carried = frame or section
        if title and year and text[ss:se].strip() == title:
            carried = year  # the page's headline reports the news of its date line
        own = framing(text, ss, se, frame, year, stated)
        frame = own.date
        if own.found:
            carried = own.date  # the sentence's own opening clause (截至9月底，…; 目前，…) dates it
        elif last_date and BREAKDOWN_START.match(text, ss, se):
            carried = last_date
        elif not carried:
            carried = summed_up
        stated_before = stated
        stated = next((d for _, d in reversed(dates_in(text, ss, se))), stated)
        sent = text[ss:se]
        if not _numberish().search(sent):
            continue
        qs = _quantities(sent)
        if not qs:
            continue
        dates = dates_in(text, ss, se, year, stated_before)
        cands: list[_Cand] = []
        for q in qs:
            s, e = ss + q.start, ss + q.end
            if _is_year_or_date(text, q, s, e) or _is_noise(text, q, s, e):
                continue
            cands.append(_Cand(q=q, start=s, end=e, sent_start=ss, sent_end=se))
        if not cands:
            continue
        all_spans = [
            (ss + q.start, ss + q.end)
            for q in qs
            if not (_is_year_or_date(text, q, ss + q.start, ss + q.end) and DATE_RE.fullmatch(q.text))
        ]  # a date (2014年度…) is part of the phrase after it, not a bound
        _assign_indicators(text, cands, all_spans)
        for c in cands:
            own_date = date_for(dates, text, c.start, ss, c.end)
            c.date = carried if own_date is None else own_date
        last_date = cands[-1].date
        out.extend(c for c in cands if c.indicator)
    return out


_FROM_TO_FROM = re.compile(r"(由|从)(?:(?:19|20)\d{2}\s*年(?:底|末|初)?的?)?$")
_FROM_TO_TO = re.compile(r"(由|从)[^，,。；;]{1,40}?(?:到|至)(?:(?:19|20)\d{2}\s*年(?:底|末|初)?的?)?$")
_COUNTED_HEAD = re.compile(r"^[一二两三四五六七八九十]+(?:大|个|类|项)(?:产业|行业|板块)?")


def _clause_start(text: str, sent_start: int, pos: int) -> int:
    return clause_start(text, pos, sent_start, _HARD_BOUND)


def _from_to_indicator(text: str, c: _Cand) -> str:
    """``收入由2012年的3262元提高到2020年的12016元``: both values measure the subject before 由/从."""
    lo = _clause_start(text, c.sent_start, c.start)
    clause = text[lo : c.start]
    m = _FROM_TO_FROM.search(clause) or _FROM_TO_TO.search(clause)
    if not m:
        return ""
    return _trim_np(clause[: m.start()])


def _list_respectively(text: str, cands: list[_Cand], idx: int) -> bool:
    """``猕猴桃、油茶、烟叶三大产业种植面积分别达到5.2万亩、8.6万亩和3.1万亩``: the k-th value measures the
    k-th listed item with the shared head (种植面积)."""
    c = cands[idx]
    j = idx
    while j > 0 and "分别" not in cands[j].left:
        j -= 1
    anchor = cands[j]
    lo = _clause_start(text, anchor.sent_start, anchor.start)
    head = text[lo : anchor.start].partition("分别")[0]
    items = [x for x in re.split(r"、|和|及|与", head) if x]
    n_vals = 1
    while j + n_vals < len(cands) and cands[j + n_vals].q.unit == anchor.q.unit:
        if cands[j + n_vals].left.strip() not in {"", "和", "、", "及", "与"}:
            break
        n_vals += 1
    k = idx - j
    if len(items) < 2 or len(items) != n_vals or k >= n_vals:
        return False
    toks = list(_tags(items[-1]))
    if len(toks) < 2:
        return False
    shared = _COUNTED_HEAD.sub("", "".join(w for w, _ in toks[1:]))
    items[-1] = toks[0][0]
    name = _LEAD_STRIP.sub("", items[k].strip())
    c.indicator = f"{name}{shared}"
    c.resp = True
    return bool(name)


_ADV_LEAD = lazy_pattern("^(?:{words}|全)", "figure_words", "all_adverb")
_ADV_TRAIL = lazy_pattern("(?:{words})$", "figure_words", "all_adverb")


def _assign_indicators(text: str, cands: list[_Cand], spans: list[tuple[int, int]]) -> None:
    prev: _Cand | None = None
    # the spans' starts and ends, each bisected when in order (iter_quantities gives them so): the greatest end
    # before a figure and the least start after it without a scan of all the sentence's spans per figure
    starts, ends = [s for s, _ in spans], [e for _, e in spans]
    starts_sorted = all(a <= b for a, b in itertools.pairwise(starts))
    ends_sorted = all(a <= b for a, b in itertools.pairwise(ends))
    for idx, c in enumerate(cands):
        if ends_sorted:
            k = bisect.bisect_right(ends, c.start)
            prev_end = ends[k - 1] if k else c.sent_start
        else:
            prev_end = max((e for s, e in spans if e <= c.start), default=c.sent_start)
        if starts_sorted:
            k = bisect.bisect_left(starts, c.end)
            next_start = starts[k] if k < len(starts) else c.sent_end
        else:
            next_start = min((s for s, e in spans if s >= c.end), default=c.sent_end)
        c.left = _clause_left(text, c.sent_start, c.start, prev_end)
        c.right = _clause_right(text, c.end, c.sent_end, next_start)
        if next_start == c.end and c.q.unit in _CLASSIFIERS and any(s == next_start for s, _ in spans):
            # 1处200亩苹果示范园, 3个万头养殖基地: a count right before another quantity counts the noun after both
            # (not a count that ends the text: 新建大棚300个 with no full stop; its sentence end is no quantity)
            nxt_end = min(e for s, e in spans if s == next_start)
            after_next = min((s for s, e in spans if s >= nxt_end), default=c.sent_end)
            c.right = _clause_right(text, nxt_end, c.sent_end, after_next)
        left_raw = c.left
        np_left = _trim_np(left_raw)
        gap = text[prev.end : c.start].strip() if prev is not None else "x"
        joined_prev = prev is not None and gap in {"、", "和", "及", "与", ""}
        # the number modifies the noun after it (建成12万平方米农产品加工园, 19个乡镇, 30平方米的夯土房), except
        # after a noun that is itself a measure (年交易量8万只的肉羊交易市场, 种植面积8.7万亩)
        attribute = bool(np_left) and not _last_verb(np_left) and bool(_ATTRIBUTE_HEAD.search(np_left))
        want_right = not attribute
        right = _right_np(c.right, allow_verb=not joined_prev and c.q.unit in _CLASSIFIERS) if want_right else ""
        if right in _NOT_MEASURED or (
            len(right) < 2 and c.q.unit not in _CLASSIFIERS and c.right.rstrip(SENT_END + " ").endswith(right)
        ):
            right = ""  # 突破100亿元大关; 出资500万元的政(…): a cut word
        elif right and c.q.unit in {"%", "‰"}:
            tail = c.right[c.right.find(right) + len(right) :] if right in c.right else ""
            if _starts_with_verb(tail):
                right += _right_verbs(tail)  # 90%以上的人没有住房: the share is of those who do what follows
        adv = _ADV_TRAIL.search(right)
        if adv and adv.start() > 0:
            # 124个贫困村全部出列: the thing counted, then what happened to all of it
            rest = c.right[c.right.find(right) + len(right) :] if right in c.right else ""
            right = right[: adv.start()] + _right_verbs(rest)
        after_adverb = _ADV_LEAD.sub("", c.right)
        all_then_verb = bool(np_left) and after_adverb != c.right and _starts_with_verb(after_adverb)
        if all_then_verb:
            right = ""  # 贫困人口6.48万人全部脱贫: the count is of the noun before; the verb says what happened
            c.right = after_adverb
        growth = _GROWTH_START.match(_LEAD_STRIP.sub("", left_raw))
        share = _SHARE_START.match(left_raw.strip())
        from_to = _from_to_indicator(text, c)
        if from_to:
            c.indicator = from_to
        elif ("分别" in left_raw or (joined_prev and prev is not None and prev.q.unit == c.q.unit and prev.resp)) and (
            _list_respectively(text, cands, idx)
        ):
            pass
        elif "分别" in left_raw or (joined_prev and prev is not None and prev.q.unit == c.q.unit and prev.resp):
            _pair_respectively(cands, idx)
        elif (growth or share) and prev is not None and c.q.unit in {"%", "倍", "个百分点", "‰"}:
            verb = _trim_np(left_raw) or left_raw.strip()
            c.indicator = f"{prev.indicator}{verb}"
        elif right and not (joined_prev and gap == "" and not np_left):
            lv = _last_verb(np_left)
            c.indicator = lv + right
            if np_left and not lv and _starts_with_verb(c.right):
                c.indicator = np_left  # 农户600户发展养殖: the count is of the noun before it
                if c.q.unit in _PERSON_UNITS:
                    c.indicator += _right_verbs(c.right)
            elif np_left and not lv and np_left.endswith(c.q.unit) and c.q.unit in {"户", "人"}:
                c.indicator = np_left + right  # 吸纳脱贫户126户入社: the noun before names what is counted
            if np_left and not lv and c.q.unit not in _CLASSIFIERS:
                c.indicator = right
        elif np_left:
            c.indicator = np_left
            if c.q.unit in _CLASSIFIERS and not joined_prev and _last_verb(np_left) == np_left:
                c.indicator += _right_verbs(c.right)
            elif c.q.unit in _PERSON_UNITS and not all_then_verb and _starts_with_verb(c.right):
                c.indicator += _right_verbs(c.right)  # 吸纳附近村民360人务工: what happened to the people
        elif prev is not None and gap in {"、", "和", "及", "与", "", "，", ","}:
            c.indicator = prev.indicator  # 贫困户32712户、118900人: shared subject
        if not c.indicator and prev is not None and c.q.unit in {"%", "倍", "个百分点"}:
            c.indicator = prev.head + (_trim_np(left_raw) if prev.head != prev.indicator else left_raw.strip())
        if (
            c.q.unit in _PERSON_UNITS
            and np_left
            and left_raw.rstrip().endswith("的")
            and c.q.unit not in np_left
            and (not right or _right_tags(right)[0][1] in {"v", "vd"})
        ):
            c.indicator = np_left + c.q.unit  # 全县最贫困的272户 → 最贫困户: the phrase names what it counts
        fragment = bool(c.indicator) and all(f not in _NOUNISH and len(w) == 1 for w, f in _right_tags(c.indicator))
        if fragment and prev is not None and prev.q.unit == c.q.unit and prev.head:
            c.indicator = prev.head  # 再到如今的每月1500元: one-character fragments; the measure of the figure before
        threshold = "以上" in c.q.qualifier or "以下" in c.q.qualifier  # 千人以上安置点: a class, not a count
        if not c.indicator and c.q.unit in _PERSON_UNITS and not threshold and _starts_with_verb(c.right):
            c.indicator = _right_verbs(c.right)  # 今年将有2.8万人告别贫困: people named by what they do
        c.head = c.indicator
        used_for = c.q.unit == "%" and not right and not from_to and (left_raw.rstrip().endswith("的") or not np_left)
        if used_for and c.indicator and _starts_with_verb(c.right) and not _GROWTH_START.match(c.right.strip()):
            c.indicator += _right_verbs(c.right)  # 收益的40%用于道路养护: the share is of what it is used for
        if not c.indicator and c.q.unit in _CLASSIFIERS and _TOTAL_ONLY.match(left_raw.strip()):
            c.indicator = _previous_subject(text, c)  # 某某村，共245户: the count is of the subject before
        if c.indicator:
            prev = c
    _share_list_head(text, cands)


_LIST_JOIN = {"、", "和", "及", "与", ""}
_TOTAL_ONLY = lazy_pattern("^(?:全\\S)?(?:{words})?$", "figure_context", "total_verb")


def _previous_subject(text: str, c: _Cand) -> str:
    """The noun phrase that ends the clause before the one holding ``c`` (within its sentence)."""
    lo = _clause_start(text, c.sent_start, c.start)
    if lo <= c.sent_start:
        return ""
    plo = _clause_start(text, c.sent_start, lo - 1)
    prev_clause = text[plo : lo - 1]
    if any(ch.isdigit() for ch in prev_clause):
        return ""
    return _trim_np(prev_clause)


def _share_list_head(text: str, cands: list[_Cand]) -> None:
    """``带动21个贫困村、903户、2650名建档立卡贫困户脱贫``, ``5户、13口贫困人口``: bare counts of people or
    households listed before one that names them take that name (from the right, so a run shares it)."""
    for i in range(len(cands) - 2, -1, -1):
        c, nxt = cands[i], cands[i + 1]
        if c.q.unit not in _PERSON_UNITS or nxt.q.unit not in _PERSON_UNITS or not nxt.indicator:
            continue
        if text[c.end : nxt.start].strip() not in _LIST_JOIN or c.right.strip(" 、和及与"):
            continue
        if c.indicator and c.indicator.endswith(c.q.unit) and c.indicator in text[c.sent_start : c.start]:
            continue  # 贫困户32712户、118900人: the name is before the list
        named = _right_np(nxt.right, allow_verb=False)
        if named and (nxt.indicator.endswith(named) or named in nxt.indicator):
            c.indicator = nxt.indicator


def _pair_respectively(cands: list[_Cand], idx: int) -> None:
    """``产值…万元,销售额…万元,同比分别增长137.34%和52.63%``: the k-th value after 分别 ↔ k-th subject before."""
    c = cands[idx]
    c.resp = True
    j = idx
    while j > 0 and "分别" not in cands[j].left:
        j -= 1
    k = idx - j
    anchor = cands[j]
    head, _, verb = anchor.left.partition("分别")
    verb = _trim_np(verb) or verb.strip("为是")
    prefix = _trim_np(head)
    n_after = 1
    while j + n_after < len(cands) and cands[j + n_after].q.unit == anchor.q.unit:
        if cands[j + n_after].left.strip() not in {"", "和", "、", "及", "与"}:
            break
        n_after += 1
    subjects = [p for p in cands[:j] if p.indicator and p.q.unit != anchor.q.unit]
    if len(subjects) >= n_after and anchor.q.unit in {"%", "倍", "个百分点"}:
        subj = subjects[len(subjects) - n_after + k]
        c.indicator = f"{subj.indicator}{prefix}{verb}"
    else:
        c.indicator = (prefix or (subjects[-1].indicator if subjects else "")) + verb
    if not c.indicator:
        c.indicator = verb


def _infer_unit(c: _Cand) -> None:
    """人口4.7万: a bare 万/亿 count takes its unit from the indicator."""


def extract_figures(doc: Document, with_tables: bool = True) -> list[Figure]:
    """Every quantity the normalized text reports (plus numeric table cells unless ``with_tables`` is off: the
    pipeline runs the tables component apart), in text order."""
    text = doc.text
    figs: list[Figure] = []
    for c in _candidates(doc):
        m = doc.mention(c.start, c.end, "FIGURE", SOURCE)
        figs.append(
            Figure(
                mention=m,
                value=c.q.value,
                unit=c.q.unit,
                indicator=c.indicator,
                date=c.date,
                qualifier=c.q.qualifier,
                sentence=text[c.sent_start : c.sent_end].strip(),
            )
        )
    figs.extend(_bare_count_figures(doc))
    if with_tables:
        from pipeline.extract.tables import table_figures  # here: tables.py uses this module's date rules

        figs.extend(table_figures(doc))
    figs.sort(key=lambda f: (f.mention.start, f.mention.end))
    return figs


_BARE_COUNT_RE = lazy_pattern(
    r"(?P<ind>{words})(?:[^，,。；;:：0-9]{0,3}?(?:为|达|到|至|约|近|有|共))?"
    r"(?P<num>[0-9]+(?:\.[0-9]+)?[万亿])(?P<post>余|多)?(?![0-9人户元])",
    "figure_words",
    "bare_count_noun",
)
_BARE_COUNT_BEFORE_RE = lazy_pattern(
    r"(?<![0-9.])(?P<num>[0-9]+(?:\.[0-9]+)?[万亿])(?P<post>余|多)?(?=[^，,。；;0-9]{0,6}?(?P<ind>{words}))",
    "figure_words",
    "bare_count_noun",
)


def _bare_count_figures(doc: Document) -> list[Figure]:
    """Population-style counts written without a unit (人口4.7万, 贫困人口已降到8.2万, 5.4万贫困人口脱贫): the
    unit is implied by the noun."""
    text = doc.text
    out = []
    seen: set[int] = set()
    for after in (False, True):
        pattern = _BARE_COUNT_BEFORE_RE if after else _BARE_COUNT_RE
        for m in pattern.finditer(text):
            s, e = m.start("num"), m.end("post") if m.group("post") else m.end("num")
            if s in seen or (after and QUANTITY_RE.match(text, s)):
                continue  # 2.8万多人口: the quantity parser reads it (2.8万多人)
            try:
                v = parse_number(m.group("num"))
            except ValueError:
                continue
            ss = max(text.rfind(ch, 0, s) for ch in SENT_END) + 1
            se_ = min((k for k in (text.find(ch, e) for ch in SENT_END) if k >= 0), default=len(text) - 1) + 1
            if after:
                ind = _right_np(text[e:se_], allow_verb=False)
                if not ind.endswith(m.group("ind")):
                    continue
                ind += _right_verbs(text[e + len(ind) : se_]) if text.startswith(ind, e) else ""
            else:
                lo = _clause_start(text, ss, m.start("ind"))
                ind = _trim_np(text[lo : m.end("ind")]) or m.group("ind")
            seen.add(s)
            unit = "户" if "户" in m.group("ind") else "人"
            dates = _dates_in(text, ss, s)
            out.append(
                Figure(
                    mention=doc.mention(s, e, "FIGURE", SOURCE),
                    value=v,
                    unit=unit,
                    indicator=ind,
                    date=dates[-1][1] if dates else "",
                    qualifier="余" if m.group("post") else "",
                    sentence=text[ss:se_].strip(),
                )
            )
    return out
