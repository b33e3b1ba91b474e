"""Character classes: each named set holds what its users relied on before the sets were gathered here."""

from __future__ import annotations

import re

import pytest

from pipeline.text import chars


@pytest.mark.parametrize(
    ("name", "members"),
    [
        ("SENT_END", "。！？；!?;"),
        ("SENT_END_ELLIPSIS", "。！？；!?;…"),
        ("SENT_PUNCT", "。，,；;！!？?：:、"),
        ("CLAUSE_BOUND", "，,。；;！？!?\n"),
        ("ITEM_BOUND", "，,；;、。！？!?\n"),
        ("HARD_BOUND", "，,。；;：:！？!?（）()\n"),
        ("FIGURE_CLAUSE_BOUND", "，,。；;：:！？!?、（）()【】[]\n"),
        ("QUOTE_CHARS", '"“”‘’「」'),
    ],
)
def test_sets(name: str, members: str) -> None:
    assert set(getattr(chars, name)) == set(members)


@pytest.mark.parametrize(
    ("ch", "basic", "wide", "full"),
    [("县", True, True, True), ("㐀", False, True, True), ("\uf900", False, False, True), ("a", False, False, False)],
)
def test_han_ranges(ch: str, basic: bool, wide: bool, full: bool) -> None:
    assert bool(re.match(f"[{chars.HAN_BASIC}]", ch)) == basic == chars.is_han_basic(ch)
    assert bool(re.match(f"[{chars.HAN_WIDE}]", ch)) == wide
    assert bool(chars.HAN_RE.match(ch)) == full


def test_whitespace_excludes_newline() -> None:
    assert "\n" not in chars.WS and "\u3000" in chars.WS


def test_quote_pairs_open_and_close() -> None:
    for o, c in chars.QUOTE_PAIRS:
        assert o != c and o in "“「『‘" and c in "”」』’"
