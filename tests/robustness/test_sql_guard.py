"""`query sql` is read-only: every escape issue 10 lists, tried through the CLI against a real store written in
tmp_path, is refused with a message naming what and why, and leaves every file as it was (the store byte for
byte, another database, no file created). The same escapes are also tried on the guarded connection directly,
bypassing the statement check, to show the engine settings stop them on their own. Rows and time are capped;
ordinary queries still work and JSON numbers stay numbers. No network is needed: refusals come before any."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import duckdb
import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.corpus.build import build_corpus
from pipeline.errors import PipelineError
from pipeline.io import sqlguard
from pipeline.io.output import write_outputs
from pipeline.learn.indicators import IndicatorMapper, IndicatorVocabulary
from tests.records import figure, measure, place, result

REPO = Path(__file__).resolve().parents[2]
runner = CliRunner()
SECRET = "SECRET-7f3a-not-for-sql"  # the content of a file outside the store that no query may return


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with a real output folder (out/kg.duckdb written by write_outputs), another database and a
    secret file beside it."""
    root = tmp_path_factory.mktemp("sqlguard")
    docs = [
        result(
            doc,
            title=f"{name}调研",
            places=[place(doc, code, name)],
            measures=[measure(doc, "社社联建", start=10, county_code=code)],
            figures=[
                figure(doc, "脱贫人口", value, "人", start=40, date="2020", county_code=code),
                figure(doc, "村集体经济收入", value * 1000, "元", start=60, date="2019", county_code=code),
            ],
        )
        for doc, code, name, value in (("d1", "522632", "榕江县", 1200.0), ("d2", "522633", "从江县", 800.0))
    ]
    mapper = IndicatorMapper(IndicatorVocabulary.load(REPO / "models"), None)
    write_outputs(root / "out", docs, build_corpus(docs, mapper))
    other = duckdb.connect(str(root / "other.duckdb"))
    other.execute("create table t as select 1 as a")
    other.close()
    (root / "secret.txt").write_text(f"{SECRET},x\n{SECRET},y\n", encoding="utf-8")
    return root


def _tree(root: Path) -> dict[str, str]:
    """Every file under root with the SHA-256 of its bytes: the whole folder, to see any write or new file."""
    files = (p for p in root.rglob("*") if p.is_file())
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def _sql(base: Path, statement: str, *opts: str) -> Any:
    return runner.invoke(app, ["query", "sql", statement, "--out", str(base / "out"), *opts])


def _refused(base: Path, statement: str, *words: str) -> str:
    """Run statement through the CLI; assert it failed with a message naming each of words, that no byte under
    base changed and no file appeared, and that the secret did not leak. Returns the message."""
    before = _tree(base)
    got = _sql(base, statement, "--format", "json")
    assert got.exit_code == 1, got.output
    assert got.stdout == "" and SECRET not in got.output and "root:" not in got.output
    message = " ".join(got.stderr.split())
    for w in words:
        assert w in message, (w, message)
    assert _tree(base) == before
    return message


def _ok(base: Path, statement: str, *opts: str) -> list[dict[str, Any]]:
    got = _sql(base, statement, "--format", "json", *opts)
    assert got.exit_code == 0, got.output
    rows: list[dict[str, Any]] = json.loads(got.stdout)["result"]
    return rows


# --- the connection: every safety setting holds, and holds without the statement check ----------------------


def test_the_connection_is_read_only_locked_and_offline(base: Path) -> None:
    con = sqlguard.connect(base / "out" / "kg.duckdb")
    got = dict(con.execute("select name, value from duckdb_settings()").fetchall())
    assert got["access_mode"] == "read_only" and got["lock_configuration"] == "true"
    for name in (
        "enable_external_access",
        "autoinstall_known_extensions",
        "autoload_known_extensions",
        "allow_community_extensions",
        "allow_unsigned_extensions",
        "python_enable_replacements",
    ):
        assert got[name] == "false", name
    assert got["temp_directory"] == ""  # nothing spilled beside the store
    for undo in ("set enable_external_access = true", "set lock_configuration = false", "reset temp_directory"):
        with pytest.raises(duckdb.InvalidInputException, match="locked"):
            con.execute(undo)


@pytest.mark.parametrize(
    "statement",
    [
        "copy figures to '{store}'",
        "copy figures to '{base}/copied.csv'",
        "copy (select 1) to '{base}/out/x.parquet' (format parquet)",
        "export database '{base}/exported'",
        "attach '{base}/other.duckdb' as o (read_write)",
        "select * from read_csv('{base}/secret.txt')",
        "select * from read_text('{base}/secret.txt')",
        "select * from read_blob('{base}/secret.txt')",
        "select * from glob('{base}/*')",
        "select * from read_csv('/etc/passwd')",
        "select * from '{base}/secret.txt'",
        "from '/etc/passwd'",
        "select * from read_text('{store}.tmp/../../secret.txt')",
        "select * from read_csv('https://example.com/x.csv')",
        "install httpfs",
        "load httpfs",
    ],
)
def test_the_engine_alone_refuses_every_escape(base: Path, statement: str) -> None:
    """Defense in depth: the statement run straight on the guarded connection (no check) touches nothing."""
    store = base / "out" / "kg.duckdb"
    con = sqlguard.connect(store)
    before = _tree(base)
    start = time.monotonic()
    with pytest.raises((duckdb.PermissionException, duckdb.InvalidInputException, duckdb.CatalogException)):
        con.execute(statement.format(store=store, base=base)).fetchall()
    assert time.monotonic() - start < 5  # refused at once, never waiting on a network
    assert _tree(base) == before


# --- the escapes issue 10 lists, through the CLI --------------------------------------------------------------


def test_copy_onto_the_store_is_refused_and_the_store_is_unchanged(base: Path) -> None:
    store = base / "out" / "kg.duckdb"
    data = store.read_bytes()
    _refused(base, f"copy (select 1 as x) to '{store}'", "SQL refused", "COPY statement", "read-only")
    _refused(base, f"copy figures to '{store}' (format csv)", "COPY statement")
    assert store.read_bytes() == data


def test_copy_to_another_path_creates_nothing(base: Path, tmp_path: Path) -> None:
    for target in (tmp_path / "copied.csv", base / "copied.csv", base / "out" / "figures.csv"):
        _refused(base, f"copy figures to '{target}'", "COPY statement")
        assert target.name == "figures.csv" or not target.exists()
    assert list(tmp_path.iterdir()) == []


def test_attach_read_write_of_another_database_is_refused_and_it_is_unchanged(base: Path) -> None:
    other = base / "other.duckdb"
    data = other.read_bytes()
    _refused(base, f"attach '{other}' as o (read_write)", "ATTACH statement")
    _refused(base, f"attach '{other}' as o; insert into o.t values (2)", "2 statements", "ATTACH, INSERT")
    assert other.read_bytes() == data
    assert duckdb.connect(str(other), read_only=True).execute("select * from t").fetchall() == [(1,)]


@pytest.mark.parametrize("fn", ["read_csv", "read_csv_auto", "read_text", "read_blob", "glob", "sniff_csv"])
@pytest.mark.parametrize("target", ["{base}/secret.txt", "/etc/passwd"])
def test_reading_files_is_refused_and_returns_nothing(base: Path, fn: str, target: str) -> None:
    path = target.format(base=base)
    _refused(base, f"select * from {fn}('{path}')", "SQL refused", "access outside the store", path)


@pytest.mark.parametrize("target", ["{base}/secret.txt", "/etc/passwd"])
def test_a_file_named_as_a_table_is_not_read(base: Path, target: str) -> None:
    """``from 'file.csv'`` (a replacement scan) finds no table: external access off turns the scan off."""
    path = target.format(base=base)
    _refused(base, f"select * from '{path}'", "query failed", f"Table with name {path} does not exist")


@pytest.mark.parametrize(
    ("statement", "named"),
    [
        ("install httpfs", "LOAD (INSTALL) statement"),
        ("load httpfs", "LOAD statement"),
        ("select * from read_csv('https://example.com/data.csv')", "https://example.com/data.csv"),
        ("select * from read_parquet('s3://bucket/x.parquet')", "s3://bucket/x.parquet"),
    ],
)
def test_extensions_and_urls_are_refused_without_the_network(base: Path, statement: str, named: str) -> None:
    start = time.monotonic()
    _refused(base, statement, "SQL refused", named)
    assert time.monotonic() - start < 5  # no connection attempted: refused before any network


@pytest.mark.parametrize(
    "statement",
    [
        "set enable_external_access = true",
        "SET lock_configuration=false",
        "reset enable_external_access",
        "pragma enable_profiling",
    ],
)
def test_settings_cannot_be_changed(base: Path, statement: str) -> None:
    _refused(base, statement, "SQL refused", "statement", "read-only")


@pytest.mark.parametrize(
    ("statement", "named"),
    [
        ("select 1; select 2", "2 statements (SELECT, SELECT)"),
        ("select 1; copy figures to '{base}/x.csv'", "2 statements (SELECT, COPY)"),
        ("select ';'; set enable_external_access=true", "2 statements (SELECT, SET)"),
        ("/* ; */ select 1 ; -- x\n attach '{base}/other.duckdb' (read_write)", "2 statements (SELECT, ATTACH)"),
        ("pragma show_tables", "PRAGMA statement"),
        ("call pragma_version()", "CALL statement"),
        ("checkpoint", "CALL (CHECKPOINT) statement"),
        ("create table t2 as select * from figures", "CREATE statement"),
        ("create temp table t2 as select 1", "CREATE statement"),
        ("create secret (type s3, key_id 'x', secret 'y')", "CREATE statement"),
        ("insert into figures select * from figures", "INSERT statement"),
        ("with x as (select 1) insert into documents select * from documents", "INSERT (WITH) statement"),
        ("with x as (insert into documents select * from documents returning *) select * from x", "INSERT inside"),
        ("update figures set value = 0", "UPDATE statement"),
        ("delete from figures", "DELETE statement"),
        ("drop table figures", "DROP statement"),
        ("export database '{base}/exported'", "EXPORT statement"),
        ("import database '{base}/exported'", "PRAGMA (IMPORT) statement"),
        ("detach kg", "DETACH statement"),
        ("use memory", "SET (USE) statement"),
        ("update extensions", "UPDATE statement"),
        ("explain analyze copy figures to '{base}/x.csv'", "EXPLAIN of COPY"),
        ("explain (analyze) create table t2 as select 1", "EXPLAIN of CREATE"),
        ("explain analyze insert into figures select * from figures", "EXPLAIN of INSERT"),
        ("pivot figures on unit using sum(value)", "PIVOT without an IN list"),
        ("select * from query('copy figures to ''{base}/x.csv''')", "query('…'): COPY statement"),
        ("select * from query('select 1; select 2')", "query('…'): 2 statements"),
        ("select * from query('with x as (delete from figures returning *) from x')", "query('…'): DELETE inside"),
        ("select * from query('sel' || 'ect 1')", "query() of a computed string"),
        ("explain analyze select * from query('copy figures to ''x.csv''')", "EXPLAIN of a refused query"),
        ("explain with x as (update figures set value = 0 returning *) from x", "EXPLAIN of UPDATE"),
    ],
)
def test_only_one_reading_statement_runs(base: Path, statement: str, named: str) -> None:
    _refused(base, statement.format(base=base), "SQL refused", named)


@pytest.mark.parametrize("name", ["[/]x", "[bold]x[/bold]", "[red]"])
def test_messages_show_names_as_typed_never_as_markup(base: Path, name: str) -> None:
    """A path in the message is printed as given: no traceback on ``[/]``, no tag swallowed by the terminal."""
    path = f"{base}/{name}.csv"
    _refused(base, f"select * from read_text('{path}')", "access outside the store", f'Cannot access file "{path}"')
    got = _sql(base, f"select * from no_table_{name}")
    assert got.exit_code == 1 and "Traceback" not in got.output and name in got.stderr


def test_a_broken_statement_is_a_syntax_error_not_a_traceback(base: Path) -> None:
    got = _sql(base, "selec 1")
    assert got.exit_code == 1 and "SQL syntax error" in got.stderr and "Traceback" not in got.output
    got = _sql(base, " -- nothing\n ; ")
    assert got.exit_code == 1 and "no SQL statement given" in got.stderr


# --- caps -----------------------------------------------------------------------------------------------------


def test_a_long_query_is_stopped_by_the_time_cap(base: Path) -> None:
    start = time.monotonic()
    got = _sql(base, "select sum(hash(i)) from range(100000000000) t(i)", "--timeout", "0.5")
    assert time.monotonic() - start < 15
    assert got.exit_code == 1 and "query stopped after 0.5 s" in got.stderr and "--timeout" in got.stderr
    assert _ok(base, "select count(*) as n from documents") == [{"n": 2}]  # the next query runs as usual


def test_a_huge_result_is_capped_and_the_cut_is_said(base: Path) -> None:
    start = time.monotonic()
    rows = _ok(base, "select i from range(100000000000) t(i)")  # 10^11 rows: streamed, never all made
    assert time.monotonic() - start < 15
    assert [r["i"] for r in rows] == list(range(1000))  # the default --limit
    got = _sql(base, "select i from range(5000) t(i)", "--limit", "10", "--format", "csv")
    assert got.exit_code == 0 and got.stdout.splitlines()[1:] == [f"result,{i}" for i in range(10)]
    assert "result cut at 10 rows" in got.stderr and "--limit" in got.stderr
    got = _sql(base, "select i from range(10) t(i)", "--limit", "10")
    assert got.exit_code == 0 and "cut" not in got.stderr  # exactly the limit: nothing was cut
    assert _sql(base, "select 1", "--limit", "0").exit_code == 2  # out of range, said by the option


def test_memory_is_capped_and_nothing_spills_to_disk(base: Path) -> None:
    store = base / "small" / "kg.duckdb"  # a copy: DuckDB shares one instance (and its settings) per file
    store.parent.mkdir()
    store.write_bytes((base / "out" / "kg.duckdb").read_bytes())
    before = _tree(base)
    con = sqlguard.connect(store, memory_limit="32MB")
    with pytest.raises(PipelineError, match=r"memory limit \(30\.5 MiB; nothing is spilled"):
        sqlguard.run(con, "select count(*) from (select i, random() r from range(5000000) t(i) order by r)")
    assert _tree(base) == before and not Path(f"{store}.tmp").exists()


# --- what still works -----------------------------------------------------------------------------------------


def test_reading_queries_work_and_numbers_stay_numbers(base: Path) -> None:
    rows = _ok(base, "select indicator, value from figures where unit = '元' order by value desc")
    assert rows == [
        {"indicator": "村集体经济收入", "value": 1200000.0},
        {"indicator": "村集体经济收入", "value": 800000.0},
    ]
    assert all(isinstance(r["value"], float) for r in rows)
    rows = _ok(base, "select count(*) as n, sum(value) as total from figures where unit = '人'")
    assert rows == [{"n": 2, "total": 2000.0}] and isinstance(rows[0]["n"], int)
    rows = _ok(
        base,
        """with -- a comment; with a semicolon
        people as (select doc_id, value from figures where unit = '人')
        select d.title, p.value from people p join documents d using (doc_id) order by p.value; """,
    )
    assert rows == [{"title": "从江县调研", "value": 800.0}, {"title": "榕江县调研", "value": 1200.0}]
    assert _ok(base, "select ';' as s, 'update; drop table figures' as t") == [
        {"s": ";", "t": "update; drop table figures"}
    ]
    assert _ok(base, 'select 1 as "insert", 2 as a, 3 as a') == [{"insert": 1, "a": 2, "a_2": 3}]
    assert {r["column_name"] for r in _ok(base, "describe figures")} >= {"value", "unit", "indicator"}
    assert {"figures", "documents"} <= {r["name"] for r in _ok(base, "show tables")}
    assert _ok(base, "from documents select count(*) as n") == [{"n": 2}]
    assert _ok(base, "select * from query('select count(*) as n from documents')") == [{"n": 2}]
    assert _ok(base, "pivot figures on unit in ('人') using sum(value) group by doc_id order by doc_id") == [
        {"doc_id": "d1", "人": 1200.0},
        {"doc_id": "d2", "人": 800.0},
    ]
    for explain in ("explain select * from figures", "explain analyze select count(*) from figures"):
        assert _ok(base, explain)


def test_the_guard_serves_other_callers_the_same_way(base: Path) -> None:
    """The explorer's SQL box calls sqlguard.run on sqlguard.connect: same refusals, same caps."""
    con = sqlguard.connect(base / "out" / "kg.duckdb")
    got = sqlguard.run(con, "select i from range(50) t(i)", limit=20)
    assert got.truncated and got.limit == 20 and len(got.rows) == 20 and got.columns == ["i"]
    with pytest.raises(sqlguard.SqlRefused, match="COPY statement"):
        sqlguard.run(con, f"copy figures to '{base}/x.csv'")
    with pytest.raises(sqlguard.SqlRefused, match="access outside the store"):
        sqlguard.run(con, f"select * from read_text('{base}/secret.txt')")
    assert not (base / "x.csv").exists()
    with pytest.raises(PipelineError, match=r"query stopped after 0\.2 s"):
        sqlguard.run(con, "select sum(hash(i)) from range(100000000000) t(i)", timeout=0.2)
    assert sqlguard.run(con, "select count(*) as n from figures").rows == [{"n": 4}]  # the connection goes on


def test_a_store_held_by_a_writer_is_named_not_a_traceback(base: Path, tmp_path: Path) -> None:
    """Another process writing the store (a run): the query says it cannot open it and why, and changes nothing."""
    store = tmp_path / "busy" / "kg.duckdb"
    store.parent.mkdir()
    store.write_bytes((base / "out" / "kg.duckdb").read_bytes())
    writer = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, sys, time; c = duckdb.connect({str(store)!r}); print('open', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout is not None and writer.stdout.readline().strip() == "open"
        got = runner.invoke(app, ["query", "sql", "select 1", "--db", str(store)])
        assert got.exit_code == 1 and "Traceback" not in got.output
        assert f"could not open the store {store} read-only" in " ".join(got.stderr.split())
        assert "still writing" in got.stderr
    finally:
        writer.kill()
        writer.wait()


def test_a_file_that_is_not_a_store_is_named(tmp_path: Path) -> None:
    store = tmp_path / "kg.duckdb"
    store.write_bytes(b"not a database\n" * 1000)
    got = runner.invoke(app, ["query", "sql", "select 1", "--db", str(store)])
    assert got.exit_code == 1 and "Traceback" not in got.output
    assert "not a DuckDB store" in got.stderr and f"could not open the store {store}" in " ".join(got.stderr.split())
    assert store.read_bytes() == b"not a database\n" * 1000
