"""graph.graphml from our streaming writer: the bytes networkx.write_graphml gives, on made-up graphs with markup,
quotes, whitespace, non-BMP text, typed values, one name of two types, bare nodes and edges, and a graph built like
the pipeline's; what XML cannot hold (or graph attributes) goes to networkx."""

from __future__ import annotations

import io
from typing import Any

import networkx as nx
import pytest

from pipeline.corpus.graph import build_graph, clean_for_export
from pipeline.io import graphml
from tests.records import figure, link, measure, place, result


def _both(g: Any) -> bytes:
    ours, theirs = io.BytesIO(), io.BytesIO()
    graphml.write_graphml(g, ours)
    nx.write_graphml(g, theirs)
    assert ours.getvalue() == theirs.getvalue()
    return ours.getvalue()


def _hostile() -> nx.MultiDiGraph:
    g = nx.MultiDiGraph()
    g.add_node("x")  # no data: <node id="x"/>
    g.add_node("Practice:a&<b>\"'\t\n\r", type="Practice", label='<script>"x"</script>&amp;\n\t\r 𠀀😀 ')
    g.add_node("County:522631", type="County", label="黎平县", weight=float("inf"), focal=True, order=3)
    g.add_node("n", value=float("nan"), order="3rd")  # order: a long above, a string here (two keys)
    g.add_edge("Practice:a&<b>\"'\t\n\r", "County:522631", key="e0", relation="ran<&>", value=2.5, char_start=3)
    g.add_edge("County:522631", "x", key="e1", relation='"q"', weight=1.0)
    g.add_edge("x", "n", key="e2")  # no data: <edge .../>
    return g


def test_identical_bytes_on_markup_whitespace_and_typed_values() -> None:
    data = _both(_hostile())
    assert graphml.streamable(_hostile())
    assert b'attr.name="order" attr.type="long"' in data and b'attr.name="order" attr.type="string"' in data


def test_identical_bytes_on_an_empty_graph_and_the_pipeline_graph() -> None:
    _both(nx.MultiDiGraph())
    r = result(
        "d1",
        places=[place("d1", "522631", "黎平县")],
        measures=[measure("d1", "社社联建", start=10)],
        figures=[figure("d1", "脱贫人口", 1200.0, "人", start=40)],
    )
    r.links.append(link(r.measures[0], r.figures[0]))
    g = clean_for_export(build_graph([r]))
    assert graphml.streamable(g) and g.number_of_edges()
    _both(g)


@pytest.mark.parametrize(
    "change",
    [
        lambda g: g.graph.update(name="corpus"),  # graph attributes
        lambda g: g.add_node("bad\x01"),  # text XML cannot hold: networkx decides (it raises)
        lambda g: g.add_node("t", when=(2019, 6)),  # a value of another type
    ],
)
def test_what_the_writer_does_not_cover_goes_to_networkx(change: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    g = _hostile()
    change(g)
    assert not graphml.streamable(g)
    called = []
    monkeypatch.setattr(nx, "write_graphml", lambda graph, fh: called.append(graph))
    graphml.write_graphml(g, io.BytesIO())
    assert called == [g]
