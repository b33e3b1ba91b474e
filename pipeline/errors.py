"""Errors that say what went wrong, where (file, page) and what to do."""

from __future__ import annotations


class PipelineError(Exception):
    """Base class for errors the pipeline reports to users."""


class InputError(PipelineError):
    """A file that cannot be (fully) read; becomes a documents.csv row, never a crash of the run."""

    def __init__(self, path: str, reason: str, page: int | None = None, hint: str = "") -> None:
        self.path = path
        self.reason = reason
        self.page = page
        self.hint = hint
        where = f"{path}" + (f", page {page}" if page is not None else "")
        msg = f"{where}: {reason}" + (f" ({hint})" if hint else "")
        super().__init__(msg)


class ConfigError(PipelineError):
    """A configuration file with an unknown key or a bad value."""


# Codes of stage failures (a bug in one stage costs the document that stage's findings, never the run).
STAGE_CODES = {
    "normalization": "E100",
    "places": "E101",
    "figures": "E101",
    "measures": "E101",
    "attribution": "E101",
    "headings": "E101",
    "links": "E102",
    "clauses": "E103",
    "extraction": "E101",
}


def stage_error(stage: str, exc: BaseException) -> tuple[str, str]:
    """(code, message) for a stage that failed on a document."""
    return STAGE_CODES.get(stage, "E101"), f"{stage} failed: {exc}"
