"""Scale out: one task per file on a local Dask process cluster or a running Dask scheduler."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from pathlib import Path

from pipeline.config import Config
from pipeline.ingest.walk import CorpusWalk
from pipeline.model import DocResult
from pipeline.resources import worker_resources


def process_path(path: Path, root: Path, doc_id: str, config: Config) -> DocResult:
    """Ingest and process one file: the unit of work shipped to a Dask worker."""
    from pipeline.ingest import load_document
    from pipeline.run import process_document

    doc = load_document(path, root, config, doc_id=doc_id)
    return process_document(doc, worker_resources(config.models_dir), review=config.review)


def run_dask(
    corpus: Path,
    config: Config,
    scheduler: str | None,
    walk: CorpusWalk | None = None,
    only: Collection[Path] | None = None,
) -> Iterator[DocResult]:
    """Results as they complete (the caller sorts them); entries the walk refused are rows made here; ``only``:
    these files of the walk (the others came from the cache), with the doc_ids of the whole walk."""
    from distributed import Client, LocalCluster, as_completed

    from pipeline.ingest import assign_doc_ids, load_document, walk_corpus

    walk = walk if walk is not None else walk_corpus(corpus)
    ids = assign_doc_ids(walk.files, corpus)
    for p, refusal in walk.refused.items():
        if only is None or p in only:
            yield DocResult(doc=load_document(p, corpus, config, doc_id=ids[p], refusal=refusal))
    paths = [p for p in walk.files if p not in walk.refused and (only is None or p in only)]
    if not paths:
        return
    cluster = None
    if scheduler:
        client = Client(scheduler)
    else:
        cluster = LocalCluster(n_workers=config.workers, threads_per_worker=1, processes=True, dashboard_address=None)
        client = Client(cluster)
    try:
        futures = [client.submit(process_path, p, corpus, ids[p], config, pure=False) for p in paths]
        for fut in as_completed(futures):
            yield fut.result()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
