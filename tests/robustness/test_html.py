"""Nothing executes from a review page: file names, titles, labels and document text are data in the HTML.

displaCy escapes the text it highlights but not the page title (the doc_id, i.e. the file name) nor the labels:
a file named ``<img src=x onerror=alert(9)>.txt`` used to land in the heading as markup. Each test builds its
hostile name or text and parses the page with ``html.parser``: no element or attribute from the input."""

from __future__ import annotations

import csv
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.run import extract

REPO = Path(__file__).resolve().parents[2]
REPORT = "黎平县“合作联营”模式调查\n一、基本情况\n黎平县位于贵州省黔东南州。2015年全县有建档立卡贫困户2.1万户。\n"
HOSTILE_NAME = "<img src=x onerror=alert(9)>"
HOSTILE_TEXT = (
    '<script>alert(1)</script>黎平县有贫困户3200户" onmouseover="alert(2)" x="\n'
    '<img src=x onerror=alert(3)>榕江县<a href="javascript:alert(4)">发放贷款1.2亿元</a>\'><svg onload=alert(5)>\n'
)
# What displaCy's own page template uses; anything else is markup that came from the input.
DISPLACY_TAGS = {"html", "head", "title", "body", "figure", "div", "h2", "mark", "span", "br"}


class Page(HTMLParser):
    """Every start tag with its attributes, and the text inside each tag."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.text: dict[str, list[str]] = {}
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))
        if tag != "br":
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if self.open and self.open[-1] == tag:
            self.open.pop()

    def handle_data(self, data: str) -> None:
        if self.open:
            self.text.setdefault(self.open[-1], []).append(data)


def parse(page: str) -> Page:
    p = Page()
    p.feed(page)
    p.close()
    return p


def assert_inert(page: str) -> Page:
    """No tag but displaCy's, no event handler or javascript: URL, nothing the input could have put there."""
    p = parse(page)
    tags = {t for t, _ in p.tags}
    assert tags <= DISPLACY_TAGS, tags - DISPLACY_TAGS
    for tag, attrs in p.tags:
        for name, value in attrs:
            assert not name.startswith("on"), (tag, name, value)
            assert name in {"class", "style", "lang", "dir"}, (tag, name, value)
            assert "javascript:" not in (value or "").lower()
    return p


def test_hostile_name_and_text_stay_text(make_doc: Callable[..., Any], resources: Any) -> None:
    doc = make_doc(HOSTILE_TEXT + REPORT, doc_id=f"sub/{HOSTILE_NAME}")
    page = extract(doc, resources, review=True).review_html
    p = assert_inert(page)
    assert "".join(p.text["h2"]) == f"sub/{HOSTILE_NAME}"  # the heading shows the name as text
    shown = "".join(t for texts in p.text.values() for t in texts)
    assert "<script>alert(1)</script>" in shown and 'onmouseover="alert(2)"' in shown  # the text, as text
    assert "<img" not in page and "<script" not in page and "<svg" not in page


def test_markup_in_and_around_highlighted_spans_stays_text(make_doc: Callable[..., Any], resources: Any) -> None:
    doc = make_doc("黎平县<b>全县</b>有建档立卡贫困户<i>2.1万户</i>。\n", doc_id="d")
    p = assert_inert(extract(doc, resources, review=True).review_html)
    assert p.text.get("mark"), "the page highlights something"
    assert "<b>全县</b>" in "".join(t for texts in p.text.values() for t in texts)


def test_a_hostile_label_stays_text(make_doc: Callable[..., Any], resources: Any) -> None:
    """Labels (a figure's unit, a place's level …) reach the page unescaped by displaCy: escaped by us."""
    from spacy.tokens import Span

    from pipeline.extract.annotate import annotate, review_html

    sdoc = annotate(resources.nlp, make_doc("黎平县有建档立卡贫困户2.1万户。\n", doc_id="d"))
    label = '<img src=x onerror=alert(7)>" onclick="alert(8)'
    for key in ("places", "figures"):
        sdoc.spans[key] = [Span(sdoc, s.start, s.end, label=label) for s in sdoc.spans.get(key, [])]
    p = assert_inert(review_html(sdoc))
    assert label in "".join(p.text["span"])


@pytest.mark.slow
def test_review_pages_of_a_run_are_inert(tmp_path: Path) -> None:
    """Through the CLI: a hostile file name and hostile text, extract --review; every page is inert."""
    corpus, out = tmp_path / "c", tmp_path / "o"
    corpus.mkdir()
    (corpus / f"{HOSTILE_NAME}.txt").write_text(HOSTILE_TEXT + REPORT, encoding="utf-8")
    (corpus / '" onmouseover="alert(6).txt').write_text(REPORT, encoding="utf-8")
    result = CliRunner().invoke(
        app, ["extract", str(corpus), "--out", str(out), "--review", "--models-dir", str(REPO / "models")]
    )
    assert result.exit_code == 0, result.output
    with (out / "documents.csv").open(encoding="utf-8-sig", newline="") as fh:
        docs = {r["doc_id"]: r for r in csv.DictReader(fh)}
    assert set(docs) == {HOSTILE_NAME, '" onmouseover="alert(6)'}
    for doc_id, row in docs.items():
        page = (out / row["review_file"]).read_text(encoding="utf-8")
        p = assert_inert(page)
        assert "".join(p.text["h2"]) == doc_id
