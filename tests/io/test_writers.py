"""CSV writers: UTF-8 BOM, contract columns first, atomic."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.io.writers import csv_bytes, format_number, read_csv, write_csv


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
