"""pos_viterbi.viterbi gives what jieba's POS Viterbi gives (log probability and every state), on made-up runs of
common characters, of any Han characters (many outside the model: its fallback paths), and through the tagger."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from jieba.posseg import char_state_tab_P, emit_P, start_P, trans_P
from jieba.posseg.viterbi import viterbi as jieba_viterbi

from pipeline.text.pos_viterbi import viterbi

_COMMON = list("织密鹅舍的通屯和冷链置点县乡村户贫困脱建设产业合作社防返监测网硬化道路养殖基地收入元亩万人")


def _same(run: str) -> None:
    want = jieba_viterbi(run, char_state_tab_P, start_P, trans_P, emit_P)
    assert viterbi(run, char_state_tab_P, start_P, trans_P, emit_P) == want


@settings(max_examples=300, deadline=None)
@given(st.text(st.sampled_from(_COMMON), min_size=1, max_size=14))
def test_viterbi_equals_jiebas_on_common_characters(run: str) -> None:
    _same(run)


@settings(max_examples=200, deadline=None)
@given(st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FD5), min_size=1, max_size=10))
def test_viterbi_equals_jiebas_on_any_han(run: str) -> None:
    _same(run)


def test_viterbi_cases() -> None:
    for run in ("织", "织密", "鹅舍的", "全县织密防返贫监测网", "龘靐齉", "通屯道路硬化和冷链物流"):
        _same(run)
    prob, route = viterbi("鹅舍的", char_state_tab_P, start_P, trans_P, emit_P)
    assert len(route) == 3 and prob < 0 and route[0][0] in "BS"


def test_the_tagger_runs_it() -> None:
    from pipeline.text.tokenizer import shared_pos_tokenizer

    tagger = shared_pos_tokenizer()
    assert "_POSTokenizer__cut" in type(tagger).__dict__  # jieba's HMM pass replaced, not inherited
    assert [(w.word, w.flag) for w in tagger._POSTokenizer__cut("鹅舍的")]
