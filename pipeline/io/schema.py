"""Column order of every table the pipeline writes: the one place that knows column names.

Contract columns come first (../shared/CONTRACT.md), extra columns follow. Every table whose rows carry
``start``/``end`` offsets also carries ``page`` (empty for unpaged sources).
"""

from __future__ import annotations

from collections.abc import Sequence

from pipeline.learn.policy_tools import SUB_TOOLS, TOOLS, UNCODED

DOCUMENT_COLUMNS = (
    "doc_id", "source", "format", "script", "title", "county_code", "county",
    "n_chars", "n_pages", "status", "error", "error_code", "encoding", "n_articles", "text_file", "review_file",
    "text_method", "ocr_confidence",
)  # fmt: skip
PLACE_COLUMNS = (
    "doc_id", "name", "canonical", "adcode", "level", "province", "prefecture", "focal", "mentions",
    "start", "end", "page",
)  # fmt: skip
FIGURE_COLUMNS = (
    "doc_id", "county_code", "indicator", "value", "unit", "raw", "date", "qualifier", "page", "start", "end",
    "sentence", "county", "article", "indicator_std", "per", "status", "value_high",
)  # fmt: skip
MEASURE_COLUMNS = (
    "doc_id", "county_code", "name", "kind", "declared_count", "components", "raw", "start", "end",
    "page", "county", "article", "aliases",
)  # fmt: skip
LINK_COLUMNS = (
    "doc_id", "county_code", "practice", "relation", "indicator", "value", "unit",
    "evidence_start", "evidence_end", "date", "rule", "figure_start", "figure_end", "evidence", "page",
)  # fmt: skip
SECTION_COLUMNS = (
    "doc_id", "article", "path", "heading", "role", "level", "start", "end", "article_title", "page",
)  # fmt: skip
CLAUSE_COLUMNS = (
    "doc_id", "article", "section", "text", "field", "tool", "sub_tool", "confidence", "start", "end", "source",
    "county_code", "page",
)  # fmt: skip
CONFLICT_COLUMNS = (
    "county_code", "indicator", "unit", "date", "value_a", "value_b", "doc_a", "start_a", "end_a", "raw_a",
    "doc_b", "start_b", "end_b", "raw_b", "sentence_a", "sentence_b", "doc_id", "docs_a", "docs_b", "n_values",
    "compared",
)  # fmt: skip
COMPARE_BASE_COLUMNS = ("adcode", "county", "province", "prefecture", "n_docs")
COMPARE_LONG_COLUMNS = (
    "county", "adcode", "indicator_std", "value", "unit", "per", "date", "source", "column", "table_total",
)  # fmt: skip
PRACTICE_COLUMNS = (
    "practice", "kind", "family", "field", "policy_tool", "sub_tool", "counties", "n_counties", "n_docs",
    "outcomes", "n_outcomes",
)  # fmt: skip
PRACTICE_INDEX_COLUMNS = (
    "practice", "kind", "aliases", "n_aliases", "aliases_by_correction", "counties", "county_codes", "n_counties",
    "documents", "n_docs", "n_records",
)  # fmt: skip
CORRECTION_COLUMNS = ("file", "line", "action", "name", "into", "note", "rows", "detail")
TOOLS_CROSSTAB_COLUMNS = (
    "county_code", "county", "n_docs", "n_clauses", *TOOLS, *(f"{t}_share" for t in TOOLS), *SUB_TOOLS, UNCODED,
)  # fmt: skip

# Weighted edge lists in Gephi's edge-table form (Source, Target, Weight, Type = Directed/Undirected).
COUNTY_PRACTICE_EDGE_COLUMNS = (
    "source", "target", "weight", "type", "county_code", "source_id", "target_id", "doc_ids",
)  # fmt: skip
PRACTICE_EDGE_COLUMNS = ("source", "target", "weight", "type", "unit")
CODEBOOK_COLUMNS = ("tool", "tool_definition", "sub_tool", "definition", "example")
REVIEW_COLUMNS = ("doc_id", "kind", "name", "start", "end", "verdict", "note", "time")  # reviewed.csv (serve)


def compare_columns(indicator_columns: list[str]) -> list[str]:
    """compare_counties.csv: the county, then value, date and source of each indicator column."""
    cols = list(COMPARE_BASE_COLUMNS)
    for col in indicator_columns:
        cols += [col, f"{col} date", f"{col} source"]
    return cols


# ---- Column types: the one declaration behind the typed store (kg.duckdb) and the typed CSV cells ----------------
# A column name means the same kind of value in every table that has it; columns not declared are text.
TEXT, INTEGER, DOUBLE, BOOLEAN, DATE = "text", "integer", "double", "boolean", "date"
SQL_TYPES = {TEXT: "VARCHAR", INTEGER: "INTEGER", DOUBLE: "DOUBLE", BOOLEAN: "BOOLEAN", DATE: "VARCHAR"}
COLUMN_TYPES: dict[str, str] = {
    # quantities (in base units)
    "value": DOUBLE, "value_high": DOUBLE, "value_a": DOUBLE, "value_b": DOUBLE, "confidence": DOUBLE,
    "ocr_confidence": DOUBLE,
    # character offsets into text/{doc_id}.txt and 1-based pages
    "start": INTEGER, "end": INTEGER, "page": INTEGER, "evidence_start": INTEGER, "evidence_end": INTEGER,
    "figure_start": INTEGER, "figure_end": INTEGER, "start_a": INTEGER, "end_a": INTEGER, "start_b": INTEGER,
    "end_b": INTEGER,
    # counts and positions
    "n_chars": INTEGER, "n_pages": INTEGER, "n_articles": INTEGER, "mentions": INTEGER, "declared_count": INTEGER,
    "article": INTEGER, "n_docs": INTEGER, "n_clauses": INTEGER, "n_counties": INTEGER, "n_outcomes": INTEGER,
    "n_aliases": INTEGER, "n_records": INTEGER, "n_values": INTEGER,
    "focal": BOOLEAN, "table_total": BOOLEAN,
    # dates as ISO-like text: 2019, 2019-06, 2019-06-30
    "date": DATE,
}  # fmt: skip
# Where a table's column differs from the general meaning (places.level is a word, sections.level a depth).
TABLE_COLUMN_TYPES: dict[str, dict[str, str]] = {
    "sections": {"level": INTEGER},
    "corrections_applied": {"line": INTEGER, "rows": INTEGER},
    "edges_county_practice": {"weight": INTEGER},
    "edges_practice_practice": {"weight": INTEGER},
    "policy_tools_crosstab": {
        **{c: INTEGER for c in (*TOOLS, *SUB_TOOLS)},
        **{f"{t}_share": DOUBLE for t in TOOLS},
        UNCODED: INTEGER,
    },
}


def column_types(table: str, columns: Sequence[str]) -> dict[str, str]:
    """The kind (TEXT, INTEGER, DOUBLE, BOOLEAN, DATE) of each column of ``table`` (``figures`` or
    ``figures.csv``), including the computed columns of compare_counties (value, ``X date``, ``X source``) and
    cooccurrence (counts)."""
    name = table.removesuffix(".csv")
    special = TABLE_COLUMN_TYPES.get(name, {})
    kinds = {}
    for c in columns:
        kind = special.get(c)
        if kind is None and name == "compare_counties" and c not in COMPARE_BASE_COLUMNS:
            kind = DATE if c.endswith(" date") else TEXT if c.endswith(" source") else DOUBLE
        elif kind is None and name == "cooccurrence":
            kind = TEXT if c == "practice" else INTEGER
        kinds[c] = kind or COLUMN_TYPES.get(c, TEXT)
    return kinds


# kg.duckdb's graph tables (io/store.py; rows made by store.GraphRows, spooled by io/graphspool.py)
STORE_NODE_COLUMNS = ("id", "type", "label", "attrs")
STORE_EDGE_COLUMNS = ("source", "target", "relation", "doc_id", "start", "end", "attrs")
