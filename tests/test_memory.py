"""Bounded memory (issue 12): the local engine lets go of each result once the caller has it, a memo stays under its
cap, and the main process's traced peak over the corpus stages and the writers does not grow with the number of
(spilled) documents."""

from __future__ import annotations

import gc
from collections.abc import Sequence
from pathlib import Path

import pytest

import pipeline.scale
from pipeline.config import Config
from pipeline.model import DocResult, Document
from tests.records import figure, result

PROBE = "mem-probe-"


def _fake_process(path: Path, root: Path, doc_id: str, config: Config) -> DocResult:
    """Stands in for ``scale.process_path`` in the forked workers: a result with a big text, no model."""
    return DocResult(doc=Document(doc_id, path.name, "txt", raw_text="某县" * 50_000))


def _alive(doc_ids: set[str]) -> int:
    gc.collect()
    return sum(1 for o in gc.get_objects() if isinstance(o, DocResult) and o.doc.doc_id in doc_ids)


def test_the_worker_pool_keeps_no_result_the_caller_has_let_go(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Each future holds its whole result: a run that kept every future until the pool closed held every document's
    # result in the main process during the whole document phase (memory growing with the corpus).
    monkeypatch.setattr(pipeline.scale, "process_path", _fake_process)
    monkeypatch.setattr(pipeline.scale, "_warm", lambda models_dir: None)
    tasks = [(tmp_path / f"d{i}.txt", f"{PROBE}{i}") for i in range(8)]
    seen: list[str] = []
    kept = []
    for r in pipeline.scale._run_pool(tasks, tmp_path, Config(), 2):
        seen.append(r.doc.doc_id)
        del r
        kept.append(_alive(set(seen[:-1])))  # the results handed over before this one, and let go
    assert sorted(seen) == sorted(doc_id for _, doc_id in tasks)
    assert kept == [0] * len(tasks)


PIPELINE = Path(__file__).resolve().parent.parent / "pipeline"


def memo_sizes(source: str) -> list[tuple[str, int | None]]:
    """(function, maxsize) of every ``lru_cache`` / ``cache`` decorator in ``source`` (None: unbounded)."""
    import ast

    found: list[tuple[str, int | None]] = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for dec in node.decorator_list:
            call = dec if isinstance(dec, ast.Call) else None
            target = call.func if call is not None else dec
            name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
            if name not in ("lru_cache", "cache"):
                continue
            size: int | None = 128 if name == "lru_cache" else None  # lru_cache's default; cache is unbounded
            if call is not None:
                args = [*call.args[:1], *(k.value for k in call.keywords if k.arg == "maxsize")]
                size = args[0].value if args and isinstance(args[0], ast.Constant) else None
            found.append((node.name, size))
    return found


@pytest.mark.parametrize(
    ("source", "sizes"),
    [
        ("@lru_cache(maxsize=4096)\ndef f(s): ...", [("f", 4096)]),
        ("@functools.lru_cache(64)\ndef f(s): ...", [("f", 64)]),
        ("@lru_cache\ndef f(s): ...", [("f", 128)]),
        ("@lru_cache(maxsize=None)\ndef f(s): ...", [("f", None)]),
        ("@functools.cache\ndef f(s): ...", [("f", None)]),
        ("@cache\ndef f(s): ...\n@staticmethod\ndef g(s): ...", [("f", None)]),
    ],
)
def test_the_memo_scan_reads_each_decorator_s_bound(source: str, sizes: list[tuple[str, int | None]]) -> None:
    assert memo_sizes(source) == sizes


def test_every_memo_decorator_in_the_library_is_bounded() -> None:
    # A worker lives for the whole corpus: a memo keyed by the text it meets grows with the corpus unless capped.
    # (The memos kept on objects have caps of their own, each tested beside its class: tokenizer.BLOCK_MEMO,
    # policy_tools.MEMO_TEXTS, program_filter.MEMO_CANDIDATES, IndicatorMapper.MEMO_SIZE.)
    memos = [
        (str(p.relative_to(PIPELINE)), fn, size)
        for p in sorted(PIPELINE.rglob("*.py"))
        for fn, size in memo_sizes(p.read_text(encoding="utf-8"))
    ]
    assert len(memos) > 10  # the scan sees them (normalize, numerals, qualify, tokenizer ...)
    by_file_name = {("io/columns.py", "load"), ("lexicon.py", "load")}  # keyed by a data file, never by text
    assert [m for m in memos if (m[2] is None or m[2] > 100_000) and m[:2] not in by_file_name] == []


def test_the_store_is_loaded_under_a_memory_cap_spilling_inside_the_output_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # DuckDB takes up to 80% of the machine's memory by default; the store's load is capped, and what it spills
    # goes into the (staging) output folder, removed when the store is written.
    import duckdb
    import networkx as nx

    from pipeline.io import store

    opened: list[dict[str, str]] = []
    real = duckdb.connect

    def spy(db: str, *args: object, config: dict[str, str] | None = None, **kw: object) -> duckdb.DuckDBPyConnection:
        con = real(db, *args, config=config or {}, **kw)  # type: ignore[arg-type]
        if not kw.get("read_only"):
            opened.append(dict(con.execute("select name, value from duckdb_settings()").fetchall()))
        return con

    monkeypatch.setattr(store.duckdb, "connect", spy)
    assert store.WRITE_MEMORY["threads"] <= 4  # each thread's buffers come out of the same share
    monkeypatch.setattr(store, "WRITE_MEMORY", {"memory_limit": "64MB", "threads": 1})
    out = tmp_path / "out"
    data = [{"a": f"县{i}" * 20, "b": i} for i in range(200_000)]
    store.write_duckdb(out / "kg.duckdb", {"t": (data, ["a", "b"])}, nx.MultiDiGraph())
    assert opened[0]["memory_limit"].startswith(("61.", "64"))  # DuckDB shows 64MB as 61.0 MiB
    assert Path(opened[0]["temp_directory"]).parent == out
    assert opened[0]["threads"] == "1"
    assert sorted(p.name for p in out.iterdir()) == ["kg.duckdb"]
    con = real(str(out / "kg.duckdb"), read_only=True)
    assert con.execute("select count(*), count(distinct b) from t").fetchone() == (200_000, 200_000)


class _Made(Sequence[DocResult]):
    """Results made afresh on each read (as a spilled run reads them back): document ``i`` reports indicator
    ten indicators of county 1 for year ``2000 + i``, each with a long sentence; its copy ``i + n`` the same values
    but the first, 1% off (one conflict a pair of documents)."""

    def __init__(self, n: int, sentence: int = 4_000) -> None:
        self.n, self.sentence = n, sentence

    def __len__(self) -> int:
        return 2 * self.n

    def __getitem__(self, i: int) -> DocResult:  # type: ignore[override]
        if not 0 <= i < len(self):
            raise IndexError(i)
        k = i % self.n
        figs = [
            figure(
                f"d{i}",
                f"指标{j}",
                100.0 + j + (i >= self.n and j == 0),
                "个",
                start=10 * j,
                date=str(2000 + k),
                county_code="1",
                sentence=f"{i}句{j}" + "文" * self.sentence,
            )
            for j in range(10)
        ]
        return result(f"d{i}", figures=figs)


def test_conflicts_hold_only_the_figures_they_report(tmp_path: Path) -> None:
    # Every figure of the corpus used to be held in the conflict groups until the end of the stage.
    import tracemalloc

    from pipeline.corpus.conflicts import find_conflicts
    from pipeline.io.spill import KeptResults

    made = _Made(300)
    tracemalloc.start()
    got = find_conflicts(made)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert len(got) == 300  # each document's first figure against its copy's
    held = sum(2 * len(f.sentence) for c in got for f in (c.a, c.b))  # the 600 figures reported (2 bytes a char)
    # not the 3,300 figures of distinct values (26 MB of sentences) that the groups held before
    assert peak < held + 6_000_000
    kept = KeptResults(tmp_path, spill_after=10)
    for r in made:
        kept.append(r)
    assert kept.spilled
    again = find_conflicts(kept)
    assert [(c.a, c.b, c.docs_a, c.docs_b, c.n_values, c.compared) for c in again] == [
        (c.a, c.b, c.docs_a, c.docs_b, c.n_values, c.compared) for c in got
    ]


def test_pooled_policy_codes_are_the_same_predicted_a_batch_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    # The corpus stage codes every practice's bundle in one call: the features of every distinct text of the
    # corpus (~10 KB a text) were made at once; now PREDICT_BATCH texts at a time, with the same codes.
    import pipeline.learn.policy_tools as policy_tools
    from pipeline.learn.policy_tools import PolicyToolModel
    from pipeline.learn.train import POLICY_TRAINING_TSV, read_training

    models = Path(__file__).resolve().parent.parent / "models"
    if not PolicyToolModel.paths(models)[0].exists():
        pytest.skip("models/policy_tools.pkl not present")
    texts = [r["text"] for r in read_training(models / POLICY_TRAINING_TSV)[:120]]
    bundles = [texts[i : i + 7] for i in range(0, 110, 5)] + [["", " "]]
    want = PolicyToolModel.from_disk(models).predict_pooled_many(bundles)
    monkeypatch.setattr(policy_tools, "PREDICT_BATCH", 4)
    model = PolicyToolModel.from_disk(models)
    calls: list[int] = []
    real = model._predict_proba
    monkeypatch.setattr(model, "_predict_proba", lambda feats: calls.append(len(feats)) or real(feats))
    assert model.predict_pooled_many(bundles) == want
    assert max(calls) == 4 and sum(calls) == len({policy_tools._fold(t) for t in texts[:112] if t.strip()})
