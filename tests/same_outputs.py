"""Compare two output folders of `extract` byte for byte, except what records time or place of the run.

Timing is not output: run.json's ``started``/``finished``, its ``out`` (the folder itself), ``config.workers`` and
``config.engine`` (how it ran), the workbook's creation times (docProps/core.xml, zip entry dates), and the bytes of
kg.duckdb (a database file's pages are not reproducible) whose tables are compared row by row, in stored order.
DocResult.seconds is never written. Everything else (every CSV, text, review page, graph file) must be identical.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

RUN_ONLY = ("started", "finished", "out")  # run.json keys of the run itself, not of its outputs
HOW_IT_RAN = ("workers", "engine")  # config keys that choose where the work runs
VOLATILE_FILES = ("kg.duckdb", "ruralmine.xlsx")  # compared by content below; their bytes hold times


def _run_json(path: Path) -> dict[str, Any]:
    data = json.loads(path.read_text(encoding="utf-8"))
    for key in RUN_ONLY:
        data.pop(key, None)
    for key in HOW_IT_RAN:
        data.get("config", {}).pop(key, None)
    for name in VOLATILE_FILES:
        data.get("files", {}).pop(name, None)
    return data


def _workbook(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist() if n != "docProps/core.xml"}


def _store(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    import duckdb

    con = duckdb.connect(str(path), read_only=True)
    try:
        names = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables ORDER BY 1").fetchall()]
        tables = {}
        for name in names:
            cols = con.execute(f'DESCRIBE "{name}"').fetchall()
            tables[name] = [tuple(c[:2] for c in cols), *con.execute(f'SELECT * FROM "{name}"').fetchall()]
        return tables
    finally:
        con.close()


def differences(a: Path, b: Path) -> list[str]:
    """What differs between output folders ``a`` and ``b`` (empty: the same outputs)."""
    files_a = sorted(p.relative_to(a).as_posix() for p in a.rglob("*") if p.is_file())
    files_b = sorted(p.relative_to(b).as_posix() for p in b.rglob("*") if p.is_file())
    found = [f"only in {a}: {n}" for n in sorted(set(files_a) - set(files_b))]
    found += [f"only in {b}: {n}" for n in sorted(set(files_b) - set(files_a))]
    for name in sorted(set(files_a) & set(files_b)):
        pa, pb = a / name, b / name
        if name.startswith(".cache/"):  # the cache: the same entries (names), whose pickles hold timings
            same = True
        elif name == "run.json":
            same = _run_json(pa) == _run_json(pb)
        elif name == "ruralmine.xlsx":
            same = _workbook(pa) == _workbook(pb)
        elif name == "kg.duckdb":
            same = _store(pa) == _store(pb)
        else:
            same = pa.read_bytes() == pb.read_bytes()
        if not same:
            found.append(f"{name} differs")
    return found
