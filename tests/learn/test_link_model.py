"""The link model: marked training documents, pairs, document-wise cross-validation, save and load."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.learn.links import LinkModel, parse_marked
from pipeline.learn.train import LINK_TRAINING_TSV, link_pairs, load_link_docs, train_link_model

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("marked", "text", "practices", "figures"),
    [
        ("推行⟦联户经营⟧，带动⟨300户@联户经营⟩。", "推行联户经营，带动300户。", [("联户经营", "program")],
         [("300户", ("联户经营",), "achieved")]),
        ("⟦惠农贷|l⟧发放⟨2亿元@惠农贷⟩，全县有耕地⟨40万亩@-⟩。", "惠农贷发放2亿元，全县有耕地40万亩。",
         [("惠农贷", "loan_product")], [("2亿元", ("惠农贷",), "achieved"), ("40万亩", (), "achieved")]),
        ("通过⟦A工程⟧和⟦B计划|s⟧，力争⟨5万人@A工程&B计划:target⟩。", "通过A工程和B计划，力争5万人。",
         [("A工程", "program"), ("B计划", "slogan")], [("5万人", ("A工程", "B计划"), "target")]),
        ("标题\\n正文⟦合作社|o⟧。", "标题\n正文合作社。", [("合作社", "organization")], []),
    ],
)  # fmt: skip
def test_parse_marked(marked: str, text: str, practices: list, figures: list) -> None:
    md = parse_marked("m", marked)
    assert md.text == text
    assert [(name, kind) for _, _, name, kind in md.practices] == practices
    assert [(md.text[f.start : f.end], f.practices, f.relation) for f in md.figures] == figures
    for s, e, name, _ in md.practices:
        assert md.text[s:e] == name


def test_training_file_parses_and_names_only_marked_practices() -> None:
    docs = load_link_docs(REPO / "models" / LINK_TRAINING_TSV)
    assert len(docs) >= 80
    for md in docs:
        names = {name for _, _, name, _ in md.practices}
        for f in md.figures:
            assert set(f.practices) <= names, (md.doc_id, f.practices)


def test_every_marked_link_is_a_candidate_pair() -> None:
    for md in load_link_docs(REPO / "models" / LINK_TRAINING_TSV)[:15]:
        pairs = link_pairs(md)
        assert sum(label for _, label, _, _ in pairs) == sum(len(f.practices) for f in md.figures), md.doc_id


def test_train_cross_validates_by_document_and_round_trips(tmp_path: Path) -> None:
    src = (REPO / "models" / LINK_TRAINING_TSV).read_text(encoding="utf-8").splitlines()
    (tmp_path / "training").mkdir()
    keep = [ln for ln in src if ln.startswith(("#", "doc\t"))] + [ln for ln in src if ln[:1] == "t"][:30]
    (tmp_path / LINK_TRAINING_TSV).write_text("\n".join(keep) + "\n", encoding="utf-8")
    meta = train_link_model(tmp_path)
    assert meta["cv"]["by"] == "document" and 0.5 < meta["cv"]["f1"] <= 1.0
    assert meta["n_documents"] == 30 and meta["n_links"] > 0
    model = LinkModel.from_disk(tmp_path)
    assert model.predict([]) == []
    assert 0.0 <= model.predict_proba([{"same_sentence": 1.0}])[0] <= 1.0
