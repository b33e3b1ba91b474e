"""Peer cases for script conversion: OpenCC's own traditional→simplified test cases (t2s, tw2s, hk2s) run
through our offset-keeping ``to_simplified`` (which wraps OpenCC t2s), plus its golden s2tw document reversed.
Measured: 263/266 (t2s 55/55, hk2s 21/21, tw2s 29/32, golden 158/158).
Variants that need the regional configs (tw2sp phrases, hk-specific forms) are the expected misses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.model import OffsetMap
from pipeline.normalize import to_simplified

PAIRS = Path(__file__).resolve().parents[1].parent / "shared" / "external" / "peer_tests" / "peer_pairs.jsonl"


def _cases() -> list[tuple[str, str]]:
    if not PAIRS.exists():
        return []
    out = []
    for line in PAIRS.read_text(encoding="utf-8").splitlines():
        c = json.loads(line)
        if c["source"] == "opencc" and c["params"].get("config") in ("t2s", "tw2s", "hk2s"):
            out.append((c["input"], c["expected"]))
        elif c["source"] == "opencc-golden" and c["params"].get("config") == "s2tw":
            out.append((c["expected"], c["input"]))  # golden pairs go simplified → traditional: swap
    return out


def test_opencc_t2s_pass_rate() -> None:
    cases = _cases()
    if not cases:
        pytest.skip("peer pairs not available")
    ok = 0
    for src, expected in cases:
        text, omap = to_simplified(src, OffsetMap.identity(len(src)))
        ok += text == expected
        assert len(omap) == len(text)
    rate = ok / len(cases)
    assert len(cases) >= 50
    assert rate >= 0.97, f"t2s pass rate {rate:.3f} on {len(cases)} cases"
