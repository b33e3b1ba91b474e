"""Comparison tables across counties: one row per focal county, one cell per canonical indicator.

Only reported figures fill a cell (``status == actual``: never a target, projection or supposition), and a
per-unit amount has its own column (``农民人均可支配收入(元/人)``, ``分红(元/户)``) apart from the total
(``分红(元)``), so a per-household amount never lands in a total's cell. A figure read from a table's sum row
or column (合计, 总计) is marked (``table_total``) in the long table, apart from the table's data rows."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from pipeline.learn.indicators import Indicator, IndicatorMapper
from pipeline.lexicon import lazy_pattern
from pipeline.model import DocResult, Figure

# A figure read from a document table: pipeline.extract.figures.SOURCE_TABLE, spelled here so the write phase
# never imports the extractor's module (it loads jieba); tests/corpus/test_compare_import.py keeps the two alike.
SOURCE_TABLE = "figures.table"

# A table's sum row (合计 | 1200) or column (… | 合计): its label opens or closes the figure's indicator.
_TABLE_TOTAL = lazy_pattern("^(?:{words})|(?:{words})$", "table_totals")


@dataclass
class CountyComparison:
    """A focal county with, per canonical indicator column, the figure that fills the cell."""

    adcode: str
    county: str
    province: str
    prefecture: str
    n_docs: int = 0
    cells: dict[str, Figure] = field(default_factory=dict)


def column_of(ind: Indicator, per: str) -> str:
    """The column a figure of canonical indicator ``ind`` fills: ``名称(单位)``, or ``名称(单位/per)`` per unit."""
    return f"{ind.name}({ind.unit}/{per})" if per else ind.column


def table_total(f: Figure) -> bool:
    """A figure read from a document table's sum row or column (合计, 总计 …), not from one of its data rows."""
    return f.mention.source == SOURCE_TABLE and bool(_TABLE_TOTAL.search(f.indicator.strip()))


def comparable(f: Figure, mapper: IndicatorMapper) -> Indicator | None:
    """The canonical indicator of a figure that may fill a comparison cell: a reported (actual) figure whose
    ``indicator_std`` names an indicator of the vocabulary with the figure's unit; None otherwise."""
    if f.status != "actual" or not f.indicator_std:
        return None
    ind = mapper.by_name.get(f.indicator_std)
    if ind is None or f.unit not in ind.units:
        return None
    return ind


def compare_counties(results: Sequence[DocResult], mapper: IndicatorMapper) -> tuple[list[CountyComparison], list[str]]:
    """Rows per focal county (adcode order) and the indicator columns used, in vocabulary order.

    Each cell holds the newest dated figure of that county and indicator (the first one read on ties), so
    a researcher can check it against its document and offsets. Cells take only actual figures, keyed by their
    ``indicator_std`` and, for per-unit amounts, their ``per`` (a column of its own after the total's).
    """
    table = CountyTable(mapper)
    for r in results:
        table.add(r)
    return table.finish()


class CountyTable:
    """:func:`compare_counties` one result at a time (``add``), then ``finish``: one pass over the results."""

    def __init__(self, mapper: IndicatorMapper) -> None:
        self.mapper = mapper
        self.counties: dict[str, CountyComparison] = {}
        self.n_docs: dict[str, int] = defaultdict(int)
        # the best figure of every (county code, column), a focal county's or not: the focal counties are known
        # once every document has been read (``finish`` keeps theirs)
        self.best: dict[tuple[str, str], Figure] = {}

    def add(self, r: DocResult) -> None:
        counties, best = self.counties, self.best
        for p in r.places:
            if p.level == "county" and p.focal and p.adcode not in counties:
                counties[p.adcode] = CountyComparison(p.adcode, p.canonical, p.province, p.prefecture)
        for code in r.county_code.split(";"):
            if code:
                self.n_docs[code] += 1
        for f in r.figures:
            ind = comparable(f, self.mapper)
            if ind is None:
                continue
            key = (f.county_code.split(";")[0], column_of(ind, f.per))
            if key not in best or f.date > best[key].date:
                best[key] = f

    def finish(self) -> tuple[list[CountyComparison], list[str]]:
        counties = self.counties
        best = {key: f for key, f in self.best.items() if key[0] in counties}
        used = {col for _, col in best}
        pers = sorted({f.per for f in best.values() if f.per})
        vocab = self.mapper.vocab.indicators
        ordered = [c for i in vocab for c in (column_of(i, p) for p in ("", *pers)) if c in used]
        rows = []
        for code, row in sorted(counties.items()):
            row.n_docs = self.n_docs.get(code, 0)
            row.cells = {col: best[(code, col)] for col in ordered if (code, col) in best}
            rows.append(row)
        return rows, ordered
