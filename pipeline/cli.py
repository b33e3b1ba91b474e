"""Command line: a thin typer layer over the stages. Progress bars and printing live here only."""

from __future__ import annotations

import json
import logging
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeRemainingColumn
from rich.table import Table

from pipeline.config import load_config
from pipeline.errors import PipelineError
from pipeline.io.folder import LOCK_WAIT
from pipeline.model import DocResult
from pipeline.text.chars import HAN_RE

if TYPE_CHECKING:
    from pipeline.run import RunSummary

app = typer.Typer(
    help="Mine Chinese rural-policy reports (PDF, HTML, DOCX, text) into grounded tables and a graph.",
    no_args_is_help=True,
    add_completion=False,
)
bench_app = typer.Typer(help="Benchmarks (throughput; not tests).", no_args_is_help=True)
app.add_typer(bench_app, name="bench")
query_app = typer.Typer(
    help="Ask the store (OUT/kg.duckdb, --out outputs by default): a county, a practice, an indicator across "
    "counties, a path, SQL.",
    no_args_is_help=True,
)
app.add_typer(query_app, name="query")
OutOpt = Annotated[
    Path, typer.Option("--out", "-o", help="The output folder of `extract` whose store (kg.duckdb) to read.")
]
DbOpt = Annotated[Path | None, typer.Option("--db", help="The store file itself (instead of --out).")]
FormatOpt = Annotated[str, typer.Option("--format", "-f", help="table | csv | json")]

console = Console(stderr=True)
REPO = Path(__file__).resolve().parent.parent
DEFAULT_SHARED = REPO.parent / "shared"


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


class RunProgress:
    """Progress of ``extract``: N/total with the stage and ETA as a rich bar in a terminal; plain lines
    (``documents 12/40 (30%) eta 0:01:05 sub/liping``) when stderr is not a terminal (a log, CI), at most one
    every ``every`` seconds besides each stage's first and last. Also notes the documents without Chinese."""

    def __init__(self, out: Console, total: int, every: float = 10.0) -> None:
        self.out, self.total, self.every = out, total, every
        self.bar: Progress | None = None
        self.task: TaskID | None = None
        self.stage, self.stage_t0, self.last = "", 0.0, 0.0
        self.done, self.n_readable = 0, 0
        self.no_chinese: list[str] = []  # sources of documents with text but no Han character

    def __enter__(self) -> RunProgress:
        if self.out.is_terminal:
            self.bar = Progress(
                TextColumn("{task.description:<16}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("eta"),
                TimeRemainingColumn(),
                TextColumn("{task.fields[item]}"),
                console=self.out,
                transient=True,
            )
            self.bar.__enter__()
        self.show("documents", 0, self.total, "")
        return self

    def __exit__(self, *exc: object) -> None:
        if exc[0] is None and self.stage:
            self.show(self.stage, 1, 1, "")
        if self.bar is not None:
            self.bar.__exit__(None, None, None)

    def document(self, r: DocResult) -> None:
        """``run_corpus``'s on_document: one more document done."""
        self.done += 1
        if r.doc.raw_text:
            self.n_readable += 1
            if not HAN_RE.search(r.doc.raw_text):
                self.no_chinese.append(r.doc.source)
        self.show("documents", self.done, max(self.total, self.done), r.doc.doc_id)

    def corpus_stage(self, stage: str) -> None:
        """``run_corpus``'s on_stage: a corpus-wide stage starts."""
        self.show(stage, 0, 1, "")

    def show(self, stage: str, done: int, total: int, item: str) -> None:
        now = time.monotonic()
        new_stage = stage != self.stage
        if new_stage:
            self.stage, self.stage_t0 = stage, now
        if self.bar is not None:
            if new_stage or self.task is None:
                if self.task is not None:
                    self.bar.remove_task(self.task)
                self.task = self.bar.add_task(stage, total=total, item="")
            self.bar.update(self.task, completed=done, total=total, item=escape(item[-40:]))  # a name is no markup
            return
        if not (new_stage or done >= total or now - self.last >= self.every):
            return
        self.last = now
        line = f"{stage} {done}/{total}"
        if total and 0 < done < total:
            eta = (now - self.stage_t0) / done * (total - done)
            line += f" ({100 * done // total}%) eta {int(eta) // 3600}:{int(eta) % 3600 // 60:02d}:{int(eta) % 60:02d}"
        self.out.print(f"{line} {item}".rstrip(), markup=False, highlight=False, soft_wrap=True)


@app.command()
def extract(
    corpus: Annotated[Path, typer.Argument(help="Folder of reports (searched recursively), or one file.")] = Path(
        "corpus"
    ),
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Output folder (created; a re-run keeps it in step with CORPUS).")
    ] = Path("outputs"),
    config: Annotated[Path | None, typer.Option(help="TOML config file (keys of pipeline.config.Config).")] = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Exit non-zero if any file failed, or the corpus is empty or not Chinese.")
    ] = False,
    max_file_mb: Annotated[float | None, typer.Option(help="Files above this size fail with a clear reason.")] = None,
    models_dir: Annotated[Path | None, typer.Option(help="Folder of gazetteer and trained models.")] = None,
    workers: Annotated[
        int | None,
        typer.Option(min=0, help="Worker processes; default 0: one per core (a few files: this process); 1: no pool."),
    ] = None,
    engine: Annotated[
        str | None,
        typer.Option(help="local (this machine's cores) or dask (a Dask cluster; a local one without --scheduler)."),
    ] = None,
    scheduler: Annotated[
        str | None, typer.Option(help="Address of a running Dask scheduler (tcp://host:8786): runs on its workers.")
    ] = None,
    review: Annotated[
        bool, typer.Option("--review", help="Also write review/{doc_id}.html: the findings highlighted in the text.")
    ] = False,
    corrections: Annotated[
        Path | None,
        typer.Option(help="Corrections CSV (action,name,into,note); default: corrections.csv in CORPUS, if any."),
    ] = None,
    wait: Annotated[
        float, typer.Option(help="Seconds to wait while another run writes the same OUT, then give up.")
    ] = LOCK_WAIT,
    force: Annotated[
        bool, typer.Option("--force", help="Process every file again: ignore the cache in OUT/.cache (rebuilt).")
    ] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """Extract documents, places, figures and measures from every file under CORPUS into OUT.

    Writes OUT/text/{doc_id}.txt (text as extracted; all offsets point into it; an odd file name gets a safe
    name, see documents.csv's text_file), documents.csv, sections.csv,
    places.csv, figures.csv, measures.csv, ... and ruralmine.xlsx (every table, with a data dictionary). A bad
    file becomes a documents.csv row with its reason. A re-run into the same OUT removes the texts and review
    pages of documents no longer in CORPUS. OUT is written as one unit (staged beside it, switched in one step,
    run.json last) under a lock: a failed or killed run leaves the previous complete run (README "Safety").
    A re-run processes only the files that are new or changed since the last run into OUT (README "Re-running").
    """
    _setup_logging(verbose)
    from pipeline.ingest import FORMATS, list_corpus
    from pipeline.run import run_corpus

    if not corpus.exists():
        console.print(
            f"[red]corpus not found:[/] {corpus} (give a folder of reports, or one file: make extract CORPUS=DIR)"
        )
        raise typer.Exit(2)
    if out.exists() and not out.is_dir():
        console.print(
            f"[red]--out {out} is a file, not a folder:[/] nothing was done; the outputs are a folder of files, "
            "give a new or existing folder (make extract OUT=DIR)"
        )
        raise typer.Exit(2)
    if scheduler and engine == "local":
        console.print("[red]--scheduler runs on a Dask cluster:[/] give --engine dask, or leave --engine out")
        raise typer.Exit(2)
    try:
        cfg = load_config(
            config,
            strict=strict or None,
            max_file_mb=max_file_mb,
            models_dir=str(models_dir) if models_dir else None,
            workers=workers,
            engine=engine or ("dask" if scheduler else None),
            review=review or None,
        )
    except PipelineError as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from exc
    n_files = len(list_corpus(corpus, exclude=[out]))
    if not n_files:
        console.print(
            f"[yellow]warning: the corpus {corpus} is empty:[/] no files to mine (searched recursively; hidden "
            f"files and READMEs are skipped; readable types: {', '.join(sorted(FORMATS))})"
        )
        if cfg.strict:
            console.print("[red]--strict: empty corpus, nothing written[/]")
            raise typer.Exit(1)
    with RunProgress(console, n_files) as progress:
        try:
            summary = run_corpus(
                corpus,
                out,
                cfg,
                on_document=progress.document,
                scheduler=scheduler,
                on_stage=progress.corpus_stage,
                corrections=corrections,
                lock_wait=wait,
                force=force,
            )
        except PipelineError as exc:  # a bad corrections file, an unwritable or locked OUT, a failed write
            console.print(f"[red]{exc}[/]", soft_wrap=True)
            raise typer.Exit(2) from exc
    table = Table(title=f"{summary.n_docs} documents in {summary.seconds:.1f}s → {out}")
    table.add_column("status")
    table.add_column("documents", justify="right")
    for status in ("ok", "partial", "failed"):
        table.add_row(status, str(summary.status.get(status, 0)))
    for name, n in summary.rows.items():
        table.add_row(name, str(n))
    console.print(table)
    console.print(cache_line(summary, out), highlight=False, soft_wrap=True)
    for source, error in summary.failures:
        console.print(failure_line(source, error), highlight=False, soft_wrap=True)
    for folder, why in summary.skipped:
        console.print(f"[yellow]skipped folder {escape(str(folder))}[/]: {escape(why)}")
    no_chinese = progress.n_readable > 0 and len(progress.no_chinese) == progress.n_readable
    if no_chinese:
        console.print(
            f"[yellow]warning: none of the {progress.n_readable} readable document(s) contains Chinese text[/] "
            f"(ruralmine mines Chinese rural-policy reports; is {corpus} the right corpus?)"
        )
    elif progress.no_chinese:
        shown = escape(", ".join(progress.no_chinese[:10])) + (" …" if len(progress.no_chinese) > 10 else "")
        console.print(f"[yellow]{len(progress.no_chinese)} document(s) without Chinese text:[/] {shown}")
    if not summary.unchanged:
        _print_corrections(summary)
    if cfg.strict and summary.status.get("failed", 0):
        console.print("[red]--strict: some files failed[/]")
        raise typer.Exit(1)
    if cfg.strict and no_chinese:
        console.print("[red]--strict: no Chinese text in the corpus[/]")
        raise typer.Exit(1)


def cache_line(summary: RunSummary, out: Path) -> str:
    """What the run took from OUT's cache (pipeline/io/cache.py), or that there was nothing to do."""
    if summary.unchanged:
        return (
            f"unchanged: nothing to do ({escape(str(out))} already holds this run: same files, code, models, settings "
            "and corrections; --force processes everything again)"
        )
    return f"cache: {summary.cached} document(s) unchanged, {summary.n_docs - summary.cached} processed"


def failure_line(source: str, error: str) -> str:
    """The summary's line for a file that is not ok: its name once (the error of a bad file already starts
    with it: ``a.txt: file is empty``), in yellow; names and messages are data, never rich markup."""
    rest = error[len(source) :] if error.startswith((f"{source}:", f"{source},")) else f": {error}"
    return f"[yellow]{escape(source)}[/]{escape(rest)}"


def _print_corrections(summary: RunSummary) -> None:
    """What each rule of the corrections file touched; a rule that matched nothing is a warning."""
    if not summary.corrections_file:
        return
    rules = summary.corrections
    console.print(f"corrections: {len(rules)} rule(s) from {summary.corrections_file} (see corrections_applied.csv)")
    for a in rules:
        r = a.rule
        into = f" → {r.county.name} ({r.county.adcode})" if r.county else (f" → {r.into}" if r.into else "")
        text = f"  line {r.line}: {r.action} {r.name}{into}: {a.rows} row(s) ({a.detail})"
        text = escape(text)
        console.print(f"[yellow]warning:{text} — matched nothing[/]" if not a.rows else text, highlight=False)


@app.command("eval")
def eval_(
    corpus: Annotated[Path, typer.Argument(help="Folder of documents that the gold files describe.")] = Path(
        "../shared/corpus/seeds"
    ),
    gold: Annotated[Path, typer.Option(help="Folder of gold JSON files (one per doc_id).")] = Path("../shared/gold"),
    out: Annotated[Path, typer.Option(help="Where to write the extraction being scored.")] = Path("outputs/eval"),
    floors: Annotated[Path | None, typer.Option(help="JSON of category -> minimum score.")] = None,
    no_run: Annotated[bool, typer.Option("--no-run", help="Score an existing output folder.")] = False,
    show_missed: Annotated[int, typer.Option(help="How many missed items to list.")] = 60,
    select: Annotated[
        str | None, typer.Option(help="Score only the gold files whose doc_id matches this regex (a held-out part).")
    ] = None,
) -> None:
    """Run extraction on CORPUS and score it against GOLD: recall per category, county precision, grounding.

    With --floors, fails (exit 1) when a category falls below a pinned floor (tests/eval_floors/*.json).
    """
    _setup_logging(False)
    from pipeline.run import run_corpus
    from pipeline.tools.evaluate import check_floors, evaluate, load_floors

    if not gold.is_dir():
        console.print(f"[red]gold folder not found:[/] {gold}")
        raise typer.Exit(2)
    if not no_run:
        run_corpus(corpus, out, load_config())
    rep = evaluate(out, gold, select)
    table = Table(title=f"evaluation of {out} against {gold}")
    for col in ("category", "found", "total", "score"):
        table.add_column(col, justify="right" if col != "category" else "left")
    for cat, sc in sorted(rep.scores.items()):
        table.add_row(cat, str(sc.found), str(sc.total), f"{sc.value:.3f}")
    Console().print(table)
    for d, cat, item in rep.missed[:show_missed]:
        typer.echo(f"missed  {cat:<20} {d}  {item}")
    if floors is None:
        typer.echo("no --floors given: scores only, no gate")
        return
    pinned = load_floors(floors)
    below = check_floors(rep, pinned)
    for msg in below:
        typer.echo(f"BELOW FLOOR {msg}")
    if below:
        raise typer.Exit(1)
    typer.echo(f"eval gate passed ({len(pinned)} floors from {floors.name})")


@app.command()
def scores(
    models_dir: Annotated[Path, typer.Option(help="Folder of trained models and their meta files.")] = Path("models"),
) -> None:
    """Print the recorded scores of the learned parts: program filter, indicator mapping, policy-tool coding."""
    from pipeline.learn.train import recorded_scores

    for name, got in recorded_scores(models_dir).items():
        typer.echo(
            f"{name}: " + ("missing (run `make models`)" if got is None else json.dumps(got, ensure_ascii=False))
        )


@app.command()
def models(
    models_dir: Annotated[Path, typer.Option(help="Where to write the models.")] = Path("models"),
    shared: Annotated[Path, typer.Option(help="The shared/ folder with external/ division tables.")] = DEFAULT_SHARED,
) -> None:
    """Build the gazetteer and train the learned filters into MODELS_DIR (sources and dates recorded)."""
    _setup_logging(False)
    from pipeline.learn.train import headline_scores, train_all

    ext = shared / "external"
    built = train_all(models_dir, ext if ext.is_dir() else None)
    console.print(f"gazetteer → {built.pop('gazetteer')['path']}")
    for name, meta in built.items():
        console.print(f"{name} → {models_dir} ({json.dumps(headline_scores(meta), ensure_ascii=False)})")


@bench_app.command("ingest")
def bench_ingest_cmd(
    shared: Annotated[Path, typer.Option(help="The shared/ folder (its external/ PDFs and texts).")] = DEFAULT_SHARED,
    repeat: Annotated[int, typer.Option(help="Passes over the inputs.")] = 1,
    ocr_pages: Annotated[int, typer.Option(help="Pages per PDF (first 3 PDFs) made into scans for OCR; 0: none.")] = 2,
    plumber: Annotated[bool, typer.Option(help="Also time plain pdfplumber extract_text on the same PDFs.")] = True,
) -> None:
    """Ingest throughput: pages/s for text-layer PDFs (and plain pdfplumber's, same run, and the ratio), MB/s
    for text, and OCR pages/s on scans made from the PDFs."""
    from pipeline.tools.bench import bench_ingest, bench_ocr, default_bench_inputs

    pdfs, texts = default_bench_inputs(shared)
    stats = bench_ingest(pdfs, texts, repeat=repeat, plumber=plumber)
    if ocr_pages > 0:
        stats.update(bench_ocr(pdfs, pages_per_file=ocr_pages))
    for k, v in stats.items():
        typer.echo(f"{k}: {v:.3f}" if isinstance(v, float) else f"{k}: {v}")


@bench_app.command("extract")
def bench_extract_cmd(
    shared: Annotated[Path, typer.Option(help="The shared/ folder (its government-report corpus).")] = DEFAULT_SHARED,
    mb: Annotated[float, typer.Option(help="How many MB of text to extract from.")] = 1.0,
    models_dir: Annotated[Path, typer.Option()] = Path("models"),
) -> None:
    """Extraction throughput in MB/s on normalized text (places, figures, measures)."""
    from pipeline.tools.bench import bench_extract

    stats = bench_extract(shared, models_dir, mb=mb)
    for k, v in stats.items():
        typer.echo(f"{k}: {v:.3f}" if isinstance(v, float) else f"{k}: {v}")


@bench_app.command("corpus")
def bench_corpus_cmd(
    docs: Annotated[int, typer.Option("--docs", help="Documents to generate.")] = 2000,
    source: Annotated[Path, typer.Option(help="The sample corpus to recombine.")] = Path("corpus"),
    workdir: Annotated[
        Path | None, typer.Option(help="Folder for the generated corpus and outputs (kept); default: a temporary one.")
    ] = None,
    peer_mb: Annotated[float, typer.Option(help="MB of the run's text the peers (jionlp, cpca) read.")] = 1.0,
    trace_memory: Annotated[
        bool, typer.Option(help="tracemalloc's biggest holders at the write phase (slow).")
    ] = False,
    workers: Annotated[int | None, typer.Option(help="Worker processes of the extract runs.")] = None,
    models_dir: Annotated[Path, typer.Option()] = Path("models"),
) -> None:
    """A generated corpus of DOCS documents extracted twice (first run, unchanged re-run): docs/s, MB/s, pages/s,
    peak RSS, per-stage times, and the peers (jionlp, cpca; `pip install '.[bench]'`) on the same text as ratios."""
    import tempfile

    from pipeline.tools.bench_corpus import bench_corpus

    with tempfile.TemporaryDirectory(prefix="ruralmine-bench-") as tmp:
        stats, notes = bench_corpus(
            source, workdir or Path(tmp), docs, models_dir, peer_mb, trace_memory=trace_memory, workers=workers
        )
    for k, v in stats.items():
        typer.echo(f"{k}: {v:.3f}" if isinstance(v, float) else f"{k}: {v}")
    for note in notes:
        typer.echo(f"note: {note}")


def _json_value(value: object) -> object:
    """JSON for what DuckDB returns beyond str/int/float/bool: decimals as numbers, dates ISO, the rest as text."""
    from decimal import Decimal

    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    iso = getattr(value, "isoformat", None)
    return iso() if callable(iso) else str(value)


def _emit(sections: dict[str, list[dict[str, object]]], fmt: str) -> None:
    """Print query results as rich tables, CSV (with a section column) or JSON."""
    import csv
    import io

    from pipeline.io.writers import cell, sheet_cell

    if fmt == "json":
        typer.echo(json.dumps(sections, ensure_ascii=False, indent=2, default=_json_value))
        return
    if fmt == "csv":
        cols = ["section", *dict.fromkeys(k for rows in sections.values() for r in rows for k in r)]
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=cols)
        w.writeheader()
        for name, rows in sections.items():
            for r in rows:
                w.writerow({"section": name, **{k: sheet_cell(v) for k, v in r.items()}})
        typer.echo(buf.getvalue().rstrip("\n"))
        return
    out = Console()
    for name, rows in sections.items():
        t = Table(title=f"{name} ({len(rows)})")
        cols = list(dict.fromkeys(k for r in rows for k in r))
        for c in cols:
            t.add_column(c, overflow="fold")
        for r in rows:
            t.add_row(*(cell(r.get(c)) for c in cols))
        out.print(t)


def _store(out: Path, db: Path | None) -> Path:
    """The store a query reads: --db FILE, else OUT/kg.duckdb (OUT may also name the file itself)."""
    if db is not None:
        return db
    return out if out.suffix == ".duckdb" else out / "kg.duckdb"


def _run_query(fn: object, fmt: str, store: Path, *args: object) -> None:
    from pipeline.io.query import connect

    if fmt not in ("table", "csv", "json"):
        console.print(f"[red]unknown format {fmt!r}[/] (use table, csv or json)")
        raise typer.Exit(2)
    typer.echo(f"store: {store}", err=True)  # which store answered, on stderr: out of the way of --format
    try:
        con = connect(store)
        result = fn(con, *args)  # type: ignore[operator]
    except PipelineError as exc:  # messages quote user SQL and paths: escaped, so [/] is text, not rich markup
        console.print(f"[red]{escape(str(exc))}[/]", soft_wrap=True)
        raise typer.Exit(1) from exc
    except Exception as exc:  # bad SQL and the like: a message, not a traceback
        console.print(f"[red]query failed:[/] {escape(str(exc))}", soft_wrap=True)
        raise typer.Exit(1) from exc
    _emit(result if isinstance(result, dict) else {"result": result}, fmt)


@query_app.command("county")
def query_county(
    name: Annotated[str, typer.Argument(help="County name (simplified or traditional), short form or adcode.")],
    out: OutOpt = Path("outputs"),
    db: DbOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """A county's practices, formulas with steps, and outcomes with evidence quotes and pages."""
    from pipeline.io.query import county

    _run_query(county, fmt, _store(out, db), name)


@query_app.command("practice")
def query_practice(
    name: Annotated[str, typer.Argument(help="Practice, formula or loan product name (simplified or traditional).")],
    out: OutOpt = Path("outputs"),
    db: DbOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """Counties that ran a practice, its outcomes, and similar practices."""
    from pipeline.io.query import practice

    _run_query(practice, fmt, _store(out, db), name)


@query_app.command("indicator")
def query_indicator(
    name: Annotated[
        str, typer.Argument(help="A canonical indicator (indicator_std, e.g. 建档立卡贫困户) or a phrase.")
    ],
    out: OutOpt = Path("outputs"),
    db: DbOpt = None,
    fmt: FormatOpt = "table",
    models_dir: Annotated[
        Path | None, typer.Option(help="Folder of indicators.json, the vocabulary phrases are mapped by.")
    ] = None,
) -> None:
    """An indicator compared across counties: reported figures of one canonical indicator (exact name, else the
    vocabulary's rules for the phrase, else figures whose own indicator is exactly the phrase; never substrings)."""
    from pipeline.io.query import indicator, vocabulary

    try:
        vocab = vocabulary(models_dir)
    except PipelineError as exc:
        console.print(f"[red]{exc}[/]", soft_wrap=True)
        raise typer.Exit(2) from exc
    _run_query(indicator, fmt, _store(out, db), name, vocab)


@query_app.command("path")
def query_path(
    a: Annotated[str, typer.Argument(help="Node id or label.")],
    b: Annotated[str, typer.Argument(help="Node id or label.")],
    out: OutOpt = Path("outputs"),
    db: DbOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """The shortest chain of relations between two nodes, each edge in its own direction (from → to)."""
    from pipeline.io.query import path

    _run_query(path, fmt, _store(out, db), a, b)


@query_app.command("sql")
def query_sql(
    statement: Annotated[
        str, typer.Argument(help="SQL over documents, places, figures, measures, links, nodes, edges.")
    ],
    out: OutOpt = Path("outputs"),
    db: DbOpt = None,
    fmt: FormatOpt = "table",
    limit: Annotated[int, typer.Option(min=1, max=1_000_000, help="At most this many rows; a cut is said.")] = 1000,
    timeout: Annotated[float, typer.Option(min=0.1, help="Stop the query after this many seconds.")] = 30.0,
) -> None:
    """One read-only query over the store (SELECT, WITH, DESCRIBE, SHOW, EXPLAIN; typed columns: value DOUBLE,
    offsets and counts INTEGER, focal BOOLEAN). No files, URLs or extensions; rows and time are capped."""
    from pipeline.io.query import sql

    def rows(con: object) -> list[dict[str, object]]:
        got = sql(con, statement, limit=limit, timeout=timeout)  # type: ignore[arg-type]
        if got.truncated:
            typer.echo(f"result cut at {limit} rows (the query returns more; raise --limit or add LIMIT)", err=True)
        return got.rows

    _run_query(rows, fmt, _store(out, db))


@app.command()
def report(
    out: OutOpt = Path("outputs"),
    name: Annotated[str, typer.Option(help="File name of the report, written into OUT.")] = "report.html",
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """One self-contained HTML report (Chinese) of OUT's store, written to OUT/report.html: county profiles,
    indicator charts, policy tools, practice × county matrix, practice families, conflicts; every number links
    to its evidence quote. Opens from disk, no network."""
    _setup_logging(verbose)
    import time

    from pipeline.serve.report import write_report

    began = time.perf_counter()
    try:
        path = write_report(out, name)
    except PipelineError as exc:
        console.print(f"[red]error:[/red] {escape(str(exc))}")
        raise typer.Exit(1) from exc
    size = path.stat().st_size
    console.print(f"report: {escape(str(path))} ({size / 1024:,.0f} KB, {time.perf_counter() - began:.1f} s)")


@app.command()
def serve(
    out: OutOpt = Path("outputs"),
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port to listen on (0: any free port).")] = 8765,
    host: Annotated[
        str | None,
        typer.Option(
            help="Address to bind; 127.0.0.1 unless given (another address exposes the store and corrections)."
        ),
    ] = None,
    corrections: Annotated[
        Path | None,
        typer.Option(help="Corrections CSV to append to; default: the run's, else corrections.csv in its corpus."),
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """The explorer: a local web app (Chinese) over OUT's store: counties, practices, indicators, documents with
    every finding highlighted, figure search with CSV download, a graph view, read-only SQL, corrections."""
    _setup_logging(verbose)
    from pipeline.serve.app import serve as run_server

    try:
        run_server(out, port, host, corrections, announce=lambda url: console.print(f"explorer: {url}  (Ctrl+C stops)"))
    except PipelineError as exc:
        console.print(f"[red]error:[/red] {escape(str(exc))}")
        raise typer.Exit(1) from exc
    except OSError as exc:  # the port is taken, the address cannot be bound
        console.print(
            f"[red]error:[/red] cannot listen on {escape(str(host or '127.0.0.1'))}:{port}: {escape(str(exc))}"
        )
        raise typer.Exit(1) from exc
    except KeyboardInterrupt:
        pass


def main() -> None:
    app()


if __name__ == "__main__":
    main()
