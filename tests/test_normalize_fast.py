"""The prepare fast paths give what the code they replaced gave: the old implementations are written out here and
compared on made-up text (hypothesis), so Document text and OffsetMap stay identical."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.model import Document, OffsetMap, apply_edits
from pipeline.normalize import (
    GLOSS_MAX,
    WS,
    _chrome_hits,
    _chrome_res,
    _converter,
    _deletions,
    _diff_edits,
    _lines,
    _monotone,
    normalize,
    to_simplified,
)

# traditional and simplified characters, phrases OpenCC maps to a different length are avoided on purpose in the
# 1:1 strategy; the mixed one below adds ASCII and line breaks
TRAD = "國經濟發展農業縣鄉鎮區會議體產業與們實現級個對這樣動員"
SIMP = "国经济发展农业县乡镇区会议体产业与们实现级个对这样动员"
chars = st.sampled_from(list(TRAD + SIMP + "。，、：；0123456789ab \n（）"))
texts = st.text(chars, min_size=0, max_size=200)


def _old_identity(n: int) -> OffsetMap:
    return OffsetMap(range(n), range(1, n + 1), n)


def _old_to_simplified_same_length(text: str, omap: OffsetMap) -> tuple[str, OffsetMap]:
    whole = _converter("t2s").convert(text)
    return apply_edits(text, omap, _diff_edits(text, whole, 0))


def _shifted_map(n: int, data: st.DataObject) -> OffsetMap:
    """A non-identity map: each character stands for 1-3 raw characters."""
    widths = data.draw(st.lists(st.integers(1, 3), min_size=n, max_size=n))
    starts, ends, pos = [], [], 0
    for w in widths:
        starts.append(pos)
        ends.append(pos + w)
        pos += w
    return OffsetMap(starts, ends, pos)


def test_identity_equals_the_old_map() -> None:
    for n in (0, 1, 7, 4095, 4096, 4097, 100_000):
        got = _old_identity(n)
        assert OffsetMap.identity(n) == got
        assert OffsetMap.identity(n).starts.typecode == got.starts.typecode == "q"
    big = OffsetMap.identity(50_000)
    assert big.to_raw(10, 20) == (10, 20)
    assert big.from_raw(100, 200) == (100, 200)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts, st.data())
def test_to_simplified_same_length_equals_per_character_edits(text: str, data: st.DataObject) -> None:
    if len(_converter("t2s").convert(text)) != len(text):
        return  # the run-by-run path, unchanged
    omap = _shifted_map(len(text), data)
    got_text, got_map = to_simplified(text, omap)
    want_text, want_map = _old_to_simplified_same_length(text, omap)
    assert got_text == want_text
    assert got_map == want_map
    if got_text != text:
        assert got_map.starts is not omap.starts  # a copy: later steps never share the caller's arrays


def test_to_simplified_changes_traditional_text_and_keeps_spans() -> None:
    text = "國家經濟"
    omap = OffsetMap([0, 2, 4, 6], [2, 4, 6, 8], 8)
    got, gmap = to_simplified(text, omap)
    assert got == "国家经济"
    assert list(gmap.starts) == [0, 2, 4, 6] and list(gmap.ends) == [2, 4, 6, 8]


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.sampled_from(["返回列表", "打印本页 关闭窗口", "  首页  ", "县农业局召开会议。", "", "Copyright 2024"]),
        max_size=6,
    )
)
def test_chrome_hits_cached_equals_a_fresh_count(parts: list[str]) -> None:
    line = " ".join(parts)
    want = sum(1 for r in _chrome_res() if r.search(line.strip(WS)))
    assert _chrome_hits(line) == want
    assert _chrome_hits(line) == want  # a second, cached, answer is the same


def test_chrome_hits_sees_the_vocabulary() -> None:
    assert _chrome_hits("  返回列表  ") >= 1
    assert _chrome_hits("县农业局召开春耕生产会议。") == 0


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(texts, min_size=1, max_size=6))
def test_normalize_maps_back_into_the_raw_text(pages: list[str]) -> None:
    """Whole documents through every step: the map has one span per character, monotone, inside the raw text."""
    raw = "\n".join(pages)
    doc = normalize(Document(doc_id="d", source="d.txt", format="txt", raw_text=raw))
    omap = doc.offsets
    assert len(omap) == len(doc.text)
    assert omap is not None
    assert omap.raw_len == len(raw)
    assert all(0 <= s <= e <= len(raw) for s, e in zip(omap.starts, omap.ends, strict=True))
    assert list(omap.starts) == sorted(omap.starts)


def _old_deletions(spans: list[tuple[int, int]], lines: list[str], omap: OffsetMap) -> list[tuple[int, int]]:
    out = []
    for k, ((s, e), line) in enumerate(zip(spans, lines, strict=True)):
        body = line.strip(WS)
        inside = lead = 0
        if body and e > s:
            a = s + (len(line) - len(line.lstrip(WS)))
            b = a + len(body)
            ra, rb = omap.to_raw(a, b)
            inside = max(0, (rb - ra) - len(body))
            if a > 0:
                gap = ra - omap.to_raw(a - 1, a)[1]
                lead = gap if 0 < gap <= GLOSS_MAX else 0
            if b == e and k + 1 < len(spans):
                gap = omap.to_raw(e, e + 1)[0] - rb
                inside += gap if 0 < gap <= GLOSS_MAX else 0
        out.append((inside + lead, lead))
    return out


def _gappy_map(n: int, data: st.DataObject, monotone: bool) -> OffsetMap:
    """Spans with deleted raw characters between them (glosses), whole-span runs (n:m edits), zero-width inserts;
    ``monotone=False`` shuffles a few ends so the fallback path runs too."""
    starts, ends, pos = [], [], 0
    for _ in range(n):
        pos += data.draw(st.integers(0, 14))  # raw characters deleted before this one
        kind = data.draw(st.sampled_from(["one", "one", "one", "wide", "insert"]))
        width = {"one": 1, "wide": 3, "insert": 0}[kind]
        starts.append(pos)
        ends.append(pos + width)
        pos += width
    if not monotone and n >= 2:
        i = data.draw(st.integers(0, n - 2))
        ends[i] = ends[i + 1] + data.draw(st.integers(1, 5))
    return OffsetMap(starts, ends, pos + data.draw(st.integers(0, 5)))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(st.sampled_from(list("经济发展 \u3000ab\n")), min_size=0, max_size=80), st.booleans(), st.data())
def test_deletions_equal_the_old_min_max_version(text: str, monotone: bool, data: st.DataObject) -> None:
    omap = _gappy_map(len(text), data, monotone)
    spans = _lines(text)
    lines = [text[s:e] for s, e in spans]
    assert _deletions(spans, lines, omap) == _old_deletions(spans, lines, omap)
    if monotone:
        assert _monotone(omap)


def test_monotone_sees_a_decreasing_end() -> None:
    assert _monotone(OffsetMap([0, 1, 2], [1, 2, 3], 3))
    assert not _monotone(OffsetMap([0, 1, 2], [5, 2, 3], 5))
    assert not _monotone(OffsetMap([0, 3, 2], [1, 4, 4], 5))
    assert _monotone(OffsetMap([], [], 0))
