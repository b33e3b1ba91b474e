"""The graph is read once for all its consumers: GraphML, GEXF, the Neo4j CSVs and the store's nodes/edges tables
come from one spool (writers.spool_graph), with the same bytes and rows as when each read the graph itself."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import networkx as nx

from pipeline.io import writers
from pipeline.io.store import GRAPH_ROWS, write_duckdb


def _graph() -> nx.MultiDiGraph:
    g = nx.MultiDiGraph()
    g.add_node("County:1", type="County", label="甲县", adcode="1")
    g.add_node("Doc:a", type="Document", label="报告 <a> & =1", year=2020)
    g.add_node("Figure:a:3", type="Figure", label="增收", value=12.5, unit="", start=3, end=7)
    g.add_edge("Doc:a", "County:1", relation="mentions", doc_id="a", start=0, end=2)
    g.add_edge("Doc:a", "County:1", relation="mentions", doc_id="a", start=9, end=11)
    g.add_edge("Doc:a", "Figure:a:3", relation="reports", doc_id="a", start=3, end=7, weight=1.0)
    return g


class _Counted:
    """``g`` that counts how often its nodes and edges are read."""

    def __init__(self, g: nx.MultiDiGraph) -> None:
        self.g, self.graph, self.reads = g, g.graph, {"nodes": 0, "edges": 0}

    def nodes(self, data: bool = False) -> Any:
        self.reads["nodes"] += 1
        return self.g.nodes(data=data)

    def edges(self, keys: bool = False, data: bool = False) -> Any:
        self.reads["edges"] += 1
        return self.g.edges(keys=keys, data=data)

    def number_of_nodes(self) -> int:
        return int(self.g.number_of_nodes())

    def number_of_edges(self) -> int:
        return int(self.g.number_of_edges())


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file() and p.suffix != ".duckdb"}


def _graph_tables(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {t: con.execute(f"SELECT * FROM {t}").fetchall() for t in ("nodes", "edges")}
    finally:
        con.close()


def test_one_read_gives_the_same_files_and_store_tables(tmp_path: Path) -> None:
    alone, once = tmp_path / "alone", tmp_path / "once"
    alone.mkdir()
    once.mkdir()
    # each consumer reading the graph itself (as before)
    writers.write_graph(alone, _graph())
    write_duckdb(alone / "kg.duckdb", {}, _graph())
    # one read for all of them
    counted = _Counted(_graph())
    spool = writers.spool_graph(once, counted)
    try:
        writers.write_graph(once, spool)
        write_duckdb(once / "kg.duckdb", {}, spool)
        assert list(spool.store_nodes()) == [GRAPH_ROWS.node(n, d) for n, d in _graph().nodes(data=True)]
        assert list(spool.store_edges()) == [GRAPH_ROWS.edge(u, v, d) for u, v, d in _graph().edges(data=True)]
    finally:
        spool.close()
    assert counted.reads == {"nodes": 1, "edges": 1}
    theirs, ours = _files(alone), _files(once)
    assert set(ours) >= {"graph.graphml", "graph.gexf"} and ours == theirs
    assert _graph_tables(once / "kg.duckdb") == _graph_tables(alone / "kg.duckdb")
    assert len(_graph_tables(once / "kg.duckdb")["edges"]) == 3
    assert [p.name for p in once.iterdir() if p.name.startswith(".graph")] == []  # the spool leaves nothing


def test_graphml_fits_as_a_search_of_each_text() -> None:
    from pipeline.io import graphml

    assert graphml._fits(["a", 1, 2.5, True, "", "县"])
    assert not graphml._fits(["a", "b\x01c", 1])  # a character lxml refuses, in any text
    assert not graphml._fits(["a", "\ud800"])  # a lone surrogate
    assert not graphml._fits(["a", (1, 2)])  # a type GraphML does not declare
    assert graphml._fits([])
