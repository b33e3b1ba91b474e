"""README.zh.md: the same two commands as README.md and a row for every output file README.md lists."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _outputs(readme: str) -> set[str]:
    """The backticked file names in the first cell of the outputs table's rows."""
    part = readme[readme.index("## Outputs") if "## Outputs" in readme else readme.index("## 输出") :]
    start = part.index("\n|") + 1
    table = part[start : part.index("\n\n", start)]
    return {name for line in table.splitlines()[2:] for name in re.findall(r"`([^`]+)`", line.split("|")[1])}


def test_chinese_readme_has_the_two_commands_and_every_output() -> None:
    en = (REPO / "README.md").read_text(encoding="utf-8")
    zh = (REPO / "README.zh.md").read_text(encoding="utf-8")
    for command in ("make extract", "make test"):
        assert f"\n{command} " in en and f"\n{command} " in zh
    assert "| 文件 | 内容 |" in zh
    listed = _outputs(en)
    assert {"ruralmine.xlsx", "figures.csv", "kg.duckdb"} <= listed
    assert listed <= _outputs(zh), f"add to README.zh.md's outputs table: {sorted(listed - _outputs(zh))}"
