"""Attribution: whose finding is it? The county and article of every figure and measure.

- A figure whose own clause names a county (邻县三穗县新建大棚300个) is that county's.
- Otherwise a finding takes its article's focal county: in a magazine page with three county reports, the
  focal county the article's text names most; in a one-county document, the document's focal county.
- ``article`` is the index of the article holding the finding (multi-article files).
"""

from __future__ import annotations

from collections.abc import Sequence

from pipeline.model import Document, Figure, Measure, Place
from pipeline.text.segment import clause_start


def clause_county(doc: Document, counties: Sequence[Place], pos: int) -> str:
    """The county named last in the clause before ``pos``; "" when the clause names none."""
    clause = doc.text[clause_start(doc.text, pos) : pos]
    named = [(clause.rfind(p.name), p.adcode) for p in counties if p.name and p.name in clause]
    return max(named)[1] if named else ""


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


def attribute(doc: Document, places: Sequence[Place], figures: Sequence[Figure], measures: Sequence[Measure]) -> None:
    """Set ``county_code``, ``county`` and ``article`` on each figure and measure (in place)."""
    focal = [p for p in places if p.focal]
    primary = focal[0].adcode if focal else ""
    counties = [p for p in places if p.level == "county"]
    names = {p.adcode: p.canonical for p in counties}
    for fig in figures:
        fig.county_code = fig.county_code or clause_county(doc, counties, fig.mention.start)
    found: list[Figure | Measure] = [*figures, *measures]
    for rec in found:
        rec.county_code = rec.county_code or article_county(doc, focal, rec.mention.start) or primary
        rec.county = names.get(rec.county_code, "")
        rec.article = article_of(doc, rec.mention.start)
