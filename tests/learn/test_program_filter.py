"""Program filter: features, fit/predict, training from the labeled TSV (the saved-model contract: test_base)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.learn.program_filter import Candidate, ProgramFilter, program_features
from pipeline.learn.train import load_program_examples, load_program_sentences, train_program_filter

PROGRAM_FILTER_META = ProgramFilter.name + ".meta.json"

REPO = Path(__file__).resolve().parents[2]

POS = ["河湖长制", "村社共建", "互联网+农业", "院落议事制度", "扶贫车间建设工程", "产销对接机制", "农超对接", "坝长制"]
NEG = ["很满意", "定心丸", "长效机制", "工作机制", "今年改革", "硬骨头", "主力军", "发展模式"]


def cands(terms: list[str], source: str = "quoted") -> list[Candidate]:
    return [Candidate(t, left="推行", right="模式" if source == "quoted" else "", source=source) for t in terms]


def test_features_cover_term_ends_context_and_rule() -> None:
    f = program_features(Candidate("坝长制", left="全面推行", right="，每", source="suffix"))
    assert {"src:suffix", "end1:制", "end2:长制", "l2:推行", "estab:suffix", "g3:^坝长"} <= set(f)


def test_candidate_context_roundtrip() -> None:
    c = Candidate("村社共建", left="探索", right="模式", source="quoted")
    assert Candidate.from_context(c.term, c.context(), c.source) == c


def test_fit_predict_and_disk_roundtrip(tmp_path: Path) -> None:
    pf = ProgramFilter().fit(cands(POS) + cands(NEG), [1] * len(POS) + [0] * len(NEG))
    probs = pf.predict_proba(cands(POS + NEG))
    assert all(0.0 <= p <= 1.0 for p in probs)
    assert sum(probs[: len(POS)]) > sum(probs[len(POS) :])  # learned something from the labels
    pf.to_disk(tmp_path, {"note": "test"})
    again = ProgramFilter.from_disk(tmp_path)
    assert again.predict_proba(cands(POS + NEG)) == pytest.approx(probs)
    assert again.meta["note"] == "test" and again.source == "clf:program_filter@v1"
    assert again.threshold == pf.threshold == 0.45
    assert again.predict(cands(POS + NEG)) == [p >= 0.45 for p in probs]


def write_tsv(path: Path, rows: list[tuple[str, int]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ["# guideline line", "term\tcontext\tlabel\tsource"]
    lines += [f"{t}\t推行⟦{t}⟧模式\t{y}\tquoted" for t, y in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_train_program_filter_writes_model_and_cv_meta(tmp_path: Path) -> None:
    write_tsv(tmp_path / "training" / "program_terms.tsv", [(t, 1) for t in POS] + [(t, 0) for t in NEG])
    meta = train_program_filter(tmp_path)
    assert meta["n_examples"] == 16 and meta["n_positive"] == 8
    for k in ("precision", "recall", "f1"):
        assert 0.0 <= meta["cv"][k] <= 1.0 and len(meta["cv"][f"{k}_per_fold"]) == 5
    on_disk = json.loads((tmp_path / PROGRAM_FILTER_META).read_text(encoding="utf-8"))
    assert on_disk == meta and on_disk["trained"] and on_disk["threshold"] == 0.45
    assert ProgramFilter.from_disk(tmp_path).predict(cands(["村社共建"])) in ([True], [False])


def test_train_needs_both_labels(tmp_path: Path) -> None:
    write_tsv(tmp_path / "training" / "program_terms.tsv", [(t, 1) for t in POS])
    with pytest.raises(ValueError):
        train_program_filter(tmp_path)


def test_repository_training_data_and_model_meta() -> None:
    tsv = REPO / "models" / "training" / "program_terms.tsv"
    if not tsv.exists():
        pytest.skip("no training data in models/")
    cands_, labels = load_program_examples(tsv)
    assert len(cands_) == len(labels) >= 500 and 0 < sum(labels) < len(labels)
    assert {c.source for c in cands_} <= {"quoted", "suffix", "plus"}
    meta_path = REPO / "models" / PROGRAM_FILTER_META
    if meta_path.exists():
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        assert meta["n_examples"] == len(labels) + meta["n_sentence_candidates"] and meta["cv"]["folds"] == 5
        assert meta["cv_by_document"]["by"] == "document" and meta["cv_by_document"]["n_documents"] >= 30


def test_written_sentences_label_candidates_by_their_marks(tmp_path: Path) -> None:
    tsv = tmp_path / "s.tsv"
    tsv.write_text(
        "# made-up passages\ndoc\tsentence\n"
        "a\t县里推行“⟦托管代种⟧”模式，群众的“钱袋子”鼓了起来。\n"
        "b\t全县建立了⟦扶贫资产管护机制⟧，并完善工作机制。\n",
        encoding="utf-8",
    )
    cands_, labels, groups, unproposed = load_program_sentences(tsv)
    got = {(c.term, label, g) for c, label, g in zip(cands_, labels, groups, strict=True)}
    assert {("托管代种", 1, "a"), ("钱袋子", 0, "a"), ("扶贫资产管护机制", 1, "b")} <= got
    assert not unproposed


def test_repository_sentences_parse() -> None:
    tsv = REPO / "models" / "training" / "program_sentences.tsv"
    _, labels, groups, _ = load_program_sentences(tsv)
    assert len(set(groups)) >= 30 and 0 < sum(labels) < len(labels)


@pytest.mark.parametrize(
    ("sentence", "name", "negative"),
    [
        (
            "d1\t該縣推行「⟦跨村聯營⟧」模式，村裡不再「單打獨鬥」。",
            "跨村联营",
            "单打独斗",
        ),  # traditional, corner quotes
        ("d2\t县里推行“⟦村社共建⟧”模式，村里不再“各自为战”。", "村社共建", "各自为战"),
        ("d3\t镇里实行“⟦托管代养⟧”，群众称之为“躺着挣钱”。", "托管代养", "躺着挣钱"),  # full width → as extraction
    ],
)
def test_sentences_are_read_as_extraction_sees_them(tmp_path: Path, sentence: str, name: str, negative: str) -> None:
    tsv = tmp_path / "program_sentences.tsv"
    tsv.write_text("# guideline\ndoc\tsentence\n" + sentence + "\n", encoding="utf-8")
    cands_, labels, _groups, unproposed = load_program_sentences(tsv)
    got = {c.term: y for c, y in zip(cands_, labels, strict=True)}
    assert got[name] == 1 and got[negative] == 0 and not unproposed
