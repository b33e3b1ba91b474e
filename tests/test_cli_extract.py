"""`extract` as a user meets it: one file as a corpus, --out that is a file, an empty or non-Chinese corpus,
a re-run that leaves no stale per-document files, progress lines, the workbook and formula injection."""

from __future__ import annotations

import csv
import json
from io import StringIO
from pathlib import Path

import pytest
from openpyxl import load_workbook
from rich.console import Console
from typer.testing import CliRunner

import pipeline.run
from pipeline.cli import RunProgress, app

REPO = Path(__file__).resolve().parent.parent
MODELS = ["--models-dir", str(REPO / "models")]
REPORT = (
    "黎平县“合作联营”模式调查\n"
    "一、基本情况\n"
    "黎平县位于贵州省黔东南州。2015年全县有建档立卡贫困户2.1万户、8.3万人。\n"
    "二、取得成效\n"
    "截至2020年底，“合作联营”累计带动贫困户6800户增收，发放“茶农贷”1.2亿元。\n"
)
INJECTED = '=HYPERLINK("http://example.invalid","点击")榕江县全县有贫困户3200户。\n'

runner = CliRunner()


def _extract(*args: str) -> object:
    return runner.invoke(app, ["extract", *args, *MODELS])


def _rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(path.read_text(encoding="utf-8-sig").splitlines()))


def test_out_pointing_to_a_file_is_refused_before_any_work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_work(*args: object, **kwargs: object) -> None:
        raise AssertionError("the run started")

    monkeypatch.setattr(pipeline.run, "run_corpus", no_work)
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "a.txt").write_text(REPORT, encoding="utf-8")
    out = tmp_path / "results.csv"
    out.write_text("mine", encoding="utf-8")
    result = _extract(str(corpus), "--out", str(out))
    assert result.exit_code == 2
    assert "is a file, not a folder" in result.output
    assert out.read_text(encoding="utf-8") == "mine"


def test_a_missing_corpus_is_a_message(tmp_path: Path) -> None:
    result = _extract(str(tmp_path / "nowhere"), "--out", str(tmp_path / "o"))
    assert result.exit_code == 2 and "corpus not found" in result.output
    assert not (tmp_path / "o").exists()


@pytest.mark.slow
def test_one_file_is_a_one_file_corpus(tmp_path: Path) -> None:
    report = tmp_path / "liping.txt"
    report.write_text(REPORT, encoding="utf-8")
    result = _extract(str(report), "--out", str(tmp_path / "o"))
    assert result.exit_code == 0, result.output
    docs = _rows(tmp_path / "o" / "documents.csv")
    assert [(d["doc_id"], d["source"], d["status"]) for d in docs] == [("liping", "liping.txt", "ok")]
    assert (tmp_path / "o" / "text" / "liping.txt").read_text(encoding="utf-8") == REPORT
    assert any(r["value"] == "21000" for r in _rows(tmp_path / "o" / "figures.csv"))


@pytest.mark.slow
def test_an_empty_corpus_warns_and_fails_under_strict(tmp_path: Path) -> None:
    corpus = tmp_path / "empty"
    corpus.mkdir()
    (corpus / "README.md").write_text("说明", encoding="utf-8")  # a README is not a document
    result = _extract(str(corpus), "--out", str(tmp_path / "o"))
    assert result.exit_code == 0, result.output
    assert "warning: the corpus" in result.output and "is empty" in result.output
    assert _rows(tmp_path / "o" / "documents.csv") == []
    strict = _extract(str(corpus), "--out", str(tmp_path / "o2"), "--strict")
    assert strict.exit_code == 1 and "is empty" in strict.output
    assert not (tmp_path / "o2").exists()


@pytest.mark.slow
def test_a_corpus_without_chinese_warns_and_fails_under_strict(tmp_path: Path) -> None:
    corpus = tmp_path / "en"
    corpus.mkdir()
    (corpus / "notes.txt").write_text("Minutes of the meeting. Nothing in Chinese here.\n", encoding="utf-8")
    result = _extract(str(corpus), "--out", str(tmp_path / "o"))
    assert result.exit_code == 0, result.output
    assert "none of the 1 readable document(s) contains Chinese text" in result.output
    strict = _extract(str(corpus), "--out", str(tmp_path / "o"), "--strict")
    assert strict.exit_code == 1 and "no Chinese text" in strict.output
    (corpus / "liping.txt").write_text(REPORT, encoding="utf-8")  # one Chinese document: a note, no failure
    mixed = _extract(str(corpus), "--out", str(tmp_path / "o"), "--strict")
    assert mixed.exit_code == 0, mixed.output
    assert "1 document(s) without Chinese text: notes.txt" in mixed.output


@pytest.mark.slow
def test_a_rerun_removes_outputs_of_documents_no_longer_in_the_corpus(tmp_path: Path) -> None:
    corpus, out = tmp_path / "c", tmp_path / "o"
    (corpus / "sub").mkdir(parents=True)
    (corpus / "a.txt").write_text(REPORT, encoding="utf-8")
    (corpus / "sub" / "b.txt").write_text(REPORT.replace("黎平", "榕江"), encoding="utf-8")
    first = _extract(str(corpus), "--out", str(out), "--review")
    assert first.exit_code == 0, first.output
    assert (out / "text" / "sub" / "b.txt").is_file() and (out / "review" / "sub" / "b.html").is_file()
    (out / "text" / "notes-of-mine.txt").write_text("not ours", encoding="utf-8")
    (corpus / "sub" / "b.txt").unlink()
    second = _extract(str(corpus), "--out", str(out))  # no --review: the old pages are stale too
    assert second.exit_code == 0, second.output
    assert sorted(p.relative_to(out).as_posix() for p in (out / "text").rglob("*")) == [
        "text/a.txt",
        "text/notes-of-mine.txt",  # a file no run of ours wrote is left alone
    ]
    assert not list((out / "review").rglob("*.html"))
    assert [d["doc_id"] for d in _rows(out / "documents.csv")] == ["a"]
    assert not (out / "text" / "sub").exists()


@pytest.mark.slow
def test_progress_is_plain_lines_when_not_a_terminal(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    corpus.mkdir()
    for name in ("a", "b"):
        (corpus / f"{name}.txt").write_text(REPORT, encoding="utf-8")
    result = _extract(str(corpus), "--out", str(tmp_path / "o"))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "documents 0/2" in lines and "documents 2/2 b" in lines
    assert "corpus stages 0/1" in lines and "writing outputs 0/1" in lines and "writing outputs 1/1" in lines
    assert "\x1b[" not in result.output  # no escape codes in a log


def test_progress_lines_carry_the_eta() -> None:
    buf = StringIO()
    with RunProgress(Console(file=buf, force_terminal=False, width=200), total=4, every=0.0) as progress:
        for done in range(1, 4):
            progress.show("documents", done, 4, f"doc{done}")
        progress.corpus_stage("corpus stages")
    lines = buf.getvalue().splitlines()
    assert lines[0] == "documents 0/4"
    assert lines[1].startswith("documents 1/4 (25%) eta 0:00:") and lines[1].endswith("doc1")
    assert lines[-2:] == ["corpus stages 0/1", "corpus stages 1/1"]


def test_progress_is_a_bar_with_stage_count_and_eta_in_a_terminal() -> None:
    buf = StringIO()
    console = Console(file=buf, force_terminal=True, width=120)
    with RunProgress(console, total=3) as progress:
        assert progress.bar is not None
        progress.show("documents", 1, 3, "sub/liping")
        progress.bar.refresh()
        task = progress.bar.tasks[0]
        assert (task.description, task.completed, task.total) == ("documents", 1, 3)
        progress.corpus_stage("writing outputs")
        assert [t.description for t in progress.bar.tasks] == ["writing outputs"]
    shown = buf.getvalue()
    assert "documents" in shown and "1/3" in shown and "eta" in shown and "sub/liping" in shown


@pytest.mark.slow
def test_workbook_and_csvs_neutralize_formula_injection(tmp_path: Path) -> None:
    corpus, out = tmp_path / "c", tmp_path / "o"
    corpus.mkdir()
    (corpus / "inj.txt").write_text(INJECTED, encoding="utf-8")
    (corpus / "liping.txt").write_text(REPORT, encoding="utf-8")
    result = _extract(str(corpus), "--out", str(out))
    assert result.exit_code == 0, result.output
    fig = next(r for r in _rows(out / "figures.csv") if r["doc_id"] == "inj")
    assert fig["sentence"].startswith("'=HYPERLINK(") and fig["value"] == "3200"
    assert (out / "text" / "inj.txt").read_text(encoding="utf-8") == INJECTED  # offsets still point at the text
    wb = load_workbook(out / "ruralmine.xlsx")
    assert wb.sheetnames[0] == "数据字典" and "figures" in wb.sheetnames and "links" in wb.sheetnames
    ws = wb["figures"]
    head = [c.value for c in ws[1]]
    rows = [dict(zip(head, r, strict=True)) for r in ws.iter_rows(min_row=2)]
    inj = next(r for r in rows if r["doc_id"].value == "inj")
    assert inj["sentence"].value == fig["sentence"] and inj["sentence"].data_type == "s"
    assert inj["value"].value == 3200 and inj["value"].data_type == "n"
    assert ws.freeze_panes == "A2"
    for sheet in wb.worksheets:
        for row in sheet.iter_rows():
            assert all(c.data_type != "f" for c in row), sheet.title
    sql = "select sentence, value from figures where doc_id = 'inj'"
    query = runner.invoke(app, ["query", "sql", sql, "--db", str(out / "kg.duckdb"), "--format", "csv"])
    assert query.exit_code == 0, query.output
    assert "'=HYPERLINK(" in query.stdout  # CSV output is neutralized ...
    as_json = runner.invoke(app, ["query", "sql", sql, "--db", str(out / "kg.duckdb"), "--format", "json"])
    assert json.loads(as_json.stdout)["result"][0]["sentence"].startswith("=HYPERLINK(")  # ... the store is not
