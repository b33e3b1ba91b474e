"""The embedded store: every table and the graph in one DuckDB file a plain ``duckdb`` client can query.

Rebuilt idempotently: written to a temporary file beside the target, then moved over it.
"""

from __future__ import annotations

import csv
import json
import logging
import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import duckdb
import networkx as nx

from pipeline.io.writers import cell

log = logging.getLogger(__name__)

STORAGE_VERSION = "v1.4.0"
NULL = "\u2400NULL\u2400"  # marks a missing value in the bulk-load CSV; never produced by the pipeline


def _ident(name: str, i: int, seen: set[str]) -> str:
    """A quoted SQL identifier for any column name (empty, quoted, or equal to another but for case)."""
    base = name.strip() or f"column_{i}"
    ident, k = base, 1
    while ident.lower() in seen:
        k += 1
        ident = f"{base}_{k}"
    seen.add(ident.lower())
    return '"' + ident.replace('"', '""') + '"'


def _create(
    con: duckdb.DuckDBPyConnection, name: str, rows: Sequence[Mapping[str, Any]], columns: Sequence[str]
) -> None:
    """One VARCHAR table; bulk-loaded through a CSV file, which is far faster than row inserts."""
    cols = list(columns)
    for r in rows:
        cols.extend(k for k in r if k not in cols)
    seen: set[str] = set()
    idents = [_ident(c, i, seen) for i, c in enumerate(cols)]
    con.execute(f'CREATE TABLE "{name}" ({", ".join(f"{c} VARCHAR" for c in idents)})')
    if not rows:
        return
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "rows.csv"
        with src.open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh, lineterminator="\n")
            for r in rows:
                w.writerow([NULL if r.get(c) is None else cell(r.get(c)) for c in cols])
        con.execute(
            f'INSERT INTO "{name}" SELECT * FROM read_csv(?, header = false, all_varchar = true, '
            f"delim = ',', quote = '\"', escape = '\"', nullstr = '{NULL}', auto_detect = false, "
            f"columns = {{{_columns(len(cols))}}})",
            [str(src)],
        )


def _columns(n: int) -> str:
    return ", ".join(f"'c{i}': 'VARCHAR'" for i in range(n))


def write_duckdb(
    path: Path,
    tables: Mapping[str, tuple[Sequence[Mapping[str, Any]], Sequence[str]]],
    graph: nx.MultiDiGraph,
) -> None:
    """Tables (name -> (rows, columns)) plus ``nodes`` and ``edges`` of the graph, typed views for numbers."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.unlink(missing_ok=True)
    # Written in a storage format the `duckdb` command-line client (PyPI duckdb-cli, 1.5) can open too.
    con = duckdb.connect(str(tmp), config={"storage_compatibility_version": STORAGE_VERSION})
    try:
        for name, (rows, cols) in tables.items():
            _create(con, name, rows, cols)
        nodes = [
            {
                "id": n,
                "type": d.get("type", ""),
                "label": d.get("label", ""),
                "attrs": json.dumps(d, ensure_ascii=False, default=str),
            }
            for n, d in graph.nodes(data=True)
        ]
        edges = [
            {
                "source": u,
                "target": v,
                "relation": d.get("relation", ""),
                "doc_id": d.get("doc_id", ""),
                "start": d.get("start", ""),
                "end": d.get("end", ""),
                "attrs": json.dumps(d, ensure_ascii=False, default=str),
            }
            for u, v, d in graph.edges(data=True)
        ]
        _create(con, "nodes", nodes, ["id", "type", "label", "attrs"])
        _create(con, "edges", edges, ["source", "target", "relation", "doc_id", "start", "end", "attrs"])
        if "figures" in tables:
            con.execute(
                "CREATE VIEW figures_typed AS SELECT * REPLACE (TRY_CAST(value AS DOUBLE) AS value, "
                + ("TRY_CAST(value_high AS DOUBLE) AS value_high, " if "value_high" in tables["figures"][1] else "")
                + 'TRY_CAST(start AS BIGINT) AS start, TRY_CAST("end" AS BIGINT) AS "end") FROM figures'
            )
        con.close()
        os.replace(tmp, path)
    except BaseException:
        con.close()
        tmp.unlink(missing_ok=True)
        raise
    log.debug("wrote %s", path)
