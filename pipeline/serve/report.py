"""``ruralmine report``: one self-contained HTML file (OUT/report.html) over an output folder's store, in Chinese:
county profiles, indicator charts across counties, the policy-tool distribution, a practice × county matrix,
practice families and the conflicts list. Every number links to an in-page evidence entry (quote, document,
page, character offsets).

It reads the store through the explorer's ``Explorer`` (the same queries, quotes and bar geometry), renders the
explorer's Jinja2 templates folder with autoescape on (document text is untrusted: markup in it is shown as
text), inlines the explorer's CSS and draws the charts as inline SVG at build time: the file opens from disk with
no network and runs no script.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader
from markupsafe import Markup

from pipeline.errors import PipelineError
from pipeline.io.writers import atomic_write_text
from pipeline.serve.app import HERE, STATIC, STATUS_ZH, _fmt
from pipeline.serve.store import KINDS, MAX_BARS, Explorer, Segment, bar_chart

log = logging.getLogger(__name__)

REPORT_NAME = "report.html"
MAX_ITEMS = 20  # quotes an evidence entry lists (it says how many there are in all)
MAX_CHARTS = 40  # indicator charts (the indicators reported by the most counties)
MAX_MATRIX = 300  # practices (rows) of the practice × county matrix, the most widespread first
TOOLS = ("供给型", "环境型", "需求型")
TOOL_COLOURS = {"供给型": "#3a7ca5", "环境型": "#81b29a", "需求型": "#e07a5f"}
REPORT_CSS = """
body { max-width:none; } main { max-width:1200px; margin:0 auto; }
nav.toc { position:sticky; top:0; z-index:2; }
section.part { margin-bottom:2em; }
.profile { border:1px solid var(--line); border-radius:4px; padding:.5em 1em; margin:.8em 0; }
.profile h3 { margin:.2em 0; }
a.num { font-variant-numeric:tabular-nums; text-decoration:none; border-bottom:1px dotted var(--accent); }
table.matrix td { text-align:center; } table.matrix th.county { writing-mode:vertical-rl; white-space:nowrap; }
table.matrix td.zero { color:#ccc; }
.evidence { border-top:1px solid var(--line); padding:.4em 0; }
.evidence:target { background:#fffbe6; }
.evidence, section.part, .profile { scroll-margin-top:3em; }
.evidence .item { margin:.3em 0 .6em 1em; }
.swatch { display:inline-block; width:1em; height:1em; vertical-align:middle; margin-right:.2em; }
svg a:hover rect { opacity:.75; }
tr.total td { font-weight:bold; }
"""


@dataclass
class Item:
    """One piece of evidence: a span of a document (with its paragraph cut into segments) or a whole document."""

    doc_id: str
    title: str
    page: Any = None
    start: Any = None
    end: Any = None
    segs: list[Segment] = field(default_factory=list)
    note: str = ""


@dataclass
class Group:
    """An evidence entry of the report: the anchor numbers link to, what it backs, its items (at most MAX_ITEMS)."""

    anchor: str
    title: str
    items: list[Item]
    n: int


class Evidence:
    """The evidence section: entries made once per distinct set of spans, numbered in the order numbers use them."""

    def __init__(self, ex: Explorer) -> None:
        self.ex = ex
        self.groups: list[Group] = []
        self._seen: dict[tuple[Any, ...], str] = {}
        self.titles = {str(r["doc_id"]): str(r["title"] or "") for r in ex.rows("select doc_id, title from documents")}
        self.pages: dict[tuple[str, int], Any] = {
            (str(r["doc_id"]), int(r["start"])): r["page"]
            for r in ex.rows("select doc_id, start, page from figures where start is not null")
        }

    def span(self, doc_id: Any, start: Any, end: Any, page: Any = None, fstart: Any = None, fend: Any = None) -> Item:
        doc = str(doc_id)
        if page is None and start is not None:
            page = self.pages.get((doc, int(start)))
        segs = self.ex.quote(doc, start, end, fstart, fend) if start is not None and end is not None else []
        return Item(doc, self.titles.get(doc, ""), page, start, end, segs)

    def document(self, doc_id: Any, note: str = "") -> Item:
        return Item(str(doc_id), self.titles.get(str(doc_id), ""), note=note)

    def add(self, title: str, spans: Sequence[tuple[Any, ...]], *, docs: bool = False) -> str:
        """The anchor of the entry for ``spans`` (doc_id, start, end, page[, figure start, figure end]) or, with
        ``docs``, for whole documents ((doc_id, note)); made on first use."""
        if not spans:
            return ""
        key = (docs, tuple(tuple(s) if docs else (*s[:3], *s[4:]) for s in spans))  # the page does not tell apart
        if key in self._seen:
            return self._seen[key]
        anchor = f"ev-{len(self.groups) + 1}"
        shown = spans[:MAX_ITEMS]
        items = [self.document(*s) for s in shown] if docs else [self.span(*s) for s in shown]
        self.groups.append(Group(anchor, title, items, len(spans)))
        self._seen[key] = anchor
        return anchor


def _split(codes: Any) -> list[str]:
    return [c.strip() for c in str(codes or "").replace(";", ";").split(";") if c.strip()]


def _source(src: Any) -> tuple[str, int, int] | None:
    """``doc_id:start-end`` (compare_counties' source columns) as its parts, None when it is not one."""
    doc, _, span = str(src or "").rpartition(":")
    a, _, b = span.partition("-")
    if not doc or not a.isdigit() or not b.isdigit():
        return None
    return doc, int(a), int(b)


def _profiles(ex: Explorer, ev: Evidence) -> list[dict[str, Any]]:
    """One profile per county of compare_counties: head, documents, practices, formulas, key outcomes."""
    if not ex.has("compare_counties"):
        return []
    cols = [r["column_name"] for r in ex.rows("select column_name from (describe compare_counties)")]
    indicators = [c for c in cols[5:] if not c.endswith((" date", " source"))]
    out = []
    for head in ex.rows("select * from compare_counties order by province, prefecture, county"):
        code, name = str(head["adcode"]), str(head["county"])
        c = ex.county(code)
        docs = c["documents"].rows
        practices = c["practices"].rows
        formulas = c["formulas"]
        p_names = sorted({p["name"] for p in practices})
        key = []
        for col in indicators:
            if head.get(col) is None:
                continue
            src = _source(head.get(f"{col} source"))
            spans = [(src[0], src[1], src[2], None, src[1], src[2])] if src else []
            key.append(
                {
                    "indicator": col,
                    "value": head[col],
                    "date": head.get(f"{col} date") or "",
                    "href": ev.add(f"{name}：{col}", spans) if spans else "",
                }
            )
        outcomes = []
        for o in c["outcomes"]:
            spans = [
                (o["doc_id"], o["evidence_start"], o["evidence_end"], o["page"], o["figure_start"], o["figure_end"])
            ]
            outcomes.append({**o, "href": ev.add(f"{name}：{o['practice']} → {o['indicator']}", spans)})
        out.append(
            {
                "code": code,
                "name": name,
                "province": head.get("province") or "",
                "prefecture": head.get("prefecture") or "",
                "n_docs": len(docs),
                "docs_href": ev.add(f"{name}：文档", [(d["doc_id"],) for d in docs], docs=True),
                "n_practices": len(p_names),
                "practices": p_names,
                "practices_href": ev.add(
                    f"{name}：做法",
                    [(p["doc_id"], p["start"], p["end"], p["page"]) for p in practices],
                ),
                "formulas": [
                    {**f, "href": ev.add(f"{name}：提法 {f['name']}", [(f["doc_id"], f["start"], f["end"], f["page"])])}
                    for f in formulas
                ],
                "n_formulas": len(formulas),
                "formulas_href": ev.add(
                    f"{name}：提法", [(f["doc_id"], f["start"], f["end"], f["page"]) for f in formulas]
                ),
                "key": key,
                "outcomes": outcomes,
                "n_outcomes": c["n_outcomes"],
            }
        )
    return out


def _charts(ex: Explorer, ev: Evidence) -> list[dict[str, Any]]:
    """Bar charts of the canonical indicators reported by the most counties (two or more, when any is): actual
    values only, the newest a county, one chart per unit and denominator (per-unit amounts apart), each bar
    linked to its figure."""
    table = ex.indicators().rows
    least = 2 if any(int(r["counties"] or 0) >= 2 for r in table) else 1  # one county: its own indicators
    names = [r["indicator"] for r in table if int(r["counties"] or 0) >= least][:MAX_CHARTS]
    out = []
    for name in names:
        rows = ex.rows(
            """select coalesce(nullif(f.county, ''), d.county) as county, f.county_code, f.value, f.unit, f.per,
                      f.date, f.doc_id, f.page, f.start, f."end"
               from figures f left join documents d using (doc_id)
               where f.indicator_std = ? and coalesce(f.status, 'actual') in ('actual', '')
               order by county, f.per, f.date desc, f.doc_id, f.start""",
            [name],
        )
        charts: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}
        for r in rows:
            key = (str(r["unit"] or ""), str(r["per"] or ""))
            charts.setdefault(key, {}).setdefault(str(r["county"] or r["county_code"] or "?"), r)
        for (unit, per), per_county in sorted(charts.items(), key=lambda kv: (kv[0][1] != "", kv[0])):
            bars = sorted(per_county.items(), key=lambda kv: -(kv[1]["value"] or 0))[:MAX_BARS]
            svg = bar_chart([(county, r["value"] or 0.0) for county, r in bars])
            title = f"{name}（{unit}{'/' + per if per else ''}）"
            for item, (county, r) in zip(svg["items"], bars, strict=True):
                span = (r["doc_id"], r["start"], r["end"], r["page"], r["start"], r["end"])
                item["href"] = ev.add(f"{title}：{county} {_fmt(r['value'])}（{r['date'] or '日期不详'}）", [span])
            out.append({"title": title, "per": per, "svg": svg, "n": len(per_county), "shown": len(bars)})
    return out


def _tools(ex: Explorer, ev: Evidence) -> dict[str, Any]:
    """The coded clauses of each county by policy tool (policy_tools_crosstab) as stacked bars and a table."""
    if not ex.has("policy_tools_crosstab"):
        return {"rows": [], "svg": None}
    rows = ex.rows("select * from policy_tools_crosstab order by county_code = '', county")
    clauses: dict[str, dict[str, list[tuple[Any, ...]]]] = {}  # county code -> tool -> spans
    if ex.has("policy_tools"):
        for c in ex.rows(
            'select county_code, tool, doc_id, start, "end", page from policy_tools order by doc_id, start'
        ):
            for code in _split(c["county_code"]) or [""]:
                span = (c["doc_id"], c["start"], c["end"], c["page"])
                clauses.setdefault(code, {}).setdefault(str(c["tool"]), []).append(span)
    label_w, width, bar_h, gap = 190, 700, 20, 6
    counties = [r for r in rows if str(r["county_code"] or "")]  # the total row (合计) is in the table only
    top = max((sum(int(r.get(t) or 0) for t in TOOLS) for r in counties), default=0) or 1
    out: list[dict[str, Any]] = []
    for r in rows:
        name = str(r["county"] or r["county_code"] or "?")
        codes = _split(r["county_code"]) or list(clauses)  # the total row: every county's clauses

        def spans(tools: Sequence[str], codes: list[str] = codes) -> list[tuple[Any, ...]]:
            got = [s for code in codes for t in tools for s in clauses.get(code, {}).get(t, [])]
            return sorted(set(got), key=lambda s: (str(s[0]), s[1] or 0))

        i = len(out)
        y, x = i * (bar_h + gap), float(label_w)
        parts = []
        for t in TOOLS:
            n = int(r.get(t) or 0)
            got = spans([t])
            href = ev.add(f"{name}：{t}条款", got) if n and got else ""
            w = n / top * (width - label_w - 60)
            parts.append({"tool": t, "n": n, "share": r.get(f"{t}_share"), "x": x, "w": w, "href": href})
            x += w
        coded, uncoded = spans(TOOLS), spans(["未编码"])
        out.append(
            {
                "name": name,
                "total": not str(r["county_code"] or ""),
                "n_clauses": int(r.get("n_clauses") or 0),
                "clauses_href": ev.add(f"{name}：已编码条款", coded) if coded else "",
                "uncoded": int(r.get("未编码") or 0),
                "uncoded_href": ev.add(f"{name}：未编码条款", uncoded) if uncoded else "",
                "parts": parts,
                "y": y,
                "ty": y + bar_h * 0.7,
                "end": x,
            }
        )
    svg = {"width": width, "height": max(1, len(counties)) * (bar_h + gap) + 4, "x": label_w, "h": bar_h}
    return {"rows": out, "svg": svg if out else None, "colours": TOOL_COLOURS}


def _matrix(ex: Explorer, ev: Evidence) -> dict[str, Any]:
    """Practices (rows, the most widespread first) × counties (columns): mentions, each cell linked to them."""
    cells: dict[tuple[str, str], list[tuple[Any, ...]]] = {}
    for m in ex.rows('select name, county_code, doc_id, start, "end", page from measures order by doc_id, start'):
        for code in _split(m["county_code"]):
            cells.setdefault((str(m["name"]), code), []).append((m["doc_id"], m["start"], m["end"], m["page"]))
    names: dict[str, str] = {}
    if ex.has("compare_counties"):
        names = {str(r["adcode"]): str(r["county"]) for r in ex.rows("select adcode, county from compare_counties")}
    codes = sorted({code for _, code in cells}, key=lambda c: (names.get(c, "~"), c))
    spread: dict[str, int] = {}
    for name, _ in cells:
        spread[name] = spread.get(name, 0) + 1
    practices = sorted(spread, key=lambda p: (-spread[p], p))
    rows = []
    for p in practices[:MAX_MATRIX]:
        row = []
        for code in codes:
            spans = cells.get((p, code), [])
            row.append({"n": len(spans), "href": ev.add(f"{p} @ {names.get(code, code)}", spans) if spans else ""})
        rows.append({"practice": p, "cells": row})
    return {
        "counties": [{"code": c, "name": names.get(c, c)} for c in codes],
        "rows": rows,
        "n": len(practices),
        "cells": cells,
    }


def _families(ex: Explorer, ev: Evidence, cells: dict[tuple[str, str], list[tuple[Any, ...]]]) -> list[dict[str, Any]]:
    """Practice families (compare_practices.family) with two or more members; each member's counties linked to
    its mentions, and the practices the graph calls similar."""
    if not ex.has("compare_practices"):
        return []
    by_family: dict[str, list[dict[str, Any]]] = {}
    for r in ex.rows(
        """select practice, kind, family, field, policy_tool, n_counties, n_docs from compare_practices
           order by family, n_counties desc, practice"""
    ):
        by_family.setdefault(str(r["family"] or r["practice"]), []).append(r)
    mentions: dict[str, list[tuple[Any, ...]]] = {}
    for (name, _), spans in cells.items():
        mentions.setdefault(name, []).extend(spans)
    out = []
    for family, members in sorted(by_family.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        if len(members) < 2:
            continue
        for m in members:
            spans = sorted(set(mentions.get(m["practice"], [])), key=lambda s: (str(s[0]), s[1] or 0))
            m["href"] = ev.add(f"做法 {m['practice']}", spans) if spans else ""
            m["similar"] = [other for other, _ in ex.similar.get(m["practice"], [])][:5]
        out.append({"family": family, "members": members})
    return out


def _conflicts(ex: Explorer, ev: Evidence) -> list[dict[str, Any]]:
    """conflicts.csv: two values of one indicator, unit and date for a county; each value linked to its figure."""
    if not ex.has("conflicts"):
        return []
    names = {}
    if ex.has("compare_counties"):
        names = {str(r["adcode"]): str(r["county"]) for r in ex.rows("select adcode, county from compare_counties")}
    out = []
    for r in ex.rows("select * from conflicts order by county_code, indicator, date"):
        title = f"{names.get(str(r['county_code']), r['county_code'])}：{r['indicator']}（{r['date'] or '日期不详'}）"
        a = (r["doc_a"], r["start_a"], r["end_a"], None, r["start_a"], r["end_a"])
        b = (r["doc_b"], r["start_b"], r["end_b"], None, r["start_b"], r["end_b"])
        out.append(
            {
                **r,
                "county": names.get(str(r["county_code"]), str(r["county_code"])),
                "href_a": ev.add(f"{title} 甲", [a]),
                "href_b": ev.add(f"{title} 乙", [b]),
            }
        )
    return out


def render(out: Path) -> str:
    """The report of output folder ``out`` as one HTML document (nothing written)."""
    out = Path(out)
    if not (out / "kg.duckdb").is_file():
        raise PipelineError(f"no store {out / 'kg.duckdb'}: run `ruralmine extract CORPUS --out {out}` first")
    ex = Explorer(out)
    try:
        ev = Evidence(ex)
        profiles = _profiles(ex, ev)
        charts = _charts(ex, ev)
        tools = _tools(ex, ev)
        matrix = _matrix(ex, ev)
        families = _families(ex, ev, matrix.pop("cells"))
        conflicts = _conflicts(ex, ev)
        env = Environment(loader=FileSystemLoader(str(HERE / "templates")), autoescape=True)
        env.filters["fmt"] = _fmt
        env.globals.update(status_zh=STATUS_ZH, kinds_zh={**KINDS, "organization": "组织"})
        css = (STATIC / "app.css").read_text(encoding="utf-8") + REPORT_CSS
        return env.get_template("report.html").render(
            css=Markup(css.replace("</", "<\\/")),
            run=ex.run,
            out_name=out.resolve().name,
            built=time.strftime("%Y-%m-%d %H:%M", time.localtime()),
            profiles=profiles,
            charts=charts,
            tools=tools,
            matrix=matrix,
            families=families,
            conflicts=conflicts,
            evidence=ev.groups,
        )
    finally:
        ex.close()


def write_report(out: Path, name: str = REPORT_NAME) -> Path:
    """Render the report of ``out`` and write it atomically to ``out/name``; the path written."""
    if Path(name).name != name or not name.endswith((".html", ".htm")):
        raise PipelineError(f"report name {name!r}: give a plain file name ending in .html (it is written into OUT)")
    html = render(out)
    path = Path(out) / name
    atomic_write_text(path, html)
    log.info("report: %s (%d bytes)", path, len(html.encode("utf-8")))
    return path
