"""The embedded store: every table and the graph in one DuckDB file a plain ``duckdb`` client can query.

Rebuilt idempotently: written to a temporary file beside the target, then moved over it.
"""

from __future__ import annotations

import itertools
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
from pipeline.io.writers import ExtraColumns, cell, columns_of, table_columns
from pipeline.names import clean_text

if TYPE_CHECKING:
    from pipeline.corpus.graph import Graph

log = logging.getLogger(__name__)

STORAGE_VERSION = "v1.4.0"
# DuckDB's share while it loads the store (it spills past it); its threads capped too, since each thread's buffers
# come out of the same share (on a many-core machine the default of one thread per core would not fit in it).
# 128 MB: at 10,000 documents the write phase peaked at 1,016 MB with 256 MB, 898 MB with 128 MB, same CPU.
WRITE_MEMORY: dict[str, Any] = {"memory_limit": "128MB", "threads": min(4, os.cpu_count() or 1)}


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
_CHUNK = 10_000  # rows converted and inserted at a time (a few MB)


def _json_encoder() -> Callable[[Any], str]:
    """``json.JSONEncoder(ensure_ascii=False, default=str).encode``'s text with one C encoder made once for every
    node and edge (``encode`` makes one per call: ~30% of its time on a graph element's small dict); the same
    encoder ``encode`` makes, without the circular-reference check (a graph's attributes hold no cycle)."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # no C accelerator: the encoder itself
        return json.JSONEncoder(ensure_ascii=False, default=str).encode
    chunks = make(None, str, json.encoder.encode_basestring, None, ": ", ", ", False, False, True)
    return lambda o: "".join(chunks(o, 0))


_JSON = _json_encoder()
Rows = Sequence[Mapping[str, Any]] | Callable[[], Iterable[Mapping[str, Any]]]
_AnyRows = Sequence[Any] | Callable[[], Iterable[Any]]  # mappings, or tuples in column order (nodes, edges)
_NONE = type(None)
_INFINITE = (math.inf, -math.inf)


def _rows(rows: _AnyRows) -> Iterable[Any]:
    """A table's rows: held in a list, or made afresh by a function (``rows.table_plan``: streamed)."""
    return rows() if callable(rows) else rows


def _text(value: Any) -> str | None:
    """A value of a text column as the store holds it (None: NULL; doubles at full precision)."""
    if value is None:
        return None
    if value.__class__ is float:
        return repr(value)
    return clean_text(cell(value))  # any str: lone surrogates become U+FFFD


def _typed(kind: str) -> Callable[[Any], Any]:
    """One value of a column of ``kind`` as the store holds it (``coerce.typed``; None: NULL); raises
    ``ValueError`` or ``TypeError`` for a value that does not fit."""
    if kind == schema.INTEGER:
        return lambda v: v if v.__class__ is int else _int(coerce.typed(v, kind))
    if kind == schema.DOUBLE:
        return lambda v: v if v.__class__ is float and v == v and v not in _INFINITE else _float(coerce.typed(v, kind))
    if kind == schema.DATE:
        return lambda v: "" if v == "" else _text(coerce.typed(v, kind))  # dates keep their empty strings
    if kind == schema.BOOLEAN:
        return lambda v: coerce.typed(v, kind)
    if kind == schema.TEXT:  # text as it is (an empty string too)
        return lambda v: v if v.__class__ is str else _text(v)
    return lambda v: _text(coerce.typed(v, kind))


def _int(v: Any) -> int | None:
    return None if v is None else int(v)


def _float(v: Any) -> float | None:
    return None if v is None else float(v)


_TEXT = {str, _NONE}
_FAST = {  # the classes a column of each kind holds as they are (the common case: no conversion)
    schema.TEXT: {str, _NONE},
    schema.INTEGER: {int, _NONE},
    schema.DOUBLE: {float, _NONE},
    schema.BOOLEAN: {bool, _NONE},
}


def _column(values: Sequence[Any], kind: str) -> Sequence[Any]:
    """A column of a chunk of rows as the store holds it (``_typed`` of each value, a column at a time: values
    already of their kind are kept as they are); raises ``ValueError`` or ``TypeError`` at a value that does not
    fit its kind."""
    classes = set(map(type, values))
    fast = _FAST.get(kind)
    if fast is not None and fast.issuperset(classes):
        if kind != schema.DOUBLE or not (math.inf in values or -math.inf in values):  # NaN: NULL in DuckDB
            return values
    elif kind == schema.DATE and _TEXT.issuperset(classes):  # few distinct dates: each converted once
        convert = _typed(kind)
        once = {v: convert(v) for v in set(values)}
        return list(map(once.__getitem__, values))
    return list(map(_typed(kind), values))


class _Misfit(Exception):
    def __init__(self, column: str, exc: Exception) -> None:
        super().__init__(column, exc)
        self.column, self.exc = column, exc


def _transpose(chunk: list[Any], cols: list[str], before: int) -> list[Sequence[Any]]:
    """The columns of a chunk of rows: tuples in column order (nodes, edges), or mappings
    (``writers.columns_of``: raises ``writers.ExtraColumns`` at a row with a key outside ``cols``)."""
    if chunk[0].__class__ is tuple:
        return list(zip(*chunk, strict=True))
    return columns_of(chunk, cols, before)


def _load(
    con: duckdb.DuckDBPyConnection,
    name: str,
    rows: Iterable[Any],
    cols: list[str],
    kinds: list[str],
    sql_types: list[str],
) -> int:
    """Insert ``rows`` into table ``name`` a chunk at a time, each chunk's columns converted (``_column``) and
    handed to DuckDB as arrays; an INTEGER column given a value beyond it becomes BIGINT. Returns the number of
    rows. Raises ``_Misfit`` at the first value that does not fit its column's kind, ``writers.ExtraColumns``
    at a row with a key outside ``cols``."""
    idents = _idents(cols)
    n = 0
    it = iter(rows)
    while chunk := list(itertools.islice(it, _CHUNK)):
        columns = _transpose(chunk, cols, n)
        converted = []
        for c, kind, values in zip(cols, kinds, columns, strict=True):
            try:
                converted.append(_column(values, kind))
            except (TypeError, ValueError) as exc:
                for v in values:  # the first value that does not fit
                    try:
                        _typed(kind)(v)
                    except (TypeError, ValueError) as e:
                        raise _Misfit(c, e) from e
                raise _Misfit(c, exc) from exc
        for i, values in enumerate(converted):
            if sql_types[i] == "INTEGER" and _beyond_int32(values):
                con.execute(f'ALTER TABLE "{name}" ALTER COLUMN {idents[i]} TYPE BIGINT')
                sql_types[i] = "BIGINT"
        _insert(con, name, converted, len(chunk))
        n += len(chunk)
    return n


def _beyond_int32(values: Sequence[Any]) -> bool:
    """A value beyond INTEGER (what DuckDB's INTEGER holds, less its lowest value)."""
    numbers = [v for v in values if v is not None] if None in values else values
    return bool(numbers) and (max(numbers) > _INT32 or min(numbers) < -_INT32)


def _insert(con: duckdb.DuckDBPyConnection, name: str, columns: list[Sequence[Any]], n: int) -> None:
    """One chunk's columns into ``name`` (one statement: all or nothing). Text with lone surrogates (which DuckDB
    refuses) is cleaned (U+FFFD) and the chunk given again."""
    import numpy as np  # (loaded when a store is written, not when the CLI starts)

    for attempt in range(2):
        arrays = {f"c{i}": np.fromiter(values, dtype=object, count=n) for i, values in enumerate(columns)}
        con.register("_ruralmine_chunk", arrays)
        try:
            con.execute(f'INSERT INTO "{name}" SELECT * FROM _ruralmine_chunk')
            return
        except duckdb.InvalidInputException:
            if attempt:
                raise
            columns = [[clean_text(v) if v.__class__ is str else v for v in values] for values in columns]
        finally:
            con.unregister("_ruralmine_chunk")


def _idents(cols: Sequence[str]) -> list[str]:
    seen: set[str] = set()
    return [_ident(c, i, seen) for i, c in enumerate(cols)]


def _create(
    con: duckdb.DuckDBPyConnection,
    name: str,
    rows: _AnyRows,
    columns: Sequence[str],
) -> int:
    """One typed table, its rows inserted a chunk at a time (``_load``); a column whose values do not all fit its
    kind (``schema.column_types``) stays VARCHAR, with a warning naming the first misfit (nothing is lost).
    Returns the number of rows."""
    cols = list(columns)
    kinds = schema.column_types(name, cols)
    text: set[str] = set()  # columns kept as text after a misfit
    while True:
        col_kinds = [schema.TEXT if c in text else kinds[c] for c in cols]
        sql_types = [schema.SQL_TYPES[k] for k in col_kinds]
        defs = ", ".join(f"{c} {t}" for c, t in zip(_idents(cols), sql_types, strict=True))
        con.execute(f'CREATE TABLE "{name}" ({defs})')
        try:
            return _load(con, name, _rows(rows), cols, col_kinds, sql_types)
        except _Misfit as m:
            log.warning(
                "store: column %r of table %r kept as text: %s (fix the rows of that table)", m.column, name, m.exc
            )
            text.add(m.column)
        except ExtraColumns:  # rows with keys of their own: their columns too, in first-seen order
            rows = list(_rows(rows))
            cols = table_columns(rows, cols)
            kinds = schema.column_types(name, cols)
        con.execute(f'DROP TABLE "{name}"')


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
        counts = {name: _create(con, name, rows, cols) for name, (rows, cols) in tables.items()}

        spool: Any = graph
        spooled = hasattr(spool, "store_nodes")  # rows made as the graph exports read it (io/graphspool.py)

        def nodes() -> Iterable[tuple[Any, ...]]:  # tuples in _NODE_COLS order
            return spool.store_nodes() if spooled else (GRAPH_ROWS.node(n, d) for n, d in graph.nodes(data=True))

        def edges() -> Iterable[tuple[Any, ...]]:
            return spool.store_edges() if spooled else (GRAPH_ROWS.edge(u, v, d) for u, v, d in graph.edges(data=True))

        _create(con, "nodes", nodes, _NODE_COLS)
        _create(con, "edges", edges, _EDGE_COLS)
        if "figures" in tables:  # the typed view of earlier stores, for scripts written against it
            con.execute("CREATE VIEW figures_typed AS SELECT * FROM figures")
        pause_point("store")
        con.execute("CHECKPOINT")  # everything into the file itself; a failure (disk full) raises here
    finally:
        con.close()
        spill.cleanup()
    return counts
