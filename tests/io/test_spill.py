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


def test_corrections_over_results_in_a_file_are_those_over_a_list(tmp_path: Path) -> None:
    """A corrections file over spilled results: the same corrected records and report, as a view (not a list)."""
    from pipeline.corpus.corrections import apply_corrections, parse_corrections

    rules = parse_corrections("action,name,into,note\nmerge,合作联营,联营,\nreject,贫困户,figure,\n", "c.csv")
    kept = KeptResults(tmp_path, spill_after=0)
    for d in ("a", "b"):
        kept.append(_r(d))
    want, want_report = apply_corrections([_r("a"), _r("b")], rules)
    got, report = apply_corrections(kept, rules)
    assert not isinstance(got, list) and len(got) == 2
    assert list(got) == want and list(got) == want and got[1] == want[1] and got[:1] == want[:1]
    assert [r.measures[0].name for r in got] == ["联营", "联营"] and all(not r.figures for r in got)
    assert [(a.rule.action, a.detail) for a in report] == [(a.rule.action, a.detail) for a in want_report]
    assert [a.rows for a in report] == [2, 2]
