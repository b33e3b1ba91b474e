"""bench_ingest returns rates and counts without printing; default inputs come from ../shared."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.tools.bench import bench_ingest, default_bench_inputs
from tests.ingest.pdfmake import pages_pdf


def test_bench_small(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pdf = tmp_path / "a.pdf"
    pdf.write_bytes(pages_pdf([["第一页正文内容"], ["第二页正文内容"], ["第三页正文内容"]]))
    txt = tmp_path / "a.txt"
    txt.write_text("乡村振兴。\n" * 2000, encoding="utf-8")
    r = bench_ingest([pdf], [txt], repeat=2)
    assert r["pdf_pages"] == 3 and r["pdf_files"] == 1 and r["text_files"] == 1
    assert r["pdf_pages_per_s"] > 0 and r["text_mb_per_s"] > 0
    assert r["text_mb"] == pytest.approx(txt.stat().st_size / 1_048_576)
    assert r["failed"] == 0
    assert capsys.readouterr().out == ""


def test_default_inputs(shared: Path) -> None:
    pdfs, texts = default_bench_inputs(shared)
    if not pdfs:
        pytest.skip("no external PDFs")
    assert all(p.suffix == ".pdf" for p in pdfs) and len(pdfs) >= 6
    assert any(p.name == "gov_reports1954-2022.txt" for p in texts)


def test_default_inputs_missing(tmp_path: Path) -> None:
    assert default_bench_inputs(tmp_path) == ([], [])


def test_bench_ingest_cli_prints_ours_plain_pdfplumber_and_the_ratio(tmp_path: Path) -> None:
    """`make bench-ingest`: pages/s of our PDF ingest and of plain pdfplumber on the same files, their ratio,
    text MB/s; with --ocr-pages 0 no OCR is run (no ocr_* lines). No timing is asserted."""
    from typer.testing import CliRunner

    from pipeline.cli import app

    ext = tmp_path / "shared" / "external"
    (ext / "pdfs").mkdir(parents=True)
    (ext / "corpus").mkdir()
    (ext / "pdfs" / "a.pdf").write_bytes(pages_pdf([["第一页正文内容"], ["第二页正文内容"]]))
    (ext / "corpus" / "a.txt").write_text("乡村振兴。\n" * 100, encoding="utf-8")
    args = ["bench", "ingest", "--shared", str(tmp_path / "shared"), "--ocr-pages", "0"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    stats = {k: float(v) for k, v in (line.split(": ", 1) for line in result.output.strip().splitlines())}
    assert stats["pdf_pages"] == stats["plumber_pages"] == 2 and stats["pdf_files"] == 1
    for key in ("pdf_pages_per_s", "pdf_pages_per_cpu_s", "plumber_pages_per_s", "plumber_pages_per_cpu_s"):
        assert stats[key] > 0, key
    ratio = stats["pdf_pages_per_cpu_s"] / stats["plumber_pages_per_cpu_s"]
    assert stats["pdf_vs_plumber"] == pytest.approx(ratio, rel=0.01, abs=0.002)  # printed with 3 decimals
    assert stats["text_mb_per_s"] > 0 and stats["failed"] == 0
    assert not any(k.startswith("ocr_") for k in stats)
    result = CliRunner().invoke(app, [*args, "--no-plumber"])
    assert result.exit_code == 0 and "plumber" not in result.output and "pdf_pages_per_s" in result.output
