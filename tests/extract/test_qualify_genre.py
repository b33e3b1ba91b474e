"""Per and status as county reports write them: per-unit amounts, plans, expectations and suppositions, in both
scripts (sentences written here; traditional-script text is normalised to simplified before extraction)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from pipeline.extract.figures import extract_figures
from pipeline.extract.qualify import qualify_figures
from pipeline.model import Document, Figure


def _figure(make_doc: Callable[..., Document], text: str, raw: str) -> Figure:
    doc = make_doc(text, "q", structured=False)
    figs = qualify_figures(doc, extract_figures(doc))
    hits = [f for f in figs if raw in doc.text[f.mention.start : f.mention.end]]
    assert hits, f"no figure {raw!r} in {[doc.text[f.mention.start : f.mention.end] for f in figs]}"
    return hits[0]


GENRE_CASES = [
    # per
    ("合作社每年给入股农户每户分红800元。", "800元", "户", "actual"),
    ("入股贫困户一户一年可分红1200元。", "1200元", "户", "projected"),
    ("去年全村年人均纯收入达到9800元。", "9800元", "人", "actual"),
    ("参与务工的村民户年均增收6000余元。", "6000", "户", "actual"),
    ("流转土地的农户平均每户增收3500元。", "3500元", "户", "actual"),
    ("公益岗位人员每人每月补贴800元。", "800元", "人", "actual"),
    ("种植户人均增收2100元，户均增收7300元。", "7300元", "户", "actual"),
    ("种植户人均增收2100元，户均增收7300元。", "2100元", "人", "actual"),
    ("入股村集体户均分红1500元。", "1500元", "户", "actual"),
    ("合作社每亩地支付租金600元。", "600元", "亩", "actual"),
    ("核桃基地亩产值达到5000元。", "5000元", "亩", "actual"),
    ("对养殖户每只羊补贴200元。", "200元", "只", "actual"),
    ("每股分红120元。", "120元", "股", "actual"),
    ("按每人每年1000元的标准发放生活补助。", "1000元", "人", "actual"),
    ("按每人每年1000元标准发放生活补助，共发放资金60万元。", "60万元", "", "actual"),
    ("保费为每人每年180元/人·年。", "180元", "人", "actual"),
    ("一年下来每户可增收4000元。", "4000元", "户", "projected"),
    ("村集体每年可获得收益15万元。", "15万元", "", "projected"),
    ("全村80户贫困户每年每户分红不低于1000元。", "1000元", "户", "actual"),
    ("茶叶村平均面积达1200亩。", "1200亩", "村", "actual"),
    ("专业户户平种茶8亩。", "8亩", "户", "actual"),
    ("贫困户人平增收1800元。", "1800元", "人", "actual"),
    ("每年为贫困户提供就业岗位600个。", "600个", "", "actual"),
    ("全县人均耕地面积1.2亩，共有贫困人口3.2万人。", "3.2万人", "", "actual"),
    ("人均收入低于4000元的农户有120户。", "120户", "", "actual"),
    ("每年培训农民5000人次。", "5000人次", "", "actual"),
    ("79户农民领取了共计46万元的个人分红。", "46万元", "", "actual"),
    ("合作社带动种植户户均增收，其中养殖大户收入10万元。", "10万元", "", "actual"),
    ("每头牛每年饲养成本约3000元。", "3000元", "头", "actual"),
    # 繁體
    ("每戶每年分紅1500元。", "1500元", "户", "actual"),
    ("合作社戶均分紅達2000元。", "2000元", "户", "actual"),
    ("每畝茶園年產值達8000元。", "8000元", "亩", "actual"),
    ("社員年人均增收3000多元。", "3000", "人", "actual"),
    ("一隻羊出欄可賣1500元。", "1500元", "只", "actual"),
    # status: targets
    ("力争到2025年全县农民人均可支配收入达到2万元。", "2万元", "人", "target"),
    ("计划今年新建蔬菜大棚300座。", "300座", "", "target"),
    ("年底前完成危房改造1200户。", "1200户", "", "target"),
    ("全年目标是新增就业岗位3000个。", "3000个", "", "target"),
    ("确保今年贫困人口全部脱贫，减贫人口5000人。", "5000人", "", "target"),
    ("今年全镇要完成土地流转5000亩。", "5000亩", "", "target"),
    ("今年底，全镇所有村集体经济收入达到20万元。", "20万元", "村", "target"),
    ("2016年底前期入股的38户贫困户获得分红1.04万元。", "1.04万元", "", "actual"),
    ("2016年底前期入股的38户贫困户获得分红1.04万元。", "38户", "", "actual"),
    ("计划到2020年，贫困村集体经济收入均达到5万元以上。", "5万元", "村", "target"),
    ("目标任务是：全县农民人均可支配收入增长10%；新增贫困户小额贷款1.5亿元。", "1.5亿元", "", "target"),
    ("主要预期目标是：地区生产总值增长8%；一般公共预算收入增长6%。", "6%", "", "target"),
    # projected
    ("预计今年全县食用菌产值可达2亿元。", "2亿元", "", "projected"),
    ("该项目投产后年产值可达1.2亿元。", "1.2亿元", "", "projected"),
    ("达产后可实现年销售收入5000万元。", "5000万元", "", "projected"),
    ("扶贫车间建成后将带动200人就业。", "200人", "", "projected"),
    ("项目有望带动农户增收300万元。", "300万元", "", "projected"),
    ("届时全村人均收入将突破1万元。", "1万元", "人", "projected"),
    ("估计明年9月份可产生收益300万元。", "300万元", "", "projected"),
    ("同时可拉动该村150余人就业。", "150余人", "", "projected"),
    ("预计：全县地区生产总值达到109亿元；农村居民可支配收入14186元。", "14186元", "", "projected"),
    ("从明年起每户每年均可获得固定收益5000元。", "5000元", "户", "target"),
    # 繁體
    ("項目建成後,預計年產值達3000萬元。", "3000万元", "", "projected"),
    ("預計可帶動貧困戶120戶。", "120户", "", "projected"),
    ("計劃年底前建成大棚50座。", "50座", "", "target"),
    # hypothetical
    ("按每亩产量400斤、每斤30元计算，每亩收入12000元。", "12000元", "亩", "hypothetical"),
    ("以每户增收3000元计，全村可增收30万元。", "30万元", "", "hypothetical"),
    ("如果每户养羊20只，一年可增收1万元。", "1万元", "", "hypothetical"),
    ("算下来，一亩地能多挣2000元。", "2000元", "亩", "actual"),
    # traps: actual
    ("全县实施雨露计划培训1200人。", "1200人", "", "actual"),
    ("全县将符合条件的3200名贫困人口纳入低保。", "3200名", "", "actual"),
    ("乡村振兴计划实施以来，全县累计投入资金2亿元。", "2亿元", "", "actual"),
    ("截至目前已完成投资3200万元。", "3200万元", "", "actual"),
    ("去年计划投资5000万元，实际完成投资5200万元。", "5200万元", "", "actual"),
    ("人均纯收入\n一、基本情况\n全县共有贫困户3000户。", "3000户", "", "actual"),
    ("计划单列市帮扶资金800万元已到位。", "800万元", "", "actual"),
    ("将村集体经济收入50万元全部用于分红。", "50万元", "", "actual"),
    # the cue ends inside the figure's own text (将|达到, 可|达)
    ("到2017年，全县食用菌基地面积将达到3.2万亩。", "3.2万亩", "", "target"),
    ("至2017年，基地面积将达到3.2万亩，生产总值达到28.8亿元，户均增收2万余元。", "28.8亿元", "", "target"),
    ("至2017年，基地面积将达到3.2万亩，生产总值达到28.8亿元，户均增收2万余元。", "2万余元", "户", "target"),
    ("合作社农户每户年收入可达1万元。", "1万元", "户", "projected"),
    ("新建的冷库将达到5000吨储量。", "5000吨", "", "projected"),
    ("15个村年经常性收入超百万元。", "百万元", "村", "actual"),
    ("全县村集体经济收入达到500万元。", "500万元", "", "actual"),
    ("各村集体经济收入均超过10万元。", "10万元", "村", "actual"),
    ("每亩地折合入股资金800元、800股。", "800股", "亩", "actual"),
    ("今年将有1.2万人实现脱贫。", "1.2万人", "", "target"),
    ("明年全县将建成冷库5座。", "5座", "", "target"),
    ("预计明年可实现产值2000万元。", "2000万元", "", "projected"),
    ("到2025年，预计全县茶园面积达到30万亩。", "30万亩", "", "projected"),
    ("为22个村增加集体经济收入129.9万元。", "129.9万元", "", "actual"),
    ("仍有41个村集体经济年收入低于5万元。", "5万元", "村", "actual"),
    ("熟练绣娘每月收入可达3000元。", "3000元", "", "projected"),
    ("门诊治疗的，报销剩余可报销费用的90%。", "90%", "", "actual"),
    ("修建四合院，划定可容纳24户的区域。", "24户", "", "actual"),
    ("当年即可获利4万元。", "4万元", "", "actual"),
    ("一只羊出栏可卖1500元。", "1500元", "只", "actual"),
    ("今年，某区将投入2.01亿元建设村级电站。", "2.01亿元", "", "target"),
    ("今年将新建联村电站10座；新建村级电站30座。", "30座", "", "target"),
    ("2017年全县将继续投入扶贫资金495万元。", "495万元", "", "target"),
    ("电站并网后，收益可量化给5789户贫困户，户均年增收3000元。", "3000元", "户", "projected"),
    ("项目可为14个贫困村每个村增加集体经济收入8万元。", "8万元", "村", "projected"),
    ("今年年内建成口粮棚80栋。", "80栋", "", "target"),
    ("预计今年生产总值比去年增长8%。", "8%", "", "projected"),
    ("按2010年不变价计算，全县农民人均纯收入达到8000元。", "8000元", "人", "actual"),
    ("按照现行标准2300元计算，全县贫困人口减少到1.2万人。", "1.2万人", "", "actual"),
    ("按照每亩种植1200棵，每棵第一年收入2元计算，每亩预计收入2400元。", "2400元", "亩", "hypothetical"),
    ("按照每亩种植1200棵，每棵第一年收入2元计算，每亩预计收入2400元。", "1200棵", "亩", "hypothetical"),
    ("按照每亩种植1200棵，每棵第一年收入2元计算，每亩预计收入2400元。", "2元", "棵", "hypothetical"),
    ("2018年，农村居民人均可支配收入达到30795元，比2017年增加2594元。", "2594元", "人", "actual"),
    ("人均工资性收入16729元，比上年增加1141元。", "1141元", "人", "actual"),
    ("2018年将要摘帽280个县左右。", "280个", "", "projected"),
    # 繁體, read after the text is normalised to simplified script
    ("今年將有3000人告別貧困。", "3000人", "", "target"),
    ("所有村集體經濟收入達到20萬元。", "20万元", "村", "actual"),
    ("專業戶戶平種茶6畝。", "6亩", "户", "actual"),
    ("按每畝產量500斤、每斤20元計算，每畝收入1萬元。", "1万元", "亩", "hypothetical"),
    ("預計明年可帶動農戶300戶。", "300户", "", "projected"),
    ("2016年底前期入股的貧困戶獲得分紅2萬元。", "2万元", "", "actual"),
    ("預計：全縣生產總值達到80億元；農村居民可支配收入12000元。", "12000元", "", "projected"),
    ("確保今年完成搬遷800戶，建成安置房800套。", "800套", "", "target"),
    ("光伏扶貧項目可為12個貧困村每個村增加集體經濟收入6萬元。", "6万元", "村", "projected"),
    ("今年，該區將新建光伏電站10座；新建村級電站20座。", "20座", "", "target"),
    ("2018年全縣將投入資金3000萬元；去年已投入資金2000萬元。", "2000万元", "", "actual"),
    ("按照每畝種植椿樹1000棵計算，每畝預計收入2000元。", "2000元", "亩", "hypothetical"),
    ("人均可支配收入12000元，比上年增加900元。", "900元", "人", "actual"),
]


@pytest.mark.parametrize(("text", "raw", "per", "status"), GENRE_CASES)
def test_per_and_status_in_the_genre(
    make_doc: Callable[..., Document], text: str, raw: str, per: str, status: str
) -> None:
    f = _figure(make_doc, text, raw)
    assert (f.per, f.status) == (per, status)


PLAN_DOC = (
    "某县脱贫攻坚工作规划\n"
    "目标任务是：到2020年，农村居民人均可支配收入达到9000元；全县1.2万户贫困户全部脱贫。"
    "其中，2018年完成40个村退出。\n"
)
REVIEW_IN_PLAN = "某县乡村振兴工作规划\n一、基本情况\n全县有贫困村30个。\n二、发展目标\n新增贫困村退出20个。\n"


@pytest.mark.parametrize(
    ("doc", "raw", "status"),
    [(PLAN_DOC, "9000元", "target"), (PLAN_DOC, "1.2万户", "target"), (PLAN_DOC, "40个", "target"),
     (REVIEW_IN_PLAN, "30个", "actual"), (REVIEW_IN_PLAN, "20个", "target")],
)  # fmt: skip
def test_a_plan_title_frames_its_article(make_doc: Callable[..., Document], doc: str, raw: str, status: str) -> None:
    d = make_doc(doc, "plan")
    figs = qualify_figures(d, extract_figures(d))
    (f,) = [f for f in figs if raw in d.text[f.mention.start : f.mention.end]]
    assert f.status == status


@pytest.mark.parametrize(
    ("text", "raw", "status"),
    [("预计：生产总值增长8%；财政收入3亿元；农民收入1.5万元。", "1.5万元", "projected"),
     ("主要目标：新建大棚300个；新增就业500人。", "500人", "target"),
     ("预计生产总值增长8%；去年财政收入3亿元。", "3亿元", "actual"),
     ("计划新建大棚300个；去年已建成大棚120个。", "120个", "actual")],
)  # fmt: skip
def test_a_colon_list_is_framed_to_the_full_stop(
    make_doc: Callable[..., Document], text: str, raw: str, status: str
) -> None:
    assert _figure(make_doc, text, raw).status == status
