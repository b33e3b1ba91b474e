"""End to end through the CLI: extract a small corpus with bad files, then query the store."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app

REPO = Path(__file__).resolve().parent.parent
REPORT = (
    "黎平县“合作联营”模式助推产业发展的调查\n"
    "○ 课题组\n"
    "一、基本情况\n"
    "黎平县位于贵州省黔东南州。2015年全县有建档立卡贫困户2.1万户、8.3万人，贫困发生率22.5%。\n"
    "二、主要做法\n"
    "黎平县创新“合作联营”模式，推行“三统一”：统一种苗、统一技术、统一销售。县里推出“茶农贷”产品。\n"
    "三、取得成效\n"
    "截至2020年底，“合作联营”累计带动贫困户6800户增收，发放“茶农贷”1.2亿元，同比增长15.3%。\n"
    "四、下步打算\n"
    "力争到2025年，全县建档立卡贫困户控制在500户以内，户均分红达到3000元。\n"
)

runner = CliRunner()

# Every test here runs `extract` over a small corpus through the CLI (the whole pipeline).
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("cli")
    corpus = base / "corpus"
    (corpus / "sub").mkdir(parents=True)
    (corpus / "sub" / "liping.txt").write_text(REPORT, encoding="utf-8")
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "garbage.txt").write_bytes(bytes(range(256)) * 8)
    (corpus / "notes.xyz").write_text("?", encoding="utf-8")
    out = base / "out"
    result = runner.invoke(app, ["extract", str(corpus), "--out", str(out), "--models-dir", str(REPO / "models")])
    assert result.exit_code == 0, result.output
    return base


def _rows(path: Path) -> list[dict[str, str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), f"{path.name} lacks the UTF-8 BOM"
    return list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))


def test_bad_files_become_rows_and_good_ones_are_mined(run_dir: Path) -> None:
    docs = {r["doc_id"]: r for r in _rows(run_dir / "out" / "documents.csv")}
    assert docs["sub/liping"]["status"] == "ok"
    assert docs["sub/liping"]["county"] == "黎平县"
    for bad in ("empty", "garbage", "notes"):
        assert docs[bad]["status"] == "failed" and docs[bad]["error"], docs[bad]
    figures = _rows(run_dir / "out" / "figures.csv")
    assert any(r["value"] == "21000" and r["unit"] == "户" and r["date"] == "2015" for r in figures)
    measures = _rows(run_dir / "out" / "measures.csv")
    assert {"合作联营", "茶农贷"} <= {r["name"] for r in measures}
    links = _rows(run_dir / "out" / "links.csv")
    assert any(r["practice"] == "合作联营" and r["value"] == "6800" for r in links)
    text = (run_dir / "out" / "text" / "sub" / "liping.txt").read_text(encoding="utf-8")
    for r in figures:
        assert text[int(r["start"]) : int(r["end"])] == r["raw"]


def test_csv_cells_are_typed_consistently(run_dir: Path) -> None:
    """Integers never 3.0, dates ISO-like never 2014.0, section paths text like 1.1."""
    import re

    from pipeline.io import schema

    patterns = {
        schema.INTEGER: r"-?\d+",
        schema.DOUBLE: r"-?\d+(\.\d+)?(e[-+]?\d+)?",
        schema.BOOLEAN: r"true|false",
        schema.DATE: r"\d{4}(-\d{2}(-\d{2})?)?",
    }
    checked: set[str] = set()
    for path in sorted((run_dir / "out").glob("*.csv")):
        rows = _rows(path)
        if not rows:
            continue
        for col, kind in schema.column_types(path.name, list(rows[0])).items():
            if kind in patterns:
                checked.add(kind)
                bad = [r[col] for r in rows if r[col] and not re.fullmatch(patterns[kind], r[col])]
                assert not bad, (path.name, col, bad[:3])
    assert checked == set(patterns)
    paths = [r["path"] for r in _rows(run_dir / "out" / "sections.csv")]
    assert paths and all(re.fullmatch(r"\d+(\.\d+)*", p) for p in paths)


def test_strict_fails_the_run_on_bad_files(run_dir: Path) -> None:
    out = run_dir / "strict_out"
    result = runner.invoke(app, ["extract", str(run_dir / "corpus"), "--out", str(out), "--strict"])
    assert result.exit_code == 1
    assert (out / "documents.csv").exists()  # outputs are still written


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["county", "黎平"], "合作联营"),
        (["practice", "合作联营"], "黎平县"),
        (["indicator", "建档立卡贫困户"], "21000"),
        (["path", "黎平县", "合作联营"], "ran"),
        (["sql", "select count(*) as n from documents"], "4"),
    ],
)
def test_queries(run_dir: Path, args: list[str], needle: str) -> None:
    result = runner.invoke(app, ["query", *args, "--out", str(run_dir / "out"), "--format", "json"])
    assert result.exit_code == 0, result.output
    json.loads(result.stdout)
    assert needle in result.stdout
    assert result.stderr.strip() == f"store: {run_dir / 'out' / 'kg.duckdb'}"
    db = run_dir / "out" / "kg.duckdb"  # --db names the file itself
    assert runner.invoke(app, ["query", *args, "--db", str(db), "--format", "json"]).stdout == result.stdout


def test_indicator_query_and_compare_tables_keep_targets_out(run_dir: Path) -> None:
    db = run_dir / "out" / "kg.duckdb"
    result = runner.invoke(app, ["query", "indicator", "建档立卡贫困户", "--db", str(db), "--format", "json"])
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)["result"]
    assert {r["value"] for r in found} == {21000}
    assert all(r["status"] == "actual" and r["indicator_std"] == "建档立卡贫困户" for r in found)
    figures = _rows(run_dir / "out" / "figures.csv")
    target = next(r for r in figures if r["value"] == "500" and r["unit"] == "户")
    assert (target["status"], target["indicator_std"]) == ("target", "建档立卡贫困户")
    assert any(r["per"] == "户" and r["value"] == "3000" for r in figures)
    wide = _rows(run_dir / "out" / "compare_counties.csv")
    assert [r["建档立卡贫困户(户)"] for r in wide] == ["21000"]
    long = _rows(run_dir / "out" / "compare_counties_long.csv")
    assert ("建档立卡贫困户", "21000", "户", "") in {
        (r["indicator_std"], r["value"], r["unit"], r["per"]) for r in long
    }
    assert all(r["value"] != "500" for r in long)


def test_unknown_name_gets_suggestions(run_dir: Path) -> None:
    db = run_dir / "out" / "kg.duckdb"
    result = runner.invoke(app, ["query", "practice", "合作联盟", "--db", str(db)])
    assert result.exit_code == 1
    assert "did you mean" in result.output and "合作联营" in result.output


def test_csv_format(run_dir: Path) -> None:
    result = runner.invoke(app, ["query", "county", "黎平县", "--out", str(run_dir / "out"), "--format", "csv"])
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0].startswith("section,")


def test_graph_has_county_practice_outcome_path(run_dir: Path) -> None:
    import networkx as nx

    g = nx.read_graphml(run_dir / "out" / "graph.graphml")
    county = next(n for n, d in g.nodes(data=True) if d.get("type") == "County" and d.get("label") == "黎平县")
    figs = [n for n in g.successors("Practice:合作联营") if g.nodes[n].get("type") == "Figure"]
    assert figs and g.has_edge(county, "Practice:合作联营")


def test_review_pages(run_dir: Path) -> None:
    out = run_dir / "review_out"
    corpus = run_dir / "corpus"
    result = runner.invoke(app, ["extract", str(corpus), "--out", str(out), "--review"])
    assert result.exit_code == 0, result.output
    page = (out / "review" / "sub" / "liping.html").read_text(encoding="utf-8")
    assert "合作联营" in page and "COUNTY" in page


def test_a_stage_bug_costs_the_document_not_the_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import pipeline.extract.annotate

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(pipeline.extract.annotate, "link_outcomes", boom)
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "a.txt").write_text(REPORT, encoding="utf-8")
    result = runner.invoke(app, ["extract", str(corpus), "--out", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    row = _rows(tmp_path / "o" / "documents.csv")[0]
    assert row["status"] == "partial" and "simulated bug" in row["error"] and row["error_code"] == "E102"
    assert _rows(tmp_path / "o" / "figures.csv")  # the other findings are kept
