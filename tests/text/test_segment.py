"""Sentence, clause and list-item segmentation."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.text.segment import (
    clause_start,
    is_blank_sentence,
    list_item,
    sentence_span,
    sentences,
    trimmed_sentences,
)


@pytest.mark.parametrize(
    ("text", "pos", "span"),
    [
        ("甲。乙丙。丁", 3, (2, 5)),
        ("甲。乙丙。丁", 5, (5, 6)),
        ("甲乙", 0, (0, 2)),
        ("甲！\n乙？", 3, (3, 5)),
        ("a;b", 2, (2, 3)),
    ],
)
def test_sentence_span(text: str, pos: int, span: tuple[int, int]) -> None:
    assert sentence_span(text, pos) == span


def test_sentence_span_of_a_range_searches_the_end_from_the_range_end() -> None:
    text = "名称。还有。后文"
    assert sentence_span(text, 0, 3) == (0, 6)


@pytest.mark.parametrize(
    ("text", "spans"),
    [
        ("甲。乙！\n丙", [(0, 2), (2, 5), (5, 6)]),
        ("。甲", [(0, 1), (1, 2)]),
        ("", []),
        ("甲乙", [(0, 2)]),
    ],
)
def test_sentences(text: str, spans: list[tuple[int, int]]) -> None:
    assert sentences(text) == spans


def test_blank_sentence_only_at_start() -> None:
    text = "。\n甲。乙"
    assert [is_blank_sentence(text, sp) for sp in sentences(text)] == [True, False, False]


@given(st.text(alphabet="甲乙丙12。！？；;!?\n ，,", max_size=60), st.data())
def test_sentences_tile_the_text(text: str, data: st.DataObject) -> None:
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    spans = sentences(text, start, end)
    assert "".join(text[a:b] for a, b in spans) == text[start:end]
    assert all(a < b for a, b in spans)
    assert all(b1 == a2 for (_, b1), (a2, _) in itertools.pairwise(spans))
    for a, b in spans[1:]:
        assert not is_blank_sentence(text, (a, b))


@given(st.text(alphabet="甲乙。！\n", max_size=40), st.data())
def test_sentence_span_holds_position(text: str, data: st.DataObject) -> None:
    pos = data.draw(st.integers(0, len(text)))
    a, b = sentence_span(text, pos)
    assert a <= pos <= b
    assert not any(c in "。！\n" for c in text[a:pos])


@pytest.mark.parametrize(
    ("text", "spans"),
    [
        ("  甲。乙. 3.5元\n丙", [(2, 4), (4, 6), (7, 11), (12, 13)]),
        ("1.甲", [(0, 3)]),
    ],
)
def test_trimmed_sentences(text: str, spans: list[tuple[int, int]]) -> None:
    assert trimmed_sentences(text) == spans


@pytest.mark.parametrize(
    ("text", "needle", "clause"),
    [
        ("全县，邻县三穗县新建大棚300个", "300", "邻县三穗县新建大棚"),
        ("甲。乙；丙!丁300", "300", "丁"),
        ("第一行\n第二行300", "300", "第二行"),
        ("甲：乙300", "300", "甲：乙"),  # a colon does not end a clause
        ("甲、乙300", "300", "甲、乙"),
    ],
)
def test_clause_start(text: str, needle: str, clause: str) -> None:
    pos = text.index(needle)
    assert text[clause_start(text, pos) : pos] == clause


def test_clause_start_lower_bound_and_bounds() -> None:
    text = "甲，乙（丙300"
    pos = text.index("300")
    assert clause_start(text, pos, lo=3) == 3
    assert clause_start(text, pos, bounds="（") == text.index("丙")


@pytest.mark.parametrize(
    ("text", "needle", "item"),
    [
        ("茶园60万亩、蔬菜20万亩，增收", "60万亩", "茶园60万亩"),
        ("茶园60万亩、蔬菜20万亩，增收", "20万亩", "蔬菜20万亩"),
        ("全县茶园60万亩，增收", "60万亩", ""),
    ],
)
def test_list_item(text: str, needle: str, item: str) -> None:
    s = text.index(needle)
    assert list_item(text, s, s + len(needle)) == item
