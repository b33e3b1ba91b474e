"""Practice similarity (two-view TF-IDF) and families (connected components, central label)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.corpus.similarity import practice_families, practice_similarity
from pipeline.text.tokenizer import make_segmenter
from tests.records import measure, result

SEG = None


def _seg():
    global SEG
    if SEG is None:
        SEG = make_segmenter()
    return SEG


TEXTS = {
    "a": "县里推行社社联建,村级合作社与信用社结对,信用社向合作社社员发放产业贷款,合作社提供担保。",
    "b": "该县探索社信联动模式,由农村信用社为合作社社员授信发放产业贷款,合作社统一担保还款。",
    "c": "村里修建了文化广场,开展广场舞比赛和送戏下乡活动,丰富群众精神生活。",
}
ROWS = [
    result("a", TEXTS["a"], measures=[measure("a", "社社联建", components=["合作社", "信用社"])]),
    result("b", TEXTS["b"], measures=[measure("b", "社信联动", components=["合作社", "信用社"])]),
    result(
        "c",
        TEXTS["c"],
        measures=[measure("c", "送戏下乡"), measure("c", "关于送戏下乡的实施意见", "policy_document")],
    ),
]


def test_linked_practices_under_different_names_are_similar() -> None:
    pairs = practice_similarity(ROWS, threshold=0.3, seg=_seg())
    assert [(a, b) for a, b, _ in pairs] == [("社信联动", "社社联建")]
    assert 0.3 <= pairs[0][2] <= 1.0


def test_policy_documents_are_left_out_by_default() -> None:
    names = {n for a, b, _ in practice_similarity(ROWS, threshold=0.0, seg=_seg()) for n in (a, b)}
    assert "关于送戏下乡的实施意见" not in names
    with_docs = practice_similarity(ROWS, threshold=0.0, skip_kinds=(), seg=_seg())
    assert any("关于送戏下乡的实施意见" in (a, b) for a, b, _ in with_docs)


def test_too_few_practices_give_no_pairs() -> None:
    assert practice_similarity(ROWS[:1], threshold=0.0) == []
    assert practice_similarity([], threshold=0.0) == []


@settings(max_examples=10, deadline=None)
@given(st.floats(min_value=0.0, max_value=1.0), st.floats(min_value=0.0, max_value=1.0))
def test_higher_threshold_keeps_a_subset(t1: float, t2: float) -> None:
    lo, hi = sorted((t1, t2))
    low = practice_similarity(ROWS, threshold=lo, seg=_seg())
    high = practice_similarity(ROWS, threshold=hi, seg=_seg())
    assert set(high) <= set(low)
    assert all(s >= hi for _, _, s in high)


@pytest.mark.parametrize(
    ("pairs", "names", "expected"),
    [
        ([], ["甲"], {"甲": "甲"}),
        ([("甲", "乙", 0.5)], ["甲", "乙", "丙"], {"甲": "乙", "乙": "乙", "丙": "丙"}),  # tie: first name
        # 乙 is the hub of a chain: most central member labels the family
        ([("甲", "乙", 0.5), ("乙", "丙", 0.6)], ["甲", "乙", "丙"], {"甲": "乙", "乙": "乙", "丙": "乙"}),
        (
            [("甲甲", "乙", 0.4), ("丙", "丁", 0.9)],
            ["甲甲", "乙", "丙", "丁"],
            {"甲甲": "乙", "乙": "乙", "丙": "丁", "丁": "丁"},
        ),
    ],
)
def test_practice_families(pairs: list, names: list[str], expected: dict[str, str]) -> None:
    assert practice_families(pairs, names) == expected
