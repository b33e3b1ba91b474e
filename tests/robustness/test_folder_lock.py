"""A lock per output folder: a second run waits a bounded time, then fails saying which process holds the folder;
two runs started together both end clearly and leave one complete run."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.io.folder import FolderLock, OutputRun
from tests.robustness.folder_fixtures import (
    MODELS,
    assert_one_complete_run,
    finish,
    leftovers,
    snapshot,
    start_extract,
    wait_for,
    write_corpus,
)

runner = CliRunner()


def test_a_second_run_waits_then_names_the_holder(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "c", ["one"])
    out = tmp_path / "out"
    got = runner.invoke(app, ["extract", str(corpus), "--out", str(out), "--models-dir", str(MODELS)])
    assert got.exit_code == 0
    before = snapshot(out)
    holder = FolderLock(tmp_path / ".out.lock", out)
    holder.acquire()  # another run (this test) holds the folder
    try:
        got = runner.invoke(
            app, ["extract", str(corpus), "--out", str(out), "--models-dir", str(MODELS), "--wait", "0.5"]
        )
    finally:
        holder.release()
    text = " ".join(got.output.split())
    assert got.exit_code == 2
    assert "is being written by another run" in text and f"pid {os.getpid()}" in text and "waited 0.5 s" in text
    assert "Nothing was done" in text
    assert snapshot(out) == before and leftovers(out) == []


def test_the_lock_is_held_for_the_whole_run_and_released_after(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with OutputRun(out, wait=0) as run:
        with pytest.raises(Exception, match="is being written by another run"):
            OutputRun(out, wait=0).__enter__()
        assert run.staging.name.startswith(".out.staging-")
    with OutputRun(out, wait=0):  # released: a next run gets it at once
        pass
    assert leftovers(out) == [] and not out.exists()  # nothing committed, nothing switched in


@pytest.mark.slow
def test_two_runs_started_together_both_end_and_leave_one_complete_run(tmp_path: Path) -> None:
    a = write_corpus(tmp_path / "a", ["one", "two"])
    b = write_corpus(tmp_path / "b", ["three"], seed=2)
    out = tmp_path / "out"
    procs = [start_extract(a, out, "--wait", "600"), start_extract(b, out, "--wait", "600")]
    ends = [finish(p, timeout=900) for p in procs]
    assert [code for code, _ in ends] == [0, 0], ends
    assert any("is being written by another run" in err and "waiting" in err for _, err in ends)
    ids = assert_one_complete_run(out, {"one", "two"} if out_is(out, "one") else {"three"})
    assert ids["corpus"] in (str(a), str(b))


def out_is(out: Path, doc_id: str) -> bool:
    return (out / "text" / f"{doc_id}.txt").is_file()


@pytest.mark.slow
def test_a_run_that_cannot_wait_fails_naming_the_running_one(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "a", ["one"])
    out = tmp_path / "out"
    first = start_extract(corpus, out, pause_at="tables")  # holds the lock, paused in its write phase
    paused, seen = wait_for(first, "paused at tables")
    assert paused, seen
    second = start_extract(corpus, out, "--wait", "1")
    code, err = finish(second)
    assert code == 2
    assert "is being written by another run" in " ".join(err.split()) and f"pid {first.pid}" in err
    first.send_signal(signal.SIGKILL)
    finish(first)
    third = start_extract(corpus, out, "--wait", "5")  # the dead run's lock went with it
    code, err = finish(third)
    assert code == 0, err
    assert "left by a run that was interrupted" in err
    assert_one_complete_run(out, {"one"})
