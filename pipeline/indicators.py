"""Indicator normalization: free indicator phrases → a canonical vocabulary that makes counties comparable.

Rules from ``models/indicators.json`` (unit + include/exclude patterns); a phrase that no rule claims stays
unmapped rather than being forced into the nearest column.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

# Growth rates and shares describe change, not level: never a comparable level column.
_CHANGE = re.compile(r"增长|增加|下降|提高|提升|减少|同比|环比|占比|^占")


@dataclass(frozen=True)
class Indicator:
    name: str
    unit: str
    units: tuple[str, ...]
    definition: str
    include: re.Pattern[str]
    exclude: re.Pattern[str] | None

    @property
    def column(self) -> str:
        return f"{self.name}({self.unit})"


class IndicatorVocabulary:
    def __init__(self, indicators: list[Indicator]) -> None:
        self.indicators = indicators

    @classmethod
    def load(cls, models_dir: Path) -> IndicatorVocabulary:
        data = json.loads((models_dir / "indicators.json").read_text(encoding="utf-8"))
        return cls(
            [
                Indicator(
                    name=d["name"],
                    unit=d["unit"],
                    units=tuple(d["units"]),
                    definition=d["definition"],
                    include=re.compile(d["include"]),
                    exclude=re.compile(d["exclude"]) if d.get("exclude") else None,
                )
                for d in data["indicators"]
            ]
        )

    def map(self, indicator: str, unit: str) -> Indicator | None:
        """The canonical indicator a phrase measures, or None when no rule claims it."""
        if not indicator or _CHANGE.search(indicator):
            return None
        for ind in self.indicators:
            if unit in ind.units and ind.include.search(indicator):
                if ind.exclude is not None and ind.exclude.search(indicator):
                    continue
                return ind
        return None
