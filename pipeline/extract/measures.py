"""Measures: numbered formulas (slogans), named programs, loan products and titled policy documents.

Rules over the normalized (simplified) text propose spans; a learned filter
(:class:`pipeline.learn.program_filter.ProgramFilter`) decides which program candidates are real programs. Every
Measure carries a Mention whose ``source`` names the rule or model, and raw offsets for provenance.

``declared_count`` is the number of items the formula announces, i.e. the count the text's item list
should match: one numeral (五无, 三支队伍, 六大产业) gives that number; repeated equal numerals of a
paired formula (五先五后, 四围绕四增强: five "先…后…" items) give the number once; N位一体 / N合一 give
N; different numerals (两不愁三保障, 三保一治) give their sum (2+3 = 5, 3+1 = 4); digit formulas
``2+5`` give the sum, ``1+X`` none.
"""

from __future__ import annotations

import bisect
import itertools
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from pipeline.extract.headings import SOURCE as HEADING_SOURCE
from pipeline.extract.headings import TITLE_SOURCE, SectionName, heading_practices, title_practices
from pipeline.learn.program_filter import Candidate, ProgramFilter
from pipeline.lexicon import LazyPattern, lazy_pattern, lazy_words, load
from pipeline.model import Document, Measure
from pipeline.text.chars import CLOSE_QUOTES, COLON, HAN_BASIC, OPEN_QUOTES, QUOTE_PAIRS, SENT_END, SENT_END_RE
from pipeline.text.numbering import CN_FORMULA_NUM, CN_ITEM_RE, NUMBERED_ITEM_RE, PAREN_ITEM_RE, cn_int

log = logging.getLogger(__name__)

CJK = HAN_BASIC
CN_NUM = CN_FORMULA_NUM
# Value of each formula numeral (十 counts 10 where it is read): 双 counts 2 as in 双培双带.
_NUM_VALUE: dict[str, int] = {c: 2 if c == "双" else (cn_int(c) or 0) for c in CN_NUM if c != "十"}

# Quote pairs; ASCII quotes are paired in order within a paragraph.
_QUOTE_RE = re.compile("|".join(f"{o}([^{o}{c}\n]{{1,40}}){c}" for o, c in QUOTE_PAIRS))
_BAD_IN_TERM = re.compile(f"[{SENT_END}{COLON}\n]")

# Plain quantities and ordinals are not formulas.
_MEASURE_WORDS = "个年月天日周次名人户家元角万亿千百批层级成倍点份届期轮位起只条张处座所"
_PLAIN_QTY = re.compile(rf"^[{CN_NUM}十百千万]+[{_MEASURE_WORDS}]*$|^[{CN_NUM}十][大项类种支道]$|^双[赢向重]")
# 一是, 二要, 一方面, 一方水土 (but 三方联动 is a formula)
_ITEM_WORDS = re.compile(rf"^[{CN_NUM}](?:[是要则来面]|方面)|^一方")
_IDIOMS = lazy_pattern(r"^一[对站把线体]|^[一二两三四五六七八九十]对|{words}", "numeral_idioms")

# Numeral + classifier + head: 六大产业, 三支队伍, 三道防线, 四个一批.
_CLASSIFIED_RE = lazy_pattern(
    rf"(?<![{CN_NUM}第])([二两三四五六七八九十])(大|项|道|支|张|条|类|种|个|级|方)([^\W\d_为的是和与在了及并将把对等月年天日周次时完成一二两三四五六七八九十]{{0,8}}?)({{words}})"
    rf"|(?<![{CN_NUM}第])([二两三四五六七八九十])个一([批体库品策])",
    "formula_heads",
)
_FORMULA_HEAD_AT = lazy_pattern("(?:{words})", "formula_heads", "closing")
# Paired formula written unquoted: 五先五后, 一户一策, 三位一体, 两不愁三保障.
_PAIRED_RE = re.compile(
    rf"(?<![{CN_NUM}第])([{CN_NUM}])(?![{CN_NUM}对])([{CJK}])\1([{CJK}])(?![{CN_NUM}])"
    rf"|(?<![{CN_NUM}第])([{CN_NUM}])(位一体|合一|而一)"
    rf"|(?<![{CN_NUM}第])([两二三四五六七八九])不([{CJK}]{{1,2}})([两二三四五六七八九])保障"
)
_HALF = "rule:formula_half"
_DIGIT_FORMULA_RE = re.compile(r"(?<![\d.+])(\d)((?:\+(?:\d|[A-Za-z]))+)(?![\d.%+])")
_DIGIT_CODE_RE = re.compile(rf"[{CJK}]{{2,}}\d{{3,5}}$")

# Program candidates by suffix; left context trimmed at function words and verbs.


@lru_cache(maxsize=1)
def _suffix_guards() -> dict[str, tuple[str, str]]:
    """Suffix -> (chars that may not precede it, chars that may not follow it): 控制 and 制度 are no X制, 进行动态 no
    X行动, 工程款 no X工程 (practice_suffixes.tsv, columns not_before / not_after)."""
    lex = load("practice_suffixes")
    rows = zip(lex.words(), lex.column("not_before"), lex.column("not_after"), strict=True)
    return {w: (nb, na) for w, nb, na in rows if nb or na}


def _guarded(text: str, start: int, end: int, suffix: str) -> bool:
    """Whether the suffix at ``text[start:end]`` is part of an ordinary word by the characters around it."""
    nb, na = _suffix_guards().get(suffix, ("", ""))
    before, after = text[start - 1 : start], text[end : end + 1]
    return bool((before and before in nb) or (after and after in na))


_SUFFIX_RE = lazy_pattern("({words})", "practice_suffixes", "program")


def _left_stop() -> re.Pattern[str]:
    """Words at which a name's left edge is cut: the left-stop adoption verbs and the left-stop words."""
    words = load("adoption_verbs").words("left_stop") + load("left_stop_words").words()
    # Longest first, so 新建 wins over 新 at the same position.
    return re.compile("|".join(sorted(map(re.escape, dict.fromkeys(words)), key=len, reverse=True)))


_LEFT_STOP = LazyPattern(_left_stop)
_FORMULA_PROGRAM_RIGHT = LazyPattern(
    lambda: re.compile(
        load("practice_suffixes").pattern(
            r"[\"”’」]\s?({words}|制(?![" + _suffix_guards()["制"][1] + "]))", "formula_program"
        )
    )
)
# “1+3”合作模式, “543”(…)消费扶贫模式: a quoted formula, an optional gloss, a few words naming the domain, a strong
# practice head: the whole is the program's name.
_FORMULA_PROGRAM_WIDE = lazy_pattern(
    rf"[\"”’」]\s?(?:[（(][^（）()\n]{{1,60}}[）)])?([{CJK}]{{1,6}}?)({{words}})", "practice_suffixes", "strong"
)
_QUOTED_PROGRAM_RIGHT = lazy_pattern(r"^[\"”]?(?:{words})", "practice_suffixes", "program")
# X+Y+Z chains: a part may carry a bracketed gloss (农户(贫困户)) and the chain may close on a letter (…+农户+N);
# inner parts run up to ten characters (乡镇扶贫产业开发公司), the first and last up to eight, the last one cut at
# the first practice head or function word after it (企业+农户模式带动… → 企业+农户).
_GLOSS = r"(?:[（(][^（）()\n+]{1,10}[）)])?"
_PLUS_LEAD = 8 + 12  # _PLUS_RE: the most characters before a chain's first "+" ([CJK]{2,8} and _GLOSS)
_PLUS_RE = re.compile(
    rf"[{CJK}]{{2,8}}{_GLOSS}(?:\+(?:[{CJK}]{{1,10}}{_GLOSS}|[A-Za-z]))*\+(?:[{CJK}]{{1,8}}{_GLOSS}|[A-Za-z])\+?"
    rf"|[{CJK}]{{2,6}}\+(?![{CJK}\d])"
)
_CHAIN_TAIL_STOP = lazy_pattern("的|等|{words}", "practice_suffixes", "program")

_LOAN_RE = re.compile(rf"([{CJK}A-Za-z]{{2}})贷(?=产品|资金|贷款|业务|额度|政策|、)")
_LOAN_SEP = re.compile(r"[·.•・]")  # 风险金·产业贷: a fund or brand, then the product
# “兴农通”贷款, “金燕快贷通”小额贷款: a product named before (a few words and) 贷款
_LOAN_AFTER_QUOTE = re.compile(rf"[\"”’」]([{CJK}]{{0,4}}?)(?:贷款|信贷产品|贷款产品)")
_LOAN_INSIDE = re.compile(r"贷[通宝卡易]")  # “金燕快贷通”, “惠民易贷宝”: a brand tail after 贷
_LOAN_NOT = lazy_pattern("^({words})", "loan_exclusions", "use", "not_before")
_LOAN_WORD_NOT = lazy_words("loan_exclusions", "use", "not_word")

_POLICY_SUFFIX = lazy_pattern("({words})$", "policy_suffixes")
_POLICY_TRAIL = re.compile(r"[（(][^（）()]{1,12}[）)]$")

_GENERIC_ORG = re.compile(
    r"(?:农村)?信用合作社$|(?:农民)?(?:专业|股份)?(?:经济)?合作社$|(?:农村)?(?:信用|商业)?(?:合作)?(?:联社|银行)$|(?:有限)?公司$|协会$|"
    r"^(?:县|市|州|乡|镇|村|省)"
)
_ORG_VERBS = lazy_pattern("{words}", "org_verbs")
_ORG_RE = re.compile(rf"[{CJK}]{{2,14}}?(合作社|联社|银行|公司|协会|领导小组|办公室)")

# Item lists.
_AND_RE = re.compile(r"以及|和|与|(?<!以)及(?!时)")
_ENUM_SPLIT = re.compile(r"[、，,]|以及|和|与|(?<!以)及(?!时)")
_SENT_END = SENT_END_RE
_ITEM_LEAD = lazy_pattern("^(?:{words})", "adoption_verbs", "item_lead")


@dataclass
class _Found:
    kind: str
    name: str
    start: int  # normalized span of the mention
    end: int
    source: str
    declared: int | None = None
    components: list[str] | None = None
    aliases: list[str] | None = None  # spellings this mention stands for besides ``name`` (易地搬迁 for 易地扶贫搬迁)


def iter_quoted(text: str) -> Iterator[tuple[int, int]]:
    """Content spans of quoted terms: curly/corner quotes by regex, ASCII ``"`` paired per paragraph."""
    for m in _QUOTE_RE.finditer(text):
        g = next(i for i in range(1, 5) if m.group(i) is not None)
        yield m.start(g), m.end(g)
    pos = 0
    for para in text.split("\n"):
        # a paragraph without one (most) is not walked character by character
        quotes = [pos + i for i, ch in enumerate(para) if ch == '"'] if '"' in para else []
        for a, b in zip(quotes[::2], quotes[1::2], strict=False):
            if 0 < b - a - 1 <= 40:
                yield a + 1, b
        pos += len(para) + 1


def declared_count(name: str) -> int | None:
    """Items a formula announces (see module docstring for the convention)."""
    if re.fullmatch(r"\d(?:\+\d)+", name):
        return sum(int(d) for d in name.split("+"))
    if not name or name[0] not in _NUM_VALUE:
        return None
    if re.match(rf"^[{CN_NUM}](位一体|合一|而一)", name):
        return _NUM_VALUE[name[0]]
    m = re.match(rf"^([{CN_NUM}十])个一", name)
    if m:
        return _NUM_VALUE.get(m.group(1))
    body, extra = name, 0
    if len(body) > 2 and body.endswith("一") and body[-2] not in "个":
        body = body[:-1]  # 五统一: the 一 belongs to 统一
    if re.search(r"[双共多]赢$", body):  # a closing "win-win" is one outcome item
        body, extra = body[:-2], 1
    vals = [_NUM_VALUE.get(ch, 10) for ch in body if ch in _NUM_VALUE or ch == "十"]
    if not vals or set(vals) == {1}:
        return None  # 一户一策: a rule of thumb, not a count
    if len(set(vals)) == 1 and len(vals) > 1:
        return vals[0] + extra  # 五先五后: five paired items
    return sum(vals) + extra


def is_formula_term(term: str) -> bool:
    """A quoted term shaped like a numbered formula, not a plain quantity, ordinal or idiom."""
    t = term.strip()
    if not 2 <= len(t) <= 14 or _BAD_IN_TERM.search(t) or "、" in t:
        return False
    if _DIGIT_FORMULA_RE.fullmatch(t) or _DIGIT_CODE_RE.search(t):
        return True
    if t[0] not in CN_NUM:
        return False
    if _PLAIN_QTY.match(t) or _ITEM_WORDS.match(t) or _IDIOMS.search(t):
        return False
    n_nums = sum(ch in CN_NUM for ch in t)
    if t[0] == "一" and n_nums < 2:
        return False  # 一站式, 一张网, 一线: words, not formulas
    return bool(re.match(rf"^[{CN_NUM}十][{CJK}A-Za-z]", t))


def _clause_left(text: str, pos: int, limit: int = 120) -> tuple[int, str]:
    """Text before ``pos`` back to the previous sentence end (or ``limit`` chars)."""
    lo = max(0, pos - limit)
    seg = text[lo:pos]
    cut = max((m.end() for m in _SENT_END.finditer(seg)), default=0)
    return lo + cut, seg[cut:]


def _strip_item(s: str) -> str:
    s = s.strip().strip('"“”‘’「」 ')
    s = _ITEM_LEAD.sub("", s)
    s = re.sub(r"(?:的|等)$", "", s)
    s = re.sub(rf"(?<=[{CJK}]{{2}})[{CN_NUM}]+(?:方|个方面)$", "", s)  # 政府、银行、企业三方: the count closes the list
    return s.strip('"“”‘’「」 ')


def _trim_first(first: str, others: list[str]) -> str:
    """The first item of an enumeration runs back into the clause: cut it like its siblings."""
    first = re.split(r"[\"“”‘’「」：:，,]", first)[-1]
    first = _AND_RE.split(first)[-1]
    cuts = [m.end() for m in _LEFT_STOP.finditer(first) if m.end() < len(first) - 1]
    if cuts:
        first = first[cuts[-1] :]
    if others and all(len(o) == 1 for o in others):
        return first[-1:]  # 县、乡、村三级: single-character items
    heads = {o[0] for o in others if o}
    if len(heads) == 1:  # parallel items (无产业、无技术…): start the first one at the shared head
        h = heads.pop()
        if h in first[:-1]:
            first = first[first.rindex(h) :]
    med = sorted(len(o) for o in others)[len(others) // 2] if others else len(first)
    if len(first) > 2 * med + 2:
        first = first[-(med + 1) :]
    return first


def _split_enum(left: str, comma: bool) -> list[str]:
    parts = re.split(r"[、，,]" if comma else r"、", left)
    joins = list(_AND_RE.finditer(parts[-1]))
    if joins:  # a、b和c: split the last part at its last conjunction
        j = joins[-1]
        last = [parts[-1][: j.start()], parts[-1][j.end() :]]
        if all(len(x) >= 2 for x in last):
            parts = parts[:-1] + last
    return parts


def _enum_before(text: str, start: int, want: int | None) -> list[str]:
    """Enumeration right before a formula: ``a、b、c“三支队伍”``, ``“果、蔬…”六大产业``, ``a,b,c的三道网``."""
    _, left = _clause_left(text, start, 160)
    left = left.rstrip('"“”‘’「」 ')
    by_de = left.endswith("的")
    left = re.sub(r"(?:的|等|等等)$", "", left).rstrip('"“”‘’「」 ')
    if not left:
        return []
    for comma in (False, True):
        if comma and not by_de:
            break  # a comma list must be tied to the formula by 的: a,b,c的三道网
        parts = _split_enum(left, comma)
        if len(parts) < 2:
            continue
        if want:
            if len(parts) < want:
                continue
            parts = parts[-want:]
        if not comma and re.search(r"[，,]", "".join(parts[1:])):
            continue  # the list is not adjacent to the formula
        items = [_strip_item(p) for p in parts[1:]]
        items.insert(0, _strip_item(_trim_first(parts[0], items)))
        if any(_CLASSIFIED_RE.search(p) for p in items):
            return []  # 打造五大体系、建好四支队伍、对接三个主体: sibling formulas, not this one's items
        if all(2 <= len(p) <= 16 for p in items) or all(len(p) == 1 for p in items):
            return items
    return []


def _chain_before(text: str, start: int) -> list[str]:
    """``“党组织+企业+合作社+农户”的“1+3”模式``: the parts of an X+Y+Z chain right before a formula, glosses
    dropped."""
    left = text[max(0, start - 80) : start].rstrip('"“”‘’「」 ')
    left = re.sub(r"(?:的|即|这种|这一)$", "", left).rstrip('"“”‘’「」 ')
    spans = [(s, e) for s, e in _plus_chains(left) if e == len(left)]
    if not spans:
        return []
    parts = [re.sub(r"[（(][^（）()]*[）)]", "", p) for p in left[spans[-1][0] :].split("+")]
    return parts if all(p and re.search(rf"[{CJK}]", p) for p in parts) else []


def _definition_after(text: str, end: int) -> list[str]:
    """``“两员”(产业指导员和财务指导员)`` / ``…，即a、b、c`` / ``：a、b、c`` right after a formula."""
    rest = text[end : end + 120].lstrip('"“”‘’「」 ')
    m = re.match(r"^[户]?[（(]([^（）()]{2,80})[）)]", rest) or re.match(
        r"^[^。；;，,]{0,6}?[，,]?(即|：|:|就是|是指|包括|涉及|分别是|分别为)([^。；;]{2,100})", rest
    )
    if not m:
        return []
    body = m.group(m.lastindex or 1)
    first = re.split(r"[，,]", body, maxsplit=1)[0]
    if m.lastindex == 2 and m.group(1) in ("涉及", "分别是", "分别为") and "、" in first:
        body = first  # 涉及政府、银行、企业三方，而…: the 、-list ends at the clause
    items = [_strip_item(p) for p in _ENUM_SPLIT.split(body)]
    items = [p for p in items if p]
    return items if 2 <= len(items) <= 12 and all(len(p) <= 20 for p in items) else []


def _enum_after(text: str, end: int) -> list[str]:
    """``开展“三变”改革，资源变资产、资金变股金、农民变股东``: a 、-list closing the same sentence."""
    rest = text[end : end + 120].lstrip('"“”‘’「」 ')
    m = re.match(r"^[^。；;，,：:]{0,8}[，,：:]([^。；;，,]{2,100})[。；;\n]", rest)
    if not m or "、" not in m.group(1):
        return []
    items = [_strip_item(p) for p in _split_enum(m.group(1), comma=False)]
    return items if all(2 <= len(p) <= 16 for p in items) else []


def _item_text(text: str, s: int, limit: int = 60, stop: int | None = None) -> str:
    hi = min(s + limit, stop if stop is not None else len(text))
    m = _SENT_END.search(text, s, hi)
    chunk = text[s : m.start() if m else hi]
    return chunk.strip().strip("，,、").strip()


# 第一，… 第二，… 第三，…: items numbered by ordinals at clause starts.
_ORDINAL_ITEM_RE = re.compile(rf"(?:(?<=[\n。；;：:，,])|^)\s*第([{CN_FORMULA_NUM}十]{{1,2}})(?=[，,、：:\s])")


def _head_items_after(text: str, start: int, end: int, want: int) -> list[str]:
    """三项帮扶基金 … 设立助学救助基金…；医疗救助基金…: the formula's head word names each item that follows."""
    m = _CLASSIFIED_RE.fullmatch(text, start, end)
    head = m.group(4) if m and m.group(4) else ""
    if len(head) < 2:
        return []
    items: list[str] = []
    for h in re.finditer(re.escape(head), text[end : end + 400]):
        pos = end + h.start()
        name = _left_name(text, pos, 12)
        if len(name) < 3 or _CLASSIFIED_RE.search(name + head):
            continue  # 物资配送: a verb's object, not an item; 自身三级防返贫监测机制: the formula again
        if name + head not in items:
            items.append(name + head)
        if len(items) == want:
            return items
    return []


_ITEM_MARK_SPAN = 8  # an item marker's characters after its leading whitespace (（十二）, 12．, 第十二, ...) and more


def _probe_end(text: str, at: int, seg_end: int) -> int:
    """End of the stretch that holds every item marker starting before ``at``: the whitespace run a marker's
    ``\\s*`` may take from there, then the marker's own characters with their lookahead."""
    while at < seg_end and text[at].isspace():
        at += 1
    return min(seg_end, at + _ITEM_MARK_SPAN)


def _list_after(text: str, end: int, window: int = 6000, near: int = 400) -> list[list[str]]:
    """Numbered lists starting soon after a formula: ``1. …``, ``（一）…``, ``一是…二是…``."""
    seg_end = min(len(text), end + window)
    probe_end = _probe_end(text, end + near + 1, seg_end)
    found: list[list[str]] = []
    for rx in (NUMBERED_ITEM_RE, PAREN_ITEM_RE, CN_ITEM_RE, _ORDINAL_ITEM_RE):
        if rx.search(text, end, probe_end) is None:
            continue  # no item marker starts near the formula: the scan of the whole window would find no list
        marks: list[re.Match[str]] = []
        for m in rx.finditer(text, end, seg_end):
            if not marks and m.start() - end > near:
                break  # no first item near the formula: none can follow (the scan of the window stops here)
            n = cn_int(m.group(1))
            if n == len(marks) + 1:
                if not marks and m.start() - end > near:
                    break
                marks.append(m)
            elif n == 1 and marks:
                break
        if len(marks) >= 2:
            # an item runs to its sentence end or to the next item marker, whichever comes first
            bounds = [m.start() for m in marks[1:]] + [len(text)]
            found.append([_item_text(text, m.end(), stop=b) for m, b in zip(marks, bounds, strict=True)])
    return found


def count_options(name: str, declared: int | None) -> list[int]:
    """Counts a list may rightly have: a paired formula (三送三帮) may list N pairs or 2N single items."""
    if declared is None:
        return []
    m = re.fullmatch(rf"([{CN_NUM}十])([^{CN_NUM}]{{1,3}})\1([^{CN_NUM}]{{1,3}})", name)
    return [declared, 2 * declared] if m else [declared]


def _components(text: str, start: int, end: int, wants: list[int]) -> tuple[list[str], int | None]:
    """Best item list for a formula and the count it matched (a declared count is checked, not assumed).

    Candidates: a definition right after (``“两员”(a和b)``, ``：a、b、c``), an enumeration right before, and
    (only when a count is declared) a numbered list that starts soon after. A list whose length equals a
    declared count wins; a longer one is cut; with no declared count the nearest definition is taken.
    """
    cands: list[list[str]] = []
    after = _definition_after(text, end)
    if after:
        cands.append(after)
    counts: list[int | None] = [*wants] or [None]  # None: no declared count
    chain = _chain_before(text, start)
    if chain and len(chain) in wants:
        cands.append(chain)
    for w in counts:
        before = _enum_before(text, start, w)
        if before:
            cands.append(before)
    if wants:  # a list further on only counts when the formula announces how many items to expect
        cands.extend(_list_after(text, end))
        head_items = _head_items_after(text, start, end, wants[0])
        if head_items:
            cands.append(head_items)
        after_enum = _enum_after(text, end)
        if len(after_enum) in wants:
            cands.append(after_enum)
    else:  # 1+X: a list only when it starts in the same sentence
        cands.extend(_list_after(text, end, near=30))
    if not cands:
        return [], None
    if wants:
        for w in wants:
            for c in cands:
                if len(c) == w:
                    return c, w
        for c in cands:
            if len(c) > wants[0]:
                return c[: wants[0]], wants[0]
        return [], None
    return cands[0], None


# “一简(简化评级)、二免(免抵押、免担保)、三优惠(…)”: a quoted list of numbered heads, each glossed in brackets; the
# formula is the heads together (一简二免三优惠), its items the glosses' items.
_GLOSSED_ITEM = rf"([{CN_NUM}十][{CJK}]{{1,4}})[（(]([^（）()“”\"\n]{{2,40}})[）)]"
_GLOSSED_LIST_RE = re.compile(rf"(?<=[“\"])((?:{_GLOSSED_ITEM}[、，,;；]?){{2,6}})(?=[”\"])")


def _glossed_formulas(text: str) -> list[_Found]:
    out: list[_Found] = []
    for m in _GLOSSED_LIST_RE.finditer(text):
        items = re.findall(_GLOSSED_ITEM, m.group(1))
        name = "".join(h for h, _ in items)
        comps = [p.strip() for _, g in items for p in re.split(r"[、，,]", g) if p.strip()]
        f = _Found("slogan", name, m.start(1), m.end(1), "rule:glossed_formula", declared_count(name), comps)
        out.append(f)
    return out


# “543”(打造五大体系、建好四支队伍、对接三个主体)模式: a quoted digit code whose digits each count one part, defined
# by a gloss of as many items or named as a practice by the head after it.
_DIGIT_CODE_ONLY = re.compile(r"[1-9]{2,5}")


def _digit_code_formula(text: str, s: int, e: int) -> _Found | None:
    term = text[s:e]
    if not _DIGIT_CODE_ONLY.fullmatch(term):
        return None
    after = _definition_after(text, e)
    if len(after) == len(term) or _FORMULA_PROGRAM_WIDE.match(text, e):
        items = after if len(after) == len(term) else None
        return _Found("slogan", term, s, e, "rule:quoted_formula", len(term), items)
    return None


def _formulas(text: str, quoted: list[tuple[int, int]]) -> list[_Found]:
    out: list[_Found] = _glossed_formulas(text)
    for s, e in quoted:
        code = _digit_code_formula(text, s, e)
        if code:
            out.append(code)
    for s, e in quoted:
        term = text[s:e].strip()
        if is_formula_term(term):
            out.append(_Found("slogan", term, s, e, "rule:quoted_formula", declared_count(term)))
        elif "、" in term:  # “一达标、两不愁、三保障、四到位”: a quoted list of formulas
            pos = s
            for part in term.split("、"):
                if is_formula_term(part):
                    out.append(
                        _Found("slogan", part, pos, pos + len(part), "rule:quoted_formula", declared_count(part))
                    )
                pos += len(part) + 1
    for m in _PAIRED_RE.finditer(text):
        name = m.group(0)
        out.append(_Found("slogan", name, m.start(), m.end(), "rule:numeral_formula", declared_count(name)))
        half = m.group(8)  # 两不愁三保障: 两不愁 and 三保障 are formulas of their own as well
        if half:
            cut = m.start(8)
            for a, b in ((m.start(), cut), (cut, m.end())):
                out.append(_Found("slogan", text[a:b], a, b, _HALF, declared_count(text[a:b])))
    for m in _CLASSIFIED_RE.finditer(text):
        end = m.end()
        for _ in range(2):  # 三级物流服务网络: the shortest head (服务) is followed by the real one (网络)
            more = _FORMULA_HEAD_AT.match(text, end)
            if not more:
                break
            end = more.end()
        name = text[m.start() : end]
        out.append(_Found("slogan", name, m.start(), end, "rule:numeral_head", declared_count(name)))
    for m in _DIGIT_FORMULA_RE.finditer(text):
        if m.end() < len(text) and re.match(rf"[{CJK}\"”]", text[m.end()]):
            out.append(
                _Found("slogan", m.group(0), m.start(), m.end(), "rule:digit_formula", declared_count(m.group(0)))
            )
    return out


def _drop_overlapped(found: list[_Found]) -> list[_Found]:
    """Keep the longest of overlapping formula spans (一图一表一说明 over its inner 一表一说)."""
    keep: list[_Found] = []
    starts: list[int] = []  # the kept spans never overlap, so in order of start their ends rise too: the one
    ends: list[int] = []  # kept span that can overlap a new one is the last starting before it ends (bisection)
    empty: list[_Found] = []  # kept empty spans (none in practice) break that order: checked one by one
    for f in sorted(found, key=lambda f: (-(f.end - f.start), f.start)):
        i = bisect.bisect_left(starts, f.end)
        if (i and ends[i - 1] > f.start) or any(f.start < k.end and k.start < f.end for k in empty):
            continue
        keep.append(f)
        if f.start == f.end:
            empty.append(f)
            continue
        j = bisect.bisect_right(starts, f.start)
        starts.insert(j, f.start)
        ends.insert(j, f.end)
    return keep


def _left_name(text: str, pos: int, max_len: int = 12) -> str:
    """Name part before a suffix: the clause tail, cut after the last function word or verb."""
    lo = max(0, pos - 24)
    seg = text[lo:pos]
    m = list(re.finditer(rf"[^{CJK}]", seg))
    if m:
        seg = seg[m[-1].end() :]
        if m[-1].group().isdigit():
            seg = seg.lstrip(_MEASURE_WORDS)  # 10个监理公司…: the count's measure word is no part of a name
    stops = [m for m in _LEFT_STOP.finditer(seg) if m.end() <= len(seg)]
    # 荔枝产业带动模式: a stop word right before the suffix is part of the name; cut at the one before it
    while stops and len(seg) - stops[-1].end() < 2 and stops[-1].group() in _NAME_VERBS:
        stops.pop()
    # 动态监测和帮扶机制: a conjunction between two short noun groups joins them into one name
    if stops and stops[-1].group() in {"和", "与", "及"} and 2 <= len(seg) - stops[-1].end() <= 4:
        before = stops[-2].end() if len(stops) > 1 else 0
        if 2 <= stops[-1].start() - before <= 8:
            stops.pop()
    if stops:
        seg = seg[stops[-1].end() :]
    seg = re.sub(rf"^[{CN_NUM}十百千万]+[{_MEASURE_WORDS}]", "", seg)  # 设立一个金融扶贫工作站: the count goes
    return seg if len(seg) <= max_len else ""  # no clear left edge: a cut name is worse than none


# Verbs that also end practice names (产业带动模式, 联农带农机制, 协调推进机制) when right before the suffix.
_NAME_VERBS = lazy_words("adoption_verbs", "name_verb")


def _inside_title(text: str, pos: int) -> bool:
    """Whether ``pos`` lies inside a 《…》 title (looking back at most 60 characters)."""
    before = text[max(0, pos - 60) : pos]
    return before.rfind("《") > before.rfind("》")


def _ctx(s: str) -> str:
    return re.sub(r"\s+", " ", s)


# Verbs that adopt a practice: 实行“整村授信”, 探索“托管代种”的办法, 组建马铃薯产业联合体.
_ADOPT_LEFT = lazy_pattern(r"(?:{words})[\"“]?$", "adoption_verbs", "adopt")
_STRONG_SUFFIX = lazy_pattern("(?:{words})$", "practice_suffixes", "strong")


# 形成“龙头企业+合作社+贫困户”的兴国灰鹅产业扶贫模式: the adoption verb, then a quoted formula and 的.
_ADOPT_THROUGH_QUOTE = lazy_pattern(r"(?:{words})了?[“\"][^”\"]{1,24}[”\"]的$", "adoption_verbs", "adopt_quote")


def _program_by_rule(c: Candidate, left_wide: str = "") -> bool:
    """Programs by the text's own words: a quoted coinage before 模式/机制…, or a coinage (quoted, or named
    with a strong practice suffix) that is the object of an adoption verb."""
    if c.source == "quoted" and _QUOTED_PROGRAM_RIGHT.match(c.right):
        return True
    if c.source == "suffix" and _STRONG_SUFFIX.search(c.term) and _ADOPT_THROUGH_QUOTE.search(left_wide):
        return len(c.term) >= 4
    if not _ADOPT_LEFT.search(c.left) or len(c.term) < 3 or re.search(r"\d|[一二两三四五六七八九十]", c.term[:1]):
        return False
    return c.source == "quoted" or (c.source == "suffix" and bool(_STRONG_SUFFIX.search(c.term)))


# ------------------------------------------------------------------ programs named by class, not by a filter
# National programme types named without quotes (易地扶贫搬迁, 扶贫车间) and sector programmes (电商扶贫, 消费帮扶).
_NATIONAL_RE = lazy_pattern("{words}", "national_programmes")
_NATIONAL_SOURCE = "rule:national_programme"
_SECTOR_RE = lazy_pattern(r"(?:{words})(?:扶贫|帮扶)(?![办局])", "sector_prefixes")


def _national_entries() -> dict[str, list[tuple[str, str]]]:
    """Entry -> [(kind, canonical name)] from national_programmes.tsv (an entry may be a program and a loan)."""
    lex = load("national_programmes")
    out: dict[str, list[tuple[str, str]]] = {}
    for word, kinds, canonical in zip(lex.words(), lex.column("kind"), lex.column("canonical"), strict=True):
        out[word] = [(kind, canonical or word) for kind in kinds.split("|")]
    return out


def _national(text: str) -> list[_Found]:
    """Mentions of national programme types: the canonical name, the written variant as its alias."""
    entries = _national_entries()
    out: list[_Found] = []
    for m in _NATIONAL_RE.finditer(text):
        if _inside_title(text, m.start()):
            continue
        for kind, canonical in entries[m.group()]:
            alias = [canonical] if canonical != m.group() else []  # the text's spelling is the name
            out.append(_Found(kind, m.group(), m.start(), m.end(), _NATIONAL_SOURCE, aliases=alias))
    for m in _SECTOR_RE.finditer(text):
        if not _inside_title(text, m.start()):
            out.append(_Found("program", m.group(), m.start(), m.end(), "rule:sector_programme"))
    return out


_AFTER_QUOTE = lazy_pattern(rf"[\"”’」]\s?[{CJK}]{{0,4}}?(?:{{words}})", "practice_suffixes", "after_quote")
# “A”“B”等60个电商平台: quoted names listed before 等 and a practice head.
_QUOTED_LIST_HEAD = lazy_pattern(
    rf"[\"”’」](?:[、，,]?[\"“][^\"“”\n]{{1,12}}[\"”])*[、，,]?等(?:[\d一二三四五六七八九十百余多]+[个家项种款类])?"
    rf"[{CJK}]{{0,6}}?(?:{{words}})",
    "practice_suffixes",
    "after_quote",
)
_MODEL_AFTER_LIST = lazy_pattern(r"[\"”’」]的?(?:{words})", "practice_suffixes", "strong")
_SHORT_COINED = lazy_pattern(rf"[\"”’」]([{CJK}]{{1,4}}?)({{words}})", "practice_suffixes", "program")
_ORDINAL_BEFORE = re.compile(
    r"(?:第[一二三四五六七八九十]|[一二三四五六七八九十]是|[一二三四五六七八九十]、)[，,、\s]*[\"“]?$"
)
# 以羊换羔分两种模式: a four-character coinage that the text divides into kinds of practice.
_KINDS_OF = re.compile(
    rf"(?<![{CJK}])([{CJK}]{{4}})(?:分为?|包括|有)[两二三四五六七八九]种(?:模式|方式|做法|形式|类型)"
)


def _quoted_programs(text: str, quoted: list[tuple[int, int]], slogans: set[tuple[int, int]]) -> list[_Found]:
    """Quoted coinages the text itself marks as practices: followed (within four characters) by a practice head
    (“绣花娘”帮扶车间, “见苗补种”政策), ending in a strong suffix (“青山模式”), listed before 等…平台, a pair of
    four-character slogans named as a model or as one of several (“龙头带动、循环增收”模式, 第一，“按股分红、保底收益”),
    or a short quoted word that keeps coming back with the same continuation (“云端”共建 … 云端共建)."""
    out: list[_Found] = []
    recurring: dict[tuple[str, str], bool] = {}  # (term, continuation) → whether it recurs: one scan each
    for s, e in quoted:
        if (s, e) in slogans:
            continue
        term = text[s:e].strip()
        if not 2 <= len(term) <= 16 or _BAD_IN_TERM.search(term) or term.endswith("贷") or "，" in term:
            continue
        if not re.search(rf"[{CJK}]", term) or term[0] in CN_NUM or _PLAIN_QTY.match(term):
            continue
        if _QUOTED_NOT_NAME.search(term):
            continue
        if "、" in term:
            parts = term.split("、")
            pair = 2 <= len(parts) <= 3 and all(len(p) == 4 and re.fullmatch(rf"[{CJK}]+", p) for p in parts)
            # “大户示范、合作社带动、贫困户参与”的模式: short clauses of one shape (a noun and its role) named a model
            roles = 2 <= len(parts) <= 4 and all(re.fullmatch(rf"[{CJK}]{{3,6}}", p) for p in parts)
            if ((pair or roles) and _MODEL_AFTER_LIST.match(text, e)) or (
                pair
                and (_QUOTED_PROGRAM_RIGHT.match(text[e : e + 6]) or _ORDINAL_BEFORE.search(text[max(0, s - 8) : s]))
            ):
                out.append(_Found("program", term, s, e, "rule:quoted_program"))
            continue
        headed = _AFTER_QUOTE.match(text, e) or _QUOTED_LIST_HEAD.match(text, e)
        if (headed and (len(term) >= 3 or _QUOTED_PROGRAM_RIGHT.match(text[e : e + 6]))) or (
            len(term) >= 4 and _STRONG_SUFFIX.search(term) and not generic_term(term)
        ):
            out.append(_Found("program", term, s, e, "rule:quoted_program"))
        elif len(term) == 2 and (w := _SHORT_COINED.match(text, e)) and not _LEFT_STOP.search(w.group(1)):
            # 县、乡、村“梯度”搬迁安置模式: a two-character coinage names the practice together with the words after it
            out.append(_Found("program", term + w.group(1) + w.group(2), s, w.end(), "rule:quoted_program"))
        elif len(term) <= 3:
            tail = text[e + 1 : e + 3]
            if (
                re.fullmatch(rf"[{CJK}]{{2}}", tail)
                and not _LEFT_STOP.match(tail)
                and _recurs(text, term, tail, recurring)
            ):
                out.append(_Found("program", term + tail, s, e + 3, "rule:quoted_recurring"))
    for m in _KINDS_OF.finditer(text):
        if not _LEFT_STOP.match(m.group(1)):
            out.append(_Found("program", m.group(1), m.start(1), m.end(1), "rule:kinds_of_practice"))
    return out


_RECURS = 3  # a short quoted word with the same continuation this many times names a practice


def _recurs(text: str, term: str, tail: str, seen: dict[tuple[str, str], bool]) -> bool:
    """Whether ``term`` (then an optional closing quote) then ``tail`` occurs :data:`_RECURS` times in ``text``
    (``len(re.findall(…)) >= 3``): not looked for when ``term`` itself occurs fewer times (each such match starts
    with its own occurrence of it), the scan stopped at the third match, each distinct pair scanned once a
    document (``seen``), so a long report's many short quoted words do not each cost scans of the whole text."""
    key = (term, tail)
    got = seen.get(key)
    if got is None:
        got = text.count(term) >= _RECURS
        if got:
            rx = re.compile(re.escape(term) + r"[\"”’」]?" + re.escape(tail))
            got = sum(1 for _ in itertools.islice(rx.finditer(text), _RECURS)) >= _RECURS
        seen[key] = got
    return got


_ADMIN_LEVEL = re.compile(r"^(?:[村县乡镇]级?)(?=[\u4e00-\u9fff]{4})")


def canonical_key(name: str) -> str:
    """Key under which spellings of one practice meet: digits dropped (产金互促541 / 5411), a leading admin level
    dropped (村党支部领办合作社 / 党支部领办合作社), (专业)合作社 read as 社 (扶贫互助合作社 / 扶贫互助社), the list
    comma ignored."""
    k = re.sub(r"[\d\s\"“”‘’「」、·.]", "", name)
    k = _ADMIN_LEVEL.sub("", k)
    return re.sub(r"(?:专业)?合作社$", "社", k)  # 扶贫互助合作社 / 扶贫互助社


# 产金互促541 / 产经互促5411: a coined name with a number code; spellings that share the two characters before
# the code and its first three digits are one practice (a homophone or a digit more is a variant, not another).
_CODE_TAIL = re.compile(rf"([{CJK}]{{2}})(\d{{3,}})")


def merge_variants(measures: list[Measure], counts: dict[str, int]) -> list[Measure]:
    """Programs that share a :func:`canonical_key` (of their name or of an alias they carry) become one Measure:
    the most mentioned spelling (first on ties) is its name, the others its aliases."""
    group_of: dict[str, int] = {}  # key -> group index
    groups: list[list[Measure]] = []
    out: list[Measure] = []
    for m in measures:
        if m.kind != "program":
            out.append(m)
            continue
        keys = [canonical_key(n) or n for n in [m.name, *m.aliases]]
        keys += [f"code:{c.group(1)}{c.group(2)[:3]}" for n in [m.name, *m.aliases] if (c := _CODE_TAIL.search(n))]
        gi = next((group_of[k] for k in keys if k in group_of), None)
        if gi is None:
            gi = len(groups)
            groups.append([])
            out.append(m)
        groups[gi].append(m)
        for k in keys:
            group_of.setdefault(k, gi)
    for group in groups:
        head = group[0]
        best = max(group, key=lambda m: counts.get(m.name, 0))  # max keeps the first of equal counts
        names = [m.name for m in group] + [a for m in group for a in m.aliases]
        head.name = best.name
        head.aliases = [n for n in dict.fromkeys(names) if n != best.name]
        if best is not head:
            head.mention = best.mention
    return out


# An adoption verb (实行, 创新, 建成 …) before a term is evidence, not proof: 创新扶贫模式 and 建成“大产业” are not
# names. With a filter loaded, such a term also needs this much of the filter's probability.
ADOPTED_MIN_PROB = 0.3
# A short quoted word (“放大招”, “保生态”) is most often a figure of speech: the filter must be surer.
SHORT_QUOTED_MIN_PROB = 0.7


_SUFFIX_END = lazy_pattern("(?:{words})$", "practice_suffixes", "program")


# “党组织+企业+合作社+农户”的庄浪模式: a short name given, after 的, to the formula just quoted is a name, not a topic.
_NAMED_AFTER_QUOTE = re.compile(r"[”\"」]的$")


def _generic_core(c: Candidate) -> bool:
    """A suffix-named candidate whose words before a two-character suffix are only two characters (扶贫模式), or any
    candidate that is a generic head after generic words only (产业扶贫模式, 合作社发展模式, “民生工程”)."""
    m = _SUFFIX_END.search(c.term) if c.source == "suffix" else None
    return (m is not None and len(m.group()) >= 2 and m.start() <= 2) or generic_term(c.term)


_GENERIC_HEADS = lazy_words("practice_suffixes", "anaphor", "generic")


@lru_cache(maxsize=2)
def _generic_words(sectors: bool = True) -> frozenset[str]:
    """Words that name no one practice: generic nouns (产业, 发展, 民生 …) and, unless ``sectors`` is False, the
    sector prefixes (电商, 金融 …)."""
    words = frozenset(load("generic_nouns").words())
    return words | frozenset(load("sector_prefixes").words()) if sectors else words


# A programme head after a sector names the sector's programme (光伏扶贫工程, 电商扶贫行动), not a topic.
_PROGRAMME_HEADS = ("工程", "行动", "计划")


def _all_generic(core: str, sectors: bool = True) -> bool:
    """Whether ``core`` splits into generic words only (产业扶贫 = 产业 + 扶贫, 合作社发展 = 合作社 + 发展)."""
    words = _generic_words(sectors)
    ok = [True] + [False] * len(core)  # ok[i]: core[:i] splits
    for i in range(1, len(core) + 1):
        ok[i] = any(ok[j] and core[j:i] in words for j in range(max(0, i - 4), i))
    return bool(core) and ok[-1]


def generic_term(term: str) -> bool:
    """A generic head (模式, 机制, 工程 …) after generic words only: 产业扶贫模式, 民生工程, 金融服务体系 name no one
    practice (the words before a distinct head such as 车间 or 试验区 may be generic: 产业融合试验区 is one)."""
    m = _SUFFIX_END.search(term)
    if m is None or m.group() not in _GENERIC_HEADS:
        return False
    return _all_generic(term[: m.start()], sectors=m.group() not in _PROGRAMME_HEADS)


# Quoted terms that are not practice names: a dated title or ranking (“2016年…十佳县”), a manner (“居家式”).
_QUOTED_NOT_NAME = re.compile(r"^\d{2,4}年|[县镇]$|(?<![模方形])式$|(?:有限|责任|股份)公司$")


# What comes before a metaphor in quotes: 成为(了)一棵, 变成, 当好, 端上 …
_METAPHOR_LEFT = re.compile(
    r"(?:成为|变成|成了|变为|当好|当起|端上|端起|捧上|吃上|架起|搭起)了?(?:一[个棵张条把剂座道片颗粒])?[“\"]?$"
)


def _clf_min(c: Candidate, threshold: float) -> float:
    """Probability a candidate needs from the filter alone: more for short quoted words; 2-character quotes only
    with a practice suffix right after them; none for dated titles, manners and long quoted designations that
    end in no practice head (“某县疫情防控生活保障供给车”)."""
    if c.source == "quoted" and (
        _QUOTED_NOT_NAME.search(c.term) or (len(c.term) >= 10 and not _SUFFIX_END.search(c.term))
    ):
        return 2.0
    if c.source == "quoted" and _METAPHOR_LEFT.search(c.left):
        return max(threshold, SHORT_QUOTED_MIN_PROB)  # 成为了一棵“摇钱树”, 当好“店小二”: a figure of speech, mostly
    if c.source == "quoted" and len(c.term) <= 3:
        return SHORT_QUOTED_MIN_PROB if len(c.term) == 3 or _SUFFIX_RE.match(c.right) else 2.0
    return threshold


def _plus_chains(text: str) -> list[tuple[int, int]]:
    """Spans of X+Y+Z chains: the left edge cut after the last stop word of the first part, the last part cut at a
    practice head or function word (企业+合作社+农户的模式 → 企业+合作社+农户)."""
    out: list[tuple[int, int]] = []
    first_plus = text.find("+")
    if first_plus < 0:
        return out  # every chain holds a "+": a text without one has none (no scan of the whole text)
    # a chain's first "+" is at most _PLUS_LEAD characters after its start (8 CJK and a 12-character gloss)
    for m in _PLUS_RE.finditer(text, max(0, first_plus - _PLUS_LEAD)):
        chain = m.group(0)
        head = chain.split("+", 1)[0]
        cut = [x.end() for x in _LEFT_STOP.finditer(head) if x.end() < len(head) - 1]
        s = m.start() + (cut[-1] if cut else 0)
        e = m.end()
        last_at = m.start() + chain.rindex("+") + 1
        tail = text[last_at:e]
        stop = _CHAIN_TAIL_STOP.search(tail, 1) or _LEFT_STOP.search(tail, 1)
        if stop and "(" not in tail[: stop.start()] and "（" not in tail[: stop.start()]:
            e = last_at + stop.start()
        out.append((s, e))
    return out


_LIST_ITEM = re.compile(rf"(?:即|分别为|分别是|包括)?([{CJK}]{{3,16}})$")


_NON_CJK_RE = re.compile(rf"[^{CJK}]")


def _listed_name(text: str, pos: int, suffix: str) -> str:
    """The whole item of a 、-list of names with one head (即整村再建新乡镇搬迁模式、联村并建小城镇搬迁模式、…): the
    list's punctuation, not a stop word inside the item (新, 并), is its left edge."""
    lo = max(0, pos - 20)
    seg = text[lo:pos]
    cut = -1
    for m_non in _NON_CJK_RE.finditer(seg):  # the last character that is not CJK (one regex scan of the window)
        cut = m_non.start()
    if cut < 0 or seg[cut] not in "、：:，,；;":
        return ""
    m = _LIST_ITEM.search(seg[cut + 1 :])
    if not m or suffix in m.group(1) or _AND_RE.search(m.group(1)):
        return ""  # 河长制和田长制: two names joined, not one item
    after = text[pos + len(suffix) : pos + len(suffix) + 1]
    before_item = text[max(0, lo + cut - 20) : lo + cut]
    sibling_before = seg[cut] == "、" and before_item.endswith(suffix)
    sibling_after = after == "、" and re.match(rf"[{CJK}]{{2,16}}?{re.escape(suffix)}", text[pos + len(suffix) + 1 :])
    return m.group(1) if sibling_before or sibling_after else ""


def _unlikely_quoted(text: str, s: int, e: int, program_filter: ProgramFilter | None) -> bool:
    """A quoted word (in a heading: 从“单打独斗”到“抱团发展”, “稻谷”为基) the filter does not take for a practice."""
    if program_filter is None or not (text[s - 1 : s] in OPEN_QUOTES and text[e : e + 1] in CLOSE_QUOTES):
        return False
    c = Candidate(text[s:e], _ctx(text[max(0, s - 9) : s - 1]), _ctx(text[e + 1 : e + 9]), "quoted")
    return program_filter.predict_proba([c])[0] < _clf_min(c, program_filter.threshold)


def program_candidates(text: str, quoted: list[tuple[int, int]] | None = None) -> list[tuple[Candidate, int, int]]:
    """Program candidates with their normalized spans: quoted coinages, suffix phrases, ``X+Y+``."""
    if quoted is None:
        quoted = list(iter_quoted(text))
    out: list[tuple[Candidate, int, int]] = []
    for s, e in quoted:
        term = text[s:e].strip()
        if not 2 <= len(term) <= 16 or _BAD_IN_TERM.search(term) or "、" in term or "，" in term or "," in term:
            continue
        if not re.search(rf"[{CJK}]", term) or term.endswith("贷") or _PLAIN_QTY.match(term) or _IDIOMS.search(term):
            continue
        out.append(
            (Candidate(term, _ctx(text[max(0, s - 8) : max(0, s - 1)]), _ctx(text[e + 1 : e + 9]), "quoted"), s, e)
        )
    for m in _SUFFIX_RE.finditer(text):
        if _guarded(text, m.start(), m.end(), m.group(1)):
            continue  # 控制, 编制, 进行动态, 工程款: ordinary words, not X制, X行动 or X工程 names
        name = _listed_name(text, m.start(), m.group(1)) or _left_name(text, m.start())
        if len(name) < 2 or _inside_title(text, m.start()):
            continue  # 《…扶贫车间建设管理实施方案》: part of a document title, not a practice of its own
        s = m.start() - len(name)
        term = name + m.group(1)
        out.append(
            (Candidate(term, _ctx(text[max(0, s - 8) : s]), _ctx(text[m.end() : m.end() + 8]), "suffix"), s, m.end())
        )
    for s, e in _plus_chains(text):
        left, right = _ctx(text[max(0, s - 8) : s]), _ctx(text[e : e + 8])
        out.append((Candidate(text[s:e], left, right, "plus"), s, e))
    return out


def _loans(text: str, quoted: list[tuple[int, int]]) -> list[_Found]:
    out: list[_Found] = []
    for s, e in quoted:
        content = text[s:e]
        pos = s
        for part in re.split(r"([、，,])", content):
            if part in "、，,":
                pos += len(part)
                continue
            p = part.strip()
            inside = len(p) >= 4 and (i := p.find("贷")) > 0 and bool(_LOAN_INSIDE.match(p, i))
            coined = p.endswith("贷") or (inside and not _LOAN_NOT.match(p[i - 1]))  # “普惠授信贷”, “快贷通”
            after = _LOAN_AFTER_QUOTE.match(text, e) if part is content else None
            if (
                coined
                and 2 <= len(p) <= 7 + 6 * bool(_LOAN_SEP.search(p))
                and p not in _LOAN_WORD_NOT
                and re.fullmatch(rf"[{CJK}A-Za-z\d]+(?:{_LOAN_SEP.pattern}[{CJK}A-Za-z\d]+)?", p)
            ) or (after and not _LEFT_STOP.search(after.group(1)) and re.fullmatch(rf"[{CJK}A-Za-z\d]{{2,6}}", p)):
                ps = pos + part.index(p)
                out.append(_Found("loan_product", p, ps, ps + len(p), "rule:quoted_loan"))
            pos += len(part)
    for m in _LOAN_RE.finditer(text):
        name = m.group(0)
        if _LOAN_NOT.match(m.group(1)[-1]) or name in _LOAN_WORD_NOT:
            continue
        out.append(_Found("loan_product", name, m.start(), m.end(), "rule:loan_suffix"))
    return out


_TITLE_MARKS_RE = re.compile("[《》\n]")


def _policies(text: str) -> list[_Found]:
    out: list[_Found] = []
    depth, open_at = 0, -1
    for mark in _TITLE_MARKS_RE.finditer(text):  # only the characters the scan acts on, not every character
        i, ch = mark.start(), mark.group()
        if ch == "《":
            if depth == 0:
                open_at = i
            depth += 1
        elif ch == "》" and depth:
            depth -= 1
            if depth == 0:
                name = text[open_at + 1 : i].strip()
                core = _POLICY_TRAIL.sub("", name).strip()
                if 2 <= len(name) <= 80 and "\n" not in name and _POLICY_SUFFIX.search(core):
                    out.append(_Found("policy_document", name, open_at + 1, i, "rule:book_title"))
        elif ch == "\n":
            depth = 0
    return out


def _organizations(text: str) -> list[_Found]:
    """Named organizations: a delimited name (after punctuation or a function word) + an org suffix."""
    out: list[_Found] = []
    for m in _ORG_RE.finditer(text):
        prefix = _left_name(text, m.start(1), 12)
        name = prefix + m.group(1)
        if len(prefix) < 3 or _ORG_VERBS.search(prefix) or prefix[0] in _MEASURE_WORDS + "他其该各本":
            continue
        if len(_GENERIC_ORG.sub("", name)) < 3:
            continue  # 农民专业合作社, 县信用联社: a kind of organization, not a named one
        out.append(_Found("organization", name, m.end() - len(name), m.end(), "rule:org_suffix"))
    return out


def extract_measures(
    doc: Document, program_filter: ProgramFilter | None = None, headings: list[SectionName] | None = None
) -> list[Measure]:
    """All measures of a document, one per (kind, name), first mention kept, components merged.

    Without a ``program_filter`` only quoted candidates followed by 模式/机制/制度… and suffix names with
    a coined (quoted) core are kept as programs, so the stage still runs before ``models`` is built.
    """
    text = doc.text or ""
    quoted = sorted(set(iter_quoted(text)))
    found: list[_Found] = []
    formulas = _formulas(text, quoted)
    found += _drop_overlapped([f for f in formulas if f.source != _HALF]) + [f for f in formulas if f.source == _HALF]
    found += _loans(text, quoted)
    found += _policies(text)
    slogan_spans = {(f.start, f.end) for f in found if f.kind == "slogan"}
    for f in [f for f in found if f.source == "rule:quoted_formula" and _DIGIT_CODE_RE.search(f.name)]:
        found.append(_Found("program", f.name, f.start, f.end, "rule:coded_practice"))  # “产销互促541”: a practice
    for f in [f for f in found if f.source == "rule:quoted_formula"]:
        m = _FORMULA_PROGRAM_RIGHT.match(text, f.end)
        if m:  # “三变”改革, “五统一”工程: the formula names a program with the word after it
            found.append(_Found("program", f.name + m.group(1), f.start, m.end(), "rule:quoted_formula_suffix"))
            continue
        w = _FORMULA_PROGRAM_WIDE.match(text, f.end)
        if w and not _LEFT_STOP.search(w.group(1)):
            name = f.name + w.group(1) + w.group(2)
            found.append(_Found("program", name, f.start, w.end(), "rule:quoted_formula_suffix"))
    latest_start: dict[int, int] = {}  # a slogan's end -> the latest start of a slogan ending there
    for a, b in slogan_spans:
        latest_start[b] = max(a, latest_start.get(b, a))
    cands = [  # not a formula, nor words before a formula that closes the name (县级、农户自身三级防控机制)
        c
        for c in program_candidates(text, quoted)
        if (c[1], c[2]) not in slogan_spans and not c[1] < latest_start.get(c[2], -1)
    ]
    if cands:
        # A quoted coinage right before 模式/机制/制度… is a program by the text's own words; the learned
        # filter judges the rest (and is skipped, leaving only this rule, when no model is loaded).
        by_rule = [_program_by_rule(c, text[max(0, s - 32) : s]) for c, s, _ in cands]
        probs = program_filter.predict_proba([c for c, _, _ in cands]) if program_filter is not None else []
        quoted_set = set(quoted)
        for i, (c, s, e) in enumerate(cands):
            p = probs[i] if probs else None
            quoted_mark = c.source == "quoted" and bool(_QUOTED_PROGRAM_RIGHT.match(c.right))  # “X”模式: said so
            through = (  # 推出了“三方联保”的风险分担机制: a formula-defined name the text adopts
                c.source == "suffix"
                and len(c.term) >= 4
                and bool(_STRONG_SUFFIX.search(c.term) and _ADOPT_THROUGH_QUOTE.search(text[max(0, s - 32) : s]))
            )
            if c.source == "plus" and (s, e) in quoted_set and len(c.term.split("+")) >= 2:
                found.append(_Found("program", c.term, s, e, "rule:quoted_chain"))  # “企业+合作社+农户”: by its form
                continue
            named_after = bool(_NAMED_AFTER_QUOTE.search(c.left)) and not generic_term(c.term)
            if _generic_core(c) and not (quoted_mark or named_after):
                continue  # 扶贫模式, 产业扶贫模式: generic words before a generic head name no one practice
            marked = quoted_mark or (through and not generic_term(c.term))
            if by_rule[i] and (marked or p is None or p >= max(ADOPTED_MIN_PROB, _clf_min(c, 0.0))):
                found.append(_Found("program", c.term, s, e, "rule:quoted_before_suffix"))
            elif p is not None and program_filter is not None and p >= _clf_min(c, program_filter.threshold):
                found.append(_Found("program", c.term, s, e, program_filter.source))
    found += _quoted_programs(text, quoted, slogan_spans)
    found += _national(text)
    found += _organizations(text)
    named = {f.name.strip('"“”‘’「」') for f in found}
    for hp in heading_practices(doc, headings):
        if hp.name in named or _unlikely_quoted(text, hp.start, hp.end, program_filter):
            continue  # named already, or a quoted word of the heading that is no practice
        named.add(hp.name)  # a practice only a heading names: 建设食用菌产业园区, 生态护林员增就业
        found.append(_Found("program", hp.name, hp.start, hp.end, HEADING_SOURCE))
    for name, start, end in title_practices(doc):
        if name not in named and not any(name in n or n in name for n in named if len(n) >= 4):
            named.add(name)  # 某县推进村党支部领办合作社联社: the practice the whole report is about
            found.append(_Found("program", name, start, end, TITLE_SOURCE))

    by_key: dict[tuple[str, str], Measure] = {}
    counts: dict[str, int] = {}
    for f in sorted(found, key=lambda f: (f.start, f.end)):
        name = f.name.strip() if f.kind == "policy_document" else f.name.strip().strip('"“”‘’「」')
        if not name:
            continue
        counts[name] = counts.get(name, 0) + 1
        comps: list[str] = []
        matched = None
        if f.kind == "slogan" and f.components:  # items the rule read off the formula itself (its glosses)
            comps, matched = f.components, (len(f.components) if len(f.components) == f.declared else None)
        elif f.kind == "slogan":
            comps, matched = _components(text, f.start, f.end, count_options(f.name, f.declared))
            if matched:
                f.declared = matched
        key = (f.kind, name)
        rec = by_key.get(key)
        if rec is None:
            by_key[key] = Measure(
                mention=doc.mention(f.start, f.end, "MEASURE", f.source),
                name=name,
                kind=f.kind,
                declared_count=f.declared,
                components=comps,
                aliases=list(f.aliases or []),
            )
        elif f.aliases:
            rec.aliases = list(dict.fromkeys(rec.aliases + f.aliases))
        elif comps and (
            not rec.components or (matched and len(rec.components) not in count_options(name, declared_count(name)))
        ):
            rec.components = comps
            if matched:
                rec.declared_count = matched
    for rec in [r for r in by_key.values() if r.kind == "slogan" and r.components]:
        for item in rec.components:  # 三种搬迁模式：即整村再建模式、联村并建模式…: each kind is a practice
            name_like = not _LEFT_STOP.match(item) and not re.match(rf"[{CN_NUM}十每各]", item)  # not a clause
            if 4 <= len(item) <= 18 and _STRONG_SUFFIX.search(item) and name_like and not generic_term(item):
                at = text.find(item, rec.mention.start)
                if at >= 0 and ("program", item) not in by_key:
                    src = "rule:formula_item"
                    by_key[("program", item)] = Measure(
                        doc.mention(at, at + len(item), "MEASURE", src), item, "program"
                    )
                    counts[item] = counts.get(item, 0) + 1
    loans = {n for k, n in by_key if k == "loan_product"}
    kept = [  # “兴农通”贷款: a product, not a program too (national types such as 扶贫小额信贷 are both)
        m
        for (k, n), m in by_key.items()
        if not (k == "program" and n in loans and m.mention.source != _NATIONAL_SOURCE)
    ]
    return merge_variants(kept, counts)
