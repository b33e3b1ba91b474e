"""Engines: where the per-document work runs. Each takes an explicit list of tasks ``(path, doc_id)`` and returns an
iterator of DocResults in completion order (``run_corpus`` sorts them by doc_id, so the outputs do not depend on the
engine or the number of workers).

- ``local`` (the default): in this process for one worker or a tiny corpus, else a pool of ``workers`` processes
  (default: one per core), each loading the models once (``pipeline.resources.worker_resources``).
- ``dask``: one task per file on a running Dask scheduler (``scheduler`` = its address) or, without one, on a local
  Dask cluster of ``workers`` processes. Workers need the project importable and the corpus and models folders at
  the same (absolute) paths as the machine running ``extract``; a worker that dies is replaced by Dask, which runs
  its tasks again elsewhere.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from multiprocessing.context import BaseContext
from pathlib import Path

from pipeline import resources
from pipeline.config import ENGINES, Config
from pipeline.errors import PipelineError
from pipeline.ingest.walk import CorpusWalk
from pipeline.model import DocResult, Document
from pipeline.resources import worker_resources

log = logging.getLogger(__name__)

Task = tuple[Path, str]  # a file to read and its doc_id

# A worker process costs a start-up (imports, models: seconds); a corpus gets one process per this many documents
# at most, so a handful of files runs in this process, faster than starting a pool.
DOCS_PER_PROCESS = 8
DASK_RESUBMITS = 2  # times a task whose result was lost (not a document's error: those are rows) is submitted again
DELAY_ENV = "RURALMINE_DOC_DELAY"  # tests only: seconds each task sleeps (a run slow enough to kill a worker in)


def process_path(path: Path, root: Path, doc_id: str, config: Config) -> DocResult:
    """Ingest and process one file: the unit of work shipped to a worker process or a Dask worker."""
    from pipeline.ingest import load_document
    from pipeline.run import process_document

    delay = float(os.environ.get(DELAY_ENV) or 0)
    if delay > 0:
        import time

        time.sleep(delay)
    doc = load_document(path, root, config, doc_id=doc_id)
    return process_document(doc, worker_resources(config.models_dir), review=config.review)


def plan(walk: CorpusWalk, corpus: Path, config: Config) -> tuple[list[DocResult], list[Task]]:
    """The walk as failed rows for the entries it refused (bad links, loops: never opened, made here) and the
    tasks ``(path, doc_id)`` for the engine, in walk order."""
    from pipeline.ingest import assign_doc_ids, load_document

    ids = assign_doc_ids(walk.files, corpus)
    refused = [
        DocResult(doc=load_document(p, corpus, config, doc_id=ids[p], refusal=r)) for p, r in walk.refused.items()
    ]
    return refused, [(p, ids[p]) for p in walk.files if p not in walk.refused]


def run_given(docs: Iterable[Document], config: Config) -> tuple[list[str], Iterator[DocResult]]:
    """Documents given (not read from files): their doc_ids, and their results processed in this process, one at
    a time (a document is not held once processed)."""
    from pipeline.run import process_document

    given = list(docs)[::-1]
    ids = [d.doc_id for d in reversed(given)]
    res = worker_resources(config.models_dir)
    return ids, (process_document(given.pop(), res, review=config.review) for _ in range(len(given)))


def n_workers(config: Config) -> int:
    """The configured worker count; 0 (the default) means one per core."""
    return config.workers if config.workers > 0 else (os.cpu_count() or 1)


def local_processes(config: Config, n_tasks: int) -> int:
    """How many processes the local engine uses for ``n_tasks`` documents: 1 (this process) for 1 worker or a tiny
    corpus, else at most one per ``DOCS_PER_PROCESS`` documents."""
    return max(1, min(n_workers(config), n_tasks // DOCS_PER_PROCESS))


def run_engine(
    tasks: Sequence[Task], corpus: Path, config: Config, scheduler: str | None = None
) -> Iterator[DocResult]:
    """The engine ``config.engine`` names (``dask`` when a scheduler is given) over ``tasks``."""
    if config.engine not in ENGINES:
        raise PipelineError(f"unknown engine {config.engine!r}: use one of {', '.join(ENGINES)} (--engine)")
    if scheduler or config.engine == "dask":
        return run_dask(tasks, corpus, config, scheduler)
    return run_local(tasks, corpus, config)


def run_local(tasks: Sequence[Task], corpus: Path, config: Config) -> Iterator[DocResult]:
    """In this process (one worker, or a tiny corpus), else on a pool of worker processes."""
    n = local_processes(config, len(tasks))
    if n == 1:
        return (process_path(p, corpus, doc_id, config) for p, doc_id in tasks)
    return _run_pool(tasks, corpus, config, n)


WARM_UP = "某某县2020年脱贫人口1.2万人，新建蔬菜大棚300个。"  # one made-up sentence: the lazily built parts load


def _warm(models_dir: str) -> None:
    """Load the models and run them once, so whatever they build on first use (segmenter dictionaries,
    automata) exists before the workers fork from this process and share it."""
    from pipeline.model import Document
    from pipeline.run import process_document

    process_document(Document("warm-up", "warm-up.txt", "txt", raw_text=WARM_UP), worker_resources(models_dir))


def _init_worker(level: int, forked: bool) -> None:
    """A new worker process: log like the parent. A forked one writes to its own stderr object (a lock the parent
    held at the fork is never waited for); a spawned one loads the models here, once."""
    import sys

    if forked:
        sys.stderr = open(2, "w", encoding="utf-8", errors="backslashreplace", closefd=False)  # noqa: SIM115
        root = logging.getLogger()
        for handler in root.handlers:
            if isinstance(handler, logging.StreamHandler):
                handler.setStream(sys.stderr)
    else:
        logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")


def _pool_context() -> tuple[BaseContext, bool]:
    """fork where it is safe and cheap (Linux: the workers share the models this process loaded once), else spawn
    (a fresh interpreter per worker that loads them itself: macOS, Windows)."""
    import multiprocessing
    import sys

    if sys.platform.startswith("linux"):
        return multiprocessing.get_context("fork"), True
    return multiprocessing.get_context("spawn"), False


def _run_pool(tasks: Sequence[Task], corpus: Path, config: Config, n: int) -> Iterator[DocResult]:
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from concurrent.futures.process import BrokenProcessPool

    ctx, forked = _pool_context()
    if forked:
        _warm(config.models_dir)
    log.info("local engine: %d worker processes for %d documents", n, len(tasks))
    level = logging.getLogger().level
    with ProcessPoolExecutor(n, mp_context=ctx, initializer=_init_worker, initargs=(level, forked)) as pool:
        futures = {pool.submit(process_path, p, corpus, doc_id, config): p for p, doc_id in tasks}
        if forked and len(tasks) >= resources.RELEASE_AFTER:
            # a fork pool starts every worker at the first task: they have the models; this process needs none
            # (a worker started later, were there one, loads its own)
            resources.release()
        try:
            for fut in as_completed(futures):
                del futures[fut]  # the future holds its whole result: kept in the dict, every result stays in memory
                yield fut.result()
        except BrokenProcessPool as exc:
            raise PipelineError(
                f"a worker process died while processing the corpus ({exc}); nothing was written. It may have run out "
                "of memory: re-run with fewer workers (--workers 1 runs in one process and names the file)"
            ) from exc
        finally:
            for fut in futures:
                fut.cancel()


def _absolute(corpus: Path, config: Config) -> tuple[Path, Config]:
    """Paths as a worker on another machine (or another working directory) finds them. ``abspath``, not
    ``resolve``: a corpus reached through a link keeps its doc_ids and sources."""
    return Path(os.path.abspath(corpus)), replace(config, models_dir=os.path.abspath(config.models_dir))


def run_dask(tasks: Sequence[Task], corpus: Path, config: Config, scheduler: str | None) -> Iterator[DocResult]:
    """One task per file on the scheduler at ``scheduler``, or on a local cluster of ``workers`` processes."""
    from distributed import Client, LocalCluster, as_completed

    root, cfg = _absolute(corpus, config)
    jobs = [(Path(os.path.abspath(p)), doc_id) for p, doc_id in tasks]
    cluster = None
    try:
        if scheduler:
            client = Client(scheduler, timeout="30s")
        else:
            cluster = LocalCluster(
                n_workers=n_workers(config), threads_per_worker=1, processes=True, dashboard_address=":0"
            )
            client = Client(cluster)
    except (OSError, TimeoutError) as exc:
        raise PipelineError(
            f"cannot reach the Dask scheduler {scheduler or '(local cluster)'}: {exc}; start it (dask scheduler) and "
            "its workers, or run without --scheduler"
        ) from exc
    try:
        log.info("dask engine: %d documents on %s", len(jobs), scheduler or "a local cluster")
        job_of = {client.submit(process_path, p, root, doc_id, cfg, pure=False): (p, doc_id) for p, doc_id in jobs}
        tries = dict.fromkeys(jobs, 1)
        pending = as_completed(list(job_of))
        for fut in pending:
            job = job_of.pop(fut)
            try:
                result = fut.result()
            except Exception as exc:  # never the document (process_path turns its problems into a row): the cluster
                # A result lost with its worker after the task finished comes back as an error: submit it again
                # (Dask itself reruns the tasks a dying worker was running, up to its allowed-failures).
                if tries[job] > DASK_RESUBMITS or type(exc).__name__ == "KilledWorker":
                    raise PipelineError(
                        f"a Dask task for {job[1]} failed ({type(exc).__name__}: {exc}); nothing was written. Workers "
                        "need the project installed and the corpus and models folders at the same paths as here "
                        "(README: Scaling out)"
                    ) from exc
                log.warning("dask: %s lost (%s: %s); submitted again", job[1], type(exc).__name__, exc)
                tries[job] += 1
                again = client.submit(process_path, job[0], root, job[1], cfg, pure=False)
                job_of[again] = job
                pending.add(again)
                continue
            fut.release()
            yield result
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
