"""Indicator normalization: rules + model map phrases to canonical columns; unmapped stays unmapped."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pipeline.learn.indicators import IndicatorMapper, IndicatorModel, IndicatorVocabulary, load_mapper
from pipeline.learn.train import read_labeled, train_indicator_model

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
    model = IndicatorModel().fit([(p, u) for p, u, _ in rows], [lab for _, _, lab in rows])
    model.to_disk(tmp_path, {"test": True})
    back = IndicatorModel.from_disk(tmp_path)
    ((label, p),) = back.predict([("农村贫困发生率", "%")])
    assert label == "贫困发生率" and 0.0 < p <= 1.0


def test_mapper_without_a_usable_model_maps_by_rules(tmp_path: Path) -> None:
    shutil.copy(MODELS / "indicators.json", tmp_path / "indicators.json")
    assert load_mapper(tmp_path).model is None  # not built
    rows = read_labeled(MODELS / "training" / "indicator_phrases.tsv")
    IndicatorModel().fit([(p, u) for p, u, _ in rows], [lab for _, _, lab in rows]).to_disk(tmp_path)
    meta_path = IndicatorModel.paths(tmp_path)[1]
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta_path.write_text(json.dumps({**meta, "sklearn_version": "0.0"}), encoding="utf-8")
    mapper = load_mapper(tmp_path)  # built by another scikit-learn: rules only, with a warning
    assert mapper.model is None and mapper.map("全县贫困发生率", "%").name == "贫困发生率"


@pytest.mark.filterwarnings("ignore:The least populated class")  # 5-fold CV over a few rare indicators
def test_train_indicator_model_writes_scores(tmp_path: Path) -> None:
    shutil.copy(MODELS / "indicators.json", tmp_path / "indicators.json")
    (tmp_path / "training").mkdir()
    shutil.copy(MODELS / "training" / "indicator_phrases.tsv", tmp_path / "training" / "indicator_phrases.tsv")
    meta = train_indicator_model(tmp_path)
    assert meta["n_examples"] >= 150 and meta["held_out_size"] > 0 and meta["trained"]
    assert set(meta["held_out_accuracy"]) == {"rules", "model", "rules+model"}
    assert meta["held_out_accuracy"]["rules+model"] >= 0.9  # measured 0.958
    assert IndicatorModel.from_disk(tmp_path).meta == meta


def test_vocabulary_columns_carry_units() -> None:
    vocab = IndicatorVocabulary.load(MODELS)
    assert "建档立卡贫困户(户)" in {i.column for i in vocab.indicators}
