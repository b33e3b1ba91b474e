"""The results a run keeps for the corpus stages and the tables: in memory for a small corpus, in a file past it.

``run.run_corpus`` keeps every document's (slim, ``io/docfiles.py``) result until the write phase. Up to
``SPILL_AFTER`` results are a list; past that, every result is pickled into an unnamed temporary file of the staging
folder (it never shows in the output folder and goes when the run ends) and read back one at a time on each pass
of the corpus stages and writers, so what a run holds stays flat in the number of documents. A pass costs about
0.2 ms a document (unpickling; the records pickle compactly, ``model._Compact``), which a small corpus does not pay.
"""

from __future__ import annotations

import logging
import os
import pickle
import tempfile
import weakref
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, overload

from pipeline.model import DocResult

log = logging.getLogger(__name__)

SPILL_AFTER = 500  # results held in memory at most; past this many, all go to the file


class KeptResults(Sequence[DocResult]):
    """A run's results in arrival order until ``sort_by_doc_id``; in memory, or (past ``spill_after``) in an
    unnamed temporary file of ``folder``, read back one result at a time (each pass gets new objects)."""

    def __init__(self, folder: Path, spill_after: int | None = None) -> None:
        self.folder = folder
        self.spill_after = SPILL_AFTER if spill_after is None else spill_after
        self._mem: list[DocResult] = []
        self._file: IO[bytes] | None = None
        self._index: list[tuple[str, int, int]] = []  # (doc_id, offset, length) of each pickled result

    @property
    def spilled(self) -> bool:
        return self._file is not None

    def append(self, r: DocResult) -> None:
        if self._file is None and len(self._mem) < self.spill_after:
            self._mem.append(r)
            return
        if self._file is None:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._file = tempfile.TemporaryFile(dir=self.folder, prefix=".results-")  # noqa: SIM115 (kept open)
            weakref.finalize(self, self._file.close)
            log.info("more than %d documents: their results are kept in a file, not in memory", self.spill_after)
            for m in self._mem:
                self._write(m)
            self._mem = []
        self._write(r)

    def _write(self, r: DocResult) -> None:
        assert self._file is not None
        data = pickle.dumps(r, protocol=pickle.HIGHEST_PROTOCOL)
        offset = self._file.seek(0, os.SEEK_END)
        self._file.write(data)
        self._index.append((r.doc.doc_id, offset, len(data)))

    def _read(self, entry: tuple[str, int, int]) -> DocResult:
        """One result, read at its offset (``pread``: no seek, the file's position and buffer left alone); the
        file is flushed first (``_flush``) by whoever reads."""
        assert self._file is not None
        got: DocResult = pickle.loads(os.pread(self._file.fileno(), entry[2], entry[1]))
        return got

    def _flush(self) -> None:
        if self._file is not None and not self._file.closed:
            self._file.flush()

    def sort_by_doc_id(self) -> None:
        """Order the results by doc_id (stable: as ``list.sort`` with that key)."""
        self._mem.sort(key=lambda r: r.doc.doc_id)
        self._index.sort(key=lambda e: e[0])

    def __len__(self) -> int:
        return len(self._index) if self._file is not None else len(self._mem)

    def __iter__(self) -> Iterator[DocResult]:
        if self._file is None:
            yield from list(self._mem)
            return
        self._flush()
        for entry in list(self._index):
            yield self._read(entry)

    @overload
    def __getitem__(self, i: int) -> DocResult: ...

    @overload
    def __getitem__(self, i: slice) -> list[DocResult]: ...

    def __getitem__(self, i: int | slice) -> DocResult | list[DocResult]:
        if self._file is None:
            return self._mem[i]
        self._flush()
        if isinstance(i, slice):
            return [self._read(e) for e in self._index[i]]
        return self._read(self._index[i])

    def close(self) -> None:
        """Remove the file (when there is one); the results are gone with it."""
        if self._file is not None:
            self._file.close()
