"""What the explorer's pages show, read from an output folder: the store (kg.duckdb, read-only through the SQL
guard's connection) and the text files every offset points into.

Every answer is plain data (``Table``: columns and row dicts; spans of a text cut into ``Segment``s); the
templates escape all of it. Names in URLs are looked up in the store, never used as paths: the only files read
are the store and the text files the ``documents`` table names, each checked to lie inside ``OUT/text``.
"""

from __future__ import annotations

import functools
import itertools
import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from pipeline.errors import PipelineError
from pipeline.io import query, sqlguard

log = logging.getLogger(__name__)

Rows = list[dict[str, Any]]
MAX_ROWS = 500  # rows a page shows of a table; the CSV download has them all (up to CSV_ROWS)
CSV_ROWS = 200_000
MAX_QUOTES = 100  # outcomes a page shows with their evidence paragraph (the outcomes CSV has them all)
MAX_BARS = 60  # bars of a chart (the largest values; the table below has every county)
GRAPH_NEIGHBOURS = 60

# Kinds of findings on a document page: css class suffix -> Chinese label (the legend), in drawing order.
KINDS: dict[str, str] = {
    "clause": "政策工具条款",
    "evidence": "做法→成效证据",
    "place": "地名",
    "program": "做法",
    "slogan": "提法（口诀）",
    "loan_product": "信贷产品",
    "policy_document": "政策文件",
    "measure": "其他措施",
    "figure": "数字指标",
}
MEASURE_KINDS = ("program", "slogan", "loan_product", "policy_document")
KEY_INDICATORS = 4  # indicator columns of compare_counties shown on the counties page


class NotFoundError(PipelineError):
    """A page for something the store does not hold (the app answers 404)."""


@dataclass
class Table:
    """One table of a page: ``name`` (for its CSV download), column names and rows."""

    name: str
    columns: list[str]
    rows: Rows
    truncated: bool = False  # the query had more rows than ``rows`` holds
    show: int = MAX_ROWS  # rows the page shows (the CSV download has all of ``rows``)

    @classmethod
    def of(
        cls, name: str, rows: Rows, columns: Sequence[str] | None = None, cap: int = CSV_ROWS, show: int = MAX_ROWS
    ) -> Table:
        cols = list(columns) if columns is not None else (list(rows[0]) if rows else [])
        return cls(name, cols, rows[:cap], len(rows) > cap, show)


@dataclass
class Span:
    """A finding over ``text[start:end]``: its kind (a key of ``KINDS``) and index into the page's findings."""

    start: int
    end: int
    kind: str
    index: int


@dataclass
class Segment:
    """A piece of text and the findings covering it (``kinds`` for colour, ``ids`` for details)."""

    text: str
    kinds: list[str] = field(default_factory=list)
    ids: list[int] = field(default_factory=list)
    start: int = 0
    flags: list[str] = field(default_factory=list)  # is-pending, is-accepted: set by the app


def segments(text: str, spans: Iterable[Span], lo: int = 0, hi: int | None = None) -> list[Segment]:
    """``text[lo:hi]`` cut at every span boundary; each piece carries the spans covering it (innermost last).
    One sweep over the cuts: the spans open at a cut are the ones started before it and not yet ended."""
    hi = len(text) if hi is None else min(hi, len(text))
    inside = sorted((s for s in spans if s.end > lo and s.start < hi and s.end > s.start), key=lambda s: s.start)
    cuts = sorted({lo, hi} | {min(max(s.start, lo), hi) for s in inside} | {min(max(s.end, lo), hi) for s in inside})
    order = {k: i for i, k in enumerate(KINDS)}
    out: list[Segment] = []
    active: list[Span] = []
    nxt = 0
    for a, b in itertools.pairwise(cuts):
        while nxt < len(inside) and inside[nxt].start <= a:
            active.append(inside[nxt])
            nxt += 1
        active = [s for s in active if s.end > a]
        cover = sorted(active, key=lambda s: (order.get(s.kind, 0), -s.end))
        out.append(Segment(text[a:b], list(dict.fromkeys(s.kind for s in cover)), [s.index for s in cover], a))
    return out


def _num(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else f"{v:.6f}".rstrip("0").rstrip(".")
    return str(v)


class Explorer:
    """The output folder ``out`` opened for the explorer: one guarded read-only connection, a cursor a call."""

    def __init__(self, out: Path) -> None:
        self.out = Path(out).resolve()
        self.db = self.out / "kg.duckdb"
        self.con = query.connect(self.db)
        self.tables = {r[0] for r in self.con.execute("select table_name from information_schema.tables").fetchall()}
        self._texts: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()
        self.run = self._manifest()

    def _manifest(self) -> dict[str, Any]:
        try:
            data = json.loads((self.out / "run.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def close(self) -> None:
        self.con.close()

    # --- plumbing ---------------------------------------------------------------------------------------------

    def rows(self, sql: str, params: Sequence[Any] = ()) -> Rows:
        cur = self.con.cursor()
        try:
            res = cur.execute(sql, list(params))
            cols = [c[0] for c in res.description or []]
            return [dict(zip(cols, r, strict=True)) for r in res.fetchall()]
        finally:
            cur.close()

    def has(self, table: str) -> bool:
        return table in self.tables

    @functools.cached_property
    def text_files(self) -> dict[str, str]:
        """doc_id -> its text file as ``documents.text_file`` names it (relative to OUT)."""
        return {
            str(r["doc_id"]): str(r["text_file"] or "") for r in self.rows("select doc_id, text_file from documents")
        }

    def text(self, doc_id: str) -> str:
        """The text file of a document (``documents.text_file``), which must lie inside ``OUT/text``."""
        if doc_id not in self.text_files:
            raise NotFoundError(f"no document {doc_id!r} in the store")
        rel = self.text_files[doc_id]
        with self._lock:
            if rel in self._texts:
                self._texts.move_to_end(rel)
                return self._texts[rel]
        root = (self.out / "text").resolve()
        path = (self.out / rel).resolve() if rel else None
        if path is None or not path.is_relative_to(root) or not path.is_file():
            log.warning("document %s: text file %r missing or outside %s", doc_id, rel, root)
            return ""
        text = path.read_text(encoding="utf-8", errors="replace")
        with self._lock:
            self._texts[rel] = text
            while len(self._texts) > 64:
                self._texts.popitem(last=False)
        return text

    # --- counties ---------------------------------------------------------------------------------------------

    def counties(self) -> Table:
        """One row per county of compare_counties: province, prefecture, documents, practices, key indicators."""
        if not self.has("compare_counties"):
            return Table.of("counties", [])
        cols = [r["column_name"] for r in self.rows("select column_name from (describe compare_counties)")]
        indicators = [c for c in cols[5:] if not c.endswith((" date", " source"))][:KEY_INDICATORS]
        practices: dict[str, int] = {}
        if self.has("edges_county_practice"):
            for r in self.rows(
                "select county_code, count(distinct target) as n from edges_county_practice group by county_code"
            ):
                practices[str(r["county_code"])] = int(r["n"])
        picked = ", ".join('"' + c.replace('"', '""') + '"' for c in ["adcode", "county", "province", "prefecture"])
        ind = "".join(', "' + c.replace('"', '""') + '"' for c in indicators)
        rows = self.rows(f"select {picked}, n_docs{ind} from compare_counties order by province, prefecture, county")
        out = []
        for r in rows:
            row = {
                "adcode": r["adcode"],
                "县": r["county"],
                "省": r["province"],
                "市（州）": r["prefecture"],
                "文档数": r["n_docs"],
                "做法数": practices.get(str(r["adcode"]), 0),
            }
            row.update({c: r[c] for c in indicators})
            out.append(row)
        return Table.of("counties", out, show=5000)  # all of them: the page's filters work on the rows shown

    def county(self, adcode: str) -> dict[str, Any]:
        found = self.rows("select * from compare_counties where adcode = ?", [adcode])
        if not found:  # a name (the counties table links them too): one county of that name
            found = self.rows("select * from compare_counties where county = ?", [query.simplified(adcode)])
            found = found if len(found) == 1 else []
            adcode = str(found[0]["adcode"]) if found else adcode
        if not found:
            raise NotFoundError(f"no county {adcode!r} in compare_counties")
        head = found[0]
        like = f"%{adcode}%"
        docs = self.rows(
            "select doc_id, title, format, n_pages from documents where county_code like ? order by doc_id", [like]
        )
        practices = self.rows(
            """select name, kind, declared_count, components, doc_id, page, start, "end" from measures
               where county_code like ? order by kind, name, doc_id, start""",
            [like],
        )
        formulas = [p for p in practices if p["kind"] == "slogan" or p["components"]]
        for f in formulas:
            f["steps"] = [s.strip() for s in str(f["components"] or "").split("|") if s.strip()]
        outcomes = self.rows(
            """select l.practice, l.indicator, l.value, l.unit, l.date, coalesce(f.status, 'actual') as status,
                      l.doc_id, coalesce(l.page, f.page) as page, l.evidence_start, l.evidence_end,
                      l.figure_start, l.figure_end
               from links l left join figures f on f.doc_id = l.doc_id and f.start = l.figure_start
               where l.county_code like ? and l.relation = 'achieved'
               order by l.practice, l.doc_id, l.evidence_start""",
            [like],
        )
        self._quotes(outcomes)
        figures = self.rows(
            """select indicator, indicator_std, value, unit, per, date, status, doc_id, page, start, "end" from figures
               where county_code = ? order by indicator_std desc, indicator, date desc""",
            [adcode],
        )
        names = sorted({p["name"] for p in practices})
        return {
            "head": head,
            "documents": Table.of("documents", docs),
            "practices": Table.of("practices", [p for p in practices if p not in formulas]),
            "practice_names": names,
            "formulas": formulas,
            "outcomes": outcomes[:MAX_QUOTES],
            "n_outcomes": len(outcomes),
            "outcomes_table": Table.of(
                "outcomes", [{k: v for k, v in o.items() if k != "quote"} for o in outcomes], cap=CSV_ROWS
            ),
            "figures": Table.of("figures", figures),
        }

    def _quotes(self, outcomes: Rows) -> None:
        for o in outcomes[:MAX_QUOTES]:
            spans = (o["evidence_start"], o["evidence_end"], o["figure_start"], o["figure_end"])
            o["quote"] = self.quote(o["doc_id"], *spans)

    def quote(self, doc_id: str, start: Any, end: Any, fstart: Any = None, fend: Any = None) -> list[Segment]:
        """The paragraph around ``text[start:end]`` cut into segments: the evidence marked, the figure in it too."""
        text = self.text(doc_id)
        if not text or start is None or end is None:
            return []
        start, end = int(start), int(end)
        lo = max(text.rfind("\n", 0, start) + 1, start - 300)
        hi = text.find("\n", end)
        hi = min(len(text) if hi < 0 else hi, end + 300)
        spans = [Span(start, end, "evidence", 0)]
        if fstart is not None and fend is not None:
            spans.append(Span(int(fstart), int(fend), "figure", 1))
        return segments(text, spans, lo, hi)

    # --- practices ----------------------------------------------------------------------------------------------

    def practices(self) -> Table:
        if not self.has("compare_practices"):
            return Table.of("practices", [])
        rows = self.rows(
            """select practice, kind, family, field, policy_tool, n_counties, n_docs, n_outcomes
               from compare_practices order by n_counties desc, n_docs desc, practice"""
        )
        return Table.of("practices", rows)

    def practice(self, name: str) -> dict[str, Any]:
        head = (
            self.rows("select * from compare_practices where practice = ?", [name])
            if self.has("compare_practices")
            else []
        )
        alias = self.rows("select * from practices where practice = ?", [name]) if self.has("practices") else []
        if not head and not alias and not self.rows("select 1 from measures where name = ? limit 1", [name]):
            raise NotFoundError(f"no practice {name!r} in the store")
        counties = self.rows(
            """select distinct d.county, m.county_code, m.kind, m.doc_id, m.page, m.start, m."end" from measures m
               join documents d using (doc_id) where m.name = ? order by d.county, m.doc_id""",
            [name],
        )
        outcomes = self.rows(
            """select l.indicator, l.value, l.unit, l.date, coalesce(f.status, 'actual') as status, l.county_code,
                      l.doc_id, coalesce(l.page, f.page) as page, l.evidence_start, l.evidence_end,
                      l.figure_start, l.figure_end
               from links l left join figures f on f.doc_id = l.doc_id and f.start = l.figure_start
               where l.practice = ? and l.relation = 'achieved' order by l.doc_id, l.evidence_start""",
            [name],
        )
        self._quotes(outcomes)
        sim = [{"similar": other, "score": score} for other, score in self.similar.get(name, [])]
        aliases = str(alias[0].get("aliases") or "") if alias else ""
        return {
            "name": name,
            "head": head[0] if head else {},
            "aliases": [a.strip() for a in aliases.replace("|", ";").split(";") if a.strip()],
            "counties": Table.of("counties", counties),
            "outcomes": outcomes[:MAX_QUOTES],
            "n_outcomes": len(outcomes),
            "outcomes_table": Table.of(
                "outcomes", [{k: v for k, v in o.items() if k != "quote"} for o in outcomes], cap=CSV_ROWS
            ),
            "similar": Table.of("similar", sim),
            "node": self.node_id("Practice", name) or self.node_id("Measure", name),
        }

    @functools.cached_property
    def similar(self) -> dict[str, list[tuple[str, Any]]]:
        """Practice label -> (similar practice, score) of the graph's similar_to edges, both ways (read once)."""
        rows = self.rows(
            """select n1.label as a, n2.label as b, e.attrs from edges e join nodes n1 on n1.id = e.source
               join nodes n2 on n2.id = e.target where e.relation = 'similar_to'"""
        )
        out: dict[str, dict[str, Any]] = {}
        for r in rows:
            attrs = json.loads(r["attrs"] or "{}")
            score = attrs.get("weight", attrs.get("score", ""))
            out.setdefault(r["a"], {}).setdefault(r["b"], score)
            out.setdefault(r["b"], {}).setdefault(r["a"], score)
        return {k: sorted(v.items(), key=lambda kv: -float(kv[1] or 0)) for k, v in out.items()}

    def practice_names(self) -> list[str]:
        return [r["name"] for r in self.rows("select distinct name from measures order by name")]

    # --- indicators ------------------------------------------------------------------------------------------------

    def indicators(self) -> Table:
        rows = self.rows(
            """select indicator_std as indicator, count(*) as figures, count(distinct county_code) as counties,
                      string_agg(distinct unit, ' ') as units
               from figures where indicator_std <> '' group by indicator_std order by counties desc, indicator"""
        )
        return Table.of("indicators", rows)

    def indicator(self, name: str) -> dict[str, Any]:
        """The reported (actual) figures of a canonical indicator (else of a free indicator phrase) across counties,
        as ``query.indicator`` selects them, newest first per county; bar charts per unit and denominator."""
        name = query.simplified(name)
        by = "indicator_std"
        if not self.rows("select 1 from figures where indicator_std = ? limit 1", [name]):
            if not self.rows("select 1 from figures where indicator = ? limit 1", [name]):
                raise NotFoundError(f"no indicator {name!r} in the store")
            by = "indicator"
        rows = self.rows(
            f"""select coalesce(nullif(f.county, ''), d.county) as county, f.county_code, f.indicator_std,
                       f.indicator, f.value, f.value_high, f.unit, f.per, f.date, f.status, f.doc_id, f.page, f.raw
                from figures f left join documents d using (doc_id)
                where f.{by} = ? and coalesce(f.status, 'actual') in ('actual', '')
                order by county, f.per, f.date desc""",
            [name],
        )
        charts: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}
        for r in rows:  # newest actual value per county (rows come newest first per county and per)
            key = (str(r.get("unit") or ""), str(r.get("per") or ""))
            county = str(r.get("county") or r.get("county_code") or "?")
            charts.setdefault(key, {}).setdefault(county, r)
        out = []
        for (unit, per), per_county in sorted(charts.items(), key=lambda kv: (kv[0][1] != "", kv[0])):
            bars = sorted(per_county.items(), key=lambda kv: -(kv[1].get("value") or 0))
            title = f"{name}（{unit}{'/' + per if per else ''}）"
            svg = bar_chart([(c, r.get("value") or 0.0) for c, r in bars[:MAX_BARS]])
            out.append({"title": title, "per": per, "svg": svg, "n": len(bars), "shown": min(len(bars), MAX_BARS)})
        return {"name": name, "table": Table.of("indicator", rows), "charts": out}

    # --- documents --------------------------------------------------------------------------------------------

    def documents(self) -> Table:
        rows = self.rows(
            "select doc_id, title, county, format, script, n_chars, n_pages, status from documents order by doc_id"
        )
        return Table.of("documents", rows, show=5000)

    def document(self, doc_id: str) -> dict[str, Any]:
        head = self.rows("select * from documents where doc_id = ?", [doc_id])
        if not head:
            raise NotFoundError(f"no document {doc_id!r} in the store")
        text = self.text(doc_id)
        findings: Rows = []
        spans: list[Span] = []

        def add(kind: str, start: Any, end: Any, detail: dict[str, Any]) -> None:
            if start is None or end is None or int(end) <= int(start):
                return
            spans.append(Span(int(start), int(end), kind, len(findings)))
            findings.append({"kind": kind, "label": KINDS[kind], "start": int(start), "end": int(end), **detail})

        for f in self.rows(
            """select indicator, indicator_std, value, value_high, unit, per, date, status, qualifier, page, start,
                      "end", raw from figures where doc_id = ? order by start""",
            [doc_id],
        ):
            detail = {
                "name": f["indicator"],
                "指标": f["indicator"],
                "规范指标": f["indicator_std"] or "",
                "数值": _num(f["value"]) + (f"–{_num(f['value_high'])}" if f["value_high"] is not None else ""),
                "单位": (f["unit"] or "") + (f"/{f['per']}" if f["per"] else ""),
                "日期": f["date"] or "",
                "状态": f["status"] or "",
                "限定": f["qualifier"] or "",
                "页": _num(f["page"]),
                "scope": "figure",
            }
            add("figure", f["start"], f["end"], detail)
        for m in self.rows(
            'select name, kind, components, page, start, "end" from measures where doc_id = ? order by start', [doc_id]
        ):
            kind = m["kind"] if m["kind"] in MEASURE_KINDS else "measure"
            detail = {"name": m["name"], "名称": m["name"], "类型": m["kind"], "步骤": m["components"] or ""}
            add(kind, m["start"], m["end"], {**detail, "页": _num(m["page"]), "scope": "practice"})
        for p in self.rows(
            'select name, canonical, adcode, level, focal, start, "end" from places where doc_id = ?', [doc_id]
        ):
            detail = {"name": p["name"], "地名": p["canonical"], "代码": p["adcode"], "级别": p["level"]}
            add("place", p["start"], p["end"], {**detail, "主体": "是" if p["focal"] else "否", "scope": "place"})
        links = self.rows(
            """select practice, relation, indicator, value, unit, date, evidence_start, evidence_end, page
               from links where doc_id = ? order by evidence_start""",
            [doc_id],
        )
        for lk in links:
            detail = {"name": lk["practice"], "做法": lk["practice"], "关系": lk["relation"], "指标": lk["indicator"]}
            detail |= {"数值": _num(lk["value"]), "单位": lk["unit"] or "", "日期": lk["date"] or "", "scope": ""}
            add("evidence", lk["evidence_start"], lk["evidence_end"], detail)
        if self.has("policy_tools"):
            for c in self.rows(
                """select field, tool, sub_tool, confidence, start, "end" from policy_tools
                   where doc_id = ? and tool <> '未编码' order by start""",
                [doc_id],
            ):
                detail = {"name": c["sub_tool"], "领域": c["field"], "工具": c["tool"], "子工具": c["sub_tool"]}
                add("clause", c["start"], c["end"], {**detail, "置信度": _num(c["confidence"]), "scope": ""})
        present = [k for k in KINDS if any(s.kind == k for s in spans)]
        return {
            "head": head[0],
            "segments": segments(text, spans),
            "findings": findings,
            "legend": [(k, KINDS[k]) for k in present],
            "links": Table.of("links", links),
            "has_text": bool(text),
        }

    # --- figures ---------------------------------------------------------------------------------------------------

    FIGURE_FILTERS = ("county", "indicator", "unit", "date_from", "date_to", "status")

    def figures(self, filters: dict[str, str], cap: int = CSV_ROWS) -> Table:
        """Figures matching the filters: county (name or code, contained), indicator (free or canonical,
        contained), unit (exact), date range (ISO-like text compared by prefix), status (exact)."""
        where, params = ["1 = 1"], []
        if v := filters.get("county", "").strip():
            where.append("(f.county like ? or f.county_code like ? or d.county like ?)")
            params += [f"%{v}%", f"%{v}%", f"%{query.simplified(v)}%"]
        if v := filters.get("indicator", "").strip():
            where.append("(f.indicator like ? or f.indicator_std like ?)")
            params += [f"%{query.simplified(v)}%"] * 2
        if v := filters.get("unit", "").strip():
            where.append("f.unit = ?")
            params.append(v)
        if v := filters.get("date_from", "").strip():
            where.append("f.date <> '' and f.date >= ?")
            params.append(v)
        if v := filters.get("date_to", "").strip():
            where.append("f.date <> '' and substr(f.date, 1, length(?)) <= ?")
            params += [v, v]
        if v := filters.get("status", "").strip():
            where.append("f.status = ?")
            params.append(v)
        rows = self.rows(
            f"""select coalesce(nullif(f.county, ''), d.county) as county, f.county_code, f.indicator,
                       f.indicator_std, f.value, f.value_high, f.unit, f.per, f.date, f.status, f.qualifier, f.raw,
                       f.doc_id, f.page, f.start, f."end"
                from figures f left join documents d using (doc_id) where {" and ".join(where)}
                order by county, f.indicator, f.date desc limit {int(cap) + 1}""",
            params,
        )
        return Table.of("figures", rows, cap=cap)

    @functools.cached_property
    def choices(self) -> dict[str, list[str]]:
        """The units and statuses of the figures (the store is read-only: read once)."""
        return self.figure_choices()

    def figure_choices(self) -> dict[str, list[str]]:
        units = [r["unit"] for r in self.rows("select distinct unit from figures where unit <> '' order by unit")]
        statuses = [r["status"] for r in self.rows("select distinct status from figures where status <> '' order by 1")]
        return {"units": units, "statuses": statuses}

    # --- graph ------------------------------------------------------------------------------------------------------

    def node_id(self, kind: str, label: str) -> str:
        got = self.rows("select id from nodes where type = ? and label = ? limit 1", [kind, label])
        return str(got[0]["id"]) if got else ""

    def neighbourhood(self, node: str) -> dict[str, Any]:
        found = self.rows("select id, type, label from nodes where id = ?", [node])
        if not found:
            raise NotFoundError(f"no node {node!r} in the graph")
        edges = self.rows(
            f"""select source, target, relation from edges where source = ? or target = ?
                order by relation limit {GRAPH_NEIGHBOURS * 3}""",
            [node, node],
        )
        ids = list(dict.fromkeys(e["target"] if e["source"] == node else e["source"] for e in edges))
        ids = [i for i in ids if i != node][:GRAPH_NEIGHBOURS]
        marks = ", ".join("?" for _ in ids) or "''"
        info = {r["id"]: r for r in self.rows(f"select id, type, label from nodes where id in ({marks})", ids)}
        return {
            "center": found[0],
            "svg": graph_layout(found[0], [info[i] for i in ids if i in info], edges),
            "edges": Table.of("edges", edges),
            "truncated": len(ids) >= GRAPH_NEIGHBOURS,
        }

    # --- SQL -----------------------------------------------------------------------------------------------------

    def sql(self, statement: str, limit: int = sqlguard.DEFAULT_LIMIT, timeout: float = 10.0) -> Table:
        cur = self.con.cursor()
        try:
            res = sqlguard.run(cur, statement, limit=limit, timeout=timeout)
        except duckdb.Error as exc:  # a wrong column or table: the engine's words
            raise PipelineError(f"SQL error: {str(exc).splitlines()[0]}") from exc
        finally:
            cur.close()
        return Table("sql", res.columns, res.rows, res.truncated)


# --- drawing ------------------------------------------------------------------------------------------------------

BAR_H, BAR_GAP, LABEL_W, CHART_W = 22, 6, 150, 640


def bar_chart(bars: Sequence[tuple[str, float]]) -> dict[str, Any]:
    """Horizontal bars as data for the SVG template: label, value text, geometry (values of one unit only)."""
    top = max((abs(v) for _, v in bars), default=0.0) or 1.0
    width = CHART_W - LABEL_W - 90
    items = []
    for i, (label, value) in enumerate(bars):
        y = i * (BAR_H + BAR_GAP)
        items.append(
            {
                "label": label,
                "value": _num(value),
                "y": y,
                "ty": y + BAR_H * 0.7,
                "w": max(1.0, abs(value) / top * width),
            }
        )
    return {
        "items": items,
        "x": LABEL_W,
        "h": BAR_H,
        "width": CHART_W,
        "height": max(1, len(bars)) * (BAR_H + BAR_GAP),
    }


def graph_layout(center: dict[str, Any], around: Sequence[dict[str, Any]], edges: Sequence[dict[str, Any]]) -> Any:
    """A node in the middle and its neighbours on rings (inner ring first, 20 a ring), as data for the SVG template."""
    import math

    nodes = [{**center, "x": 0.0, "y": 0.0, "center": True}]
    for i, n in enumerate(around):
        ring, pos = divmod(i, 20)
        count = min(20, len(around) - ring * 20)
        angle = 2 * math.pi * pos / max(count, 1) + ring * 0.3
        r = 220 + ring * 140
        nodes.append({**n, "x": round(r * math.cos(angle), 1), "y": round(r * math.sin(angle), 1), "center": False})
    where = {n["id"]: n for n in nodes}
    lines = []
    for e in edges:
        a, b = where.get(e["source"]), where.get(e["target"])
        if a is not None and b is not None and a is not b:
            mid = ((a["x"] + b["x"]) / 2, (a["y"] + b["y"]) / 2)
            lines.append({"x1": a["x"], "y1": a["y"], "x2": b["x"], "y2": b["y"], "mx": mid[0], "my": mid[1], **e})
    extent = 220 + ((len(around) - 1) // 20) * 140 + 120 if around else 200
    return {"nodes": nodes, "lines": lines, "extent": extent}
