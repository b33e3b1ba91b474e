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


def _old_similarity(results: list, threshold: float, seg: object) -> list[tuple[str, str, float]]:
    """The implementation before issue 12: dense N × N matrices and a Python loop over every pair."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics.pairwise import cosine_similarity

    from pipeline.corpus.similarity import NAME_WEIGHT, SKIP_KINDS, _identity, practice_vectors

    names, name_docs, ctx_docs, docs = practice_vectors(results, set(SKIP_KINDS), seg)
    if len(names) < 2:
        return []

    def cos(d: list[list[str]]):
        import numpy as np

        if not any(d):
            return np.zeros((len(d), len(d)))
        return cosine_similarity(TfidfVectorizer(analyzer=_identity, sublinear_tf=True).fit_transform(d))

    sn, sc = cos(name_docs), cos(ctx_docs)
    pairs = []
    for i in range(len(names)):
        for j in range(i + 1, len(names)):
            same = docs[names[i]] == docs[names[j]]
            score = float(sn[i, j]) if same else NAME_WEIGHT * float(sn[i, j]) + (1 - NAME_WEIGHT) * float(sc[i, j])
            if score >= threshold:
                pairs.append((names[i], names[j], round(score, 4)))
    return sorted(pairs, key=lambda p: (-p[2], p[0], p[1]))


_CHARS = "社联建信动合作贷款扶贫产业村"


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.text(_CHARS + "。", max_size=40), st.lists(st.text(_CHARS, min_size=2, max_size=4), max_size=3)),
        max_size=5,
    ),
    st.sampled_from([0.0, 0.2, 0.35]),
    st.integers(1, 40),
)
def test_same_pairs_as_the_dense_matrices(docs: list[tuple[str, list[str]]], threshold: float, cells: int) -> None:
    """Blocks of rows (as small as one row) give the very pairs and scores of the N × N computation."""
    res = [
        result(f"d{i}", text + "".join(names), measures=[measure(f"d{i}", n) for n in names])
        for i, (text, names) in enumerate(docs)
    ]
    want = _old_similarity(res, threshold, _seg())
    assert practice_similarity(res, threshold=threshold, seg=_seg(), top_k=None, block_cells=cells) == want
    if all(sum(a == n or b == n for a, b, _ in want) <= 3 for n in {x for p in want for x in p[:2]}):
        assert practice_similarity(res, threshold=threshold, seg=_seg(), top_k=3, block_cells=cells) == want


def test_top_k_keeps_the_best_partners() -> None:
    """With threshold 0 every pair qualifies; top_k=1 keeps each practice's best partner only (either side)."""
    full = practice_similarity(ROWS, threshold=0.0, skip_kinds=(), seg=_seg(), top_k=None)
    kept = practice_similarity(ROWS, threshold=0.0, skip_kinds=(), seg=_seg(), top_k=1)
    names = {n for a, b, _ in full for n in (a, b)}
    best = {n: max((p for p in full if n in p[:2]), key=lambda p: (p[2], -full.index(p))) for n in names}
    assert set(kept) == set(best.values()) and len(kept) < len(full)
