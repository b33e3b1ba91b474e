"""The explorer end to end in headless Chromium (Debian's chromium driven by Playwright, no browser download),
over a store extracted from the repository's sample corpus (copied to a temporary folder, with one more report
whose text holds a script tag and an img with onerror): every page kind loads without console errors and is
saved as a screenshot (tmp_path/screens), county → practice → evidence, table sorting and filtering, figure
filters and a CSV download, a query, rejecting a finding and seeing it pending, markup shown as text."""

from __future__ import annotations

import csv
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from pipeline.cli import app as cli_app

CHROMIUM = Path("/usr/bin/chromium")
REPO = Path(__file__).resolve().parents[2]
HOSTILE = "本县推行“合作联营”模式，<script>alert('xss')</script>带动贫困户6800户增收。<img src=x onerror=alert(1)>\n"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.is_file(), reason="no /usr/bin/chromium (scripts/system_deps.sh installs it)"),
]
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (the dev extra)")


@pytest.fixture(scope="module")
def corpus_out(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(corpus copy, OUT): the sample corpus plus a report with markup, extracted through the CLI."""
    base = tmp_path_factory.mktemp("explorer")
    corpus = base / "corpus"
    shutil.copytree(REPO / "corpus", corpus)
    (corpus / "txt" / "zz_markup.txt").write_text("黎平县调研报告\n黎平县位于贵州省。" + HOSTILE, encoding="utf-8")
    out = base / "out"
    got = CliRunner().invoke(cli_app, ["extract", str(corpus), "--out", str(out), "--models-dir", str(REPO / "models")])
    assert got.exit_code == 0, got.output
    return corpus, out


@pytest.fixture(scope="module")
def base_url(corpus_out: tuple[Path, Path]) -> Iterator[str]:
    from pipeline.serve.app import make, url_of

    server, app = make(corpus_out[1], 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield url_of(server).rstrip("/")
    server.shutdown()
    server.server_close()
    app.store.close()
    thread.join(10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"])
        yield b
        b.close()


class Watched:
    """A page whose console errors, uncaught exceptions and dialogs (an alert from injected markup) are kept."""

    def __init__(self, browser: Any, shots: Path) -> None:
        self.context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
        self.page = self.context.new_page()
        self.problems: list[str] = []
        self.shots = shots
        shots.mkdir(parents=True, exist_ok=True)
        self.page.on(
            "console", lambda m: self.problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None
        )
        self.page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        self.page.on("dialog", lambda d: (self.problems.append(f"dialog: {d.message}"), d.dismiss()))

    def _console(self, message: Any) -> None:
        if message.type == "error":
            self.problems.append(f"console error: {message.text}")

    def shot(self, name: str) -> Path:
        path = self.shots / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=False)
        assert path.stat().st_size > 1000
        return path


@pytest.fixture
def watched(browser: Any, tmp_path: Path) -> Iterator[Watched]:
    w = Watched(browser, tmp_path / "screens")
    yield w
    w.context.close()
    assert w.problems == []


def test_county_to_practice_to_evidence_with_screenshots(watched: Watched, base_url: str) -> None:
    page = watched.page
    page.goto(base_url + "/")
    assert page.locator("#t-counties tbody tr").count() >= 10
    watched.shot("counties")
    page.fill("input.filter[data-table=t-counties]", "昭觉")  # the filter box hides the other rows
    assert page.locator("#t-counties tbody tr:visible").count() == 1
    page.fill("input.filter[data-table=t-counties]", "")
    page.select_option("select.facet[data-col='2']", "四川省")
    assert page.locator("#t-counties tbody tr:visible").count() == 1
    page.select_option("select.facet[data-col='2']", "")
    page.click("#t-counties th:has-text('文档数')")  # sort: the header shows the direction
    assert "asc" in (page.get_attribute("#t-counties th:has-text('文档数')", "class") or "")
    page.click("#t-counties a[href='/county/513431']")
    page.wait_for_url("**/county/513431")
    assert "昭觉县" in page.inner_text("h1")
    assert page.locator("ol.steps li").count() >= 2  # a formula with its steps
    assert page.locator("li.outcome .hl.k-evidence").count() >= 1  # evidence highlighted in its paragraph
    watched.shot("county")
    page.locator("li.outcome a.practice-link").first.click()
    page.wait_for_url("**/practice/**")
    practice = page.inner_text("h1")
    assert page.locator("#t-counties tbody tr").count() >= 1
    watched.shot("practice")
    page.locator("li.outcome a.evidence-link").first.click()
    page.wait_for_url("**/doc/**#at-*")
    active = page.locator("#doctext .hl.active")
    assert active.count() == 1 and active.first.is_visible()  # the evidence is picked, its details shown
    assert page.locator("#detail .finding").count() >= 1
    assert practice in page.inner_text("#detail")
    assert page.locator("#legend .hl").count() >= 4
    watched.shot("document")


def test_reject_a_finding_and_see_it_pending(watched: Watched, base_url: str, corpus_out: tuple[Path, Path]) -> None:
    page = watched.page
    page.goto(base_url + "/doc/docx/sichuan_zhaojue_report")
    figure = page.locator("#doctext .hl.k-figure").first
    figure.hover()
    assert "数字指标" in (figure.get_attribute("title") or "")  # details on hover
    figure.click()
    name = page.locator("#detail .finding dd").first.inner_text()
    page.locator("#detail button.danger").first.click()
    page.wait_for_selector("#written")
    assert "待下次运行生效" in page.inner_text("#written")
    rows = list(csv.DictReader((corpus_out[0] / "corrections.csv").read_text(encoding="utf-8-sig").splitlines()))
    assert [(r["action"], r["name"], r["into"]) for r in rows] == [("reject", name, "figure")]
    page.click("#back")
    page.wait_for_selector("#doctext")
    assert page.locator("#doctext .hl.is-pending").count() >= 1
    assert "待生效" in page.inner_text("nav.top")
    page.goto(base_url + "/corrections")
    assert "待生效" in page.inner_text("#t-rules")
    watched.shot("corrections")


def test_indicator_chart_and_figure_search_with_csv(watched: Watched, base_url: str, tmp_path: Path) -> None:
    page = watched.page
    page.goto(base_url + "/indicators")
    page.locator("#t-indicators a[href^='/indicator/']").first.click()
    page.wait_for_url("**/indicator/**")
    assert page.locator("svg.bars rect").count() >= 1
    watched.shot("indicator")
    page.goto(base_url + "/figures")
    page.fill("input[name=indicator]", "贫困")
    page.select_option("select[name=status]", "actual")
    page.click("#figure-filters button[type=submit]")
    page.wait_for_url(lambda url: "status=actual" in url)
    statuses = page.locator("#t-figures tbody td:nth-child(10)").all_inner_texts()
    assert statuses and set(statuses) == {"实际"}
    watched.shot("figures")
    with page.expect_download() as got:
        page.click("#box-figures a.csv")
    path = tmp_path / "figures.csv"
    got.value.save_as(path)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    assert len(rows) == len(statuses) and {r["status"] for r in rows} == {"actual"}
    assert all("贫困" in r["indicator"] + r["indicator_std"] for r in rows)


def test_graph_sql_and_markup_as_text(watched: Watched, base_url: str) -> None:
    page = watched.page
    page.goto(base_url + "/graph?node=County:513431")
    before = page.get_attribute("#graph", "viewBox")
    page.hover("#graph")
    page.mouse.wheel(0, 300)  # zoom
    assert page.get_attribute("#graph", "viewBox") != before
    watched.shot("graph")
    page.locator("#graph a.node").nth(1).click()
    page.wait_for_url(lambda url: "/graph?node=" in url and "513431" not in url)
    page.goto(base_url + "/sql")
    page.fill("textarea[name=q]", "select county, count(*) as n from figures group by county order by n desc")
    page.click("#sql-form button")
    page.wait_for_selector("#t-sql")
    assert page.locator("#t-sql tbody tr").count() >= 5
    watched.shot("sql")
    page.fill("textarea[name=q]", "copy figures to 'x.csv'")
    page.click("#sql-form button")
    assert "SQL refused" in page.inner_text("#sql-error")
    page.goto(base_url + "/doc/txt/zz_markup")
    text = page.inner_text("#doctext")
    assert "<script>alert('xss')</script>" in text and "<img src=x onerror=alert(1)>" in text
    assert page.locator("#doctext img, #doctext script").count() == 0
    page.locator("#doctext .hl").first.click()  # details of a finding near the markup render as text too
    watched.shot("document-markup")
