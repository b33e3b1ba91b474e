"""Comparison tables: compare_practices, tool × county crosstab, co-occurrence matrix (and their rows)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.corpus.build import CorpusResult
from pipeline.corpus.practice_tables import (
    UNKNOWN_COUNTY,
    compare_practices,
    cooccurrence,
    name_finder,
    policy_tools_crosstab,
)
from pipeline.io import rows as io_rows
from pipeline.io.schema import PRACTICE_COLUMNS, TOOLS_CROSSTAB_COLUMNS
from pipeline.learn.policy_tools import SUB_TOOLS, TOOLS
from pipeline.model import DocResult
from tests.records import clause, figure, link, measure, place, result

TEXTS = {
    "d1": "推行社社联建和三位一体。\n社社联建发放贷款。",
    "d2": "三位一体责任机制。\n社社联建、三位一体同步推进。",
}


def _results(clauses: dict[str, list] | None = None) -> list[DocResult]:
    clauses = clauses or {}
    ssl = measure("d1", "社社联建", county_code="520328")
    loans = figure("d1", "累计发放产业贷款", 48243100.0, "元")
    cover = figure("d1", "覆盖率", 35.5, "%")
    d1 = result(
        "d1",
        TEXTS["d1"],
        places=[place("d1", "520328", "湄潭县")],
        measures=[ssl, measure("d1", "社社联建", county_code="520328")],
        links=[link(ssl, loans), link(ssl, cover), link(ssl, cover)],
        clauses=clauses.get("d1", []),
    )
    d2 = result(
        "d2",
        TEXTS["d2"],
        places=[place("d2", "371323", "沂水县")],
        measures=[
            measure("d2", "社社联建", "slogan"),
            measure("d2", "三位一体", "slogan", county_code="371323", components=["县", "镇", "村"]),
        ],
        clauses=clauses.get("d2", []),
    )
    d3 = result("d3", clauses=clauses.get("d3", []))
    return [d1, d2, d3]


def test_compare_practices_rows() -> None:
    classes = {"社社联建": {"field": "金融", "tool": "环境型", "sub_tool": "金融支持"}}
    summaries = compare_practices(_results(), {"社社联建": "社社联建", "三位一体": "三位一体"}, classes)
    rows = io_rows.practice_rows(CorpusResult(practices=summaries))
    by = {r["practice"]: r for r in rows}
    r = by["社社联建"]
    assert r["counties"] == "湄潭县; 沂水县" and r["n_counties"] == 2 and r["n_docs"] == 2
    assert r["outcomes"] == "累计发放产业贷款 48243100元; 覆盖率 35.5%" and r["n_outcomes"] == 2
    assert (r["kind"], r["field"], r["policy_tool"], r["sub_tool"]) == ("program", "金融", "环境型", "金融支持")
    t = by["三位一体"]
    assert t["policy_tool"] == "" and t["outcomes"] == "" and t["n_outcomes"] == 0 and t["counties"] == "沂水县"
    assert rows[0]["practice"] == "社社联建"  # most documents first
    assert all(set(r) == set(PRACTICE_COLUMNS) for r in rows)


def test_crosstab_counts_and_shares() -> None:
    clauses = {
        "d1": [
            clause("d1", "供给型", "资金投入"),
            clause("d1", "环境型", "金融支持"),
            clause("d1", "环境型", "组织建设"),
        ],
        "d2": [clause("d2", "需求型", "示范推广")],
        "d3": [clause("d3", "需求型", "市场塑造"), clause("d3", "none", "none")],
    }
    rows = io_rows.crosstab_rows(CorpusResult(tools=policy_tools_crosstab(_results(clauses))))
    cols = list(TOOLS_CROSSTAB_COLUMNS)
    assert cols[:4] == ["county_code", "county", "n_docs", "n_clauses"] and set(SUB_TOOLS) <= set(cols)
    by = {r["county"]: r for r in rows}
    assert set(by) == {"湄潭县", "沂水县", UNKNOWN_COUNTY, "合计"}
    m = by["湄潭县"]
    assert (m["n_clauses"], m["供给型"], m["环境型"], m["需求型"]) == (3, 1, 2, 0)
    assert m["环境型_share"] == pytest.approx(66.67)
    assert by["合计"]["n_clauses"] == 5 and by["合计"]["n_docs"] == 3
    for r in rows:
        assert sum(r[f"{t}_share"] for t in TOOLS) == pytest.approx(100.0, abs=0.05)
        assert sum(r[s] for s in SUB_TOOLS) == r["n_clauses"]
    assert rows[-1]["county"] == "合计"


def test_crosstab_empty() -> None:
    assert policy_tools_crosstab(_results()) == []


@pytest.mark.parametrize(("unit", "both", "solo"), [("paragraph", 2, 4), ("document", 2, 2)])
def test_cooccurrence_matrix(unit: str, both: int, solo: int) -> None:
    rows, cols = io_rows.cooccurrence_table(CorpusResult(cooccurrence=cooccurrence(_results(), unit=unit)))
    assert cols[0] == "practice" and set(cols[1:]) == {"社社联建", "三位一体"}
    m = {r["practice"]: r for r in rows}
    assert m["社社联建"]["三位一体"] == m["三位一体"]["社社联建"] == both
    assert m["社社联建"]["社社联建"] == solo - (unit == "paragraph") * 1
    for a in cols[1:]:
        for b in cols[1:]:
            assert m[a][b] <= min(m[a][a], m[b][b])


def test_cooccurrence_rejects_unknown_unit() -> None:
    with pytest.raises(ValueError, match="unit"):
        cooccurrence(_results(), unit="sentence")


@pytest.mark.parametrize(("relation", "listed"), [("achieved", True), ("baseline", False), ("target", False)])
def test_only_achieved_links_are_outcomes(relation: str, listed: bool) -> None:
    from dataclasses import replace

    prac = measure("d9", "联户经营", county_code="520328")
    fig = figure("d9", "带动农户", 1200.0, "户")
    ln = replace(link(prac, fig), relation=relation)
    r = result("d9", "推行联户经营，带动农户1200户。", measures=[prac], links=[ln])
    (summary,) = compare_practices([r], {}, {})
    assert (summary.outcomes == ["带动农户 1200户"]) is listed


_ALPHABET = "社联建三位一体合作"


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.text(_ALPHABET, min_size=0, max_size=5), max_size=12),
    st.text(_ALPHABET + "，\n", max_size=60),
)
def test_name_finder_is_the_substring_test(names: list[str], text: str) -> None:
    """Aho-Corasick finds exactly the names that ``n in text`` finds, overlapping and nested ones included."""
    assert name_finder(names)(text) == {n for n in names if n and n in text}


def _old_cooccurrence(results: list[DocResult], unit: str, max_terms: int) -> tuple[list[str], dict]:
    """The implementation before issue 12: every practice tested against every paragraph."""
    from collections import Counter

    names = sorted({m.name.strip() for r in results for m in r.measures if len(m.name.strip()) >= 2})
    units = []
    for r in results:
        for p in [p for p in r.doc.text.split("\n") if p.strip()] if unit == "paragraph" else [r.doc.text]:
            if hit := {n for n in names if n in p}:
                units.append(hit)
    freq = Counter(n for u in units for n in u)
    terms = sorted(freq, key=lambda n: (-freq[n], n))[:max_terms]
    pair: Counter = Counter()
    for u in units:
        present = sorted(u & set(terms))
        for i, a in enumerate(present):
            pair[(a, a)] += 1
            for b in present[i + 1 :]:
                pair[(a, b)] += 1
                pair[(b, a)] += 1
    return terms, dict(pair)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(st.text(_ALPHABET, max_size=60), st.lists(st.text(_ALPHABET, max_size=4), max_size=4)), max_size=5
    ),
    st.sampled_from(["paragraph", "document"]),
    st.integers(1, 6),
)
def test_cooccurrence_as_before(docs: list[tuple[str, list[str]]], unit: str, max_terms: int) -> None:
    res = [
        result(f"d{i}", text.replace("一", "\n"), measures=[measure(f"d{i}", n) for n in names])
        for i, (text, names) in enumerate(docs)
    ]
    co = cooccurrence(res, unit=unit, max_terms=max_terms)
    assert (co.terms, dict(co.counts)) == _old_cooccurrence(res, unit, max_terms)


def test_cooccurrence_units_hold_codes_not_sets_per_paragraph() -> None:
    """Issue 12 (memory): a paragraph naming practices costs its names' 4-byte codes (and an 8-byte end), not a
    set of strings: 3,000 paragraphs naming three practices each hold under 30 bytes a paragraph."""
    import gc
    import tracemalloc

    from pipeline.corpus.practice_tables import CooccurrenceUnits

    text = "\n".join(f"第{i}段推行社社联建、三位一体和两先两后。" for i in range(300))
    docs = [result(f"d{i}", text) for i in range(10)]
    units = CooccurrenceUnits(["社社联建", "三位一体", "两先两后", "惠农贷"])
    units.add(docs[0])  # the arrays' first growth outside the count
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for r in docs[1:]:
            units.add(r)
        gc.collect()
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert len(units) == 3000
    assert held < 30 * 2700, held
    co = units.finish()
    assert co.terms == ["三位一体", "两先两后", "社社联建"] and co.counts[("三位一体", "社社联建")] == 3000
    assert ("惠农贷", "惠农贷") not in co.counts


@pytest.mark.parametrize(
    ("docs", "n_docs"),
    [(["d1"], 1), (["d1", "d1"], 1), (["d1", "d2"], 2), (["d1", "d2", "d1"], 2), (["d1", "d2", "d3", "d2"], 3)],
)
def test_practice_n_docs_counts_distinct_documents(docs: list[str], n_docs: int) -> None:
    """A name's documents are a doc_id while there is one, then a set: still the distinct documents."""
    res = [result(d, "联建", measures=[measure(d, "联建"), measure(d, "联建")]) for d in docs]
    (row,) = compare_practices(res, {}, {})
    assert (row.practice, row.n_docs) == ("联建", n_docs)


def test_practice_summaries_hold_no_set_per_single_document_name() -> None:
    """Issue 12 (memory): 2,000 names each in one document hold no 1-element set (216 bytes) each."""
    import gc
    import tracemalloc

    from pipeline.corpus.practice_tables import CountyNames, PracticeSummaries

    res = [result(f"d{i}", measures=[measure(f"d{i}", f"联建{i}")]) for i in range(2000)]
    summaries = PracticeSummaries(CountyNames())
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for r in res:
            summaries.add(r)
        gc.collect()
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert all(isinstance(d, str) for d in summaries.docs.values())
    # per name: its Counter of kinds, an empty county list and the dict slots (a set each would add 432 kB)
    assert held < 2000 * 400, held  # ~260 bytes a name now
    assert {s.n_docs for s in summaries.finish({}, {})} == {1}
