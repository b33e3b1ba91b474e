"""Orchestration only: ingest → prepare (normalize, structure) → nlp (extractors) → corpus stages → write.

The per-document work (``process_document``) is a pure function of a Document and loaded resources, so it can
run in a process or on Dask workers (``pipeline.scale``); only ``pipeline.io.output`` touches the output folder.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.config import Config
from pipeline.corpus.corrections import AppliedCorrection, Correction, corrections_path, read_for_run
from pipeline.errors import stage_error
from pipeline.io.folder import LOCK_WAIT, OutputRun
from pipeline.model import STATUS_FAILED, STATUS_OK, STATUS_PARTIAL, DocResult, Document
from pipeline.resources import Resources, cached, corpus_models, let_go

log = logging.getLogger(__name__)

REPORT = " (please report this file)"


def prepare(doc: Document) -> Document:
    """Normalize and structure an ingested document (no-op for failed ones)."""
    from pipeline.normalize import normalize
    from pipeline.structure import structure

    if doc.status == STATUS_FAILED:
        return doc
    return structure(normalize(doc))


def _fail_stage(doc: Document, stage: str, exc: Exception, status: str) -> None:
    code, message = stage_error(stage, exc)
    doc.status = status
    doc.error = "; ".join(filter(None, [doc.error, message + REPORT]))
    doc.error_code = doc.error_code or code


def extract(doc: Document, res: Resources, review: bool = False) -> DocResult:
    """Run the extractors on a prepared document; a failing component marks it partial (extract/annotate.py)."""
    from pipeline.extract.annotate import annotate, problems, review_html, to_result

    if doc.status == STATUS_FAILED:
        return DocResult(doc=doc)
    sdoc = annotate(res.nlp, doc)
    result = to_result(sdoc)
    if review:
        result.review_html = review_html(sdoc)
    found = problems(sdoc)
    if found:
        doc.status = STATUS_PARTIAL
        doc.error = "; ".join(filter(None, [doc.error, *(msg for _, msg in found)])) + REPORT
        doc.error_code = doc.error_code or found[0][0]
    return result


def process_document(doc: Document, res: Resources, review: bool = False) -> DocResult:
    t0 = time.perf_counter()
    try:
        doc = prepare(doc)
    except Exception as exc:
        log.exception("%s: normalization failed", doc.doc_id)
        _fail_stage(doc, "normalization", exc, STATUS_FAILED)
    t1 = time.perf_counter()
    try:
        result = extract(doc, res, review=review)
    except Exception as exc:  # the last guard: a bug in a stage costs this document, never the run
        log.exception("%s: extraction failed", doc.doc_id)
        _fail_stage(doc, "extraction", exc, STATUS_FAILED if doc.status == STATUS_FAILED else STATUS_PARTIAL)
        result = DocResult(doc=doc)
    result.seconds, result.prepare_seconds = time.perf_counter() - t0, t1 - t0
    return result


@dataclass
class RunSummary:
    n_docs: int = 0
    status: Counter[str] = field(default_factory=Counter)
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    failures: list[tuple[str, str]] = field(default_factory=list)
    corrections_file: str = ""  # the corrections file applied, "" when none
    corrections: list[AppliedCorrection] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # folders the corpus walk left out, and why
    cached: int = 0  # documents whose result came from OUT's cache (io/cache.py), not processed again
    unchanged: bool = False  # OUT already held this very run: nothing was done


def write_outputs(
    out_dir: Path,
    results: Sequence[DocResult],
    models_dir: Path,
    corrections: Sequence[Correction] = (),
    on_stage: Callable[[str], None] | None = None,
    written: Iterable[Path] = (),
    workers: int = 1,
) -> tuple[dict[str, int], list[AppliedCorrection]]:
    """Correct, run the corpus stages, write the output folder (``written``: files written already): rows, fixes."""
    from pipeline.corpus.build import correct_and_build
    from pipeline.io.output import write_outputs as write

    stage = on_stage or (lambda name: None)  # the CLI's progress display hears each stage start
    stage("corpus stages")
    results, corpus = correct_and_build(results, *corpus_models(models_dir, bool(results)), corrections)
    let_go(len(results))  # the writers use no model: past RELEASE_AFTER documents they go (resources.release)
    stage("writing outputs")
    return write(out_dir, results, corpus, written, workers), corpus.corrections


def run_corpus(
    corpus: Path,
    out_dir: Path,
    config: Config,
    on_document: Callable[[DocResult], None] | None = None,
    docs: Iterable[Document] | None = None,
    scheduler: str | None = None,
    on_stage: Callable[[str], None] | None = None,
    corrections: Path | None = None,
    lock_wait: float = LOCK_WAIT,
    force: bool = False,
) -> RunSummary:
    """Ingest every file under ``corpus`` (folder or file), take what OUT's cache holds (io/cache.py), process the rest
    on the engine (pipeline.scale: local cores or Dask), sort by doc_id, write the output folder as one unit."""
    from pipeline.ingest import walk_corpus
    from pipeline.io.cache import plan as cache_plan
    from pipeline.io.docfiles import DocFiles
    from pipeline.io.spill import KeptResults
    from pipeline.scale import plan, process_path, run_engine, run_given

    t0 = time.perf_counter()
    fixes_path = corrections_path(corpus, corrections)  # a bad file stops the run here, before any work
    fixes = read_for_run(fixes_path, Path(config.models_dir), cached(config.models_dir))
    with OutputRun(out_dir, lock_wait) as folder:  # checked, locked, staged; old leftovers cleaned up
        results = KeptResults(folder.staging)  # in memory for a small corpus, else in a file (io/spill.py)
        stream: Iterable[DocResult]
        walk = walk_corpus(corpus, exclude=[out_dir]) if docs is None else None  # never ingest our own outputs
        cache = cache_plan(folder, corpus, walk, config, fixes_path, force)  # OUT's cache: hits, misses
        if cache.unchanged:  # OUT holds this very run: nothing to do, nothing written
            return RunSummary(**cache.unchanged_summary(fixes_path), seconds=time.perf_counter() - t0)
        if walk is not None:
            refused, tasks = plan(walk, corpus, config)  # refused entries are rows made here, never dispatched
            doc_ids = [r.doc.doc_id for r in refused] + [doc_id for _, doc_id in tasks]
            tasks = cache.select(tasks)  # the misses only
            stream = itertools.chain(refused, run_engine(tasks, corpus, config, scheduler) if tasks else ())
        else:
            doc_ids, stream = run_given(docs or (), config)
        files = DocFiles(folder.staging, doc_ids)  # text/, review/ written as results arrive, then dropped
        for r in itertools.chain(cache.results(lambda p, i: process_path(p, corpus, i, config)), stream):
            r = cache.keep(r)  # a new result goes into the cache (whole)
            if on_document is not None:
                on_document(r)
            results.append(files.take(r))
        results.sort_by_doc_id()
        summary = RunSummary(len(results), **cache.summary_fields(fixes_path))
        rows, summary.corrections = write_outputs(
            folder.staging, results, Path(config.models_dir), fixes, on_stage, files.written, config.workers
        )
        cache.finish(results)
        summary.rows = folder.commit(rows, config, corpus, [r.doc.source for r in results], fixes_path)
    summary.status.update(r.doc.status for r in results)
    summary.failures = [(r.doc.source, r.doc.error) for r in results if r.doc.status != STATUS_OK]
    summary.seconds = time.perf_counter() - t0
    return summary
