"""One part of the write phase on the second core: a forked child process writes it while this process writes the
rest (``output._write_tables``: the workbook, which only reads the finished CSV files, beside the store; the graph's
part, io/graphpart.py, beside the tables).

- serial (the part runs here, in order) when the run has one worker, on a single core, where ``fork`` is not
  available (macOS, Windows) or for a run under ``FORK_MIN_DOCS`` documents, where a fork (copying the page table
  of a process holding the corpus) costs about what the small workbook takes;
- the child writes its files as the serial path does (each through a temporary file and a rename), so the
  outputs are byte for byte the same whatever the number of workers;
- a child that fails or dies (an exception, a full disk, killed) is not trusted: this process runs the part
  again itself, which raises the very error the serial path raises (or writes it, when the cause has gone); a
  failure here first kills and reaps the child (no zombie, no file written after the run failed); a child
  whose parent dies is killed by the kernel (Linux ``PR_SET_PDEATHSIG``);
- the child logs through the handlers it inherited (the same stderr), and leaves with ``os._exit``.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")

# below this many documents the write phase stays in one process: the workbook of 200 documents takes ~0.3 s
# and a fork of the process that holds their results costs a few tens of ms, so less than that is not worth it
FORK_MIN_DOCS = 200
_PR_SET_PDEATHSIG = 1


def can_fork(workers: int, docs: int) -> bool:
    """Whether the write phase may use a second process: ``workers`` as configured (0: one per core)."""
    cores = os.cpu_count() or 1
    if workers == 1 or (workers == 0 and cores < 2) or docs < FORK_MIN_DOCS:
        return False
    return sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()


class Background(Generic[T]):
    """``fn`` running in a forked child (``forked``) or deferred to ``result`` in this process."""

    def __init__(self, fn: Callable[[], T], forked: bool) -> None:
        self.fn = fn
        self.proc: BaseProcess | None = None
        self.conn: Connection | None = None
        if forked:
            ctx = multiprocessing.get_context("fork")
            self.conn, child_end = ctx.Pipe(duplex=False)
            self.proc = ctx.Process(
                target=_child, args=(fn, child_end, os.getpid()), name="ruralmine-write", daemon=True
            )
            self.proc.start()
            child_end.close()

    def result(self) -> T:
        """The value of ``fn``: the child's, else ``fn`` run here (serial, or the child failed: the same error)."""
        if self.proc is None or self.conn is None:
            return self.fn()
        got: tuple[bool, object] | None = None
        try:
            got = self.conn.recv()
        except (EOFError, OSError):
            got = None  # the child died before it answered
        finally:
            self.conn.close()
            self.proc.join()
        code = self.proc.exitcode
        self.proc = None
        if got is not None and got[0] and code == 0:
            return got[1]  # type: ignore[return-value]
        log.warning("the write phase's second process failed (exit code %s): writing its part here", code)
        return self.fn()

    def cancel(self) -> None:
        """Kill the child (this process failed: nothing more is written) and reap it."""
        if self.proc is not None:
            self.proc.kill()
            self.proc.join()
            self.proc = None
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def _child(fn: Callable[[], object], conn: Connection, parent: int) -> None:
    """The forked child: die with the parent, run ``fn``, send (ok, value) and leave without atexit handlers."""
    ok = False
    try:
        _die_with_parent(parent)
        value = fn()
        conn.send((True, value))
        ok = True
    except BaseException as exc:  # the parent runs the part again and raises the error itself
        log.debug("write child failed: %r", exc)
        with contextlib.suppress(OSError):
            conn.send((False, None))
    finally:
        conn.close()
        os._exit(0 if ok else 1)


def _die_with_parent(parent: int) -> None:
    """Linux: the kernel kills this child when its parent dies (a run killed midway leaves no writer behind)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    except (OSError, AttributeError):  # not Linux's libc: the child lives until it has written its part
        pass
    if os.getppid() != parent:  # the parent died before the prctl took effect
        os._exit(1)
