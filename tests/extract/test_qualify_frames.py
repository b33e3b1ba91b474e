"""The per-frame cue table of qualify (_FrameCues) picks, for every figure of a frame, exactly the cues the
per-figure tests picked (a literal word inside the text up to the figure's end; one of a cue's first characters
left of the figure), in the lexicon's order; statuses are the same whether the table is shared or made per call."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.extract.qualify import _Cue, _FrameCues, _left_cues, _status

_WORDS = sorted({c.literal for c in _left_cues() if c.literal})
_FIRSTS = sorted({ch for c in _left_cues() if c.firsts for ch in c.firsts})
_pieces = st.lists(
    st.one_of(st.sampled_from(_WORDS), st.sampled_from(_FIRSTS), st.sampled_from(["3.5万亩", "2025年", "，", "。"])),
    max_size=14,
)


def _by_tests(left: str, seen: str) -> list[_Cue]:
    return [
        c
        for c in _left_cues()
        if not (c.literal and c.literal not in seen) and not (c.firsts is not None and c.firsts.isdisjoint(left))
    ]


@settings(max_examples=400, deadline=None)
@given(_pieces, st.integers(0, 3), st.data())
def test_frame_candidates_equal_the_per_figure_tests(pieces: list[str], pad: int, data: st.DataObject) -> None:
    text = "前文。" * pad + "".join(pieces)
    fs = 3 * pad
    fe = len(text)
    table = _FrameCues(text, fs, fe)
    end = data.draw(st.integers(fs, fe))
    start = data.draw(st.integers(fs, end))
    left, seen = text[fs:start], text[fs:end]
    assert table.candidates(len(left), len(seen)) == _by_tests(left, seen)


@settings(max_examples=200, deadline=None)
@given(_pieces, st.data())
def test_status_same_with_a_shared_table(pieces: list[str], data: st.DataObject) -> None:
    text = "".join(pieces) + "新建3.5万亩。"
    end = len(text) - 1
    start = data.draw(st.integers(0, end))
    shared = _FrameCues(text, 0, len(text))
    for ref_year in (0, 2020):
        assert _status(text, 0, 0, start, end, len(text), ref_year=ref_year, frame=shared) == _status(
            text, 0, 0, start, end, len(text), ref_year=ref_year
        )


def test_frame_examples() -> None:
    text = "计划到2025年新建高标准农田3万亩，已建成1万亩。"
    table = _FrameCues(text, 0, len(text))
    first = text.index("3万亩")
    picked = table.candidates(first, first + 3)
    assert picked == _by_tests(text[:first], text[: first + 3])
    assert any("计划" in c.rx.pattern for c in picked)
    yi = [c for c in _left_cues() if c.rx.pattern.startswith("已")]
    assert yi and yi[0] not in picked  # 已 comes after the first figure: its regex is not run for it
    second = text.index("1万亩")
    assert yi[0] in table.candidates(second, second + 3)
    assert _status(text, 0, 0, first, first + 3, len(text)) == "target"
    assert _status(text, 0, text.index("已"), second, second + 3, len(text), frame=table) == "actual"
