"""The graph's part of the write phase in a forked child (io/graphpart.py): the same files and store rows as the
serial path, a failed child's part written here, the graph's own error raised as itself (not as the store's)."""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Any

import duckdb
import pytest

from pipeline.io import writers
from pipeline.io.folder import WriteFailed
from pipeline.io.graphpart import PartFailed, StoreRows, write_graph_part
from pipeline.io.graphspool import temporary_file
from pipeline.io.parallel_write import Background
from pipeline.io.store import write_duckdb
from tests.io.test_graph_once import _graph


class _Graph:
    """``_graph()`` that notes the process reading it (in ``seen``) and raises ``error`` when read in a process
    whose id is not in ``works_in`` (``None``: in every process)."""

    def __init__(self, seen: Path, works_in: set[int] | None = frozenset(), error: Exception | None = None) -> None:
        self.g, self.seen, self.works_in, self.error = _graph(), seen, works_in, error
        self.graph = self.g.graph

    def nodes(self, data: bool = False) -> Any:
        pid = os.getpid()
        with self.seen.open("a", encoding="utf-8") as fh:
            fh.write(f"{pid}\n")
        if self.error is not None and (self.works_in is None or pid not in self.works_in):
            raise self.error
        return self.g.nodes(data=data)

    def edges(self, keys: bool = False, data: bool = False) -> Any:
        return self.g.edges(keys=keys, data=data)


def _files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.suffix != ".duckdb" and p.name != "graph.gexf"
    }


def _tables(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {t: con.execute(f"SELECT * FROM {t}").fetchall() for t in ("nodes", "edges")}
    finally:
        con.close()


def _gexf(folder: Path) -> list[str]:
    return [ln for ln in (folder / "graph.gexf").read_text(encoding="utf-8").splitlines() if "lastmodified" not in ln]


def _serial(out: Path) -> None:
    out.mkdir()
    writers.write_graph(out, _graph())
    writers.write_dl(out / "cooccurrence.dl", None)
    write_duckdb(out / "kg.duckdb", {}, _graph())


def _part(out: Path, graph: Any, forked: bool) -> StoreRows:
    out.mkdir()
    rows_file = temporary_file(out, ".graph-store-")
    part = Background(lambda: write_graph_part(out, graph, None, rows_file), forked)
    rows = StoreRows(part.result, rows_file)
    try:
        write_duckdb(out / "kg.duckdb", {}, rows)
    finally:
        rows_file.close()
    return rows


@pytest.mark.parametrize("forked", [False, True])
def test_the_graph_part_writes_what_the_serial_path_writes(tmp_path: Path, forked: bool) -> None:
    _serial(tmp_path / "serial")
    seen = tmp_path / "seen"
    rows = _part(tmp_path / "part", _Graph(seen), forked)
    ours, theirs = tmp_path / "part", tmp_path / "serial"
    assert set(_files(ours)) >= {"graph.graphml", "cooccurrence.dl", "neo4j/nodes.csv", "neo4j/relationships.csv"}
    assert _files(ours) == _files(theirs)
    assert _gexf(ours) == _gexf(theirs)
    assert (
        _tables(ours / "kg.duckdb") == _tables(theirs / "kg.duckdb") and len(_tables(ours / "kg.duckdb")["edges"]) == 3
    )
    assert rows.done is not None and rows.done.counts["cooccurrence.dl"] == 0
    assert any(k.startswith("graph ") for k in rows.done.counts)
    readers = {int(x) for x in seen.read_text(encoding="utf-8").split()}
    assert (readers != {os.getpid()}) == forked  # read once, in the child when forked
    assert [p.name for p in ours.iterdir() if p.name.startswith(".")] == []  # no temporary file left


def test_a_failing_child_means_the_graph_part_is_written_here(tmp_path: Path) -> None:
    _serial(tmp_path / "serial")
    seen = tmp_path / "seen"
    failing = _Graph(seen, works_in={os.getpid()}, error=OSError(errno.ENOSPC, "No space left on device"))
    _part(tmp_path / "part", failing, forked=True)
    readers = seen.read_text(encoding="utf-8").split()
    assert len(readers) == 2 and int(readers[-1]) == os.getpid()  # the child failed, then this process wrote it
    assert _files(tmp_path / "part") == _files(tmp_path / "serial")
    assert _tables(tmp_path / "part" / "kg.duckdb") == _tables(tmp_path / "serial" / "kg.duckdb")


@pytest.mark.parametrize("forked", [False, True])
def test_the_graph_parts_error_is_its_own_not_the_stores(tmp_path: Path, forked: bool) -> None:
    broken = _Graph(tmp_path / "seen", works_in=None, error=OSError(errno.ENOSPC, "No space left on device"))
    with pytest.raises(PartFailed) as got:
        _part(tmp_path / "part", broken, forked)
    assert isinstance(got.value.error, OSError) and not isinstance(got.value.error, WriteFailed)
    assert got.value.error.errno == errno.ENOSPC
    assert not (tmp_path / "part" / "kg.duckdb").exists()
    assert [p.name for p in (tmp_path / "part").iterdir()] == []
