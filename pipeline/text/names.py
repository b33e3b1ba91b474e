"""Names compared as a reader compares them: quotes, brackets and spaces do not count."""

from __future__ import annotations

import re

_STRIP = re.compile(r"[\s\"'“”‘’「」『』《》〈〉()（）\[\]【】]")


def norm_name(s: str) -> str:
    """``“社社联建”`` and ``社社联建`` are one name."""
    return _STRIP.sub("", s)
