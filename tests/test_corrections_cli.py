"""The corrections file through the CLI: a tiny corpus written here, `extract` run with and without it."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app

REPO = Path(__file__).resolve().parent.parent
LIPING = (
    "黎平县“合作联营”模式助推产业发展的调查\n"
    "○ 课题组\n"
    "一、基本情况\n"
    "黎平县位于贵州省黔东南州。2015年全县有建档立卡贫困户2.1万户、8.3万人，贫困发生率22.5%。\n"
    "二、主要做法\n"
    "黎平县创新“合作联营”模式，推行“三统一”：统一种苗、统一技术、统一销售。县里推出“茶农贷”产品。\n"
    "各村推广“合作联营模式”。\n"
    "三、取得成效\n"
    "截至2020年底，“合作联营”累计带动贫困户6800户增收，发放“茶农贷”1.2亿元，同比增长15.3%。"
    "2020年全县茶叶综合收入3.2亿元。\n"
)
NOTE = (
    "某地推行“茶园托管”的做法\n"
    "一、主要做法\n"
    "当地推行“茶园托管”，由合作社统一管护茶园。2021年托管茶园1.5万亩，带动农户增收2800万元。\n"
)
# merge and reject in traditional script too: names are read in simplified script
CORRECTIONS = (
    "action,name,into,note\n"
    "merge,合作聯營模式,合作联营,one practice\n"
    "reject,三统一,practice,a slogan we do not code\n"
    "indicator,茶叶综合收入,产值,\n"
    "county,note,榕江县,the note is about 榕江\n"
    "reject,不存在的做法,,\n"
)

runner = CliRunner()
pytestmark = pytest.mark.slow  # each run is the whole pipeline


def _rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(path.read_bytes().decode("utf-8-sig").splitlines()))


def _extract(corpus: Path, out: Path, *extra: str) -> str:
    args = ["extract", str(corpus), "--out", str(out), "--models-dir", str(REPO / "models"), *extra]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return " ".join(result.output.split())  # rich wraps long lines


def _tables(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.glob("*.csv"))}


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    base = tmp_path_factory.mktemp("fixes")
    corpus = base / "corpus"
    corpus.mkdir()
    (corpus / "liping.txt").write_text(LIPING, encoding="utf-8")
    (corpus / "note.txt").write_text(NOTE, encoding="utf-8")
    plain = _extract(corpus, base / "plain")
    (corpus / "corrections.csv").write_text(CORRECTIONS, encoding="utf-8")
    first = _extract(corpus, base / "first")
    second = _extract(corpus, base / "second")
    return {"base": base, "corpus": corpus, "plain": plain, "first": first, "second": second}


def test_without_corrections_nothing_changes(runs: dict[str, object]) -> None:
    base = runs["base"]
    assert isinstance(base, Path)
    names = {r["name"] for r in _rows(base / "plain" / "measures.csv")}
    assert {"合作联营", "合作联营模式", "三统一"} <= names
    assert _rows(base / "plain" / "corrections_applied.csv") == []
    assert "corrections:" not in str(runs["plain"])


def test_merge_and_reject_through_the_cli(runs: dict[str, object]) -> None:
    base = runs["base"]
    assert isinstance(base, Path)
    measures = _rows(base / "first" / "measures.csv")
    names = [r["name"] for r in measures]
    assert "合作联营模式" not in names and "三统一" not in names
    merged = [r for r in measures if r["name"] == "合作联营" and r["aliases"]]
    assert [r["aliases"] for r in merged] == ["合作联营模式"]
    practices = {r["practice"]: r for r in _rows(base / "first" / "practices.csv")}
    assert "三统一" not in practices and "合作联营模式" not in practices
    assert practices["合作联营"]["aliases"] == "合作联营模式"
    assert practices["合作联营"]["aliases_by_correction"] == "合作联营模式"
    assert practices["合作联营"]["counties"] == "黎平县" and practices["合作联营"]["documents"] == "liping (2)"
    assert "三统一" not in {r["practice"] for r in _rows(base / "first" / "compare_practices.csv")}
    assert "三统一" not in (base / "first" / "graph.graphml").read_text(encoding="utf-8")


def test_indicator_and_county_through_the_cli(runs: dict[str, object]) -> None:
    base = runs["base"]
    assert isinstance(base, Path)
    figs = _rows(base / "first" / "figures.csv")
    assert [r["indicator_std"] for r in figs if r["indicator"] == "茶叶综合收入"] == ["产值"]
    long = _rows(base / "first" / "compare_counties_long.csv")
    assert ("黎平县", "产值", "320000000") in {(r["county"], r["indicator_std"], r["value"]) for r in long}
    docs = {r["doc_id"]: r for r in _rows(base / "first" / "documents.csv")}
    assert (docs["note"]["county"], docs["note"]["county_code"]) == ("榕江县", "522632")
    assert {r["county"] for r in figs if r["doc_id"] == "note"} == {"榕江县"}
    assert "榕江县" in {r["county"] for r in _rows(base / "first" / "compare_counties.csv")}


def test_summary_and_report_count_each_rule(runs: dict[str, object]) -> None:
    base = runs["base"]
    assert isinstance(base, Path)
    report = _rows(base / "first" / "corrections_applied.csv")
    got = {(r["line"], r["action"]): (int(r["rows"]), r["detail"]) for r in report}
    assert got[("2", "merge")] == (1, "1 measures")
    assert got[("3", "reject")][0] >= 1 and "measures" in got[("3", "reject")][1]
    assert got[("4", "indicator")] == (1, "1 figures")
    assert got[("5", "county")][0] >= 3  # the note's figures and measure, and its new focal place
    assert got[("6", "reject")] == (0, "no match")
    assert report[3]["into"] == "榕江县 (522632)"
    out = str(runs["first"])
    assert "corrections: 5 rule(s) from" in out
    assert "line 2: merge 合作联营模式 → 合作联营: 1 row(s) (1 measures)" in out
    assert "warning: line 6: reject 不存在的做法: 0 row(s) (no match) — matched nothing" in out


def test_rerun_gives_the_same_result_and_never_writes_the_file_back(runs: dict[str, object]) -> None:
    base, corpus = runs["base"], runs["corpus"]
    assert isinstance(base, Path) and isinstance(corpus, Path)
    assert _tables(base / "first") == _tables(base / "second")
    first, second = str(runs["first"]), str(runs["second"])
    assert first.split("corrections:")[1] == second.split("corrections:")[1]  # the same summary of the rules
    assert (corpus / "corrections.csv").read_text(encoding="utf-8") == CORRECTIONS
    assert "corrections.csv" not in {r["source"] for r in _rows(base / "first" / "documents.csv")}


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ("action,name,into,note\nmerge,甲,乙,\nmrege,丙,丁,\n", "line 3: unknown action 'mrege'"),
        ("action,name,into,note\nmerge,合作联营模式,,\n", "line 2: merge of '合作联营模式' without into"),
        ("action,name,into,note\nindicator,茶叶综合收入,茶叶产值,\n", "line 2: unknown indicator '茶叶产值'"),
        ("action,name,into,note\ncounty,note,不存在县,\n", "line 2: unknown county '不存在县'"),
    ],
)
def test_bad_rows_stop_the_run_before_any_work(tmp_path: Path, body: str, needle: str) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "note.txt").write_text(NOTE, encoding="utf-8")
    fixes = tmp_path / "my_fixes.csv"
    fixes.write_text(body, encoding="utf-8")
    out = tmp_path / "out"
    result = runner.invoke(app, ["extract", str(corpus), "--out", str(out), "--corrections", str(fixes)])
    text = " ".join(result.output.split())
    assert result.exit_code == 2, text
    assert f"my_fixes.csv, {needle}" in text
    assert not out.exists()


def test_a_missing_corrections_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "c").mkdir()
    result = runner.invoke(app, ["extract", str(tmp_path / "c"), "--corrections", str(tmp_path / "nope.csv")])
    assert result.exit_code == 2
    assert "corrections file not found" in " ".join(result.output.split())
