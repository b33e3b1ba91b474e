"""Any file name works: the run completes, every good file keeps its rows, documents.csv maps each doc_id to
its files, and nothing is written outside the output folder.

Each test builds its hostile names in tmp_path: GBK bytes (what unzipping a Windows archive gives on Linux),
bytes no encoding reads, a 255-byte name, ``report.md`` beside a folder ``report.txt/``, a newline, a leading
dash, ``..``, Windows-refused characters and device names, names differing only in case or normalization,
rich markup. They used to crash the whole run after every document was processed (UnicodeEncodeError in the CSV
writer, Errno 36 on the temp file, FileExistsError)."""

from __future__ import annotations

import csv
import io
import logging
import os
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook
from typer.testing import CliRunner

from pipeline.cli import app, failure_line
from pipeline.ingest import assign_doc_ids
from pipeline.io import writers
from pipeline.io.store import write_duckdb
from pipeline.io.xlsx import write_xlsx
from pipeline.names import MAX_STEM_BYTES, file_stems, readable_name, safe_stem

REPO = Path(__file__).resolve().parents[2]
REPORT = (
    "黎平县“合作联营”模式调查\n"
    "一、基本情况\n"
    "黎平县位于贵州省黔东南州。2015年全县有建档立卡贫困户2.1万户、8.3万人。\n"
    "二、取得成效\n"
    "截至2020年底，“合作联营”累计带动贫困户6800户增收，发放“茶农贷”1.2亿元。\n"
)
GBK_NAME = "榕江县报告"
LONG_255 = "长" * 83 + "ab.txt"  # 249 + 6 = 255 bytes, the longest name Linux allows
LONG_244 = "长" * 80 + "abcd.txt"  # the 244-byte name of the issue (Errno 36 on the temp file)
MAX_FILE_NAME_BYTES = 120


# --- readable doc_ids ---------------------------------------------------------------------------------------


def _fs(raw: bytes) -> str:
    """A name as Python gets it from a Linux directory listing (undecodable bytes as surrogate escapes)."""
    return raw.decode("utf-8", "surrogateescape")


def test_a_gbk_name_reads_as_chinese() -> None:
    name, note = readable_name(_fs(f"{GBK_NAME}.txt".encode("gbk")))
    assert name == f"{GBK_NAME}.txt" and "GB18030" in note


def test_each_path_part_is_decoded_on_its_own() -> None:
    """A UTF-8 folder holding a GBK file (an archive unzipped into a folder one made by hand)."""
    name, _ = readable_name(_fs("黎平/".encode() + "榕江.txt".encode("gbk")))
    assert name == "黎平/榕江.txt"


def test_bytes_no_encoding_reads_become_replacement_characters() -> None:
    name, note = readable_name(_fs(b"\xff\xfe\x80.txt"))
    assert name.endswith(".txt") and "\ufffd" in name and "replaced" in note
    name.encode("utf-8")  # every writer can encode it


def test_two_files_that_read_alike_keep_two_doc_ids(tmp_path: Path) -> None:
    """榕江.txt in GBK beside 榕江.txt in UTF-8: two files, two doc_ids (the extension kept, then ~2)."""
    utf8 = tmp_path / "榕江.txt"
    gbk = Path(_fs(os.fsencode(tmp_path) + b"/" + "榕江.txt".encode("gbk")))
    ids = assign_doc_ids([utf8, gbk], tmp_path)
    assert sorted(ids.values()) == ["榕江.txt", "榕江.txt~2"]


@given(st.lists(st.binary(min_size=1, max_size=40).filter(lambda b: b"/" not in b and b"\0" not in b), min_size=1))
def test_any_bytes_give_a_readable_name(parts: list[bytes]) -> None:
    """Whatever bytes a directory listing holds, the doc_id is text every writer can encode, without control
    characters, NFC, with as many path parts."""
    name, _ = readable_name(_fs(b"/".join(parts)))
    name.encode("utf-8")
    assert not any(unicodedata.category(ch) in ("Cc", "Cs") for ch in name)
    assert unicodedata.normalize("NFC", name) == name and len(name.split("/")) == len(parts)


def test_control_characters_and_nfd() -> None:
    name, note = readable_name("a\nb\x1b[31m.txt")
    assert name == "a\ufffdb\ufffd[31m.txt" and "control characters" in note
    nfd = unicodedata.normalize("NFD", "café.txt")
    assert readable_name(nfd) == ("café.txt", "")
    assert readable_name("黎平/榕江.txt") == ("黎平/榕江.txt", "")


# --- safe, bounded file names -------------------------------------------------------------------------------


def test_a_safe_doc_id_is_its_own_file_name() -> None:
    """The contract's text/{doc_id}.txt holds for ordinary names, Chinese and nested ones included."""
    ids = ["govdoc_cn_397/397.pdf", "000_b63bc024fffc2fcf", "docx/黎平县合作联营模式调查", "-rf", "a b"]
    assert file_stems(ids) == {d: d for d in ids}


def test_file_and_folder_of_the_same_name_never_meet() -> None:
    """report.md -> text/report.txt; report.txt/a.txt needs a folder report.txt: the folder gets a mark."""
    stems = file_stems(["report", "report.txt/a", "page.HTML/b"])
    assert stems == {"report": "report", "report.txt/a": "report.txt_/a", "page.HTML/b": "page.HTML_/b"}


def test_long_names_are_bounded_with_a_hash() -> None:
    a, b = "长" * 83 + "ab", "长" * 83 + "ac"  # the same first 110 bytes
    stems = file_stems([a, b])
    assert stems[a] != stems[b]
    for s in stems.values():
        assert len(s.encode()) <= MAX_STEM_BYTES and s.startswith("长" * 30)


def test_case_and_character_clashes_get_a_hash() -> None:
    """Two doc_ids never share a file, also on a case-insensitive disk (Windows, macOS)."""
    ids = ["Case", "case", "a:b", "a_b", "a?b", "CON", "x/..", ".hidden"]
    stems = file_stems(ids)
    assert len({s.casefold() for s in stems.values()}) == len(ids)
    assert stems["a_b"] == "a_b" and stems["Case"] == "Case"  # a doc_id that is its own name keeps it
    assert stems["CON"] == "_CON" and stems["x/.."] == "x/_" and stems[".hidden"] == "_.hidden"


@given(st.lists(st.text(min_size=1, max_size=90), max_size=8))
def test_any_doc_ids_get_distinct_safe_bounded_names(doc_ids: list[str]) -> None:
    stems = file_stems(doc_ids)
    assert set(stems) == set(doc_ids)
    assert len({s.casefold() for s in stems.values()}) == len(stems)
    assert stems == file_stems(reversed(doc_ids))  # pure: the order of the corpus does not matter
    for s in stems.values():
        parts = s.split("/")
        for i, part in enumerate(parts):
            raw = part.encode("utf-8")  # no surrogates
            assert 0 < len(raw) <= MAX_STEM_BYTES
            assert part not in (".", "..") and not part.startswith(".") and "\\" not in part
            assert not any(unicodedata.category(ch) == "Cc" for ch in part)
            assert unicodedata.normalize("NFC", part) == part
            if i < len(parts) - 1:
                assert not part.casefold().endswith((".txt", ".html"))


def test_safe_stem_alone_is_what_file_stems_gives_without_clashes() -> None:
    assert safe_stem("a\nb") == "a_b" and safe_stem("sub/x") == "sub/x"


# --- writers accept any str ---------------------------------------------------------------------------------

HOSTILE_CELL = "bad \udcff name\x00\x01\x1b[31m =1+1"


def test_every_writer_accepts_any_str(tmp_path: Path) -> None:
    rows = [{"doc_id": HOSTILE_CELL, "title": "=cmd|' /C calc'!A0", "n": 3}]
    writers.write_csv(tmp_path / "t.csv", rows, ["doc_id", "title", "n"])
    text = (tmp_path / "t.csv").read_text(encoding="utf-8-sig")
    assert "bad \ufffd name" in text
    writers.atomic_write_text(tmp_path / "t.txt", HOSTILE_CELL)
    assert (tmp_path / "t.txt").read_text(encoding="utf-8").startswith("bad \ufffd name")
    table = {"documents.csv": (rows, ["doc_id", "title", "n"])}
    write_xlsx(tmp_path / "t.xlsx", table)
    sheet = load_workbook(tmp_path / "t.xlsx", read_only=True)["documents"]
    assert any("bad \ufffd name" in str(c.value) for row in sheet.iter_rows() for c in row)
    import networkx as nx

    write_duckdb(tmp_path / "t.duckdb", {"documents": (rows, ["doc_id", "title", "n"])}, nx.MultiDiGraph())
    with duckdb.connect(str(tmp_path / "t.duckdb"), read_only=True) as con:
        (got,) = con.execute("select doc_id from documents").fetchone() or ("",)
    assert got.startswith("bad \ufffd name")


# --- the summary --------------------------------------------------------------------------------------------


def test_the_summary_names_a_failed_file_once() -> None:
    assert failure_line("a/空.txt", "a/空.txt: file is empty") == "[yellow]a/空.txt[/]: file is empty"
    assert failure_line("x.pdf", "x.pdf, page 3: no text") == "[yellow]x.pdf[/], page 3: no text"
    assert failure_line("x.pdf", "places failed: boom") == "[yellow]x.pdf[/]: places failed: boom"
    assert failure_line("[red]x[/b].txt", "[red]x[/b].txt: empty") == "[yellow]\\[red]x\\[/b].txt[/]: empty"


# --- a whole run over hostile names -------------------------------------------------------------------------


def _files(root: Path, skip: Path | None = None) -> dict[str, bytes]:
    return {
        os.fsdecode(p.relative_to(root)): p.read_bytes()
        for p in root.rglob("*")
        if p.is_file() and (skip is None or not p.is_relative_to(skip))
    }


def _write(folder: Path, name: str | bytes, text: str) -> str:
    """Create ``folder/name`` (bytes: a name that is not UTF-8); returns its readable doc_id."""
    raw = name if isinstance(name, bytes) else name.encode("utf-8")
    path = os.fsencode(folder) + b"/" + raw
    try:
        with open(path, "wb") as fh:
            fh.write(text.encode("utf-8"))
    except OSError as exc:  # e.g. a file system that refuses non-UTF-8 or 255-byte names (macOS, eCryptfs)
        pytest.skip(f"this file system cannot hold the name {raw[:40]!r}…: {exc}")
    return readable_name(os.fsdecode(raw))[0].rsplit(".", 1)[0]


@pytest.fixture
def hostile(tmp_path: Path) -> Iterator[tuple[Path, dict[str, str]]]:
    """A corpus of good reports under hostile names: doc_id -> file name as written; plus one empty file."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "report.txt").mkdir()
    (corpus / "sub..").mkdir()
    gbk_dir = os.fsencode(corpus) + b"/" + "贵州".encode("gbk")
    os.mkdir(gbk_dir)
    names: dict[str, str] = {}
    for name in [
        "good.txt",
        f"{GBK_NAME}.txt".encode("gbk"),
        b"\xff\xfe\x80.txt",
        LONG_255,
        LONG_244,
        "report.md",
        "report.txt/a.txt",
        "a\nb.txt",
        "-rf.txt",
        "--out=x.txt",
        "sub../报告..txt",
        'a:b*?"<>|.txt',
        "CON.txt",
        "Case.txt",
        "case.txt",
        unicodedata.normalize("NFD", "café.txt"),
        "[red]markup[/].txt".replace("/", "|"),
        "贵州".encode("gbk") + b"/" + "黎平县.txt".encode("gbk"),
    ]:
        doc_id = _write(corpus, name, REPORT)
        names[doc_id] = os.fsdecode(name) if isinstance(name, bytes) else name
    (corpus / "[bold]empty.txt").write_bytes(b"")
    yield corpus, names


def _documents(out: Path) -> dict[str, dict[str, str]]:
    with (out / "documents.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    by_id = {r["doc_id"]: r for r in rows}
    assert len(by_id) == len(rows), "doc_ids are unique"
    return by_id


def _figures_per_doc(out: Path) -> dict[str, int]:
    counts: dict[str, int] = {}
    with (out / "figures.csv").open(encoding="utf-8-sig", newline="") as fh:
        for r in csv.DictReader(fh):
            counts[r["doc_id"]] = counts.get(r["doc_id"], 0) + 1
    return counts


def _run(corpus: Path, out: Path, *extra: str) -> str:
    result = CliRunner().invoke(
        app, ["extract", str(corpus), "--out", str(out), *extra, "--models-dir", str(REPO / "models")]
    )
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result.output


def _neutralized(doc_id: str) -> str:
    return writers.neutralize(doc_id)  # documents.csv guards a doc_id starting with - like any text cell


@pytest.mark.slow
@pytest.mark.parametrize("review", [False, True], ids=["plain", "review"])
def test_a_run_over_hostile_names_completes(
    hostile: tuple[Path, dict[str, str]],
    tmp_path: Path,
    review: bool,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    corpus, names = hostile
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    out = tmp_path / "out"
    before = _files(tmp_path, skip=out)
    with caplog.at_level(logging.WARNING, logger="pipeline.ingest"):
        output = _run(corpus, out, *(["--review"] if review else []))

    # nothing written outside the output folder (but its lock file beside it: README, Safety); the corpus untouched
    after = _files(tmp_path, skip=out)
    assert after.pop(".out.lock", None) is not None
    assert after == before
    # the GBK names read as Chinese, and the run says so
    assert GBK_NAME in names and "贵州/黎平县" in names
    assert any("not UTF-8: read as GB18030" in r.getMessage() for r in caplog.records)

    docs = _documents(out)
    assert set(docs) == {_neutralized(d) for d in names} | {"[bold]empty"}
    assert docs["[bold]empty"]["status"] == "failed" and docs["[bold]empty"]["text_file"] == ""
    # the summary names the failed file once, as text (no rich markup eaten)
    assert "[bold]empty.txt: file is empty" in output and "empty.txt: [bold]empty.txt" not in output

    # every good file keeps its rows: the same report under any name gives the same figures
    figures = _figures_per_doc(out)
    assert figures["good"] > 0
    assert {d: figures.get(_neutralized(d), 0) for d in names} == {d: figures["good"] for d in names}

    # documents.csv maps each doc_id to its own files, safe and bounded, inside text/ and review/
    files = set()
    for doc_id in names:
        row = docs[_neutralized(doc_id)]
        assert row["status"] == "ok", row
        text_file, review_file = row["text_file"], row["review_file"]
        assert text_file.startswith("text/") and text_file.endswith(".txt")
        assert (out / text_file).read_text(encoding="utf-8") == REPORT
        assert (out / text_file).resolve().is_relative_to((out / "text").resolve())
        for part in text_file.split("/"):
            assert len(part.encode("utf-8")) <= MAX_FILE_NAME_BYTES
        if review:
            assert review_file.startswith("review/") and (out / review_file).is_file()
        else:
            assert review_file == ""
        files.add(text_file.casefold())
    assert len(files) == len(names)
    assert docs["good"]["text_file"] == "text/good.txt"  # the contract's name where the doc_id is safe
    assert docs["report"]["text_file"] == "text/report.txt"
    assert docs["report.txt/a"]["text_file"] == "text/report.txt_/a.txt"
    on_disk = {p.relative_to(out).as_posix() for p in (out / "text").rglob("*.txt")}
    assert on_disk == {r["text_file"] for r in docs.values() if r["text_file"]}

    # the store and the workbook hold every document
    with duckdb.connect(str(out / "kg.duckdb"), read_only=True) as con:
        ids = {r[0] for r in con.execute("select doc_id from documents").fetchall()}
    assert ids == set(names) | {"[bold]empty"}
    wb = load_workbook(io.BytesIO((out / "ruralmine.xlsx").read_bytes()), read_only=True)
    assert {r[0] for r in wb["documents"].iter_rows(min_row=2, values_only=True)} == set(docs)


@pytest.mark.slow
def test_a_rerun_removes_the_files_of_a_hostile_name_gone(tmp_path: Path) -> None:
    """Stale-file removal follows documents.csv's mapping: a long name's hashed file goes with its document."""
    corpus, out = tmp_path / "c", tmp_path / "o"
    corpus.mkdir()
    long_id = _write(corpus, LONG_244, REPORT)
    (corpus / "good.txt").write_text(REPORT, encoding="utf-8")
    _run(corpus, out, "--review")
    old = _documents(out)[long_id]
    assert (out / old["text_file"]).is_file() and (out / old["review_file"]).is_file()
    os.remove(os.fsencode(corpus) + b"/" + LONG_244.encode())
    _run(corpus, out)
    assert not (out / old["text_file"]).exists() and not (out / old["review_file"]).exists()
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.parent.name in ("text", "review")) == [
        "text/good.txt"
    ]
