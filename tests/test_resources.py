"""What the per-document work reads (pipeline/resources.py ``document_files``): the cache keys documents on it."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline import lexicon
from pipeline.resources import (
    CORPUS_STAGES,
    document_files,
    document_lexicons,
    lexicon_users,
    model_files,
    prebuilt_files,
)

REPO = Path(__file__).resolve().parent.parent
MODELS = REPO / "models"


def test_model_files_are_what_the_loaders_name() -> None:
    files = model_files(MODELS)
    assert set(files) == {"gazetteer", "program_filter", "policy_model", "indicator_mapper", "link_model"}
    names = {p.name for paths in files.values() for p in paths}
    assert {"gazetteer.tsv", "indicators.json", "policy_tools.pkl", "link_model.meta.json"} <= names
    assert not any("training" in p.parts for paths in files.values() for p in paths)


def test_corpus_only_lexicons_are_left_out_and_their_headers_tell_the_truth() -> None:
    per_document = set(document_lexicons())
    corpus_only = set(lexicon.names()) - per_document
    assert {"scope_words", "similarity_stop", "table_totals"} <= corpus_only
    assert "units" in per_document and "section_roles" in per_document
    code = {p.relative_to(REPO).as_posix(): p.read_text(encoding="utf-8") for p in (REPO / "pipeline").rglob("*.py")}
    for name in corpus_only:  # a header saying "corpus stages only" must not hide a per-document use
        using = sorted(m for m, src in code.items() if re.search(rf"[\"']{name}[\"']", src))
        assert using and all(m.startswith(CORPUS_STAGES) for m in using), (name, using)
        assert set(using) <= set(lexicon_users(name, lexicon.LEXICON_DIR)), name


def test_no_per_document_module_imports_a_corpus_stage() -> None:
    """What makes a corpus stage's lexicon safe to leave out of a document's key: the per-document code never
    calls into pipeline/corpus/ (where those lexicons are used)."""
    per_document = ["extract", "ingest", "text", "learn"]
    files = [p for d in per_document for p in (REPO / "pipeline" / d).rglob("*.py")]
    files += [REPO / "pipeline" / f for f in ("normalize.py", "structure.py", "gazetteer.py", "resources.py")]
    for p in files:
        assert not re.search(r"(from|import)\s+pipeline\.corpus", p.read_text(encoding="utf-8")), p


def test_a_lexicon_without_used_by_lines_counts_as_per_document(tmp_path: Path) -> None:
    (tmp_path / "plain.tsv").write_text("# plain: words\nword\n甲\n", encoding="utf-8")
    late = "# late\n# Used by: pipeline/corpus/compare.py (x)\nword\n乙\n"
    (tmp_path / "late.tsv").write_text(late, encoding="utf-8")
    assert document_lexicons(tmp_path) == ["plain"]
    names = [n for n, _ in document_files(MODELS, tmp_path)]
    assert "lexicon/plain.tsv" in names and "lexicon/late.tsv" not in names and "models/gazetteer.tsv" in names


DRIVER = r"""
import json, sys
from pathlib import Path
opened = set()
sys.addaudithook(lambda ev, args: opened.add(str(args[0])) if ev == "open" and isinstance(args[0], str) else None)
from pipeline.config import Config
from pipeline.ingest import iter_corpus
from pipeline.resources import worker_resources
from pipeline.run import process_document
res = worker_resources(sys.argv[1])
for doc in iter_corpus(Path(sys.argv[2]), Config(models_dir=sys.argv[1])):
    process_document(doc, res)
print(json.dumps(sorted(opened)))
"""


@pytest.mark.slow
def test_processing_documents_opens_no_model_file_but_those_named(tmp_path: Path) -> None:
    """The drift guard: load the models and process documents in a fresh process, recording every file opened;
    those under models/ are all in ``document_files`` (else a change to them would not invalidate the cache)."""
    corpus = tmp_path / "c"
    corpus.mkdir()
    for p in sorted((REPO / "corpus" / "txt").glob("*.txt"))[:3]:
        (corpus / p.name).write_bytes(p.read_bytes())
    if not any(corpus.iterdir()):
        pytest.skip("no sample corpus text")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    got = subprocess.run(
        [sys.executable, "-c", DRIVER, str(MODELS), str(corpus)], capture_output=True, text=True, env=env
    )
    assert got.returncode == 0, got.stderr[-2000:]
    opened = {Path(p).resolve() for p in json.loads(got.stdout.strip().splitlines()[-1])}
    under = {p for p in opened if p.is_relative_to(MODELS.resolve()) and p.is_file()}
    named = {p.resolve() for _, p in document_files(MODELS)}
    prebuilt = {p.resolve() for p in prebuilt_files()}  # checked against their source when loaded
    assert under, "no model file was opened"
    assert under - prebuilt <= named, sorted(map(str, under - named))
    assert not prebuilt & named
