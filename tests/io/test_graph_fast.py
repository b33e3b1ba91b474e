"""The graph exports' template paths (one template per data shape, escaping only when a search finds a text that
needs it) give the bytes of the writers they replace, on generated graphs and attributes with odd values: markup,
quotes, line breaks and tabs, control characters, formula starts, emoji, lone surrogates, NaN, infinities, -0.0,
big integers and booleans. References: networkx's GraphML and GEXF writers, ``writers.stream_csv`` over the rows
``_write_graph_files`` made, ``_export_attrs``."""

from __future__ import annotations

import io
import re
import tempfile
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from pipeline.corpus.graph import _export_attrs, clean_for_export, export_attrs
from pipeline.io import gexf, graphml, neo4j
from pipeline.io.graphspool import SpooledGraph
from pipeline.io.writers import stream_csv, write_graph

_ODD = ["", "a", "<", ">", "&", '"', "'", "\n", "\r", "\t", ",", "=", "+", "-", "@", "1", "-3.5", " ", "{", "}", "\\"]
_ODD += ["\x00", "\x01", "\x1f", "\x7f", "😀", "𠀀", "县", "\u2028", "\ud800", "%s", "{0}"]
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")  # what lxml refuses


def _texts(xml: bool = False) -> st.SearchStrategy[str]:
    pieces = [p for p in _ODD if not (xml and _XML_BAD.search(p))]
    return st.lists(st.sampled_from(pieces), max_size=4).map("".join)


def _values(xml: bool = False) -> st.SearchStrategy[Any]:
    floats = st.sampled_from([0.5, -0.0, 0.0, 1e16, 1e-7, 2.5e300, float("nan"), float("inf"), float("-inf")])
    ints = st.sampled_from([0, 1, -1, 3, 2**31, 2**63 + 1, -(10**20)])
    return st.one_of(_texts(xml), ints, floats, st.booleans())


_NAMES = ["relation", "doc_id", "char_start", "value", "label", "type", "weight", "key", "rule", "a<b", "x&y"]


def _data(xml: bool = False, names: list[str] = _NAMES) -> st.SearchStrategy[dict[str, Any]]:
    return st.dictionaries(st.sampled_from(names), _values(xml), max_size=5)


@st.composite
def _graphs(draw: Any, xml: bool = False, edge_ids: bool = False) -> nx.MultiDiGraph:
    """A directed multigraph of a few nodes and edges; repeated shapes (the template path) and odd texts."""
    g = nx.MultiDiGraph()
    ids = draw(st.lists(_texts(xml).filter(bool), min_size=1, max_size=4, unique=True))
    shape = draw(_data(xml))  # one shape, several elements: the cached template is used again
    for n in ids:
        g.add_node(n, **draw(st.one_of(st.just(shape), _data(xml))))
    for i in range(draw(st.integers(0, 6))):
        d = draw(st.one_of(st.just(dict(shape)), _data(xml)))
        d.pop("key", None)
        key = f"e{i}" if draw(st.booleans()) else draw(_texts(xml).filter(bool))
        if key in {k for _, _, k in g.edges(keys=True)}:
            continue
        if edge_ids:
            d["id"] = key
        g.add_edge(draw(st.sampled_from(ids)), draw(st.sampled_from(ids)), key=key, **d)
    return g


_FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_FAST
@given(_graphs(xml=True))
def test_graphml_templates_give_networkx_bytes(g: nx.MultiDiGraph) -> None:
    ours, theirs = io.BytesIO(), io.BytesIO()
    assert graphml.write_graphml(g, ours) is not None  # written by us, not handed to networkx
    nx.write_graphml(g, theirs)
    assert ours.getvalue() == theirs.getvalue()


@_FAST
@given(_graphs(edge_ids=True))
def test_gexf_templates_give_networkx_bytes(g: nx.MultiDiGraph) -> None:
    ours, theirs = io.BytesIO(), io.BytesIO()
    gexf.write_gexf(g, ours)
    nx.write_gexf(g, theirs)
    assert ours.getvalue() == theirs.getvalue()


@_FAST
@given(_graphs(edge_ids=False))
def test_gexf_edges_without_ids_still_numbered_as_networkx_does(g: nx.MultiDiGraph) -> None:
    for i, (_, _, d) in enumerate(g.edges(data=True)):
        if i % 2:
            d["id"] = str(i // 2)  # some edges bring ids, the others get the numbers not taken
    ours, theirs = io.BytesIO(), io.BytesIO()
    gexf.write_gexf(g, ours)
    nx.write_gexf(g, theirs)
    assert ours.getvalue() == theirs.getvalue()


def _neo4j_reference(items: list[tuple[tuple[Any, ...], dict[str, Any]]], keys: list[str], node: bool) -> bytes:
    """The rows ``_write_graph_files`` made before the templates, through ``stream_csv``."""
    if node:
        head = ["id:ID", ":LABEL", "type", "label"]
        rows = [
            {"id:ID": n, ":LABEL": d.get("type", "Node"), "type": d.get("type", "Node"), "label": d.get("label", "")}
            | {k: d.get(k, "") for k in keys}
            for (n,), d in items
        ]
    else:
        head = [":START_ID", ":END_ID", ":TYPE", "id"]
        rows = [
            {":START_ID": u, ":END_ID": v, ":TYPE": d.get("relation", "related"), "id": k}
            | {c: d.get(c, "") for c in keys}
            for (u, v, k), d in items
        ]
    fh = io.BytesIO()
    stream_csv(fh, rows, head + keys, bom=False)
    return fh.getvalue()


_ID = st.one_of(_texts(), st.integers(-(2**70), 2**70))
_CSV_VALUES = st.one_of(_values(), st.none())
_CSV_DATA = st.dictionaries(st.sampled_from(["type", "label", "relation", "doc_id", "value", "w"]), _CSV_VALUES)


@_FAST
@given(st.lists(st.tuples(st.tuples(_ID), _CSV_DATA), max_size=8), st.lists(st.tuples(_ID, _ID, _ID), max_size=8))
def test_neo4j_templates_give_stream_csv_bytes(
    nodes: list[tuple[tuple[Any, ...], dict[str, Any]]], ends: list[tuple[Any, Any, Any]]
) -> None:
    nodes = nodes + [((f"n{i}",), dict(nodes[0][1])) for i in range(3)] if nodes else nodes  # a shape again
    keys = ["doc_id", "value", "w"]
    for node, items in ((True, nodes), (False, [(e, d) for e, (_, d) in zip(ends, nodes * 8, strict=False)])):
        columns = neo4j.node_columns(keys) if node else neo4j.edge_columns(["doc_id", "type", "value"])
        fh = io.BytesIO()
        head = ["id:ID", ":LABEL", "type", "label"] if node else [":START_ID", ":END_ID", ":TYPE", "id"]
        cols = keys if node else ["doc_id", "type", "value"]
        assert neo4j.stream_rows(fh, head + cols, columns, items) == len(items)
        assert fh.getvalue() == _neo4j_reference(items, cols, node)


def test_write_graph_on_repeated_shapes_and_an_escaped_element(tmp_path: Path) -> None:
    g = nx.MultiDiGraph()
    g.add_node("Document:d", type="Document", label='=formula, "q" <t>')  # escaped in every file
    for i in range(300):
        g.add_node(f"Figure:d@{i}", type="Figure", label=f"人口 {i}人", value=float(i), unit="人")
        g.add_edge("Document:d", f"Figure:d@{i}", relation="reports", doc_id="d", start=i, end=i + 2)
    write_graph(tmp_path, g)
    expected = clean_for_export(g)
    theirs = io.BytesIO()
    nx.write_graphml(expected, theirs)
    assert (tmp_path / "graph.graphml").read_bytes() == theirs.getvalue()
    for _, _, key, d in expected.edges(keys=True, data=True):
        d["id"] = key
    theirs = io.BytesIO()
    nx.write_gexf(expected, theirs)
    assert (tmp_path / "graph.gexf").read_bytes() == theirs.getvalue()
    nodes = (tmp_path / "neo4j" / "nodes.csv").read_text(encoding="utf-8").splitlines()
    assert nodes[1] == 'Document:d,Document,Document,"\'=formula, ""q"" <t>",,'
    assert nodes[2] == "Figure:d@0,Figure,Figure,人口 0人,人,0"


_EXPORT_NAMES = ["relation", "doc_id", "start", "end", "char_start", "value", "weight", "order", "label"]


@_FAST
@given(st.lists(st.dictionaries(st.sampled_from(_EXPORT_NAMES), st.one_of(_values(), st.none(), st.just("12")))))
def test_export_attrs_by_plan_are_the_attrs_value_by_value(ds: list[dict[str, Any]]) -> None:
    for d in [*ds, *ds, {"start": 2**53 + 1, "end": 3}, {"start": 2**53 + 1, "end": 3}]:
        try:
            theirs = _export_attrs(d)
        except OverflowError:  # an infinite float under an int name: raised either way
            with pytest.raises(OverflowError):
                export_attrs(d)
            continue
        ours = export_attrs(d)
        assert ours == theirs or repr(ours) == repr(theirs)  # (NaN != NaN)
        assert list(ours) == list(theirs)
        assert [type(v) for v in ours.values()] == [type(v) for v in theirs.values()]


@_FAST
@given(_graphs(xml=True))
def test_write_graph_streamed_while_spooled_gives_networkx_bytes(g: nx.MultiDiGraph) -> None:
    """write_graph spools the graph once, its GraphML and GEXF elements formatted as it goes (the Streamers)."""
    try:
        expected = clean_for_export(g)
    except OverflowError:  # an infinite float under an int name (char_start): the export raises, as before
        assume(False)
    ml, gx = io.BytesIO(), io.BytesIO()
    nx.write_graphml(expected, ml)
    for _, _, key, d in expected.edges(keys=True, data=True):
        d["id"] = key
    nx.write_gexf(expected, gx)
    with tempfile.TemporaryDirectory() as tmp:
        write_graph(Path(tmp), g)
        assert (Path(tmp) / "graph.graphml").read_bytes() == ml.getvalue()
        assert (Path(tmp) / "graph.gexf").read_bytes() == gx.getvalue()
        assert sorted(p.name for p in Path(tmp).iterdir()) == ["graph.gexf", "graph.graphml", "neo4j"]  # no body


def test_streamers_hand_a_graph_they_do_not_cover_to_networkx(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    g = nx.MultiDiGraph()
    g.add_node("a", label="x")
    g.add_edge("a", "b", key="e0", relation="r")
    g.add_node("t", when=(2019, 6))  # the last node: a value of another type, after elements were formatted
    ml, gx = graphml.Streamer(tempfile.TemporaryFile()), gexf.Streamer(tempfile.TemporaryFile())  # noqa: SIM115
    s = SpooledGraph(g, tmp_path, (ml, gx))
    assert ml.keys is None and gx.ids is None
    called: list[str] = []
    monkeypatch.setattr(nx, "write_graphml", lambda graph, fh: called.append("graphml"))
    monkeypatch.setattr(nx, "write_gexf", lambda graph, fh: called.append("gexf"))
    assert graphml.write_graphml(s, io.BytesIO(), ml) is None
    gexf.write_gexf(s.with_edge_ids(), io.BytesIO(), gx)
    s.close()
    assert called == ["graphml", "gexf"] and ml.body.closed and gx.body.closed
