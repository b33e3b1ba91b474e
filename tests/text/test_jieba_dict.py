"""The pre-built form of jieba's dictionary: the same tables and segmentation as the text; a stale or damaged
file is ignored with a log message and the text is read instead."""

from __future__ import annotations

import logging
import marshal
from pathlib import Path

import jieba
import pytest

from pipeline.text import jieba_dict
from pipeline.text.jieba_dict import (
    default_dictionary_path,
    jieba_dictionary,
    load_prebuilt,
    read_dictionary,
    write_prebuilt,
)

# A made-up dictionary: repeated word (the last line wins), words without a tag, prefixes that are words too.
SMALL = "合作社 300 n\n合作 2000 v\n高标准农田 50 nz\n高标准 80\n农田 900 n\n合作 1500 vn\n种植 700 v\n"


def _small(tmp_path: Path) -> Path:
    src = tmp_path / "dict.txt"
    src.write_text(SMALL, encoding="utf-8")
    return src


def test_prebuilt_small_equals_text(tmp_path: Path) -> None:
    src = _small(tmp_path)
    built = write_prebuilt(src, tmp_path / "models")
    assert built.name == "jieba_dict.marshal" and (tmp_path / "models" / "jieba_dict.meta.json").exists()
    got = load_prebuilt(built, src)
    want = read_dictionary(src)
    assert got is not None
    assert got.words == want.words and list(got.words) == list(want.words)
    assert got.words["合作"] == (1500, "vn") and got.words["高标准"] == (80, "")
    assert got.prefix_freq == want.prefix_freq and got.prefix_freq["高标"] == 0
    assert got.total == want.total and got.tags() == want.tags()
    # jieba_dictionary takes it when told where it is
    assert jieba_dictionary(src, prebuilt=built).words == want.words


def test_stale_prebuilt_is_ignored(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    src = _small(tmp_path)
    built = write_prebuilt(src, tmp_path / "models")
    src.write_text(SMALL + "乡村振兴 400 n\n", encoding="utf-8")  # the dictionary changed after the build
    with caplog.at_level(logging.WARNING, logger="pipeline.text.jieba_dict"):
        assert load_prebuilt(built, src) is None
    assert "not built from" in caplog.text and "make models" in caplog.text
    jieba_dict._LOADED.pop(src.resolve(), None)
    got = jieba_dictionary(src, prebuilt=built)  # falls back to the text
    assert got.words["乡村振兴"] == (400, "n")


@pytest.mark.parametrize(
    "damage",
    [
        lambda blob: blob[: len(blob) // 2],  # truncated
        lambda blob: b"not marshal at all",
        lambda blob: marshal.dumps([1, 2, 3]),  # not the layout
    ],
)
def test_damaged_prebuilt_is_ignored(tmp_path: Path, caplog: pytest.LogCaptureFixture, damage) -> None:
    src = _small(tmp_path)
    built = write_prebuilt(src, tmp_path / "models")
    built.write_bytes(damage(built.read_bytes()))
    with caplog.at_level(logging.WARNING, logger="pipeline.text.jieba_dict"):
        assert load_prebuilt(built, src) is None
    assert "ignoring" in caplog.text and str(built) in caplog.text


def test_prebuilt_with_inconsistent_columns_is_ignored(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    src = _small(tmp_path)
    built = write_prebuilt(src, tmp_path / "models")
    data = marshal.loads(built.read_bytes())
    data["freqs"] = data["freqs"][:-1]  # right header, damaged body
    built.write_bytes(marshal.dumps(data))
    with caplog.at_level(logging.WARNING, logger="pipeline.text.jieba_dict"):
        assert load_prebuilt(built, src) is None
    assert "damaged" in caplog.text


def test_main_writes_the_prebuilt_form(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = _small(tmp_path)
    monkeypatch.setattr(jieba_dict, "default_dictionary_path", lambda: src)
    assert jieba_dict.main([str(tmp_path / "out")]) == 0
    assert load_prebuilt(tmp_path / "out" / "jieba_dict.marshal", src) is not None
    assert jieba_dict.main([]) == 2


@pytest.mark.slow
def test_jiebas_own_dictionary_segments_the_same_from_both_forms(tmp_path: Path) -> None:
    src = default_dictionary_path()
    built = write_prebuilt(src, tmp_path)
    fast, text = load_prebuilt(built, src), read_dictionary(src)
    assert fast is not None
    assert fast.words == text.words and fast.prefix_freq == text.prefix_freq and fast.total == text.total
    cuts = []
    for d in (fast, text):
        seg = jieba.Tokenizer()
        seg.FREQ, seg.total, seg.initialized = d.prefix_freq, d.total, True
        cuts.append(list(seg.cut("全县新建高标准农田3.5万亩，合作社带动农户种植中药材，人均增收1200元。", HMM=True)))
    assert cuts[0] == cuts[1] and "高标准" in cuts[0] and "合作社" in cuts[0]
