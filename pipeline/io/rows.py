"""Records become rows here and nowhere else: one function per table, columns from ``pipeline.io.schema``.

Offsets in rows are raw offsets (into ``outputs/text/{doc_id}.txt``); ``page`` is 1-based or empty.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from pipeline.corpus.build import CorpusResult
from pipeline.corpus.compare import table_total
from pipeline.corpus.graph import unique_links
from pipeline.io import schema
from pipeline.learn.policy_tools import MIN_CONFIDENCE, SUB_TOOLS, TOOLS, UNCODED, codebook
from pipeline.model import STATUS_FAILED, DocResult, Mention
from pipeline.names import file_stems, per_document_files, safe_stem
from pipeline.text.numerals import format_value

Row = dict[str, Any]
Table = tuple[list[Row], Sequence[str]]
RowSource = Callable[[], Iterable[Row]]


def _page(m: Mention) -> int | str:
    return "" if m.page is None else m.page


def document_row(r: DocResult, stem: str | None = None) -> Row:
    """The documents.csv row; ``stem`` (from ``names.file_stems`` over the run's doc_ids) names its files in
    ``text_file`` and ``review_file``, empty for a file not written (no text, no --review)."""
    d = r.doc
    text_file, review_file = per_document_files(safe_stem(d.doc_id) if stem is None else stem)
    return {
        "doc_id": d.doc_id,
        "source": d.source,
        "format": d.format,
        "script": d.script if d.status != STATUS_FAILED else "",
        "title": d.title,
        "county_code": r.county_code,
        "county": r.county,
        "n_chars": r.n_chars,
        "n_pages": d.n_pages or "",
        "status": d.status,
        "error": d.error,
        "error_code": d.error_code,
        "encoding": d.meta.get("encoding", ""),
        "n_articles": len(d.articles),
        "text_file": text_file if r.n_chars else "",
        "review_file": review_file if r.has_review else "",
        # how the text was got: text (a text layer, or a text format), ocr (every page OCR'd) or mixed (some)
        "text_method": d.meta.get("text_method", "text") if r.n_chars else "",
        "ocr_confidence": d.meta.get("ocr_confidence", ""),
    }


def document_rows(results: Sequence[DocResult]) -> list[Row]:
    stems = file_stems(r.doc.doc_id for r in results)
    return [document_row(r, stems[r.doc.doc_id]) for r in results]


def place_rows(r: DocResult) -> list[Row]:
    return [
        {
            "doc_id": r.doc.doc_id,
            "name": p.name,
            "canonical": p.canonical,
            "adcode": p.adcode,
            "level": p.level,
            "province": p.province,
            "prefecture": p.prefecture,
            "focal": p.focal,
            "mentions": p.mentions,
            "start": p.mention.raw_start,
            "end": p.mention.raw_end,
            "page": _page(p.mention),
        }
        for p in r.places
    ]


def figure_rows(r: DocResult) -> list[Row]:
    return [
        {
            "doc_id": r.doc.doc_id,
            "county_code": f.county_code,
            "indicator": f.indicator,
            "value": format_value(f.value),
            "unit": f.unit,
            "raw": f.mention.raw,
            "date": f.date,
            "qualifier": f.qualifier,
            "page": _page(f.mention),
            "start": f.mention.raw_start,
            "end": f.mention.raw_end,
            "sentence": f.sentence,
            "county": f.county,
            "article": f.article,
            "indicator_std": f.indicator_std,
            "per": f.per,
            "status": f.status,
            "value_high": "" if f.value_high is None else format_value(f.value_high),
        }
        for f in r.figures
    ]


def measure_rows(r: DocResult) -> list[Row]:
    return [
        {
            "doc_id": r.doc.doc_id,
            "county_code": m.county_code,
            "name": m.name,
            "kind": m.kind,
            "declared_count": "" if m.declared_count is None else m.declared_count,
            "components": " | ".join(m.components),
            "raw": m.mention.raw,
            "start": m.mention.raw_start,
            "end": m.mention.raw_end,
            "page": _page(m.mention),
            "county": m.county,
            "article": m.article,
            "aliases": " | ".join(m.aliases),
        }
        for m in r.measures
    ]


def section_rows(r: DocResult) -> list[Row]:
    d = r.doc
    rows = []
    for art, sec in r.sections:
        rs, re_ = d.to_raw(sec.start, sec.end)
        page = d.page_of_raw(rs)
        rows.append(
            {
                "doc_id": d.doc_id,
                "article": art.index,
                "path": sec.path,
                "heading": sec.heading,
                "role": sec.role,
                "level": sec.level,
                "start": rs,
                "end": re_,
                "article_title": art.title,
                "page": "" if page is None else page,
            }
        )
    return rows


def link_rows(r: DocResult) -> list[Row]:
    rows = []
    for ln in unique_links(r.links):
        fig, ev = ln.figure, ln.evidence
        rows.append(
            {
                "doc_id": r.doc.doc_id,
                "county_code": fig.county_code,
                "practice": ln.practice.name,
                "relation": ln.relation,
                "indicator": fig.indicator,
                "value": fig.value,
                "unit": fig.unit,
                "evidence_start": ev.raw_start,
                "evidence_end": ev.raw_end,
                "date": fig.date,
                "rule": ln.rule,
                "figure_start": fig.mention.raw_start,
                "figure_end": fig.mention.raw_end,
                "evidence": ev.raw,
                "page": _page(ev),
            }
        )
    return rows


def clause_rows(r: DocResult) -> list[Row]:
    return [
        {
            "doc_id": r.doc.doc_id,
            "article": c.article,
            "section": c.section,
            "text": c.mention.text,
            "field": c.field,
            "tool": c.tool,
            "sub_tool": c.sub_tool,
            "confidence": c.confidence,
            "start": c.mention.raw_start,
            "end": c.mention.raw_end,
            "source": c.mention.source,
            "county_code": c.county_code,
            "page": _page(c.mention),
        }
        for c in r.clauses
    ]


def conflict_rows(corpus: CorpusResult) -> list[Row]:
    return [
        {
            "county_code": c.county_code,
            "indicator": c.indicator,
            "unit": c.unit,
            "date": c.date,
            "value_a": c.value_a,
            "value_b": c.value_b,
            "doc_a": c.a.mention.doc_id,
            "start_a": c.a.mention.raw_start,
            "end_a": c.a.mention.raw_end,
            "raw_a": c.a.mention.raw,
            "doc_b": c.b.mention.doc_id,
            "start_b": c.b.mention.raw_start,
            "end_b": c.b.mention.raw_end,
            "raw_b": c.b.mention.raw,
            "sentence_a": c.a.sentence,
            "sentence_b": c.b.sentence,
            "doc_id": c.a.mention.doc_id,
            "docs_a": " | ".join(c.docs_a),
            "docs_b": " | ".join(c.docs_b),
            "n_values": c.n_values,
            "compared": c.compared,
        }
        for c in corpus.conflicts
    ]


def compare_county_rows(corpus: CorpusResult) -> list[Row]:
    rows = []
    for c in corpus.counties:
        row: Row = {
            "adcode": c.adcode,
            "county": c.county,
            "province": c.province,
            "prefecture": c.prefecture,
            "n_docs": c.n_docs,
        }
        for col, f in c.cells.items():
            m = f.mention
            row[col] = format_value(f.value)
            row[f"{col} date"] = f.date
            row[f"{col} source"] = f"{m.doc_id}:{m.raw_start}-{m.raw_end}"
        rows.append(row)
    return rows


def compare_long_rows(corpus: CorpusResult) -> list[Row]:
    """compare_counties_long.csv: the cells of compare_counties.csv, one (county, indicator, per) a row."""
    return [
        {
            "county": c.county,
            "adcode": c.adcode,
            "indicator_std": f.indicator_std,
            "value": format_value(f.value),
            "unit": f.unit,
            "per": f.per,
            "date": f.date,
            "source": f"{f.mention.doc_id}:{f.mention.raw_start}-{f.mention.raw_end}",
            "column": col,
            "table_total": table_total(f),
        }
        for c in corpus.counties
        for col, f in c.cells.items()
    ]


def practice_rows(corpus: CorpusResult) -> list[Row]:
    return [
        {
            "practice": p.practice,
            "kind": p.kind,
            "family": p.family,
            "field": p.policy_field,
            "policy_tool": p.policy_tool,
            "sub_tool": p.sub_tool,
            "counties": "; ".join(p.counties),
            "n_counties": len(p.counties),
            "n_docs": p.n_docs,
            "outcomes": "; ".join(p.outcomes),
            "n_outcomes": len(p.outcomes),
        }
        for p in corpus.practices
    ]


def practice_index_rows(corpus: CorpusResult) -> list[Row]:
    """practices.csv: one canonical practice a row, with the spellings merged into it, counties and documents."""
    return [
        {
            "practice": e.practice,
            "kind": e.kind,
            "aliases": " | ".join(e.aliases),
            "n_aliases": len(e.aliases),
            "aliases_by_correction": " | ".join(e.corrected),
            "counties": "; ".join(name for _, name in e.counties),
            "county_codes": "; ".join(code for code, _ in e.counties),
            "n_counties": len(e.counties),
            "documents": "; ".join(f"{d} ({n})" for d, n in sorted(e.documents.items())),
            "n_docs": len(e.documents),
            "n_records": e.n_records,
        }
        for e in corpus.practice_index
    ]


def correction_rows(corpus: CorpusResult) -> list[Row]:
    """corrections_applied.csv: each rule of the corrections file and how many rows it touched."""
    return [
        {
            "file": a.rule.source,
            "line": a.rule.line,
            "action": a.rule.action,
            "name": a.rule.name,
            "into": a.rule.into if a.rule.county is None else f"{a.rule.county.name} ({a.rule.county.adcode})",
            "note": a.rule.note,
            "rows": a.rows,
            "detail": a.detail,
        }
        for a in corpus.corrections
    ]


def crosstab_rows(corpus: CorpusResult) -> list[Row]:
    rows = []
    for t in corpus.tools:
        n = t.n_clauses
        row: Row = {"county_code": t.county_code, "county": t.county, "n_docs": t.n_docs, "n_clauses": n}
        for tool in TOOLS:
            row[tool] = t.counts[tool]
            row[f"{tool}_share"] = round(100.0 * t.counts[tool] / n, 2) if n else 0.0
        for s in SUB_TOOLS:
            row[s] = t.counts[s]
        row[UNCODED] = t.counts[UNCODED]  # clauses left for a human coder, not in n_clauses or the shares
        rows.append(row)
    return rows


def cooccurrence_table(corpus: CorpusResult) -> Table:
    co = corpus.cooccurrence
    if co is None:
        return [], ["practice"]
    rows: list[Row] = [{"practice": a, **{b: co.counts[(a, b)] for b in co.terms}} for a in co.terms]
    return rows, ["practice", *co.terms]


def county_practice_edge_rows(corpus: CorpusResult) -> list[Row]:
    return [
        {
            "source": e.county,
            "target": e.practice,
            "weight": e.weight,
            "type": "Directed",
            "county_code": e.county_id.removeprefix("County:"),
            "source_id": e.county_id,
            "target_id": ";".join(e.practice_ids),
            "doc_ids": ";".join(e.doc_ids),
        }
        for e in corpus.county_practice
    ]


def practice_edge_rows(corpus: CorpusResult) -> list[Row]:
    return [
        {"source": p.source, "target": p.target, "weight": p.weight, "type": "Undirected", "unit": p.unit}
        for p in corpus.practice_pairs
    ]


def codebook_rows() -> list[Row]:
    """policy_tools_codebook.csv: each sub-tool with its tool, definition and example, then the 未编码 code."""
    rows: list[Row] = [
        {"tool": e.tool, "tool_definition": e.tool_definition, "sub_tool": e.sub_tool, "definition": e.definition,
         "example": e.example}
        for e in codebook()
    ]  # fmt: skip
    rows.append(
        {
            "tool": UNCODED,
            "tool_definition": f"模型对政策工具的把握低于{MIN_CONFIDENCE}（min_confidence），留待人工编码",
            "sub_tool": UNCODED,
            "definition": f"条款陈述了政策行动，但模型给出的工具概率低于{MIN_CONFIDENCE}，不强行归类",
            "example": "",
        }
    )
    return rows


PER_DOCUMENT_TABLES: dict[str, tuple[Callable[[DocResult], list[Row]], Sequence[str]]] = {
    "places.csv": (place_rows, schema.PLACE_COLUMNS),
    "figures.csv": (figure_rows, schema.FIGURE_COLUMNS),
    "measures.csv": (measure_rows, schema.MEASURE_COLUMNS),
    "sections.csv": (section_rows, schema.SECTION_COLUMNS),
    "links.csv": (link_rows, schema.LINK_COLUMNS),
    "policy_tools.csv": (clause_rows, schema.CLAUSE_COLUMNS),
}  # tables made one document at a time (their rows never all held at once by the writers)


def table_plan(results: Sequence[DocResult], corpus: CorpusResult) -> dict[str, tuple[RowSource, Sequence[str]]]:
    """Every CSV table of the output folder, in writing order: file name -> (a function giving its rows, columns).

    Each call of a table's function makes its rows afresh; those of the per-document tables come one document at a
    time (a generator), so a writer that streams them holds one document's rows, never the whole table."""

    def each(fn: Callable[[DocResult], list[Row]]) -> RowSource:
        return lambda: (row for r in results for row in fn(r))

    def once(fn: Callable[[CorpusResult], list[Row]]) -> RowSource:
        return lambda: fn(corpus)

    cooc_rows, cooc_cols = cooccurrence_table(corpus)
    per_doc = {name: (each(fn), cols) for name, (fn, cols) in PER_DOCUMENT_TABLES.items()}
    return {
        "documents.csv": (lambda: document_rows(results), schema.DOCUMENT_COLUMNS),
        **{k: per_doc[k] for k in ("places.csv", "figures.csv", "measures.csv", "sections.csv", "links.csv")},
        "conflicts.csv": (once(conflict_rows), schema.CONFLICT_COLUMNS),
        "compare_counties.csv": (once(compare_county_rows), schema.compare_columns(corpus.county_columns)),
        "compare_counties_long.csv": (once(compare_long_rows), schema.COMPARE_LONG_COLUMNS),
        "compare_practices.csv": (once(practice_rows), schema.PRACTICE_COLUMNS),
        "practices.csv": (once(practice_index_rows), schema.PRACTICE_INDEX_COLUMNS),
        "corrections_applied.csv": (once(correction_rows), schema.CORRECTION_COLUMNS),
        "policy_tools.csv": per_doc["policy_tools.csv"],
        "policy_tools_crosstab.csv": (once(crosstab_rows), schema.TOOLS_CROSSTAB_COLUMNS),
        "policy_tools_codebook.csv": (codebook_rows, schema.CODEBOOK_COLUMNS),
        "cooccurrence.csv": (lambda: cooc_rows, cooc_cols),
        "edges_county_practice.csv": (once(county_practice_edge_rows), schema.COUNTY_PRACTICE_EDGE_COLUMNS),
        "edges_practice_practice.csv": (once(practice_edge_rows), schema.PRACTICE_EDGE_COLUMNS),
    }


def tables(results: Sequence[DocResult], corpus: CorpusResult) -> dict[str, Table]:
    """Every CSV table of the output folder: file name -> (rows, columns), in writing order (``table_plan`` with
    every row made: for tests and small corpora; the output folder streams the plan)."""
    return {name: (list(make()), cols) for name, (make, cols) in table_plan(results, corpus).items()}
