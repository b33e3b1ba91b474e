"""Indicator normalization: rules + model map phrases to canonical columns; unmapped stays unmapped."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.learn.indicators import IndicatorMapper, IndicatorModel, IndicatorVocabulary, load_mapper, read_labeled

MODELS = Path(__file__).resolve().parents[2] / "models"


@pytest.fixture(scope="module")
def mapper() -> IndicatorMapper:
    return load_mapper(MODELS)


@pytest.mark.parametrize(
    ("phrase", "unit", "expected"),
    [
        ("建档立卡贫困户", "户", "建档立卡贫困户"),
        ("有贫困人口", "人", "贫困人口"),
        ("全县贫困发生率", "%", "贫困发生率"),
        ("累计发放扶贫贷款", "元", "发放贷款"),
        ("带动贫困户", "户", None),  # a flow, not the level
        ("产值同比增长", "%", None),  # a change
        ("建档立卡贫困户", "元", None),  # unit does not fit
        ("游客接待量", "人次", None),  # no canonical column: never forced
    ],
)
def test_mapping(mapper: IndicatorMapper, phrase: str, unit: str, expected: str | None) -> None:
    got = mapper.map(phrase, unit)
    assert (got.name if got else None) == expected


@pytest.mark.slow  # trains the model on its whole training file
def test_model_round_trips_and_learns(tmp_path: Path) -> None:
    rows = read_labeled(MODELS / "training" / "indicator_phrases.tsv")
    assert len(rows) >= 150
    model = IndicatorModel().fit(rows)
    model.to_disk(tmp_path, {"test": True})
    back = IndicatorModel.from_disk(tmp_path)
    assert back.predict("农村贫困发生率", "%")[0] == "贫困发生率"


def test_vocabulary_columns_carry_units() -> None:
    vocab = IndicatorVocabulary.load(MODELS)
    assert "建档立卡贫困户(户)" in {i.column for i in vocab.indicators}
