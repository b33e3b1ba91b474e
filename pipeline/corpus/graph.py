"""The knowledge graph: documents, places, practices, figures and the links between them (networkx).

Built from the contract rows (the same rows the CSV files hold), so the graph and the tables never
disagree. Node ids are stable strings (``County:522632``, ``Practice:社社联建``) so the same practice named
in several documents is one node.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping
from typing import Any

import networkx as nx

Row = Mapping[str, Any]

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


def _prov(row: Row, start: str = "start", end: str = "end") -> dict[str, Any]:
    return {"doc_id": row.get("doc_id", ""), "start": row.get(start, ""), "end": row.get(end, "")}


def build_graph(
    documents: Iterable[Row],
    places: Iterable[Row],
    figures: Iterable[Row],
    measures: Iterable[Row],
    links: Iterable[Row],
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
    for d in documents:
        _add_node(g, f"Document:{d['doc_id']}", type="Document", label=d.get("title") or d["doc_id"], **_prov(d))
    for p in places:
        level = p.get("level", "")
        if level not in ("county", "prefecture", "province"):
            continue
        node = _add_node(
            g,
            f"{level.capitalize()}:{p['adcode']}",
            type=level.capitalize(),
            label=p.get("canonical") or p.get("name"),
            adcode=p["adcode"],
        )
        focal = str(p.get("focal", "")).lower() == "true"
        g.add_edge(f"Document:{p['doc_id']}", node, relation="about" if focal else "mentions", **_prov(p))
        if level == "county":
            if focal:
                focal_by_doc.setdefault(p["doc_id"], []).append(node)
            code = str(p["adcode"])
            if p.get("prefecture"):
                pref = _part_of(g, node, "Prefecture", f"{code[:4]}00", p["prefecture"])
                if p.get("province"):
                    _part_of(g, pref, "Province", f"{code[:2]}0000", p["province"])
    practice_by_doc: dict[str, list[str]] = {}
    measures = list(measures)
    for m in measures:
        ntype = KIND_TYPES.get(m.get("kind", ""), "Measure")
        node = _add_node(g, f"{ntype}:{m['name']}", type=ntype, label=m["name"], kind=m.get("kind", ""))
        g.add_edge(f"Document:{m['doc_id']}", node, relation="describes", **_prov(m))
        if ntype in PRACTICE_TYPES:
            practice_by_doc.setdefault(m["doc_id"], []).append(node)
            for county in focal_by_doc.get(m["doc_id"], []):
                g.add_edge(county, node, relation="ran", **_prov(m))
        comps = [c for c in str(m.get("components", "")).split(" | ") if c.strip()]
        for i, comp in enumerate(comps, 1):
            step = _add_node(g, f"Step:{m['name']}#{i}", type="Step", label=comp, order=i)
            if not g.has_edge(node, step):
                g.add_edge(node, step, relation="has_step", **_prov(m))
    _add_uses_edges(g, measures)
    fig_node: dict[tuple[str, str], str] = {}
    for f in figures:
        node = _add_node(
            g,
            f"Figure:{f['doc_id']}@{f['start']}",
            type="Figure",
            label=f"{f.get('indicator', '')} {f.get('value', '')}{f.get('unit', '')}",
            value=f.get("value", ""),
            unit=f.get("unit", ""),
            date=f.get("date", ""),
            indicator=f.get("indicator", ""),
        )
        fig_node[(str(f["doc_id"]), str(f["start"]))] = node
        g.add_edge(f"Document:{f['doc_id']}", node, relation="reports", **_prov(f))
        if f.get("indicator"):
            ind = _add_node(g, f"Indicator:{f['indicator']}", type="Indicator", label=f["indicator"])
            g.add_edge(node, ind, relation="measures")
    for ln in links:
        node = fig_node.get((str(ln["doc_id"]), str(ln.get("figure_start", ""))))
        if node is None:
            continue
        heads = [n for n in practice_by_doc.get(ln["doc_id"], []) if g.nodes[n]["label"] == ln["practice"]]
        for head in heads[:1]:
            g.add_edge(
                head,
                node,
                relation=ln.get("relation", "achieved"),
                rule=ln.get("rule", ""),
                **_prov(ln, "evidence_start", "evidence_end"),
            )
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


USES_WINDOW = 300  # characters: a practice uses the instruments named near it, not every one in the report


def _add_uses_edges(g: nx.MultiDiGraph, measures: list[Row]) -> None:
    """practice → instrument (loan product, policy document, organization) when named within ``USES_WINDOW``
    characters of each other in one document: linear in the mentions, so a 1-MB report stays cheap."""
    by_doc: dict[str, list[tuple[int, str, str]]] = {}
    for m in measures:
        ntype = KIND_TYPES.get(m.get("kind", ""), "Measure")
        try:
            pos = int(m.get("start", ""))
        except (TypeError, ValueError):
            continue
        by_doc.setdefault(str(m["doc_id"]), []).append((pos, f"{ntype}:{m['name']}", ntype))
    for doc_id, items in by_doc.items():
        items.sort()
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
