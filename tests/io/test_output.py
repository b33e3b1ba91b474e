"""The output folder's per-document files: stale ones go, nothing outside text/ and review/ is touched."""

from __future__ import annotations

from pathlib import Path

from pipeline.io.output import per_document_paths, previous_files, remove_stale
from pipeline.io.writers import write_csv


def test_stale_files_go_and_doc_ids_cannot_reach_outside(tmp_path: Path) -> None:
    out = tmp_path / "out"
    keep, gone = per_document_paths(out, "a")[0], per_document_paths(out, "sub/b")
    for p in (keep, *gone):
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("x", encoding="utf-8")
    outside = tmp_path / "evil.txt"  # text/../../evil.txt
    outside.write_text("mine", encoding="utf-8")
    write_csv(out / "documents.csv", [{"doc_id": d} for d in ("a", "sub/b", "../../evil")], ["doc_id"])
    assert previous_files(out) >= {"text/a.txt", "text/sub/b.txt", "review/sub/b.html"}
    removed = remove_stale(out, previous_files(out), written={keep})
    assert sorted(p.relative_to(out).as_posix() for p in removed) == ["review/sub/b.html", "text/sub/b.txt"]
    assert keep.is_file() and outside.read_text(encoding="utf-8") == "mine"
    assert not (out / "text" / "sub").exists() and (out / "text").is_dir()


def test_file_names_from_documents_csv_cannot_reach_outside(tmp_path: Path) -> None:
    """text_file and review_file are data: a run removes only files inside text/ and review/."""
    out = tmp_path / "out"
    (out / "text").mkdir(parents=True)
    mine = tmp_path / "mine.txt"
    mine.write_text("mine", encoding="utf-8")
    (out / "ruralmine.xlsx").write_text("x", encoding="utf-8")
    rows = [
        {"doc_id": "a", "text_file": "text/../../mine.txt", "review_file": ""},
        {"doc_id": "b", "text_file": str(mine), "review_file": "ruralmine.xlsx"},
    ]
    write_csv(out / "documents.csv", rows, ["doc_id", "text_file", "review_file"])
    assert remove_stale(out, previous_files(out), written=set()) == []
    assert mine.read_text(encoding="utf-8") == "mine" and (out / "ruralmine.xlsx").is_file()


def test_no_previous_run_means_nothing_to_remove(tmp_path: Path) -> None:
    assert previous_files(tmp_path) == set()
    (tmp_path / "documents.csv").write_bytes(b"\xff\xfe not csv")
    assert previous_files(tmp_path) == set()
