"""The date column of figures (pipeline/extract/dates.py): how the genre dates what it reports. Every sentence
here is written for these tests in the style of county reports and news pages (simplified and traditional
script); places and numbers are made up."""

from __future__ import annotations

import pytest

from pipeline.extract.dates import DATE_RE, dates_in, document_page_year, heading_year, page_year, year_digits
from pipeline.extract.figures import extract_figures
from pipeline.model import Document
from pipeline.normalize import normalize_text


def _date_of(text: str, raw: str, title: str = "") -> str:
    doc = Document(doc_id="t", source="x.txt", format="txt", raw_text=text, text=text, title=title)
    hits = [f for f in extract_figures(doc) if f.mention.text == raw]
    assert hits, f"no figure {raw!r} in {[f.mention.text for f in extract_figures(doc)]}"
    return hits[0].date


_FILLER = "".join(f"全县干部群众在第{chr(0x4E00 + 37 * i)}片区开展活动。\n\n" for i in range(20))
PAGE = "某县推进产业帮扶\n发布时间:2021-06-15 09:30 来源:县融媒体中心\n"
NO_PAGE = "某县推进产业帮扶\n"


@pytest.mark.parametrize(
    ("text", "year"),
    [
        ("某县新闻\n发布日期:2020年5月12日 来源:县政府办\n正文", "2020"),
        ("标题\n09.10.2015  12:07\n正文", "2015"),
        ("标题\n2018/07/03 16:45:10\n正文", "2018"),
        ("標題\n發佈時間:2017-04-25 來源:縣扶貧辦\n正文", "2017"),  # read after normalization
        ("某县报\n2019年12月19日\n正文", "2019"),
        # a version number or a phone number is not a date line
        ("标题\n版本 3.2.2015 说明书\n正文", ""),
        ("标题\n正文说2019年全县收入5亿元。", ""),
        # further down only a labelled or clocked line counts (menus push it down; a footer)
        ("标题\n" + _FILLER + "来源:县融媒体中心 2019-01-22\n正文", "2019"),
        ("标题\n" + _FILLER + "2018-06-02 08:31\n正文", "2018"),
        ("标题\n" + _FILLER + "相关新闻 2017-05-06\n正文", ""),
    ],
)
def test_page_year_forms(text: str, year: str) -> None:
    assert page_year(normalize_text(text)[0]) == year


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("二〇一九年全县", ["2019"]),
        ("二〇二〇年十二月底", ["2020-12"]),
        ("2019年6月", ["2019-06"]),
        ("2021-03-12 10:20", ["2021-03"]),
        # a year range is not a year and a month: only the end year is a date
        ("2014-2019年", ["2019"]),
        ("2016—2020年", ["2020"]),
    ],
)
def test_date_forms(text: str, expected: list[str]) -> None:
    assert [d for _, d in dates_in(text, 0, len(text))] == expected


def test_year_digits() -> None:
    assert year_digits("二〇一九") == "2019"
    assert year_digits("2008") == "2008"
    assert DATE_RE.search("一九九八年") is not None


FRAMES = [
    # a sentence-initial date dates its sentence and the rest of the paragraph
    (NO_PAGE + "2020年，全县新建蔬菜大棚420个。种植面积达到1.6万亩。", "达到1.6万亩", "2020"),
    (NO_PAGE + "截至2019年底，全县累计发放扶贫小额信贷2.3亿元。", "2.3亿元", "2019"),
    (NO_PAGE + "截至2019年底，全县有贫困村48个。其中深度贫困村21个。", "21个", "2019"),
    (NO_PAGE + "2021年以来，全县新增农民专业合作社37家。", "37家", "2021"),
    (NO_PAGE + "二〇二〇年，全县实现旅游收入3.4亿元。", "3.4亿元", "2020"),
    # a short lead before the date, closed by a comma or a colon
    (NO_PAGE + "据统计:2018年全县退出贫困村12个，脱贫3200户；贫困发生率降至0.9%。", "0.9%", "2018"),
    (NO_PAGE + "据了解，2022年全镇流转土地8600亩。", "8600亩", "2022"),
    # relative years and months count from the page's date line
    (PAGE + "今年6月以来，全县排查出问题356个。", "356个", "2021"),
    (PAGE + "今年上半年，全县脱贫人口人均纯收入5420元。", "5420元", "2021"),
    (PAGE + "去年，全县农村居民人均可支配收入1.32万元。", "1.32万元", "2020"),
    (PAGE + "截至5月底，全县发放脱贫人口小额信贷8900万元。", "8900万元", "2021-05"),
    (PAGE + "记者从县乡村振兴局了解到，截至5月底，全县建成帮扶车间26个。其中新建车间9个。", "9个", "2021-05"),
    (PAGE + "1至5月，全县劳务输出2.1万人。", "2.1万人", "2021-05"),
    # a part of a year without its year is a part of the page's year
    (PAGE + "上半年，全县农村居民人均可支配收入6820元。", "6820元", "2021"),
    (PAGE + "全县前三季度实现农产品网络零售额1.9亿元。", "1.9亿元", "2021"),
    (PAGE + "去年上半年，全县接待游客36万人次。", "36万人次", "2020"),
    (NO_PAGE + "上半年，全县农村居民人均可支配收入6820元。", "6820元", ""),
    # without a date line, 今年 and 去年 carry no year, even after a stated year
    (NO_PAGE + "2018年，全县收入8亿元。今年上半年，全县收入4.6亿元。", "4.6亿元", ""),
    (NO_PAGE + "去年，全县新修通组路36公里。", "36公里", ""),
    (NO_PAGE + "今年4月份，合作社销售黄芪4.2吨。", "4.2吨", ""),
    # a year range frames by its end year
    (NO_PAGE + "2014-2019年，全县累计退出贫困村96个，贫困发生率下降至0.6%。", "0.6%", "2019"),
    # 同年 and 次年 count from the year the paragraph stated
    (NO_PAGE + "2017年，全县建成光伏电站12座。次年，新增光伏电站8座。", "8座", "2018"),
]


@pytest.mark.parametrize(("text", "raw", "date"), FRAMES)
def test_framing_and_relative_dates(text: str, raw: str, date: str) -> None:
    assert _date_of(text, raw) == date


NOT_THE_DATE = [
    # a comparison base is not the figure's date
    (NO_PAGE + "2020年，全县粮食产量21万吨，比2015年增加3万吨。", "3万吨", "2020"),
    (NO_PAGE + "2019年，全县农民人均收入1.1万元，较2018年增长9.6%。", "9.6%", "2019"),
    (NO_PAGE + "截至2017年底，全县有贫困村46个。和2014年建档立卡初期相比，脱贫人口2.6万人。", "2.6万人", "2017"),
    (NO_PAGE + "截至2017年底，全县有贫困村46个。与2014年相比，贫困户减少1.1万户。", "1.1万户", "2017"),
    # from-to: each value has its own year; the start year does not date the end value
    (NO_PAGE + "截至2017年底，全县贫困发生率由2014年的16.1%降至0.63%。", "16.1%", "2014"),
    (NO_PAGE + "截至2017年底，全县贫困发生率由2014年的16.1%降至0.63%。", "0.63%", "2017"),
    (NO_PAGE + "农民人均纯收入从2015年的2980元增加到2020年的10740元。", "10740元", "2020"),
    # the date of an event (founded in, assigned in) frames nothing after it
    (NO_PAGE + "某县建政于1949年，辖8镇4乡。全县总人口28万人，耕地面积210万亩。", "210万亩", ""),
    # a now-word after a dated clause: the count is of now
    (NO_PAGE + "合作社于2012年注册成立，现有社员260余人。", "260余人", ""),
    (NO_PAGE + "该村2016年被列为贫困村，目前有脱贫户58户。", "58户", ""),
    (NO_PAGE + "2019年，她被吸纳到车间上班，现在每天能缝制17双手套，月收入1800多元。", "1800多元", ""),
    # a period with no single year resets the frame
    (NO_PAGE + "2016年以来，全省坚持整村搬迁。“十三五”期间，全省搬迁贫困人口36万人。", "36万人", ""),
    (NO_PAGE + "2019年，全县新建大棚300个。多年来，全县累计培训农民1.2万人次。", "1.2万人次", ""),
    (NO_PAGE + "2019年，全县新建大棚300个。近年来，全县新增家庭农场86家。", "86家", ""),
    # a framing date holds within its paragraph only
    (NO_PAGE + "2019年，全县新建大棚300个。\n全县有耕地52万亩。", "52万亩", ""),
]


@pytest.mark.parametrize(("text", "raw", "date"), NOT_THE_DATE)
def test_what_is_not_the_date(text: str, raw: str, date: str) -> None:
    assert _date_of(text, raw) == date


AFTER_AND_BREAKDOWN = [
    # a date after the figure in its own clause
    (NO_PAGE + "2019年末，全省贫困县减少到9个，71个贫困县于2020年底全部摘帽。", "71个", "2020"),
    (NO_PAGE + "2019年末，全省贫困县减少到9个，71个贫困县于2020年底全部摘帽。", "9个", "2019"),
    # a date in the next clause does not date the figure
    (NO_PAGE + "全县有贫困户1.2万户，2019年全部脱贫。", "1.2万户", ""),
    # 其中 breaks down the figure before it, so it takes that figure's date
    (PAGE + "记者了解到，截至4月底，全县发放贷款3200万元。其中，向820户发放2600万元。", "2600万元", "2021-04"),
    (NO_PAGE + "2020年全县脱贫1.5万人。其中易地搬迁脱贫4100人。", "4100人", "2020"),
]


@pytest.mark.parametrize(("text", "raw", "date"), AFTER_AND_BREAKDOWN)
def test_date_after_the_figure_and_breakdowns(text: str, raw: str, date: str) -> None:
    assert _date_of(text, raw) == date


TRADITIONAL = [
    ("某縣扶貧\n發佈時間:2019-10-16 來源:縣融媒體\n今年上半年,全縣貧困戶人均可支配收入6200元。", 6200, "2019"),
    ("富裕鄉建政於1956年,轄12個行政村。全鄉耕地面積8.2萬畝。", 82000, ""),
    ("截至2018年底,全縣建成食用菌園區98個,發展規模2萬畝。", 20000, "2018"),
    ("2019年,經動態調整,全縣退出19戶45人。", 45, "2019"),
    ("合作社於2015年成立,現擁有會員180人。", 180, ""),
]


@pytest.mark.parametrize(("raw_text", "value", "date"), TRADITIONAL)
def test_traditional_script(raw_text: str, value: float, date: str) -> None:
    text, _ = normalize_text(raw_text)
    doc = Document(doc_id="t", source="x.txt", format="txt", raw_text=raw_text, text=text)
    hits = [f for f in extract_figures(doc) if f.value == value]
    assert hits, [(f.value, f.unit) for f in extract_figures(doc)]
    assert hits[0].date == date


SUMMARIES = [
    # a year-end summary's heading names the year its undated figures hold for
    ("二〇一九年脱贫攻坚工作总结\n全县共有建档立卡贫困户2318户。", "2318户", "2019"),
    ("2020年工作总结暨2021年工作计划\n全年新识别贫困户49户。", "49户", "2020"),
    ("某镇2020年度乡村振兴工作总结\n今年，全镇新建村级光伏电站6座。", "6座", "2020"),
    # a government work report reviews the year before its heading: no default year
    ("2019年政府工作报告\n全县新增就业岗位3200个。", "3200个", ""),
    # a headline with one year (and no figure) dates the article's undated figures as a heading does
    ("2021年农民收入持续增长\n全县新增家庭农场86家。", "86家", "2021"),
]


@pytest.mark.parametrize(("text", "raw", "date"), SUMMARIES)
def test_summary_heading_year(text: str, raw: str, date: str) -> None:
    assert _date_of(text, raw) == date


MORE = [
    # month ranges after 今年 count from the page's year
    (PAGE + "今年1-5月，全县农产品网络零售额2.6亿元。", "2.6亿元", "2021"),
    (PAGE + "全县今年1至5月实现劳务收入4.2亿元。", "4.2亿元", "2021"),
    # 从…看 is judging from, not a starting point: its year dates the sentence and the paragraph
    (NO_PAGE + "从2021年开展的抽样回访看，受访的800户中满意的占96%。人均纯收入提高到9800元。", "9800元", "2021"),
    (NO_PAGE + "从2021年开展的抽样回访看，受访的800户中满意的占96%。", "96%", "2021"),
    # 从…起 is a starting point and frames nothing
    (NO_PAGE + "从2014年起，全县累计减贫4.3万人。", "4.3万人", ""),
]


@pytest.mark.parametrize(("text", "raw", "date"), MORE)
def test_month_ranges_and_judging_from(text: str, raw: str, date: str) -> None:
    assert _date_of(text, raw) == date


def test_page_date_in_a_line_normalization_dropped() -> None:
    """A byline with the date (本網記者 … 2021年7月16日 來源:…) is chrome for the normalized text; the date still
    counts, read from the text as extracted."""
    raw = "屏山縣荔枝豐收\n本網記者　王芳　２０２１年７月１６日　來源：鄉村故事網\n他家去年收入超過8萬元。"
    text = "屏山县荔枝丰收\n他家去年收入超过8万元。"
    doc = Document(doc_id="t", source="x.html", format="html", raw_text=raw, text=text)
    assert [f.date for f in extract_figures(doc) if f.value == 80000] == ["2020"]
    assert document_page_year(text, raw) == "2021"


@pytest.mark.parametrize(
    ("raw", "year"),
    [
        ("标题\n首页 > 新闻中心 > 县域动态 2019-03-12 来源:县政府\n正文去年收入8万元。", "2019"),
        ("標題\n發佈時間：２０２０年０５月２１日 13:40\n正文", "2020"),
        ("标题\n正文没有日期。", ""),
    ],
)
def test_document_page_year_reads_dropped_chrome(raw: str, year: str) -> None:
    assert document_page_year(normalize_text(raw)[0], raw) == year


SECTIONS = [
    # a heading with one year dates the undated figures of its section, until the next heading
    ("一、2019年主要工作\n全县新建村级光伏电站12座。\n新修通村公路86公里。", "86公里", "2019"),
    ("一、2019年主要工作\n全县新建光伏电站12座。\n二、存在问题\n仍有贫困户320户住房不达标。", "320户", ""),
    ("二、2020年工作打算\n力争新增就业岗位2000个。", "2000个", "2020"),
    # a date stated in the section still wins
    ("一、2019年主要工作\n截至2018年底，全县有贫困村48个。", "48个", "2018"),
    # not headings: a page's date line, a byline with a month, a headline reporting a figure, prose
    ("某县新闻\n2019年12月19日\n全县新建光伏电站12座。", "12座", ""),
    ("某县调研报告\n市委农办调研组 2022年3月\n全县总面积3430平方公里。", "3430平方公里", ""),
    ("2021年全县农民收入达18931元\n全县新增家庭农场86家。", "86家", ""),
    # a paragraph ending in a colon keeps its frame for the list under it
    ("2020年，全县脱贫攻坚取得新进展：\n减贫1.2万人；\n新建扶贫车间26个。", "26个", "2020"),
    ("2020年，全县脱贫攻坚取得新进展。\n新建扶贫车间26个。", "26个", ""),
]


@pytest.mark.parametrize(("text", "raw", "date"), SECTIONS)
def test_heading_years_and_lists(text: str, raw: str, date: str) -> None:
    assert _date_of(text, raw) == date


@pytest.mark.parametrize(
    ("line", "year"),
    [
        ("一、2019年主要工作", "2019"),
        ("（二）2020年脱贫攻坚成效", "2020"),
        ("二、存在问题", ""),
        ("“十三五”期间主要成效", ""),
        ("2020年工作总结暨2021年工作计划", ""),
        ("2019年12月19日", None),
        ("2021年全县农民收入达18931元", None),
        ("全县新建光伏电站12座，带动贫困户300户。", None),
    ],
)
def test_heading_year(line: str, year: str | None) -> None:
    assert heading_year(line) == year


def test_byline_month_is_the_page_year() -> None:
    text = "某县产业帮扶调查\n市委农办调研组 2022年3月\n今年，全县计划新建冷库6座。去年，全县新建冷库4座。"
    assert page_year(text) == "2022"
    assert _date_of(text, "4座") == "2021"
    assert page_year("某刊物\n科学导报 2019年8期\n正文") == ""
