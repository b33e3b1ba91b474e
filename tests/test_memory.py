"""Bounded memory (issue 12): the local engine lets go of each result once the caller has it, a memo stays under its
cap, and the main process's traced peak over the corpus stages and the writers does not grow with the number of
(spilled) documents."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

import pipeline.scale
from pipeline.config import Config
from pipeline.model import DocResult, Document

PROBE = "mem-probe-"


def _fake_process(path: Path, root: Path, doc_id: str, config: Config) -> DocResult:
    """Stands in for ``scale.process_path`` in the forked workers: a result with a big text, no model."""
    return DocResult(doc=Document(doc_id, path.name, "txt", raw_text="某县" * 50_000))


def _alive(doc_ids: set[str]) -> int:
    gc.collect()
    return sum(1 for o in gc.get_objects() if isinstance(o, DocResult) and o.doc.doc_id in doc_ids)


def test_the_worker_pool_keeps_no_result_the_caller_has_let_go(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Each future holds its whole result: a run that kept every future until the pool closed held every document's
    # result in the main process during the whole document phase (memory growing with the corpus).
    monkeypatch.setattr(pipeline.scale, "process_path", _fake_process)
    monkeypatch.setattr(pipeline.scale, "_warm", lambda models_dir: None)
    tasks = [(tmp_path / f"d{i}.txt", f"{PROBE}{i}") for i in range(8)]
    seen: list[str] = []
    kept = []
    for r in pipeline.scale._run_pool(tasks, tmp_path, Config(), 2):
        seen.append(r.doc.doc_id)
        del r
        kept.append(_alive(set(seen[:-1])))  # the results handed over before this one, and let go
    assert sorted(seen) == sorted(doc_id for _, doc_id in tasks)
    assert kept == [0] * len(tasks)
