"""Incremental runs (pipeline/io/cache.py): a re-run processes only new and changed files, through `extract`.

A wrapper around ``pipeline.run.process_document`` counts the documents each run really processes (the CLI runs in
this process); the CLI's summary line says the same. Every report here is made up.
"""

from __future__ import annotations

import hashlib
import logging
import pickle
import shutil
import zlib
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

import pipeline.run
from pipeline.cli import app
from pipeline.config import Config
from pipeline.io import cache
from pipeline.model import DocResult, Document

REPO = Path(__file__).resolve().parent.parent
runner = CliRunner()

COUNTIES = ("黎平县", "从江县", "榕江县", "锦屏县", "天柱县")


def report(county: str, households: int, practice: str = "合作联营") -> str:
    """A short made-up county report: one practice, a few figures."""
    return (
        f"{county}“{practice}”模式助推产业发展的调查\n"
        "一、基本情况\n"
        f"{county}位于贵州省黔东南州。2015年全县有建档立卡贫困户{households}户，贫困发生率22.5%。\n"
        "二、主要做法\n"
        f"{county}创新“{practice}”模式，推行“三统一”：统一种苗、统一技术、统一销售。\n"
        "三、取得成效\n"
        f"截至2020年底，“{practice}”累计带动贫困户{households // 3}户增收，同比增长15.3%。\n"
    )


def write_corpus(folder: Path, n: int = 3) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        (folder / f"county{i}.txt").write_text(report(COUNTIES[i], 9000 + 300 * i), encoding="utf-8")
    return folder


@pytest.fixture
def processed(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The doc_ids the runs of a test processed (not taken from the cache), in order."""
    seen: list[str] = []
    real = pipeline.run.process_document

    def counting(doc: Document, *args: object, **kwargs: object) -> DocResult:
        seen.append(doc.doc_id)
        return real(doc, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline.run, "process_document", counting)
    yield seen


def extract(corpus: Path, out: Path, *args: str) -> str:
    models = [] if "--models-dir" in args else ["--models-dir", str(REPO / "models")]
    got = runner.invoke(app, ["extract", str(corpus), "--out", str(out), *models, *args])
    assert got.exit_code == 0, got.output
    return got.output


def csvs(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.glob("*.csv"))}


def entries(out: Path) -> list[Path]:
    return sorted((out / cache.CACHE_DIR / cache.DOCS_DIR).glob("*/*.pkl"))


def doc_ids(out: Path, table: str = "documents.csv") -> set[str]:
    import csv

    rows = csv.DictReader((out / table).read_text(encoding="utf-8-sig").splitlines())
    return {r["doc_id"] for r in rows}


# -- through the CLI ------------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_an_unchanged_rerun_does_nothing(tmp_path: Path, processed: list[str]) -> None:
    corpus, out = write_corpus(tmp_path / "c"), tmp_path / "out"
    first = extract(corpus, out)
    assert sorted(processed) == ["county0", "county1", "county2"]
    assert "cache: 0 document(s) unchanged, 3 processed" in first
    assert len(entries(out)) == 3
    before, manifest = csvs(out), (out / "run.json").read_bytes()
    processed.clear()
    second = extract(corpus, out)
    assert processed == []
    assert "unchanged: nothing to do" in second and "3 documents" in second
    assert csvs(out) == before and (out / "run.json").read_bytes() == manifest  # the folder was left as it was


@pytest.mark.slow
def test_added_removed_and_edited_files_are_the_only_work_and_tables_equal_a_cold_run(
    tmp_path: Path, processed: list[str]
) -> None:
    corpus, out = write_corpus(tmp_path / "c"), tmp_path / "out"
    extract(corpus, out)

    processed.clear()  # one added: only it is processed
    (corpus / "county3.txt").write_text(report(COUNTIES[3], 7200), encoding="utf-8")
    assert "cache: 3 document(s) unchanged, 1 processed" in extract(corpus, out)
    assert processed == ["county3"] and "county3" in doc_ids(out) and len(entries(out)) == 4

    processed.clear()  # one removed: nothing processed, its rows and its cache entry gone
    (corpus / "county1.txt").unlink()
    assert "cache: 3 document(s) unchanged, 0 processed" in extract(corpus, out)
    assert processed == []
    assert doc_ids(out) == {"county0", "county2", "county3"} and "county1" not in doc_ids(out, "figures.csv")
    assert not (out / "text" / "county1.txt").exists() and len(entries(out)) == 3

    processed.clear()  # one edited: only it is processed again, and its rows are the new ones
    (corpus / "county2.txt").write_text(report(COUNTIES[2], 4500, practice="股份合作"), encoding="utf-8")
    assert "cache: 2 document(s) unchanged, 1 processed" in extract(corpus, out)
    assert processed == ["county2"] and len(entries(out)) == 3
    assert "股份合作" in (out / "measures.csv").read_text(encoding="utf-8-sig")

    cold = tmp_path / "cold"  # cache hits give the tables a cold run gives, byte for byte
    extract(corpus, cold)
    assert csvs(out) == csvs(cold) and len(csvs(out)) > 10


@pytest.mark.slow
def test_a_changed_lexicon_or_model_invalidates_what_depends_on_it(
    tmp_path: Path, processed: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A per-document lexicon or model re-runs every document; a corpus stage's lexicon or the training data only
    the corpus stages (every document from the cache; the run is not "unchanged")."""
    import pipeline.lexicon

    models = tmp_path / "models"
    shutil.copytree(REPO / "models", models)
    monkeypatch.setattr(pipeline.lexicon, "LEXICON_DIR", models / "lexicon")  # where the lexicons are read
    corpus, out = write_corpus(tmp_path / "c", 2), tmp_path / "out"
    extract(corpus, out, "--models-dir", str(models))

    def touch(path: Path) -> None:  # any change of its bytes
        path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")

    for corpus_only in (models / "lexicon" / "scope_words.tsv", models / "training" / "links.tsv"):
        touch(corpus_only)
        processed.clear()
        got = extract(corpus, out, "--models-dir", str(models))
        assert processed == [] and "cache: 2 document(s) unchanged, 0 processed" in got, corpus_only.name
    for per_document in (models / "lexicon" / "units.tsv", models / "indicators.json"):
        touch(per_document)
        processed.clear()
        got = extract(corpus, out, "--models-dir", str(models))
        assert "cache: 0 document(s) unchanged, 2 processed" in got, per_document.name
        assert sorted(processed) == ["county0", "county1"] and len(entries(out)) == 2  # the old entries are gone


@pytest.mark.slow
def test_corrections_do_not_invalidate_documents(tmp_path: Path, processed: list[str]) -> None:
    """Corrections are applied at the corpus stage: a new corrections file re-runs the corpus stages only."""
    corpus, out = write_corpus(tmp_path / "c", 2), tmp_path / "out"
    extract(corpus, out)
    (corpus / "corrections.csv").write_text("action,name,into,note\nmerge,合作联营,联营合作,test\n", encoding="utf-8")
    processed.clear()
    got = extract(corpus, out)
    assert processed == [] and "cache: 2 document(s) unchanged, 0 processed" in got
    assert "联营合作" in (out / "measures.csv").read_text(encoding="utf-8-sig")


@pytest.mark.slow
def test_a_corrupt_entry_is_processed_again_with_a_warning(
    tmp_path: Path, processed: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    corpus, out = write_corpus(tmp_path / "c"), tmp_path / "out"
    extract(corpus, out)
    before = csvs(out)
    garbage, truncated, _ = entries(out)
    garbage.write_bytes(b"\x00garbage" * 100)
    truncated.write_bytes(truncated.read_bytes()[:-50])
    (out / cache.CACHE_DIR / cache.RUN_FILE).unlink()  # not "unchanged": every entry is looked up
    processed.clear()
    with caplog.at_level(logging.WARNING, logger="pipeline.io.cache"):
        got = extract(corpus, out)
    assert len(processed) == 2 and "cache: 1 document(s) unchanged, 2 processed" in got
    damaged = [r.getMessage() for r in caplog.records if "processed again" in r.getMessage()]
    assert len(damaged) == 2 and any("not a cache entry" in m for m in damaged)
    assert any("checksum mismatch" in m for m in damaged)
    assert csvs(out) == before and len(entries(out)) == 3  # same tables; the entries written anew
    processed.clear()
    (out / cache.CACHE_DIR / cache.RUN_FILE).unlink()
    assert "cache: 3 document(s) unchanged, 0 processed" in extract(corpus, out)


@pytest.mark.slow
def test_force_processes_everything_again(tmp_path: Path, processed: list[str]) -> None:
    corpus, out = write_corpus(tmp_path / "c", 2), tmp_path / "out"
    extract(corpus, out)
    before = csvs(out)
    processed.clear()
    got = extract(corpus, out, "--force")
    assert sorted(processed) == ["county0", "county1"] and "nothing to do" not in got
    assert "cache: 0 document(s) unchanged, 2 processed" in got and csvs(out) == before and len(entries(out)) == 2


# -- the cache's parts ----------------------------------------------------------------------------------------------


def _result(doc_id: str = "a") -> DocResult:
    return DocResult(doc=Document(doc_id=doc_id, source=f"{doc_id}.txt", format="txt", raw_text="黎平县"))


def _forged(payload: bytes) -> bytes:
    """An entry with a valid checksum around ``payload``."""
    return cache.MAGIC + hashlib.sha256(payload).digest() + payload


def test_an_entry_is_read_back_only_when_intact_and_of_its_key() -> None:
    data = cache.encode_entry("k1", _result())
    assert cache.decode_entry(data, "k1").doc.raw_text == "黎平县"
    damaged = [
        (b"\x00" * 200, "not a cache entry"),
        (data[:-1], "checksum mismatch"),
        (b"", "not a cache entry"),
        (data[:-3] + bytes([data[-3] ^ 1]) + data[-2:], "checksum mismatch"),
        (cache.MAGIC, "truncated"),
        (data, "another document"),  # read for another key
        (_forged(b"not zlib data"), "cannot be read"),
        (_forged(zlib.compress(b"not a pickle")), "cannot be read"),
        (_forged(zlib.compress(pickle.dumps((cache.FORMAT + 1, "k1", _result())))), "another format"),
    ]
    for bad, why in damaged:
        with pytest.raises(cache.DamagedEntry, match=why):
            cache.decode_entry(bad, "k2" if bad is data else "k1")


def test_the_fingerprint_follows_models_lexicons_and_per_document_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pipeline.lexicon

    models, lexicon = tmp_path / "models", tmp_path / "lexicon"
    models.mkdir()
    (models / "gazetteer.tsv").write_text("a\n", encoding="utf-8")
    shutil.copytree(REPO / "models" / "lexicon", lexicon)
    monkeypatch.setattr(pipeline.lexicon, "LEXICON_DIR", lexicon)
    cfg = Config(models_dir=str(models))
    fp = cache.fingerprint(cfg)
    assert cache.fingerprint(replace(cfg, workers=4, engine="dask", strict=True)) == fp  # no document changes
    for changed in (replace(cfg, review=True), replace(cfg, ocr=False), replace(cfg, max_file_mb=1.0)):
        assert cache.fingerprint(changed) != fp
    (lexicon / "units.tsv").write_text((lexicon / "units.tsv").read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert cache.fingerprint(cfg) != fp
    fp = cache.fingerprint(cfg)
    (models / "gazetteer.tsv").write_text("b\n", encoding="utf-8")
    assert cache.fingerprint(cfg) != fp
    fp = cache.fingerprint(cfg)  # a corpus stage's lexicon, a file no loader opens: no document changes
    (lexicon / "scope_words.tsv").write_text((lexicon / "scope_words.tsv").read_text(encoding="utf-8") + "\n")
    (models / "training").mkdir()
    (models / "training" / "links.tsv").write_text("x\n", encoding="utf-8")
    assert cache.fingerprint(cfg) == fp


@pytest.mark.slow
def test_on_dask_only_the_misses_are_sent_to_the_workers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import distributed

    from pipeline.config import load_config
    from pipeline.run import run_corpus

    corpus, out = write_corpus(tmp_path / "c", 2), tmp_path / "out"
    run_corpus(corpus, out, load_config(models_dir=str(REPO / "models")))
    (corpus / "county2.txt").write_text(report(COUNTIES[2], 6600), encoding="utf-8")
    two = load_config(models_dir=str(REPO / "models"), workers=2, engine="dask")
    got = run_corpus(corpus, out, two)
    assert (got.n_docs, got.cached) == (3, 2)
    cold = tmp_path / "cold"
    run_corpus(corpus, cold, load_config(models_dir=str(REPO / "models")))
    assert csvs(out) == csvs(cold)

    def no_cluster(*args: object, **kwargs: object) -> None:
        raise AssertionError("a cluster was started with nothing to process")

    monkeypatch.setattr(distributed, "LocalCluster", no_cluster)
    (out / cache.CACHE_DIR / cache.RUN_FILE).unlink()  # not "unchanged": the corpus stages run again
    got = run_corpus(corpus, out, two)
    assert (got.n_docs, got.cached, got.unchanged) == (3, 3, False) and csvs(out) == csvs(cold)


@pytest.mark.slow
def test_strict_judges_cached_results_like_new_ones(tmp_path: Path, processed: list[str]) -> None:
    """An unchanged --strict run still fails on a corpus without Chinese text (its results come from the cache)."""
    corpus, out = tmp_path / "c", tmp_path / "out"
    corpus.mkdir()
    (corpus / "english.txt").write_text("A county report written in English only. " * 5, encoding="utf-8")
    args = ["extract", str(corpus), "--out", str(out), "--models-dir", str(REPO / "models"), "--strict"]
    assert runner.invoke(app, args).exit_code == 1
    processed.clear()
    again = runner.invoke(app, args)
    assert again.exit_code == 1 and "no Chinese text" in again.output
    assert processed == [] and "cache: 1 document(s) unchanged, 0 processed" in again.output
