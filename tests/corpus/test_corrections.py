"""The corrections file: rows checked with file and line, rules applied to typed records (never in place)."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from pipeline.corpus.build import build_corpus
from pipeline.corpus.compare import compare_counties, table_total
from pipeline.corpus.corrections import (
    Correction,
    CorrectionsError,
    CountyRef,
    apply_corrections,
    load_corrections,
    merge_targets,
    parse_corrections,
)
from pipeline.corpus.practice_index import practice_index
from pipeline.extract.figures import SOURCE_TABLE
from pipeline.io import rows
from pipeline.learn.indicators import IndicatorMapper, load_mapper
from pipeline.model import DocResult
from tests.records import clause, figure, link, measure, place, result

MODELS = Path(__file__).resolve().parents[2] / "models"
INDICATORS = ["建档立卡贫困户", "分红", "产值", "发放贷款"]
UNITS = {"建档立卡贫困户": ("户",), "分红": ("元",), "产值": ("元",), "发放贷款": ("元",)}
COUNTIES = {
    "黎平县": [CountyRef("522631", "黎平县", "贵州省", "黔东南苗族侗族自治州")],
    "522631": [CountyRef("522631", "黎平县", "贵州省", "黔东南苗族侗族自治州")],
    "榕江县": [CountyRef("522632", "榕江县", "贵州省", "黔东南苗族侗族自治州")],
    "朝阳县": [CountyRef("211321", "朝阳县", "辽宁省", "朝阳市"), CountyRef("220104", "朝阳区", "吉林省", "长春市")],
}


def find(name: str) -> list[CountyRef]:
    return COUNTIES.get(name, [])


def parse(body: str) -> list[Correction]:
    return parse_corrections("action,name,into,note\n" + body, "c.csv", INDICATORS, find)


@pytest.fixture(scope="module")
def mapper() -> IndicatorMapper:
    return load_mapper(MODELS)


def corpus() -> list[DocResult]:
    """Two invented reports: 黎平 with two spellings of a practice, a false practice and a false place."""
    p1, p2 = measure("a", "合作联营", county_code="522631"), measure("a", "合作联营模式", start=5, county_code="522631")
    bad = measure("a", "放大招", start=9, county_code="522631")
    f1 = figure("a", "累计带动贫困户", 6800, "户", start=20, county_code="522631", date="2020")
    f2 = figure("a", "茶叶综合收入", 3.2e7, "元", start=30, county_code="522631", date="2020")
    f3 = figure("a", "茶园面积", 3000, "亩", start=40, county_code="522631")
    a = result(
        "a",
        places=[place("a", "522631", "黎平县"), place("a", "000000", "古苗河", level="village", focal=False)],
        figures=[f1, f2, f3],
        measures=[p1, p2, bad],
        links=[link(p1, f1), link(bad, f2)],
        clauses=[clause("a", "供给型", "资金投入")],
    )
    for c in a.clauses:
        c.county_code = "522631"
    b = result("b", places=[place("b", "522631", "黎平县")], measures=[measure("b", "合作联营", county_code="522631")])
    return [a, b]


# --- reading --------------------------------------------------------------------------------------------------------


def test_rows_become_typed_rules_in_simplified_script() -> None:
    rules = parse(
        "merge,合作聯營模式,合作联营,variant\nreject,放大招,practice,\nindicator,茶叶综合收入,产值,\ncounty,a#2,黎平县,\n"
    )
    assert [(r.action, r.name, r.into, r.line) for r in rules] == [
        ("merge", "合作联营模式", "合作联营", 2),
        ("reject", "放大招", "practice", 3),
        ("indicator", "茶叶综合收入", "产值", 4),
        ("county", "a#2", "黎平县", 5),
    ]
    assert rules[0].note == "variant" and rules[3].county == COUNTIES["黎平县"][0]
    assert (rules[3].doc_id, rules[3].article) == ("a", 2)
    county_of_path = parse("county,govdoc/397,522631,\n")[0]
    assert (county_of_path.doc_id, county_of_path.article) == ("govdoc/397", None)


@pytest.mark.parametrize(
    ("body", "line", "needle"),
    [
        ("mrege,合作联营模式,合作联营,\n", 2, "unknown action 'mrege' (use one of merge, reject, indicator, county)"),
        ("merge,合作联营模式,,\n", 2, "merge of '合作联营模式' without into"),
        ("reject,,practice,\n", 2, "reject without a name"),
        ("merge,a,b,\nindicator,茶叶综合收入,茶叶产值,\n", 3, "unknown indicator '茶叶产值'"),
        ("indicator,茶叶综合收入,,\n", 2, "without into"),
        ("reject,放大招,measure,\n", 2, "unknown kind 'measure'"),
        ("county,a,不存在县,\n", 2, "unknown county '不存在县'"),
        ("county,a,朝阳县,\n", 2, "'朝阳县' names 2 counties"),
        ("county,a,,\n", 2, "county rule without into"),
        ("merge,甲,乙,\nmerge,甲,丙,\n", 3, "merge of '甲' contradicts line 2"),
        ("merge,甲,乙,\nmerge,乙,甲,\n", 2, "merge cycle 甲 → 乙 → 甲"),
        ("reject,甲,place,\nreject,甲,place,\n", 3, "reject of '甲' repeats line 2"),
        ("merge,甲,乙,\nreject,乙,,\n", 2, "merge into '乙', which line 3 rejects"),
        ("merge,甲,甲,\n", 2, "into itself"),
    ],
)
def test_bad_rows_name_the_file_and_line(body: str, line: int, needle: str) -> None:
    with pytest.raises(CorrectionsError) as err:
        parse(body)
    assert f"c.csv, line {line}: " in str(err.value)
    assert needle in str(err.value)


def test_header_and_file_errors(tmp_path: Path) -> None:
    with pytest.raises(CorrectionsError, match=r"c.csv, line 1: header 'action,name' lacks the column\(s\) into"):
        parse_corrections("action,name\nmerge,a\n", "c.csv")
    bad = tmp_path / "corrections.csv"
    bad.write_bytes("action,name,into\nmerge,甲,乙\n".encode("gbk"))
    with pytest.raises(CorrectionsError, match="not UTF-8 text"):
        load_corrections(bad)
    good = tmp_path / "c2.csv"
    good.write_text("\ufeff# our fixes\naction,name,into,note\n\nmerge,甲,乙,\n", encoding="utf-8")
    (rule,) = load_corrections(good)
    assert (rule.name, rule.into, rule.line, rule.where) == ("甲", "乙", 4, f"{good}, line 4")
    assert parse_corrections("", "c.csv") == []


def test_an_unquoted_comma_stays_in_the_note() -> None:
    (rule,) = parse("reject,主要指标变化,practice,a table heading, not a practice\n")
    assert (rule.into, rule.note) == ("practice", "a table heading, not a practice")


def test_one_name_may_be_rejected_as_two_kinds() -> None:
    assert [r.into for r in parse("reject,甲,place,\nreject,甲,figure,\n")] == ["place", "figure"]


def test_merge_chains_are_followed() -> None:
    assert merge_targets(parse("merge,甲,乙,\nmerge,乙,丙,\nmerge,丁,丙,\n")) == {"甲": "丙", "乙": "丙", "丁": "丙"}


# --- applying -------------------------------------------------------------------------------------------------------


def test_merge_and_reject_apply_to_new_records_only() -> None:
    before = corpus()
    snapshot = copy.deepcopy(before)
    rules = parse(
        "merge,合作联营模式,合作联营,\nreject,放大招,,\nreject,古苗河,place,not a village\nreject,茶园面积,,\n"
    )
    after, report = apply_corrections(before, rules, UNITS)
    a = after[0]
    assert [m.name for m in a.measures] == ["合作联营", "合作联营"]
    assert a.measures[1].aliases == ["合作联营模式"]
    assert [p.name for p in a.places] == ["黎平县"]
    assert [f.indicator for f in a.figures] == ["累计带动贫困户", "茶叶综合收入"]
    assert [lk.practice.name for lk in a.links] == ["合作联营"]  # the link from 放大招 went with it
    assert after[1] is before[1]  # untouched documents are the same objects
    assert [(x.rule.action, x.rows, x.detail) for x in report] == [
        ("merge", 1, "1 measures"),
        ("reject", 2, "1 links, 1 measures"),
        ("reject", 1, "1 places"),
        ("reject", 1, "1 figures"),
    ]
    # the input is unchanged: the corpus file and the results it came from are never written back
    assert [[m.name for m in r.measures] for r in before] == [[m.name for m in r.measures] for r in snapshot]
    assert [len(r.places) for r in before] == [2, 1]
    again, report2 = apply_corrections(before, rules, UNITS)
    assert [[m.name for m in r.measures] for r in again] == [[m.name for m in r.measures] for r in after]
    assert [x.rows for x in report2] == [x.rows for x in report]


def test_rules_that_match_nothing_are_reported(caplog: pytest.LogCaptureFixture) -> None:
    _, report = apply_corrections(corpus(), parse("reject,不存在的做法,,\n"), UNITS)
    assert report[0].rows == 0 and report[0].detail == "no match"
    assert "c.csv, line 2: reject '不存在的做法' matched nothing" in caplog.text
    _, (county,) = apply_corrections(corpus(), parse("county,a.txt,黎平县,\n"), UNITS)
    assert county.rows == 0 and county.detail.startswith("no match: no document 'a.txt' (a doc_id of documents.csv")


def test_indicator_rule_maps_only_figures_of_its_units() -> None:
    res = corpus()
    res[0].figures.append(figure("a", "茶叶综合收入", 5, "%", start=60, county_code="522631"))
    after, (applied,) = apply_corrections(res, parse("indicator,茶叶综合收入,产值,\n"), UNITS)
    got = [(f.indicator, f.unit, f.indicator_std) for f in after[0].figures if f.indicator == "茶叶综合收入"]
    assert got == [("茶叶综合收入", "元", "产值"), ("茶叶综合收入", "%", "")]
    assert applied.rows == 1 and applied.detail == "1 figures; skipped 1 unit % not of 产值"
    assert after[0].links[1].figure.indicator_std == "产值"  # links see the corrected figure


def test_indicator_rule_fills_the_comparison_cell(mapper: IndicatorMapper) -> None:
    after, _ = apply_corrections(corpus(), parse("indicator,茶叶综合收入,产值,\n"), UNITS)
    (row,), _ = compare_counties(after, mapper)
    assert row.cells["产值(元)"].value == 3.2e7


def test_county_rule_reassigns_a_document() -> None:
    after, (applied,) = apply_corrections(corpus(), parse("county,a,榕江县,wrong county\n"), UNITS)
    a = after[0]
    assert a.county_code == "522632" and a.county == "榕江县"
    assert {f.county_code for f in a.figures} == {"522632"} and {m.county for m in a.measures} == {"榕江县"}
    assert a.clauses[0].county_code == "522632" and a.links[0].figure.county_code == "522632"
    added = next(p for p in a.places if p.adcode == "522632")
    assert added.focal and added.province == "贵州省" and added.mention.source.startswith("correction:c.csv")
    assert not next(p for p in a.places if p.adcode == "522631").focal
    assert applied.counts == {"figures": 3, "measures": 3, "clauses": 1, "places": 2}
    assert after[1].county_code == "522631"


def test_county_rule_reassigns_one_article() -> None:
    res = corpus()
    res[0].figures[2].article = 2
    res[0].figures[2].county_code = "522632"
    res[0].places.append(place("a", "522632", "榕江县"))  # focal only through article 2
    after, (applied,) = apply_corrections(res, parse("county,a#2,黎平县,\n"), UNITS)
    a = after[0]
    assert [f.county_code for f in a.figures] == ["522631"] * 3
    assert a.county_code == "522631"  # 榕江县 no longer owns any record: not focal any more
    assert applied.counts == {"figures": 1, "places": 1}


def test_practice_index_lists_aliases_counties_and_documents() -> None:
    after, report = apply_corrections(corpus(), parse("merge,合作联营模式,合作联营,\n"), UNITS)
    (entry, *_rest) = practice_index(after, merge_targets(a.rule for a in report))
    assert entry.practice == "合作联营" and entry.kind == "program"
    assert entry.aliases == ["合作联营模式"] and entry.corrected == ["合作联营模式"]
    assert entry.counties == [("522631", "黎平县")]
    assert dict(entry.documents) == {"a": 2, "b": 1} and entry.n_records == 3


def test_practices_and_corrections_tables(mapper: IndicatorMapper) -> None:
    after, report = apply_corrections(corpus(), parse("merge,合作联营模式,合作联营,\nreject,无此名,,\n"), UNITS)
    tables = rows.tables(after, build_corpus(after, mapper, corrections=report))
    prs, _ = tables["practices.csv"]
    assert prs[0] == {
        "practice": "合作联营",
        "kind": "program",
        "aliases": "合作联营模式",
        "n_aliases": 1,
        "aliases_by_correction": "合作联营模式",
        "counties": "黎平县",
        "county_codes": "522631",
        "n_counties": 1,
        "documents": "a (2); b (1)",
        "n_docs": 2,
        "n_records": 3,
    }
    fixes, cols = tables["corrections_applied.csv"]
    assert list(cols) == ["file", "line", "action", "name", "into", "note", "rows", "detail"]
    assert [(r["line"], r["action"], r["rows"], r["detail"]) for r in fixes] == [
        (2, "merge", 1, "1 measures"),
        (3, "reject", 0, "no match"),
    ]


def test_no_rules_changes_nothing() -> None:
    res = corpus()
    after, report = apply_corrections(res, [], UNITS)
    assert report == [] and all(a is b for a, b in zip(after, res, strict=True))


# --- compare tables: kinds of numbers never mixed -----------------------------------------------------------------


def _fig(indicator: str, value: float, unit: str, std: str, *, per: str = "", status: str = "actual",
         start: int = 0, table: bool = False):  # fmt: skip
    f = figure("d", indicator, value, unit, start=start, date="2020", county_code="522631")
    f.indicator_std, f.per, f.status = std, per, status
    if table:
        f.mention.source = SOURCE_TABLE
    return f


def test_per_household_per_village_and_hypothetical_never_fill_a_totals_cell(mapper: IndicatorMapper) -> None:
    figs = [
        _fig("户均分红", 1000, "元", "分红", per="户"),  # a per-household dividend read first
        _fig("每个村投入资金", 3e5, "元", "投入资金", per="村", start=10),  # a per-village amount
        _fig("脱贫人口", 1650, "人", "脱贫人口", status="hypothetical", start=20),  # 如按…计算
        _fig("分红", 8e5, "元", "分红", start=30),
    ]
    res = [result("d", places=[place("d", "522631", "黎平县")], figures=figs)]
    (row,), columns = compare_counties(res, mapper)
    cells = {col: f.value for col, f in row.cells.items()}
    assert cells == {"分红(元)": 8e5, "分红(元/户)": 1000, "投入资金(元/村)": 3e5}
    assert "投入资金(元)" not in columns and "脱贫人口(人)" not in columns
    long_rows, _ = rows.tables(res, build_corpus(res, mapper))["compare_counties_long.csv"]
    assert sorted((r["column"], r["per"]) for r in long_rows) == [
        ("分红(元)", ""),
        ("分红(元/户)", "户"),
        ("投入资金(元/村)", "村"),
    ]


def test_table_total_rows_are_marked_apart_from_data_rows(mapper: IndicatorMapper) -> None:
    total = _fig("合计综合产值", 2.851e9, "元", "产值", table=True)
    assert table_total(total)
    assert table_total(_fig("综合产值总计", 1, "元", "产值", table=True))
    assert not table_total(_fig("高山蔬菜综合产值", 1.62e9, "元", "产值", table=True))
    assert not table_total(_fig("合计带动", 1, "户", "", table=False))  # prose, not a table's sum row
    for first in (total, _fig("茶叶综合产值", 4.15e8, "元", "产值", table=True)):
        res = [result("d", places=[place("d", "522631", "黎平县")], figures=[first])]
        (cell,), _ = rows.tables(res, build_corpus(res, mapper))["compare_counties_long.csv"]
        assert cell["table_total"] is (first is total)
