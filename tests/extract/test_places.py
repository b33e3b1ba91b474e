"""Place extraction: context filters, ambiguity resolution, focal county, and the seed gold."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from pipeline.extract.places import extract_places
from pipeline.gazetteer import Gazetteer
from pipeline.io.rows import place_rows
from pipeline.model import DocResult, Document

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT / "../shared"


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    if not (ROOT / "models/gazetteer.tsv").exists():
        pytest.skip("models/gazetteer.tsv not built")
    return Gazetteer.load(ROOT / "models")


def _doc(text: str, title: str = "") -> Document:
    return Document(doc_id="t", source="", format="txt", raw_text=text, text=text, title=title)


def _codes(gaz: Gazetteer, text: str) -> set[str]:
    return {p.adcode for p in extract_places(_doc(text), gaz)}


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("贵州省黔东南州榕江县推进产业发展。", "522632"),
        ("玉屏侗族自治县位于贵州东部。", "520622"),
        ("福建省鼓楼区鼓楼医院", "350102"),
        ("南京鼓楼区", "320106"),
        ("陕西留坝县创新试点", "610729"),
        ("安徽省马鞍山市和县", "340523"),
    ],
)
def test_found(gaz: Gazetteer, text: str, code: str) -> None:
    assert code in _codes(gaz, text)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("发展农民专业合作社，壮大合作市场。", "623001"),  # 合作市
        ("县委和县政府高度重视。", "340523"),  # 和县
        ("老解放区的教育工作", "410802"),  # 解放区 as an ordinary word
        ("发展新民主主义经济", "210181"),  # 新民
        ("鼓楼区", "350102"),  # ambiguous without context: dropped
    ],
)
def test_rejected(gaz: Gazetteer, text: str, code: str) -> None:
    assert code not in _codes(gaz, text)


def test_bare_form_needs_context(gaz: Gazetteer) -> None:
    assert "522601" not in _codes(gaz, "凯里学院的老师")
    text = "贵州省黔东南州凯里市。凯里的学校和榕江县。"
    places = {p.adcode: p for p in extract_places(_doc(text), gaz)}
    assert places["522601"].mentions == 2


def test_focal_by_anaphora_and_title(gaz: Gazetteer) -> None:
    text = "榕江县的做法\n岑巩县也有经验。榕江县委县政府推动改革，该县成立合作社，全县增收。"
    places = {p.adcode: p for p in extract_places(_doc(text, title="榕江县的做法"), gaz)}
    assert places["522632"].focal
    assert not places["522626"].focal


def test_rows_use_raw_offsets(gaz: Gazetteer) -> None:
    doc = _doc("  贵州省榕江县")
    rows = place_rows(DocResult(doc=doc, places=extract_places(doc, gaz)))
    county = next(r for r in rows if r["adcode"] == "522632")
    assert doc.raw_text[county["start"] : county["end"]] == "榕江县"
    assert county["canonical"] == "榕江县" and county["level"] == "county"
    assert county["prefecture"] == "黔东南苗族侗族自治州"


def _seed_docs(make_doc: Callable[..., Document]) -> list[tuple[Document, dict]]:
    gold_dir = SHARED / "gold"
    if not gold_dir.is_dir():
        pytest.skip("../shared not available")
    out = []
    for g in sorted(gold_dir.glob("*.json")):
        seed = SHARED / "corpus/seeds" / f"{g.stem}.txt"
        if seed.exists():
            raw = seed.read_text(encoding="utf-8")
            doc = make_doc(raw, g.stem, source=str(seed), structured=False)
            out.append((doc, json.loads(g.read_text(encoding="utf-8"))))
    return out


def test_seed_gold(gaz: Gazetteer, make_doc: Callable[..., Document]) -> None:
    """Focal recall 1.0, county precision 1.0, no not_places on the development seeds."""
    for doc, gold in _seed_docs(make_doc):
        places = extract_places(doc, gaz)
        focal = {p.adcode for p in places if p.focal}
        gold_focal = {g["adcode"] for g in gold.get("focal_counties", [])}
        assert gold_focal <= focal, doc.doc_id
        allowed = gold_focal | set(gold.get("allowed_counties", []))
        assert {p.adcode for p in places if p.level == "county"} <= allowed, doc.doc_id
        for bad in gold.get("not_places", []):
            assert not any(bad in p.name or p.name in bad for p in places), (doc.doc_id, bad)


def test_peer_location_pairs(gaz: Gazetteer) -> None:
    """cpca transform / jionlp parse_location pairs in our scope (mainland units): pinned floor."""
    path = SHARED / "external/peer_tests/peer_pairs.jsonl"
    if not path.exists():
        pytest.skip("peer pairs not available")
    n = ok = 0
    for line in path.read_text(encoding="utf-8").splitlines():
        c = json.loads(line)
        if (c["source"], c["task"]) not in {("cpca", "transform"), ("jionlp", "parse_location")}:
            continue
        exp = c.get("expected")
        if not isinstance(c["input"], str) or not exp:
            continue
        places = extract_places(_doc(c["input"]), gaz)
        names = {p.canonical for p in places}
        codes = {p.adcode for p in places}
        if exp.get("county") and exp["county"] != "市辖区":
            good = exp["adcode"] in codes if exp.get("adcode") else exp["county"] in names
        elif exp.get("city") and exp["city"] != "市辖区":
            good = exp["city"] in names or exp["province"] in names
        elif exp.get("province"):
            good = exp["province"] in names
        else:
            good = not places
        n += 1
        ok += good
    assert n >= 40
    assert ok / n >= 0.8


def test_roll_call_has_no_focal(gaz: Gazetteer) -> None:
    text = (
        "黔东南州统计公报\n全州增长。凯里市增长5%，黄平县增长4%，施秉县增长3%，"
        "三穗县增长2%，镇远县增长1%，岑巩县增长6%。"
    )
    places = extract_places(_doc(text), gaz)
    assert len([p for p in places if p.level == "county"]) == 6
    assert not [p for p in places if p.focal]


def _focal(gaz: Gazetteer, text: str, title: str = "") -> set[str]:
    return {p.adcode for p in extract_places(_doc(text, title=title), gaz) if p.focal}


# Short pages naming their county once or twice: in the title, in a byline, by a one-character stem, by the
# short form of an autonomous county, by an ordinary-word stem. Sentences written for these tests.
@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("农商行威县支行发放贷款\n\n今年以来，威县支行累计发放扶贫贷款2.3亿元，支持威县养殖项目。", "130533"),
        ("平和县推进蜜柚产业\n今年来，平和县推行“公司+基地+贫困户”模式，带动1200户增收。", "350628"),
        ("互助县建成电商服务站\n\n互助县已建成村级服务点180个，带动贫困户增收。", "630223"),
        ("道县推进光伏扶贫\n道县建成村级光伏电站60座，每村年增收3万元。", "431124"),
        ("山西兴县推广造林合作社\n\n兴县组建造林合作社80个，吸纳贫困劳力2000人。", "141123"),
        ("内蒙古科尔沁左翼后旗发展肉牛产业，牧民人均增收3000元。", "150522"),
        ("那曲市安多县易地搬迁\n\n安多县建成安置小区3个，搬迁群众1500人。", "540624"),
        ("内蒙古科右中旗发展肉牛产业\n科右中旗组建养殖合作社200家，带动1万余户增收。", "152222"),  # abbreviated banner
        ("嘉鱼：农商行助力养殖户渡难关\n农商行向32户养殖户发放贷款57万元。", "421221"),  # a dateline, bare
        ("推进林下经济发展\n林下种植天麻，群众收入稳定增长。（作者单位：剑河县农业农村局）", "522629"),  # byline only
    ],
)
def test_focal_on_short_pages(gaz: Gazetteer, text: str, code: str) -> None:
    assert code in _focal(gaz, text)


# Substring traps: a county's name inside prose, another name, a breed, a title, or the province's nickname.
@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("市和县两级财政安排资金500万元，乡镇和县直部门分工负责。", "340523"),  # 和县: a conjunction
        ("全州县市都要建立产业基金，州委州政府统筹推进。", "450324"),  # 全州县: every county of the prefecture
        ("全州县、乡、村三级书记一起抓产业。", "450324"),  # 全州 + the levels 县、乡、村
        ("全州县（市）农民收入增长较快。", "450324"),  # 全州 + 县（市）
        ("全州县级以上医院新增床位800张。", "450324"),  # 全州 + 县级
        ("全州县域经济总量增长6%。", "450324"),  # 全州 + 县域
        ("发展当代县域经济，打造十佳县和示范县。", "140923"),  # 代县 in 当代县域
        ("发展当代县域经济，打造十佳县和示范县。", "610828"),  # 佳县 in 十佳县
        ("发展当代县域经济，打造十佳县和示范县。", "410926"),  # 范县 in 示范县
        ("海南省白沙黎族自治县，白沙县委书记到村调研。", "350405"),  # 沙县 inside 白沙县
        ("内蒙古科尔沁左翼后旗的牧民养殖“科尔沁”黄牛3万头。", "150502"),  # the breed, not 科尔沁区
        ("黑龙江省兰西县组织企业参加龙江年货大集，上线“小康龙江”平台。", "230221"),  # the province's nickname
        ("西藏自治区安多县的群众表演了《芒康弦子》等舞蹈。", "540328"),  # a dance's name
        ("陕西省榆林市佳县，村民李兰西说收入翻了一番。", "231222"),  # a person's name ending in 兰西
        ("吉林省伊通满族自治县河南屯的村民发展肉牛养殖，河南屯今年增收。", "410000"),  # a hamlet, not 河南
        ("湖北省蕲春县入选阿里研究院名单，依托阿里平台销售艾草。", "542500"),  # a company, not 阿里地区
        ("湖北省蕲春县与阿里巴巴合作，艾草线上销售额1.2亿元。", "542500"),  # a dictionary word it opens
    ],
)
def test_substring_traps(gaz: Gazetteer, text: str, code: str) -> None:
    assert code not in _codes(gaz, text)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("工行邢台分行和威县签订协议，由该行威县支行投放4亿元，用于威县道路改造。", "130500"),
        ("来源：中国江西网\n芦溪县推进产业扶贫，芦溪县建成基地20个。", "360000"),
        ("辽宁省法库县与沈阳农业大学合作，法库县建成示范基地。", "210100"),
        ("吉林省金控集团支持伊通满族自治县发展产业。", "220000"),
        ("杭州西湖_fororder_banner2.jpg\n江西省芦溪县推进产业扶贫，芦溪县建成基地20个。", "330100"),  # an image name
    ],
)
def test_places_only_in_organisation_names_are_not_listed(gaz: Gazetteer, text: str, code: str) -> None:
    assert code not in _codes(gaz, text)


def test_organisation_names_still_count_for_the_focal_county(gaz: Gazetteer) -> None:
    text = "农行威县支行创新扶贫模式\n\n威县支行累计发放贷款6亿元，威县支行带动贫困户2100户。"
    assert "130533" in _focal(gaz, text)


def test_longest_match_wins(gaz: Gazetteer) -> None:
    places = {p.adcode: p for p in extract_places(_doc("海南省白沙黎族自治县，白沙县委部署产业扶贫。"), gaz)}
    assert "469025" in places and "350405" not in places


def test_a_prefecture_report_citing_one_county_has_no_focal(gaz: Gazetteer) -> None:
    text = "宿迁市小额贷款居全省第一\n江苏省宿迁市发放小额贷款7.1亿元，宿迁市6.1万农户受益，其中泗洪县2.3亿元。"
    assert _focal(gaz, text) == set()


def test_quanzhou_county_still_found_in_a_list_of_counties(gaz: Gazetteer) -> None:
    """The real 全州县 (Guangxi) listed with its neighbours is still a county."""
    assert "450324" in _codes(gaz, "全州县、兴安县、灌阳县共建柑橘基地1.2万亩。")


def test_file_name_check_reaches_as_far_as_the_token() -> None:
    from pipeline.extract.places import _in_file_name, _token_at

    name = "芦溪县"
    near = "图片" + name + "_fororder_banner2.jpg 芦溪县推进产业扶贫。"
    s = near.index(name)
    assert _in_file_name(near, s, s + len(name))
    far = name + "推进产业扶贫" * 12 + "_x.jpg"  # an underscore past the token's 60-character reach
    assert not _in_file_name(far, 0, len(name)) and "_" not in _token_at(far, 0, len(name))
    spaced = name + "推进产业扶贫 a_b.jpg"  # an underscore in the next token
    assert not _in_file_name(spaced, 0, len(name))
    assert not _in_file_name(name + "推进产业扶贫。", 0, len(name))
