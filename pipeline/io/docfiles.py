"""Per-document files written as each result arrives, and the slim result a run keeps until the write phase.

A run (``run.run_corpus``) holds every document's result until the corpus stages and the tables are done; whole,
a result carries its raw text, the offset map of its normalized text (two 8-byte integers per character) and its
review page, which only the per-document files need. ``DocFiles.take`` writes a document's ``text/`` and
``review/`` files into the staging folder as soon as its result is there (named by ``names.file_stems`` over the
run's doc_ids, known before any document is processed) and returns ``slim(result)``: what the corpus stages and
the row writers read, no more. The cache (``io/cache.py``) stores whole results; a hit is slimmed the same way.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable
from contextlib import suppress
from dataclasses import replace
from pathlib import Path

from pipeline.model import DocResult, KeptSpans, Mention

log = logging.getLogger(__name__)

SHORT = 40  # strings up to this length are interned (shared by the whole run); longer ones shared per document


class _Pool:
    """Equal strings made one object: short ones interned, long ones shared within a document."""

    def __init__(self) -> None:
        self.long: dict[str, str] = {}

    def __call__(self, s: str) -> str:
        if len(s) <= SHORT:
            return sys.intern(s)
        return self.long.setdefault(s, s)


def _share_mention(m: Mention, pool: _Pool, doc_id: str) -> None:
    m.doc_id = doc_id if m.doc_id == doc_id else m.doc_id
    m.label, m.source, m.text = pool(m.label), pool(m.source), pool(m.text)
    m.raw = m.text if m.raw == m.text else pool(m.raw)


def share_strings(r: DocResult) -> None:
    """Make equal strings of ``r``'s records one object (doc_ids, labels, units, rules, a Mention's ``raw`` and
    ``text``, the sentence a figure and its link's evidence share …). Values are unchanged: only their copies go."""
    pool = _Pool()
    doc_id = r.doc.doc_id
    seen: set[int] = set()

    def mention(m: Mention) -> None:
        if id(m) not in seen:
            seen.add(id(m))
            _share_mention(m, pool, doc_id)

    for p in r.places:
        mention(p.mention)
        p.name, p.canonical, p.adcode, p.level = pool(p.name), pool(p.canonical), pool(p.adcode), pool(p.level)
        p.province, p.prefecture = pool(p.province), pool(p.prefecture)
    for f in r.figures + [lk.figure for lk in r.links]:
        mention(f.mention)
        f.unit, f.indicator, f.date, f.qualifier = pool(f.unit), pool(f.indicator), pool(f.date), pool(f.qualifier)
        f.sentence, f.county_code, f.county = pool(f.sentence), pool(f.county_code), pool(f.county)
        f.indicator_std, f.per, f.status = pool(f.indicator_std), pool(f.per), pool(f.status)
    for ms in r.measures + [lk.practice for lk in r.links]:
        mention(ms.mention)
        ms.name, ms.kind, ms.county_code, ms.county = (
            pool(ms.name),
            pool(ms.kind),
            pool(ms.county_code),
            pool(ms.county),
        )
    for lk in r.links:
        mention(lk.evidence)
        lk.relation, lk.rule, lk.role = pool(lk.relation), pool(lk.rule), pool(lk.role)
    for c in r.clauses:
        mention(c.mention)
        c.field, c.tool, c.sub_tool = pool(c.field), pool(c.tool), pool(c.sub_tool)
        c.section, c.county_code = pool(c.section), pool(c.county_code)


def slim(r: DocResult) -> DocResult:
    """``r`` without what only its per-document files need: the raw text (its length kept: ``DocResult.n_chars``),
    the offset map (the raw spans of its sections kept, which sections.csv needs: ``model.KeptSpans``), the PDF
    tables (read by the extractors only) and the review page (``DocResult.has_review`` kept). The records are the
    same objects, their equal strings shared (``share_strings``); ``r`` itself is not changed otherwise."""
    d = r.doc
    offsets = d.offsets
    if offsets is not None and not isinstance(offsets, KeptSpans):
        spans: dict[tuple[int, int], tuple[int, int]] = {}
        for art in d.articles:
            for sec in art.sections:
                with suppress(IndexError):  # left out: sections.csv fails on it as it would with the whole map
                    spans[(sec.start, sec.end)] = offsets.to_raw(sec.start, sec.end)
        offsets = KeptSpans(spans, len(offsets), offsets.raw_len)
    share_strings(r)
    doc = replace(d, raw_text="", offsets=offsets, tables=[])
    return replace(r, doc=doc, review_html="", text_chars=r.n_chars, review_written=r.has_review)


class DocFiles:
    """Writes each document's ``text/`` and ``review/`` files into ``out_dir`` as its result arrives. ``doc_ids``
    are every document of the run (``names.file_stems`` names a file knowing all of them); a result of another
    doc_id is kept whole, and ``output.write_outputs`` writes its files with the rest."""

    def __init__(self, out_dir: Path, doc_ids: Iterable[str]) -> None:
        from pipeline.names import file_stems

        self.out_dir = out_dir
        self.stems = file_stems(doc_ids)
        self.written: set[Path] = set()

    def take(self, r: DocResult) -> DocResult:
        """Write ``r``'s files; returns ``slim(r)`` (``r`` itself for a doc_id the run did not announce)."""
        from pipeline.io.writers import atomic_write_text
        from pipeline.names import per_document_files

        stem = self.stems.get(r.doc.doc_id)
        if stem is None:
            log.warning("%s: not among the run's documents; its files are written at the end", r.doc.doc_id)
            return r
        text_path, review_path = (self.out_dir / f for f in per_document_files(stem))
        if r.doc.raw_text:
            atomic_write_text(text_path, r.doc.raw_text)
            self.written.add(text_path)
        if r.review_html:
            atomic_write_text(review_path, r.review_html)
            self.written.add(review_path)
        return slim(r)
