"""Conflicting figures: the same indicator for the same county and date reported with different values.

Two figures conflict when their indicators have the same core (scope words such as 全县/实现/辖 stripped),
they share unit, county and date, and their values differ by a little (at most ``max_rel_diff``): a large
gap almost always means two different scopes (all cooperatives vs. pilot cooperatives), not a conflict.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations

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
    a: Figure
    b: Figure

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
    groups: dict[tuple[str, str, str, str], list[Figure]] = defaultdict(list)
    for r in results:
        for f in r.figures:
            core = core_indicator(f.indicator)
            if len(core) < 2 or f.unit in ("%", "个百分点", "倍") or f.status != "actual":
                continue  # a target or projection never conflicts with what was reported
            groups[(f.county_code, core, f.unit + (f"/{f.per}" if f.per else ""), f.date)].append(f)
    out = []
    for (county, core, unit, date), figs in groups.items():
        for a, b in combinations(figs, 2):
            va, vb = _value(a), _value(b)
            if va == vb or max(abs(va), abs(vb)) == 0:
                continue
            if abs(va - vb) / max(abs(va), abs(vb)) > max_rel_diff:
                continue
            out.append(Conflict(county, core, unit, date, a, b))
    return out
