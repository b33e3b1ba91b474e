"""The sentences that mention a practice (practices.PracticeContexts): found by bisecting the document's sentence
ends (issue 12), the same as the search per end character both ways it replaced."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.corpus.practices import _mention_sentences, sentence_ends
from pipeline.text.chars import SENT_END


def _old_mention_sentences(name: str, text: str, limit: int = 6) -> list[str]:
    """The implementation before issue 12's corpus-stage round."""
    out: list[str] = []
    pos = text.find(name)
    while pos >= 0 and len(out) < limit:
        a = max(text.rfind(c, 0, pos) for c in SENT_END + "\n") + 1
        ends = [e for c in SENT_END + "\n" if (e := text.find(c, pos + len(name))) >= 0]
        b = min(ends) + 1 if ends else len(text)
        sent = text[a:b].strip()
        if sent and sent not in out:
            out.append(sent)
        pos = text.find(name, b)
    return out


_CHARS = (
    "社联建贷一 \n" + SENT_END
)  # names are never empty (both loop forever on an empty name: PracticeContexts skips those)


@settings(max_examples=400, deadline=None)
@given(st.text(_CHARS, min_size=1, max_size=4), st.text(_CHARS, max_size=80), st.integers(1, 6))
def test_mention_sentences_as_before(name: str, text: str, limit: int) -> None:
    want = _old_mention_sentences(name, text, limit)
    assert _mention_sentences(name, text, limit) == want
    assert _mention_sentences(name, text, limit, ends=sentence_ends(text)) == want


def test_mention_sentences_cases() -> None:
    text = "推行社社联建。社社联建发放贷款！\n其他内容；社社联建"
    assert sentence_ends(text).tolist() == [6, 15, 16, 21]
    assert _mention_sentences("社社联建", text) == ["推行社社联建。", "社社联建发放贷款！", "社社联建"]
    assert _mention_sentences("社社联建", text, limit=1) == ["推行社社联建。"]
    assert _mention_sentences("三位一体", text) == []
    assert _mention_sentences("建。社", text) == ["推行社社联建。社社联建发放贷款！"]  # a name across an end
