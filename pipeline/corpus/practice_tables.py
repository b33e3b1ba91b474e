"""Comparison tables over practices and coded clauses: what a researcher pivots in Excel or loads in Gephi.

Builders only (rows as dicts plus the column order); the integrator writes them with
``pipeline.io.writers.write_csv`` (UTF-8 with BOM).
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from pipeline.learn.policy_tools import NONE, SUB_TOOLS, TOOLS

log = logging.getLogger(__name__)

Rows = list[dict[str, Any]]

COMPARE_COLUMNS = [
    "practice",
    "kind",
    "family",
    "field",
    "policy_tool",
    "sub_tool",
    "counties",
    "n_counties",
    "n_docs",
    "outcomes",
    "n_outcomes",
]
UNKNOWN_COUNTY = "(未识别)"


def _fmt_value(v: Any) -> str:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return str(v or "")
    return str(int(f)) if f.is_integer() else f"{f:g}"


def _county_names(doc_rows: Sequence[Mapping[str, Any]]) -> tuple[dict[str, str], dict[str, str]]:
    """(doc_id -> county_code, county_code -> county name) from documents.csv rows."""
    doc_county: dict[str, str] = {}
    names: dict[str, str] = {}
    for d in doc_rows:
        code = str(d.get("county_code", "") or "")
        doc_county[str(d.get("doc_id", ""))] = code
        if code and d.get("county"):
            names.setdefault(code, str(d["county"]))
    return doc_county, names


def compare_practices(
    measure_rows: Sequence[Mapping[str, Any]],
    link_rows: Sequence[Mapping[str, Any]],
    doc_rows: Sequence[Mapping[str, Any]],
    families: Mapping[str, str],
    classes: Mapping[str, Mapping[str, Any]],
) -> tuple[Rows, list[str]]:
    """One row per practice: family, field and policy tool, the counties and documents that report it,
    and the outcomes the graph links to it (``累计发放产业贷款 48243100元; …``)."""
    doc_county, county_name = _county_names(doc_rows)
    kinds: dict[str, Counter[str]] = defaultdict(Counter)
    docs: dict[str, set[str]] = defaultdict(set)
    counties: dict[str, list[str]] = defaultdict(list)
    for r in measure_rows:
        name = str(r.get("name", "")).strip()
        if not name:
            continue
        kinds[name][str(r.get("kind", ""))] += 1
        doc_id = str(r.get("doc_id", ""))
        docs[name].add(doc_id)
        code = str(r.get("county_code", "") or "") or doc_county.get(doc_id, "")
        if code and code not in counties[name]:
            counties[name].append(code)
    outcomes: dict[str, list[str]] = defaultdict(list)
    for lk in link_rows:
        name = str(lk.get("practice", "")).strip()
        ind = str(lk.get("indicator", "") or "").strip()
        if not name or not ind:
            continue
        val = _fmt_value(lk.get("value", ""))
        item = f"{ind} {val}{lk.get('unit', '') or ''}".strip()
        if item not in outcomes[name]:
            outcomes[name].append(item)
    rows: Rows = []
    for name in sorted(kinds, key=lambda n: (-len(docs[n]), n)):
        c = classes.get(name, {})
        codes = counties[name]
        rows.append(
            {
                "practice": name,
                "kind": kinds[name].most_common(1)[0][0],
                "family": families.get(name, name),
                "field": c.get("field", ""),
                "policy_tool": c.get("tool", "") if c.get("tool") != NONE else "",
                "sub_tool": c.get("sub_tool", "") if c.get("sub_tool") != NONE else "",
                "counties": "; ".join(county_name.get(k, k) for k in codes),
                "n_counties": len(codes),
                "n_docs": len(docs[name]),
                "outcomes": "; ".join(outcomes[name]),
                "n_outcomes": len(outcomes[name]),
            }
        )
    return rows, list(COMPARE_COLUMNS)


def policy_tools_crosstab(
    clause_rows: Sequence[Mapping[str, Any]], doc_rows: Sequence[Mapping[str, Any]]
) -> tuple[Rows, list[str]]:
    """Counties × policy tools: clause counts per tool and sub-tool and each tool's share of the county's
    coded clauses (%), with a 合计 row. Documents without a county are pooled under ``(未识别)``."""
    doc_county, county_name = _county_names(doc_rows)
    subs = list(SUB_TOOLS)
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    ndocs: dict[str, set[str]] = defaultdict(set)
    for r in clause_rows:
        tool = str(r.get("tool", ""))
        if tool not in TOOLS:
            continue
        doc_id = str(r.get("doc_id", ""))
        code = doc_county.get(doc_id, "")
        counts[code][tool] += 1
        counts[code][str(r.get("sub_tool", ""))] += 1
        ndocs[code].add(doc_id)
    columns = ["county_code", "county", "n_docs", "n_clauses", *TOOLS, *(f"{t}_share" for t in TOOLS), *subs]

    def row(code: str, name: str, c: Counter[str], nd: int) -> dict[str, Any]:
        n = sum(c[t] for t in TOOLS)
        out: dict[str, Any] = {"county_code": code, "county": name, "n_docs": nd, "n_clauses": n}
        for t in TOOLS:
            out[t] = c[t]
            out[f"{t}_share"] = round(100.0 * c[t] / n, 2) if n else 0.0
        for s in subs:
            out[s] = c[s]
        return out

    rows = [
        row(code, county_name.get(code, code) if code else UNKNOWN_COUNTY, counts[code], len(ndocs[code]))
        for code in sorted(counts, key=lambda k: (k == "", k))
    ]
    if rows:
        total: Counter[str] = Counter()
        for c in counts.values():
            total.update(c)
        all_docs = set().union(*ndocs.values())
        rows.append(row("", "合计", total, len(all_docs)))
    return rows, columns


def _paragraphs(text: str) -> list[str]:
    return [p for p in text.split("\n") if p.strip()]


def cooccurrence(
    measure_rows: Sequence[Mapping[str, Any]],
    texts: Mapping[str, str],
    unit: str = "paragraph",
    max_terms: int = 150,
) -> tuple[Rows, list[str]]:
    """Square practice × practice matrix (UCINET/Gephi ``matrix`` CSV): cell = number of units (paragraphs,
    or documents with ``unit="document"``) mentioning both; the diagonal counts units mentioning one.

    Only practices seen in some text are kept, the ``max_terms`` most frequent of them.
    """
    if unit not in ("paragraph", "document"):
        raise ValueError(f"unit must be 'paragraph' or 'document', not {unit!r}")
    by_doc: dict[str, set[str]] = defaultdict(set)
    for r in measure_rows:
        name = str(r.get("name", "")).strip()
        if len(name) >= 2:
            by_doc[str(r.get("doc_id", ""))].add(name)
    all_names = sorted({n for ns in by_doc.values() for n in ns})
    units: list[set[str]] = []
    for text in texts.values():
        # a practice named in one document is looked for in every document: others may use it unnamed
        parts = _paragraphs(text) if unit == "paragraph" else [text]
        for p in parts:
            hit = {n for n in all_names if n in p}
            if hit:
                units.append(hit)
    freq: Counter[str] = Counter(n for u in units for n in u)
    terms = sorted(freq, key=lambda n: (-freq[n], n))[:max_terms]
    keep = set(terms)
    pair: Counter[tuple[str, str]] = Counter()
    for u in units:
        present = sorted(u & keep)
        for i, a in enumerate(present):
            pair[(a, a)] += 1
            for b in present[i + 1 :]:
                pair[(a, b)] += 1
                pair[(b, a)] += 1
    rows: Rows = [{"practice": a, **{b: pair[(a, b)] for b in terms}} for a in terms]
    return rows, ["practice", *terms]
