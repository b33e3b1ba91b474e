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


def old_list_after(text: str, end: int, window: int = 6000, near: int = 400) -> list[list[str]]:
    """``_list_after`` before the probe of the near stretch: every marker pattern scans the whole window."""
    seg_end = min(len(text), end + window)
    found: list[list[str]] = []
    for rx in (M.NUMBERED_ITEM_RE, M.PAREN_ITEM_RE, M.CN_ITEM_RE, M._ORDINAL_ITEM_RE):
        marks: list[re.Match[str]] = []
        for m in rx.finditer(text, end, seg_end):
            if not marks and m.start() - end > near:
                break
            n = M.cn_int(m.group(1))
            if n == len(marks) + 1:
                if not marks and m.start() - end > near:
                    break
                marks.append(m)
            elif n == 1 and marks:
                break
        if len(marks) >= 2:
            bounds = [m.start() for m in marks[1:]] + [len(text)]
            found.append([M._item_text(text, m.end(), stop=b) for m, b in zip(marks, bounds, strict=True)])
    return found


LIST_PIECES = [*"12一二三是要、。；：:，\n \u3000（）(.．第x修路", "1.", "（一）", "一是", "第二，"]
LIST_TEXT = st.lists(st.sampled_from(LIST_PIECES), max_size=40)


@settings(max_examples=600, deadline=None)
@given(LIST_TEXT.map("".join), st.integers(0, 6), st.integers(0, 12), st.integers(1, 40))
def test_list_after_probe_equals_the_window_scan(text: str, end: int, near: int, window: int) -> None:
    # small windows and distances put item markers (and whitespace runs) across the probe's edge
    assert M._list_after(text, end, window, near) == old_list_after(text, end, window, near)


def test_list_after_of_made_up_lists() -> None:
    far = "实施“三保障”工程。" + "修" * 500 + "。1. 修路。2. 建桥。"
    near = "实施“两个确保”工程：一是修通道路；二是建好桥梁。（一）修路。（二）建桥。"
    spaced = "实施工程。" + " " * 30 + "1. 修路。2. 建桥。"
    for text, end in ((far, 10), (near, 10), (spaced, 5)):
        assert M._list_after(text, end) == old_list_after(text, end)
    assert M._list_after(far, 10) == []
    assert len(M._list_after(near, 10)) == 2
    assert M._list_after(spaced, 5, near=4) == old_list_after(spaced, 5, near=4) != []


def old_plus_starts(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in M._PLUS_RE.finditer(text)]


PLUS_PIECES = [*"企业合作社农户+（）(龙头)a，。 \n", "+", "（县供销社）", "公司+基地+农户", "龙头企业带动"]
PLUS_TEXT = st.lists(st.sampled_from(PLUS_PIECES), max_size=50)


@settings(max_examples=600, deadline=None)
@given(PLUS_TEXT.map("".join))
def test_plus_chains_start_near_the_first_plus(text: str) -> None:
    # no chain starts more than _PLUS_LEAD characters before the text's first "+": the skipped prefix loses none
    first = text.find("+")
    starts = old_plus_starts(text)
    assert all(s >= first - M._PLUS_LEAD for s, _ in starts)
    assert [(m.start(), m.end()) for m in M._PLUS_RE.finditer(text, max(0, first - M._PLUS_LEAD))] == (
        starts if first >= 0 else []
    )


def test_plus_chains_of_made_up_text() -> None:
    lead = "某某村探索产业模式" * 5
    text = lead + "采取龙头企业（某某县供销社）+合作社+农户的模式，带动增收。"
    assert M._plus_chains(text) and M._plus_chains(lead) == []
    got = M._plus_chains(text)
    assert text[got[0][0] : got[0][1]].endswith("合作社+农户")
    # the chain opens 16 characters before its "+" (8 CJK, an 8-character gloss): the skip must not reach it
    assert old_plus_starts(text)[0][0] == text.index("+") - 16
    first = text.index("+")
    assert [(m.start(), m.end()) for m in M._PLUS_RE.finditer(text, first - M._PLUS_LEAD)] == old_plus_starts(text)
