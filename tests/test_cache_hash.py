"""Each input file is hashed once per run: the cache's hashes (pipeline/io/cache.py) are run.json's (io/folder.py)."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

import pipeline.io.folder as folder
from pipeline.cli import app
from pipeline.io.folder import file_stamp, input_hashes

REPO = Path(__file__).resolve().parent.parent


def _sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def test_a_known_hash_is_used_only_while_the_file_is_as_hashed(tmp_path: Path) -> None:
    a = tmp_path / "a.txt"
    a.write_text("榕江县有建档立卡贫困户9000户。", encoding="utf-8")
    known = {a.resolve(): ("f" * 64, file_stamp(os.stat(a)))}
    (got,) = input_hashes(tmp_path, ["a.txt"], known)
    assert got == {"path": "a.txt", "sha256": "f" * 64, "bytes": a.stat().st_size}  # taken, not read
    a.write_text("榕江县有建档立卡贫困户9100户。", encoding="utf-8")  # changed since: read again
    (got,) = input_hashes(tmp_path, ["a.txt"], known)
    assert got["sha256"] == _sha(a)


@pytest.mark.slow
def test_extract_reads_each_input_once_for_its_hash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    corpus, out = tmp_path / "c", tmp_path / "out"
    corpus.mkdir()
    for i, county in enumerate(("黎平县", "从江县")):
        text = f"{county}调查\n一、基本情况\n2015年{county}有建档立卡贫困户{9000 + i}户。\n"
        (corpus / f"d{i}.txt").write_text(text, encoding="utf-8")
    hashed: list[Path] = []
    real = folder.sha256_file

    def counting(path: Path) -> str:
        hashed.append(Path(path).resolve())
        return real(path)

    monkeypatch.setattr(folder, "sha256_file", counting)
    got = CliRunner().invoke(app, ["extract", str(corpus), "--out", str(out), "--models-dir", str(REPO / "models")])
    assert got.exit_code == 0, got.output
    inputs = json.loads((out / "run.json").read_text(encoding="utf-8"))["inputs"]
    assert {i["path"]: i["sha256"] for i in inputs} == {p.name: _sha(p) for p in corpus.iterdir()}
    assert not [p for p in hashed if p.is_relative_to(corpus.resolve())]  # run.json took the cache's hashes
