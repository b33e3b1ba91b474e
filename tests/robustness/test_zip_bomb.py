"""Zip bombs: a .docx whose parts inflate past the limits is a failed row (E023/E024), refused while inflating
in a stream (memory stays far below the inflated size); compressed .html is never inflated (E031)."""

from __future__ import annotations

import gzip
import time
import tracemalloc
from pathlib import Path

import pytest

from pipeline.config import Config, load_config
from pipeline.ingest import load_document
from pipeline.ingest.docx import PackageTooLarge, check_package

from .hostile import MB, bomb_docx, docx_bytes, lying_bomb_docx, write


def test_part_over_the_limit_is_a_row_with_code_limit_and_hint(tmp_path: Path) -> None:
    p = write(tmp_path / "bomb.docx", bomb_docx(3))
    doc = load_document(p, tmp_path, Config(max_inflated_mb=1))
    assert doc.status == "failed" and doc.error_code == "E023"
    assert "word/document.xml" in doc.error and "more than 1 MB" in doc.error  # what, and the limit
    assert "max_inflated_mb" in doc.error  # what to do
    assert doc.raw_text == ""


def test_parts_over_the_package_limit_together(tmp_path: Path) -> None:
    p = write(tmp_path / "bomb.docx", bomb_docx(1, extra_parts=2))  # three parts of ~1 MB each
    doc = load_document(p, tmp_path, Config(max_inflated_mb=2, max_package_mb=2.5))
    assert doc.status == "failed" and doc.error_code == "E024"
    assert "2.5 MB in total" in doc.error and "max_package_mb" in doc.error


def test_a_genuine_docx_under_the_limits_is_read(tmp_path: Path) -> None:
    p = write(tmp_path / "good.docx", docx_bytes())
    doc = load_document(p, tmp_path, Config(max_inflated_mb=1, max_package_mb=1))
    assert doc.status == "ok" and "脱贫户1200户" in doc.raw_text
    # The same bomb passes once the user raises the limit (the refusal is the limit, not the file).
    p = write(tmp_path / "big.docx", bomb_docx(2))
    assert load_document(p, tmp_path, Config(max_inflated_mb=3)).status == "ok"


def test_a_part_that_lies_about_its_size_is_not_inflated_past_its_claim(tmp_path: Path) -> None:
    data = lying_bomb_docx(5)  # declares 1000 bytes, inflates to 5 MB
    with pytest.raises(Exception) as info:
        check_package(data, max_part=MB, max_total=MB)
    assert not isinstance(info.value, PackageTooLarge)  # stopped at the claimed size: a bad CRC
    p = write(tmp_path / "liar.docx", data)
    doc = load_document(p, tmp_path, Config(max_inflated_mb=1))
    assert doc.status == "failed" and doc.error_code == "E022" and "CRC" in doc.error


def test_limits_are_config_keys(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text("max_inflated_mb = 7\nmax_package_mb = 9\n", encoding="utf-8")
    loaded = load_config(cfg)
    assert (loaded.max_inflated_mb, loaded.max_package_mb) == (7, 9)
    assert Config().max_inflated_mb < Config().max_package_mb


@pytest.mark.slow
def test_default_limit_refuses_before_memory_grows(tmp_path: Path) -> None:
    """A 150 MB part under the default 100 MB limit: refused, with the traced peak far below the inflated size."""
    inflated = 150
    assert Config().max_inflated_mb < inflated
    p = write(tmp_path / "bomb.docx", bomb_docx(inflated))
    assert p.stat().st_size < 2 * MB  # small on disk: under max_file_mb, so only the inflated limit catches it
    tracemalloc.start()
    try:
        t0 = time.perf_counter()
        doc = load_document(p, tmp_path, Config())
        seconds = time.perf_counter() - t0
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert doc.status == "failed" and doc.error_code == "E023"
    assert peak < 20 * MB, f"peak {peak / MB:.1f} MB while refusing a {inflated} MB part"
    assert seconds < 10


@pytest.mark.slow
def test_streamed_check_stops_at_the_limit(tmp_path: Path) -> None:
    """Inflating with declared sizes ignored (the worst case) still stops at the limit, one chunk at a time."""
    data = bomb_docx(150)
    tracemalloc.start()
    try:
        with pytest.raises(PackageTooLarge) as info:
            check_package(data, max_part=10 * MB, max_total=10**12)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert info.value.part == "word/document.xml"
    assert peak < 20 * MB


@pytest.mark.parametrize(
    ("kind", "data"),
    [
        ("gzip", gzip.compress(b"<html><body>" + b" " * MB + b"</body></html>")),
        ("zip", bomb_docx(1)),
    ],
)
def test_compressed_html_is_refused_without_inflating(tmp_path: Path, kind: str, data: bytes) -> None:
    p = write(tmp_path / "page.html", data)
    doc = load_document(p, tmp_path, Config())
    assert doc.status == "failed" and doc.error_code == "E031"
    assert kind in doc.error and "decompress" in doc.error
