"""Shared by the output-folder robustness tests: a made-up corpus, a snapshot of a folder, and the check that a
folder holds exactly one complete run."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import duckdb

from pipeline.io.folder import MANIFEST, PAUSE_ENV, manifest_state

REPO = Path(__file__).resolve().parents[2]
MODELS = REPO / "models"
COUNTIES = ("榕江县", "从江县", "三穗县", "天柱县", "锦屏县", "黎平县")


def write_corpus(folder: Path, names: list[str], seed: int = 0) -> Path:
    """One made-up report per name (a county, a year, an amount and a household count; invented numbers)."""
    folder.mkdir(parents=True, exist_ok=True)
    for i, name in enumerate(names):
        county = COUNTIES[(i + seed) % len(COUNTIES)]
        text = (
            f"{county}产业扶贫调查\n一、基本情况\n{county}2015年有建档立卡贫困户{1200 + 37 * i + seed}户。\n"
            f"二、取得成效\n截至2019年底，{county}累计发放产业贷款{480 + i + seed}万元，带动农户{300 + i}户增收。\n"
        )
        path = folder / f"{name}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return folder


def snapshot(out: Path) -> dict[str, str]:
    """Every file under ``out`` (relative path) with its sha256: equal snapshots = the folder did not change. The
    cache's entries are left out: a run that fails keeps those it made (io/folder.py ``keep_entries``;
    tests/test_cache_failure.py)."""
    return {
        p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(out.rglob("*"))
        if p.is_file() and not p.relative_to(out).as_posix().startswith(".cache/docs/")
    }


def leftovers(out: Path) -> list[str]:
    """Staging or moved-aside folders beside ``out`` and temporary files inside it (the lock file is no leftover)."""
    beside = [p.name for p in out.parent.glob(f".{out.name}.*") if p.name != f".{out.name}.lock"]
    inside = [p.name for p in out.rglob(".*") if p.name.endswith((".tmp", ".wal")) or ".kg-load-" in p.name]
    return sorted(beside + inside)


def csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def assert_one_complete_run(out: Path, doc_ids: set[str]) -> dict[str, object]:
    """``out`` holds one complete run of the corpus whose doc_ids are ``doc_ids``: run.json complete and listing the
    files as they are, every table's row count in CSV and store equal to run.json's count, texts of exactly those
    documents. Returns the manifest."""
    assert manifest_state(out) == "complete"
    m = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    assert {r["doc_id"] for r in csv_rows(out / "documents.csv")} == doc_ids
    assert {p.relative_to(out / "text").with_suffix("").as_posix() for p in (out / "text").rglob("*.txt")} == doc_ids
    con = duckdb.connect(str(out / "kg.duckdb"), read_only=True)
    try:
        for name, n in m["counts"].items():
            if name.endswith(".csv"):
                assert len(csv_rows(out / name)) == n, name
                row = con.execute(f'select count(*) from "{name.removesuffix(".csv")}"').fetchone()
                assert row is not None and row[0] == n, name
    finally:
        con.close()
    for name, info in m["files"].items():
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == info["sha256"], name
    assert leftovers(out) == []
    return m


def start_extract(corpus: Path, out: Path, *args: str, pause_at: str = "", **env: str) -> subprocess.Popen[str]:
    """``python -m pipeline.cli extract`` as a separate process (stderr piped), paused at ``pause_at`` if given."""
    environ = {**os.environ, "PYTHONPATH": str(REPO), **env}
    environ.pop(PAUSE_ENV, None)
    if pause_at:
        environ[PAUSE_ENV] = pause_at
    cmd = [sys.executable, "-m", "pipeline.cli", "extract", str(corpus), "--out", str(out), "--models-dir", str(MODELS)]
    return subprocess.Popen([*cmd, *args], env=environ, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def wait_for(proc: subprocess.Popen[str], needle: str, timeout: float = 300) -> tuple[bool, str]:
    """Read the process's stderr until a line holds ``needle`` (True) or it ends (False); returns what was read."""
    assert proc.stderr is not None
    timer = threading.Timer(timeout, proc.kill)  # a run that hangs fails the test instead of blocking it
    timer.start()
    seen: list[str] = []
    try:
        for line in proc.stderr:
            seen.append(line)
            if needle in line:
                return True, "".join(seen)
        return False, "".join(seen)
    finally:
        timer.cancel()


def finish(proc: subprocess.Popen[str], timeout: float = 300) -> tuple[int, str]:
    """Wait for the process; its exit code and the rest of its stderr."""
    rest = proc.communicate(timeout=timeout)[1]
    return proc.returncode, rest
