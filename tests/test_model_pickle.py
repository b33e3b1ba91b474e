"""Records pickle compactly (model._Compact) and come back equal, typed and shared as they went in: through
pickle, a spill file (io/spill.py) and a cache entry (io/cache.py)."""

from __future__ import annotations

import hashlib
import logging
import pickle
import zlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.io import cache
from pipeline.io.docfiles import slim
from pipeline.io.spill import KeptResults
from pipeline.model import (
    Article,
    Clause,
    DocResult,
    Document,
    Figure,
    KeptSpans,
    Link,
    Measure,
    Mention,
    OffsetMap,
    Place,
    Section,
    Table,
)
from tests import test_cache
from tests.records import figure, link, measure, result
from tests.test_cache import csvs, entries, extract, write_corpus

processed = test_cache.processed  # the fixture: the doc_ids a run processed

text = st.text(max_size=8)
ints = st.integers(-5, 10**6)
opt_int = st.none() | ints
floats = st.floats(allow_nan=False)
opt_float = st.none() | floats
strs = st.lists(text, max_size=3)

mentions = st.builds(Mention, text, ints, ints, ints, ints, opt_int, text, text, text, text)
places = st.builds(Place, mentions, text, text, text, text, text, text, st.booleans(), ints)
figures = st.builds(Figure, mentions, floats, text, text, text, text, text, text, text, opt_int, text, text, text,
                    opt_float)  # fmt: skip
measures = st.builds(Measure, mentions, text, text, opt_int, strs, text, text, opt_int, strs)
links = st.builds(Link, measures, figures, text, text, mentions, text)
clauses = st.builds(Clause, mentions, text, text, text, floats, opt_int, text, text)
sections = st.builds(Section, ints, text, text, ints, text, ints, ints)
articles = st.builds(Article, ints, ints, ints, text, strs, st.lists(sections, max_size=2))
tables = st.builds(Table, ints, st.lists(strs, max_size=2), ints, ints, text)
documents = st.builds(
    Document, text, text, text, raw_text=text, page_starts=st.lists(ints, max_size=3), text=text,
    offsets=st.none() | st.builds(OffsetMap.identity, st.integers(0, 5)), articles=st.lists(articles, max_size=2),
    tables=st.lists(tables, max_size=2), meta=st.dictionaries(text, text, max_size=2), error_code=text,
)  # fmt: skip
results = st.builds(
    DocResult, documents, st.lists(places, max_size=2), st.lists(figures, max_size=3), st.lists(measures, max_size=2),
    st.lists(links, max_size=2), st.lists(clauses, max_size=2), review_html=text, seconds=floats,
    prepare_seconds=floats, text_chars=opt_int, review_written=st.booleans(),
)  # fmt: skip
records = mentions | places | figures | measures | links | clauses | sections | articles | tables | documents


@settings(max_examples=60, deadline=None)
@given(records)
def test_every_record_kind_round_trips_equal_and_of_its_class(rec: object) -> None:
    for protocol in (2, pickle.HIGHEST_PROTOCOL):
        back = pickle.loads(pickle.dumps(rec, protocol=protocol))
        assert type(back) is type(rec)
        assert back == rec


@settings(max_examples=40, deadline=None)
@given(results)
def test_a_result_round_trips_through_pickle_and_a_cache_entry(r: DocResult) -> None:
    assert pickle.loads(pickle.dumps(r, protocol=pickle.HIGHEST_PROTOCOL)) == r
    assert cache.decode_entry(cache.encode_entry("k", r), "k") == r


def _shared() -> DocResult:
    m, f = measure("d1", "积分制"), figure("d1", "村集体经济收入", 12.5, "万元", sentence="收入12.5万元")
    return result("d1", "黎平县积分制收入12.5万元", measures=[m], figures=[f], links=[link(m, f)])


def test_records_shared_between_lists_stay_shared_after_a_load() -> None:
    back = pickle.loads(pickle.dumps(_shared(), protocol=pickle.HIGHEST_PROTOCOL))
    assert back.links[0].figure is back.figures[0]
    assert back.links[0].practice is back.measures[0]


def test_a_compact_record_is_smaller_than_its_field_by_field_state() -> None:
    m = _shared().figures[0].mention
    state = pickle.dumps((Mention, [getattr(m, f) for f in Mention.__slots__]), protocol=pickle.HIGHEST_PROTOCOL)
    assert pickle.loads(pickle.dumps(m, protocol=pickle.HIGHEST_PROTOCOL)) == m
    assert b"doc_id" not in pickle.dumps(m, protocol=pickle.HIGHEST_PROTOCOL)  # no field names stored
    assert len(pickle.dumps(m, protocol=pickle.HIGHEST_PROTOCOL)) <= len(state)


@settings(max_examples=25, deadline=None)
@given(st.lists(results, min_size=1, max_size=4))
def test_results_through_a_spill_file_equal_the_originals(tmp_path_factory: pytest.TempPathFactory,
                                                          rs: list[DocResult]) -> None:  # fmt: skip
    kept = KeptResults(tmp_path_factory.mktemp("spill"), spill_after=0)
    for r in rs:
        kept.append(r)
    assert kept.spilled
    assert list(kept) == rs
    kept.close()


def test_a_slim_result_through_a_spill_file_keeps_its_section_spans(tmp_path: Path) -> None:
    r = _shared()
    r.doc.articles = [Article(0, 0, 5, sections=[Section(0, "1", "做法", 1, "做法", 0, 3)])]
    s = slim(r)
    kept = KeptResults(tmp_path, spill_after=0)
    kept.append(s)
    back = kept[0]
    assert back == s and isinstance(back.doc.offsets, KeptSpans)
    assert back.doc.to_raw(0, 3) == r.doc.to_raw(0, 3)
    assert back.links[0].figure is back.figures[0]
    kept.close()


def test_an_entry_of_the_previous_format_is_a_miss() -> None:
    old = zlib.compress(pickle.dumps((1, "k1", _shared()), protocol=pickle.HIGHEST_PROTOCOL))
    assert cache.FORMAT != 1
    with pytest.raises(cache.DamagedEntry, match="another format"):
        cache.decode_entry(cache.MAGIC + hashlib.sha256(old).digest() + old, "k1")


@pytest.mark.slow
def test_through_the_cli_an_entry_of_the_previous_format_is_processed_again(
    tmp_path: Path, processed: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    corpus, out = write_corpus(tmp_path / "c"), tmp_path / "out"
    extract(corpus, out)
    before = csvs(out)
    old = entries(out)[0]
    payload = zlib.compress(pickle.dumps((cache.FORMAT - 1, old.stem, _shared()), protocol=pickle.HIGHEST_PROTOCOL))
    old.write_bytes(cache.MAGIC + hashlib.sha256(payload).digest() + payload)
    (out / cache.CACHE_DIR / cache.RUN_FILE).unlink()  # not "unchanged": every entry is looked up
    processed.clear()
    with caplog.at_level(logging.WARNING, logger="pipeline.io.cache"):
        got = extract(corpus, out)
    assert len(processed) == 1 and "cache: 2 document(s) unchanged, 1 processed" in got
    assert any("another format" in r.getMessage() for r in caplog.records)
    assert csvs(out) == before  # the hits (compact pickles) give the same tables as the cold run
