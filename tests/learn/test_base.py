"""The saved-model contract, checked on each of the three learned models (scikit-learn's conventions).

Constructor stores settings only; ``fit`` returns self; ``predict`` is batch, length-preserving, ``[]`` for ``[]``;
``to_disk``/``from_disk`` round-trip the predictions, write atomically and refuse models built by other versions.
"""

from __future__ import annotations

import copy
import json
import pickle
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from pipeline.errors import ModelVersionError, PipelineError
from pipeline.learn.base import FORMAT_VERSION, SavedModel, sklearn_version
from pipeline.learn.indicators import IndicatorModel
from pipeline.learn.policy_tools import PolicyToolModel
from pipeline.learn.program_filter import Candidate, ProgramFilter
from pipeline.learn.train import POLICY_TRAINING_TSV, read_labeled, read_training

MODELS = Path(__file__).resolve().parents[2] / "models"


@dataclass
class Case:
    """How to fit one model on a little data, and items to predict."""

    cls: type[SavedModel]
    fit_args: Callable[[], tuple[Any, ...]]
    probe: list[Any]


def _program_args() -> tuple[Any, ...]:
    pos = [
        "河湖长制",
        "村社共建",
        "互联网+农业",
        "院落议事制度",
        "扶贫车间建设工程",
        "产销对接机制",
        "农超对接",
        "坝长制",
    ]
    neg = ["很满意", "定心丸", "长效机制", "工作机制", "今年改革", "硬骨头", "主力军", "发展模式"]
    cands = [Candidate(t, left="推行", right="模式") for t in pos + neg]
    return cands, [1] * len(pos) + [0] * len(neg)


def _indicator_args() -> tuple[Any, ...]:
    rows = read_labeled(MODELS / "training" / "indicator_phrases.tsv")
    return [(p, u) for p, u, _ in rows], [lab for _, _, lab in rows]


def _policy_args() -> tuple[Any, ...]:
    rows = [r for r in read_training(MODELS / POLICY_TRAINING_TSV) if r["source"] == "written"]
    return [r["text"] for r in rows], [r["field"] for r in rows], [r["sub_tool"] for r in rows]


CASES = {
    "program_filter": Case(
        ProgramFilter,
        _program_args,
        [Candidate("村社共建", left="探索", right="模式"), Candidate("很满意", left="群众"), Candidate("坝长制")],
    ),
    "indicator_model": Case(
        IndicatorModel, _indicator_args, [("农村贫困发生率", "%"), ("建档立卡贫困户", "户"), ("游客接待量", "人次")]
    ),
    "policy_tools": Case(
        PolicyToolModel,
        _policy_args,
        ["县财政每年安排奖补资金支持合作社", "该县地处山区，交通不便", "由银行向合作社发放低息贷款"],
    ),
}


@pytest.fixture(scope="module", params=list(CASES))
def case(request: pytest.FixtureRequest) -> Case:
    return CASES[request.param]


@pytest.fixture(scope="module")
def fitted(case: Case) -> SavedModel:
    return case.cls().fit(*case.fit_args())


def _load(case: Case, models_dir: Path, like: SavedModel) -> SavedModel:
    back = case.cls.from_disk(models_dir)
    if isinstance(back, PolicyToolModel) and isinstance(like, PolicyToolModel):
        back._seg = like._seg  # reuse the loaded jieba instance (loading one takes seconds on a busy machine)
    return back


def test_constructor_stores_settings_only(case: Case, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_segmenter(*_: object) -> None:
        raise AssertionError("the constructor must not build a segmenter")

    from pipeline.text import tokenizer  # policy_tools imports it where it cuts text

    monkeypatch.setattr(tokenizer, "shared_segmenter", no_segmenter)
    m = case.cls()
    assert vars(m) == m.get_params()  # nothing but the constructor's arguments
    assert not m.is_fitted and m.meta == {}
    assert repr(m).startswith(f"{case.cls.__name__}(")
    with pytest.raises(RuntimeError, match="fit"):
        m.predict(case.probe)


def test_fit_returns_self(case: Case) -> None:
    m = case.cls()
    assert m.fit(*case.fit_args()) is m
    assert m.is_fitted


def test_predict_empty_is_empty(fitted: SavedModel) -> None:
    assert fitted.predict([]) == []


def test_predict_is_batch_and_length_preserving(case: Case, fitted: SavedModel) -> None:
    batch = fitted.predict(case.probe)
    assert isinstance(batch, list) and len(batch) == len(case.probe)
    assert batch == [fitted.predict([item])[0] for item in case.probe]  # same answer alone or in a batch
    assert fitted.predict(case.probe[::-1]) == batch[::-1]


def test_disk_round_trip_gives_same_predictions(case: Case, fitted: SavedModel, tmp_path: Path) -> None:
    path = fitted.to_disk(tmp_path, {"note": "test"})
    pkl, meta_path = case.cls.paths(tmp_path)
    assert path == pkl
    back = _load(case, tmp_path, fitted)
    assert type(back) is case.cls and back.get_params() == fitted.get_params()
    assert back.predict(case.probe) == fitted.predict(case.probe)
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    assert back.meta == meta == fitted.meta
    assert meta["note"] == "test" and meta["name"] == case.cls.name
    assert meta["format_version"] == FORMAT_VERSION and meta["sklearn_version"] == sklearn_version()
    assert back.source == f"clf:{case.cls.name}@{case.cls.version}"


def test_caches_are_not_pickled(case: Case, fitted: SavedModel) -> None:
    fitted.predict(case.probe)  # the policy model makes its segmenter here
    state = fitted.__getstate__()
    assert not any(k.startswith("_") for k in state)
    assert set(state) - set(fitted.get_params()) and all(k.endswith("_") for k in set(state) - set(fitted.get_params()))


def test_atomic_write_leaves_no_temp_files(case: Case, fitted: SavedModel, tmp_path: Path) -> None:
    fitted.to_disk(tmp_path, {"round": 1})
    fitted.to_disk(tmp_path, {"round": 2})  # overwrite in place
    names = {p.name for p in case.cls.paths(tmp_path)}
    assert {p.name for p in tmp_path.iterdir()} == names
    # a model that cannot be written leaves the previous files whole, and no temp file behind
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    broken = copy.copy(fitted)
    broken.unpicklable_ = lambda: None  # type: ignore[attr-defined]
    with pytest.raises((pickle.PicklingError, AttributeError, TypeError)):
        broken.to_disk(tmp_path, {"round": 3})
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_unfitted_model_is_not_written(case: Case, tmp_path: Path) -> None:
    with pytest.raises(RuntimeError):
        case.cls().to_disk(tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_missing_files_are_file_not_found(case: Case, fitted: SavedModel, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="make models"):
        case.cls.from_disk(tmp_path)
    fitted.to_disk(tmp_path)
    case.cls.paths(tmp_path)[1].unlink()  # the meta file belongs to the model
    with pytest.raises(FileNotFoundError):
        case.cls.from_disk(tmp_path)


def test_tampered_sklearn_version_in_meta_is_refused(case: Case, fitted: SavedModel, tmp_path: Path) -> None:
    fitted.to_disk(tmp_path)
    _, meta_path = case.cls.paths(tmp_path)
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta["sklearn_version"] = "0.24.2"
    meta_path.write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(ModelVersionError) as err:
        case.cls.from_disk(tmp_path)
    msg = str(err.value)
    assert str(meta_path) in msg and "0.24.2" in msg and sklearn_version() in msg and "run `make models`" in msg
    assert isinstance(err.value, PipelineError) and err.value.path == str(meta_path)
    assert err.value.built["sklearn_version"] == "0.24.2" and err.value.running["sklearn_version"] == sklearn_version()


def test_tampered_pickle_header_is_refused_before_unpickling(case: Case, fitted: SavedModel, tmp_path: Path) -> None:
    fitted.to_disk(tmp_path)
    pkl, _ = case.cls.paths(tmp_path)
    header = {"name": case.cls.name, **case.cls.version_keys(), "format_version": FORMAT_VERSION + 1}
    pkl.write_bytes(pickle.dumps(header) + b"not a pickle")  # never read: the header already refuses
    with pytest.raises(ModelVersionError, match=rf"format_version {FORMAT_VERSION + 1} \(running {FORMAT_VERSION}\)"):
        case.cls.from_disk(tmp_path)


def test_old_layout_is_refused(case: Case, fitted: SavedModel, tmp_path: Path) -> None:
    """Pickles written before this base (no header, no format_version) ask for `make models`."""
    fitted.to_disk(tmp_path)
    pkl, meta_path = case.cls.paths(tmp_path)
    pkl.write_bytes(pickle.dumps({"sklearn_version": sklearn_version(), "model": None}))
    with pytest.raises(ModelVersionError, match="make models"):
        case.cls.from_disk(tmp_path)
    meta_path.write_text(json.dumps({"sklearn_version": sklearn_version()}), encoding="utf-8")
    with pytest.raises(ModelVersionError, match=r"format_version None \(running 1\)"):
        case.cls.from_disk(tmp_path)


def test_another_models_files_are_refused(case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    other = next(c for c in CASES.values() if c.cls is not case.cls and c.cls is not PolicyToolModel)
    monkeypatch.setattr(other.cls, "version", case.cls.version)  # same versions: only the class tells them apart
    model = other.cls().fit(*other.fit_args())
    model.to_disk(tmp_path)
    for src, dst in zip(other.cls.paths(tmp_path), case.cls.paths(tmp_path), strict=True):
        shutil.copy(src, dst)
    with pytest.raises(ModelVersionError, match="class"):
        case.cls.from_disk(tmp_path)


@pytest.mark.parametrize("cls", [ProgramFilter, IndicatorModel, PolicyToolModel])
def test_repository_models_load_with_the_running_versions(cls: type[SavedModel]) -> None:
    if not cls.paths(MODELS)[0].exists():
        pytest.skip("models not trained (make models)")
    m = cls.from_disk(MODELS)
    assert m.is_fitted and {k: m.meta[k] for k in cls.version_keys()} == cls.version_keys()
