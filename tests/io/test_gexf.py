"""graph.gexf from our streaming writer: the bytes networkx.write_gexf gives, on made-up graphs with markup,
quotes, control characters, non-BMP text, lone surrogates, typed values and graphs built like the pipeline's."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import networkx as nx
import pytest

from pipeline.corpus.graph import build_graph, clean_for_export
from pipeline.io import gexf
from pipeline.io.writers import write_graph
from tests.records import figure, link, measure, place, result


def _both(g: Any) -> bytes:
    ours, theirs = io.BytesIO(), io.BytesIO()
    gexf.write_gexf(g, ours)
    nx.write_gexf(g, theirs)
    assert ours.getvalue() == theirs.getvalue()
    return ours.getvalue()


def _hostile() -> nx.MultiDiGraph:
    g = nx.MultiDiGraph()
    g.add_node("x")  # no attributes: an empty <node />
    g.add_node("Practice:a&<b>\"'", type="Practice", label='<script>"x"</script>&amp;\n\t\r\x01\x0b 𠀀😀 \ud800')
    g.add_node("County:522631", type="County", label="黎平县", weight=float("inf"), focal=True, order=3)
    g.add_node("n", value=float("nan"), other=-0.5)
    g.add_edge("Practice:a&<b>\"'", "County:522631", key="e0", id="e0", relation="ran<&>", value=2.5, char_start=3)
    g.add_edge("County:522631", "x", key="e1", relation='"q"', weight=1.0, label="l\n", type="t")  # no id
    g.add_edge("County:522631", "x", key="0", relation="ran")  # numbered ids skip the ids taken
    g.add_edge("x", "n", key="e3", id="1", doc_id="d\x7f")
    return g


def test_identical_bytes_on_markup_control_characters_and_non_bmp_text() -> None:
    data = _both(_hostile())
    assert b"&lt;script&gt;&quot;x&quot;" in data and "𠀀😀".encode() in data and b"&#55296;" in data


def test_identical_bytes_on_empty_and_attribute_free_graphs() -> None:
    g = nx.MultiDiGraph()
    _both(g)
    g.add_node("only")
    _both(g)
    g.add_edge("only", "other", key="k")
    _both(g)


def test_identical_bytes_on_a_graph_built_like_the_pipelines() -> None:
    docs = []
    for i, (code, county) in enumerate([("522631", "黎平县"), ("520111", '花溪区"<&>')]):
        m = measure(f"d{i}", "合作社+农户", county_code=code, start=5)
        f = figure(f"d{i}", "带动农户", 6800.0 + i, "户", start=9, county_code=code, date="2019")
        docs.append(result(f"d{i}", "x" * 40, places=[place(f"d{i}", code, county)], figures=[f], measures=[m],
                           links=[link(m, f)]))  # fmt: skip
    g = clean_for_export(build_graph(docs))
    assert g.number_of_edges() > 2 and gexf.streamable(g)
    for _, _, key, d in g.edges(keys=True, data=True):
        d["id"] = key  # as write_graph gives it
    _both(g)


def test_features_we_never_export_go_to_networkx() -> None:
    g = nx.MultiDiGraph(name="dynamic")
    g.add_node("a", start=1, end=3, spells=[(1, 2)])
    assert not gexf.streamable(g)
    _both(g)
    h = nx.MultiDiGraph()
    h.add_node("a", tags=["x", "y"])
    assert not gexf.streamable(h)


def test_write_graph_writes_the_streamed_gexf(tmp_path: Path) -> None:
    g = _hostile()  # GraphML (lxml) refuses control characters and lone surrogates: the pipeline never has them
    g.nodes["Practice:a&<b>\"'"]["label"] = '<script>"x"</script>&amp; 𠀀😀'
    g.edges["x", "n", "e3"]["doc_id"] = "d"
    write_graph(tmp_path, g)
    expected = clean_for_export(g)
    for _, _, key, d in expected.edges(keys=True, data=True):
        d["id"] = key
    theirs = io.BytesIO()
    nx.write_gexf(expected, theirs)
    assert (tmp_path / "graph.gexf").read_bytes() == theirs.getvalue()
    assert nx.read_gexf(tmp_path / "graph.gexf").number_of_nodes() == 4


@pytest.mark.parametrize("text", ["&", "<>", '"', "\r\n\t", "\x00", "\U0001f600", "\ud83d"])
def test_attribute_escaping_matches_elementtree(text: str) -> None:
    g = nx.MultiDiGraph()
    g.add_node(text, label=text, type=text)
    g.add_edge(text, text, key=text, id=text, relation=text)
    _both(g)
