"""One way to fit, predict, save and load a learned model, after scikit-learn's conventions.

A :class:`SavedModel` subclass

- stores its settings in the constructor and does nothing else there (no fitting, no I/O, no segmenter);
- learns in ``fit(X, y, ...)``, which returns ``self``; what it learned lives in attributes ending in ``_``;
- answers in batch: ``predict(items)`` gives one result per item, ``[]`` for ``[]``;
- is saved with ``to_disk(models_dir, meta)`` as ``<name>.pkl`` beside ``<name>.meta.json``, each written to a
  temporary file in the same folder and moved into place with ``os.replace`` (a reader never sees half a file);
- is loaded with ``SavedModel.from_disk(models_dir)``.

Version rule, the same for every model: the pickle starts with a header and the meta file repeats it,
``{"name", "version", "format_version", "sklearn_version"}``. ``version`` is the model's own revision (bump it when
its features or settings change; it shows in the ``source`` column of the outputs), ``format_version`` the layout
of the saved files (bump :data:`FORMAT_VERSION` when this module changes it) and ``sklearn_version`` the
scikit-learn that pickled it. Loading refuses with :class:`~pipeline.errors.ModelVersionError` when any of them
differs from the running code, before unpickling any estimator. A missing file is a ``FileNotFoundError``: the
pipeline treats the learned models as optional.
"""

from __future__ import annotations

import inspect
import json
import pickle
from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar, Self

from pipeline.errors import ModelVersionError

FORMAT_VERSION = 1  # layout of <name>.pkl (header pickle, then the model pickle) and <name>.meta.json
VERSION_KEYS = ("format_version", "version", "sklearn_version")


def identity(x: list[str]) -> list[str]:
    """The analyzer of vectorizers fed ready-made feature lists.

    Module-level so that pickled vectorizers find it again at this stable path.
    """
    return x


def sklearn_version() -> str:
    """The installed scikit-learn's version, read from its metadata (importing scikit-learn takes seconds)."""
    from importlib.metadata import version

    return version("scikit-learn")


class SavedModel(ABC):
    """Base of the learned models: settings in ``__init__``, ``fit`` → self, batch ``predict``, one disk format.

    Subclasses set :attr:`name` (the file stem under ``models/``) and :attr:`version`. Attributes starting with
    ``_`` are caches (a loaded segmenter, the meta read from disk) and are never pickled.
    """

    name: ClassVar[str]
    version: ClassVar[str] = "v1"

    # ------------------------------------------------------------------------------------------ the contract

    @abstractmethod
    def fit(self, *args: Any, **kwargs: Any) -> Self:
        """Learn from items and their labels (``fit(X, y, ...)``); returns ``self``."""

    @abstractmethod
    def predict(self, items: Sequence[Any]) -> list[Any]:
        """One result per item, in order; ``[]`` for ``[]``."""

    # ---------------------------------------------------------------------------------- settings and state

    def get_params(self) -> dict[str, Any]:
        """The constructor's settings (scikit-learn's ``get_params``, without nested estimators)."""
        names = [p for p in inspect.signature(type(self).__init__).parameters if p != "self"]
        return {p: getattr(self, p) for p in names}

    @property
    def is_fitted(self) -> bool:
        return any(k.endswith("_") and not k.startswith("_") for k in vars(self))

    def check_fitted(self) -> None:
        if not self.is_fitted:
            raise RuntimeError(f"{type(self).__name__} has no model: call fit() or from_disk() first")

    @property
    def meta(self) -> dict[str, Any]:
        """What ``to_disk`` wrote beside the model (training data, date, scores, versions); ``{}`` before."""
        return dict(self.__dict__.get("_meta", {}))

    @property
    def source(self) -> str:
        """Provenance of a prediction in the output tables, e.g. ``clf:program_filter@v1``."""
        return f"clf:{self.name}@{self.version}"

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

    def __getstate__(self) -> dict[str, Any]:
        """Settings and fitted attributes; caches (``_``-prefixed) stay out of the pickle."""
        return {k: v for k, v in vars(self).items() if not k.startswith("_")}

    # ------------------------------------------------------------------------------------------------ disk

    @classmethod
    def paths(cls, models_dir: Path) -> tuple[Path, Path]:
        """``(<name>.pkl, <name>.meta.json)`` under ``models_dir``."""
        models_dir = Path(models_dir)
        return models_dir / f"{cls.name}.pkl", models_dir / f"{cls.name}.meta.json"

    @classmethod
    def version_keys(cls) -> dict[str, Any]:
        """The version keys of the running code, as written into the header and the meta file."""
        return {"format_version": FORMAT_VERSION, "version": cls.version, "sklearn_version": sklearn_version()}

    def to_disk(self, models_dir: Path, meta: dict[str, Any] | None = None) -> Path:
        """Write ``<name>.pkl`` and ``<name>.meta.json`` atomically; returns the pickle's path.

        ``meta`` (training data, date, scores …) is stored with the version keys, which it cannot override.
        """
        from pipeline.io.writers import atomic_write_bytes, atomic_write_text

        self.check_fitted()
        path, meta_path = self.paths(models_dir)
        header = {"name": self.name, **self.version_keys()}
        full = {**(meta or {}), **header}
        blob = pickle.dumps(header, protocol=pickle.HIGHEST_PROTOCOL) + pickle.dumps(
            self, protocol=pickle.HIGHEST_PROTOCOL
        )
        atomic_write_bytes(path, blob)
        atomic_write_text(meta_path, json.dumps(full, ensure_ascii=False, indent=2) + "\n")
        self._meta = full
        return path

    @classmethod
    def from_disk(cls, models_dir: Path) -> Self:
        """Load what :meth:`to_disk` wrote; refuse (:class:`ModelVersionError`) a model built by other versions."""
        path, meta_path = cls.paths(models_dir)
        for p in (path, meta_path):
            if not p.exists():
                raise FileNotFoundError(f"{p} missing: run `make models` to train the {cls.name} model")
        running = cls.version_keys()
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        _check_versions(meta_path, meta, running)
        with path.open("rb") as fh:  # our own artifact, written by to_disk
            header = pickle.load(fh)
            _check_versions(path, header, running)
            model = pickle.load(fh)
        if not isinstance(model, cls):
            raise ModelVersionError(str(path), {"class": type(model).__name__}, {"class": cls.__name__})
        model._meta = meta
        return model


def _check_versions(path: Path, recorded: object, running: dict[str, Any]) -> None:
    built = recorded if isinstance(recorded, dict) else {}
    if any(built.get(k) != v for k, v in running.items()):
        raise ModelVersionError(str(path), {k: built.get(k) for k in running}, running)
