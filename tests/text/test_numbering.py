"""Heading and item numbering, and the one ordinal reader everyone uses."""

from __future__ import annotations

import pytest

from pipeline.extract.measures import declared_count
from pipeline.model import Article
from pipeline.structure import parse_sections
from pipeline.text.numbering import (
    CN_ITEM_RE,
    ENUM_RE,
    HEADING_NUMBERING_RE,
    LINE_START_RE,
    PAREN_ITEM_RE,
    cn_int,
    heading_style,
)
from pipeline.text.numerals import parse_number


@pytest.mark.parametrize(
    ("s", "n"),
    [
        ("三", 3),
        ("十", 10),
        ("十二", 12),
        ("二十", 20),
        ("二十三", 23),
        ("一百零五", 105),
        ("两", 2),
        ("零", 0),
        ("〇", 0),
        ("7", 7),
        ("12", 12),
        ("①", 1),
        ("⑩", 10),
        ("一二", None),  # a digit string is no ordinal
        ("一百二", None),  # an abbreviated numeral is no ordinal
        ("百", None),
        ("双", None),
        ("", None),
        ("甲", None),
    ],
)
def test_cn_int(s: str, n: int | None) -> None:
    assert cn_int(s) == n


@pytest.mark.parametrize(("s", "n"), [("二十三", 23), ("十二", 12), ("一百零五", 105)])
def test_numerals_read_the_same_everywhere(s: str, n: int) -> None:
    assert cn_int(s) == n
    assert parse_number(s) == n
    assert parse_number(s, strict=True) == n
    # a heading numbered with it gets it as its path
    text = f"标题\n{s}、主要做法\n正文"
    secs = parse_sections(text, Article(index=0, start=0, end=len(text)))
    assert [x.path for x in secs] == [str(n)]
    # an item marker holding it reads as that ordinal
    for rx, marked in ((PAREN_ITEM_RE, f"（{s}）"), (CN_ITEM_RE, f"。{s}是")):
        m = rx.search(marked)
        if m:  # markers hold at most two numerals
            assert cn_int(m.group(1)) == n


@pytest.mark.parametrize(
    ("line", "style"),
    [
        ("一、主要做法", ("cn", 2, "一")),
        ("（二）推行联建", ("paren_cn", 3, "二")),
        ("第三章 总则", ("chapter", 0, "三")),
        ("1.2 产业发展", ("arabic2", 5, "1.2")),
        ("3 产业发展", ("arabic", 4, "3")),
        ("①强化组织", ("circled", 8, "①")),
        ("3个乡镇", None),
        ("一、全县共有合作社120家，带动农户。", None),
        ("主要做法", None),
    ],
)
def test_heading_style(line: str, style: tuple[str, int, str] | None) -> None:
    assert heading_style(line) == style


@pytest.mark.parametrize(
    ("rx", "text", "end"),
    [
        (HEADING_NUMBERING_RE, "（三）建设园区", 3),
        (HEADING_NUMBERING_RE, "二、发展产业", 2),
        (HEADING_NUMBERING_RE, "1.2 发展", 4),
        (ENUM_RE, "（一）加强领导", 3),
        (ENUM_RE, "第一，加强领导", 3),
        (ENUM_RE, "②加强领导", 1),
    ],
)
def test_numbering_prefixes(rx, text: str, end: int) -> None:  # type: ignore[no-untyped-def]
    m = rx.match(text)
    assert m is not None and m.end() == end


@pytest.mark.parametrize(
    ("line", "starts"),
    [
        ("一、做法", True),
        ("（2）做法", True),
        ("2020年全县", False),
        ("3个乡镇", False),
        ("来源：某网", True),
        ("正文", False),
    ],
)
def test_line_start(line: str, starts: bool) -> None:
    assert bool(LINE_START_RE.match(line)) == starts


@pytest.mark.parametrize(("name", "n"), [("五先五后", 5), ("两不愁三保障", 5), ("双培双带", 2), ("三位一体", 3)])
def test_formula_counts_use_the_same_numeral_values(name: str, n: int) -> None:
    assert declared_count(name) == n
