"""The store's ``json`` column (io/store.py ``_JSON``, one C encoder made once) gives the text
``json.JSONEncoder(ensure_ascii=False, default=str).encode`` gives, on odd generated attribute dicts."""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.io import store

_REF = json.JSONEncoder(ensure_ascii=False, default=str).encode
_SCALAR = st.one_of(
    st.text(),  # any code point, lone surrogates, quotes, controls
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
    st.dates(),  # not JSON: ``default=str``
)
_VALUE = st.recursive(
    _SCALAR, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3)
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(), _VALUE, max_size=8))
def test_the_same_text_as_the_encoder(d: dict[str, Any]) -> None:
    assert store._JSON(d) == _REF(d)


def test_a_case_table() -> None:
    cases: list[Any] = [
        {},
        {"relation": "reports", "doc_id": "a", "start": 3, "end": 7, "weight": 1.0},
        {"label": '增收 "x" \\ \n\t\x00', "n": None, "ok": True, "nan": math.nan, "inf": -math.inf},
        {"date": dt.date(2020, 12, 31), "list": [1, "二", 2.5], "nested": {"k": [None]}},
        {"surrogate": "\ud800", "big": 2**64},
        "a bare text",
    ]
    for d in cases:
        assert store._JSON(d) == _REF(d)
    assert store._JSON(cases[2]) == _REF(cases[2])  # again: nothing kept from one call to the next
