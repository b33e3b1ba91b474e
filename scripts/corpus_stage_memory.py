"""CPU seconds and memory of the corpus stages (pipeline/corpus/build.py) over a run's cached results.

    python scripts/corpus_stage_memory.py CACHE_DOCS WORKDIR [--models models] [--trace]

CACHE_DOCS is a run's per-document cache (``OUT/.cache/docs``); every entry is slimmed (``io/docfiles.slim``) into
a ``KeptResults`` (spilled to a file in WORKDIR past ``SPILL_AFTER``, as a run does) and the corpus stages run on
them. Prints the stages' CPU seconds, the RSS at their end and the process's peak (VmHWM). ``--trace``: the models
the stages load lazily are warmed first, then tracemalloc gives what the stages hold once built, by file and line
(slow: several times the CPU). WORKDIR is emptied first. Timings on a shared machine are noisy: compare runs made in
the same minute, best of three.
"""

from __future__ import annotations

import argparse
import gc
import pickle
import shutil
import time
import tracemalloc
import zlib
from pathlib import Path


def _status(key: str) -> int:
    """A ``/proc/self/status`` field in MB (Linux)."""
    text = Path("/proc/self/status").read_text()
    return int(text.split(f"{key}:")[1].split()[0]) // 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("cache", type=Path)
    ap.add_argument("workdir", type=Path)
    ap.add_argument("--models", type=Path, default=Path("models"))
    ap.add_argument("--trace", action="store_true")
    args = ap.parse_args()

    from pipeline.corpus.build import correct_and_build
    from pipeline.corpus.practices import classify_contexts
    from pipeline.io.cache import DIGEST, MAGIC
    from pipeline.io.docfiles import slim
    from pipeline.io.spill import KeptResults
    from pipeline.resources import corpus_models

    shutil.rmtree(args.workdir, ignore_errors=True)
    args.workdir.mkdir(parents=True)
    kept, head = KeptResults(args.workdir), len(MAGIC) + DIGEST
    for f in sorted(args.cache.rglob("*")):
        if f.is_file():
            kept.append(slim(pickle.loads(zlib.decompress(f.read_bytes()[head:]))[2]))
    kept.sort_by_doc_id()
    mapper, policy = corpus_models(args.models, True)
    if args.trace:
        classify_contexts({"x": ["x"]}, policy)  # the lazily loaded models outside the count
    gc.collect()
    print(f"{len(kept)} results loaded: RSS {_status('VmRSS')} MB")
    if args.trace:
        tracemalloc.start(1)
        base = tracemalloc.take_snapshot()
    t = time.process_time()
    built = correct_and_build(kept, mapper, policy, ())  # held while tracemalloc counts
    cpu = time.process_time() - t
    print(f"corpus stages: {cpu:.2f} CPU-s; RSS at their end {_status('VmRSS')} MB, peak {_status('VmHWM')} MB")
    if args.trace:
        gc.collect()
        stats = tracemalloc.take_snapshot().compare_to(base, "lineno")
        print(f"held once built (traced): {sum(s.size_diff for s in stats) / 1e6:.1f} MB")
        for s in stats[:25]:
            print("  ", s)
    del built
    kept.close()


if __name__ == "__main__":
    main()
