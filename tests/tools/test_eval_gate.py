"""The evaluation gate inside the test suite: extraction scored against gold, each category above its pinned
floor (tests/eval_floors/*.json). The same check as `make eval`, so CI guards it on every change."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.config import load_config
from pipeline.run import run_corpus
from pipeline.tools.evaluate import check_floors, evaluate, load_floors

REPO = Path(__file__).resolve().parents[2]
SETS = {
    "seeds": (REPO.parent / "shared" / "corpus" / "seeds", REPO.parent / "shared" / "gold"),
    "corpus": (REPO / "corpus", REPO / "tests" / "gold" / "corpus"),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(SETS))
def test_eval_gate(name: str, tmp_path: Path) -> None:
    corpus, gold = SETS[name]
    if not corpus.is_dir() or not gold.is_dir():
        pytest.skip(f"{corpus} or {gold} not available")
    run_corpus(corpus, tmp_path, load_config(models_dir=str(REPO / "models")))
    report = evaluate(tmp_path, gold)
    floors = load_floors(REPO / "tests" / "eval_floors" / f"{name}.json")
    assert set(floors) <= set(report.scores), "a floored category was not scored"
    below = check_floors(report, floors)
    missed = "\n".join(f"  {d} {c}: {item}" for d, c, item in report.missed[:40])
    assert not below, f"{name}: below floor: {below}\nmissed:\n{missed}"
