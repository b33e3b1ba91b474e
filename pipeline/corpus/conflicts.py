"""Conflicting figures: the same indicator for the same county and date reported with different values.

Two figures conflict when their indicators have the same core (scope words such as 全县/实现/辖 stripped),
they share unit, county and date, and their values differ by a little (at most ``max_rel_diff``): a large
gap almost always means two different scopes (all cooperatives vs. pilot cooperatives), not a conflict.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from itertools import combinations
from typing import Any

from pipeline.lexicon import lazy_pattern

Row = Mapping[str, Any]
_SCOPE = lazy_pattern("^(?:{words})+", "scope_words")
CONFLICT_COLUMNS = (
    "county_code", "indicator", "unit", "date", "value_a", "value_b", "doc_a", "start_a", "end_a", "raw_a",
    "doc_b", "start_b", "end_b", "raw_b", "sentence_a", "sentence_b",
)  # fmt: skip


def core_indicator(indicator: str) -> str:
    return _SCOPE.sub("", indicator.strip())


def find_conflicts(figures: Iterable[Row], max_rel_diff: float = 0.2) -> list[dict[str, Any]]:
    groups: dict[tuple[str, str, str, str], list[Row]] = defaultdict(list)
    for f in figures:
        core = core_indicator(str(f.get("indicator", "")))
        if len(core) < 2 or str(f.get("unit")) in ("%", "个百分点", "倍"):
            continue
        groups[(str(f.get("county_code", "")), core, str(f.get("unit", "")), str(f.get("date", "")))].append(f)
    rows = []
    for (county, core, unit, date), figs in groups.items():
        for a, b in combinations(figs, 2):
            va, vb = float(a["value"]), float(b["value"])
            if va == vb or max(abs(va), abs(vb)) == 0:
                continue
            if abs(va - vb) / max(abs(va), abs(vb)) > max_rel_diff:
                continue
            rows.append(
                {
                    "county_code": county,
                    "indicator": core,
                    "unit": unit,
                    "date": date,
                    "value_a": va,
                    "value_b": vb,
                    "doc_a": a["doc_id"],
                    "start_a": a["start"],
                    "end_a": a["end"],
                    "raw_a": a.get("raw", ""),
                    "doc_b": b["doc_id"],
                    "start_b": b["start"],
                    "end_b": b["end"],
                    "raw_b": b.get("raw", ""),
                    "sentence_a": a.get("sentence", ""),
                    "sentence_b": b.get("sentence", ""),
                    "doc_id": a["doc_id"],
                }
            )
    return rows
