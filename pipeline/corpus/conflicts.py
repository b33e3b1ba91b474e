"""Conflicting figures: the same indicator for the same county and date reported with different values.

Two figures conflict when their indicators have the same core (scope words such as 全县/实现/辖 stripped),
they share unit, county (or, when their county is unknown, the document) and date, and their values differ by a
little (at most ``max_rel_diff``): a large gap almost always means two different scopes (all cooperatives vs.
pilot cooperatives), not a conflict.

A conflict is reported once per pair of distinct values, with every document that gives each value: ten copies
of a report that says 263 and 261 make one conflict (its documents listed), not 45 or 100.

Bounded: a group (county, indicator core, unit, date) with up to ``ALL_PAIRS_UP_TO`` distinct values reports
every pair of them (real corpora: two or three values); a group with more (hundreds of recombined copies of one
report with varied numbers) reports each other value once, against the group's most-reported value (given by
the most documents; the first seen on a tie), so its rows grow with its values, not their square. Every row
says how many distinct values its group has (``n_values``) and how it was paired (``compared``: ``pair`` or
``most_reported``). The work is linear in the figures plus at most ``ALL_PAIRS_UP_TO``² per group.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from pipeline.lexicon import lazy_pattern
from pipeline.model import DocResult, Figure
from pipeline.text.numerals import format_value

_SCOPE = lazy_pattern("^(?:{words})+", "scope_words")
ALL_PAIRS_UP_TO = 8  # distinct values of a group up to which every pair is a row
PAIR, MOST_REPORTED = "pair", "most_reported"  # the ``compared`` of a row


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
    n_values: int = 2  # distinct values of the group
    compared: str = PAIR  # PAIR: one of every pair; MOST_REPORTED: ``a`` is the group's most-reported value

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
    first appearance (``a`` is the value seen first), each with the documents that give it; for a group of more
    than ``ALL_PAIRS_UP_TO`` values, one per other value against the most-reported one (``a``)."""
    finder = ConflictFinder(max_rel_diff)
    for r in results:
        finder.add(r)
    if finder.settle():  # a second read only when some pair is reported
        for r in results:
            finder.collect(r)
    return finder.finish()


Where = tuple[int, int]  # (the result's place in the pass, the figure's index in it)
Found = tuple[str, str, str, str, Where, Where, list[str], list[str], int, str]


class _Rows:
    """A conflict finder's rows: one per eligible figure, a column per field (machine numbers, not objects)."""

    def __init__(self) -> None:
        self.county, self.core, self.unit, self.date = array("i"), array("i"), array("i"), array("i")
        self.value = array("d")
        self.pos, self.idx, self.doc = array("i"), array("i"), array("i")


class ConflictFinder:
    """:func:`find_conflicts` one result at a time: ``add`` each result (one pass), ``settle`` (the pairs, from
    the values), ``collect`` each result again in the same order (a later pass: only the figures of the pairs
    reported are kept), then ``finish``. A value's first figure is kept as its place (result, figure), not the
    figure: holding a figure for every distinct value of the corpus grew the run's memory with the corpus.

    Compact (memory grows with the figures, 36 bytes each): ``add`` keeps one row of numbers per eligible
    figure in arrays (its group's four parts as codes of strings kept once, its value, its place, its document's
    code), not a dict of dicts per group; ``settle`` sorts the rows by group (stable: the rows of a group in the
    order they were read) and walks each group's rows as the dicts did, in order of first appearance."""

    def __init__(self, max_rel_diff: float = 0.2) -> None:
        self.max_rel_diff = max_rel_diff
        self._codes: list[dict[str, int]] = [{}, {}, {}, {}]  # county, core, unit, date -> code
        self._docs: dict[str, int] = {}  # doc_id -> code
        self._rows = _Rows()
        self._added = self._collected = 0
        self.found: list[Found] = []
        self._wanted: dict[Where, None] = {}
        self._places: set[int] = set()
        self._figures: dict[Where, Figure] = {}

    def add(self, r: DocResult) -> None:
        rows, pos = self._rows, self._added
        county_codes, core_codes, unit_codes, date_codes = self._codes
        docs = self._docs
        self._added += 1
        for idx, f in enumerate(r.figures):
            core = core_indicator(f.indicator)
            if len(core) < 2 or f.unit in ("%", "个百分点", "倍") or f.status != "actual":
                continue  # a target or projection never conflicts with what was reported
            # a figure of no known county conflicts only with its own document: two documents about unknown
            # counties are not about the same county (and would pair every such document with every other)
            county = f.county_code or f"doc:{f.mention.doc_id}"
            unit = f.unit + (f"/{f.per}" if f.per else "")
            rows.county.append(county_codes.setdefault(county, len(county_codes)))
            rows.core.append(core_codes.setdefault(core, len(core_codes)))
            rows.unit.append(unit_codes.setdefault(unit, len(unit_codes)))
            rows.date.append(date_codes.setdefault(f.date, len(date_codes)))
            rows.value.append(_value(f))
            rows.pos.append(pos)
            rows.idx.append(idx)
            rows.doc.append(docs.setdefault(f.mention.doc_id, len(docs)))

    def _groups(self) -> Iterator[tuple[tuple[str, str, str, str], dict[float, tuple[Where, dict[str, None]]]]]:
        """Each group (county, core, unit, date) with two rows or more, in order of first appearance, with its
        values in order of first appearance: value -> (its first figure's place, its documents in order)."""
        import numpy as np

        rows = self._rows
        n = len(rows.value)
        if n < 2:
            return
        parts = [np.frombuffer(col, dtype=np.intc) for col in (rows.county, rows.core, rows.unit, rows.date)]
        keys: list[Any] = [np.arange(n), *parts[::-1]]  # the last is the first sort key
        order = np.lexsort(keys)  # by county, core, unit, date, then row: stable
        change = np.zeros(n, dtype=bool)  # a row whose group is not the one of the row before it (sorted)
        change[0] = True
        for part in parts:
            keyed = part[order]
            change[1:] |= keyed[1:] != keyed[:-1]
        del parts, keyed
        starts = np.flatnonzero(change).tolist()
        runs = [(int(order[a]), a, b) for a, b in zip(starts, [*starts[1:], n], strict=True) if b - a > 1]
        del change, starts
        runs.sort()  # groups in order of their first row (the first appearance)
        names = [list(codes) for codes in self._codes]
        doc_ids = list(self._docs)
        value, pos, idx, doc = rows.value, rows.pos, rows.idx, rows.doc
        for first, a, b in runs:
            values: dict[float, tuple[Where, dict[str, None]]] = {}
            for i in order[a:b].tolist():
                v = value[i]
                if v not in values:
                    values[v] = ((pos[i], idx[i]), {})
                values[v][1][doc_ids[doc[i]]] = None
            key = rows.county[first], rows.core[first], rows.unit[first], rows.date[first]
            yield (names[0][key[0]], names[1][key[1]], names[2][key[2]], names[3][key[3]]), values

    def settle(self) -> bool:
        """The pairs to report, from the values seen; the rows are let go. True when a figure must be
        collected."""
        max_rel_diff = self.max_rel_diff
        found = self.found
        for (county, core, unit, date), values in self._groups():
            county = "" if county.startswith("doc:") else county
            distinct = list(values.items())
            n = len(distinct)
            if n <= ALL_PAIRS_UP_TO:
                pairs = [(x, y) for i, x in enumerate(distinct) for y in distinct[i + 1 :]]
                compared = PAIR
            else:  # the first value with the most documents, against every other (in order of first appearance)
                top = max(range(n), key=lambda i: (len(distinct[i][1][1]), -i))
                pairs = [(distinct[top], y) for i, y in enumerate(distinct) if i != top]
                compared = MOST_REPORTED
            for (va, (a, docs_a)), (vb, (b, docs_b)) in pairs:
                if max(abs(va), abs(vb)) == 0 or abs(va - vb) / max(abs(va), abs(vb)) > max_rel_diff:
                    continue
                found.append((county, core, unit, date, a, b, list(docs_a), list(docs_b), n, compared))
        self._rows, self._codes, self._docs = _Rows(), [{}, {}, {}, {}], {}
        self._wanted = {w: None for row in found for w in (row[4], row[5])}
        self._places = {pos for pos, _ in self._wanted}
        return bool(self._wanted)

    def collect(self, r: DocResult) -> None:
        pos = self._collected
        self._collected += 1
        if pos in self._places:
            wanted = self._wanted
            self._figures.update(((pos, idx), f) for idx, f in enumerate(r.figures) if (pos, idx) in wanted)

    def finish(self) -> list[Conflict]:
        figure = self._figures
        return [
            Conflict(county, core, unit, date, figure[a], figure[b], docs_a, docs_b, n, compared)
            for county, core, unit, date, a, b, docs_a, docs_b, n, compared in self.found
        ]
