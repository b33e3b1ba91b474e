"""Disk full: every write is checked; a failed write fails the run with a clear message (what, where, how much
space) and a non-zero exit, and the output folder stays the previous complete run. Faults are made by patching
the writes (ENOSPC at several points) and, where it can be mounted, on a real small tmpfs."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import duckdb
import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.io import store, writers
from tests.robustness.folder_fixtures import MODELS, assert_one_complete_run, leftovers, snapshot, write_corpus

runner = CliRunner()
NO_SPACE = os.strerror(errno.ENOSPC)


def _extract(corpus: Path, out: Path) -> Any:
    return runner.invoke(app, ["extract", str(corpus), "--out", str(out), "--models-dir", str(MODELS)])


class _Full:
    """A file whose writes fail as on a full disk."""

    def __init__(self, fh: Any) -> None:
        self.fh = fh

    def __enter__(self) -> _Full:
        return self

    def __exit__(self, *exc: object) -> None:
        self.fh.close()

    def write(self, data: bytes) -> int:
        raise OSError(errno.ENOSPC, NO_SPACE)


class DiskFull:
    """Stands in for ``os`` and ``tempfile`` in pipeline.io.writers: the atomic write of a file called ``name``
    fails with ENOSPC when it writes its bytes, as the kernel reports a full disk; every other write succeeds."""

    def __init__(self, name: str) -> None:
        self.name, self.armed, self.hits = name, False, 0

    def __getattr__(self, attr: str) -> Any:
        return getattr(os, attr)

    def mkstemp(self, dir: Path, prefix: str, suffix: str) -> tuple[int, str]:
        self.armed = prefix == f".{self.name}."
        return tempfile.mkstemp(dir=dir, prefix=prefix, suffix=suffix)

    def fdopen(self, fd: int, mode: str) -> Any:
        fh = os.fdopen(fd, mode)
        if self.armed:
            self.hits += 1
            return _Full(fh)
        return fh


@pytest.fixture
def old_run(tmp_path: Path) -> tuple[Path, Path, dict[str, str]]:
    """A folder holding a complete run, its corpus (changed since) and its snapshot."""
    corpus = write_corpus(tmp_path / "c", ["one", "two"])
    out = tmp_path / "out"
    assert _extract(corpus, out).exit_code == 0
    write_corpus(corpus, ["three"], seed=2)
    return corpus, out, snapshot(out)


FILES = ["three.txt", "figures.csv", "ruralmine.xlsx", "graph.graphml", "nodes.csv", "run.json"]


@pytest.mark.parametrize("name", FILES)
def test_a_full_disk_at_any_file_fails_the_run_and_keeps_the_old_one(
    old_run: tuple[Path, Path, dict[str, str]], monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    corpus, out, before = old_run
    full = DiskFull(name)
    monkeypatch.setattr(writers, "os", full)
    monkeypatch.setattr(writers, "tempfile", full)
    got = _extract(corpus, out)
    assert full.hits == 1
    assert got.exit_code == 2
    text = " ".join(got.output.split())
    assert NO_SPACE in text and f"{name}:" in text and "bytes to write" in text and "bytes free there" in text
    assert "still holds the previous complete run" in text and "free some space and run again" in text
    assert snapshot(out) == before and leftovers(out) == []
    monkeypatch.undo()
    assert _extract(corpus, out).exit_code == 0  # space again: the next run succeeds
    assert_one_complete_run(out, {"one", "two", "three"})


def test_a_store_that_cannot_be_written_fails_the_run(
    old_run: tuple[Path, Path, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus, out, before = old_run
    real = store._create

    def create(con: duckdb.DuckDBPyConnection, name: str, *args: Any) -> None:
        if name == "edges":
            raise duckdb.IOException(f'Could not write file "{out}/.kg.duckdb.tmp": {NO_SPACE}')
        real(con, name, *args)

    monkeypatch.setattr(store, "_create", create)
    got = _extract(corpus, out)
    assert got.exit_code == 2
    text = " ".join(got.output.split())
    assert "cannot write" in text and "kg.duckdb" in text and NO_SPACE in text
    assert snapshot(out) == before and leftovers(out) == []


def test_a_store_left_in_its_write_ahead_log_is_never_moved_in(
    old_run: tuple[Path, Path, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bug of issue 10: the data stayed in .kg.duckdb.tmp.wal and an empty kg.duckdb was moved in."""
    corpus, out, before = old_run
    real = store._write_store

    def unflushed(tmp: Path, *args: Any) -> None:
        real(tmp, *args)
        tmp.with_name(tmp.name + ".wal").write_bytes(b"\0" * 128)  # as if CHECKPOINT had not reached the file

    monkeypatch.setattr(store, "_write_store", unflushed)
    got = _extract(corpus, out)
    assert got.exit_code == 2 and "was not checkpointed" in " ".join(got.output.split())
    assert snapshot(out) == before and leftovers(out) == []


def test_a_failure_of_any_kind_midway_keeps_the_old_run(
    old_run: tuple[Path, Path, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus, out, before = old_run

    def bug(*args: object) -> None:
        raise RuntimeError("a bug in a writer")

    monkeypatch.setattr(writers, "write_dl", bug)
    got = _extract(corpus, out)
    assert got.exit_code != 0 and isinstance(got.exception, RuntimeError)
    assert snapshot(out) == before and leftovers(out) == []


@pytest.fixture
def small_disk(tmp_path: Path) -> Any:
    """A real tmpfs of a few MB, or a skip where it cannot be mounted (needs root and a kernel that allows it)."""
    mounted: list[Path] = []

    def mount(mb: int) -> Path:
        where = tmp_path / f"disk{len(mounted)}"
        where.mkdir()
        if os.geteuid() != 0 or not shutil.which("mount"):
            pytest.skip("mounting a small tmpfs needs root (the patched-write tests cover disk full)")
        got = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={mb}m", "tmpfs", str(where)], capture_output=True)
        if got.returncode:
            pytest.skip(f"cannot mount a tmpfs here: {got.stderr.decode(errors='replace').strip()}")
        mounted.append(where)
        return where

    yield mount
    for where in mounted:
        subprocess.run(["umount", "-l", str(where)], check=False)


def test_a_real_full_disk_fails_clearly_and_keeps_the_old_run(tmp_path: Path, small_disk: Any) -> None:
    corpus = write_corpus(tmp_path / "c", ["one", "two"])
    tiny = small_disk(2)  # less than one run needs (the store alone is ~3 MB): the first run cannot finish
    got = _extract(corpus, tiny / "out")
    assert got.exit_code == 2 and NO_SPACE in got.output
    kept = [f.relative_to(tiny / "out").parts[:2] for f in (tiny / "out").rglob("*") if f.is_file()]
    assert kept == [(".cache", "docs")] * 2 and leftovers(tiny / "out") == []  # only the documents' cache entries

    disk = small_disk(5)  # room for one run, not for a second beside it
    out = disk / "out"
    assert _extract(corpus, out).exit_code == 0
    before = snapshot(out)
    write_corpus(corpus, ["three"], seed=2)
    got = _extract(corpus, out)
    assert got.exit_code == 2, got.output
    text = " ".join(got.output.split())
    assert NO_SPACE in text and "still holds the previous complete run" in text
    assert snapshot(out) == before and leftovers(out) == []
    assert_one_complete_run(out, {"one", "two"})
