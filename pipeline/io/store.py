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

from pipeline.io import coerce, schema
from pipeline.io.folder import WriteFailed, pause_point
from pipeline.io.writers import cell
from pipeline.names import clean_text

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


_INT32 = 2**31 - 1


def _kinds(name: str, cols: list[str], rows: Sequence[Mapping[str, Any]]) -> tuple[list[str], list[list[Any]]]:
    """The SQL type of each column (``schema.column_types``) and the rows' values made to it. A column whose
    values do not all fit its kind stays VARCHAR, with a warning naming the first misfit (nothing is lost)."""
    kinds = schema.column_types(name, cols)
    sql_types, columns = [], []
    for c in cols:
        kind, values = kinds[c], [r.get(c) for r in rows]
        try:  # text as it is, dates keep their empty strings; empty numbers and booleans are NULL
            got = [
                v if kind == schema.TEXT or (kind == schema.DATE and v == "") else coerce.typed(v, kind) for v in values
            ]
        except (TypeError, ValueError) as exc:
            log.warning("store: column %r of table %r kept as text: %s (fix the rows of that table)", c, name, exc)
            kind, got = schema.TEXT, values
        sql = schema.SQL_TYPES[kind]
        if sql == "INTEGER" and any(v is not None and abs(v) > _INT32 for v in got):
            sql = "BIGINT"
        sql_types.append(sql)
        columns.append(got)
    return sql_types, columns


def _text(value: Any) -> str:
    """A typed value as the bulk-load CSV gives it to DuckDB (doubles at full precision)."""
    if value is None:
        return NULL
    if isinstance(value, float):
        return repr(value)
    return clean_text(cell(value))  # any str: lone surrogates become U+FFFD


def _create(
    con: duckdb.DuckDBPyConnection,
    name: str,
    rows: Sequence[Mapping[str, Any]],
    columns: Sequence[str],
    scratch: Path | None = None,
) -> None:
    """One typed table; bulk-loaded through a CSV file, which is far faster than row inserts."""
    cols = list(columns)
    for r in rows:
        cols.extend(k for k in r if k not in cols)
    seen: set[str] = set()
    idents = [_ident(c, i, seen) for i, c in enumerate(cols)]
    sql_types, values = _kinds(name, cols, rows)
    con.execute(f'CREATE TABLE "{name}" ({", ".join(f"{c} {t}" for c, t in zip(idents, sql_types, strict=True))})')
    if not rows:
        return
    with tempfile.TemporaryDirectory(dir=scratch, prefix=".kg-load-") as tmp:  # in the output folder, not /tmp
        src = Path(tmp) / "rows.csv"
        with src.open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerows(zip(*([_text(v) for v in col] for col in values), strict=True))
        spec = ", ".join(f"'c{i}': '{t}'" for i, t in enumerate(sql_types))
        con.execute(
            f'INSERT INTO "{name}" SELECT * FROM read_csv(?, header = false, '
            f"delim = ',', quote = '\"', escape = '\"', nullstr = '{NULL}', auto_detect = false, "
            f"columns = {{{spec}}})",
            [str(src)],
        )


def write_duckdb(
    path: Path,
    tables: Mapping[str, tuple[Sequence[Mapping[str, Any]], Sequence[str]]],
    graph: nx.MultiDiGraph,
) -> None:
    """Tables (name -> (rows, columns)) plus ``nodes`` and ``edges`` of the graph, each column typed as
    ``schema.column_types`` declares it (numbers DOUBLE/INTEGER, ``focal`` BOOLEAN, dates ISO-like text)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    wal = tmp.with_name(tmp.name + ".wal")
    tmp.unlink(missing_ok=True)
    wal.unlink(missing_ok=True)
    try:
        _write_store(tmp, path.parent, tables, graph)
        if wal.exists():  # data still in the write-ahead log: the file itself is not complete
            raise OSError(f"the store's write-ahead log {wal.name} was not checkpointed into {tmp.name}")
        _verify(tmp, {name: len(rows) for name, (rows, _) in tables.items()})
        os.replace(tmp, path)
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        wal.unlink(missing_ok=True)
        if isinstance(exc, OSError | duckdb.Error) and not isinstance(exc, WriteFailed):
            raise WriteFailed(path, None, exc) from exc
        raise
    log.debug("wrote %s", path)


def _verify(db: Path, counts: Mapping[str, int]) -> None:
    """Reopen the finished store and check that every table holds the rows it was given."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        for name, n in counts.items():
            row = con.execute(f'SELECT count(*) FROM "{name}"').fetchone()
            if row is None or row[0] != n:
                raise OSError(f"table {name} of {db.name} holds {row and row[0]} rows instead of {n}")
    finally:
        con.close()


def _write_store(
    tmp: Path,
    scratch: Path,
    tables: Mapping[str, tuple[Sequence[Mapping[str, Any]], Sequence[str]]],
    graph: nx.MultiDiGraph,
) -> None:
    # Written in a storage format the `duckdb` command-line client (PyPI duckdb-cli, 1.5) can open too.
    con = duckdb.connect(str(tmp), config={"storage_compatibility_version": STORAGE_VERSION})
    try:
        for name, (rows, cols) in tables.items():
            _create(con, name, rows, cols, scratch)
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
                "start": d.get("start", d.get("char_start", "")),  # char_*: the names Gephi-clean exports may use
                "end": d.get("end", d.get("char_end", "")),
                "attrs": json.dumps(d, ensure_ascii=False, default=str),
            }
            for u, v, d in graph.edges(data=True)
        ]
        _create(con, "nodes", nodes, ["id", "type", "label", "attrs"], scratch)
        _create(con, "edges", edges, ["source", "target", "relation", "doc_id", "start", "end", "attrs"], scratch)
        if "figures" in tables:  # the typed view of earlier stores, for scripts written against it
            con.execute("CREATE VIEW figures_typed AS SELECT * FROM figures")
        pause_point("store")
        con.execute("CHECKPOINT")  # everything into the file itself; a failure (disk full) raises here
    finally:
        con.close()
