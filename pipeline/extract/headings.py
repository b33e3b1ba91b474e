"""Practices named by section headings: in county reports each subsection of 做法 describes one practice
(``（二）推行“村社一体”联建``, ``（三）建设食用菌产业园区``, ``二、闽宁协作拓宽增收渠道``).

A heading names a practice by a quoted coinage, by a name ending in a practice suffix (工程, 机制 …), or by
the noun phrase it opens with once the leading verb (发展, 推行 …) is dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import jieba.posseg

from pipeline.lexicon import lazy_pattern, lazy_words
from pipeline.model import ROLES, Article, Document, Section
from pipeline.structure import role_of
from pipeline.text.chars import CLOSE_QUOTES, HAN_BASIC, OPEN_QUOTES
from pipeline.text.numbering import HEADING_NUMBERING_RE
from pipeline.text.tokenizer import shared_pos_tokenizer

SOURCE = "rule:section_heading"
TITLE_SOURCE = "rule:title_practice"
_NUMBERING = HEADING_NUMBERING_RE
_QUOTED = re.compile(f"[{OPEN_QUOTES}]([^{CLOSE_QUOTES}]{{2,14}})[{CLOSE_QUOTES}]")
_LEAD_VERB = lazy_pattern("^(?:{words})+", "adoption_verbs", "heading_lead")
_PRACTICE_SUFFIX = lazy_pattern("(?:{words})$", "practice_suffixes", "heading")
_NOUNISH = {"n", "nz", "nr", "ns", "nt", "vn", "j", "l", "nrt", "nrfg", "b", "an", "eng", "ng"}
_GENERIC = lazy_words("generic_nouns")
# Roles of sections that describe no practice (every role but 做法).
_NOT_PRACTICE_ROLES = tuple(r for r in ROLES if r != "做法")


@dataclass(frozen=True)
class HeadingPractice:
    name: str
    start: int  # normalized offsets of the name inside the heading
    end: int
    section: Section


@lru_cache(maxsize=1)
def _pos() -> jieba.posseg.POSTokenizer:
    return shared_pos_tokenizer()


_METAPHOR_BEFORE = re.compile(r"(?:变|变成|成为|成|当|做|是|端上|捧上|端起|的)[\"“]?$")


def practice_in_heading(heading: str) -> tuple[str, int] | None:
    """(name, offset in heading) of the practice a heading names, or None."""
    m = _NUMBERING.match(heading)
    body_off = m.end() if m else 0
    body = heading[body_off:].rstrip("。；;，, ")
    if "：" in body or ":" in body:
        cut = max(body.rfind("："), body.rfind(":"))
        left, right = body[:cut].strip(), body[cut + 1 :]
        q = _QUOTED.search(right)
        metaphor = q is not None and bool(_METAPHOR_BEFORE.search(right[: q.start()]))
        half_quoted = bool(re.search(f"[{OPEN_QUOTES}{CLOSE_QUOTES}]", left))
        if (
            len(left) >= 4
            and not _LEAD_VERB.match(left)
            and left not in _GENERIC
            and (q is None or metaphor)
            and not half_quoted
        ):
            return left, body_off  # 土族盘绣：指尖技艺变“金饭碗” — the words before the colon name it
        body_off, body = body_off + cut + 1, right  # 强链：金融产品精准滴灌, 强教育：推进“一村一幼” — after it
    q = _QUOTED.search(body)
    if q:
        return q.group(1), body_off + q.start(1)
    lead = _LEAD_VERB.match(body)
    skip = lead.end() if lead else 0
    core = re.split(r"[，,、；;\s]", body[skip:], maxsplit=1)[0]  # a second clause is the purpose, not the name
    if not core or len(core) > 16:
        return None
    if _PRACTICE_SUFFIX.search(core):
        name = core
    else:
        toks: list[tuple[str, str]] = []
        for w in _pos().cut(core):
            if w.flag not in _NOUNISH and w.flag != "nr":
                break
            toks.append((w.word, w.flag))
        while toks and toks[-1][1] == "nr":  # a "person name" closing a heading is a mis-tagged verb (拓宽)
            toks.pop()
        name = "".join(w for w, _ in toks)
    if len(name) < 3 or name in _GENERIC or len(name) > 14 or re.search(f"[{OPEN_QUOTES}{CLOSE_QUOTES}]", name):
        return None  # 凡注明“来源…: a half-quoted line is page chrome, not a name
    return name, body_off + skip


@dataclass(frozen=True)
class SectionName:
    """What a section heading names (any section, whatever its role): the result of parsing it once."""

    article: int
    section: Section
    name: str
    offset: int  # offset of the name inside the heading


def section_names(doc: Document) -> list[SectionName]:
    """Parse every section heading once (the headings component); measures and links read the result."""
    out = []
    for art in doc.articles or [Article(index=0, start=0, end=len(doc.text))]:
        for sec in art.sections:
            found = practice_in_heading(sec.heading)
            if found is not None:
                out.append(SectionName(art.index, sec, found[0], found[1]))
    return out


def heading_practices(doc: Document, names: list[SectionName] | None = None) -> list[HeadingPractice]:
    """Practices named by the headings of practice sections (own role 做法 or none; not 成效/问题/…)."""
    out = []
    for sn in section_names(doc) if names is None else names:
        sec = sn.section
        if role_of(sec.heading) or sec.role in _NOT_PRACTICE_ROLES:
            continue
        pos = doc.text.find(sec.heading, sec.start, sec.end)
        if pos < 0:
            continue
        out.append(HeadingPractice(sn.name, pos + sn.offset, pos + sn.offset + len(sn.name), sec))
    return out


_LEAD_PLACE = re.compile(rf"^[{HAN_BASIC}]{{1,8}}?(?:自治区|省|市|州|县|区|旗)")
_TITLE_TAIL = lazy_pattern("的?(?:{words})+$", "title_tails")


def practice_in_title(line: str) -> tuple[str, int] | None:
    """(name, offset) of a practice a title line names: ``某县推进村集体领办合作社`` → 村集体领办合作社.

    Only names ending in a practice suffix count; a title's other nouns are topics, not practices."""
    best = None
    for seg in re.finditer(r"[^：:—\-－]+", line):
        text, off = seg.group(), seg.start()
        lead = len(text) - len(text.lstrip(" 　"))
        text, off = text.strip(" 　"), off + lead
        place = _LEAD_PLACE.match(text)
        if place:
            text, off = text[place.end() :], off + place.end()
        verb = _LEAD_VERB.match(text)
        if verb:
            text, off = text[verb.end() :], off + verb.end()
        text = _TITLE_TAIL.sub("", text)
        suffix = _PRACTICE_SUFFIX.search(text)
        generic = suffix is not None and len(suffix.group()) >= 2 and suffix.start() <= 2  # 扶贫模式: a topic
        if 4 <= len(text) <= 14 and suffix and not generic and not re.search(r"[，,、“”\"\s]", text):
            best = (text, off)
    return best


def title_practices(doc: Document) -> list[tuple[str, int, int]]:
    """(name, start, end) of practices named in each article's title lines (title and subtitle)."""
    out = []
    arts = doc.articles or [Article(index=0, start=0, end=len(doc.text), title=doc.title)]
    for art in arts:
        pos = art.start
        for line in doc.text[art.start : art.end].split("\n")[:4]:
            if line.strip() and len(line) <= 60:
                found = practice_in_title(line)
                if found is not None:
                    out.append((found[0], pos + found[1], pos + found[1] + len(found[0])))
            pos += len(line) + 1
    return out
