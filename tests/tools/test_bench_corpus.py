"""`bench corpus`: the generated corpus, the peers (skipped when absent) and the printed figures."""

from __future__ import annotations

import random
import re
import types
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.tools import bench_corpus as bc

MODELS = Path("models")


def test_vary_numbers_keeps_dates_and_ordinals() -> None:
    text = "2019年全县有贫困户12,345户，人均4.56万元，第3批，12月5日，贫困户12,345户。"
    out = bc.vary_numbers(text, random.Random(1))
    assert out.startswith("2019年") and "第3批" in out and "12月5日" in out
    a, b = re.findall(r"贫困户([\d,]+)户", out)
    assert a == b != "12,345" and "," in a  # varied, the same both times, commas kept
    assert re.search(r"人均\d+\.\d\d万元", out) and "4.56" not in out


def test_place_swapper_replaces_the_county() -> None:
    swap = bc.PlaceSwapper(MODELS)
    text = "贵州省黔东南苗族侗族自治州榕江县地处月亮山，榕江县辖19个乡镇。"
    out = swap.swap(text, random.Random(3))
    assert "榕江" not in out and out.endswith("地处月亮山，" + out.split("地处月亮山，")[1])
    names = {m.entries[0].name for m in swap.gaz.match(out) if m.entries[0].is_county}
    assert len(names) == 1  # the same new county both times


def test_generate_corpus(tmp_path: Path) -> None:
    stats = bc.generate_corpus(Path("corpus"), tmp_path / "gen", 40, MODELS, seed=2)
    files = sorted((tmp_path / "gen").rglob("*.*"))
    assert len(files) == stats["docs"] == 40
    assert stats["pdf_docs"] == sum(p.suffix == ".pdf" for p in files) > 0
    assert stats["pdf_pages"] >= stats["pdf_docs"]
    texts = [p.read_text(encoding="utf-8") for p in files if p.suffix == ".txt"]
    assert all(re.search(r"[\u4e00-\u9fff]", t) for t in texts)
    assert len(set(texts)) >= len(texts) - stats["copies"]  # recombined: only the copies repeat
    again = bc.generate_corpus(Path("corpus"), tmp_path / "again", 40, MODELS, seed=2)
    assert again == stats  # seeded: the same corpus every time


def _out_folder(tmp_path: Path) -> Path:
    """The files of an extract run that the peers read: documents, text, figures, places."""
    out = tmp_path / "out"
    (out / "text").mkdir(parents=True)
    (out / "text" / "a.txt").write_text("2019年发放贷款4824.31万元。\n贵州省榕江县辖19个乡镇。", encoding="utf-8")
    (out / "documents.csv").write_text("doc_id,text_file\na,text/a.txt\n", encoding="utf-8-sig")
    (out / "figures.csv").write_text("doc_id,unit,date\na,元,2019\na,个,\n", encoding="utf-8-sig")
    (out / "places.csv").write_text("doc_id,level\na,county\na,province\n", encoding="utf-8-sig")
    return out


def test_peers_absent_are_skipped(tmp_path: Path) -> None:
    def missing(name: str) -> object:
        raise ImportError(f"No module named {name!r}")

    stats, notes = bc.run_peers(_out_folder(tmp_path), importer=missing)
    assert stats["ours_figures"] == 2 and stats["ours_money_figures"] == 1 and stats["ours_county_places"] == 1
    assert not any(k.startswith(("jionlp", "cpca")) for k in stats)
    assert [n.split(":")[0] for n in notes] == ["jionlp skipped", "cpca skipped"]


def test_peers_counted_on_the_same_text(tmp_path: Path) -> None:
    """Fake peers: the counts are what they return on the run's text; a peer failing on a text counts 0."""

    class Frame:
        def __init__(self, lines: list[str]) -> None:
            self.col = types.SimpleNamespace(fillna=lambda _: ["榕江县" if "榕江" in ln else "" for ln in lines])

        def __getitem__(self, key: str) -> object:
            return self.col

    def boom(text: str) -> list[str]:
        raise ValueError("## exception string")

    jio = types.SimpleNamespace(ner=types.SimpleNamespace(extract_money=lambda t: ["4824.31万元"], extract_time=boom))
    cpca = types.SimpleNamespace(transform=Frame)
    stats, notes = bc.run_peers(_out_folder(tmp_path), importer={"jionlp": jio, "cpca": cpca}.__getitem__)
    assert notes == []
    assert (stats["jionlp_money"], stats["jionlp_time"], stats["cpca_county_places"]) == (1, 0, 1)
    assert stats["jionlp_mb_per_s"] > 0 and stats["peer_docs"] == 1


@pytest.mark.slow
def test_bench_corpus_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The whole bench on 6 documents through the CLI, the peers hidden: every figure is printed, the peers are
    said to be skipped, and the run's outputs are there."""

    def missing(name: str) -> object:
        raise ImportError(f"No module named {name!r}")

    monkeypatch.setattr(bc, "_quiet_import", missing)
    res = CliRunner().invoke(app, ["bench", "corpus", "--docs", "6", "--workdir", str(tmp_path), "--peer-mb", "0.1"])
    assert res.exit_code == 0, res.output
    printed = dict(ln.split(": ", 1) for ln in res.output.splitlines() if ": " in ln and not ln.startswith("note"))
    for key in (
        "docs", "text_mb", "pages", "docs_per_s", "mb_per_s", "mb_per_s_documents", "pages_per_s", "peak_rss_mb",
        "startup_seconds", "stage_models_seconds", "stage_ingest_seconds", "stage_prepare_seconds",
        "stage_nlp_seconds", "stage_corpus_stages_seconds", "stage_writing_outputs_seconds", "rerun_seconds",
        "rows_figures", "rows_conflicts", "ours_figures",
    ):  # fmt: skip
        assert key in printed, key
    assert float(printed["docs"]) == 6 and float(printed["peak_rss_mb"]) > 50
    assert "note: jionlp skipped" in res.output and "note: cpca skipped" in res.output
    assert (tmp_path / "out" / "run.json").is_file() and len(list((tmp_path / "corpus").rglob("*.*"))) == 6


def test_the_rerun_is_timed_as_extract_meets_it(tmp_path: Path) -> None:
    """The first run is measured with the models loaded first (their own stage); the unchanged re-run without,
    as `extract` runs it (it needs no model), so its share is the re-run a user waits for."""
    calls: list[dict[str, object]] = []

    def fake_extract(corpus: Path, out: Path, **kw: object) -> dict[str, object]:
        calls.append(kw)
        return {"docs": 1.0, "text_mb": 1.0, "pages": 0.0, "run_seconds": 1.0, "wall_seconds": 2.0,
                "documents_phase": 1.0, "sequential": True, "stages": {}, "peak_rss_mb": 1.0,
                "peak_rss_children_mb": 0.0, "rows": {}}  # fmt: skip

    stats, _ = bc.bench_corpus(Path("corpus"), tmp_path, 4, MODELS, extract=fake_extract, peers=lambda *a: ({}, []))
    assert [c.get("preload", True) for c in calls] == [True, False]
    assert stats["rerun_share"] == 1.0


@pytest.mark.slow
def test_an_unchanged_rerun_loads_no_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    corpus = tmp_path / "corpus"
    bc.generate_corpus(Path("corpus"), corpus, 3, MODELS, seed=1)
    first = bc.measure_extract(corpus, tmp_path / "out", workers=1, models_dir=MODELS)
    assert first["docs"] == 3

    def no_models(*a: object, **k: object) -> None:
        raise AssertionError("an unchanged re-run loaded the models")

    monkeypatch.setattr("pipeline.resources.worker_resources", no_models)
    again = bc.measure_extract(corpus, tmp_path / "out", workers=1, models_dir=MODELS, preload=False)
    assert again["docs"] == 0 and again["stages"]["models"] < 1.0
