"""Word .docx: paragraphs and table rows in document order, title from core properties or first heading."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from typing import Any

logger = logging.getLogger(__name__)

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _block_items(parent: Any) -> Iterator[Any]:
    """Paragraphs and tables in document order, looking inside content controls (``w:sdt``)."""
    for child in parent.iterchildren():
        if child.tag in (_W + "p", _W + "tbl"):
            yield child
        elif child.tag == _W + "sdt":
            content = child.find(_W + "sdtContent")
            if content is not None:
                yield from _block_items(content)


def extract_docx(data: bytes) -> tuple[str, str, int]:
    """(text, title, n_tables): one line per paragraph, one tab-separated line per table row."""
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    document = docx.Document(io.BytesIO(data))
    lines: list[str] = []
    title = (document.core_properties.title or "").strip()
    heading = ""
    n_tables = 0
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
        elif child.tag == _W + "tbl":
            n_tables += 1
            table = Table(child, document)
            for row in table.rows:
                cells: list[str] = []
                prev = None
                for cell in row.cells:
                    if cell._tc is prev:  # a merged cell repeats; keep it once
                        continue
                    prev = cell._tc
                    cells.append(" ".join(cell.text.split()))
                if any(cells):
                    lines.append("\t".join(cells))
    return "\n".join(lines), title or heading, n_tables
