"""The measures stage's scans that visit only the characters they act on give what the per-character loops gave."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

import pipeline.extract.measures as M


def old_policies(text: str) -> list[M._Found]:
    out: list[M._Found] = []
    depth, open_at = 0, -1
    for i, ch in enumerate(text):
        if ch == "《":
            if depth == 0:
                open_at = i
            depth += 1
        elif ch == "》" and depth:
            depth -= 1
            if depth == 0:
                name = text[open_at + 1 : i].strip()
                core = M._POLICY_TRAIL.sub("", name).strip()
                if 2 <= len(name) <= 80 and "\n" not in name and M._POLICY_SUFFIX.search(core):
                    out.append(M._Found("policy_document", name, open_at + 1, i, "rule:book_title"))
        elif ch == "\n":
            depth = 0
    return out


def old_cut(seg: str) -> int:
    return max((i for i, ch in enumerate(seg) if not re.match(rf"[{M.CJK}]", ch)), default=-1)


TEXT = st.text(st.sampled_from(list("《》\n关于实施乡村振兴战略的意见办法通知（试行）、，：县村a1 ")), max_size=60)


@settings(max_examples=400, deadline=None)
@given(TEXT)
def test_policies_scan_equals_the_character_loop(text: str) -> None:
    assert M._policies(text) == old_policies(text)


def test_policies_of_made_up_text() -> None:
    text = "县里印发《关于实施乡村振兴战略的意见》和《某县产业扶贫实施办法（试行）》。\n《未闭合\n《通知》"
    assert M._policies(text) == old_policies(text)
    assert [f.name for f in M._policies(text)][:2] == ["关于实施乡村振兴战略的意见", "某县产业扶贫实施办法（试行）"]


@settings(max_examples=300, deadline=None)
@given(TEXT, st.data())
def test_listed_name_equals_the_character_test(text: str, data: st.DataObject) -> None:
    for seg in (text, text[:20]):
        cut = -1
        for m in M._NON_CJK_RE.finditer(seg):
            cut = m.start()
        assert cut == old_cut(seg)
    pos = data.draw(st.integers(0, len(text)))
    M._listed_name(text, pos, "模式")  # runs on any text


def test_listed_name_of_a_made_up_list() -> None:
    text = "探索了三种模式，即整村再建新乡镇搬迁模式、联村并建小城镇搬迁模式、梯度搬迁模式。"
    pos = text.index("模式、联村")
    assert M._listed_name(text, pos, "模式") == "整村再建新乡镇搬迁"
