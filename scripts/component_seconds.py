"""CPU seconds per stage of the per-document work on a folder: ingest, normalize, structure, the tokenizer and each
component of the spaCy pipeline (extract/annotate.py), one document after another in this process.

    python scripts/component_seconds.py CORPUS [--models models] [--json OUT.json]

The models are loaded (and jieba's dictionary read) before the clock starts, so the numbers are the work a
document costs. Timings on a shared machine are noisy: compare runs made in the same minute, best of three. Nothing
is written but the optional JSON file. Wrap it in pyinstrument (``python -m pyinstrument scripts/...``) to see the
functions inside a stage.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path


def component_seconds(corpus: Path, models_dir: str = "models") -> dict[str, float]:
    """CPU seconds per stage over every file of ``corpus`` (walked as a run walks it), and their ``total``."""
    from pipeline.config import Config
    from pipeline.extract.annotate import USER_KEY
    from pipeline.ingest import assign_doc_ids, load_document
    from pipeline.model import STATUS_FAILED
    from pipeline.normalize import normalize
    from pipeline.resources import worker_resources
    from pipeline.structure import structure

    config = Config(workers=1, models_dir=models_dir)
    nlp = worker_resources(models_dir).nlp
    nlp.make_doc("预热分词器。")  # jieba's dictionary: read once per process, not a document's cost
    files = sorted(p for p in corpus.rglob("*") if p.is_file())
    ids = assign_doc_ids(files, corpus)
    seconds: dict[str, float] = defaultdict(float)
    clock = time.process_time
    for path in files:
        t = clock()
        doc = load_document(path, corpus, config, doc_id=ids[path])
        seconds["ingest"] += clock() - t
        if doc.status == STATUS_FAILED:
            continue
        for name, step in (("normalize", normalize), ("structure", structure)):
            t = clock()
            doc = step(doc)
            seconds[name] += clock() - t
        t = clock()
        sdoc = nlp.make_doc(doc.text)
        seconds["tokenizer"] += clock() - t
        sdoc.user_data[USER_KEY] = doc
        for name, proc in nlp.pipeline:
            t = clock()
            sdoc = proc(sdoc)
            seconds[name.removeprefix("ruralmine_")] += clock() - t
    out = dict(seconds)
    out["total"] = sum(seconds.values())
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--models", default="models")
    ap.add_argument("--json", type=Path, default=None, help="also write the numbers here")
    args = ap.parse_args(argv)
    got = component_seconds(args.corpus, args.models)
    total = got["total"] or 1.0
    for name, sec in got.items():
        sys.stdout.write(f"{name:12s} {sec:8.3f} s  {100 * sec / total:5.1f}%\n")
    if args.json is not None:
        args.json.write_text(json.dumps(got, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
