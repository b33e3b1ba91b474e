"""The evaluation gate inside the test suite: extraction scored against gold, each category above its pinned
floor (tests/eval_floors/*.json). The same check as `make eval`, so CI guards it on every change."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.config import load_config
from pipeline.run import run_corpus
from pipeline.tools.evaluate import check_floors, evaluate, load_floors

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
SETS = {
    "seeds": (SHARED / "corpus" / "seeds", SHARED / "gold"),
    "corpus": (REPO / "corpus", REPO / "tests" / "gold" / "corpus"),
    "web_dev": (SHARED / "corpus" / "web", SHARED / "gold-web"),
    "web_held": (SHARED / "corpus" / "web", SHARED / "gold-web"),
}
_RUNS: dict[Path, Path] = {}


def _extracted(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One extraction per corpus folder for the whole session (web_dev and web_held share theirs)."""
    if corpus not in _RUNS:
        out = tmp_path_factory.mktemp("eval")
        run_corpus(corpus, out, load_config(models_dir=str(REPO / "models")))
        _RUNS[corpus] = out
    return _RUNS[corpus]


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(SETS))
def test_eval_gate(name: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    corpus, gold = SETS[name]
    if not corpus.is_dir() or not gold.is_dir():
        pytest.skip(f"{corpus} or {gold} not available")
    path = REPO / "tests" / "eval_floors" / f"{name}.json"
    select = json.loads(path.read_text(encoding="utf-8")).get("_select")
    report = evaluate(_extracted(corpus, tmp_path_factory), gold, select)
    floors = load_floors(path)
    assert set(floors) <= set(report.scores), "a floored category was not scored"
    below = check_floors(report, floors)
    missed = "" if name == "web_held" else "\n".join(f"  {d} {c}: {item}" for d, c, item in report.missed[:40])
    assert not below, f"{name}: below floor: {below}\nmissed:\n{missed}"
