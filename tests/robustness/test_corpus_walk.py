"""Inputs that vanish: every entry the corpus walk meets is read or is a row with its reason (FIFOs never
opened, bad links, links out of the corpus not followed, links inside followed once), and output folders
inside the corpus are skipped and reported."""

from __future__ import annotations

import os
import signal
import socket
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.config import Config
from pipeline.ingest import iter_corpus, list_corpus, walk_corpus
from pipeline.model import Document

REPORT = "某县乡村振兴工作总结。全县脱贫户1200户，人均收入增长8.5%。\n"
SECRET = "OUTSIDE-SECRET 不应读取"


@pytest.fixture(autouse=True)
def _no_hang() -> Iterator[None]:
    """A walk that opens a FIFO would block forever: fail the test instead."""

    def boom(signum: int, frame: object) -> None:
        raise TimeoutError("the corpus walk blocked (a FIFO opened?)")

    old = signal.signal(signal.SIGALRM, boom)
    signal.alarm(30)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def _docs(corpus: Path, **kw: object) -> dict[str, Document]:
    return {d.source: d for d in iter_corpus(corpus, Config(), **kw)}  # type: ignore[arg-type]


def _corpus(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    (corpus / "sub").mkdir(parents=True)
    (corpus / "sub" / "report.txt").write_text(REPORT, encoding="utf-8")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text(SECRET, encoding="utf-8")
    return corpus


def test_fifo_is_a_row_and_never_opened(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path)
    os.mkfifo(corpus / "pipe.txt")
    docs = _docs(corpus)
    assert docs["pipe.txt"].status == "failed" and docs["pipe.txt"].error_code == "E040"
    assert "FIFO" in docs["pipe.txt"].error and "not opened" in docs["pipe.txt"].error
    assert docs["sub/report.txt"].status == "ok"


def test_socket_is_a_row(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    corpus = _corpus(tmp_path)
    monkeypatch.chdir(corpus)  # AF_UNIX paths are short: bind by a relative name
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.bind("sock.txt")
        docs = _docs(corpus)
    finally:
        s.close()
    assert docs["sock.txt"].error_code == "E040" and "socket" in docs["sock.txt"].error


def test_device_is_a_row(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path)
    try:
        os.mknod(corpus / "null.txt", stat.S_IFCHR | 0o600, os.makedev(1, 3))
    except (PermissionError, OSError) as exc:
        pytest.skip(f"cannot make a device node here ({exc}); FIFOs and sockets cover the same check")
    docs = _docs(corpus)
    assert docs["null.txt"].error_code == "E040" and "character device" in docs["null.txt"].error


def test_bad_links_are_rows(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path)
    (corpus / "gone.txt").symlink_to(corpus / "missing.txt")
    (corpus / "loop_a.txt").symlink_to(corpus / "loop_b.txt")
    (corpus / "loop_b.txt").symlink_to(corpus / "loop_a.txt")
    docs = _docs(corpus)
    assert docs["gone.txt"].error_code == "E041" and "missing.txt" in docs["gone.txt"].error
    assert docs["loop_a.txt"].error_code == docs["loop_b.txt"].error_code == "E042"
    assert all(d.status == "failed" for k, d in docs.items() if k != "sub/report.txt")
    assert docs["sub/report.txt"].status == "ok"


def test_links_out_of_the_corpus_are_not_read(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path)
    (corpus / "secret.txt").symlink_to(tmp_path / "outside" / "secret.txt")
    (corpus / "ext").symlink_to(tmp_path / "outside", target_is_directory=True)
    (corpus / "abs").symlink_to("/etc/hostname")
    docs = _docs(corpus)
    for name in ("secret.txt", "ext", "abs"):
        assert docs[name].status == "failed" and docs[name].error_code == "E043", docs[name].error
        assert "outside the corpus" in docs[name].error
    assert not any("OUTSIDE-SECRET" in d.raw_text for d in docs.values())
    assert "ext/secret.txt" not in docs


def test_links_inside_are_followed_once(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path)
    (corpus / "alias").symlink_to(corpus / "sub", target_is_directory=True)  # a walked folder: read once
    (corpus / "sub" / "up").symlink_to("..", target_is_directory=True)  # a loop back up the tree
    (corpus / "copy.txt").symlink_to(corpus / "sub" / "report.txt")  # a walked file
    hidden = corpus / ".archive"
    hidden.mkdir()
    (hidden / "old.txt").write_text("旧报告：全县脱贫户900户。\n", encoding="utf-8")
    (corpus / "old.txt").symlink_to(hidden / "old.txt")  # only reachable through the link: read
    (corpus / "archive").symlink_to(hidden, target_is_directory=True)  # the same folder: read through the link
    docs = _docs(corpus)
    assert docs["sub/report.txt"].status == "ok"
    for name in ("alias", "sub/up", "copy.txt"):
        assert docs[name].error_code == "E044" and "already read" in docs[name].error
    # the hidden file is read exactly once (through the folder link, met first in name order); the file link
    # is a row saying where it is read
    read_old = [k for k, d in docs.items() if "900户" in d.raw_text]
    assert read_old == ["archive/old.txt"]
    assert docs["old.txt"].error_code == "E044"
    assert sum(1 for d in docs.values() if "1200户" in d.raw_text) == 1


def test_unreadable_file_and_folder_are_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    corpus = _corpus(tmp_path)
    (corpus / "locked.txt").write_text(REPORT, encoding="utf-8")
    (corpus / "closed").mkdir()
    (corpus / "closed" / "a.txt").write_text(REPORT, encoding="utf-8")
    if os.geteuid() == 0:  # root reads through chmod 000: make the open and the listing fail instead
        import pipeline.ingest as ingest_mod

        real_read, real_scandir = ingest_mod._read_limited, os.scandir

        def read(path: Path, limit: int) -> bytes:
            if Path(path).name == "locked.txt":
                raise PermissionError(13, "Permission denied", str(path))
            return real_read(path, limit)

        def scandir(path: object = ".") -> object:
            if Path(str(path)).name == "closed":
                raise PermissionError(13, "Permission denied", str(path))
            return real_scandir(path)  # type: ignore[call-overload]

        monkeypatch.setattr(ingest_mod, "_read_limited", read)
        monkeypatch.setattr(os, "scandir", scandir)
    else:
        (corpus / "locked.txt").chmod(0)
        (corpus / "closed").chmod(0)
    try:
        docs = _docs(corpus)
    finally:
        (corpus / "closed").chmod(0o755)
        (corpus / "locked.txt").chmod(0o644)
    assert docs["locked.txt"].error_code == "E006"
    assert docs["closed"].error_code == "E045" and "cannot list this folder" in docs["closed"].error
    assert "Permission denied" in docs["closed"].error
    assert docs["sub/report.txt"].status == "ok"


def _fake_output(folder: Path) -> None:
    (folder / "text").mkdir(parents=True)
    (folder / "text" / "report.txt").write_text(REPORT, encoding="utf-8")
    (folder / "documents.csv").write_text("doc_id,status\nreport,ok\n", encoding="utf-8")
    (folder / "figures.csv").write_text("doc_id,value\nreport,1200\n", encoding="utf-8")
    (folder / "kg.duckdb").write_bytes(b"DUCK" * 10)


def test_output_folders_inside_the_corpus_are_skipped_and_said(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path)
    out = corpus / "out"
    out.mkdir()
    (out / "notes.txt").write_text(REPORT, encoding="utf-8")  # this run's output folder: never read
    _fake_output(corpus / "old_run")  # an earlier run's outputs, recognised by their files
    walk = walk_corpus(corpus, exclude=[out])
    assert [p.relative_to(corpus).as_posix() for p in walk.files] == ["sub/report.txt"]
    skipped = {p.name: why for p, why in walk.skipped}
    assert set(skipped) == {"out", "old_run"}
    assert "output folder of this run" in skipped["out"] and "earlier run" in skipped["old_run"]
    assert list_corpus(corpus, exclude=[out]) == walk.files
    # A link to the output folder, or into it, is not a way in.
    (corpus / "results").symlink_to(corpus / "old_run", target_is_directory=True)
    (corpus / "t.txt").symlink_to(corpus / "old_run" / "text" / "report.txt")
    docs = _docs(corpus, exclude=[out])
    assert docs["t.txt"].error_code == "E043"
    assert not any(k.startswith(("out/", "old_run/", "results/")) for k in docs)


def test_one_file_corpus_may_be_a_link_anywhere(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path)
    link = corpus / "one.txt"
    link.symlink_to(corpus / "sub" / "report.txt")
    docs = list(iter_corpus(link, Config()))
    assert len(docs) == 1 and docs[0].status == "ok"
    os.mkfifo(tmp_path / "fifo.txt")
    docs = list(iter_corpus(tmp_path / "fifo.txt", Config()))
    assert docs[0].error_code == "E040"
