"""The corpus stages read the results three times (past SPILL_AFTER each read unpickles every result from a file),
not once per stage: one pass feeds every stage's collector, and what they give equals the stages run one by one
over the results, the way they were (references below, several passes each), results in a file or in a list."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.corpus.build import CorpusResult, build_corpus
from pipeline.corpus.compare import column_of, comparable, compare_counties
from pipeline.corpus.practice_tables import compare_practices, fmt_value, policy_tools_crosstab
from pipeline.corpus.practices import PracticeContexts, _mention_sentences, practice_contexts
from pipeline.corpus.similarity import SKIP_KINDS
from pipeline.io.spill import KeptResults
from pipeline.learn.indicators import IndicatorMapper, load_mapper
from pipeline.learn.policy_tools import NONE, TOOLS, UNCODED
from pipeline.model import DocResult, Figure
from tests.records import clause, figure, link, measure, place, result

MODELS = Path(__file__).resolve().parents[2] / "models"


@pytest.fixture(scope="module")
def mapper() -> IndicatorMapper:
    return load_mapper(MODELS)


# ------------------------------------------------------------------ the stages as they were: a pass per loop


def _old_contexts(results: Sequence[DocResult], skip_kinds: Sequence[str] = ()) -> dict[str, list[str]]:
    skip = set(skip_kinds)
    ctx: dict[str, list[str]] = {}
    for r in results:
        for m in r.measures:
            name = m.name.strip()
            if not name or m.kind in skip:
                continue
            bucket = ctx.setdefault(name, [name])
            comps = "，".join(m.components)
            if comps and comps not in bucket:
                bucket.append(comps)
            for s in _mention_sentences(name, r.doc.text):
                if s not in bucket:
                    bucket.append(s)
    return ctx


def _old_county_names(results: Sequence[DocResult]) -> tuple[dict[str, str], dict[str, str]]:
    doc_county: dict[str, str] = {}
    names: dict[str, str] = {}
    for r in results:
        doc_county[r.doc.doc_id] = r.county_code
        if r.county_code and r.county:
            names.setdefault(r.county_code, r.county)
    return doc_county, names


def _old_compare_practices(
    results: Sequence[DocResult], families: Mapping[str, str], classes: Mapping[str, Mapping[str, Any]]
) -> list[tuple[Any, ...]]:
    doc_county, county_name = _old_county_names(results)
    kinds: dict[str, Counter[str]] = defaultdict(Counter)
    docs: dict[str, set[str]] = defaultdict(set)
    counties: dict[str, list[str]] = defaultdict(list)
    for r in results:
        for m in r.measures:
            name = m.name.strip()
            if not name:
                continue
            kinds[name][m.kind] += 1
            docs[name].add(r.doc.doc_id)
            code = m.county_code or doc_county.get(r.doc.doc_id, "")
            if code and code not in counties[name]:
                counties[name].append(code)
    outcomes: dict[str, list[str]] = defaultdict(list)
    for r in results:
        for lk in r.links:
            name, ind = lk.practice.name.strip(), lk.figure.indicator.strip()
            if lk.relation == "achieved" and name and ind:
                item = f"{ind} {fmt_value(lk.figure.value)}{lk.figure.unit}".strip()
                if item not in outcomes[name]:
                    outcomes[name].append(item)
    out = []
    for name in sorted(kinds, key=lambda n: (-len(docs[n]), n)):
        c = classes.get(name, {})
        tool = c.get("tool", "") if c.get("tool") != NONE else ""
        names = [county_name.get(k, k) for k in counties[name]]
        kind = kinds[name].most_common(1)[0][0]
        out.append((name, kind, families.get(name, name), tool, names, len(docs[name]), outcomes[name]))
    return out


def _old_crosstab(results: Sequence[DocResult]) -> list[tuple[Any, ...]]:
    doc_county, county_name = _old_county_names(results)
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    ndocs: dict[str, set[str]] = defaultdict(set)
    for r in results:
        for c in r.clauses:
            if c.tool not in TOOLS and c.tool != UNCODED:
                continue
            code = doc_county.get(r.doc.doc_id, "")
            counts[code][c.tool] += 1
            if c.tool != UNCODED:
                counts[code][c.sub_tool] += 1
            ndocs[code].add(r.doc.doc_id)
    rows = [
        (code, county_name.get(code, code) if code else "(未识别)", len(ndocs[code]), dict(counts[code]))
        for code in sorted(counts, key=lambda k: (k == "", k))
    ]
    if rows:
        total: Counter[str] = Counter()
        for per_county in counts.values():
            total.update(per_county)
        rows.append(("", "合计", len(set().union(*ndocs.values())), dict(total)))
    return rows


def _old_compare_counties(results: Sequence[DocResult], mapper: IndicatorMapper) -> list[tuple[Any, ...]]:
    counties: dict[str, tuple[str, str]] = {}
    for r in results:
        for p in r.places:
            if p.level == "county" and p.focal and p.adcode not in counties:
                counties[p.adcode] = (p.adcode, p.canonical)
    n_docs: dict[str, int] = defaultdict(int)
    for r in results:
        for code in r.county_code.split(";"):
            if code:
                n_docs[code] += 1
    best: dict[tuple[str, str], Figure] = {}
    for r in results:
        for f in r.figures:
            code = f.county_code.split(";")[0]
            ind = comparable(f, mapper) if code in counties else None
            if ind is None:
                continue
            key = (code, column_of(ind, f.per))
            if key not in best or f.date > best[key].date:
                best[key] = f
    return [
        (code, name, n_docs.get(code, 0), {col: f for (c, col), f in best.items() if c == code})
        for code, (_, name) in sorted(counties.items())
    ]


# ------------------------------------------------------------------------------------- made-up corpora

CODES = ["522631", "522632", "431228"]
NAMES = ["社社联建", "河长制", "五先五后", "联营贷"]
KINDS = ["program", "slogan", "policy_document", "loan_product"]
INDICATORS = [("建档立卡贫困户", "户"), ("分红", "元")]

doc = st.tuples(
    st.sampled_from(["a", "b", "c", "d"]),  # doc_ids repeat: the last result of a doc_id gives its county
    st.lists(st.sampled_from(CODES), max_size=2, unique=True),
    st.lists(
        st.tuples(st.sampled_from(NAMES), st.sampled_from(KINDS), st.sampled_from(["", *CODES]), st.booleans()),
        max_size=4,
    ),
    st.lists(
        st.tuples(
            st.sampled_from(INDICATORS),
            st.sampled_from([100, 120, 300]),
            st.sampled_from(["2019", "2020"]),
            st.sampled_from(["", *CODES]),
            st.sampled_from(["actual", "target"]),
        ),
        max_size=4,
    ),
    st.lists(st.sampled_from([*TOOLS, UNCODED, "其他"]), max_size=3),
    st.lists(st.sampled_from(NAMES), max_size=3),  # the names the text mentions
)


def _corpus(docs: list[Any]) -> list[DocResult]:
    out = []
    for i, (doc_id, codes, measures, figures, tools, said) in enumerate(docs):
        text = "\n".join(f"{i}县推行{n}，成效明显。{n}覆盖全县。" for n in said)
        ms = [
            measure(doc_id, name, kind, start=j, county_code=code, components=["党建引领", "产业"] if comps else [])
            for j, (name, kind, code, comps) in enumerate(measures)
        ]
        fs = []
        for j, ((ind, unit), value, date, code, status) in enumerate(figures):
            f = figure(doc_id, ind, value, unit, start=100 + j, date=date, county_code=code)
            f.indicator_std, f.status = ind, status
            fs.append(f)
        links = [link(m, f) for m, f in zip(ms, fs, strict=False)]
        out.append(
            result(
                doc_id,
                text,
                places=[place(doc_id, c, f"县{c}", province="某省", prefecture="某州") for c in codes],
                measures=ms,
                figures=fs,
                links=links,
                clauses=[clause(doc_id, t, f"{t}-子") for t in tools],
            )
        )
    return out


@settings(max_examples=150, deadline=None)
@given(st.lists(doc, max_size=6))
def test_each_collector_equals_its_stage_as_it_was(mapper: IndicatorMapper, docs: list[Any]) -> None:
    results = _corpus(docs)
    assert practice_contexts(results) == _old_contexts(results)
    assert practice_contexts(results, SKIP_KINDS) == _old_contexts(results, SKIP_KINDS)
    ctx = PracticeContexts(SKIP_KINDS)  # both from one pass, each document's sentences found once
    for r in results:
        ctx.add(r)
    assert ctx.every == _old_contexts(results) and ctx.kept == _old_contexts(results, SKIP_KINDS)
    families = {"河长制": "社社联建"}
    classes = {"河长制": {"tool": "供给型"}, "联营贷": {"tool": NONE}}
    got = [
        (s.practice, s.kind, s.family, s.policy_tool, s.counties, s.n_docs, s.outcomes)
        for s in compare_practices(results, families, classes)
    ]
    assert got == _old_compare_practices(results, families, classes)
    tab = [(t.county_code, t.county, t.n_docs, dict(t.counts)) for t in policy_tools_crosstab(results)]
    assert tab == _old_crosstab(results)
    rows, _ = compare_counties(results, mapper)
    assert [(c.adcode, c.county, c.n_docs, c.cells) for c in rows] == _old_compare_counties(results, mapper)


class _Counted(Sequence[DocResult]):
    """Results that count how many times they are read through."""

    def __init__(self, results: list[DocResult]) -> None:
        self.results, self.passes = results, 0

    def __len__(self) -> int:
        return len(self.results)

    def __iter__(self) -> Iterator[DocResult]:
        self.passes += 1
        return iter(self.results)

    def __getitem__(self, i: Any) -> Any:
        raise AssertionError("the corpus stages read the results in passes, not one by one")


def _same(a: CorpusResult, b: CorpusResult) -> None:
    for name in CorpusResult.__dataclass_fields__:
        if name == "graph":
            ga, gb = a.graph, b.graph
            assert list(ga.nodes(data=True)) == list(gb.nodes(data=True))
            assert list(ga.edges(keys=True, data=True)) == list(gb.edges(keys=True, data=True))
        else:
            assert getattr(a, name) == getattr(b, name), name


def _sample() -> list[DocResult]:
    docs = [
        ("a", ["522631"], [("社社联建", "program", "", True), ("联营贷", "loan_product", "", False)],
         [(("建档立卡贫困户", "户"), 300, "2020", "522631", "actual")], ["供给型", UNCODED], ["社社联建", "联营贷"]),
        ("b", ["522632"], [("社社联动", "program", "", False), ("河长制", "slogan", "522632", False)],
         [(("建档立卡贫困户", "户"), 120, "2020", "522632", "actual")], ["环境型"], ["社社联动", "河长制"]),
        ("c", ["522631"], [("社社联建", "program", "", True), ("某管理办法", "policy_document", "", False)],
         [(("建档立卡贫困户", "户"), 310, "2020", "522631", "actual")], ["需求型"], ["社社联建", "河长制"]),
    ]  # fmt: skip
    return _corpus(docs)


def test_build_reads_the_results_three_times_and_gives_what_the_stages_give(mapper: IndicatorMapper) -> None:
    from pipeline.corpus.conflicts import find_conflicts
    from pipeline.corpus.graph import corpus_graph
    from pipeline.corpus.practice_tables import cooccurrence
    from pipeline.corpus.similarity import practice_families, practice_similarity

    results = _sample()
    counted = _Counted(results)
    got = build_corpus(counted, mapper)
    assert counted.passes == 3  # was one or more per stage (about twenty)
    similar = practice_similarity(results)
    families = practice_families(similar, {m.name for r in results for m in r.measures})
    assert got.similar == similar and got.families == families
    assert got.conflicts == find_conflicts(results) and got.conflicts  # 300 and 310: a conflict
    assert got.counties == compare_counties(results, mapper)[0]
    assert got.cooccurrence == cooccurrence(results) and got.practices == compare_practices(results, families, {})
    assert got.tools == policy_tools_crosstab(results)
    g = corpus_graph(results, similar=similar, families=families)
    assert list(got.graph.edges(keys=True, data=True)) == list(g.edges(keys=True, data=True))
    assert list(got.graph.nodes(data=True)) == list(g.nodes(data=True))


def test_results_in_a_file_give_the_same_corpus(tmp_path: Path, mapper: IndicatorMapper) -> None:
    results = _sample()
    kept = KeptResults(tmp_path, spill_after=0)
    for r in results:
        kept.append(r)
    assert kept.spilled
    _same(build_corpus(kept, mapper), build_corpus(results, mapper))
    kept.close()


def test_results_in_a_file_read_as_they_are_added(tmp_path: Path) -> None:
    """Reads (at an offset, past the file's write buffer) see every result appended before them, between passes."""
    results = _sample()
    kept = KeptResults(tmp_path, spill_after=0)
    kept.append(results[0])
    assert kept[0] == results[0] and list(kept) == results[:1]
    kept.append(results[1])
    assert kept[1] == results[1] and kept[:2] == results[:2]
    kept.append(results[2])
    kept.sort_by_doc_id()
    assert list(kept) == sorted(results, key=lambda r: r.doc.doc_id) and kept[-1] == results[2]
    kept.close()
