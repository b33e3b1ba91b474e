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


class ModelVersionError(PipelineError):
    """A saved model built by another version of our code or of scikit-learn; rebuild it with `make models`."""

    def __init__(self, path: str, built: dict[str, object], running: dict[str, object]) -> None:
        self.path = path
        self.built = built
        self.running = running
        diff = ", ".join(f"{k} {built.get(k)} (running {v})" for k, v in running.items() if built.get(k) != v)
        super().__init__(f"{path} was built with {diff}: run `make models` to rebuild it")
