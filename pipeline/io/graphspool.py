"""A graph read once and kept in an unnamed temporary file for the writers that read it again.

The corpus graph (:class:`pipeline.corpus.graph.CorpusGraph`) makes each document's nodes and edges again from the
results whenever it is read, which for results kept in a file (io/spill.py) means reading them all back. So
``write_graph`` reads it once into a :class:`SpooledGraph`: its nodes and edges pickled in chunks into an unnamed
temporary file of the output folder (never visible there, gone when closed), read back chunk by chunk at each pass
(the Neo4j CSVs, a graph networkx writes); its watchers (``graphml.Streamer``, ``gexf.Streamer``) declare the GraphML
and GEXF keys and format their elements as it is read, and the store's rows are spooled apart in the same read.
Read like a networkx graph.
"""

from __future__ import annotations

import pickle
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

_CHUNK = 2000  # nodes or edges pickled at a time


def temporary_file(folder: Path, prefix: str) -> IO[bytes]:
    """An unnamed temporary file in ``folder`` (made if need be): never visible there, gone when closed."""
    folder.mkdir(parents=True, exist_ok=True)
    return tempfile.TemporaryFile(dir=folder, prefix=prefix)


def read_chunks(fh: IO[bytes], start: int, end: int) -> Iterator[Any]:
    """The items of the chunks pickled into ``fh`` between ``start`` and ``end``."""
    pos = start  # each pass keeps its own place: passes may nest
    while pos < end:
        fh.seek(pos)
        chunk = pickle.load(fh)
        pos = fh.tell()
        yield from chunk


class SpooledGraph:
    """``g``'s nodes (with data) and edges (with keys and data) in a temporary file of ``folder``; ``edge_ids``:
    :meth:`with_edge_ids` gives the same graph whose edges also carry ``id`` = their key (GEXF's edge id)."""

    def __init__(
        self,
        g: Any,
        folder: Path,
        watchers: Sequence[Any] = (),
        store: Any = None,
        export: Any = None,
        store_file: IO[bytes] | None = None,
    ) -> None:
        """``watchers``: objects with ``node(n, d)`` and ``edge(u, v, k, d)``, fed every node then every edge as
        ``g`` is read (the exports' key declarations: ``graphml.Declarer``, ``gexf.Declarer``; no pass of their
        own). They must not change what they are given. ``export`` (optional): ``(attrs, edge_key)``, making the
        nodes' and edges' export attributes and edge keys from ``g``'s own (``g`` then the corpus graph itself, not
        its export view), and ``store`` (optional): an object with ``node(n, d)`` and ``edge(u, v, d)`` making
        the store's ``nodes`` and ``edges`` rows from ``g``'s own attributes, spooled apart in the same single
        read (:meth:`store_nodes`, :meth:`store_edges`), so the store never reads the graph again: into
        ``store_file`` when given (the caller's, empty, left open by :meth:`close`; :meth:`store_offsets` says
        where the node rows end and the edge rows end), else into a temporary file of its own."""
        self.graph: dict[str, Any] = {} if export is not None else dict(g.graph)  # as the export view has it
        folder.mkdir(parents=True, exist_ok=True)
        self._fh: IO[bytes] = tempfile.TemporaryFile(dir=folder, prefix=".graph-")  # noqa: SIM115 (kept open)
        self._store_fh: IO[bytes] | None = None
        self.watchers = tuple(watchers)
        on_node = [w.node for w in watchers]
        on_edge = [w.edge for w in watchers]
        store_nodes: list[Any] = []
        store_edges: list[Any] = []
        self._own_store = store_file is None
        if store is not None:
            self._store_fh = store_file or tempfile.TemporaryFile(dir=folder, prefix=".graph-store-")  # noqa: SIM115
        node_row = store.node if store is not None else None
        edge_row = store.edge if store is not None else None
        attrs, edge_key = export if export is not None else (None, str)

        def nodes() -> Iterator[Any]:
            for n, raw in g.nodes(data=True):
                d = attrs(raw) if attrs is not None else raw
                for f in on_node:
                    f(n, d)
                if node_row is not None:
                    store_nodes.append(node_row(n, raw))
                yield n, d

        def edges() -> Iterator[Any]:
            if attrs is not None:
                items: Iterator[Any] = ((u, v, edge_key(i), raw) for i, (u, v, raw) in enumerate(g.edges(data=True)))
            else:
                items = g.edges(keys=True, data=True)
            for u, v, k, raw in items:
                d = attrs(raw) if attrs is not None else raw
                for f in on_edge:
                    f(u, v, k, d)
                if edge_row is not None:
                    store_edges.append(edge_row(u, v, raw))
                yield u, v, k, d

        self._nodes = self._spool(nodes(), store_nodes)
        self._edges_at = self._fh.tell()
        self._store_at = self._store_fh.tell() if self._store_fh is not None else 0  # store: node rows, edge rows
        self._edges = self._spool(edges(), store_edges)
        self._end = self._fh.tell()
        self._store_end = self._store_fh.tell() if self._store_fh is not None else 0
        self._fh.flush()
        if self._store_fh is not None:
            self._store_fh.flush()
        self._ids = False

    def _spool(self, items: Iterator[Any], side: list[Any]) -> int:
        """``items`` pickled in chunks; ``side``: filled as ``items`` is read (the store's rows), its chunks
        pickled alongside into the store's file (kept apart: the exports never unpickle them)."""
        n = 0
        chunk: list[Any] = []
        for item in items:
            chunk.append(item)
            if len(chunk) == _CHUNK:
                self._dump(chunk, side)
                n += len(chunk)
                chunk = []
        if chunk:
            self._dump(chunk, side)
            n += len(chunk)
        return n

    def _dump(self, chunk: list[Any], side: list[Any]) -> None:
        pickle.dump(chunk, self._fh, protocol=pickle.HIGHEST_PROTOCOL)
        if self._store_fh is not None:
            pickle.dump(side[:], self._store_fh, protocol=pickle.HIGHEST_PROTOCOL)
            side.clear()

    def _read(self, start: int, end: int, fh: IO[bytes] | None = None) -> Iterator[Any]:
        return read_chunks(self._fh if fh is None else fh, start, end)

    def store_offsets(self) -> tuple[int, int]:
        """Where the store's node rows end and its edge rows end in its file (rows from offset 0)."""
        return self._store_at, self._store_end

    def store_nodes(self) -> Iterator[Any]:
        """The store's ``nodes`` rows made as the graph was read (``store`` given), in node order."""
        assert self._store_fh is not None, "SpooledGraph made without store"
        yield from self._read(0, self._store_at, self._store_fh)

    def store_edges(self) -> Iterator[Any]:
        """The store's ``edges`` rows made as the graph was read (``store`` given), in edge order."""
        assert self._store_fh is not None, "SpooledGraph made without store"
        yield from self._read(self._store_at, self._store_end, self._store_fh)

    def with_edge_ids(self) -> SpooledGraph:
        other = object.__new__(SpooledGraph)
        other.__dict__.update(self.__dict__)
        other._ids = True
        return other

    def close(self) -> None:
        """The temporary files, the spool's and its watchers' (those with a ``close``: io/graphml.py's and
        io/gexf.py's ``Streamer``)."""
        self._fh.close()
        if self._store_fh is not None and self._own_store:
            self._store_fh.close()
        for w in self.watchers:
            if hasattr(w, "close"):
                w.close()

    def is_multigraph(self) -> bool:
        return True

    def is_directed(self) -> bool:
        return True

    def number_of_nodes(self) -> int:
        return self._nodes

    def number_of_edges(self) -> int:
        return self._edges

    def nodes(self, data: bool = False) -> Iterator[Any]:
        if data:
            yield from self._read(0, self._edges_at)  # the (node, data) pairs as spooled
            return
        for n, _ in self._read(0, self._edges_at):
            yield n

    def edges(self, keys: bool = False, data: bool = False) -> Iterator[Any]:
        if keys and data and not self._ids:
            yield from self._read(self._edges_at, self._end)  # the (u, v, key, data) tuples as spooled
            return
        for u, v, k, d in self._read(self._edges_at, self._end):
            if data and self._ids:
                d["id"] = k  # in place when the edge has an ``id`` of its own, else last
            yield (u, v, *((k,) if keys else ()), *((d,) if data else ()))
