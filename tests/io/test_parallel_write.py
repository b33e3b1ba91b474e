"""The write phase on two processes (io/parallel_write.py): the same files as one, the same errors, no child left."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.io import output, parallel_write
from pipeline.io.parallel_write import Background, can_fork

REPO = Path(__file__).resolve().parents[2]
REPORT = (
    "某某县乡村振兴工作总结\n一、基本情况\n全县辖8个乡镇，建档立卡贫困户1200户。\n"
    "二、主要做法\n某某县推行“合作联营”模式，县里推出“茶农贷”产品。\n"
    "三、取得成效\n截至2020年底，“合作联营”带动贫困户680户增收，发放“茶农贷”1.2亿元，同比增长15.3%。\n"
)


def test_serial_for_one_worker_small_runs_and_without_fork(monkeypatch: pytest.MonkeyPatch) -> None:
    assert not can_fork(1, 10_000)
    assert not can_fork(2, parallel_write.FORK_MIN_DOCS - 1)
    assert can_fork(2, parallel_write.FORK_MIN_DOCS) == (
        "fork" in parallel_write.multiprocessing.get_all_start_methods()
    )
    monkeypatch.setattr(parallel_write.sys, "platform", "darwin")
    assert not can_fork(2, 10_000)


def test_the_childs_value_comes_back() -> None:
    parent = os.getpid()
    job = Background(lambda: (os.getpid() != parent, 42), forked=True)
    assert job.result() == (True, 42)  # computed in the child
    assert job.proc is None


def test_a_failing_child_means_the_part_is_written_here() -> None:
    parent = os.getpid()

    def fn() -> int:
        if os.getpid() != parent:
            raise OSError(28, "No space left on device")
        return 7

    assert Background(fn, forked=True).result() == 7


def test_a_killed_child_means_the_part_is_written_here() -> None:
    parent = os.getpid()

    def fn() -> str:
        if os.getpid() != parent:
            os.kill(os.getpid(), signal.SIGKILL)
        return "here"

    assert Background(fn, forked=True).result() == "here"


def test_an_error_is_the_serial_paths_error() -> None:
    def fn() -> None:
        raise ValueError("a bug in the workbook")

    with pytest.raises(ValueError, match="a bug in the workbook"):
        Background(fn, forked=True).result()
    with pytest.raises(ValueError, match="a bug in the workbook"):
        Background(fn, forked=False).result()


def test_cancel_kills_and_reaps_the_child(tmp_path: Path) -> None:
    flag = tmp_path / "late"

    def slow() -> None:
        time.sleep(30)
        flag.write_text("written after the run failed", encoding="utf-8")

    job = Background(slow, forked=True)
    assert job.proc is not None
    proc = job.proc
    job.cancel()
    assert proc.exitcode == -signal.SIGKILL and not proc.is_alive()  # reaped: no zombie
    assert not flag.exists()


def _files(out: Path) -> dict[str, bytes]:
    skip = {"run.json", "kg.duckdb", "ruralmine.xlsx", "graph.gexf"}
    return {
        p.relative_to(out).as_posix(): p.read_bytes()
        for p in sorted(out.rglob("*"))
        if p.is_file() and p.name not in skip and ".cache" not in p.parts
    }


def _store(path: Path) -> dict[str, list[tuple[object, ...]]]:
    import duckdb

    con = duckdb.connect(str(path), read_only=True)
    try:
        names = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()]
        return {n: con.execute(f'SELECT * FROM "{n}"').fetchall() for n in sorted(names)}
    finally:
        con.close()


def _book(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in sorted(z.namelist()) if not n.startswith("docProps/")}


@pytest.mark.slow
def test_two_processes_write_what_one_writes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for i in range(3):
        (corpus / f"r{i}.txt").write_text(REPORT.replace("某某县", f"甲{i}县"), encoding="utf-8")
    monkeypatch.setattr(parallel_write, "FORK_MIN_DOCS", 0)
    forked: list[bool] = []

    def spy(workers: int, docs: int) -> bool:
        forked.append(can_fork(workers, docs))
        return forked[-1]

    monkeypatch.setattr(output, "can_fork", spy)
    runner = CliRunner()
    outs = {}
    for workers in ("1", "2"):
        out = tmp_path / f"out{workers}"
        args = ["extract", str(corpus), "--out", str(out), "--models-dir", str(REPO / "models"), "--workers", workers]
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
        outs[workers] = out
    assert forked == [False, True]
    one, two = outs["1"], outs["2"]
    assert _files(one) == _files(two) and "figures.csv" in _files(one)
    assert _book(one / "ruralmine.xlsx") == _book(two / "ruralmine.xlsx")
    assert _store(one / "kg.duckdb") == _store(two / "kg.duckdb")  # the graph's rows came from the child's file
    assert len(_store(two / "kg.duckdb")["edges"]) > 0
    gexf = [(o / "graph.gexf").read_text(encoding="utf-8").splitlines() for o in (one, two)]
    assert [ln for ln in gexf[0] if "lastmodifieddate" not in ln] == [
        ln for ln in gexf[1] if "lastmodifieddate" not in ln
    ]
    assert not [p for p in two.rglob(".*.tmp")]  # every file through its temporary file and a rename


SCRIPT = """
import sys, time
from pathlib import Path
from pipeline.io.parallel_write import Background
flag = Path(sys.argv[1])
def slow():
    time.sleep(20)
    flag.write_text("late", encoding="utf-8")
job = Background(slow, forked=True)
print(job.proc.pid, flush=True)
time.sleep(60)
"""


def test_a_killed_parent_takes_its_child_along(tmp_path: Path) -> None:
    """A run killed midway (SIGKILL: no cleanup) leaves no writer behind: the kernel kills the child."""
    if not sys.platform.startswith("linux"):
        pytest.skip("PR_SET_PDEATHSIG is Linux's")
    flag = tmp_path / "late"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT, str(flag)], stdout=subprocess.PIPE, text=True, env=env)
    assert proc.stdout is not None
    child = int(proc.stdout.readline())
    proc.kill()
    proc.wait()
    for _ in range(100):  # reaped by init once it is gone
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    else:
        pytest.fail(f"the child {child} outlived its killed parent")
    assert not flag.exists()
