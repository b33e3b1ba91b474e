"""Golden files: each document of corpus/ (one per input kind) ingested, normalized, structured and
extracted as before.

Refresh after an intended change with ``pytest tests/test_golden.py --update-golden`` and review the diff.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.config import Config
from pipeline.ingest import assign_doc_ids, list_corpus, load_document
from pipeline.io import rows
from pipeline.run import Resources, process_document

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "corpus"
GOLDEN = REPO / "tests" / "golden" / "corpus"
FILES = list_corpus(CORPUS) if CORPUS.is_dir() else []
IDS = assign_doc_ids(FILES, CORPUS)


def _snapshot(path: Path, res: Resources) -> dict[str, object]:
    result = process_document(load_document(path, CORPUS, Config(), doc_id=IDS[path]), res)
    doc = result.doc
    return {
        "doc_id": doc.doc_id,
        "format": doc.format,
        "status": doc.status,
        "error": doc.error,
        "script": doc.script,
        "n_pages": doc.n_pages,
        "page_starts": doc.page_starts,
        "title": doc.title,
        "articles": [{"title": a.title, "authors": a.authors, "n_sections": len(a.sections)} for a in doc.articles],
        "sections": [[s.path, s.heading, s.role] for a in doc.articles for s in a.sections],
        "raw_text": doc.raw_text,
        "text": doc.text,
        "places": [[r["name"], r["adcode"], r["focal"]] for r in rows.place_rows(result)],
        "figures": [[r["raw"], r["value"], r["unit"], r["indicator"], r["date"]] for r in rows.figure_rows(result)],
        "measures": [[r["kind"], r["name"], r["components"]] for r in rows.measure_rows(result)],
        "links": [[r["practice"], r["indicator"], r["value"], r["unit"]] for r in rows.link_rows(result)],
    }


@pytest.mark.slow
@pytest.mark.parametrize("path", FILES, ids=[IDS[p] for p in FILES])
def test_golden(path: Path, update_golden: bool, resources: Resources) -> None:
    got = json.loads(json.dumps(_snapshot(path, resources), ensure_ascii=False))  # as stored: lists, not tuples
    gold_path = GOLDEN / f"{IDS[path]}.json"
    if update_golden or not gold_path.exists():
        gold_path.parent.mkdir(parents=True, exist_ok=True)
        gold_path.write_text(json.dumps(got, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        if not update_golden:
            pytest.fail(f"golden file was missing and has been written: {gold_path}; review and commit it")
    expected = json.loads(gold_path.read_text(encoding="utf-8"))
    assert got["status"] == "ok", got["error"]
    for key in expected:
        assert got[key] == expected[key], f"{IDS[path]}: {key} differs from {gold_path.name}"


def test_corpus_covers_every_input_kind() -> None:
    formats = {p.suffix.lower() for p in FILES}
    assert {".pdf", ".html", ".docx", ".txt", ".md"} <= formats
