"""Magazine-like PDFs (two and three columns, running header, page numbers, paragraphs and headings across
columns and pages) read back as the text they were rendered from; and the seeds' PDF renderings score like
their text versions (the eval gate, slow).

Texts here are invented; scripts/render_pdf.py renders them (and the seeds, at test time, into tmp_path only).
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

from pipeline.config import Config
from pipeline.ingest import load_document
from pipeline.ingest.pdf import extract_pdf, find_gutters
from pipeline.normalize import normalize, normalize_text

REPO = Path(__file__).resolve().parents[2]


def _render_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("render_pdf", REPO / "scripts" / "render_pdf.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules["render_pdf"] = mod
    spec.loader.exec_module(mod)
    return mod


render_pdf = _render_module()

_TOWNS = "甲乙丙丁戊己庚辛壬癸"


def _invented_report(n_paragraphs: int = 14) -> str:
    """A made-up county report: numbered headings and long paragraphs with figures in every sentence."""
    parts = ["某县乡村产业振兴调研报告"]
    for i in range(n_paragraphs):
        if i % 4 == 0:
            parts.append(f"{i // 4 + 1}、产业发展第{i // 4 + 1}项举措")
        town = _TOWNS[i % 10]
        sentences = [
            f"{town}镇坚持“订单农业加合作社”模式第{i + 1}年，带动农户{1200 + i * 37}户增收。",
            f"全镇种植高山蔬菜{3400 + i * 11}亩，亩均收入达到{5600 + i}元，比上年增长{10 + i}.5%。",
            f"村集体经济收入累计达到{80 + i}.6万元，其中分红资金{20 + i}万元全部发放到户。",
            "合作社统一供种、统一技术、统一收购，让小农户与大市场有效衔接，群众满意度不断提高。",
        ]
        parts.append("".join(sentences))
    return "\n\n".join(parts) + "\n"


def _flat(s: str) -> str:
    return re.sub(r"\s+", "", s)


@pytest.mark.parametrize(("columns", "n_paragraphs"), [(2, 14), (3, 24), (3, 30), (3, 36)])
def test_magazine_pdf_reads_back_as_its_text(tmp_path: Path, columns: int, n_paragraphs: int) -> None:
    """Columns read in order, header and page numbers dropped, paragraphs continue across columns and pages
    (the last page's text ends in its first, second or third column depending on the length)."""
    text = _invented_report(n_paragraphs)
    pdf = render_pdf.render(text, tmp_path / "report.pdf", title="第12期", columns=columns)
    got = extract_pdf(pdf.read_bytes())
    assert got.n_pages >= 2  # the text runs over a page end
    assert set(range(1, got.n_pages)) <= set(got.columns_pages)  # every full page is read by columns
    assert render_pdf.HEADER not in got.raw_text
    assert not re.search(r"—\s*\d+\s*—", got.raw_text)
    assert _flat(got.raw_text) == _flat(text)  # every character, in reading order, nothing else


@pytest.mark.parametrize("columns", [2, 3])
def test_magazine_pdf_paragraphs_are_whole_after_normalizing(tmp_path: Path, columns: int) -> None:
    """Every paragraph comes back as one line (hard wraps joined, also at column and page ends); the
    headings stay lines of their own."""
    text = _invented_report(30)
    path = render_pdf.render(text, tmp_path / "r.pdf", columns=columns)
    doc = normalize(load_document(path, tmp_path, Config()))
    lines = set(doc.text.split("\n"))
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    body = [p for p in paragraphs if "。" in p]
    whole = [p for p in body if _flat(p) in {_flat(ln) for ln in lines}]
    assert len(whole) >= len(body) - 1, [p[:20] for p in body if p not in whole]
    for heading in (p for p in paragraphs if "。" not in p and "、" in p):
        assert any(_flat(ln) == _flat(heading) for ln in lines), heading


@pytest.mark.parametrize("columns", [2, 3])
def test_a_title_wrapped_in_a_narrow_column_is_one_line(tmp_path: Path, columns: int) -> None:
    """A heading set in larger type that wraps in its column comes back as one line (article titles and
    section headings must not be cut in two); body lines stay lines."""
    title = "某县合作社联建加订单农业模式在乡村振兴中的探索"  # a heading (<= 30 chars) wider than a column
    text = _invented_report(16).replace("某县乡村产业振兴调研报告", title, 1)
    pdf = render_pdf.render(text, tmp_path / "t.pdf", columns=columns)
    got = extract_pdf(pdf.read_bytes())
    assert title in got.raw_text.split("\n")
    assert _flat(got.raw_text) == _flat(text)


def test_find_gutters_one_column_is_none() -> None:
    words = [
        {"text": "某县" * 10, "x0": 50.0, "x1": 540.0, "top": 100.0 + 16 * i, "bottom": 111.0 + 16 * i}
        for i in range(20)
    ]
    assert find_gutters(words) == []


def test_gloss_cut_by_a_line_break_goes_and_the_lines_join() -> None:
    """``動\\n(dòng)員``: the pinyin gloss at the start of the next line goes; the line it ended still counts
    as full (its gloss took room on the page), so the hard-wrapped sentence is joined."""
    full = "全县各级党组织和广大党员积极行动起来充分发挥作用"
    cut = ["合作社统一供种统一技术统一收购让小农户衔", "(xián)接(jiē)大市场效果显著群众满意度不断提高"]
    lines = [full[:20]] * 6 + cut
    lines += [full[:20]] * 6
    raw = "\n".join(lines) + "。\n"
    text, omap = normalize_text(raw)
    assert "(xián)" not in text and "(jiē)" not in text
    assert "衔接大市场" in text  # joined over the break where the gloss was
    s = text.index("衔接")
    a, b = omap.to_raw(s, s + 2)
    assert raw[a] == "衔" and raw[b - 1] == "接"


def test_a_wrapped_sentence_ending_in_a_number_is_not_a_table_row() -> None:
    """``…贫困户32712户、 118900`` at a narrow column's end continues on the next line (sentence punctuation
    before the number: prose); ``乡村 3245038 66.2`` stays a row of its own."""
    filler = ["全县各级党组织和广大党员积极行动起来"] * 8
    raw = "\n".join([*filler, "全县共识别贫困户2408户、 9075", "人,贫困发生率21.6%。"]) + "\n"
    text, _ = normalize_text(raw)
    assert "2408户、 9075人" in text or "2408户、9075人" in text
    rows = "\n".join([*filler, "乡村人口合计 3245038 66.2", "城镇人口合计 1234567 33.8"]) + "\n"
    text, _ = normalize_text(rows)
    assert "乡村人口合计 3245038 66.2\n城镇人口合计 1234567 33.8" in text


def _narrow(sentence: str, width: int = 9) -> list[str]:
    return [sentence[i : i + width] for i in range(0, len(sentence), width)]


def test_glossed_lines_of_a_narrow_column_are_not_a_sidebar() -> None:
    """Lines of a narrow column that lost their pinyin glosses (``經(jīng)``) look short (<= 10 characters) but
    were full on the page: they are running text, kept, not a sidebar of fragments dropped."""
    filler = "全县各级党组织和广大党员积极行动起来"
    glossed = [  # at most 10 characters once the glosses go, about 14 glyphs wide on the page
        "(dòng)的發(fā)展集體經濟工",
        "作機(jī)制。全縣集(jí)體",
        "經(jīng)濟發(fā)展呈現(xiàn)井",
        "噴(pēn)式發(fā)展局面。如",
        "桐木村(cūn)等發(fā)展鄉",
        "(xiāng)鎮(zhèn)旅遊產(chǎn)業",
        "(yè),前光村(cūn)等地",
    ]
    raw = "\n".join([*_narrow(filler * 3, 14), *glossed, *_narrow(filler * 2, 14)]) + "。\n"
    text, _ = normalize_text(raw)
    assert "的发展集体经济工作机制。全县集体经济发展呈现井喷式发展局面。如桐木村等发展乡镇旅游产业" in _flat(text)


def test_a_gloss_that_wrapped_to_the_next_line_leaves_this_line_full() -> None:
    """``全縣69個\n(gè)村``: the gloss of the line's last character did not fit and starts the next line; the
    line was full on the page, so the sentence is joined over the break."""
    filler = ["全县各级党组织和广大党员积"] * 8  # a 13-glyph column
    raw = "\n".join([*filler, "濟(jì)。目前,全縣69個", "(gè)村(社區(qū))已經(jīng)", *filler]) + "。\n"
    text, _ = normalize_text(raw)
    assert "全县69个村(社区)已经全县" in text


def test_a_number_wrapped_before_its_unit_joins_a_one_value_row_does_not() -> None:
    """``…存款 1586.27`` / ``万元,同比…`` is a sentence cut between a number and its unit (joined, the space
    goes); ``乡村人口合计 3245038`` / ``城镇人口合计 1234567`` stay table rows."""
    filler = ["全县各级党组织和广大党员积极"] * 8  # a 14-glyph column
    raw = "\n".join([*filler, "截至2021年12月下旬,", "农商行吸收合作社存款 1586.27", "万元,同比增长42.35%。", *filler])
    text, _ = normalize_text(raw + "。\n")
    assert "下旬,农商行吸收合作社存款1586.27万元,同比增长42.35%。" in text
    rows = "\n".join([*filler, "乡村人口合计 3245038", "人口密度 166", "城镇人口合计 1234567", *filler])
    text, _ = normalize_text(rows + "。\n")
    assert "乡村人口合计 3245038\n人口密度 166\n城镇人口合计 1234567" in text


def test_a_line_before_an_indented_line_ends_its_paragraph() -> None:
    """Where indents mark paragraphs (a PDF's first lines, written with ``　　``), a heading that fills a narrow
    column (``二、闽宁协作拓宽增收渠道``) is not joined to the indented paragraph after it."""
    body = "福建累计投入帮扶资金二亿元建设扶贫车间组织劳务输出带动群众"
    lines = [*_narrow(body * 2, 14), "二、闽宁协作拓宽增收渠道", "\u3000\u3000" + body[:12], *_narrow(body * 2, 14)]
    text, _ = normalize_text("\n".join(lines) + "。\n")
    assert "\n二、闽宁协作拓宽增收渠道\n" in text


def test_a_heading_wrapped_before_its_gloss_is_one_line() -> None:
    """A heading in larger type wrapped before a pinyin gloss (``引領`` / ``(lǐng),筑牢…``) stopped short of the
    column's edge by the gloss's width: it was full, and comes back as one line."""
    from pipeline.ingest.pdf import _Line, join_wrapped_headings

    body = [_Line("全县各级党组织和广大党员积极", 100.0 + 15 * i, 110.0 + 15 * i, 227.0, 375.0) for i in range(8)]
    heading = [
        _Line("1.4發(fā)揮黨建引領", 230.0, 242.0, 227.0, 337.0),
        _Line("(lǐng),筑牢脫貧保障", 248.0, 260.0, 227.0, 337.0),
    ]
    out = join_wrapped_headings([*body, *heading, *body[:2]])
    assert "1.4發(fā)揮黨建引領(lǐng),筑牢脫貧保障" in [ln.text for ln in out]


def test_one_wide_line_does_not_move_a_columns_right_edge() -> None:
    """A running header left in a one-page file's first column reaches past the body's right edge; the
    column's edge is where its full lines end, so indents and wrapped headings are still seen."""
    from pipeline.ingest.pdf import _Line, join_wrapped_headings, mark_indents

    header = _Line("理论与实践 县域发展 第12期", 33.0, 42.0, 50.0, 224.0)
    title = [_Line("太行深处的金融扶贫试验", 79.0, 91.0, 56.0, 188.0), _Line("——某县调查", 97.0, 109.0, 56.0, 130.0)]
    body = [_Line("全县各级党组织和广大党员", 120.0 + 15 * i, 130.0 + 15 * i, 56.0, 196.0) for i in range(8)]
    body[3] = _Line("全县各级党组织和广大", body[3].top, body[3].bottom, 76.0, 196.0)
    out = mark_indents(join_wrapped_headings([header, *title, *body]))
    texts = [ln.text for ln in out]
    assert "太行深处的金融扶贫试验——某县调查" in texts
    assert "\u3000\u3000全县各级党组织和广大" in texts


def test_a_markdown_table_is_set_as_a_table_and_read_back_as_one(tmp_path: Path) -> None:
    """render_pdf sets a pipe table as a ruled table inside a narrow column; PDF ingest finds it as a table
    (rows and cells), and its heading loses the Markdown hashes."""
    table = "| 指标 | 2015年 | 2020年 |\n|---|---|---|\n| 农村居民人均可支配收入（元） | 8163 | 13542 |\n"
    text = _invented_report(6) + "\n## 二、主要成效\n\n" + table + "\n" + _invented_report(3)
    got = extract_pdf(render_pdf.render(text, tmp_path / "t.pdf", columns=3).read_bytes())
    rows = [["指标", "2015年", "2020年"], ["农村居民人均可支配收入（元）", "8163", "13542"]]
    assert rows in [t.rows for t in got.tables]
    assert "二、主要成效" in got.raw_text.split("\n") and "#" not in got.raw_text


def _scores(out: Path, gold: Path) -> dict[str, float]:
    from pipeline.tools.evaluate import evaluate

    return {k: v.value for k, v in evaluate(out, gold).scores.items()}


# Gaps measured on the seeds that are not closed (PDF score below text score by more than the 0.05 the issue
# asks), pinned so they can only shrink: none left (3-column links .800 -> .900 = text, components .889 -> 1.0).
KNOWN_GAPS: dict[tuple[int, str], float] = {}
TOLERANCE = 0.05


@pytest.mark.slow
@pytest.mark.parametrize("columns", [2, 3])
def test_seed_pdfs_score_like_their_texts(shared: Path, tmp_path: Path, columns: int) -> None:
    """The eval gate: the seeds rendered as magazine PDFs (at test time, into tmp_path) score within 0.05 of
    the seeds as text on every category (known gaps pinned above)."""
    from pipeline.config import load_config
    from pipeline.run import run_corpus

    seeds, gold = shared / "corpus" / "seeds", shared / "gold"
    pdfs = tmp_path / "pdf"
    render_pdf.render_folder(seeds, pdfs, columns=columns)
    run_corpus(seeds, tmp_path / "out_text", load_config())
    run_corpus(pdfs, tmp_path / "out_pdf", load_config())
    text, pdf = _scores(tmp_path / "out_text", gold), _scores(tmp_path / "out_pdf", gold)
    assert "figures" in text and set(pdf) == set(text)
    worse = {
        cat: (round(text[cat], 3), round(pdf[cat], 3))
        for cat in text
        if text[cat] - pdf[cat] > KNOWN_GAPS.get((columns, cat), TOLERANCE) + 1e-9
    }
    assert not worse, f"{columns}-column PDF below text (text, pdf): {worse}"


CORPUS_GAPS: dict[tuple[int, str], float] = {}  # none left (3-column links .929 -> 1.0 = text)


@pytest.mark.slow
@pytest.mark.parametrize("columns", [2, 3])
def test_corpus_text_pdfs_score_like_their_texts(tmp_path: Path, columns: int) -> None:
    """The same gate on our own corpus's text documents (txt/, md/; their gold in tests/gold/corpus)."""
    import shutil

    from pipeline.config import load_config
    from pipeline.run import run_corpus

    src = tmp_path / "text"
    for sub in ("txt", "md"):
        shutil.copytree(REPO / "corpus" / sub, src / sub)
    render_pdf.render_folder(src, tmp_path / "pdf", columns=columns)
    assert (tmp_path / "pdf" / "txt").is_dir()  # same sub-folders: same doc_ids as the gold
    run_corpus(src, tmp_path / "out_text", load_config())
    run_corpus(tmp_path / "pdf", tmp_path / "out_pdf", load_config())
    gold = tmp_path / "gold"
    for sub in ("txt", "md"):
        shutil.copytree(REPO / "tests" / "gold" / "corpus" / sub, gold / sub)
    text, pdf = _scores(tmp_path / "out_text", gold), _scores(tmp_path / "out_pdf", gold)
    assert "figures" in text and set(pdf) == set(text)
    worse = {
        cat: (round(text[cat], 3), round(pdf[cat], 3))
        for cat in text
        if text[cat] - pdf.get(cat, 0.0) > CORPUS_GAPS.get((columns, cat), TOLERANCE) + 1e-9
    }
    assert not worse, f"{columns}-column PDF below text (text, pdf): {worse}"
