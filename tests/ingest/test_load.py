"""load_document / iter_corpus / assign_doc_ids: one Document per file, bad input as failed rows."""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from pipeline.config import Config
from pipeline.ingest import assign_doc_ids, iter_corpus, list_corpus, load_document

from .pdfmake import pages_pdf, scanned_pdf

GOOD_PDF = pages_pdf([["全县农村居民人均可支配收入增长8.5%。"]])


def _docx_bytes() -> bytes:
    import docx

    d = docx.Document()
    d.add_heading("某县乡村振兴典型案例", level=1)
    d.add_paragraph("一、基本情况")
    table = d.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "指标"
    table.cell(0, 1).text = "数值"
    table.cell(1, 0).text = "脱贫户"
    table.cell(1, 1).text = "1200户"
    d.add_paragraph("二、主要做法")
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


# (file name, error code, bytes maker, words the error must contain)
BAD: list[tuple[str, str, Callable[[], bytes], list[str]]] = [
    ("empty.txt", "E001", lambda: b"", ["empty"]),
    ("empty.pdf", "E001", lambda: b"", ["empty"]),
    ("garbage.txt", "E002", lambda: bytes(range(256)) * 40, ["not a text file"]),
    ("garbage.md", "E002", lambda: os.urandom(4096), ["not a text file"]),
    ("blank.txt", "E008", lambda: b"  \n\r\n \t ", ["no text"]),
    ("truncated.pdf", "E010", lambda: GOOD_PDF[: len(GOOD_PDF) // 2], ["damaged or truncated"]),
    ("fake.pdf", "E010", lambda: b"%PDF-1.4\n" + os.urandom(2000), ["damaged or truncated"]),
    ("nopdf.pdf", "E013", lambda: "这不是PDF".encode() * 50, ["not a PDF"]),
    ("locked.pdf", "E011", lambda: pages_pdf([["机密内容"]], encrypt="secret"), ["password"]),
    ("scan.pdf", "E012", scanned_pdf, ["no text layer: needs OCR"]),
    ("scan_image.pdf", "E012", lambda: scanned_pdf(3, image=True), ["no text layer: needs OCR"]),
    ("notes.xyz", "E003", lambda: b"hello", ["unsupported file type '.xyz'"]),
    ("LICENSE", "E003", lambda: b"hello", ["unsupported file type"]),
    ("broken.docx", "E020", lambda: b"PK\x03\x04" + os.urandom(500), ["docx"]),
    ("old.docx", "E021", lambda: b"\xd0\xcf\x11\xe0" + os.urandom(500), [".doc"]),
    ("half.docx", "E020", lambda: _docx_bytes()[:2000], ["docx"]),
]


@pytest.mark.parametrize(("name", "code", "make", "words"), BAD, ids=[b[0] for b in BAD])
def test_bad_input_is_failed_row(
    tmp_path: Path, name: str, code: str, make: Callable[[], bytes], words: list[str]
) -> None:
    p = tmp_path / name
    p.write_bytes(make())
    doc = load_document(p, tmp_path, Config(ocr=False))  # blank scans with OCR on: tests/ingest/test_ocr.py
    assert doc.status == "failed"
    assert doc.error_code == code  # which kind, as a code (README "Errors")
    assert doc.error.startswith(name + ":")  # where
    for w in words:  # what
        assert w in doc.error
    assert "(" in doc.error  # what to do, in the hint
    assert doc.raw_text == "" and doc.page_starts == []


def test_over_size_limit(tmp_path: Path) -> None:
    p = tmp_path / "big.txt"
    p.write_bytes("乡村振兴。\n".encode() * 100_000)  # ~1.6 MB
    doc = load_document(p, tmp_path, Config(max_file_mb=1))
    assert doc.status == "failed"
    assert "over the size limit of 1 MB" in doc.error and "max_file_mb" in doc.error
    assert doc.error_code == "E004"
    assert load_document(p, tmp_path, Config(max_file_mb=5)).status == "ok"


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    p = tmp_path / "secret.txt"
    p.write_text("内容", encoding="utf-8")
    if os.geteuid() == 0:  # root reads through chmod 000, so make the read itself fail
        import pipeline.ingest as ingest_mod

        real = ingest_mod._read_limited

        def deny(path: Path, limit: int) -> bytes:
            if Path(path).name == "secret.txt":
                raise PermissionError(13, "Permission denied", str(path))
            return real(path, limit)

        monkeypatch.setattr(ingest_mod, "_read_limited", deny)
    else:
        p.chmod(0)
    try:
        doc = load_document(p, tmp_path, Config())
    finally:
        p.chmod(0o644)
    assert doc.status == "failed"
    assert "permission denied" in doc.error
    assert doc.error_code == "E006"


def test_unexpected_exception_is_caught(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline.ingest import html as html_mod

    def boom(markup: str) -> tuple[str, str, str]:
        raise RuntimeError("parser exploded")

    monkeypatch.setattr(html_mod, "extract_html", boom)
    p = tmp_path / "a.html"
    p.write_text("<html><body><p>正文</p></body></html>", encoding="utf-8")
    doc = load_document(p, tmp_path, Config())
    assert doc.status == "failed" and "parser exploded" in doc.error
    assert doc.error_code == "E009"


# --------------------------------------------------------------------------- formats

PAGE = """<!DOCTYPE html><html><head><meta charset="gb2312"><title>某县推进乡村振兴纪实</title></head>
<body><nav><a href="/">首页</a> | <a href="/news">新闻</a></nav>
<article><h1>某县推进乡村振兴纪实</h1>
<p>近年来，某县坚持把发展产业作为乡村振兴的根本之策，全县累计发放产业贷款4824.31万元，带动农户增收。</p>
<p>该县创新推行“社社联建”模式，村级合作社与供销社联合经营，建成种养基地60万亩，覆盖全部行政村。</p>
<p>2020年，全县农村居民人均可支配收入达到10360元，比上年增长8.5%，增速居全市前列。</p>
</article><footer>版权所有 某县人民政府 联系电话 0000</footer><script>var x = 1;</script></body></html>"""


def test_html_main_text_and_title(tmp_path: Path) -> None:
    p = tmp_path / "page.htm"
    p.write_bytes(PAGE.encode("gb18030"))
    doc = load_document(p, tmp_path, Config())
    assert doc.status == "ok" and doc.format == "html"
    assert doc.meta["title"] == "某县推进乡村振兴纪实"
    assert doc.meta["encoding"] == "gb18030"
    lines = doc.raw_text.split("\n")
    assert any(ln.startswith("近年来") and ln.endswith("带动农户增收。") for ln in lines)
    assert "4824.31万元" in doc.raw_text
    assert "var x" not in doc.raw_text


def test_html_fallback_strip(tmp_path: Path) -> None:
    p = tmp_path / "tiny.html"
    p.write_text("<html><body><div>短</div><div>文</div></body></html>", encoding="utf-8")
    doc = load_document(p, tmp_path, Config())
    assert doc.status == "ok"
    assert doc.raw_text.split("\n") == ["短", "文"]


def test_docx_order_tables_title(tmp_path: Path) -> None:
    p = tmp_path / "r.docx"
    p.write_bytes(_docx_bytes())
    doc = load_document(p, tmp_path, Config())
    assert doc.status == "ok" and doc.format == "docx"
    assert doc.raw_text.split("\n") == [
        "某县乡村振兴典型案例",
        "一、基本情况",
        "指标\t数值",
        "脱贫户\t1200户",
        "二、主要做法",
    ]
    assert doc.meta["title"] == "某县乡村振兴典型案例"
    # The table is also a record: its cells, and the raw span its lines take (the text keeps them).
    [table] = doc.tables
    assert table.rows == [["指标", "数值"], ["脱贫户", "1200户"]]
    assert doc.raw_text[table.raw_start : table.raw_end] == "指标\t数值\n脱贫户\t1200户"
    assert table.caption == "一、基本情况" and table.page == 0


def test_docx_table_figures_come_from_the_table_record(tmp_path: Path) -> None:
    """A DOCX table's cells are read from ``doc.tables`` once, not re-detected from its tab lines; a merged
    cell keeps the table whole and the cells after it under their own column headers."""
    import docx

    from pipeline.extract.figures import extract_figures
    from pipeline.normalize import normalize

    d = docx.Document()
    d.add_paragraph("表1 脱贫情况")
    t = d.add_table(rows=3, cols=4)
    for c, text in enumerate(["指标", "", "2019年", "2020年"]):
        t.cell(0, c).text = text
    t.cell(0, 0).merge(t.cell(0, 1))
    for c, text in enumerate(["脱贫户（户）", "全县", "1200", "1500"]):
        t.cell(1, c).text = text
    t.cell(2, 0).merge(t.cell(2, 1)).text = "贫困村（个）"
    t.cell(2, 2).text = "30"
    t.cell(2, 3).text = "12"
    p = tmp_path / "t.docx"
    d.save(str(p))
    doc = normalize(load_document(p, tmp_path, Config()))
    assert doc.raw_text.split("\n")[1:] == [
        "指标\t2019年\t2020年",
        "脱贫户（户）\t全县\t1200\t1500",
        "贫困村（个）\t30\t12",
    ]
    assert doc.tables[0].rows[2] == ["贫困村（个）", "", "30", "12"]
    table_figs = [f for f in extract_figures(doc) if f.mention.source == "figures.table"]
    got = [(f.indicator, f.value, f.date, f.mention.raw) for f in table_figs]
    assert got == [("脱贫户", 1200, "2019", "1200"), ("脱贫户", 1500, "2020", "1500"),
                   ("贫困村", 30, "2019", "30"), ("贫困村", 12, "2020", "12")]  # fmt: skip
    for f in table_figs:
        assert doc.raw_text[f.mention.raw_start : f.mention.raw_end] == f.mention.raw


def test_docx_content_control(tmp_path: Path) -> None:
    """Paragraphs wrapped in a content control (w:sdt) are read in place."""
    import docx
    from docx.oxml import parse_xml

    d = docx.Document()
    d.add_paragraph("前言")
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    sdt = parse_xml(
        f'<w:sdt xmlns:w="{w}"><w:sdtContent><w:p><w:r><w:t>控件中的段落</w:t></w:r></w:p></w:sdtContent></w:sdt>'
    )
    d.element.body.insert(1, sdt)
    d.add_paragraph("结语")
    p = tmp_path / "c.docx"
    d.save(str(p))
    doc = load_document(p, tmp_path, Config())
    assert doc.raw_text.split("\n") == ["前言", "控件中的段落", "结语"]


def test_md_and_fields(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    p = tmp_path / "a" / "b.md"
    p.write_text("# 标题\n\n正文。\n", encoding="utf-8")
    doc = load_document(p, tmp_path, Config())
    assert (doc.doc_id, doc.source, doc.format, doc.status) == ("a/b", "a/b.md", "md", "ok")
    assert doc.raw_text == "# 标题\n\n正文。\n"
    assert doc.page_starts == [] and doc.text == "" and doc.offsets is None


# --------------------------------------------------------------------------- ids and corpus walking


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        (["a.txt"], ["a"]),
        (["govdoc_cn_397/397.pdf"], ["govdoc_cn_397/397"]),
        (["d/397.pdf", "d/397.txt"], ["d/397.pdf", "d/397.txt"]),
        (["x/a.txt", "y/a.txt"], ["x/a", "y/a"]),
        (["a.txt", "a.md", "b.pdf"], ["a.txt", "a.md", "b"]),
        (["a", "a.txt"], ["a", "a.txt"]),
        (["a.b.txt", "a.b.pdf"], ["a.b.txt", "a.b.pdf"]),
    ],
)
def test_assign_doc_ids(tmp_path: Path, files: list[str], expected: list[str]) -> None:
    paths = [tmp_path / f for f in files]
    ids = assign_doc_ids(paths, tmp_path)
    assert [ids[p] for p in paths] == expected
    assert len(set(ids.values())) == len(paths)


def test_iter_corpus(tmp_path: Path) -> None:
    for rel, data in [
        ("b/2.txt", "乙".encode()),
        ("a.txt", "甲".encode("gb18030") * 20),
        (".hidden.txt", b"x"),
        (".git/config", b"x"),
        ("c/.cache/z.txt", b"x"),
        ("c/~$doc.docx", b"lock"),
        ("README.md", b"# about this corpus"),
        ("c/readme.txt", b"notes"),
        ("__MACOSX/c/._doc.pdf", b"x"),
        ("corrections.csv", b"action,name,into,note\n"),  # a researcher's corrections: not a document
        ("c/corrections.example.csv", b"action,name,into,note\n"),
        ("c/bad.bin", b"\x00\x01"),
        ("c/doc.pdf", GOOD_PDF),
        ("c/doc.txt", "同名".encode()),
    ]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(data)
    assert [p.relative_to(tmp_path).as_posix() for p in list_corpus(tmp_path)] == [
        "a.txt",
        "b/2.txt",
        "c/bad.bin",
        "c/doc.pdf",
        "c/doc.txt",
    ]
    docs = list(iter_corpus(tmp_path, Config()))
    assert [d.doc_id for d in docs] == ["a", "b/2", "c/bad", "c/doc.pdf", "c/doc.txt"]
    assert [d.status for d in docs] == ["ok", "ok", "failed", "ok", "ok"]
    assert docs[3].n_pages == 1 and "8.5%" in docs[3].raw_text


def test_error_codes_table() -> None:
    from pipeline.errors import Errors

    codes = [e.code for e in Errors.all()]
    assert len(codes) == len(set(codes))
    assert all(getattr(Errors, c).code == c for c in codes)  # each entry is filed under its own code
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    for c in codes:  # every code is documented in the README's "Errors" table
        assert f"| {c} |" in readme, c
