"""Engines (pipeline/scale.py): all cores by default, the same outputs whatever the number of workers or the
engine, a real Dask cluster on loopback (a scheduler and two worker processes), a worker killed mid-run; and a
light start (the CLI imports no heavy library; an empty corpus loads no model)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from typer.testing import CliRunner

import pipeline.run
import pipeline.scale
from pipeline.cli import app
from pipeline.config import Config, load_config
from pipeline.errors import ConfigError
from pipeline.model import STATUS_FAILED, DocResult, Document
from pipeline.resources import corpus_models
from tests.same_outputs import differences

REPO = Path(__file__).resolve().parent.parent
MODELS = REPO / "models"
runner = CliRunner()

COUNTIES = ("三穗", "天柱", "锦屏", "榕江", "从江", "黎平", "台江", "剑河", "雷山", "丹寨", "麻江", "岑巩")
PRODUCTS = ("茶叶", "蔬菜", "食用菌", "中药材")


def report(i: int) -> str:
    """A made-up county report: a heading, figures and a practice, varied by ``i``."""
    county, product = COUNTIES[i % len(COUNTIES)], PRODUCTS[i % len(PRODUCTS)]
    return (
        f"{county}县：{product}铺就致富路\n一、基本情况\n"
        f"{county}县发展{product}产业，全县种植面积{i + 2}万亩，带动农户{300 + 17 * i}户增收。\n"
        f"二、主要做法\n{county}县推行“合作社+农户”模式，建成加工厂{i % 9 + 1}家，"
        f"2020年{product}产值达到{1.5 + i / 10:.1f}亿元。\n"
    )


def make_corpus(root: Path, n: int) -> Path:
    """``n`` reports in two folders, plus an empty file (a failed row)."""
    (root / "sub").mkdir(parents=True)
    for i in range(n):
        folder = root / "sub" if i % 3 == 0 else root
        (folder / f"r{i:02d}.txt").write_text(report(i), encoding="utf-8")
    (root / "empty.txt").write_bytes(b"")
    return root


def _extract(corpus: Path, out: Path, *args: str) -> None:
    got = runner.invoke(app, ["extract", str(corpus), "--out", str(out), "--models-dir", str(MODELS), *args])
    assert got.exit_code == 0, got.output


# -- configuration ------------------------------------------------------------------------------------------------


def test_all_cores_by_default_and_bad_settings_are_refused() -> None:
    cfg = load_config()
    assert (cfg.workers, cfg.engine) == (0, "local")
    with pytest.raises(ConfigError, match="unknown engine 'spark'"):
        load_config(engine="spark")
    with pytest.raises(ConfigError, match="workers must be"):
        load_config(workers=-1)


def test_one_process_for_few_documents_else_one_per_core(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "cpu_count", lambda: 4)
    every_core = Config()
    assert pipeline.scale.n_workers(every_core) == 4
    assert pipeline.scale.local_processes(every_core, 3) == 1  # a handful of files: no pool to start
    assert pipeline.scale.local_processes(every_core, 2 * pipeline.scale.DOCS_PER_PROCESS) == 2
    assert pipeline.scale.local_processes(every_core, 1000) == 4
    assert pipeline.scale.local_processes(Config(workers=1), 1000) == 1
    assert pipeline.scale.local_processes(Config(workers=3), 1000) == 3


def test_cli_refuses_an_unknown_engine_and_a_scheduler_for_the_local_engine(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(report(0), encoding="utf-8")
    got = runner.invoke(app, ["extract", str(tmp_path), "--out", str(tmp_path / "o"), "--engine", "spark"])
    assert got.exit_code == 2
    assert "unknown engine 'spark'" in got.output
    args = ["extract", str(tmp_path), "--out", str(tmp_path / "o"), "--engine", "local", "--scheduler", "tcp://x:1"]
    got = runner.invoke(app, args)
    assert got.exit_code == 2
    assert "--scheduler runs on a Dask cluster" in got.output
    assert not (tmp_path / "o").exists()


def test_run_corpus_hands_the_engine_a_list_of_paths_and_doc_ids(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The engine gets every readable file as (path, doc_id) in walk order, never a refused entry (that row is
    made before dispatch); whatever order it answers in, the tables are in doc_id order."""
    corpus = tmp_path / "c"
    (corpus / "sub").mkdir(parents=True)
    for name in ("b.txt", "a.txt", "sub/c.txt"):
        (corpus / name).write_text(report(1), encoding="utf-8")
    (corpus / "gone.txt").symlink_to(corpus / "nowhere.txt")  # a dangling link, refused by the walk: not dispatched
    seen: list[list[tuple[Path, str]]] = []

    def engine(
        tasks: Sequence[tuple[Path, str]], root: Path, config: Config, scheduler: str | None
    ) -> Iterator[DocResult]:
        seen.append(list(tasks))
        for path, doc_id in reversed(tasks):  # completion order is not doc_id order
            doc = Document(doc_id, path.relative_to(root).as_posix(), "txt", status=STATUS_FAILED, error="stub")
            yield DocResult(doc=doc)

    monkeypatch.setattr(pipeline.scale, "run_engine", engine)
    # stub rows need no model: the corpus stages get the vocabulary alone, as for an empty corpus (fast)
    monkeypatch.setattr(pipeline.run, "corpus_models", lambda models_dir, _: corpus_models(models_dir, False))
    out = tmp_path / "o"
    _extract(corpus, out)
    assert seen == [[(corpus / "a.txt", "a"), (corpus / "b.txt", "b"), (corpus / "sub" / "c.txt", "sub/c")]]
    lines = (out / "documents.csv").read_text(encoding="utf-8-sig").splitlines()[1:]
    assert [line.split(",")[0] for line in lines] == ["a", "b", "gone", "sub/c"]
    assert "stub" in lines[0] and "stub" not in lines[2]  # the link's row says why it was refused


# -- start-up -----------------------------------------------------------------------------------------------------

HEAVY = ("spacy", "jieba", "sklearn", "duckdb", "distributed", "dask", "networkx", "thinc", "pdfplumber", "openpyxl")


def _modules_after(code: str) -> list[str]:
    """The heavy libraries a fresh interpreter has imported after running ``code``."""
    probe = f"{code}\nimport sys, json\nprint(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    got = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=REPO, env=env, check=True)
    return list(json.loads(got.stdout.splitlines()[-1]))


def test_the_cli_imports_no_heavy_library() -> None:
    assert _modules_after("import pipeline.cli") == []


def test_a_query_imports_neither_the_nlp_nor_the_cluster_libraries() -> None:
    assert _modules_after("import pipeline.io.query, pipeline.io.writers") == ["duckdb"]


def test_an_empty_corpus_loads_no_model(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    code = (
        "from pathlib import Path\nfrom pipeline.config import load_config\nfrom pipeline.run import run_corpus\n"
        f"s = run_corpus(Path({str(tmp_path / 'empty')!r}), Path({str(tmp_path / 'o')!r}), "
        f"load_config(models_dir={str(MODELS)!r}))\nassert s.n_docs == 0"
    )
    loaded = _modules_after(code)
    assert not {"spacy", "jieba", "sklearn", "distributed"} & set(loaded), loaded
    assert (tmp_path / "o" / "documents.csv").is_file()


# -- the local engine ---------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_two_worker_processes_write_what_one_process_writes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    corpus = make_corpus(tmp_path / "c", 2 * pipeline.scale.DOCS_PER_PROCESS)
    pools: list[int] = []
    real_pool = pipeline.scale._run_pool

    def spy(tasks: Sequence[tuple[Path, str]], root: Path, config: Config, n: int) -> Iterator[DocResult]:
        pools.append(n)
        return real_pool(tasks, root, config, n)

    monkeypatch.setattr(pipeline.scale, "_run_pool", spy)
    _extract(corpus, tmp_path / "one", "--workers", "1")
    _extract(corpus, tmp_path / "two", "--workers", "2")
    assert pools == [2]  # the second run did use two processes
    assert differences(tmp_path / "one", tmp_path / "two") == []
    run = json.loads((tmp_path / "two" / "run.json").read_text(encoding="utf-8"))
    assert run["counts"]["documents.csv"] == 2 * pipeline.scale.DOCS_PER_PROCESS + 1


@pytest.fixture(scope="module")
def corpus_and_local(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A corpus of 24 reports and its outputs from the local engine in one process."""
    root = tmp_path_factory.mktemp("dask")
    corpus = make_corpus(root / "c", 24)
    _extract(corpus, root / "local", "--workers", "1")
    return corpus, root / "local"


@pytest.mark.slow
def test_a_local_dask_cluster_writes_what_the_local_engine_writes(
    corpus_and_local: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`make extract ENGINE=dask`: a local Dask cluster of worker processes (they import this checkout)."""
    corpus, local = corpus_and_local
    monkeypatch.setenv("PYTHONPATH", str(REPO))
    _extract(corpus, tmp_path / "dask", "--engine", "dask", "--workers", "2")
    assert differences(local, tmp_path / "dask") == []


# -- a real Dask cluster on loopback ------------------------------------------------------------------------------


def _dask(*args: str) -> list[str]:
    exe = Path(sys.executable).with_name("dask")
    if not exe.exists():
        pytest.skip(f"no `dask` command beside {sys.executable}")
    return [str(exe), *args]


def _stop(procs: list[subprocess.Popen[bytes]]) -> None:
    for p in reversed(procs):  # the workers first, then the scheduler: nobody waits for a peer that is gone
        if p.poll() is None:
            p.terminate()
    for p in procs:
        try:
            p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, list[subprocess.Popen[bytes]], Path]]:
    """A `dask scheduler` and two `dask worker` processes (no nanny: killing one kills the worker itself) on
    127.0.0.1, started in another folder (paths must be absolute), importing this checkout; each task sleeps
    0.3 s (RURALMINE_DOC_DELAY) so a run lasts long enough to kill a worker in it."""
    from distributed import Client

    root = tmp_path_factory.mktemp("cluster")
    sched_file = root / "scheduler.json"
    env = {**os.environ, "PYTHONPATH": str(REPO), pipeline.scale.DELAY_ENV: "0.3"}
    logs = root / "logs"
    logs.mkdir()
    procs: list[subprocess.Popen[bytes]] = []

    def start(name: str, args: list[str]) -> subprocess.Popen[bytes]:
        with (logs / f"{name}.log").open("wb") as log:
            p = subprocess.Popen(args, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
        procs.append(p)
        return p

    try:
        sched = _dask("scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard")
        start("scheduler", [*sched, "--scheduler-file", str(sched_file)])
        deadline = time.monotonic() + 60
        while not sched_file.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert sched_file.exists(), (logs / "scheduler.log").read_text(errors="replace")
        for i in range(2):
            worker = _dask("worker", "--scheduler-file", str(sched_file), "--nthreads", "1", "--no-nanny")
            start(f"worker{i}", [*worker, "--host", "127.0.0.1", "--no-dashboard", "--name", f"w{i}"])
        address = json.loads(sched_file.read_text(encoding="utf-8"))["address"]
        with Client(address, timeout="30s") as client:
            client.wait_for_workers(2, timeout=90)
        yield address, procs[1:], logs
    finally:
        _stop(procs)


@pytest.mark.slow
def test_a_dask_cluster_writes_what_the_local_engine_writes(
    cluster: tuple[str, list[subprocess.Popen[bytes]], Path], corpus_and_local: tuple[Path, Path], tmp_path: Path
) -> None:
    address, _, _ = cluster
    corpus, local = corpus_and_local
    _extract(corpus, tmp_path / "dask", "--scheduler", address)
    assert differences(local, tmp_path / "dask") == []
    run = json.loads((tmp_path / "dask" / "run.json").read_text(encoding="utf-8"))
    assert run["config"]["engine"] == "dask"


@pytest.mark.slow
def test_a_worker_killed_mid_run_still_gives_the_whole_result(
    cluster: tuple[str, list[subprocess.Popen[bytes]], Path], corpus_and_local: tuple[Path, Path], tmp_path: Path
) -> None:
    """One of the two workers is killed (SIGKILL) when the first result arrives: Dask runs its tasks again on the
    other, and the output folder is complete and identical to the local engine's."""
    from distributed import Client

    from pipeline.run import run_corpus

    address, workers, logs = cluster
    corpus, local = corpus_and_local
    victim = workers[0]
    busy_at_kill: list[int] = []
    done = 0
    with Client(address, timeout="30s") as watcher:
        w0 = next(a for a, w in watcher.scheduler_info()["workers"].items() if w["name"] == "w0")

        def on_document(r: DocResult) -> None:
            nonlocal done
            done += 1
            if not busy_at_kill:
                busy_at_kill.append(len(watcher.processing(workers=[w0]).get(w0, ())))
                victim.send_signal(signal.SIGKILL)

        config = load_config(models_dir=str(MODELS), engine="dask")
        summary = run_corpus(corpus, tmp_path / "dask", config, on_document=on_document, scheduler=address)
    assert victim.wait(timeout=10) == -signal.SIGKILL
    assert busy_at_kill and busy_at_kill[0] >= 1  # it died holding a task, which had to run again elsewhere
    assert "Remove worker" in (logs / "scheduler.log").read_text(errors="replace")
    assert done == summary.n_docs == 25
    assert differences(local, tmp_path / "dask") == []
