"""The one gate for SQL a user types (``query sql``, the explorer's SQL box): read-only, no files, no network,
no extensions, one query, capped rows and time.

Two layers: the first alone stops every write and every file, network and extension access; the second refuses,
by name and before anything runs, whatever is not one plain read:

1. ``connect`` opens the store read-only on a connection that cannot reach outside it: external access off (no
   ``read_csv``/``read_text``/``read_blob``/``glob`` of any path or URL, no ``COPY … TO``, no ``ATTACH``, no
   ``EXPORT``), extensions neither installed nor loaded (automatically or by hand), no spilling to a temp folder,
   a memory cap, and the configuration locked afterwards so no ``SET`` can undo any of it. Every setting is read
   back; a connection that does not have them all is refused (fail closed).
2. ``check`` lets through exactly one statement that only reads: ``SELECT``, ``WITH … SELECT``, ``FROM …``,
   ``VALUES``, ``TABLE``, ``DESCRIBE``, ``SHOW``, ``SUMMARIZE`` and ``EXPLAIN [ANALYZE]`` of one of those. It
   uses DuckDB's own parser and tokenizer, so comments, string literals with ``;`` and quoted names are read as
   the engine reads them; SQL given to ``query('…')`` passes the same check. Anything else is refused by name
   (``COPY``, ``ATTACH``, ``INSTALL``/``LOAD``, ``SET``, ``PRAGMA``, ``CALL``, ``CREATE … AS SELECT``, ``INSERT``
   in a ``WITH``, several statements …).

``run`` executes a checked statement with a timer that interrupts the connection after ``timeout`` seconds and
fetches at most ``limit`` rows (saying whether more were left).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from pipeline.errors import PipelineError

log = logging.getLogger(__name__)

DEFAULT_LIMIT = 1000
MAX_LIMIT = 1_000_000
DEFAULT_TIMEOUT = 30.0  # seconds
MEMORY_LIMIT = "1GB"

# Applied when the store is opened, in this order; ``lock_configuration`` is set last, once they all hold.
SETTINGS: dict[str, Any] = {
    "enable_external_access": False,  # no file or URL outside the store: read_*, glob, COPY, ATTACH, EXPORT
    "autoinstall_known_extensions": False,  # no download of httpfs & co. behind a function call
    "autoload_known_extensions": False,
    "allow_community_extensions": False,
    "allow_unsigned_extensions": False,
    "python_enable_replacements": False,  # a table name never resolves to a Python variable of the caller
    "temp_directory": "",  # nothing spilled beside the store: a query that needs more memory fails
    "memory_limit": MEMORY_LIMIT,
}
# Not in every DuckDB version (the second is a setting of the Python client); the others are required.
OPTIONAL = frozenset({"allow_community_extensions", "python_enable_replacements"})

READ_TYPES = frozenset({duckdb.StatementType.SELECT})  # DESCRIBE, SHOW, SUMMARIZE, FROM, VALUES parse as SELECT
# Keywords that write even inside a SELECT (a data-modifying WITH: ``with x as (insert … returning *) select``).
WRITE_WORDS = frozenset({"insert", "update", "delete", "merge", "upsert"})
# Keywords that never belong in the query an EXPLAIN explains.
STATEMENT_WORDS = WRITE_WORDS | frozenset(
    {
        "copy",
        "attach",
        "detach",
        "install",
        "load",
        "pragma",
        "set",
        "reset",
        "call",
        "create",
        "drop",
        "alter",
        "export",
        "import",
        "checkpoint",
        "vacuum",
        "use",
        "prepare",
        "execute",
        "deallocate",
    }
)
ALLOWED = "one SELECT, WITH, FROM, VALUES, DESCRIBE, SHOW, SUMMARIZE or EXPLAIN"


class SqlRefused(PipelineError):
    """User SQL that the guard does not run: what was refused and why."""

    def __init__(self, what: str, why: str) -> None:
        super().__init__(f"SQL refused: {what}: {why}")


@dataclass(frozen=True)
class SqlResult:
    """At most ``limit`` rows of a query; ``truncated`` when the query had more."""

    columns: list[str]
    rows: list[dict[str, Any]]
    truncated: bool
    limit: int


def connect(db: Path, memory_limit: str = MEMORY_LIMIT) -> duckdb.DuckDBPyConnection:
    """The store opened read-only on a locked connection that reaches no file, URL or extension beyond it."""
    if not db.is_file():
        raise PipelineError(
            f"store not found: {db} (run `extract --out {db.parent}` first, or pass the output folder with --out)"
        )
    settings = {**SETTINGS, "memory_limit": memory_limit}
    try:
        try:
            con = duckdb.connect(str(db), read_only=True, config=settings)
        except duckdb.InvalidInputException as exc:  # an optional setting this DuckDB does not know
            missing = {k for k in OPTIONAL if k in str(exc)}
            if not missing:
                raise
            log.warning("DuckDB %s has no setting %s", duckdb.__version__, ", ".join(sorted(missing)))
            settings = {k: v for k, v in settings.items() if k not in missing}
            con = duckdb.connect(str(db), read_only=True, config=settings)
    except duckdb.Error as exc:  # held by a writer, not a DuckDB file, opened otherwise in this process …
        hint = "is a run still writing it, or is it not a DuckDB store?"
        raise PipelineError(f"could not open the store {db} read-only: {exc} ({hint})") from exc
    locked = con.execute("select current_setting('lock_configuration')").fetchone()
    if not (locked and locked[0]):  # DuckDB shares one instance per file in a process: maybe locked already
        con.execute("set lock_configuration = true")
    _verify(con, db, {k for k in settings if k != "memory_limit"})
    return con


def _verify(con: duckdb.DuckDBPyConnection, db: Path, names: set[str]) -> None:
    """Read every safety setting back from the connection; refuse to go on when one does not hold."""
    want = {k: str(v).lower() for k, v in SETTINGS.items() if k in names}
    want |= {"lock_configuration": "true", "access_mode": "read_only"}
    got = dict(con.execute("select name, lower(value) from duckdb_settings()").fetchall())
    wrong = sorted(k for k, v in want.items() if got.get(k) != v)
    if wrong:
        con.close()
        raise PipelineError(
            f"could not open {db} safely: DuckDB {duckdb.__version__} did not take {', '.join(wrong)} "
            "(install the version pinned in pyproject.toml)"
        )


def _parse(sql: str) -> list[Any]:
    try:
        return duckdb.extract_statements(sql)
    except duckdb.ParserException as exc:
        raise PipelineError(f"SQL syntax error: {exc}") from exc


def _words(sql: str) -> list[tuple[int, str, str]]:
    """(byte offset, kind, text) of each token as DuckDB's tokenizer sees it (offsets count UTF-8 bytes)."""
    raw = sql.encode()
    tokens = duckdb.tokenize(sql)
    ends = [pos for pos, _ in tokens[1:]] + [len(raw)]
    out = []
    for (pos, kind), end in zip(tokens, ends, strict=True):
        text = raw[pos:end].decode(errors="replace").strip()
        out.append((pos, str(kind).rsplit(".", 1)[-1], text))
    return out


def _keywords(sql: str, words: frozenset[str]) -> list[str]:
    return [text.upper() for _, kind, text in _words(sql) if kind == "keyword" and text.lower() in words]


def _explained(sql: str) -> list[str]:
    """The statement(s) an EXPLAIN may wrap: after ``EXPLAIN``, an optional ``ANALYZE`` and an optional option
    list ``( … )`` (the parenthesis may also open the query itself, so both readings are returned)."""
    raw, toks = sql.encode(), _words(sql)
    i = 1
    if i < len(toks) and toks[i][2].lower() in ("analyze", "analyse"):
        i += 1
    if i >= len(toks):
        return []
    readings = [raw[toks[i][0] :].decode()]
    if toks[i][2] == "(":
        depth = 0
        for j in range(i, len(toks)):
            if toks[j][1] == "operator":
                depth += toks[j][2].count("(") - toks[j][2].count(")")
            if depth == 0:
                rest = raw[toks[j + 1][0] :].decode() if j + 1 < len(toks) else ""
                readings.append(rest)
                if rest.lower().lstrip().startswith(("analyze", "analyse")):
                    readings.append(rest.lstrip()[7:])
                break
    return readings


def check(sql: str) -> str:
    """The one read-only statement in ``sql`` (without a trailing ``;``), or ``SqlRefused`` naming what was
    refused and why."""
    statements = _parse(sql)
    if not statements:
        raise PipelineError("no SQL statement given (only blanks, comments or ;)")
    if len(statements) > 1:
        kinds = ", ".join(s.query.split(None, 1)[0].upper() for s in statements)
        raise SqlRefused(
            f"{len(statements)} statements ({kinds})", "query sql runs exactly one (a ; inside quotes is fine)"
        )
    st = statements[0]
    text = st.query.strip().rstrip(";").strip()
    try:
        kind = st.type
    except ValueError as exc:  # a statement kind the Python client does not even name (UPDATE EXTENSIONS …)
        first = text.split(None, 1)[0].upper()
        raise SqlRefused(f"{first} statement", f"query sql is read-only and runs {ALLOWED}") from exc
    if kind == duckdb.StatementType.EXPLAIN:
        inner = [r for r in _explained(text) if _ok_parse(r)]
        bad = _keywords(text, STATEMENT_WORDS)
        if not inner or bad:
            what = f"EXPLAIN of {' '.join(dict.fromkeys(bad)) or 'a statement that is not a query'}"
            raise SqlRefused(what, f"EXPLAIN ANALYZE runs what it explains; query sql runs {ALLOWED}")
        for explained in inner:  # every reading of what follows EXPLAIN passes the same check
            try:
                check(explained)
            except SqlRefused as exc:
                raise SqlRefused("EXPLAIN of a refused query", str(exc).removeprefix("SQL refused: ")) from exc
        return text
    if kind not in READ_TYPES:
        if kind == duckdb.StatementType.MULTI:
            raise SqlRefused(
                "PIVOT without an IN list", "it runs several statements; name the values (ON col IN (…)) to make it one"
            )
        first = text.split(None, 1)[0].upper()
        label = kind.name if first == kind.name else f"{kind.name} ({first})"
        raise SqlRefused(f"{label} statement", f"query sql is read-only and runs {ALLOWED}")
    for dynamic in _dynamic(text):  # query('…'): SQL inside a string, checked as strictly as the outer query
        try:
            check(dynamic)
        except SqlRefused as exc:
            raise SqlRefused("query('…')", str(exc).removeprefix("SQL refused: ")) from exc
    writes = _keywords(text, WRITE_WORDS)
    if writes:
        raise SqlRefused(
            f"{writes[0]} inside the query",
            "a query that writes (WITH x AS (INSERT … RETURNING *) SELECT …) is not read-only; "
            f'quote a column or alias spelled like that ("{writes[0].lower()}")',
        )
    return text


def _dynamic(sql: str) -> list[str]:
    """The SQL strings given to the ``query`` table function (``select * from query('select 1')``)."""
    toks = [*_words(sql), (0, "", ""), (0, "", "")]
    found: list[str] = []
    for i, (_, _, name) in enumerate(toks[:-3]):
        if name.strip('"').lower() != "query" or toks[i + 1][2] != "(":
            continue
        _, kind, arg = toks[i + 2]
        if kind != "string_const" or not arg.startswith("'") or not toks[i + 3][2].startswith((")", ",")):
            raise SqlRefused("query() of a computed string", "give the SQL itself, or write it as the query")
        found.append(arg[1:-1].replace("''", "'"))
    return found


def _ok_parse(sql: str) -> bool:
    try:
        return len(duckdb.extract_statements(sql)) == 1
    except (duckdb.Error, ValueError):
        return False


def _columns(names: list[str]) -> list[str]:
    """Column names made unique (``select 1 as a, 2 as a`` gives a and a_2), so no value is lost in a dict."""
    seen: dict[str, int] = {}
    out = []
    for n in names:
        seen[n] = seen.get(n, 0) + 1
        out.append(n if seen[n] == 1 else f"{n}_{seen[n]}")
    return out


def run(
    con: duckdb.DuckDBPyConnection, sql: str, limit: int = DEFAULT_LIMIT, timeout: float = DEFAULT_TIMEOUT
) -> SqlResult:
    """Check ``sql`` and run it on ``con`` (from ``connect``): at most ``limit`` rows, stopped after ``timeout``
    seconds. Refusals by the guard or the engine, the time cap and the memory cap raise ``PipelineError``s that
    say which and what to do."""
    if not 1 <= limit <= MAX_LIMIT:
        raise PipelineError(f"row limit {limit} out of range (1 to {MAX_LIMIT})")
    if timeout <= 0:
        raise PipelineError(f"time limit {timeout} s out of range (more than 0)")
    statement = check(sql)
    fired = threading.Event()

    def stop() -> None:
        fired.set()
        con.interrupt()

    timer = threading.Timer(timeout, stop)
    timer.daemon = True
    timer.start()
    try:
        cur = con.execute(statement)
        names = _columns([c[0] for c in cur.description or []])
        got = cur.fetchmany(limit + 1)
    except duckdb.InterruptException as exc:
        if fired.is_set():
            raise PipelineError(
                f"query stopped after {timeout:g} s (the time limit; narrow the query or raise --timeout)"
            ) from exc
        raise
    except duckdb.PermissionException as exc:
        detail = str(exc).splitlines()[0].removeprefix("Permission Error: ")
        raise SqlRefused(
            "access outside the store",
            f"{detail} (query sql reads only the store's tables: no files, URLs, extensions)",
        ) from exc
    except duckdb.OutOfMemoryException as exc:
        cap = con.execute("select current_setting('memory_limit')").fetchone()
        raise PipelineError(
            f"query needed more than the memory limit ({cap[0] if cap else MEMORY_LIMIT}; nothing is spilled to disk): "
            "aggregate or filter more, or add a LIMIT"
        ) from exc
    finally:
        timer.cancel()
        timer.join()
    rows = [dict(zip(names, r, strict=True)) for r in got[:limit]]
    if len(got) > limit:
        log.info("query result cut at %d rows", limit)
    return SqlResult(names, rows, len(got) > limit, limit)
