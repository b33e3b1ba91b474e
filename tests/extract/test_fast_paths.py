"""The faster paths of links, figures and qualify give what the slower code gave: the counted head read without a
regular expression per practice, the features read around a figure once for all its pairs, the link model's
probabilities computed in place (bitwise those of scikit-learn), literal status cues skipped where their word is
absent, memoized numeral and range parsing, and the sentence start found with ``str.rfind``."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import random
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pipeline.extract.links as L
import pipeline.extract.qualify as Q
from pipeline.text.chars import SENT_END
from pipeline.text.numerals import parse_number, parse_quantity
from pipeline.text.segment import sentence_span, sentence_start
from tests.extract.test_links_linear import MODELS, _parsed
from tests.extract.test_qualify import STATUS_CASES, _qualified

# ------------------------------------------------------------------------------------------------------ links


def _counted_head_regex(left: str, name: str) -> bool:
    """The regular expression ``_counted_head`` stands for: a counter (8个, 该, 这些, 全县) right before the last 3
    or 2 characters of the name."""
    return any(re.search(f"(?:{L._COUNTER}){re.escape(name[-k:])}", left) for k in (3, 2))


@settings(max_examples=400, deadline=None)
@given(
    st.text(alphabet="合作社车间12３两十百个家处批该这些此各全县市区甲，。", max_size=30),
    st.sampled_from(["扶贫互助合作社", "扶贫车间", "光伏扶贫", "三变改革", "村集体经济"]),
)
def test_counted_head_equals_its_regular_expression(left: str, name: str) -> None:
    assert L._counted_head(left, name) == _counted_head_regex(left, name)


@pytest.mark.parametrize(
    ("left", "found"),
    [("全县7个合作社吸收社员", True), ("该车间吸纳", True), ("这些合作社", True), ("合作社吸收社员", False)],
)
def test_counted_head_cases(left: str, found: bool) -> None:
    assert L._counted_head(left, "扶贫互助合作社" if "合作社" in left else "扶贫车间") is found


def _digest(pairs: list[tuple[str, int, dict[str, float]]]) -> str:
    return hashlib.sha256(json.dumps([[n, p, sorted(f.items())] for n, p, f in pairs]).encode()).hexdigest()


def test_features_with_the_figure_view_equal_those_without() -> None:
    """``candidate_pairs`` reads the figure's surroundings once (``_figure_view``) and passes them to every pair;
    asked alone, ``pair_features`` reads them itself: the same features."""
    doc, measures, figures = _parsed(2)
    shared, alone = [], []
    for art in L.articles_of(doc):
        ctx = L.link_context(doc, art, measures, {})
        for fig in figures:
            for p in L.candidate_pairs(ctx, fig):
                extra = {k for k in ("heading", "anaphor", "para_anaphor", "main") if p.features.get(k)}
                shared.append((p.practice.name, fig.mention.start, p.features))
                alone.append((p.practice.name, fig.mention.start, L.pair_features(ctx, p.practice.name, fig, extra)))
    assert len(shared) > 100
    assert _digest(shared) == _digest(alone)


# -------------------------------------------------------------------------------------------------- link model


def _pipeline_probs(model: Any, X: list[dict[str, float]]) -> list[float]:
    return [float(p[1]) for p in model.pipeline_.predict_proba(X)]


@pytest.mark.slow
def test_the_trained_link_model_gives_scikit_learns_probabilities_bitwise() -> None:
    from pipeline.learn.links import LinkModel

    if not (MODELS / "link_model.pkl").exists():
        pytest.skip("no link model in models/ (make train)")
    model = LinkModel.from_disk(MODELS)
    doc, measures, figures = _parsed(2)
    ctxs = [L.link_context(doc, art, measures, {}) for art in L.articles_of(doc)]
    X = [p.features for ctx in ctxs for fig in figures for p in L.candidate_pairs(ctx, fig)]
    assert len(X) > 100
    assert model._linear() is not None  # the in-place path is the one taken
    assert model.predict_proba(X) == _pipeline_probs(model, X)


def _random_features(rng: random.Random, n: int) -> list[dict[str, float]]:
    names = [f"f{i}" for i in range(30)]
    return [
        {k: rng.choice([1.0, rng.random(), rng.uniform(-3, 3)]) for k in rng.sample(names, rng.randint(0, 12))}
        | ({"unseen": 1.0} if rng.random() < 0.2 else {})
        for _ in range(n)
    ]


def test_a_fitted_link_model_gives_scikit_learns_probabilities_bitwise_and_follows_a_refit() -> None:
    from pipeline.learn.links import LinkModel

    rng = random.Random(7)
    train = [{k: v for k, v in x.items() if k != "unseen"} for x in _random_features(rng, 300)]
    model = LinkModel().fit(train, [rng.randint(0, 1) for _ in train])
    X = _random_features(rng, 500)
    assert model.predict_proba(X) == _pipeline_probs(model, X)  # features it never saw are left out, as there
    model.fit(train, [int(x.get("f1", 0) > 0.5) for x in train])  # a refit: the coefficients are read again
    assert model.predict_proba(X) == _pipeline_probs(model, X)
    model.pipeline_.fit(train, [int(x.get("f2", 0) > 0.5) for x in train])  # refitted in place
    assert model.predict_proba(X) == _pipeline_probs(model, X)
    assert "_linear_cache" not in model.__getstate__()  # the cache is never pickled


def test_another_pipeline_is_asked_itself() -> None:
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.pipeline import make_pipeline
    from sklearn.tree import DecisionTreeClassifier

    from pipeline.learn.links import LinkModel

    rng = random.Random(3)
    train = _random_features(rng, 100)
    model = LinkModel()
    model.pipeline_ = make_pipeline(DictVectorizer(), DecisionTreeClassifier(random_state=0))
    model.pipeline_.fit(train, [rng.randint(0, 1) for _ in train])
    assert model._linear() is None
    assert model.predict_proba(train) == _pipeline_probs(model, train)


# ------------------------------------------------------------------------------------------------------ qualify


def test_literal_cues_are_the_escaped_words_they_stand_for() -> None:
    """A cue is skipped where its ``literal`` does not occur: only right when its pattern is that word escaped."""
    cues = Q._status_cues()
    literal = [c for c in cues if c.literal]
    assert literal and any(not c.literal for c in cues)
    for c in literal:
        assert c.rx.pattern == re.escape(c.literal)
    assert Q._left_cues() == tuple(c for c in cues if c.scope not in ("after", "section"))


_CUE_WORDS = sorted({c.literal for c in Q._status_cues() if c.literal})[:40]
_REGEX_CUES = [c for c in Q._status_cues() if not c.literal]


def test_first_characters_of_the_regex_cues() -> None:
    def firsts(prefix: str) -> frozenset[str] | None:
        return next(c for c in _REGEX_CUES if c.rx.pattern.startswith(prefix)).firsts

    assert firsts("确保(?:今年") == frozenset("确")
    assert firsts("(?<![露火光风才援])计划") == frozenset("计")  # the lookbehind consumes nothing
    assert firsts("(?:今年|今年内") == frozenset("今本12")  # (?P<y>(?:19|20)\\d\\d)年 starts with 1 or 2
    assert firsts("(?:^|(?<=[，,：:；;。！？!?\\s]))(?:到|至)\\s*") == frozenset("到至")
    assert firsts("(?:^|(?<=[，,。；;：:]))") is None  # a negated set may start it
    assert sum(c.firsts is not None for c in _REGEX_CUES) >= len(_REGEX_CUES) // 2
    assert Q.first_chars(re.compile(r"a?b")) == frozenset("ab")
    assert Q.first_chars(re.compile(r"a*")) is None  # it matches the empty string
    assert Q.first_chars(re.compile(r"[^a]b")) is None and Q.first_chars(re.compile(r"\db")) is None
    assert Q.first_chars(re.compile(r"(?i)ab")) is None


_CUE_TEXT = st.text(
    alphabet="".join(sorted({ch for c in _REGEX_CUES for ch in c.rx.pattern if ord(ch) > 127} | set("2019年 ，。"))),
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(_CUE_TEXT)
def test_every_match_of_a_regex_cue_starts_with_one_of_its_first_characters(text: str) -> None:
    for c in _REGEX_CUES:
        if c.firsts is None:
            continue
        for m in c.rx.finditer(text):
            assert m.end() > m.start() and text[m.start()] in c.firsts, (c.rx.pattern, text)


def _statuses(texts: list[str]) -> list[list[tuple[str, str]]]:
    return [[(f.mention.text, f.status) for f in _qualified(t)] for t in texts]


def _every_cue_run(monkeypatch: pytest.MonkeyPatch, texts: list[str]) -> list[list[tuple[str, str]]]:
    """The statuses with every left cue run as a regular expression (no literal or first character skipped)."""
    every = tuple(dataclasses.replace(c, literal="", firsts=None) for c in Q._left_cues())
    with monkeypatch.context() as m:
        m.setattr(Q, "_left_cues", lambda: every)
        return _statuses(texts)


@pytest.mark.slow
def test_statuses_equal_those_with_every_cue_run(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = [t for t, _, _ in STATUS_CASES]
    fast = _statuses(texts)
    assert sum(len(x) for x in fast) >= len(texts)
    assert fast == _every_cue_run(monkeypatch, texts)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(_CUE_WORDS),
            st.sampled_from(["新建大棚300个", "带动500人", "收入2万元", "，", "。", "；", "全县", "2025年"]),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_statuses_of_made_up_sentences_equal_those_with_every_cue_run(pieces: list[str]) -> None:
    text = "".join(pieces)
    with pytest.MonkeyPatch.context() as mp:
        assert _statuses([text]) == _every_cue_run(mp, [text])


@pytest.mark.parametrize("span", ["3至5万元", "20—40%", "100万元", "七八千元", "3000-5000平方米", "约2000户", "abc"])
def test_a_figures_range_is_parsed_as_before(span: str) -> None:
    q = parse_quantity(span)
    expected = None if q is None or q.value_high is None or q.value_high <= q.value else (q.value, q.value_high)
    assert Q._range_of(span) == expected
    assert Q._range_of(span) == expected  # the second time from the cache


def test_parse_number_remembers_values_not_failures() -> None:
    assert parse_number("3.2万") == parse_number("3.2万") == 32000
    assert parse_number("一二三") == 123 and parse_number("一百零五", strict=True) == 105
    for _ in range(2):
        with pytest.raises(ValueError):
            parse_number("一二三", strict=True)
        with pytest.raises(ValueError):
            parse_number("abc")


# ------------------------------------------------------------------------------------------------------ segment


def _start_by_loop(text: str, start: int) -> int:
    a = start
    while a > 0 and text[a - 1] not in SENT_END and text[a - 1] != "\n":
        a -= 1
    return a


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="甲乙。！？；;!?\n a", max_size=400), st.data())
def test_sentence_start_equals_the_loop_back(text: str, data: st.DataObject) -> None:
    start = data.draw(st.integers(0, len(text)))
    assert sentence_start(text, start) == _start_by_loop(text, start)
    assert sentence_span(text, start)[0] == _start_by_loop(text, start)


def test_sentence_start_in_a_long_sentence() -> None:
    text = "甲。" + "乙" * 5000 + "丙"
    assert sentence_start(text, len(text)) == 2
    assert sentence_start("乙" * 5000, 4000) == 0


def test_a_count_that_ends_the_text_is_a_figure() -> None:
    """新建大棚300个 with no full stop: the count ends its sentence, no quantity follows (this raised before)."""
    figs = _qualified("新建大棚300个")
    assert [(f.value, f.unit, f.indicator) for f in figs] == [(300, "个", "新建大棚")]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from(["带动", "实现", "累计", "使", "让", "动实", "，", "。", "甲", "\n"]), max_size=30),
    st.data(),
)
def test_cue_words_by_index_equal_the_regex_search(pieces: list[str], data: st.DataObject) -> None:
    """``LinkContext.has_word`` (the article's occurrences of the cue words, bisected) tells what the alternation's
    ``search(text, lo, hi)`` tells, inside the article and around it."""
    from pipeline.model import Article, Document, OffsetMap

    text = "".join(pieces)
    doc = Document("h", "h.txt", "txt", raw_text=text, text=text, offsets=OffsetMap.identity(len(text)))
    a0 = data.draw(st.integers(0, len(text)))
    art = Article(index=0, start=a0, end=data.draw(st.integers(a0, len(text))), title="")
    ctx = L.LinkContext(doc, art, {}, [], [], [a0], [], None, {}, {})
    for _ in range(20):
        lo = data.draw(st.integers(0, len(text)))
        hi = data.draw(st.integers(lo, len(text)))
        assert ctx.has_word("outcome", lo, hi) == (L.OUTCOME_CUES.search(text, lo, hi) is not None)
        assert ctx.has_word("result", lo, hi) == (L._RESULT.search(text, lo, hi) is not None)
