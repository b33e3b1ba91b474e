"""Builders of hostile inputs for the robustness tests, all made at test time (no checked-in binaries)."""

from __future__ import annotations

import io
import struct
import zipfile
from pathlib import Path

MB = 1024 * 1024


def docx_bytes(text: str = "某县乡村振兴工作总结。全县脱贫户1200户。") -> bytes:
    """A small genuine .docx (python-docx) with one paragraph."""
    import docx

    d = docx.Document()
    d.add_paragraph(text)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def bomb_docx(inflated_mb: int, part: str = "word/document.xml", extra_parts: int = 0) -> bytes:
    """A genuine .docx whose ``part`` is padded with blanks to ``inflated_mb`` MB (streamed, 1 MB at a time, so
    building it costs no memory); ``extra_parts`` more padded parts of the same size when asked."""
    good = zipfile.ZipFile(io.BytesIO(docx_bytes()))
    out = io.BytesIO()
    pads = [part] + [f"word/pad{i}.xml" for i in range(extra_parts)]
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for info in good.infolist():
            if info.filename in pads:
                continue
            zf.writestr(info, good.read(info))
        for name in pads:
            head = good.read(name) if name in good.namelist() else b""
            with zf.open(name, "w", force_zip64=True) as fh:
                fh.write(head)
                chunk = b" " * MB
                for _ in range(inflated_mb):
                    fh.write(chunk)
    return out.getvalue()


def lying_bomb_docx(inflated_mb: int, declared: int = 1000) -> bytes:
    """A bomb whose headers claim ``word/document.xml`` inflates to ``declared`` bytes only (both the local
    header and the central directory are patched)."""
    data = bytearray(bomb_docx(inflated_mb))
    zf = zipfile.ZipFile(io.BytesIO(bytes(data)))
    info = zf.getinfo("word/document.xml")
    # The part was written with a zip64 extra field: patch the 8-byte sizes there, and the 4-byte fields too.
    local = info.header_offset
    assert data[local : local + 4] == b"PK\x03\x04"
    name_len, extra_len = struct.unpack("<HH", data[local + 26 : local + 30])
    _patch_sizes(data, local + 22, local + 30 + name_len, extra_len, declared)
    cd = data.find(b"PK\x01\x02")  # the central directory: find this part's entry
    while cd != -1:
        n_len, e_len = struct.unpack("<HH", data[cd + 28 : cd + 32])
        if bytes(data[cd + 46 : cd + 46 + n_len]) == b"word/document.xml":
            _patch_sizes(data, cd + 24, cd + 46 + n_len, e_len, declared)
            break
        cd = data.find(b"PK\x01\x02", cd + 4)
    return bytes(data)


def _patch_sizes(data: bytearray, size_at: int, extra_at: int, extra_len: int, declared: int) -> None:
    """Set the uncompressed size (4-byte field at ``size_at``, and the zip64 extra's 8-byte one) to ``declared``."""
    if struct.unpack("<I", data[size_at : size_at + 4])[0] != 0xFFFFFFFF:
        data[size_at : size_at + 4] = struct.pack("<I", declared)
        return
    pos, end = extra_at, extra_at + extra_len
    while pos + 4 <= end:
        tag, size = struct.unpack("<HH", data[pos : pos + 4])
        if tag == 1:  # zip64: uncompressed size first
            data[pos + 4 : pos + 12] = struct.pack("<Q", declared)
            return
        pos += 4 + size


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def cid_pdf(pages: list[tuple[str, bool]]) -> bytes:
    """A PDF written by hand: each page one line of ``text`` in a Type0 (Identity-H) font, with a ToUnicode map
    when the flag is True (readable) and without one when False (every reader sees glyph codes only: garbage)."""
    chars = sorted({c for text, _ in pages for c in text})
    code = {c: i + 1 for i, c in enumerate(chars)}
    bfchar = "\n".join(f"<{code[c]:04X}> <{ord(c):04X}>" for c in chars)
    cmap = (
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def /CMapType 2 def\n"
        "1 begincodespacerange <0000> <FFFF> endcodespacerange\n"
        f"{len(chars)} beginbfchar\n{bfchar}\nendbfchar\n"
        "endcmap CMapName currentdict /CMap defineresource pop end end\n"
    ).encode("ascii")
    objs: list[bytes] = []

    def add(body: bytes) -> int:
        objs.append(body)
        return len(objs)

    def stream(data: bytes) -> int:
        return add(b"<< /Length %d >>\nstream\n" % len(data) + data + b"\nendstream")

    catalog = add(b"")  # filled in below
    pages_obj = add(b"")
    tounicode = stream(cmap)
    cidfont = add(
        b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /SimSun /CIDToGIDMap /Identity "
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /DW 1000 >>"
    )
    base = b"<< /Type /Font /Subtype /Type0 /BaseFont /SimSun /Encoding /Identity-H /DescendantFonts [%d 0 R]" % cidfont
    good = add(base + b" /ToUnicode %d 0 R >>" % tounicode)
    bad = add(base + b" >>")
    kids = []
    for text, readable in pages:
        hexs = "".join(f"{code[c]:04X}" for c in text).encode("ascii")
        content = stream(b"BT /F1 12 Tf 72 600 Td <" + hexs + b"> Tj ET")
        font = good if readable else bad
        kids.append(
            add(
                b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 %d 0 R >> >> "
                b"/Contents %d 0 R >>" % (pages_obj, font, content)
            )
        )
    objs[catalog - 1] = b"<< /Type /Catalog /Pages %d 0 R >>" % pages_obj
    refs = b" ".join(b"%d 0 R" % k for k in kids)
    objs[pages_obj - 1] = b"<< /Type /Pages /Kids [" + refs + b"] /Count %d >>" % len(kids)
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objs, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, catalog, xref)
    return bytes(out)


def owner_encrypted_pdf(text: str, p_format: str = "") -> bytes:
    """A PDF encrypted with an owner password only (opens with the empty user password), made with reportlab;
    ``p_format`` rewrites the permissions entry (``/P -44``) in a non-conforming way: ``"{p}.0"`` (a real
    number, same value) or any other value (e.g. ``"99999999999"``)."""
    import re

    from reportlab.lib import pdfencrypt

    from tests.ingest.pdfmake import FONT, H, _canvas

    buf = io.BytesIO()
    enc = pdfencrypt.StandardEncryption("", ownerPassword="owner", canPrint=1, canModify=0, canCopy=0, strength=128)
    c = _canvas(buf, encrypt=enc)
    c.setFont(FONT, 11)
    c.drawString(72, H - 100, text)
    c.showPage()
    c.save()
    data = buf.getvalue()
    if p_format:
        m = re.search(rb"/P\s+(-?\d+)", data)
        assert m is not None
        new = p_format.format(p=int(m.group(1))).encode("ascii")
        data = data[: m.start(1)] + new + data[m.end(1) :]
    return data
