"""Clauses of a document that state a policy action, coded with field and policy tool (policy_tools.csv).

Clause splitting: sentences, long ones cut at a comma before a new predicate; headings skipped. Clauses that are
no policy action whatever the model says (:func:`non_action`: a paper's metadata lines such as 关键词：…, the
researcher's method statements, the central leadership's words and set slogans; word lists in
``models/lexicon/clause_exclusions.tsv``) are not coded; the model's ``none`` clauses are left out and its
unsure ones are kept as 未编码.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from functools import lru_cache

from pipeline.learn.policy_tools import NONE, PolicyToolModel
from pipeline.lexicon import LazyPattern, load
from pipeline.model import Article, Clause, Document
from pipeline.structure import article_finder
from pipeline.text.chars import COMMA, SENT_END
from pipeline.text.numbering import ENUM_RE
from pipeline.text.segment import trimmed_sentences

_SENT_END = SENT_END
_COMMA = COMMA
_ENUM_RE = ENUM_RE
_MIN_CLAUSE = 6
_LONG = 60


_HEADING_BREAKERS = frozenset(_SENT_END + _COMMA + "：:")
_COMMA_RE = re.compile("[" + re.escape(_COMMA) + "]")


def _is_heading_line(line: str) -> bool:
    """A short line without sentence punctuation (a title, heading, byline or caption)."""
    t = line.strip()
    return len(t) <= 40 and _HEADING_BREAKERS.isdisjoint(t)


def _is_title_line(line: str, titles: set[str]) -> bool:
    """An article title or heading line, possibly with a kicker the structure stage trimmed (``[栏目]标题``)."""
    t = line.strip()
    return t in titles or (not any(c in t for c in _SENT_END) and any(h in t for h in titles if len(h) >= 6))


_NOT_CONTENT = str.maketrans("", "", '，,、：:“”"《》()（）')


def _content_len(s: str) -> int:
    """Characters other than whitespace (``str.isspace``, as ``str.split`` cuts) and list punctuation."""
    return len("".join(s.split()).translate(_NOT_CONTENT))


@lru_cache(maxsize=1)
def _predicates() -> tuple[str, ...]:
    """A clause after a comma that opens with one of these starts a new predicate (a new policy action)."""
    return load("clause_predicates").words()


def _split_long(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Split a long sentence at commas where the next piece opens with a predicate."""
    cuts = [start]
    for c in _COMMA_RE.finditer(text, start, end):  # the commas of the sentence, not a test of every character
        i = c.start()
        nxt = text[i + 1 : i + 6].lstrip()
        if i - cuts[-1] >= 15 and end - i >= 15 and nxt.startswith(_predicates()):
            cuts.append(i + 1)
    cuts.append(end)
    return [(a, b) for a, b in itertools.pairwise(cuts)]


def split_clauses(doc: Document) -> list[tuple[int, int]]:
    """Clause spans (normalized offsets): sentences, long ones cut at a comma before a new predicate.

    Headings (short unpunctuated lines) and bits under ``_MIN_CLAUSE`` content characters are skipped.
    A leading enumerator (``（一）``, ``1.``) is left out of the span.
    """
    text = doc.text or doc.raw_text
    titles = {a.title.strip() for a in doc.articles if a.title.strip()}
    titles |= {s.heading.strip() for a in doc.articles for s in a.sections if s.heading.strip()}
    out: list[tuple[int, int]] = []
    line_start = 0
    for line in text.split("\n"):
        ls, le = line_start, line_start + len(line)
        line_start = le + 1
        if not line.strip() or _is_heading_line(line) or _is_title_line(line, titles):
            continue
        for a, b in trimmed_sentences(text, ls, le):
            m = _ENUM_RE.match(text, a, b)
            if m and m.end() < b:
                a = m.end()
            pieces = _split_long(text, a, b) if b - a > _LONG else [(a, b)]
            for pa, pb in pieces:
                while pa < pb and text[pa].isspace():
                    pa += 1
                if _content_len(text[pa:pb]) >= _MIN_CLAUSE:
                    out.append((pa, pb))
    return out


_METADATA = LazyPattern(
    lambda: re.compile(r"^\s*(?:" + load("clause_exclusions").alternation("kind", "metadata") + r")\s*[：:]", re.I)
)
_METHOD = LazyPattern(lambda: re.compile(load("clause_exclusions").alternation("kind", "method")))
_CENTRAL = LazyPattern(
    lambda: re.compile(
        r"^[\s“”\"‘’'（(]*(?:" + load("clause_exclusions").alternation("kind", "central", escape=False) + ")"
    )
)
_SLOGAN = LazyPattern(lambda: re.compile(load("clause_exclusions").alternation("kind", "slogan")))
_SLOGAN_REST = 8  # a clause with a slogan and fewer other content characters than this says only the slogan


def non_action(clause: str, line: str = "") -> str:
    """Why ``clause`` (on ``line``) is no policy action, or ``""``: ``metadata`` (the line opens with a label such as
    关键词：), ``method`` (the researcher's voice: 本文, 课题组, 问卷调查 …), ``central`` (opens with the central
    leadership's words: 习近平总书记指出 …) or ``slogan`` (a set phrase and little else)."""
    if _METADATA.match(line or clause):
        return "metadata"
    if _METHOD.search(clause):
        return "method"
    if _CENTRAL.match(clause):
        return "central"
    if _SLOGAN.search(clause) and sum(c.isalnum() for c in _SLOGAN.sub("", clause)) < _SLOGAN_REST:
        return "slogan"
    return ""


def _line_at(text: str, pos: int) -> str:
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    return text[start : end if end >= 0 else len(text)]


def _section_path(
    doc: Document, pos: int, find: Callable[[int], Article | None] | None = None
) -> tuple[int | None, str]:
    """(article index, heading path ``一、主要做法 > （一）…``) of normalized position ``pos``; ``find``: the
    article holding a position (:func:`structure.article_finder` of the document's articles; else they are scanned)."""
    art = find(pos) if find is not None else next((a for a in doc.articles if a.start <= pos < a.end), None)
    if art is None:
        return None, ""
    heads = sorted((s for s in art.sections if s.start <= pos < s.end), key=lambda s: (s.level, s.start))
    return art.index, " > ".join(s.heading.strip() for s in heads if s.heading.strip())


def code_clauses(doc: Document, model: PolicyToolModel) -> list[Clause]:
    """The clauses that state a policy action, coded: a clause that is no action (:func:`non_action`) or that the
    model codes ``none`` is left out; one the model is unsure of is kept as 未编码."""
    text = doc.text or doc.raw_text
    spans = [(a, b) for a, b in split_clauses(doc) if not non_action(text[a:b], _line_at(text, a))]
    if not spans:
        return []
    preds = model.predict([text[a:b] for a, b in spans])
    out: list[Clause] = []
    find = article_finder(doc.articles)
    for (a, b), p in zip(spans, preds, strict=True):
        if p["tool"] == NONE:
            continue
        art, section = _section_path(doc, a, find)
        out.append(
            Clause(
                mention=doc.mention(a, b, "CLAUSE", model.source, text=text[a:b]),
                field=p["field"],
                tool=p["tool"],
                sub_tool=p["sub_tool"],
                confidence=p["confidence"],
                article=art,
                section=section,
            )
        )
    return out
