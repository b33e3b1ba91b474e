"""Figures on web-page county reports: the noun phrase a number measures, counts that are not figures, dates
from the page's date line and relative years. Sentences written for these tests in the genre's style."""

from __future__ import annotations

import pytest

from pipeline.extract.dates import page_year
from pipeline.extract.figures import extract_figures
from pipeline.model import Document


def doc_of(text: str, title: str = "") -> Document:
    return Document(doc_id="t", source="x.txt", format="txt", raw_text=text, text=text, title=title)


def find(text: str, raw: str, title: str = ""):
    figs = extract_figures(doc_of(text, title))
    hits = [f for f in figs if f.mention.text == raw]
    assert hits, f"no figure {raw!r} in {[(f.mention.text, f.indicator) for f in figs]}"
    return hits[0]


# (sentence, the figure as written, words its indicator must contain, words it must not contain)
NOUN_PHRASES = [
    # the number modifies the noun after it
    ("合作社流转了300亩撂荒的坡耕地种植花椒。", "300亩", ["坡耕地"], ["流转了"]),
    ("镇里新建了45平方米的村级电商服务站。", "45平方米", ["电商服务站"], []),
    ("他家圈里养着12头膘肥体壮的西门塔尔牛。", "12头", ["西门塔尔牛"], []),
    ("今年新修2.6公里通组硬化路。", "2.6公里", ["通组硬化路"], []),
    ("老张去年用3万元贴息贷款买了两台旋耕机。", "3万元", ["贴息贷款"], []),
    ("他家一年有2.5万元收入。", "2.5万元", ["收入"], []),
    ("扣除1.2万元成本后还剩不少。", "1.2万元", ["成本"], []),
    # a noun that is itself a measure keeps the number after it
    ("村里建成一个年交易量8万头的生猪交易市场。", "8万头", ["交易量"], ["市场"]),
    ("全镇耕地面积3200公顷。", "3200公顷", ["耕地面积"], []),
    ("平均海拔2800米的高寒村也通了网。", "2800米", ["海拔"], []),
    # a count before 的 and a noun: the noun before 的 is what is counted
    ("看过4个节目的群众都说好。", "4个", ["节目"], ["群众"]),
    ("依据60多项具体指标评定信用等级。", "60多项", ["指标"], ["信用等级"]),
    # what a noun names that the tagger reads as a verb
    ("共有38个建档立卡贫困村。", "38个", ["建档立卡贫困村"], []),
    ("网络覆盖9个易地扶贫搬迁村。", "9个", ["易地扶贫搬迁村"], []),
    # people counts take what happened to them
    ("园区吸纳周边群众860人就业。", "860人", ["就业"], []),
    ("就近就地务工312人。", "312人", ["就近就地务工"], []),
    # shares take the noun after them and what it does
    ("超过85%的农户参加了技能培训。", "超过85%", ["农户"], []),
]


@pytest.mark.parametrize(("text", "raw", "words", "not_words"), NOUN_PHRASES)
def test_indicator_noun_phrase(text: str, raw: str, words: list[str], not_words: list[str]) -> None:
    f = find(text, raw)
    for w in words:
        assert w in f.indicator, f.indicator
    for w in not_words:
        assert w not in f.indicator, f.indicator


@pytest.mark.parametrize(
    ("text", "raws", "words"),
    [
        # bare counts listed before one that names them take that name
        ("项目带动6个村、1200户、3400名建档立卡贫困户增收。", ["1200户", "3400名"], "建档立卡贫困户"),
        ("去年村里8户、21口贫困人口脱了贫。", ["8户"], "贫困人口"),
        # a bare total counts the subject of the clause before
        ("石门镇红岩村,共426户、1390人。", ["426户", "1390人"], "红岩村"),
        # a count written without a unit, before or after its noun
        ("全县贫困人口已降到3.1万,比上年减少一半。", ["3.1万"], "贫困人口"),
        ("2016年,全县共有1.8万贫困人口脱贫。", ["1.8万"], "贫困人口"),
    ],
)
def test_shared_and_implied_heads(text: str, raws: list[str], words: str) -> None:
    for raw in raws:
        assert words in find(text, raw).indicator


# Counts that report nothing: vague, rounds and phases, single-digit list heads, written in Chinese numerals.
SMALL_COUNTS = [
    "每户还有一二十张不等的床位。",
    "组织干部开展两轮次入户走访。",
    "项目分三期建设。",
    "山上只住着五六户人家。",
    "走到集上要四五个小时。",
    "他家守着一亩多薄地。",
    "每村培育两个以上主导产业。",
    "建成了以种植、养殖等六个产业为主体的格局。",
    "开通两条物流专线。",
]


@pytest.mark.parametrize("text", SMALL_COUNTS)
def test_small_counts_are_not_figures(text: str) -> None:
    assert extract_figures(doc_of(text)) == []


@pytest.mark.parametrize(
    ("text", "raw"),
    [
        ("全县有三十个贫困村。", "三十个"),
        ("带动近千名群众务工。", "近千名"),
        ("全县共有5个乡镇。", "5个"),
    ],
)
def test_counts_that_stay(text: str, raw: str) -> None:
    assert find(text, raw)


@pytest.mark.parametrize(
    ("text", "year"),
    [
        ("某县新闻网\n发布时间:2019-5-20 10:31 来源:某县融媒体中心\n正文", "2019"),
        ("标题\n2021年03月08日 09:12\n正文", "2021"),
        ("日期:2018-11-02来源:县政府网\n正文", "2018"),
        ("正文没有日期行。\n2019年,全县收入5亿元。", ""),
        # a portal's today widget is not the page's date
        ("2024年5月1日 星期三 欢迎访问\n正文", ""),
        ("县报2016年08月12日\n正文", "2016"),
    ],
)
def test_page_year(text: str, year: str) -> None:
    assert page_year(text) == year


PAGE = "某县发展电商产业\n来源:县融媒体中心 发布时间:2019-06-20 08:00\n"


@pytest.mark.parametrize(
    ("body", "raw", "date"),
    [
        # relative years count from the page's date line
        ("去年,全县电商交易额3.2亿元。", "3.2亿元", "2018"),
        ("今年以来,新增网店120家。", "120家", "2019"),
        ("截至目前,全县建成服务站86个。", "86个", "2019"),
        ("县报讯 今年以来,全县新增网店120家。", "120家", "2019"),
        # a framing clause after a short lead dates the sentences after it
        ("报告显示,2017年,全省网络零售额超过10亿元。全县发现4个淘宝村。", "4个", "2017"),
        # a comparison base is not a date
        ("全县网店达到300家,比去年增加50家。", "达到300家", ""),
        # no date in the text, none in the figure
        ("全县网店达到300家。", "达到300家", ""),
    ],
)
def test_relative_and_framing_dates(body: str, raw: str, date: str) -> None:
    assert find(PAGE + body, raw).date == date


@pytest.mark.parametrize(
    ("text", "raw", "date"),
    [
        # anaphoric years count from the last year the paragraph stated
        ("2019年,全县农业总产值30亿元。同年,茶叶产值4.5亿元。", "4.5亿元", "2019"),
        ("2019年,全县建成大棚200个。次年新建大棚300个。", "300个", "2020"),
        ("2019年全县收入12亿元,上年收入10亿元。", "10亿元", "2018"),
        # a sentence-initial year frames its paragraph without a comma
        ("2021年全县农民人均收入14215元。脱贫人口人均纯收入11350元。", "11350元", "2021"),
        # a year inside a clause (收入由2012年的…) frames nothing; after a lead clause it does
        ("2020年2月,全县退出贫困县序列。收入由2012年的3000元提高到12000元。覆盖率达到90%。", "达到90%", "2020-02"),
        ("从金融指标看,2019年末贷款余额86亿元。涉农贷款占比72%。", "72%", "2019"),
        # deictic years count from the page, not from the framing year
        (PAGE + "2017年,全县建成服务站50个。今年新增网店120家。", "120家", "2019"),
    ],
)
def test_anaphoric_and_deictic_years(text: str, raw: str, date: str) -> None:
    assert find(text, raw).date == date


def test_relative_year_needs_a_page_date() -> None:
    assert find("去年,全县电商交易额3.2亿元。", "3.2亿元").date == ""


def test_headline_takes_the_page_date() -> None:
    text = "某县8家扶贫车间吸纳就业260人\n2020年05月19日 15:09\n正文。"
    assert find(text, "8家", title="某县8家扶贫车间吸纳就业260人").date == "2020"


def test_date_inside_the_phrase_after_it() -> None:
    f = find("2019年度全县乡村旅游综合收入3.4亿元。", "3.4亿元")
    assert f.indicator == "乡村旅游综合收入"
    assert f.date == "2019"
