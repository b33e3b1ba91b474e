"""Number and quantity parsing: Chinese/Arabic/mixed numerals into base units."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.text.numerals import format_value, iter_quantities, parse_number, parse_quantity

_CN = "零一二三四五六七八九"


def to_chinese(n: int) -> str:
    """Reference spelling of a non-negative integer below 10^12, written independently of the parser."""
    if n == 0:
        return "零"

    def section(v: int) -> str:
        out, zero = "", False
        for unit, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
            d = v // unit % 10
            if d:
                if zero and out:
                    out += "零"
                out += _CN[d] + name
                zero = False
            elif out:
                zero = True
        return out

    parts = [(n // 10**8, "亿"), (n // 10**4 % 10**4, "万"), (n % 10**4, "")]
    out = ""
    need_zero = False
    for v, name in parts:
        if v:
            if out and (need_zero or v < 1000):
                out += "零"
            out += section(v) + name
            need_zero = False
        elif out:
            need_zero = True
    return out


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("三千二百", 3200),
        ("两万", 20000),
        ("一百零五", 105),
        ("十二", 12),
        ("3.2万", 32000),
        ("２０００", 2000),
        ("2,000", 2000),
        ("1,234,567.5", 1234567.5),
        ("4 824.31", 4824.31),
        ("一千零一十", 1010),
        ("三万五", 35000),
        ("两千六", 2600),
        ("十万零一", 100001),
        ("一亿五千万零六千三百五十五", 150006355),
        ("壹佰贰拾叁", 123),
        ("一二三", 123),
        ("二〇二〇", 2020),
        ("一百点五", 100.5),
        ("负三", -3),
        ("1万600", 10600),
        ("廿二", 22),
    ],
)
def test_parse_number(text: str, value: float) -> None:
    assert parse_number(text) == pytest.approx(value)


@pytest.mark.parametrize("text", ["", "元", "点五", "1..2", "abc", "三点五点"])
def test_parse_number_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_number(text)


@pytest.mark.parametrize("text", ["一二", "100万", "三万五", "一百二"])
def test_strict_rejects_loose_forms(text: str) -> None:
    with pytest.raises(ValueError):
        parse_number(text, strict=True)


@pytest.mark.parametrize(
    ("span", "value", "unit", "qualifier", "high"),
    [
        ("4824.31万元", 48243100, "元", "", None),
        ("60万亩", 600000, "亩", "", None),
        ("1.6755億元", 167550000, "元", "", None),
        ("35.54%", 35.54, "%", "", None),
        ("35.54％", 35.54, "%", "", None),
        ("3个百分点", 3, "个百分点", "", None),
        ("近三分之一", 33.33, "%", "近", None),
        ("三成", 30, "%", "", None),
        ("七成以上", 70, "%", "以上", None),
        ("百分之十五", 15, "%", "", None),
        ("20—40%", 20, "%", "", 40),
        ("3至5万元", 30000, "元", "", 50000),
        ("近12倍", 12, "倍", "近", None),
        ("1000余人", 1000, "人", "余", None),
        ("120余万元", 1200000, "元", "余", None),
        ("约3.5万人", 35000, "人", "约", None),
        ("不低于5000元", 5000, "元", "不低于", None),
        ("超过200户", 200, "户", "超过", None),
        ("50家以上", 50, "家", "以上", None),
        ("18万人次", 180000, "人次", "", None),
        ("1970平方公里", 1970, "平方公里", "", None),
        ("三千二百万元", 32000000, "元", "", None),
        ("2.9岁", 2.9, "岁", "", None),
        ("800公顷", 800, "公顷", "", None),
        ("两千吨", 2000, "吨", "", None),
    ],
)
def test_parse_quantity(span: str, value: float, unit: str, qualifier: str, high: float | None) -> None:
    q = parse_quantity(span)
    assert q is not None
    assert q.value == pytest.approx(value)
    assert q.unit == unit
    assert q.qualifier == qualifier
    if high is None:
        assert q.value_high is None
    else:
        assert q.value_high == pytest.approx(high)


@pytest.mark.parametrize("span", ["五先五后", "乡村振兴", "2020", "第三", "合作社32712户"])
def test_parse_quantity_none(span: str) -> None:
    assert parse_quantity(span) is None


def test_iter_quantities_offsets() -> None:
    text = "全县有贫困户1200户、4500人，人均收入3.2万元。"
    qs = list(iter_quantities(text))
    assert [(q.value, q.unit) for q in qs] == [(1200, "户"), (4500, "人"), (32000, "元")]
    for q in qs:
        assert text[q.start : q.end] == q.text


@pytest.mark.parametrize(("v", "s"), [(48243100.000000004, "48243100"), (35.54, "35.54"), (33.333333333, "33.333333")])
def test_format_value(v: float, s: str) -> None:
    assert format_value(v) == s


@pytest.mark.parametrize(("span", "exact"), [("78.6亿元", 7860000000.0), ("0.3万亩", 3e3), ("1.15亿人", 115000000.0)])
def test_big_units_leave_no_binary_noise(span: str, exact: float) -> None:
    q = parse_quantity(span)
    assert q is not None and q.value == exact  # exactly: 78.6亿 is not 7859999999.999999 in a table


@given(st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False, allow_infinity=False))
def test_wan_yuan_is_times_ten_thousand(d) -> None:
    span = f"{d}万元"
    q = parse_quantity(span)
    assert q is not None and q.unit == "元"
    assert q.value == pytest.approx(float(d) * 10000, rel=1e-9, abs=1e-6)
    assert float(format_value(q.value)) == pytest.approx(float(d) * 10000, rel=1e-9, abs=1e-6)


@given(st.integers(min_value=0, max_value=10**12 - 1))
def test_chinese_and_arabic_agree(n: int) -> None:
    assert parse_number(to_chinese(n)) == n
    assert parse_number(str(n)) == n


@given(st.integers(min_value=0, max_value=10**10))
def test_fullwidth_and_separators_invariant(n: int) -> None:
    plain = str(n)
    full = plain.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    grouped = f"{n:,}"
    spaced = grouped.replace(",", " ")
    assert parse_number(full) == parse_number(plain) == parse_number(grouped) == parse_number(spaced) == n


@pytest.mark.parametrize(
    ("text", "raw", "value", "unit", "high"),
    [
        # a per-unit amount is reported in 元; its denominators stay in the span for the per column
        ("县财政补助60元/年/人。", "60元/年/人", 60.0, "元", None),
        ("土地补偿标准40-60万元/亩。", "40-60万元/亩", 400000.0, "元", 600000.0),
        ("务工收入150元/天。", "150元/天", 150.0, "元", None),
        # a second slash after a count is not a per-unit amount
        ("平均每户3人/户。", "3人", 3.0, "人", None),
        # 口人 counts people, 口 alone is its own unit
        ("他家有5口人。", "5口人", 5.0, "人", None),
        ("全村9户、31口贫困人口。", "31口", 31.0, "口", None),
        # counters of loans, kinds and shares
        ("共发放贷款26笔。", "26笔", 26.0, "笔", None),
        ("覆盖18种大病。", "18种", 18.0, "种", None),
        ("折合股份5000股。", "5000股", 5000.0, "股", None),
    ],
)
def test_units_of_the_genre(text: str, raw: str, value: float, unit: str, high: float | None) -> None:
    q = next(q for q in iter_quantities(text) if q.text == raw)
    assert (q.value, q.unit, q.value_high) == (value, unit, high)


@pytest.mark.parametrize("text", ["群众参股分红", "种植太子参", "參股農戶"])
def test_can_is_not_a_numeral(text: str) -> None:
    """参 (can, 'take part') is no numeral: 叁 is the formal 3; 群众参股 is no '3股'."""
    from pipeline.normalize import simplified

    assert list(iter_quantities(simplified(text))) == []
