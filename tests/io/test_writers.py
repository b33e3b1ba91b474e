"""CSV writers: UTF-8 BOM, contract columns first, atomic."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from pipeline.io.writers import csv_bytes, format_number, neutralize, read_csv, write_csv


@pytest.mark.parametrize(
    ("value", "expected"),
    [(48243100.0, "48243100"), (35.54, "35.54"), (0.1 + 0.2, "0.3"), (33.333333333, "33.333333")],
)
def test_format_number(value: float, expected: str) -> None:
    assert format_number(value) == expected


def test_csv_has_bom_and_contract_columns_first(tmp_path: Path) -> None:
    data = csv_bytes([{"extra": 1, "b": "中文", "a": True}], ["a", "b"])
    assert data.startswith(b"\xef\xbb\xbf")
    header = data.decode("utf-8-sig").splitlines()[0]
    assert header == "a,b,extra"


def test_write_is_atomic_on_failure(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    write_csv(path, [{"a": 1}], ["a"])

    class Boom:
        def __str__(self) -> str:
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        write_csv(path, [{"a": Boom()}], ["a"])
    assert read_csv(path) == [{"a": "1"}]
    assert [p.name for p in tmp_path.iterdir()] == ["x.csv"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("+1+2", "'+1+2"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("-3.5", "-3.5"),  # a number is no formula
        ("+86", "+86"),
        ("-", "'-"),
        ("合作联营", "合作联营"),
        ("1+X", "1+X"),
        ("", ""),
    ],
)
def test_neutralize(text: str, expected: str) -> None:
    assert neutralize(text) == expected


def test_csv_cells_and_headers_are_neutralized_numbers_kept() -> None:
    rows = [{"practice": "=cmd|' /C calc'!A0", "value": -3.5, "text_value": "-3.5", "n": -2, "flag": False}]
    data = csv_bytes(rows, ["practice", "value", "text_value", "n", "flag", "@x"])
    got = list(csv.reader(data.decode("utf-8-sig").splitlines()))
    assert got[0][-1] == "'@x"
    assert got[1] == ["'=cmd|' /C calc'!A0", "-3.5", "-3.5", "-2", "false", ""]


def test_atomic_write_stream(tmp_path: Path) -> None:
    """Streamed into a temporary file, then renamed; a write that fails leaves the old file and no temporary."""
    from pipeline.io.folder import WriteFailed
    from pipeline.io.writers import atomic_write_stream

    path = tmp_path / "graph.gexf"
    atomic_write_stream(path, lambda fh: fh.write(b"<gexf/>"))
    assert path.read_bytes() == b"<gexf/>"

    def fails(fh: object) -> None:
        raise OSError(28, "No space left on device")

    with pytest.raises(WriteFailed, match=r"graph\.gexf"):
        atomic_write_stream(path, fails)
    assert path.read_bytes() == b"<gexf/>" and sorted(p.name for p in tmp_path.iterdir()) == ["graph.gexf"]
