"""Cell values made to their column's kind (``pipeline.io.schema.column_types``): the typed store loads them, the
CSV writer prints them, so a number is a number and a date one ISO-like text everywhere.

``typed`` returns the Python value (``None`` for an empty cell) or raises ``ValueError`` naming the value;
``text`` is the CSV form of that value.
"""

from __future__ import annotations

import math
import re
from typing import Any

from pipeline.io.schema import BOOLEAN, DATE, DOUBLE, INTEGER

_TRUE, _FALSE = frozenset({"true", "1", "yes"}), frozenset({"false", "0", "no"})
_INT_RE = re.compile(r"[-+]?\d+")
_YEAR_FLOAT_RE = re.compile(r"(\d{4})\.0+")  # 2014.0: a year that went through a float
_DATE_RE = re.compile(r"(\d{4})(?:[-/.年](\d{1,2})月?(?:[-/.月](\d{1,2})日?)?)?")


def _empty(value: Any) -> bool:
    return (
        value is None
        or (isinstance(value, str) and not value.strip())
        or (isinstance(value, float) and math.isnan(value))
    )


def to_int(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError(f"not an integer: {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and _INT_RE.fullmatch(value.strip()):
        return int(value)
    number = float(value)  # 3.0 or "3.0"; raises ValueError for words
    if not number.is_integer():
        raise ValueError(f"not an integer: {value!r}")
    return int(number)


def to_float(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError(f"not a number: {value!r}")
    number = float(value.strip() if isinstance(value, str) else value)
    if math.isinf(number):
        raise ValueError(f"not a finite number: {value!r}")
    return number


def to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    s = str(value).strip().lower()
    if s in _TRUE:
        return True
    if s in _FALSE:
        return False
    raise ValueError(f"not true/false: {value!r}")


def to_date(value: Any) -> str:
    """One ISO-like form: 2019, 2019-06 or 2019-06-30 (2014.0 -> 2014, 2019/6 -> 2019-06); other text as is."""
    if isinstance(value, bool):
        raise ValueError(f"not a date: {value!r}")
    if isinstance(value, (int, float)):
        if not float(value).is_integer():
            raise ValueError(f"not a date: {value!r}")
        return str(int(value))
    s = str(value).strip()
    if m := _YEAR_FLOAT_RE.fullmatch(s):
        return m.group(1)
    if m := _DATE_RE.fullmatch(s):
        year, month, day = m.groups()
        return "-".join([year, *(f"{int(x):02d}" for x in (month, day) if x)])
    return s


_CONVERT = {INTEGER: to_int, DOUBLE: to_float, BOOLEAN: to_bool, DATE: to_date}


def typed(value: Any, kind: str) -> Any:
    """``value`` as the Python value of ``kind`` (None when empty); text kinds keep the value."""
    if _empty(value):
        return None
    convert = _CONVERT.get(kind)
    return value if convert is None else convert(value)
