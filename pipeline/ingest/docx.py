"""Word .docx: paragraphs and table rows in document order, title from core properties or first heading."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from typing import Any

from pipeline.model import Table

logger = logging.getLogger(__name__)

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MAX_CAPTION = 60  # a paragraph right above a table, this short or shorter, is its caption


_CHUNK = 1 << 20  # inflate 1 MB at a time: memory stays at one chunk whatever a part inflates to


class PackageTooLarge(Exception):
    """A ZIP package part (``part``), or all parts together (``part == ""``), inflates over ``limit`` bytes."""

    def __init__(self, part: str, limit: int) -> None:
        super().__init__(f"{part or 'package'} inflates to more than {limit} bytes")
        self.part = part
        self.limit = limit


def check_package(data: bytes, max_part: int, max_total: int) -> None:
    """Refuse a ZIP package whose parts inflate over ``max_part`` bytes each or ``max_total`` together.

    The sizes the package declares are checked first (a refusal then costs nothing); then every part is
    inflated in a stream, ``_CHUNK`` at a time, counting, and dropped: the count stops at the limit, so a part
    that lies about its size never inflates beyond it (zipfile also stops at the declared size and then fails
    the CRC check, a ``BadZipFile`` for the caller). Raises ``PackageTooLarge`` or ``zipfile.BadZipFile``.
    """
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        infos = zf.infolist()
        for info in infos:
            if info.file_size > max_part:
                raise PackageTooLarge(info.filename, max_part)
        if sum(info.file_size for info in infos) > max_total:
            raise PackageTooLarge("", max_total)
        total = 0
        for info in infos:
            size = 0
            with zf.open(info) as fh:
                while chunk := fh.read(_CHUNK):
                    size += len(chunk)
                    total += len(chunk)
                    if size > max_part:
                        raise PackageTooLarge(info.filename, max_part)
                    if total > max_total:
                        raise PackageTooLarge("", max_total)


def _block_items(parent: Any) -> Iterator[Any]:
    """Paragraphs and tables in document order, looking inside content controls (``w:sdt``)."""
    for child in parent.iterchildren():
        if child.tag in (_W + "p", _W + "tbl"):
            yield child
        elif child.tag == _W + "sdt":
            content = child.find(_W + "sdtContent")
            if content is not None:
                yield from _block_items(content)


def extract_docx(data: bytes) -> tuple[str, str, list[Table]]:
    """(text, title, tables): one line per paragraph, one tab-separated line per table row.

    Each table is also returned as a ``Table`` record (its rows of cells aligned on the table's grid, so a
    cell stays under its column header; the raw span its lines take in the text; the short paragraph just
    above it as caption), so extraction reads its cells as a table
    instead of re-detecting the lines; the cell text stays in the text for provenance. DOCX has no pages:
    ``page`` is 0.
    """
    import docx
    from docx.table import Table as DocxTable
    from docx.text.paragraph import Paragraph

    document = docx.Document(io.BytesIO(data))
    lines: list[str] = []
    tables: list[Table] = []
    pos = 0  # raw offset of the next line
    title = (document.core_properties.title or "").strip()
    heading = ""
    for child in _block_items(document.element.body):
        if child.tag == _W + "p":
            para = Paragraph(child, document)
            text = para.text.strip()
            if not text:
                continue
            style = (para.style.name if para.style is not None else "") or ""
            if not heading and (style.startswith("Heading") or style == "Title"):
                heading = text
            lines.append(text)
            pos += len(text) + 1
        elif child.tag == _W + "tbl":
            table = DocxTable(child, document)
            caption = lines[-1] if lines and len(lines[-1]) <= _MAX_CAPTION else ""
            rows: list[list[str]] = []
            start = pos
            for row in table.rows:
                cells: list[str] = []  # the row's text: a merged cell once
                grid: list[str] = []  # the record's row: one cell per grid column, "" where a merge repeats
                prev = None
                for cell in row.cells:
                    if cell._tc is prev:  # a merged cell repeats; keep it once
                        grid.append("")
                        continue
                    prev = cell._tc
                    cells.append(" ".join(cell.text.split()))
                    grid.append(cells[-1])
                if any(cells):
                    line = "\t".join(cells)
                    lines.append(line)
                    rows.append(grid)
                    pos += len(line) + 1
            tables.append(Table(page=0, rows=rows, raw_start=start, raw_end=max(start, pos - 1), caption=caption))
    return "\n".join(lines), title or heading, tables
