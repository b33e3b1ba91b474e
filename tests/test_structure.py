"""STRUCTURE: heading grammar and roles (case tables), synthetic article splitting, seed acceptance."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path

import pytest

from pipeline.model import Article, Document
from pipeline.structure import heading_style, parse_sections, role_of, split_articles, structure

BODY = "该县把群众所盼作为工作方向,在产业、道路、学校和卫生院建设上一年接一年地投入,变化看得见。" * 3


@pytest.mark.parametrize(
    ("line", "style"),
    [
        ("一、抓好组织衔接,健全领导体系", "cn"),
        ("（一）政策设计", "paren_cn"),
        ("(二)基本做法", "paren_cn"),
        ("1.1夯实党建责任,凝聚脱贫力量", "arabic2"),
        ("1主要做法", "arabic"),
        ("2、主要成效", "arabic"),
        ("3. 经验启示", "arabic"),
        ("（1）加强领导", "paren_arabic"),
        ("第一章 总则", "chapter"),
        ("第二节 基本情况", "section"),
        ("1.2.3 具体措施", "arabic3"),
    ],
)
def test_heading_style(line: str, style: str) -> None:
    hs = heading_style(line)
    assert hs is not None and hs[0] == style


@pytest.mark.parametrize(
    "line",
    [
        '1.先建立"专班",后开展"专项"工作。某县成立了由县委书记、县长任双组长的领导小组。',
        "2015年有建档立卡贫困户18420户",
        "(一)打通壁垒,合作社找到了支撑。社社联建建立了合作社与信社的稳定合作关系,畅通了融资渠道。",
        "一、加强组织领导,形成工作合力。一是高度重视。",
        "35.54%",
        "60周岁及以上 745933 15.2",
        "普通的一句话。",
    ],
)
def test_not_a_heading(line: str) -> None:
    assert heading_style(line) is None


@pytest.mark.parametrize(
    ("heading", "role"),
    [
        ("二、主要成效", "成效"),
        ("1主要做法", "做法"),
        ("3经验启示", "启示"),
        ("三、对策建议", "建议"),
        ("（一）基本情况", "背景"),
        ("四、存在的问题", "问题"),
        ("经验做法", "做法"),
        ("一、抓好组织衔接,健全领导体系", ""),
    ],
)
def test_role_of(heading: str, role: str) -> None:
    assert role_of(heading) == role


def test_parse_sections_hierarchy_paths_and_roles() -> None:
    text = "\n".join(
        [
            "某县调研报告",
            BODY,
            "一、基本情况",
            BODY,
            "二、主要做法",
            "（一）建机制",
            BODY,
            "（二）强产业",
            BODY,
            "三、取得成效",
            BODY,
            "1. 收入增长",
            BODY,
        ]
    )
    art = Article(index=0, start=0, end=len(text), title="某县调研报告")
    secs = parse_sections(text, art)
    got = [(s.path, s.level, s.role) for s in secs]
    assert got == [
        ("1", 1, "背景"),
        ("2", 1, "做法"),
        ("2.1", 2, "做法"),
        ("2.2", 2, "做法"),
        ("3", 1, "成效"),
        ("3.1", 2, "成效"),
    ]
    two = secs[1]
    assert text[two.start :].startswith("二、主要做法")
    assert two.end == secs[4].start  # a section spans its subsections
    assert secs[-1].end == len(text)
    for s in secs:
        assert text[s.start : s.start + len(s.heading)] == s.heading


def test_plain_short_headings_between_paragraphs() -> None:
    text = "\n\n".join(["某县创新发展新模式", BODY, "补足短板 对症突破", BODY, "建优机制 强化落实", BODY])
    art = Article(index=0, start=0, end=len(text), title="某县创新发展新模式")
    heads = [s.heading for s in parse_sections(text, art)]
    assert heads == ["补足短板 对症突破", "建优机制 强化落实"]


def test_numbered_list_items_in_paragraphs_are_not_sections() -> None:
    text = "\n".join(["二、主要做法", "1.先建立专班,后开展专项工作。" + BODY, "2.先规范理账,后理财。" + BODY])
    secs = parse_sections(text, Article(index=0, start=0, end=len(text)))
    assert [s.heading for s in secs] == ["二、主要做法"]


@pytest.mark.parametrize(
    ("byline", "authors"),
    [
        ("○ 张三 李四", ["张三", "李四"]),
        ("王五(某县委办公室)", ["王五"]),
        ("——某县推进合作社的调研", []),
        ("来源:某某网 2020-01-02", []),
    ],
)
def test_split_articles_title_byline(byline: str, authors: list[str]) -> None:
    text = "\n\n".join(["加快发展 促进增收", "某县合作社联建模式的探索实践", byline, BODY, "一、主要做法", BODY])
    arts = split_articles(text)
    assert len(arts) == 1
    assert arts[0].title == "某县合作社联建模式的探索实践"
    assert arts[0].authors == authors
    assert arts[0].start == 0 and arts[0].end == len(text)


def test_split_articles_several() -> None:
    text = "\n\n".join(
        [
            "某县合作社联建模式的探索实践",
            "○ 张三",
            BODY,
            BODY,
            "(作者:张三,某党校副教授。)",
            "合力绘就乡村振兴新画卷",
            BODY,
            BODY,
            "(转自《某报》)",
            BODY,
            BODY,
            "(作者单位:某县人大常委会)",
            "残句碎片",
        ]
    )
    arts = split_articles(text)
    assert [a.title for a in arts] == ["某县合作社联建模式的探索实践", "合力绘就乡村振兴新画卷", ""]
    assert arts[0].authors == ["张三"]
    assert arts[-1].end == len(text)  # the trailing fragment stays with the last article
    for a, b in itertools.pairwise(arts):
        assert a.end == b.start


def test_table_headers_and_codes_are_not_titles() -> None:
    text = "\n".join(["面向 项目 项目说明 (E) (J)", "(草案)", BODY, "资Tp-V-2资讯科技应用效能评估", "○ 张三", BODY])
    assert [a.title for a in split_articles(text)] == [""]


def test_metadata_fields_are_not_titles_but_title_field_is_used() -> None:
    head = ["索引号:0069/2025-001", "发布机关:某市某局", "文件状态:已发布", "标题:某市关于促进产业发展的若干措施"]
    text = "\n".join([*head, "正文", BODY, "一、总体要求", BODY, "某市某局", "2025年6月30日"])
    doc = structure(Document(doc_id="x", source="x", format="txt", text=text))
    assert doc.title == "某市关于促进产业发展的若干措施"
    assert len(doc.articles) == 1  # the signature block (org + date) does not start an article


def test_structure_prefers_meta_title() -> None:
    text = "某县合作社联建模式的探索实践\n○ 张三\n" + BODY
    doc = Document(doc_id="x", source="x", format="html", text=text, meta={"title": "网页标题"})
    assert structure(doc).title == "网页标题"
    doc.meta = {}
    assert structure(doc).title == "某县合作社联建模式的探索实践"


# ----------------------------------------------------------------------------------- seed acceptance


@pytest.fixture(scope="module")
def docs(seeds: Path, make_doc: Callable[..., Document]) -> dict[str, Document]:
    out = {}
    for f in sorted(seeds.glob("*.txt")):
        out[f.stem[:3]] = make_doc(f.read_text(encoding="utf-8"), f.stem, source=str(f))
    return out


def test_seed_000_three_articles(docs: dict[str, Document]) -> None:
    doc = docs["000"]
    assert len(doc.articles) == 3
    main = max(doc.articles, key=lambda a: a.end - a.start)
    assert "社社联建" in main.title and "探索实践" in main.title
    assert doc.title == main.title
    assert len(main.authors) == 2
    roles = {s.role for s in main.sections}
    assert {"做法", "成效", "建议"} <= roles


def test_seed_003_numbered_sections(docs: dict[str, Document]) -> None:
    secs = docs["003"].articles[0].sections
    top = [(s.path, s.role) for s in secs if s.level == 1]
    assert top == [("1", "做法"), ("2", "成效"), ("3", "启示")]
    assert any(s.path == "1.1" and s.level == 2 for s in secs)


def test_seed_001_plain_headings(docs: dict[str, Document]) -> None:
    secs = docs["001"].articles[0].sections
    assert len(secs) >= 2 and all(s.level == 1 for s in secs)


@pytest.mark.parametrize("seed", ["000", "001", "002", "003", "004"])
def test_seed_titles_and_spans(docs: dict[str, Document], seed: str) -> None:
    doc = docs[seed]
    assert doc.title
    assert doc.articles[0].start == 0 and doc.articles[-1].end == len(doc.text)
    for a in doc.articles:
        for s in a.sections:
            assert a.start <= s.start < s.end <= a.end
            assert doc.text[s.start :].startswith(s.heading)
