"""The output folder is one complete run: run.json written last, queries refuse a folder without a complete
manifest, leftovers of killed runs are cleaned and reported, a read-only folder is refused before any work, a
re-run with another corpus leaves no stale text/ files, files the run does not write stay."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

import pipeline
import pipeline.run
from pipeline.cli import app
from pipeline.io import folder
from pipeline.io.folder import MANIFEST, manifest_state
from tests.robustness.folder_fixtures import MODELS, assert_one_complete_run, leftovers, snapshot, write_corpus

runner = CliRunner()


def _extract(corpus: Path, out: Path, *args: str) -> object:
    return runner.invoke(app, ["extract", str(corpus), "--out", str(out), "--models-dir", str(MODELS), *args])


def _query(out: Path) -> object:
    return runner.invoke(app, ["query", "sql", "select count(*) as n from documents", "--out", str(out), "-f", "json"])


def test_a_run_is_one_complete_folder_and_a_rerun_replaces_it_whole(tmp_path: Path) -> None:
    a = write_corpus(tmp_path / "a", ["one", "sub/two", "three"])
    b = write_corpus(tmp_path / "b", ["four"], seed=3)
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.md").write_text("my notes on this run", encoding="utf-8")  # not ours: must stay
    got = _extract(a, out)
    assert got.exit_code == 0, got.output
    m = assert_one_complete_run(out, {"one", "sub/two", "three"})
    assert m["complete"] is True and m["started"] <= m["finished"]
    assert m["code_version"]["package"] == pipeline.__version__  # git describe too when run in a checkout
    assert m["config"]["models_dir"] == str(MODELS)
    hashes = {i["path"]: i["sha256"] for i in m["inputs"]}
    assert hashes == {p.relative_to(a).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in a.rglob("*.txt")}
    assert {"figures.csv", "kg.duckdb", "ruralmine.xlsx", "graph.graphml", "neo4j/nodes.csv"} <= set(m["files"])
    assert "notes.md" not in m["files"]
    written_last = (out / MANIFEST).stat().st_mtime_ns
    assert all((out / name).stat().st_mtime_ns <= written_last for name in m["files"])

    (out / "latest_notes").symlink_to("notes.md")  # the user's link and folder mode are carried too
    out.chmod(0o750)
    got = _extract(b, out)  # another corpus: the folder is that run, whole
    assert got.exit_code == 0, got.output
    assert_one_complete_run(out, {"four"})  # no stale text/ of one, sub/two, three
    assert not (out / "text" / "sub").exists()
    assert (out / "notes.md").read_text(encoding="utf-8") == "my notes on this run"
    assert os.readlink(out / "latest_notes") == "notes.md" and out.stat().st_mode & 0o777 == 0o750
    assert sorted(p.name for p in tmp_path.iterdir()) == [".out.lock", "a", "b", "out"]


def test_queries_refuse_a_folder_without_a_complete_manifest(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    out = tmp_path / "out"
    assert _extract(write_corpus(tmp_path / "a", ["one", "two"]), out).exit_code == 0
    ok = _query(out)
    assert ok.exit_code == 0 and '"n": 2' in ok.output

    with (out / "figures.csv").open("ab") as fh:  # a table edited by hand: the store still is the run's
        fh.write(b"x,y\r\n")
    with caplog.at_level(logging.WARNING, logger="pipeline.io.folder"):
        got = _query(out)
    assert got.exit_code == 0 and "figures.csv changed since the run" in caplog.text

    other = tmp_path / "other"  # the store of another run put in: refused
    assert _extract(write_corpus(tmp_path / "b", ["x", "y", "z"], seed=1), other).exit_code == 0
    shutil.copyfile(other / "kg.duckdb", out / "kg.duckdb")
    got = _query(out)
    assert got.exit_code == 1
    assert "does not hold one complete run" in got.output and "kg.duckdb is not the file" in got.output

    (out / MANIFEST).write_text(json.dumps({"complete": False, "started": "2026-01-01T00:00:00+00:00"}))
    got = _query(out)  # an interrupted in-place run
    assert got.exit_code == 1 and "did not finish" in got.output and "Run extract into it again" in got.output

    (out / MANIFEST).write_text("{not json", encoding="utf-8")
    assert _query(out).exit_code == 1

    (out / MANIFEST).unlink()  # a folder from an older version: answered (here: the other run's store), warned
    with caplog.at_level(logging.WARNING, logger="pipeline.io.folder"):
        got = _query(out)
    assert got.exit_code == 0 and '"n": 3' in got.output
    assert "has no run.json" in caplog.text


def test_leftovers_of_killed_runs_are_cleaned_and_reported(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    corpus = write_corpus(tmp_path / "a", ["one"])
    out = tmp_path / "out"
    assert _extract(corpus, out).exit_code == 0
    staging = tmp_path / ".out.staging-99999"  # a run killed while writing
    (staging / "text").mkdir(parents=True)
    (staging / "figures.csv").write_text("half", encoding="utf-8")
    (out / ".figures.csv.k3j2.tmp").write_text("half", encoding="utf-8")  # an older version's temp files
    (out / ".kg.duckdb.tmp.wal").write_bytes(b"\0" * 64)
    (out / "text" / ".one.txt.abcd.tmp").write_text("half", encoding="utf-8")
    assert len(leftovers(out)) == 4
    with caplog.at_level(logging.WARNING, logger="pipeline.io.folder"):
        got = _extract(corpus, out)
    assert got.exit_code == 0, got.output
    assert "removed .out.staging-99999 (left by a run that was interrupted)" in caplog.text
    assert "removed 3 temporary file(s)" in caplog.text
    assert_one_complete_run(out, {"one"})


def test_a_run_that_died_between_the_two_renames_is_put_back(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "a", ["one"])
    out = tmp_path / "out"
    assert _extract(corpus, out).exit_code == 0
    before = snapshot(out)
    os.rename(out, tmp_path / ".out.old-4242")  # old run moved aside, the new one never moved in
    (tmp_path / ".out.staging-4242").mkdir()
    notes = folder.recover(out)
    assert snapshot(out) == before and leftovers(out) == []
    assert notes[0].startswith("restored the previous complete run from .out.old-4242")
    assert manifest_state(out) == "complete"


def _refuse_writes(monkeypatch: pytest.MonkeyPatch, where: Path) -> None:
    """A folder no file can be created in: chmod for a normal user; root ignores modes, so the probe is refused."""
    if os.geteuid() != 0:
        where.chmod(0o555)
        return
    real = folder._probe

    def probe(path: Path) -> None:
        if path == where:
            raise PermissionError(13, "Permission denied", str(path))
        real(path)

    monkeypatch.setattr(folder, "_probe", probe)


def test_a_read_only_output_folder_is_refused_before_any_work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    corpus = write_corpus(tmp_path / "a", ["one"])
    out = tmp_path / "out"
    assert _extract(corpus, out).exit_code == 0
    before = snapshot(out)

    def no_work(*args: object, **kwargs: object) -> None:
        raise AssertionError("a document was processed")

    monkeypatch.setattr(pipeline.run, "process_document", no_work)
    _refuse_writes(monkeypatch, out.absolute())
    try:
        got = _extract(corpus, out)
    finally:
        out.chmod(0o755)
    assert got.exit_code == 2
    assert "is not writable" in got.output and "Permission denied" in got.output and "nothing was done" in got.output
    assert snapshot(out) == before and leftovers(out) == []


def test_in_place_mode_marks_an_interrupted_run_incomplete(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Where nothing can be staged beside OUT (a mount point, a read-only parent), a run writes in place: a run
    that fails leaves run.json saying incomplete, so queries refuse the folder until a run succeeds."""
    monkeypatch.setattr(folder, "staged_mode", lambda out: False)
    corpus = write_corpus(tmp_path / "a", ["one"])
    out = tmp_path / "out"
    assert _extract(corpus, out).exit_code == 0
    assert_one_complete_run(out, {"one"})
    assert not (tmp_path / ".out.lock").exists() and (out / ".lock").is_file()

    def broken(*args: object, **kwargs: object) -> None:
        raise OSError(5, "Input/output error", str(out / "figures.csv"))

    monkeypatch.setattr(pipeline.io.output.rows, "table_plan", broken)  # the write phase fails
    got = _extract(corpus, out)
    assert got.exit_code == 2 and "marked incomplete" in got.output
    assert manifest_state(out).startswith("incomplete")
    assert _query(out).exit_code == 1
    monkeypatch.undo()
    monkeypatch.setattr(folder, "staged_mode", lambda out: False)
    assert _extract(corpus, out).exit_code == 0
    assert manifest_state(out) == "complete"
