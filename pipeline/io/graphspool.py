"""A graph read once and kept in an unnamed temporary file for the writers that read it again.

The corpus graph (:class:`pipeline.corpus.graph.CorpusGraph`) makes each document's nodes and edges again from the
results whenever it is read, which for results kept in a file (io/spill.py) means reading them all back. The graph
exports read the graph three times (GraphML, GEXF, Neo4j; their keys are declared as it is spooled), so
``write_graph`` reads it once
into a :class:`SpooledGraph`: its nodes and edges pickled in chunks into an unnamed temporary file of the output
folder (never visible there, gone when closed), read back chunk by chunk at each pass. Read like a networkx graph.
"""

from __future__ import annotations

import pickle
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

_CHUNK = 2000  # nodes or edges pickled at a time


class SpooledGraph:
    """``g``'s nodes (with data) and edges (with keys and data) in a temporary file of ``folder``; ``edge_ids``:
    :meth:`with_edge_ids` gives the same graph whose edges also carry ``id`` = their key (GEXF's edge id)."""

    def __init__(self, g: Any, folder: Path, watchers: Sequence[Any] = ()) -> None:
        """``watchers``: objects with ``node(n, d)`` and ``edge(u, v, k, d)``, fed every node then every edge as
        ``g`` is read (the exports' key declarations: ``graphml.Declarer``, ``gexf.Declarer``; no pass of their
        own). They must not change what they are given."""
        self.graph: dict[str, Any] = dict(g.graph)
        folder.mkdir(parents=True, exist_ok=True)
        self._fh: IO[bytes] = tempfile.TemporaryFile(dir=folder, prefix=".graph-")  # noqa: SIM115 (kept open)
        on_node = [w.node for w in watchers]
        on_edge = [w.edge for w in watchers]

        def nodes() -> Iterator[Any]:
            for n, d in g.nodes(data=True):
                for f in on_node:
                    f(n, d)
                yield n, d

        def edges() -> Iterator[Any]:
            for u, v, k, d in g.edges(keys=True, data=True):
                for f in on_edge:
                    f(u, v, k, d)
                yield u, v, k, d

        self._nodes = self._spool(nodes())
        self._edges_at = self._fh.tell()
        self._edges = self._spool(edges())
        self._end = self._fh.tell()
        self._fh.flush()
        self._ids = False

    def _spool(self, items: Iterator[Any]) -> int:
        n = 0
        chunk: list[Any] = []
        for item in items:
            chunk.append(item)
            if len(chunk) == _CHUNK:
                pickle.dump(chunk, self._fh, protocol=pickle.HIGHEST_PROTOCOL)
                n += len(chunk)
                chunk = []
        if chunk:
            pickle.dump(chunk, self._fh, protocol=pickle.HIGHEST_PROTOCOL)
            n += len(chunk)
        return n

    def _read(self, start: int, end: int) -> Iterator[Any]:
        pos = start  # each pass keeps its own place: passes may nest
        while pos < end:
            self._fh.seek(pos)
            chunk = pickle.load(self._fh)
            pos = self._fh.tell()
            yield from chunk

    def with_edge_ids(self) -> SpooledGraph:
        other = object.__new__(SpooledGraph)
        other.__dict__.update(self.__dict__)
        other._ids = True
        return other

    def close(self) -> None:
        self._fh.close()

    def is_multigraph(self) -> bool:
        return True

    def is_directed(self) -> bool:
        return True

    def number_of_nodes(self) -> int:
        return self._nodes

    def number_of_edges(self) -> int:
        return self._edges

    def nodes(self, data: bool = False) -> Iterator[Any]:
        for n, d in self._read(0, self._edges_at):
            yield (n, d) if data else n

    def edges(self, keys: bool = False, data: bool = False) -> Iterator[Any]:
        for u, v, k, d in self._read(self._edges_at, self._end):
            if data and self._ids:
                d["id"] = k  # in place when the edge has an ``id`` of its own, else last
            yield (u, v, *((k,) if keys else ()), *((d,) if data else ()))
