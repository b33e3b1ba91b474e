"""Comparison tables across counties, built from the contract rows."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from pipeline.learn.indicators import IndicatorMapper

Row = Mapping[str, Any]
COMPARE_BASE_COLUMNS = ("adcode", "county", "province", "prefecture", "n_docs")


def compare_counties(
    documents: Iterable[Row], places: Iterable[Row], figures: Iterable[Row], mapper: IndicatorMapper
) -> tuple[list[dict[str, Any]], list[str]]:
    """One row per focal county, one column per canonical indicator; the newest dated value wins.

    Returns the rows and the column order. Each value cell has a companion ``… source`` cell naming the
    document and offsets it came from, so a researcher can check it.
    """
    counties: dict[str, dict[str, Any]] = {}
    for p in places:
        if p.get("level") == "county" and str(p.get("focal", "")).lower() == "true":
            counties.setdefault(
                str(p["adcode"]),
                {
                    "adcode": str(p["adcode"]),
                    "county": p.get("canonical", ""),
                    "province": p.get("province", ""),
                    "prefecture": p.get("prefecture", ""),
                },
            )
    n_docs: dict[str, int] = defaultdict(int)
    for d in documents:
        for code in str(d.get("county_code", "")).split(";"):
            if code:
                n_docs[code] += 1
    best: dict[tuple[str, str], tuple[str, Row]] = {}
    for f in figures:
        code = str(f.get("county_code", "")).split(";")[0]
        if code not in counties:
            continue
        ind = mapper.map(str(f.get("indicator", "")), str(f.get("unit", "")))
        if ind is None:
            continue
        key = (code, ind.column)
        date = str(f.get("date", ""))
        if key not in best or date > best[key][0]:
            best[key] = (date, f)
    columns_used = {col for _, col in best}
    ordered = [i.column for i in mapper.vocab.indicators if i.column in columns_used]
    rows = []
    for code, info in sorted(counties.items()):
        row: dict[str, Any] = {**info, "n_docs": n_docs.get(code, 0)}
        for col in ordered:
            if (code, col) in best:
                date, f = best[(code, col)]
                row[col] = f.get("value", "")
                row[f"{col} date"] = date
                row[f"{col} source"] = f"{f.get('doc_id')}:{f.get('start')}-{f.get('end')}"
        rows.append(row)
    columns = [*COMPARE_BASE_COLUMNS]
    for col in ordered:
        columns += [col, f"{col} date", f"{col} source"]
    return rows, columns
