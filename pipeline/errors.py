"""Errors that say what went wrong, where (file, page) and what to do, each with a stable code.

Like spaCy's ``Errors.E…``: every kind of bad input and every stage failure has a code in the table
``Errors``, with a plain-words message template (what went wrong) and a hint (what to do). The code goes
into documents.csv's ``error_code`` column beside the plain-words ``error``, so a researcher can filter
the failed files by kind, and the README's "Errors" section lists them all.

>>> Errors.E004.reason(size_mb=72.5, limit_mb=50)
'file is 72.5 MB, over the size limit of 50 MB'
>>> str(Errors.E001.error("a/空.txt"))
'a/空.txt: file is empty (0 bytes) (re-export or re-download it)'
>>> Errors.E001.error("a/空.txt").code
'E001'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class PipelineError(Exception):
    """Base class for errors the pipeline reports to users."""


class InputError(PipelineError):
    """A file that cannot be (fully) read; becomes a documents.csv row, never a crash of the run.

    ``code`` is the ``Errors`` code of its kind (``""`` for an uncoded error).
    """

    def __init__(self, path: str, reason: str, page: int | None = None, hint: str = "", code: str = "") -> None:
        self.path = path
        self.reason = reason
        self.page = page
        self.hint = hint
        self.code = code
        where = f"{path}" + (f", page {page}" if page is not None else "")
        msg = f"{where}: {reason}" + (f" ({hint})" if hint else "")
        super().__init__(msg)


class ConfigError(PipelineError):
    """A configuration file with an unknown key or a bad value."""


@dataclass(frozen=True)
class ErrorCode:
    """One coded error: ``what`` is the message template (what went wrong), ``todo`` the hint (what to do).

    Templates take ``str.format`` fields (``{detail}``, ``{size_mb}``…); the file and page (where) are
    added by ``error``.
    """

    code: str
    what: str
    todo: str = ""

    def reason(self, **fields: Any) -> str:
        return self.what.format(**fields)

    def hint(self, **fields: Any) -> str:
        return self.todo.format(**fields)

    def error(self, path: str, page: int | None = None, **fields: Any) -> InputError:
        """The InputError for a file (and page), carrying this code."""
        return InputError(path, self.reason(**fields), page=page, hint=self.hint(**fields), code=self.code)


class Errors:
    """The table of error codes. E0xx: the input file (E01x PDF, E02x DOCX, E03x HTML); E1xx: a stage."""

    # The file as a whole.
    E001 = ErrorCode("E001", "file is empty (0 bytes)", "re-export or re-download it")
    E002 = ErrorCode("E002", "not a text file: {detail}", "check the file type; rename it if the extension is wrong")
    E003 = ErrorCode(
        "E003", "unsupported file type '{suffix}'", "convert it to one of {supported}, or remove it from the corpus"
    )
    E004 = ErrorCode(
        "E004",
        "file is {size_mb:.1f} MB, over the size limit of {limit_mb:g} MB",
        "raise max_file_mb in the config or split the file",
    )
    E005 = ErrorCode("E005", "cannot read the file ({detail})", "check the disk and the path")
    E006 = ErrorCode("E006", "cannot read the file: permission denied", "check the file's read permissions")
    E007 = ErrorCode("E007", "cannot access the file ({detail})", "check that it exists")
    E008 = ErrorCode("E008", "no text in the file (only whitespace or markup)", "check that it is the right file")
    E009 = ErrorCode(
        "E009", "could not be read ({detail})", "check the file opens in its usual program; report this if it does"
    )
    # PDF.
    E010 = ErrorCode(
        "E010", "cannot parse the PDF; it is damaged or truncated ({detail})", "re-download or re-export the file"
    )
    E011 = ErrorCode("E011", "PDF is password-protected (encrypted)", "supply an unlocked copy of the file")
    E012 = ErrorCode(
        "E012",
        "no text layer: needs OCR ({n_pages} page(s) with no extractable text, a scan or images{ocr_note})",
        "set ocr = true in the config (the default) and install the project's dependencies (pip install -e . "
        "installs the OCR engine rapidocr-onnxruntime), or run OCR (e.g. ocrmypdf) and ingest the OCR'd PDF",
    )
    E013 = ErrorCode("E013", "not a PDF file (no %PDF header)", "check the file type; it may be mis-named")
    E014 = ErrorCode("E014", "PDF has no pages", "re-export the file")
    E015 = ErrorCode("E015", "no page could be read ({detail})", "re-export the PDF")
    E016 = ErrorCode(
        "E016",
        "{n_blank} of {n_pages} page(s) have no text layer (pages {pages}): needs OCR{ocr_note}",
        "set ocr = true in the config (the default), or run OCR (e.g. ocrmypdf) on the file to recover those pages",
    )
    E017 = ErrorCode(
        "E017",
        "{n_bad} of {n_pages} page(s) could not be read (pages {pages}; first error: {detail})",
        "the text of those pages is missing; re-export the PDF",
    )
    E018 = ErrorCode(
        "E018",
        "{n_bad} of {n_pages} page(s) give garbage text with both PDF readers (pages {pages}: {detail})",
        "those pages' text is unusable (a broken font encoding); run OCR (e.g. ocrmypdf --force-ocr) and ingest "
        "the OCR'd PDF",
    )
    E019 = ErrorCode(
        "E019",
        "the text layer is garbage on every page with text, with both PDF readers (pages {pages}: {detail})",
        "the fonts have no usable character map; run OCR (e.g. ocrmypdf --force-ocr) and ingest the OCR'd PDF",
    )
    # DOCX.
    E020 = ErrorCode("E020", "not a valid .docx file (not a ZIP package; damaged or another format)")
    E021 = ErrorCode(
        "E021",
        "not a valid .docx file (not a ZIP package; damaged or another format)",
        "old .doc files must be saved as .docx first",
    )
    E022 = ErrorCode("E022", "damaged .docx file ({detail})", "open and re-save it in Word")
    E023 = ErrorCode(
        "E023",
        "package part '{part}' inflates to more than {limit_mb:g} MB (a zip bomb, or an extremely large part); "
        "not read further",
        "if the file is genuine, raise max_inflated_mb in the config; otherwise remove it",
    )
    E024 = ErrorCode(
        "E024",
        "the package's parts inflate to more than {limit_mb:g} MB in total (a zip bomb, or extremely large "
        "parts); not read further",
        "if the file is genuine, raise max_package_mb in the config; otherwise remove it",
    )
    # HTML.
    E030 = ErrorCode("E030", "not an HTML file: {detail}", "check the file type")
    E031 = ErrorCode(
        "E031",
        "compressed ({kind}) content, not HTML; compressed pages are not inflated",
        "decompress it (e.g. gunzip) and check the result before adding it to the corpus",
    )
    # The corpus walk: entries that are not regular files, or links that are not followed.
    E040 = ErrorCode(
        "E040", "not a regular file (a {kind}); not opened", "remove it from the corpus folder; only files are read"
    )
    E041 = ErrorCode(
        "E041", "dangling symbolic link (its target '{target}' does not exist)", "fix the link or remove it"
    )
    E042 = ErrorCode("E042", "symbolic link loop (the link leads back to itself)", "fix the link or remove it")
    E043 = ErrorCode(
        "E043",
        "symbolic link to '{target}', outside the corpus or inside an output folder; not followed",
        "copy the file or folder into the corpus if it belongs to it",
    )
    E044 = ErrorCode(
        "E044",
        "symbolic link to '{target}', which is already read from the corpus; read once, there",
        "nothing to do (remove the link to silence this row)",
    )
    E045 = ErrorCode(
        "E045", "cannot list this folder ({detail}); its files are not read", "check the folder's permissions"
    )
    # A pipeline stage failed on a readable file (a bug: the hint asks for the file).
    E100 = ErrorCode("E100", "normalization failed: {detail}", "please report this file")
    E101 = ErrorCode("E101", "extraction failed: {detail}", "please report this file")
    E102 = ErrorCode("E102", "linking failed: {detail}", "please report this file")
    E103 = ErrorCode("E103", "clause coding failed: {detail}", "please report this file")

    @classmethod
    def all(cls) -> list[ErrorCode]:
        """Every code of the table, in code order."""
        return sorted((v for v in vars(cls).values() if isinstance(v, ErrorCode)), key=lambda e: e.code)


# The code of each pipeline stage's failure (a bug in one stage costs the document that stage's findings,
# never the run): extraction components E101, linking E102, clause coding E103.
STAGE_CODES: dict[str, ErrorCode] = {
    "normalization": Errors.E100,
    "places": Errors.E101,
    "figures": Errors.E101,
    "headings": Errors.E101,
    "tables": Errors.E101,
    "measures": Errors.E101,
    "attribution": Errors.E101,
    "extraction": Errors.E101,
    "links": Errors.E102,
    "clauses": Errors.E103,
}


def stage_error(stage: str, exc: BaseException) -> tuple[str, str]:
    """(code, message) for a stage that failed on a document: ``places failed: …``."""
    return STAGE_CODES.get(stage, Errors.E101).code, f"{stage} failed: {exc}"


class ModelVersionError(PipelineError):
    """A saved model built by another version of our code or of scikit-learn; rebuild it with `make models`."""

    def __init__(self, path: str, built: dict[str, object], running: dict[str, object]) -> None:
        self.path = path
        self.built = built
        self.running = running
        diff = ", ".join(f"{k} {built.get(k)} (running {v})" for k, v in running.items() if built.get(k) != v)
        super().__init__(f"{path} was built with {diff}: run `make models` to rebuild it")
