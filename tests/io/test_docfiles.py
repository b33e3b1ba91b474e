"""Bounded memory on the results side (pipeline/io/docfiles.py): each document's files are written as its result
arrives and the run keeps a slim result; the outputs are those of whole results. Every text here is made up."""

from __future__ import annotations

import logging
import pickle
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

import pipeline.io.output
import pipeline.io.spill
from pipeline.cli import app
from pipeline.io import cache, rows
from pipeline.io.docfiles import DocFiles, share_strings, slim
from pipeline.model import Article, DocResult, Document, KeptSpans, Mention, OffsetMap, Section
from tests.records import figure, link, measure, result

REPO = Path(__file__).resolve().parents[2]
runner = CliRunner()


def _report(county: str, n: int) -> str:
    return (
        f"{county}“合作联营”模式调查\n一、主要做法\n{county}创新“合作联营”模式，统一种苗、统一销售。\n"
        f"二、取得成效\n截至2020年底，“合作联营”带动贫困户{n}户增收，同比增长15.3%。\n"
    )


def _whole(doc_id: str = "sub/a") -> DocResult:
    """A result with a map that is not the identity (raw text longer than the normalized one), a section, a review
    page, a figure linked to a practice; its strings are fresh copies (not shared)."""
    raw = "一、做法\n\n黎平县  带动300户。"
    text = "一、做法\n黎平县带动300户。"
    starts = [0, 1, 2, 3, 4, 6, 7, 8, 11, 12, 13, 14, 15, 16, 17]
    omap = OffsetMap(starts, [s + 1 for s in starts], len(raw))
    assert len(omap) == len(text)
    sec = Section(0, "1", "一、做法", 1, "做法", 5, len(text))
    doc = Document(doc_id, f"{doc_id}.txt", "txt", raw_text=raw, text=text, offsets=omap,
                   articles=[Article(0, 0, len(text), sections=[sec])], page_starts=[0])  # fmt: skip
    fig = figure(doc_id, "".join(["带动", "户数"]), 300, "户", start=10, sentence="".join(["黎平县带动", "300户。"]))
    prac = measure(doc_id, "合作联营")
    r = result(doc_id, figures=[fig], measures=[prac], links=[link(prac, fig)])
    return replace(r, doc=doc, review_html="<p>review</p>")


def test_slim_keeps_what_the_rows_need_and_drops_the_rest() -> None:
    whole = _whole()
    keep = pickle.loads(pickle.dumps(whole))  # the whole result as it was (slim shares strings in place)
    got = slim(whole)
    assert (got.doc.raw_text, got.review_html, got.doc.tables) == ("", "", [])
    assert isinstance(got.doc.offsets, KeptSpans) and len(got.doc.offsets) == len(keep.doc.text)
    assert (got.n_chars, got.has_review) == (len(keep.doc.raw_text), True)
    # the rows of the slim result are those of the whole one: documents.csv (n_chars, files), sections.csv (raw spans)
    assert rows.document_row(got, "sub/a") == rows.document_row(keep, "sub/a")
    assert rows.section_rows(got) == rows.section_rows(keep) and rows.section_rows(got)[0]["start"] == 6
    assert (got.figures, got.measures, got.links) == (keep.figures, keep.measures, keep.links)
    assert got.doc.text == keep.doc.text  # the corpus stages read it (practice sentences, co-occurrence)
    assert slim(got) == got  # slimming twice changes nothing
    with pytest.raises(IndexError, match="not kept"):  # another span: never a wrong raw offset
        got.doc.to_raw(0, 3)
    assert whole.doc.raw_text and whole.review_html  # the given result keeps its text


def test_a_slim_result_of_a_document_without_text_says_so() -> None:
    failed = DocResult(Document("x", "x.pdf", "pdf", status="failed", error="cannot be read"))
    got = slim(failed)
    row = rows.document_row(got, "x")
    assert (row["n_chars"], row["text_file"], row["review_file"], row["text_method"]) == (0, "", "", "")


def test_equal_strings_are_shared_and_values_unchanged() -> None:
    r = _whole()
    before = pickle.loads(pickle.dumps(r))
    m = r.figures[0].mention
    m.raw = "".join(list(m.text))  # an equal copy
    assert m.raw is not m.text
    share_strings(r)
    assert (r.places, r.figures, r.measures, r.links, r.clauses) == (
        before.places, before.figures, before.measures, before.links, before.clauses)  # fmt: skip
    assert m.raw is m.text and r.figures[0].unit is r.links[0].figure.unit
    assert r.links[0].evidence.label is r.figures[0].mention.label  # interned across records


def test_records_have_no_instance_dict() -> None:
    """Records are slotted dataclasses (no per-instance dict); they still pickle and ``replace``."""
    m = Mention("a", 0, 1, 0, 1, None, "L", "x", "x", "s")
    assert not hasattr(m, "__dict__") and not hasattr(_whole().figures[0], "__dict__")
    with pytest.raises(AttributeError):
        m.extra = 1  # type: ignore[attr-defined]
    assert pickle.loads(pickle.dumps(m)) == m and replace(m, text="y").text == "y"


def test_files_are_written_as_results_arrive(tmp_path: Path) -> None:
    files = DocFiles(tmp_path, ["sub/a", "b"])
    got = files.take(_whole("sub/a"))
    assert (tmp_path / "text/sub/a.txt").read_text(encoding="utf-8") == "一、做法\n\n黎平县  带动300户。"
    assert (tmp_path / "review/sub/a.html").read_text(encoding="utf-8") == "<p>review</p>"
    assert files.written == {tmp_path / "text/sub/a.txt", tmp_path / "review/sub/a.html"}
    assert got.doc.raw_text == "" and got.n_chars > 0
    stranger = _whole("c")  # not announced: kept whole, its files written with the tables
    assert files.take(stranger) is stranger and not (tmp_path / "text/c.txt").exists()


def _tables(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()
            and (p.suffix == ".csv" or p.parts[len(out.parts)] in ("text", "review"))}  # fmt: skip


@pytest.mark.slow
def test_a_run_keeps_slim_results_and_writes_what_whole_ones_give(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through `extract --review`: the write phase gets slim results; texts, review pages and every table are
    those of the same results kept whole; a re-run takes them from the cache, one at a time, keeps them in a file
    (past SPILL_AFTER) and gives the same."""
    from pipeline.config import load_config
    from pipeline.run import write_outputs
    from pipeline.scale import process_path

    corpus = tmp_path / "c"
    (corpus / "sub").mkdir(parents=True)
    (corpus / "a.txt").write_text(_report("黎平县", 9000), encoding="utf-8")
    (corpus / "sub" / "b.txt").write_text(_report("从江县", 6600), encoding="utf-8")
    seen: list[DocResult] = []
    spilled: list[bool | None] = []
    real = pipeline.io.output.write_outputs

    def spy(out_dir: Path, results: list[DocResult], *args: object) -> dict[str, int]:
        seen.extend(results)
        spilled.append(getattr(results, "spilled", None))
        return real(out_dir, results, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline.io.output, "write_outputs", spy)
    out = tmp_path / "out"
    res = runner.invoke(app, ["extract", str(corpus), "--out", str(out), "--review"])
    assert res.exit_code == 0, res.output
    assert len(seen) == 2 and all(r.doc.raw_text == "" and not r.review_html and r.n_chars for r in seen)
    monkeypatch.setattr(pipeline.io.output, "write_outputs", real)

    config = load_config(models_dir=str(REPO / "models"), review=True)
    whole = [process_path(corpus / f, corpus, d, config) for f, d in (("a.txt", "a"), ("sub/b.txt", "sub/b"))]
    assert all(r.doc.raw_text and r.review_html for r in whole)
    write_outputs(tmp_path / "whole", whole, Path(config.models_dir))
    expected = _tables(tmp_path / "whole")
    assert {"text/a.txt", "text/sub/b.txt", "review/a.html", "review/sub/b.html"} <= set(expected)
    assert _tables(out) == expected

    (out / cache.CACHE_DIR / cache.RUN_FILE).unlink()  # not "unchanged": the cached results are read again
    seen.clear()
    monkeypatch.setattr(pipeline.io.output, "write_outputs", spy)
    monkeypatch.setattr(pipeline.io.spill, "SPILL_AFTER", 1)  # and kept in a file, not in memory
    res = runner.invoke(app, ["extract", str(corpus), "--out", str(out), "--review"])
    assert res.exit_code == 0, res.output
    assert len(seen) == 2 and all(r.doc.raw_text == "" for r in seen)
    assert _tables(out) == expected and not list(out.glob(".results-*")) and spilled == [False, True]


def test_a_cache_entry_gone_during_the_run_is_processed_again(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    item = cache.Input(tmp_path / "a.txt", "a", "a.txt", "0" * 64)
    p = cache.Plan(tmp_path, "fp", "", {"a": item}, hits=[item])
    key = cache.entry_key("fp", item)
    p.entry(key).parent.mkdir(parents=True)
    p.entry(key).write_bytes(cache.encode_entry(key, _whole("a")))
    assert [r.doc.doc_id for r in p.results(lambda path, doc_id: DocResult(Document(doc_id, "?", "txt")))] == ["a"]
    assert next(p.results(lambda path, doc_id: _whole("other"))).doc.raw_text  # read whole from the entry
    p.entry(key).unlink()
    with caplog.at_level(logging.WARNING):
        got = list(p.results(lambda path, doc_id: DocResult(Document(doc_id, "again", "txt"))))
    assert [r.doc.source for r in got] == ["again"] and "went away" in caplog.text and key not in p.kept
