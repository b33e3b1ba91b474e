"""The graph's Neo4j bulk-import CSVs (``neo4j/nodes.csv``, ``neo4j/relationships.csv``): the bytes
``writers.write_table`` gives for the rows ``writers._write_graph_files`` describes, without a dict and a cell
function call per cell.

A row is an element's ids (a node's id; an edge's source, target and key) and its data. The few data shapes (names
and value types) repeat across the whole graph, so each shape gets a line template once, its fields in column order
(an absent name: the column's default). A row whose texts need CSV quoting (``,`` ``"`` CR LF) or neutralizing
(a text cell starting with ``= + - @`` TAB or CR) is written cell by cell as ``stream_csv`` writes it.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, BinaryIO

from pipeline.io.writers import atomic_write_stream, cell, cell_writer, neutralize
from pipeline.names import clean_text

_CHUNK = 2000  # rows a flush, as ``stream_csv``
# a text that csv quotes (anywhere) or ``neutralize`` changes (at its start); a probe puts NUL before each field
_QUOTED = re.compile('[,"\r\n]')
_FORMULA = re.compile("\x00[=+\\-@\t\r]")
_FORMATTED = (str, int)  # ``format(v, "")`` is the cell
_CONVERTED = (float, bool, type(None))  # ``cell(v)`` first

# a column: ("id", i) the element's i-th id, or ("data", name, default) ``data.get(name, default)``
Column = tuple[Any, ...]
_Template = tuple[str, str, tuple[int, ...]]


def node_columns(keys: Sequence[str]) -> list[Column]:
    """The columns of nodes.csv: id, label (= type), type, label, then the data ``keys`` (sorted)."""
    kind = ("data", "type", "Node")
    return [("id", 0), kind, kind, ("data", "label", ""), *(("data", k, "") for k in keys)]


def edge_columns(keys: Sequence[str]) -> list[Column]:
    """The columns of relationships.csv: start, end, type (= relation), id (the edge key), then the data ``keys``."""
    return [("id", 0), ("id", 1), ("data", "relation", "related"), ("id", 2), *(("data", k, "") for k in keys)]


def _values(columns: Sequence[Column], ids: tuple[Any, ...], data: dict[str, Any]) -> list[Any]:
    return [ids[c[1]] if c[0] == "id" else data.get(c[1], c[2]) for c in columns]


def _template(columns: Sequence[Column], ids: tuple[Any, ...], data: dict[str, Any]) -> _Template | None:
    """The line of a row shaped like ``ids`` and ``data``, formatted from ``[*ids, *data.values()]`` (fields
    ``cell``-converted in the positions given); None when a value's type or a default needs the cell-by-cell way."""
    types = [*map(type, ids), *map(type, data.values())]
    if not all(t in _FORMATTED or t in _CONVERTED for t in types) or not all(type(k) is str for k in data):
        return None
    pos = {k: i + len(ids) for i, k in enumerate(data)}
    fields = []
    for c in columns:
        if c[0] == "id":
            fields.append(f"{{{c[1]}}}")
        elif c[1] in pos:
            fields.append(f"{{{pos[c[1]]}}}")
        else:
            default = c[2]
            if not isinstance(default, str) or _QUOTED.search(default) or _FORMULA.search("\x00" + default):
                return None
            fields.append(default.replace("{", "{{").replace("}", "}}"))
    conv = tuple(i for i, t in enumerate(types) if t in _CONVERTED)
    return ",".join(fields) + "\r\n", "\x00{}" * len(types), conv


def stream_rows(
    fh: BinaryIO, header: Sequence[str], columns: Sequence[Column], items: Iterable[tuple[tuple[Any, ...], Any]]
) -> int:
    """``stream_csv(fh, rows, header, bom=False)``'s bytes for the rows of ``items`` ((ids, data) pairs) laid out
    by ``columns``; returns the number of rows."""
    any_cell = cell_writer(None)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([neutralize(c) for c in header])
    shapes: dict[tuple[Any, ...], _Template | None] = {}
    n = 0
    for ids, data in items:
        sig = (*map(type, ids), *data, *map(type, data.values()))  # two shapes of one length never share it
        if sig not in shapes:
            shapes[sig] = _template(columns, ids, data)
        made = shapes[sig]
        if made is not None:
            template, probe, conv = made
            args = [*ids, *data.values()]
            for i in conv:
                args[i] = cell(args[i])
            text = probe.format(*args)
            if _QUOTED.search(text) or _FORMULA.search(text):
                writer.writerow([any_cell(v) for v in _values(columns, ids, data)])
            else:
                buf.write(template.format(*args))
        else:
            writer.writerow([any_cell(v) for v in _values(columns, ids, data)])
        n += 1
        if n % _CHUNK == 0:
            fh.write(clean_text(buf.getvalue()).encode("utf-8"))  # any str: lone surrogates become U+FFFD
            buf.seek(0)
            buf.truncate()
    fh.write(clean_text(buf.getvalue()).encode("utf-8"))
    return n


def write_rows(
    path: Path, header: Sequence[str], columns: Sequence[Column], items: Iterable[tuple[tuple[Any, ...], Any]]
) -> int:
    """:func:`stream_rows` into ``path``, atomically; returns the number of rows."""
    count = 0

    def write(fh: BinaryIO) -> None:
        nonlocal count
        count = stream_rows(fh, header, columns, items)

    atomic_write_stream(path, write)
    return count
