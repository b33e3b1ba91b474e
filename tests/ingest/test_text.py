"""Encoding detection for .txt/.md: every supported encoding, BOMs, CRLF, real GBK files, binary input."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from pipeline.config import Config
from pipeline.ingest import load_document
from pipeline.ingest.text import NotTextError, decode_bytes

SIMPLIFIED = (
    "脱贫攻坚以来，全县建档立卡贫困户人均纯收入由2014年的2680元增长到2020年的10360元。\n乡村振兴战略全面实施。\n"
)
TRADITIONAL = (
    "脫貧攻堅以來，全縣建檔立卡貧困戶人均純收入由2014年的2680元增長到2020年的10360元。\n鄉村振興戰略全面實施。\n"
)


@pytest.mark.parametrize(
    ("text", "codec", "expected"),
    [
        (SIMPLIFIED, "utf-8", "utf-8"),
        (SIMPLIFIED, "utf-8-sig", "utf-8-bom"),
        (SIMPLIFIED, "gb18030", "gb18030"),
        (SIMPLIFIED, "gbk", "gb18030"),
        (SIMPLIFIED, "gb2312", "gb18030"),
        (TRADITIONAL, "big5", "big5"),
        (TRADITIONAL, "utf-8", "utf-8"),
        (SIMPLIFIED, "utf-16", "utf-16"),
        (SIMPLIFIED, "utf-16-le", "utf-16-le"),
        (SIMPLIFIED, "utf-16-be", "utf-16-be"),
        (TRADITIONAL, "utf-16-le", "utf-16-le"),
    ],
)
def test_decode_encodings(text: str, codec: str, expected: str) -> None:
    decoded, enc = decode_bytes(text.encode(codec))
    assert enc == expected
    assert decoded == text


@pytest.mark.parametrize("codec", ["utf-8", "gb18030", "big5", "utf-16"])
def test_crlf_and_cr_become_lf(codec: str) -> None:
    text = TRADITIONAL if codec == "big5" else SIMPLIFIED
    raw = text.replace("\n", "\r\n").encode(codec)
    decoded, _ = decode_bytes(raw)
    assert "\r" not in decoded
    assert decoded == text


def test_bom_is_stripped_from_raw_text(tmp_path: Path) -> None:
    p = tmp_path / "a.txt"
    p.write_bytes(SIMPLIFIED.encode("utf-8-sig"))
    doc = load_document(p, tmp_path, Config())
    assert doc.raw_text == SIMPLIFIED
    assert doc.meta["encoding"] == "utf-8-bom"
    assert doc.format == "txt"
    assert doc.status == "ok"


@pytest.mark.parametrize(
    "data",
    [bytes(range(256)) * 20, b"\x00\x01\x02\x03\xff\xfe\xfd" * 300, b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4],
    ids=["all-bytes", "controls", "png"],
)
def test_binary_is_not_text(data: bytes) -> None:
    with pytest.raises(NotTextError):
        decode_bytes(data)


def test_real_gbk_policy_notices(shared: Path) -> None:
    """The two GB18030/GBK CRLF notices decode as gb18030; the UTF-8 ones as utf-8; none keep CR."""
    folder = shared / "external" / "corpus" / "local_policy_texts"
    if not folder.is_dir():
        pytest.skip("local_policy_texts not available")
    encodings = {}
    for p in sorted(folder.glob("*.txt")):
        doc = load_document(p, folder, Config())
        assert doc.status == "ok", doc.error
        assert "\r" not in doc.raw_text
        assert "\ufffd" not in doc.raw_text
        encodings[p.name] = doc.meta["encoding"]
    assert sorted(encodings.values()).count("gb18030") == 2
    assert set(encodings.values()) == {"utf-8", "gb18030"}


_PRINTABLE = st.characters(
    blacklist_categories=("Cc", "Cs", "Co", "Cn"), blacklist_characters="\ufeff\r\ufffd"
) | st.sampled_from("\n\t")


@settings(max_examples=60, deadline=None)
@example("乡", "áⱡ", "utf-8")  # valid UTF-8 that also decodes as GB18030: the UTF-8 reading holds 乡
@given(
    st.sampled_from("县乡村镇户元"),
    st.text(_PRINTABLE, max_size=200),
    st.sampled_from(["utf-8", "utf-16", "utf-8-sig"]),
)
def test_unicode_roundtrip(head: str, rest: str, codec: str) -> None:
    """Any text of a Chinese document (one CJK char at least) survives encode/decode.

    Texts of a few Latin-1 letters only are truly ambiguous with GBK (``á`` is C3 A1 = ``谩``).
    """
    text = head + rest
    decoded, _ = decode_bytes(text.encode(codec))
    assert decoded == text


@settings(max_examples=40, deadline=None)
@given(st.text(st.sampled_from(SIMPLIFIED.replace("\n", "")), min_size=20, max_size=200))
def test_gb18030_roundtrip(text: str) -> None:
    decoded, enc = decode_bytes(text.encode("gb18030"))
    assert decoded == text
    if not text.isascii():
        assert enc == "gb18030"
