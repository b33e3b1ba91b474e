"""The knowledge graph: documents, places, practices, figures and the links between them (networkx).

Built from the typed records of every document (the same records the tables are written from), so the
graph and the tables never disagree. Node ids are stable strings (``County:522632``, ``Practice:社社联建``)
so the same practice named in several documents is one node.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import networkx as nx

from pipeline.model import DocResult, Measure
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
        seen: set[tuple[str, str, str]] = set()
        for ln in r.links:
            fnode = fig_node.get((doc_id, ln.figure.mention.raw_start))
            if fnode is None:
                continue
            head = _link_head(g, ln.practice, practice_by_doc.setdefault(doc_id, []), focal_by_doc.get(doc_id, []))
            if (head, fnode, ln.relation) in seen:
                continue
            seen.add((head, fnode, ln.relation))
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


def _scalar(key: str, v: Any) -> Any:
    if key in ("value", "weight"):
        try:
            return float(v)
        except (TypeError, ValueError):
            return None
    return "" if v is None else str(v)


def clean_for_export(g: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """One type per attribute key, as GraphML and GEXF declare them: ``value`` a float, the rest strings."""
    h = g.copy()
    items = [d for _, d in h.nodes(data=True)] + [d for _, _, d in h.edges(data=True)]
    for data in items:
        for k, v in list(data.items()):
            cleaned = _scalar(k, v)
            if cleaned is None:
                del data[k]
            else:
                data[k] = cleaned
    return h
