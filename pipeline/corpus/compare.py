"""Comparison tables across counties: one row per focal county, one cell per canonical indicator."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from pipeline.learn.indicators import IndicatorMapper
from pipeline.model import DocResult, Figure


@dataclass
class CountyComparison:
    """A focal county with, per canonical indicator column, the figure that fills the cell."""

    adcode: str
    county: str
    province: str
    prefecture: str
    n_docs: int = 0
    cells: dict[str, Figure] = field(default_factory=dict)


def compare_counties(results: Sequence[DocResult], mapper: IndicatorMapper) -> tuple[list[CountyComparison], list[str]]:
    """Rows per focal county (adcode order) and the indicator columns used, in vocabulary order.

    Each cell holds the newest dated figure of that county and indicator (the first one read on ties), so
    a researcher can check it against its document and offsets.
    """
    counties: dict[str, CountyComparison] = {}
    for r in results:
        for p in r.places:
            if p.level == "county" and p.focal and p.adcode not in counties:
                counties[p.adcode] = CountyComparison(p.adcode, p.canonical, p.province, p.prefecture)
    n_docs: dict[str, int] = defaultdict(int)
    for r in results:
        for code in r.county_code.split(";"):
            if code:
                n_docs[code] += 1
    best: dict[tuple[str, str], Figure] = {}
    for r in results:
        for f in r.figures:
            code = f.county_code.split(";")[0]
            if code not in counties:
                continue
            ind = mapper.map(f.indicator, f.unit)
            if ind is None:
                continue
            key = (code, ind.column)
            if key not in best or f.date > best[key].date:
                best[key] = f
    used = {col for _, col in best}
    ordered = [i.column for i in mapper.vocab.indicators if i.column in used]
    rows = []
    for code, row in sorted(counties.items()):
        row.n_docs = n_docs.get(code, 0)
        row.cells = {col: best[(code, col)] for col in ordered if (code, col) in best}
        rows.append(row)
    return rows, ordered
