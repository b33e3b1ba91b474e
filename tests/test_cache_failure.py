"""A run that fails (or dies) after processing its documents keeps their cache entries (io/folder.py
``keep_entries``): the next run into the same OUT processes none of them again. Every report is made up."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

import pipeline.io.output
from pipeline.cli import app
from pipeline.io import folder
from tests.test_cache import REPO, csvs, entries, processed, write_corpus

__all__ = ["processed"]  # the fixture, imported for the tests below
runner = CliRunner()


def _extract(corpus: Path, out: Path) -> tuple[int, str]:
    got = runner.invoke(app, ["extract", str(corpus), "--out", str(out), "--models-dir", str(REPO / "models")])
    return got.exit_code, got.output


def _failing_writer(monkeypatch: pytest.MonkeyPatch, exc: BaseException) -> None:
    def fail(*args: object, **kwargs: object) -> int:
        raise exc

    monkeypatch.setattr(pipeline.io.output, "write_sheets", fail)  # the workbook: after the tables, mid-phase


@pytest.mark.slow
@pytest.mark.parametrize("exc", [OSError(28, "No space left on device"), RuntimeError("a bug in a writer")])
def test_a_first_run_failing_in_the_write_phase_keeps_its_cache(
    tmp_path: Path, processed: list[str], monkeypatch: pytest.MonkeyPatch, exc: BaseException
) -> None:
    corpus, out = write_corpus(tmp_path / "c"), tmp_path / "out"
    with monkeypatch.context() as m:
        _failing_writer(m, exc)
        code, said = _extract(corpus, out)
    assert code != 0
    if isinstance(exc, OSError):  # the message says the processed documents are kept
        assert "cache of the 3 documents processed" in " ".join(said.split())
    assert sorted(processed) == ["county0", "county1", "county2"]
    assert len(entries(out)) == 3  # out holds the entries only: no table, no manifest
    assert not list(out.glob("*.csv")) and not (out / folder.MANIFEST).exists()
    assert not list(tmp_path.glob(".out.staging-*"))
    processed.clear()
    code, said = _extract(corpus, out)
    assert code == 0, said
    assert processed == []
    assert "cache: 3 document(s) unchanged, 0 processed" in said
    assert (out / "documents.csv").is_file() and len(entries(out)) == 3


@pytest.mark.slow
def test_a_failed_rerun_keeps_the_previous_run_and_adds_its_new_entries(
    tmp_path: Path, processed: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus, out = write_corpus(tmp_path / "c", 2), tmp_path / "out"
    assert _extract(corpus, out)[0] == 0
    before, manifest = csvs(out), (out / folder.MANIFEST).read_bytes()
    write_corpus(corpus, 3)  # a third county
    processed.clear()
    with monkeypatch.context() as m:
        _failing_writer(m, OSError(28, "No space left on device"))
        code, said = _extract(corpus, out)
    assert code != 0 and processed == ["county2"]
    assert csvs(out) == before and (out / folder.MANIFEST).read_bytes() == manifest  # still the previous run
    assert len(entries(out)) == 3
    processed.clear()
    code, said = _extract(corpus, out)
    assert code == 0 and processed == [] and "cache: 3 document(s) unchanged, 0 processed" in said


@pytest.mark.slow
def test_a_killed_runs_staging_folder_gives_its_entries_to_the_next_run(tmp_path: Path, processed: list[str]) -> None:
    corpus, done = write_corpus(tmp_path / "c"), tmp_path / "done"
    assert _extract(corpus, done)[0] == 0
    out = tmp_path / "out"
    shutil.copytree(done, tmp_path / ".out.staging-999999")  # what a run killed before its switch leaves
    processed.clear()
    code, said = _extract(corpus, out)
    assert code == 0, said
    assert processed == [] and "cache: 3 document(s) unchanged, 0 processed" in said
    assert not list(tmp_path.glob(".out.staging-*"))


def test_keep_entries_moves_only_missing_entries(tmp_path: Path) -> None:
    staging, out = tmp_path / ".out.staging-1", tmp_path / "out"
    docs = staging.joinpath(*folder.KEPT_ON_FAILURE)
    (docs / "ab").mkdir(parents=True)
    (docs / "ab" / "abc.pkl").write_bytes(b"new")
    (docs / "ab" / "abd.pkl").write_bytes(b"staged copy")
    (docs / "ab" / ".abe.pkl.x1.tmp").write_bytes(b"half")  # an atomic write cut short: not kept
    have = out.joinpath(*folder.KEPT_ON_FAILURE, "ab")
    have.mkdir(parents=True)
    (have / "abd.pkl").write_bytes(b"out's own")
    assert folder.keep_entries(staging, out) == 1
    assert sorted(p.name for p in have.iterdir()) == ["abc.pkl", "abd.pkl"]
    assert (have / "abd.pkl").read_bytes() == b"out's own" and (have / "abc.pkl").read_bytes() == b"new"
    assert folder.keep_entries(tmp_path / "none", out) == 0
