"""Names: a readable doc_id from any file name, and a safe, bounded file name for what is written per document.

A file name is data. On Linux it is bytes, not always UTF-8 (a Windows archive unzipped gives GBK bytes, which
Python hands over as surrogate escapes); it can be 255 bytes long, hold newlines or control characters, or
name a folder ``report.txt/`` beside a file ``report.md``. Two functions keep the pipeline working whatever it is:

- ``readable_name``: the corpus-relative path as text a person can read (and every writer can encode): bytes
  that are not UTF-8 decoded as GB18030 (a superset of GBK and GB2312) or else with U+FFFD for what cannot be
  read, NFC, control characters replaced by U+FFFD. doc_id and ``source`` are made from it.
- ``file_stems``: for the doc_ids of one run, the path (under ``text/``, ``review/``, without suffix) of each
  document's files: the doc_id itself where that is safe, else a cleaned name bounded to ``MAX_STEM_BYTES``
  with a short hash of the full doc_id, so two doc_ids never share a file (also on case-insensitive disks).
  documents.csv records the mapping (``text_file``, ``review_file``).

>>> readable_name("\\udcc0\\udce8.txt")  # b"\\xc0\\xe8.txt": 黎 in GBK
('黎.txt', 'file name is not UTF-8: read as GB18030')
>>> file_stems(["sub/liping", "a:b", "A:b"])["sub/liping"]
'sub/liping'
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable

REPLACEMENT = "\ufffd"
MAX_STEM_BYTES = 110  # + ".html": every file name we write per document stays under 120 bytes (eCryptfs: 143)
HASH_CHARS = 8
# The files the output folder holds per document: (documents.csv column, folder, suffix): folder/{stem}{suffix}.
PER_DOCUMENT = (("text_file", "text", ".txt"), ("review_file", "review", ".html"))
PER_DOCUMENT_SUFFIXES = tuple(suffix for _, _, suffix in PER_DOCUMENT)  # a folder never ends in one
_SURROGATE = re.compile("[\ud800-\udfff]")
_UNSAFE = re.compile(r'[\x00-\x1f\x7f-\x9f\\:*?"<>|]')  # control characters and what Windows refuses
_WINDOWS_RESERVED = re.compile(r"(?i)(con|prn|aux|nul|com\d|lpt\d)(\..*)?")


def _control_to_replacement(text: str) -> str:
    return "".join(REPLACEMENT if unicodedata.category(ch) == "Cc" else ch for ch in text)


def _decode_part(raw: bytes) -> tuple[str, str]:
    for encoding in ("utf-8", "gb18030"):
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        return text, ("" if encoding == "utf-8" else "GB18030")
    return raw.decode("utf-8", errors="replace"), "UTF-8 with undecodable bytes replaced by \ufffd"


def readable_name(name: str) -> tuple[str, str]:
    """(readable name, note): ``name`` (a path or file name as the OS gave it, surrogate escapes for bytes that
    are not UTF-8) as text; the note says what was changed, empty when nothing was. Each path part is decoded
    on its own (a UTF-8 folder can hold a GBK file)."""
    notes: list[str] = []
    if _SURROGATE.search(name):
        raw = os.fsencode(name) if _fs_escapes(name) else name.encode("utf-8", "replace")
        parts = []
        for part in raw.split(b"/"):
            text, how = _decode_part(part)
            parts.append(text)
            if how and how not in notes:
                notes.append(how)
        name = "/".join(parts)
        name = _SURROGATE.sub(REPLACEMENT, name)
        notes = [f"file name is not UTF-8: read as {' and '.join(notes)}"] if notes else []
    nfc = unicodedata.normalize("NFC", name)
    clean = _control_to_replacement(nfc)
    if clean != nfc:
        notes.append("control characters in the file name replaced by \ufffd")
    return clean, "; ".join(notes)


def _fs_escapes(name: str) -> bool:
    """True when ``name``'s surrogates are the file system's escapes of undecodable bytes (os.fsencode works)."""
    try:
        os.fsencode(name)
    except UnicodeEncodeError:
        return False
    return True


def clean_text(text: str) -> str:
    """``text`` with lone surrogates replaced by U+FFFD: what every writer (CSV, workbook, store) can encode."""
    return _SURROGATE.sub(REPLACEMENT, text) if _SURROGATE.search(text) else text


def short_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:HASH_CHARS]


def _truncate(text: str, max_bytes: int) -> str:
    return text.encode("utf-8")[:max_bytes].decode("utf-8", errors="ignore")


def _safe_part(part: str, key: str, folder: bool) -> str:
    """One path part as a file or folder name: no separators, control or Windows-refused characters, not
    hidden, not ``.``/``..``, no trailing dot or space, not a Windows device name, a folder not ending in a
    per-document suffix (so no folder meets a file of the same name), at most MAX_STEM_BYTES (then with the
    hash of ``key``, the doc_id up to this part)."""
    name = _UNSAFE.sub("_", clean_text(unicodedata.normalize("NFC", part)))
    name = name.replace("/", "_").rstrip(". ")
    if not name or name.startswith("."):
        name = "_" + name
    if _WINDOWS_RESERVED.fullmatch(name):
        name = "_" + name
    if folder and name.casefold().endswith(PER_DOCUMENT_SUFFIXES):
        name += "_"
    if len(name.encode("utf-8")) > MAX_STEM_BYTES:
        name = _truncate(name, MAX_STEM_BYTES - HASH_CHARS - 1).rstrip(". ") + "~" + short_hash(key)
    return name


def safe_stem(doc_id: str) -> str:
    """The path (``/``-separated, without suffix) of one doc_id's files, ignoring the other doc_ids."""
    parts = doc_id.split("/")
    return "/".join(_safe_part(p, "/".join(parts[: i + 1]), folder=i < len(parts) - 1) for i, p in enumerate(parts))


def _with_hash(stem: str, doc_id: str, salt: int = 0) -> str:
    head, _, last = stem.rpartition("/")
    tag = short_hash(doc_id if not salt else f"{doc_id}\n{salt}")
    last = _truncate(last, MAX_STEM_BYTES - HASH_CHARS - 1).rstrip(". ") + "~" + tag
    return f"{head}/{last}" if head else last


def file_stems(doc_ids: Iterable[str]) -> dict[str, str]:
    """doc_id -> the path (``/``-separated, without suffix) of its files under ``text/`` and ``review/``.

    A doc_id that is already a safe name is its own stem (``text/{doc_id}.txt``, as the contract says); the
    others get ``safe_stem``. Where two doc_ids would share a file, also when compared case-insensitively (a
    Windows or macOS disk), all but the one whose stem is its doc_id (else the first in sorted order) get a hash
    of their doc_id. Pure: the same doc_ids always give the same stems."""
    ids = sorted(set(doc_ids))
    stems = {d: safe_stem(d) for d in ids}
    groups: dict[str, list[str]] = defaultdict(list)
    for d in ids:
        groups[stems[d].casefold()].append(d)
    taken = set(groups)
    for _, members in sorted(groups.items()):
        if len(members) == 1:
            continue
        keep = next((d for d in members if stems[d] == d), members[0])
        for d in members:
            if d == keep:
                continue
            salt = 0
            stem = _with_hash(stems[d], d)
            while stem.casefold() in taken:  # a file that happens to be named like a hashed one
                salt += 1
                stem = _with_hash(stems[d], d, salt)
            stems[d] = stem
            taken.add(stem.casefold())
    return stems


def per_document_files(stem: str) -> list[str]:
    """The files (relative to the output folder, ``/``-separated) of a document whose stem is ``stem``."""
    return [f"{folder}/{stem}{suffix}" for _, folder, suffix in PER_DOCUMENT]
