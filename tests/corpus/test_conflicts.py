from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.corpus.build import CorpusResult
from pipeline.corpus.conflicts import ALL_PAIRS_UP_TO, MOST_REPORTED, PAIR, core_indicator, find_conflicts
from pipeline.io.rows import conflict_rows
from pipeline.model import DocResult, Figure
from tests.records import figure, result


def _f(indicator: str, value: float, start: int, unit: str = "个", date: str = "") -> Figure:
    return figure("d", indicator, value, unit, start=start, end=start + 3, date=date, county_code="1")


@pytest.mark.parametrize(
    ("text", "core"), [("全县行政村", "行政村"), ("实现全县行政村", "行政村"), ("辖行政村", "行政村")]
)
def test_core_indicator(text: str, core: str) -> None:
    assert core_indicator(text) == core


@pytest.mark.parametrize(
    ("figs", "n"),
    [
        ([_f("行政村", 263, 0), _f("实现全县行政村", 261, 50)], 1),  # same thing, two values
        ([_f("行政村", 263, 0), _f("行政村", 263, 50)], 0),  # repeated, consistent
        ([_f("合作社", 278, 0), _f("合作社", 101, 50)], 0),  # different scopes, far apart
        ([_f("贫困户", 100, 0, "户", "2014"), _f("贫困户", 90, 50, "户", "2015")], 0),  # different dates
        ([_f("增长", 44.6, 0, "%"), _f("增长", 45.0, 50, "%")], 0),  # rates are not levels
    ],
)
def test_find_conflicts(figs: list[Figure], n: int) -> None:
    assert len(find_conflicts([result("d", figures=figs)])) == n


def test_conflict_keeps_both_figures() -> None:
    a, b = _f("行政村", 263, 0), _f("实现全县行政村", 261, 50)
    (c,) = find_conflicts([result("d", figures=[a]), result("e", figures=[b])])
    assert (c.a, c.b, c.value_a, c.value_b, c.indicator) == (a, b, 263.0, 261.0, "行政村")


def _old_find_conflicts(results: list[DocResult], max_rel_diff: float = 0.2) -> list[tuple[Figure, Figure]]:
    """The implementation before issue 12: every pair of figures (quadratic in the copies of a report)."""
    from collections import defaultdict
    from itertools import combinations

    from pipeline.corpus.conflicts import _value

    groups: dict[tuple[str, str, str, str], list[Figure]] = defaultdict(list)
    for r in results:
        for f in r.figures:
            core = core_indicator(f.indicator)
            if len(core) < 2 or f.unit in ("%", "个百分点", "倍") or f.status != "actual":
                continue
            county = f.county_code or f"doc:{f.mention.doc_id}"  # the one change besides the pairs: see below
            groups[(county, core, f.unit + (f"/{f.per}" if f.per else ""), f.date)].append(f)
    out = []
    for figs in groups.values():
        for a, b in combinations(figs, 2):
            va, vb = _value(a), _value(b)
            if va == vb or max(abs(va), abs(vb)) == 0 or abs(va - vb) / max(abs(va), abs(vb)) > max_rel_diff:
                continue
            out.append((a, b))
    return out


def test_copies_of_a_report_make_one_conflict() -> None:
    """N copies of a document with two distinct values: one row listing the N documents, not N*(2N-1) rows."""
    docs = [f"copy{i}" for i in range(300)]
    res = [
        result(
            d,
            figures=[
                figure(d, "行政村", 263, county_code="1"),
                figure(d, "全县行政村", 261, start=50, county_code="1"),
            ],
        )
        for d in docs
    ]
    assert len(_old_find_conflicts(res)) == 300 * 299 + 300  # what it was: quadratic in the copies
    (c,) = find_conflicts(res)
    assert (c.value_a, c.value_b, c.docs_a, c.docs_b) == (263.0, 261.0, docs, docs)
    (row,) = conflict_rows(CorpusResult(conflicts=[c]))
    assert row["docs_a"] == " | ".join(docs) and row["doc_id"] == "copy0" and row["doc_b"] == "copy0"


_VALUES = st.sampled_from([100.0, 101.0, 95.0, 60.0, 0.0, 100.5])
_FIG = st.tuples(
    st.sampled_from(["d1", "d2", "d3"]), st.sampled_from(["行政村", "全县行政村", "合作社", "村"]), _VALUES,
    st.sampled_from(["个", "户"]), st.sampled_from(["", "2015"]), st.sampled_from(["1", "2"]),
)  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(st.lists(_FIG, max_size=14))
def test_same_conflicts_as_before_once_per_pair_of_values(specs: list[tuple[str, str, float, str, str, str]]) -> None:
    """Every conflict the old pairwise search found is here, once per (group, unordered pair of values), with the
    first figure of each value and every document giving it; nothing else is found."""
    by_doc: dict[str, list[Figure]] = {}
    for i, (d, ind, v, unit, date, county) in enumerate(specs):
        by_doc.setdefault(d, []).append(figure(d, ind, v, unit, start=i * 10, date=date, county_code=county))
    res = [result(d, figures=fs) for d, fs in by_doc.items()]
    figs = [f for r in res for f in r.figures]
    new = find_conflicts(res)
    old = _old_find_conflicts(res)
    key = lambda a, b: (  # noqa: E731
        a.county_code or a.mention.doc_id,
        core_indicator(a.indicator),
        a.unit,
        a.date,
        frozenset({a.value, b.value}),
    )
    assert {key(c.a, c.b) for c in new} == {key(a, b) for a, b in old}
    assert len(new) == len({key(c.a, c.b) for c in new})  # once per pair of distinct values
    for c in new:
        same = [
            f
            for f in figs
            if (f.county_code or f.mention.doc_id, core_indicator(f.indicator), f.unit, f.date) == key(c.a, c.b)[:4]
        ]
        first = {v: next(f for f in same if f.value == v) for v in (c.a.value, c.b.value)}
        assert (c.a, c.b) == (first[c.a.value], first[c.b.value])
        assert figs.index(c.a) < figs.index(c.b)  # a is the value seen first
        for side, docs in ((c.a, c.docs_a), (c.b, c.docs_b)):
            assert docs == list(dict.fromkeys(f.mention.doc_id for f in same if f.value == side.value))


def test_unknown_county_conflicts_only_within_its_document() -> None:
    """Figures without a county: the same document disagreeing with itself is a conflict; two documents about
    unknown counties are not about the same county."""
    a = figure("d", "行政村", 263, start=0)
    b = figure("d", "行政村", 261, start=50)
    c = figure("e", "行政村", 262, start=0)
    (only,) = find_conflicts([result("d", figures=[a, b]), result("e", figures=[c])])
    assert (only.a, only.b, only.county_code, only.docs_a, only.docs_b) == (a, b, "", ["d"], ["d"])


def _group(values: list[float], copies: dict[float, int] | None = None) -> list[DocResult]:
    """One document per figure, all of one county, indicator, unit and date; ``copies`` repeats a value."""
    out = []
    for i, v in enumerate(values):
        for k in range((copies or {}).get(v, 1)):
            d = f"doc{i:03d}_{k}"
            out.append(result(d, figures=[figure(d, "建档立卡贫困户", v, "户", date="2015", county_code="1")]))
    return out


def test_up_to_the_bound_every_pair_of_values_is_a_row() -> None:
    values = [1000.0 + i for i in range(ALL_PAIRS_UP_TO)]
    got = find_conflicts(_group(values))
    n = ALL_PAIRS_UP_TO
    assert len(got) == n * (n - 1) // 2
    assert {(c.n_values, c.compared) for c in got} == {(n, PAIR)}
    assert {frozenset((c.value_a, c.value_b)) for c in got} == {
        frozenset((a, b)) for i, a in enumerate(values) for b in values[i + 1 :]
    }


def test_above_the_bound_each_value_is_a_row_against_the_most_reported_one() -> None:
    """300 distinct values of one group (recombined copies with varied numbers): 299 rows, not 44,850; value a is
    the value the most documents give; values too far from it (a different scope) make no row."""
    values = [10000.0 + 3 * i for i in range(300)] + [500.0]  # the last one is far from every other
    most = values[123]
    got = find_conflicts(_group(values, {most: 4}))
    assert len(got) == 299
    assert {(c.value_a, c.n_values, c.compared) for c in got} == {(most, 301, MOST_REPORTED)}
    assert [c.value_b for c in got] == [v for v in values[:-1] if v != most]  # in order of first appearance
    assert got[0].docs_a == [f"doc123_{k}" for k in range(4)] and got[0].docs_b == ["doc000_0"]
    row = conflict_rows(CorpusResult(conflicts=got[:1]))[0]
    assert (row["n_values"], row["compared"], row["value_a"]) == (301, MOST_REPORTED, most)


def test_a_tie_for_most_reported_goes_to_the_value_seen_first() -> None:
    values = [2000.0 + i for i in range(ALL_PAIRS_UP_TO + 1)]
    got = find_conflicts(_group(values))
    assert {c.value_a for c in got} == {values[0]} and len(got) == ALL_PAIRS_UP_TO
