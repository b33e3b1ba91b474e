"""Peak memory (issue 12): the main process lets go of the per-document models once every document is processed
(``resources.release``), and the conflict finder keeps a few numbers per figure, not a dict per group."""

from __future__ import annotations

import filecmp
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import pipeline.resources as resources
from pipeline.model import Document

REPO = Path(__file__).resolve().parent.parent
MODELS = REPO / "models"
SENTENCE = "某某县2020年脱贫人口1.2万人，新建蔬菜大棚300个。全县发放“茶农贷”1.2亿元。"


def _memos(skip_io: bool = True) -> dict[str, int]:
    """``module.function`` -> entries held, for every lru_cache of the package's loaded modules (io's left out)."""
    out = {}
    for name, module in list(sys.modules.items()):
        if module is None or not name.startswith("pipeline.") or (skip_io and name.startswith("pipeline.io.")):
            continue
        for attr, value in vars(module).items():
            if callable(getattr(type(value), "cache_info", None)) and getattr(value, "__module__", None) == name:
                out[f"{name}.{attr}"] = value.cache_info().currsize
    return out


def test_release_empties_the_module_caches_and_keeps_the_run_s_own() -> None:
    from pipeline import lexicon
    from pipeline.corpus.conflicts import core_indicator
    from pipeline.io.cache import code_fingerprint
    from pipeline.text import jieba_dict

    assert core_indicator("全县脱贫人口") == "脱贫人口"  # a lexicon read and kept
    fingerprint = code_fingerprint()
    assert lexicon.load.cache_info().currsize > 0
    cleared = resources.release()
    assert cleared >= 1
    assert lexicon.load.cache_info().currsize == 0
    assert not jieba_dict._LOADED and not resources._CACHE
    assert {k: n for k, n in _memos().items() if n} == {}
    assert code_fingerprint.cache_info().currsize == 1  # the output folder's fingerprint is not a model
    assert code_fingerprint() == fingerprint
    assert core_indicator("全县脱贫人口") == "脱贫人口"  # read again on first use


def test_trim_memory_runs_on_glibc_and_is_a_no_op_elsewhere(monkeypatch: pytest.MonkeyPatch) -> None:
    import platform

    if sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc":
        assert resources.trim_memory() is True
    monkeypatch.setattr(sys, "platform", "darwin")
    assert resources.trim_memory() is False


def _rows(r: object) -> tuple[object, ...]:
    return tuple(repr(getattr(r, k)) for k in ("places", "figures", "measures", "links", "clauses"))


@pytest.mark.slow
def test_models_released_then_loaded_again_give_the_same_result() -> None:
    from pipeline.run import process_document

    if not (MODELS / "policy_tools.pkl").exists():
        pytest.skip("models/ not built (make models)")
    first = process_document(Document("d", "d.txt", "txt", raw_text=SENTENCE), resources.worker_resources(str(MODELS)))
    assert resources.cached(str(MODELS)) is not None
    assert any(_memos().values())  # segmenters, automata, lexicons … were built
    resources.release()
    assert resources.cached(str(MODELS)) is None
    assert {k: n for k, n in _memos().items() if n} == {}
    again = process_document(Document("d", "d.txt", "txt", raw_text=SENTENCE), resources.worker_resources(str(MODELS)))
    assert first.figures and _rows(again) == _rows(first)


@pytest.mark.slow
def test_extract_releases_the_models_past_the_bound_with_the_same_outputs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipeline.cli import app

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for i in range(3):
        (corpus / f"r{i}.txt").write_text(f"第{i}份报告。" + SENTENCE, encoding="utf-8")
    calls: list[int] = []
    release = resources.release
    monkeypatch.setattr(resources, "release", lambda: calls.append(release()) or 0)
    outs = {}
    for bound in (2, 1000):  # released (3 documents >= 2), kept
        monkeypatch.setattr(resources, "RELEASE_AFTER", bound)
        out = outs[bound] = tmp_path / f"out{bound}"
        args = ["extract", str(corpus), "--out", str(out), "--models-dir", str(MODELS), "--workers", "1"]
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 0, result.output
    assert len(calls) == 1  # only the run past the bound, once the corpus stages are done
    names = sorted(p.name for p in outs[2].glob("*.csv"))
    assert "figures.csv" in names and names == sorted(p.name for p in outs[1000].glob("*.csv"))
    _, differ, errors = filecmp.cmpfiles(outs[2], outs[1000], names, shallow=False)
    assert (differ, errors) == ([], [])


def _figures_in_many_groups(n_docs: int, n: int) -> list[object]:
    """Results whose figures fall in many groups (a county and indicator each), every value distinct: the case
    where the finder held a dict of dicts per group and per value."""
    from tests.records import figure, result

    out = []
    for d in range(n_docs):
        county = f"52{d % 50:04d}"
        figs = [figure(f"d{d}", f"指标{j}数量", 100 + d + j / 10, county_code=county, date="2020") for j in range(n)]
        out.append(result(f"d{d}", figures=figs))
    return out


def test_the_conflict_finder_keeps_a_few_numbers_per_figure() -> None:
    import tracemalloc

    from pipeline.corpus.conflicts import ConflictFinder, find_conflicts

    results = _figures_in_many_groups(400, 20)  # 8,000 figures in 1,000 groups of 8 distinct values
    core_indicator_warm = find_conflicts(results[:2])  # the lexicon and numpy loaded before measuring
    assert core_indicator_warm == []
    finder = ConflictFinder()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    for r in results:
        finder.add(r)  # type: ignore[arg-type]
    held = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    # 36 bytes a figure and each distinct string once; the groups of dicts held ~300 bytes a figure
    assert held < 8_000 * 80
    assert finder.settle()
    for r in results:
        finder.collect(r)  # type: ignore[arg-type]
    got = finder.finish()
    groups: dict[tuple[str, str], list[float]] = {}  # each group's values in order: every close pair is a row
    for r in results:
        for f in r.figures:  # type: ignore[attr-defined]
            groups.setdefault((f.county_code, f.indicator), []).append(f.value)
    expected = [
        (c, i, x, y)
        for (c, i), vs in groups.items()
        for k, x in enumerate(vs)
        for y in vs[k + 1 :]
        if abs(x - y) / max(x, y) <= 0.2
    ]
    assert [(c.county_code, c.indicator, c.value_a, c.value_b) for c in got] == expected
    assert got == find_conflicts(results)  # type: ignore[arg-type]


def test_the_graph_s_edge_columns_take_4_bytes_a_cell_and_keep_every_value() -> None:
    from pipeline.corpus.graph import _EdgeColumns

    cols = _EdgeColumns()
    values = [0, 7, (1 << 30) - 1, 1 << 30, 1 << 62, -1, 2.5, "ran", None, True]
    for v in values:
        cols.add(1, 2, {"weight": v}, grp=0, stamp=(5 << 40) | 1)  # a stamp needs 8 bytes: a sort key only
    assert [cols.row(i)[3]["weight"] for i in range(len(values))] == values
    assert [type(cols.row(i)[3]["weight"]) for i in range(len(values))] == [type(v) for v in values]
    cols.reorder(range(len(values)))
    assert {c.itemsize for c in [*cols.cols.values(), *cols.vals] if len(c)} == {4}


def _fake_process(path: Path, root: Path, doc_id: str, config: object) -> object:
    """Stands in for ``scale.process_path`` in the forked workers: what the worker's resources cache holds."""
    from pipeline.model import DocResult

    held = ",".join(sorted(resources._CACHE))
    return DocResult(doc=Document(doc_id, path.name, "txt", raw_text=held))


@pytest.mark.parametrize("bound", [4, 1000])
def test_the_pool_lets_the_models_go_in_this_process_once_its_workers_are_forked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bound: int
) -> None:
    import pipeline.scale as scale
    from pipeline.config import Config

    if not sys.platform.startswith("linux"):
        pytest.skip("workers are forked on Linux only")
    fake = resources.Resources(models_dir=tmp_path)  # stands in for the loaded models (no model loaded here)
    monkeypatch.setattr(scale, "_warm", lambda models_dir: resources._CACHE.__setitem__(models_dir, fake))
    monkeypatch.setattr(scale, "process_path", _fake_process)
    monkeypatch.setattr(resources, "RELEASE_AFTER", bound)
    monkeypatch.setattr(resources, "_CACHE", {})
    config = Config()
    tasks = [(tmp_path / f"d{i}.txt", f"d{i}") for i in range(8)]
    got = list(scale._run_pool(tasks, tmp_path, config, 2))
    assert sorted(r.doc.doc_id for r in got) == [f"d{i}" for i in range(8)]
    assert {r.doc.raw_text for r in got} == {config.models_dir}  # every worker had the models forked with it
    assert (config.models_dir in resources._CACHE) is (bound > len(tasks))  # this process let them go (8 >= 4)
