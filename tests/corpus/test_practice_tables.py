"""Comparison tables: compare_practices, tool × county crosstab, co-occurrence matrix."""

from __future__ import annotations

import pytest

from pipeline.corpus.practice_tables import (
    COMPARE_COLUMNS,
    UNKNOWN_COUNTY,
    compare_practices,
    cooccurrence,
    policy_tools_crosstab,
)
from pipeline.learn.policy_tools import SUB_TOOLS, TOOLS

DOCS = [
    {"doc_id": "d1", "county_code": "520328", "county": "湄潭县"},
    {"doc_id": "d2", "county_code": "371323", "county": "沂水县"},
    {"doc_id": "d3", "county_code": "", "county": ""},
]
MEASURES = [
    {"doc_id": "d1", "county_code": "520328", "name": "社社联建", "kind": "program", "components": ""},
    {"doc_id": "d1", "county_code": "520328", "name": "社社联建", "kind": "program", "components": ""},
    {"doc_id": "d2", "county_code": "", "name": "社社联建", "kind": "slogan", "components": ""},
    {"doc_id": "d2", "county_code": "371323", "name": "三位一体", "kind": "slogan", "components": "县 | 镇 | 村"},
]
LINKS = [
    {
        "doc_id": "d1",
        "practice": "社社联建",
        "relation": "has_outcome",
        "indicator": "累计发放产业贷款",
        "value": 48243100.0,
        "unit": "元",
    },
    {
        "doc_id": "d1",
        "practice": "社社联建",
        "relation": "has_outcome",
        "indicator": "覆盖率",
        "value": 35.5,
        "unit": "%",
    },
    {
        "doc_id": "d1",
        "practice": "社社联建",
        "relation": "has_outcome",
        "indicator": "覆盖率",
        "value": 35.5,
        "unit": "%",
    },
]


def test_compare_practices_rows() -> None:
    classes = {"社社联建": {"field": "金融", "tool": "环境型", "sub_tool": "金融支持"}}
    rows, cols = compare_practices(MEASURES, LINKS, DOCS, {"社社联建": "社社联建", "三位一体": "三位一体"}, classes)
    assert cols == COMPARE_COLUMNS
    by = {r["practice"]: r for r in rows}
    r = by["社社联建"]
    assert r["counties"] == "湄潭县; 沂水县" and r["n_counties"] == 2 and r["n_docs"] == 2
    assert r["outcomes"] == "累计发放产业贷款 48243100元; 覆盖率 35.5%" and r["n_outcomes"] == 2
    assert (r["kind"], r["field"], r["policy_tool"], r["sub_tool"]) == ("program", "金融", "环境型", "金融支持")
    t = by["三位一体"]
    assert t["policy_tool"] == "" and t["outcomes"] == "" and t["n_outcomes"] == 0 and t["counties"] == "沂水县"
    assert rows[0]["practice"] == "社社联建"  # most documents first
    assert all(set(r) == set(cols) for r in rows)


def test_crosstab_counts_and_shares() -> None:
    clauses = [
        {"doc_id": "d1", "tool": "供给型", "sub_tool": "资金投入"},
        {"doc_id": "d1", "tool": "环境型", "sub_tool": "金融支持"},
        {"doc_id": "d1", "tool": "环境型", "sub_tool": "组织建设"},
        {"doc_id": "d2", "tool": "需求型", "sub_tool": "示范推广"},
        {"doc_id": "d3", "tool": "需求型", "sub_tool": "市场塑造"},
        {"doc_id": "d3", "tool": "none", "sub_tool": "none"},
    ]
    rows, cols = policy_tools_crosstab(clauses, DOCS)
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
    assert policy_tools_crosstab([], DOCS)[0] == []


TEXTS = {
    "d1": "推行社社联建和三位一体。\n社社联建发放贷款。",
    "d2": "三位一体责任机制。\n社社联建、三位一体同步推进。",
}


@pytest.mark.parametrize(("unit", "both", "solo"), [("paragraph", 2, 4), ("document", 2, 2)])
def test_cooccurrence_matrix(unit: str, both: int, solo: int) -> None:
    rows, cols = cooccurrence(MEASURES, TEXTS, unit=unit)
    assert cols[0] == "practice" and set(cols[1:]) == {"社社联建", "三位一体"}
    m = {r["practice"]: r for r in rows}
    assert m["社社联建"]["三位一体"] == m["三位一体"]["社社联建"] == both
    assert m["社社联建"]["社社联建"] == solo - (unit == "paragraph") * 1
    for a in cols[1:]:
        for b in cols[1:]:
            assert m[a][b] <= min(m[a][a], m[b][b])


def test_cooccurrence_rejects_unknown_unit() -> None:
    with pytest.raises(ValueError, match="unit"):
        cooccurrence(MEASURES, TEXTS, unit="sentence")
