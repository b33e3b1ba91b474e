"""Incremental runs: a per-document cache in the output folder (``OUT/.cache/``).

Each document's result (the ``DocResult`` of ``run.process_document``, before any corpus stage) is kept under a
key made of the sha256 of the file's bytes, its place in the corpus (doc_id and relative path: both are in the
records) and a *fingerprint* of everything else the result depends on:

- the code: the bytes of every file of the ``pipeline`` package, the Python version and the versions of the
  package's runtime dependencies;
- the models and language data the per-document work reads: the bytes of the files ``resources.document_files``
  names (each model's files as its loader names them, and every lexicon but those only corpus stages use,
  from their ``# Used by:`` header lines); another file of ``config.models_dir`` (training data) or a corpus
  stage's lexicon is part of the run's key only, so changing it re-runs the corpus stages and no document;
- the settings that change a document's result (every ``Config`` field except ``workers``, ``engine``, ``strict``
  and ``models_dir``, whose files are hashed instead).

The corrections file is not part of it: corrections are applied to the cached results at the corpus stage
(``corpus.build.correct_and_build``) on every run. A run looks each file up; only the misses are processed.
Entries are written atomically (temporary file, rename) and carry a checksum: an entry that is truncated, damaged,
of another format or for another key is processed again (with a warning), never trusted. The entries no
document of the run used are removed, so the cache holds the documents of the last run.

When the whole run is the previous one (the same inputs, fingerprint, settings, corrections file and corpus; the
previous run complete and its tables untouched: ``folder.manifest_state``, ``folder.changed_files``), there is
nothing to do: the output folder already holds this run (``Plan.unchanged``).

The folder is staged and switched by ``io/folder.py``: the staging folder starts as a hard-linked copy of the
output folder, so the cache is carried over; entries are only ever added (new files) or removed, never changed.
Entries are pickles: the cache trusts the output folder as much as the models folder (don't reuse another
person's ``.cache``; ``extract --force`` never reads it).
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.metadata
import json
import logging
import os
import pickle
import re
import stat
import sys
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from pipeline.config import Config
from pipeline.ingest.walk import CorpusWalk
from pipeline.io.folder import (
    OutputRun,
    Stamp,
    changed_files,
    file_stamp,
    manifest_state,
    read_manifest,
    sha256_file,
)
from pipeline.model import STATUS_OK, DocResult

log = logging.getLogger(__name__)

CACHE_DIR = ".cache"
DOCS_DIR = "docs"
RUN_FILE = "run.json"  # OUT/.cache/run.json: the key and summary of the run the folder holds
FORMAT = 2  # of the entries and of the run record; a new format makes every old entry a miss (2: model._Compact)
MAGIC = b"ruralmine-cache\n"
DIGEST = 32
# Settings that do not change a document's result (models_dir: its files are hashed instead).
NOT_PER_DOCUMENT = ("workers", "engine", "strict", "models_dir")
# Results not kept: failures that may not happen again (I/O errors, entries the walk refused, stage bugs that
# may be a lack of memory); their files are read again on the next run.
NOT_KEPT = frozenset(
    ["E005", "E006", "E007", "E009", "E040", "E041", "E042", "E043", "E044", "E045", "E100", "E101", "E102", "E103"]
)
PACKAGE = Path(__file__).resolve().parents[1]  # pipeline/


# -- the fingerprint ----------------------------------------------------------------------------------------------


def _model_sha(path: Path) -> str:
    """sha256 of a model or lexicon file, once per process while its stamp stays (both fingerprints read it)."""
    return _sha_at(str(path), file_stamp(os.stat(path)))


@lru_cache(maxsize=4096)
def _sha_at(path: str, stamp: Stamp) -> str:
    return sha256_file(Path(path))


def _hash_tree(h: Any, root: Path) -> None:
    """Feed every file under ``root`` (relative path and bytes, sorted; caches of Python left out) into ``h``."""
    if not root.is_dir():
        h.update(b"absent\0")
        return
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for name in sorted(filenames):
            if name.endswith((".pyc", ".pyo")):
                continue
            path = Path(dirpath) / name
            h.update(os.fsencode(path.relative_to(root).as_posix()) + b"\0")
            h.update(_model_sha(path).encode() + b"\0")


def _runtime_requirements() -> list[str]:
    """Names of the package's runtime dependencies (from its installed metadata; [] when not installed)."""
    try:
        reqs = importlib.metadata.requires("ruralmine") or []
    except importlib.metadata.PackageNotFoundError:
        return []
    return sorted({re.split(r"[\s<>=!~;\[(]", r, maxsplit=1)[0] for r in reqs if "extra ==" not in r})


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """The code's part of the fingerprint (computed once per process): the ``pipeline`` package's files, the
    Python version and the installed versions of the runtime dependencies."""
    h = hashlib.sha256(f"python {sys.version_info[:3]}\0".encode())
    _hash_tree(h, PACKAGE)
    for name in _runtime_requirements():
        try:
            version = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            version = "absent"
        h.update(f"{name}=={version}\0".encode())
    return h.hexdigest()


def models_fingerprint(models_dir: Path) -> str:
    """The bytes of every file under ``models_dir`` and of the lexicons (``models/lexicon`` of the checkout,
    where ``pipeline.lexicon`` reads them, when it is not inside ``models_dir``): what the corpus stages may read
    (part of the run's key, not of a document's)."""
    from pipeline.lexicon import LEXICON_DIR

    h = hashlib.sha256()
    _hash_tree(h, models_dir)
    lex = LEXICON_DIR.resolve()
    if not lex.is_relative_to(models_dir.resolve()):
        h.update(b"lexicon\0")
        _hash_tree(h, lex)
    return h.hexdigest()


def document_models_fingerprint(models_dir: Path) -> str:
    """The bytes of the model and lexicon files the per-document work reads (``resources.document_files``, named
    by the loaders): a change to any other file (a corpus stage's lexicon, training data) keeps the documents'
    results and re-runs the corpus stages only."""
    from pipeline.resources import document_files

    h = hashlib.sha256()
    for name, path in document_files(models_dir):
        h.update(os.fsencode(name) + b"\0")
        h.update((_model_sha(path) if path.is_file() else "absent").encode() + b"\0")
    return h.hexdigest()


def per_document_settings(config: Config) -> dict[str, Any]:
    return {k: v for k, v in sorted(dataclasses.asdict(config).items()) if k not in NOT_PER_DOCUMENT}


def fingerprint(config: Config) -> str:
    """What every cached result depends on besides its file: code, the models and lexicons the per-document work
    reads, settings."""
    models = document_models_fingerprint(Path(config.models_dir))
    parts = [FORMAT, code_fingerprint(), models, per_document_settings(config)]
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


# -- the inputs ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Input:
    """A file of the walk as the cache sees it: its doc_id, path relative to the corpus, sha256 and stat (the
    file must still have it when its result is kept), or sha256 "" when it was not read (refused, unreadable,
    too big)."""

    path: Path
    doc_id: str
    rel: str
    sha256: str = ""
    stamp: Stamp = (0, 0, 0, 0)


_stamp = file_stamp


def _hash_input(path: Path, limit: float) -> tuple[str, Stamp]:
    """sha256 and stamp of a regular file (opened without blocking, like the ingest; never a FIFO); ("", …)
    when it is not a regular file, cannot be read or is over the size limit (the ingest says why)."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        return "", (0, 0, 0, 0)
    with os.fdopen(fd, "rb") as fh:
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode) or st.st_size > limit:
                return "", (0, 0, 0, 0)
            h = hashlib.sha256()
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
        except OSError:
            return "", (0, 0, 0, 0)
    return h.hexdigest(), _stamp(st)


def _rel(path: Path, corpus: Path) -> str:
    try:
        rel = path.relative_to(corpus)
    except ValueError:
        return path.name
    return rel.as_posix() if rel.parts else path.name


def inputs(corpus: Path, walk: CorpusWalk, config: Config) -> list[Input]:
    """Every file of the walk (in its order) with its doc_id and, when it is read, its sha256."""
    from pipeline.ingest import assign_doc_ids

    ids = assign_doc_ids(walk.files, corpus)
    limit = config.max_file_mb * 1024 * 1024
    out = []
    for p in walk.files:
        sha, st = ("", (0, 0, 0, 0)) if p in walk.refused else _hash_input(p, limit)
        out.append(Input(p, ids[p], _rel(p, corpus), sha, st))
    return out


# -- entries ------------------------------------------------------------------------------------------------------


def entry_key(fp: str, item: Input) -> str:
    data = json.dumps([FORMAT, fp, item.sha256, item.doc_id, item.rel], ensure_ascii=False, default=str)
    return hashlib.sha256(data.encode("utf-8", "surrogateescape")).hexdigest()


def encode_entry(key: str, result: DocResult) -> bytes:
    """An entry: MAGIC, the sha256 of the payload, the payload (the zlib-compressed pickle of format, key, result)."""
    payload = zlib.compress(pickle.dumps((FORMAT, key, result), protocol=pickle.HIGHEST_PROTOCOL), 1)
    return MAGIC + hashlib.sha256(payload).digest() + payload


class DamagedEntry(Exception):
    """A cache entry that cannot be trusted (says why)."""


def decode_entry(data: bytes, key: str) -> DocResult:
    """The result in an entry's bytes; raises ``DamagedEntry`` for anything but an intact entry of ``key``."""
    head = len(MAGIC) + DIGEST
    if not data.startswith(MAGIC) or len(data) <= head:
        raise DamagedEntry("not a cache entry, or truncated")
    payload = data[head:]
    if hashlib.sha256(payload).digest() != data[len(MAGIC) : head]:
        raise DamagedEntry("checksum mismatch (truncated or damaged)")
    try:
        got = pickle.loads(zlib.decompress(payload))
    except Exception as exc:  # any unpickling error: an entry of another version of the code
        raise DamagedEntry(f"cannot be read ({type(exc).__name__}: {exc})") from exc
    if not (isinstance(got, tuple) and len(got) == 3 and got[0] == FORMAT):
        raise DamagedEntry("of another format")
    if got[1] != key or not isinstance(got[2], DocResult):
        raise DamagedEntry("for another document or version")
    return got[2]


def keepable(result: DocResult) -> bool:
    return not (result.doc.error_code and result.doc.error_code in NOT_KEPT)


# -- one run ------------------------------------------------------------------------------------------------------


@dataclass
class Plan:
    """What a run takes from the cache (``hits``, in walk order) and what it must process (``todo``: (path,
    doc_id) in walk order); ``unchanged`` when the output folder already holds this very run (``previous``: that
    run's record)."""

    root: Path  # the cache folder inside the staging folder, where entries are read and written
    fingerprint: str
    run_key: str
    items: dict[str, Input]  # doc_id -> its input
    hits: list[Input] = field(default_factory=list)  # checked when planned, read again by ``results`` one by one
    todo: list[tuple[Path, str]] = field(default_factory=list)
    damaged: int = 0  # entries found damaged (processed again)
    unchanged: bool = False
    previous: dict[str, Any] = field(default_factory=dict)
    kept: set[str] = field(default_factory=set)  # entry keys of this run (used or written)
    skipped: list[tuple[Path, str]] = field(default_factory=list)  # the walk's skipped folders
    enabled: bool = True

    def entry(self, key: str) -> Path:
        return self.root / DOCS_DIR / key[:2] / f"{key}.pkl"

    def results(self, process: Callable[[Path, str], DocResult]) -> Iterator[DocResult]:
        """The cached results, read one at a time (a run never holds every whole result at once); an entry that
        can no longer be read (changed since it was planned) is processed by ``process(path, doc_id)``."""
        for item in self.hits:
            key = entry_key(self.fingerprint, item)
            got = _lookup(self, item)
            if got is None:
                self.kept.discard(key)  # the new result is stored again
                if not self.entry(key).exists():  # (_lookup said why for an entry that is there but damaged)
                    log.warning(
                        "%s: its cache entry went away during the run; the document is processed again", item.rel
                    )
                got = process(item.path, item.doc_id)
            yield got

    def keep(self, result: DocResult) -> DocResult:
        """Store a result just processed (before any corpus stage sees it) when its file is still as hashed;
        returns it."""
        item = self.items.get(result.doc.doc_id) if self.enabled else None
        if item is None or not item.sha256 or not keepable(result):
            return result
        key = entry_key(self.fingerprint, item)
        if key in self.kept:  # a hit
            return result
        try:
            now = _stamp(os.stat(item.path))
        except OSError:
            return result
        if now != item.stamp:
            log.info("%s changed while it was processed: its result is not cached", item.rel)
            return result
        from pipeline.io.writers import atomic_write_bytes  # (not at import: writers loads the schema's models)

        atomic_write_bytes(self.entry(key), encode_entry(key, result))
        self.kept.add(key)
        return result

    def finish(self, results: Sequence[DocResult]) -> int:
        """Remove the entries no document of this run used; record this run (its key and summary) for the next.
        Returns the number of entries removed."""
        if not self.enabled:
            return 0
        removed = 0
        docs = self.root / DOCS_DIR
        for sub in sorted(docs.iterdir()) if docs.is_dir() else []:
            for p in sorted(sub.glob("*.pkl")) if sub.is_dir() else []:
                if p.stem not in self.kept:
                    p.unlink(missing_ok=True)
                    removed += 1
            if sub.is_dir() and not any(sub.iterdir()):
                sub.rmdir()
        record = {
            "format": FORMAT,
            "run_key": self.run_key,
            "n_docs": len(results),
            "status": dict(Counter(r.doc.status for r in results)),
            "failures": [[r.doc.source, r.doc.error] for r in results if r.doc.status != STATUS_OK],
        }
        from pipeline.io.writers import atomic_write_bytes

        atomic_write_bytes(self.root / RUN_FILE, (json.dumps(record, ensure_ascii=False, indent=1) + "\n").encode())
        if removed:
            log.info("cache: removed %d entries no document of this run uses", removed)
        return removed

    @property
    def paths(self) -> set[Path] | None:
        """The files to process (None: all, the cache is not used)."""
        return {p for p, _ in self.todo} if self.enabled else None

    def select(self, tasks: Sequence[tuple[Path, str]]) -> list[tuple[Path, str]]:
        """The engine's tasks ``(path, doc_id)`` whose result is not in the cache (all of them when it is not used)."""
        todo = self.paths
        return [t for t in tasks if todo is None or t[0] in todo]

    def summary_fields(self, corrections: Path | None) -> dict[str, Any]:
        """Fields of ``run.RunSummary`` the cache knows: the corrections file, the folders skipped, the hits."""
        skipped = [(str(p), why) for p, why in self.skipped]
        return {"corrections_file": str(corrections or ""), "skipped": skipped, "cached": len(self.hits)}

    def unchanged_summary(self, corrections: Path | None) -> dict[str, Any]:
        """Fields of ``run.RunSummary`` for a run with nothing to do: the previous run's (its record, run.json)."""
        counts = self.previous.get("rows") or {}
        return {
            "n_docs": int(self.previous.get("n_docs", 0)),
            "status": Counter({str(k): int(v) for k, v in (self.previous.get("status") or {}).items()}),
            "rows": {str(k): int(v) for k, v in counts.items()},
            "failures": [(str(a), str(b)) for a, b in self.previous.get("failures") or []],
            **self.summary_fields(corrections),
            "cached": int(self.previous.get("n_docs", 0)),
            "unchanged": True,
        }


def run_key(
    fp: str, config: Config, corpus: Path, items: Iterable[Input], walk: CorpusWalk, corrections: Path | None
) -> str:
    """The whole run: fingerprint, every setting, corpus, inputs, entries refused and folders skipped, and the
    corrections file (path and bytes). "" when some file could not be hashed (the run is never skipped then)."""
    listed = [(i.rel, i.doc_id, i.sha256) for i in items]
    if any(not sha and i.path not in walk.refused for (_, _, sha), i in zip(listed, items, strict=True)):
        return ""
    refused = sorted((_rel(p, corpus), r.code.code, repr(r.fields)) for p, r in walk.refused.items())
    skipped = sorted((str(p), why) for p, why in walk.skipped)
    fixes = [str(corrections), sha256_file(corrections)] if corrections is not None else None
    parts = [FORMAT, fp, dataclasses.asdict(config), str(corpus), listed, refused, skipped, fixes]
    return hashlib.sha256(
        json.dumps(parts, ensure_ascii=False, default=str).encode("utf-8", "surrogateescape")
    ).hexdigest()


def _previous_run(out: Path, key: str, staged: bool) -> dict[str, Any] | None:
    """The summary of the run in ``out`` when it is this very run, complete and untouched; else None."""
    if not key or not staged:  # in place, run.json is already marked incomplete: never skipped
        return None
    try:
        record = json.loads((out / CACHE_DIR / RUN_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or record.get("format") != FORMAT or record.get("run_key") != key:
        return None
    if manifest_state(out) != "complete" or changed_files(out):
        return None
    return record


def plan(
    folder: OutputRun,
    corpus: Path,
    walk: CorpusWalk | None,
    config: Config,
    corrections: Path | None = None,
    force: bool = False,
) -> Plan:
    """Look every file of ``walk`` up in the cache of ``folder`` (read from its staging copy, where new entries
    go); with ``force`` nothing is read (every file is processed and its entry written again). Without a walk
    (the documents were given, not read from files) the cache is not used."""
    if walk is None:
        return Plan(folder.staging / CACHE_DIR, "", "", {}, enabled=False)
    fp = fingerprint(config)
    items = inputs(corpus, walk, config)
    whole = hashlib.sha256(f"{fp}\0{models_fingerprint(Path(config.models_dir))}".encode()).hexdigest()
    key = run_key(whole, config, corpus, items, walk, corrections)  # every model file: the corpus stages' too
    p = Plan(folder.staging / CACHE_DIR, fp, key, {i.doc_id: i for i in items}, skipped=walk.skipped)
    folder.known_inputs = _known(items)  # run.json's input hashes: each file is read once
    # --strict judges the documents' results (failed ones, no Chinese text): it never skips the run
    previous = None if force or config.strict else _previous_run(folder.out, key, folder.staged)
    if previous is not None:
        p.unchanged, p.previous = True, {**previous, "rows": (read_manifest(folder.out) or {}).get("counts")}
        log.info("cache: %s already holds this run (same inputs, code, models, settings): nothing to do", folder.out)
        return p
    for item in items:
        got = None if force or not item.sha256 else _lookup(p, item)
        if got is None:
            p.todo.append((item.path, item.doc_id))
        else:
            p.hits.append(item)  # the result is read again when the run takes it (Plan.results)
    log.info("cache: %d of %d documents from %s, %d to process", len(p.hits), len(items), p.root, len(p.todo))
    return p


def _known(items: Iterable[Input]) -> dict[Path, tuple[str, Stamp]]:
    out = {}
    for i in items:
        if i.sha256:
            try:
                out[i.path.resolve()] = (i.sha256, i.stamp)
            except (OSError, RuntimeError):
                continue
    return out


def _lookup(p: Plan, item: Input) -> DocResult | None:
    key = entry_key(p.fingerprint, item)
    path = p.entry(key)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        log.warning("%s: cannot read the cache entry of %s (%s); the document is processed again", path, item.rel, exc)
        p.damaged += 1
        return None
    try:
        result = decode_entry(data, key)
    except DamagedEntry as exc:
        log.warning("%s: the cache entry of %s is %s; the document is processed again", path, item.rel, exc)
        p.damaged += 1
        return None
    p.kept.add(key)
    return result
