"""Passes over a corpus's results that feed several stages at once.

Past ``io.spill.SPILL_AFTER`` documents a run's results are read back from a file on every pass (unpickling: about a
millisecond a document), so the corpus stages (``build.py``) read them as few times as they can: each stage is a
collector (``add`` one result, then a ``finish`` of its own that gives what the stage's function returns), and one
pass feeds every collector that needs that pass. Each stage's function (``compare_counties(results, …)`` …) is
still its collector over the results, for tests and single use.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from pipeline.model import DocResult

Step = Callable[[DocResult], None]


def feed(results: Iterable[DocResult], *steps: Step) -> int:
    """One pass over ``results``: each result through every step, in order; the number of results read."""
    n = 0
    for r in results:
        n += 1
        for step in steps:
            step(r)
    return n
