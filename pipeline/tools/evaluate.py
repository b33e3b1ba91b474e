"""Score an output folder against gold annotations (format: ../shared/gold/README.md).

Works on the CSV files, as any outside scorer would, so it measures what users get. Every category is a
recall over gold items, except county precision and grounding; ``missed`` lists what was not found.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.io.writers import neutralize, read_csv, text_files, text_path
from pipeline.text.names import norm_name


def names_match(a: str, b: str) -> bool:
    a, b = norm_name(a), norm_name(b)
    return bool(a) and bool(b) and (a in b or b in a)


def value_match(gold: dict[str, Any], value: float) -> bool:
    tol = float(gold.get("tolerance", 1e-6))
    rel = "tolerance" not in gold
    for v in [gold["value"], *gold.get("alt_values", [])]:
        v = float(v)
        if rel and abs(value - v) <= tol * max(abs(v), 1.0):
            return True
        if not rel and abs(value - v) <= tol:
            return True
    return False


def read_raw_text(path: Path) -> str:
    """The text file exactly as written (no newline translation), so offsets stay valid."""
    with path.open(encoding="utf-8", newline="") as fh:
        return fh.read()


def _float(s: str) -> float | None:
    try:
        return float(s)
    except (TypeError, ValueError):
        return None


@dataclass
class Score:
    found: int = 0
    total: int = 0

    @property
    def value(self) -> float:
        return self.found / self.total if self.total else 1.0


@dataclass
class Report:
    scores: dict[str, Score] = field(default_factory=lambda: defaultdict(Score))
    missed: list[tuple[str, str, str]] = field(default_factory=list)  # doc_id, category, item

    def add(self, category: str, ok: bool, doc_id: str, item: str) -> None:
        sc = self.scores[category]
        sc.total += 1
        sc.found += int(ok)
        if not ok:
            self.missed.append((doc_id, category, item))

    def as_dict(self) -> dict[str, float]:
        return {k: round(v.value, 4) for k, v in sorted(self.scores.items())}


def _by_doc(rows: list[dict[str, str]]) -> dict[str, list[dict[str, str]]]:
    out: dict[str, list[dict[str, str]]] = defaultdict(list)
    for r in rows:
        out[r["doc_id"]].append(r)
    return out


def _load(out_dir: Path, name: str) -> dict[str, list[dict[str, str]]]:
    path = out_dir / name
    return _by_doc(read_csv(path)) if path.exists() else {}


def _conflicts_by_doc(out_dir: Path) -> dict[str, list[dict[str, str]]]:
    """Conflict rows under every document that gives one of their values (``docs_a``, ``docs_b``), not only the
    first: a conflict is one row per pair of distinct values."""
    out: dict[str, list[dict[str, str]]] = {}
    path = out_dir / "conflicts.csv"
    for row in read_csv(path) if path.exists() else []:
        docs = [d for d in (row.get("docs_a", "") + " | " + row.get("docs_b", "")).split(" | ") if d]
        for d in dict.fromkeys([row.get("doc_id", ""), *docs]):
            out.setdefault(d, []).append(row)
    return out


def gold_files(gold_dir: Path, select: str | None = None) -> list[Path]:
    """The gold files under ``gold_dir`` whose doc_id (file stem) matches the regex ``select`` (all if None)."""
    import re

    files = sorted(gold_dir.rglob("*.json"))
    return [p for p in files if select is None or re.search(select, p.stem)]


def evaluate(out_dir: Path, gold_dir: Path, select: str | None = None) -> Report:
    """Compare ``out_dir``'s tables with the ``*.json`` gold files under ``gold_dir`` (those ``select`` keeps)."""
    places = _load(out_dir, "places.csv")
    figures = _load(out_dir, "figures.csv")
    measures = _load(out_dir, "measures.csv")
    links = _load(out_dir, "links.csv")
    conflicts = _conflicts_by_doc(out_dir)
    rep = Report()
    golds = gold_files(gold_dir, select)
    for gpath in golds:
        gold = json.loads(gpath.read_text(encoding="utf-8"))
        d = gold["doc_id"]
        _score_places(rep, d, gold, places.get(d, []))
        _score_measures(rep, d, gold, measures.get(d, []))
        _score_figures(rep, d, gold, figures.get(d, []))
        for g in gold.get("links", []):
            alts = g["practice"].split("|")
            ok = any(
                any(names_match(a, r.get("practice", "")) for a in alts)
                and r.get("unit") == g["unit"]
                and (v := _float(r.get("value", ""))) is not None
                and value_match(g, v)
                for r in links.get(d, [])
            )
            rep.add("links", ok, d, f"{g['practice']} -> {g['value']} {g['unit']}")
        for g in gold.get("conflicts", []):
            rows = conflicts.get(d, [])
            ok = any(any(k in r.get("indicator", "") for k in g["indicator_any"]) for r in rows)
            rep.add("conflicts", ok, d, f"{g['indicator_any']} {g['values']}")
    scored = {json.loads(p.read_text(encoding="utf-8"))["doc_id"] for p in golds} if select else None
    _score_grounding(rep, out_dir, [figures, measures], scored)
    _score_tables_and_graph(rep, golds, out_dir)
    return rep


_FLOW_WORDS = ("带动", "脱贫", "受益", "涉及", "增收", "搬迁", "入股", "分红", "帮扶", "覆盖")


def _score_tables_and_graph(rep: Report, golds: list[Path], out_dir: Path) -> None:
    """Each gold focal county has a compare_counties row (with its registered poor households when the gold
    lists that level figure) and a County → practice → outcome path in the graph."""
    compare = (
        {r["adcode"]: r for r in read_csv(out_dir / "compare_counties.csv")}
        if (out_dir / "compare_counties.csv").exists()
        else {}
    )
    graph = None
    if (out_dir / "graph.graphml").exists():
        import networkx as nx

        graph = nx.read_graphml(out_dir / "graph.graphml")
    for gpath in golds:
        gold = json.loads(gpath.read_text(encoding="utf-8"))
        d = gold["doc_id"]
        for fc in gold.get("focal_counties", []):
            code = fc["adcode"]
            rep.add("compare_rows", code in compare, d, f"no compare_counties row for {fc['name']}")
            level = [
                g for g in gold.get("figures", [])
                if g["unit"] == "户" and any("贫困户" in k or "建档立卡" in k for k in g.get("indicator_any", []))
                and not any(w in k for k in g.get("indicator_any", []) for w in _FLOW_WORDS)
            ]  # fmt: skip
            if level:
                ok = bool(compare.get(code, {}).get("建档立卡贫困户(户)"))
                rep.add("compare_poverty_households", ok, d, f"{fc['name']} 建档立卡贫困户 column empty")
            if graph is not None:
                rep.add(
                    "graph_paths",
                    _has_outcome_path(graph, f"County:{code}"),
                    d,
                    f"no path {fc['name']}→practice→outcome",
                )


def _has_outcome_path(graph: Any, county: str) -> bool:
    if county not in graph:
        return False
    for prac in graph.successors(county):
        for fig in graph.successors(prac):
            data = graph.get_edge_data(prac, fig)
            edges = data.values() if graph.is_multigraph() else [data]
            if graph.nodes[fig].get("type") == "Figure" and any(e.get("relation") == "achieved" for e in edges):
                return True
    return False


def _score_places(rep: Report, d: str, gold: dict[str, Any], rows: list[dict[str, str]]) -> None:
    focal_codes = {r["adcode"] for r in rows if r.get("focal", "").lower() == "true"}
    gold_focal = {g["adcode"] for g in gold.get("focal_counties", [])}
    for g in gold.get("focal_counties", []):
        rep.add("focal_county", g["adcode"] in focal_codes, d, f"{g['name']} {g['adcode']}")
    if "focal_counties" in gold:
        allowed = gold_focal | set(gold.get("allowed_counties", []))
        for r in rows:
            if r.get("level") == "county":
                rep.add(
                    "county_precision",
                    r["adcode"] in allowed,
                    d,
                    f"unexpected county {r['name']} {r['adcode']}",
                )
    for bad in gold.get("not_places", []):
        ok = not any(names_match(bad, r.get("name", "")) and len(norm_name(r["name"])) > 1 for r in rows)
        rep.add("not_places", ok, d, f"{bad} output as a place")


def _score_measures(rep: Report, d: str, gold: dict[str, Any], rows: list[dict[str, str]]) -> None:
    for g in gold.get("measures", []):
        cands = [r for r in rows if any(names_match(alt, r.get("name", "")) for alt in g["name"].split("|"))]
        rep.add("formulas", bool(cands), d, g["name"])
        if "components" in g and cands:  # of the formulas found: the right number of steps
            ok = any(
                len([c for c in r.get("components", "").split(" | ") if c.strip()]) == g["components"] for r in cands
            )
            rep.add("formula_components", ok, d, f"{g['name']} ({g['components']} components)")
    for cat, kind in (
        ("programs", None),
        ("loan_products", "loan_product"),
        ("policy_documents", "policy_document"),
    ):
        for name in gold.get(cat, []):
            ok = any(
                any(names_match(alt, r.get("name", "")) for alt in name.split("|"))  # a|b: either
                and (kind is None or r.get("kind") == kind)
                for r in rows
            )
            rep.add(cat, ok, d, name)


def _figure_hits(g: dict[str, Any], rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """Rows that report gold figure ``g``: same unit, value (or an alternative) and an indicator word."""
    out = []
    for r in rows:
        v = _float(r.get("value", ""))
        if v is None or r.get("unit") != g["unit"] or not value_match(g, v):
            continue
        if not any(k in r.get("indicator", "") for k in g.get("indicator_any", [""])):
            continue
        out.append(r)
    return out


def _score_figures(rep: Report, d: str, gold: dict[str, Any], rows: list[dict[str, str]]) -> None:
    """figures: found (value, unit, indicator); dates and per_status, of the gold figures found: the gold date, the
    gold per and status (absent status = actual); figure_precision: rows of an exhaustive document that report a gold
    figure (by value and unit)."""
    for g in gold.get("figures", []):
        hits = _figure_hits(g, rows)
        item = f"{g['value']} {g['unit']} {g.get('indicator_any')} {g.get('date', '')}"
        rep.add("figures", bool(hits), d, item)
        if g.get("date") and hits:  # of the gold figures found: the right date
            ok = any(r.get("date", "").startswith(str(g["date"])) for r in hits)
            rep.add("dates", ok, d, f"{item} (date)")
        if (g.get("per") or g.get("status")) and hits:  # of the gold figures found: the right per and status
            ok = any(
                r.get("per", "") == g.get("per", "") and (r.get("status", "") or "actual") == g.get("status", "actual")
                for r in hits
            )
            rep.add("per_status", ok, d, f"{item} per={g.get('per', '')} status={g.get('status', 'actual')}")
    if gold.get("figures_exhaustive"):
        golds = gold.get("figures", [])
        for r in rows:
            v = _float(r.get("value", ""))
            ok = v is not None and any(r.get("unit") == g["unit"] and value_match(g, v) for g in golds)
            rep.add("figure_precision", ok, d, f"extra figure {r.get('raw', '')!r} {r.get('indicator', '')}")


def _score_grounding(
    rep: Report, out_dir: Path, tables: list[dict[str, list[dict[str, str]]]], docs: set[str] | None = None
) -> None:
    texts: dict[str, str | None] = {}
    files = text_files(out_dir)  # documents.csv's text_file: the doc_id's own name, or a safe one for odd names
    for table in tables:
        for d, rows in table.items():
            if docs is not None and d not in docs:
                continue
            if d not in texts:
                p = text_path(out_dir, d, files)
                texts[d] = read_raw_text(p) if p.exists() else None
            text = texts[d]
            for r in rows:
                s, e = int(r["start"]), int(r["end"])
                raw = r.get("raw", "")
                # a cell starting like a formula (``-0.57‰``) is written with a leading ' (see writers.neutralize)
                ok = text is not None and (text[s:e] == raw or neutralize(text[s:e]) == raw)
                rep.add("grounding", ok, d, f"{r.get('raw', '')!r} at {s}:{e}")


def load_floors(path: Path) -> dict[str, float]:
    """Pinned floors: category -> minimum score (keys starting with ``_`` are notes)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return {k: float(v) for k, v in data.items() if not k.startswith("_")}


def check_floors(rep: Report, floors: dict[str, float]) -> list[str]:
    """Categories below their pinned floor, as messages."""
    got = rep.as_dict()
    return [f"{k}: {got.get(k, 0.0):.3f} < floor {v:.3f}" for k, v in sorted(floors.items()) if got.get(k, 0.0) < v]
