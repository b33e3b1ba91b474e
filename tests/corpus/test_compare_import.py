"""The write phase's comparison tables never load the figure extractor (jieba) into the process."""

from __future__ import annotations

import subprocess
import sys

from pipeline.corpus import compare


def test_source_table_spelled_as_the_extractor_does() -> None:
    from pipeline.extract.figures import SOURCE_TABLE

    assert compare.SOURCE_TABLE == SOURCE_TABLE


def test_compare_does_not_import_jieba() -> None:
    code = (
        "import sys\n"
        "import pipeline.corpus.compare as c\n"
        "import dataclasses\n"
        "from tests.records import figure\n"
        "f = figure('d1', '合计', 12.0)\n"
        "f = dataclasses.replace(f, mention=dataclasses.replace(f.mention, source=c.SOURCE_TABLE))\n"
        "assert c.table_total(f) and not c.table_total(figure('d1', '合计', 12.0))\n"
        "assert 'jieba' not in sys.modules, 'jieba'\n"
        "assert 'pipeline.extract.figures' not in sys.modules, 'figures'\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert res.returncode == 0, res.stderr
