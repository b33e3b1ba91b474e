"""The typed store (kg.duckdb) and the queries over it, through the CLI as a user runs them: numbers sort and
sum, booleans are booleans, JSON numbers are numbers, --out picks the store, traditional-script names, paths in
their direction, normalized quotes, exact indicators. The store is written from made-up records."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.corpus.build import build_corpus
from pipeline.corpus.graph import build_graph
from pipeline.io import schema
from pipeline.io.output import write_outputs
from pipeline.io.store import write_duckdb
from pipeline.learn.indicators import IndicatorMapper, IndicatorVocabulary
from pipeline.model import Figure, Link, Mention
from tests.records import figure, measure, place, result

REPO = Path(__file__).resolve().parents[2]
runner = CliRunner()
GLOSSED = "社社聯建带动\n合作社运(yùn)营，脱贫人口1200人。"  # raw evidence: traditional script, a line break, a gloss


def _fig(indicator: str, value: float, unit: str, start: int, std: str, page: int | None = None, **kw: Any) -> Figure:
    f = figure("d1", indicator, value, unit, start=start, date=kw.pop("date", "2020"), county_code="522632")
    mention = dataclasses.replace(f.mention, page=page)
    return dataclasses.replace(f, mention=mention, indicator_std=std, county="榕江县", **kw)


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    practice = measure("d1", "社社联建", start=10, county_code="522632")
    poor = _fig("脱贫人口", 1200.0, "人", 40, "脱贫人口", page=2)
    figures = [
        poor,
        _fig("脱贫人口", 5000.0, "人", 60, "脱贫人口", status="target", date="2025"),
        _fig("总人口", 380000.0, "人", 80, "总人口", date="2019"),
        _fig("村集体经济收入", 64950000.0, "元", 100, "村集体经济收入", date="2019-06"),
        _fig("发放贷款", 167550000.0, "元", 120, "发放贷款"),
    ]
    evidence = Mention("d1", 30, 55, 30, 30 + len(GLOSSED), 2, "EVIDENCE", GLOSSED, GLOSSED, "test")
    r = result(
        "d1",
        title="榕江县调研",
        places=[
            place("d1", "522632", "榕江县"),
            place("d1", "520000", "贵州省", level="province", focal=False, start=5),
        ],
        measures=[practice],
        figures=figures,
        links=[Link(practice, poor, "achieved", "rule:test", evidence)],
    )
    base = tmp_path_factory.mktemp("store")
    write_outputs(
        base / "out", [r], build_corpus([r], IndicatorMapper(IndicatorVocabulary.load(REPO / "models"), None))
    )
    return base / "out"


def _query(out: Path, *args: str) -> Any:
    got = runner.invoke(app, ["query", *args, "--out", str(out), "--format", "json"])
    assert got.exit_code == 0, got.output
    assert f"store: {out / 'kg.duckdb'}" in got.stderr
    return json.loads(got.stdout)


def test_numbers_sort_and_sum_as_numbers(out: Path) -> None:
    sql = "select indicator, value from figures where unit='元' order by value desc"
    rows = _query(out, "sql", sql)["result"]
    assert [r["value"] for r in rows] == [167550000.0, 64950000.0]  # as text, 64950000 would come first
    assert all(isinstance(r["value"], float) for r in rows)  # JSON numbers, not strings
    (total,) = _query(out, "sql", "select sum(value) as s from figures where unit = '元'")["result"]
    assert total["s"] == 167550000.0 + 64950000.0


def test_booleans_integers_and_dates_are_typed(out: Path) -> None:
    rows = _query(out, "sql", "select name, focal from places order by name")["result"]
    assert {r["name"]: r["focal"] for r in rows} == {"榕江县": True, "贵州省": False}
    assert _query(out, "sql", "select count(*) as n from places where focal")["result"] == [{"n": 1}]
    rows = _query(out, "sql", "select page, start from figures where page is not null")["result"]
    assert rows == [{"page": 2, "start": 40}]
    dates = {r["date"] for r in _query(out, "sql", "select date from figures")["result"]}
    assert dates == {"2020", "2025", "2019", "2019-06"}
    got = _query(out, "sql", "select table_name, column_name, data_type from information_schema.columns")
    types = {(r["table_name"], r["column_name"]): r["data_type"] for r in got["result"]}
    for table, cols in (("figures", schema.FIGURE_COLUMNS), ("places", schema.PLACE_COLUMNS)):
        for col, kind in schema.column_types(table, cols).items():
            assert types[(table, col)] == schema.SQL_TYPES[kind], (table, col)
    assert types[("figures", "value")] == "DOUBLE" and types[("places", "focal")] == "BOOLEAN"
    assert types[("places", "level")] == "VARCHAR" and types[("links", "evidence_start")] == "INTEGER"
    assert types[("edges", "start")] == "INTEGER" and types[("compare_counties", "发放贷款(元)")] == "DOUBLE"


def test_out_picks_the_store_and_a_missing_one_is_named(out: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    write_duckdb(other / "kg.duckdb", {"documents": ([], schema.DOCUMENT_COLUMNS)}, build_graph([]))
    assert _query(other, "sql", "select count(*) as n from documents")["result"] == [{"n": 0}]
    assert _query(out, "sql", "select count(*) as n from documents")["result"] == [{"n": 1}]
    got = runner.invoke(app, ["query", "county", "榕江县", "--out", str(tmp_path / "nowhere")])
    assert got.exit_code == 1 and "store not found" in got.stderr and "nowhere" in got.stderr


def test_traditional_names_are_converted(out: Path) -> None:
    county = _query(out, "county", "榕江縣")
    assert [d["doc_id"] for d in county["documents"]] == ["d1"]
    assert "社社联建" in {p["name"] for p in county["practices"]}
    practice = _query(out, "practice", "社社聯建")
    assert {c["county"] for c in practice["counties"]} == {"榕江县"}


def test_quotes_are_normalized_text(out: Path) -> None:
    for got in (_query(out, "practice", "社社联建")["outcomes"], _query(out, "county", "榕江县")["outcomes"]):
        assert [o["quote"] for o in got] == ["社社联建带动合作社运营，脱贫人口1200人。"]
        assert got[0]["value"] == 1200.0 and got[0]["evidence_start"] == 30


def test_path_gives_edges_in_their_direction(out: Path) -> None:
    steps = _query(out, "path", "社社聯建", "榕江縣")["result"]
    assert [(s["from"], s["relation"], s["to"], s["along"]) for s in steps] == [("榕江县", "ran", "社社联建", "←")]
    steps = _query(out, "path", "榕江县", "社社联建")["result"]
    assert [(s["from"], s["to"], s["along"]) for s in steps] == [("榕江县", "社社联建", "→")]


def test_indicator_matches_the_canonical_name_not_substrings(out: Path) -> None:
    rows = _query(out, "indicator", "脱贫人口")["result"]
    assert [(r["indicator_std"], r["value"], r["status"]) for r in rows] == [("脱贫人口", 1200.0, "actual")]
    # a phrase goes through the vocabulary's rules (常住人口 and 人口 are 总人口), never a substring match
    for phrase in ("常住人口", "人口"):
        rows = _query(out, "indicator", phrase)["result"]
        assert {r["indicator_std"] for r in rows} == {"总人口"}, phrase
    got = runner.invoke(app, ["query", "indicator", "人均住房面积", "--out", str(out)])
    assert got.exit_code == 1 and "no indicator named" in got.stderr
