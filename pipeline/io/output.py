"""The output folder: texts, review pages, every table, the graph exports and the DuckDB store, each file
written atomically."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pipeline.corpus.build import CorpusResult
from pipeline.io import rows, writers
from pipeline.io.store import write_duckdb
from pipeline.model import DocResult


def write_outputs(out_dir: Path, results: Sequence[DocResult], corpus: CorpusResult) -> dict[str, int]:
    """Write the whole output folder; returns the number of rows per output."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for r in results:
        if r.doc.raw_text:
            writers.atomic_write_text(writers.text_path(out_dir, r.doc.doc_id), r.doc.raw_text)
        if r.review_html:
            writers.atomic_write_text(out_dir / "review" / f"{r.doc.doc_id}.html", r.review_html)
    tables = rows.tables(results, corpus)
    counts = {name: writers.write_csv(out_dir / name, data, cols) for name, (data, cols) in tables.items()}
    counts.update({f"graph {k}": v for k, v in writers.write_graph(out_dir, corpus.graph).items()})
    counts["cooccurrence.dl"] = writers.write_dl(out_dir / "cooccurrence.dl", corpus.cooccurrence)
    write_duckdb(out_dir / "kg.duckdb", {name.removesuffix(".csv"): t for name, t in tables.items()}, corpus.graph)
    return counts
