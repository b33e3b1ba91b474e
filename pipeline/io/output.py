"""The output folder: texts, review pages, every table, the workbook, the graph exports and the DuckDB store,
each file written atomically."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from pipeline.corpus.build import CorpusResult
from pipeline.io import rows, schema, writers
from pipeline.io.folder import pause_point
from pipeline.io.store import write_duckdb
from pipeline.io.xlsx import XLSX_NAME, write_xlsx
from pipeline.model import DocResult

log = logging.getLogger(__name__)

# The files the output folder holds per document: folder and suffix of {folder}/{doc_id}{suffix}.
PER_DOCUMENT = (("text", ".txt"), ("review", ".html"))


def per_document_paths(out_dir: Path, doc_id: str) -> list[Path]:
    return [out_dir / folder / f"{doc_id}{suffix}" for folder, suffix in PER_DOCUMENT]


def previous_doc_ids(out_dir: Path) -> set[str]:
    """The doc_ids of the run that last wrote ``out_dir`` (its documents.csv), empty when there was none."""
    path = out_dir / "documents.csv"
    if not path.is_file():
        return set()
    try:
        return {r["doc_id"] for r in writers.read_csv(path) if r.get("doc_id")}
    except (OSError, KeyError, UnicodeDecodeError, ValueError) as exc:
        log.warning("%s: cannot read the previous run's documents (%s); stale per-document files stay", path, exc)
        return set()


def remove_stale(out_dir: Path, doc_ids: set[str], written: set[Path]) -> list[Path]:
    """Per-document files of ``doc_ids`` (the previous and this run's documents) that this run did not write:
    documents no longer in the corpus, a text that failed this time, a review page from a run with --review.
    Only files a run of ours names are touched. Returns the removed files."""
    removed = []
    for doc_id in sorted(doc_ids):
        for (folder, _), path in zip(PER_DOCUMENT, per_document_paths(out_dir, doc_id), strict=True):
            inside = path.resolve().is_relative_to((out_dir / folder).resolve())  # a doc_id is data: no ../
            if inside and path not in written and path.is_file():
                path.unlink()
                removed.append(path)
                parent = path.parent  # folders of nested doc_ids (text/sub/) left empty go too
                while parent != out_dir and parent.parent != out_dir and not any(parent.iterdir()):
                    parent.rmdir()
                    parent = parent.parent
    if removed:
        log.info("removed %d per-document file(s) of documents no longer in the corpus", len(removed))
    return removed


def write_outputs(out_dir: Path, results: Sequence[DocResult], corpus: CorpusResult) -> dict[str, int]:
    """Write the whole output folder; returns the number of rows per output."""
    out_dir.mkdir(parents=True, exist_ok=True)
    before = previous_doc_ids(out_dir)
    written: set[Path] = set()
    for r in results:
        text_path, review_path = per_document_paths(out_dir, r.doc.doc_id)
        if r.doc.raw_text:
            writers.atomic_write_text(text_path, r.doc.raw_text)
            written.add(text_path)
        if r.review_html:
            writers.atomic_write_text(review_path, r.review_html)
            written.add(review_path)
    pause_point("tables")  # texts written, tables not yet (tests kill a run here)
    tables = rows.tables(results, corpus)
    counts = {
        name: writers.write_csv(out_dir / name, data, cols, schema.column_types(name, cols))
        for name, (data, cols) in tables.items()
    }
    counts[XLSX_NAME] = write_xlsx(out_dir / XLSX_NAME, tables)
    counts.update({f"graph {k}": v for k, v in writers.write_graph(out_dir, corpus.graph).items()})
    counts["cooccurrence.dl"] = writers.write_dl(out_dir / "cooccurrence.dl", corpus.cooccurrence)
    write_duckdb(out_dir / "kg.duckdb", {name.removesuffix(".csv"): t for name, t in tables.items()}, corpus.graph)
    stale = remove_stale(out_dir, before | {r.doc.doc_id for r in results}, written)
    if stale:
        counts["stale files removed"] = len(stale)
    return counts
