"""The graph's part of the write phase (graph.graphml, graph.gexf, the Neo4j CSVs, cooccurrence.dl and the rows
of the store's ``nodes`` and ``edges`` tables), written by a forked child while this process writes the tables.

At 2,000 documents this part (reading the corpus graph back from the results, formatting its exports) is about
two thirds of the write phase's CPU, and it needs nothing the tables make: ``output._write_tables`` starts it in a
second process (io/parallel_write.py ``Background``, same rules: serial with one worker, a failed child's part done
again here) before the CSV files and the workbook, and the store, having loaded the tables, takes the graph's rows
from the file the child filled (:class:`StoreRows`).

- the store's rows go into a temporary file this process made before the fork (unnamed, its descriptor shared
  with the child, emptied before each attempt); the child sends back only the counts and two offsets;
- the outputs are the serial path's, byte for byte: the same functions, each file written atomically.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from pipeline.io import writers
from pipeline.io.graphspool import read_chunks


@dataclass(frozen=True)
class GraphPart:
    """What the graph's part wrote: rows per output (run.json), where its store rows end (nodes, then edges)."""

    counts: dict[str, int]
    nodes_end: int
    edges_end: int


def write_graph_part(out_dir: Path, graph: Any, cooccurrence: Any, rows_file: IO[bytes]) -> GraphPart:
    """The graph exports and cooccurrence.dl into ``out_dir``; the store's graph rows into ``rows_file``."""
    rows_file.seek(0)
    rows_file.truncate()  # a failed child's attempt: nothing of it is kept
    g = writers.spool_graph(out_dir, graph, store_file=rows_file)  # read once (io/graphspool.py)
    try:
        counts = {f"graph {k}": v for k, v in writers.write_graph(out_dir, g).items()}
        counts["cooccurrence.dl"] = writers.write_dl(out_dir / "cooccurrence.dl", cooccurrence)
        nodes_end, edges_end = g.store_offsets()
    finally:
        g.close()
    rows_file.flush()  # a child leaves with os._exit: nothing buffered would reach the file
    return GraphPart(counts, nodes_end, edges_end)


class StoreRows:
    """The store's ``nodes`` and ``edges`` rows (io/store.py's ``store_nodes``/``store_edges``) read back from
    ``rows_file``, once ``part()`` (waiting for the graph's part) has said where they are. An error of the graph's
    part is raised as :class:`PartFailed` (so the store does not take it for its own) for the caller to unwrap."""

    def __init__(self, part: Callable[[], GraphPart], rows_file: IO[bytes]) -> None:
        self._part = part
        self._file = rows_file
        self.done: GraphPart | None = None

    def result(self) -> GraphPart:
        if self.done is None:
            try:
                self.done = self._part()
            except Exception as exc:  # KeyboardInterrupt and the like go through as they are
                raise PartFailed(exc) from exc
        return self.done

    def store_nodes(self) -> Iterator[Any]:
        return read_chunks(self._file, 0, self.result().nodes_end)

    def store_edges(self) -> Iterator[Any]:
        done = self.result()
        return read_chunks(self._file, done.nodes_end, done.edges_end)


class PartFailed(Exception):
    """The graph's part failed while the store waited for it: ``error`` is its own exception."""

    def __init__(self, error: BaseException) -> None:
        super().__init__(str(error))
        self.error = error
