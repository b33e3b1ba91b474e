"""The graph as Gephi, Neo4j and UCINET get it: unique edge ids, a static GEXF, one ``type``/``relation`` naming
across the exports, typed Neo4j headers, weighted edge lists, the co-occurrence matrix as a DL file; links by
relation and without repeats."""

from __future__ import annotations

import csv
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import replace
from pathlib import Path

import networkx as nx
import pytest

from pipeline.corpus.build import CorpusResult
from pipeline.corpus.graph import build_graph, county_practice_edges, unique_links
from pipeline.corpus.practice_tables import Cooccurrence, cooccurrence, cooccurrence_pairs
from pipeline.io import rows, writers
from pipeline.model import DocResult, Link
from tests.records import figure, link, measure, mention, place, result

GRAPHML = "{http://graphml.graphdrawing.org/xmlns}"
GEXF = "{http://www.gexf.net/1.2draft}"


def _results() -> list[DocResult]:
    """Two reports on one county naming the same practice (so the graph has parallel edges), with an achieved,
    a baseline and a target figure."""
    out = []
    for doc_id in ("a", "b"):
        prog = measure(doc_id, "联社共建", start=5)
        done = figure(doc_id, "带动农户", 800.0, "户", start=40, end=44, date="2020")
        before = figure(doc_id, "贫困户", 1200.0, "户", start=60, end=65, date="2015")
        goal = figure(doc_id, "带动农户", 3000.0, "户", start=80, end=85, date="2025")
        out.append(
            result(
                doc_id,
                title=f"调研{doc_id}",
                places=[place(doc_id, "522632", "榕江县", province="贵州省", prefecture="黔东南苗族侗族自治州")],
                measures=[prog, measure(doc_id, "两先两后", "slogan", start=20, components=["先甲后乙", "先丙后丁"])],
                figures=[done, before, goal],
                links=[
                    link(prog, done, start=35, end=50),
                    replace(link(prog, before, start=55, end=66), relation="baseline"),
                    replace(link(prog, goal, start=75, end=86), relation="target"),
                ],
            )
        )
    return out


@pytest.fixture()
def exported(tmp_path: Path) -> tuple[nx.MultiDiGraph, Path]:
    g = build_graph(_results(), similar=[("联社共建", "两先两后", 0.5)])
    writers.write_graph(tmp_path, g)
    return g, tmp_path


def _neo4j(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    raw = path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf"), "neo4j-admin would read the BOM as part of the first header"
    text = raw.decode("utf-8").splitlines()
    return next(csv.reader(text[:1])), list(csv.DictReader(text))


def test_graphml_edge_ids_are_unique(exported: tuple[nx.MultiDiGraph, Path]) -> None:
    g, out = exported
    assert any(n > 1 for n in Counter((u, v) for u, v in g.edges()).values()), "the test needs parallel edges"
    edges = ET.parse(out / "graph.graphml").getroot().iter(f"{GRAPHML}edge")
    ids = [e.get("id") for e in edges]
    assert len(ids) == g.number_of_edges() and None not in ids
    assert len(set(ids)) == len(ids)  # Gephi merges edges sharing an id
    back = nx.read_graphml(out / "graph.graphml")
    assert back.number_of_edges() == g.number_of_edges()


def test_gexf_is_static_with_char_offsets(exported: tuple[nx.MultiDiGraph, Path]) -> None:
    _, out = exported
    root = ET.parse(out / "graph.gexf").getroot()
    graph = root.find(f"{GEXF}graph")
    assert graph is not None and graph.get("mode") == "static"
    for el in root.iter():
        assert el.get("start") is None and el.get("end") is None, el.tag  # Gephi reads them as time intervals
    titles = {a.get("title") for a in root.iter(f"{GEXF}attribute")}
    assert {"char_start", "char_end", "type", "relation"} <= titles
    assert not titles & {"start", "end"}
    ids = [e.get("id") for e in root.iter(f"{GEXF}edge")]
    assert len(set(ids)) == len(ids)
    nx.read_gexf(out / "graph.gexf")


def test_one_type_and_relation_naming_across_exports(exported: tuple[nx.MultiDiGraph, Path]) -> None:
    g, out = exported
    graphml = nx.read_graphml(out / "graph.graphml")
    gexf = nx.read_gexf(out / "graph.gexf")
    _, nodes = _neo4j(out / "neo4j" / "nodes.csv")
    _, rels = _neo4j(out / "neo4j" / "relationships.csv")
    for r in nodes:
        n = r["id:ID"]
        assert r[":LABEL"] == r["type"] == graphml.nodes[n]["type"] == gexf.nodes[n]["type"] == g.nodes[n]["type"]
    by_id = {k: d["relation"] for _, _, k, d in graphml.edges(keys=True, data=True)}
    assert {r["id"]: r[":TYPE"] for r in rels} == by_id
    assert set(by_id.values()) == {d["relation"] for _, _, d in g.edges(data=True)}


def test_neo4j_headers_are_typed(exported: tuple[nx.MultiDiGraph, Path]) -> None:
    _, out = exported
    node_cols, nodes = _neo4j(out / "neo4j" / "nodes.csv")
    rel_cols, rels = _neo4j(out / "neo4j" / "relationships.csv")
    assert node_cols[:4] == ["id:ID", ":LABEL", "type", "label"]
    assert {"value:double", "order:int"} <= set(node_cols)
    assert rel_cols[:4] == [":START_ID", ":END_ID", ":TYPE", "id"]
    assert {"char_start:int", "char_end:int", "weight:double"} <= set(rel_cols)
    assert not {"value", "start", "end", "char_start", "weight"} & set(node_cols + rel_cols)  # untyped or old
    ids = {r["id:ID"] for r in nodes}
    assert all(r[":START_ID"] in ids and r[":END_ID"] in ids for r in rels)
    for r in rels:  # what neo4j-admin parses as int / double
        assert all(int(r[c]) >= 0 for c in ("char_start:int", "char_end:int") if r[c])
        if r["weight:double"]:
            float(r["weight:double"])
    assert {float(r["value:double"]) for r in nodes if r["value:double"]} == {800.0, 1200.0, 3000.0}


def test_links_keep_their_relation_and_only_achieved_are_outcomes() -> None:
    res = _results()
    assert {r["relation"] for r in rows.link_rows(res[0])} == {"achieved", "baseline", "target"}
    g = build_graph(res)
    to_figures = [
        (g.nodes[v]["label"], d["relation"])
        for _, v, d in g.out_edges("Practice:联社共建", data=True)
        if g.nodes[v]["type"] == "Figure"
    ]
    assert sorted(set(to_figures)) == [
        ("带动农户 3000户", "target"),
        ("带动农户 800户", "achieved"),
        ("贫困户 1200户", "baseline"),
    ]
    outcomes = {g.nodes[v]["label"] for _, v, d in g.edges(data=True) if d["relation"] == "achieved"}
    assert outcomes == {"带动农户 800户"}


def _repeated_paragraph() -> DocResult:
    """A page printing one paragraph twice: the same practice → 800户 link with the same evidence text."""
    prog = measure("r", "联社共建", start=0)
    first = figure("r", "带动农户", 800.0, "户", start=10, end=14)
    again = figure("r", "带动农户", 800.0, "户", start=110, end=114)
    ev = "联社共建带动农户800户"
    links = [
        Link(prog, first, "achieved", "rule:same_sentence", mention("r", 5, 16, ev)),
        Link(prog, again, "achieved", "rule:same_sentence", mention("r", 105, 116, ev)),
        Link(prog, again, "baseline", "rule:same_sentence", mention("r", 105, 116, ev)),  # another relation: kept
    ]
    return result("r", places=[place("r", "522632", "榕江县")], measures=[prog], figures=[first, again], links=links)


def test_repeated_evidence_appears_once() -> None:
    r = _repeated_paragraph()
    assert len(unique_links(r.links)) == 2
    got = [(x["practice"], x["value"], x["unit"], x["relation"]) for x in rows.link_rows(r)]
    assert got == [("联社共建", 800.0, "户", "achieved"), ("联社共建", 800.0, "户", "baseline")]
    g = build_graph([r])
    achieved = [e for e in g.edges(data=True) if e[2]["relation"] == "achieved"]
    assert len(achieved) == 1


def test_weighted_edge_lists() -> None:
    res = _results()
    res[0].doc.text = "联社共建和两先两后一起推行。\n两先两后。"
    res[1].doc.text = "联社共建与两先两后。\n联社共建。"
    g = build_graph(res)
    cp = {(e.county, e.practice): e for e in county_practice_edges(g)}
    assert cp[("榕江县", "联社共建")].weight == 2 and cp[("榕江县", "联社共建")].doc_ids == ("a", "b")
    co = cooccurrence(res)
    pairs = cooccurrence_pairs(co)
    assert [(p.source, p.target, p.weight, p.unit) for p in pairs] == [("两先两后", "联社共建", 2, "paragraph")]
    corpus = CorpusResult(graph=g, county_practice=county_practice_edges(g), practice_pairs=pairs)
    (row,) = [r for r in rows.county_practice_edge_rows(corpus) if r["target"] == "联社共建"]
    assert row | {"target_id": ""} == {
        "source": "榕江县", "target": "联社共建", "weight": 2, "type": "Directed", "county_code": "522632",
        "source_id": "County:522632", "target_id": "", "doc_ids": "a;b",
    }  # fmt: skip
    assert rows.practice_edge_rows(corpus) == [
        {"source": "两先两后", "target": "联社共建", "weight": 2, "type": "Undirected", "unit": "paragraph"}
    ]


def parse_dl(text: str) -> tuple[dict[str, str], list[str], str, list[list[int]]]:
    """(header settings, node labels, matrix label, matrix) of a DL full-matrix file as this project writes it."""
    lines = [ln for ln in text.splitlines() if ln.strip()]
    assert lines[0].startswith("DL ")
    head: dict[str, str] = {}
    i = 0
    while not lines[i].upper().endswith(":"):
        for tok in lines[i].replace(" = ", "=").split():
            if "=" in tok:
                k, v = tok.split("=", 1)
                head[k.upper()] = v.upper()
        i += 1
    labels: list[str] = []
    matrix_label = ""
    while lines[i].upper() != "DATA:":
        if lines[i].upper() == "LABELS:":
            labels = lines[i + 1].split(",")
        elif lines[i].upper() == "MATRIX LABELS:":
            matrix_label = lines[i + 1]
        i += 2
    return head, labels, matrix_label, [[int(x) for x in ln.split()] for ln in lines[i + 1 :]]


def test_cooccurrence_dl_parses(tmp_path: Path) -> None:
    terms = ["社社联建", "企业+合作社, 农户", "金穗贷"]
    counts: Counter[tuple[str, str]] = Counter({("社社联建", "社社联建"): 3, ("金穗贷", "金穗贷"): 1})
    counts.update({("社社联建", "金穗贷"): 1, ("金穗贷", "社社联建"): 1})
    co = Cooccurrence("paragraph", terms, counts)
    assert writers.write_dl(tmp_path / "cooccurrence.dl", co) == 3
    raw = (tmp_path / "cooccurrence.dl").read_bytes()
    assert raw.startswith(b"DL N=3")  # no BOM: Gephi checks the first characters
    head, labels, unit, matrix = parse_dl(raw.decode("utf-8"))
    assert head["N"] == "3" and head["FORMAT"] == "FULLMATRIX"
    assert labels == ["社社联建", "企业+合作社__农户", "金穗贷"]  # separators replaced
    assert unit == "paragraphs_naming_both"
    assert matrix == [[3, 0, 1], [0, 0, 0], [1, 0, 1]]
    assert writers.dl_labels(["a b", "a,b"]) == ["a_b", "a_b#2"]


def test_empty_cooccurrence_dl(tmp_path: Path) -> None:
    writers.write_dl(tmp_path / "c.dl", Cooccurrence("paragraph", [], Counter()))
    head, labels, unit, matrix = parse_dl((tmp_path / "c.dl").read_text(encoding="utf-8"))
    assert head["N"] == "0" and labels == [] and matrix == [] and unit == "paragraphs_naming_both"
