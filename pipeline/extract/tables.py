r"""Table figures: numeric cells of a document's tables, each with its indicator, unit and date from the headers.

Tables come from ``doc.tables``, which the readers fill with the cells of real tables (PDF tables found by
pdfplumber, DOCX tables) and their raw span; their text also stays in ``raw_text`` (``\t`` between cells), so
a cell's raw offsets point into it. Tables that arrive only as text (Markdown pipe tables, tab-separated
lines in a plain text file) are detected here from the lines outside those spans (``_text_tables``).

>>> from pipeline.model import Document, Table
>>> raw = "指标\t2020年\n脱贫户（户）\t1200"
>>> table = Table(page=0, rows=[["指标", "2020年"], ["脱贫户（户）", "1200"]], raw_start=0, raw_end=len(raw))
>>> doc = Document("d", "d.docx", "docx", raw_text=raw, text=raw, tables=[table])
>>> [(f.indicator, f.value, f.unit, f.date, f.mention.raw) for f in table_figures(doc)]
[('脱贫户', 1200.0, '户', '2020', '1200')]
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from pipeline.extract.figures import _MAX_INDICATOR, SOURCE_TABLE, _dates_in
from pipeline.lexicon import lazy_pattern
from pipeline.model import Document, Figure, Mention, Table
from pipeline.text.numerals import parse_number, parse_quantity

__all__ = ["table_figures"]

_HEADER_UNIT_RE = re.compile(r"[（(]\s*([^（）()]{1,6})\s*[)）]|单位[:：]\s*(\S{1,6})|(?<=[^\s%])(%)$")
_CELL_NUM_RE = re.compile(r"^[-+]?[0-9][0-9,，]*(?:\.[0-9]+)?%?$")


def _unit_of(header: str) -> tuple[str, float]:
    m = _HEADER_UNIT_RE.search(header or "")
    if not m:
        return "", 1.0
    u = (m.group(1) or m.group(2) or m.group(3) or "").strip()
    q = parse_quantity("1" + u)
    if q is None:
        return "", 1.0
    return q.unit, q.value


def table_figures(doc: Document) -> list[Figure]:
    """Numeric cells of tables: indicator = row header + column header, unit from a header/caption, date from a
    year header (columns 2019年 2020年 …) or the caption (表1 …（2021年）)."""
    out: list[Figure] = []
    spaced = _spaced_tables(doc)
    for t in [*doc.tables, *_text_tables(doc, spaced), *spaced]:
        if not t.rows or len(t.rows) < 2 or t.raw_start < 0 or t.raw_end <= t.raw_start:
            continue
        raw = doc.raw_text
        cursor = t.raw_start
        cap_unit, cap_mult = _unit_of(t.caption)
        cap_dates = {d for _, d in _dates_in(t.caption, 0, len(t.caption))}
        cap_date = cap_dates.pop() if len(cap_dates) == 1 else ""
        header = t.rows[0]
        unit_col = next((i for i, h in enumerate(header) if i and _UNIT_HEAD.match(h or "")), -1)
        parents = _parents(t.rows[1:], unit_col)
        for r, parent in zip(t.rows[1:], parents, strict=True):
            row_head = _SUBROW_MARK.sub("", (r[0] or "").strip() if r else "")
            if parent:
                row_head = f"{parent}{SUBROW_JOIN}{row_head}"  # 货物运输周转量其中铁路: a part of its parent row
            row_unit = ("1" + r[unit_col].strip()) if 0 < unit_col < len(r) and r[unit_col] else ""
            for ci, cell in enumerate(r):
                cell_s = (cell or "").strip()
                if ci == 0 or ci == unit_col or not cell_s or not _CELL_NUM_RE.match(cell_s.replace(" ", "")):
                    continue
                pos = raw.find(cell_s, cursor, t.raw_end)
                if pos < 0:
                    continue
                cursor = pos + len(cell_s)
                col_head = (header[ci] if ci < len(header) else "") or ""
                unit, mult = _unit_of(col_head)
                if not unit and row_unit and (q := parse_quantity(row_unit)) is not None:
                    unit, mult = q.unit, q.value  # a unit column (单位: 吨, 亿吨, 万人)
                if not unit:
                    unit, mult = _unit_of(row_head)
                if not unit:
                    unit, mult = cap_unit, cap_mult
                if cell_s.endswith("%"):
                    unit, mult = "%", 1.0
                if not unit:
                    continue
                try:
                    v = parse_number(cell_s.rstrip("%")) * mult
                except ValueError:
                    continue
                ind_col = _HEADER_UNIT_RE.sub("", col_head).strip()
                ind_row = _HEADER_UNIT_RE.sub("", row_head).strip()
                date = _year_of(ind_col) or _year_of(ind_row)
                if _year_of(ind_col):
                    ind_col = ""
                if _year_of(ind_row):
                    ind_row = ""
                indicator = "".join(x for x in (ind_row, ind_col) if x) or t.caption.strip()
                if not date and ci > 1 and _GROWTH_HEAD.search(ind_col):
                    # 增幅（%） after 2015年 | 2020年: the change up to the last dated column before it
                    years = [_year_of(_HEADER_UNIT_RE.sub("", h or "")) for h in header[1:ci]]
                    date = next((y for y in reversed(years) if y), "")
                date = date or cap_date
                if not indicator:
                    continue
                ns, ne = (
                    (pos, pos + len(cell_s)) if doc.offsets is None else doc.offsets.from_raw(pos, pos + len(cell_s))
                )
                m = Mention(
                    doc_id=doc.doc_id,
                    start=ns,
                    end=ne,
                    raw_start=pos,
                    raw_end=pos + len(cell_s),
                    page=doc.page_of_raw(pos),
                    label="FIGURE",
                    text=doc.text[ns:ne] if ne <= len(doc.text) else cell_s,
                    raw=cell_s,
                    source=SOURCE_TABLE,
                )
                out.append(
                    Figure(
                        mention=m,
                        value=round(v, 6),
                        unit=unit,
                        indicator=indicator[: _MAX_INDICATOR * 2],
                        date=date,
                        sentence=" ".join(x for x in (t.caption, row_head, col_head) if x),
                    )
                )
    return out


SUBROW_JOIN = "其中"  # between a parent row and its part in a sub-row's indicator (a part is not the total)


def _parents(rows: Sequence[Sequence[str | None]], unit_col: int) -> list[str]:
    """Per data row, the row it is a part of ("" for none or when the table does not say).

    A row marked ``#`` or ``其中：`` is a part of the parent row above it. After a part, an unmarked row may be
    another part (``其中：城镇`` / ``乡村``) or a new parent (``油料``): printed indents tell them apart, the text
    does not. So it is a part only when its label recurs in the table (``#铁路`` / ``水运`` / ``公路`` under each
    transport indicator: a breakdown, never a total), and a new parent only when the unit column gives it
    another unit than the parent's (``货物运输周转量 亿吨公里`` after the parts of ``货物运输总量 亿吨``);
    otherwise the parent is unknown until the unit changes, and marked rows until then get none.
    """
    heads = [_SUBROW_MARK.sub("", (r[0] or "").strip()) if r else "" for r in rows]
    marked = [bool(r) and bool(_SUBROW_MARK.match((r[0] or "").strip())) for r in rows]
    units = [(r[unit_col] or "").strip() if 0 < unit_col < len(r) else "" for r in rows]
    seen = Counter(heads)
    out: list[str] = []
    parent: int | None = None  # index of the current parent row; None before the first row or when unknown
    parts = False  # a part of the current parent (or of the unknown one) came since it
    for k, head in enumerate(heads):
        if marked[k]:
            out.append(_HEADER_UNIT_RE.sub("", heads[parent]).strip() if parent is not None else "")
            parts = True
            continue
        if parts and seen[head] > 1 and parent is not None:
            out.append(_HEADER_UNIT_RE.sub("", heads[parent]).strip())
            continue
        out.append("")
        unit_changed = unit_col > 0 and units[k] != "" and units[k] != units[k - 1 if k else 0]
        if not parts or unit_changed or k == 0:
            parent, parts = k, False
        else:
            parent = None  # a part or a new parent: unknown
    return out


_UNIT_HEAD = re.compile(r"^\s*(?:计量)?单\s*位\s*$")
_SUBROW_MARK = re.compile(r"^(?:#|＃|其中[:：]|在总计中[:：])\s*")
_CAPTION_RE = re.compile(r"^\s*表\s*[0-9一二三四五六七八九十]+[\s：:、.]*\S")
_OPEN, _CLOSE = "（(", "）)"
_GROWTH_HEAD = lazy_pattern("(?:{words})", "figure_words", "growth_verb")
_YEAR_HEAD = re.compile(r"^\s*((?:19|20)\d{2})\s*年?(?:底|末|度)?\s*$")
_MD_RULE = re.compile(r"^\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$")


def _year_of(header: str) -> str:
    m = _YEAR_HEAD.match(header)
    return m.group(1) if m else ""


def _split_row(line: str) -> list[str] | None:
    if "\t" in line:
        return [c.strip() for c in line.split("\t")]
    if line.count("|") >= 2:
        return [c.strip() for c in line.strip().strip("|").split("|")]
    return None


def _text_tables(doc: Document, spaced: list[Table] | None = None) -> list[Table]:
    """Tables that arrive as text (DOCX rows joined by tabs, Markdown pipe tables), outside any PDF table.

    A table is two or more consecutive lines splitting into the same number (>= 2) of cells; the line
    just above it, when short, is its caption.
    """
    raw = doc.raw_text
    covered = [(t.raw_start, t.raw_end) for t in [*doc.tables, *(spaced or [])]]
    out: list[Table] = []
    rows: list[list[str]] = []
    pos = 0
    prev_line = ""
    block_start = 0
    caption = ""
    for line in [*raw.split("\n"), ""]:
        cells = _split_row(line)
        if cells is not None and _MD_RULE.match(line):
            pos += len(line) + 1
            continue
        if cells is not None and len(cells) >= 2 and (not rows or len(cells) == len(rows[0])):
            if not rows:
                block_start, caption = pos, prev_line.strip() if len(prev_line.strip()) <= 60 else ""
            rows.append(cells)
        else:
            if len(rows) >= 2 and not any(a <= block_start < b for a, b in covered):
                out.append(Table(page=doc.page_of_raw(block_start) or 0, rows=rows, raw_start=block_start,
                                 raw_end=pos - 1, caption=caption))  # fmt: skip
            rows = []
            if cells is not None and len(cells) >= 2:
                block_start, caption, rows = pos, prev_line.strip() if len(prev_line.strip()) <= 60 else "", [cells]
        prev_line = line
        pos += len(line) + 1
    return out


def _header_cells(line: str) -> list[str]:
    """Header cells of a whitespace-aligned table: letter-spaced words (``指 标``) and bracketed notes split by
    a space (``指 数（以上年为 100）``) joined back."""
    cells: list[str] = []
    for tok in line.split():
        prev = cells[-1] if cells else ""
        unbalanced = sum(prev.count(c) for c in _OPEN) > sum(prev.count(c) for c in _CLOSE)
        if cells and (unbalanced or (len(prev) == 1 and not _CELL_NUM_RE.match(prev))):
            cells[-1] = prev + tok
        else:
            cells.append(tok)
    return cells


def _spaced_row(line: str, n_values: int, has_unit: bool) -> list[str] | None:
    """``label [unit] v1 v2 …`` of a whitespace-aligned row (values at the right end), or None."""
    toks = line.split()
    k = len(toks)
    while k > 0 and _CELL_NUM_RE.match(toks[k - 1]):
        k -= 1
    values = toks[k:]
    if not values or len(values) > n_values or k == 0:
        return None
    unit = ""
    if has_unit:
        if k < 2:
            return None
        unit, k = toks[k - 1], k - 1
    label = " ".join(toks[:k])
    if len(label) > 40 or _CELL_NUM_RE.match(label.replace(" ", "")):
        return None
    label = re.sub(r"(?<=\S) (?=\S)", "", label) if all(len(t) <= 2 for t in toks[:k]) else label
    return [label, *([unit] if has_unit else []), *values, *[""] * (n_values - len(values))]


def _spaced_tables(doc: Document) -> list[Table]:
    """Borderless tables of statistical bulletins as PDF text gives them: a caption ``表3 2023年…``, a header
    line, then rows ``label [unit] number number`` separated by spaces (no tabs, no rules).

    The header's cells after the first name the value columns (a ``单位`` cell: the rows carry their unit);
    the table ends at the first line that is not such a row.
    """
    raw = doc.raw_text
    covered = [(t.raw_start, t.raw_end) for t in doc.tables]
    lines = raw.split("\n")
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)
    out: list[Table] = []
    i = 0
    while i < len(lines) - 2:
        cap = lines[i].strip()
        if "\t" in lines[i] or len(cap) > 60 or not _CAPTION_RE.match(cap):
            i += 1
            continue
        header = _header_cells(lines[i + 1])
        has_unit = any(_UNIT_HEAD.match(h) for h in header[1:2])
        n_values = len(header) - 1 - int(has_unit)
        if n_values < 1 or any(_CELL_NUM_RE.match(h) for h in header):
            i += 1
            continue
        rows = [header]
        j = i + 2
        while j < len(lines) and "\t" not in lines[j]:
            row = _spaced_row(lines[j], n_values, has_unit)
            if row is None:
                break
            rows.append(row)
            j += 1
        start, end = starts[i + 1], starts[j] - 1
        if len(rows) >= 2 and not any(a <= start < b for a, b in covered):
            out.append(Table(page=doc.page_of_raw(start) or 0, rows=rows, raw_start=start, raw_end=end, caption=cap))
        i = max(j, i + 1)
    return out
