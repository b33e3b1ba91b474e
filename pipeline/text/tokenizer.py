"""The spaCy framework every extractor shares: ``spacy.blank("zh")`` segmented by a private jieba instance.

spaCy's own jieba option uses jieba's module-level tokenizer (global state shared with anything else in the
process); here each pipeline owns a ``jieba.Tokenizer`` (jieba's own dictionary plus any words given), so
loading is explicit.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from functools import lru_cache

import jieba
import spacy
from spacy.language import Language
from spacy.tokens import Doc
from spacy.util import get_words_and_spaces

log = logging.getLogger(__name__)

jieba.setLogLevel(logging.WARNING)


class JiebaTokenizer:
    """spaCy tokenizer over a ``jieba.Tokenizer`` instance; token offsets are character offsets."""

    def __init__(self, vocab: spacy.vocab.Vocab, seg: jieba.Tokenizer) -> None:
        self.vocab = vocab
        self.seg = seg

    def __call__(self, text: str) -> Doc:
        words = [w for w in self.seg.cut(text, HMM=True) if w]
        words, spaces = get_words_and_spaces(words, text)
        return Doc(self.vocab, words=words, spaces=spaces)


def make_segmenter(user_words: Iterable[str] = ()) -> jieba.Tokenizer:
    """A private jieba tokenizer, optionally with extra words."""
    seg = jieba.Tokenizer()
    for w in user_words:
        seg.add_word(w)
    return seg


@lru_cache(maxsize=1)
def shared_segmenter() -> jieba.Tokenizer:
    """The package's own jieba tokenizer (never jieba's global one), built once per process on first use:
    loading jieba's dictionary costs about 0.8 s, so the stages that need plain segmentation share it. Never
    add words to it; ask ``make_segmenter(words)`` for a tokenizer of your own."""
    return make_segmenter()


@lru_cache(maxsize=1)
def shared_pos_tokenizer() -> jieba.posseg.POSTokenizer:
    """A part-of-speech tagger over ``shared_segmenter()``, built once per process on first use."""
    import jieba.posseg

    return jieba.posseg.POSTokenizer(shared_segmenter())


def make_nlp(user_words: Iterable[str] = ()) -> Language:
    """``spacy.blank("zh")`` whose tokenizer is the package's jieba instance (a private one with extra words)."""
    nlp = spacy.blank("zh")
    words = list(user_words)
    nlp.tokenizer = JiebaTokenizer(nlp.vocab, make_segmenter(words) if words else shared_segmenter())
    nlp.max_length = 50_000_000  # no parser or NER model here, so long reports need no memory guard
    return nlp
