"""Practice similarity across documents, and practice families.

The same practice travels between counties under different names (a cooperative linked with a credit
union is 社社联建 here, 社社联动 there). Each practice becomes a bundle of text — its name, its components and
the sentences that mention it — and two views are compared with TF-IDF cosine: name+components as char
n-grams (names are short coinages jieba cuts badly) and the context sentences as jieba words. Pairs above a
threshold become ``similar_to`` edges; connected components of those edges are families.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from pipeline.corpus.passes import feed
from pipeline.corpus.practices import PracticeContexts
from pipeline.lexicon import lazy_words
from pipeline.model import DocResult

log = logging.getLogger(__name__)

SKIP_KINDS = ("policy_document",)
NAME_WEIGHT = 0.5  # share of the score from name+components; the rest from context words
TOP_K = 50  # partners kept per practice: more than this many other names for one practice is noise
# Scores computed at once (a block of rows): each of the block's dense arrays (name, context, combined score …) is
# 8 bytes a cell, so 1,000,000 cells keep the stage's peak near 50 MB (4,000,000 made it ~190 MB: the C heap then
# kept it for the rest of the run); the same scores, the same CPU time.
BLOCK_CELLS = 1_000_000
_STOP = lazy_words("similarity_stop")


def _identity(x: list[str]) -> list[str]:
    return x


def _char_grams(s: str) -> list[str]:
    s = "".join(c for c in s if not c.isspace() and c not in '“”"《》|，,、')
    return [s[i : i + n] for n in (1, 2, 3) for i in range(len(s) - n + 1)]


def _tfidf(docs: list[list[str]]) -> Any:
    """Rows of L2-normalized TF-IDF weights (sparse), as ``cosine_similarity`` normalizes them; all-zero when
    no document has a term."""
    from scipy import sparse  # type: ignore[import-untyped]
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.preprocessing import normalize

    if not any(docs):
        return sparse.csr_matrix((len(docs), 1))
    vec = TfidfVectorizer(analyzer=_identity, sublinear_tf=True)
    return normalize(vec.fit_transform(docs), copy=True)


def _cosine_rows(x: Any, lo: int, hi: int) -> Any:
    """Rows ``lo:hi`` of ``cosine_similarity(x)`` for normalized ``x``: the same products, a block at a time."""
    from sklearn.utils.extmath import safe_sparse_dot

    return safe_sparse_dot(x[lo:hi], x.T, dense_output=True)


class PracticeDocs:
    """The documents each practice name appears in and its first components (measures of ``skip_kinds`` left
    out), one result at a time (``add``): with :class:`PracticeContexts`, what the similarity needs from a pass."""

    def __init__(self, skip_kinds: Iterable[str] = ()) -> None:
        self.skip = set(skip_kinds)
        self.docs: dict[str, set[str]] = defaultdict(set)
        self.comps: dict[str, str] = {}

    def add(self, r: DocResult) -> None:
        for m in r.measures:
            name = m.name.strip()
            if name and m.kind not in self.skip:
                self.docs[name].add(r.doc.doc_id)
                if m.components and name not in self.comps:
                    self.comps[name] = " | ".join(m.components)


def _gather(results: Sequence[DocResult], skip: set[str]) -> tuple[dict[str, list[str]], PracticeDocs]:
    ctx, docs = PracticeContexts(skip), PracticeDocs(skip)
    feed(results, ctx.add, docs.add)
    return ctx.kept, docs


def practice_vectors(
    results: Sequence[DocResult], skip_kinds: Iterable[str] = (), seg: Any = None
) -> tuple[list[str], list[list[str]], list[list[str]], dict[str, set[str]]]:
    """Names, their name+component grams, their context words, and the documents each appears in."""
    return vectors_of(*_gather(results, set(skip_kinds)), seg)


def vectors_of(
    ctx: dict[str, list[str]], found: PracticeDocs, seg: Any = None
) -> tuple[list[str], list[list[str]], list[list[str]], dict[str, set[str]]]:
    """:func:`practice_vectors` of gathered contexts (``PracticeContexts.kept``) and documents."""
    docs, comps = found.docs, found.comps
    names = sorted(ctx)
    if seg is None:
        from pipeline.text.tokenizer import shared_segmenter  # jieba and spaCy: loaded when there is text to cut

        seg = shared_segmenter()
    name_docs = [_char_grams(n) + _char_grams(comps.get(n, "")) for n in names]
    ctx_docs: list[list[str]] = []
    for n in names:
        words: list[str] = []
        for sent in ctx[n][1:]:
            sent = sent.replace(n, " ")  # the name itself is compared in the other view
            words += [w for w in seg.cut(sent) if len(w.strip()) > 1 and w not in _STOP and not w.isdigit()]
        ctx_docs.append(words)
    return names, name_docs, ctx_docs, docs


def practice_similarity(
    results: Sequence[DocResult],
    threshold: float = 0.35,
    skip_kinds: Iterable[str] = SKIP_KINDS,
    seg: Any = None,
    top_k: int | None = TOP_K,
    block_cells: int = BLOCK_CELLS,
) -> list[tuple[str, str, float]]:
    """``(a, b, score)`` for practice pairs with score >= ``threshold`` (a < b), best first.

    Scores are computed a block of rows at a time (about ``block_cells`` scores in memory, whatever the number
    of practices), never as N × N matrices, and only the pairs over the threshold are kept, the ``top_k`` best
    partners of each practice (a pair stays when either side keeps it; ``None``: all).

    Practices that only ever appear in the same documents share their context by construction, so for
    them only the name+components view counts. Titled policy documents are left out by default: a
    《…管理办法》 about a practice is not another name for it. ``seg``: a jieba tokenizer to reuse.
    """
    ctx, found = _gather(results, set(skip_kinds))
    return similar_pairs(ctx, found, threshold, seg, top_k, block_cells)


def similar_pairs(
    ctx: dict[str, list[str]],
    gathered: PracticeDocs,
    threshold: float = 0.35,
    seg: Any = None,
    top_k: int | None = TOP_K,
    block_cells: int = BLOCK_CELLS,
) -> list[tuple[str, str, float]]:
    """:func:`practice_similarity` of gathered contexts (``PracticeContexts.kept``) and documents (the same
    ``skip_kinds``): what ``build.py`` calls after its one pass."""
    if len(gathered.docs) < 2:
        return []
    names, name_docs, ctx_docs, docs = vectors_of(ctx, gathered, seg)
    if len(names) < 2:
        return []
    import numpy as np

    xn, xc = _tfidf(name_docs), _tfidf(ctx_docs)
    doc_set: dict[frozenset[str], int] = {}
    group = np.array([doc_set.setdefault(frozenset(docs[n]), len(doc_set)) for n in names])
    n = len(names)
    step = max(1, block_cells // n)
    found: dict[tuple[int, int], float] = {}
    for lo in range(0, n, step):
        hi = min(n, lo + step)
        sn, sc = _cosine_rows(xn, lo, hi), _cosine_rows(xc, lo, hi)
        # practices always named in the same documents share their context by construction: name view only
        score = np.where(group[lo:hi, None] == group[None, :], sn, NAME_WEIGHT * sn + (1 - NAME_WEIGHT) * sc)
        score[np.arange(hi - lo), np.arange(lo, hi)] = -np.inf  # a name is not its own partner
        for r, row in enumerate(score):
            (cols,) = np.nonzero(row >= threshold)
            if top_k is not None and len(cols) > top_k:
                cols = cols[np.lexsort((cols, -row[cols]))[:top_k]]  # best first, ties to the first name
            i = lo + r
            for j in cols.tolist():
                if j > i:
                    found[(i, j)] = float(row[j])  # the upper triangle, as a full matrix would give it
                else:
                    found.setdefault((j, i), float(row[j]))  # kept by this side only (the other's top_k)
    pairs = [(names[i], names[j], round(v, 4)) for (i, j), v in found.items()]
    pairs.sort(key=lambda p: (-p[2], p[0], p[1]))
    log.debug("practice_similarity: %d names, %d pairs >= %.2f", len(names), len(pairs), threshold)
    return pairs


def practice_families(pairs: Iterable[tuple[str, str, float]], names: Iterable[str]) -> dict[str, str]:
    """Name -> family label: connected components of the similarity pairs, labeled by their most central
    member (highest weighted degree; ties to the shorter, then alphabetically first name). Singletons are
    their own family."""
    import networkx as nx

    g = nx.Graph()
    g.add_nodes_from(n for n in names if n)
    for a, b, w in pairs:
        g.add_edge(a, b, weight=w)
    out: dict[str, str] = {}
    for comp in nx.connected_components(g):
        label = min(comp, key=lambda n: (-g.degree(n, weight="weight"), len(n), n))
        for n in comp:
            out[n] = label
    return out
