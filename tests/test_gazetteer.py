"""Gazetteer: generated aliases, the bare-form stop list, lookups and longest-match scanning."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.gazetteer import Gazetteer, banner_abbreviations, generate_forms, strip_ethnic, strip_suffix

MODELS = Path(__file__).resolve().parents[1] / "models"


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    if not (MODELS / "gazetteer.tsv").exists():
        pytest.skip("models/gazetteer.tsv not built")
    return Gazetteer.load(MODELS)


@pytest.mark.parametrize(
    ("name", "level", "alias", "short"),
    [
        ("玉屏侗族自治县", "county", "玉屏县", "玉屏"),
        ("玉屏侗族自治县", "county", "玉屏自治县", "玉屏"),
        ("黔东南苗族侗族自治州", "prefecture", "黔东南州", "黔东南"),
        ("克孜勒苏柯尔克孜自治州", "prefecture", "克孜勒苏州", "克孜勒苏"),
        ("双江拉祜族佤族布朗族傣族自治县", "county", "双江县", "双江"),
        ("莫力达瓦达斡尔族自治旗", "county", "莫力达瓦旗", "莫力达瓦"),
        ("科尔沁右翼中旗", "county", "科右中旗", "科尔沁右翼中"),  # a banner by its wing and side
        ("科尔沁左翼后旗", "county", "科左后旗", "科尔沁左翼后"),
        ("土默特左旗", "county", "土左旗", "土默特左"),
        ("乌拉特前旗", "county", "乌前旗", "乌拉特前"),
    ],
)
def test_generated_forms(name: str, level: str, alias: str, short: str) -> None:
    aliases, shorts = generate_forms(name, level)
    assert alias in aliases
    assert short in shorts


@pytest.mark.parametrize(
    ("name", "short"),
    [("榕江县", "榕江"), ("广西壮族自治区", "广西"), ("内蒙古自治区", "内蒙古"), ("贵州省", "贵州")],
)
def test_bare_forms(name: str, short: str) -> None:
    level = "province" if name.endswith(("省", "自治区")) else "county"
    assert short in generate_forms(name, level)[1]


@pytest.mark.parametrize("name", ["科尔沁旗", "阿巴嘎旗", "榕江县", "左权县", "右玉县"])
def test_no_banner_abbreviation_without_a_side(name: str) -> None:
    assert banner_abbreviations(name) == []


def test_strip_helpers() -> None:
    assert strip_suffix("榕江县") == ("榕江", "县")
    assert strip_ethnic("内蒙古") == "内蒙古"  # would leave one char: kept whole
    assert strip_ethnic("黔东南苗族侗族") == "黔东南"


@pytest.mark.parametrize(
    ("form", "code"),
    [
        ("榕江县", "522632"),
        ("榕江", "522632"),
        ("玉屏县", "520622"),
        ("黔东南州", "522600"),
        ("襄樊市", "420600"),  # former name from the dated rename list
        ("平泉县", "130881"),  # county upgraded to a city
    ],
)
def test_lookup(gaz: Gazetteer, form: str, code: str) -> None:
    assert code in [e.adcode for e in gaz.lookup(form)]


@pytest.mark.parametrize("bare", ["合作", "和平", "通道", "城关", "资源", "全州"])
def test_ordinary_words_are_not_bare_aliases(gaz: Gazetteer, bare: str) -> None:
    assert gaz.lookup(bare) == []


def test_entry_chain(gaz: Gazetteer) -> None:
    e = gaz.by_code("520622")
    assert e.name == "玉屏侗族自治县" and e.level == "county"
    assert e.province == "贵州省" and e.prefecture == "铜仁市"
    assert [a.adcode for a in gaz.ancestors(e)] == ["520600", "520000"]


def test_no_development_zones(gaz: Gazetteer) -> None:
    assert not [c for c in gaz.entries if "71" <= c[4:6] <= "76" and gaz.entries[c].level == "county"]
    assert len([e for e in gaz.entries.values() if e.level == "county"]) > 2800


def test_match_longest(gaz: Gazetteer) -> None:
    ms = gaz.match("贵州省黔东南苗族侗族自治州榕江县")
    assert [m.text for m in ms] == ["贵州省", "黔东南苗族侗族自治州", "榕江县"]


@settings(max_examples=50, deadline=None)
@given(st.text(alphabet="榕江县贵州省黔东南州和合作市的是", max_size=40))
def test_match_spans_are_ordered_and_disjoint(gaz: Gazetteer, text: str) -> None:
    ms = gaz.match(text)
    for a, b in itertools.pairwise(ms):
        assert a.end <= b.start
    for m in ms:
        assert text[m.start : m.end] == m.text and m.entries


def test_build_roundtrip(tmp_path: Path) -> None:
    from pipeline.gazetteer import build_gazetteer

    path = build_gazetteer(tmp_path, None)
    g = Gazetteer.load(tmp_path)
    assert path.exists() and (tmp_path / "gazetteer.meta.json").exists()
    assert g.by_code("522632").name == "榕江县"
