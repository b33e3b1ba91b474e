"""The explorer's routes through Werkzeug's test client, over a store written from made-up records: every page
kind answers, document text is escaped everywhere, no route reads outside the package or the output folder,
foreign Host headers and token-less posts are refused, corrections are validated before they are written and
then shown as pending, CSV downloads are neutralized, the SQL box only reads; the CLI binds 127.0.0.1."""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any, ClassVar

import pytest
from typer.testing import CliRunner
from werkzeug.test import Client, TestResponse

from pipeline.cli import app as cli_app
from pipeline.errors import PipelineError
from pipeline.serve import app as serve_app
from pipeline.serve.app import ExplorerApp, check_bind
from tests.serve.conftest import HOSTILE, IMG

runner = CliRunner()


@pytest.fixture
def corrections(serve_out: Path, tmp_path: Path) -> Path:
    return tmp_path / "corrections.csv"


@pytest.fixture
def client(serve_out: Path, corrections: Path) -> Client:
    return Client(ExplorerApp(serve_out, corrections))


def _html(r: TestResponse) -> str:
    assert r.status_code == 200, r.get_data(as_text=True)[:500]
    assert r.mimetype == "text/html"
    return r.get_data(as_text=True)


def _token(client: Client) -> str:
    m = re.search(r'name="token" value="([^"]+)"', _html(client.get("/corrections")))
    assert m
    return m.group(1)


PAGES = {
    "/": ["榕江县", "贵州省", "黔东南苗族侗族自治州", "脱贫人口(人)"],
    "/county/522632": ["社社联建", "三统一", "统一种苗", "1,200", "evidence-link", "实际"],
    "/practices": ["社社联建", "三统一"],
    "/practice/社社联建": ["榕江县", "脱贫人口", "合并到"],
    "/indicators": ["脱贫人口", "总人口"],
    "/indicator/脱贫人口": ["<svg", "<rect", "榕江县", "1,200"],
    "/documents": ["d1"],
    "/doc/d1": ["k-figure", "k-program", "k-slogan", "k-evidence", 'id="findings"', "数字指标"],
    "/figures": ["脱贫人口", "总人口"],
    "/graph?node=County:522632": ["<svg", 'href="/graph?node='],
    "/sql": ["SQL 查询"],
    "/corrections": ["还没有更正"],
}


@pytest.mark.parametrize("url", list(PAGES))
def test_every_page_kind_answers_in_chinese_with_its_content(client: Client, url: str) -> None:
    html = _html(client.get(url))
    assert '<html lang="zh-CN">' in html
    for needle in PAGES[url]:
        assert needle in html, (url, needle)
    for src in re.findall(r'(?:src|href)="(/static/[^"]+)"', html):  # every script and style comes from the app
        assert client.get(src).status_code == 200
    assert not re.search(r'(?:src|href)="(?:https?:)?//', html), "no CDN, no other origin"


def test_the_county_page_quotes_evidence_in_its_paragraph_with_the_figure_marked(client: Client) -> None:
    html = _html(client.get("/county/522632"))
    quote = re.search(r'<blockquote class="quote">(.*?)</blockquote>', html, re.S)
    assert quote
    assert '<span class="hl k-evidence k-figure ">1200人</span>' in quote.group(1)
    assert "截至2020年底，社社联建带动脱贫人口" in quote.group(1)
    assert "/doc/d1#at-" in html


def test_a_county_opens_by_its_name_too(client: Client) -> None:
    assert '<a href="/county/%E6%A6%95%E6%B1%9F%E5%8E%BF">榕江县</a>' in _html(client.get("/"))
    assert "社社联建" in _html(client.get("/county/榕江县"))


def test_the_indicator_chart_shows_actual_values_only(client: Client) -> None:
    html = _html(client.get("/indicator/脱贫人口"))
    chart = html[html.index("<svg") : html.index("</svg>")]
    assert "1,200" not in chart and "1200" in chart  # the bar's value (the table formats it)
    assert "5000" not in html  # the target (力争到2025年) is no actual value


@pytest.mark.parametrize("url", ["/doc/d1", "/county/522632", "/documents", "/practice/社社联建", "/figures"])
def test_document_text_is_escaped_everywhere(client: Client, url: str) -> None:
    html = _html(client.get(url))
    assert "<script>alert" not in html and "<img src=x" not in html
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert all('src="/static/app.js"' in s or 'type="application/json"' in s for s in scripts), scripts


def test_the_document_page_keeps_markup_as_text_and_the_json_cannot_close_its_block(client: Client) -> None:
    html = _html(client.get("/doc/d1"))
    assert "&lt;script&gt;alert(&#39;xss&#39;)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    data = re.findall(r'<script type="application/json" id="findings">(.*?)</script>', html, re.S)
    assert len(data) == 1 and "<" not in data[0]
    assert HOSTILE not in html and IMG not in html


def test_pages_forbid_inline_scripts(client: Client) -> None:
    r = client.get("/doc/d1")
    csp = r.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert r.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    "url",
    [
        "/static/../app.py",
        "/static/%2e%2e/app.py",
        "/static/..%2fapp.py",
        "/static/%2e%2e%2f%2e%2e%2fpyproject.toml",
        "/static//etc/passwd",
        "/static/..\\app.py",
        "/doc/../../etc/passwd",
        "/doc/..%2f..%2fkg.duckdb",
        "/doc/%2e%2e/run.json",
        "/doc//etc/passwd",
        "/county/..%2f..%2fetc%2fpasswd",
        "/practice/../../../etc/passwd",
        "/indicator/..%2f..%2fpyproject.toml",
    ],
)
def test_no_route_reads_outside_the_package_or_the_store(client: Client, url: str) -> None:
    r = client.get(url, follow_redirects=True)  # a doubled slash is first redirected to the single-slash URL
    body = r.get_data()
    assert r.status_code == 404, (url, r.status_code)
    assert b"root:" not in body and b"import " not in body and b"[project]" not in body


def test_a_foreign_host_header_is_refused(serve_out: Path, corrections: Path) -> None:
    c = Client(ExplorerApp(serve_out, corrections, allowed_hosts={"127.0.0.1:8765", "localhost:8765"}))
    assert c.get("/", headers={"Host": "127.0.0.1:8765"}).status_code == 200
    assert c.get("/", headers={"Host": "attacker.example:8765"}).status_code == 400


def test_a_post_without_the_page_token_or_from_another_site_is_refused(client: Client, corrections: Path) -> None:
    form = {"action": "reject", "name": "社社联建", "into": "practice"}
    assert client.post("/corrections", data=form).status_code == 403
    token = _token(client)
    other = client.post("/corrections", data={**form, "token": token}, headers={"Origin": "http://evil.example"})
    assert other.status_code == 403
    assert not corrections.exists()


def _post(client: Client, **form: str) -> TestResponse:
    return client.post("/corrections", data={"token": _token(client), "note": "", **form})


def _rules(path: Path) -> list[dict[str, Any]]:
    return list(csv.DictReader(path.read_text(encoding="utf-8-sig").splitlines()))


def test_a_rejected_finding_is_written_and_shown_pending(client: Client, corrections: Path) -> None:
    r = _post(client, action="reject", name="社社联建", into="practice", next="/doc/d1")
    assert "待下次运行生效" in _html(r)
    assert _rules(corrections) == [{"action": "reject", "name": "社社联建", "into": "practice", "note": ""}]
    doc = _html(client.get("/doc/d1"))
    assert "is-pending" in doc and '"pending": true' in doc
    listing = _html(client.get("/corrections"))
    assert "待生效" in listing and "社社联建" in listing
    assert "1 待生效" in listing  # the count in the navigation bar


def test_merge_and_indicator_rules_are_appended(client: Client, corrections: Path) -> None:
    _html(_post(client, action="merge", name="三统一", into="社社联建"))
    _html(_post(client, action="indicator", name="=HYPERLINK(1)".lstrip("="), into="发放贷款"))
    assert [(r["action"], r["name"], r["into"]) for r in _rules(corrections)] == [
        ("merge", "三统一", "社社联建"),
        ("indicator", "HYPERLINK(1)", "发放贷款"),
    ]


@pytest.mark.parametrize(
    ("form", "why"),
    [
        ({"action": "indicator", "name": "总人口", "into": "没有这个指标"}, "unknown indicator"),
        ({"action": "drop", "name": "x", "into": ""}, "unknown correction"),
        ({"action": "merge", "name": "", "into": "社社联建"}, "without a name"),
        ({"action": "reject", "name": "x", "into": "county"}, "unknown kind"),
        ({"action": "reject", "name": "a\nmerge,b,c", "into": ""}, "line break"),
        ({"action": "merge", "name": "=cmd|'/C calc'!A0", "into": "x"}, "formula"),
        ({"action": "merge", "name": "x" * 300, "into": "y"}, "longer than"),
    ],
)
def test_a_bad_correction_is_refused_and_nothing_is_written(
    client: Client, corrections: Path, form: dict[str, str], why: str
) -> None:
    r = _post(client, **form)
    assert r.status_code == 400
    assert why in r.get_data(as_text=True)
    assert not corrections.exists()


def test_a_correction_contradicting_the_file_is_refused_and_the_file_kept(client: Client, corrections: Path) -> None:
    _html(_post(client, action="merge", name="三统一", into="社社联建"))
    before = corrections.read_bytes()
    cycle = _post(client, action="merge", name="社社联建", into="三统一")
    assert cycle.status_code == 400 and "merge cycle" in cycle.get_data(as_text=True)
    contradicts = _post(client, action="reject", name="三统一", into="practice")
    assert contradicts.status_code == 400 and "merged and rejected" in contradicts.get_data(as_text=True)
    assert corrections.read_bytes() == before


def test_accepting_a_finding_records_a_review(client: Client, corrections: Path) -> None:
    html = _html(client.get("/doc/d1"))
    m = re.search(r'"kind": "figure", "label": "[^"]+", "start": (\d+), "end": (\d+)', html)
    assert m
    form = {"token": _token(client), "doc_id": "d1", "kind": "figure", "name": "脱贫人口", "start": m[1], "end": m[2]}
    r = client.post("/review", data=form)
    assert r.status_code == 303 and r.headers["Location"] == "/doc/d1"
    assert "is-accepted" in _html(client.get("/doc/d1"))
    assert not corrections.exists()  # an accept is no correction rule
    assert client.post("/review", data={**form, "doc_id": "../../etc"}).status_code == 404


def test_without_a_corpus_folder_nothing_is_written(serve_out: Path) -> None:
    c = Client(ExplorerApp(serve_out))  # no run.json here: the corpus is unknown
    assert "无法写入更正" in _html(c.get("/corrections"))
    r = _post(c, action="reject", name="社社联建", into="practice")
    assert r.status_code == 400 and "--corrections" in r.get_data(as_text=True)


def test_figures_filter_and_download_a_neutralized_csv(client: Client) -> None:
    html = _html(client.get("/figures?status=target"))
    assert "5,000" in html and "380,000" not in html
    html = _html(client.get("/figures?indicator=总人口&unit=人&date_from=2019&date_to=2019"))
    assert "380,000" in html and "1,200" not in html
    r = client.get("/figures?county=榕江&csv=figures")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert r.headers["Content-Disposition"] == 'attachment; filename="figures.csv"'
    raw = r.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    assert len(rows) == 4
    assert "'=HYPERLINK(1)" in {r["indicator"] for r in rows}
    assert {r["value"] for r in rows} >= {"1200", "380000"}


@pytest.mark.parametrize("url", ["/?csv=counties", "/county/522632?csv=outcomes", "/practice/社社联建?csv=counties"])
def test_any_table_downloads_as_csv(client: Client, url: str) -> None:
    r = client.get(url)
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert len(r.get_data(as_text=True).splitlines()) >= 2
    assert client.get(url.split("csv=")[0] + "csv=nothing").status_code == 404


def test_the_sql_box_reads_and_refuses_writes_and_files(client: Client) -> None:
    html = _html(client.get("/sql", query_string={"q": "select indicator, value from figures order by value"}))
    assert "380,000" in html
    csv_text = client.get("/sql", query_string={"q": "select 1 as one", "csv": "sql"}).get_data(as_text=True)
    assert csv_text.splitlines() == ["\ufeffone", "1"]
    for statement, why in [
        ("copy figures to 'x.csv'", "SQL refused"),
        ("select * from read_text('/etc/passwd')", "SQL refused"),
        ("install httpfs", "SQL refused"),
        ("select 1; select 2", "SQL refused"),
        ("select nope from figures", "SQL error"),
    ]:
        html = _html(client.get("/sql", query_string={"q": statement}))
        assert why in html and "root:" not in html, statement


def test_unknown_things_are_404_in_chinese(client: Client) -> None:
    for url in ["/county/999999", "/practice/没有", "/indicator/没有", "/doc/nope", "/graph?node=nope", "/x"]:
        r = client.get(url)
        assert r.status_code == 404 and "未找到" in r.get_data(as_text=True), url
    assert client.post("/sql").status_code == 405


class _Server:
    def __init__(self, address: str, port: int, app: Any, threaded: bool) -> None:
        self.address, self.host, self.server_port, self.app = address, address, port or 1234, app
        _Server.made.append(self)

    made: ClassVar[list[_Server]] = []

    def serve_forever(self) -> None:
        raise KeyboardInterrupt

    def server_close(self) -> None:
        pass


def test_serve_binds_127_0_0_1_unless_a_host_is_given(serve_out: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(serve_app, "make_server", _Server)
    _Server.made.clear()
    got = runner.invoke(cli_app, ["serve", "--out", str(serve_out), "--port", "0"])
    assert got.exit_code == 0, got.output
    assert _Server.made[-1].address == "127.0.0.1"
    assert "http://127.0.0.1:1234/" in got.output
    assert _Server.made[-1].app.allowed_hosts >= {"127.0.0.1:1234", "localhost:1234"}  # the port bound
    got = runner.invoke(cli_app, ["serve", "--out", str(serve_out), "--host", "0.0.0.0", "--port", "0"])
    assert got.exit_code == 0, got.output
    assert _Server.made[-1].address == "0.0.0.0"
    assert _Server.made[-1].app.allowed_hosts is None  # exposed on purpose: any name of the machine


def test_a_non_local_address_needs_an_explicit_host() -> None:
    assert check_bind(None, explicit=False) == "127.0.0.1"
    assert check_bind("::1", explicit=False) == "::1"
    with pytest.raises(PipelineError, match=r"--host 0\.0\.0\.0"):
        check_bind("0.0.0.0", explicit=False)
    with pytest.raises(PipelineError, match="not a local address"):
        check_bind("192.168.1.5", explicit=False)
    assert check_bind("0.0.0.0", explicit=True) == "0.0.0.0"


def test_serve_says_what_is_wrong_with_a_missing_store(tmp_path: Path) -> None:
    got = runner.invoke(cli_app, ["serve", "--out", str(tmp_path / "none")])
    assert got.exit_code == 1 and "store not found" in got.output


def test_segments_cut_the_text_at_every_boundary_with_the_spans_covering_each_piece() -> None:
    from pipeline.serve.store import Span, segments

    text = "0123456789"
    got = segments(text, [Span(2, 8, "evidence", 0), Span(4, 6, "figure", 1), Span(7, 12, "place", 2)])
    assert "".join(s.text for s in got) == text
    assert [(s.start, s.text, s.ids) for s in got] == [
        (0, "01", []),
        (2, "23", [0]),
        (4, "45", [0, 1]),  # innermost kind (figure) last
        (6, "6", [0]),
        (7, "7", [0, 2]),
        (8, "89", [2]),  # the span runs past the text: cut at its end
    ]
    assert [s.text for s in segments(text, [Span(2, 8, "figure", 0)], 3, 6)] == ["345"]


def test_the_corrections_file_is_the_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline.serve.fixes import corrections_file

    out, corpus = tmp_path / "out", tmp_path / "corpus"
    out.mkdir()
    corpus.mkdir()
    given = tmp_path / "mine.csv"
    assert corrections_file(out, {"corpus": str(corpus)}) == corpus.resolve() / "corrections.csv"
    used = {"corpus": str(corpus), "corrections": {"path": str(given), "sha256": ""}}
    assert corrections_file(out, used) == given.resolve()  # the file the run applied
    assert corrections_file(out, used, tmp_path / "x.csv") == (tmp_path / "x.csv").resolve()  # --corrections
    monkeypatch.chdir(tmp_path / "out")  # a relative corpus path of run.json: from here, else beside OUT
    assert corrections_file(out, {"corpus": "corpus"}) == corpus.resolve() / "corrections.csv"
    assert corrections_file(out, {"corpus": "nowhere"}) is None
    assert corrections_file(out, {}) is None
