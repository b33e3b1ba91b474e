"""Corrections made in the explorer: rows appended to the corpus's corrections file (``corrections.csv``, the
format of pipeline/corpus/corrections.py), checked first; pending until the next run applies them.

The file is the one the run that wrote the output folder used (run.json ``corrections.path``), else
``corrections.csv`` in its corpus folder (run.json ``corpus``), else the one given with ``serve --corrections``.
A new row is validated with the whole file (``parse_corrections``: action, names, an indicator of the
vocabulary, no contradiction, no merge cycle) before the file is rewritten atomically; nothing else is written.
Accepting a finding is no rule of that format: accepts go to ``reviewed.csv`` beside it (one row each).

A rule is *applied* when the output folder's ``corrections_applied.csv`` lists it (same action, name, into);
every other rule of the file is *pending* until the next ``extract``.
"""

from __future__ import annotations

import csv
import io
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pipeline.corpus import corrections as cc
from pipeline.errors import PipelineError
from pipeline.io.schema import REVIEW_COLUMNS
from pipeline.io.writers import FORMULA_START, atomic_write_text

log = logging.getLogger(__name__)

REVIEWED = "reviewed.csv"
MAX_CELL = 200
_lock = threading.Lock()


class FixRefused(PipelineError):
    """A correction the explorer does not write: what is wrong and what to do."""


@dataclass
class FixState:
    """The rules of the corrections file with their state (``applied`` or ``pending``)."""

    path: Path | None
    rules: list[dict[str, Any]]

    def pending(self, action: str, name: str) -> bool:
        return any(r["state"] == "pending" and r["action"] == action and r["name"] == name for r in self.rules)

    @property
    def n_pending(self) -> int:
        return sum(r["state"] == "pending" for r in self.rules)


def _resolve(value: str, out: Path) -> Path:
    """A path of run.json: as written when absolute or when it exists from here, else beside the output folder."""
    p = Path(value)
    if p.is_absolute() or p.exists():
        return p.resolve()
    return (out.parent / p).resolve()


def corrections_file(out: Path, run: dict[str, Any], given: Path | None = None) -> Path | None:
    """Where corrections go: ``given``, else the file of the run, else corrections.csv in its corpus folder;
    None when the corpus folder cannot be found (the explorer then does not correct)."""
    if given is not None:
        return Path(given).resolve()
    used = run.get("corrections")
    if isinstance(used, dict) and used.get("path"):
        return _resolve(str(used["path"]), out)
    corpus = run.get("corpus")
    if corpus:
        folder = _resolve(str(corpus), out)
        if folder.is_dir():
            return folder / cc.FILE_NAME
    return None


def models_dir(run: dict[str, Any], out: Path) -> Path:
    from pipeline.io.query import MODELS

    cfg = run.get("config") if isinstance(run.get("config"), dict) else {}
    given = str((cfg or {}).get("models_dir") or "")
    if given:
        p = _resolve(given, out)
        if (p / "indicators.json").is_file():
            return p
    return MODELS


def indicator_names(models: Path) -> list[str]:
    from pipeline.learn.indicators import IndicatorVocabulary

    try:
        return [i.name for i in IndicatorVocabulary.load(models).indicators]
    except (OSError, ValueError, KeyError) as exc:
        log.warning("no indicator vocabulary in %s (%s): indicator corrections cannot be checked", models, exc)
        return []


def county_finder(models: Path) -> cc.CountyFinder:
    """Counties of the gazetteer in ``models`` by name or code, the gazetteer loaded on first use."""
    found: list[cc.CountyFinder] = []

    def find(name: str) -> list[cc.CountyRef]:
        if not found:
            from pipeline.gazetteer import Gazetteer

            found.append(cc.gazetteer_counties(Gazetteer.load(models)))
        return found[0](name)

    return find


def _applied(out: Path) -> set[tuple[str, str, str]]:
    path = out / "corrections_applied.csv"
    if not path.is_file():
        return set()
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return {(r.get("action", ""), r.get("name", ""), r.get("into", "")) for r in csv.DictReader(fh)}


def state(path: Path | None, out: Path, find_county: cc.CountyFinder) -> FixState:
    """The rules of the corrections file, each ``applied`` (in corrections_applied.csv) or ``pending``."""
    if path is None or not path.is_file():
        return FixState(path, [])
    try:
        rules = cc.load_corrections(path, None, find_county)
    except cc.CorrectionsError as exc:
        log.warning("corrections file unreadable: %s", exc)
        return FixState(path, [{"action": "error", "name": str(exc), "into": "", "note": "", "state": "error"}])
    done = _applied(out)
    rows = []
    for r in rules:
        key = (r.action, r.name, r.into)
        rows.append(
            {**{k: getattr(r, k) for k in cc.COLUMNS}, "line": r.line, "state": "applied" if key in done else "pending"}
        )
    return FixState(path, rows)


def _check_cell(what: str, value: str) -> str:
    value = value.strip()
    if len(value) > MAX_CELL:
        raise FixRefused(f"{what} is longer than {MAX_CELL} characters (shorten it)")
    if any(ch in value for ch in "\r\n\x00") or any(ord(ch) < 32 for ch in value):
        raise FixRefused(f"{what} holds a line break or a control character (write it on one line)")
    if value.startswith(FORMULA_START):
        raise FixRefused(f"{what} starts with {value[0]!r}, which a spreadsheet runs as a formula (remove it)")
    return value


def _line(cells: list[str]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(cells)
    return buf.getvalue()


def add_rule(
    path: Path | None,
    action: str,
    name: str,
    into: str,
    note: str,
    indicators: list[str],
    find_county: Callable[[str], list[cc.CountyRef]] | None = None,
) -> cc.Correction:
    """Append one rule to the corrections file after checking it with the whole file; returns the rule."""
    if path is None:
        raise FixRefused(
            "no corrections file: the corpus folder of this run was not found (start serve with --corrections FILE)"
        )
    if action not in ("merge", "reject", "indicator"):
        raise FixRefused(f"unknown correction {action!r} (the explorer writes merge, reject or indicator)")
    cells = [action, _check_cell("name", name), _check_cell("into", into), _check_cell("note", note)]
    with _lock:
        old = path.read_text(encoding="utf-8-sig") if path.is_file() else ""
        if old and not old.endswith("\n"):
            old += "\n"
        header = "" if old.strip() else _line(list(cc.COLUMNS))
        new = old + header + _line(cells)
        try:
            rules = cc.parse_corrections(new, str(path), indicators or None, find_county)
        except cc.CorrectionsError as exc:
            raise FixRefused(str(exc)) from exc
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, new)
    log.info("corrections: appended %s %r -> %r to %s", action, name, into, path)
    return rules[-1]


def add_review(path: Path | None, doc_id: str, kind: str, name: str, start: int, end: int, note: str = "") -> Path:
    """Record that a finding was checked and found right (``reviewed.csv`` beside the corrections file)."""
    if path is None:
        raise FixRefused("no corrections file: start serve with --corrections FILE to record reviews")
    target = path.with_name(REVIEWED)
    cells = [
        _check_cell("doc_id", doc_id),
        _check_cell("kind", kind),
        _check_cell("name", name),
        str(int(start)),
        str(int(end)),
        "accept",
        _check_cell("note", note),
        datetime.now(UTC).isoformat(timespec="seconds"),
    ]
    with _lock:
        old = target.read_text(encoding="utf-8-sig") if target.is_file() else ""
        if old and not old.endswith("\n"):
            old += "\n"
        header = "" if old.strip() else _line(list(REVIEW_COLUMNS))
        atomic_write_text(target, old + header + _line(cells))
    return target


def reviews(path: Path | None, doc_id: str) -> set[tuple[int, int, str]]:
    """(start, end, kind) of the findings of a document accepted in reviewed.csv."""
    if path is None or not path.with_name(REVIEWED).is_file():
        return set()
    with path.with_name(REVIEWED).open(encoding="utf-8-sig", newline="") as fh:
        out = set()
        for r in csv.DictReader(fh):
            if r.get("doc_id") == doc_id and (r.get("start") or "").isdigit() and (r.get("end") or "").isdigit():
                out.add((int(r["start"]), int(r["end"]), r.get("kind", "")))
        return out
