"""The corpus stages over every document's records: conflicts, comparison tables, similarity and families,
practice coding, co-occurrence and the knowledge graph. Pure: nothing here reads or writes files."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from pipeline.corpus.compare import CountyComparison, compare_counties
from pipeline.corpus.conflicts import Conflict, find_conflicts
from pipeline.corpus.corrections import AppliedCorrection, Correction, apply_corrections, merge_targets
from pipeline.corpus.graph import CountyPractice, Graph, corpus_graph, county_practice_edges
from pipeline.corpus.practice_index import PracticeEntry, practice_index
from pipeline.corpus.practice_tables import (
    Cooccurrence,
    PracticePair,
    PracticeSummary,
    ToolCounts,
    compare_practices,
    cooccurrence,
    cooccurrence_pairs,
    policy_tools_crosstab,
)
from pipeline.corpus.practices import classify_practices
from pipeline.corpus.similarity import practice_families, practice_similarity
from pipeline.model import DocResult


@dataclass
class CorpusResult:
    """What the corpus stages find across documents (typed; ``pipeline.io`` writes it)."""

    conflicts: list[Conflict] = field(default_factory=list)
    counties: list[CountyComparison] = field(default_factory=list)
    county_columns: list[str] = field(default_factory=list)
    similar: list[tuple[str, str, float]] = field(default_factory=list)
    families: dict[str, str] = field(default_factory=dict)
    classes: dict[str, dict[str, Any]] = field(default_factory=dict)
    practices: list[PracticeSummary] = field(default_factory=list)
    tools: list[ToolCounts] = field(default_factory=list)
    cooccurrence: Cooccurrence | None = None
    graph: Graph = field(default_factory=nx.MultiDiGraph)  # CorpusGraph: compact, reads the results again
    practice_index: list[PracticeEntry] = field(default_factory=list)  # practices.csv
    corrections: list[AppliedCorrection] = field(default_factory=list)  # corrections_applied.csv
    county_practice: list[CountyPractice] = field(default_factory=list)  # weighted edge list from the graph
    practice_pairs: list[PracticePair] = field(default_factory=list)  # weighted edge list from the co-occurrence


def build_corpus(
    results: Sequence[DocResult],
    mapper: Any,
    policy_model: Any = None,
    corrections: Sequence[AppliedCorrection] = (),
) -> CorpusResult:
    """Run every corpus stage; ``mapper`` maps indicators to the canonical vocabulary, ``policy_model`` (optional)
    codes each practice with a field and policy tool. ``results`` are already corrected
    (``corrections.apply_corrections``); ``corrections`` is what that did, kept for the report."""
    counties, columns = compare_counties(results, mapper)
    similar = practice_similarity(results)
    families = practice_families(similar, {m.name for r in results for m in r.measures})
    classes = classify_practices(results, policy_model) if policy_model is not None else {}
    co = cooccurrence(results)
    graph = corpus_graph(results, similar=similar, families=families, classes=classes)
    return CorpusResult(
        conflicts=find_conflicts(results),
        counties=counties,
        county_columns=columns,
        similar=similar,
        families=families,
        classes=classes,
        practices=compare_practices(results, families, classes),
        tools=policy_tools_crosstab(results),
        cooccurrence=co,
        graph=graph,
        county_practice=county_practice_edges(graph),
        practice_pairs=cooccurrence_pairs(co),
        practice_index=practice_index(results, merge_targets(a.rule for a in corrections)),
        corrections=list(corrections),
    )


def correct_and_build(
    results: Sequence[DocResult], mapper: Any, policy_model: Any = None, corrections: Sequence[Correction] = ()
) -> tuple[Sequence[DocResult], CorpusResult]:
    """The one place a corrections file meets the records: the corrected results (new ones; the given are not
    changed), then every corpus stage over them. Write the tables from the returned results."""
    units = {i.name: i.units for i in mapper.vocab.indicators}
    fixed, applied = apply_corrections(results, corrections, units)
    return fixed, build_corpus(fixed, mapper, policy_model, applied)
