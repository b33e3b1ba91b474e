"""NORMALIZE: case tables per step, hypothesis properties (offsets, idempotence), acceptance on the seeds."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.model import Document, OffsetMap
from pipeline.normalize import (
    detect_script,
    normalize_text,
    remove_boilerplate,
    repair_pdf_breaks,
    strip_footnotes,
    strip_pronunciation,
    tidy_whitespace,
    to_simplified,
    unify_width,
)


def run(step, text: str) -> str:
    out, omap = step(text, OffsetMap.identity(len(text)))
    assert len(omap) == len(out)
    return out


# ------------------------------------------------------------------------------------------ case tables


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("精準(zhǔn)扶貧(pín)", "精準扶貧"),
        ("扶貧（ｐíｎ）", "扶貧（ｐíｎ）"),  # full-width Latin is unified first; see the next case
        ("扶贫（pín）工作", "扶贫工作"),
        ("精准(zhun3)扶贫", "精准扶贫"),
        ("精准(zhun)扶贫", "精准扶贫"),
        ("办法(试行)", "办法(试行)"),
        ("信用联合社(农村商业银行)", "信用联合社(农村商业银行)"),
        ("增长(GDP)", "增长(GDP)"),
        ("平台(app)", "平台(app)"),
        ("see (zhǔn)", "see (zhǔn)"),  # not after a Han char
        ("機制(jī zhì)調研", "機制調研"),
        ("專(zhuān)(zhuan)業", "專業"),
    ],
)
def test_strip_pronunciation(raw: str, expected: str) -> None:
    assert run(strip_pronunciation, raw) == expected


def test_full_width_pinyin_is_removed_after_width_unification() -> None:
    text, _ = normalize_text("扶貧（ｐíｎ）工作")
    assert text == "扶贫工作"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("２０２０年", "2020年"),
        ("增长３５．５４％", "增长35.54%"),
        ("ＧＤＰ", "GDP"),
        ("（一）政策，设计；“好”", "（一）政策，设计；“好”"),
        ("１２３４５６７８９０", "1234567890"),
    ],
)
def test_unify_width(raw: str, expected: str) -> None:
    assert run(unify_width, raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("玉屏縣精準扶貧", "玉屏县精准扶贫"),
        ("黨建工作", "党建工作"),
        ("已经是简体", "已经是简体"),
        ("時間:2022-06-12", "时间:2022-06-12"),
    ],
)
def test_to_simplified(raw: str, expected: str) -> None:
    assert run(to_simplified, raw) == expected


@pytest.mark.parametrize(
    ("raw", "script"),
    [
        ("玉屏縣精準扶貧新機制調研報告，黨建工作圍繞這一中心", "traditional"),
        ("玉屏县精准扶贫新机制调研报告，党建工作围绕这一中心", "simplified"),
        ("玉屏縣精準扶貧新機制調研報告。玉屏县精准扶贫新机制调研报告", "mixed"),
        ("abc 123", "simplified"),
    ],
)
def test_detect_script(raw: str, script: str) -> None:
    assert detect_script(raw) == script


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("该县北靠大山、南临清 水河,下辖14个乡镇。", "该县北靠大山、南临清水河,下辖14个乡镇。"),
        ("推动家庭农 场和合作社规范运营,逐步壮大。", "推动家庭农场和合作社规范运营,逐步壮大。"),
        ("第 二 产 业", "第二产业"),
        ("Rank: 8 and GDP growth", "Rank: 8 and GDP growth"),
        ("累计发放产业贷款 4824.31 万元,同比增长。", "累计发放产业贷款4824.31万元,同比增长。"),
        ("补足短板 对症突破", "补足短板 对症突破"),  # heading: its spaces are meant
        ("段落一。\n\n段落二。", "段落一。\n\n段落二。"),
        ("1主要做法\n1.1夯实党建责任", "1主要做法\n1.1夯实党建责任"),
    ],
)
def test_repair_pdf_breaks(raw: str, expected: str) -> None:
    assert run(repair_pdf_breaks, raw) == expected


def test_repair_joins_hard_wrapped_lines() -> None:
    para1 = "某县位于两省交界的山区，境内河流纵横，辖十二个乡镇、一百八十五个行政村。" * 3
    para2 = "这几年，县里着力规范家庭农场和合作社运营，鼓励农商银行与合作社结对共建。" * 3
    wrapped = ["\n".join(p[i : i + 20] for i in range(0, len(p), 20)) for p in (para1, para2)]
    text = wrapped[0] + "\n一、主要成效\n" + wrapped[1] + "\n\n结束了。"
    out = run(repair_pdf_breaks, text)
    assert out == para1 + "\n一、主要成效\n" + para2 + "\n\n结束了。"


@pytest.mark.parametrize(
    "chrome",
    [
        "中国共产党新闻网>>党建",
        "返回列表",
        "收起左侧",
        "查看: 224|回复: 0",
        "[复制链接]",
        "马上注册入会,结交专家名流,享受贵宾待遇,让事业生活双赢。",
        "微信“扫一扫”关注“某某公众号”",
        "(责编:高巍、秦华)",
        "(责任编辑:张三)",
        "分享到:",
        "发表于 2024-1-16 09:51:18 | 显示全部楼层 |阅读模式",
        "您需要登录后才可以回帖 登录 | 注册",
    ],
)
def test_remove_boilerplate_drops_chrome_lines(chrome: str) -> None:
    body = "该县位于山区腹地,面积2300平方公里,人口6.1万,曾是省定贫困县。"
    out = run(remove_boilerplate, f"{body}\n{chrome}\n{body}")
    assert chrome not in out
    assert out.count(body) == 2


@pytest.mark.parametrize(
    "keep",
    [
        "补足短板 对症突破",
        "李某某(某省某县县委办公室)",
        "二、主要成效",
        "2019年03月14日09:30 来源:某某网",
        "(作者单位:岑巩县人大常委会)",
    ],
)
def test_remove_boilerplate_keeps_headings_and_bylines(keep: str) -> None:
    body = "该县位于山区腹地,面积2300平方公里,人口6.1万,曾是省定贫困县。"
    assert keep in run(remove_boilerplate, f"{body}\n{keep}\n{body}")


def test_remove_boilerplate_drops_runs_of_short_lines() -> None:
    sidebar = "\n\n".join(["首批顾问", "指导单位", "1. 州委宣传部", "中心", "4. 州委党校", "欢迎", "赐稿"])
    body = "该县推动合作社规范运营,鼓励信用社与合作社结对共建。"
    title = "某县社企结对模式在乡村建设中的实践"
    out = run(remove_boilerplate, f"{sidebar}\n\n{title}\n\n{body}")
    assert out.lstrip().startswith(title)
    assert body in out


def test_remove_boilerplate_cuts_chrome_tail_only() -> None:
    line = "来源/作者:沂水县农业农村局 沙泳君日期:2020-11-30【字体: 打印本页 关闭本页"
    out = run(remove_boilerplate, line + "\n正文内容在这里,很长的一句话,说明情况。")
    assert "来源/作者:沂水县农业农村局" in out
    assert "打印本页" not in out


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  去年以来,沂水县。  ", "去年以来,沂水县。"),
        ("a\n\n\n\nb", "a\n\nb"),
        ("\n\n甲\n \n\n乙\n\n", "甲\n\n乙"),
        ("\u3000\u3000首行缩进", "首行缩进"),
    ],
)
def test_tidy_whitespace(raw: str, expected: str) -> None:
    assert run(tidy_whitespace, raw) == expected


# ------------------------------------------------------------------------------------ offset properties

HANS = "榕江县农民专业合作社发展经济脱贫攻坚產業發展經濟脫貧攻堅縣鄉鎮黨組織"
piece = st.one_of(
    st.text(alphabet=HANS, min_size=1, max_size=12),
    st.sampled_from(["(zhǔn)", "(pín)", "（ｐíｎ）", "(试行)", " ", "  ", "\n", "\n\n", "。", ",", "、"]),
    st.text(alphabet="０１２３４５６７８９0123456789．％", min_size=1, max_size=5),
    st.text(alphabet="abcxyz ", min_size=1, max_size=6),
)
texts = st.lists(piece, min_size=1, max_size=30).map("".join)


def char_normalize(raw: str) -> str:
    """The character-producing steps only: chrome removal and line repair depend on context by design."""
    text, omap = raw, OffsetMap.identity(len(raw))
    for step in (unify_width, strip_pronunciation, to_simplified):
        text, omap = step(text, omap)
    return text


def _check_map(raw: str, text: str, omap: OffsetMap) -> None:
    assert len(omap) == len(text)
    assert omap.raw_len == len(raw)
    prev = 0
    for i in range(len(text)):
        s, e = omap.starts[i], omap.ends[i]
        assert 0 <= s <= e <= len(raw)
        assert s >= prev  # monotone
        prev = s
        if text[i].strip() and s < e:
            renorm = char_normalize(raw[s:e])
            assert text[i] in renorm, (text[i], raw[s:e], renorm)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts)
def test_offsets_are_monotone_in_bounds_and_round_trip(raw: str) -> None:
    text, omap = normalize_text(raw)
    _check_map(raw, text, omap)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts)
def test_normalize_is_idempotent(raw: str) -> None:
    once, _ = normalize_text(raw)
    twice, _ = normalize_text(once)
    assert once == twice


@settings(max_examples=100, deadline=None)
@given(texts, st.data())
def test_han_runs_round_trip(raw: str, data: st.DataObject) -> None:
    """A normalized run of Han chars maps to raw text that normalizes to a string containing it."""
    text, omap = normalize_text(raw)
    runs = [m.span() for m in re.finditer(r"[\u4e00-\u9fff]+", text)]
    if not runs:
        return
    s, e = data.draw(st.sampled_from(runs))
    rs, re_ = omap.to_raw(s, e)
    renorm, _ = normalize_text(raw[rs:re_])
    assert text[s:e] in re.sub(r"\s", "", renorm)  # whether a space is layout depends on the whole line


@st.composite
def wrapped_pages(draw: st.DrawFn) -> str:
    """Hard-wrapped paragraphs as PDF extraction gives them, with headings, page numbers and spaces."""
    width = draw(st.integers(12, 40))
    blocks = []
    for _ in range(draw(st.integers(1, 5))):
        para = draw(st.lists(piece, min_size=5, max_size=40).map("".join)).replace("\n", "")
        lines = [para[i : i + width] for i in range(0, len(para), width)]
        blocks.append("\n".join(lines) + draw(st.sampled_from(["。", "", "，"])))
        blocks.append(draw(st.sampled_from(["一、主要做法", "（二）成效", "- 3 -", "", "1.1夯实基础", "第 二 产 业"])))
    return "\n".join(blocks)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(wrapped_pages())
def test_wrapped_text_idempotent_and_mapped(raw: str) -> None:
    once, omap = normalize_text(raw)
    _check_map(raw, once, omap)
    twice, _ = normalize_text(once)
    glossless, _ = strip_pronunciation(raw, OffsetMap.identity(len(raw)))
    if glossless == raw:
        assert once == twice
    else:
        # A gloss (經(jīng)) told the first pass how wide its line stood on the page: a wrapped line of running
        # text, not a fragment. The glosses are gone from its output, so a second pass may take the line for a
        # fragment of a sidebar run and drop it: never more text, and no idempotence to ask for.
        assert len(twice) <= len(once)


# ----------------------------------------------------------------------------------- seed acceptance

PINYIN_RE = re.compile(r"\([a-zàáǎāèéěēìíǐīòóǒōùúǔūǖǘǚǜü]+\)")
CHROME = ["微信“扫一扫”", "马上注册入会", "收起左侧", "返回列表", "打印本页", "[复制链接]", "Rank:"]


@pytest.fixture(scope="module")
def normalized(seeds: Path, make_doc: Callable[..., Document]) -> dict[str, Document]:
    out = {}
    for f in sorted(seeds.glob("*.txt")):
        out[f.stem[:3]] = make_doc(f.read_text(encoding="utf-8"), f.stem, source=str(f), structured=False)
    return out


def test_all_seeds_normalize(normalized: dict[str, Document]) -> None:
    assert len(normalized) == 5
    for doc in normalized.values():
        assert doc.text and doc.offsets is not None and len(doc.offsets) == len(doc.text)
        assert doc.offsets.raw_len == len(doc.raw_text)


def test_seed_003_traditional_pinyin_free_simplified(normalized: dict[str, Document]) -> None:
    doc = normalized["003"]
    assert doc.script == "traditional"
    assert not PINYIN_RE.search(doc.text)
    assert "精准扶贫" in doc.text
    assert "精準" not in doc.text
    for other in ("000", "001", "002", "004"):
        assert normalized[other].script == "simplified"


@pytest.mark.parametrize("chrome", CHROME)
def test_no_chrome_survives(normalized: dict[str, Document], chrome: str) -> None:
    present = [k for k, d in normalized.items() if chrome in d.raw_text]
    assert present, f"{chrome} should be in some raw seed"
    for key, doc in normalized.items():
        assert chrome not in doc.text, key


@pytest.mark.parametrize(
    ("seed", "body"),
    [
        ("000", "雷公山"),
        ("000", "农民专业合作社"),
        ("001", "留坝县"),
        ("002", "紧盯村集体经济"),
        ("003", "精准扶贫工作"),
        ("004", "农村改革试验区"),
    ],
)
def test_body_survives(normalized: dict[str, Document], seed: str, body: str) -> None:
    assert body in normalized[seed].text


def test_seed_000_sidebar_gone(normalized: dict[str, Document]) -> None:
    text = normalized["000"].text
    assert "首批顾问" not in text and "赐稿" not in text
    assert text.lstrip().startswith("激活生产要素")


def test_seed_offsets_point_at_raw(normalized: dict[str, Document]) -> None:
    """Every normalized Han char maps to a raw span holding that char (or its traditional form)."""
    for doc in normalized.values():
        assert doc.offsets is not None
        for m in re.finditer(r"[\u4e00-\u9fff]{2,}", doc.text[:3000]):
            rs, re_ = doc.offsets.to_raw(*m.span())
            renorm, _ = normalize_text(doc.raw_text[rs:re_])
            assert m.group() in re.sub(r"\s", "", renorm)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("生产总值[2]1329.65亿元", "生产总值1329.65亿元"),
        ("增加值［3］比上年增长4.7%", "增加值比上年增长4.7%"),
        ("增长4.0%[3]。", "增长4.0%。"),
        ("产值①达5亿元，总值¹12亿元", "产值达5亿元，总值12亿元"),
        ("[1]本公报数据为初步统计数。", "[1]本公报数据为初步统计数。"),  # the note at a line start
        ("共有3[2]个", "共有3[2]个"),  # after a digit: not a marker
        ("面积20米²", "面积20米²"),  # a unit's square
        ("列表 [1] 项", "列表 [1] 项"),  # not glued to a word
    ],
)
def test_strip_footnotes(raw: str, expected: str) -> None:
    text, omap = strip_footnotes(raw, OffsetMap.identity(len(raw)))
    assert text == expected
    i = text.find("1329.65")
    if i >= 0:  # every remaining character still points at itself in the raw text
        assert omap.to_raw(i, i + 7) == (raw.find("1329.65"), raw.find("1329.65") + 7)
