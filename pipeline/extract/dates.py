"""When a figure holds: the date column of figures.

The genre dates its figures in a few ways, and this module reads each:

- a date attached to the number or stated before it in its sentence (``2019年全县…``, ``由2012年的3262元``);
  a comparison base (``比2013年增长``, ``和2014年相比``) is not the figure's date;
- a date after the number in its own clause (``832个贫困县于2020年底全部摘帽``);
- a framing clause at the start of a sentence (``2020年，``, ``截至2019年底，``, ``今年6月以来，``) that dates the
  rest of its paragraph, until a time word resets it (``目前``, ``近年来``, a period such as ``“十三五”期间``);
  a year range (``2014-2019年``) frames by its end year;
- relative years (``今年``, ``去年``) counted from the page's own date line only (``发布时间:2019-5-20``), never from
  a year the text mentions, and anaphoric ones (``同年``, ``次年``) from the last year the paragraph stated;
- years written in Chinese numerals (``二〇一九年``) read as digits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from pipeline.lexicon import LazyPattern, lazy_pattern, load
from pipeline.normalize import simplified

_CN_YEAR_DIGITS = {"〇": "0", "零": "0", "○": "0", "一": "1", "二": "2", "三": "3", "四": "4"}
_CN_YEAR_DIGITS.update({"五": "5", "六": "6", "七": "7", "八": "8", "九": "9"})
_CN_YEAR = "[一二][〇零○一二三四五六七八九]{3}"
_YEAR = rf"(?:19|20)\d{{2}}|{_CN_YEAR}"
_CN_MONTH = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_CN_MONTH.update({"十一": 11, "十二": 12})

DATE_RE = re.compile(
    r"(?P<y>(?:19|20)\d{2})\s*年(?:\s*(?P<m>1[0-2]|0?[1-9])\s*月(?:份)?)?(?:(?P<d>[0-3]?\d)日)?"
    r"|(?P<y2>(?:19|20)\d{2})[-/.](?P<m2>1[0-2]|0?[1-9])(?![0-9])(?:[-/.][0-3]?\d)?"
    rf"|(?P<y3>{_CN_YEAR})\s*年(?:(?P<m3>十[一二]?|[一二三四五六七八九])月)?"
)


def year_digits(year: str) -> str:
    """``2019`` or ``二〇一九`` → ``2019``."""
    return "".join(_CN_YEAR_DIGITS.get(ch, ch) for ch in year)


def _month(mo: str | None) -> int:
    if not mo:
        return 0
    return int(mo) if mo.isdigit() else _CN_MONTH.get(mo, 0)


def _date_text(year: str, month: str | None = None) -> str:
    mo = _month(month)
    return f"{year_digits(year)}-{mo:02d}" if mo else year_digits(year)


SAME_YEAR = lazy_pattern("(?:{words})", "figure_context", "same_year")
RELATIVE_YEAR = lazy_pattern("(?<![以之])(?:{words})", "figure_context", "relative_year")
TIME_RESET = lazy_pattern(r"\s*[“\"‘]?(?:{words})", "figure_words", "time_reset")


@lru_cache(maxsize=1)
def same_year_offsets() -> dict[str, int]:
    lex = load("figure_context")
    return {w: int(o) for w, o in zip(lex.words(), lex.column("same_year"), strict=True) if o}


@lru_cache(maxsize=1)
def _relative_offsets() -> dict[str, int]:
    lex = load("figure_context")
    return {w: int(o) for w, o in zip(lex.words(), lex.column("relative_year"), strict=True) if o}


def relative_offset(word: str) -> int:
    return _relative_offsets().get(word, 0)


_MONTH_OF_PAGE_YEAR = re.compile(r"(?<=[至止到])\s*(1[0-2]|0?[1-9])\s*月(?!\d)")
_YEAR_PART = lazy_pattern("(?<![年度])(?:{words})", "figure_context", "year_part")


def dates_in(text: str, lo: int, hi: int, base_year: str = "", stated: str = "") -> list[tuple[int, str]]:
    """Dates stated in ``text[lo:hi]`` as (position, ``YYYY`` or ``YYYY-MM``); with ``base_year``, relative years
    too (今年 → base, 去年 → base - 1); 同年/次年 count from the last year stated before them (``stated`` before
    ``lo``)."""
    out = []
    for m in DATE_RE.finditer(text, lo, hi):
        if m.group("y3"):
            out.append((m.start(), _date_text(m.group("y3"), m.group("m3"))))
        else:
            out.append((m.start(), _date_text(m.group("y") or m.group("y2"), m.group("m") or m.group("m2"))))
    absolute = list(out)
    if base_year:
        for m in _MONTH_OF_PAGE_YEAR.finditer(text, lo, hi):
            if "年" not in text[max(lo, m.start() - 6) : m.start()]:  # 2019年1至10月: the year is stated
                out.append((m.start(), _date_text(base_year, m.group(1))))  # 截至9月底: the page's year
        for m in _YEAR_PART.finditer(text, lo, hi):
            if not RELATIVE_YEAR.search(text, max(lo, m.start() - 4), m.start()):  # 去年上半年: dated by 去年
                out.append((m.start(), base_year))  # 上半年，全县…: a part of the page's year
        for m in RELATIVE_YEAR.finditer(text, lo, hi):
            if re.match(r"\d(?![\d.\-—–~～至到]*\s*月)", text[m.end() : m.end() + 6]):
                continue  # 今年60岁, 去年3000元: a number right after, not a month
            out.append((m.start(), str(int(base_year) + relative_offset(m.group()))))
    for m in SAME_YEAR.finditer(text, lo, hi):
        base = next((d[:4] for p, d in reversed(absolute) if p < m.start()), stated[:4])
        if base:
            out.append((m.start(), str(int(base) + same_year_offsets().get(m.group(), 0))))
    out.sort()
    return out


_FULL_DATE = re.compile(r"((?:19|20)\d{2})\s*(?:年|[-/.])\s*(1[0-2]|0?[1-9])\s*(?:月|[-/.])\s*([0-3]?\d)(?!\d)")
_DAY_FIRST_DATE = re.compile(r"(?<![\d.])([0-3]?\d)[./-]([0-3]?\d)[./-]((?:19|20)\d{2})(?![\d.])")  # 09.10.2015
_PAGE_DATE_LABEL = LazyPattern(
    lambda: re.compile(
        f"(?:{load('byline_words').alternation('meta_field')}|{load('byline_words').alternation('meta_suffix')})"
    )
)
_PAGE_HEAD_LINES = 15
_WEEKDAY = re.compile(r"星期|礼拜|周[一二三四五六日天]")
_CLOCK = re.compile(r"\d{1,2}:\d{2}")
_PAGE_DATE_REST = 20


_BYLINE_MONTH = re.compile(r"((?:19|20)\d{2})\s*年\s*(?:1[0-2]|0?[1-9])\s*月\W*$")  # 宜昌市委农办 调研组 2022年3月


def _line_year(line: str, head: bool) -> str:
    m = _FULL_DATE.search(line) or _DAY_FIRST_DATE.search(line)
    if not m and head:
        b = _BYLINE_MONTH.search(line.strip())
        short = len(line.strip()) <= _PAGE_DATE_REST + 10 and not any(ch in line for ch in "，,。；;！？!?")
        return b.group(1) if b and short else ""
    if not m or _WEEKDAY.search(line):
        return ""  # 2024年5月1日 星期三: a portal's today widget, not the page's date
    year = m.group(1) if m.re is _FULL_DATE else m.group(3)
    rest = line.replace(m.group(), "").strip()
    masthead = head and len(rest) <= _PAGE_DATE_REST and not any(ch in rest for ch in "，,。；;！？!?：:")
    if m.re is _DAY_FIRST_DATE:
        masthead = head and not rest  # 09.10.2015 alone on its line or with a clock (3.2.2015 in a phrase is no date)
    if _PAGE_DATE_LABEL.search(line) or _CLOCK.search(rest) or masthead:  # 湖南日报2017年06月08日
        return year
    return ""


def page_year(text: str) -> str:
    """Year of the page's own date line (``发布时间:2017-4-25``, ``2020年05月19日 15:09``, ``09.10.2015 12:07``, a
    line that is only a date) near the top, else a labelled or clocked one further down (a page whose menus push
    the date line down, a footer ``来源:县融媒体中心 2019-01-22 08:30``), or "" when the page gives none: the year
    that 今年 and 去年 are counted from."""
    lines = text.split("\n")
    for i, line in enumerate(lines):
        year = _line_year(line, head=i < _PAGE_HEAD_LINES)
        if year:
            return year
    return ""


_WIDE = str.maketrans("０１２３４５６７８９：／－．　", "0123456789:/-. ")


def document_page_year(text: str, raw_text: str = "") -> str:
    """``page_year`` of the normalized text, else of the text as extracted: normalization drops byline and
    metadata lines as chrome (``本网记者 王芳 2021年7月16日 来源:…``), and with them the page's date."""
    year = page_year(text)
    if year or not raw_text or raw_text == text:
        return year
    return page_year(simplified(raw_text.translate(_WIDE)))


_SUMMARY_HEADING = LazyPattern(
    lambda: re.compile(
        rf"^\s*[^\d，,。；;]{{0,12}}?(?P<y>{_YEAR})\s*年(?:度)?[^，,。；;！？!?]{{0,30}}?(?:{load('figure_context').alternation('summary_heading')})"
        r"(?:暨[^，,。；;]{0,30})?\s*$"
    )
)


def report_year(text: str, title: str = "") -> str:
    """The year a year-end summary sums up, from its heading (``二〇一九年脱贫攻坚工作总结``, ``2020年工作总结暨2021年
    工作计划``) in the title or the first lines; "" for any other document."""
    lines = [title, *[ln for ln in text.split("\n")[:_PAGE_HEAD_LINES] if ln.strip()][:3]]
    for line in lines:
        m = _SUMMARY_HEADING.match(line.strip()) if line else None
        if m:
            return year_digits(m.group("y"))
    return ""


_HEADING_MAX = 30
_REVIEW_HEADING = lazy_pattern("(?:{words})", "figure_context", "review_heading")
_HAN = re.compile(r"[\u4e00-\u9fff]")


def heading_year(line: str) -> str | None:
    """The year a heading line gives the section under it (``一、2019年主要工作``, ``2020年工作打算`` → the year;
    a heading without a single year, ``二、存在问题`` or ``“十三五”期间主要成效`` → ""), or None when the line is no
    heading: it is prose (sentence punctuation, a comma), long, reports a figure, or is a page's date line."""
    line = line.strip()
    if not line or len(line) > _HEADING_MAX or any(ch in line for ch in "。！？；!?;，,"):
        return None
    if _FULL_DATE.search(line) or _DAY_FIRST_DATE.search(line) or _CLOCK.search(line):
        return None  # 2019年12月19日, 2020-05-21 13:40: the page's date, not a heading
    dates = list(DATE_RE.finditer(line))
    if any(m.group("m") or m.group("m2") or m.group("m3") for m in dates):
        return None  # 宜昌市委农办 调研组 2022年3月: a byline's date, not a heading's year
    rest = DATE_RE.sub("", line)
    if re.search(r"\d", rest):
        return None  # 2021年农民收入达18931元: a headline reporting a figure
    if len(_HAN.findall(rest)) < 4:
        return None
    years = {year_digits(m.group("y") or m.group("y2") or m.group("y3")) for m in dates}
    if TIME_RESET.search(line) or len(years) != 1 or _REVIEW_HEADING.search(line):
        return ""  # 二、存在问题; 2020年工作总结暨2021年工作计划 (two years): no single year
    return years.pop()


_COMPARE_BEFORE = re.compile(r"(?:比|较|比上|较上|相比|与|同|由|从)$")
_COMPARE_WITH = re.compile(r"(?:和|跟)$")
_COMPARE_CLOSE = re.compile(r"[^，,。；;]{0,24}?(?:相比|相较|比较|对比)")
_ATTACHED_DATE = re.compile(rf"({_YEAR})\s*年(?:底|末|初)?的?$")
_DATE_AFTER = re.compile(rf"[^，,。；;:：（(]{{0,12}}?于\s*({_YEAR})\s*年")
_CLAUSE_RESET = LazyPattern(
    lambda: re.compile(rf"[，,；;]\s*[“\"‘]?(?:{load('figure_words').alternation('time_reset')})")
)


_JUDGING_FROM = re.compile(r"[^，,。；;]{0,30}?(?:来看|看)[，,]")


def _is_comparison_base(text: str, p: int, sent_start: int) -> bool:
    before = text[max(sent_start, p - 2) : p]
    if before.endswith("从") and _JUDGING_FROM.match(text, p):
        return False  # 从2021年开展的回访看，…: judging from, not a starting point
    if _COMPARE_BEFORE.search(before):
        return True  # 比2013年增长, 由2012年的…
    return bool(_COMPARE_WITH.search(before) and _COMPARE_CLOSE.match(text, p))  # 和2014年建档立卡初期相比


def date_for(dates: list[tuple[int, str]], text: str, pos: int, sent_start: int, end: int = -1) -> str | None:
    """The date a figure at ``text[pos:end]`` refers to: one attached to it (2012年的3262元) or after it in its
    clause (832个贫困县于2020年底全部摘帽), else the latest date stated before it in the sentence that is not a
    comparison base (比2013年增长1.6倍 is dated by the sentence, not 2013) and that no time word (目前, 现有)
    between it and the figure has reset (then "": the figure holds for now, not for a frame); None when the sentence
    states no date before it."""
    attached = _ATTACHED_DATE.search(text[max(sent_start, pos - 8) : pos])
    if attached:
        return year_digits(attached.group(1))
    if end >= 0:
        after = _DATE_AFTER.match(text, end)
        if after:
            return year_digits(after.group(1))
    best: str | None = None
    best_at = -1
    for p, d in dates:
        if p < pos and not _is_comparison_base(text, p, sent_start):
            best, best_at = d, p
    if best and _CLAUSE_RESET.search(text, best_at, pos):
        return ""  # 于2012年成立，现有会员200余人: the count is of now, not of 2012
    return best


def _framing_re() -> re.Pattern[str]:
    """A clause that is only a date (``截至2019年底，``, ``2020年以来，``, ``去年，``, ``今年6月以来，``,
    ``2014-2019年，``), at the start of a sentence or after a short lead (``据了解，``, ``据统计数据:``, a dateline
    ``…讯``)."""
    ctx = load("figure_context")
    rel, same = ctx.alternation("relative_year"), ctx.alternation("same_year")
    month = r"(?:1[0-2]|0?[1-9])"
    tail = rf"(?:份)?(?:{ctx.alternation('date_tail')})*"
    return re.compile(
        r"(?:[^，,。；;!?！？\d]{1,12}?[，,:：]|(?P<lead>[^，,。；;!?！？\d\s][^，,。；;!?！？\d]{0,11}?))?"
        r"\s*(?P<prep>截[至止]|到|至|在|于|从)?\s*"
        rf"(?:(?:(?:{_YEAR})\s*年?\s*[-—–~～至到]\s*)?(?P<y>{_YEAR})\s*年(?:\s*(?P<mo>{month})\s*月)?"
        rf"|(?P<rel>{rel})(?:\s*(?:(?:{month})\s*[-—–~～至到]\s*)?(?P<rmo>{month})\s*月)?|(?P<same>{same})"
        rf"|(?<=[至止到])(?P<monly>{month})\s*月|(?P<part>{ctx.alternation('year_part')}))"
        rf"{tail}(?P<judging>[^，,。；;]{{0,30}}?(?:来看|看)(?=[，,]))?"
        r"(?:[，,]|(?(lead)(?!)|(?![至到—\-~～0-9年月日])))"  # 2021年全县…: no comma needed unless a bare lead
    )


_FRAMING_DATE = LazyPattern(_framing_re)
_DATE_CLAUSE = re.compile(
    rf"(?<=[，,:：])\s*(?:截[至止]|到|至)\s*(?:(?P<y>{_YEAR})\s*年)?\s*(?:(?P<mo>1[0-2]|0?[1-9])\s*月(?:份)?)?"
    r"(?:底|末|初)?(?=[，,])"
)


BREAKDOWN_START = re.compile(r"\s*其中")  # 其中，…: a breakdown of the figure before, so of its date


@dataclass
class Framing:
    """The date a sentence's opening clause sets (``date``), and whether it had one (``found``)."""

    date: str
    found: bool


def framing(text: str, ss: int, se: int, current: str, base_year: str = "", stated: str = "") -> Framing:
    """The date a sentence sets for itself and the sentences after it in its paragraph (``2021年，…。猕猴桃…``);
    a relative year (``去年，``) counts from the page's year (none without a date line); ``同年，`` from the last
    year the paragraph stated; a month alone (``截至9月底，``) takes the page's year."""
    m = _FRAMING_DATE.match(text, ss, se)
    if m and m.group("lead") and (m.group("prep") == "于" or m.group("lead").endswith("于")):
        m = None  # 建政于1929年，: the date of an event, not a frame
    if m and (m.group("prep") == "从" or (m.group("lead") or "").endswith("从")) != bool(m.group("judging")):
        m = None  # 从2014年起…: a starting point; only 从2021年的调查看，frames
    if m and m.group("same"):
        return Framing(str(int(stated[:4]) + same_year_offsets().get(m.group("same"), 0)) if stated else current, True)
    if m and m.group("rel"):
        if not base_year:
            return Framing("", True)
        year = str(int(base_year) + relative_offset(m.group("rel")))
        return Framing(_date_text(year, m.group("rmo")), True)
    if m and m.group("part"):
        rel = RELATIVE_YEAR.search(m.group("lead") or "")
        if rel:  # 今年上半年，: the relative year dates it
            return Framing(str(int(base_year) + relative_offset(rel.group())) if base_year else "", True)
        return Framing(base_year, True) if base_year else Framing(current, False)
    if m and m.group("monly"):
        return Framing(_date_text(base_year, m.group("monly")) if base_year else current, True)
    if m:
        return Framing(_date_text(m.group("y"), m.group("mo")), True)
    if TIME_RESET.match(text, ss, se):
        return Framing("", True)
    inner = [x for x in _DATE_CLAUSE.finditer(text, ss, se) if x.group("y") or (x.group("mo") and base_year)]
    if inner:  # 记者了解到，截至9月底，…: a clause that is only a date frames the sentences after this one
        last = inner[-1]
        return Framing(_date_text(last.group("y") or base_year, last.group("mo")), False)
    return Framing(current, False)
