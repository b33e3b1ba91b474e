"""The output folder: texts, review pages, every table, the workbook, the graph exports and the DuckDB store,
each file written atomically."""

from __future__ import annotations

import csv
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from pipeline.corpus.build import CorpusResult
from pipeline.io import rows, schema, writers
from pipeline.io.folder import pause_point
from pipeline.io.graphpart import PartFailed, StoreRows, write_graph_part
from pipeline.io.graphspool import temporary_file
from pipeline.io.parallel_write import Background, can_fork
from pipeline.io.store import write_duckdb
from pipeline.io.tablespool import spool_tables
from pipeline.io.xlsx import XLSX_NAME, csv_sheets, write_sheets
from pipeline.model import DocResult
from pipeline.names import PER_DOCUMENT, file_stems, per_document_files, safe_stem

log = logging.getLogger(__name__)


def per_document_paths(out_dir: Path, doc_id: str) -> list[Path]:
    """The files of ``doc_id`` when it were alone in its run (``file_stems`` decides with all doc_ids)."""
    return [out_dir / f for f in per_document_files(safe_stem(doc_id))]


def previous_files(out_dir: Path) -> set[str]:
    """The per-document files (relative, ``/``-separated) of the run that last wrote ``out_dir``, as its
    documents.csv maps them (``text_file``, ``review_file``; older runs: from the doc_id); empty when none."""
    path = out_dir / "documents.csv"
    if not path.is_file():
        return set()
    try:
        previous = writers.read_csv(path)
    except (OSError, KeyError, UnicodeDecodeError, ValueError, csv.Error) as exc:
        log.warning("%s: cannot read the previous run's documents (%s); stale per-document files stay", path, exc)
        return set()
    return {f for r in previous if r.get("doc_id") for f in per_document_files(_stem_of(r))}


def _stem_of(row: dict[str, str]) -> str:
    """The stem of a documents.csv row's files: from its ``text_file`` or ``review_file``, else (a failed
    document, or a run older than these columns) the doc_id as it would be named alone."""
    for col, folder, suffix in PER_DOCUMENT:
        f = row.get(col, "")
        if f.startswith(f"{folder}/") and f.endswith(suffix):
            return f.removeprefix(f"{folder}/").removesuffix(suffix)
    return safe_stem(row["doc_id"]) if "text_file" in row else row["doc_id"]


def remove_stale(out_dir: Path, candidates: set[str], written: set[Path]) -> list[Path]:
    """Per-document files of ``candidates`` (relative paths: the previous and this run's documents' files) that
    this run did not write: documents no longer in the corpus, a text that failed this time, a review page from a
    run with --review. Only files a run of ours names, inside text/ or review/, are touched. Returns them."""
    removed = []
    folders = {folder for _, folder, _ in PER_DOCUMENT}
    for rel in sorted(candidates):
        path = out_dir / rel
        top = rel.split("/", 1)[0]
        # a file name read from documents.csv is data: only text/… and review/… files, never ../
        inside = top in folders and path.resolve().is_relative_to((out_dir / top).resolve())
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


def write_outputs(
    out_dir: Path,
    results: Sequence[DocResult],
    corpus: CorpusResult,
    written_before: Iterable[Path] = (),
    workers: int = 1,
) -> dict[str, int]:
    """Write the whole output folder; returns the number of rows per output. ``written_before``: per-document
    files already written (``io/docfiles.py``, for the results it slimmed); ``workers`` as the run's (not 1: the
    workbook may be written by a second process, ``io/parallel_write.py``)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    before = previous_files(out_dir)
    stems = file_stems(r.doc.doc_id for r in results)
    written: set[Path] = set(written_before)

    def texts(r: DocResult) -> None:
        text_path, review_path = (out_dir / f for f in per_document_files(stems[r.doc.doc_id]))
        if r.doc.raw_text:
            writers.atomic_write_text(text_path, r.doc.raw_text)
            written.add(text_path)
        if r.review_html:
            writers.atomic_write_text(review_path, r.review_html)
            written.add(review_path)

    plan = rows.table_plan(results, corpus)  # each table's rows made as they are written, one document at a time
    spool = None
    if getattr(results, "spilled", False):  # results in a file: read once for the texts and every per-doc table
        per_doc = {n: fn for n, (fn, _) in rows.PER_DOCUMENT_TABLES.items()}
        per_doc["documents.csv"] = lambda r: [rows.document_row(r, stems[r.doc.doc_id])]
        spool = spool_tables(results, per_doc, out_dir, texts)
        plan = {name: (spool.rows(name) if name in per_doc else make, cols) for name, (make, cols) in plan.items()}
    else:
        for r in results:
            texts(r)
    try:
        pause_point("tables")  # texts written, tables not yet (tests kill a run here)
        return _write_tables(out_dir, corpus, plan, written, before, stems, can_fork(workers, len(results)))
    finally:
        if spool is not None:
            spool.close()


def _write_tables(
    out_dir: Path,
    corpus: CorpusResult,
    plan: Mapping[str, tuple[Callable[[], Iterable[Mapping[str, Any]]], Sequence[str]]],
    written: set[Path],
    before: set[str],
    stems: Mapping[str, str],
    fork: bool = False,
) -> dict[str, int]:
    written_cols: dict[str, list[str]] = {}
    counts: dict[str, int] = {}
    # the graph's part (its exports, cooccurrence.dl, the store's graph rows) on a second core from the start: it
    # needs nothing the tables make (io/graphpart.py); the store takes its rows once it has loaded the tables
    rows_file = temporary_file(out_dir, ".graph-store-")
    graph_part = Background(lambda: write_graph_part(out_dir, corpus.graph, corpus.cooccurrence, rows_file), fork)
    graph_rows = StoreRows(graph_part.result, rows_file)
    book: Background[int] | None = None
    try:
        for name, (make_rows, cols) in plan.items():
            counts[name], written_cols[name] = writers.write_table(
                out_dir / name, make_rows, cols, schema.column_types(name, cols)
            )
        # the workbook reads only the CSV files just written: on another core while the store is written
        sheets = csv_sheets(out_dir, written_cols)
        book = Background(lambda: write_sheets(out_dir / XLSX_NAME, sheets), fork)
        counts[XLSX_NAME] = 0  # its place in the counts (run.json) as in the serial order
        if not fork:
            counts[XLSX_NAME] = book.result()
        try:
            if not fork:
                graph_rows.result()  # the serial order: the graph's files, then the store
            write_duckdb(out_dir / "kg.duckdb", {name.removesuffix(".csv"): t for name, t in plan.items()}, graph_rows)
        except PartFailed as failed:
            raise failed.error from None
        counts.update(graph_rows.result().counts)
    except BaseException:
        graph_part.cancel()
        if book is not None:
            book.cancel()
        raise
    finally:
        rows_file.close()
    if fork:
        counts[XLSX_NAME] = book.result()
    ours = {f for stem in stems.values() for f in per_document_files(stem)}
    stale = remove_stale(out_dir, before | ours, written)
    if stale:
        counts["stale files removed"] = len(stale)
    return counts
