"""Run configuration: frozen, loaded from TOML, unknown keys rejected."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path

from pipeline.errors import ConfigError

ENGINES = ("local", "dask")


@dataclass(frozen=True)
class Config:
    max_file_mb: float = 50.0  # files above this become a failed row ("over size limit")
    # Compressed containers (the parts of a .docx ZIP package) are inflated in a stream that stops at these
    # limits, so a zip bomb (a small file that inflates to gigabytes) becomes a failed row (E023/E024), never
    # a full inflation: one part may inflate to max_inflated_mb, all parts of a package together to
    # max_package_mb.
    max_inflated_mb: float = 100.0
    max_package_mb: float = 250.0
    strict: bool = False  # any failed file fails the run
    min_chars_per_page: int = 5  # fewer extracted chars on a page => the page has no text layer: OCR reads it
    ocr: bool = True  # read PDF pages without a usable text layer by offline OCR (ingest/ocr.py)
    models_dir: str = "models"
    workers: int = 0  # processes for the documents; 0: one per core; 1: all in this process (pipeline/scale.py)
    engine: str = "local"  # local: this machine's cores; dask: a Dask cluster (extract --scheduler ADDRESS)
    review: bool = False  # also write review/{doc_id}.html (displaCy view of places, figures, measures)


def load_config(path: str | Path | None = None, **overrides: object) -> Config:
    """Config from a TOML file (section-less keys) plus keyword overrides; unknown keys are an error."""
    data: dict[str, object] = {}
    if path is not None:
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"cannot read config {path}: {exc}") from exc
    data.update({k: v for k, v in overrides.items() if v is not None})
    known = {f.name for f in fields(Config)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(f"unknown config keys {unknown}; known keys are {sorted(known)}")
    config = replace(Config(), **data)  # type: ignore[arg-type]
    if config.engine not in ENGINES:
        raise ConfigError(f"unknown engine {config.engine!r}; use one of {', '.join(ENGINES)}")
    if not isinstance(config.workers, int) or config.workers < 0:
        raise ConfigError(f"workers must be a whole number >= 0 (0: one per core), not {config.workers!r}")
    return config
