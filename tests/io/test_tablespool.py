"""Results kept in a file (io/spill.py) are read once for the texts and every per-document table
(io/tablespool.py): the output folder is the one written from the same results in a list, file for file."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from pipeline.corpus.build import build_corpus
from pipeline.io.output import write_outputs
from pipeline.io.spill import KeptResults
from pipeline.io.tablespool import spool_tables
from pipeline.learn.indicators import IndicatorMapper, IndicatorVocabulary
from pipeline.model import DocResult
from tests.records import clause, figure, link, measure, place, result

REPO = Path(__file__).resolve().parents[2]


def _results() -> list[DocResult]:
    out = []
    for i, (code, county) in enumerate([("522631", "黎平县"), ("522632", "榕江县"), ("522633", "从江县")]):
        d = f"d{i}"
        m = measure(d, "=合作联营", county_code=code, start=3)  # text a spreadsheet would run: neutralized alike
        f = figure(d, "贫困户", 300.0 + i, "户", start=9, county_code=code)
        text = f"{county}创新合作联营模式，带动贫困户{300 + i}户。"
        tools = [clause(d, "供给型", "资金投入")]
        r = result(
            d, text, places=[place(d, code, county)], figures=[f], measures=[m], links=[link(m, f)], clauses=tools
        )
        out.append(r)
    out[1].review_html = "<p>review</p>"
    out.append(result("d3"))  # no text, no records
    return out


def _files(out: Path) -> dict[str, bytes]:
    skip = {"kg.duckdb", "ruralmine.xlsx"}
    return {
        str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file() and p.name not in skip
    }


def _store(out: Path) -> dict[str, list[tuple[object, ...]]]:
    con = duckdb.connect(str(out / "kg.duckdb"), read_only=True)
    try:
        names = [t for (t,) in con.execute("SELECT table_name FROM information_schema.tables ORDER BY 1").fetchall()]
        return {t: con.execute(f'SELECT * FROM "{t}"').fetchall() for t in names}
    finally:
        con.close()


@pytest.mark.slow
def test_spilled_results_give_the_same_folder_as_a_list(tmp_path: Path) -> None:
    mapper = IndicatorMapper(IndicatorVocabulary.load(REPO / "models"), None)
    given = _results()
    write_outputs(tmp_path / "list", given, build_corpus(given, mapper))
    kept = KeptResults(tmp_path / "spill", spill_after=0)
    for r in _results():
        kept.append(r)
    assert kept.spilled
    counts = write_outputs(tmp_path / "file", kept, build_corpus(kept, mapper))
    want = _files(tmp_path / "list")
    assert "text/d0.txt" in want and "review/d1.html" in want and counts["figures.csv"] == 3
    assert _files(tmp_path / "file") == want
    assert _store(tmp_path / "file") == _store(tmp_path / "list")
    assert not [p for p in (tmp_path / "file").iterdir() if p.name.startswith(".")]  # the spool never shows


def test_spooled_rows_come_back_in_order_at_every_call_and_passes_may_interleave(tmp_path: Path) -> None:
    seen: list[str] = []
    tables = {"a": lambda r: [{"i": r, "k": k} for k in range(3)], "empty": lambda r: []}
    spool = spool_tables(range(1500), tables, tmp_path, each=lambda r: seen.append(str(r)))  # type: ignore[arg-type]
    try:
        rows = spool.rows("a")
        want = [{"i": i, "k": k} for i in range(1500) for k in range(3)]
        assert list(rows()) == want and list(rows()) == want  # more than one chunk, read again
        assert list(zip(rows(), rows(), strict=True))[2100] == (want[2100], want[2100])
        assert list(spool.rows("empty")()) == [] and list(spool.rows("unknown")()) == []
        assert len(seen) == 1500 and list(tmp_path.iterdir()) == []
    finally:
        spool.close()
