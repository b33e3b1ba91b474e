"""The faster per-document paths give what the code they replaced gave: each test holds the old implementation
(written out here) and compares it with the new one on made-up and generated text."""

from __future__ import annotations

import unicodedata
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.ingest import text as T
from pipeline.model import Edit
from pipeline.normalize import _cr_edits, _visual_width
from pipeline.text.chars import SENT_END, WS
from pipeline.text.numerals import may_state_range, parse_quantity
from pipeline.text.segment import is_period, sentence_start, trimmed_sentences

# characters the rules care about: Han, digits, Latin, sentence ends, ASCII full stops, spaces of all kinds,
# range separators, numerals, controls and unassigned code points
ALPHABET = st.sampled_from(
    list("县乡村脱贫户人亩万元增长至到约近余多七八千两三五十百分之成")
    + list("0123456789.,%－-~～—–")
    + list("abcXYZ")
    + list(SENT_END + "，、：\n")
    + list(WS)
    + ["\x00", "\x07", "\ue000", "\ufffd", "\u0378", "²", "①", "Ⅻ", "\r", "\f"]
)
TEXTS = st.text(ALPHABET, max_size=80)


# --------------------------------------------------------------------------------------- old implementations


def old_visual_width(line: str) -> float:
    return sum(1.0 if ord(c) > 0x2000 else 0.55 for c in line if c not in WS)


def old_plausibility(text: str) -> float:
    if not text:
        return 1.0
    bad = 0
    for ch in text:
        if ch in "\t\n\r\f":
            continue
        cat = unicodedata.category(ch)
        if cat in ("Cc", "Co", "Cn", "Cs") or ch == "\ufffd":
            bad += 1
    return 1.0 - bad / len(text)


def old_common_share(text: str, codec: str) -> float:
    chars = T._CJK.findall(text)
    if not chars:
        return 0.0
    good = 0
    for ch in chars:
        if codec == "gb18030":
            try:
                ch.encode("gb2312")
                good += 1
            except UnicodeEncodeError:
                pass
        else:
            try:
                b = ch.encode("big5")
            except UnicodeEncodeError:
                continue
            if 0xA4 <= b[0] <= 0xC6:
                good += 1
    return good / len(chars)


def old_odd(text: str) -> list[str]:
    return [ch for ch in text if ord(ch) > 0x7F]


def old_sentence_start(text: str, start: int) -> int:
    i = start
    while i > 0 and text[i - 1] not in SENT_END + "\n":
        i -= 1
    return i


def old_trimmed_sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    s = start
    for i in range(start, end + 1):
        if i == end or text[i] == "\n" or text[i] in SENT_END or (text[i] == "." and is_period(text, i)):
            e = i + 1 if i < end and text[i] != "\n" else i
            a, b = s, e
            while a < b and text[a].isspace():
                a += 1
            while b > a and text[b - 1].isspace():
                b -= 1
            if a < b:
                spans.append((a, b))
            s = i + 1
    return spans


# ------------------------------------------------------------------------------------------------------ tests

LINES = [
    "",
    "   ",
    "全县脱贫攻坚取得决定性胜利",
    "　　全县 共有 贫困村 32 个",
    "2019年农村居民人均可支配收入12016元，增长9.5%",
    "GDP growth 8.5% in 2019",
    "Rank: 8",
    "经(jīng)济(jì)",
]


def test_visual_width_equals_the_character_sum() -> None:
    for line in LINES:
        got, want = _visual_width(line), old_visual_width(line)
        assert got == want and type(got) is type(want), line  # the very float (and 0 for an empty line)


@settings(max_examples=400, deadline=None)
@given(TEXTS)
def test_visual_width_equals_the_character_sum_generated(line: str) -> None:
    assert _visual_width(line) == old_visual_width(line)


@settings(max_examples=300, deadline=None)
@given(TEXTS)
def test_plausibility_and_common_share_count_distinct_characters(text: str) -> None:
    assert T.plausibility(text) == old_plausibility(text)
    for codec in ("gb18030", "big5"):
        assert T._common_share(text, codec) == old_common_share(text, codec)


def test_plausibility_on_made_up_text() -> None:
    text = "全县共有贫困户1200户。\n\x00\x07乡村振兴\ue000\ufffd" * 3
    assert T.plausibility(text) == old_plausibility(text) < 1.0
    assert T.plausibility("") == old_plausibility("") == 1.0


def old_gbk_posing_as_utf8(text: str, data: bytes) -> bool:
    odd = old_odd(text)
    if not odd or len(odd) > 200:
        return False
    asian = sum(1 for ch in odd if ord(ch) >= 0x2E80)
    if asian >= 0.5 * len(odd):
        return False
    try:
        gb = data.decode("gb18030")
    except UnicodeDecodeError:
        return False
    if T._CJK.findall(text) and old_common_share(text, "gb18030") >= old_common_share(gb, "gb18030"):
        return False
    return len(T._CJK.findall(gb)) >= 2 and old_common_share(gb, "gb18030") > 0.9


def test_gbk_posing_as_utf8_stops_after_enough_non_ascii() -> None:
    """The non-ASCII scan stops at 201 characters: a long text answers as the full list did (too many)."""
    cases = [("乡" * 500).encode("utf-8"), ("x" * 300 + "é" * 300).encode("utf-8"), b"plain ascii"]
    cases.append("abcÄ£def".encode())  # Latin letters a GBK text can decode into as UTF-8
    for data in cases:
        text = data.decode("utf-8")
        assert T._gbk_posing_as_utf8(text, data) is old_gbk_posing_as_utf8(text, data), data
    assert T.detect_encoding("全县脱贫攻坚".encode("gb18030")) == "gb18030"
    assert T.detect_encoding(("全县脱贫攻坚" * 100).encode("utf-8")) == "utf-8"


@settings(max_examples=200, deadline=None)
@given(TEXTS)
def test_gbk_posing_as_utf8_generated(text: str) -> None:
    data = text.encode("utf-8", errors="surrogatepass")
    assert T._gbk_posing_as_utf8(text, data) is old_gbk_posing_as_utf8(text, data)


@settings(max_examples=400, deadline=None)
@given(TEXTS)
def test_a_range_needs_its_hint(span: str) -> None:
    """``may_state_range`` is False only where ``parse_quantity`` finds no range."""
    q = parse_quantity(span)
    if q is not None and q.value_high is not None:
        assert may_state_range(span)


def test_ranges_of_made_up_figures() -> None:
    for span in ("3至5万元", "3－5万亩", "七八千人", "两三万元", "十七八岁", "1000-2000元", "3~5户"):
        q = parse_quantity(span)
        assert q is not None and q.value_high is not None, span
        assert may_state_range(span), span
    for span in ("100万元", "2000户", "三分之一", "8成", "12.5%"):
        assert not may_state_range(span), span


@settings(max_examples=400, deadline=None)
@given(TEXTS, st.data())
def test_sentence_start_is_the_scan_back(text: str, data: st.DataObject) -> None:
    pos = data.draw(st.integers(0, len(text)))
    assert sentence_start(text, pos) == old_sentence_start(text, pos)


@settings(max_examples=400, deadline=None)
@given(TEXTS, st.data())
def test_trimmed_sentences_visit_only_breaks(text: str, data: st.DataObject) -> None:
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    assert trimmed_sentences(text) == old_trimmed_sentences(text)
    assert trimmed_sentences(text, start, end) == old_trimmed_sentences(text, start, end)


def test_trimmed_sentences_of_a_made_up_paragraph() -> None:
    text = "  全县新建大棚3.5万亩。 争取资金1.2亿元！\n\n第1. 项：完成 a.b 改造. 下一步\t"
    assert trimmed_sentences(text) == old_trimmed_sentences(text)
    assert len(trimmed_sentences(text)) >= 3


def old_cr_edits(raw: str) -> list[Edit]:
    return [Edit(i, i + 1, "" if raw[i + 1 : i + 2] == "\n" else "\n") for i, c in enumerate(raw) if c == "\r"]


@settings(max_examples=300, deadline=None)
@given(st.text(st.sampled_from(list("县乡\r\n a1")), max_size=40))
def test_carriage_returns_found_by_regex(raw: str) -> None:
    assert _cr_edits(raw) == old_cr_edits(raw)


def test_carriage_returns_of_a_made_up_file() -> None:
    raw = "第一行\r\n第二行\r第三行\r\n\r\n"
    assert _cr_edits(raw) == old_cr_edits(raw) and len(_cr_edits(raw)) == 4


def _plain_pos() -> Any:
    """jieba's own POS tagger over the same segmenter and tag table, no memo."""
    import jieba.posseg

    from pipeline.text.jieba_dict import jieba_dictionary
    from pipeline.text.tokenizer import shared_segmenter

    pos = jieba.posseg.POSTokenizer.__new__(jieba.posseg.POSTokenizer)
    pos.tokenizer, pos.word_tag_tab = shared_segmenter(), jieba_dictionary().tags()
    return pos


PHRASES = ["全县织密防返贫监测网", "鹅舍的建设", "通屯道路硬化", "和冷链物流", "置点安置", "建档立卡贫困户32712户"]
HAN_RUNS = st.text(
    st.sampled_from(list("织密鹅舍的通屯和冷链置点县乡村户贫困脱建设产业合作社")), min_size=1, max_size=12
)


@pytest.fixture(scope="module")
def taggers() -> tuple[Any, Any]:
    from pipeline.text.jieba_dict import jieba_dictionary
    from pipeline.text.tokenizer import _pos_tokenizer, shared_segmenter

    return _pos_tokenizer(shared_segmenter(), jieba_dictionary().tags()), _plain_pos()


def test_memoized_pos_tags_equal_jiebas(taggers: tuple[Any, Any]) -> None:
    memo, plain = taggers
    for _ in range(2):  # cold, then every run read from the memo
        for s in PHRASES:
            assert [(w.word, w.flag) for w in memo.cut(s)] == [(w.word, w.flag) for w in plain.cut(s)], s
    assert memo._details  # the HMM runs were kept


@settings(max_examples=150, deadline=None)
@given(HAN_RUNS)
def test_memoized_pos_tags_equal_jiebas_generated(s: str) -> None:
    from pipeline.text.tokenizer import shared_pos_tokenizer

    memo, plain = shared_pos_tokenizer(), _plain_pos()
    want = [(w.word, w.flag) for w in plain.cut(s)]
    assert [(w.word, w.flag) for w in memo.cut(s)] == want
    assert [(w.word, w.flag) for w in memo.cut(s)] == want


def test_the_pos_memo_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    import pipeline.text.tokenizer as tok

    monkeypatch.setattr(tok, "DETAIL_MEMO", 4)
    memo = tok._pos_tokenizer(tok.shared_segmenter(), tok.jieba_dictionary().tags())
    for s in ["织密防", "鹅舍的", "通屯", "和冷链", "置点", "占比", "约占"]:
        list(memo._POSTokenizer__cut_detail(s))
    assert 0 < len(memo._details) <= 4
