"""Graph from typed records, its exports and the DuckDB store."""

from __future__ import annotations

from pathlib import Path

import duckdb
import networkx as nx
import pytest

from pipeline.corpus.graph import build_graph
from pipeline.io import rows, schema
from pipeline.io import writers as export
from pipeline.io.store import write_duckdb
from pipeline.model import DocResult
from tests.records import figure, link, measure, place, result


def _results() -> list[DocResult]:
    prog = measure("d1", "联社共建", start=5)
    fig = figure("d1", "发放贷款", 3.0e7, "元", start=40, end=46, date="2020")
    return [
        result(
            "d1",
            title="某县调研",
            places=[place("d1", "522632", "榕江县", province="贵州省", prefecture="黔东南苗族侗族自治州")],
            measures=[
                prog,
                measure("d1", "两先两后", "slogan", start=20, components=["先甲后乙", "先丙后丁"]),
                measure("d1", "惠农贷", "loan_product", start=30),
            ],
            figures=[fig],
            links=[link(prog, fig, start=35, end=50)],
        )
    ]


def test_county_practice_outcome_path() -> None:
    g = build_graph(_results())
    assert nx.has_path(g, "County:522632", "Figure:d1@40")
    path = nx.shortest_path(g, "County:522632", "Figure:d1@40")
    assert [g.nodes[n]["type"] for n in path] == ["County", "Practice", "Figure"]
    assert g.has_edge("County:522632", "Prefecture:522600")
    assert g.has_edge("Prefecture:522600", "Province:520000")
    steps = [v for _, v, d in g.out_edges("Measure:两先两后", data=True) if d["relation"] == "has_step"]
    assert len(steps) == 2
    assert all("relation" in d for _, _, d in g.edges(data=True))
    assert all("type" in d and "label" in d for _, d in g.nodes(data=True))


def test_exports_round_trip(tmp_path: Path) -> None:
    g = build_graph(_results())
    counts = export.write_graph(tmp_path, g)
    back = nx.read_graphml(tmp_path / "graph.graphml")
    assert back.number_of_nodes() == counts["nodes"] == g.number_of_nodes()
    nx.read_gexf(tmp_path / "graph.gexf")
    header = (tmp_path / "neo4j" / "relationships.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    assert header.startswith(":START_ID,:END_ID,:TYPE")


def test_duckdb_store_is_queryable_and_rebuilt(tmp_path: Path) -> None:
    g = build_graph(_results())
    db = tmp_path / "kg.duckdb"
    res = _results()
    tables = {
        "figures": (rows.figure_rows(res[0]), schema.FIGURE_COLUMNS),
        "documents": ([rows.document_row(res[0])], schema.DOCUMENT_COLUMNS),
    }
    for _ in range(2):  # idempotent rebuild
        write_duckdb(db, tables, g)
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("select value from figures_typed").fetchone() == (3.0e7,)
    n_edges = con.execute("select count(*) from edges where relation = 'ran'").fetchone()
    assert n_edges is not None and n_edges[0] == 3  # county ran program, formula and loan product
    con.close()


def test_store_opens_in_the_duckdb_shell(tmp_path: Path) -> None:
    import shutil
    import subprocess
    import sys

    shell = shutil.which("duckdb") or str(Path(sys.executable).parent / "duckdb")
    if not Path(shell).exists():
        import pytest

        pytest.skip("duckdb shell not installed")
    g = build_graph(_results())
    db = tmp_path / "kg.duckdb"
    write_duckdb(db, {"figures": (rows.figure_rows(_results()[0]), schema.FIGURE_COLUMNS)}, g)
    out = subprocess.run(
        [shell, "-readonly", "-csv", str(db), "select count(*) as n from nodes"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert out.stdout.splitlines()[-1] == str(g.number_of_nodes())


def test_store_keeps_awkward_values(tmp_path: Path) -> None:
    rows = [{"a": 'x,"y"\nz', "b": None}, {"a": "\\N", "b": True}]
    write_duckdb(tmp_path / "s.duckdb", {"t": (rows, ["a", "b"])}, build_graph([]))
    con = duckdb.connect(str(tmp_path / "s.duckdb"), read_only=True)
    assert con.execute("select a, b from t").fetchall() == [('x,"y"\nz', None), ("\\N", "true")]
    con.close()


@pytest.mark.parametrize("kind", ["organization", "program"])
def test_a_link_from_a_practice_without_a_node_gets_one_the_county_ran(kind: str) -> None:
    """A link from an organization (or from a term the title coins, not among the measures) still makes a
    County → practice → Figure path."""
    org = measure("g1", "某某养殖合作社", kind)
    fig = figure("g1", "带动农户", 800.0, "户", start=20, end=24)
    r = result(
        "g1",
        "某某养殖合作社带动农户800户。",
        places=[place("g1", "520328", "湄潭县")],
        measures=[org] if kind == "organization" else [],
        figures=[fig],
        links=[link(org, fig)],
    )
    g = build_graph([r])
    node = next(n for n, d in g.nodes(data=True) if d.get("label") == "某某养殖合作社")
    assert g.has_edge("County:520328", node)
    assert any(d.get("relation") == "achieved" for _, t, d in g.out_edges(node, data=True) if t.startswith("Figure:"))
