"""`ruralmine report`: one self-contained HTML file over a store built from made-up records (tests/serve/conftest.py:
one county report whose text and title hold a script tag and an img with onerror), checked through the CLI."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from pipeline.cli import app as cli_app
from pipeline.model import Clause, Mention
from tests.serve.conftest import HOSTILE, IMG, TEXT, build

CHROMIUM = Path("/usr/bin/chromium")
SECTIONS = {
    "counties": "县概况",
    "indicators": "指标对比",
    "tools": "政策工具分布",
    "matrix": "做法×县矩阵",
    "families": "做法家族",
    "conflicts": "数据冲突",
    "evidence": "证据",
}


class Parsed(HTMLParser):
    """Every id, every src/href, the tags seen, the text of ``<a class="num">`` links with their targets."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.refs: list[tuple[str, str, str]] = []  # (tag, attribute, value)
        self.tags: list[str] = []
        self.numbers: list[tuple[str, str]] = []  # (href, text)
        self.inline_handlers: list[str] = []
        self._num: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self.tags.append(tag)
        if "id" in a:
            self.ids.add(a["id"])
        self.refs += [(tag, k, a[k]) for k in ("src", "href", "xlink:href", "action", "data") if k in a]
        self.inline_handlers += [k for k in a if k.startswith("on")]
        if tag == "a" and "num" in a.get("class", "").split():
            self._num = a["href"]
            self.numbers.append((a["href"], ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "a":
            self._num = None

    def handle_data(self, data: str) -> None:
        if self._num is not None:
            href, text = self.numbers[-1]
            self.numbers[-1] = (href, text + data)


def _clause(needle: str, tool: str, sub_tool: str) -> Clause:
    start = TEXT.index(needle)
    end = TEXT.index("。", start) + 1
    return Clause(Mention("d1", start, end, start, end, None, "CLAUSE", TEXT[start:end], TEXT[start:end], "t"),
                  "产业", tool, sub_tool, 0.9, county_code="522632")  # fmt: skip


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """(OUT, the report's HTML): the serve store with two coded clauses (one over the script tag) and one
    conflict whose quotes hold the markup, rendered through the CLI."""
    base = tmp_path_factory.mktemp("report")
    out = build(base, [_clause("榕江县推行", "供给型", "技术支持"), _clause("截至", "需求型", "政府采购")])
    with duckdb.connect(str(out / "kg.duckdb")) as con:  # a conflict: 脱贫人口 of 2020, 1200 vs 5000
        a, b = TEXT.index("1200人"), TEXT.index("5000人")
        con.execute(
            """insert into conflicts (county_code, indicator, unit, date, value_a, value_b, doc_a, start_a, end_a,
               raw_a, doc_b, start_b, end_b, raw_b) values ('522632', ?, '人', '2020', 1200, 5000, 'd1', ?, ?,
               '1200人', 'd1', ?, ?, '5000人')""",
            [f"脱贫人口{HOSTILE}", a, a + 5, b, b + 5],
        )
    got = CliRunner().invoke(cli_app, ["report", "--out", str(out)])
    assert got.exit_code == 0, got.output
    assert "report.html" in got.output
    return out, (out / "report.html").read_text(encoding="utf-8")


def test_report_file_has_every_section_with_chinese_headings(report: tuple[Path, str]) -> None:
    out, html = report
    assert (out / "report.html").is_file()
    assert not list(out.glob("*.tmp*")) and not list(out.glob(".*report*"))  # written atomically: no leftovers
    parsed = Parsed()
    parsed.feed(html)
    for anchor, heading in SECTIONS.items():
        assert anchor in parsed.ids, anchor
        assert re.search(rf'<section class="part" id="{anchor}">\s*<h2>{heading}</h2>', html), heading
    assert "榕江县" in html and "贵州省" in html and "黔东南苗族侗族自治州" in html  # the county profile
    assert "三统一" in html and "统一种苗、统一技术、统一销售" in html  # a formula with its steps
    assert "社社联建 → 脱贫人口" in html  # a key outcome
    assert "<svg" in html and "供给型" in html and "需求型" in html  # charts, the policy-tool bars
    assert "没有数据冲突" not in html  # the conflict is listed


def test_report_is_self_contained(report: tuple[Path, str]) -> None:
    _, html = report
    parsed = Parsed()
    parsed.feed(html)
    assert parsed.refs, "the report links numbers to evidence"
    outside = [r for r in parsed.refs if not (r[2].startswith("#") or r[2].startswith("data:"))]
    assert outside == []
    assert "script" not in parsed.tags and "iframe" not in parsed.tags  # no script runs, none is loaded
    assert not any(t == "link" and k == "href" and not v.startswith("data:") for t, k, v in parsed.refs)
    assert "<style>" in html and "--accent" in html  # the explorer's CSS, inlined
    assert not re.search(r"(?i)url\(\s*['\"]?(https?:)?//", html)  # no font or image fetched by CSS
    assert parsed.inline_handlers == []  # the img's onerror is text, not an attribute


def test_every_number_links_to_an_existing_evidence_entry(report: tuple[Path, str]) -> None:
    _, html = report
    parsed = Parsed()
    parsed.feed(html)
    missing = [v for _, _, v in parsed.refs if v.startswith("#") and v[1:] not in parsed.ids]
    assert missing == []
    assert parsed.numbers
    for href, text in parsed.numbers:
        assert re.fullmatch(r"[\d,.]+", text.strip()), text
        assert href.startswith("#ev-"), href
    linked = {text.strip() for _, text in parsed.numbers}
    assert {"1", "2", "1,200", "5,000"} <= linked  # documents, formulas …; the outcome; the conflict's values
    # the 1,200 of the outcome opens an entry quoting the evidence sentence with document, page and offsets
    href = next(h for h, t in parsed.numbers if t.strip() == "1,200")
    entry = html[html.index(f'id="{href[1:]}"') :]
    entry = entry[: entry.index('<div class="evidence"') if '<div class="evidence"' in entry else len(entry)]
    assert "截至2020年底" in entry and "文档 d1" in entry and "字符" in entry
    bars = [v for t, _, v in parsed.refs if t == "a" and v.startswith("#ev-")]
    assert len(bars) >= len(parsed.numbers)  # the chart bars link too


def test_markup_in_documents_is_escaped(report: tuple[Path, str]) -> None:
    _, html = report
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;alert(&#39;xss&#39;)&lt;/script&gt;" in html  # the clause's and the conflict's text
    assert "&lt;img src=x onerror=alert(1)&gt;" in html  # in the outcome's evidence paragraph
    assert IMG not in html and HOSTILE not in html


def test_report_without_a_store_says_what_to_do(tmp_path: Path) -> None:
    got = CliRunner().invoke(cli_app, ["report", "--out", str(tmp_path / "nothing")])
    assert got.exit_code == 1
    assert "no store" in got.output and "extract" in got.output
    assert not (tmp_path / "nothing").exists()


def test_report_name_must_stay_inside_out(report: tuple[Path, str]) -> None:
    out, _ = report
    got = CliRunner().invoke(cli_app, ["report", "--out", str(out), "--name", "../elsewhere.html"])
    assert got.exit_code == 1
    assert "plain file name" in got.output
    assert not (out.parent / "elsewhere.html").exists()


@pytest.mark.slow
@pytest.mark.skipif(not CHROMIUM.is_file(), reason="no /usr/bin/chromium (scripts/system_deps.sh installs it)")
def test_report_opens_from_disk_offline_in_chromium(report: tuple[Path, str], tmp_path: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (the dev extra)")
    out, _ = report
    problems: list[str] = []
    requests: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"])
        try:
            context = browser.new_context(offline=True, viewport={"width": 1280, "height": 900})
            context.route("**/*", lambda route: (requests.append(route.request.url), route.continue_())
                          if route.request.url.startswith("file:") else (requests.append(route.request.url),
                                                                          route.abort()))  # fmt: skip
            page = context.new_page()
            page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
            page.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))
            page.goto((out / "report.html").as_uri())
            assert page.locator("h2", has_text="县概况").is_visible()
            assert page.locator("svg.bars").count() >= 2
            page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
            page.locator("a.num", has_text="1,200").first.click()  # a number → its evidence quote
            target = page.evaluate("location.hash")
            assert target.startswith("#ev-")
            assert "截至2020年底" in page.locator(target).inner_text()
            assert "<script>alert('xss')</script>" in page.locator("#conflicts").inner_text()  # shown as text
            page.screenshot(path=str(tmp_path / "evidence.png"))
        finally:
            browser.close()
    assert problems == []
    assert [u for u in requests if not u.startswith("file:")] == []
    assert (tmp_path / "report.png").stat().st_size > 1000
