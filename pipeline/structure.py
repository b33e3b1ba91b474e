"""STRUCTURE stage: split normalized text into articles (title, authors) and heading-delimited sections.

Everything works on lines of the normalized ``doc.text``; offsets of articles and sections index that text.
Cues are general layout conventions of Chinese reports and magazine pages (a title line followed by a byline,
``一、``/``（一）``/``1.1`` numbering, article-closing ``(作者:...)`` notes), never phrases of one document.
"""

from __future__ import annotations

import bisect
import dataclasses
import itertools
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from pipeline.lexicon import LazyPattern, lazy_pattern, load
from pipeline.model import ROLES, Article, Document, Section
from pipeline.text.chars import HAN_WIDE, SENT_END
from pipeline.text.numbering import PLAIN_RANK as _PLAIN_RANK
from pipeline.text.numbering import cn_int as _cn_to_int
from pipeline.text.numbering import heading_style

log = logging.getLogger(__name__)

_MIN_ARTICLE_CHARS = 200  # a shorter piece after an article end is a layout leftover, not an article

# ------------------------------------------------------------------------------------------------ lines


@dataclass
class Line:
    start: int
    end: int
    text: str  # stripped

    @property
    def n(self) -> int:
        return len(_WS_RE.sub("", self.text))


_WS_RE = re.compile(r"\s")


def _lines(text: str, start: int = 0, end: int | None = None) -> list[Line]:
    """Non-blank lines of ``text[start:end]`` with their (stripped) spans."""
    end = len(text) if end is None else end
    out: list[Line] = []
    for m in re.finditer(r"[^\n]+", text[start:end]):
        raw = m.group()
        core = raw.strip()
        if not core:
            continue
        lead = len(raw) - len(raw.lstrip())
        s = start + m.start() + lead
        out.append(Line(s, s + len(core), core))
    return out


def _is_body(line: Line) -> bool:
    """Running text: long enough and with sentence punctuation."""
    return line.n > 40 or (line.n > 15 and any(c in line.text for c in "。，,；;"))


# --------------------------------------------------------------------------------------------- headings


@lru_cache(maxsize=1)
def role_keywords() -> dict[str, tuple[str, ...]]:
    """Role -> the heading keywords that give a section that role (``models/lexicon/section_roles.tsv``)."""
    lex = load("section_roles")
    out: dict[str, tuple[str, ...]] = {role: () for role in ROLES}
    for word, role in zip(lex.words(), lex.column("role"), strict=True):
        if role not in out:
            raise ValueError(f"section_roles.tsv: {word!r} has unknown role {role!r} (roles: {ROLES})")
        out[role] += (word,)
    return out


def role_of(heading: str) -> str:
    """The role a heading names: longest matching keyword wins, ties go to the earliest occurrence."""
    best: tuple[int, int, str] | None = None
    for role, words in role_keywords().items():
        for w in words:
            pos = heading.find(w)
            if pos >= 0:
                key = (-len(w), pos, role)
                if best is None or key < best:
                    best = key
    return best[2] if best else ""


def _plain_heading(lines: list[Line], i: int) -> bool:
    """Unnumbered short heading between paragraphs (``补足短板 对症突破``)."""
    line = lines[i]
    t = line.text
    if not 4 <= line.n <= 20 or any(c in t for c in '。，,；;：:！!？?、()（）《》"“”|'):
        return False
    if re.search(r"\d{4}", t):
        return False
    prev_body = i > 0 and _is_body(lines[i - 1])
    next_body = i + 1 < len(lines) and _is_body(lines[i + 1])
    return prev_body and next_body


def parse_sections(text: str, article: Article) -> list[Section]:
    """Heading hierarchy inside ``article``: numbered styles ranked, plain short headings below them.

    Paths use the heading's own numeral when it has one (``二、`` -> "2", then ``（一）`` -> "2.1"), else
    the position among siblings. A subsection without a role keyword inherits its parent's role.
    """
    lines = _lines(text, article.start, article.end)
    heads: list[tuple[int, Line, str]] = []  # (rank, line, numeral)
    title_i = -1
    if article.title:
        title_i = next((i for i, ln in enumerate(lines[:5]) if ln.text.endswith(article.title)), -1)
    for i, line in enumerate(lines):
        if i <= title_i:
            continue  # kicker and title
        hs = heading_style(line.text)
        if hs is not None:
            heads.append((hs[1], line, hs[2]))
        elif _plain_heading(lines, i):
            heads.append((_PLAIN_RANK, line, ""))
    sections: list[Section] = []
    stack: list[tuple[int, Section]] = []  # (rank, section)
    child_count: dict[str, int] = {}
    top = min((h[0] for h in heads), default=_PLAIN_RANK)
    first_top = next((h[2] for h in heads if h[0] == top), "")
    implied = str(max(0, (_cn_to_int(first_top.split(".")[0]) or 1) - 1)) if first_top else "0"
    seen_top = False
    open_: list[Section] = []  # sections not closed yet (end == article.end): levels strictly increasing
    for rank, line, num in heads:
        while stack and stack[-1][0] >= rank:
            stack.pop()
        seen_top = seen_top or rank == top
        parent = stack[-1][1] if stack else None
        parent_path = parent.path if parent else ""
        depth = len(stack)
        if parent is None and rank > top and not seen_top:
            # "(一)" before the first "二、": children of an implied first top-level section (the intro)
            parent_path, depth = implied, 1
        child_count[parent_path] = child_count.get(parent_path, 0) + 1
        own = num.split(".")[-1] if num else ""
        value = _cn_to_int(own) if own else None
        part = str(value) if value is not None else str(child_count[parent_path])
        path = f"{parent_path}.{part}" if parent_path else part
        role = role_of(line.text) or (parent.role if parent else "")
        sec = Section(
            article=article.index,
            path=path,
            heading=line.text,
            level=depth + 1,
            role=role,
            start=line.start,
            end=article.end,
        )
        # close every open section at this level or deeper (already popped) and siblings' ends; the others stay
        # open (only open sections are looked at: linear in the headings, not quadratic)
        for s in open_:
            if s.start < sec.start and s.level >= sec.level:
                s.end = sec.start
        open_ = [s for s in open_ if s.end == article.end] + [sec]
        sections.append(sec)
        stack.append((rank, sec))
    return sections


# --------------------------------------------------------------------------------------------- articles


@lru_cache(maxsize=1)
def _byline_res() -> tuple[re.Pattern[str], ...]:
    """Byline patterns; the first five are strong cues (author marks, subtitle, labels, name(unit))."""
    words = load("byline_words")
    return (
        re.compile(r"^[○●◎◇□■]\s*\S"),  # ○ 张三 李四
        re.compile(r"^(——|--|—)\s*\S"),  # subtitle
        re.compile(rf"^({words.alternation('byline_label')})\s*[:：/]"),
        re.compile(r"^(本报|本刊)?(记者|通讯员)\s*\S"),
        re.compile(rf"^[{HAN_WIDE}]{{2,4}}\s*[(（][^)）]{{2,30}}[)）]$"),  # 张三(某县委办公室)
        re.compile(r"^[(（][^)）]{2,30}[)）]$"),  # (某县委办公室)
        re.compile(r"^(时间|日期|发布时间|发布日期)?\s*[:：]?\s*\d{4}\s*[-年/.]\s*\d{1,2}"),  # date line
        _institution(),
    )


@lru_cache(maxsize=1)
def _institution() -> re.Pattern[str]:
    """An institutional author: 某县委政研室调研组."""
    return re.compile(rf"^[{HAN_WIDE}]{{4,24}}({load('byline_words').alternation('institution')})$")


_END_RE = lazy_pattern(r"[(（]\s*({words})[^)）]{0,120}[)）]\s*$", "byline_words", "end_note")
# "key: value" metadata lines of portals and government sites
_META_RE = LazyPattern(
    lambda: re.compile(
        rf"^({load('byline_words').alternation('meta_field')})\s*[:：]"
        rf"|^[{HAN_WIDE}]{{0,4}}({load('byline_words').alternation('meta_suffix')})\s*[:：]"
    )
)
_TITLE_FIELD_RE = lazy_pattern(r"^(?:{words})\s*[:：]\s*(\S.{3,120})$", "byline_words", "title_field")
_AUTHOR_FIELD_END = lazy_pattern("{words}|[(（]", "byline_words", "author_field_end")
_ORG_THEN_NAME = lazy_pattern(rf"(?:{{words}})([{HAN_WIDE}]{{2,4}})\s*$", "byline_words", "org_suffix")
_KICKER_MAX = 30


def _is_byline(line: Line) -> bool:
    return line.n <= 60 and any(r.search(line.text) for r in _byline_res())


def _is_strong_byline(line: Line) -> bool:
    return line.n <= 60 and any(r.search(line.text) for r in _byline_res()[:5])


def _title_like(line: Line) -> bool:
    t = line.text
    if not 5 <= line.n <= 60 or t[-1] in SENT_END + "，,、：:":
        return False
    if "。" in t or _END_RE.search(t) or _is_byline(line) or heading_style(t) is not None:
        return False
    if len(re.findall(f"[{HAN_WIDE}]", t)) < 0.7 * line.n:
        return False  # codes, table headers, numbers: not a title
    return not _META_RE.match(t)


def _authors(lines: list[Line]) -> list[str]:
    """Names from byline lines: ``○ 甲 乙``, ``甲(单位)``, ``作者:甲 单位:...``, ``某局甲日期:``."""
    names: list[str] = []
    name = rf"[{HAN_WIDE}]{{2,4}}"
    for line in lines:
        t = line.text
        m = re.match(r"^[○●◎◇□■]\s*(.+)$", t)
        if m:
            names += [x for x in re.split(r"[\s、,，;；]+", m.group(1)) if re.fullmatch(name, x)]
            continue
        m = re.match(rf"^({name})\s*[(（][^)）]+[)）]$", t)
        if m:
            names.append(m.group(1))
            continue
        m = re.search(r"作者\s*[:：]\s*(.+)$", t)
        if m:
            rest = _AUTHOR_FIELD_END.split(m.group(1))[0]
            # "某某局张三": the name follows an organization suffix
            org = _ORG_THEN_NAME.search(rest)
            if org:
                names.append(org.group(1))
                continue
            for part in re.split(r"[;；]", rest):
                cand = re.split(r"[\s,，、]", part.strip())[0]
                if re.fullmatch(name, cand):
                    names.append(cand)
            continue
        if _institution().match(t):
            names.append(t)  # an institutional author
            continue
        m = re.search(r"^(?:本报|本刊)?(?:记者|通讯员)\s*(.+)$", t)
        if m:
            names += [x for x in re.split(r"[\s、,，]+", m.group(1)) if re.fullmatch(name, x)]
    seen: list[str] = []
    for n in names:
        if n not in seen:
            seen.append(n)
    return seen


def split_articles(text: str) -> list[Article]:
    """Articles of a file: a new one starts at a title line followed by a byline (optionally with a kicker
    line above it) or right after an article-closing note such as ``(作者:...)`` / ``(转自...)``.
    """
    lines = _lines(text)
    if not lines:
        return [Article(index=0, start=0, end=len(text))]
    starts: list[tuple[int, int | None]] = []  # (line index of article start, line index of title)
    titled: dict[int, bool] = {}

    def title_like(k: int) -> bool:  # each line judged once (a line is asked again as the next one's kicker)
        got = titled.get(k)
        if got is None:
            got = titled[k] = _title_like(lines[k])
        return got

    i = 0
    while i < len(lines):
        after_end = i > 0 and bool(_END_RE.search(lines[i - 1].text))
        if (
            title_like(i)
            and i + 1 < len(lines)
            and _is_byline(lines[i + 1])
            # mid-file, only a strong cue (or a closing note just before) starts a new article
            and (i <= 2 or after_end or _is_strong_byline(lines[i + 1]))
        ):
            title_i, start_i = i, i
            # a kicker: a short title-like line right above, not itself a body line
            if i > 0 and title_like(i - 1) and lines[i - 1].n <= _KICKER_MAX:
                prev_start = starts[-1][0] if starts else -1
                if i - 1 > prev_start:
                    start_i = i - 1
            starts.append((start_i, title_i))
            j = i + 1
            while j < len(lines) and _is_byline(lines[j]):
                j += 1
            i = j
            continue
        if i > 0 and _END_RE.search(lines[i - 1].text) and not (starts and starts[-1][0] == i):
            starts.append((i, i if title_like(i) else None))
        i += 1
    if not starts or starts[0][0] != 0:
        starts.insert(0, (0, 0 if title_like(0) and len(lines) > 1 else None))
    # dedupe and merge starts whose article would be a tiny leftover
    bounds: list[tuple[int, int | None]] = []
    for bound in starts:
        if bounds and bound[0] <= bounds[-1][0]:
            continue
        bounds.append(bound)
    merged: list[tuple[int, int | None]] = []
    for k, (s, t) in enumerate(bounds):
        end_char = lines[bounds[k + 1][0]].start if k + 1 < len(bounds) else len(text)
        size = end_char - lines[s].start
        if merged and size < _MIN_ARTICLE_CHARS:
            continue  # leftover fragment: stays with the previous article
        merged.append((s, t))
    articles: list[Article] = []
    line_starts = [ln.start for ln in lines]
    for k, (s, t) in enumerate(merged):
        start = 0 if k == 0 else lines[s].start
        end = lines[merged[k + 1][0]].start if k + 1 < len(merged) else len(text)
        title = _clean_title(lines[t].text) if t is not None else ""
        header = []
        if t is not None:
            j = t + 1
            while j < len(lines) and _is_byline(lines[j]) and lines[j].start < end:
                header.append(lines[j])
                j += 1
        inside = lines[bisect.bisect_left(line_starts, start) : bisect.bisect_left(line_starts, end)]
        closing = [_closing_note(ln) for ln in inside if _END_RE.search(ln.text)]
        signed = [ln for ln in inside if re.match(r"^作者\s*[:：]", ln.text) and ln.n <= 80]
        authors = _authors(header + closing + signed)
        articles.append(Article(index=k, start=start, end=end, title=title, authors=authors))
    return articles


def _clean_title(title: str) -> str:
    """Drop a leading forum/category tag such as ``[栏目]`` or ``【栏目】``."""
    return re.sub(r"^\s*(?:\[[^\]]{1,12}\]|【[^】]{1,12}】)\s*", "", title).strip()


def _closing_note(line: Line) -> Line:
    """The ``(作者:...)`` note at a line end, without its brackets, as a pseudo-line for ``_authors``."""
    m = _END_RE.search(line.text)
    assert m is not None
    inner = m.group().strip().strip("()（）")
    return Line(line.start + m.start(), line.end, inner)


def structure(doc: Document) -> Document:
    """Copy of ``doc`` with ``articles`` (each with sections) and ``title`` set."""
    text = doc.text
    articles = split_articles(text)
    for a in articles:
        a.sections = parse_sections(text, a)
    title = str(doc.meta.get("title") or "").strip()
    if not title:
        main = max(articles, key=lambda a: (a.end - a.start) if a.title else -1)
        title = main.title
    if not title:  # a "标题: ..." metadata field
        title = next((m.group(1).strip() for ln in _lines(text)[:15] if (m := _TITLE_FIELD_RE.match(ln.text))), "")
        if title and not articles[0].title:
            articles[0].title = title
    if not title:  # no title+byline pair: the first title-like line near the top
        title = next((_clean_title(ln.text) for ln in _lines(text)[:15] if _title_like(ln)), "")
    log.debug("structure %s: %d articles, title %r", doc.doc_id, len(articles), title)
    return dataclasses.replace(doc, articles=articles, title=title)


def article_finder(articles: Sequence[Article]) -> Callable[[int], Article | None]:
    """The first of ``articles`` that holds a position, as a scan finds it: by bisection when they follow one
    another without overlapping (as structure makes them; a file of hundreds of articles no longer costs a scan
    of them all per clause or figure), else by that scan."""
    arts = list(articles)
    if not all(a.start <= a.end <= b.start for a, b in itertools.pairwise(arts)):
        return lambda pos: next((a for a in arts if a.start <= pos < a.end), None)
    starts = [a.start for a in arts]

    def find(pos: int) -> Article | None:
        k = bisect.bisect_right(starts, pos) - 1
        return arts[k] if k >= 0 and pos < arts[k].end else None

    return find


__all__ = [
    "article_finder",
    "heading_style",
    "parse_sections",
    "role_keywords",
    "role_of",
    "split_articles",
    "structure",
]
