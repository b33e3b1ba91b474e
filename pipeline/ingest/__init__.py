"""INGEST stage: files -> Documents with ``raw_text`` as extracted, pages and tables; never crashes on input.

Every entry the corpus walk meets (``walk.py``) becomes exactly one Document. Problems (empty, binary, damaged,
encrypted, scanned, garbage text, too big, a zip bomb, unreadable, unknown type, a FIFO or a bad link) give
``status="failed"`` (or ``"partial"`` when only some PDF pages failed) and an ``error`` saying what went wrong,
where and what to do, so a bad file is a documents.csv row.
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from collections.abc import Collection, Iterable, Iterator
from pathlib import Path, PurePosixPath

from pipeline.config import Config
from pipeline.errors import ErrorCode, Errors
from pipeline.ingest.text import NotTextError, decode_bytes, plausibility
from pipeline.ingest.walk import CorpusWalk, Refusal, check_entry, special_kind, walk_corpus
from pipeline.model import STATUS_FAILED, STATUS_OK, STATUS_PARTIAL, Document
from pipeline.names import readable_name

logger = logging.getLogger(__name__)

__all__ = ["FORMATS", "CorpusWalk", "assign_doc_ids", "iter_corpus", "list_corpus", "load_document", "walk_corpus"]

FORMATS = {
    ".txt": "txt",
    ".text": "txt",
    ".md": "md",
    ".markdown": "md",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".pdf": "pdf",
    ".docx": "docx",
}


def list_corpus(root: Path, exclude: Iterable[Path] = ()) -> list[Path]:
    """Every entry under ``root`` that becomes a row (recursive, sorted; see ``walk.walk_corpus``): regular files,
    and the FIFOs, bad links and unlistable folders that are rows with their reason; hidden files/folders, READMEs,
    corrections files and output folders (``exclude``, and earlier runs') are left out. ``root`` itself when it is
    a file (a one-file corpus: its doc_id is the file name without extension)."""
    return walk_corpus(root, exclude).files


def _rel(path: Path, root: Path) -> Path:
    try:
        rel = Path(path).relative_to(root)
    except ValueError:
        return Path(Path(path).name)
    return rel if rel.parts else Path(Path(path).name)  # a one-file corpus: the file itself


def _source(path: Path, root: Path) -> str:
    """The file relative to root as readable text (``pipeline.names.readable_name``: any file name works)."""
    return readable_name(_rel(path, root).as_posix())[0]


def assign_doc_ids(paths: Iterable[Path], root: Path) -> dict[Path, str]:
    """doc_id = path relative to root without extension; files that would collide keep their extension.
    Names that are not UTF-8 or hold control characters are made readable first (and a warning says so)."""
    paths = list(paths)
    rels = {}
    for p in paths:
        rels[p], note = readable_name(_rel(p, root).as_posix())
        if note:
            logger.warning("%s: %s (doc_id and source use this reading)", rels[p], note)
    stems = {p: PurePosixPath(r).with_suffix("").as_posix() for p, r in rels.items()}
    clash = Counter(stems.values())
    ids = {p: (rels[p] if clash[s] > 1 else s) for p, s in stems.items()}
    # A kept extension can still meet another file's stem (``a.pdf`` vs ``a.pdf.txt``): number those.
    seen: Counter[str] = Counter()
    final_clash = Counter(ids.values())
    for p in paths:
        d = ids[p]
        if final_clash[d] > 1:
            seen[d] += 1
            if seen[d] > 1:
                ids[p] = f"{d}~{seen[d]}"
    return ids


def iter_corpus(
    root: Path,
    config: Config,
    exclude: Iterable[Path] = (),
    walk: CorpusWalk | None = None,
    only: Collection[Path] | None = None,
) -> Iterator[Document]:
    """One Document per entry under ``root`` in sorted order (``walk``, or a new walk skipping ``exclude``; only
    the entries in ``only`` when given, with the doc_ids of the whole walk); bad files and entries that are not
    read (FIFOs, bad links...) come out as failed rows."""
    root = Path(root)
    walk = walk if walk is not None else walk_corpus(root, exclude)
    ids = assign_doc_ids(walk.files, root)
    for p in walk.files if only is None else [p for p in walk.files if p in only]:
        yield load_document(p, root, config, doc_id=ids[p], refusal=walk.refused.get(p))


def _read_limited(path: Path, limit: int) -> bytes:
    """The bytes of a regular file, at most ``limit`` + 1 of them; never blocks on a FIFO swapped in after the
    walk (opened non-blocking, then checked to be a regular file before any read)."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fd)
        kind = special_kind(st.st_mode)
        if kind:
            raise _NotRegular(kind)
        data = fh.read(min(st.st_size, limit) + 1)  # sized by the file, not the limit
        parts = [data]
        while data and sum(map(len, parts)) <= limit:  # it grew since the stat
            data = fh.read(1 << 20)
            parts.append(data)
        return b"".join(parts) if len(parts) > 1 else parts[0]


class _NotRegular(Exception):
    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


def _mb(n: float) -> int:
    return int(n * 1024 * 1024)


def _fail(doc: Document, code: ErrorCode, page: int | None = None, **fields: object) -> Document:
    """Mark ``doc`` failed with the coded error ``code`` (its template filled from ``fields``)."""
    err = code.error(doc.source, page=page, **fields)
    doc.status = STATUS_FAILED
    doc.error = str(err)
    doc.error_code = err.code
    doc.raw_text = ""
    doc.page_starts = []
    doc.tables = []
    logger.warning("ingest failed: %s", doc.error)
    return doc


def load_document(
    path: Path, root: Path, config: Config, doc_id: str | None = None, refusal: Refusal | None = None
) -> Document:
    """Read one file into a Document; never raises for bad input (the error goes into the row). An entry the
    walk refused (``refusal``), or that is not a regular file inside the corpus, is a failed row, never opened."""
    path = Path(path)
    root = Path(root)
    if doc_id is None:
        doc_id = assign_doc_ids([path], root)[path]
    suffix = path.suffix.lower()
    fmt = FORMATS.get(suffix, suffix.lstrip(".") or "unknown")
    doc = Document(doc_id=doc_id, source=_source(path, root), format=fmt)
    try:
        refusal = refusal or check_entry(path, root)
        if refusal is not None:
            return _fail(doc, refusal.code, **refusal.kwargs())
        return _load(path, doc, suffix, config)
    except Exception as exc:  # the boundary: whatever a parser throws becomes a failed row
        logger.exception("unexpected error ingesting %s", doc.source)  # readable: no control characters
        return _fail(doc, Errors.E009, detail=f"{type(exc).__name__}: {exc}")


def _load(path: Path, doc: Document, suffix: str, config: Config) -> Document:
    if suffix not in FORMATS:
        return _fail(doc, Errors.E003, suffix=suffix or "(no extension)", supported=", ".join(sorted(FORMATS)))
    try:
        size = path.stat().st_size
    except OSError as exc:
        return _fail(doc, Errors.E007, detail=exc.strerror or exc)
    limit = config.max_file_mb * 1024 * 1024
    if size > limit:
        return _fail(doc, Errors.E004, size_mb=size / 1048576, limit_mb=config.max_file_mb)
    if size == 0:
        return _fail(doc, Errors.E001)
    try:
        data = _read_limited(path, int(limit))
    except _NotRegular as exc:
        return _fail(doc, Errors.E040, kind=exc.kind)
    except PermissionError:
        return _fail(doc, Errors.E006)
    except OSError as exc:
        return _fail(doc, Errors.E005, detail=exc.strerror or exc)
    if len(data) > limit:  # it grew since the stat
        return _fail(doc, Errors.E004, size_mb=len(data) / 1048576, limit_mb=config.max_file_mb)
    doc.meta["bytes"] = len(data)
    fmt = FORMATS[suffix]
    if fmt in ("txt", "md"):
        return _load_text(doc, data)
    if fmt == "html":
        return _load_html(doc, data)
    if fmt == "pdf":
        return _load_pdf(doc, data, config)
    return _load_docx(doc, data, config)


def _finish_text(doc: Document, text: str) -> Document:
    if not text.strip():
        return _fail(doc, Errors.E008)
    doc.raw_text = text
    doc.status = STATUS_OK
    return doc


def _load_text(doc: Document, data: bytes) -> Document:
    try:
        text, enc = decode_bytes(data)
    except NotTextError as exc:
        return _fail(doc, Errors.E002, detail=exc)
    doc.meta["encoding"] = enc
    return _finish_text(doc, text)


# Magic numbers of compressed containers: an .html file starting with one is compressed, not markup.
_COMPRESSED = (
    (b"\x1f\x8b", "gzip"),
    (b"PK\x03\x04", "zip"),
    (b"BZh", "bzip2"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"\x28\xb5\x2f\xfd", "zstd"),
)


def _load_html(doc: Document, data: bytes) -> Document:
    from pipeline.ingest.html import declared_charset, extract_html

    kind = next((name for magic, name in _COMPRESSED if data.startswith(magic)), "")
    if kind:  # never inflated: a gzip bomb named .html is refused before any decompression
        return _fail(doc, Errors.E031, kind=kind)
    enc = declared_charset(data)
    markup = None
    if enc:
        try:
            markup = data.decode(enc)
            markup = markup.removeprefix("\ufeff")
        except (UnicodeDecodeError, LookupError):
            markup = None
    if markup is None:
        try:
            markup, enc = decode_bytes(data)
        except NotTextError as exc:
            return _fail(doc, Errors.E030, detail=exc)
    if plausibility(markup[:100_000]) < 0.95:
        return _fail(doc, Errors.E030, detail="binary content")
    doc.meta["encoding"] = enc
    text, title, method = extract_html(markup.replace("\r\n", "\n").replace("\r", "\n"))
    doc.meta["html_extractor"] = method
    if title:
        doc.meta["title"] = title
    return _finish_text(doc, text)


def _load_docx(doc: Document, data: bytes, config: Config) -> Document:
    import io
    import zipfile

    from pipeline.ingest.docx import PackageTooLarge, check_package, extract_docx

    if not zipfile.is_zipfile(io.BytesIO(data)):
        return _fail(doc, Errors.E021 if data[:4] == b"\xd0\xcf\x11\xe0" else Errors.E020)
    try:  # before python-docx reads any part into memory: a zip bomb stops here (streamed, bounded)
        check_package(data, _mb(config.max_inflated_mb), _mb(config.max_package_mb))
    except PackageTooLarge as exc:
        if exc.part:
            return _fail(doc, Errors.E023, part=exc.part, limit_mb=config.max_inflated_mb)
        return _fail(doc, Errors.E024, limit_mb=config.max_package_mb)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, OSError) as exc:
        return _fail(doc, Errors.E022, detail=f"{type(exc).__name__}: {exc}")
    try:
        text, title, tables = extract_docx(data)
    except Exception as exc:  # python-docx raises many kinds on damaged packages
        logger.debug("docx parse failed", exc_info=True)
        return _fail(doc, Errors.E022, detail=f"{type(exc).__name__}: {exc}")
    if title:
        doc.meta["title"] = title
    doc.meta["docx_tables"] = len(tables)
    doc.tables = [t for t in tables if t.rows]
    return _finish_text(doc, text)


def _page_list(pages: list[int]) -> str:
    """``[1, 2, 3, 7]`` -> ``1-3, 7``."""
    runs: list[list[int]] = []
    for p in sorted(pages):
        if runs and p == runs[-1][1] + 1:
            runs[-1][1] = p
        else:
            runs.append([p, p])
    return ", ".join(f"{a}-{b}" if a != b else str(a) for a, b in runs)


def _partial(doc: Document, code: ErrorCode, page: int, **fields: object) -> None:
    """Mark ``doc`` partly read (its text kept) with the coded error ``code``."""
    err = code.error(doc.source, page=page, **fields)
    doc.status = STATUS_PARTIAL
    doc.error = str(err)
    doc.error_code = err.code


def _load_pdf(doc: Document, data: bytes, config: Config) -> Document:
    from pipeline.ingest.pdf import PdfOpenError, extract_pdf

    if not data.lstrip()[:1024].count(b"%PDF"):
        return _fail(doc, Errors.E013)
    try:
        res = extract_pdf(data, min_chars=config.min_chars_per_page, ocr=config.ocr)
    except PdfOpenError as exc:
        if exc.kind == "encrypted":
            return _fail(doc, Errors.E011)
        return _fail(doc, Errors.E010, detail=exc.detail[:200])
    doc.meta["pages"] = res.n_pages
    doc.meta["pdf_chars"] = res.n_chars
    doc.meta["dropped_chrome_lines"] = res.dropped_lines
    if res.columns_pages:
        doc.meta["column_pages"] = res.columns_pages
    if res.empty_pages:
        doc.meta["empty_pages"] = res.empty_pages
    if res.extractor != "pdfplumber":
        doc.meta["pdf_extractor"] = res.extractor
    if res.fallback_pages:
        doc.meta["pdf_fallback_pages"] = res.fallback_pages
    if res.garbage_pages:
        doc.meta["garbage_pages"] = sorted(res.garbage_pages)
    if res.ocr_error:
        ocr_note = f"; OCR is unavailable: {res.ocr_error}"
    else:
        ocr_note = "; OCR found no text on them" if config.ocr else "; OCR is off (ocr = false in the config)"
    ok_pages = res.n_pages - len(res.page_errors)
    if res.n_pages == 0:
        return _fail(doc, Errors.E014)
    if ok_pages == 0:
        first = min(res.page_errors)
        return _fail(doc, Errors.E015, page=first, detail=res.page_errors[first])
    read = [n for n in range(1, res.n_pages + 1) if n not in res.page_errors and n not in res.empty_pages]
    text_pages = sorted({*read, *res.ocr_pages})
    if not text_pages or not res.raw_text.strip():
        return _fail(doc, Errors.E012, n_pages=res.n_pages, ocr_note=ocr_note)
    if res.ocr_pages:  # how the text was got: ocr (every page with text was OCR'd) or mixed (some were)
        doc.meta["text_method"] = "ocr" if set(text_pages) <= set(res.ocr_pages) else "mixed"
        doc.meta["ocr_pages"] = sorted(res.ocr_pages)
        doc.meta["ocr_confidence"] = round(res.ocr_confidence, 4)
    garbage = res.garbage_pages
    if garbage and all(n in garbage for n in text_pages):  # never "ok" with garbage: nothing usable at all
        first = min(garbage)
        return _fail(doc, Errors.E019, page=first, pages=_page_list(list(garbage)), detail=garbage[first])
    doc.raw_text = res.raw_text
    doc.page_starts = res.page_starts
    doc.tables = res.tables
    blank = [n for n in res.empty_pages if n not in res.page_errors and n not in res.ocr_pages]
    if garbage:  # the other pages are kept; these are named so nobody trusts their text
        first = min(garbage)
        pages = _page_list(list(garbage))
        _partial(doc, Errors.E018, first, n_bad=len(garbage), n_pages=res.n_pages, pages=pages, detail=garbage[first])
        logger.warning("ingest partial: %s", doc.error)
    elif not res.page_errors and len(blank) >= max(2, 0.25 * res.n_pages):
        # Many pages without text beside pages with text: scanned pages mixed in, their text is missing.
        pages = _page_list(blank)
        _partial(doc, Errors.E016, blank[0], n_blank=len(blank), n_pages=res.n_pages, pages=pages, ocr_note=ocr_note)
        logger.warning("ingest partial: %s", doc.error)
    elif res.page_errors:
        pages = ", ".join(str(p) for p in sorted(res.page_errors))
        first = min(res.page_errors)
        detail = res.page_errors[first]
        _partial(doc, Errors.E017, first, n_bad=len(res.page_errors), n_pages=res.n_pages, pages=pages, detail=detail)
        logger.warning("ingest partial: %s", doc.error)
    else:
        doc.status = STATUS_OK
    return doc
