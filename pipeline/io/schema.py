"""Column order of every table the pipeline writes: the one place that knows column names.

Contract columns come first (../shared/CONTRACT.md), extra columns follow. Every table whose rows carry
``start``/``end`` offsets also carries ``page`` (empty for unpaged sources).
"""

from __future__ import annotations

from pipeline.learn.policy_tools import SUB_TOOLS, TOOLS, UNCODED

DOCUMENT_COLUMNS = (
    "doc_id", "source", "format", "script", "title", "county_code", "county",
    "n_chars", "n_pages", "status", "error", "error_code", "encoding", "n_articles",
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
    "doc_b", "start_b", "end_b", "raw_b", "sentence_a", "sentence_b", "doc_id",
)  # fmt: skip
COMPARE_BASE_COLUMNS = ("adcode", "county", "province", "prefecture", "n_docs")
COMPARE_LONG_COLUMNS = ("county", "adcode", "indicator_std", "value", "unit", "per", "date", "source", "column")
PRACTICE_COLUMNS = (
    "practice", "kind", "family", "field", "policy_tool", "sub_tool", "counties", "n_counties", "n_docs",
    "outcomes", "n_outcomes",
)  # fmt: skip
TOOLS_CROSSTAB_COLUMNS = (
    "county_code", "county", "n_docs", "n_clauses", *TOOLS, *(f"{t}_share" for t in TOOLS), *SUB_TOOLS, UNCODED,
)  # fmt: skip

# Weighted edge lists in Gephi's edge-table form (Source, Target, Weight, Type = Directed/Undirected).
COUNTY_PRACTICE_EDGE_COLUMNS = (
    "source", "target", "weight", "type", "county_code", "source_id", "target_id", "doc_ids",
)  # fmt: skip
PRACTICE_EDGE_COLUMNS = ("source", "target", "weight", "type", "unit")
CODEBOOK_COLUMNS = ("tool", "tool_definition", "sub_tool", "definition", "example")


def compare_columns(indicator_columns: list[str]) -> list[str]:
    """compare_counties.csv: the county, then value, date and source of each indicator column."""
    cols = list(COMPARE_BASE_COLUMNS)
    for col in indicator_columns:
        cols += [col, f"{col} date", f"{col} source"]
    return cols
