"""The results a run keeps (pipeline/io/spill.py): a list for a small corpus, an unnamed file past SPILL_AFTER."""

from __future__ import annotations

from pathlib import Path

from pipeline.io.spill import KeptResults
from pipeline.model import DocResult
from tests.records import figure, measure, result


def _r(doc_id: str) -> DocResult:
    return result(doc_id, "某县", figures=[figure(doc_id, "贫困户", 300, "户")], measures=[measure(doc_id, "合作联营")])


def test_past_the_limit_results_are_read_back_from_a_file_that_never_shows(tmp_path: Path) -> None:
    kept = KeptResults(tmp_path, spill_after=2)
    given = [_r("c"), _r("a")]
    for r in given:
        kept.append(r)
    assert not kept.spilled and list(kept) == given and kept[0] is given[0]
    kept.append(_r("b"))
    assert kept.spilled and len(kept) == 3
    assert [p.name for p in tmp_path.iterdir()] == []  # unnamed: nothing in the output folder
    kept.sort_by_doc_id()
    assert [r.doc.doc_id for r in kept] == ["a", "b", "c"]
    assert list(kept) == [_r("a"), _r("b"), _r("c")]  # the same records, read back
    assert kept[-1] == _r("c") and [r.doc.doc_id for r in kept[1:]] == ["b", "c"]
    pairs = [(x.doc.doc_id, y.doc.doc_id) for x in kept for y in kept]  # passes may nest
    assert len(pairs) == 9 and pairs[1] == ("a", "b")
    assert kept[0] is not kept[0]  # each read is a new object: nothing is held
    kept.close()


def test_a_small_run_keeps_its_results_in_memory_sorted(tmp_path: Path) -> None:
    kept = KeptResults(tmp_path)
    for d in ("b", "a", "b"):
        kept.append(_r(d))
    kept.sort_by_doc_id()
    assert not kept.spilled and [r.doc.doc_id for r in kept] == ["a", "b", "b"] and len(kept) == 3
