"""Practices coded as a whole: each practice's bundle of text (name, components, the sentences that mention it)
gets one field and policy tool."""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from typing import Any

from pipeline.learn.policy_tools import PolicyToolModel
from pipeline.model import DocResult
from pipeline.text.chars import SENT_END_RE


def sentence_ends(text: str) -> array[int]:
    """Where ``text``'s sentence ends are (``SENT_END`` and line breaks), ascending: one scan of the text, then
    each mention's sentence is two bisections (``_mention_sentences``) instead of a search per end character
    both ways."""
    return array("q", (m.start() for m in SENT_END_RE.finditer(text)))


def _mention_sentences(name: str, text: str, limit: int = 6, ends: Sequence[int] | None = None) -> list[str]:
    """Up to ``limit`` sentences of ``text`` that mention ``name``; ``ends``: ``sentence_ends(text)`` when
    known (a document's several names share it)."""
    out: list[str] = []
    pos = text.find(name)
    if pos < 0:
        return out
    if ends is None:
        ends = sentence_ends(text)
    while pos >= 0 and len(out) < limit:
        i = bisect_left(ends, pos)  # the sentence opens after the last end before the name
        a = ends[i - 1] + 1 if i else 0
        j = bisect_left(ends, pos + len(name), i)  # and closes at the first end after it
        b = ends[j] + 1 if j < len(ends) else len(text)
        sent = text[a:b].strip()
        if sent and sent not in out:
            out.append(sent)
        pos = text.find(name, b)
    return out


def practice_contexts(results: Sequence[DocResult], skip_kinds: Iterable[str] = ()) -> dict[str, list[str]]:
    """Practice name -> its name, components and the sentences that mention it in its documents."""
    ctx = PracticeContexts(skip_kinds)
    for r in results:
        ctx.add(r)
    return ctx.kept


class PracticeContexts:
    """:func:`practice_contexts` one result at a time (``add``): ``every`` with no kind skipped (what
    :func:`classify_practices` pools) and ``kept`` without the measures of ``skip_kinds`` (what the similarity
    compares), both from one pass, each document's sentences about a name found once."""

    def __init__(self, skip_kinds: Iterable[str] = ()) -> None:
        self.skip = set(skip_kinds)
        self.every: dict[str, list[str]] = {}
        self.kept: dict[str, list[str]] = {} if self.skip else self.every
        self._seen: dict[int, set[str]] = {}  # id of a context -> its texts (no scan of the list per text)

    def add(self, r: DocResult) -> None:
        found: dict[str, list[str]] = {}  # name -> its sentences in this document
        ends: array[int] | None = None  # the document's sentence ends, found once when a name needs them
        for m in r.measures:
            name = m.name.strip()
            if not name:
                continue
            comps = "，".join(m.components)
            sents = found.get(name)
            if sents is None:
                if ends is None and name in r.doc.text:
                    ends = sentence_ends(r.doc.text)
                sents = found[name] = _mention_sentences(name, r.doc.text, ends=ends)
            for ctx in [self.every] if m.kind in self.skip or not self.skip else [self.every, self.kept]:
                bucket = ctx.get(name)
                if bucket is None:
                    bucket = ctx[name] = [name]
                    self._seen[id(bucket)] = {name}
                seen = self._seen[id(bucket)]
                for text in [comps, *sents] if comps else sents:
                    if text not in seen:
                        seen.add(text)
                        bucket.append(text)

    def finish(self) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
        """``every`` and ``kept``, once every result is in (the sets that kept each context's texts unique go)."""
        self._seen = {}
        return self.every, self.kept


def classify_practices(results: Sequence[DocResult], model: PolicyToolModel) -> dict[str, dict[str, Any]]:
    """Practice name -> {field, tool, sub_tool, confidence}, pooled over its name, components and sentences.

    Policy documents are coded too (their titles say what they regulate); every practice gets a tool.
    """
    return classify_contexts(practice_contexts(results), model)


def classify_contexts(ctx: dict[str, list[str]], model: PolicyToolModel) -> dict[str, dict[str, Any]]:
    """:func:`classify_practices` of the contexts :class:`PracticeContexts` gathered (``every``)."""
    preds = model.predict_pooled_many(list(ctx.values()), force=True)  # one batch for the whole corpus
    return {
        name: {k: p[k] for k in ("field", "tool", "sub_tool", "confidence")} for name, p in zip(ctx, preds, strict=True)
    }
