"""OffsetMap and apply_edits: offsets survive any chain of edits."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.model import Document, Edit, OffsetMap, apply_edits


@st.composite
def text_and_edits(draw: st.DrawFn) -> tuple[str, list[Edit]]:
    text = draw(st.text(alphabet="ab 中文\n", max_size=30))
    cuts = sorted(draw(st.lists(st.integers(0, len(text)), max_size=8)))
    edits = []
    for a, b in zip(cuts[::2], cuts[1::2], strict=False):
        edits.append(Edit(a, b, draw(st.text(alphabet="xy国", max_size=3))))
    return text, edits


@given(text_and_edits())
def test_map_is_monotone_and_in_bounds(case: tuple[str, list[Edit]]) -> None:
    text, edits = case
    new, omap = apply_edits(text, OffsetMap.identity(len(text)), edits)
    assert len(omap) == len(new)
    for i in range(len(new)):
        assert 0 <= omap.starts[i] <= omap.ends[i] <= len(text)
        if i:
            assert omap.starts[i - 1] <= omap.starts[i]


@given(text_and_edits(), text_and_edits())
def test_chained_edits_compose(first: tuple[str, list[Edit]], second: tuple[str, list[Edit]]) -> None:
    """Unchanged characters keep pointing at themselves in the raw text through two rounds of edits."""
    text, edits = first
    mid, omap = apply_edits(text, OffsetMap.identity(len(text)), edits)
    _, edits2 = second
    edits2 = [e for e in edits2 if e.end <= len(mid)]
    final, omap2 = apply_edits(mid, omap, edits2)
    for i, ch in enumerate(final):
        s, e = omap2.starts[i], omap2.ends[i]
        if e - s == 1 and text[s] == ch:
            continue
        # a replaced character maps to the whole span it replaced (possibly empty for insertions)
        assert s <= e


@pytest.mark.parametrize(
    ("text", "edits", "expected", "span", "raw_span"),
    [
        ("都 柳江", [Edit(1, 2)], "都柳江", (0, 3), (0, 4)),
        ("精準(zhǔn)扶", [Edit(2, 8)], "精準扶", (1, 3), (1, 9)),
        ("ab", [Edit(1, 1, "X")], "aXb", (1, 2), (1, 1)),
        ("頭髮", [Edit(0, 2, "头发")], "头发", (1, 2), (1, 2)),
        ("abc", [Edit(0, 3, "z")], "z", (0, 1), (0, 3)),
    ],
)
def test_edit_cases(
    text: str, edits: list[Edit], expected: str, span: tuple[int, int], raw_span: tuple[int, int]
) -> None:
    new, omap = apply_edits(text, OffsetMap.identity(len(text)), edits)
    assert new == expected
    assert omap.to_raw(*span) == raw_span


def test_overlapping_edits_rejected() -> None:
    with pytest.raises(ValueError, match="overlapping"):
        apply_edits("abcd", OffsetMap.identity(4), [Edit(0, 2), Edit(1, 3)])


def test_mention_carries_raw_span_and_page() -> None:
    raw = "第一页\n都 柳江之滨"
    text, omap = apply_edits(raw, OffsetMap.identity(len(raw)), [Edit(5, 6)])
    doc = Document("d", "d.pdf", "pdf", raw_text=raw, page_starts=[0, 4], text=text, offsets=omap)
    m = doc.mention(text.index("都柳江"), text.index("都柳江") + 3, "PLACE", "test")
    assert m.raw == "都 柳江"
    assert m.page == 2
    assert raw[m.raw_start : m.raw_end] == m.raw
