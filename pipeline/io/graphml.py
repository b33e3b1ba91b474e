"""graph.graphml written element by element: the bytes ``networkx.write_graphml`` gives (through lxml), without
lxml's element objects for every node, edge and data value.

One pass declares the keys (``d0``, ``d1`` … in the order networkx meets them: node data, then edge data; one key
per name, type and scope; written last-declared first, as networkx inserts each at the front), then the nodes and
edges are formatted as lxml pretty-prints them (two-space ``<data>`` lines, lxml's escaping: ``& < >`` and CR in
text, also ``"`` and TAB/LF/CR in attributes). A graph this writer does not cover (graph attributes or defaults,
values other than str/int/float/bool, text XML cannot hold) goes to networkx's writer unchanged.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterable
from typing import IO, Any, BinaryIO, cast

from pipeline.io.writers import TextSink, declare_graph

_TYPES = {str: "string", int: "long", float: "double", bool: "boolean"}
_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")  # lxml refuses these in a document
_HEAD = (
    "<?xml version='1.0' encoding='utf-8'?>\n"
    '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
    'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">'
)
_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
_ATTR = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"}
)
_PLAIN = re.compile(r"[^&<>\"\r\n\t]*")


def _text(s: str) -> str:
    return s if _PLAIN.fullmatch(s) else s.translate(_TEXT)


def _attr(s: str) -> str:
    return s if _PLAIN.fullmatch(s) else s.translate(_ATTR)


def _fits(values: Iterable[Any]) -> bool:
    """Every value of a type GraphML declares, no text with a character lxml refuses (``_BAD`` is one character
    class: one search over the texts joined finds what a search of each would)."""
    texts = []
    for v in values:
        t = type(v)
        if t is str:
            texts.append(v)
        elif t not in _TYPES:
            return False
    return not _BAD.search("".join(texts))


_SPECIAL = re.compile(r'[&<>"\r\n\t]')  # what ``_text`` or ``_attr`` would change


class _Templates:
    """The ``<node>`` or ``<edge>`` elements of one scope formatted from a template made once per shape (the names
    and types of an element's data, which repeat across the graph): ``head`` with ``n_head`` ``{}`` (the ids), then
    a ``<data>`` line per value. ``format`` gives None when a text needs escaping (the caller escapes it)."""

    def __init__(self, keys: dict[tuple[str, str, str], str], scope: str, head: str, n_head: int) -> None:
        self.keys, self.scope, self.head, self.n_head = keys, scope, head, n_head
        self.shapes: dict[tuple[Any, ...], tuple[str, str]] = {}

    def _make(self, d: dict[str, Any]) -> tuple[str, str]:
        probe = "{}" * (self.n_head + len(d))  # every text side by side: one search finds what needs escaping
        if not d:
            return f"{self.head}/>\n", probe
        lines = "".join(
            f'  <data key="{self.keys[(str(k), _TYPES[type(v)], self.scope)]}">{{}}</data>\n' for k, v in d.items()
        )
        return f"{self.head}>\n{lines}</{self.scope}>\n", probe

    def format(self, args: tuple[Any, ...], d: dict[str, Any]) -> str | None:
        """The element of ids and values ``args`` (data ``d``); None when one of them needs escaping.
        ``format(v, "")`` is ``str(v)`` for the types GraphML declares (str, int, float, bool)."""
        sig = (*d, *map(type, d.values()))  # names then types: two shapes of one length never share it
        made = self.shapes.get(sig)
        if made is None:
            made = self.shapes[sig] = self._make(d)
        template, probe = made
        if _SPECIAL.search(probe.format(*args)):
            return None
        return template.format(*args)


class Declarer:
    """The keys (name, type, scope) -> id in the order networkx declares them, fed the nodes (all of them first)
    then the edges of a graph; ``keys`` is None once an element :func:`write_graphml` leaves to networkx is seen.
    Fed while a graph is read for something else (io/graphspool.py), it spares :func:`write_graphml` its pass.
    Names and types are checked and declared once per shape (the ids' types, the data's names and types: the
    same few repeat across a graph); each element's texts are still searched for what XML cannot hold."""

    def __init__(self) -> None:
        self.keys: dict[tuple[str, str, str], str] | None = {}
        self._shapes: dict[tuple[Any, ...], str] = {}  # shape -> a probe putting the element's texts side by side

    def _declare(self, scope: str, d: dict[str, Any]) -> None:
        keys = self.keys
        assert keys is not None
        for k, v in d.items():
            key = (str(k), _TYPES[type(v)], scope)
            if key not in keys:
                keys[key] = f"d{len(keys)}"

    def _element(self, scope: str, ids: tuple[Any, ...], d: dict[str, Any]) -> None:
        sig = (scope, *map(type, ids), *d, *map(type, d.values()))  # (one length: names and types apart)
        probe = self._shapes.get(sig)
        if probe is None:
            if not _fits([*ids, *d, *d.values()]):
                self.keys = None
                return
            self._declare(scope, d)
            probe = self._shapes[sig] = "{}" * (len(ids) + len(d))  # format(v, "") = str(v) for these types
        if _BAD.search(probe.format(*ids, *d.values())):
            self.keys = None

    def node(self, n: Any, d: dict[str, Any]) -> None:
        if self.keys is not None:
            self._element("node", (n,), d)

    def edge(self, u: Any, v: Any, k: Any, d: dict[str, Any]) -> None:
        if self.keys is not None:
            self._element("edge", (u, v, k), d)


def _declare(g: Any) -> dict[tuple[str, str, str], str] | None:
    """The keys (name, type, scope) -> id in the order networkx declares them, in one pass over the nodes and edges;
    None when :func:`write_graphml` leaves ``g`` to networkx."""
    declarer = Declarer()
    return declare_graph(g, declarer, lambda: declarer.keys)


def streamable(g: Any) -> bool:
    """True when :func:`write_graphml` writes ``g`` itself (else it hands ``g`` to networkx)."""
    return _declare(g) is not None


def write_graphml(g: Any, fh: BinaryIO, declared: Declarer | None = None) -> dict[tuple[str, str, str], str] | None:
    """``networkx.write_graphml(g, fh)``'s bytes, streamed (networkx writes a graph ``streamable`` refuses).
    ``g``: a networkx graph or anything read like one (``nodes(data=True)``, ``edges(keys=True, data=True)``);
    ``declared``: a :class:`Declarer` already fed all of ``g`` (else a pass of its own declares the keys).
    Returns the keys declared, (attribute name, type, node|edge) -> key id; None when networkx wrote the file."""
    import networkx as nx

    if declared is None:
        keys = _declare(g)
    else:
        keys = None if g.graph or not g.is_multigraph() or not g.is_directed() else declared.keys
    if keys is None:
        from pipeline.corpus.graph import as_networkx

        nx.write_graphml(as_networkx(g), fh)
        return None
    sink = TextSink(fh, first=_HEAD)
    emit = sink.write

    for (name, kind, scope), kid in reversed(keys.items()):
        emit(f'<key id="{kid}" for="{scope}" attr.name="{_attr(name)}" attr.type="{kind}"/>\n')
    emit('<graph edgedefault="directed">')
    if isinstance(declared, Streamer):  # the elements formatted already, as the graph was fed to it
        sink.flush()
        declared.copy_to(fh)
    else:
        node = _Templates(keys, "node", _NODE_HEAD, 1)
        for n, d in g.nodes(data=True):
            text = node.format((n, *d.values()), d)
            emit(text if text is not None else _node_text(keys, n, d))
        edge = _Templates(keys, "edge", _EDGE_HEAD, 3)
        for u, v, k, d in g.edges(keys=True, data=True):
            text = edge.format((u, v, k, *d.values()), d)
            emit(text if text is not None else _edge_text(keys, u, v, k, d))
    emit("</graph></graphml>")
    sink.flush()
    return keys


_NODE_HEAD = '<node id="{}"'
_EDGE_HEAD = '<edge source="{}" target="{}" id="{}"'


def _element(keys: dict[tuple[str, str, str], str], start: str, tag: str, scope: str, d: dict[str, Any]) -> str:
    """An element escaped text by text (what the templates leave: a text with ``& < > "`` or line breaks)."""
    if not d:
        return f"{start}/>\n"
    lines = "".join(
        f'  <data key="{keys[(str(k), _TYPES[type(v)], scope)]}">{_text(str(v))}</data>\n' for k, v in d.items()
    )
    return f"{start}>\n{lines}</{tag}>\n"


def _node_text(keys: dict[tuple[str, str, str], str], n: Any, d: dict[str, Any]) -> str:
    return _element(keys, f'<node id="{_attr(str(n))}"', "node", "node", d)


def _edge_text(keys: dict[tuple[str, str, str], str], u: Any, v: Any, k: Any, d: dict[str, Any]) -> str:
    start = f'<edge source="{_attr(str(u))}" target="{_attr(str(v))}" id="{_attr(str(k))}"'
    return _element(keys, start, "edge", "edge", d)


class Streamer(Declarer):
    """A :class:`Declarer` that also formats the ``<node>`` and ``<edge>`` elements as it is fed them, into
    ``body`` (a binary temporary file it closes with :meth:`close`): :func:`write_graphml` given it writes the
    keys and copies the elements, without a pass over the graph. Fed while the graph is spooled
    (io/graphspool.py), the shape's one lookup serves the declaration and the template."""

    def __init__(self, body: IO[bytes]) -> None:
        super().__init__()
        self.body = body
        self._sink = TextSink(cast(BinaryIO, body))
        self._made: dict[tuple[Any, ...], tuple[str, str]] = {}

    def _element(self, scope: str, ids: tuple[Any, ...], d: dict[str, Any]) -> None:
        sig = (scope, *map(type, ids), *d, *map(type, d.values()))  # (one length: names and types apart)
        made = self._made.get(sig)
        if made is None:
            if not _fits([*ids, *d, *d.values()]):
                self.keys = None
                return
            self._declare(scope, d)
            assert self.keys is not None
            head = _NODE_HEAD if scope == "node" else _EDGE_HEAD
            made = self._made[sig] = _Templates(self.keys, scope, head, len(ids))._make(d)
        template, probe = made
        args = (*ids, *d.values())
        text = probe.format(*args)
        if _BAD.search(text):
            self.keys = None
        elif not _SPECIAL.search(text):
            self._sink.write(template.format(*args))
        else:
            assert self.keys is not None
            if scope == "node":
                self._sink.write(_node_text(self.keys, ids[0], d))
            else:
                self._sink.write(_edge_text(self.keys, ids[0], ids[1], ids[2], d))

    def copy_to(self, fh: BinaryIO) -> None:
        """The elements formatted so far, into ``fh``."""
        self._sink.flush()
        self.body.seek(0)
        shutil.copyfileobj(self.body, fh, 1 << 20)

    def close(self) -> None:
        self.body.close()
