"""Clauses of a document that state a policy action, coded with field and policy tool (policy_tools.csv).

Clause splitting: sentences, long ones cut at a comma before a new predicate; headings skipped.
"""

from __future__ import annotations

import itertools
import re

from pipeline.learn.policy_tools import NONE, PolicyToolModel
from pipeline.model import Clause, Document

_SENT_END = "。！？；!?;"
_COMMA = "，,"
# A clause after a comma that opens with one of these starts a new predicate (a new policy action).
_PREDICATES = tuple(
    (
        "建立 建设 实施 推进 推动 开展 设立 成立 组建 加强 加大 完善 落实 支持 鼓励 引导 组织 提供 给予 安排 实行 "
        "推行 探索 创新 健全 构建 打造 培育 发展 扶持 发放 设置 制定 出台 印发 坚持 强化 整合 统筹 优化 提升 "
        "扩大 落地 对接 采取 采用 通过 依托 利用 吸纳 带动 聘请 选派 派驻 培训 实现 促进 深化 规范 严格 明确 "
        "全面 积极 大力 着力 重点 持续 切实 进一步 对 由 按照 将 把 每年 每户 每人 同时"
    ).split()
)
_ENUM_RE = re.compile(
    r"^\s*(?:[(（]?[一二三四五六七八九十\d]{1,3}[)）、.．]|[①-⑳]|第[一二三四五六七八九十]+[，,、是])\s*"
)
_MIN_CLAUSE = 6
_LONG = 60


def _is_heading_line(line: str) -> bool:
    """A short line without sentence punctuation (a title, heading, byline or caption)."""
    t = line.strip()
    return len(t) <= 40 and not any(c in t for c in _SENT_END + _COMMA + "：:")


def _is_title_line(line: str, titles: set[str]) -> bool:
    """An article title or heading line, possibly with a kicker the structure stage trimmed (``[栏目]标题``)."""
    t = line.strip()
    return t in titles or (not any(c in t for c in _SENT_END) and any(h in t for h in titles if len(h) >= 6))


def _content_len(s: str) -> int:
    return sum(1 for c in s if not c.isspace() and c not in '，,、：:“”"《》()（）')


def _split_long(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Split a long sentence at commas where the next piece opens with a predicate."""
    cuts = [start]
    for i in range(start, end):
        if text[i] not in _COMMA:
            continue
        nxt = text[i + 1 : i + 6].lstrip()
        if i - cuts[-1] >= 15 and end - i >= 15 and nxt.startswith(_PREDICATES):
            cuts.append(i + 1)
    cuts.append(end)
    return [(a, b) for a, b in itertools.pairwise(cuts)]


def _sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Sentence spans (trimmed) of ``text[start:end]``: split at 。！？； and line breaks."""
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    s = start
    for i in range(start, end + 1):
        if i == end or text[i] == "\n" or text[i] in _SENT_END or (text[i] == "." and _is_period(text, i)):
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


def _is_period(text: str, i: int) -> bool:
    """An ASCII full stop that ends a sentence (not a decimal point or an enumerator like ``1.``)."""
    prev = text[i - 1] if i > 0 else ""
    nxt = text[i + 1] if i + 1 < len(text) else ""
    return not (prev.isdigit() or nxt.isdigit() or (nxt and nxt.isascii() and nxt.isalpha()))


def split_clauses(doc: Document) -> list[tuple[int, int]]:
    """Clause spans (normalized offsets): sentences, long ones cut at a comma before a new predicate.

    Headings (short unpunctuated lines) and bits under ``_MIN_CLAUSE`` content characters are skipped.
    A leading enumerator (``（一）``, ``1.``) is left out of the span.
    """
    text = doc.text or doc.raw_text
    titles = {a.title.strip() for a in doc.articles if a.title.strip()}
    titles |= {s.heading.strip() for a in doc.articles for s in a.sections if s.heading.strip()}
    out: list[tuple[int, int]] = []
    line_start = 0
    for line in text.split("\n"):
        ls, le = line_start, line_start + len(line)
        line_start = le + 1
        if not line.strip() or _is_heading_line(line) or _is_title_line(line, titles):
            continue
        for a, b in _sentences(text, ls, le):
            m = _ENUM_RE.match(text, a, b)
            if m and m.end() < b:
                a = m.end()
            pieces = _split_long(text, a, b) if b - a > _LONG else [(a, b)]
            for pa, pb in pieces:
                while pa < pb and text[pa].isspace():
                    pa += 1
                if _content_len(text[pa:pb]) >= _MIN_CLAUSE:
                    out.append((pa, pb))
    return out


def _section_path(doc: Document, pos: int) -> tuple[int | None, str]:
    """(article index, heading path ``一、主要做法 > （一）…``) of normalized position ``pos``."""
    for art in doc.articles:
        if art.start <= pos < art.end:
            heads = sorted((s for s in art.sections if s.start <= pos < s.end), key=lambda s: (s.level, s.start))
            return art.index, " > ".join(s.heading.strip() for s in heads if s.heading.strip())
    return None, ""


def code_clauses(doc: Document, model: PolicyToolModel) -> list[Clause]:
    """The clauses that state a policy action, coded (a clause the model codes ``none`` is left out)."""
    text = doc.text or doc.raw_text
    spans = split_clauses(doc)
    if not spans:
        return []
    preds = model.predict([text[a:b] for a, b in spans])
    out: list[Clause] = []
    for (a, b), p in zip(spans, preds, strict=True):
        if p["tool"] == NONE:
            continue
        art, section = _section_path(doc, a)
        out.append(
            Clause(
                mention=doc.mention(a, b, "CLAUSE", model.source, text=text[a:b]),
                field=p["field"],
                tool=p["tool"],
                sub_tool=p["sub_tool"],
                confidence=p["confidence"],
                article=art,
                section=section,
            )
        )
    return out
