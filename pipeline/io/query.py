"""Answers to researchers' questions over the store (``outputs/kg.duckdb``), as lists of row dicts.

Read-only; unknown names raise ``NotFound`` carrying close suggestions instead of a traceback. Names may be
given in traditional script (converted with OpenCC first); numbers come back as numbers (the store is typed);
quotes are the normalized text (simplified, without pinyin glosses).
"""

from __future__ import annotations

import difflib
import itertools
import json
import logging
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from pipeline.errors import PipelineError
from pipeline.io import sqlguard
from pipeline.io.folder import check_folder
from pipeline.model import OffsetMap
from pipeline.normalize import repair_pdf_breaks, strip_pronunciation, tidy_whitespace, to_simplified, unify_width
from pipeline.text.chars import CJK_SIDE

if TYPE_CHECKING:
    import networkx as nx

log = logging.getLogger(__name__)

Rows = list[dict[str, Any]]
MODELS = Path(__file__).resolve().parents[2] / "models"


class NotFound(PipelineError):
    def __init__(self, what: str, name: str, suggestions: list[str]) -> None:
        self.suggestions = suggestions
        hint = f"; did you mean: {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"no {what} named {name!r}{hint}")


def connect(db: Path) -> duckdb.DuckDBPyConnection:
    """The store, read-only, on the guarded connection (no files, URLs or extensions: ``sqlguard.connect``); an
    interrupted or mixed run is refused, a folder without run.json warned about (``folder.check_folder``)."""
    if db.is_file():
        check_folder(db.parent)
    return sqlguard.connect(db)


def _steps(text: str, steps: Sequence[Any]) -> str:
    omap = OffsetMap.identity(len(text))
    for step in steps:
        text, omap = step(text, omap)
    return text


def simplified(name: str) -> str:
    """A name as the store spells it: traditional script simplified (OpenCC t2s), full-width letters and digits
    made ASCII (榕江縣 -> 榕江县)."""
    return _steps(name.strip(), (unify_width, to_simplified))


_BREAK_RE = re.compile(r"\s*\n\s*")
_CJK_RE = re.compile(f"[{CJK_SIDE}]")


def _join(m: re.Match[str]) -> str:
    """A line break inside a quote: nothing between Chinese characters, one space otherwise."""
    text, a, b = m.string, m.start(), m.end()
    cjk = a > 0 and b < len(text) and bool(_CJK_RE.match(text[a - 1])) and bool(_CJK_RE.match(text[b]))
    return "" if cjk else " "


def quote(text: str) -> str:
    """Evidence as the normalized text reads: simplified, without pinyin glosses like ``(yùn)``, PDF line breaks
    inside a sentence joined."""
    text = _steps(text, (unify_width, strip_pronunciation, to_simplified, repair_pdf_breaks, tidy_whitespace))
    return _BREAK_RE.sub(_join, text)


def _quoted(rows: Rows, *keys: str) -> Rows:
    return [{**r, **{k: quote(r[k]) for k in keys if isinstance(r.get(k), str)}} for r in rows]


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
    places = _rows(con, "select distinct adcode, name, canonical from places where level = 'county' and focal")
    names = sorted({p["canonical"] for p in places} | {p["name"] for p in places} | {p["adcode"] for p in places})
    hits = set(_resolve(simplified(name), names, "county"))
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
    return {"documents": docs, "practices": practices, "outcomes": _quoted(outcomes, "quote")}


def practice(con: duckdb.DuckDBPyConnection, name: str) -> dict[str, Rows]:
    """Where a practice was run, what it achieved (achieved links only), and practices like it."""
    names = [r["name"] for r in _rows(con, "select distinct name from measures")]
    hits = _resolve(simplified(name), names, "practice")
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
    similar = [{"similar": r["similar"], **json.loads(r["attrs"] or "{}")} for r in similar]
    return {"counties": counties, "outcomes": _quoted(outcomes, "quote"), "similar": similar}


def vocabulary(models_dir: Path | None = None) -> Any:
    """The indicator vocabulary (``indicators.json`` in ``models_dir``, else ./models or the repository's models)
    that maps a phrase to canonical indicators; None when there is none (then only exact names match)."""
    from pipeline.learn.indicators import IndicatorVocabulary

    if models_dir is not None and not (models_dir / "indicators.json").is_file():
        raise PipelineError(f"no indicators.json in {models_dir} (pass the models folder, or run `make models`)")
    for folder in (models_dir,) if models_dir is not None else (Path("models"), MODELS):
        if (folder / "indicators.json").is_file():
            return IndicatorVocabulary.load(folder)
    log.warning("no indicators.json in ./models or %s: indicators match by exact name only", MODELS)
    return None


def indicator(con: duckdb.DuckDBPyConnection, name: str, vocabulary: Any = None) -> Rows:
    """One indicator compared across counties: the reported (``status = actual``) figures of a canonical
    indicator (``indicator_std``), found by its exact name, else by the vocabulary's rules for the phrase
    (``vocabulary``: ``IndicatorVocabulary``; 贫困户 -> 建档立卡贫困户), else figures whose free indicator is
    exactly the phrase. Never by substring: 脱贫人口 is not 总人口. Per-unit amounts apart from totals (ordered by
    county, then ``per``), newest first."""
    name = simplified(name)
    stds = [
        r["indicator_std"] for r in _rows(con, "select distinct indicator_std from figures where indicator_std <> ''")
    ]
    by, hits = "indicator_std", [s for s in stds if s == name]
    if not hits and vocabulary is not None:
        mapped = {ind.name for ind in vocabulary.indicators for u in ind.units if vocabulary.map(name, u) is ind}
        hits = sorted(mapped & set(stds))
    if not hits:
        inds = [r["indicator"] for r in _rows(con, "select distinct indicator from figures")]
        by, hits = "indicator", [i for i in inds if i == name]
        if not hits:
            close = difflib.get_close_matches(name, stds, n=5, cutoff=0.3)
            raise NotFound("indicator", name, close or difflib.get_close_matches(name, inds, n=5, cutoff=0.3))
    marks = ", ".join("?" for _ in hits)
    rows = _rows(
        con,
        f"""select coalesce(nullif(f.county, ''), d.county) as county, f.county_code, f.indicator_std, f.indicator,
                   f.value, f.value_high, f.unit, f.per, f.date, f.status, f.doc_id, f.page, f.raw, f.sentence
            from figures f left join documents d using (doc_id)
            where f.{by} in ({marks}) and coalesce(f.status, 'actual') in ('actual', '')
            order by county, f.per, f.date desc""",
        hits,
    )
    return _quoted(rows, "sentence")


def load_graph(con: duckdb.DuckDBPyConnection) -> nx.MultiDiGraph:
    import networkx as nx  # only `query path` needs the graph: other queries start without it

    g = nx.MultiDiGraph()
    for r in _rows(con, "select id, type, label from nodes"):
        g.add_node(r["id"], type=r["type"], label=r["label"])
    for r in _rows(con, 'select source, target, relation, doc_id, start, "end" from edges'):
        g.add_edge(r["source"], r["target"], relation=r["relation"], doc_id=r["doc_id"], start=r["start"], end=r["end"])
    return g


def _node(g: nx.MultiDiGraph, name: str) -> str:
    if name in g:
        return name
    name = simplified(name)
    if name in g:
        return name
    labels = {d.get("label", ""): n for n, d in g.nodes(data=True)}
    return labels[_resolve(name, sorted(k for k in labels if k), "node")[0]]


def path(con: duckdb.DuckDBPyConnection, a: str, b: str) -> Rows:
    """The shortest chain of edges between two nodes (by id or label), found ignoring direction; each edge is
    given in its own direction (``from`` is its source), ``along`` says whether it points along the chain from
    ``a`` to ``b`` (→) or against it (←)."""
    import networkx as nx

    g = load_graph(con)
    src, dst = _node(g, a), _node(g, b)
    u = g.to_undirected(as_view=True)
    try:
        nodes = nx.shortest_path(u, src, dst)
    except nx.NetworkXNoPath as exc:
        raise PipelineError(f"no path between {src} and {dst}") from exc
    rows = []
    for step, (x, y) in enumerate(itertools.pairwise(nodes), 1):
        forward = g.get_edge_data(x, y)
        head, tail = (x, y) if forward else (y, x)
        data = next(iter((forward or g.get_edge_data(y, x)).values()))
        rows.append(
            {
                "step": step,
                "from": g.nodes[head]["label"],
                "relation": data["relation"],
                "to": g.nodes[tail]["label"],
                "along": "→" if forward else "←",
                **{k: data.get(k) for k in ("doc_id", "start", "end")},
            }
        )
    return rows


def sql(
    con: duckdb.DuckDBPyConnection,
    query: str,
    limit: int = sqlguard.DEFAULT_LIMIT,
    timeout: float = sqlguard.DEFAULT_TIMEOUT,
) -> sqlguard.SqlResult:
    """One read-only query over the store's tables (documents, places, figures, measures, links, nodes, edges …),
    through the SQL guard: refused unless it only reads, at most ``limit`` rows, stopped after ``timeout`` s."""
    return sqlguard.run(con, query, limit=limit, timeout=timeout)
