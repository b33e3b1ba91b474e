"""practices.csv: each canonical practice with its aliases, counties and documents — the table a researcher reads
to check how spellings were merged (automatically, by ``merge_variants``, and by the corrections file)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from pipeline.model import DocResult


@dataclass
class PracticeEntry:
    """One canonical practice name across the corpus."""

    practice: str
    kind: str  # the most frequent kind of its records (program, slogan, loan_product …)
    aliases: list[str] = field(default_factory=list)  # every other spelling merged into it
    corrected: list[str] = field(default_factory=list)  # the aliases a corrections file merged into it
    counties: list[tuple[str, str]] = field(default_factory=list)  # (adcode, name), first seen first
    documents: Counter[str] = field(default_factory=Counter)  # doc_id -> records in that document

    @property
    def n_records(self) -> int:
        return sum(self.documents.values())


def practice_index(results: Sequence[DocResult], merged: Mapping[str, str] | None = None) -> list[PracticeEntry]:
    """Every canonical name of ``results``' measures, most documents first; ``merged`` (name -> the name a
    correction merged it into) marks the aliases that came from the corrections file."""
    index = PracticeIndex()
    for r in results:  # one pass: the results may be read back from disk on every pass (io/spill.py)
        index.add(r)
    return index.finish(merged)


class PracticeIndex:
    """:func:`practice_index` one result at a time (``add``), then ``finish``: one pass over the results."""

    def __init__(self) -> None:
        self.kinds: dict[str, Counter[str]] = defaultdict(Counter)
        self.entries: dict[str, PracticeEntry] = {}
        self.seen: dict[str, set[str]] = defaultdict(set)  # an entry's county codes (a scan of its list was quadratic)
        self.place_names: dict[str, str] = {}  # county names from the places, then the measures' own (they win)
        self.measure_names: dict[str, str] = {}

    def add(self, r: DocResult) -> None:
        entries, kinds, seen = self.entries, self.kinds, self.seen
        for p in r.places:
            if p.level == "county" and p.canonical:
                self.place_names[p.adcode] = p.canonical
        doc_codes = r.county_code.split(";") if r.county_code else []
        for m in r.measures:
            if m.county_code and m.county:
                self.measure_names[m.county_code] = m.county
            name = m.name.strip()
            if not name:
                continue
            e = entries.setdefault(name, PracticeEntry(name, ""))
            kinds[name][m.kind] += 1
            e.documents[r.doc.doc_id] += 1
            for a in m.aliases:
                if a and a != name and a not in e.aliases:
                    e.aliases.append(a)
            for code in [m.county_code] if m.county_code else doc_codes:
                if code and code not in seen[name]:
                    seen[name].add(code)
                    e.counties.append((code, ""))  # named in ``finish``, once every document has been read

    def finish(self, merged: Mapping[str, str] | None = None) -> list[PracticeEntry]:
        by_hand: dict[str, list[str]] = defaultdict(list)
        for name, into in (merged or {}).items():
            by_hand[into].append(name)
        names = {**self.place_names, **self.measure_names}
        for name, e in self.entries.items():
            e.kind = self.kinds[name].most_common(1)[0][0]
            e.counties = [(code, names.get(code, code)) for code, _ in e.counties]
            e.corrected = [a for a in e.aliases if a in by_hand.get(name, ())]
        return sorted(self.entries.values(), key=lambda e: (-len(e.documents), -e.n_records, e.practice))
