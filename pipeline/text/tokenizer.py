"""The spaCy framework every extractor shares: ``spacy.blank("zh")`` segmented by a private jieba instance.

spaCy's own jieba option uses jieba's module-level tokenizer (global state shared with anything else in the
process); here each pipeline owns a ``jieba.Tokenizer`` (jieba's own dictionary plus any words given), so
loading is explicit. The dictionary file is read once per process (``pipeline.text.jieba_dict``) and shared by
the segmenter, the part-of-speech tagger and the gazetteer's word checks.
"""

from __future__ import annotations

import itertools
import logging
import operator
import re
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any

import jieba
import spacy
from spacy.language import Language
from spacy.tokens import Doc

from pipeline.text.jieba_dict import jieba_dictionary

log = logging.getLogger(__name__)

jieba.setLogLevel(logging.WARNING)


class JiebaTokenizer:
    """spaCy tokenizer over a ``jieba.Tokenizer`` instance; token offsets are character offsets.

    ``seg`` may be a function that makes the segmenter: it is then called on the first text, so a run that
    tokenizes nothing (an empty folder) never reads jieba's dictionary.
    """

    def __init__(self, vocab: spacy.vocab.Vocab, seg: jieba.Tokenizer | Callable[[], jieba.Tokenizer]) -> None:
        self.vocab = vocab
        self._seg = seg

    @property
    def seg(self) -> jieba.Tokenizer:
        if not isinstance(self._seg, jieba.Tokenizer):
            self._seg = self._seg()
        return self._seg

    def __call__(self, text: str) -> Doc:
        seg = self.seg  # a HybridTokenizer gives the same words a block's at a time
        words = seg.words(text) if isinstance(seg, HybridTokenizer) else [w for w in seg.cut(text, HMM=True) if w]
        words, spaces = words_and_spaces(words, text)
        return Doc(self.vocab, words=words, spaces=spaces)


def words_and_spaces(words: Iterable[str], text: str) -> tuple[list[str], list[bool]]:
    """spaCy's ``get_words_and_spaces`` (same words, same spaces, same errors) in time linear in the text.

    spaCy's version looks each word up in ``text[pos:]``, a copy of the rest of the text per token (36 s on a
    1.15 M-character document); this one searches ``text`` from ``pos`` without copying.
    """
    words = list(words)
    if all(words) and "".join(words) == text:  # a segmenter's words: the text cut, nothing dropped or added
        exact = _exact_words_and_spaces(words)
        if exact is not None:
            return exact
    return _scan_words_and_spaces(words, text)


def _exact_words_and_spaces(words: list[str]) -> tuple[list[str], list[bool]] | None:
    """:func:`words_and_spaces` of non-empty ``words`` that join into the text, a run of words at a time (no
    lookup per word: each word starts where the one before ended): a run of whitespace words becomes one word,
    less the single space the word before it takes as its trailing space. ``None`` when some other word starts
    with whitespace (where a scan may find it inside the whitespace before it): the caller scans."""
    out_words: list[str] = []
    out_spaces: list[bool] = []
    first = operator.itemgetter(0)
    for blank, group in itertools.groupby(words, str.isspace):
        run = list(group)
        if blank:
            gap = "".join(run)
            if out_words and gap[0] == " ":  # the word before is followed by a space (groups alternate)
                out_spaces[-1] = True
                gap = gap[1:]
            if gap:
                out_words.append(gap)
                out_spaces.append(False)
        elif any(map(str.isspace, map(first, run))):
            return None
        else:
            out_words.extend(run)
            out_spaces.extend(itertools.repeat(False, len(run)))
    return out_words, out_spaces


def _scan_words_and_spaces(words: list[str], text: str) -> tuple[list[str], list[bool]]:
    """:func:`words_and_spaces` of any words: each looked up in the text from where the one before ended."""
    if "".join("".join(words).split()) != "".join(text.split()):
        raise ValueError(f"words do not match the text: {text[:80]!r}")
    out_words: list[str] = []
    out_spaces: list[bool] = []
    pos = 0
    n = len(text)
    for word in words:
        if word.isspace():
            continue  # whitespace tokens are rebuilt from the text
        start = text.find(word, pos)
        if start < 0:
            raise ValueError(f"word {word!r} not found in the text after offset {pos}")
        if start > pos:
            out_words.append(text[pos:start])
            out_spaces.append(False)
        out_words.append(word)
        pos = start + len(word)
        space = pos < n and text[pos] == " "
        out_spaces.append(space)
        if space:
            pos += 1
    if pos < n:
        out_words.append(text[pos:])
        out_spaces.append(False)
    return out_words, out_spaces


def make_segmenter(user_words: Iterable[str] = ()) -> jieba.Tokenizer:
    """A private jieba tokenizer over jieba's dictionary (read once per process), optionally with extra words.

    The dictionary's tables are shared; a tokenizer with extra words gets its own copy of the prefix table.
    """
    d = jieba_dictionary()
    seg = jieba.Tokenizer()
    words = list(user_words)
    seg.FREQ = dict(d.prefix_freq) if words else d.prefix_freq
    seg.total = d.total
    seg.initialized = True  # jieba's own loader would read the file again (and keep a cache file in /tmp)
    for w in words:
        seg.add_word(w)
    return seg


_RUST_PLAIN = re.compile("[\u4e00-\u9fd5a-zA-Z0-9+#&%]+")
# A decimal that stands alone between Chinese characters (3.5万元, 12.8%): jieba and jieba-rs keep it one word.
_RUST_DECIMAL = re.compile(r"(?<![a-zA-Z0-9.+#&%])\d+\.\d+%?(?![a-zA-Z0-9.+#&%])")


def rust_cuts_as_jieba(block: str) -> bool:
    """Whether jieba-rs cuts this jieba block (a run of ``[\u4e00-\u9fd5a-zA-Z0-9+#&._%-]``) as jieba does:
    Chinese characters, Latin letters, digits, ``+#&%`` and lone decimals; not ``-``, ``_`` or another dot."""
    if "." in block:
        block = _RUST_DECIMAL.sub("0", block)
    return _RUST_PLAIN.fullmatch(block) is not None


BLOCK_MEMO = 16_384  # distinct blocks whose words a HybridTokenizer keeps (about 0.8 KB each)


class HybridTokenizer(jieba.Tokenizer):
    """jieba over jieba's own dictionary, with the runs of Chinese characters cut by jieba-rs (``rjieba``).

    ``cut(text)`` (HMM on, the only mode the pipeline uses) splits the text into jieba's blocks as jieba does; a
    block of Chinese characters only goes to jieba-rs (about 10x faster), every other block (digits, Latin letters,
    ``-``, ``_``: where jieba-rs joins what jieba splits) to jieba itself. On the project's texts (1.43 M characters
    in 140,911 such blocks) jieba-rs cuts every block as jieba does; tests/text/test_tokenizer.py checks it.
    Blocks that mix Chinese characters with Latin letters, digits, ``+#&%`` and decimals standing alone
    (``2020年``, ``3.5万元``, ``B超``; :func:`rust_cuts_as_jieba`) go to jieba-rs as well: it cuts them as jieba
    does on the project's texts and on hundreds of thousands of made-up ones (the same tests); ``-``, ``_``, a dot
    anywhere else (``3.02.7``, ``9.a``) still go to jieba.

    A block's words depend on the block only (the dictionary never changes: :meth:`add_word` refuses), so the
    words of the last :data:`BLOCK_MEMO` distinct blocks are kept: a block seen before (``2020年``, a set phrase,
    a clause coded again) is not cut again.
    """

    def __init__(self, rust: Any) -> None:
        super().__init__()
        self._rust = rust
        self._blocks: dict[str, tuple[str, ...]] = {}

    def cut(self, sentence: Any, cut_all: bool = False, HMM: bool = True, use_paddle: bool = False) -> Any:
        if cut_all or not HMM or use_paddle or not isinstance(sentence, str):
            yield from super().cut(sentence, cut_all=cut_all, HMM=HMM, use_paddle=use_paddle)
            return
        memo, block = self._blocks, self._block
        for blk in jieba.re_han_default.split(sentence):
            if blk:
                yield from memo.get(blk) or block(blk)

    def words(self, text: str) -> list[str]:
        """``[w for w in self.cut(text) if w]`` built a block at a time (``list.extend`` of each block's kept
        words) rather than a word at a time through the generator."""
        out: list[str] = []
        extend = out.extend
        memo, block = self._blocks, self._block
        for blk in jieba.re_han_default.split(text):
            if blk:
                extend(memo.get(blk) or block(blk))
        return [w for w in out if w] if "" in out else out

    def _block(self, blk: str) -> tuple[str, ...]:
        """A block's words, cut once and kept (the oldest half of the memo dropped when it is full)."""
        memo = self._blocks
        words = self._cut_block(blk)
        if len(memo) >= BLOCK_MEMO:
            for old in list(itertools.islice(memo, BLOCK_MEMO // 2)):
                del memo[old]
        memo[blk] = words
        return words

    def _cut_block(self, blk: str) -> tuple[str, ...]:
        """One of jieba's blocks cut: by jieba-rs when it is Chinese characters only, else by jieba."""
        if rust_cuts_as_jieba(blk):
            return tuple(self._rust.cut(blk, True))
        return tuple(super().cut(blk, HMM=True))

    def add_word(self, word: str, freq: int | None = None, tag: str | None = None) -> None:
        raise TypeError("the shared segmenter takes no words: ask make_segmenter(words) for one of your own")


def _rust_segmenter() -> Any:
    """jieba-rs over its built-in dictionary (jieba's), or None when rjieba is not installed."""
    try:
        import rjieba
    except ImportError:
        log.info("rjieba is not installed: segmenting with jieba only (same tokens, slower)")
        return None
    return rjieba.Jieba()


@lru_cache(maxsize=1)
def shared_segmenter() -> jieba.Tokenizer:
    """The package's own jieba tokenizer (never jieba's global one), built once per process on first use:
    the segmenter, the POS tagger and the stages that need plain segmentation share it. Never
    add words to it; ask ``make_segmenter(words)`` for a tokenizer of your own. With ``rjieba`` installed it is
    a :class:`HybridTokenizer` (the same tokens, faster)."""
    rust = _rust_segmenter()
    if rust is None:
        return make_segmenter()
    d = jieba_dictionary()
    seg = HybridTokenizer(rust)
    seg.FREQ, seg.total, seg.initialized = d.prefix_freq, d.total, True
    return seg


@lru_cache(maxsize=1)
def shared_pos_tokenizer() -> jieba.posseg.POSTokenizer:
    """A part-of-speech tagger over ``shared_segmenter()``, built once per process on first use."""
    return _pos_tokenizer(shared_segmenter(), jieba_dictionary().tags())


DETAIL_MEMO = 4096  # distinct runs of unknown characters whose HMM tagging a POS tagger keeps


@lru_cache(maxsize=1)
def _memo_pos_class() -> Any:
    """jieba's ``POSTokenizer`` whose HMM pass (``__cut_detail``: the Viterbi over every POS state of a run of
    characters the dictionary does not join, most of the tagger's time) is kept per distinct run: the run's
    tags depend on the run only (the tables never change), and runs recur (织密, 鹅舍的). Made on first use, so
    importing this module does not import ``jieba.posseg``. Its HMM is :func:`pos_viterbi.viterbi` (jieba's
    result, faster)."""
    import jieba.posseg
    from jieba import posseg

    from pipeline.text.pos_viterbi import viterbi

    class MemoPOSTokenizer(jieba.posseg.POSTokenizer):
        _details: dict[str, tuple[Any, ...]]

        def _POSTokenizer__cut_detail(self, sentence: str) -> Any:  # jieba's private method, by its mangled name
            memo = self._details
            got = memo.get(sentence)
            if got is None:
                got = tuple(super()._POSTokenizer__cut_detail(sentence))
                if len(memo) >= DETAIL_MEMO:
                    for old in list(itertools.islice(memo, DETAIL_MEMO // 2)):
                        del memo[old]
                memo[sentence] = got
            yield from got

        def _POSTokenizer__cut(self, sentence: str) -> Any:
            """jieba's ``__cut`` (a run of Chinese characters tagged by the HMM) over :mod:`pos_viterbi`'s Viterbi
            (the same states, faster)."""
            _, pos_list = viterbi(sentence, posseg.char_state_tab_P, posseg.start_P, posseg.trans_P, posseg.emit_P)
            begin, nexti = 0, 0
            for i, char in enumerate(sentence):
                pos = pos_list[i][0]
                if pos == "B":
                    begin = i
                elif pos == "E":
                    yield posseg.pair(sentence[begin : i + 1], pos_list[i][1])
                    nexti = i + 1
                elif pos == "S":
                    yield posseg.pair(char, pos_list[i][1])
                    nexti = i + 1
            if nexti < len(sentence):
                yield posseg.pair(sentence[nexti:], pos_list[nexti][1])

    return MemoPOSTokenizer


def _pos_tokenizer(seg: jieba.Tokenizer, tags: dict[str, str]) -> jieba.posseg.POSTokenizer:
    """jieba's POS tagger over ``seg`` with a ready word → tag table (its own ``__init__`` reads the file again),
    its HMM pass memoized (:func:`_memo_pos_class`)."""
    cls = _memo_pos_class()
    pos = cls.__new__(cls)
    pos.tokenizer = seg
    pos.word_tag_tab = tags
    pos._details = {}
    return pos


def make_nlp(user_words: Iterable[str] = ()) -> Language:
    """``spacy.blank("zh")`` whose tokenizer is the package's jieba instance (a private one with extra words)."""
    nlp = spacy.blank("zh")
    words = list(user_words)
    nlp.tokenizer = JiebaTokenizer(nlp.vocab, (lambda: make_segmenter(words)) if words else shared_segmenter)
    nlp.max_length = 50_000_000  # no parser or NER model here, so long reports need no memory guard
    return nlp
