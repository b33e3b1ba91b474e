"""The faster paths of the figures stage give what the slower code gave: a sentence's quantities and the phrases
around a number cached (bounded LRU caches of pure functions), the spans around a figure found by bisection."""

from __future__ import annotations

import functools
import random

import pytest

import pipeline.extract.figures as F
from pipeline.text.numerals import iter_quantities
from tests.extract.test_figures import doc_of

SENTENCES = [
    "全县建成扶贫车间12个，吸纳贫困户就业360人，人均增收3000元。",
    "2019年种植花椒5万亩、茶叶2万亩，带动1200户农户增收。",
    "贫困发生率由15.2%下降到0.8%，累计减贫3.2万人。",
    "合作社发展到45家，入社农户1650户，分红120万元。",
]
CACHED = (F._quantities, F._trim_np, F._right_np, F._last_verb, F._tags)


def _clear() -> None:
    for fn in CACHED:
        fn.cache_clear()


def test_the_caches_are_bounded() -> None:
    for fn in CACHED:
        assert isinstance(fn, functools._lru_cache_wrapper)
        assert 0 < (fn.cache_info().maxsize or 0) <= 4096


def test_cached_quantities_are_iter_quantities() -> None:
    for s in SENTENCES:
        assert list(F._quantities(s)) == list(iter_quantities(s))


def test_figures_equal_with_cold_and_warm_caches() -> None:
    text = "\n".join(SENTENCES * 2)
    _clear()
    cold = F.extract_figures(doc_of(text))
    warm = F.extract_figures(doc_of(text))  # every phrase now read from the caches
    assert cold and cold == warm
    assert F._quantities.cache_info().hits > 0 and F._trim_np.cache_info().hits > 0


@pytest.mark.parametrize("sentence", SENTENCES)
def test_spans_bisected_equal_spans_scanned(sentence: str) -> None:
    """Spans out of order take the scan (max/min over all spans); in order, bisection: the same indicators."""
    qs = list(iter_quantities(sentence))
    spans = [(q.start, q.end) for q in qs]

    def indicators(order: list[tuple[int, int]]) -> list[tuple[str, str, str]]:
        cands = [F._Cand(q=q, start=q.start, end=q.end, sent_start=0, sent_end=len(sentence)) for q in qs]
        F._assign_indicators(sentence, cands, order)
        return [(c.indicator, c.left, c.right) for c in cands]

    shuffled = spans[::-1]  # ends and starts decreasing: not in order
    assert len(spans) >= 3
    assert indicators(spans) == indicators(shuffled)
    random.Random(0).shuffle(shuffled)
    assert indicators(spans) == indicators(shuffled)
    assert any(ind for ind, _, _ in indicators(spans))


def test_numberish_is_the_character_test_it_replaces() -> None:
    """Over every code point: the regular expression finds exactly the characters the per-character test took."""
    pattern = F._numberish()
    for c in map(chr, range(0x110000)):
        assert (pattern.search(c) is not None) == (c.isdigit() or c in F._CN_NUMERAL_CHARS or c == "成"), hex(ord(c))


def test_other_digit_ranges_are_the_full_scan() -> None:
    """The stored ranges of non-decimal digits are what a scan of every code point finds (this Unicode version)."""
    import unicodedata

    scanned = "".join(c for c in map(chr, range(0x110000)) if c.isdigit() and not c.isdecimal())
    stored = "".join(chr(c) for a, b in F._OTHER_DIGITS for c in range(a, b + 1))
    if unicodedata.unidata_version != F._OTHER_DIGITS_UNIDATA:
        pytest.skip(f"Unicode {unicodedata.unidata_version}: the ranges are for {F._OTHER_DIGITS_UNIDATA}")
    assert stored == scanned
