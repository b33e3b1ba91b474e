"""The knowledge graph: documents, places, practices, figures and the links between them.

Built from the typed records of every document (the same records the tables are written from), so the
graph and the tables never disagree. Node ids are stable strings (``County:522632``, ``Practice:社社联建``)
so the same practice named in several documents is one node.

A corpus graph grows with the documents (a node per document and per figure, an edge per mention), so
:func:`corpus_graph` keeps only what is bounded by the distinct entities as objects: the entity nodes (places,
practices, steps, indicators …) with their attributes, and the edges that start at an entity, packed in integer
columns (:class:`_EdgeColumns`; a ``ran`` or outcome edge costs about 90 bytes, not a networkx dict). The nodes and
edges of one document (its ``Document`` and ``Figure`` nodes, the edges from them) are made again from the
results, one document at a time, each time the graph is read (:meth:`CorpusGraph.nodes`, :meth:`CorpusGraph.edges`),
in the very order a ``networkx.MultiDiGraph`` built edge by edge gives (:meth:`CorpusGraph.to_networkx` is that
graph). ``results`` may be a run's spilled results (io/spill.py): each read is a pass over them.
"""

from __future__ import annotations

import bisect
import logging
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

import networkx as nx

from pipeline.model import DocResult, Link
from pipeline.text.numerals import format_value

log = logging.getLogger(__name__)

KIND_TYPES = {
    "program": "Practice",
    "slogan": "Measure",
    "loan_product": "LoanProduct",
    "policy_document": "PolicyDocument",
    "organization": "Organization",
}
PRACTICE_TYPES = {"Practice", "Measure", "LoanProduct"}
INSTRUMENT_TYPES = {"LoanProduct", "PolicyDocument", "Organization"}
USES_WINDOW = 300  # characters: a practice uses the instruments named near it, not every one in the report

# Where an entity node stands among the nodes: before the figures (places, practices, steps), among them
# (indicators, each right after the figure that named it first), after them (practices only a link names).
_BEFORE, _AMONG, _AFTER = 0, 1, 2
# The build's passes, in the order a networkx graph would get their edges (an edge's stamp starts with its pass).
_PASS_PLACES, _PASS_MEASURES, _PASS_USES, _PASS_LINKS, _PASS_SIMILAR = 1, 2, 3, 4, 5
_PASS_SHIFT = 40
_DOC_ID = "doc_id"


_Step: TypeAlias = Callable[[DocResult], None]


def _prov(doc_id: str, start: int | str = "", end: int | str = "") -> dict[str, Any]:
    return {"doc_id": doc_id, "start": start, "end": end}


def _merge(attrs: dict[str, Any], new: Mapping[str, Any]) -> None:
    """What adding a node again does: its non-empty attributes update the node's."""
    attrs.update({k: v for k, v in new.items() if v not in ("", None)})


class _Entity:
    __slots__ = ("attrs", "block", "figs_before", "index", "tick")

    def __init__(self, index: int, tick: int, block: int, figs_before: int, attrs: dict[str, Any]) -> None:
        self.index, self.tick, self.block, self.figs_before, self.attrs = index, tick, block, figs_before, attrs


class _EdgeColumns:
    """Edges that start at an entity node, one row of integer columns each: source and target entity (target
    ``-1``: the figure ``Figure:{tdoc}@{tstart}``), the attribute names (an interned tuple) and up to five values.
    A value is stored as ``2*v`` when a non-negative int below 2**30 (offsets), else as ``2*i+1``, ``i`` its index in an
    interned table (relations, rules, doc_ids, weights: bounded by the distinct values)."""

    WIDTH = 5

    def __init__(self) -> None:
        # 4 bytes a cell (codes < 2**31); the sort keys (stamps: a pass << 40) are 8, dropped once sorted
        self.cols = {name: array("i") for name in ("src", "tgt", "tdoc", "tstart", "shape")}
        self.cols.update(grp=array("q"), stamp=array("q"))
        self.vals = [array("i") for _ in range(self.WIDTH)]
        self.values: list[Any] = []
        self._value_ids: dict[tuple[type, Any], int] = {}
        self.shapes: list[tuple[str, ...]] = []
        self._shape_ids: dict[tuple[str, ...], int] = {}

    def __len__(self) -> int:
        return len(self.cols["src"])

    def code(self, v: Any) -> int:
        if type(v) is int and 0 <= v < 1 << 30:
            return v << 1
        try:
            key = (type(v), v)
            i = self._value_ids.get(key)
            if i is None:
                i = self._value_ids[key] = len(self.values)
                self.values.append(v)
        except TypeError:  # an unhashable value: kept as it is
            i = len(self.values)
            self.values.append(v)
        return (i << 1) | 1

    def decode(self, c: int) -> Any:
        return self.values[c >> 1] if c & 1 else c >> 1

    def add(
        self, src: int, tgt: int, attrs: Mapping[str, Any], grp: int, stamp: int, fig: tuple[str, Any] = ("", 0)
    ) -> None:
        names = tuple(attrs)
        if len(names) > self.WIDTH:
            raise ValueError(f"an edge with {len(names)} attributes; the graph keeps at most {self.WIDTH}")
        shape = self._shape_ids.get(names)
        if shape is None:
            shape = self._shape_ids[names] = len(self.shapes)
            self.shapes.append(names)
        c = self.cols
        c["src"].append(src)
        c["tgt"].append(tgt)
        c["tdoc"].append(self.code(fig[0]))
        c["tstart"].append(self.code(fig[1]))
        c["shape"].append(shape)
        c["grp"].append(grp)
        c["stamp"].append(stamp)
        values = list(attrs.values())
        for j, col in enumerate(self.vals):
            col.append(self.code(values[j]) if j < len(values) else 0)

    def reorder(self, order: Sequence[int]) -> None:
        """Rows in ``order`` (a permutation); the sort keys are not needed after."""
        for name in ("src", "tgt", "tdoc", "tstart", "shape"):
            col = self.cols[name]
            self.cols[name] = array("i", (col[i] for i in order))
        self.vals = [array("i", (col[i] for i in order)) for col in self.vals]
        self.cols["grp"] = array("q")
        self.cols["stamp"] = array("q")

    def rows_where(self, name: str, value: str) -> Iterator[int]:
        """The rows whose attribute ``name`` is the string ``value``, found on the codes (no row decoded)."""
        i = self._value_ids.get((str, value))
        if i is None:
            return
        code = (i << 1) | 1
        at = [names.index(name) if name in names else -1 for names in self.shapes]
        shape, vals = self.cols["shape"], self.vals
        for r, s in enumerate(shape):
            j = at[s]
            if j >= 0 and vals[j][r] == code:
                yield r

    def row(self, i: int) -> tuple[int, int, str, dict[str, Any]]:
        """(source entity, target entity or -1, the figure target's id when -1, attributes) of row ``i``."""
        c = self.cols
        names = self.shapes[c["shape"][i]]
        attrs = {k: self.decode(self.vals[j][i]) for j, k in enumerate(names)}
        tgt = c["tgt"][i]
        fig = f"Figure:{self.decode(c['tdoc'][i])}@{self.decode(c['tstart'][i])}" if tgt < 0 else ""
        return c["src"][i], tgt, fig, attrs


def _place_node(p: Any) -> str:
    return f"{p.level.capitalize()}:{p.adcode}"


def _focal_counties(r: DocResult) -> list[str]:
    return [_place_node(p) for p in r.places if p.level == "county" and p.focal]


def _figure_attrs(f: Any) -> dict[str, Any]:
    value = format_value(f.value)
    return {
        "type": "Figure",
        "label": f"{f.indicator} {value}{f.unit}",
        "value": value,
        "unit": f.unit,
        "date": f.date,
        "indicator": f.indicator,
        "indicator_std": f.indicator_std,
        "per": f.per,
        "status": f.status,
    }


def _figure_id(doc_id: str, start: Any) -> str:
    return f"Figure:{doc_id}@{start}"


def _doc_figures(r: DocResult) -> dict[str, dict[str, Any]]:
    """The document's figure nodes in the order they are made (a figure at the start of an earlier one updates it)."""
    nodes: dict[str, dict[str, Any]] = {}
    for f in r.figures:
        fid = _figure_id(r.doc.doc_id, f.mention.raw_start)
        if fid in nodes:
            _merge(nodes[fid], _figure_attrs(f))
        else:
            nodes[fid] = _figure_attrs(f)
    return nodes


def _doc_edges(r: DocResult) -> Iterator[tuple[str, str, int, dict[str, Any]]]:
    """The edges from the document's node (about, mentions, describes, reports) with their keys, as networkx orders
    them: by target in the order each target was first reached, then in the order made."""
    doc_id = r.doc.doc_id
    groups: dict[str, list[dict[str, Any]]] = {}
    for p in r.places:
        if p.level in ("county", "prefecture", "province"):
            rel = "about" if p.focal else "mentions"
            groups.setdefault(_place_node(p), []).append(
                {"relation": rel, **_prov(doc_id, p.mention.raw_start, p.mention.raw_end)}
            )
    for m in r.measures:
        node = f"{KIND_TYPES.get(m.kind, 'Measure')}:{m.name}"
        groups.setdefault(node, []).append(
            {"relation": "describes", **_prov(doc_id, m.mention.raw_start, m.mention.raw_end)}
        )
    for f in r.figures:
        start = f.mention.raw_start
        groups.setdefault(_figure_id(doc_id, start), []).append(
            {"relation": "reports", **_prov(doc_id, start, f.mention.raw_end)}
        )
    src = f"Document:{doc_id}"
    for v, ds in groups.items():
        for k, d in enumerate(ds):
            yield src, v, k, d


def _figure_edges(r: DocResult) -> Iterator[tuple[str, str, int, dict[str, Any]]]:
    """figure → indicator (``measures``) edges of the document, in the order of the figure nodes."""
    out: dict[str, dict[str, int]] = {}
    for f in r.figures:
        targets = out.setdefault(_figure_id(r.doc.doc_id, f.mention.raw_start), {})
        if f.indicator:
            ind = f"Indicator:{f.indicator}"
            targets[ind] = targets.get(ind, 0) + 1
    for fid, targets in out.items():
        for ind, n in targets.items():
            for k in range(n):
                yield fid, ind, k, {"relation": "measures"}


class CorpusGraph:
    """The knowledge graph of a corpus, compact (module docstring): read it with ``nodes(data=True)`` and
    ``edges(keys=True, data=True)`` as a ``networkx.MultiDiGraph`` (same order, same attributes, same keys),
    ``number_of_nodes()``, ``number_of_edges()``, ``to_networkx()``."""

    def __init__(self, results: Sequence[DocResult] = ()) -> None:
        self.results = results
        self.graph: dict[str, Any] = {}  # no graph attributes (what the exports check)
        self._docs: list[tuple[str, str]] = []  # (doc_id, label) of each Document node
        self._ents: dict[str, _Entity] = {}
        self._ids: list[str] = []  # entity ids by index (the order made)
        self._order: list[int] = []  # entity indexes in node order (after ``_finish``)
        self._edges = _EdgeColumns()
        self._pairs: dict[tuple[int, int], int] = {}  # entity → entity pairs joined: the stamp of the first edge
        self._tick = 0
        self._n_figures = 0
        self._n_doc_edges = 0
        self._split = 0  # edge rows from entities placed before the figures (a prefix once sorted)

    # ------------------------------------------------------------------------------------------------- reading

    def is_multigraph(self) -> bool:
        return True

    def is_directed(self) -> bool:
        return True

    def number_of_nodes(self) -> int:
        return len(self._docs) + len(self._ents) + self._n_figures

    def number_of_edges(self) -> int:
        return self._n_doc_edges + len(self._edges)

    def __contains__(self, node: object) -> bool:
        return node in self._ents

    def entity(self, node: str) -> dict[str, Any]:
        """The attributes of an entity node (not a Document or Figure node)."""
        return self._ents[node].attrs

    def nodes(self, data: bool = False) -> Iterator[Any]:
        for n, d in self._node_items():
            yield (n, d) if data else n

    def _node_items(self) -> Iterator[tuple[str, dict[str, Any]]]:
        for doc_id, label in self._docs:
            yield f"Document:{doc_id}", {"type": "Document", "label": label, **_prov(doc_id)}
        order = [self._ents[self._ids[i]] for i in self._order]
        ents = iter(order)
        nxt = next(ents, None)
        while nxt is not None and nxt.block == _BEFORE:
            yield self._ids[nxt.index], nxt.attrs
            nxt = next(ents, None)
        if self._n_figures:
            seen = 0
            for r in self.results:
                for fid, attrs in _doc_figures(r).items():
                    seen += 1
                    yield fid, attrs
                    while nxt is not None and nxt.block == _AMONG and nxt.figs_before <= seen:
                        yield self._ids[nxt.index], nxt.attrs
                        nxt = next(ents, None)
        while nxt is not None:
            yield self._ids[nxt.index], nxt.attrs
            nxt = next(ents, None)

    def edges(self, keys: bool = False, data: bool = False) -> Iterator[Any]:
        for u, v, k, d in self._edge_items():
            yield (u, v, *((k,) if keys else ()), *((d,) if data else ()))

    def _edge_items(self) -> Iterator[tuple[str, str, int, dict[str, Any]]]:
        if self._n_doc_edges:
            for r in self.results:
                yield from _doc_edges(r)
        yield from self._entity_edges(0, self._split)
        if self._n_figures:
            for r in self.results:
                yield from _figure_edges(r)
        yield from self._entity_edges(self._split, len(self._edges))

    def _entity_edges(self, lo: int, hi: int) -> Iterator[tuple[str, str, int, dict[str, Any]]]:
        """Rows ``lo:hi`` of the edges from entity nodes, keyed (rows ``:_split`` start at nodes placed before the
        figures, the rest at nodes after them)."""
        last: tuple[int, int, str] | None = None
        k = 0
        for i in range(lo, hi):
            src, tgt, fig, attrs = self._edges.row(i)
            pair = (src, tgt, fig)
            k = k + 1 if pair == last else 0
            last = pair
            yield self._ids[src], fig or self._ids[tgt], k, attrs

    def entity_edges(self) -> Iterator[tuple[str, str, dict[str, Any]]]:
        """(source, target, attributes) of every edge that starts at an entity node (ran, part_of, outcomes …)."""
        for u, v, _, d in self._entity_edges(0, len(self._edges)):
            yield u, v, d

    def entity_edges_where(self, name: str, value: str) -> Iterator[tuple[str, str, dict[str, Any]]]:
        """:meth:`entity_edges` whose attribute ``name`` is the string ``value`` (in the same order)."""
        for i in self._edges.rows_where(name, value):
            src, tgt, fig, attrs = self._edges.row(i)
            yield self._ids[src], fig or self._ids[tgt], attrs

    def to_networkx(self) -> nx.MultiDiGraph:
        """The same graph as a networkx ``MultiDiGraph`` (all of it in memory: for tests and small corpora)."""
        g = nx.MultiDiGraph()
        g.add_nodes_from((n, dict(d)) for n, d in self._node_items())
        g.add_edges_from((u, v, k, dict(d)) for u, v, k, d in self._edge_items())
        return g

    # ------------------------------------------------------------------------------------------------ building

    def _node(self, node: str, block: int, **attrs: Any) -> str:
        ent = self._ents.get(node)
        if ent is None:
            self._tick += 1
            self._ents[node] = _Entity(len(self._ids), self._tick, block, self._n_figures, attrs)
            self._ids.append(node)
        else:
            _merge(ent.attrs, attrs)
        return node

    def _edge(self, u: str, v: str, stamp_pass: int, attrs: Mapping[str, Any], first_only: bool = False) -> None:
        """An edge between entity nodes (``first_only``: none when the two are joined already)."""
        src, tgt = self._ents[u].index, self._ents[v].index
        grp = self._pairs.get((src, tgt))
        if grp is not None and first_only:
            return
        self._tick += 1
        stamp = (stamp_pass << _PASS_SHIFT) | self._tick
        if grp is None:
            grp = self._pairs[(src, tgt)] = stamp
        self._edges.add(src, tgt, attrs, grp, stamp)

    def _part_of(self, child: str, ntype: str, code: str, label: str) -> str:
        """The parent unit's node, joined to ``child`` by one ``part_of`` edge."""
        parent = self._node(f"{ntype}:{code}", _BEFORE, type=ntype, label=label, adcode=code)
        self._edge(child, parent, _PASS_PLACES, {"relation": "part_of"}, first_only=True)
        return parent

    def _add_places(self, r: DocResult) -> None:
        self._docs.append((r.doc.doc_id, r.doc.title or r.doc.doc_id))
        for p in r.places:
            if p.level not in ("county", "prefecture", "province"):
                continue
            self._n_doc_edges += 1
            node = self._node(
                _place_node(p), _BEFORE, type=p.level.capitalize(), label=p.canonical or p.name, adcode=p.adcode
            )
            if p.level == "county" and p.prefecture:
                code = p.adcode
                pref = self._part_of(node, "Prefecture", f"{code[:4]}00", p.prefecture)
                if p.province:
                    self._part_of(pref, "Province", f"{code[:2]}0000", p.province)

    def _add_measures(self, r: DocResult) -> None:
        doc_id = r.doc.doc_id
        counties = _focal_counties(r)
        for m in r.measures:
            self._n_doc_edges += 1
            ntype = KIND_TYPES.get(m.kind, "Measure")
            node = self._node(f"{ntype}:{m.name}", _BEFORE, type=ntype, label=m.name, kind=m.kind)
            prov = _prov(doc_id, m.mention.raw_start, m.mention.raw_end)
            if ntype in PRACTICE_TYPES:
                for county in counties:
                    self._edge(county, node, _PASS_MEASURES, {"relation": "ran", **prov})
            for i, comp in enumerate((c for c in m.components if c.strip()), 1):
                step = self._node(f"Step:{m.name}#{i}", _BEFORE, type="Step", label=comp, order=i)
                self._edge(node, step, _PASS_MEASURES, {"relation": "has_step", **prov}, first_only=True)

    def _add_uses(self, r: DocResult) -> None:
        """practice → instrument (loan product, policy document, organization) when named within ``USES_WINDOW``
        characters of each other in one document: linear in the mentions, so a 1-MB report stays cheap."""
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
                if itype in INSTRUMENT_TYPES and inst != node:
                    self._edge(node, inst, _PASS_USES, {"relation": "uses", "doc_id": doc_id}, first_only=True)

    def _add_figures_and_links(self, r: DocResult) -> None:
        doc_id = r.doc.doc_id
        figures: dict[Any, str] = {}
        for f in r.figures:
            start = f.mention.raw_start
            self._n_doc_edges += 1
            if start not in figures:
                self._n_figures += 1
            figures[start] = _figure_id(doc_id, start)
            if f.indicator:
                self._n_doc_edges += 1  # figure → indicator (counted with the document's: made from it alike)
                self._node(f"Indicator:{f.indicator}", _AMONG, type="Indicator", label=f.indicator)
        counties = _focal_counties(r)
        practices = [
            f"{KIND_TYPES.get(m.kind, 'Measure')}:{m.name}"
            for m in r.measures
            if KIND_TYPES.get(m.kind, "Measure") in PRACTICE_TYPES
        ]
        joined: dict[tuple[str, str], list[str]] = {}  # (head, figure) -> relations (a figure is this document's)
        groups: dict[tuple[str, str], int] = {}
        for ln in unique_links(r.links):
            fnode = figures.get(ln.figure.mention.raw_start)
            if fnode is None:
                continue
            head = self._link_head(ln, practices, counties)
            if ln.relation in joined.get((head, fnode), []):
                continue
            joined.setdefault((head, fnode), []).append(ln.relation)
            ev = ln.evidence
            self._tick += 1
            stamp = (_PASS_LINKS << _PASS_SHIFT) | self._tick
            grp = groups.setdefault((head, fnode), stamp)
            attrs = {"relation": ln.relation, "rule": ln.rule, **_prov(doc_id, ev.raw_start, ev.raw_end)}
            self._edges.add(self._ents[head].index, -1, attrs, grp, stamp, (doc_id, ln.figure.mention.raw_start))

    def _link_head(self, ln: Link, doc_practices: list[str], counties: Sequence[str]) -> str:
        """The node a link starts from: the document's practice node of that name, else a node for the practice the
        link names (an organization that ran it, a term the title coins), which the focal counties ran."""
        practice = ln.practice
        for n in doc_practices:
            if self._ents[n].attrs["label"] == practice.name:
                return n
        ntype = KIND_TYPES.get(practice.kind, "Practice")
        node = self._node(f"{ntype}:{practice.name}", _AFTER, type=ntype, label=practice.name, kind=practice.kind)
        doc_practices.append(node)
        prov = _prov(practice.mention.doc_id, practice.mention.raw_start, practice.mention.raw_end)
        for county in counties:
            self._edge(county, node, _PASS_LINKS, {"relation": "ran", **prov}, first_only=True)
        return node

    def passes(self) -> tuple[_Step, _Step, _Step]:
        """The build's steps over the results (:func:`corpus_graph`): every result through the first, then every
        result through the second, then through the third; then :meth:`finish`. Each may share its pass over the
        results with other stages (``corpus/build.py``)."""
        return self._add_places, self._add_measures, self._add_uses_figures_and_links

    def _add_uses_figures_and_links(self, r: DocResult) -> None:
        self._add_uses(r)
        self._add_figures_and_links(r)

    def finish(
        self,
        similar: Iterable[tuple[str, str, float]] = (),
        families: Mapping[str, str] | None = None,
        classes: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> None:
        """The last step of the build, after the passes: similar_to edges, families and classes, edge order."""
        if len({d for d, _ in self._docs}) != len(self._docs):
            log.warning("two results share a doc_id: the graph gives each its own nodes under the same id")
        self._finish(similar, families, classes)

    def _finish(
        self,
        similar: Iterable[tuple[str, str, float]],
        families: Mapping[str, str] | None,
        classes: Mapping[str, Mapping[str, Any]] | None,
    ) -> None:
        self._order = [e.index for e in sorted(self._ents.values(), key=lambda e: (e.block, e.tick))]
        by_label: dict[str, list[str]] = {}
        for i in self._order:
            d = self._ents[self._ids[i]].attrs
            if d.get("type") in PRACTICE_TYPES:
                by_label.setdefault(d["label"], []).append(self._ids[i])
        for name, nodes in by_label.items():
            for n in nodes:
                attrs = self._ents[n].attrs
                if families and name in families:
                    attrs["family"] = families[name]
                cls = (classes or {}).get(name)
                if cls:
                    attrs.update(
                        {
                            "field": cls.get("field", ""),
                            "policy_tool": cls.get("tool", ""),
                            "sub_tool": cls.get("sub_tool", ""),
                        }
                    )
        for a, b, score in similar:
            for u in by_label.get(a, []):
                for v in by_label.get(b, []):
                    attrs = {"relation": "similar_to", "weight": round(float(score), 4), "rule": SIMILAR_RULE}
                    self._edge(u, v, _PASS_SIMILAR, attrs)
        # edges in networkx's order: by source node, then by target in the order first joined, then as made
        pos = [0] * len(self._ids)
        for p, i in enumerate(self._order):
            pos[i] = p
        cols = self._edges.cols
        src, grp, stamp = cols["src"], cols["grp"], cols["stamp"]
        # one int a row (stamps < 2**45), not a tuple: the sort's keys stay small
        order = sorted(range(len(self._edges)), key=lambda i: (pos[src[i]] << 90) | (grp[i] << 45) | stamp[i])
        self._edges.reorder(order)
        self._split = sum(1 for i in self._edges.cols["src"] if self._ents[self._ids[i]].block == _BEFORE)
        self._pairs = {}


SIMILAR_RULE = "tfidf:practice_similarity"


def corpus_graph(
    results: Sequence[DocResult],
    similar: Iterable[tuple[str, str, float]] = (),
    families: Mapping[str, str] | None = None,
    classes: Mapping[str, Mapping[str, Any]] | None = None,
) -> CorpusGraph:
    """One graph over all documents; every edge has ``relation``, text-derived ones carry provenance.

    ``similar`` adds ``similar_to`` edges (weight = score) between practices; ``families`` and ``classes``
    (field, policy tool) become attributes of practice nodes. Three passes over ``results``; the graph keeps
    ``results`` to make each document's nodes and edges again when read (module docstring).
    """
    g = CorpusGraph(results)
    for step in g.passes():
        for r in results:
            step(r)
    g.finish(similar, families, classes)
    return g


def build_graph(
    results: Sequence[DocResult],
    similar: Iterable[tuple[str, str, float]] = (),
    families: Mapping[str, str] | None = None,
    classes: Mapping[str, Mapping[str, Any]] | None = None,
) -> nx.MultiDiGraph:
    """:func:`corpus_graph` as a networkx ``MultiDiGraph``, all in memory (tests, small corpora, analysis)."""
    return corpus_graph(results, similar, families, classes).to_networkx()


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
    """``_scalar`` of every value under its export name, empty ones left out (text values without the call)."""
    out = {}
    for k, v in data.items():
        key = EXPORT_NAMES.get(k, k)
        if v.__class__ is str and key not in EXPORT_TYPES:
            if v:
                out[key] = v
            continue
        cleaned = _scalar(key, v)
        if cleaned is not None:
            out[key] = cleaned
    return out


_EXACT = 1 << 53  # an int of at most this size is ``int(float(v))`` itself


def _export_plan(data: Mapping[str, Any]) -> tuple[tuple[str, ...], tuple[int, ...]] | None:
    """For data of this shape (names and value types) whose values ``_export_attrs`` keeps as they are: the export
    names and the positions of int values (kept when at most ``_EXACT``); None when a value may change type."""
    names, ints = [], []
    for i, (k, v) in enumerate(data.items()):
        key = EXPORT_NAMES.get(k, k)
        kind = EXPORT_TYPES.get(key, str)
        if type(v) is not kind or type(k) is not str:
            return None
        if kind is int:
            ints.append(i)
        names.append(key)
    return tuple(names), tuple(ints)


_PLANS: dict[tuple[Any, ...], tuple[tuple[str, ...], tuple[int, ...]] | None] = {}


def export_attrs(data: Mapping[str, Any]) -> dict[str, Any]:
    """A node's or edge's attributes as :class:`ExportView` gives them (io/graphspool.py makes them once): renamed
    in one step when every value already has its export type and none is empty (the usual case: one plan per
    shape), else value by value."""
    sig = (*data, *map(type, data.values()))  # names then types: two shapes of one length never share it
    plan = _PLANS.get(sig)
    if plan is None:
        if sig in _PLANS:
            return _export_attrs(data)
        if len(_PLANS) > 4096:  # a graph of ever new shapes: keep the cache small
            _PLANS.clear()
        plan = _PLANS[sig] = _export_plan(data)
        if plan is None:
            return _export_attrs(data)
    names, ints = plan
    values = list(data.values())
    if "" in values or any(not -_EXACT <= values[i] <= _EXACT for i in ints):
        return _export_attrs(data)
    return dict(zip(names, values, strict=True))


def export_edge_key(i: int) -> str:
    """The ``i``-th edge's key in :class:`ExportView` (unique in the whole graph)."""
    return f"e{i}"


Graph: TypeAlias = CorpusGraph | nx.MultiDiGraph  # what the writers and the store take


class ExportView:
    """The graph as GraphML, GEXF and Neo4j get it, made while it is read (nothing copied): one type per attribute
    key (``value``/``weight`` floats, ``char_start``/``char_end``/``order`` integers, the rest strings; empty values
    left out), offsets renamed ``char_start``/``char_end``, and every edge keyed by an id unique in the whole graph
    (``e0``, ``e1`` … in edge order), which GraphML writes as the edge id (networkx would otherwise number parallel
    edges 0, 1 … per node pair, and Gephi merges edges that share an id). Nodes keep ``type`` (the Neo4j label),
    edges ``relation`` (the Neo4j type). ``edge_ids``: each edge's attributes also get ``id`` = its key (GEXF's
    edge id). Read like a networkx graph: ``nodes(data=True)``, ``edges(keys=True, data=True)``."""

    def __init__(self, g: Graph, edge_ids: bool = False) -> None:
        self.g, self.edge_ids = g, edge_ids
        self.graph: dict[str, Any] = {}

    def is_multigraph(self) -> bool:
        return True

    def is_directed(self) -> bool:
        return True

    def number_of_nodes(self) -> int:
        return int(self.g.number_of_nodes())

    def number_of_edges(self) -> int:
        return int(self.g.number_of_edges())

    def nodes(self, data: bool = False) -> Iterator[Any]:
        for n, d in self.g.nodes(data=True):
            yield (n, _export_attrs(d)) if data else n

    def edges(self, keys: bool = False, data: bool = False) -> Iterator[Any]:
        for i, (u, v, d) in enumerate(self.g.edges(data=True)):
            key = export_edge_key(i)
            if data:
                attrs = _export_attrs(d)
                if self.edge_ids:
                    attrs["id"] = key  # in place when the edge has an ``id`` of its own, else last
            yield (u, v, *((key,) if keys else ()), *((attrs,) if data else ()))


def as_networkx(g: Any) -> nx.MultiDiGraph:
    """``g`` itself when a networkx graph, else its nodes and edges (with keys) in a new ``MultiDiGraph``."""
    if isinstance(g, nx.Graph):
        return g
    h = nx.MultiDiGraph()
    h.add_nodes_from(g.nodes(data=True))
    h.add_edges_from(g.edges(keys=True, data=True))
    return h


def clean_for_export(g: Graph) -> nx.MultiDiGraph:
    """:class:`ExportView` of ``g`` as a networkx graph in memory (tests; the writers read the view)."""
    return as_networkx(ExportView(g))


@dataclass(frozen=True, slots=True)  # slots: one per county and practice of the corpus (143,775 at 10,000 documents)
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


def _one(shared: dict[tuple[str, ...], tuple[str, ...]], t: tuple[str, ...]) -> tuple[str, ...]:
    """``t``, or the equal tuple given before (equal id and doc_id tuples made one object: memory)."""
    return shared.setdefault(t, t)


def county_practice_edges(g: Graph) -> list[CountyPractice]:
    """County → practice pairs of the graph's ``ran`` edges, one per county and practice name, weighted by the
    number of documents saying the county ran it; heaviest first."""
    found: dict[tuple[str, str], tuple[list[str], list[str]]] = {}  # (county, name) -> its documents, practice ids
    attrs: Callable[[str], Mapping[str, Any]]
    ran: Iterable[tuple[str, str, Mapping[str, Any]]]
    if isinstance(g, CorpusGraph):  # ran edges start at county nodes: entities, no pass over the documents
        attrs, ran = g.entity, g.entity_edges_where("relation", "ran")  # only those rows decoded
    else:
        attrs = lambda n: g.nodes[n]  # noqa: E731
        ran = ((u, v, d) for u, v, d in g.edges(data=True) if d.get("relation") == "ran")
    for u, v, d in ran:
        if attrs(u).get("type") != "County":
            continue
        key = (u, str(attrs(v).get("label", v)))
        got = found.get(key)
        if got is None:
            got = found[key] = ([], [])  # lists, made unique at the end: two sets a pair held twice the memory
        doc = d.get(_DOC_ID, "")  # the edge's provenance (an attribute, not a row)
        if doc:
            got[0].append(str(doc))
        got[1].append(v)
    shared: dict[tuple[str, ...], tuple[str, ...]] = {}  # a name's practice ids: one tuple for all its counties
    out = [
        CountyPractice(
            str(attrs(c).get("label", c)),
            c,
            name,
            _one(shared, tuple(sorted(set(ids)))),
            _one(shared, tuple(sorted(set(ds)))),
        )
        for (c, name), (ds, ids) in found.items()
    ]
    del found
    return sorted(out, key=lambda e: (-e.weight, e.county_id, e.practice))
