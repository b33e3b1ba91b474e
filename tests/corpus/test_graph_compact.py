"""The compact corpus graph (pipeline/corpus/graph.py CorpusGraph): the graph a networkx build gives (same nodes,
edges, keys, attributes and order), read again from results kept in a file, exported without a copy, and holding
what is bounded by the entities, not a node per figure."""

from __future__ import annotations

import bisect
import gc
import io
import tracemalloc
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.corpus.graph import (
    INSTRUMENT_TYPES,
    KIND_TYPES,
    PRACTICE_TYPES,
    USES_WINDOW,
    CorpusGraph,
    ExportView,
    build_graph,
    clean_for_export,
    corpus_graph,
    county_practice_edges,
    unique_links,
)
from pipeline.io import gexf, graphml, writers
from pipeline.io.spill import KeptResults
from pipeline.model import DocResult, Link, Measure
from pipeline.text.numerals import format_value
from tests.records import figure, link, measure, place, result

# ------------------------------------------------------------------------------ the reference: networkx, edge by edge


def _add_node(g: nx.MultiDiGraph, node: str, **attrs: Any) -> str:
    if node in g:
        g.nodes[node].update({k: v for k, v in attrs.items() if v not in ("", None)})
    else:
        g.add_node(node, **attrs)
    return node


def _part_of(g: nx.MultiDiGraph, child: str, ntype: str, code: str, label: str) -> str:
    parent = _add_node(g, f"{ntype}:{code}", type=ntype, label=label, adcode=code)
    if not g.has_edge(child, parent):
        g.add_edge(child, parent, relation="part_of")
    return parent


def _prov(doc_id: str, start: int | str = "", end: int | str = "") -> dict[str, Any]:
    return {"doc_id": doc_id, "start": start, "end": end}


def _link_head(g: nx.MultiDiGraph, practice: Measure, doc_practices: list[str], counties: Sequence[str]) -> str:
    for n in doc_practices:
        if g.nodes[n]["label"] == practice.name:
            return n
    ntype = KIND_TYPES.get(practice.kind, "Practice")
    node = _add_node(g, f"{ntype}:{practice.name}", type=ntype, label=practice.name, kind=practice.kind)
    doc_practices.append(node)
    prov = _prov(practice.mention.doc_id, practice.mention.raw_start, practice.mention.raw_end)
    for county in counties:
        if not g.has_edge(county, node):
            g.add_edge(county, node, relation="ran", **prov)
    return node


def reference_graph(
    results: Sequence[DocResult],
    similar: Iterable[tuple[str, str, float]] = (),
    families: Mapping[str, str] | None = None,
    classes: Mapping[str, Mapping[str, Any]] | None = None,
) -> nx.MultiDiGraph:
    """The graph as the pipeline built it before the compact graph: every node and edge a networkx dict."""
    g = nx.MultiDiGraph()
    focal_by_doc: dict[str, list[str]] = {}
    for r in results:
        _add_node(
            g, f"Document:{r.doc.doc_id}", type="Document", label=r.doc.title or r.doc.doc_id, **_prov(r.doc.doc_id)
        )
    for r in results:
        doc_id = r.doc.doc_id
        for p in r.places:
            if p.level not in ("county", "prefecture", "province"):
                continue
            node = _add_node(
                g,
                f"{p.level.capitalize()}:{p.adcode}",
                type=p.level.capitalize(),
                label=p.canonical or p.name,
                adcode=p.adcode,
            )
            prov = _prov(doc_id, p.mention.raw_start, p.mention.raw_end)
            g.add_edge(f"Document:{doc_id}", node, relation="about" if p.focal else "mentions", **prov)
            if p.level == "county":
                if p.focal:
                    focal_by_doc.setdefault(doc_id, []).append(node)
                if p.prefecture:
                    pref = _part_of(g, node, "Prefecture", f"{p.adcode[:4]}00", p.prefecture)
                    if p.province:
                        _part_of(g, pref, "Province", f"{p.adcode[:2]}0000", p.province)
    practice_by_doc: dict[str, list[str]] = {}
    for r in results:
        doc_id = r.doc.doc_id
        for m in r.measures:
            ntype = KIND_TYPES.get(m.kind, "Measure")
            node = _add_node(g, f"{ntype}:{m.name}", type=ntype, label=m.name, kind=m.kind)
            prov = _prov(doc_id, m.mention.raw_start, m.mention.raw_end)
            g.add_edge(f"Document:{doc_id}", node, relation="describes", **prov)
            if ntype in PRACTICE_TYPES:
                practice_by_doc.setdefault(doc_id, []).append(node)
                for county in focal_by_doc.get(doc_id, []):
                    g.add_edge(county, node, relation="ran", **prov)
            for i, comp in enumerate((c for c in m.components if c.strip()), 1):
                step = _add_node(g, f"Step:{m.name}#{i}", type="Step", label=comp, order=i)
                if not g.has_edge(node, step):
                    g.add_edge(node, step, relation="has_step", **prov)
    for r in results:
        items = sorted(
            (m.mention.raw_start, f"{KIND_TYPES.get(m.kind, 'Measure')}:{m.name}", KIND_TYPES.get(m.kind, "Measure"))
            for m in r.measures
        )
        positions = [p for p, _, _ in items]
        for pos, node, ntype in items:
            if ntype not in PRACTICE_TYPES or ntype == "LoanProduct":
                continue
            lo = bisect.bisect_left(positions, pos - USES_WINDOW)
            hi = bisect.bisect_right(positions, pos + USES_WINDOW)
            for _, inst, itype in items[lo:hi]:
                if itype in INSTRUMENT_TYPES and inst != node and not g.has_edge(node, inst):
                    g.add_edge(node, inst, relation="uses", doc_id=r.doc.doc_id)
    fig_node: dict[tuple[str, int], str] = {}
    for r in results:
        doc_id = r.doc.doc_id
        for f in r.figures:
            value = format_value(f.value)
            start = f.mention.raw_start
            node = _add_node(
                g,
                f"Figure:{doc_id}@{start}",
                type="Figure",
                label=f"{f.indicator} {value}{f.unit}",
                value=value,
                unit=f.unit,
                date=f.date,
                indicator=f.indicator,
                indicator_std=f.indicator_std,
                per=f.per,
                status=f.status,
            )
            fig_node[(doc_id, start)] = node
            g.add_edge(f"Document:{doc_id}", node, relation="reports", **_prov(doc_id, start, f.mention.raw_end))
            if f.indicator:
                ind = _add_node(g, f"Indicator:{f.indicator}", type="Indicator", label=f.indicator)
                g.add_edge(node, ind, relation="measures")
    for r in results:
        doc_id = r.doc.doc_id
        for ln in unique_links(r.links):
            fnode = fig_node.get((doc_id, ln.figure.mention.raw_start))
            if fnode is None:
                continue
            head = _link_head(g, ln.practice, practice_by_doc.setdefault(doc_id, []), focal_by_doc.get(doc_id, []))
            if any(d.get("relation") == ln.relation for d in (g.get_edge_data(head, fnode) or {}).values()):
                continue
            ev = ln.evidence
            g.add_edge(head, fnode, relation=ln.relation, rule=ln.rule, **_prov(doc_id, ev.raw_start, ev.raw_end))
    by_label: dict[str, list[str]] = {}
    for n, d in g.nodes(data=True):
        if d.get("type") in PRACTICE_TYPES:
            by_label.setdefault(d["label"], []).append(n)
    for name, nodes in by_label.items():
        for n in nodes:
            if families and name in families:
                g.nodes[n]["family"] = families[name]
            cls = (classes or {}).get(name)
            if cls:
                g.nodes[n].update({"field": cls["field"], "policy_tool": cls["tool"], "sub_tool": cls["sub_tool"]})
    for a, b, score in similar:
        for u in by_label.get(a, []):
            for v in by_label.get(b, []):
                g.add_edge(u, v, relation="similar_to", weight=round(float(score), 4), rule="tfidf:practice_similarity")
    return g


# ---------------------------------------------------------------------------------------------------------- records


def _corpus() -> list[DocResult]:
    """Three made-up documents with what orders a graph: a county in two documents, a practice in two, figures
    sharing a start, a figure without indicator, repeated and two-relation links, a link naming a practice the
    document does not list, instruments near a practice, steps, a prefecture and a province alone."""
    prog_a = measure("a", "联社共建", start=5)
    fig_a1 = figure("a", "发放贷款", 3.0e7, "元", start=40, end=46, date="2020")
    fig_a2 = figure("a", "贷款户数", 120, "户", start=40, end=44)  # the same start: one Figure node, updated
    fig_a3 = figure("a", "", 15, "%", start=60, end=63)
    fig_a4 = figure("a", "覆盖贫困村", 25, "个", start=80, end=83)
    org = measure("a", "扶贫办", "organization", start=300)
    target = Link(prog_a, fig_a4, "target", "rule:goal", link(prog_a, fig_a4, start=70, end=90).evidence)
    a = result(
        "a",
        title="某县调研",
        places=[
            place("a", "522632", "榕江县", province="贵州省", prefecture="黔东南苗族侗族自治州", start=1),
            place("a", "522631", "黎平县", focal=False, province="贵州省", prefecture="黔东南苗族侗族自治州", start=2),
            place("a", "520000", "贵州省", level="province", focal=False, start=3),
            place("a", "522632", "榕江县", start=90),
        ],
        measures=[
            prog_a,
            measure("a", "两先两后", "slogan", start=20, components=["先甲后乙", " ", "先丙后丁"]),
            measure("a", "惠农贷", "loan_product", start=30),
            measure("a", "实施方案", "policy_document", start=50),
            measure("a", "联社共建", start=100),
        ],
        figures=[fig_a1, fig_a2, fig_a3, fig_a4],
        links=[
            link(prog_a, fig_a1, start=35, end=50),
            link(prog_a, fig_a1, start=35, end=50),  # printed twice: one link
            link(prog_a, fig_a4, start=70, end=90),
            target,
            link(org, fig_a3, start=55, end=65),  # the organization is no measure of the document: a node of its own
            link(prog_a, figure("a", "无此数", 1, start=999)),  # no such figure: no edge
        ],
    )
    prog_b = measure("b", "联社共建", start=8)
    fig_b = figure("b", "发放贷款", 5.0e6, "元", start=30, end=35)
    b = result(
        "b",
        places=[place("b", "522632", "榕江县", province="贵州省", prefecture="黔东南苗族侗族自治州")],
        measures=[prog_b, measure("b", "合作社", start=12), measure("b", "惠农贷", "loan_product", start=500)],
        figures=[fig_b, figure("b", "新增就业", 300, "人", start=50)],
        links=[link(prog_b, fig_b, start=20, end=40), link(measure("b", "扶贫办", "organization"), fig_b)],
    )
    c = result("c", figures=[figure("c", "贷款户数", 10, "户", start=3)], measures=[measure("c", "两先两后", "slogan")])
    return [a, b, c]


SIMILAR = [("联社共建", "惠农贷", 0.51234), ("两先两后", "联社共建", 0.3), ("合作社", "联社共建", 0.25)]
FAMILIES = {"联社共建": "联建", "合作社": "联建"}
CLASSES = {"联社共建": {"field": "产业", "tool": "供给型", "sub_tool": "资金"}}


def _listed(g: Any) -> tuple[list[Any], list[Any]]:
    """Nodes and edges (with keys) in order, attributes with their key order."""
    nodes = [(n, list(d.items())) for n, d in g.nodes(data=True)]
    edges = [(u, v, k, list(d.items())) for u, v, k, d in g.edges(keys=True, data=True)]
    return nodes, edges


def test_the_compact_graph_is_the_networkx_graph_node_for_node_edge_for_edge() -> None:
    res = _corpus()
    g = corpus_graph(res, SIMILAR, FAMILIES, CLASSES)
    ref = reference_graph(res, SIMILAR, FAMILIES, CLASSES)
    assert _listed(g) == _listed(ref) == _listed(g.to_networkx())
    assert _listed(build_graph(res, SIMILAR, FAMILIES, CLASSES)) == _listed(ref)
    assert (g.number_of_nodes(), g.number_of_edges()) == (ref.number_of_nodes(), ref.number_of_edges())
    assert county_practice_edges(g) == county_practice_edges(ref)
    relations = {d["relation"] for *_, d in ref.edges(data=True)}
    assert relations >= {"about", "mentions", "describes", "reports", "measures", "ran", "part_of", "has_step"}
    assert relations >= {"uses", "achieved", "target", "similar_to"}, "the records must exercise every relation"
    assert ref.number_of_edges("Practice:联社共建", "LoanProduct:惠农贷") == 2  # uses, then similar_to beside it
    assert ref.nodes["Organization:扶贫办"]["type"] == "Organization"
    assert g.entity("Practice:联社共建")["family"] == "联建" and "Figure:a@40" not in g and "County:522632" in g


def test_exports_and_store_rows_are_those_of_the_networkx_graph(tmp_path: Path) -> None:
    """write_graph on the compact graph: networkx's own GraphML and GEXF bytes of the cleaned reference graph."""
    res = _corpus()
    g = corpus_graph(res, SIMILAR, FAMILIES, CLASSES)
    writers.write_graph(tmp_path / "compact", g)
    writers.write_graph(tmp_path / "networkx", reference_graph(res, SIMILAR, FAMILIES, CLASSES))
    for name in ("graph.graphml", "graph.gexf", "neo4j/nodes.csv", "neo4j/relationships.csv"):
        assert (tmp_path / "compact" / name).read_bytes() == (tmp_path / "networkx" / name).read_bytes(), name
    clean = clean_for_export(reference_graph(res, SIMILAR, FAMILIES, CLASSES))
    theirs = io.BytesIO()
    nx.write_graphml(clean, theirs)
    assert (tmp_path / "compact" / "graph.graphml").read_bytes() == theirs.getvalue()
    assert _listed(ExportView(g)) == _listed(clean)


def test_results_kept_in_a_file_give_the_same_graph_read_back_at_each_pass(tmp_path: Path) -> None:
    kept = KeptResults(tmp_path / "staging", spill_after=1)
    for r in _corpus():
        kept.append(r)
    assert kept.spilled
    g = corpus_graph(kept, SIMILAR, FAMILIES, CLASSES)
    expected = _listed(reference_graph(_corpus(), SIMILAR, FAMILIES, CLASSES))
    assert _listed(g) == expected and _listed(g) == expected  # every read is a pass over the file
    writers.write_graph(tmp_path / "out", g)
    writers.write_graph(tmp_path / "ref", corpus_graph(_corpus(), SIMILAR, FAMILIES, CLASSES))
    assert (tmp_path / "out" / "graph.graphml").read_bytes() == (tmp_path / "ref" / "graph.graphml").read_bytes()
    kept.close()


def test_empty_corpus_graph() -> None:
    g = corpus_graph([])
    assert (
        (g.number_of_nodes(), g.number_of_edges()) == (0, 0) and list(g.edges()) == [] and g.to_networkx().order() == 0
    )
    assert isinstance(g, CorpusGraph) and county_practice_edges(g) == []


def _many(n_docs: int, n_figures: int) -> list[DocResult]:
    out = []
    for i in range(n_docs):
        d = f"doc{i:04d}"
        prog = measure(d, "联社共建", start=1)
        figs = [figure(d, f"指标{j % 7}", j, "户", start=10 + 5 * j, end=13 + 5 * j) for j in range(n_figures)]
        out.append(
            result(
                d,
                places=[place(d, "522632", "榕江县", province="贵州省", prefecture="黔东南苗族侗族自治州")],
                measures=[prog],
                figures=figs,
                links=[link(prog, f, start=f.mention.raw_start, end=f.mention.raw_end) for f in figs[::3]],
            )
        )
    return out


def _held(build: Any, results: list[DocResult]) -> tuple[Any, int]:
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        g = build(results)
        gc.collect()
        return g, tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()


def test_the_graph_holds_no_node_or_dict_per_figure() -> None:
    """A figure costs the compact graph nothing held (its node and edges are made when read), an outcome edge a
    few packed integers: a tenth of what networkx holds for the same graph, or less."""
    res = _many(40, 60)
    compact, held = _held(corpus_graph, res)
    ref, ref_held = _held(reference_graph, res)
    assert (
        compact.number_of_nodes() == ref.number_of_nodes() > 2400 and compact.number_of_edges() == ref.number_of_edges()
    )
    assert held * 10 < ref_held, (held, ref_held)


def test_gexf_reads_the_edges_own_ids_only_for_an_edge_without_one() -> None:
    g = nx.MultiDiGraph()
    g.add_edge("a", "b", key="x", id="1", relation="r")
    g.add_edge("a", "b", key="y", relation="r")  # no id: networkx numbers it, skipping the "1" taken above
    g.add_edge("b", "a", key="z", id="0", relation="r")
    ours, theirs = io.BytesIO(), io.BytesIO()
    gexf.write_gexf(g, ours)
    nx.write_gexf(g, theirs)
    assert ours.getvalue() == theirs.getvalue()


def test_a_graph_the_streaming_writers_refuse_goes_to_networkx_whole(tmp_path: Path) -> None:
    """Text XML cannot hold (a control character): the view is handed to networkx as a graph, which refuses it as
    it always did, naming the problem."""
    res = [result("a", title="标题\x01", measures=[measure("a", "联社共建")])]
    g = corpus_graph(res)
    assert not graphml.streamable(ExportView(g))
    with pytest.raises(ValueError):
        graphml.write_graphml(ExportView(g), io.BytesIO())


@pytest.mark.slow
def test_extract_writes_the_same_graph_from_results_in_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Through `extract`: results kept in a file (past SPILL_AFTER) give the graph files and the store's graph
    tables that results in memory give."""
    import duckdb

    import pipeline.io.spill

    corpus = tmp_path / "c"
    corpus.mkdir()
    for name, county in (("a", "黎平县"), ("b", "从江县")):
        text = f"{county}推行“联社共建”模式，累计发放产业贷款4824.31万元，带动贫困户1200户增收。"
        (corpus / f"{name}.txt").write_text(text, encoding="utf-8")
    runner = CliRunner()
    out = {}
    for spill in (500, 1):
        monkeypatch.setattr(pipeline.io.spill, "SPILL_AFTER", spill)
        out[spill] = tmp_path / f"out{spill}"
        res = runner.invoke(app, ["extract", str(corpus), "--out", str(out[spill]), "--workers", "1"])
        assert res.exit_code == 0, res.output
    for name in ("graph.graphml", "graph.gexf", "neo4j/nodes.csv", "neo4j/relationships.csv"):
        assert (out[500] / name).read_bytes() == (out[1] / name).read_bytes(), name
    assert b"Figure:a@" in (out[1] / "graph.graphml").read_bytes()
    rows = []
    for spill in (500, 1):
        con = duckdb.connect(str(out[spill] / "kg.duckdb"), read_only=True)
        rows.append([con.execute(f"select * from {t}").fetchall() for t in ("nodes", "edges")])
        con.close()
    assert rows[0] == rows[1] and rows[0][1]


def test_the_writers_read_the_graph_once_from_a_file_that_never_shows(tmp_path: Path) -> None:
    """write_graph reads the compact graph once (each read of it a pass over the results), into an unnamed file of
    the output folder that the writers read back; passes over it may nest; nothing is left behind."""
    from pipeline.io.graphspool import SpooledGraph

    reads = []

    class Counted(list):  # type: ignore[type-arg]
        def __iter__(self) -> Any:
            reads.append(1)
            return super().__iter__()

    g = corpus_graph(Counted(_corpus()), SIMILAR, FAMILIES, CLASSES)
    reads.clear()
    writers.write_graph(tmp_path, g)
    assert len(reads) == 3  # figure nodes; document edges, figure edges: one read of the graph
    assert sorted(p.name for p in tmp_path.iterdir()) == ["graph.gexf", "graph.graphml", "neo4j"]
    spool = SpooledGraph(ExportView(g), tmp_path / "s")
    assert _listed(spool) == _listed(ExportView(g)) and not list((tmp_path / "s").iterdir())
    pairs = [(n, e[2]) for n in spool.nodes() for e in spool.edges(keys=True)]
    assert len(pairs) == spool.number_of_nodes() * spool.number_of_edges() > 0
    with_ids = spool.with_edge_ids()
    assert all(d["id"] == k for _, _, k, d in with_ids.edges(keys=True, data=True))
    assert not any("id" in d for _, _, d in spool.edges(data=True))
    spool.close()


@pytest.mark.parametrize(("name", "value"), [("relation", "ran"), ("relation", "uses"), ("relation", "nothing")])
def test_entity_edges_where_is_entity_edges_filtered(name: str, value: str) -> None:
    """The county -> practice edge list reads only the rows whose relation code is ``ran`` (no row decoded
    otherwise): the same edges, in the same order, as filtering every decoded row."""
    g = corpus_graph(_corpus(), SIMILAR, FAMILIES, CLASSES)
    want = [(u, v, d) for u, v, d in g.entity_edges() if d.get(name) == value]
    assert list(g.entity_edges_where(name, value)) == want
    assert (value == "nothing") == (want == [])


def test_county_practice_edges_share_equal_tuples() -> None:
    """Two counties running one practice (in one document) hold one tuple of its ids and one of the doc_ids."""
    g = nx.MultiDiGraph()
    for c in ("County:1", "County:2"):
        g.add_node(c, type="County", label=c[-1])
        g.add_edge(c, "Practice:联建", relation="ran", doc_id="d1")
    g.add_node("Practice:联建", type="Practice", label="联建")
    a, b = county_practice_edges(g)
    assert (a.county_id, b.county_id) == ("County:1", "County:2")
    assert a.practice_ids == ("Practice:联建",) and a.practice_ids is b.practice_ids
    assert a.doc_ids == ("d1",) and a.doc_ids is b.doc_ids
