"""The GraphML and GEXF keys declared while the graph is spooled (io/graphspool.py watchers) are those each writer
declares in a pass of its own: the same bytes, and the same hand-over to networkx for what the writers don't cover."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import networkx as nx
import pytest

from pipeline.io import gexf, graphml
from pipeline.io.graphspool import SpooledGraph
from tests.io.test_gexf import _hostile as gexf_graph
from tests.io.test_graphml import _hostile as graphml_graph


def _spooled(g: Any, tmp_path: Path) -> tuple[SpooledGraph, graphml.Declarer, gexf.Declarer]:
    ml, gx = graphml.Declarer(), gexf.Declarer()
    return SpooledGraph(g, tmp_path, (ml, gx)), ml, gx


@pytest.mark.parametrize("make", [graphml_graph, gexf_graph])
def test_keys_declared_while_spooling_give_the_same_bytes(make: Any, tmp_path: Path) -> None:
    g = make()
    s, ml, gx = _spooled(g, tmp_path)
    try:
        assert ml.keys == graphml._declare(g) and gx.ids == gexf._declare(s.with_edge_ids())
        if ml.keys is not None:  # (the GEXF graph has text GraphML refuses)
            assert ml.keys
            ours, theirs = io.BytesIO(), io.BytesIO()
            graphml.write_graphml(s, ours, ml)
            graphml.write_graphml(g, theirs)
            assert ours.getvalue() == theirs.getvalue()
        assert gx.ids and gx.ids["node"] and gx.ids["edge"]
        ours, theirs = io.BytesIO(), io.BytesIO()
        gexf.write_gexf(s.with_edge_ids(), ours, gx)
        gexf.write_gexf(s.with_edge_ids(), theirs)
        assert ours.getvalue() == theirs.getvalue()
    finally:
        s.close()


def test_a_graph_the_writers_do_not_cover_still_goes_to_networkx(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    g = graphml_graph()
    g.add_node("t", when=(2019, 6))  # a value of another type: neither writer covers it
    s, ml, gx = _spooled(g, tmp_path)
    assert ml.keys is None and gx.ids is None
    called: list[str] = []
    monkeypatch.setattr(nx, "write_graphml", lambda graph, fh: called.append("graphml"))
    monkeypatch.setattr(nx, "write_gexf", lambda graph, fh: called.append("gexf"))
    assert graphml.write_graphml(s, io.BytesIO(), ml) is None
    gexf.write_gexf(s, io.BytesIO(), gx)
    s.close()
    assert called == ["graphml", "gexf"]
