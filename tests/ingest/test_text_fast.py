"""decode_bytes scores a short UTF-8 file's text once (the sample detect_encoding scored is the text), with the
same answers as before."""

from __future__ import annotations

import pytest

from pipeline.ingest.text import NotTextError, _recent_plausibility, decode_bytes, plausibility


def test_utf8_text_is_scored_once_and_decoded_as_before() -> None:
    raw = "县农业农村局召开春耕生产会议。\n全县粮食播种面积12.5万亩。\n".encode()
    _recent_plausibility.cache_clear()
    text, enc = decode_bytes(raw)
    assert (text, enc) == (raw.decode("utf-8"), "utf-8")
    info = _recent_plausibility.cache_info()
    assert info.misses == 1 and info.hits == 1


def test_the_cached_score_equals_plausibility() -> None:
    for text in ("", "乡村振兴\n", "ab\x01\x02cd", "\ue000\ue001文本", "x" * 10):
        assert _recent_plausibility(text) == plausibility(text)


def test_crlf_and_controls_still_decided_on_the_final_text() -> None:
    assert decode_bytes("第一行\r\n第二行\r\n".encode())[0] == "第一行\n第二行\n"
    with pytest.raises(NotTextError):
        decode_bytes(bytes(range(1, 32)) * 50)
