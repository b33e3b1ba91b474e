"""The word/space alignment of words that join into the text exactly (what the segmenter gives) takes a run of
words at a time; it equals the per-word scan and spaCy's own alignment."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from spacy.util import get_words_and_spaces

from pipeline.text.tokenizer import (
    _exact_words_and_spaces,
    _scan_words_and_spaces,
    shared_segmenter,
    words_and_spaces,
)

_ALPHABET = st.sampled_from([*"县乡村贫困户发放贷款万元亩。，、：（）ab1.0-_ \u3000\t\n\r", "\U0001f600", "  ", "\r\n"])


@st.composite
def _cut(draw: st.DrawFn) -> list[str]:
    """Non-empty pieces that join into a text: cut at random places (a piece may hold whitespace anywhere)."""
    text = "".join(draw(st.lists(_ALPHABET, max_size=40)))
    cuts = sorted(draw(st.sets(st.integers(1, max(1, len(text) - 1)), max_size=len(text))))
    return [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True) if a < b]


@given(_cut())
@settings(max_examples=600, deadline=None)
def test_exact_alignment_equals_the_scan(words: list[str]) -> None:
    text = "".join(words)
    exact = _exact_words_and_spaces(words)
    scan = _outcome(_scan_words_and_spaces, words, text)
    if exact is not None:
        assert exact == scan == get_words_and_spaces(words, text)
    else:  # a word with leading whitespace: left to the scan (which may refuse it, as spaCy does)
        assert any(w[0].isspace() and not w.isspace() for w in words)
    assert _outcome(words_and_spaces, words, text) == scan


def _outcome(align: Any, words: list[str], text: str) -> object:
    try:
        return align(words, text)
    except ValueError:
        return "refused"


@given(st.lists(_ALPHABET, max_size=60).map("".join))
@settings(max_examples=200, deadline=None)
def test_segmenter_words_take_the_exact_path(text: str) -> None:
    words = [w for w in shared_segmenter().cut(text, HMM=True) if w]
    exact = _exact_words_and_spaces(words)
    assert exact is not None
    assert exact == get_words_and_spaces(words, text)


def test_exact_cases() -> None:
    cases = {
        ("县", " ", "乡"): (["县", "乡"], [True, False]),
        ("县", " ", " ", "乡"): (["县", " ", "乡"], [True, False, False]),
        (" ", "县", "\n", "乡", " "): ([" ", "县", "\n", "乡"], [False, False, False, True]),
        ("县", "\n", " ", "乡"): (["县", "\n ", "乡"], [False, False, False]),
        ("a ", " ", "b"): (["a ", "b"], [True, False]),
    }
    for words, want in cases.items():
        assert _exact_words_and_spaces(list(words)) == want == get_words_and_spaces(list(words), "".join(words))
    assert _exact_words_and_spaces(["县", " 乡"]) is None  # a word opening with a space: the scan decides
    odd = (["县", " 乡"], "县 乡")
    assert _outcome(words_and_spaces, *odd) == _outcome(get_words_and_spaces, *odd) == "refused"


@given(st.lists(_ALPHABET, max_size=60).map("".join))
@settings(max_examples=200, deadline=None)
def test_block_words_equal_the_cut(text: str) -> None:
    seg = shared_segmenter()
    if not hasattr(seg, "words"):  # rjieba not installed: the tokenizer goes through cut
        return
    want = [w for w in seg.cut(text, HMM=True) if w]
    assert seg.words(text) == want
    assert seg.words(text) == want  # again, every block from the memo


def test_block_words_drop_empty_words() -> None:
    from pipeline.text.tokenizer import HybridTokenizer, make_nlp

    class Fake:  # a jieba-rs that would give an empty word
        def cut(self, blk: str, hmm: bool) -> list[str]:
            return [blk[:1], "", blk[1:]]

    seg = HybridTokenizer(Fake())
    assert seg.words("县乡 村") == [w for w in seg.cut("县乡 村") if w] == ["县", "乡", " ", "村"]
    nlp = make_nlp()
    nlp.tokenizer._seg = seg
    assert [t.text for t in nlp("县乡 村")] == ["县", "乡", "村"]
