"""The sample corpus and its gold annotations come from one source and agree with each other."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_corpus_and_gold_agree() -> None:
    spec = importlib.util.spec_from_file_location("build_corpus", REPO / "scripts" / "build_corpus.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules["build_corpus"] = mod  # dataclasses look their module up there
    spec.loader.exec_module(mod)
    assert mod.check(REPO / "corpus", REPO / "tests" / "gold" / "corpus") == []
