"""Writers for the output folder: CSV in UTF-8 with BOM (Excel), texts, all written atomically.

Atomic = write to a temporary file in the same folder, then ``os.replace``: a crash never leaves half a file.
Document text is untrusted: every text cell of every CSV and of the workbook goes through ``neutralize``.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import logging
import operator
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from operator import itemgetter
from pathlib import Path
from typing import IO, Any, BinaryIO

from pipeline.io.coerce import typed
from pipeline.io.folder import WriteFailed
from pipeline.io.schema import DOUBLE, INTEGER, TEXT
from pipeline.names import clean_text, safe_stem

log = logging.getLogger(__name__)
Row = dict[str, Any]


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename; a failed write (disk full, permissions)
    raises ``WriteFailed`` (an ``OSError``) naming the file, the bytes it needed and the space left."""
    tmp = ""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; outputs are meant to be shared
        os.replace(tmp, path)
    except BaseException as exc:
        if tmp:
            Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError) and not isinstance(exc, WriteFailed):
            raise WriteFailed(path, len(data), exc) from exc
        raise


def atomic_write_stream(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """``write(fh)`` into a temporary file beside ``path``, then a rename: what ``atomic_write_bytes`` does for
    a file too large to hold as bytes first (graph exports); a failed write raises ``WriteFailed``."""
    tmp = ""
    counted: _Counted | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            counted = _Counted(fh)
            write(counted)  # type: ignore[arg-type]  # a file object's write() is all the writers use
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException as exc:
        if tmp:
            Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError) and not isinstance(exc, WriteFailed):
            raise WriteFailed(path, None, exc, written=counted.n if counted is not None else 0) from exc
        raise


class _Counted:
    """A binary file that counts the bytes written through it (for the message of a failed streamed write)."""

    def __init__(self, fh: BinaryIO) -> None:
        self.fh, self.n = fh, 0

    def write(self, data: bytes) -> int:
        self.n += len(data)
        return self.fh.write(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.fh, name)


def atomic_write_text(path: Path, text: str, encoding: str = "utf-8") -> None:
    atomic_write_bytes(path, clean_text(text).encode(encoding))  # any str: lone surrogates become U+FFFD


# A spreadsheet reads a cell starting with one of these as a formula (tab and CR: Excel strips them first).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def neutralize(text: str) -> str:
    """Formula injection: text that a spreadsheet would run as a formula gets a leading ``'`` (OWASP).

    ``=HYPERLINK(...)``, ``+1+2``, ``@SUM(...)``, ``-2+3`` become ``'=HYPERLINK(...)`` ...; a plain number such
    as ``-3.5`` or ``+86`` is no formula and stays as it is, so numeric columns keep their numbers.
    """
    if text.startswith(FORMULA_START) and not PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def cell(value: Any) -> str:
    """The text of a value as every table writes it (booleans as true/false, numbers without float noise)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value != value:  # NaN
            return ""
        return format_number(value)
    return str(value)


def sheet_cell(value: Any) -> str:
    """``cell`` for a file a spreadsheet opens (CSV): text neutralized, numbers and booleans as they are."""
    text = cell(value)
    return neutralize(text) if isinstance(value, str) else text


def format_number(value: float) -> str:
    """Numbers without float noise: 48243100.0 -> '48243100', 35.540000001 -> '35.54'."""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.6f}".rstrip("0").rstrip(".")


def typed_cell(value: Any, kind: str) -> str:
    """The text of a value in a column of ``kind`` (``schema.column_types``): integers without ``.0``, dates
    ISO-like (2019, 2019-06, 2019-06-30), booleans true/false; a value that does not fit is written as it is
    (text neutralized like any other text cell)."""
    try:
        v = typed(value, kind)
    except (TypeError, ValueError):
        return sheet_cell(value)
    if isinstance(v, str):
        return neutralize(cell(v))
    return cell(value if kind == DOUBLE else v)  # numbers keep the form rows.py gave them (no float noise)


def table_columns(rows: Iterable[Mapping[str, Any]], columns: Sequence[str]) -> list[str]:
    """The columns a table is written with: ``columns`` first, then any extra keys in first-seen order."""
    cols = list(columns)
    seen = set(cols)
    for row in rows:
        for key in row:
            if key not in seen:
                seen.add(key)
                cols.append(key)
    return cols


def csv_bytes(
    rows: Iterable[Mapping[str, Any]], columns: Sequence[str], types: Mapping[str, str] | None = None
) -> bytes:
    """CSV in UTF-8 with BOM; contract columns first, then any extra keys in first-seen order; cells of the
    columns in ``types`` (column -> kind) printed by ``typed_cell``; text cells neutralized against formula
    injection (``neutralize``)."""
    rows = list(rows)
    cols = table_columns(rows, columns)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([neutralize(c) for c in cols])  # headers can be text too (practices, indicators)
    kinds = types or {}
    pairs = [(c, cell_writer(kinds.get(c))) for c in cols]
    for row in rows:
        writer.writerow([fn(row.get(c)) for c, fn in pairs])
    return clean_text(buf.getvalue()).encode("utf-8-sig")  # any str: lone surrogates become U+FFFD


def write_csv(
    path: Path, rows: Iterable[Mapping[str, Any]], columns: Sequence[str], types: Mapping[str, str] | None = None
) -> int:
    data = list(rows)
    atomic_write_bytes(path, csv_bytes(data, columns, types))
    log.debug("wrote %d rows to %s", len(data), path)
    return len(data)


_CHUNK = 2000  # rows encoded and written at a time by ``stream_csv``


class ExtraColumns(ValueError):
    """A streamed table's row has a key outside its columns (``stream_csv`` cannot add a column once its header
    is written); the caller writes that table from all its rows instead (``write_table``)."""


def cell_writer(kind: str | None) -> Callable[[Any], str]:
    """``typed_cell`` for a column of ``kind`` (``sheet_cell`` when None), with the common values (text, ints,
    floats) printed directly: the same text, without ``coerce.typed``'s checks for each cell."""
    starts, plain = FORMULA_START, PLAIN_NUMBER.fullmatch

    if kind is None:

        def any_cell(v: Any) -> str:
            if v.__class__ is str:
                return "'" + v if v.startswith(starts) and not plain(v) else v  # neutralize, inlined
            return sheet_cell(v)

        return any_cell

    def text_cell(v: Any) -> str:
        if v.__class__ is str:
            if not v or ((v[0].isspace() or v[-1].isspace()) and not v.strip()):  # blank: ""
                return ""
            return "'" + v if v.startswith(starts) and not plain(v) else v  # neutralize, inlined
        return typed_cell(v, kind)

    def number_cell(v: Any) -> str:
        cls = v.__class__
        if cls is int:
            return str(v)  # cell(v)
        if cls is float and v == v and v not in _INFINITE:
            return str(int(v)) if v.is_integer() else f"{v:.6f}".rstrip("0").rstrip(".")  # cell(v)
        return typed_cell(v, kind)

    if kind == TEXT:
        return text_cell
    if kind in (INTEGER, DOUBLE):
        return number_cell
    return lambda v: typed_cell(v, kind)


_INFINITE = (float("inf"), float("-inf"))


def columns_of(chunk: Sequence[Mapping[str, Any]], cols: Sequence[str], before: int = 0) -> list[Sequence[Any]]:
    """The columns of a chunk of rows (each row's value of each of ``cols``, None where it has none), made a column
    at a time; raises ``ExtraColumns`` at a row with a key outside ``cols`` (``before``: the rows of earlier
    chunks, for its number)."""
    k = len(cols)
    if k and set(map(len, chunk)) == {k}:  # every row with all the columns, and only those: the common case
        try:
            if k == 1:
                return [tuple(map(itemgetter(cols[0]), chunk))]
            return list(zip(*map(itemgetter(*cols), chunk), strict=True))
        except KeyError:
            pass
    known = set(cols)
    for i, row in enumerate(chunk):
        if len(row) > k or not known.issuperset(row):
            raise ExtraColumns(f"row {before + i + 1} has columns {sorted(set(row) - known)} outside the table's")
    return [tuple(row.get(c) for row in chunk) for c in cols]


def neutralize_all(values: Sequence[str]) -> Sequence[str]:
    """``neutralize`` of each of ``values`` (all ``str``), the values that start like a formula found at C speed."""
    hits = list(itertools.compress(range(len(values)), map(str.startswith, values, itertools.repeat(FORMULA_START))))
    if not hits:
        return values
    out = list(values)
    for i in hits:
        out[i] = neutralize(out[i])
    return out


def format_column(values: Sequence[Any], kind: str | None) -> Sequence[str]:
    """``cell_writer(kind)`` of each of ``values`` (one column of a chunk of rows): the same text, a column at a
    time, with the common columns (text, integers, each with empty cells; dates) done without a call per cell."""
    classes = set(map(type, values))
    if _NONE in classes and kind in _INT_AS_IS:  # None: "" in every kind (and "" stays "")
        classes.discard(_NONE)
        if classes <= {str} or classes == {int}:
            values = ["" if v is None else v for v in values]
            if classes == {int}:  # "" stays ""
                return [v if v == "" else str(v) for v in values]
            classes = {str}
    if classes == {str}:
        if kind is None:
            return neutralize_all(values)
        if kind == TEXT:
            blank = list(itertools.compress(range(len(values)), map(operator.not_, map(str.strip, values))))
            if blank:
                values = list(values)
                for i in blank:
                    values[i] = ""
            return neutralize_all(values)
    elif classes == {int} and kind in _INT_AS_IS:
        return list(map(str, values))
    elif kind in (INTEGER, DOUBLE) and classes <= _NUMBERS:  # number_cell, inlined (NaN: "", inf: "inf")
        return [
            ""
            if v is None or v != v
            else str(v)
            if v.__class__ is int
            else str(int(v))
            if v.is_integer()
            else f"{v:.6f}".rstrip("0").rstrip(".")
            for v in values
        ]
    fn = cell_writer(kind)
    if kind not in _INT_AS_IS and classes <= _TEXT_OR_NONE:  # dates: each distinct value once
        once = {v: fn(v) for v in set(values)}
        return list(map(once.__getitem__, values))
    return list(map(fn, values))


_NONE = type(None)
_TEXT_OR_NONE = {str, _NONE}
_NUMBERS = {int, float, _NONE}
_INT_AS_IS = (None, TEXT, INTEGER, DOUBLE)  # kinds whose cell of an int is str(int)


def stream_csv(
    fh: BinaryIO,
    rows: Iterable[Mapping[str, Any]],
    columns: Sequence[str],
    types: Mapping[str, str] | None = None,
    bom: bool = True,
) -> int:
    """Write what ``csv_bytes`` gives for ``rows`` into ``fh`` a chunk of rows at a time (the rows are never all
    held), each chunk's cells made a column at a time (``format_column``); raises ``ExtraColumns`` at the first
    row with a key outside ``columns``. Returns the number of rows."""
    cols = list(columns)
    kinds = types or {}
    col_kinds = [kinds.get(c) for c in cols]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([neutralize(c) for c in cols])
    n = 0
    if bom:
        fh.write(codecs.BOM_UTF8)
    it = iter(rows)
    while chunk := list(itertools.islice(it, _CHUNK)):
        cells = [format_column(v, k) for v, k in zip(columns_of(chunk, cols, n), col_kinds, strict=True)]
        writer.writerows(zip(*cells, strict=True) if cells else [()] * len(chunk))
        n += len(chunk)
        fh.write(clean_text(buf.getvalue()).encode("utf-8"))  # any str: lone surrogates become U+FFFD
        buf.seek(0)
        buf.truncate()
    fh.write(clean_text(buf.getvalue()).encode("utf-8"))
    return n


def write_table(
    path: Path,
    make_rows: Callable[[], Iterable[Mapping[str, Any]]],
    columns: Sequence[str],
    types: Mapping[str, str] | None = None,
    bom: bool = True,
) -> tuple[int, list[str]]:
    """A table streamed into ``path`` atomically (``stream_csv``: the bytes ``write_csv`` writes); a table whose rows
    bring columns of their own is made again and written whole. Returns its rows and columns as written."""
    count = 0

    def write(fh: BinaryIO) -> None:
        nonlocal count
        count = stream_csv(fh, make_rows(), columns, types, bom)

    try:
        atomic_write_stream(path, write)
        cols = list(columns)
    except ExtraColumns as exc:
        log.debug("%s: %s; written from all its rows", path.name, exc)
        data = list(make_rows())
        cols = table_columns(data, columns)
        body = csv_bytes(data, cols, types)
        atomic_write_bytes(path, body if bom else body.removeprefix(codecs.BOM_UTF8))
        count = len(data)
    log.debug("wrote %d rows to %s", count, path)
    return count, cols


def read_csv(path: Path) -> list[dict[str, str]]:
    """Read a CSV written by ``write_csv`` (BOM-aware)."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def text_files(out_dir: Path) -> dict[str, Path]:
    """doc_id -> its text file, as the output folder's documents.csv maps them (``text_file``); files outside
    ``text/`` are ignored (the CSV is data). Empty when there is no documents.csv or it has no such column."""
    path = out_dir / "documents.csv"
    if not path.is_file():
        return {}
    root = (out_dir / "text").resolve()
    files = {r["doc_id"]: out_dir / r["text_file"] for r in read_csv(path) if r.get("doc_id") and r.get("text_file")}
    return {d: p for d, p in files.items() if p.resolve().is_relative_to(root)}


def text_path(out_dir: Path, doc_id: str, files: Mapping[str, Path] | None = None) -> Path:
    """The text of ``doc_id``: as ``files`` (``text_files(out_dir)``) maps it, else the name a run gives a
    doc_id alone (``text/{doc_id}.txt`` when the doc_id is a safe file name; pipeline/names.py)."""
    if files is not None and doc_id in files:
        return files[doc_id]
    return out_dir / "text" / f"{safe_stem(doc_id)}.txt"


NEO4J_TYPES = {float: "double", int: "int"}


def _neo4j_header(key: str, kinds: Mapping[str, type]) -> str:
    """``value:double``, ``char_start:int``; strings stay bare (neo4j-admin's default type)."""
    kind = NEO4J_TYPES.get(kinds.get(key, str))
    return f"{key}:{kind}" if kind else key


def spool_graph(out_dir: Path, graph: Any, store: bool = True, store_file: IO[bytes] | None = None) -> Any:
    """``graph`` read once into a :class:`~pipeline.io.graphspool.SpooledGraph` in a temporary file of ``out_dir``
    (close it when done): the export view :func:`write_graph` writes, the exports' keys declared as it is read and,
    with ``store``, the rows of the store's ``nodes`` and ``edges`` tables (io/store.py reads them back; into
    ``store_file`` when given)."""
    from pipeline.corpus.graph import export_attrs, export_edge_key
    from pipeline.io import gexf, graphml
    from pipeline.io.graphspool import SpooledGraph, temporary_file
    from pipeline.io.store import GRAPH_ROWS

    bodies = [temporary_file(out_dir, ".graph-body-") for _ in range(2)]
    # the exports' keys declared and their elements formatted as the graph is spooled (closed with the spool)
    declared = (graphml.Streamer(bodies[0]), gexf.Streamer(bodies[1]))
    rows = GRAPH_ROWS if store else None
    try:
        return SpooledGraph(
            graph, out_dir, declared, store=rows, export=(export_attrs, export_edge_key), store_file=store_file
        )
    except BaseException:
        for body in bodies:
            body.close()
        raise


def write_graph(out_dir: Path, graph: Any) -> dict[str, int]:
    """graph.graphml (contract), graph.gexf (Gephi) and Neo4j bulk-import CSVs, each atomically, each streamed.

    All three get the same graph (:class:`pipeline.corpus.graph.ExportView`, made as the graph is read, never a
    copy in memory): edge ids ``e0``, ``e1`` … unique across the graph, offsets as ``char_start``/``char_end`` (so
    GEXF stays ``mode="static"``), the node ``type`` (= Neo4j ``:LABEL``) and edge ``relation`` (= Neo4j ``:TYPE``)
    spelled alike, typed Neo4j headers. ``graph``: a :class:`~pipeline.corpus.graph.CorpusGraph` or a networkx
    graph, read once into a temporary file of ``out_dir`` that the writers read back (io/graphspool.py), or such a
    file already made by :func:`spool_graph` (kept open: the store reads it too).
    """

    from pipeline.corpus.graph import EXPORT_TYPES
    from pipeline.io import gexf, graphml
    from pipeline.io.graphspool import SpooledGraph

    if isinstance(graph, SpooledGraph):
        return _write_graph_files(out_dir, graph, EXPORT_TYPES, graphml, gexf, graph.watchers)
    g = spool_graph(out_dir, graph, store=False)
    try:
        return _write_graph_files(out_dir, g, EXPORT_TYPES, graphml, gexf, g.watchers)
    finally:
        g.close()


def _write_graph_files(
    out_dir: Path,
    g: Any,
    export_types: Mapping[str, type],
    graphml: Any,
    gexf: Any,
    declarers: tuple[Any, Any] | tuple[()] = (),
) -> dict[str, int]:
    declared: list[Any] = []
    ml, gx = declarers or (None, None)  # keys declared as ``g`` was read (else each writer makes its own pass)
    # straight into the files (no bytes held, no XML tree: ours stream networkx's GraphML and GEXF bytes)
    atomic_write_stream(out_dir / "graph.graphml", lambda fh: declared.append(graphml.write_graphml(g, fh, ml)))
    atomic_write_stream(out_dir / "graph.gexf", lambda fh: gexf.write_gexf(g.with_edge_ids(), fh, gx))
    node_set: set[str] = set()
    edge_set: set[str] = set()
    if declared and declared[-1] is not None:  # the attribute names GraphML declared: no pass of their own
        for name, _, scope in declared[-1]:
            (node_set if scope == "node" else edge_set).add(name)
    else:
        for _, d in g.nodes(data=True):
            node_set.update(d)
        for _, _, d in g.edges(data=True):
            edge_set.update(d)
    node_keys = sorted(node_set - {"type", "label"})
    edge_keys = sorted(edge_set - {"relation"})
    node_cols = ["id:ID", ":LABEL", "type", "label", *(_neo4j_header(k, export_types) for k in node_keys)]
    edge_cols = [":START_ID", ":END_ID", ":TYPE", "id", *(_neo4j_header(k, export_types) for k in edge_keys)]

    if len(set(node_cols)) == len(node_cols) and len(set(edge_cols)) == len(edge_cols):  # (else as rows below)
        from pipeline.io import neo4j

        node_items = (((n,), d) for n, d in g.nodes(data=True))
        neo4j.write_rows(out_dir / "neo4j" / "nodes.csv", node_cols, neo4j.node_columns(node_keys), node_items)
        edge_items = (((u, v, k), d) for u, v, k, d in g.edges(keys=True, data=True))
        neo4j.write_rows(out_dir / "neo4j" / "relationships.csv", edge_cols, neo4j.edge_columns(edge_keys), edge_items)
        return {"nodes": g.number_of_nodes(), "edges": g.number_of_edges()}

    def nodes() -> Iterable[Row]:  # a row at a time, straight into the file
        for n, d in g.nodes(data=True):
            kind = d.get("type", "Node")
            row = {"id:ID": n, ":LABEL": kind, "type": kind, "label": d.get("label", "")}
            yield row | {h: d.get(k, "") for k, h in zip(node_keys, node_cols[4:], strict=True)}

    def edges() -> Iterable[Row]:
        for u, v, key, d in g.edges(keys=True, data=True):
            row = {":START_ID": u, ":END_ID": v, ":TYPE": d.get("relation", "related"), "id": key}
            yield row | {h: d.get(k, "") for k, h in zip(edge_keys, edge_cols[4:], strict=True)}

    write_table(out_dir / "neo4j" / "nodes.csv", nodes, node_cols, bom=False)
    write_table(out_dir / "neo4j" / "relationships.csv", edges, edge_cols, bom=False)
    return {"nodes": g.number_of_nodes(), "edges": g.number_of_edges()}


_DL_UNSAFE = re.compile(r"[\s,;=\"'!]")


def dl_labels(terms: Sequence[str]) -> list[str]:
    """Node labels UCINET and Gephi both read: no spaces, commas, quotes, ``=`` or ``!`` (those separate labels,
    quote them or end a matrix), each made unique."""
    out: list[str] = []
    seen: set[str] = set()
    for t in terms:
        base = _DL_UNSAFE.sub("_", t) or "_"
        label, k = base, 1
        while label in seen:
            k += 1
            label = f"{base}#{k}"
        seen.add(label)
        out.append(label)
    return out


def dl_text(terms: Sequence[str], counts: Mapping[tuple[str, str], int], matrix_label: str) -> str:
    """A square matrix in UCINET's DL full-matrix format, with its node labels and a matrix label saying what a
    cell counts. Labels come before the matrix label so that Gephi's DL importer (which takes the first line
    ending in ``labels:`` as the node labels) reads the same nodes."""
    lines = [f"DL N={len(terms)} NM=1", "FORMAT = FULLMATRIX DIAGONAL PRESENT"]
    if terms:
        lines += ["LABELS:", ",".join(dl_labels(terms))]
    lines += ["MATRIX LABELS:", matrix_label, "DATA:"]
    lines += [" ".join(str(int(counts.get((a, b), 0))) for b in terms) for a in terms]
    return "\r\n".join(lines) + "\r\n"


def write_dl(path: Path, cooc: Any) -> int:
    """``cooccurrence.dl``: the co-occurrence matrix of ``cooccurrence.csv`` for UCINET (and Gephi), UTF-8 without
    a byte-order mark (Gephi checks that the file starts with ``DL``); returns the matrix size."""
    terms = list(cooc.terms) if cooc is not None else []
    label = cooc.label if cooc is not None else "paragraphs_naming_both"
    atomic_write_text(path, dl_text(terms, cooc.counts if cooc is not None else {}, label))
    return len(terms)


class TextSink:
    """Text written in pieces to a binary file, encoded a batch (~64 K characters) at a time: the streaming exports'
    one buffer (graph.graphml, graph.gexf). Never closes the file; ``flush`` writes what is left."""

    def __init__(self, fh: BinaryIO, errors: str = "strict", first: str = "") -> None:
        self.fh, self.errors = fh, errors
        self.parts: list[str] = [first] if first else []
        self.size = len(first)

    def write(self, text: str) -> None:
        self.parts.append(text)
        self.size += len(text)
        if self.size > 1 << 16:
            self.flush()

    def flush(self) -> None:
        self.fh.write("".join(self.parts).encode("utf-8", self.errors))
        self.parts.clear()
        self.size = 0


def declare_graph(g: Any, declarer: Any, declared: Callable[[], Any]) -> Any:
    """Feed every node and edge of ``g`` to a GraphML or GEXF ``declarer`` (``node(n, data)``, ``edge(u, v, key,
    data)``) in networkx's order and return ``declared()``, its declarations; None as soon as ``declared()`` is None
    (the declarer met something it does not stream) or when ``g`` is not a plain directed multigraph (networkx
    writes those)."""
    if g.graph or not g.is_multigraph() or not g.is_directed():
        return None
    for n, data in g.nodes(data=True):
        declarer.node(n, data)
        if declared() is None:
            return None
    for u, v, key, data in g.edges(keys=True, data=True):
        declarer.edge(u, v, key, data)
        if declared() is None:
            return None
    return declared()
