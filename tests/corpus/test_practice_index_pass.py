"""The practice index reads the results once (they may be read back from disk on every pass) and equals the
three-pass build it replaced: names of counties from places, overridden by the measures' own, resolved after
every document has been read."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.corpus.practice_index import PracticeEntry, practice_index
from pipeline.model import DocResult
from tests.records import measure, place, result


def _three_passes(results: Sequence[DocResult], merged: Mapping[str, str] | None = None) -> list[PracticeEntry]:
    by_hand: dict[str, list[str]] = defaultdict(list)
    for name, into in (merged or {}).items():
        by_hand[into].append(name)
    kinds: dict[str, Counter[str]] = defaultdict(Counter)
    entries: dict[str, PracticeEntry] = {}
    names = {p.adcode: p.canonical for r in results for p in r.places if p.level == "county" and p.canonical}
    names.update({m.county_code: m.county for r in results for m in r.measures if m.county_code and m.county})
    for r in results:
        doc_codes = r.county_code.split(";") if r.county_code else []
        for m in r.measures:
            name = m.name.strip()
            if not name:
                continue
            e = entries.setdefault(name, PracticeEntry(name, ""))
            kinds[name][m.kind] += 1
            e.documents[r.doc.doc_id] += 1
            for code in [m.county_code] if m.county_code else doc_codes:
                if code and all(code != c for c, _ in e.counties):
                    e.counties.append((code, names.get(code, code)))
    for name, e in entries.items():
        e.kind = kinds[name].most_common(1)[0][0]
        e.corrected = [a for a in e.aliases if a in by_hand.get(name, ())]
    return sorted(entries.values(), key=lambda e: (-len(e.documents), -e.n_records, e.practice))


CODES = ["522631", "522632", "431228", "511025"]
doc = st.tuples(
    st.lists(st.tuples(st.sampled_from(CODES), st.sampled_from(["黎平县", "榕江县", "芷江县", ""])), max_size=3),
    st.lists(
        st.tuples(
            st.sampled_from(["社社联建", "河长制", "五先五后", " "]),
            st.sampled_from(["program", "slogan"]),
            st.sampled_from(["", *CODES]),
            st.sampled_from(["", "某县"]),
        ),
        max_size=5,
    ),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(doc, max_size=6))
def test_one_pass_equals_the_three_pass_build(docs: list[tuple[list[tuple[str, str]], list[Any]]]) -> None:
    results = []
    for i, (places, measures) in enumerate(docs):
        ms = []
        for name, kind, code, county in measures:
            m = measure(f"d{i}", name, kind, county_code=code)
            m.county = county if code else ""
            ms.append(m)
        results.append(result(f"d{i}", places=[place(f"d{i}", c, n) for c, n in places], measures=ms))
    assert practice_index(results) == _three_passes(results)
