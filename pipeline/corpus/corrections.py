"""A researcher's corrections (the NVivo / OpenRefine loop), applied to the records on every run.

``corrections.csv`` in the corpus folder (or ``extract --corrections FILE``) has the columns
``action,name,into,note``, one rule a row:

- ``merge``: the practice (or organization, loan product …) named ``name`` is the one named ``into``: its
  records take the name ``into`` and keep ``name`` among their aliases;
- ``reject``: ``name`` is no practice, place or figure indicator: its records (and the links that start or end
  at them) are dropped; ``into`` may narrow the rule to ``practice``, ``place`` or ``figure``;
- ``indicator``: figures whose indicator phrase is ``name`` measure ``into``, an indicator of the canonical
  vocabulary (models/indicators.json); figures whose unit is not one of its units are left alone;
- ``county``: the document ``name`` (a doc_id), or one article of it (``doc_id#2``), is about the county
  ``into`` (its name or 6-digit code): its figures, measures and clauses take that county, which becomes focal.

Parsing checks every row and raises :class:`CorrectionsError` naming the file and line; applying is a pure
function over the document results that returns new results (the input ones are not changed) and, per rule,
what it touched. Nothing is ever written back to the corrections file.
"""

from __future__ import annotations

import csv
import io
import logging
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, NamedTuple, overload

from pipeline.errors import PipelineError
from pipeline.model import Clause, DocResult, Figure, Link, Measure, Mention, Place
from pipeline.normalize import simplified

log = logging.getLogger(__name__)

FILE_NAME = "corrections.csv"
COLUMNS = ("action", "name", "into", "note")
ACTIONS = ("merge", "reject", "indicator", "county")
REJECT_SCOPES = ("practice", "place", "figure")  # ``into`` of a reject row; empty: all three
SOURCE = "correction"  # Mention.source of a place a county rule adds


class CorrectionsError(PipelineError):
    """A corrections file that cannot be applied: the message names the file, the line and what to do."""


class CountyRef(NamedTuple):
    """A county of the gazetteer, as a county rule assigns it."""

    adcode: str
    name: str
    province: str = ""
    prefecture: str = ""


@dataclass(frozen=True)
class Correction:
    """One row of the corrections file; ``county`` is the resolved county of a ``county`` rule."""

    action: str
    name: str
    into: str
    note: str = ""
    source: str = FILE_NAME
    line: int = 0
    county: CountyRef | None = None

    @property
    def where(self) -> str:
        return f"{self.source}, line {self.line}"

    @property
    def doc_id(self) -> str:
        """The document of a county rule (``name`` without its ``#article``)."""
        return self.name.rpartition("#")[0] if self._article_part() else self.name

    @property
    def article(self) -> int | None:
        """The article of a county rule (``doc#2`` → 2), None for the whole document."""
        part = self._article_part()
        return int(part) if part else None

    def _article_part(self) -> str:
        head, sep, tail = self.name.rpartition("#")
        return tail if sep and head and tail.isdigit() else ""


@dataclass
class AppliedCorrection:
    """What one rule touched: record counts by kind (``figures``, ``measures``, ``links``, ``places`` …)."""

    rule: Correction
    counts: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)  # matched but left alone, with the reason
    why_none: str = "no match"  # what ``detail`` says when the rule touched nothing

    @property
    def rows(self) -> int:
        return sum(self.counts.values())

    @property
    def detail(self) -> str:
        """``3 measures, 2 links``; reasons for skipped rows after a semicolon; ``no match`` when nothing."""
        parts = [f"{n} {kind}" for kind, n in sorted(self.counts.items()) if n]
        skipped = [f"{n} {why}" for why, n in sorted(self.skipped.items()) if n]
        text = ", ".join(parts) or self.why_none
        return f"{text}; skipped {', '.join(skipped)}" if skipped else text


# --- reading and checking -----------------------------------------------------------------------------------------


CountyFinder = Callable[[str], list[CountyRef]]


def gazetteer_counties(gazetteer: Any) -> CountyFinder:
    """Counties a gazetteer knows by a name, alias, bare form or 6-digit code (current units first)."""

    def find(name: str) -> list[CountyRef]:
        if name.isdigit():
            entry = gazetteer.entries.get(name)
            entries = [entry] if entry is not None and entry.is_county else []
        else:
            entries = [e for e in gazetteer.lookup(name) if e.is_county]
            current = [e for e in entries if not e.valid_to]
            entries = current or entries
        return [CountyRef(e.adcode, e.name, e.province, e.prefecture) for e in entries]

    return find


def _fail(where: str, what: str, todo: str) -> CorrectionsError:
    return CorrectionsError(f"{where}: {what} ({todo})")


def parse_corrections(
    text: str,
    source: str = FILE_NAME,
    indicators: Iterable[str] | None = None,
    find_county: CountyFinder | None = None,
) -> list[Correction]:
    """The rules of a corrections file's text, checked: unknown actions, missing names or targets, an
    ``indicator`` target outside the vocabulary (``indicators``), a county ``find_county`` does not know or
    cannot tell apart, and contradicting rules raise :class:`CorrectionsError` with the file and line.

    Empty lines and lines starting with ``#`` are skipped; names are read in simplified script.
    """
    lines = text.lstrip("\ufeff").splitlines()
    body = [(i, ln) for i, ln in enumerate(lines, 1) if ln.strip() and not ln.lstrip().startswith("#")]
    if not body:
        return []
    header_line, header_text = body[0]
    header = [h.strip().lower() for h in next(csv.reader([header_text]))]
    missing = [c for c in COLUMNS[:3] if c not in header]
    if missing:
        raise _fail(
            f"{source}, line {header_line}",
            f"header {header_text.strip()!r} lacks the column(s) {', '.join(missing)}",
            "the first row must be: " + ",".join(COLUMNS),
        )
    known = set(indicators) if indicators is not None else None
    rules: list[Correction] = []
    for line, row in body[1:]:
        cells = next(csv.reader(io.StringIO(row)), [])
        if header[-1] == "note" and len(cells) > len(header):  # an unquoted comma in the last column, the note
            cells = [*cells[: len(header) - 1], ",".join(cells[len(header) - 1 :])]
        values = {h: (cells[i].strip() if i < len(cells) else "") for i, h in enumerate(header)}
        rules.append(_check_row(values, source, line, known, find_county))
    _check_together(rules)
    return rules


def _check_row(
    values: Mapping[str, str], source: str, line: int, known: set[str] | None, find_county: CountyFinder | None
) -> Correction:
    where = f"{source}, line {line}"
    action = values.get("action", "").lower()
    name, into, note = values.get("name", ""), values.get("into", ""), values.get("note", "")
    if action not in ACTIONS:
        raise _fail(where, f"unknown action {action or '(empty)'!r}", "use one of " + ", ".join(ACTIONS))
    if not name:
        raise _fail(where, f"{action} without a name", "fill the name column")
    if action == "county":
        return Correction(action, name, into, note, source, line, _county(where, into, find_county))
    name, into = simplified(name), simplified(into)
    if action == "reject":
        if into and into.lower() not in REJECT_SCOPES:
            kinds = ", ".join(REJECT_SCOPES)
            raise _fail(where, f"reject of {name!r}: unknown kind {into!r}", f"leave into empty or use {kinds}")
        return Correction(action, name, into.lower(), note, source, line)
    if not into:
        raise _fail(where, f"{action} of {name!r} without into", f"say what {name!r} becomes in the into column")
    if action == "merge" and into == name:
        raise _fail(where, f"merge of {name!r} into itself", "give another name in into, or delete the row")
    if action == "indicator" and known is not None and into not in known:
        vocab = ", ".join(sorted(known))
        raise _fail(where, f"unknown indicator {into!r}", f"use an indicator of models/indicators.json: {vocab}")
    return Correction(action, name, into, note, source, line)


def _county(where: str, into: str, find_county: CountyFinder | None) -> CountyRef:
    if not into:
        raise _fail(where, "county rule without into", "give the county's name or 6-digit code in into")
    if find_county is None:
        raise ValueError("parse_corrections: a county rule needs find_county (a gazetteer)")
    found = list(dict.fromkeys(find_county(into.strip()) or find_county(simplified(into.strip()))))
    if not found:
        raise _fail(where, f"unknown county {into!r}", "write its official name (玉屏侗族自治县) or 6-digit code")
    if len(found) > 1:
        names = "; ".join(f"{c.adcode} {c.province}{c.prefecture}{c.name}" for c in found[:6])
        raise _fail(where, f"{into!r} names {len(found)} counties ({names})", "give the 6-digit code instead")
    return found[0]


def _check_together(rules: Sequence[Correction]) -> None:
    """Two rules for one name must agree; a merge chain must end (A → B → A is refused)."""
    first: dict[tuple[str, ...], Correction] = {}
    for r in rules:
        key = (r.action, r.name, r.into) if r.action == "reject" else (r.action, r.name)
        prev = first.setdefault(key, r)
        if prev is r:
            continue
        if (prev.into, prev.county) != (r.into, r.county):
            raise _fail(r.where, f"{r.action} of {r.name!r} contradicts line {prev.line}", "keep one of the two rows")
        raise _fail(r.where, f"{r.action} of {r.name!r} repeats line {prev.line}", "delete one of the two rows")
    merged = {r.name: r for r in rules if r.action == "merge"}
    rejected = {r.name: r for r in rules if r.action == "reject" and r.into in ("", "practice")}
    for r in merged.values():
        if r.name in rejected:
            raise _fail(r.where, f"{r.name!r} is merged and rejected (line {rejected[r.name].line})", "keep one")
        if r.into in rejected:
            raise _fail(r.where, f"merge into {r.into!r}, which line {rejected[r.into].line} rejects", "keep one")
        seen = [r.name]
        cur = r.into
        while cur in merged:
            if cur in seen:
                raise _fail(r.where, "merge cycle " + " → ".join([*seen, cur]), "one of these rows must go")
            seen.append(cur)
            cur = merged[cur].into


def load_corrections(
    path: Path, indicators: Iterable[str] | None = None, find_county: CountyFinder | None = None
) -> list[Correction]:
    """Read and check a corrections file (UTF-8, with or without BOM)."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CorrectionsError(f"{path}: not UTF-8 text ({exc.reason}); save it as CSV UTF-8") from exc
    except OSError as exc:
        raise CorrectionsError(f"{path}: cannot read the corrections file ({exc.strerror or exc})") from exc
    return parse_corrections(text, str(path), indicators, find_county)


def corrections_path(corpus: Path, given: Path | None) -> Path | None:
    """The corrections file of a run: the one given (which must exist), else ``corrections.csv`` in the corpus
    folder when there is one."""
    if given is not None:
        if not Path(given).is_file():
            raise CorrectionsError(f"corrections file not found: {given} (give the path of a CSV file)")
        return Path(given)
    found = Path(corpus) / FILE_NAME
    return found if Path(corpus).is_dir() and found.is_file() else None


def read_for_run(path: Path | None, models_dir: Path, loaded: Any = None) -> list[Correction]:
    """Read and check a corrections file against the indicator vocabulary of ``models_dir`` and its gazetteer
    (``loaded.gazetteer`` when the run has it, else read only when a county rule needs it); no file, no rules."""
    if path is None:
        return []
    from pipeline.learn.indicators import IndicatorVocabulary

    finder: list[CountyFinder] = []

    def find_county(name: str) -> list[CountyRef]:
        if not finder:
            from pipeline.gazetteer import Gazetteer

            gaz = getattr(loaded, "gazetteer", None) or Gazetteer.load(Path(models_dir))
            finder.append(gazetteer_counties(gaz))
        return finder[0](name)

    names = [i.name for i in IndicatorVocabulary.load(Path(models_dir)).indicators]
    return load_corrections(path, names, find_county)


# --- applying ------------------------------------------------------------------------------------------------------


def merge_targets(rules: Iterable[Correction]) -> dict[str, str]:
    """Name -> the name it is finally merged into (chains followed: A → B, B → C gives A → C)."""
    direct = {r.name: r.into for r in rules if r.action == "merge"}
    out: dict[str, str] = {}
    for name in direct:
        cur, seen = direct[name], {name}
        while cur in direct and cur not in seen:
            seen.add(cur)
            cur = direct[cur]
        out[name] = cur
    return out


class _Rules:
    """The rules indexed for one pass over the records, with a tally per rule."""

    def __init__(self, rules: Sequence[Correction], units: Mapping[str, Iterable[str]]) -> None:
        self.applied = {id(r): AppliedCorrection(r) for r in rules}
        self.units = {k: set(v) for k, v in units.items()}
        self.merge = {r.name: r for r in rules if r.action == "merge"}
        self.target = merge_targets(rules)
        self.indicator = {r.name: r for r in rules if r.action == "indicator"}
        self.reject: dict[str, dict[str, Correction]] = {s: {} for s in REJECT_SCOPES}
        for r in rules:
            if r.action == "reject":
                for scope in [r.into] if r.into else REJECT_SCOPES:
                    self.reject[scope].setdefault(r.name, r)
        self.county_doc = {r.doc_id: r for r in rules if r.action == "county" and r.article is None}
        self.county_art = {(r.doc_id, r.article): r for r in rules if r.action == "county" and r.article is not None}

    def hit(self, rule: Correction, kind: str, n: int = 1) -> None:
        self.applied[id(rule)].counts[kind] += n

    def skip(self, rule: Correction, why: str) -> None:
        self.applied[id(rule)].skipped[why] += 1

    def county_rule(self, doc_id: str, article: int | None) -> Correction | None:
        """The county rule of a record: its article's rule, else its document's."""
        if article is not None and (doc_id, article) in self.county_art:
            return self.county_art[(doc_id, article)]
        return self.county_doc.get(doc_id)


def apply_corrections(
    results: Sequence[DocResult], rules: Sequence[Correction], units: Mapping[str, Iterable[str]] | None = None
) -> tuple[Sequence[DocResult], list[AppliedCorrection]]:
    """New document results with every rule applied, and what each rule touched (in file order).

    ``units`` maps each canonical indicator to its units (an ``indicator`` rule leaves a figure whose unit is
    not among them unmapped). The given results are not changed; with no rules they are returned as they are.
    A list gives a list; another sequence (a run's results read back from a file, io/spill.py) gives a view that
    applies the rules as each result is read, so the corrected results are never all held at once.
    """
    if not rules:
        return results, []
    idx = _Rules(rules, units or {})
    out: Sequence[DocResult]
    doc_ids: set[str] = set()
    if isinstance(results, list):
        out = [_apply_one(r, idx) for r in results]
        doc_ids = {r.doc.doc_id for r in results}
    else:
        for r in results:  # the tally and the doc_ids, in one pass (each pass may read the results from a file)
            _apply_one(r, idx)
            doc_ids.add(r.doc.doc_id)
        out = _Corrected(results, rules, units or {})
    report = [idx.applied[id(r)] for r in rules]
    for a in report:
        if a.rule.action == "county" and a.rule.doc_id not in doc_ids:
            a.why_none = f"no match: no document {a.rule.doc_id!r} (a doc_id of documents.csv: path without extension)"
        if not a.rows:
            log.warning("%s: %s %r matched nothing (%s)", a.rule.where, a.rule.action, a.rule.name, a.detail)
    return out, report


class _Corrected(Sequence[DocResult]):
    """``results`` with ``rules`` applied to each as it is read (a tally of its own, not reported)."""

    def __init__(self, results: Sequence[DocResult], rules: Sequence[Correction], units: Mapping[str, Iterable[str]]):
        self.results, self.rules, self.units = results, rules, units

    def __len__(self) -> int:
        return len(self.results)

    def __iter__(self) -> Iterator[DocResult]:
        idx = _Rules(self.rules, self.units)
        return (_apply_one(r, idx) for r in self.results)

    @overload
    def __getitem__(self, i: int) -> DocResult: ...

    @overload
    def __getitem__(self, i: slice) -> list[DocResult]: ...

    def __getitem__(self, i: int | slice) -> DocResult | list[DocResult]:
        idx = _Rules(self.rules, self.units)
        if isinstance(i, slice):
            return [_apply_one(r, idx) for r in self.results[i]]
        return _apply_one(self.results[i], idx)


def _apply_one(r: DocResult, idx: _Rules) -> DocResult:
    doc_id = r.doc.doc_id
    fig_memo: dict[int, Figure | None] = {}
    meas_memo: dict[int, Measure | None] = {}

    def fix_figure(f: Figure) -> Figure | None:
        if id(f) not in fig_memo:
            fig_memo[id(f)] = _fix_figure(f, doc_id, idx)
        return fig_memo[id(f)]

    def fix_measure(m: Measure) -> Measure | None:
        if id(m) not in meas_memo:
            meas_memo[id(m)] = _fix_measure(m, doc_id, idx)
        return meas_memo[id(m)]

    figures = _kept(r.figures, fix_figure, idx, "figure", lambda f: f.indicator)
    measures = _kept(r.measures, fix_measure, idx, "practice", lambda m: m.name)
    for m_old in r.measures:
        m_new = fix_measure(m_old)
        if m_new is None:
            continue
        if m_new.name != m_old.name:
            idx.hit(idx.merge[m_old.name.strip()], "measures")
        if (rule := idx.county_rule(doc_id, m_old.article)) and m_new.county_code != m_old.county_code:
            idx.hit(rule, "measures")
    for f_old in r.figures:
        f_new = fix_figure(f_old)
        if f_new is None:
            continue
        rule = idx.indicator.get(f_old.indicator.strip())
        if rule is not None and f_new.indicator_std == rule.into:
            idx.hit(rule, "figures")  # matched, mapped now or already: a re-run reports the same numbers
        elif rule is not None:
            idx.skip(rule, f"unit {f_old.unit or '(none)'} not of {rule.into}")
        if (rule := idx.county_rule(doc_id, f_old.article)) and f_new.county_code != f_old.county_code:
            idx.hit(rule, "figures")
    links: list[Link] = []
    for lk in r.links:
        p, f = fix_measure(lk.practice), fix_figure(lk.figure)
        if p is None or f is None:
            rule = _reject_of(idx, "practice", lk.practice.name) if p is None else None
            rule = rule or _reject_of(idx, "figure", lk.figure.indicator)
            if rule is not None:
                idx.hit(rule, "links")
            continue
        if p.name != lk.practice.name:
            idx.hit(idx.merge[lk.practice.name.strip()], "links")
        links.append(lk if (p is lk.practice and f is lk.figure) else replace(lk, practice=p, figure=f))
    clauses = [_fix_clause(c, doc_id, idx) for c in r.clauses]
    places = _fix_places(r, idx, figures, measures, clauses)
    same = all(
        len(new) == len(old) and all(a is b for a, b in zip(new, old, strict=True))
        for new, old in ((places, r.places), (figures, r.figures), (measures, r.measures), (links, r.links),
                         (clauses, r.clauses))
    )  # fmt: skip
    if same:
        return r
    return replace(r, places=places, figures=figures, measures=measures, links=links, clauses=clauses)


def _reject_of(idx: _Rules, scope: str, name: str) -> Correction | None:
    return idx.reject[scope].get(name.strip())


def _kept(
    items: list[Any], fix: Callable[[Any], Any], idx: _Rules, scope: str, name: Callable[[Any], str]
) -> list[Any]:
    kept = []
    for it in items:
        new = fix(it)
        if new is None:
            rule = _reject_of(idx, scope, name(it))
            if rule is not None:
                idx.hit(rule, f"{scope.replace('practice', 'measure')}s")
            continue
        kept.append(new)
    return kept


def _fix_figure(f: Figure, doc_id: str, idx: _Rules) -> Figure | None:
    if _reject_of(idx, "figure", f.indicator):
        return None
    changes: dict[str, Any] = {}
    rule = idx.indicator.get(f.indicator.strip())
    if rule is not None and f.unit in idx.units.get(rule.into, {f.unit}) and f.indicator_std != rule.into:
        changes["indicator_std"] = rule.into
    county = idx.county_rule(doc_id, f.article)
    if county is not None and county.county is not None and f.county_code != county.county.adcode:
        changes.update(county_code=county.county.adcode, county=county.county.name)
    return replace(f, **changes) if changes else f


def _fix_measure(m: Measure, doc_id: str, idx: _Rules) -> Measure | None:
    name = m.name.strip()
    if _reject_of(idx, "practice", name):
        return None
    changes: dict[str, Any] = {}
    if name in idx.target:
        into = idx.target[name]
        changes["name"] = into
        changes["aliases"] = [a for a in dict.fromkeys([name, *m.aliases]) if a != into]
    county = idx.county_rule(doc_id, m.article)
    if county is not None and county.county is not None and m.county_code != county.county.adcode:
        changes.update(county_code=county.county.adcode, county=county.county.name)
    return replace(m, **changes) if changes else m


def _fix_clause(c: Clause, doc_id: str, idx: _Rules) -> Clause:
    rule = idx.county_rule(doc_id, c.article)
    if rule is None or rule.county is None or c.county_code == rule.county.adcode:
        return c
    idx.hit(rule, "clauses")
    return replace(c, county_code=rule.county.adcode)


def _fix_places(
    r: DocResult, idx: _Rules, figures: list[Figure], measures: list[Measure], clauses: list[Clause]
) -> list[Place]:
    """Drop rejected places; make a county rule's county focal (adding its place when the text never names
    it) and, for a whole-document rule, the other counties not focal; for an article rule, a county no record
    of the document still carries stops being focal."""
    doc_id = r.doc.doc_id
    places: list[Place] = []
    for p in r.places:
        rule = _reject_of(idx, "place", p.name) or _reject_of(idx, "place", p.canonical)
        if rule is not None:
            idx.hit(rule, "places")
            continue
        places.append(p)
    rules = [c for c in [idx.county_doc.get(doc_id)] if c is not None]
    rules += [c for (d, _), c in sorted(idx.county_art.items(), key=lambda kv: kv[0][1] or 0) if d == doc_id]
    if not rules:
        return r.places if len(places) == len(r.places) else places
    carried = {f.county_code for f in figures} | {m.county_code for m in measures} | {c.county_code for c in clauses}
    wanted = {c.county.adcode: c for c in rules if c.county is not None}
    whole = idx.county_doc.get(doc_id)
    out: list[Place] = []
    for p in places:
        focal = p.focal
        if p.level == "county" and p.adcode in wanted:
            focal = True
        elif p.focal and p.level == "county":
            focal = False if whole is not None else p.adcode in carried
        if focal != p.focal:
            idx.hit(wanted.get(p.adcode) or rules[0], "places")
            p = replace(p, focal=focal)
        out.append(p)
    present = {p.adcode for p in out if p.level == "county"}
    for code, rule in wanted.items():
        if code not in present and rule.county is not None:
            c = rule.county
            m = Mention(doc_id, 0, 0, 0, 0, None, "PLACE", c.name, "", f"{SOURCE}:{rule.where}")
            out.append(Place(m, c.name, c.name, c.adcode, "county", c.province, c.prefecture, focal=True, mentions=0))
            idx.hit(rule, "places")
    return out
