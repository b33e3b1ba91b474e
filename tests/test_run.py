"""Orchestration: figures of a multi-article file belong to their own article's county."""

from __future__ import annotations

from pathlib import Path

from pipeline.model import Document
from pipeline.run import Resources, process_document

MODELS = Path(__file__).resolve().parent.parent / "models"
PAGE = (
    "三穗县：一只鸭子富一方\n○ 本刊记者\n"
    + "三穗县发展三穗鸭产业，全县鸭子出栏500万羽，带动农户3000户增收。三穗县还建成养殖基地20个。" * 6
    + "\n\n（作者单位：某研究所）\n\n"
    "天柱县：茶叶铺就致富路\n○ 本刊记者\n"
    + "天柱县发展茶叶产业，全县茶园面积8万亩，带动农户5000户增收。天柱县还建成加工厂12家。" * 6
    + "\n"
)


def test_figures_take_their_articles_county(resources: Resources) -> None:
    result = process_document(Document("m", "m.txt", "txt", raw_text=PAGE), resources)
    focal = set(result.county_code.split(";"))
    assert {"522624", "522627"} <= focal  # 三穗县, 天柱县
    by_value = {f.mention.raw: f.county_code for f in result.figures}
    assert by_value["500万羽"] == "522624"
    assert by_value["8万亩"] == "522627"


def test_a_county_named_in_the_clause_owns_the_figure(resources: Resources) -> None:
    text = "榕江县调研\n榕江县有贫困户3万户。邻近的从江县新建大棚300个，榕江县新建大棚500个。" * 2
    figures = process_document(Document("c", "c.txt", "txt", raw_text=text), resources).figures
    by_raw = {f.mention.raw: f.county_code for f in figures}
    assert by_raw["300个"] == "522633"  # 从江县
    assert by_raw["500个"] == "522632"  # 榕江县
