"""Page times of the explorer (``ruralmine serve``) over an output folder, through the WSGI app itself (no
network): each page kind requested ``--repeat`` times after one warm-up, the median and the worst printed.

    .venv/bin/python scripts/bench_serve.py --out /tmp/serve-out
    .venv/bin/python scripts/bench_serve.py --out /tmp/serve-out --copies 182 --big /tmp/serve-big

``--copies N`` first writes a bigger output folder (``--big``): every document of OUT N times over, as new
documents of new counties (doc_id and county codes suffixed ``~001`` …; practices and indicators shared), the
text files shared. 11 documents x 182 = 2,002 documents. A benchmark, not a test: it prints numbers.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import time
from pathlib import Path

import duckdb
from werkzeug.test import Client

SUFFIXED = {"doc_id", "doc_a", "doc_b", "county_code", "adcode"}
GRAPH_IDS = ("Document:", "County:", "Figure:", "Step:")


def _expr(table: str, col: str, kind: str) -> str:
    q = '"' + col.replace('"', '""') + '"'
    if col in SUFFIXED and kind == "VARCHAR":
        # several codes in one cell ("360732;341524") each get the suffix
        return (
            f"regexp_replace({q}, '(\\d{{6}})', '\\1~' || k, 'g') AS {q}"
            if "code" in col or col == "adcode"
            else (f"{q} || '~' || k AS {q}")
        )
    if table in ("nodes", "edges") and col in ("id", "source", "target"):
        pattern = "^(" + "|".join(GRAPH_IDS) + ")(.*)$"
        return f"CASE WHEN regexp_matches({q}, '{pattern}') THEN {q} || '~' || k ELSE {q} END AS {q}"
    if table == "edges_county_practice" and col == "source_id":
        return f"{q} || '~' || k AS {q}"
    return q


def scale(out: Path, big: Path, copies: int) -> None:
    if big.exists():
        shutil.rmtree(big)
    big.mkdir(parents=True)
    shutil.copytree(out / "text", big / "text")
    for name in ("run.json", "corrections_applied.csv"):
        if (out / name).is_file():
            shutil.copy2(out / name, big / name)
    run = json.loads((big / "run.json").read_text(encoding="utf-8"))
    run["files"] = {}  # the copies are not the files of a run: nothing to compare them with
    (big / "run.json").write_text(json.dumps(run), encoding="utf-8")
    con = duckdb.connect(str(big / "kg.duckdb"))
    con.execute(f"ATTACH '{out / 'kg.duckdb'}' AS src (READ_ONLY)")
    tables = con.execute(
        "select table_name from information_schema.tables where table_catalog = 'src' and table_type = 'BASE TABLE'"
    ).fetchall()
    for (t,) in tables:
        cols = con.execute(
            "select column_name, data_type from information_schema.columns where table_catalog = 'src' "
            "and table_name = ? order by ordinal_position",
            [t],
        ).fetchall()
        select = ", ".join(_expr(t, c, kind) for c, kind in cols)
        distinct = "DISTINCT " if t == "nodes" else ""
        per_doc = t in ("nodes", "edges", "edges_county_practice") or any(c in SUFFIXED for c, _ in cols)
        n = copies if per_doc else 1  # corpus-wide tables (practices, codebook …) once
        con.execute(
            f'CREATE TABLE "{t}" AS SELECT {distinct}{select} FROM src."{t}", '
            f"(SELECT lpad(CAST(i AS VARCHAR), 3, '0') AS k FROM range({n}) r(i))"
        )
    con.execute("CREATE VIEW figures_typed AS SELECT * FROM figures")
    con.execute("DETACH src")
    con.execute("CHECKPOINT")
    n = con.execute("select count(*) from documents").fetchone()
    con.close()
    print(f"wrote {big}: {n[0] if n else 0} documents ({copies} copies)")


def bench(out: Path, repeat: int) -> None:
    from pipeline.serve.app import ExplorerApp

    app = ExplorerApp(out, out / ".bench-corrections.csv")
    store = app.store
    county = store.rows("select adcode from compare_counties order by n_docs desc, adcode limit 1")[0]["adcode"]
    practice = store.rows("select practice from compare_practices order by n_counties desc limit 1")[0]["practice"]
    indicator = store.rows(
        "select indicator_std from figures where indicator_std <> '' group by 1 order by count(*) desc limit 1"
    )[0]["indicator_std"]
    doc = store.rows("select doc_id from documents order by n_chars desc limit 1")[0]["doc_id"]
    pages = {
        "counties": "/",
        "county": f"/county/{county}",
        "practices": "/practices",
        "practice (most counties)": f"/practice/{practice}",
        "indicators": "/indicators",
        "indicator (most figures)": f"/indicator/{indicator}",
        "documents": "/documents",
        "document (longest)": f"/doc/{doc}",
        "figures (no filter)": "/figures",
        "figures (filtered)": f"/figures?indicator={indicator}&status=actual",
        "figures CSV (all)": "/figures?csv=figures",
        "graph": f"/graph?node=County:{county}",
        "sql": "/sql?q=select+county,+count(*)+from+figures+group+by+1",
        "corrections": "/corrections",
    }
    client = Client(app)
    n_docs = store.rows("select count(*) as n from documents")[0]["n"]
    n_figs = store.rows("select count(*) as n from figures")[0]["n"]
    print(f"{out}: {n_docs} documents, {n_figs} figures; {repeat} requests a page after one warm-up")
    for label, url in pages.items():
        r = client.get(url)
        assert r.status_code == 200, (url, r.status_code, r.get_data(as_text=True)[:300])
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            r = client.get(url)
            times.append((time.perf_counter() - t0) * 1000)
        size = len(r.get_data())
        med, worst = statistics.median(times), max(times)
        print(f"  {label:<26} median {med:7.1f} ms   max {worst:7.1f} ms   {size / 1024:8.1f} KiB")
    store.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, required=True, help="an output folder of extract")
    ap.add_argument("--copies", type=int, default=0, help="write a bigger folder of N copies first")
    ap.add_argument("--big", type=Path, default=Path("/tmp/ruralmine-serve-big"), help="where to write it")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    target = args.out
    if args.copies:
        scale(args.out, args.big, args.copies)
        target = args.big
    bench(target, args.repeat)


if __name__ == "__main__":
    main()
