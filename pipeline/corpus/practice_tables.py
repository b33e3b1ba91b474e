"""Summaries over practices and coded clauses: what a researcher pivots in Excel or loads in Gephi.

Builders return typed summaries; ``pipeline.io.rows`` turns them into table rows.
"""

from __future__ import annotations

import logging
from array import array
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pipeline.learn.policy_tools import NONE, TOOLS, UNCODED
from pipeline.model import DocResult

log = logging.getLogger(__name__)

UNKNOWN_COUNTY = "(未识别)"


@dataclass
class PracticeSummary:
    """One practice across the corpus: its kind, family, coding, counties and linked outcomes."""

    practice: str
    kind: str
    family: str
    policy_field: str = ""  # the field column
    policy_tool: str = ""
    sub_tool: str = ""
    counties: list[str] = field(default_factory=list)  # county names (adcode when the name is unknown)
    n_docs: int = 0
    outcomes: list[str] = field(default_factory=list)  # 累计发放产业贷款 48243100元


@dataclass
class ToolCounts:
    """Clause counts per policy tool and sub-tool for one county (``total`` marks the 合计 row)."""

    county_code: str
    county: str
    n_docs: int
    counts: Counter[str]
    total: bool = False

    @property
    def n_clauses(self) -> int:
        return sum(self.counts[t] for t in TOOLS)


@dataclass
class Cooccurrence:
    """Square practice × practice counts of units (paragraphs or documents) naming both."""

    unit: str
    terms: list[str]
    counts: Counter[tuple[str, str]]

    @property
    def label(self) -> str:
        """What a cell counts, as the UCINET file names its matrix: ``paragraphs_naming_both``."""
        return f"{self.unit}s_naming_both"


@dataclass(frozen=True)
class PracticePair:
    """A weighted practice – practice edge: the number of units (paragraphs) naming both."""

    source: str
    target: str
    weight: int
    unit: str


def fmt_value(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:g}"


def _county_names(results: Sequence[DocResult]) -> tuple[dict[str, str], dict[str, str]]:
    """(doc_id -> county_code, county_code -> county name) of the documents."""
    names = CountyNames()
    for r in results:
        names.add(r)
    return names.doc_county, names.names


class CountyNames:
    """Each document's county code (the last result of a doc_id wins) and each county's name (its first), one
    result at a time: a first pass, before :class:`PracticeSummaries` and :class:`ToolCrosstab` read the results."""

    def __init__(self) -> None:
        self.doc_county: dict[str, str] = {}
        self.names: dict[str, str] = {}

    def add(self, r: DocResult) -> None:
        code = r.county_code
        self.doc_county[r.doc.doc_id] = code
        if code and r.county:
            self.names.setdefault(code, r.county)


def compare_practices(
    results: Sequence[DocResult], families: Mapping[str, str], classes: Mapping[str, Mapping[str, Any]]
) -> list[PracticeSummary]:
    """One summary per practice, most widely reported first: family, field and policy tool, the counties and
    documents that report it, and the outcomes it achieved (links with relation ``achieved``)."""
    names = CountyNames()
    for r in results:
        names.add(r)
    summaries = PracticeSummaries(names)
    for r in results:
        summaries.add(r)
    return summaries.finish(families, classes)


def _add_doc(docs: dict[str, str | set[str]], key: str, doc_id: str) -> None:
    """``doc_id`` into ``key``'s doc_ids: a string while it is the only one, then a set."""
    got = docs.get(key)
    if got is None:
        docs[key] = doc_id
    elif isinstance(got, str):
        if got != doc_id:
            docs[key] = {got, doc_id}
    else:
        got.add(doc_id)


def _n_docs(got: str | set[str]) -> int:
    return 1 if isinstance(got, str) else len(got)


class PracticeSummaries:
    """:func:`compare_practices` one result at a time (``add``), then ``finish``: a pass after the documents'
    counties are known (``names``: :class:`CountyNames` over every result)."""

    def __init__(self, names: CountyNames) -> None:
        self.names = names
        self.kinds: dict[str, Counter[str]] = defaultdict(Counter)
        # a name's doc_ids: the one doc_id while there is one (most names: a 1-element set costs 216 bytes)
        self.docs: dict[str, str | set[str]] = {}
        self.counties: dict[str, list[str]] = defaultdict(list)
        self.outcomes: dict[str, list[str]] = defaultdict(list)

    def add(self, r: DocResult) -> None:
        doc_county = self.names.doc_county
        for m in r.measures:
            name = m.name.strip()
            if not name:
                continue
            self.kinds[name][m.kind] += 1
            _add_doc(self.docs, name, r.doc.doc_id)
            code = m.county_code or doc_county.get(r.doc.doc_id, "")
            if code and code not in self.counties[name]:
                self.counties[name].append(code)
        for lk in r.links:
            if lk.relation != "achieved":
                continue  # a baseline or a target is not what the practice achieved
            name = lk.practice.name.strip()
            ind = lk.figure.indicator.strip()
            if not name or not ind:
                continue
            item = f"{ind} {fmt_value(lk.figure.value)}{lk.figure.unit}".strip()
            if item not in self.outcomes[name]:
                self.outcomes[name].append(item)

    def finish(self, families: Mapping[str, str], classes: Mapping[str, Mapping[str, Any]]) -> list[PracticeSummary]:
        kinds, docs, county_name = self.kinds, self.docs, self.names.names
        out = []
        for name in sorted(kinds, key=lambda n: (-_n_docs(docs[n]), n)):
            c = classes.get(name, {})
            out.append(
                PracticeSummary(
                    practice=name,
                    kind=kinds[name].most_common(1)[0][0],
                    family=families.get(name, name),
                    policy_field=c.get("field", ""),
                    policy_tool=c.get("tool", "") if c.get("tool") != NONE else "",
                    sub_tool=c.get("sub_tool", "") if c.get("sub_tool") != NONE else "",
                    counties=[county_name.get(k, k) for k in self.counties[name]],
                    n_docs=_n_docs(docs[name]),
                    outcomes=self.outcomes[name],
                )
            )
        return out


def policy_tools_crosstab(results: Sequence[DocResult]) -> list[ToolCounts]:
    """Counties × policy tools: clause counts per tool and sub-tool (and of 未编码 clauses, which are not in the
    shares), then a 合计 row. Documents without a county are pooled under ``(未识别)``."""
    names = CountyNames()
    for r in results:
        names.add(r)
    tab = ToolCrosstab(names)
    for r in results:
        tab.add(r)
    return tab.finish()


class ToolCrosstab:
    """:func:`policy_tools_crosstab` one result at a time (``add``), then ``finish``: a pass after the documents'
    counties are known (``names``: :class:`CountyNames` over every result)."""

    def __init__(self, names: CountyNames) -> None:
        self.names = names
        self.counts: dict[str, Counter[str]] = defaultdict(Counter)
        self.ndocs: dict[str, set[str]] = defaultdict(set)

    def add(self, r: DocResult) -> None:
        for c in r.clauses:
            if c.tool not in TOOLS and c.tool != UNCODED:
                continue
            code = self.names.doc_county.get(r.doc.doc_id, "")
            self.counts[code][c.tool] += 1
            if c.tool != UNCODED:
                self.counts[code][c.sub_tool] += 1
            self.ndocs[code].add(r.doc.doc_id)

    def finish(self) -> list[ToolCounts]:
        counts, ndocs, county_name = self.counts, self.ndocs, self.names.names
        rows = [
            ToolCounts(code, county_name.get(code, code) if code else UNKNOWN_COUNTY, len(ndocs[code]), counts[code])
            for code in sorted(counts, key=lambda k: (k == "", k))
        ]
        if rows:
            total: Counter[str] = Counter()
            for per_county in counts.values():
                total.update(per_county)
            rows.append(ToolCounts("", "合计", len(set().union(*ndocs.values())), total, total=True))
        return rows


def _paragraphs(text: str) -> list[str]:
    return [p for p in text.split("\n") if p.strip()]


def name_finder(names: Iterable[str]) -> Callable[[str], set[str]]:
    """A function giving the ``names`` that occur in a text as substrings (overlaps included), in one pass over
    the text whatever the number of names (Aho-Corasick): ``{n for n in names if n in text}``."""
    import ahocorasick

    auto = ahocorasick.Automaton()
    for n in names:
        if n:
            auto.add_word(n, n)
    if not len(auto):
        return lambda text: set()
    auto.make_automaton()
    return lambda text: {n for _, n in auto.iter(text)}


def cooccurrence(results: Sequence[DocResult], unit: str = "paragraph", max_terms: int = 150) -> Cooccurrence:
    """Practice × practice co-occurrence: cell = number of units (paragraphs, or documents with
    ``unit="document"``) mentioning both; the diagonal counts units mentioning one. A paragraph is a non-empty
    line of a document's normalized text; every practice name found anywhere in the corpus is looked for (as a
    substring) in every unit of every document, and a paragraph printed twice counts twice.

    Only practices seen in some text are kept, the ``max_terms`` most frequent of them.
    """
    if unit not in ("paragraph", "document"):
        raise ValueError(f"unit must be 'paragraph' or 'document', not {unit!r}")
    names = PracticeNames()
    for r in results:
        names.add(r)
    units = CooccurrenceUnits(names.names, unit)
    for r in results:  # a practice named in one document is looked for in every document: others may use it unnamed
        units.add(r)
    return units.finish(max_terms)


class PracticeNames:
    """The practice names of the corpus that :func:`cooccurrence` looks for (two characters or more), one result
    at a time: the first of its two passes."""

    def __init__(self) -> None:
        self.names: set[str] = set()

    def add(self, r: DocResult) -> None:
        for m in r.measures:
            name = m.name.strip()
            if len(name) >= 2:
                self.names.add(name)


class CooccurrenceUnits:
    """The second pass of :func:`cooccurrence`: the ``names`` found in each unit of each result (``add``), then
    the matrix (``finish``).

    Memory: a unit's names are kept as their codes (a name's rank among the sorted names, so codes sort as the
    names do) in one flat ``array`` (4 bytes a name; a set of strings per paragraph cost ~220 bytes and grew with
    the corpus: 34,010 units at 2,000 documents); the matrix is the same."""

    def __init__(self, names: Iterable[str], unit: str = "paragraph") -> None:
        if unit not in ("paragraph", "document"):
            raise ValueError(f"unit must be 'paragraph' or 'document', not {unit!r}")
        self.unit = unit
        self.names = sorted({n for n in names if n})
        self._find = _code_finder(self.names)
        self._codes = array("i")  # every unit's codes, ascending within a unit, one unit after another
        self._ends = array("q")  # where each unit's codes end in _codes

    def __len__(self) -> int:
        """The number of units that named some practice."""
        return len(self._ends)

    def add(self, r: DocResult) -> None:
        if not r.doc.text or self._find is None:
            return
        parts = _paragraphs(r.doc.text) if self.unit == "paragraph" else [r.doc.text]
        find, codes, ends = self._find, self._codes, self._ends
        for p in parts:
            hit = {c for _, c in find(p)}
            if hit:
                codes.extend(sorted(hit))
                ends.append(len(codes))

    def _units(self) -> Iterator[array[int]]:
        start = 0
        for end in self._ends:
            yield self._codes[start:end]
            start = end

    def finish(self, max_terms: int = 150) -> Cooccurrence:
        names = self.names
        freq: Counter[int] = Counter(self._codes)
        top = sorted(freq, key=lambda c: (-freq[c], c))[:max_terms]  # ties by name: codes sort as names do
        terms, keep = [names[c] for c in top], set(top)
        pair: Counter[tuple[str, str]] = Counter()
        for u in self._units():
            present = [names[c] for c in u if c in keep]  # ascending codes: sorted names
            for i, a in enumerate(present):
                pair[(a, a)] += 1
                for b in present[i + 1 :]:
                    pair[(a, b)] += 1
                    pair[(b, a)] += 1
        return Cooccurrence(self.unit, terms, pair)


def _code_finder(names: Sequence[str]) -> Callable[[str], Iterator[tuple[int, int]]] | None:
    """Aho-Corasick over ``names`` (non-empty, sorted): ``find(text)`` yields (end, code) of every occurrence, a
    code being the name's index in ``names``; ``None`` when there is no name."""
    if not names:
        return None
    import ahocorasick

    auto = ahocorasick.Automaton()
    for i, n in enumerate(names):
        auto.add_word(n, i)
    auto.make_automaton()
    return auto.iter


def cooccurrence_pairs(co: Cooccurrence | None) -> list[PracticePair]:
    """The co-occurrence matrix as an undirected edge list: each pair of practices once (the upper triangle, no
    diagonal), weighted by the units naming both; heaviest first."""
    if co is None:
        return []
    pairs = [
        PracticePair(a, b, co.counts[(a, b)], co.unit)
        for i, a in enumerate(co.terms)
        for b in co.terms[i + 1 :]
        if co.counts[(a, b)] > 0
    ]
    return sorted(pairs, key=lambda p: -p.weight)
