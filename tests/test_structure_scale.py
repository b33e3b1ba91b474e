"""Structure on long files (issue 12: per-document work linear in the length): many headings, many articles."""

from __future__ import annotations

import itertools

from pipeline.model import Article, Section
from pipeline.structure import parse_sections, split_articles

BODY = "全县共有建档立卡贫困户9000户，通过产业带动实现稳定增收，贫困发生率由22.5%下降到1.2%。" * 2


def _old_ends(sections: list[Section], end: int) -> list[int]:
    """Section ends as the code before issue 12 set them: each heading closed every earlier open section at its
    level or deeper (a scan over all sections per heading)."""
    ends = [end] * len(sections)
    for k, sec in enumerate(sections):
        for j in range(k):
            if ends[j] == end and sections[j].start < sec.start and sections[j].level >= sec.level:
                ends[j] = sec.start
    return ends


def test_many_headings_get_the_ends_and_paths_of_a_full_scan() -> None:
    parts = []
    for i in range(1, 100):
        parts += [f"{i}.主要做法", BODY]
        for j in range(1, 6):
            parts += [f"{i}.{j} 产业发展", BODY, f"{i}.{j}.1 合作社", BODY]
    text = "\n".join(parts)
    art = Article(index=0, start=0, end=len(text))
    secs = parse_sections(text, art)
    assert len(secs) == 99 * 11
    assert [s.end for s in secs] == _old_ends(secs, len(text))
    assert [s.path for s in secs[:4]] == ["1", "1.1", "1.1.1", "1.2"] and secs[-1].path == "99.5.1"
    assert [s.level for s in secs[:4]] == [1, 2, 3, 2] and secs[-1].end == len(text)


def test_many_articles_each_keep_their_own_authors() -> None:
    names = ["张三", "李四", "王五", "赵六"]
    parts = []
    for i in range(200):
        who = names[i % 4]
        parts += [f"某县第{i}号合作社联建模式的探索实践", f"○ {who}", BODY, BODY, f"(作者:{who},某党校)"]
    text = "\n\n".join(parts)
    arts = split_articles(text)
    assert len(arts) == 200
    assert [a.authors for a in arts] == [[names[i % 4]] for i in range(200)]
    assert arts[0].start == 0 and arts[-1].end == len(text)
    assert all(a.end == b.start for a, b in itertools.pairwise(arts))
