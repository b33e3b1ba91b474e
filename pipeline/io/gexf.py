"""graph.gexf written element by element: the bytes ``networkx.write_gexf`` gives, without its XML tree.

networkx builds the whole document as an ElementTree before writing it (hundreds of MB for a corpus graph);
this writer makes one pass over the graph to declare the attribute keys (ids, types and the order networkx
gives them), then streams the ``<node>`` and ``<edge>`` elements with the same indentation, attribute order
and escaping (``xml.etree.ElementTree``'s rules, encoded UTF-8 with ``xmlcharrefreplace``). A graph using GEXF
features the pipeline never exports (dynamic spells, ``viz``, ``parents``, ``start``/``end``, list values,
graph attributes) goes to networkx's writer unchanged.
"""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import Callable
from typing import IO, Any, BinaryIO, cast
from xml.etree import ElementTree

from pipeline.io.writers import TextSink, declare_graph

_TYPES = {int: "long", float: "double", bool: "boolean", str: "string"}
# keys networkx turns into GEXF structure (dynamic mode, viz, hierarchy): left to networkx's own writer
_NODE_SPECIAL = frozenset({"id", "pid", "start", "end", "parents", "spells", "slices", "viz"})
_EDGE_SPECIAL = frozenset({"start", "end", "spells", "slices", "viz", "networkx_key"})
_EDGE_XML = ("label", "weight", "type")  # popped into the <edge> element's attributes, in this order


# The escaping networkx's GEXF writer goes through (ElementTree's own), so the bytes are the same by construction.
_attr: Callable[[str], str] = ElementTree._escape_attrib  # type: ignore[attr-defined]
_cdata: Callable[[str], str] = ElementTree._escape_cdata  # type: ignore[attr-defined]


def _value(v: Any) -> str:
    """An attvalue as networkx prints it: booleans lower case, float infinities and NaN as GEXF spells them."""
    if isinstance(v, bool):
        return str(v).lower()
    text = str(v)
    if type(v) is float:
        return {"inf": "INF", "nan": "NaN", "-inf": "-INF"}.get(text, text)
    return text


def _plain(data: dict[str, Any], special: frozenset[str]) -> bool:
    return not (special & data.keys()) and all(type(v) in _TYPES for v in data.values())


class Declarer:
    """class -> title -> (attribute id, type) as networkx declares them, fed the nodes (all of them first) then
    the edges of a graph as :func:`write_gexf` reads them (edge data carrying ``id``, as ``with_edge_ids`` gives
    it, or not: it is taken out); ``ids`` is None once an element left to networkx is seen. Fed while a graph is
    read for something else (io/graphspool.py), it spares :func:`write_gexf` its pass."""

    def __init__(self) -> None:
        self.ids: dict[str, dict[str, tuple[str, str]]] | None = {"node": {}, "edge": {}}
        self._counter = itertools.count()
        self._seen: set[tuple[Any, ...]] = set()  # shapes (class, data names and types) declared: nothing new

    def _declare(self, cls: str, data: dict[str, Any]) -> None:
        assert self.ids is not None
        known = self.ids[cls]
        for k, v in data.items():
            title = _title(k)
            if title not in known:
                known[title] = (str(next(self._counter)), _TYPES[type(v)])

    def node(self, n: Any, data: dict[str, Any]) -> None:
        if self.ids is None:
            return
        sig = ("node", *data, *map(type, data.values()))  # what is declared depends on nothing else
        if sig in self._seen:
            return
        self._seen.add(sig)
        if not _plain(data, _NODE_SPECIAL):
            self.ids = None
            return
        self._declare("node", {k: v for k, v in data.items() if k != "label"})

    def edge(self, u: Any, v: Any, key: Any, data: dict[str, Any]) -> None:
        if self.ids is None:
            return
        if type(key) is not str:
            self.ids = None
            return
        sig = ("edge", *data, *map(type, data.values()))
        if sig in self._seen:
            return
        self._seen.add(sig)
        if not _plain(data, _EDGE_SPECIAL):
            self.ids = None
            return
        d = dict(data)
        d.update(key=key)
        for name in ("id", *_EDGE_XML):  # what ``_edge_items`` takes out of the attvalues
            d.pop(name, None)
        self._declare("edge", d)


def _declare(g: Any) -> dict[str, dict[str, tuple[str, str]]] | None:
    """class -> title -> (attribute id, type) as networkx declares them, in one pass over the nodes and edges; None
    when :func:`write_gexf` leaves ``g`` to networkx."""
    declarer = Declarer()
    return declare_graph(g, declarer, lambda: declarer.ids)


def streamable(g: Any) -> bool:
    """True when :func:`write_gexf` writes ``g`` itself (else it hands ``g`` to networkx)."""
    return _declare(g) is not None


def _edge_items(g: Any, fast: Any = None) -> Any:
    """(source, target, edge id, the element's XML attributes, the attvalue items) as networkx derives them; with
    ``fast`` (a ``_Shapes`` of edges), (source, target, None, the formatted element) for an edge it formats."""
    taken: set[str] | None = None  # the ids edges bring: read (another pass) only when an edge has none
    counter = itertools.count()
    for u, v, key, data in g.edges(keys=True, data=True):
        if fast is not None and type(key) is str and data.get("id") is not None:
            text = fast.format([u, v, key, *data.values()], data, type(key))
            if text is not None:
                yield u, v, None, text
                continue
        d = dict(data)
        d.update(key=key)
        eid = d.pop("id", None)
        if eid is None:
            if taken is None:
                taken = {str(d["id"]) for _, _, d in g.edges(data=True) if d.get("id") is not None}
            eid = next(counter)
            while str(eid) in taken:
                eid = next(counter)
            taken.add(str(eid))
        kw = [("id", str(eid))] + [(name, str(d.pop(name))) for name in _EDGE_XML if name in d]
        yield u, v, kw, d


def _title(k: str) -> str:
    return "networkx_key" if k == "key" else str(k)


def write_gexf(g: Any, fh: BinaryIO, declared: Declarer | None = None) -> None:
    """``networkx.write_gexf(g, fh)``'s bytes, streamed (falls back to networkx when ``streamable(g)`` is false);
    ``declared``: a :class:`Declarer` already fed all of ``g`` (else a pass of its own declares the keys)."""
    import networkx as nx

    if declared is None:
        found = _declare(g)
    else:
        found = None if g.graph or not g.is_multigraph() or not g.is_directed() else declared.ids
    if found is None:
        from pipeline.corpus.graph import as_networkx

        nx.write_gexf(as_networkx(g), fh)
        return
    ids = found

    sink = TextSink(fh, "xmlcharrefreplace")
    emit = sink.write

    def attvalues(cls: str, data: dict[str, Any], pad: str) -> str:
        return _attvalues_text(ids, cls, data, pad)

    head = (
        "<?xml version='1.0' encoding='utf-8'?>\n"
        '<gexf xmlns="http://www.gexf.net/1.2draft" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:schemaLocation="http://www.gexf.net/1.2draft http://www.gexf.net/1.2draft/gexf.xsd" version="1.2">\n'
        f'  <meta lastmodifieddate="{_attr(time.strftime("%Y-%m-%d"))}">\n'
        f"    <creator>{_cdata(f'NetworkX {nx.__version__}')}</creator>\n"
        "  </meta>\n"
        '  <graph defaultedgetype="directed" mode="static" name="">\n'
    )
    emit(head)
    # networkx inserts each class's <attributes> at the front of <graph>: the class declared last comes first
    for cls in sorted((c for c in ids if ids[c]), key=lambda c: -min(int(i) for i, _ in ids[c].values())):
        emit(f'    <attributes mode="static" class="{cls}">\n')
        for title, (aid, kind) in ids[cls].items():
            emit(f'      <attribute id="{aid}" title="{_attr(title)}" type="{kind}" />\n')
        emit("    </attributes>\n")
    if isinstance(declared, Streamer):  # the elements formatted already, as the graph was fed to it
        sink.flush()
        declared.copy_to(fh)
    else:
        _elements(g, emit, attvalues, ids)
    emit("  </graph>\n</gexf>\n")
    sink.flush()


def _elements(
    g: Any,
    emit: Callable[[str], None],
    attvalues: Callable[[str, dict[str, Any], str], str],
    ids: dict[str, dict[str, tuple[str, str]]],
) -> None:
    """The ``<nodes>`` and ``<edges>``: each from its shape's template (``_Shapes``), else as ``attvalues`` and
    ``_edge_items`` make it (an element that needs escaping or that no template covers)."""
    nodes, edges = g.number_of_nodes(), g.number_of_edges()
    emit("    <nodes>\n      " if nodes else "    <nodes />\n")
    fast = _Shapes(ids, _node_template)
    for i, (n, data) in enumerate(g.nodes(data=True)):
        tail = "\n    " if i == nodes - 1 else "\n      "
        text = fast.format([n, *data.values()], data, type(n))
        if text is not None:
            emit(text + tail)
            continue
        d = dict(data)
        label = str(d.pop("label", n))
        start = f'<node id="{_attr(str(n))}" label="{_attr(label)}"'
        emit(f"{start}>{attvalues('node', d, '      ')}</node>{tail}" if d else f"{start} />{tail}")
    if nodes:
        emit("</nodes>\n")
    emit("    <edges>\n      " if edges else "    <edges />\n")
    fast = _Shapes(ids, _edge_template)
    for i, (u, v, kw, d) in enumerate(_edge_items(g, fast)):
        tail = "\n    " if i == edges - 1 else "\n      "
        if kw is None:  # formatted already
            emit(d + tail)
            continue
        attrs = "".join(f' {name}="{_attr(value)}"' for name, value in kw)
        start = f'<edge source="{_attr(str(u))}" target="{_attr(str(v))}"{attrs}'
        emit(f"{start}>{attvalues('edge', d, '      ')}</edge>{tail}")
    if edges:
        emit("</edges>\n")


_SPECIAL = re.compile(r'[&<>"\r\n\t]')  # what ``_attr`` would change
_CONVERTED = (float, bool)  # attvalues ``_value`` spells its own way (the rest: ``format(v, "")`` = ``str(v)``)
_Template = tuple[str, str, tuple[int, ...]]  # template, probe, the argument positions ``_value`` converts


def _attvalues(ids: dict[str, tuple[str, str]], items: list[tuple[str, str]]) -> str:
    """The ``<attvalues>`` block of (title, template field) pairs, as ``attvalues`` pads it (element level 6)."""
    lines = "\n".join(f'          <attvalue for="{ids[title][0]}" value="{field}" />' for title, field in items)
    return f"\n        <attvalues>\n{lines}\n        </attvalues>\n      "


def _node_template(ids: Any, keys: tuple[Any, ...], types: tuple[type, ...]) -> _Template | None:
    """A node of data names ``keys`` (types ``types``), formatted from ``[n, *data.values()]``."""
    if _NODE_SPECIAL.intersection(keys) or not all(t in _TYPES for t in types) or not all(type(k) is str for k in keys):
        return None
    label = f"{{{keys.index('label') + 1}}}" if "label" in keys else "{0}"
    items = [(_title(k), f"{{{i + 1}}}") for i, k in enumerate(keys) if k != "label"]
    conv = tuple(i + 1 for i, k in enumerate(keys) if k != "label" and types[i] in _CONVERTED)
    head = f'<node id="{{0}}" label="{label}"'
    template = f"{head}>{_attvalues(ids['node'], items)}</node>" if items else f"{head} />"
    return template, "{}" * (len(keys) + 1), conv


def _edge_template(
    ids: Any, keys: tuple[Any, ...], types: tuple[type, ...], id_is_key: bool = False
) -> _Template | None:
    """An edge with its own ``id`` of data names ``keys``, formatted from ``[u, v, key, *data.values()]`` as
    ``_edge_items`` and ``attvalues`` would: ``key`` an attvalue in place of the data's or last; ``id_is_key``: the
    ``id`` attribute is ``key`` (the data's ``id`` value, if any, is not written)."""
    if "id" not in keys or _EDGE_SPECIAL.intersection(keys) or not all(type(k) is str for k in keys):
        return None
    if not all(t in _TYPES for t in types):
        return None
    pos = {k: i + 3 for i, k in enumerate(keys)}
    if id_is_key:  # (``with_edge_ids``: the id is the key, whatever the data's own)
        pos["id"] = 2
    attrs = "".join(f' {name}="{{{pos[name]}}}"' for name in ("id", *_EDGE_XML) if name in pos)
    items = [(_title(k), "{2}" if k == "key" else f"{{{pos[k]}}}") for k in keys if k not in ("id", *_EDGE_XML)]
    if "key" not in pos:
        items.append(("networkx_key", "{2}"))
    conv = tuple(
        pos[k] for k, t in zip(keys, types, strict=True) if k not in ("id", "key", *_EDGE_XML) and t in _CONVERTED
    )
    template = f'<edge source="{{0}}" target="{{1}}"{attrs}>{_attvalues(ids["edge"], items)}</edge>'
    return template, "{}" * (len(keys) + 3), conv


class _Shapes:
    """Elements formatted from a template made once per shape (data names and types: a few shapes repeat across
    the whole graph); ``format`` gives None when the shape has no template or a text needs escaping."""

    def __init__(self, ids: Any, make: Callable[[Any, tuple[Any, ...], tuple[type, ...]], _Template | None]) -> None:
        self.ids, self.make = ids, make
        self.shapes: dict[tuple[Any, ...], _Template | None] = {}

    def format(self, args: list[Any], data: dict[str, Any], head: type) -> str | None:
        """``args``: the element's ids then its data values (changed in place); ``head``: the type of its last id."""
        sig = (head, *data, *map(type, data.values()))
        made = self.shapes.get(sig)
        if made is None:
            if sig in self.shapes:
                return None
            types = tuple(map(type, data.values()))
            made = self.shapes[sig] = self.make(self.ids, tuple(data), types) if head in _TYPES else None
            if made is None:
                return None
        return _fill(made, args)


def _fill(made: _Template, args: list[Any]) -> str | None:
    """The element of template ``made`` for ``args`` (converted in place); None when a text needs escaping."""
    template, probe, conv = made
    for i in conv:
        args[i] = _value(args[i])
    if _SPECIAL.search(probe.format(*args)):
        return None
    return template.format(*args)


def _attvalues_text(ids: dict[str, dict[str, tuple[str, str]]], cls: str, data: dict[str, Any], pad: str) -> str:
    known = ids[cls]
    lines = [
        f'{pad}    <attvalue for="{known[_title(k)][0]}" value="{_attr(v if v.__class__ is str else _value(v))}" />'
        for k, v in data.items()
    ]
    return f"\n{pad}  <attvalues>\n" + "\n".join(lines) + f"\n{pad}  </attvalues>\n{pad}"


class Streamer(Declarer):
    """A :class:`Declarer` that also formats the ``<nodes>`` and ``<edges>`` as it is fed them (edges as
    ``with_edge_ids`` gives them: their key is their id), into ``body`` (a binary temporary file it closes with
    :meth:`close`): :func:`write_gexf` given it writes the attributes and copies the elements, without a pass
    over the graph (io/graphspool.py feeds it as the graph is spooled)."""

    def __init__(self, body: IO[bytes]) -> None:
        super().__init__()
        self.body = body
        self._sink = TextSink(cast(BinaryIO, body), "xmlcharrefreplace")
        self._nodes = self._edges = 0
        self._edges_at: int | None = None  # where the edges start in ``body``
        self._node_made: dict[tuple[Any, ...], _Template | None] = {}  # shape -> template (None: none fits)
        self._edge_made: dict[tuple[Any, ...], _Template | None] = {}

    def node(self, n: Any, data: dict[str, Any]) -> None:
        if self.ids is None:
            return
        sig = (type(n), *data, *map(type, data.values()))  # one lookup: declared and templated once per shape
        made = self._node_made.get(sig)
        if made is None and sig not in self._node_made:
            super().node(n, data)
            if self.ids is None:
                return
            types = tuple(map(type, data.values()))
            made = self._node_made[sig] = _node_template(self.ids, tuple(data), types) if type(n) in _TYPES else None
        text = _fill(made, [n, *data.values()]) if made is not None else None
        if text is None:
            d = dict(data)
            label = str(d.pop("label", n))
            start = f'<node id="{_attr(str(n))}" label="{_attr(label)}"'
            text = f"{start}>{_attvalues_text(self.ids, 'node', d, '      ')}</node>" if d else f"{start} />"
        self._sink.write(f"\n      {text}" if self._nodes else text)  # the layout's tail: before, not after
        self._nodes += 1

    def edge(self, u: Any, v: Any, key: Any, data: dict[str, Any]) -> None:
        if self.ids is None:
            return
        if type(key) is not str:
            self.ids = None
            return
        if self._edges_at is None:
            self._sink.flush()
            self._edges_at = self.body.tell()
        sig = (*data, *map(type, data.values()))
        made = self._edge_made.get(sig)
        if made is None and sig not in self._edge_made:
            super().edge(u, v, key, data)
            if self.ids is None:
                return
            keys, types = tuple(data), tuple(map(type, data.values()))
            if "id" not in data:  # ``with_edge_ids`` puts the id last: an argument more (the key again)
                keys, types = (*keys, "id"), (*types, str)
            made = self._edge_made[sig] = _edge_template(self.ids, keys, types, id_is_key=True)
        text = None
        if made is not None:
            args = [u, v, key, *data.values()]
            if len(args) < len(made[1]) // 2:  # (the probe: two characters an argument)
                args.append(key)
            text = _fill(made, args)
        if text is None:
            d = {**data, "id": key}  # as ``with_edge_ids`` gives it: in place when it has an id, else last
            d.update(key=key)
            kw = [("id", str(d.pop("id")))] + [(name, str(d.pop(name))) for name in _EDGE_XML if name in d]
            attrs = "".join(f' {name}="{_attr(value)}"' for name, value in kw)
            start = f'<edge source="{_attr(str(u))}" target="{_attr(str(v))}"{attrs}'
            text = f"{start}>{_attvalues_text(self.ids, 'edge', d, '      ')}</edge>"
        self._sink.write(f"\n      {text}" if self._edges else text)
        self._edges += 1

    def copy_to(self, fh: BinaryIO) -> None:
        """``<nodes>`` and ``<edges>`` formatted as fed, into ``fh``."""
        self._sink.flush()
        end = self.body.tell()
        at = end if self._edges_at is None else self._edges_at
        for n, lo, hi, tag in ((self._nodes, 0, at, "nodes"), (self._edges, at, end, "edges")):
            if not n:
                fh.write(f"    <{tag} />\n".encode())
                continue
            fh.write(f"    <{tag}>\n      ".encode())
            self.body.seek(lo)
            left = hi - lo
            while left:
                chunk = self.body.read(min(left, 1 << 20))
                fh.write(chunk)
                left -= len(chunk)
            fh.write(f"\n    </{tag}>\n".encode())
        self.body.seek(end)

    def close(self) -> None:
        self.body.close()
