"""The corpus walk: every entry under the corpus folder is either a file to read or a row with its reason.

Regular files are read; FIFOs, sockets and devices are never opened (reading a FIFO would block the run) and
become rows (E040), as do dangling links (E041), link loops (E042), links leading outside the corpus (E043: the
target is not read) and links to something the walk reads anyway (E044: read once). Links that resolve inside
the corpus to something the walk would not otherwise meet (e.g. a hidden folder) are followed, each target once.
Folders that cannot be listed become rows (E045). The run's own output folder, and any folder holding an earlier
run's outputs (``documents.csv`` beside ``kg.duckdb``, ``run.json`` or ``text/``), are skipped and reported in
``CorpusWalk.skipped``, so a run never ingests what the pipeline wrote.
"""

from __future__ import annotations

import errno
import logging
import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.errors import ErrorCode, Errors

logger = logging.getLogger(__name__)

__all__ = ["CorpusWalk", "Refusal", "check_entry", "is_output_folder", "walk_corpus"]

_OUTPUT_MARKERS = ("kg.duckdb", "run.json", "text")  # beside documents.csv: a folder this pipeline wrote


@dataclass(frozen=True)
class Refusal:
    """Why an entry is not read: an error code and its template fields."""

    code: ErrorCode
    fields: tuple[tuple[str, Any], ...] = ()

    def kwargs(self) -> dict[str, Any]:
        return dict(self.fields)


@dataclass
class CorpusWalk:
    """What the walk met: ``files`` (sorted) each become a row, read unless ``refused`` says why not;
    ``skipped`` folders (with the reason) are not walked at all."""

    root: Path
    files: list[Path] = field(default_factory=list)
    refused: dict[Path, Refusal] = field(default_factory=dict)
    skipped: list[tuple[Path, str]] = field(default_factory=list)


def _refuse(code: ErrorCode, **fields: Any) -> Refusal:
    return Refusal(code, tuple(sorted(fields.items())))


def is_hidden_name(name: str) -> bool:
    """Dot files/folders, plus what other systems hide: Office lock files (``~$x.docx``), ``__MACOSX``."""
    return name.startswith((".", "~$")) or name == "__MACOSX"


def _skipped_file(name: str) -> bool:
    """A folder's README describes the corpus, a corrections file corrects it: neither is a document."""
    stem = name.split(".", 1)[0].lower()
    return stem == "readme" or (name.lower().endswith(".csv") and stem == "corrections")


def is_output_folder(path: Path) -> bool:
    """A folder an earlier run of this pipeline wrote: ``documents.csv`` beside one of its other outputs."""
    try:
        return (path / "documents.csv").is_file() and any((path / m).exists() for m in _OUTPUT_MARKERS)
    except OSError:
        return False


def _inside(real: str, real_root: str) -> bool:
    return real == real_root or real.startswith(real_root.rstrip(os.sep) + os.sep)


_KINDS = (
    (stat.S_ISFIFO, "FIFO (named pipe)"),
    (stat.S_ISSOCK, "socket"),
    (stat.S_ISCHR, "character device"),
    (stat.S_ISBLK, "block device"),
    (stat.S_ISDIR, "folder"),
)


def special_kind(mode: int) -> str:
    """What a non-regular entry is (``FIFO (named pipe)``, ``socket``...), ``""`` for a regular file."""
    if stat.S_ISREG(mode):
        return ""
    return next((name for test, name in _KINDS if test(mode)), "special file")


def check_entry(path: Path, root: Path) -> Refusal | None:
    """Why ``path`` must not be opened (a FIFO, a device, a bad link, a link out of ``root``), or None.

    Uses ``stat`` only: nothing is opened. ``path`` equal to ``root`` (a one-file corpus) may be a link anywhere.
    """
    path, root = Path(path), Path(root)
    try:
        st = os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return _refuse(Errors.E042)
        if os.path.islink(path):
            return _refuse(Errors.E041, target=os.readlink(path))
        return None  # a missing file: load_document's own stat reports it (E007)
    if path != root and os.path.islink(path):
        real_root = os.path.realpath(root if root.is_dir() else root.parent)
        if not _inside(os.path.realpath(path), real_root):
            return _refuse(Errors.E043, target=os.readlink(path))
    kind = special_kind(st.st_mode)
    return _refuse(Errors.E040, kind=kind) if kind else None


def walk_corpus(root: Path, exclude: Iterable[Path] = ()) -> CorpusWalk:
    """Every entry under ``root`` (recursive; hidden entries, READMEs and corrections files left out), each a
    file to read or a refusal; folders in ``exclude`` (the run's output folder) and earlier output folders are
    skipped and listed. ``root`` itself when it is not a folder (a one-file corpus)."""
    root = Path(root)
    walk = CorpusWalk(root=root)
    if not root.is_dir():
        walk.files = [root]
        return walk
    real_root = os.path.realpath(root)
    excluded = {os.path.realpath(e) for e in exclude}
    walked_dirs: set[str] = set()
    read_files: dict[str, Path] = {}  # real path -> the entry it is read from
    links: list[Path] = []
    no_go: list[str] = []  # real paths of skipped folders: links into them are refused too

    def skip_folder(p: Path, real: str) -> bool:
        if real in excluded:
            reason = "the output folder of this run, inside the corpus: not read"
        elif is_output_folder(p):
            reason = "an earlier run's output folder (documents.csv, kg.duckdb...): not read"
        else:
            return False
        walk.skipped.append((p, reason))
        no_go.append(real)
        logger.warning("skipped folder %s: %s", p, reason)
        return True

    def visit(folder: Path, real_folder: str) -> None:
        walked_dirs.add(real_folder)
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            walk.files.append(folder)
            walk.refused[folder] = _refuse(Errors.E045, detail=exc.strerror or exc)
            return
        for e in entries:
            p = Path(e.path)
            if is_hidden_name(e.name):
                continue
            if e.is_symlink():
                links.append(p)
            elif e.is_dir(follow_symlinks=False):
                real = os.path.realpath(p)
                if not skip_folder(p, real):
                    visit(p, real)
            elif not _skipped_file(e.name):
                walk.files.append(p)  # a regular file, or a FIFO/socket/device: load_document refuses those
                read_files[os.path.realpath(p)] = p

    if not skip_folder(root, real_root):
        visit(root, real_root)
    # Links last, so "already read" knows every folder and file the plain walk reads; links met while
    # following a link join the queue.
    while links:
        p = links.pop(0)
        refusal = check_entry(p, root)
        if refusal is not None and refusal.code is not Errors.E040:
            walk.files.append(p)
            walk.refused[p] = refusal
            continue
        real = os.path.realpath(p)
        target = os.readlink(p)
        if any(_inside(real, d) for d in no_go):
            walk.files.append(p)
            walk.refused[p] = _refuse(Errors.E043, target=target)
        elif os.path.isdir(p):
            if real in excluded or is_output_folder(p):
                skip_folder(p, real)
            elif any(_inside(d, real) for d in walked_dirs):
                # the target is walked already, or holds a walked folder (a loop back up the tree)
                walk.files.append(p)
                walk.refused[p] = _refuse(Errors.E044, target=target)
            else:
                n_before = len(links)
                visit(p, real)
                links[n_before:] = sorted(links[n_before:])
        elif not _skipped_file(p.name):
            if real in read_files:
                walk.files.append(p)
                walk.refused[p] = _refuse(Errors.E044, target=target)
            else:
                walk.files.append(p)  # a link to a file inside the corpus the walk does not meet otherwise
                read_files[real] = p
    walk.files.sort()
    return walk
