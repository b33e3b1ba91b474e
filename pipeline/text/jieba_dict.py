"""jieba's dictionary, read once per process and shared by every stage that needs it.

jieba's segmenter (its prefix-frequency table), its part-of-speech tagger (word → tag) and the gazetteer's
ordinary-word checks (word → frequency, tag) all read the same ``dict.txt``; each used to read it on its own
(five reads of a 5 MB file per process, 60–100 MB each). :func:`jieba_dictionary` reads a dictionary file once,
on the first explicit call, and keeps it in a module-level table keyed by its path (no jieba global state is
touched, and nothing is written: jieba's own loader keeps a cache file in the temporary folder).

Parsing the 5 MB text takes 1.4 CPU-seconds. ``make models`` also writes a compact pre-built form of jieba's own
dictionary, ``models/jieba_dict.marshal`` (columns of words, frequencies, tags and prefixes; about 7 MB,
gitignored, with ``jieba_dict.meta.json`` naming its source and date), which loads in about a third of that time.
It is used only when it was built from the very file being read (its SHA-256), by this Python (``marshal``'s
format) and this module's :data:`PREBUILT_FORMAT`; otherwise, or when it cannot be read, the text is parsed as
before, with a log message saying why. Both give the same tables (tests/text/test_jieba_dict.py).
"""

from __future__ import annotations

import hashlib
import json
import logging
import marshal
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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


def release() -> None:
    """Forget the dictionaries read so far (``resources.release``): the next call reads them again."""
    _LOADED.clear()


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


def jieba_dictionary(path: Path | None = None, prebuilt: Path | None = None) -> JiebaDictionary:
    """The dictionary at ``path`` (jieba's own by default), read on the first call in this process: from the
    pre-built form ``prebuilt`` (:func:`default_prebuilt_path` for jieba's own dictionary) when it is valid for
    that file, else from the text."""
    key = (path or default_dictionary_path()).resolve()
    if key not in _LOADED:
        if prebuilt is None and path is None:
            prebuilt = default_prebuilt_path()
        got = load_prebuilt(prebuilt, key) if prebuilt is not None and prebuilt.exists() else None
        if got is None:
            log.debug("reading jieba dictionary %s", key)
            got = read_dictionary(key)
        _LOADED[key] = got
    return _LOADED[key]


# ---- the pre-built form -----------------------------------------------------------------------------------------

PREBUILT_FORMAT = 1  # bump when the layout of the pre-built file changes
PREBUILT_NAME = "jieba_dict.marshal"


def default_prebuilt_path() -> Path:
    """``models/jieba_dict.marshal`` beside the package (what ``make models`` writes); it may not exist."""
    return Path(__file__).resolve().parents[2] / "models" / PREBUILT_NAME


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _header(source: Path) -> dict[str, Any]:
    """What a pre-built file must have been built from to stand in for ``source``."""
    return {"format": PREBUILT_FORMAT, "python": list(sys.version_info[:2]), "source_sha256": _sha256(source)}


def prebuilt_payload(d: JiebaDictionary) -> dict[str, Any]:
    """The dictionary ``d`` as plain columns (``marshal`` can write them; loading them builds no tuples per line)."""
    words = list(d.words)
    if any("\n" in w for w in words):
        raise ValueError(f"a word of {d.path} holds a line break: it cannot be pre-built")
    tags = [d.words[w][1] for w in words]
    tag_names = sorted(set(tags))
    if len(tag_names) > 255:
        raise ValueError(f"{d.path} has {len(tag_names)} distinct tags: the pre-built form holds at most 255")
    tag_index = {t: i for i, t in enumerate(tag_names)}
    fragments = [k for k in d.prefix_freq if k not in d.words]
    return {
        "words": "\n".join(words),
        "freqs": [d.words[w][0] for w in words],
        "tags": bytes(tag_index[t] for t in tags),
        "tag_names": tag_names,
        "fragments": "\n".join(fragments),
        "total": d.total,
    }


def write_prebuilt(source: Path, out_dir: Path) -> Path:
    """Write the pre-built form of the dictionary file ``source`` and its meta file into ``out_dir`` (each through
    a temporary file moved into place); returns the pre-built file's path. Run by ``make models``."""
    import jieba

    source = source.resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    d = read_dictionary(source)
    blob = marshal.dumps({**_header(source), **prebuilt_payload(d)})
    target = out_dir / PREBUILT_NAME
    meta = {
        **_header(source),
        "what": "jieba's dictionary (word, frequency, tag; every prefix) pre-built for pipeline.text.jieba_dict",
        "source": str(source),
        "jieba_version": getattr(jieba, "__version__", "unknown"),
        "words": len(d.words),
        "prefixes": len(d.prefix_freq),
        "bytes": len(blob),
        "built": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    for path, data in ((target, blob), (out_dir / "jieba_dict.meta.json", json.dumps(meta, indent=1).encode())):
        fd, tmp = tempfile.mkstemp(dir=out_dir, prefix=path.name, suffix=".tmp")
        try:
            os.fchmod(fd, 0o644)
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    return target


def load_prebuilt(prebuilt: Path, source: Path) -> JiebaDictionary | None:
    """The dictionary of ``source`` from its pre-built form, or None (with a log message saying why) when the file
    cannot be read, is damaged, or was built from another file, by another Python or for another layout."""
    try:
        data = marshal.loads(prebuilt.read_bytes())
    except (OSError, EOFError, ValueError, TypeError) as err:
        log.warning("ignoring the unreadable pre-built jieba dictionary %s (%s): make models", prebuilt, err)
        return None
    try:
        want = _header(source)
    except OSError as err:
        log.warning("cannot read the jieba dictionary %s to check its pre-built form: %s", source, err)
        return None
    if not isinstance(data, dict) or any(data.get(k) != v for k, v in want.items()):
        log.warning(
            "ignoring the pre-built jieba dictionary %s: not built from %s by this version (run `make models` to"
            " rebuild it); reading the text instead",
            prebuilt,
            source,
        )
        return None
    try:
        words = data["words"].split("\n") if data["words"] else []
        freqs, tags, names = data["freqs"], data["tags"], data["tag_names"]
        fragments = data["fragments"].split("\n") if data["fragments"] else []
        if not (len(words) == len(freqs) == len(tags)) or not isinstance(data["total"], int):
            raise ValueError("columns of different lengths")
        tag_col = [names[i] for i in tags]
        table = dict(zip(words, zip(freqs, tag_col, strict=True), strict=True))
        prefix = dict(zip(words, freqs, strict=True))
        prefix.update(dict.fromkeys(fragments, 0))
    except (KeyError, TypeError, ValueError, IndexError, AttributeError) as err:
        log.warning("ignoring the damaged pre-built jieba dictionary %s (%s); `make models` rebuilds it", prebuilt, err)
        return None
    log.debug("jieba dictionary %s from its pre-built form %s", source, prebuilt)
    return JiebaDictionary(source, table, prefix, data["total"])


def main(argv: list[str] | None = None) -> int:
    """``python -m pipeline.text.jieba_dict OUT_DIR``: write the pre-built form of jieba's dictionary (make models)."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        sys.stderr.write("usage: python -m pipeline.text.jieba_dict OUT_DIR\n")
        return 2
    target = write_prebuilt(default_dictionary_path(), Path(args[0]))
    sys.stdout.write(f"jieba dictionary → {target}\n")
    return 0


__all__ = [
    "PREBUILT_FORMAT",
    "JiebaDictionary",
    "default_dictionary_path",
    "default_prebuilt_path",
    "jieba_dictionary",
    "load_prebuilt",
    "read_dictionary",
    "write_prebuilt",
]

if __name__ == "__main__":
    raise SystemExit(main())
