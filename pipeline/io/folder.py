"""The output folder as one unit: a run is staged beside it and switched in in one step, under a lock, and its
manifest ``run.json`` (written last) says the folder holds one complete run.

Layout for ``--out /data/outputs`` (everything on the same filesystem, so every move is a rename):

- ``/data/.outputs.lock``: the lock a run holds from start to end (``fcntl.flock``; released by the kernel when
  the process dies, so a killed run never leaves a stale lock). It names the holder (pid, start time, command).
- ``/data/.outputs.staging-<pid>``: the run being written. It starts as a hard-linked copy of the current folder
  (files the run does not write, such as a user's notes or ``outputs/eval``, stay; stale per-document files are
  removed as before), every output is then replaced in it (atomically, file by file: the old folder's files are
  never modified), ``run.json`` is written last, and the staging folder is switched with the output folder:
  ``renameat2(RENAME_EXCHANGE)`` on Linux (one atomic step), else rename the old folder aside
  (``.outputs.old-<pid>``) and the new one into place. Readers that open ``outputs/figures.csv`` see the old
  complete run or the new one.
- A run that dies leaves ``.outputs.staging-*`` or ``.outputs.old-*``: the next run (holding the lock) restores
  the old folder if it was moved aside and not replaced, removes the rest, and reports it.

When the folder's parent cannot take a sibling (not writable, or the output folder is a mount point such as a
container volume), the run writes in place: ``run.json`` is first replaced by a marker ``"complete": false``,
so an interrupted run leaves a folder marked incomplete (queries refuse it), never one that looks complete.
"""

from __future__ import annotations

import dataclasses
import errno
import hashlib
import json
import logging
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from pipeline.errors import PipelineError

log = logging.getLogger(__name__)

MANIFEST = "run.json"
MANIFEST_FORMAT = 1
LOCK_WAIT = 60.0  # seconds a second run waits for the lock before it gives up (extract --wait)
PAUSE_ENV = "RURALMINE_PAUSE_AT"  # tests: a run sleeps at this named point of its write phase (to be killed there)
SWAP_ENV = "RURALMINE_SWAP"  # tests: "rename" forces the two-rename switch where renameat2 exists
REPO = Path(__file__).resolve().parents[2]
# Top-level folders whose files are hashed in the manifest besides the top-level files (text/ and review/ are not:
# a corpus can have many thousands of them).
HASHED_DIRS = ("neo4j",)
# The per-document cache's entries (io/cache.py): content-addressed (a file's name is the key of what it holds), so a
# run that fails or is interrupted moves those it made into the output folder instead of losing them.
KEPT_ON_FAILURE = (".cache", "docs")


class OutputFolderError(PipelineError):
    """The output folder cannot be used or written; says what, where and what to do."""


class FolderLocked(OutputFolderError):
    """Another run holds the output folder's lock."""


class WriteFailed(PipelineError, OSError):
    """A write into the output folder failed (disk full, permissions, I/O error); ``errno`` is the cause's."""

    def __init__(self, path: Path, size: int | None, cause: BaseException, written: int | None = None) -> None:
        code = getattr(cause, "errno", None)
        reason = getattr(cause, "strerror", None) or str(cause)
        need = f"{size:,} bytes to write" if size is not None else ""
        if size is None and written is not None:  # a streamed file: its size is known only up to the failure
            need = f"more than {written:,} bytes to write"
        free = free_space(path)
        space = "; ".join(filter(None, [need, f"{free:,} bytes free there" if free is not None else ""]))
        super().__init__(code, f"cannot write {path}: {reason}" + (f" ({space})" if space else ""))
        self.path, self.size = path, size

    def __str__(self) -> str:
        return str(self.strerror)


def free_space(path: Path) -> int | None:
    """Free bytes on the filesystem of ``path`` (its nearest existing ancestor), None when unknown."""
    for p in (path, *path.parents):
        if p.exists():
            try:
                return shutil.disk_usage(p).free
            except OSError:
                return None
    return None


def pause_point(name: str) -> None:
    """A named point of the write phase; a run started with ``RURALMINE_PAUSE_AT=name`` sleeps there (tests kill
    it at that moment). Does nothing otherwise."""
    if os.environ.get(PAUSE_ENV) == name:
        log.warning("paused at %s (pid %d)", name, os.getpid())
        time.sleep(3600)


# -- the lock -----------------------------------------------------------------------------------------------------


class FolderLock:
    """An exclusive lock on ``path`` held by this process until ``release`` (or its death)."""

    def __init__(self, path: Path, out: Path, wait: float = LOCK_WAIT) -> None:
        self.path, self.out, self.wait = path, out, wait
        self.fd: int | None = None

    def acquire(self) -> None:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + max(self.wait, 0.0)
        announced, wait = False, self.wait
        while not _try_lock(fd):
            if time.monotonic() >= deadline:
                holder = self.holder()
                os.close(fd)
                raise FolderLocked(
                    f"{self.out} is being written by another run ({holder}; lock file {self.path}); waited "
                    f"{self.wait:g} s. Nothing was done: wait for that run to finish (or stop it), or give another "
                    "--out; a longer wait: --wait SECONDS"
                )
            if not announced:
                log.warning("%s is being written by another run (%s); waiting %g s", self.out, self.holder(), wait)
                announced = True
            time.sleep(0.2)
        self.fd = fd
        info = {"pid": os.getpid(), "started": _now(), "command": " ".join(sys.argv)[:500]}
        os.ftruncate(fd, 0)
        os.pwrite(fd, (json.dumps(info, ensure_ascii=False) + "\n").encode("utf-8"), 0)

    def holder(self) -> str:
        try:
            info = json.loads(self.path.read_text(encoding="utf-8") or "{}")
        except (OSError, ValueError):
            info = {}
        if not info:
            return "process unknown"
        return f"pid {info.get('pid', '?')}, started {info.get('started', '?')}, command {info.get('command', '?')!r}"

    def release(self) -> None:
        if self.fd is not None:
            _unlock(self.fd)
            os.close(self.fd)
            self.fd = None


if sys.platform == "win32":  # pragma: no cover - the portable fallback: a byte-range lock
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            os.lseek(fd, 2**20, os.SEEK_SET)  # beyond the holder's note, which others read
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False

    def _unlock(fd: int) -> None:
        os.lseek(fd, 2**20, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            return False

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


# -- names beside the output folder -------------------------------------------------------------------------------


def _sibling(out: Path, kind: str) -> Path:
    return out.parent / f".{out.name}.{kind}"


def _leftovers(out: Path, kind: str) -> list[Path]:
    return sorted(out.parent.glob(f".{out.name}.{kind}-*")) if out.parent.is_dir() else []


def _is_temp(name: str) -> bool:
    """Temporary files of our writers: ``.figures.csv.x8k2.tmp`` (atomic writes), ``.kg.duckdb.tmp`` and its
    ``.wal``, ``.kg-load-*`` (the store's bulk-load folder)."""
    return name.startswith(".") and (name.endswith((".tmp", ".tmp.wal")) or name.startswith(".kg-load-"))


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _same_device(a: Path, b: Path) -> bool:
    try:
        return a.stat().st_dev == b.stat().st_dev
    except OSError:
        return False


def staged_mode(out: Path) -> bool:
    """Whether a run can stage beside ``out`` (a writable parent on the same filesystem, ``out`` no mount point)."""
    parent = out.parent
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        return False
    return not (out.is_dir() and (os.path.ismount(out) or not _same_device(out, parent)))


def target(out: Path) -> Path:
    """The folder a run replaces: ``out``, or where it points when it is a symlink (so the link stays)."""
    return out.resolve() if out.is_symlink() else out.absolute()


# -- checks before any work ---------------------------------------------------------------------------------------


def _probe(folder: Path) -> None:
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".ruralmine-probe.", suffix=".tmp")
    os.close(fd)
    os.unlink(tmp)


def check_writable(out: Path) -> bool:
    """Refuse, before any work, an output folder a run could not write; returns whether the run is staged."""
    if out.exists() and not out.is_dir():
        raise OutputFolderError(
            f"--out {out} is a file, not a folder: nothing was done; give a new or existing folder (OUT=DIR)"
        )
    try:
        if not out.parent.exists():
            out.parent.mkdir(parents=True, exist_ok=True)
        staged = staged_mode(out)
        if out.is_dir():
            _probe(out)  # a read-only folder (or filesystem) is refused even where a sibling could replace it
        if staged:
            _probe(out.parent)
        else:
            out.mkdir(exist_ok=True)
            _probe(out)
    except OSError as exc:
        where = exc.filename or out
        raise OutputFolderError(
            f"the output folder {out} is not writable ({where}: {exc.strerror or exc}): nothing was done; fix its "
            "permissions or give another --out"
        ) from exc
    return staged


# -- recovery of interrupted runs ---------------------------------------------------------------------------------


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def recover(out: Path) -> list[str]:
    """Clean up after runs that died (call with the lock held): restore a complete folder moved aside and never
    replaced, remove staging folders and temporary files. Returns what was done, in words (also logged)."""
    notes: list[str] = []
    asides = _leftovers(out, "old")
    if not out.exists() and asides:
        back = asides.pop()
        os.rename(back, out)
        notes.append(f"restored the previous complete run from {back.name} (a run died while switching folders)")
    for p in _leftovers(out, "staging") + asides:
        kept = keep_entries(p, out) if p.name.startswith(f".{out.name}.staging-") else 0
        _remove(p)
        if kept:
            notes.append(f"kept {kept} cache entries of {p.name} in {out.name}/{'/'.join(KEPT_ON_FAILURE)}")
        notes.append(f"removed {p.name} (left by a run that was interrupted)")
    if out.is_dir():
        temps = [p for p in _walk(out) if _is_temp(p.name)]
        for p in temps:
            _remove(p)
        if temps:
            notes.append(f"removed {len(temps)} temporary file(s) left in {out.name} ({temps[0].name} …)")
        state = manifest_state(out)
        if state.startswith("incomplete"):
            notes.append(f"{out.name} held an incomplete run ({state}); this run replaces it")
    for n in notes:
        log.warning("%s: %s", out, n)
    return notes


def keep_entries(staging: Path, out: Path) -> int:
    """Move the cache entries of a staging folder that ``out`` lacks into ``out`` (created when missing): a run that
    failed keeps the documents it processed for the next run. Entries are content-addressed and each written
    atomically (a name is its content's key), so an entry ``out`` already has (the hard-linked copy of its own)
    stays; temporary files are left behind. Returns the number moved; never raises (logs what it could not do)."""
    src_root, dst_root = staging.joinpath(*KEPT_ON_FAILURE), out.joinpath(*KEPT_ON_FAILURE)
    moved = 0
    try:
        if not src_root.is_dir() or src_root.is_symlink():
            return 0
        for sub in sorted(src_root.iterdir()):
            if not sub.is_dir() or sub.is_symlink():
                continue
            for entry in sorted(sub.glob("*.pkl")):
                dst = dst_root / sub.name / entry.name
                if entry.name.startswith(".") or dst.exists() or not entry.is_file():
                    continue
                dst.parent.mkdir(parents=True, exist_ok=True)
                os.replace(entry, dst)  # same filesystem (the staging folder is out's sibling): a rename
                moved += 1
    except OSError as exc:
        log.warning("%s: could not keep all cache entries of the failed run (%s); kept %d", out, exc, moved)
    return moved


def _walk(root: Path) -> Iterable[Path]:
    for dirpath, dirnames, filenames in os.walk(root):
        base = Path(dirpath)
        yield from (base / d for d in dirnames if _is_temp(d))
        dirnames[:] = [d for d in dirnames if not _is_temp(d)]
        yield from (base / f for f in filenames)


def link_copy(src: Path, dst: Path) -> None:
    """``dst`` as a copy of ``src`` made of hard links (copies where links fail; symlinks as symlinks; folders with
    their modes), without temporary files and the manifest: the starting point of a staged run. Writers replace
    files (never modify them), so the old folder's files stay as they were. FIFOs and sockets are not carried."""
    dst.mkdir()
    for dirpath, dirnames, filenames in os.walk(src):
        base = Path(dirpath)
        rel = base.relative_to(src)
        os.chmod(dst / rel, stat.S_IMODE(base.stat().st_mode))
        links = [d for d in dirnames if (base / d).is_symlink()]
        dirnames[:] = [d for d in dirnames if not _is_temp(d) and d not in links]
        for d in dirnames:
            (dst / rel / d).mkdir()
        for f in [*filenames, *links]:
            if _is_temp(f) or (rel == Path(".") and f in (MANIFEST, ".lock")):
                continue
            s, t = base / f, dst / rel / f
            if s.is_symlink():
                os.symlink(os.readlink(s), t)
            elif s.is_file():
                try:
                    os.link(s, t)
                except OSError:
                    shutil.copy2(s, t)


# -- the manifest -------------------------------------------------------------------------------------------------


def code_version() -> dict[str, str | None]:
    """The package version and ``git describe`` of the code (None without git or outside a checkout)."""
    from pipeline import __version__

    git = None
    if (REPO / ".git").exists():
        try:
            got = subprocess.run(
                ["git", "-C", str(REPO), "describe", "--always", "--dirty", "--tags"],
                capture_output=True,
                text=True,
                timeout=10,
                check=False,
            )
            git = got.stdout.strip() or None if got.returncode == 0 else None
        except (OSError, subprocess.SubprocessError):
            git = None
    return {"package": __version__, "git": git}


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


Stamp = tuple[int, int, int, int]  # what says a file is the one hashed: inode, size, mtime and ctime (ns)


def file_stamp(st: os.stat_result) -> Stamp:
    return st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns


def input_hashes(
    corpus: Path, sources: Iterable[str], known: Mapping[Path, tuple[str, Stamp]] | None = None
) -> list[dict[str, Any]]:
    """sha256 and size of each input (``Document.source``, relative to the corpus); a source that is no regular
    file inside the corpus (a FIFO, a link leading out) is listed without a hash, never read. ``known``: hashes
    the run already made (``io/cache.py``, by resolved path, with the file's stamp then): a file whose stamp is
    still that one is not read again."""
    root = corpus.resolve()
    out = []
    for src in sources:
        path = corpus if corpus.is_file() else corpus / src
        entry: dict[str, Any] = {"path": src, "sha256": None, "bytes": None}
        try:
            real = path.resolve()
            inside = real == root or real.is_relative_to(root if root.is_dir() else root.parent)
            st = os.stat(real)
            if inside and stat.S_ISREG(st.st_mode):
                sha, when = (known or {}).get(real, ("", None))
                entry.update(sha256=sha if sha and when == file_stamp(st) else sha256_file(real), bytes=st.st_size)
        except (OSError, RuntimeError):
            pass
        out.append(entry)
    return out


def _inodes(folder: Path) -> set[tuple[int, int]]:
    """The files (device, inode) directly in ``folder`` and in its ``HASHED_DIRS``."""
    return {(p.stat().st_dev, p.stat().st_ino) for p in _top_files(folder)}


def _top_files(folder: Path) -> list[Path]:
    paths = [p for p in folder.iterdir() if p.is_file() and p.name != MANIFEST and not p.name.startswith(".")]
    for d in HASHED_DIRS:
        if (folder / d).is_dir():
            paths += [p for p in (folder / d).iterdir() if p.is_file()]
    return sorted(paths)


def _files(folder: Path, carried: set[tuple[int, int]]) -> dict[str, dict[str, Any]]:
    """Size and sha256 of the top-level files (and those of ``HASHED_DIRS``) this run wrote: not the ``carried``
    ones (files of the previous folder the run left alone, such as a user's notes)."""
    return {
        p.relative_to(folder).as_posix(): {"bytes": p.stat().st_size, "sha256": sha256_file(p)}
        for p in _top_files(folder)
        if (p.stat().st_dev, p.stat().st_ino) not in carried
    }


def manifest(
    started: str,
    counts: Mapping[str, int],
    config: Any,
    corpus: Path,
    sources: Iterable[str],
    corrections: Path | None = None,
    known: Mapping[Path, tuple[str, Stamp]] | None = None,
) -> dict[str, Any]:
    """run.json of a run (``finished``, ``files`` and ``out`` are added by ``OutputRun.commit``); ``known``: the
    inputs' hashes already made (``input_hashes``)."""
    cfg = dataclasses.asdict(config) if dataclasses.is_dataclass(config) and not isinstance(config, type) else config
    return {
        "format": MANIFEST_FORMAT,
        "complete": True,
        "started": started,
        "finished": None,
        "code_version": code_version(),
        "corpus": str(corpus),
        "config": cfg,
        "counts": dict(counts),
        "inputs": input_hashes(corpus, sources, known),
        "corrections": {"path": str(corrections), "sha256": sha256_file(corrections)} if corrections else None,
    }


def _write_durable(path: Path, data: bytes) -> None:
    """Write, fsync, rename: the manifest reaches the disk before the folder is switched."""
    from pipeline.io.writers import atomic_write_bytes

    atomic_write_bytes(path, data)
    try:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        raise WriteFailed(path, len(data), exc) from exc


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some filesystems cannot fsync a folder; the rename is done either way
    finally:
        os.close(fd)


def read_manifest(out: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        return {"complete": False, "error": f"unreadable {MANIFEST}: {exc}"}
    return data if isinstance(data, dict) else {"complete": False, "error": f"{MANIFEST} is not an object"}


STORE = "kg.duckdb"


def changed_files(out: Path, m: Mapping[str, Any] | None = None, hashed: Iterable[str] = ()) -> list[str]:
    """The files run.json lists that are gone or not of the listed size (edited, replaced, deleted); those named in
    ``hashed`` are also compared by sha256 (a store of another run can have the same size)."""
    m = read_manifest(out) if m is None else m
    changed = []
    for name, info in ((m or {}).get("files") or {}).items():
        p = out / name
        same = p.is_file() and p.stat().st_size == info.get("bytes")
        if not same or (name in hashed and sha256_file(p) != info.get("sha256")):
            changed.append(name)
    return changed


def manifest_state(out: Path) -> str:
    """``complete``; ``missing`` (no run.json: an older version wrote the folder, or no run did); or
    ``incomplete: <why>`` (an interrupted in-place run, a damaged manifest, a store that is not the run's)."""
    m = read_manifest(out)
    if m is None:
        return "missing"
    if m.get("complete") is not True or not m.get("finished"):
        why = m.get("error") or f"a run started {m.get('started', '?')} did not finish"
        return f"incomplete: {why}"
    if STORE in changed_files(out, m, hashed=(STORE,)):
        return f"incomplete: {STORE} is not the file run.json describes (replaced, changed or missing)"
    return "complete"


def check_folder(out: Path) -> None:
    """For readers (queries): refuse an incomplete folder, warn when it has no manifest."""
    state = manifest_state(out)
    if state == "missing":
        log.warning(
            "%s has no %s: it was written by an older version or by hand, so whether it is one complete run "
            "cannot be told (re-run extract to get one)",
            out,
            MANIFEST,
        )
    elif state != "complete":
        raise OutputFolderError(
            f"{out} does not hold one complete run ({state.removeprefix('incomplete: ')}); its tables may mix runs "
            f"or miss files. Run extract into it again (the next run also cleans up)"
        )
    elif changed := changed_files(out):
        log.warning(
            "%s: %s changed since the run that wrote the folder (edited by hand?); the store answers as that run "
            "wrote it",
            out,
            ", ".join(changed[:5]) + (" …" if len(changed) > 5 else ""),
        )


# -- one run ------------------------------------------------------------------------------------------------------


class OutputRun:
    """One run's hold on the output folder: ``with OutputRun(out) as run:`` checks that it is writable, takes the
    lock (waiting up to ``wait`` seconds), cleans up after interrupted runs (``run.recovered``) and prepares
    ``run.staging``, where the run writes everything; ``run.commit(manifest)`` writes run.json last and switches
    the folder in. Leaving the block without commit (an error, Ctrl-C) removes the staging folder: ``out`` stays
    the previous complete run."""

    def __init__(self, out: Path, wait: float = LOCK_WAIT) -> None:
        self.given = out
        self.out = target(out)
        self.wait = wait
        self.staged = True
        self.staging = self.out
        self.lock: FolderLock | None = None
        self.recovered: list[str] = []
        self.started = _now()
        self.committed = False
        self.manifest: dict[str, Any] = {}
        self.carried: set[tuple[int, int]] = set()  # files of the previous folder, as copied into the staging one
        self.known_inputs: dict[Path, tuple[str, Stamp]] = {}  # inputs hashed by the cache: not read again
        self.kept = 0  # cache entries of a run that did not finish moved into ``out`` (``keep_entries``)

    def __enter__(self) -> OutputRun:
        self.staged = check_writable(self.out)
        lock_path = _sibling(self.out, "lock") if self.staged else self.out / ".lock"
        self.lock = FolderLock(lock_path, self.given, self.wait)
        try:
            self.lock.acquire()
        except OSError as exc:
            raise OutputFolderError(f"cannot lock {lock_path}: {exc.strerror or exc}; nothing was done") from exc
        try:
            self.recovered = recover(self.out)
            self.staged = check_writable(self.out)  # recovery may have brought the folder back
            if self.staged:
                self.staging = _sibling(self.out, f"staging-{os.getpid()}")
                _remove(self.staging)
                if self.out.is_dir():
                    link_copy(self.out, self.staging)
                else:
                    self.staging.mkdir()
            else:
                log.warning(
                    "%s: writing in place (its parent is not writable, or it is a mount point): an interrupted run "
                    "leaves it marked incomplete instead of keeping the previous run",
                    self.out,
                )
                self.staging = self.out
                marker = {"format": MANIFEST_FORMAT, "complete": False, "started": self.started}
                _write_durable(self.out / MANIFEST, json.dumps(marker).encode())
            self.carried = _inodes(self.staging)
        except BaseException as exc:
            self._abort()
            self.lock.release()
            if isinstance(exc, OSError) and not isinstance(exc, OutputFolderError):
                raise _failed(self.given, exc, self.staged) from exc
            raise
        return self

    def commit(
        self,
        counts: dict[str, int],
        config: Any,
        corpus: Path,
        sources: Iterable[str],
        corrections: Path | None = None,
    ) -> dict[str, int]:
        """Write the manifest run.json (``manifest``; last) and switch the staging folder in; returns ``counts``."""
        pause_point("manifest")
        data = manifest(self.started, counts, config, corpus, sources, corrections, self.known_inputs)
        data.update(finished=_now(), out=str(self.given), files=_files(self.staging, self.carried))
        _write_durable(self.staging / MANIFEST, (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode())
        _fsync_dir(self.staging)
        pause_point("switch")
        if self.staged:
            _switch(self.staging, self.out)
        self.committed = True
        self.manifest = data
        return counts

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        try:
            if not self.committed:
                self._abort()
        finally:
            if self.lock is not None:
                self.lock.release()
        if isinstance(exc, OSError) and not isinstance(exc, OutputFolderError):
            raise _failed(self.given, exc, self.staged, self.kept) from exc

    def _abort(self) -> None:
        if self.staged and self.staging != self.out:
            if not self.out.exists() and _leftovers(self.out, "old"):
                recover(self.out)  # died between the two renames of a switch: put the old run back (entries kept)
                return
            self.kept = keep_entries(self.staging, self.out)
            if self.kept:
                log.warning(
                    "%s: the run did not finish; the %d documents it processed are kept in its cache (%s): the next "
                    "run takes them",
                    self.given,
                    self.kept,
                    "/".join(KEPT_ON_FAILURE),
                )
            _remove(self.staging)


def _failed(out: Path, exc: OSError, staged: bool, entries: int = 0) -> OutputFolderError:
    if not staged:
        kept = f"{out} is marked incomplete (run.json) until a run succeeds"
    elif (out / MANIFEST).exists():
        kept = f"{out} still holds the previous complete run; nothing in it was changed"
    else:
        kept = f"nothing was written to {out}"
    if entries:  # ``OutputRun._abort`` moved them there
        kept += f" but the cache of the {entries} documents processed ({out}/{'/'.join(KEPT_ON_FAILURE)})"
    hint = "free some space" if exc.errno in (errno.ENOSPC, errno.EDQUOT) else "fix the cause"
    return OutputFolderError(f"the run failed while writing its outputs: {exc}. {kept}; {hint} and run again")


RENAME_EXCHANGE = 2
AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one atomic step (Linux renameat2); False where the system cannot."""
    if not sys.platform.startswith("linux") or os.environ.get(SWAP_ENV) == "rename":
        return False
    import ctypes

    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if fn(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False  # a filesystem without exchange: the two-rename switch
    raise OSError(code, os.strerror(code), str(b))


def _switch(staging: Path, out: Path) -> None:
    """Put ``staging`` at ``out``: exchanged in one step, else the old folder renamed aside and the new one in
    (a death between the two leaves ``.out.old-<pid>``, which the next run or this run's abort restores)."""
    parent = out.parent
    if not out.exists():
        os.rename(staging, out)
    elif _exchange(staging, out):
        pause_point("switched")
        _remove(staging)  # now the old run
    else:
        aside = _sibling(out, f"old-{os.getpid()}")
        os.rename(out, aside)
        pause_point("aside")
        os.rename(staging, out)
        _remove(aside)
    _fsync_dir(parent)
