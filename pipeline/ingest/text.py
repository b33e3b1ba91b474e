"""Plain text (.txt/.md): detect the encoding, strip a BOM, turn CRLF/CR into LF.

Chinese files arrive as UTF-8, GB18030/GBK, Big5 or UTF-16, often without any declaration, so the
decoder tries strict decodes and picks between the Chinese legacy codecs by how "common" the decoded
characters are (GB2312 for simplified, Big5 level 1 for traditional): the wrong codec decodes the
same bytes into rare characters. charset-normalizer is consulted only when none of these fit.
"""

from __future__ import annotations

import itertools
import logging
import re
import unicodedata
from collections import Counter
from functools import lru_cache

from pipeline.text.chars import HAN_RE

logger = logging.getLogger(__name__)

_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)
_CJK = HAN_RE  # every Han code point the pipeline knows
_NON_ASCII = re.compile("[^\x00-\x7f]")
_SAMPLE = 200_000  # bytes scored per candidate; enough to decide, cheap on big files


class NotTextError(ValueError):
    """Bytes that do not decode to plausible text under any supported encoding."""


def plausibility(text: str) -> float:
    """Share of characters that occur in ordinary documents (not controls, private use, unassigned)."""
    if not text:
        return 1.0
    bad = 0
    for ch, n in Counter(text).items():  # each distinct character asked once (a Chinese text repeats its few thousand)
        if ch in "\t\n\r\f":
            continue
        cat = unicodedata.category(ch)
        if cat in ("Cc", "Co", "Cn", "Cs") or ch == "\ufffd":
            bad += n
    return 1.0 - bad / len(text)


@lru_cache(maxsize=2)
def _recent_plausibility(text: str) -> float:
    """``plausibility`` of the last texts asked: decode_bytes scores the same UTF-8 text that detect_encoding scored
    (a file shorter than the sample, without carriage returns or BOM), now once."""
    return plausibility(text)


def _common_share(text: str, codec: str) -> float:
    """Share of CJK characters that are 'common' under ``codec`` (GB2312 or Big5 level 1)."""
    chars = _CJK.findall(text)
    if not chars:
        return 0.0
    good = 0
    for ch, n in Counter(chars).items():  # each distinct character encoded once
        if codec == "gb18030":
            try:
                ch.encode("gb2312")
                good += n
            except UnicodeEncodeError:
                pass
        else:
            try:
                b = ch.encode("big5")
            except UnicodeEncodeError:
                continue
            if 0xA4 <= b[0] <= 0xC6:  # Big5 level 1: frequently used characters
                good += n
    return good / len(chars)


def _gbk_posing_as_utf8(text: str, data: bytes) -> bool:
    """Short GBK text can be valid UTF-8 by chance (C4 A3...); it then decodes to Latin/Greek letters."""
    # the non-ASCII characters, up to one more than the most a short text has (a long one stops the scan early)
    odd = [m.group() for m in itertools.islice(_NON_ASCII.finditer(text), 201)]
    if not odd or len(odd) > 200:
        return False
    asian = sum(1 for ch in odd if ord(ch) >= 0x2E80)
    if asian >= 0.5 * len(odd):
        return False
    try:
        gb = data.decode("gb18030")
    except UnicodeDecodeError:
        return False
    if _CJK.findall(text) and _common_share(text, "gb18030") >= _common_share(gb, "gb18030"):
        return False  # the UTF-8 reading already holds common Chinese characters: it is the text (乡á…)
    return len(_CJK.findall(gb)) >= 2 and _common_share(gb, "gb18030") > 0.9


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 LE/BE guessed from where the zero bytes fall (ASCII and newlines give one per unit)."""
    if len(data) < 4 or len(data) % 2:
        return None
    even_zero = data[0::2].count(0)
    odd_zero = data[1::2].count(0)
    units = len(data) // 2
    candidates: list[str] = []
    if odd_zero > 0.2 * units and even_zero < 0.05 * units:
        candidates.append("utf-16-le")
    elif even_zero > 0.2 * units and odd_zero < 0.05 * units:
        candidates.append("utf-16-be")
    else:
        # CJK-only UTF-16 has few zero bytes; accept it only if it is clearly CJK text.
        candidates.extend(["utf-16-le", "utf-16-be"])
    for enc in candidates:
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        if plausibility(text) > 0.98 and (len(candidates) == 1 or len(_CJK.findall(text)) > 0.5 * len(text)):
            return enc
    return None


def detect_encoding(data: bytes) -> str:
    """Name of the codec that decodes ``data`` into plausible text; raises NotTextError if none does."""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            return enc
    sample = data[:_SAMPLE]
    # Cut the sample at a line break so a multi-byte character is not split.
    if len(data) > _SAMPLE:
        cut = sample.rfind(b"\n")
        if cut > _SAMPLE // 2:
            sample = sample[: cut + 1]
    if b"\x00" not in sample:
        try:
            text = sample.decode("utf-8")
            if _recent_plausibility(text) > 0.95 and not _gbk_posing_as_utf8(text, sample):
                return "utf-8"
        except UnicodeDecodeError:
            pass
    enc16 = _utf16_without_bom(sample)
    if enc16:
        return enc16
    scored: list[tuple[float, str]] = []
    for enc in ("gb18030", "big5hkscs"):
        try:
            text = sample.decode(enc)
        except UnicodeDecodeError:
            continue
        if plausibility(text) < 0.95:
            continue
        share = _common_share(text, "gb18030" if enc == "gb18030" else "big5")
        scored.append((share, enc))
    if scored:
        scored.sort(reverse=True)
        share, enc = scored[0]
        if share > 0.6:
            return enc
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(sample).best()
    except Exception:  # a detector failure must not fail the file; fall through to the error below
        logger.debug("charset-normalizer failed", exc_info=True)
        best = None
    if best is not None:
        text = str(best)
        if plausibility(text) > 0.95:
            return best.encoding
    if scored:
        return scored[0][1]
    raise NotTextError("the bytes are not text in any supported encoding (binary content)")


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Decoded text (BOM stripped, line ends as LF) and the encoding used; raises NotTextError."""
    enc = detect_encoding(data)
    text = data.decode(enc, errors="replace")
    if text.startswith("\ufeff"):
        text = text[1:]
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if _recent_plausibility(text[:_SAMPLE]) < 0.95:
        raise NotTextError(f"the bytes decode as {enc} but contain control or unassigned characters")
    return text, {"utf-8-sig": "utf-8-bom", "big5hkscs": "big5"}.get(enc, enc)
