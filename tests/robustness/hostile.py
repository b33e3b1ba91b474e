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
