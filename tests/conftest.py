"""Shared fixtures: repository paths, the ../shared folder (skipped when absent), golden-file refresh flag,
``make_doc`` (a pipeline Document from a string) and ``resources`` (the models, loaded once per session)."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import settings

from pipeline.model import Document

if TYPE_CHECKING:
    from pipeline.run import Resources

# CI runs the properties with a fixed seed so a submission's result does not depend on luck; local runs
# keep exploring new examples (and hypothesis's database replays any failure they find).
settings.register_profile("ci", derandomize=True, deadline=None)
if os.environ.get("CI"):
    settings.load_profile("ci")

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
MODELS = REPO / "models"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="rewrite golden files from current output")


@pytest.fixture(scope="session")
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def shared() -> Path:
    if not (SHARED / "corpus" / "seeds").is_dir():
        pytest.skip("../shared is not beside the repository")
    return SHARED


@pytest.fixture(scope="session")
def seeds(shared: Path) -> Path:
    return shared / "corpus" / "seeds"


def build_doc(
    text: str,
    doc_id: str = "t",
    *,
    source: str | None = None,
    fmt: str = "txt",
    pages: Sequence[str] | None = None,
    normalized: bool = True,
    structured: bool = True,
    **fields: Any,
) -> Document:
    """A Document whose ``raw_text`` is ``text``, run through ``normalize`` and ``structure`` as the pipeline does.

    ``pages``: the text as pages instead (joined with a newline, ``page_starts`` set). ``normalized=False``
    keeps ``text`` as the raw text (no offsets, the identity map); ``structured=False`` stops after
    normalization. Other keyword arguments are Document fields (``title``, ``meta``, ``tables``…).
    """
    from pipeline.normalize import normalize
    from pipeline.structure import structure

    if pages is not None:
        starts, pos = [], 0
        for page in pages:
            starts.append(pos)
            pos += len(page) + 1
        text = "\n".join(pages)
        fields["page_starts"] = starts
    doc = Document(doc_id, f"{doc_id}.{fmt}" if source is None else source, fmt, raw_text=text, **fields)
    if not normalized:
        doc.text = text
        return structure(doc) if structured else doc
    doc = normalize(doc)
    return structure(doc) if structured else doc


@pytest.fixture(scope="session")
def make_doc() -> Callable[..., Document]:
    """Factory: ``make_doc("某县……", pages=[...], structured=False)`` -> Document (see ``build_doc``)."""
    return build_doc


@pytest.fixture(scope="session")
def resources() -> Resources:
    """The loaded models (``pipeline.run.Resources``), once per test session."""
    from pipeline.run import Resources

    return Resources.load(MODELS)
