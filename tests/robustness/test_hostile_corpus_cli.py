"""Through the CLI: a corpus full of hostile entries (zip bomb, FIFO, bad links, a link out of the corpus, the
output folder inside the corpus) runs to the end; each bad entry is a row with its code, the good report keeps
all its rows, and the run's own outputs are skipped (and said so) on the next run."""

from __future__ import annotations

import csv
import os
import signal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from tests.ocr_support import ocr_works

from .hostile import bomb_docx, cid_pdf, owner_encrypted_pdf, write

REPO = Path(__file__).resolve().parents[2]
REPORT = (
    "某某县推进乡村振兴工作情况的调查\n"
    "一、基本情况\n"
    "某某县位于贵州省黔东南州。2019年全县有脱贫户1.2万户、4.6万人。\n"
    "二、主要做法\n"
    "县里推行“合作社+农户”模式，累计带动脱贫户3200户增收，人均增收1500元。\n"
)

pytestmark = pytest.mark.slow


def _rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(path.read_bytes().decode("utf-8-sig").splitlines()))


def test_hostile_corpus_runs_and_every_entry_is_a_row(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    write(corpus / "good" / "report.txt", REPORT.encode("utf-8"))
    write(corpus / "bomb.docx", bomb_docx(3))
    line = "全县农村居民人均可支配收入增长百分之八"
    write(corpus / "owner.pdf", owner_encrypted_pdf(line))  # pdfplumber reads (cid:NNN): PDFium's text is kept
    write(corpus / "p.pdf", owner_encrypted_pdf(line, p_format="{p}.0"))  # pdfplumber cannot open it
    write(corpus / "cid.pdf", cid_pdf([(line, False)]))  # garbage with both readers: read by OCR
    os.mkfifo(corpus / "pipe.txt")
    (corpus / "gone.txt").symlink_to(corpus / "nowhere.txt")
    write(tmp_path / "outside" / "secret.txt", "外部文件OUTSIDE".encode())
    (corpus / "secret.txt").symlink_to(tmp_path / "outside" / "secret.txt")
    cfg = write(tmp_path / "c.toml", b"max_inflated_mb = 1\n")
    out = corpus / "out"  # the output folder inside the corpus
    args = ["extract", str(corpus), "--out", str(out), "--config", str(cfg), "--models-dir", str(REPO / "models")]
    signal.alarm(300)  # a FIFO opened would block forever: fail instead
    try:
        first = CliRunner().invoke(app, args)
        second = CliRunner().invoke(app, args)
    finally:
        signal.alarm(0)
    assert first.exit_code == 0, first.output
    assert second.exit_code == 0, second.output
    said = " ".join(second.output.split())  # the second run meets the first run's outputs: skipped, and said
    assert "skipped folder" in said and "output folder of this run" in said
    docs = {r["doc_id"]: r for r in _rows(out / "documents.csv")}
    assert set(docs) == {"good/report", "bomb", "pipe", "gone", "secret", "owner", "p", "cid"}  # nothing from out/
    expected = {"bomb": "E023", "pipe": "E040", "gone": "E041", "secret": "E043"}
    for doc_id, code in expected.items():
        assert docs[doc_id]["status"] == "failed" and docs[doc_id]["error_code"] == code, docs[doc_id]
    for doc_id in ("good/report", "owner", "p"):
        assert docs[doc_id]["status"] == "ok", docs[doc_id]
    assert docs["owner"]["text_method"] == "text"
    if ocr_works():  # garbage pages go to OCR; without an engine the file is never ok with garbage (E018/E019)
        assert docs["cid"]["status"] == "ok" and docs["cid"]["text_method"] == "ocr", docs["cid"]
    else:
        assert docs["cid"]["status"] != "ok" and docs["cid"]["error_code"], docs["cid"]
    assert (out / "text" / "owner.txt").read_text(encoding="utf-8") == line
    figures = [r for r in _rows(out / "figures.csv") if r["doc_id"] == "good/report"]
    assert figures, "the good report lost its figures"
    assert "OUTSIDE" not in (out / "documents.csv").read_text(encoding="utf-8-sig")
    assert not list((out / "text").glob("secret*"))
