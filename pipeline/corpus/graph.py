"""The knowledge graph: documents, places, practices, figures and the links between them (networkx).

Built from the typed records of every document (the same records the tables are written from), so the
graph and the tables never disagree. Node ids are stable strings (``County:522632``, ``Practice:社社联建``)
so the same practice named in several documents is one node.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import networkx as nx

from pipeline.model import DocResult, Link, Measure
from pipeline.text.numerals import format_value

KIND_TYPES = {
    "program": "Practice",
    "slogan": "Measure",
    "loan_product": "LoanProduct",
    "policy_document": "PolicyDocument",
    "organization": "Organization",
}
PRACTICE_TYPES = {"Practice", "Measure", "LoanProduct"}
INSTRUMENT_TYPES = {"LoanProduct", "PolicyDocument", "Organization"}


def _add_node(g: nx.MultiDiGraph, node: str, **attrs: Any) -> str:
    if node in g:
        g.nodes[node].update({k: v for k, v in attrs.items() if v not in ("", None)})
    else:
        g.add_node(node, **attrs)
    return node


def _part_of(g: nx.MultiDiGraph, child: str, ntype: str, code: str, label: str) -> str:
    """The parent unit's node, joined to ``child`` by one ``part_of`` edge."""
    parent = _add_node(g, f"{ntype}:{code}", type=ntype, label=label, adcode=code)
    if not g.has_edge(child, parent):
        g.add_edge(child, parent, relation="part_of")
    return parent


def _prov(doc_id: str, start: int | str = "", end: int | str = "") -> dict[str, Any]:
    return {"doc_id": doc_id, "start": start, "end": end}


def build_graph(
    results: Sequence[DocResult],
    similar: Iterable[tuple[str, str, float]] = (),
    families: Mapping[str, str] | None = None,
    classes: Mapping[str, Mapping[str, Any]] | None = None,
) -> nx.MultiDiGraph:
    """One graph over all documents; every edge has ``relation``, text-derived ones carry provenance.

    ``similar`` adds ``similar_to`` edges (weight = score) between practices; ``families`` and ``classes``
    (field, policy tool) become attributes of practice nodes.
    """
    g = nx.MultiDiGraph()
    focal_by_doc: dict[str, list[str]] = {}
    for r in results:
        d = r.doc
        _add_node(g, f"Document:{d.doc_id}", type="Document", label=d.title or d.doc_id, **_prov(d.doc_id))
    for r in results:
        doc_id = r.doc.doc_id
        for p in r.places:
            if p.level not in ("county", "prefecture", "province"):
                continue
            node = _add_node(
                g,
                f"{p.level.capitalize()}:{p.adcode}",
                type=p.level.capitalize(),
                label=p.canonical or p.name,
                adcode=p.adcode,
            )
            prov = _prov(doc_id, p.mention.raw_start, p.mention.raw_end)
            g.add_edge(f"Document:{doc_id}", node, relation="about" if p.focal else "mentions", **prov)
            if p.level == "county":
                if p.focal:
                    focal_by_doc.setdefault(doc_id, []).append(node)
                code = p.adcode
                if p.prefecture:
                    pref = _part_of(g, node, "Prefecture", f"{code[:4]}00", p.prefecture)
                    if p.province:
                        _part_of(g, pref, "Province", f"{code[:2]}0000", p.province)
    practice_by_doc: dict[str, list[str]] = {}
    for r in results:
        doc_id = r.doc.doc_id
        for m in r.measures:
            ntype = KIND_TYPES.get(m.kind, "Measure")
            node = _add_node(g, f"{ntype}:{m.name}", type=ntype, label=m.name, kind=m.kind)
            prov = _prov(doc_id, m.mention.raw_start, m.mention.raw_end)
            g.add_edge(f"Document:{doc_id}", node, relation="describes", **prov)
            if ntype in PRACTICE_TYPES:
                practice_by_doc.setdefault(doc_id, []).append(node)
                for county in focal_by_doc.get(doc_id, []):
                    g.add_edge(county, node, relation="ran", **prov)
            for i, comp in enumerate((c for c in m.components if c.strip()), 1):
                step = _add_node(g, f"Step:{m.name}#{i}", type="Step", label=comp, order=i)
                if not g.has_edge(node, step):
                    g.add_edge(node, step, relation="has_step", **prov)
    _add_uses_edges(g, results)
    fig_node: dict[tuple[str, int], str] = {}
    for r in results:
        doc_id = r.doc.doc_id
        for f in r.figures:
            value = format_value(f.value)
            start = f.mention.raw_start
            node = _add_node(
                g,
                f"Figure:{doc_id}@{start}",
                type="Figure",
                label=f"{f.indicator} {value}{f.unit}",
                value=value,
                unit=f.unit,
                date=f.date,
                indicator=f.indicator,
                indicator_std=f.indicator_std,
                per=f.per,
                status=f.status,
            )
            fig_node[(doc_id, start)] = node
            g.add_edge(f"Document:{doc_id}", node, relation="reports", **_prov(doc_id, start, f.mention.raw_end))
            if f.indicator:
                ind = _add_node(g, f"Indicator:{f.indicator}", type="Indicator", label=f.indicator)
                g.add_edge(node, ind, relation="measures")
    for r in results:
        doc_id = r.doc.doc_id
        for ln in unique_links(r.links):
            fnode = fig_node.get((doc_id, ln.figure.mention.raw_start))
            if fnode is None:
                continue
            head = _link_head(g, ln.practice, practice_by_doc.setdefault(doc_id, []), focal_by_doc.get(doc_id, []))
            if any(d.get("relation") == ln.relation for d in (g.get_edge_data(head, fnode) or {}).values()):
                continue
            ev = ln.evidence
            g.add_edge(head, fnode, relation=ln.relation, rule=ln.rule, **_prov(doc_id, ev.raw_start, ev.raw_end))
    by_label: dict[str, list[str]] = {}
    for n, d in g.nodes(data=True):
        if d.get("type") in PRACTICE_TYPES:
            by_label.setdefault(d["label"], []).append(n)
    for name, nodes in by_label.items():
        for n in nodes:
            if families and name in families:
                g.nodes[n]["family"] = families[name]
            cls = (classes or {}).get(name)
            if cls:
                g.nodes[n].update(
                    {
                        "field": cls.get("field", ""),
                        "policy_tool": cls.get("tool", ""),
                        "sub_tool": cls.get("sub_tool", ""),
                    }
                )
    for a, b, score in similar:
        for u in by_label.get(a, []):
            for v in by_label.get(b, []):
                g.add_edge(u, v, relation="similar_to", weight=round(float(score), 4), rule="tfidf:practice_similarity")
    return g


def unique_links(links: Iterable[Link]) -> list[Link]:
    """The links of one document without repeats: a paragraph the page prints twice gives the same practice →
    value + unit link with the same evidence text twice; the first is kept (``links.csv`` and the graph)."""
    seen: set[tuple[str, float, str, str, str]] = set()
    out = []
    for ln in links:
        key = (ln.practice.name, ln.figure.value, ln.figure.unit, ln.relation, ln.evidence.text.strip())
        if key not in seen:
            seen.add(key)
            out.append(ln)
    return out


def _link_head(g: nx.MultiDiGraph, practice: Measure, doc_practices: list[str], counties: Sequence[str]) -> str:
    """The node a link starts from: the document's practice node of that name, else a node for the practice the
    link names (an organization that ran it, a term the title coins), which the focal counties ran."""
    for n in doc_practices:
        if g.nodes[n]["label"] == practice.name:
            return n
    ntype = KIND_TYPES.get(practice.kind, "Practice")
    node = _add_node(g, f"{ntype}:{practice.name}", type=ntype, label=practice.name, kind=practice.kind)
    doc_practices.append(node)
    prov = _prov(practice.mention.doc_id, practice.mention.raw_start, practice.mention.raw_end)
    for county in counties:
        if not g.has_edge(county, node):
            g.add_edge(county, node, relation="ran", **prov)
    return node


USES_WINDOW = 300  # characters: a practice uses the instruments named near it, not every one in the report


def _add_uses_edges(g: nx.MultiDiGraph, results: Sequence[DocResult]) -> None:
    """practice → instrument (loan product, policy document, organization) when named within ``USES_WINDOW``
    characters of each other in one document: linear in the mentions, so a 1-MB report stays cheap."""
    for r in results:
        doc_id = r.doc.doc_id
        items = sorted(
            (m.mention.raw_start, f"{KIND_TYPES.get(m.kind, 'Measure')}:{m.name}", KIND_TYPES.get(m.kind, "Measure"))
            for m in r.measures
        )
        positions = [p for p, _, _ in items]
        for pos, node, ntype in items:
            if ntype not in PRACTICE_TYPES or ntype == "LoanProduct":
                continue
            lo = bisect.bisect_left(positions, pos - USES_WINDOW)
            hi = bisect.bisect_right(positions, pos + USES_WINDOW)
            for _, inst, itype in items[lo:hi]:
                if itype in INSTRUMENT_TYPES and inst != node and not g.has_edge(node, inst):
                    g.add_edge(node, inst, relation="uses", doc_id=doc_id)


# ------------------------------------------------------------------------------------------------- exports

# In the exports the character offsets are ``char_start``/``char_end``: GEXF (and Gephi) read attributes named
# ``start``/``end`` as time intervals and would make the whole graph dynamic.
EXPORT_NAMES = {"start": "char_start", "end": "char_end"}
EXPORT_TYPES: dict[str, type] = {"value": float, "weight": float, "char_start": int, "char_end": int, "order": int}


def _scalar(key: str, v: Any) -> Any:
    """The value as the exports declare its key (float, int or str); ``None`` for an empty value."""
    if v is None or v == "":
        return None
    kind = EXPORT_TYPES.get(key, str)
    if kind is str:
        return str(v)
    try:
        return kind(float(v)) if kind is int else float(v)
    except (TypeError, ValueError):
        return None


def _export_attrs(data: Mapping[str, Any]) -> dict[str, Any]:
    out = {}
    for k, v in data.items():
        key = EXPORT_NAMES.get(k, k)
        cleaned = _scalar(key, v)
        if cleaned is not None:
            out[key] = cleaned
    return out


def clean_for_export(g: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """The graph as GraphML, GEXF and Neo4j get it: one type per attribute key (``value``/``weight`` floats,
    ``char_start``/``char_end``/``order`` integers, the rest strings; empty values left out), offsets renamed
    ``char_start``/``char_end``, and every edge keyed by an id unique in the whole graph (``e0``, ``e1`` …), which
    GraphML writes as the edge id (networkx would otherwise number parallel edges 0, 1 … per node pair, and Gephi
    merges edges that share an id). Nodes keep ``type`` (the Neo4j label), edges ``relation`` (the Neo4j type)."""
    h = nx.MultiDiGraph()
    h.add_nodes_from((n, _export_attrs(d)) for n, d in g.nodes(data=True))
    h.add_edges_from((u, v, f"e{i}", _export_attrs(d)) for i, (u, v, d) in enumerate(g.edges(data=True)))
    return h


@dataclass(frozen=True)
class CountyPractice:
    """A weighted county → practice edge: the documents in which the county ran the practice."""

    county: str  # label
    county_id: str  # node id, County:<adcode>
    practice: str  # label
    practice_ids: tuple[str, ...]  # node ids of that name (Practice:…, Measure:… when a name has two kinds)
    doc_ids: tuple[str, ...]

    @property
    def weight(self) -> int:
        return len(self.doc_ids)


def county_practice_edges(g: nx.MultiDiGraph) -> list[CountyPractice]:
    """County → practice pairs of the graph's ``ran`` edges, one per county and practice name, weighted by the
    number of documents saying the county ran it; heaviest first."""
    docs: dict[tuple[str, str], set[str]] = {}
    ids: dict[tuple[str, str], set[str]] = {}
    doc_of = nx.get_edge_attributes(g, "doc_id")
    for u, v, k, relation in g.edges(keys=True, data="relation"):
        if relation != "ran" or g.nodes[u].get("type") != "County":
            continue
        key = (u, str(g.nodes[v].get("label", v)))
        docs.setdefault(key, set()).update([str(doc_of[u, v, k])] if doc_of.get((u, v, k)) else [])
        ids.setdefault(key, set()).add(v)
    edges = [
        CountyPractice(str(g.nodes[c].get("label", c)), c, name, tuple(sorted(ids[(c, name)])), tuple(sorted(ds)))
        for (c, name), ds in docs.items()
    ]
    return sorted(edges, key=lambda e: (-e.weight, e.county_id, e.practice))
