"""What a user gets from `extract` for Gephi, Neo4j, UCINET and hand coding: the graph exports, the edge lists,
the co-occurrence DL file, links by relation without repeats, and policy_tools.csv with its codebook."""

from __future__ import annotations

import csv
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import networkx as nx
import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.learn.policy_tools import SUB_TOOLS, TOOLS, UNCODED
from tests.corpus.test_graph_exports import parse_dl

REPO = Path(__file__).resolve().parent.parent
# An invented report: a paper's keyword line and method statement, a central-leadership quotation, a slogan,
# practices with outcomes, and a results paragraph the page prints twice.
REPORT = (
    "榕江县“产业联营”模式的调查\n"
    "关键词：产业联营；合作社；乡村振兴\n"
    "本文采用案例研究方法，结合问卷调查和深度访谈资料进行分析。\n"
    "一、基本情况\n"
    "榕江县位于贵州省黔东南州。2015年全县有建档立卡贫困户1.8万户，贫困发生率20.1%。\n"
    "习近平总书记指出，绿水青山就是金山银山。\n"
    "二、主要做法\n"
    "榕江县创新“产业联营”模式，县财政安排专项资金3000万元，支持合作社建设标准化大棚。\n"
    "县里推出“菌农贷”产品，由银行向合作社发放低息贷款，县财政给予贴息。\n"
    "牢固树立绿水青山就是金山银山的理念。\n"
    "三、取得成效\n"
    "截至2020年底，“产业联营”累计带动贫困户5200户增收，“菌农贷”累计发放1.5亿元。\n"
    "截至2020年底，“产业联营”累计带动贫困户5200户增收，“菌农贷”累计发放1.5亿元。\n"
    "四、下步打算\n"
    "力争到2025年，“产业联营”带动农户达到8000户。\n"
)

runner = CliRunner()
pytestmark = pytest.mark.slow  # runs `extract` (the whole pipeline)


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("exports")
    (base / "corpus").mkdir()
    (base / "corpus" / "rongjiang.txt").write_text(REPORT, encoding="utf-8")
    result = runner.invoke(
        app, ["extract", str(base / "corpus"), "--out", str(base / "out"), "--models-dir", str(REPO / "models")]
    )
    assert result.exit_code == 0, result.output
    return base / "out"


def _rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(path.read_text(encoding="utf-8-sig").splitlines()))


def test_graph_files_load_clean_in_gephi_and_neo4j(out: Path) -> None:
    ids = [
        e.get("id")
        for e in ET.parse(out / "graph.graphml").getroot().iter("{http://graphml.graphdrawing.org/xmlns}edge")
    ]
    assert len(ids) > 10 and len(set(ids)) == len(ids)
    gexf = (out / "graph.gexf").read_text(encoding="utf-8")
    assert 'mode="static"' in gexf and 'mode="dynamic"' not in gexf and 'title="char_start"' in gexf
    g = nx.read_graphml(out / "graph.graphml")
    nodes = (out / "neo4j" / "nodes.csv").read_text(encoding="utf-8").splitlines()
    rels = (out / "neo4j" / "relationships.csv").read_text(encoding="utf-8").splitlines()
    assert nodes[0].startswith("id:ID,:LABEL,type,label") and "value:double" in nodes[0].split(",")
    assert rels[0].startswith(":START_ID,:END_ID,:TYPE,id") and "char_start:int" in rels[0].split(",")
    assert len(nodes) - 1 == g.number_of_nodes() and len(rels) - 1 == g.number_of_edges()


def test_edge_lists_and_the_dl_matrix(out: Path) -> None:
    cp = _rows(out / "edges_county_practice.csv")
    assert {(r["source"], r["target"], r["weight"], r["type"]) for r in cp} >= {("榕江县", "产业联营", "1", "Directed")}
    pp = _rows(out / "edges_practice_practice.csv")
    assert pp and all(r["type"] == "Undirected" and r["unit"] == "paragraph" and int(r["weight"]) > 0 for r in pp)
    matrix_csv = _rows(out / "cooccurrence.csv")
    head, labels, unit, matrix = parse_dl((out / "cooccurrence.dl").read_text(encoding="utf-8"))
    n = len(matrix_csv)
    assert int(head["N"]) == len(labels) == len(matrix) == n and all(len(row) == n for row in matrix)
    assert unit == "paragraphs_naming_both"
    assert labels == [r["practice"] for r in matrix_csv]
    assert matrix == [[int(r[c]) for c in labels] for r in matrix_csv]


def test_links_have_relations_and_no_repeated_evidence(out: Path) -> None:
    links = _rows(out / "links.csv")
    assert links and {r["relation"] for r in links} <= {"achieved", "baseline", "target"}
    assert "achieved" in {r["relation"] for r in links}
    keys = Counter((r["practice"], r["value"], r["unit"], r["relation"], r["evidence"]) for r in links)
    assert max(keys.values()) == 1  # the paragraph printed twice gives its links once
    g = nx.read_graphml(out / "graph.graphml")
    to_targets = [d["relation"] for _, v, d in g.edges(data=True) if g.nodes[v]["type"] == "Figure"]
    assert set(to_targets) <= {"reports", "achieved", "baseline", "target"}


def test_policy_tools_skip_non_actions_and_export_the_codebook(out: Path) -> None:
    clauses = _rows(out / "policy_tools.csv")
    assert clauses
    texts = " ".join(r["text"] for r in clauses)
    for phrase in ("关键词", "本文采用", "习近平总书记", "牢固树立"):
        assert phrase not in texts
    assert {r["tool"] for r in clauses} <= {*TOOLS, UNCODED}
    assert all(r["sub_tool"] == UNCODED for r in clauses if r["tool"] == UNCODED)
    book = _rows(out / "policy_tools_codebook.csv")
    assert [r["sub_tool"] for r in book] == [*SUB_TOOLS, UNCODED]
    assert all(r["definition"] for r in book) and all(r["example"] for r in book[:-1])
