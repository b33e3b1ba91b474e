"""The explorer's WSGI app (Werkzeug routing; Jinja2 templates with autoescape on, so every value from the store
or a document is escaped) and ``serve``, which runs it on 127.0.0.1 unless a host is given explicitly.

Safety: document text is untrusted. Pages send a Content-Security-Policy that runs only the app's own script
file (no inline script, no other origin); findings reach the script as JSON in a data block with ``<``, ``>``
and ``&`` escaped. URLs name things the store holds, looked up in it, never used as file paths; static files
come from the package folder through ``safe_join``. Requests whose Host is not the address the app was bound
to are refused (DNS rebinding), and every POST carries the page's token (another site cannot post corrections).
"""

from __future__ import annotations

import csv
import html
import io
import ipaddress
import json
import logging
import mimetypes
import secrets
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from jinja2 import Environment, FileSystemLoader
from markupsafe import Markup
from werkzeug.exceptions import BadRequest, Forbidden, HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, RequestRedirect, Rule
from werkzeug.security import safe_join
from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request, Response

from pipeline.errors import PipelineError
from pipeline.io.writers import FORMULA_START, sheet_cell
from pipeline.serve import fixes
from pipeline.serve.store import CSV_ROWS, KINDS, MAX_ROWS, Explorer, NotFoundError, Table

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
LOOPBACK = ("127.0.0.1", "localhost", "::1")
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
STATUS_ZH = {"actual": "实际", "target": "目标", "projected": "预计", "hypothetical": "假设"}


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _json_data(value: Any) -> Markup:
    """JSON for a ``<script type="application/json">`` block: nothing in it can close the block."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _fmt(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        if value != value:
            return ""
        return f"{int(value):,}" if value.is_integer() else f"{value:,.4f}".rstrip("0").rstrip(".")
    if isinstance(value, int):
        return str(value) if abs(value) < 10000 else f"{value:,}"
    return str(value)


_LINKS = {
    "doc_id": "/doc/",
    "doc_a": "/doc/",
    "doc_b": "/doc/",
    "adcode": "/county/",
    "县": "/county/",
    "practice": "/practice/",
    "similar": "/practice/",
    "name": "/practice/",
    "indicator_std": "/indicator/",
}


def rows_html(table: Table, link_indicator: bool = False) -> Markup:
    """The body rows of a table, every value escaped (``html.escape``, quotes too); names link to their pages.
    Built here with plain strings, not by a template macro a cell: 500 rows render in milliseconds."""
    links = dict(_LINKS, indicator="/indicator/") if link_indicator else _LINKS
    out = []
    cols = table.columns
    status = [c == "status" for c in cols]
    linked = [links.get(c) for c in cols]
    for r in table.rows[: table.show]:
        cells = []
        for c, is_status, link in zip(cols, status, linked, strict=True):
            v = r.get(c)
            if v is None or v == "":
                cells.append("<td></td>")
            elif isinstance(v, int | float) and not isinstance(v, bool):
                cells.append(f'<td class="num">{_fmt(v)}</td>')  # digits, commas, a point: nothing to escape
            else:
                text = html.escape(STATUS_ZH.get(v, v) if is_status and isinstance(v, str) else _fmt(v))
                if link is not None:
                    text = f'<a href="{link}{html.escape(quote(str(v), safe="/"))}">{text}</a>'
                cells.append(f"<td>{text}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>\n")
    return Markup("".join(out))


def csv_query(request: Request, name: str) -> str:
    """The query string of the page's URL asking for the CSV of its table ``name``."""
    args = request.args.to_dict()
    args["csv"] = name
    return urlencode(args)


def csv_bytes(table: Table) -> bytes:
    """A table as a CSV download: UTF-8 with BOM (Excel), text cells neutralized (= + - @ at the start)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([sheet_cell(c) for c in table.columns])
    cols = table.columns
    for r in table.rows:  # sheet_cell, with the common cases (plain text, none) first: 80,000 rows in a second or two
        w.writerow(
            [
                ("" if v is None else v if (type(v) is str and not v.startswith(FORMULA_START)) else sheet_cell(v))
                for v in (r.get(c) for c in cols)
            ]
        )
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


class ExplorerApp:
    """The WSGI application over one output folder."""

    def __init__(
        self,
        out: Path,
        corrections: Path | None = None,
        allowed_hosts: Iterable[str] | None = None,
    ) -> None:
        self.store = Explorer(out)
        self.fix_path = fixes.corrections_file(self.store.out, self.store.run, corrections)
        self.models = fixes.models_dir(self.store.run, self.store.out)
        self._indicators: list[str] | None = None
        self.find_county = fixes.county_finder(self.models)
        self._state: tuple[Any, fixes.FixState] | None = None
        self.allowed_hosts = set(allowed_hosts) if allowed_hosts is not None else None
        self.token = secrets.token_urlsafe(24)
        self.env = Environment(loader=FileSystemLoader(str(HERE / "templates")), autoescape=True)
        self.env.filters["fmt"] = _fmt
        self.env.filters["json_data"] = _json_data
        self.env.globals["rows_html"] = rows_html
        self.env.globals.update(kinds=KINDS, status_zh=STATUS_ZH, token=self.token, csv_query=csv_query)
        self.url_map = Map(
            [
                Rule("/", endpoint="counties", methods=["GET"]),
                Rule("/county/<adcode>", endpoint="county", methods=["GET"]),
                Rule("/practices", endpoint="practices", methods=["GET"]),
                Rule("/practice/<path:name>", endpoint="practice", methods=["GET"]),
                Rule("/indicators", endpoint="indicators", methods=["GET"]),
                Rule("/indicator/<path:name>", endpoint="indicator", methods=["GET"]),
                Rule("/documents", endpoint="documents", methods=["GET"]),
                Rule("/doc/<path:doc_id>", endpoint="document", methods=["GET"]),
                Rule("/figures", endpoint="figures", methods=["GET"]),
                Rule("/graph", endpoint="graph", methods=["GET"]),
                Rule("/sql", endpoint="sql", methods=["GET"]),
                Rule("/corrections", endpoint="corrections", methods=["GET", "POST"]),
                Rule("/review", endpoint="review", methods=["POST"]),
                Rule("/static/<path:file>", endpoint="static", methods=["GET"]),
            ]
        )

    # --- WSGI -----------------------------------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        t0 = time.perf_counter()
        response = self.dispatch(request)
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - t0) * 1000:.1f}"
        return response(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        try:
            if self.allowed_hosts is not None and request.host not in self.allowed_hosts:
                raise BadRequest(f"unexpected Host {request.host!r} (open the address serve printed)")
            adapter = self.url_map.bind_to_environ(request.environ)
            endpoint, args = adapter.match()
            if request.method == "POST":
                self._check_post(request)
            handler = getattr(self, f"on_{endpoint}")
            return handler(request, **args)
        except RequestRedirect as exc:  # /doc//x -> /doc/x: the same app, one slash
            return exc.get_response(request.environ)
        except NotFoundError as exc:
            return self.error(request, 404, "未找到", str(exc))
        except fixes.FixRefused as exc:
            return self.error(request, 400, "更正未写入", str(exc))
        except MethodNotAllowed as exc:
            return self.error(request, exc.code or 405, "不允许的请求方法", exc.description or "")
        except NotFound:
            return self.error(request, 404, "未找到", f"没有这个页面：{request.path}")
        except HTTPException as exc:
            return self.error(request, exc.code or 400, "请求无效", exc.description or "")

    def _check_post(self, request: Request) -> None:
        if not secrets.compare_digest(request.form.get("token", ""), self.token):
            raise Forbidden("missing or wrong form token (reload the page and try again)")
        origin = request.headers.get("Origin")
        if origin and origin != "null" and origin.split("://", 1)[-1] != request.host:
            raise Forbidden(f"form posted from another site ({origin})")

    # --- helpers --------------------------------------------------------------------------------------------------

    def render(self, request: Request, name: str, status: int = 200, **context: Any) -> Response:
        state = self.fix_state()
        html = self.env.get_template(name).render(
            request=request, n_pending=state.n_pending, fix_path=self.fix_path, **context
        )
        return Response(html, status=status, mimetype="text/html")

    def error(self, request: Request, status: int, title: str, message: str) -> Response:
        return self.render(request, "error.html", status=status, title=title, message=message)

    def tables_or_csv(self, request: Request, tables: Iterable[Table], render: Callable[[], Response]) -> Response:
        """The CSV of the table named by ``?csv=`` when asked for, else the page."""
        want = request.args.get("csv")
        if not want:
            return render()
        for t in tables:
            if t.name == want:
                return Response(
                    csv_bytes(t),
                    mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{t.name}.csv"'},
                )
        raise NotFoundError(f"this page has no table {want!r}")

    def fix_state(self) -> fixes.FixState:
        """The corrections file's rules and their state, read again only when the file (or the run's report of
        applied rules) changed."""

        def stamp(p: Path | None) -> tuple[int, int] | None:
            try:
                st = p.stat() if p is not None else None
            except OSError:
                return None
            return (st.st_mtime_ns, st.st_size) if st is not None else None

        key = (stamp(self.fix_path), stamp(self.store.out / "corrections_applied.csv"))
        if self._state is None or self._state[0] != key:
            self._state = (key, fixes.state(self.fix_path, self.store.out, self.find_county))
        return self._state[1]

    def indicators_vocab(self) -> list[str]:
        if self._indicators is None:
            self._indicators = fixes.indicator_names(self.models)
        return self._indicators

    # --- pages ------------------------------------------------------------------------------------------------

    def on_counties(self, request: Request) -> Response:
        table = self.store.counties()
        provinces = sorted({str(r["省"]) for r in table.rows if r.get("省")})
        prefectures = sorted({str(r["市（州）"]) for r in table.rows if r.get("市（州）")})
        return self.tables_or_csv(
            request,
            [table],
            lambda: self.render(
                request, "counties.html", table=table, provinces=provinces, prefectures=prefectures, title="县"
            ),
        )

    def on_county(self, request: Request, adcode: str) -> Response:
        data = self.store.county(adcode)
        tables = [data["documents"], data["practices"], data["outcomes_table"], data["figures"]]
        return self.tables_or_csv(
            request, tables, lambda: self.render(request, "county.html", d=data, title=str(data["head"]["county"]))
        )

    def on_practices(self, request: Request) -> Response:
        table = self.store.practices()
        return self.tables_or_csv(
            request, [table], lambda: self.render(request, "practices.html", table=table, title="做法")
        )

    def on_practice(self, request: Request, name: str) -> Response:
        data = self.store.practice(name)
        state = self.fix_state()
        pending = [r for r in state.rules if r["state"] == "pending" and name in (r["name"], r["into"])]
        return self.tables_or_csv(
            request,
            [data["counties"], data["outcomes_table"], data["similar"]],
            lambda: self.render(
                request,
                "practice.html",
                d=data,
                pending=pending,
                names=self.store.practice_names(),
                title=name,
            ),
        )

    def on_indicators(self, request: Request) -> Response:
        table = self.store.indicators()
        return self.tables_or_csv(
            request, [table], lambda: self.render(request, "indicators.html", table=table, title="指标")
        )

    def on_indicator(self, request: Request, name: str) -> Response:
        data = self.store.indicator(name)
        return self.tables_or_csv(
            request, [data["table"]], lambda: self.render(request, "indicator.html", d=data, title=name)
        )

    def on_documents(self, request: Request) -> Response:
        table = self.store.documents()
        return self.tables_or_csv(
            request, [table], lambda: self.render(request, "documents.html", table=table, title="文档")
        )

    def on_document(self, request: Request, doc_id: str) -> Response:
        data = self.store.document(doc_id)
        state = self.fix_state()
        accepted = fixes.reviews(self.fix_path, doc_id)
        for f in data["findings"]:
            scope = f.get("scope") or ""
            f["pending"] = bool(scope) and any(
                r["state"] == "pending"
                and r["action"] == "reject"
                and r["name"] == f["name"]
                and r["into"] in ("", scope)
                for r in state.rules
            )
            f["accepted"] = (f["start"], f["end"], f["kind"]) in accepted
        for seg in data["segments"]:
            seg.flags = [
                flag
                for flag, key in (("is-pending", "pending"), ("is-accepted", "accepted"))
                if any(data["findings"][i][key] for i in seg.ids)
            ]
        return self.tables_or_csv(
            request,
            [data["links"]],
            lambda: self.render(
                request,
                "document.html",
                d=data,
                indicators=self.indicators_vocab(),
                title=str(data["head"].get("title") or doc_id),
            ),
        )

    def on_figures(self, request: Request) -> Response:
        filters = {k: request.args.get(k, "") for k in self.store.FIGURE_FILTERS}
        want_csv = bool(request.args.get("csv"))
        table = self.store.figures(filters, cap=CSV_ROWS if want_csv else MAX_ROWS)
        return self.tables_or_csv(
            request,
            [table],
            lambda: self.render(
                request, "figures.html", table=table, filters=filters, choices=self.store.choices, title="数字"
            ),
        )

    def on_graph(self, request: Request) -> Response:
        node = request.args.get("node", "")
        if not node:
            start = self.store.rows("select id from nodes where type = 'County' order by id limit 1")
            node = str(start[0]["id"]) if start else ""
            if not node:
                raise NotFoundError("the graph has no nodes")
        data = self.store.neighbourhood(node)
        return self.tables_or_csv(
            request,
            [data["edges"]],
            lambda: self.render(request, "graph.html", d=data, title=str(data["center"]["label"])),
        )

    def on_sql(self, request: Request) -> Response:
        statement = request.args.get("q", "")
        table, error = None, ""
        if statement.strip():
            try:
                table = self.store.sql(statement)
            except PipelineError as exc:
                error = str(exc)
        if table is not None and request.args.get("csv"):
            return self.tables_or_csv(request, [table], lambda: Response(""))
        tables = sorted(t for t in self.store.tables if not t.startswith("."))
        return self.render(request, "sql.html", q=statement, table=table, error=error, tables=tables, title="SQL")

    def on_corrections(self, request: Request) -> Response:
        if request.method == "POST":
            form = request.form
            rule = fixes.add_rule(
                self.fix_path,
                form.get("action", ""),
                form.get("name", ""),
                form.get("into", ""),
                form.get("note", ""),
                self.indicators_vocab(),
                self.find_county,
            )
            back = form.get("next", "")
            back = back if back.startswith("/") and not back.startswith("//") and "\\" not in back else "/corrections"
            return self.render(request, "written.html", rule=rule, back=back, title="已写入")
        state = self.fix_state()
        return self.render(
            request,
            "corrections.html",
            state=state,
            indicators=self.indicators_vocab(),
            names=self.store.practice_names(),
            title="更正",
        )

    def on_review(self, request: Request) -> Response:
        form = request.form
        try:
            start, end = int(form.get("start", "")), int(form.get("end", ""))
        except ValueError as exc:
            raise fixes.FixRefused("start and end must be whole numbers") from exc
        doc_id = form.get("doc_id", "")
        self.store.document(doc_id)  # must exist
        fixes.add_review(self.fix_path, doc_id, form.get("kind", ""), form.get("name", ""), start, end)
        return Response(status=303, headers={"Location": "/doc/" + doc_id})

    def on_static(self, request: Request, file: str) -> Response:
        path = safe_join(str(STATIC), file)
        if path is None or not Path(path).is_file():
            raise NotFound()
        mime = mimetypes.guess_type(path)[0] or "application/octet-stream"
        resp = Response(Path(path).read_bytes(), mimetype=mime)
        resp.headers["Cache-Control"] = "max-age=300"
        return resp


def make(
    out: Path, port: int, host: str | None = None, corrections: Path | None = None
) -> tuple[BaseWSGIServer, ExplorerApp]:
    """The explorer's threaded server, bound (127.0.0.1 unless ``host`` is given explicitly) but not yet serving.
    On a loopback address the app answers only requests whose Host names this server (no DNS rebinding); on an
    address given explicitly, any (the user chose to expose it)."""
    address = check_bind(host, explicit=host is not None)
    if not is_loopback(address):
        log.warning("serving on %s: anyone who can reach this address can read the store and add corrections", address)
    app = ExplorerApp(out, corrections)
    server = make_server(address, port, app, threaded=True)
    if is_loopback(address):
        names = {"127.0.0.1", "localhost", "[::1]", f"[{address}]" if ":" in address else address}
        app.allowed_hosts = {f"{h}:{server.server_port}" for h in names}
    return server, app


def url_of(server: BaseWSGIServer) -> str:
    address = str(server.host)
    shown = f"[{address}]" if ":" in address else address
    return f"http://{'127.0.0.1' if address in ('0.0.0.0', '::') else shown}:{server.server_port}/"


def serve(
    out: Path,
    port: int,
    host: str | None = None,
    corrections: Path | None = None,
    announce: Callable[[str], None] | None = None,
) -> None:
    """Run the explorer (``make``) until interrupted."""
    server, app = make(out, port, host, corrections)
    log.info("explorer on %s", url_of(server))
    if announce is not None:
        announce(url_of(server))
    try:
        server.serve_forever()
    finally:
        server.server_close()
        app.store.close()


def check_bind(host: str | None, explicit: bool) -> str:
    """The address to bind, refusing a non-local one that was not given explicitly (``--host``)."""
    address = "127.0.0.1" if host is None else host
    if not is_loopback(address) and not explicit:
        raise PipelineError(f"refusing to serve on {address}: not a local address (pass --host {address} to mean it)")
    return address
