"""Language data lives in models/lexicon/*.tsv: every file parses, says what it is, is used, and no word list
from a lexicon is spelled out again in code."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from pipeline import lexicon
from pipeline.text.chars import HAN

ROOT = Path(__file__).resolve().parents[1]
PIPELINE = ROOT / "pipeline"
NAMES = lexicon.names()
_HAN_TOKEN = re.compile(f"[{HAN}]+")
_SPLIT = re.compile(rf"[^{HAN}]+")  # |, whitespace, (?:, ), [, ], commas …: anything that is not Han
MIN_SHARED = 4  # a literal holding this many entries of one lexicon is a copy of (part of) that list
# Single characters (和, 的, 个, 县) are the building blocks of regex structure and shared by unrelated lists, so
# only entries of two or more characters count as evidence of a copied list.
MIN_ENTRY_LEN = 2
# Literals that share words with a lexicon but are not copies of it: label sets of the data model.
NOT_COPIES = {
    ("pipeline/model.py", "section_roles"): "ROLES: the role labels section_roles.tsv maps keywords to",
    ("pipeline/model.py", "generic_nouns"): "ROLES: role labels",
    ("pipeline/learn/policy_tools.py", "generic_nouns"): "FIELDS: the policy field labels",
    ("pipeline/learn/policy_tools.py", "sector_prefixes"): "FIELDS: the policy field labels (some are sectors too)",
}
# Evaluation code defines what it scores; it is not language data of the pipeline.
PENDING = {
    ("pipeline/tools/evaluate.py", "outcome_cues"): "_FLOW_WORDS: the scorer's own definition, not pipeline data",
}


def test_lexicon_dir_holds_files() -> None:
    assert lexicon.LEXICON_DIR == ROOT / "models" / "lexicon"
    assert len(NAMES) >= 15


@pytest.mark.parametrize("name", NAMES)
def test_file_parses_with_header(name: str) -> None:
    lex = lexicon.load(name)
    text = " ".join(lex.header)
    assert lex.header and lex.header[0].startswith(f"{name}:"), "first # line: '<name>: what it is'"
    assert "Used by:" in text and "pipeline/" in text
    assert "Source:" in text
    assert lex.columns and all(lex.columns) and lex.rows
    entries = lex.words()
    assert len(entries) == len(set(entries)), "an entry appears twice"
    assert all(e == e.strip() and e for e in entries)


def _code() -> dict[Path, str]:
    return {p: p.read_text(encoding="utf-8") for p in sorted(PIPELINE.rglob("*.py"))}


@pytest.mark.parametrize("name", NAMES)
def test_file_is_used_by_code(name: str) -> None:
    users = [p for p, src in _code().items() if re.search(rf"[\"']{name}[\"']", src)]
    assert users, f"models/lexicon/{name}.tsv is not loaded by any module under pipeline/"


def test_models_readme_lists_every_lexicon() -> None:
    readme = (ROOT / "models" / "README.md").read_text(encoding="utf-8")
    missing = [n for n in NAMES if f"{n}.tsv" not in readme]
    assert not missing, f"models/README.md does not list {missing}"


def _docstring_nodes(tree: ast.AST) -> set[int]:
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                out.add(id(first.value))
    return out


def _literals(tree: ast.AST) -> list[tuple[int, str]]:
    """String literals (docstrings left out) and displays of string literals (tuples, lists, sets) as one
    text each, with their line."""
    docs = _docstring_nodes(tree)
    out: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs:
            out.append((node.lineno, node.value))
        elif isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            parts = [e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
            if len(parts) >= MIN_SHARED:
                out.append((node.lineno, "|".join(parts)))
        elif isinstance(node, ast.JoinedStr):
            parts = [v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str)]
            out.append((node.lineno, "|".join(parts)))
    return out


def _entries() -> dict[str, set[str]]:
    """Entries of each lexicon that are wholly Han and at least ``MIN_ENTRY_LEN`` long (regex entries such as
    chrome patterns count only when they are plain words)."""
    out = {}
    for name in NAMES:
        words = lexicon.load(name).words()
        out[name] = {e for e in words if _HAN_TOKEN.fullmatch(e) and len(e) >= MIN_ENTRY_LEN}
    return out


def copies_in(source: str, entries: dict[str, set[str]]) -> list[tuple[int, str, list[str]]]:
    """(line, lexicon, shared entries) for each literal of ``source`` holding >= MIN_SHARED entries."""
    found = []
    for line, text in _literals(ast.parse(source)):
        tokens = {t for t in _SPLIT.split(text) if t}
        for name, words in entries.items():
            shared = sorted(tokens & words)
            if len(shared) >= MIN_SHARED:
                found.append((line, name, shared))
    return found


def test_no_word_list_is_spelled_out_in_code() -> None:
    entries = _entries()
    problems = []
    for path, src in _code().items():
        rel = path.relative_to(ROOT).as_posix()
        for line, name, shared in copies_in(src, entries):
            if (rel, name) in NOT_COPIES or (rel, name) in PENDING:
                continue
            problems.append(f"{path.relative_to(ROOT)}:{line} holds {len(shared)} entries of {name}.tsv: {shared[:6]}")
    assert not problems, "word lists belong in models/lexicon/*.tsv:\n" + "\n".join(problems)


def test_duplication_check_catches_a_copy() -> None:
    src = 'X = re.compile(r"(?:模式|机制|工程|行动)$")\nY = ("推行", "实施", "建立", "推广")\n'
    found = copies_in(src, _entries())
    assert {(line, name) for line, name, _ in found} >= {(1, "practice_suffixes"), (2, "adoption_verbs")}


def test_loader_helpers() -> None:
    lex = lexicon.load("practice_suffixes")
    strong = lex.words("strong")
    assert "模式" in strong and "制" not in strong
    assert set(lex.words("anaphor", "distinct")) >= {"联合体", "协会"}
    parts = lex.alternation("program").split("|")
    assert parts.index("制度") < parts.index("制")  # longest first
    rx = lexicon.lazy_pattern("(?:{words})$", "practice_suffixes", "strong")
    assert rx.search("产业联合体") and not rx.search("控制")
    words = lexicon.lazy_words("similarity_stop")
    assert "的" in words and "模式" not in words


def test_nothing_is_read_at_import() -> None:
    import subprocess
    import sys

    code = (
        "import pipeline.lexicon as L, pipeline.run, pipeline.extract.measures, pipeline.extract.figures, "
        "pipeline.extract.links, pipeline.extract.headings, pipeline.extract.places, pipeline.extract.clauses, "
        "pipeline.normalize, pipeline.structure, pipeline.text.numerals, pipeline.corpus.similarity, "
        "pipeline.corpus.conflicts, pipeline.learn.program_filter; print(L.load.cache_info().currsize)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "0"
