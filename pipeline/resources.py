"""Models and lexicons a run needs, loaded explicitly (never at import) and once per process."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.errors import PipelineError

log = logging.getLogger(__name__)


@dataclass
class Resources:
    """Gazetteer, learned models and the spaCy pipeline of extractors that uses them."""

    models_dir: Path
    gazetteer: Any = None
    program_filter: Any = None
    policy_model: Any = None
    indicator_mapper: Any = None  # learn/indicators.IndicatorMapper: figures' indicator_std
    link_model: Any = None
    nlp: Any = None  # spaCy pipeline of the extractors (extract/annotate.py)

    @classmethod
    def load(cls, models_dir: Path) -> Resources:
        """Every model of ``document_files`` (what each loader opens), and the extractors built on them."""
        from pipeline.extract.annotate import build_annotator
        from pipeline.gazetteer import Gazetteer
        from pipeline.learn.links import LinkModel
        from pipeline.learn.program_filter import ProgramFilter

        gazetteer = Gazetteer.load(models_dir)
        program_filter = optional_model(ProgramFilter.from_disk, models_dir, "programs are found by rules only")
        policy_model = load_policy_model(models_dir)
        mapper = load_mapper(models_dir)
        link_model = optional_model(LinkModel.from_disk, models_dir, "links are decided by rules only")
        return cls(
            models_dir=models_dir,
            gazetteer=gazetteer,
            program_filter=program_filter,
            policy_model=policy_model,
            indicator_mapper=mapper,
            link_model=link_model,
            nlp=build_annotator(gazetteer, program_filter, policy_model, mapper, link_model),
        )


# -- what the per-document work reads (the cache's key: pipeline/io/cache.py) ------------------------------------

# Modules of the corpus stages: a lexicon whose ``# Used by:`` lines name only these is read after the documents
# are processed (a change re-runs the corpus stages, never a document).
CORPUS_STAGES = "pipeline/corpus/"
_USED_BY = re.compile(r"pipeline/[\w/]+\.py")


def model_files(models_dir: Path) -> dict[str, tuple[Path, ...]]:
    """The files under ``models_dir`` each model of ``Resources.load`` is read from, as its loader names them
    (``Gazetteer.load``, ``SavedModel.paths``, ``IndicatorVocabulary``): the per-document stages read these and
    no other file of ``models_dir`` (training data, the README and meta files no loader opens are not here)."""
    from pipeline.gazetteer import GAZETTEER_FILE
    from pipeline.learn.indicators import VOCABULARY_FILE, IndicatorModel
    from pipeline.learn.links import LinkModel
    from pipeline.learn.policy_tools import PolicyToolModel
    from pipeline.learn.program_filter import ProgramFilter

    return {
        "gazetteer": (models_dir / GAZETTEER_FILE,),
        "program_filter": ProgramFilter.paths(models_dir),
        "policy_model": PolicyToolModel.paths(models_dir),
        "indicator_mapper": (models_dir / VOCABULARY_FILE, *IndicatorModel.paths(models_dir)),
        "link_model": LinkModel.paths(models_dir),
    }


def prebuilt_files() -> tuple[Path, ...]:
    """Files under ``models/`` that are a pre-built form of a source outside it, used only when they match that
    source (its SHA-256, checked at load) and giving the same tables: not part of the cache key, since the source
    is (jieba's dictionary comes with the pinned jieba)."""
    from pipeline.text.jieba_dict import default_prebuilt_path

    return (default_prebuilt_path(),)


def lexicon_users(name: str, directory: Path) -> list[str]:
    """The modules a lexicon's ``# Used by:`` header lines name (tests check they are the modules using it)."""
    users: set[str] = set()
    with (directory / f"{name}.tsv").open(encoding="utf-8") as fh:
        for line in fh:
            if not line.startswith("#"):
                break
            head = line.lstrip("#").strip()
            if head.lower().startswith("used by"):
                users.update(_USED_BY.findall(head))
    return sorted(users)


def document_lexicons(directory: Path | None = None) -> list[str]:
    """The lexicons the per-document stages may read: all but those only corpus stages use (``CORPUS_STAGES``);
    a lexicon whose header names no module counts as a per-document one."""
    from pipeline import lexicon

    folder = Path(directory) if directory else lexicon.LEXICON_DIR
    out = []
    for name in lexicon.names(str(folder)):
        users = lexicon_users(name, folder)
        if not users or not all(u.startswith(CORPUS_STAGES) for u in users):
            out.append(name)
    return out


def document_files(models_dir: Path, lexicon_dir: Path | None = None) -> list[tuple[str, Path]]:
    """Every file the per-document work reads, named for the cache key (``models/<file>``, ``lexicon/<file>``):
    the models of ``model_files`` and the lexicons of ``document_lexicons``."""
    from pipeline import lexicon

    folder = Path(lexicon_dir) if lexicon_dir else lexicon.LEXICON_DIR
    files = sorted({p for paths in model_files(models_dir).values() for p in paths})
    out = [(f"models/{p.relative_to(models_dir).as_posix()}", p) for p in files]
    return out + [(f"lexicon/{name}.tsv", folder / f"{name}.tsv") for name in document_lexicons(folder)]


def optional_model(loader: Callable[[Path], Any], models_dir: Path, without: str) -> Any:
    """A model the pipeline can run without: None, with a warning saying what is lost, when it is not built
    (or was built by another scikit-learn)."""
    try:
        return loader(models_dir)
    except (FileNotFoundError, PipelineError) as exc:
        log.warning("%s: %s (run `make models`); %s", loader.__qualname__, exc, without)
        return None


def load_policy_model(models_dir: Path) -> Any:
    from pipeline.learn.policy_tools import PolicyToolModel

    return optional_model(PolicyToolModel.from_disk, models_dir, "clauses are not coded")


def load_mapper(models_dir: Path) -> Any:
    from pipeline.learn.indicators import load_mapper as _load

    return _load(models_dir)


_CACHE: dict[str, Resources] = {}


def worker_resources(models_dir: str) -> Resources:
    """Resources cached per process, so a Dask worker loads the models once, not once per file."""
    if models_dir not in _CACHE:
        _CACHE[models_dir] = Resources.load(Path(models_dir))
    return _CACHE[models_dir]


# Documents from which the extract process lets the models go (``release``): once the worker pool is forked (the
# workers keep theirs; the corpus stages load the two they use again, about a second) and once the corpus stages
# are done (the writers use none). Below it a run keeps them (start-up matters more than memory there, and a
# process that runs again reuses them).
RELEASE_AFTER = 500
_KEEP = ("pipeline.io.",)  # their caches are the run's own (fingerprints of the code, column lists): not models


def release() -> int:
    """Drop every model and table this process loaded (``worker_resources``' models, every ``lru_cache`` of the
    package's modules but ``pipeline.io``'s: segmenters, automata, lexicons, compiled tables; jieba's dictionary),
    then collect and give the freed memory back to the system (``trim_memory``). What is needed later is loaded
    again on first use, the same as before: the main process calls this once its workers are forked (it loaded
    the models only so they could fork with them; the corpus stages load the two they use) and after the corpus
    stages (``let_go``). Returns the number of caches cleared."""
    import gc
    import sys

    _CACHE.clear()
    cleared = 0
    for name, module in list(sys.modules.items()):
        if module is None or not (name == "pipeline" or name.startswith("pipeline.")) or name.startswith(_KEEP):
            continue
        for value in list(vars(module).values()):
            # functools.lru_cache / cache of a function defined here; asked of the type, never the object (a
            # lexicon.LazyPattern builds itself when asked for any attribute)
            if callable(getattr(type(value), "cache_clear", None)) and getattr(value, "__module__", None) == name:
                value.cache_clear()
                cleared += 1
    jieba_dict = sys.modules.get("pipeline.text.jieba_dict")
    if jieba_dict is not None:
        jieba_dict.release()
    gc.collect()
    trim_memory()
    log.debug("released %d caches of this process", cleared)
    return cleared


def let_go(n_results: int) -> None:
    """``release`` for a run of ``n_results`` documents past ``RELEASE_AFTER``, else only ``trim_memory``."""
    if n_results >= RELEASE_AFTER:
        release()
    else:
        trim_memory()


def trim_memory() -> bool:
    """Give the C heap's free pages back to the system (glibc's ``malloc_trim``; Python's freed objects stay in
    the heap otherwise): True when it ran, False elsewhere (not glibc: nothing to do)."""
    import ctypes
    import sys

    if not sys.platform.startswith("linux"):
        return False
    try:
        trim = ctypes.CDLL(None).malloc_trim  # this process's own symbols: the C library it runs on
    except (OSError, AttributeError):  # musl and others have no malloc_trim
        return False
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    trim(0)
    return True


def cached(models_dir: str) -> Resources | None:
    """The resources this process already loaded, if any."""
    return _CACHE.get(models_dir)


def corpus_models(models_dir: Path, any_results: bool) -> tuple[Any, Any]:
    """The indicator mapper and the policy-tool model the corpus stages use: this process's if it loaded them,
    else from ``models_dir`` (after a pool or Dask run); for an empty corpus, the vocabulary alone and no model
    (no practice to classify, no figure to map: scikit-learn is not even imported)."""
    if not any_results:
        from pipeline.learn.indicators import IndicatorMapper, IndicatorVocabulary

        return IndicatorMapper(IndicatorVocabulary.load(models_dir), None), None
    loaded = cached(str(models_dir))
    if loaded is not None:
        return loaded.indicator_mapper, loaded.policy_model
    return load_mapper(models_dir), load_policy_model(models_dir)
