"""Work per match or per paragraph that used to grow with the length of the document: places' province and
prefecture votes are read once per document (not once per match), figures read a paragraph's first line without
copying the rest of the text. Each fast path gives what the old code gave."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import pipeline.extract.figures as F
import pipeline.extract.places as P
from pipeline.gazetteer import Gazetteer
from pipeline.model import Document

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    if not (ROOT / "models/gazetteer.tsv").exists():
        pytest.skip("models/gazetteer.tsv not built")
    return Gazetteer.load(ROOT / "models")


def _doc(text: str) -> Document:
    return Document(doc_id="t", source="", format="txt", raw_text=text, text=text, title="")


_PLACES = "贵州省黔东南州榕江县推进产业发展。湖北省宜昌市长阳县新建大棚。榕江县、从江县发展蔬菜。\n"


def _old_top(c: dict[str, float]) -> set[str]:
    """_Context._top as it was: the threshold computed per unit."""
    total = sum(c.values())
    return {k for k, v in c.items() if v >= max(1.0, 0.2 * total)}


def test_context_units_equal_the_old_formula(gaz: Gazetteer) -> None:
    for text in (_PLACES, _PLACES * 7, "全国各地推进乡村振兴。", "榕江县" * 3 + "从江县"):
        ctx = P._Context(gaz, gaz.match(text))
        assert ctx.provinces() == _old_top(ctx.province)
        assert ctx.prefectures() == _old_top(ctx.prefecture)
    assert P._Context(gaz, gaz.match(_PLACES * 7)).provinces()  # the cases do pick units


def test_context_units_are_picked_once_per_document(gaz: Gazetteer, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    real = P._Context._top

    def counting(c: dict[str, float]) -> set[str]:
        calls.append(1)
        return real(c)

    monkeypatch.setattr(P._Context, "_top", staticmethod(counting))
    places = P.extract_places(_doc(_PLACES * 20), gaz)
    assert {p.adcode for p in places} >= {"522632"}
    assert len(calls) == 2  # provinces and prefectures, not two per match (60+ matches here)


def test_heading_lines_read_up_to_the_newline(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []
    real = F.heading_year

    def recording(line: str) -> Any:
        seen.append(line)
        return real(line)

    monkeypatch.setattr(F, "heading_year", recording)
    text = "2019年主要工作\n新建大棚300个。\n\n二、下一步计划\n全县脱贫人口1.2万人。"  # no newline at the end
    figs = F.extract_figures(_doc(text), with_tables=False)
    assert seen == [
        "2019年主要工作",
        "新建大棚300个。",
        "二、下一步计划",
        "全县脱贫人口1.2万人。",
    ]
    assert [f.date for f in figs if f.unit == "个"] == ["2019"]  # the heading's year dates its section
