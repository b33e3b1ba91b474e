"""The corpus stages over every document's records: conflicts, comparison tables, similarity and families,
practice coding, co-occurrence and the knowledge graph. Pure: nothing here reads or writes files."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from pipeline.corpus.compare import CountyComparison, CountyTable
from pipeline.corpus.conflicts import Conflict, ConflictFinder
from pipeline.corpus.corrections import AppliedCorrection, Correction, apply_corrections, merge_targets
from pipeline.corpus.graph import CorpusGraph, CountyPractice, Graph, county_practice_edges
from pipeline.corpus.passes import feed
from pipeline.corpus.practice_index import PracticeEntry, PracticeIndex
from pipeline.corpus.practice_tables import (
    Cooccurrence,
    CooccurrenceUnits,
    CountyNames,
    PracticeNames,
    PracticePair,
    PracticeSummaries,
    PracticeSummary,
    ToolCounts,
    ToolCrosstab,
    cooccurrence_pairs,
)
from pipeline.corpus.practices import PracticeContexts, classify_contexts
from pipeline.corpus.similarity import SKIP_KINDS, PracticeDocs, practice_families, similar_pairs
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
    # The results are read three times (past io.spill.SPILL_AFTER documents each read unpickles every result):
    # the first pass feeds every stage that needs one; the second, the stages that need what the first found (the
    # corpus's practice names, each document's county, the conflicting values' figures) and the graph's second
    # step; the third, its third. What a stage gathered is dropped once it has given its result (memory: the
    # collectors do not all live at once).
    table, finder = CountyTable(mapper), ConflictFinder()
    contexts, found = PracticeContexts(SKIP_KINDS), PracticeDocs(SKIP_KINDS)
    doc_counties, names, index, measure_names = CountyNames(), PracticeNames(), PracticeIndex(), _MeasureNames()
    graph = CorpusGraph(results)
    places, measures, links = graph.passes()
    feed(
        results,
        table.add,
        finder.add,
        contexts.add,
        found.add,
        doc_counties.add,
        names.add,
        index.add,
        measure_names.add,
        places,
    )
    counties, columns = table.finish()
    finder.settle()  # the conflicting values' figures are collected in the second pass
    practices = index.finish(merge_targets(a.rule for a in corrections))
    every, kept = contexts.finish()
    del table, index, contexts
    similar = similar_pairs(kept, found)
    families = practice_families(similar, measure_names.names)
    del kept, found, measure_names
    classes = classify_contexts(every, policy_model) if policy_model is not None else {}
    del every
    units = CooccurrenceUnits(names.names)
    summaries, tools = PracticeSummaries(doc_counties), ToolCrosstab(doc_counties)
    feed(results, units.add, summaries.add, tools.add, measures, finder.collect)
    co = units.finish()
    conflicts = finder.finish()
    del units, finder
    feed(results, links)
    graph.finish(similar, families, classes)
    return CorpusResult(
        conflicts=conflicts,
        counties=counties,
        county_columns=columns,
        similar=similar,
        families=families,
        classes=classes,
        practices=summaries.finish(families, classes),
        tools=tools.finish(),
        cooccurrence=co,
        graph=graph,
        county_practice=county_practice_edges(graph),
        practice_pairs=cooccurrence_pairs(co),
        practice_index=practices,
        corrections=list(corrections),
    )


class _MeasureNames:
    """Every measure's name as written (the families' nodes)."""

    def __init__(self) -> None:
        self.names: set[str] = set()

    def add(self, r: DocResult) -> None:
        for m in r.measures:
            self.names.add(m.name)


def correct_and_build(
    results: Sequence[DocResult], mapper: Any, policy_model: Any = None, corrections: Sequence[Correction] = ()
) -> tuple[Sequence[DocResult], CorpusResult]:
    """The one place a corrections file meets the records: the corrected results (new ones; the given are not
    changed), then every corpus stage over them. Write the tables from the returned results."""
    units = {i.name: i.units for i in mapper.vocab.indicators}
    fixed, applied = apply_corrections(results, corrections, units)
    return fixed, build_corpus(fixed, mapper, policy_model, applied)
