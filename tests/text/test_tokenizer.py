"""The spaCy tokenizer's pieces: the linear word/space alignment and the jieba dictionary read once per process."""

from __future__ import annotations

from importlib.util import find_spec
from pathlib import Path

import jieba
import jieba.posseg
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from spacy.util import get_words_and_spaces

from pipeline.text.jieba_dict import jieba_dictionary, read_dictionary
from pipeline.text.tokenizer import (
    HybridTokenizer,
    make_nlp,
    make_segmenter,
    rust_cuts_as_jieba,
    shared_pos_tokenizer,
    shared_segmenter,
    words_and_spaces,
)

REPO = Path(__file__).resolve().parents[2]

# Han, ASCII, digits, full-width punctuation, spaces of several kinds, line breaks, emoji and other astral chars.
_CHARS = "县乡村贫困户发放贷款万元亩。，、：（）ab1.0-_ \u3000\t\n\r"
_ALPHABET = st.sampled_from([*_CHARS, "\U0001f600", "\U00020000"])
_TEXT = st.text(_ALPHABET, max_size=60)


@st.composite
def _text_and_words(draw: st.DrawFn) -> tuple[str, list[str]]:
    """A text and a tokenization of it: cuts at random places, some pieces whitespace-only, some stripped."""
    text = draw(_TEXT)
    cuts = sorted(draw(st.sets(st.integers(0, len(text)), max_size=len(text) + 1)))
    pieces = [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True) if a < b]
    words = []
    for p in pieces:
        if draw(st.booleans()):
            p = p.strip()  # a tokenizer that drops whitespace (what the function must recover)
        if p:
            words.append(p)
    return text, words


def _outcome(align: object, words: list[str], text: str) -> object:
    """The words and spaces, or "refused" when the alignment raises ValueError (words that do not fit the text)."""
    try:
        return align(words, text)  # type: ignore[operator]
    except ValueError:
        return "refused"


@given(_text_and_words())
@settings(max_examples=400, deadline=None)
def test_alignment_equals_spacys(case: tuple[str, list[str]]) -> None:
    """Same words and spaces as spaCy's, or refused where spaCy refuses (a token with an inner leading space)."""
    text, words = case
    assert _outcome(words_and_spaces, words, text) == _outcome(get_words_and_spaces, words, text)


@given(_TEXT)
@settings(max_examples=100, deadline=None)
def test_alignment_of_jieba_tokens_equals_spacys(text: str) -> None:
    words = [w for w in shared_segmenter().cut(text, HMM=True) if w]
    got = words_and_spaces(words, text)
    assert got == get_words_and_spaces(words, text)
    assert "".join(w + (" " if s else "") for w, s in zip(*got, strict=True)) == text


@given(_TEXT, st.text(st.sampled_from(list("县乡村x")), min_size=1, max_size=3))
@settings(max_examples=100, deadline=None)
def test_alignment_refuses_what_spacy_refuses(text: str, extra: str) -> None:
    words = [*text.split(), extra]
    assert _outcome(words_and_spaces, words, text) == _outcome(get_words_and_spaces, words, text)


def test_alignment_refuses_words_not_in_the_text() -> None:
    with pytest.raises(ValueError, match="words do not match"):
        words_and_spaces(["县", "乡"], "县村")


def test_tokenizer_keeps_every_character() -> None:
    text = "贵州省玉屏县 2020年\n发放贷款300万元，😀帮助贫困户1200户。  "
    doc = make_nlp()(text)
    assert doc.text == text
    words, spaces = get_words_and_spaces([w for w in shared_segmenter().cut(text, HMM=True) if w], text)
    assert [t.text for t in doc] == words
    assert [bool(t.whitespace_) for t in doc] == spaces
    assert "😀" in words


@pytest.mark.slow  # jieba's own loaders read the file twice more
def test_dictionary_tables_equal_jiebas_own() -> None:
    """The shared tables are what jieba's own loaders build from the same file: same tokens, same tags."""
    d = jieba_dictionary()
    own = jieba.Tokenizer()
    own.initialize()
    assert d.total == own.total
    assert d.prefix_freq == own.FREQ
    assert d.tags() == jieba.posseg.POSTokenizer(own).word_tag_tab
    text = "全县累计发放产业贷款4824.31万元，建档立卡贫困户1200户实现脱贫。"
    assert list(shared_segmenter().cut(text, HMM=True)) == list(own.cut(text, HMM=True))
    assert [(w.word, w.flag) for w in shared_pos_tokenizer().cut(text)] == [
        (w.word, w.flag) for w in jieba.posseg.POSTokenizer(own).cut(text)
    ]


def test_dictionary_read_once_per_path(tmp_path) -> None:
    assert jieba_dictionary() is jieba_dictionary()
    f = tmp_path / "dict.txt"
    f.write_text("玉屏 5 ns\n玉屏县 3\n玉屏 7 ns\n", encoding="utf-8")
    d = read_dictionary(f)
    assert d.words == {"玉屏": (7, "ns"), "玉屏县": (3, "")}
    assert d.prefix_freq == {"玉屏": 7, "玉": 0, "玉屏县": 3}
    assert d.total == 15  # jieba counts every line, a repeated word too
    assert jieba_dictionary(f) is jieba_dictionary(f)


def test_private_segmenter_does_not_change_the_shared_one() -> None:
    shared = shared_segmenter()
    before = list(shared.cut("社社联建坝长制", HMM=False))
    own = make_segmenter(["社社联建", "坝长制"])
    assert list(own.cut("社社联建坝长制", HMM=False)) == ["社社联建", "坝长制"]
    assert list(shared.cut("社社联建坝长制", HMM=False)) == before
    assert "社社联建" not in jieba_dictionary().prefix_freq


def test_pipeline_reads_the_dictionary_on_its_first_text() -> None:
    """Building the pipeline reads nothing (an empty folder starts fast); the first text makes the segmenter."""
    nlp = make_nlp(["坝长制"])
    tok = nlp.tokenizer
    assert not isinstance(tok._seg, jieba.Tokenizer)  # type: ignore[attr-defined]
    assert [t.text for t in nlp("推行坝长制")][-1] == "坝长制"
    assert isinstance(tok._seg, jieba.Tokenizer)  # type: ignore[attr-defined]
    assert make_nlp().tokenizer.seg is shared_segmenter()  # type: ignore[attr-defined]


def _plain_cut(text: str) -> list[str]:
    return list(make_segmenter().cut(text, HMM=True))


_HYBRID = pytest.mark.skipif(find_spec("rjieba") is None, reason="rjieba not installed: jieba alone segments")


@_HYBRID
@given(st.text(st.sampled_from([*_CHARS, *"的了在是我有和人这中大为上个国不以会", "\U0001f600"]), max_size=80))
@settings(max_examples=300, deadline=None)
def test_hybrid_segmenter_cuts_as_jieba(text: str) -> None:
    assert list(shared_segmenter().cut(text, HMM=True)) == _plain_cut(text)


@_HYBRID
def test_hybrid_segmenter_cuts_the_sample_corpus_as_jieba() -> None:
    for path in sorted((REPO / "corpus").rglob("*.txt")) + sorted((REPO / "corpus").rglob("*.md")):
        text = path.read_text(encoding="utf-8", errors="replace")  # one sample is GB18030: any text will do
        assert list(shared_segmenter().cut(text, HMM=True)) == _plain_cut(text), path.name


@_HYBRID
@pytest.mark.slow
def test_hybrid_segmenter_cuts_the_shared_texts_as_jieba() -> None:
    """Every web page and seed text of ../shared and the first 400,000 characters of the reports corpus."""
    shared = REPO.parent / "shared"
    paths = sorted((shared / "corpus" / "web").glob("*.txt")) + sorted((shared / "corpus" / "seeds").rglob("*.txt"))
    reports = shared / "external" / "corpus" / "gov_reports1954-2022.txt"
    if not paths and not reports.exists():
        pytest.skip("../shared corpus texts not present")
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in paths]
    if reports.exists():
        texts.append(reports.read_text(encoding="utf-8")[:400_000])
    for text in texts:
        assert list(shared_segmenter().cut(text, HMM=True)) == _plain_cut(text)


@_HYBRID
def test_shared_segmenter_is_the_hybrid_and_takes_no_words() -> None:
    assert isinstance(shared_segmenter(), HybridTokenizer)
    with pytest.raises(TypeError):
        shared_segmenter().add_word("坝长制")


def test_rust_takes_chinese_with_letters_digits_and_lone_decimals_only() -> None:
    for block in ("县乡村", "2020年", "投入3.5万元", "增长12.8%", "B超室", "AT&T公司", "C++课程", "5G基站"):
        assert rust_cuts_as_jieba(block), block
    for block in ("3.02.7万", "9.a", "a3.5", "7_40次", "2-74户", "3.5.", ".5亩"):
        assert not rust_cuts_as_jieba(block), block


_MIXED = "县乡村贫困户发放贷款万元亩投入同比增长合作社" + "0123456789" + "abcXYZ" + "%+#&." + "超股"


@_HYBRID
@given(st.text(st.sampled_from(list(_MIXED)), min_size=1, max_size=40))
@settings(max_examples=400, deadline=None)
def test_hybrid_cuts_mixed_blocks_as_jieba(text: str) -> None:
    assert list(shared_segmenter().cut(text, HMM=True)) == _plain_cut(text)


@_HYBRID
def test_block_memo_is_bounded_and_cuts_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    import rjieba

    import pipeline.text.tokenizer as tokenizer

    monkeypatch.setattr(tokenizer, "BLOCK_MEMO", 4)
    d = jieba_dictionary()
    seg = HybridTokenizer(rjieba.Jieba())
    seg.FREQ, seg.total, seg.initialized = d.prefix_freq, d.total, True
    texts = ["2020年全县投入3.5万元，", "发放贷款12户；B超室3间。", "2020年全县投入3.5万元，", "a_b-c 1.2.3"] * 3
    for text in texts:
        assert list(seg.cut(text, HMM=True)) == _plain_cut(text)
        assert len(seg._blocks) <= 4
