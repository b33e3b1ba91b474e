"""The evaluation gate scores output CSVs against gold JSON in the shared format."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.io import schema
from pipeline.io import writers as export
from pipeline.tools.evaluate import check_floors, evaluate, names_match, value_match


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("“社社联建”", "社社联建", True),
        ("社社联建(试点)工作实施方案", "《社社联建（试点）工作实施方案》", True),
        ("扶贫互助合作社", "村级扶贫互助合作社", True),
        ("五先五后", "四围绕四增强", False),
        ("", "x", False),
    ],
)
def test_names_match(a: str, b: str, expected: bool) -> None:
    assert names_match(a, b) is expected


@pytest.mark.parametrize(
    ("gold", "value", "expected"),
    [
        ({"value": 48243100}, 48243100.0, True),
        ({"value": 35.54}, 35.5400001, True),
        ({"value": 33.33, "tolerance": 0.5}, 33.0, True),
        ({"value": 263, "alt_values": [261]}, 261, True),
        ({"value": 263}, 261, False),
    ],
)
def test_value_match(gold: dict[str, float], value: float, expected: bool) -> None:
    assert value_match(gold, value) is expected


def _write_outputs(out: Path) -> None:
    text = "某县有贫困户100户。"
    export.atomic_write_text(export.text_path(out, "d1"), text)
    export.write_csv(
        out / "figures.csv",
        [
            {"doc_id": "d1", "indicator": "贫困户", "value": 100, "unit": "户", "raw": "100户"}
            | {"start": 6, "end": 10},
            {"doc_id": "d1", "indicator": "x", "value": 1, "unit": "户", "raw": "wrong"} | {"start": 0, "end": 2},
        ],
        schema.FIGURE_COLUMNS,
    )
    export.write_csv(
        out / "places.csv",
        [
            {"doc_id": "d1", "name": "某县", "adcode": "111111", "level": "county", "focal": True},
            {"doc_id": "d1", "name": "别县", "adcode": "222222", "level": "county", "focal": False},
        ],
        schema.PLACE_COLUMNS,
    )
    export.write_csv(out / "measures.csv", [], schema.MEASURE_COLUMNS)


def test_evaluate_scores_each_category(tmp_path: Path) -> None:
    out, gold = tmp_path / "out", tmp_path / "gold"
    _write_outputs(out)
    gold.mkdir()
    (gold / "d1.json").write_text(
        json.dumps(
            {
                "doc_id": "d1",
                "focal_counties": [{"name": "某县", "adcode": "111111"}],
                "figures": [
                    {"value": 100, "unit": "户", "indicator_any": ["贫困"]},
                    {"value": 7, "unit": "人", "indicator_any": ["人口"]},
                ],
                "programs": ["某机制"],
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    rep = evaluate(out, gold)
    scores = rep.as_dict()
    assert scores["focal_county"] == 1.0
    assert scores["county_precision"] == 0.5
    assert scores["figures"] == 0.5
    assert scores["programs"] == 0.0
    assert scores["grounding"] == 0.5
    assert ("d1", "programs", "某机制") in rep.missed
    assert check_floors(rep, {"figures": 0.9, "focal_county": 1.0}) == ["figures: 0.500 < floor 0.900"]
