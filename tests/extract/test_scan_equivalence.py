"""Per-character scans replaced by C-level calls (str.split/translate, str.startswith over a tuple, a set of the
left context's characters) give the answers of the scans they replace, on made-up strings."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.extract.clauses import _content_len, _is_heading_line, _split_long
from pipeline.extract.places import _ADDRESS_AFTER, NOT_PLACE_AFTER, ORG_HEAD, _not_place_after, _prefixes

# whitespace of several kinds (str.isspace), list punctuation, Han characters, Latin letters, digits
_ALPHABET = '农村合作社县市区人民医院学院路号，,、：:“”"《》()（）ab1 \t\n\u3000\u00a0\u2002\u200b\ufeff\x1c\x85\u2028'
_texts = st.text(alphabet=_ALPHABET, max_size=40)


def _content_len_by_scan(s: str) -> int:
    return sum(1 for c in s if not c.isspace() and c not in '，,、：:“”"《》()（）')


@settings(max_examples=500, deadline=None)
@given(_texts)
def test_content_len_equals_the_character_scan(s: str) -> None:
    assert _content_len(s) == _content_len_by_scan(s)


def test_content_len_examples() -> None:
    assert _content_len(" 推进，“合作社”（试点）\u3000") == 7
    assert _content_len("") == 0


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([*sorted(NOT_PLACE_AFTER), "路", "号", "农村", "12路"]), max_size=3), _texts)
def test_not_place_after_equals_the_word_scan(words: list[str], rest: str) -> None:
    text = "榕江" + "".join(words) + rest
    by_scan = any(text[2:8].startswith(w) for w in NOT_PLACE_AFTER)
    assert _not_place_after(text, 2) == (by_scan or _ADDRESS_AFTER.match(text[2:8]) is not None)


def test_prefixes_holds_every_word() -> None:
    assert set(_prefixes(ORG_HEAD)) == set(ORG_HEAD) and len(_prefixes(ORG_HEAD)) == len(ORG_HEAD)


def _split_long_by_scan(text: str, start: int, end: int) -> list[tuple[int, int]]:
    from pipeline.extract.clauses import _predicates

    cuts = [start]
    for i in range(start, end):
        if text[i] not in "，,":
            continue
        nxt = text[i + 1 : i + 6].lstrip()
        if i - cuts[-1] >= 15 and end - i >= 15 and nxt.startswith(_predicates()):
            cuts.append(i + 1)
    cuts.append(end)
    return list(itertools.pairwise(cuts))


_clause_bits = st.lists(
    st.sampled_from(["全县新建高标准农田三万亩", "，", ",", "推进", "加强", "完善", "并", " ", "。", "合作社"]),
    max_size=30,
)


@settings(max_examples=300, deadline=None)
@given(_clause_bits, st.data())
def test_split_long_equals_the_character_scan(bits: list[str], data: st.DataObject) -> None:
    text = "".join(bits)
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    assert _split_long(text, start, end) == _split_long_by_scan(text, start, end)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="农村一、：:，,。！？；!?; \t", max_size=50))
def test_heading_line_equals_the_character_scan(line: str) -> None:
    t = line.strip()
    assert _is_heading_line(line) == (len(t) <= 40 and not any(c in t for c in "。！？；!?;" + "，," + "：:"))


def test_split_long_cuts_before_a_predicate() -> None:
    text = "全县新建高标准农田三万亩并完善灌溉设施配套，加强合作社建设和农户技术培训服务工作落实"
    assert _split_long(text, 0, len(text)) == [(0, 22), (22, len(text))]
