"""scripts/component_seconds.py: CPU seconds per stage of the per-document work, every stage named."""

from __future__ import annotations

import json
import runpy
from pathlib import Path

import pytest

from pipeline.extract.annotate import COMPONENTS

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "component_seconds.py"


@pytest.mark.slow
def test_component_seconds_names_every_stage(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("某县2020年新建扶贫车间12个，带动贫困户就业360人。\n", encoding="utf-8")
    (corpus / "b.txt").write_text("全县实施“三变”改革，村集体经济收入达到120万元。\n", encoding="utf-8")
    out = tmp_path / "seconds.json"
    main = runpy.run_path(str(SCRIPT))["main"]
    assert main([str(corpus), "--models", str(REPO / "models"), "--json", str(out)]) == 0
    got = json.loads(out.read_text(encoding="utf-8"))
    stages = {"ingest", "normalize", "structure", "tokenizer", *COMPONENTS}
    assert stages <= set(got)
    assert all(v >= 0 for v in got.values())
    assert got["total"] == pytest.approx(sum(v for k, v in got.items() if k != "total"))
    printed = capsys.readouterr().out
    assert all(name in printed for name in stages) and "total" in printed
    assert sorted(p.name for p in corpus.iterdir()) == ["a.txt", "b.txt"]  # nothing written into the corpus
