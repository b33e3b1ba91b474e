"""jieba's dictionary, read once per process and shared by every stage that needs it.

jieba's segmenter (its prefix-frequency table), its part-of-speech tagger (word → tag) and the gazetteer's
ordinary-word checks (word → frequency, tag) all read the same ``dict.txt``; each used to read it on its own
(five reads of a 5 MB file per process, 60–100 MB each). :func:`jieba_dictionary` reads a dictionary file once,
on the first explicit call, and keeps it in a module-level table keyed by its path (no jieba global state is
touched, and nothing is written: jieba's own loader keeps a cache file in the temporary folder).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JiebaDictionary:
    """One jieba dictionary file, read once. Treat every table as read-only: they are shared."""

    path: Path
    words: dict[str, tuple[int, str]]  # word → (frequency, POS tag, "" when none); a repeated word: the last line
    prefix_freq: dict[str, int]  # jieba's ``FREQ``: every word, and every prefix of one with frequency 0
    total: int  # jieba's ``total``: the sum of the frequencies of all lines

    def tags(self) -> dict[str, str]:
        """word → POS tag, as jieba's ``POSTokenizer.load_word_tag`` builds it (a new dict each call)."""
        return {w: tag for w, (_, tag) in self.words.items()}


_LOADED: dict[Path, JiebaDictionary] = {}


def default_dictionary_path() -> Path:
    """The ``dict.txt`` that ships with jieba (what ``jieba.Tokenizer()`` reads by default)."""
    import jieba

    return Path(jieba.__file__).parent / "dict.txt"


def read_dictionary(path: Path) -> JiebaDictionary:
    """Parse a jieba dictionary file (``word freq [tag]`` per line) the way jieba's ``gen_pfdict`` does."""
    words: dict[str, tuple[int, str]] = {}
    prefix: dict[str, int] = {}
    total = 0
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            parts = line.split()
            if len(parts) < 2:
                continue
            word = parts[0]
            try:
                freq = int(parts[1])
            except ValueError:
                raise ValueError(f"invalid jieba dictionary entry in {path} at line {lineno}: {line.strip()}") from None
            words[word] = (freq, parts[2] if len(parts) > 2 else "")
            prefix[word] = freq
            total += freq
            for i in range(1, len(word)):
                frag = word[:i]
                if frag not in prefix:
                    prefix[frag] = 0
    return JiebaDictionary(path, words, prefix, total)


def jieba_dictionary(path: Path | None = None) -> JiebaDictionary:
    """The dictionary at ``path`` (jieba's own by default), read on the first call in this process."""
    key = (path or default_dictionary_path()).resolve()
    if key not in _LOADED:
        log.debug("reading jieba dictionary %s", key)
        _LOADED[key] = read_dictionary(key)
    return _LOADED[key]


__all__ = ["JiebaDictionary", "default_dictionary_path", "jieba_dictionary", "read_dictionary"]
