"""The embedded store: every table and the graph in one DuckDB file a plain ``duckdb`` client can query.

Rebuilt idempotently: written to a temporary file beside the target, then moved over it.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import math
import os
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from pipeline.io import coerce, schema
from pipeline.io.folder import WriteFailed, pause_point
from pipeline.io.writers import ExtraColumns, cell, table_columns
from pipeline.names import clean_text

if TYPE_CHECKING:
    from pipeline.corpus.graph import Graph

log = logging.getLogger(__name__)

STORAGE_VERSION = "v1.4.0"
# DuckDB's share while it loads the store (it spills past it); its threads capped too, since each thread's buffers
# come out of the same share (on a many-core machine the default of one thread per core would not fit in it).
WRITE_MEMORY: dict[str, Any] = {"memory_limit": "256MB", "threads": min(4, os.cpu_count() or 1)}
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
_CHUNK = 2000  # rows of the load file encoded and written at a time
# One encoder for every node and edge (``json.dumps`` with arguments makes a new one per call): the same text.
_JSON = json.JSONEncoder(ensure_ascii=False, default=str).encode
Rows = Sequence[Mapping[str, Any]] | Callable[[], Iterable[Mapping[str, Any]]]


def _rows(rows: Rows) -> Iterable[Mapping[str, Any]]:
    """A table's rows: held in a list, or made afresh by a function (``rows.table_plan``: streamed)."""
    return rows() if callable(rows) else rows


def _text(value: Any) -> str:
    """A typed value as the bulk-load CSV gives it to DuckDB (doubles at full precision)."""
    if value is None:
        return NULL
    if isinstance(value, float):
        return repr(value)
    return clean_text(cell(value))  # any str: lone surrogates become U+FFFD


def _loader(kind: str) -> Callable[[Any], str]:
    """A cell of a column of ``kind`` as the bulk-load CSV gives it (``coerce.typed``, then ``_text``; text as it
    is, dates keep their empty strings, empty numbers and booleans are NULL); raises ``ValueError`` or
    ``TypeError`` for a value that does not fit. The common values (text, ints, floats) take a short way."""
    if kind == schema.TEXT:  # (lone surrogates are replaced in the load file's chunks: ``_load_file``)
        return lambda v: v if v.__class__ is str else _text(v)
    if kind == schema.DATE:
        return lambda v: "" if v == "" else _text(coerce.typed(v, kind))
    if kind == schema.INTEGER:
        return lambda v: str(v) if v.__class__ is int else _text(coerce.typed(v, kind))
    if kind == schema.DOUBLE:

        def double(v: Any) -> str:
            if v.__class__ is float and v == v and abs(v) != math.inf:
                return repr(v)
            return _text(coerce.typed(v, kind))

        return double
    return lambda v: _text(coerce.typed(v, kind))


class _Misfit(Exception):
    def __init__(self, column: str, exc: Exception) -> None:
        super().__init__(column, exc)
        self.column, self.exc = column, exc


def _load_file(
    path: Path, rows: Iterable[Mapping[str, Any]], cols: list[str], kinds: list[str]
) -> tuple[int, set[int]]:
    """The bulk-load CSV of ``rows``, one row at a time; returns the number of rows and the integer columns
    (positions) holding a value beyond INTEGER. Raises ``_Misfit`` at the first value that does not fit its
    column's kind, ``writers.ExtraColumns`` at a row with a key outside ``cols``."""
    fns = [_loader(k) for k in kinds]
    pairs = list(zip(cols, fns, strict=True))
    ints = [i for i, k in enumerate(kinds) if k == schema.INTEGER]
    known = set(cols)
    big: set[int] = set()
    n = 0
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    with path.open("wb") as fh:

        def flush() -> None:  # clean_text replaces each lone surrogate: on a chunk, what it does cell by cell
            fh.write(clean_text(buf.getvalue()).encode("utf-8"))
            buf.seek(0)
            buf.truncate()

        for row in rows:
            if len(row) > len(known) or not known.issuperset(row):
                raise ExtraColumns(f"row {n + 1} has columns {sorted(set(row) - known)} outside the table's")
            get = row.get
            try:
                out = [fn(get(c)) for c, fn in pairs]
            except (TypeError, ValueError):
                for c, fn in pairs:  # which column: the first whose value does not fit
                    try:
                        fn(get(c))
                    except (TypeError, ValueError) as exc:
                        raise _Misfit(c, exc) from exc
                raise
            for i in ints:  # beyond INTEGER (2**31 - 1) takes 10 digits at least
                if len(out[i]) > 9 and out[i] != NULL and abs(int(out[i])) > _INT32:
                    big.add(i)
            w.writerow(out)
            n += 1
            if n % _CHUNK == 0:
                flush()
        flush()
    return n, big


def _create(
    con: duckdb.DuckDBPyConnection,
    name: str,
    rows: Rows,
    columns: Sequence[str],
    scratch: Path | None = None,
) -> int:
    """One typed table, bulk-loaded by DuckDB from a CSV file of its rows (far faster than row inserts) written a
    row at a time; a column whose values do not all fit its kind (``schema.column_types``) stays VARCHAR, with a
    warning naming the first misfit (nothing is lost). Returns the number of rows."""
    cols = list(columns)
    kinds = schema.column_types(name, cols)
    text: set[str] = set()  # columns kept as text after a misfit
    with tempfile.TemporaryDirectory(dir=scratch, prefix=".kg-load-") as tmp:  # in the output folder, not /tmp
        src = Path(tmp) / "rows.csv"
        while True:
            try:
                n, big = _load_file(src, _rows(rows), cols, [schema.TEXT if c in text else kinds[c] for c in cols])
                break
            except _Misfit as m:
                log.warning(
                    "store: column %r of table %r kept as text: %s (fix the rows of that table)", m.column, name, m.exc
                )
                text.add(m.column)
            except ExtraColumns:  # rows with keys of their own: their columns too, in first-seen order
                rows = list(_rows(rows))
                cols = table_columns(rows, cols)
                kinds = schema.column_types(name, cols)
        seen: set[str] = set()
        idents = [_ident(c, i, seen) for i, c in enumerate(cols)]
        sql_types = []
        for i, c in enumerate(cols):
            sql = schema.SQL_TYPES[schema.TEXT if c in text else kinds[c]]
            sql_types.append("BIGINT" if sql == "INTEGER" and i in big else sql)
        defs = ", ".join(f"{c} {t}" for c, t in zip(idents, sql_types, strict=True))
        con.execute(f'CREATE TABLE "{name}" ({defs})')
        if n:
            spec = ", ".join(f"'c{i}': '{t}'" for i, t in enumerate(sql_types))
            con.execute(
                f'INSERT INTO "{name}" SELECT * FROM read_csv(?, header = false, '
                f"delim = ',', quote = '\"', escape = '\"', nullstr = '{NULL}', auto_detect = false, "
                f"columns = {{{spec}}})",
                [str(src)],
            )
    return n


_NODE_COLS = schema.STORE_NODE_COLUMNS
_EDGE_COLS = schema.STORE_EDGE_COLUMNS


class GraphRows:
    """The store's ``nodes`` and ``edges`` rows (tuples, in ``schema.STORE_NODE_COLUMNS``/``STORE_EDGE_COLUMNS``
    order) from the graph's own attributes: made here, or by io/graphspool.py as the graph exports read it."""

    @staticmethod
    def node(n: str, d: Mapping[str, Any]) -> tuple[Any, ...]:
        return (n, d.get("type", ""), d.get("label", ""), _JSON(d))

    @staticmethod
    def edge(u: str, v: str, d: Mapping[str, Any]) -> tuple[Any, ...]:
        start = d.get("start", d.get("char_start", ""))  # char_*: the names Gephi-clean exports may use
        end = d.get("end", d.get("char_end", ""))
        return (u, v, d.get("relation", ""), d.get("doc_id", ""), start, end, _JSON(d))


GRAPH_ROWS = GraphRows()


def write_duckdb(
    path: Path,
    tables: Mapping[str, tuple[Rows, Sequence[str]]],
    graph: Graph,
) -> None:
    """Tables (name -> (rows, columns)) plus ``nodes`` and ``edges`` of the graph, each column typed as
    ``schema.column_types`` declares it (numbers DOUBLE/INTEGER, ``focal`` BOOLEAN, dates ISO-like text)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    wal = tmp.with_name(tmp.name + ".wal")
    tmp.unlink(missing_ok=True)
    wal.unlink(missing_ok=True)
    try:
        counts = _write_store(tmp, path.parent, tables, graph)
        if wal.exists():  # data still in the write-ahead log: the file itself is not complete
            raise OSError(f"the store's write-ahead log {wal.name} was not checkpointed into {tmp.name}")
        _verify(tmp, counts)
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
    tables: Mapping[str, tuple[Rows, Sequence[str]]],
    graph: Graph,
) -> dict[str, int]:
    """Every table and the graph into the new store ``tmp``; returns the rows each table was given."""
    # Written in a storage format the `duckdb` command-line client (PyPI duckdb-cli, 1.5) can open too. DuckDB's
    # own memory is capped (its default is 80% of the machine's): past the cap it spills into the staging folder.
    spill = tempfile.TemporaryDirectory(dir=scratch, prefix=".kg-spill-")
    settings: dict[str, Any] = {"storage_compatibility_version": STORAGE_VERSION, **WRITE_MEMORY}
    settings["temp_directory"] = spill.name
    con = duckdb.connect(str(tmp), config=settings)
    try:
        counts = {name: _create(con, name, rows, cols, scratch) for name, (rows, cols) in tables.items()}

        spool: Any = graph
        spooled = hasattr(spool, "store_nodes")  # rows made as the graph exports read it (io/graphspool.py)

        def nodes() -> Iterable[dict[str, Any]]:
            rows = spool.store_nodes() if spooled else (GRAPH_ROWS.node(n, d) for n, d in graph.nodes(data=True))
            return (dict(zip(_NODE_COLS, r, strict=True)) for r in rows)

        def edges() -> Iterable[dict[str, Any]]:
            rows = spool.store_edges() if spooled else (GRAPH_ROWS.edge(u, v, d) for u, v, d in graph.edges(data=True))
            return (dict(zip(_EDGE_COLS, r, strict=True)) for r in rows)

        _create(con, "nodes", nodes, _NODE_COLS, scratch)
        _create(con, "edges", edges, _EDGE_COLS, scratch)
        if "figures" in tables:  # the typed view of earlier stores, for scripts written against it
            con.execute("CREATE VIEW figures_typed AS SELECT * FROM figures")
        pause_point("store")
        con.execute("CHECKPOINT")  # everything into the file itself; a failure (disk full) raises here
    finally:
        con.close()
        spill.cleanup()
    return counts
