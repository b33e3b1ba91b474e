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
