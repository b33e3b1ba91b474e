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


class _CountingModel:
    """The indicator model, counting calls and the pairs it is asked about."""

    def __init__(self, model: IndicatorModel) -> None:
        self.model, self.calls, self.asked = model, 0, 0

    def predict(self, items: list[tuple[str, str]]) -> list[object]:
        self.calls += 1
        self.asked += len(items)
        return self.model.predict(items)


_PAIRS = [
    ("建档立卡贫困户", "户"),
    ("有贫困人口", "人"),
    ("累计发放扶贫贷款", "元"),
    ("产值同比增长", "%"),
    ("", "元"),
    ("建档立卡贫困户", "元"),
    ("游客接待量", "人次"),
    ("农村居民人均可支配收入", "元"),
    ("建档立卡贫困户", "户"),
    ("累计发放扶贫贷款", "元"),
]


def test_map_many_equals_map_one_by_one(mapper: IndicatorMapper) -> None:
    """Batched and memoized mapping gives what a fresh mapper gives pair by pair; the model is asked once per batch
    about each distinct pair it has not seen, and never again."""
    if mapper.model is None:
        pytest.skip("indicator model not built")
    one_by_one = [IndicatorMapper(mapper.vocab, mapper.model).map(p, u) for p, u in _PAIRS]
    counting = _CountingModel(mapper.model)
    fresh = IndicatorMapper(mapper.vocab, counting)  # type: ignore[arg-type]
    assert fresh.map_many(_PAIRS) == one_by_one
    assert counting.calls == 1
    assert counting.asked == 6  # distinct pairs with a level phrase: not the change, not the empty one
    assert [fresh.map(p, u) for p, u in _PAIRS] == one_by_one
    assert fresh.map_many(list(reversed(_PAIRS))) == list(reversed(one_by_one))
    assert counting.calls == 1  # all remembered


def test_model_probabilities_do_not_depend_on_the_batch(mapper: IndicatorMapper) -> None:
    if mapper.model is None:
        pytest.skip("indicator model not built")
    pairs = [(p, u) for p, u in _PAIRS if p]
    assert mapper.model.predict(pairs) == [mapper.model.predict([pair])[0] for pair in pairs]


def test_memo_is_bounded(mapper: IndicatorMapper) -> None:
    small = IndicatorMapper(mapper.vocab, None)
    small.MEMO_SIZE = 3
    got = small.map_many(_PAIRS)
    assert got == [small.vocab.map(p, u) if p and p != "产值同比增长" else None for p, u in _PAIRS]
    assert len(small._memo) <= 3
    assert small.map_many(_PAIRS) == got
