"""Practice → outcome links: which figures each program or formula achieved, with evidence spans.

Rules (each named in ``Link.rule``), in order of strength:
- ``rule:same_sentence``: the figure's sentence names the practice;
- ``rule:outcome_section``: the figure sits in a section whose heading marks outcomes (成效) → the article's
  main practice;
- ``rule:cue_after_practice``: the sentence carries an outcome cue (累计, 实现, 带动 …) and follows the first
  mention of the article's main practice, outside background/problem sections.
Background figures (before any practice is named, or in 背景/问题 sections) are not outcomes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pipeline.extract.headings import SectionName, section_names
from pipeline.lexicon import LazyPattern, lazy_pattern, load
from pipeline.model import Article, Document, Figure, Link, Measure
from pipeline.text.chars import CLOSE_QUOTES, OPEN_QUOTES
from pipeline.text.names import norm_name
from pipeline.text.segment import list_item, sentence_span

PRACTICE_KINDS = ("program", "loan_product", "slogan")
OUTCOME_CUES = lazy_pattern("{words}", "outcome_cues")
NON_OUTCOME_ROLES = {"背景", "问题", "建议"}


def _occurrences(text: str, name: str, start: int, end: int) -> list[int]:
    out, i = [], text.find(name, start, end)
    while i != -1:
        out.append(i)
        i = text.find(name, i + 1, end)
    return out


def _articles(doc: Document) -> list[Article]:
    return doc.articles or [Article(index=0, start=0, end=len(doc.text), title=doc.title)]


def _role_at(art: Article, pos: int) -> str:
    """The nearest role from the innermost section outwards (a subsection inherits its parent's role)."""
    roles = [s for s in art.sections if s.start <= pos < s.end and s.role]
    return max(roles, key=lambda s: s.level).role if roles else ""


_QUOTED = re.compile(f"[{OPEN_QUOTES}]([^{CLOSE_QUOTES}\n]{{2,16}})[{CLOSE_QUOTES}]")
MAIN_KINDS = ("program", "loan_product", "organization")


def _title_zone(doc: Document, art: Article, n_lines: int = 3) -> str:
    """Title, subtitle and byline: where an article announces what it is about."""
    head = doc.text[art.start : art.end].lstrip().split("\n")
    return "\n".join([art.title, *[ln for ln in head if ln.strip()][:n_lines]])


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
        score = n + (1000 if in_title else 0) + (0.5 if m.kind == "program" else 0)
        if score > best_score:
            best, best_score = m, score
    return best


# A practice referred to by its head noun: 该模式, 这一机制, or a distinctive head alone (联合体, 协会).
_DEMONSTRATIVE = "(?:该|这一|这个|这种|此|上述)"
# generic heads (该模式) need a demonstrative; distinct ones (联合体, 协会) refer back alone
_ANAPHOR = LazyPattern(
    lambda: re.compile(
        f"{_DEMONSTRATIVE}({load('practice_suffixes').alternation('anaphor')})"
        f"|({load('practice_suffixes').alternation('anaphor', 'distinct')})"
    )
)
ANAPHOR_WINDOW = 800


def _anaphor(text: str, s0: int, s1: int, pos: int, art_start: int, by_name: dict[str, Measure]) -> Measure | None:
    """The practice a sentence points back to (通过该模式…, 联合体带动农户…): the nearest earlier mention,
    within ``ANAPHOR_WINDOW`` characters, of a practice whose name ends with the same head."""
    for m in _ANAPHOR.finditer(text, s0, pos):
        head = m.group(1) or m.group(2)
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


def _list_item(text: str, s0: int, s1: int, start: int, end: int) -> str:
    """The item of a 、-list a figure sits in (茶园60万亩、“优质稻+”14万亩、蔬菜20万亩), or "" when the figure is
    not a list item; a practice named in another item is not what this figure measures."""
    return list_item(text, start, end, s0, s1)


def _heading_practice_at(art: Article, pos: int, by_name: dict[str, Measure], named: dict[int, str]) -> Measure | None:
    """The practice named by the innermost heading around ``pos`` (``（三）建设食用菌产业园区``)."""
    for sec in sorted((s for s in art.sections if s.start <= pos < s.end), key=lambda s: -s.level):
        name = named.get(id(sec))
        if name is not None and name in by_name:
            return by_name[name]
    return None


def link_outcomes(
    doc: Document,
    measures: Sequence[Measure],
    figures: Sequence[Figure],
    headings: Sequence[SectionName] | None = None,
) -> list[Link]:
    """One link per (practice, figure) found by the rules above; ``headings``: what each section heading names
    (the headings component; parsed here when not given)."""
    heading_names = {id(sn.section): sn.name for sn in (section_names(doc) if headings is None else headings)}
    practices = [m for m in measures if m.kind in PRACTICE_KINDS and len(norm_name(m.name)) >= 2]
    by_name = {m.name: m for m in measures if m.kind in (*MAIN_KINDS, "slogan")}
    links: list[Link] = []
    for art in _articles(doc):
        main = main_practice(doc, art, measures)
        first_main = min(_occurrences(doc.text, main.name, art.start, art.end), default=None) if main else None
        for fig in figures:
            pos = fig.mention.start
            if not art.start <= pos < art.end:
                continue
            s0, s1 = sentence_span(doc.text, pos)
            sentence = doc.text[s0:s1]
            role = _role_at(art, pos)
            scope = _list_item(doc.text, s0, s1, fig.mention.start, fig.mention.end) or sentence
            named = [m for m in practices if m.kind != "slogan" and m.name in scope]
            chosen: list[tuple[Measure, str]] = [(m, "rule:same_sentence") for m in named]
            if not chosen and role not in NON_OUTCOME_ROLES:
                ref = _anaphor(doc.text, s0, s1, pos, art.start, by_name)
                if ref is not None:
                    chosen = [(ref, "rule:anaphora")]
            heading = _heading_practice_at(art, pos, by_name, heading_names) if role not in NON_OUTCOME_ROLES else None
            if heading is not None and all(m.name != heading.name for m in named):
                # 通过该模式累计发放贷款…，其中“富民贷”…: the section's practice too, not only the products named
                chosen.append((heading, "rule:section_practice"))
            if not chosen and main is not None and role not in NON_OUTCOME_ROLES:
                if role == "成效":
                    chosen = [(main, "rule:outcome_section")]
                elif first_main is not None and pos > first_main and OUTCOME_CUES.search(sentence):
                    chosen = [(main, "rule:cue_after_practice")]
            for m, rule in chosen:
                evidence = doc.mention(s0, s1, "EVIDENCE", rule)
                links.append(Link(practice=m, figure=fig, relation="achieved", rule=rule, evidence=evidence, role=role))
    return links
