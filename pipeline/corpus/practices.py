"""Practices coded as a whole: each practice's bundle of text (name, components, the sentences that mention it)
gets one field and policy tool."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from pipeline.learn.policy_tools import PolicyToolModel
from pipeline.model import DocResult
from pipeline.text.chars import SENT_END

_SENT_END = SENT_END


def _mention_sentences(name: str, text: str, limit: int = 6) -> list[str]:
    """Up to ``limit`` sentences of ``text`` that mention ``name``."""
    out: list[str] = []
    pos = text.find(name)
    while pos >= 0 and len(out) < limit:
        a = max(text.rfind(c, 0, pos) for c in _SENT_END + "\n") + 1
        ends = [e for c in _SENT_END + "\n" if (e := text.find(c, pos + len(name))) >= 0]
        b = min(ends) + 1 if ends else len(text)
        sent = text[a:b].strip()
        if sent and sent not in out:
            out.append(sent)
        pos = text.find(name, b)
    return out


def practice_contexts(results: Sequence[DocResult], skip_kinds: Iterable[str] = ()) -> dict[str, list[str]]:
    """Practice name -> its name, components and the sentences that mention it in its documents."""
    skip = set(skip_kinds)
    ctx: dict[str, list[str]] = {}
    for r in results:
        for m in r.measures:
            name = m.name.strip()
            if not name or m.kind in skip:
                continue
            bucket = ctx.setdefault(name, [name])
            comps = "，".join(m.components)
            if comps and comps not in bucket:
                bucket.append(comps)
            for s in _mention_sentences(name, r.doc.text):
                if s not in bucket:
                    bucket.append(s)
    return ctx


def classify_practices(results: Sequence[DocResult], model: PolicyToolModel) -> dict[str, dict[str, Any]]:
    """Practice name -> {field, tool, sub_tool, confidence}, pooled over its name, components and sentences.

    Policy documents are coded too (their titles say what they regulate); every practice gets a tool.
    """
    ctx = practice_contexts(results)
    preds = model.predict_pooled_many(list(ctx.values()), force=True)  # one batch for the whole corpus
    return {
        name: {k: p[k] for k in ("field", "tool", "sub_tool", "confidence")} for name, p in zip(ctx, preds, strict=True)
    }
