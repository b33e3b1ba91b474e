"""SIGKILL at several points of the write phase: the output folder is the old complete run (or, once the switch is
done, the new one), never a mix; each next run cleans up what the killed one left, reports it, and succeeds.

One chained scenario (each step a real ``python -m pipeline.cli extract`` process, killed where it pauses), so the
whole file costs about ten runs."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import pytest

from pipeline.io.folder import MANIFEST, SWAP_ENV
from tests.robustness.folder_fixtures import (
    assert_one_complete_run,
    finish,
    leftovers,
    snapshot,
    start_extract,
    wait_for,
    write_corpus,
)

pytestmark = pytest.mark.slow

OLD, NEW = {"one", "two"}, {"one", "two", "three"}
CLEANED = "left by a run that was interrupted"


def _kill_at(corpus: Path, out: Path, point: str, **env: str) -> str:
    """Start a run, SIGKILL it where it pauses; what it said on stderr before."""
    proc = start_extract(corpus, out, pause_at=point, **env)
    paused, seen = wait_for(proc, f"paused at {point}")
    if not paused:
        code, rest = finish(proc)
        raise AssertionError(f"the run never reached {point} (exit {code}): {seen}{rest}")
    proc.send_signal(signal.SIGKILL)
    assert finish(proc)[0] == -signal.SIGKILL
    return seen


def _complete_despite_leftovers(out: Path, ids: set[str]) -> dict[str, object]:
    """``assert_one_complete_run`` for a folder whose killed run left its staging folder beside it."""
    beside = list(out.parent.glob(f".{out.name}.staging-*"))
    assert beside, "the killed run left nothing beside the folder"
    hidden = [p.rename(p.with_name("hidden-" + p.name)) for p in beside]
    try:
        return assert_one_complete_run(out, ids)
    finally:
        for p, q in zip(beside, hidden, strict=True):
            q.rename(p)


def test_a_killed_run_leaves_the_old_or_the_new_complete_run(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "c", sorted(OLD))
    out = tmp_path / "out"
    code, err = finish(start_extract(corpus, out))
    assert code == 0, err
    old = snapshot(out)
    started = json.loads((out / MANIFEST).read_text(encoding="utf-8"))["started"]
    write_corpus(corpus, ["three"], seed=2)  # the next runs have more to write

    # texts written / store before its CHECKPOINT / all files, no run.json / run.json written, before the switch
    for i, point in enumerate(["tables", "store", "manifest", "switch"]):
        said = _kill_at(corpus, out, point)
        assert (CLEANED in said) == (i > 0), said  # each run first cleans up after the one killed before it
        assert snapshot(out) == old, point  # not one file of the folder changed
        assert _complete_despite_leftovers(out, OLD)["started"] == started

    # the two-rename switch (where folders cannot be exchanged in one step), killed between the renames
    _kill_at(corpus, out, "aside", **{SWAP_ENV: "rename"})
    assert not out.exists() and len(list(tmp_path.glob(".out.old-*"))) == 1
    said = _kill_at(corpus, out, "tables")  # the next start puts the old run back before anything else
    assert "restored the previous complete run" in said
    assert snapshot(out) == old
    _complete_despite_leftovers(out, OLD)

    # killed after the exchange, before the old run is removed: the folder is already the new run
    said = _kill_at(corpus, out, "switched")
    assert CLEANED in said
    assert _complete_despite_leftovers(out, NEW)["started"] != started

    code, err = finish(start_extract(corpus, out))  # the next run cleans up and succeeds
    assert code == 0, err
    assert CLEANED in err
    assert_one_complete_run(out, NEW)
    assert leftovers(out) == []
