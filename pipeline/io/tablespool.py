"""The per-document tables' rows made in one pass over results kept in a file, for the writers that read them again.

Past 500 documents the results live in a temporary file (io/spill.py) and every pass over them unpickles them all
again. The output folder reads each per-document table twice (its CSV file, then the DuckDB store) and documents.csv
and the texts need a pass of their own: about fifteen passes. :func:`spool_tables` makes them in one: each result
is read once, its texts written, its rows of every per-document table appended to that table's chunks, pickled into
one unnamed temporary file of the output folder (never visible there, gone when closed); a table's rows function then
reads its chunks back (a fraction of the cost of the results). The rows are those ``rows.table_plan`` makes, in the
same order: the same bytes in every file.
"""

from __future__ import annotations

import pickle
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

from pipeline.model import DocResult

Row = dict[str, Any]
_CHUNK = 2000  # rows of one table pickled at a time


class SpooledTables:
    """Tables' rows in a temporary file of ``folder``: ``rows(name)`` reads them back, in order, at each call."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self._fh: IO[bytes] = tempfile.TemporaryFile(dir=folder, prefix=".tables-")  # noqa: SIM115 (kept open)
        self._chunks: dict[str, list[tuple[int, int]]] = {}  # table -> (offset, length) of each pickled chunk
        self._open: dict[str, list[Row]] = {}

    def add(self, name: str, rows: Iterable[Row]) -> None:
        buf = self._open.setdefault(name, [])
        self._chunks.setdefault(name, [])
        buf.extend(rows)
        if len(buf) >= _CHUNK:
            self._dump(name)

    def _dump(self, name: str) -> None:
        buf = self._open[name]
        if buf:
            data = pickle.dumps(buf, protocol=pickle.HIGHEST_PROTOCOL)
            offset = self._fh.seek(0, 2)
            self._fh.write(data)
            self._chunks[name].append((offset, len(data)))
            buf.clear()

    def done(self) -> None:
        """Every table's last chunk into the file (call once all rows are added)."""
        for name in self._open:
            self._dump(name)
        self._fh.flush()

    def rows(self, name: str) -> Callable[[], Iterator[Row]]:
        """A function giving the rows of ``name`` afresh at each call (passes may interleave)."""

        def read() -> Iterator[Row]:
            for offset, length in list(self._chunks.get(name, ())):
                self._fh.seek(offset)
                chunk: list[Row] = pickle.loads(self._fh.read(length))
                yield from chunk

        return read

    def close(self) -> None:
        self._fh.close()


def spool_tables(
    results: Iterable[DocResult],
    tables: Mapping[str, Callable[[DocResult], Sequence[Row]]],
    folder: Path,
    each: Callable[[DocResult], object] | None = None,
) -> SpooledTables:
    """One pass over ``results``: ``each(r)`` (the texts), then every table's rows of ``r`` (``tables``: name ->
    the rows of one result) spooled into ``folder``. The caller closes what it returns."""
    spool = SpooledTables(folder)
    try:
        for name in tables:
            spool.add(name, ())  # a table without rows still has its (empty) listing
        for r in results:
            if each is not None:
                each(r)
            for name, fn in tables.items():
                spool.add(name, fn(r))
        spool.done()
    except BaseException:
        spool.close()
        raise
    return spool
