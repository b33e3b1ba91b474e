"""Answers to researchers' questions over the store (``outputs/kg.duckdb``), as lists of row dicts.

Read-only; unknown names raise ``NotFound`` carrying close suggestions instead of a traceback.
"""

from __future__ import annotations

import difflib
import itertools
from pathlib import Path
from typing import Any

import duckdb
import networkx as nx

from pipeline.errors import PipelineError

Rows = list[dict[str, Any]]


class NotFound(PipelineError):
    def __init__(self, what: str, name: str, suggestions: list[str]) -> None:
        self.suggestions = suggestions
        hint = f"; did you mean: {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"no {what} named {name!r}{hint}")


def connect(db: Path) -> duckdb.DuckDBPyConnection:
    if not db.exists():
        raise PipelineError(f"store not found: {db} (run `make extract` first, or pass --db)")
    return duckdb.connect(str(db), read_only=True)


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> Rows:
    cur = con.execute(sql, params or [])
    cols = [c[0] for c in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


def _has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    row = con.execute("select count(*) from information_schema.tables where table_name = ?", [name]).fetchone()
    return bool(row and row[0])


def _resolve(name: str, candidates: list[str], what: str) -> list[str]:
    exact = [c for c in candidates if c == name]
    if exact:
        return exact
    contained = [c for c in candidates if name in c or (len(c) >= 2 and c in name)]
    if contained:
        return sorted(set(contained))
    raise NotFound(what, name, difflib.get_close_matches(name, candidates, n=5, cutoff=0.3))


def county(con: duckdb.DuckDBPyConnection, name: str) -> dict[str, Rows]:
    """A county's practices, formulas with their steps, and outcomes (achieved links) with evidence and page."""
    places = _rows(con, "select distinct adcode, name, canonical from places where level = 'county' and focal = 'true'")
    names = sorted({p["canonical"] for p in places} | {p["name"] for p in places} | {p["adcode"] for p in places})
    hits = set(_resolve(name, names, "county"))
    codes = sorted({p["adcode"] for p in places if {p["canonical"], p["name"], p["adcode"]} & hits})
    like = " or ".join("d.county_code like ?" for _ in codes)
    params = [f"%{c}%" for c in codes]
    docs = _rows(con, f"select doc_id, title, county from documents d where {like}", params)
    ids = [d["doc_id"] for d in docs] or [""]
    marks = ", ".join("?" for _ in ids)
    practices = _rows(
        con,
        f'select name, kind, declared_count, components, doc_id, start, "end" from measures where doc_id in ({marks}) '
        "order by kind, name",
        ids,
    )
    outcomes: Rows = []
    if _has_table(con, "links"):
        outcomes = _rows(
            con,
            f"""select l.practice, l.indicator, l.value, l.unit, l.date, l.doc_id, f.page,
                       l.evidence_start, l.evidence_end, l.evidence as quote
                from links l left join figures f on f.doc_id = l.doc_id and f.start = l.figure_start
                where l.doc_id in ({marks}) and l.relation = 'achieved' order by l.practice""",
            ids,
        )
    return {"documents": docs, "practices": practices, "outcomes": outcomes}


def practice(con: duckdb.DuckDBPyConnection, name: str) -> dict[str, Rows]:
    """Where a practice was run, what it achieved (achieved links only), and practices like it."""
    names = [r["name"] for r in _rows(con, "select distinct name from measures")]
    hits = _resolve(name, names, "practice")
    marks = ", ".join("?" for _ in hits)
    counties = _rows(
        con,
        f"""select distinct m.name, m.kind, d.county, d.county_code, m.doc_id from measures m
            join documents d using (doc_id) where m.name in ({marks}) order by d.county""",
        hits,
    )
    outcomes = _rows(
        con,
        f"""select practice, indicator, value, unit, date, doc_id, evidence_start, evidence_end, evidence as quote
            from links where practice in ({marks}) and relation = 'achieved'""",
        hits,
    )
    similar = _rows(
        con,
        f"""select distinct n2.label as similar, e.attrs from edges e join nodes n1 on n1.id = e.source
            join nodes n2 on n2.id = e.target where e.relation = 'similar_to' and n1.label in ({marks})""",
        hits,
    )
    return {"counties": counties, "outcomes": outcomes, "similar": similar}


def indicator(con: duckdb.DuckDBPyConnection, name: str) -> Rows:
    """One indicator compared across counties: the reported (``status = actual``) figures of a canonical
    indicator (``indicator_std``, e.g. 建档立卡贫困户) or, when no canonical one matches, of the free indicators
    naming it; per-unit amounts apart from totals (ordered by county, then ``per``), newest first."""
    sql_std = "select distinct indicator_std from figures where indicator_std <> ''"
    stds = [r["indicator_std"] for r in _rows(con, sql_std)]
    by = "indicator_std"
    try:
        hits = _resolve(name, stds, "indicator")
    except NotFound:
        inds = [r["indicator"] for r in _rows(con, "select distinct indicator from figures")]
        hits, by = _resolve(name, inds, "indicator"), "indicator"
    marks = ", ".join("?" for _ in hits)
    return _rows(
        con,
        f"""select coalesce(nullif(f.county, ''), d.county) as county, f.county_code, f.indicator_std, f.indicator,
                   f.value, f.value_high, f.unit, f.per, f.date, f.status, f.doc_id, f.page, f.raw, f.sentence
            from figures_typed f left join documents d using (doc_id)
            where f.{by} in ({marks}) and coalesce(f.status, 'actual') in ('actual', '')
            order by county, f.per, f.date desc""",
        hits,
    )


def load_graph(con: duckdb.DuckDBPyConnection) -> nx.MultiDiGraph:
    g = nx.MultiDiGraph()
    for r in _rows(con, "select id, type, label from nodes"):
        g.add_node(r["id"], type=r["type"], label=r["label"])
    for r in _rows(con, 'select source, target, relation, doc_id, start, "end" from edges'):
        g.add_edge(r["source"], r["target"], relation=r["relation"], doc_id=r["doc_id"], start=r["start"], end=r["end"])
    return g


def _node(g: nx.MultiDiGraph, name: str) -> str:
    if name in g:
        return name
    labels = {d.get("label", ""): n for n, d in g.nodes(data=True)}
    return labels[_resolve(name, sorted(k for k in labels if k), "node")[0]]


def path(con: duckdb.DuckDBPyConnection, a: str, b: str) -> Rows:
    """The shortest chain of edges between two nodes (by id or label), ignoring direction."""
    g = load_graph(con)
    src, dst = _node(g, a), _node(g, b)
    u = g.to_undirected(as_view=True)
    try:
        nodes = nx.shortest_path(u, src, dst)
    except nx.NetworkXNoPath as exc:
        raise PipelineError(f"no path between {src} and {dst}") from exc
    rows = []
    for x, y in itertools.pairwise(nodes):
        data = next(iter((g.get_edge_data(x, y) or g.get_edge_data(y, x)).values()))
        rows.append(
            {
                "from": g.nodes[x]["label"],
                "relation": data["relation"],
                "to": g.nodes[y]["label"],
                **{k: data.get(k, "") for k in ("doc_id", "start", "end")},
            }
        )
    return rows


def sql(con: duckdb.DuckDBPyConnection, query: str) -> Rows:
    """Any read-only SQL over the store's tables (documents, places, figures, measures, links, nodes, edges …)."""
    return _rows(con, query)
