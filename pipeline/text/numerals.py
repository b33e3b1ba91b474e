"""Parse numbers and quantities as Chinese reports write them, into base units.

Reports mix Arabic and Chinese numerals (``3.2万``, ``三千二百``, ``一百零五``), full-width digits,
thousands separators and PDF spaces (``4 824.31``), and hedge their figures (``近``, ``余``, ``以上``).
Everything here is pure and regex-driven so the figure extractor can scan whole documents quickly;
values come back in base units (元, 亩, %, ...), so ``4824.31万元`` and ``48243100元`` compare equal.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from pipeline.lexicon import LazyPattern, load

__all__ = [
    "QUANTITY_RE",
    "Quantity",
    "format_value",
    "iter_quantities",
    "may_state_range",
    "parse_number",
    "parse_quantity",
]

_FULLWIDTH = str.maketrans("０１２３４５６７８９．，％－＋", "0123456789.,%-+")

_DIGITS = {
    "零": 0, "〇": 0, "○": 0, "洞": 0,
    "一": 1, "壹": 1, "幺": 1, "弌": 1,
    "二": 2, "贰": 2, "貳": 2, "两": 2, "兩": 2, "俩": 2,
    "三": 3, "叁": 3, "弎": 3,
    "四": 4, "肆": 4,
    "五": 5, "伍": 5,
    "六": 6, "陆": 6, "陸": 6,
    "七": 7, "柒": 7,
    "八": 8, "捌": 8,
    "九": 9, "玖": 9,
}  # fmt: skip
_SMALL = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_BIG = {"万": 10**4, "萬": 10**4, "亿": 10**8, "億": 10**8}
_ZERO = "零〇○"

_CN_DIGIT_CHARS = "".join(_DIGITS)
_CN_CHARS = _CN_DIGIT_CHARS + "".join(_SMALL) + "".join(_BIG)

_ARABIC_RE = re.compile(r"\d+(?:\.\d+)?")
_SEP_RE = re.compile(r"(?<=\d)[,，\s](?=\d{3}(?!\d))")
_RMB_RE = re.compile(r"^(?P<yuan>.*?)(?:元|圆)(?:(?P<jiao>.)角)?(?:(?P<fen>.)分)?[整正]?$")
_DIGIT_GAP_RE = re.compile(r"(?<=[\d.])\s+(?=[\d.])")
_DECIMAL_THEN_UNITS_RE = re.compile(r"^(\d+\.\d+)(.*)$")


def _normalize_digits(s: str) -> str:
    """Full-width → ASCII, drop thousands separators and spaces inside digit groups."""
    s = s.translate(_FULLWIDTH).strip()
    prev = None
    while prev != s:
        prev, s = s, _SEP_RE.sub("", s)
    return _DIGIT_GAP_RE.sub("", s)


def _digit(ch: str) -> int:
    if ch in _DIGITS:
        return _DIGITS[ch]
    raise ValueError(f"not a digit: {ch!r}")


def _parse_section(s: str, strict: bool) -> float:
    """A number below 10^4 (or a bare Arabic number) written with 十百千 and digits."""
    if not s:
        raise ValueError("empty number section")
    if _ARABIC_RE.fullmatch(s):
        return float(s)
    # Digit string without units: 一二三 → 123 (cn2an's "normal" reading; strict mode rejects it).
    if all(c in _DIGITS for c in s):
        if len(s) > 1 and strict:
            raise ValueError(f"digit sequence without units: {s!r}")
        return float("".join(str(_DIGITS[c]) for c in s))
    total = 0.0
    pending: float | None = None
    pending_arabic = False
    last_unit = 10**5
    i = 0
    zero_seen = False
    while i < len(s):
        m = _ARABIC_RE.match(s, i)
        if m:
            if pending is not None:
                raise ValueError(f"two numbers in a row: {s!r}")
            if strict:
                raise ValueError(f"Arabic digits in a Chinese numeral: {s!r}")
            pending = float(m.group())
            pending_arabic = True
            i = m.end()
            continue
        ch = s[i]
        if ch in _ZERO:
            zero_seen = True
            i += 1
            continue
        if ch in _DIGITS:
            if pending is not None:
                raise ValueError(f"two digits in a row: {s!r}")
            pending = float(_DIGITS[ch])
            i += 1
            continue
        if ch in _SMALL:
            unit = _SMALL[ch]
            if unit >= last_unit:
                raise ValueError(f"units out of order: {s!r}")
            if pending is None:
                if (unit == 10 and (total == 0 or zero_seen)) or (not strict and (total == 0 or unit == 10)):
                    pending = 1.0  # 十二 / 一百零十 / 百分之…
                elif strict or unit != 100 or not zero_seen:
                    raise ValueError(f"unit without digit: {s!r}")
                else:
                    pending = 1.0  # 一万零百一十一 (cn2an smart reading)
            total += pending * unit
            pending = None
            last_unit = unit
            zero_seen = False
            i += 1
            continue
        raise ValueError(f"unexpected character {ch!r} in {s!r}")
    if pending is not None:
        if total and not zero_seen and last_unit >= 100 and pending < 10 and not pending_arabic:
            if strict:
                raise ValueError(f"abbreviated numeral: {s!r}")
            total += pending * last_unit / 10  # 一百二 → 120, 两千六 → 2600
        else:
            total += pending
    elif zero_seen and not total:
        return 0.0
    return total


def _parse_integer_part(s: str, strict: bool) -> float:
    """Split on the last 亿 then 万 (so 万亿 nests), parse each side."""
    for big_ch, big in (("亿", 10**8), ("億", 10**8), ("万", 10**4), ("萬", 10**4)):
        k = s.rfind(big_ch)
        if k < 0:
            continue
        left, right = s[:k], s[k + 1 :]
        if not left:
            if strict:
                raise ValueError(f"{big_ch} without a number: {s!r}")
            left_v = 1.0
        else:
            left_v = _parse_integer_part(left, strict)
        if not right:
            return left_v * big
        had_zero = right[0] in _ZERO
        if not right.lstrip(_ZERO):
            return left_v * big
        if had_zero and len(right.lstrip(_ZERO)) == 1 and right[-1] in _DIGITS:
            return left_v * big + _DIGITS[right[-1]]  # 十万零一
        if not had_zero and len(right) == 1 and right in _DIGITS:
            if strict:
                raise ValueError(f"abbreviated numeral: {s!r}")
            return left_v * big + _DIGITS[right] * big / 10  # 三万五 → 35000
        right_v = _parse_integer_part(right, strict)
        if right_v >= big:
            raise ValueError(f"lower part exceeds unit in {s!r}")
        return left_v * big + right_v
    return _parse_section(s, strict)


def _parse_fraction_digits(s: str) -> str:
    if not s:
        raise ValueError("empty decimal part")
    out = []
    for ch in s:
        if ch.isdigit():
            out.append(ch)
        elif ch in _DIGITS:
            out.append(str(_DIGITS[ch]))
        else:
            raise ValueError(f"bad decimal digit {ch!r}")
    return "".join(out)


def parse_number(s: str, strict: bool = False) -> float:
    """Value of a numeral span: ``3.2万`` → 32000, ``一百零五`` → 105, ``4 824.31`` → 4824.31.

    Raises ValueError for anything that is not a number. ``strict`` rejects readings that
    are only plausible in running text (bare digit strings like 一二三, a unit without a digit).
    Each distinct span is read once (a report writes 100 and 2.5万 many times); a failure is not remembered.
    """
    return _parse_number(s, strict)


@lru_cache(maxsize=16384)
def _parse_number(s: str, strict: bool) -> float:
    s = _normalize_digits(s).replace("廿", "二十").replace("卅", "三十")
    if not s:
        raise ValueError("empty number")
    if strict and (re.search(r"\d", s) or "〇" in s or s[-1] in "元圆整正"):
        raise ValueError(f"not a strict Chinese numeral: {s!r}")
    sign = 1.0
    if s[0] in "-负負":
        sign, s = -1.0, s[1:]
    elif s[0] == "+":
        s = s[1:]
    if not s:
        raise ValueError("sign without number")
    m = _RMB_RE.match(s)
    if m and (m.group("yuan") or m.group("jiao")):
        yuan = _parse_integer_part(m.group("yuan"), strict) if m.group("yuan") else 0.0
        jiao = _digit(m.group("jiao")) if m.group("jiao") else 0
        fen = _digit(m.group("fen")) if m.group("fen") else 0
        return sign * (yuan + jiao / 10 + fen / 100)
    if _ARABIC_RE.fullmatch(s):
        return sign * float(s)
    s = s.replace("點", "点")
    if s.count("点") > 1 or ".." in s or s.count(".") > 1:
        raise ValueError(f"several decimal points: {s!r}")
    if "点" in s:
        int_part, frac = s.split("点", 1)
        big = ""
        while frac and frac[-1] in _BIG:
            big = frac[-1] + big
            frac = frac[:-1]
        if not int_part:
            raise ValueError(f"decimal point without integer part: {s!r}")
        iv = _parse_integer_part(int_part, strict)
        fv = float("0." + _parse_fraction_digits(frac))
        val = iv + fv
        for ch in big:
            val *= _BIG[ch]
        return sign * val
    # Arabic decimal followed by Chinese units: 10.1万, 3.2亿
    m = _DECIMAL_THEN_UNITS_RE.match(s)
    if m:
        rest = m.group(2)
        if not rest or any(c not in _BIG and c not in _SMALL for c in rest):
            if rest and all(c in _BIG or c in _SMALL for c in rest[:1]):
                raise ValueError(f"decimal followed by a lower part: {s!r}")
            raise ValueError(f"bad number {s!r}")
        val = float(m.group(1))
        for ch in rest:
            val *= _BIG.get(ch) or _SMALL[ch]
        return sign * val
    return sign * _parse_integer_part(s, strict)


# ---------------------------------------------------------------------------------------------
# Quantities
# ---------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _units() -> dict[str, str]:
    """Unit as written -> base unit (``models/lexicon/units.tsv``)."""
    lex = load("units")
    return dict(zip(lex.words(), lex.column("base"), strict=True))


@lru_cache(maxsize=1)
def _qualifiers() -> tuple[list[str], set[str], dict[str, str], list[str], dict[str, str]]:
    """Hedge words (``models/lexicon/qualifiers.tsv``): words before a number, those kept in the qualifier,
    canonical forms of pre words, words after a number, canonical forms of post words."""
    lex = load("qualifiers")
    rows = list(zip(lex.words(), lex.column("position"), lex.column("keep"), lex.column("canonical"), strict=True))
    pre = [w for w, pos, _, _ in rows if pos == "pre"]
    keep = {w for w, pos, k, _ in rows if pos == "pre" and k}
    pre_canon = {w: c for w, pos, _, c in rows if pos == "pre" and c}
    post = [w for w, pos, _, _ in rows if pos == "post"]
    post_canon = {w: c for w, pos, _, c in rows if pos == "post" and c}
    return pre, keep, pre_canon, post, post_canon


_AR = r"[0-9０-９]+(?:[,，][0-9０-９]{3})*(?:\s[0-9０-９]{3}(?![0-9０-９]))*(?:[.．][0-9０-９]+)?"
_CN = f"[{_CN_CHARS}]+(?:[点點][{_CN_DIGIT_CHARS}]+)?"
_NUM = f"(?:{_AR}(?:[十百千万亿萬億]+(?:[零〇]?{_AR})?)?|{_CN})"
_RANGE_SEP = r"(?:\s?[-－—–~～至到]{1,2}\s?)"
_BIG_SUFFIX = "(?:百万|千万|万亿|亿|万|億|萬|千|百)"


@lru_cache(maxsize=1)
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """(quantity, fraction) regexes, built on first use from the unit and qualifier lexicons."""
    pre, _, _, post, _ = _qualifiers()
    unit_alt = "|".join(re.escape(u) for u in sorted(_units(), key=len, reverse=True))
    pre_alt = "|".join(sorted(pre, key=len, reverse=True))
    post_alt = "|".join(sorted(post, key=len, reverse=True))
    dens = sorted({u.partition("/")[2] for u in _units() if "/" in u}, key=len, reverse=True)
    den_alt = "|".join(re.escape(d) for d in dens) or "(?!)"
    quantity = re.compile(
        rf"(?P<pre>{pre_alt})?"
        rf"(?P<num>{_NUM})(?P<post0>余|多)?(?P<mult>{_BIG_SUFFIX})?"
        rf"(?:(?P<mid>%|％|{unit_alt})?{_RANGE_SEP}(?P<num2>{_NUM})(?P<mult2>{_BIG_SUFFIX})?)?"
        r"(?P<post1>余|多|来)?"
        rf"(?P<unit>%|％|‰|{unit_alt})"
        rf"(?P<per2>/(?:{den_alt}))?"  # 80元/年/人: a second denominator of a per-unit amount
        rf"(?P<post>{post_alt})?"
    )
    fraction = re.compile(
        rf"(?P<pre>{pre_alt})?"
        rf"(?:(?P<den>[{_CN_CHARS}0-9]+)分之(?P<numer>[{_CN_CHARS}0-9.点]+)"
        rf"|(?P<cheng>[一二两三四五六七八九十]|[1-9])成(?P<half>半)?)"
        rf"(?P<post>{post_alt})?"
    )
    return quantity, fraction


QUANTITY_RE = LazyPattern(lambda: _patterns()[0])


@dataclass
class Quantity:
    """A number with its unit in base form: 4824.31万元 → value 48243100, unit 元, multiplier 10000."""

    value: float
    unit: str
    qualifier: str = ""
    multiplier: float = 1.0
    value_high: float | None = None
    text: str = ""
    start: int = 0  # span within the text it was found in
    end: int = 0
    numeral: str = ""  # the number as written (without qualifier/unit)


def _mult_value(m: str | None) -> float:
    if not m:
        return 1.0
    v = 1.0
    for ch in m:
        v *= _BIG.get(ch) or _SMALL[ch]
    return v


def _clean_float(v: float) -> float:
    """Round away binary noise (48243100.000000004 → 48243100.0; 78.6亿 read as 7859999999.999999 → 7860000000.0):
    at most 15 significant digits, which a double holds exactly, and at most 6 decimals."""
    r = round(float(f"{v:.15g}"), 6)
    return float(int(r)) if r == int(r) and abs(r) < 2**53 else r


_AR_THEN_BIG_RE = re.compile(rf"^({_AR})([十百千万亿萬億]+)$")


def _split_multiplier(num: str) -> tuple[str, float]:
    """``4824.31万`` → ('4824.31', 10000) when the number ends with a big unit after Arabic digits."""
    m = _AR_THEN_BIG_RE.match(num)
    if m:
        return m.group(1), _mult_value(m.group(2))
    k = len(num)
    while k and num[k - 1] in _BIG:
        k -= 1
    if 0 < k < len(num):
        try:
            parse_number(num[:k])
            return num[:k], _mult_value(num[k:])
        except ValueError:
            pass
    return num, 1.0


_APPROX_RE = re.compile(r"(?P<ten>十)?(?P<a>[一二两三四五六七八九])(?P<b>[二三四五六七八九])(?P<big>[十百千万亿]*)")


def approximate_range(num: str) -> tuple[float, float, float] | None:
    """Two neighbouring digits read as an approximate range (概数): ``七八千`` → (7000, 8000, 1000),
    ``两三万`` → (20000, 30000, 10000), ``十七八`` → (17, 18, 1); None for any other numeral."""
    m = _APPROX_RE.fullmatch(num)
    if m is None or _DIGITS[m.group("b")] != _DIGITS[m.group("a")] + 1:
        return None
    if m.group("ten") and m.group("big"):
        return None
    base = 10.0 if m.group("ten") else 0.0
    mult = _mult_value(m.group("big")) if m.group("big") else 1.0
    return (base + _DIGITS[m.group("a")]) * mult, (base + _DIGITS[m.group("b")]) * mult, mult


def _quantity_from_match(m: re.Match[str], offset: int = 0) -> Quantity | None:
    unit_raw = m.group("unit")
    unit_raw = {"％": "%"}.get(unit_raw, unit_raw)
    unit = _units().get(unit_raw, unit_raw)
    mult_extra = _mult_value(m.group("mult"))
    approx = None if m.group("num2") else approximate_range(m.group("num"))
    try:
        base, mult = _split_multiplier(m.group("num"))
        value = parse_number(base) * mult * mult_extra if approx is None else approx[0] * mult_extra
        high = None if approx is None else approx[1] * mult_extra
        if approx is not None:
            mult = approx[2]
        if m.group("num2"):
            base2, mult2 = _split_multiplier(m.group("num2"))
            m2 = mult2 * _mult_value(m.group("mult2"))
            high = parse_number(base2) * m2
            if m2 == 1.0 and base2[-1:] in _SMALL.keys() | _BIG.keys() and base2[:-1] and base2 == m.group("num2"):
                m2 = _mult_value(base2[-1])  # 两到三千元: the magnitude 千 ends the second numeral
            if mult == 1.0 and mult_extra == 1.0 and m2 != 1.0 and m.group("mid") is None and value * m2 <= high:
                value *= m2  # 3至5万元: the multiplier is shared (not 8000到1万元)
                mult = m2
    except ValueError:
        return None
    if unit_raw == "百分点":
        unit = "个百分点"
    _, keep, pre_canon, _, post_canon = _qualifiers()
    quals = []
    pre = m.group("pre")
    if pre in keep:
        quals.append(pre_canon.get(pre, pre))
    for post in (m.group("post0"), m.group("post1"), m.group("post")):
        if post and post != "来":
            quals.append(post_canon.get(post, post))
        elif post == "来":
            quals.append("约")
    if len(quals) > 1 and "达" in quals:
        quals.remove("达")
    start = m.start("pre") if pre in keep else m.start("num")
    end = m.end()
    if m.group("per2") and "/" not in unit_raw:
        end = m.end("unit")  # 5人/户 is a count of people, not a per-unit amount
    return Quantity(
        value=_clean_float(value),
        unit=unit,
        qualifier="|".join(dict.fromkeys(quals)),
        multiplier=mult * mult_extra,
        value_high=_clean_float(high) if high is not None else None,
        text=m.string[start:end],
        start=start + offset,
        end=end + offset,
        numeral=m.group("num"),
    )


def _fraction_from_match(m: re.Match[str]) -> Quantity | None:
    try:
        if m.group("cheng"):
            value = parse_number(m.group("cheng")) * 10 + (5 if m.group("half") else 0)
        else:
            den = parse_number(m.group("den"))
            numer = parse_number(m.group("numer"))
            if den not in (100.0, 1000.0) and (den == 0 or numer > den):
                return None
            if den == 1000.0:
                return _mk_fraction(m, numer, "‰")
            value = numer if den == 100.0 else numer / den * 100
    except ValueError:
        return None
    return _mk_fraction(m, value, "%")


def _mk_fraction(m: re.Match[str], value: float, unit: str) -> Quantity:
    _, keep, pre_canon, _, post_canon = _qualifiers()
    quals = []
    pre = m.group("pre")
    if pre in keep:
        quals.append(pre_canon.get(pre, pre))
    if m.group("post"):
        quals.append(post_canon.get(m.group("post"), m.group("post")))
    start = m.start("pre") if pre in keep else (m.start("den") if m.group("den") else m.start("cheng"))
    return Quantity(
        value=round(value, 2),
        unit=unit,
        qualifier="|".join(quals),
        text=m.string[start : m.end()],
        start=start,
        end=m.end(),
        numeral=m.group(0)[start - m.start() :],
    )


def iter_quantities(text: str) -> Iterator[Quantity]:
    """Every number-with-unit in ``text``, left to right, non-overlapping (offsets into ``text``)."""
    found: list[Quantity] = []
    quantity_re, fraction_re = _patterns()
    fractions = fraction_re.finditer(text) if "成" in text or "分之" in text else ()  # what every fraction holds
    for fm in fractions:
        if fm.group("den") or fm.group("cheng"):
            q = _fraction_from_match(fm)
            if q is not None:
                found.append(q)
    taken = [(q.start, q.end) for q in found]
    pos = 0
    while True:
        m = quantity_re.search(text, pos)
        if m is None:
            break
        q = _quantity_from_match(m)
        if q is None:
            pos = m.start() + 1
            continue
        if not any(s < q.end and q.start < e for s, e in taken):
            found.append(q)
        pos = m.end()
    found.sort(key=lambda q: q.start)
    yield from (_signed(text, q, found) for q in found)


_MINUS = "-−－"


def _signed(text: str, q: Quantity, found: list[Quantity]) -> Quantity:
    """``自然增长率-0.57‰``, ``增长-3.2%``: a printed minus right before the number makes it negative (its span
    takes the sign). Not in a range or a code: the minus must follow a word, a space or punctuation, not a digit,
    a Latin letter or another quantity (``2019年-2020年``, ``1-10月``, ``G-3``); ``下降0.57`` stays positive (the
    word says the direction, the value is the amount)."""
    i = q.start - 1
    if i < 0 or text[i] not in _MINUS or q.value_high is not None or q.value < 0:
        return q
    before = text[i - 1] if i > 0 else ""
    if before and ((before.isascii() and before.isalnum()) or before in _MINUS or before.isdigit()):
        return q
    if any(o.end == i for o in found):
        return q
    return dataclasses.replace(q, value=-q.value, text=text[i : q.end], start=i, numeral="-" + q.numeral)


# What a stated range needs: a range separator (3至5万元, 3－5) or two neighbouring numerals (七八千).
_RANGE_HINT_RE = re.compile(r"[-－—–~～至到]|[一二两三四五六七八九][二三四五六七八九]")


def may_state_range(span: str) -> bool:
    """False when no quantity read from ``span`` can have a ``value_high`` (neither a range separator nor an
    approximate range like 七八千 in it): a test that spares the parse of most figures' texts."""
    return _RANGE_HINT_RE.search(span) is not None


def parse_quantity(span: str) -> Quantity | None:
    """The quantity a span states (``近12倍``, ``3至5万元``, ``近三分之一``), or None.

    The span must be essentially the quantity: one found quantity covering it apart from
    surrounding whitespace/punctuation.
    """
    s = span.strip()
    if not s:
        return None
    s = s.translate(_FULLWIDTH)
    for q in iter_quantities(s):
        rest = (s[: q.start] + s[q.end :]).strip(" ，,。、")
        if not rest:
            return q
    return None


def format_value(v: float) -> str:
    """A value as a CSV cell without float noise: 48243100, 35.54, 33.33."""
    r = _clean_float(v)
    if r == int(r):
        return str(int(r))
    return f"{r:.6f}".rstrip("0").rstrip(".")
