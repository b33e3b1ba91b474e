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
