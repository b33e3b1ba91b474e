"""An output folder for the explorer's tests, written from made-up records: one county report whose text holds
markup (a script tag, an img with onerror) and a spreadsheet formula, so escaping is tested on real pages."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from pathlib import Path

import pytest

from pipeline.corpus.build import build_corpus
from pipeline.io.output import write_outputs
from pipeline.learn.indicators import IndicatorMapper, IndicatorVocabulary
from pipeline.model import Clause, Link, Mention
from tests.records import figure, measure, place, result

REPO = Path(__file__).resolve().parents[2]
HOSTILE = "<script>alert('xss')</script>"
IMG = "<img src=x onerror=alert(1)>"
TEXT = (
    "榕江县调研报告\n"
    f"榕江县推行“社社联建”模式，{HOSTILE}推行“三统一”：统一种苗、统一技术、统一销售。\n"
    f"截至2020年底，社社联建带动脱贫人口1200人。{IMG}\n"
    "力争到2025年脱贫人口达到5000人。\n"
    "全县总人口38万人，“=HYPERLINK(1)”发放贷款2亿元。\n"
)


def _at(needle: str, nth: int = 0) -> int:
    pos = -1
    for _ in range(nth + 1):
        pos = TEXT.index(needle, pos + 1)
    return pos


def _fig(indicator: str, value: float, unit: str, raw: str, std: str, nth: int = 0, **kw: object):  # type: ignore[no-untyped-def]
    start = _at(raw, nth)
    f = figure("d1", indicator, value, unit, start=start, end=start + len(raw), date=str(kw.pop("date", "2020")))
    f = dataclasses.replace(f, county_code="522632")
    return dataclasses.replace(f, indicator_std=std, county="榕江县", **kw)


def build(base: Path, clauses: Iterable[Clause] = ()) -> Path:
    """OUT (base/out) with one document d1 about 榕江县, and an empty corpus folder base/corpus."""
    practice = dataclasses.replace(measure("d1", "社社联建", start=_at("社社联建"), county_code="522632"))
    formula = measure("d1", "三统一", "slogan", start=_at("三统一"), county_code="522632",
                      components=["统一种苗", "统一技术", "统一销售"])  # fmt: skip
    poor = _fig("脱贫人口", 1200.0, "人", "1200人", "脱贫人口")
    figures = [
        poor,
        _fig("脱贫人口", 5000.0, "人", "5000人", "脱贫人口", status="target", date="2025"),
        _fig("总人口", 380000.0, "人", "38万人", "总人口", date="2019"),
        _fig("=HYPERLINK(1)", 200000000.0, "元", "2亿元", ""),
    ]
    s = _at("截至")
    sentence = TEXT[s : TEXT.index("。", s) + 1]
    evidence = Mention("d1", s, s + len(sentence), s, s + len(sentence), None, "EVIDENCE", sentence, sentence, "t")
    r = result(
        "d1",
        TEXT,
        title=f"榕江县调研{HOSTILE}",
        places=[place("d1", "522632", "榕江县", province="贵州省", prefecture="黔东南苗族侗族自治州")],
        measures=[practice, formula],
        figures=figures,
        links=[Link(practice, poor, "achieved", "rule:test", evidence)],
        clauses=clauses,
    )
    out = base / "out"
    mapper = IndicatorMapper(IndicatorVocabulary.load(REPO / "models"), None)
    write_outputs(out, [r], build_corpus([r], mapper))
    (base / "corpus").mkdir(exist_ok=True)
    return out


@pytest.fixture(scope="module")
def serve_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("serve"))
