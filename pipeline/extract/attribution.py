"""Attribution: whose finding is it? The county and article of every figure and measure.

- A figure whose own clause names a county (邻县三穗县新建大棚300个) is that county's.
- Otherwise a finding takes its article's focal county: in a magazine page with three county reports, the
  focal county the article's text names most; in a one-county document, the document's focal county, except
  in another substantial article that names none (a national reprint after a county report): no county.
- ``article`` is the index of the article holding the finding (multi-article files).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from pipeline.model import Article, Document, Figure, Measure, Place
from pipeline.structure import article_finder
from pipeline.text.segment import clause_start

MIN_OTHER_ARTICLE_CHARS = 200  # as places.MIN_ARTICLE_CHARS: a shorter piece is the main article's
NAME_SCAN_FROM = 8  # counties in a document from which a clause is read by one automaton instead of each name


class CountyNames:
    """The counties of a document, for :func:`clause_county` on each of its figures: with a few, each name is
    looked for in the clause; with many (a file of hundreds of county reports), one Aho-Corasick pass over the
    clause finds them all, so a figure's cost no longer grows with the number of counties."""

    def __init__(self, counties: Sequence[Place]) -> None:
        self.counties = [p for p in counties if p.name]
        self.auto: Any = None
        if len(self.counties) >= NAME_SCAN_FROM:
            import ahocorasick

            best: dict[str, str] = {}  # name → its greatest adcode (two counties may share a short name)
            for p in self.counties:
                best[p.name] = max(best.get(p.name, p.adcode), p.adcode)
            self.auto = ahocorasick.Automaton()
            for name, code in best.items():
                self.auto.add_word(name, (len(name), code))
            self.auto.make_automaton()

    def last_named(self, clause: str) -> str:
        """The adcode of the county named last in ``clause`` (the greater adcode where two names start at the same
        place: as ``max`` over ``(clause.rfind(name), adcode)``); "" when it names none."""
        if self.auto is None:
            named = [(clause.rfind(p.name), p.adcode) for p in self.counties if p.name in clause]
            return max(named)[1] if named else ""
        found = [(end - n + 1, code) for end, (n, code) in self.auto.iter(clause)]  # every occurrence, overlaps too
        return max(found)[1] if found else ""


def clause_county(doc: Document, counties: Sequence[Place] | CountyNames, pos: int) -> str:
    """The county named last in the clause before ``pos``; "" when the clause names none."""
    names = counties if isinstance(counties, CountyNames) else CountyNames(counties)
    return names.last_named(doc.text[clause_start(doc.text, pos) : pos])


def article_county(doc: Document, focal: Sequence[Place], pos: int) -> str:
    """The focal county of the article holding ``pos``: the one its text names most ("" with one focal county)."""
    if len(focal) < 2:
        return ""
    art = next((a for a in doc.articles if a.start <= pos < a.end), None)
    if art is None:
        return ""
    body = doc.text[art.start : art.end]
    counts = {p.adcode: body.count(p.name) + (body.count(p.canonical) if p.canonical != p.name else 0) for p in focal}
    best = max(counts, key=lambda c: counts[c])
    return best if counts[best] else ""


def article_of(doc: Document, pos: int) -> int | None:
    """Index of the article holding normalized position ``pos`` (None for a document without articles)."""
    return next((a.index for a in doc.articles if a.start <= pos < a.end), None)


def _fallback(doc: Document, art: int | None, focal: Sequence[Place]) -> str:
    """The document's focal county for a finding whose article names none: kept in one-article documents, in
    the articles that name it and in short pieces (a lead line, a sidebar), but a substantial other article of
    a multi-article file (a national reprint after a county report) is nobody's."""
    if not focal:
        return ""
    primary = focal[0]
    if art is None or len(doc.articles) < 2:
        return primary.adcode
    a = next(a for a in doc.articles if a.index == art)
    body = doc.text[a.start : a.end]
    if a.end - a.start < MIN_OTHER_ARTICLE_CHARS or primary.name in body or primary.canonical in body:
        return primary.adcode
    return ""


def attribute(doc: Document, places: Sequence[Place], figures: Sequence[Figure], measures: Sequence[Measure]) -> None:
    """Set ``county_code``, ``county`` and ``article`` on each figure and measure (in place).

    The article's county depends on the article only: it is worked out once per article (counting the
    article's mentions once), not once per finding.
    """
    focal = [p for p in places if p.focal]
    counties = [p for p in places if p.level == "county"]
    names = {p.adcode: p.canonical for p in counties}
    in_clause = CountyNames(counties)
    for fig in figures:
        fig.county_code = fig.county_code or clause_county(doc, in_clause, fig.mention.start)
    found: list[Figure | Measure] = [*figures, *measures]
    by_article: dict[int, str] = {}  # id of the article holding a finding (0: none) → its county
    holder_of: Callable[[int], Article | None] = article_finder(doc.articles)  # bisection: not a scan per finding
    for rec in found:
        pos = rec.mention.start
        holder = holder_of(pos)
        art = holder.index if holder is not None else None
        if not rec.county_code:
            key = id(holder) if holder is not None else 0
            if key not in by_article:
                by_article[key] = article_county(doc, focal, pos) or _fallback(doc, art, focal)
            rec.county_code = by_article[key]
        rec.county = names.get(rec.county_code, "")
        rec.article = art
