"""Run the stages over a corpus: ingest -> normalize -> structure -> extract, then write the tables.

The per-document work (``process_document``) is a pure function of a Document and loaded resources, so it
can run in a process pool or on Dask workers; only ``write_outputs`` touches the output folder.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.config import Config
from pipeline.io import writers as export
from pipeline.model import STATUS_FAILED, STATUS_OK, STATUS_PARTIAL, Document

log = logging.getLogger(__name__)


@dataclass
class Resources:
    """Models loaded once per process: gazetteer, program filter. Loaded explicitly, never at import."""

    models_dir: Path
    gazetteer: Any = None
    program_filter: Any = None
    policy_model: Any = None
    nlp: Any = None  # spaCy pipeline of the extractors (extract/annotate.py)

    @classmethod
    def load(cls, models_dir: Path) -> Resources:
        from pipeline.extract.annotate import build_annotator
        from pipeline.gazetteer import Gazetteer
        from pipeline.learn.program_filter import ProgramFilter

        return cls(
            nlp=build_annotator(models_dir),
            models_dir=models_dir,
            gazetteer=Gazetteer.load(models_dir),
            program_filter=_optional(ProgramFilter.from_disk, models_dir, "programs are found by rules only"),
            policy_model=load_policy_model(models_dir),
        )


def _optional(loader: Callable[[Path], Any], models_dir: Path, without: str) -> Any:
    """A model that the pipeline can run without: None, with a warning saying what is lost, when not built."""
    try:
        return loader(models_dir)
    except FileNotFoundError:
        log.warning("%s not in %s (run `make models`); %s", loader.__qualname__, models_dir, without)
        return None


def load_policy_model(models_dir: Path) -> Any:
    from pipeline.learn.policy_tools import PolicyToolModel

    return _optional(PolicyToolModel.from_disk, models_dir, "clauses are not coded")


@dataclass
class DocResult:
    """Everything extracted from one document, as contract rows (raw offsets)."""

    doc: Document
    places: list[dict[str, Any]] = field(default_factory=list)
    figures: list[dict[str, Any]] = field(default_factory=list)
    measures: list[dict[str, Any]] = field(default_factory=list)
    sections: list[dict[str, Any]] = field(default_factory=list)
    links: list[dict[str, Any]] = field(default_factory=list)
    clauses: list[dict[str, Any]] = field(default_factory=list)
    review_html: str = ""
    county_code: str = ""
    county: str = ""
    seconds: float = 0.0


def prepare(doc: Document) -> Document:
    """Normalize and structure an ingested document (no-op for failed ones)."""
    from pipeline.normalize import normalize
    from pipeline.structure import structure

    if doc.status == STATUS_FAILED:
        return doc
    return structure(normalize(doc))


def section_rows(doc: Document) -> list[dict[str, Any]]:
    rows = []
    for art in doc.articles:
        for sec in art.sections:
            rs, re_ = doc.to_raw(sec.start, sec.end)
            rows.append(
                {
                    "doc_id": doc.doc_id,
                    "article": art.index,
                    "path": sec.path,
                    "heading": sec.heading,
                    "role": sec.role,
                    "level": sec.level,
                    "start": rs,
                    "end": re_,
                    "article_title": art.title,
                }
            )
    return rows


_CLAUSE_BOUND = "，,。；;！？!?\n"


def _clause_county(doc: Document, counties: list[Any], pos: int) -> str:
    """A county named in the figure's own clause before it (邻县三穗县新建大棚300个): the figure is that
    county's, not the focal one's. Empty when the clause names none."""
    a = pos
    while a > 0 and doc.text[a - 1] not in _CLAUSE_BOUND:
        a -= 1
    clause = doc.text[a:pos]
    named = [(clause.rfind(p.name), p.adcode) for p in counties if p.name and p.name in clause]
    return max(named)[1] if named else ""


def _article_county(doc: Document, focal: list[Any], pos: int) -> str:
    """The focal county of the article holding ``pos``: the one its text names most (a magazine page with
    three county reports gives each report's figures its own county)."""
    if len(focal) < 2:
        return ""
    art = next((a for a in doc.articles if a.start <= pos < a.end), None)
    if art is None:
        return ""
    body = doc.text[art.start : art.end]
    counts = {p.adcode: body.count(p.name) + (body.count(p.canonical) if p.canonical != p.name else 0) for p in focal}
    best = max(counts, key=lambda c: counts[c])
    return best if counts[best] else ""


def extract(doc: Document, res: Resources, review: bool = False) -> DocResult:
    """Run the spaCy pipeline of extractors on a prepared document, then link and code its clauses.

    A failing extractor marks the document partial and the others still run (see extract/annotate.py).
    """
    from pipeline.extract.annotate import ERRORS_KEY, annotate, records, review_html
    from pipeline.extract.clauses import code_clauses
    from pipeline.extract.figures import figure_rows
    from pipeline.extract.links import link_outcomes, link_rows
    from pipeline.extract.measures import measure_rows
    from pipeline.extract.places import place_rows

    result = DocResult(doc=doc)
    if doc.status == STATUS_FAILED:
        return result
    result.sections = section_rows(doc)
    sdoc = annotate(res.nlp, doc, res.gazetteer, res.program_filter)
    problems: list[str] = list(sdoc.user_data.get(ERRORS_KEY, []))
    places, figures, measures = records(sdoc, "places"), records(sdoc, "figures"), records(sdoc, "measures")
    focal = [p for p in places if p.focal]
    result.county_code = ";".join(p.adcode for p in focal)
    result.county = ";".join(p.canonical for p in focal)
    primary = focal[0].adcode if focal else ""
    counties = [p for p in places if p.level == "county"]
    for rec in figures:
        rec.county_code = rec.county_code or _clause_county(doc, counties, rec.mention.start)
    for rec in (*figures, *measures):
        rec.county_code = rec.county_code or _article_county(doc, focal, rec.mention.start) or primary
    result.places = place_rows(doc, places)
    result.figures = figure_rows(doc, figures)
    result.measures = measure_rows(doc, measures)
    if review:
        result.review_html = review_html(sdoc)
    if res.policy_model is not None:
        try:
            result.clauses = code_clauses(doc, res.policy_model)
            for row in result.clauses:
                row["county_code"] = primary
        except Exception as exc:
            log.exception("%s: clause coding failed", doc.doc_id)
            problems.append(f"clause coding failed: {exc}")
    try:
        result.links = link_rows(doc, link_outcomes(doc, measures, figures))
    except Exception as exc:
        log.exception("%s: linking failed", doc.doc_id)
        problems.append(f"linking failed: {exc}")
    if problems:
        doc.status = STATUS_PARTIAL
        doc.error = "; ".join(filter(None, [doc.error, *problems])) + " (please report this file)"
    return result


def process_document(doc: Document, res: Resources, review: bool = False) -> DocResult:
    t0 = time.perf_counter()
    try:
        doc = prepare(doc)
    except Exception as exc:
        log.exception("%s: normalization failed", doc.doc_id)
        doc.status = STATUS_FAILED
        doc.error = f"normalization failed: {exc} (please report this file)"
    try:
        result = extract(doc, res, review=review)
    except Exception as exc:  # the last guard: a bug in a stage costs this document, never the run
        log.exception("%s: extraction failed", doc.doc_id)
        doc.status = STATUS_FAILED if doc.status == STATUS_FAILED else STATUS_PARTIAL
        doc.error = "; ".join(filter(None, [doc.error, f"extraction failed: {exc} (please report this file)"]))
        result = DocResult(doc=doc)
    result.seconds = time.perf_counter() - t0
    return result


def document_row(r: DocResult) -> dict[str, Any]:
    d = r.doc
    return {
        "doc_id": d.doc_id,
        "source": d.source,
        "format": d.format,
        "script": d.script if d.status != STATUS_FAILED else "",
        "title": d.title,
        "county_code": r.county_code,
        "county": r.county,
        "n_chars": len(d.raw_text),
        "n_pages": d.n_pages or "",
        "status": d.status,
        "error": d.error,
        "encoding": d.meta.get("encoding", ""),
        "n_articles": len(d.articles),
    }


@dataclass
class RunSummary:
    n_docs: int = 0
    status: Counter[str] = field(default_factory=Counter)
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    failures: list[tuple[str, str]] = field(default_factory=list)


def write_outputs(out_dir: Path, results: list[DocResult], models_dir: Path) -> dict[str, int]:
    """Write texts, tables, graph exports and the store; each file atomically. Returns rows per output."""
    from pipeline.corpus.compare import compare_counties
    from pipeline.corpus.conflicts import CONFLICT_COLUMNS, find_conflicts
    from pipeline.corpus.graph import build_graph
    from pipeline.corpus.practice_tables import compare_practices, cooccurrence, policy_tools_crosstab
    from pipeline.corpus.practices import classify_practices
    from pipeline.corpus.similarity import practice_families, practice_similarity
    from pipeline.extract.clauses import POLICY_TOOLS_COLUMNS
    from pipeline.io.store import write_duckdb
    from pipeline.learn.indicators import load_mapper

    out_dir.mkdir(parents=True, exist_ok=True)
    for r in results:
        if r.doc.raw_text:
            export.atomic_write_text(export.text_path(out_dir, r.doc.doc_id), r.doc.raw_text)
        if r.review_html:
            export.atomic_write_text(out_dir / "review" / f"{r.doc.doc_id}.html", r.review_html)
    documents = [document_row(r) for r in results]
    places = [row for r in results for row in r.places]
    figures = [row for r in results for row in r.figures]
    measures = [row for r in results for row in r.measures]
    links = [row for r in results for row in r.links]
    tables = {
        "documents.csv": (documents, export.DOCUMENT_COLUMNS),
        "places.csv": (places, export.PLACE_COLUMNS),
        "figures.csv": (figures, export.FIGURE_COLUMNS),
        "measures.csv": (measures, export.MEASURE_COLUMNS),
        "sections.csv": ([row for r in results for row in r.sections], export.SECTION_COLUMNS),
        "links.csv": (links, export.LINK_COLUMNS),
        "conflicts.csv": (find_conflicts(figures), CONFLICT_COLUMNS),
        "compare_counties.csv": compare_counties(documents, places, figures, load_mapper(models_dir)),
    }
    texts = {r.doc.doc_id: r.doc.text for r in results if r.doc.text}
    clauses = [row for r in results for row in r.clauses]
    pairs = practice_similarity(measures, texts)
    families = practice_families(pairs, {str(m["name"]) for m in measures})
    cached = _WORKER_RESOURCES.get(str(models_dir))  # the sequential run loaded it; a Dask run loads only this
    policy_model = cached.policy_model if cached is not None else load_policy_model(models_dir)
    classes = classify_practices(measures, texts, policy_model) if policy_model is not None else {}
    tables["compare_practices.csv"] = compare_practices(measures, links, documents, families, classes)
    tables["policy_tools.csv"] = (clauses, POLICY_TOOLS_COLUMNS)
    tables["policy_tools_crosstab.csv"] = policy_tools_crosstab(clauses, documents)
    tables["cooccurrence.csv"] = cooccurrence(measures, texts)
    counts = {name: export.write_csv(out_dir / name, rows, cols) for name, (rows, cols) in tables.items()}
    graph = build_graph(documents, places, figures, measures, links, similar=pairs, families=families, classes=classes)
    counts.update({f"graph {k}": v for k, v in export.write_graph(out_dir, graph).items()})
    write_duckdb(out_dir / "kg.duckdb", {name.removesuffix(".csv"): t for name, t in tables.items()}, graph)
    return counts


_WORKER_RESOURCES: dict[str, Resources] = {}


def _worker_resources(models_dir: str) -> Resources:
    """Resources cached per worker process, so a Dask worker loads the models once, not once per file."""
    if models_dir not in _WORKER_RESOURCES:
        _WORKER_RESOURCES[models_dir] = Resources.load(Path(models_dir))
    return _WORKER_RESOURCES[models_dir]


def process_path(path: Path, root: Path, doc_id: str, config: Config) -> DocResult:
    """Ingest and process one file: the unit of work shipped to a Dask worker."""
    from pipeline.ingest import load_document

    doc = load_document(path, root, config, doc_id=doc_id)
    return process_document(doc, _worker_resources(config.models_dir), review=config.review)


def _run_dask(corpus: Path, config: Config, scheduler: str | None) -> Iterator[DocResult]:
    """Scale out: one task per file on a local process cluster or a running Dask scheduler."""
    from distributed import Client, LocalCluster, as_completed

    from pipeline.ingest import assign_doc_ids, list_corpus

    paths = list_corpus(corpus)
    ids = assign_doc_ids(paths, corpus)
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


def run_corpus(
    corpus: Path,
    out_dir: Path,
    config: Config,
    on_document: Callable[[DocResult], None] | None = None,
    docs: Iterable[Document] | None = None,
    scheduler: str | None = None,
) -> RunSummary:
    """Ingest every file under ``corpus``, process it, and write the output folder.

    ``config.workers > 1`` or a ``scheduler`` address runs the files on Dask; results are written in
    doc_id order either way, so outputs do not depend on scheduling.
    """
    from pipeline.ingest import iter_corpus

    t0 = time.perf_counter()
    results: list[DocResult] = []
    stream: Iterable[DocResult]
    if docs is None and (config.workers > 1 or scheduler):
        stream = _run_dask(corpus, config, scheduler)
    else:
        res = _worker_resources(config.models_dir)
        source: Iterable[Document] = docs if docs is not None else iter_corpus(corpus, config)
        stream = (process_document(doc, res, review=config.review) for doc in source)
    for r in stream:
        results.append(r)
        if on_document is not None:
            on_document(r)
    results.sort(key=lambda r: r.doc.doc_id)
    summary = RunSummary(n_docs=len(results))
    summary.rows = write_outputs(out_dir, results, Path(config.models_dir))
    for r in results:
        summary.status[r.doc.status] += 1
        if r.doc.status != STATUS_OK:
            summary.failures.append((r.doc.source, r.doc.error))
    summary.seconds = time.perf_counter() - t0
    return summary
