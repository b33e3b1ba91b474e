"""Data classes shared by every stage; provenance (doc_id, page, raw offsets) is carried on all of them.

Standard library only, so every stage (and every test) can import it cheaply.
"""

from __future__ import annotations

import bisect
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields
from operator import attrgetter
from typing import Any

# Document status values (documents.csv `status`).
STATUS_OK = "ok"
STATUS_PARTIAL = "partial"
STATUS_FAILED = "failed"

# Script values (documents.csv `script`).
SCRIPT_SIMPLIFIED = "simplified"
SCRIPT_TRADITIONAL = "traditional"
SCRIPT_MIXED = "mixed"

# Section roles assigned from headings.
ROLES = ("做法", "成效", "问题", "建议", "启示", "背景")


_FIELD_GETTERS: dict[type, Any] = {}


class _Compact:
    """Pickling support for the record classes: a record pickles as its class and the tuple of its field values,
    and loads by calling the class with them (one C-level call per record, instead of the slots dataclass's
    ``__setstate__`` looping over the fields in Python): about half the load time and a quarter fewer bytes of a
    kept result (``pipeline.io.spill``, ``pipeline.io.cache``). Shared records (a Link's Figure, also in
    ``figures``) stay shared: pickle memoizes what a reduce makes."""

    __slots__ = ()

    def __reduce__(self) -> tuple[type, tuple[Any, ...]]:
        cls = type(self)
        get = _FIELD_GETTERS.get(cls)
        if get is None:
            get = _FIELD_GETTERS[cls] = attrgetter(*(f.name for f in fields(cls)))  # type: ignore[arg-type]
        return cls, get(self)


class OffsetMap:
    """Maps each character of a normalized text to the raw span it came from.

    Like pdfplumber's ``TextMap``: ``starts[i]``/``ends[i]`` is the half-open raw span that produced
    normalized character ``i``. A 1:1 edit (t2s of one char) keeps per-char spans; an n:m edit gives
    every new character the whole old span, so any normalized span maps back to a raw span that,
    normalized again, yields it. Inserted characters get a zero-width span at their anchor, which
    keeps ``to_raw`` total (the design sketch's ``-1`` would need a special case at every caller).
    """

    __slots__ = ("ends", "raw_len", "starts")

    def __init__(self, starts: Sequence[int], ends: Sequence[int], raw_len: int) -> None:
        if len(starts) != len(ends):
            raise ValueError("OffsetMap: starts and ends differ in length")
        self.starts = array("q", starts)
        self.ends = array("q", ends)
        self.raw_len = raw_len

    @classmethod
    def identity(cls, n: int) -> OffsetMap:
        """Each character its own raw span: ``starts`` 0..n-1, and ``ends`` 1..n copied from them shifted by one
        (a memory copy, not a second array of Python ints)."""
        new = cls.__new__(cls)
        new.starts = array("q", range(n))
        new.ends = new.starts[1:]
        if n:
            new.ends.append(n)
        new.raw_len = n
        return new

    def __len__(self) -> int:
        return len(self.starts)

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, OffsetMap)
            and self.starts == other.starts
            and self.ends == other.ends
            and self.raw_len == other.raw_len
        )

    def __repr__(self) -> str:
        return f"OffsetMap(n={len(self)}, raw_len={self.raw_len})"

    def to_raw(self, start: int, end: int) -> tuple[int, int]:
        """Raw half-open span covering normalized ``[start, end)``."""
        n = len(self.starts)
        if not 0 <= start <= end <= n:
            raise IndexError(f"span [{start}, {end}) outside normalized text of length {n}")
        if start == end:
            pos = self.starts[start] if start < n else self.raw_len
            return pos, pos
        return min(self.starts[start:end]), max(self.ends[start:end])

    def raw_pos(self, i: int) -> int:
        """Raw position of normalized position ``i`` (``i == len`` maps to the raw end)."""
        return self.starts[i] if i < len(self.starts) else self.raw_len

    def from_raw(self, raw_start: int, raw_end: int) -> tuple[int, int]:
        """Smallest normalized span whose characters all come from inside raw ``[raw_start, raw_end)``.

        Used to find, say, the normalized text of a PDF page. Assumes the map is monotone, which every
        normalizer here keeps (edits never reorder text).
        """
        lo = bisect.bisect_left(self.starts, raw_start)
        hi = bisect.bisect_left(self.ends, raw_end + 1, lo=lo)
        return lo, max(lo, hi)


class KeptSpans(OffsetMap):
    """The raw spans of a few normalized spans (a document's sections), kept when a processed document's full map
    is dropped (``pipeline.io.docfiles.slim``): ``to_raw`` answers for those spans only and raises for any other."""

    __slots__ = ("n", "spans")

    def __init__(self, spans: dict[tuple[int, int], tuple[int, int]], n: int, raw_len: int) -> None:
        super().__init__((), (), raw_len)
        self.spans, self.n = spans, n

    def __len__(self) -> int:
        return self.n

    def __eq__(self, other: object) -> bool:
        return isinstance(other, KeptSpans) and (self.spans, self.n, self.raw_len) == (
            other.spans,
            other.n,
            other.raw_len,
        )

    def __repr__(self) -> str:
        return f"KeptSpans({len(self.spans)} spans, n={self.n}, raw_len={self.raw_len})"

    def to_raw(self, start: int, end: int) -> tuple[int, int]:
        try:
            return self.spans[(start, end)]
        except KeyError:
            raise IndexError(
                f"span [{start}, {end}) was not kept when the document's offset map was dropped: take raw offsets "
                "before pipeline.io.docfiles.slim"
            ) from None

    def raw_pos(self, i: int) -> int:
        raise IndexError("the offset map was dropped (pipeline.io.docfiles.slim): only section spans were kept")

    def from_raw(self, raw_start: int, raw_end: int) -> tuple[int, int]:
        raise IndexError("the offset map was dropped (pipeline.io.docfiles.slim): only section spans were kept")


@dataclass(frozen=True)
class Edit:
    """Replace ``text[start:end]`` with ``replacement`` (coordinates of the text being edited)."""

    start: int
    end: int
    replacement: str = ""


def apply_edits(text: str, omap: OffsetMap, edits: Iterable[Edit]) -> tuple[str, OffsetMap]:
    """Apply non-overlapping edits and compose the offset map, so raw offsets survive any chain."""
    ordered = sorted(edits, key=lambda e: (e.start, e.end))
    parts: list[str] = []
    starts = array("q")
    ends = array("q")
    pos = 0
    for e in ordered:
        if e.start < pos or e.end < e.start or e.end > len(text):
            raise ValueError(f"overlapping or out-of-range edit {e!r} (text length {len(text)})")
        parts.append(text[pos : e.start])
        starts.extend(omap.starts[pos : e.start])
        ends.extend(omap.ends[pos : e.start])
        n_old, n_new = e.end - e.start, len(e.replacement)
        if n_new:
            parts.append(e.replacement)
            if n_new == n_old:
                starts.extend(omap.starts[e.start : e.end])
                ends.extend(omap.ends[e.start : e.end])
            elif n_old:
                s, t = omap.to_raw(e.start, e.end)
                starts.extend([s] * n_new)
                ends.extend([t] * n_new)
            else:
                anchor = omap.raw_pos(e.start)
                starts.extend([anchor] * n_new)
                ends.extend([anchor] * n_new)
        pos = e.end
    parts.append(text[pos:])
    starts.extend(omap.starts[pos:])
    ends.extend(omap.ends[pos:])
    new = OffsetMap.__new__(OffsetMap)
    new.starts, new.ends, new.raw_len = starts, ends, omap.raw_len
    return "".join(parts), new


@dataclass(slots=True)
class Section(_Compact):
    """A heading-delimited part of an article; offsets into the normalized text."""

    article: int
    path: str  # e.g. "2.1" — position in the heading hierarchy
    heading: str
    level: int
    role: str  # one of ROLES or ""
    start: int
    end: int


@dataclass(slots=True)
class Article(_Compact):
    """One article of a file that may hold several; offsets into the normalized text."""

    index: int
    start: int
    end: int
    title: str = ""
    authors: list[str] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)


@dataclass(slots=True)
class Document(_Compact):
    """A source file: text as extracted (``raw_text``), pages, and normalized ``text`` with its map."""

    doc_id: str
    source: str
    format: str
    raw_text: str = ""
    page_starts: list[int] = field(default_factory=list)  # raw offsets where pages begin; [] if unpaged
    text: str = ""
    offsets: OffsetMap | None = None
    script: str = SCRIPT_SIMPLIFIED
    status: str = STATUS_OK
    error: str = ""
    error_code: str = ""  # the pipeline.errors.Errors code of ``error`` (E001…), "" when none
    title: str = ""
    articles: list[Article] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    tables: list[Table] = field(default_factory=list)

    @property
    def n_pages(self) -> int:
        return len(self.page_starts)

    def page_of_raw(self, raw_offset: int) -> int | None:
        """1-based page of a raw offset, None for unpaged sources."""
        if not self.page_starts:
            return None
        return max(1, bisect.bisect_right(self.page_starts, raw_offset))

    def to_raw(self, start: int, end: int) -> tuple[int, int]:
        """Raw span of a normalized span (identity before normalization)."""
        if self.offsets is None:
            return start, end
        return self.offsets.to_raw(start, end)

    def mention(self, start: int, end: int, label: str, source: str, text: str | None = None) -> Mention:
        """A Mention over normalized ``[start, end)`` with raw offsets and page filled in."""
        rs, re_ = self.to_raw(start, end)
        return Mention(
            doc_id=self.doc_id,
            start=start,
            end=end,
            raw_start=rs,
            raw_end=re_,
            page=self.page_of_raw(rs),
            label=label,
            text=self.text[start:end] if text is None else text,
            raw=self.raw_text[rs:re_],
            source=source,
        )


@dataclass(slots=True)
class Table(_Compact):
    """A table found on a PDF page: rows of cell strings, with the raw span its text occupies."""

    page: int
    rows: list[list[str]]
    raw_start: int = -1
    raw_end: int = -1
    caption: str = ""


@dataclass(slots=True)
class Mention(_Compact):
    """A span of a document produced by a named rule or model (``source``)."""

    doc_id: str
    start: int  # normalized offsets
    end: int
    raw_start: int  # offsets into outputs/text/{doc_id}.txt
    raw_end: int
    page: int | None
    label: str
    text: str  # normalized (simplified) text
    raw: str  # raw_text[raw_start:raw_end]
    source: str


@dataclass(slots=True)
class Place(_Compact):
    mention: Mention
    name: str
    canonical: str
    adcode: str
    level: str
    province: str = ""
    prefecture: str = ""
    focal: bool = False
    mentions: int = 1


@dataclass(slots=True)
class Figure(_Compact):
    """A reported quantity: value in its base unit, what it measures, when; ``county_code``/``county`` and
    ``article`` say whose figure it is (set by the attribution component)."""

    mention: Mention
    value: float
    unit: str
    indicator: str
    date: str = ""
    qualifier: str = ""
    sentence: str = ""
    county_code: str = ""
    county: str = ""
    article: int | None = None
    # Set by the qualify component (extract/qualify.py): canonical indicator, per-unit denominator (户均 → 户),
    # actual | target | projected | hypothetical, and the upper end of a range (20—40% → 40).
    indicator_std: str = ""
    per: str = ""
    status: str = "actual"
    value_high: float | None = None


@dataclass(slots=True)
class Measure(_Compact):
    """A formula (slogan), program, loan product, policy document or organization named in the text."""

    mention: Mention
    name: str
    kind: str  # slogan | program | loan_product | policy_document | organization
    declared_count: int | None = None
    components: list[str] = field(default_factory=list)
    county_code: str = ""
    county: str = ""
    article: int | None = None
    aliases: list[str] = field(default_factory=list)  # other spellings of the same practice (name is canonical)


@dataclass(slots=True)
class Link(_Compact):
    """Practice → outcome: ``practice`` achieved ``figure``; ``evidence`` is the supporting sentence."""

    practice: Measure
    figure: Figure
    relation: str  # achieved
    rule: str  # the rule that made the link (rule:same_sentence …)
    evidence: Mention
    role: str = ""  # the role of the section holding the figure (成效 …), "" when none


@dataclass(slots=True)
class Clause(_Compact):
    """A clause that states a policy action, coded with field and policy tool (policy_tools.csv)."""

    mention: Mention
    field: str
    tool: str
    sub_tool: str
    confidence: float
    article: int | None = None
    section: str = ""  # heading path: 一、主要做法 > （一）…
    county_code: str = ""


@dataclass(slots=True)
class DocResult(_Compact):
    """Everything extracted from one document, as typed records (rows are made only by ``pipeline.io``)."""

    doc: Document
    places: list[Place] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    measures: list[Measure] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    clauses: list[Clause] = field(default_factory=list)
    review_html: str = ""
    seconds: float = 0.0
    prepare_seconds: float = 0.0  # the share of ``seconds`` spent normalizing and structuring (the bench's split)
    # Set when the result is slimmed (pipeline.io.docfiles.slim: its text and review page written, then dropped):
    # the length of the raw text and whether a review page was written; None / False on a whole result.
    text_chars: int | None = None
    review_written: bool = False

    @property
    def n_chars(self) -> int:
        """Characters of the raw text (documents.csv ``n_chars``), also once the text is dropped."""
        return len(self.doc.raw_text) if self.text_chars is None else self.text_chars

    @property
    def has_review(self) -> bool:
        """Whether the document has a review page (in ``review_html``, or written before it was dropped)."""
        return bool(self.review_html) or self.review_written

    @property
    def focal(self) -> list[Place]:
        """The county (or counties) the document is about."""
        return [p for p in self.places if p.focal]

    @property
    def county_code(self) -> str:
        return ";".join(p.adcode for p in self.focal)

    @property
    def county(self) -> str:
        return ";".join(p.canonical for p in self.focal)

    @property
    def sections(self) -> list[tuple[Article, Section]]:
        return [(art, sec) for art in self.doc.articles for sec in art.sections]
