"""Conflicting figures: the same indicator for the same county and date reported with different values.

Two figures conflict when their indicators have the same core (scope words such as 全县/实现/辖 stripped),
they share unit, county (or, when their county is unknown, the document) and date, and their values differ by a
little (at most ``max_rel_diff``): a large gap almost always means two different scopes (all cooperatives vs.
pilot cooperatives), not a conflict.

A conflict is reported once per pair of distinct values, with every document that gives each value: ten copies
of a report that says 263 and 261 make one conflict (its documents listed), not 45 or 100. The work is linear
in the figures plus quadratic only in the distinct values of one indicator, county and date (a handful).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from pipeline.lexicon import lazy_pattern
from pipeline.model import DocResult, Figure
from pipeline.text.numerals import format_value

_SCOPE = lazy_pattern("^(?:{words})+", "scope_words")


@dataclass
class Conflict:
    """Two figures of one county, indicator core, unit and date whose values differ a little."""

    county_code: str
    indicator: str  # the indicator's core
    unit: str
    date: str
    a: Figure  # the first figure with value a
    b: Figure  # the first figure with value b
    docs_a: list[str] = field(default_factory=list)  # every document giving value a, in order of first appearance
    docs_b: list[str] = field(default_factory=list)

    @property
    def value_a(self) -> float:
        return _value(self.a)

    @property
    def value_b(self) -> float:
        return _value(self.b)


def _value(f: Figure) -> float:
    """The value as the tables print it (no float noise)."""
    return float(format_value(f.value))


def core_indicator(indicator: str) -> str:
    return _SCOPE.sub("", indicator.strip())


def find_conflicts(results: Sequence[DocResult], max_rel_diff: float = 0.2) -> list[Conflict]:
    """One conflict per pair of distinct values of a (county, indicator core, unit, date), values in order of
    first appearance (``a`` is the value seen first), each with the documents that give it."""
    groups: dict[tuple[str, str, str, str], dict[float, tuple[Figure, dict[str, None]]]] = defaultdict(dict)
    for r in results:
        for f in r.figures:
            core = core_indicator(f.indicator)
            if len(core) < 2 or f.unit in ("%", "个百分点", "倍") or f.status != "actual":
                continue  # a target or projection never conflicts with what was reported
            # a figure of no known county conflicts only with its own document: two documents about unknown
            # counties are not about the same county (and would pair every such document with every other)
            county = f.county_code or f"doc:{f.mention.doc_id}"
            values = groups[(county, core, f.unit + (f"/{f.per}" if f.per else ""), f.date)]
            v = _value(f)
            if v not in values:
                values[v] = (f, {})
            values[v][1][f.mention.doc_id] = None
    out = []
    for (county, core, unit, date), values in groups.items():
        county = "" if county.startswith("doc:") else county
        distinct = list(values.items())
        for i, (va, (a, docs_a)) in enumerate(distinct):
            for vb, (b, docs_b) in distinct[i + 1 :]:
                if max(abs(va), abs(vb)) == 0 or abs(va - vb) / max(abs(va), abs(vb)) > max_rel_diff:
                    continue
                out.append(Conflict(county, core, unit, date, a, b, list(docs_a), list(docs_b)))
    return out
