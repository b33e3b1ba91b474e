"""Throughput: ingest (PDF pages/s, text MB/s) and extraction on normalized text (MB/s); no printing."""

from __future__ import annotations

import re
import time
from pathlib import Path

from pipeline.config import Config
from pipeline.ingest import load_document

_TEXT_SUFFIXES = {".txt", ".md", ".html", ".htm"}


def default_bench_inputs(shared_dir: Path) -> tuple[list[Path], list[Path]]:
    """The shared real PDFs and plain texts (``external/pdfs`` and ``external/corpus``), sorted."""
    ext = Path(shared_dir) / "external"
    pdfs = sorted((ext / "pdfs").rglob("*.pdf")) if (ext / "pdfs").is_dir() else []
    texts = (
        sorted(p for p in (ext / "corpus").rglob("*") if p.is_file() and p.suffix.lower() in _TEXT_SUFFIXES)
        if (ext / "corpus").is_dir()
        else []
    )
    return pdfs, texts


def _timed_load(paths: list[Path], config: Config, size_key: str) -> tuple[float, float, int, int]:
    """(wall seconds, CPU seconds, summed ``meta[size_key]``, failures) of loading every path once."""
    t0, c0 = time.perf_counter(), time.process_time()
    size = failed = 0
    for p in paths:
        doc = load_document(Path(p), Path(p).parent, config)
        size += int(doc.meta.get(size_key, 0))
        failed += doc.status == "failed"
    return time.perf_counter() - t0, time.process_time() - c0, size, failed


def _timed_plumber(paths: list[Path]) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds, pages) of plain pdfplumber over the PDFs: ``page.extract_text()`` on every
    page, no layout analysis, no tables: the yardstick for our PDF ingest."""
    import pdfplumber

    t0, c0 = time.perf_counter(), time.process_time()
    pages = 0
    for p in paths:
        try:
            with pdfplumber.open(p) as pdf:
                for page in pdf.pages:
                    page.extract_text()
                    page.flush_cache()
                    pages += 1
        except Exception:  # a file plain pdfplumber cannot read counts no pages (ours may still read it)
            continue
    return time.perf_counter() - t0, time.process_time() - c0, pages


def _rate(n: float, seconds: float) -> float:
    return n / seconds if seconds > 0 and n else 0.0


def bench_ingest(
    pdf_paths: list[Path], text_paths: list[Path], repeat: int = 1, plumber: bool = True
) -> dict[str, float]:
    """Time ``load_document`` over the inputs ``repeat`` times; best of the repeats per group.

    PDFs are read as text-layer PDFs (OCR off: ``bench_ocr`` times OCR apart). With ``plumber``, plain pdfplumber
    (``page.extract_text()``) reads the same PDFs in the same run, each repeat right after ours, so the
    ratio compares like with like on a busy machine. Rates per second of wall time (``*_per_s``) and per second
    of this process's CPU time (``*_per_cpu_s``: pages/s per core); ``pdf_vs_plumber`` is the ratio of the CPU
    rates. Also the counts behind the rates and failures.
    """
    config = Config(max_file_mb=1e6, ocr=False)
    repeat = max(1, repeat)
    inf = float("inf")
    pdf_wall = pdf_cpu = text_wall = pl_wall = pl_cpu = inf
    pages = text_bytes = failed = pl_pages = 0
    for _ in range(repeat):
        wall, cpu, pages, bad = _timed_load(pdf_paths, config, "pages")
        pdf_wall, pdf_cpu, failed = min(pdf_wall, wall), min(pdf_cpu, cpu), failed + bad
        if plumber and pdf_paths:
            wall, cpu, pl_pages = _timed_plumber(pdf_paths)
            pl_wall, pl_cpu = min(pl_wall, wall), min(pl_cpu, cpu)
        wall, _cpu, text_bytes, bad = _timed_load(text_paths, config, "bytes")
        text_wall, failed = min(text_wall, wall), failed + bad
    mb = text_bytes / 1_048_576
    ours = _rate(pages, pdf_cpu)
    plain = _rate(pl_pages, pl_cpu)
    out = {
        "pdf_files": float(len(pdf_paths)),
        "pdf_pages": float(pages),
        "pdf_seconds": pdf_wall,
        "pdf_pages_per_s": _rate(pages, pdf_wall),
        "pdf_pages_per_cpu_s": ours,
    }
    if plumber:
        out |= {
            "plumber_pages": float(pl_pages),
            "plumber_pages_per_s": _rate(pl_pages, pl_wall),
            "plumber_pages_per_cpu_s": plain,
            "pdf_vs_plumber": ours / plain if plain else 0.0,
        }
    return out | {
        "text_files": float(len(text_paths)),
        "text_mb": mb,
        "text_seconds": text_wall,
        "text_mb_per_s": _rate(mb, text_wall),
        "failed": float(failed) / repeat,
    }


def bench_extract(shared_dir: Path, models_dir: Path, mb: float = 1.0) -> dict[str, float]:
    """Extraction MB/s on normalized text: places, figures and measures over the first ``mb`` MB of the
    government-work-report corpus, cut into report-sized documents. Normalization is timed apart."""
    from pipeline.extract.figures import extract_figures
    from pipeline.extract.measures import extract_measures
    from pipeline.extract.places import extract_places
    from pipeline.model import Document
    from pipeline.normalize import normalize
    from pipeline.resources import Resources
    from pipeline.structure import structure

    src = Path(shared_dir) / "external" / "corpus" / "gov_reports1954-2022.txt"
    lines = src.read_text(encoding="utf-8").splitlines()
    budget = int(mb * 1_000_000)
    docs: list[Document] = []
    used = 0
    for i, line in enumerate(lines):
        text = line.split("\t", 1)[-1].replace("\t", "\n")
        for j in range(0, len(text), 8000):  # county reports are a few thousand characters
            chunk = text[j : j + 8000]
            docs.append(Document(f"bench/{i}_{j}", src.name, "txt", raw_text=chunk))
            used += len(chunk.encode("utf-8"))
            if used >= budget:
                break
        if used >= budget:
            break
    res = Resources.load(models_dir)
    t0 = time.perf_counter()
    prepared = [structure(normalize(d)) for d in docs]
    t_norm = time.perf_counter() - t0
    counts = {"places": 0, "figures": 0, "measures": 0}
    warm = prepared[0]  # first use loads jieba's dictionaries: a one-off cost per process, not throughput
    extract_places(warm, res.gazetteer)
    extract_figures(warm)
    extract_measures(warm, res.program_filter)
    t0 = time.perf_counter()
    for d in prepared:
        counts["places"] += len(extract_places(d, res.gazetteer))
        counts["figures"] += len(extract_figures(d))
        counts["measures"] += len(extract_measures(d, res.program_filter))
    t_ext = time.perf_counter() - t0
    mbytes = used / 1_000_000
    return {
        "text_mb": round(mbytes, 3),
        "documents": float(len(docs)),
        "normalize_mb_per_s": mbytes / t_norm if t_norm else 0.0,
        "extract_mb_per_s": mbytes / t_ext if t_ext else 0.0,
        "extract_seconds": t_ext,
        **{k: float(v) for k, v in counts.items()},
    }


def image_only_pdf(data: bytes, n_pages: int, scale: float = 2.0) -> tuple[bytes, list[str]]:
    """The first ``n_pages`` of a PDF as a scanner would give them (page images at 72 x ``scale`` dpi, no text
    layer), and each page's text-layer text (PDFium) to score the OCR against."""
    import io

    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)
    images, texts = [], []
    try:
        for i in range(min(n_pages, len(pdf))):
            page = pdf[i]
            images.append(page.render(scale=scale).to_pil().convert("L"))
            textpage = page.get_textpage()
            texts.append(textpage.get_text_bounded())
            textpage.close()
            page.close()
    finally:
        pdf.close()
    buf = io.BytesIO()
    if images:
        images[0].save(buf, "PDF", save_all=True, append_images=images[1:], resolution=72.0 * scale)
    return buf.getvalue(), texts


_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def bench_ocr(pdf_paths: list[Path], pages_per_file: int = 2, max_files: int = 3) -> dict[str, float]:
    """OCR throughput and quality on scans made from real text PDFs: the first pages of a few files rendered to
    images (no text layer), read back by OCR. ``ocr_number_recall``: share of the numbers in the pages' text
    layer (as a multiset) that the OCR text has too."""
    from collections import Counter

    from pipeline.ingest.pdf import extract_pdf

    pages = 0
    seconds = found = total = 0.0
    scores: list[float] = []
    for p in pdf_paths[:max_files]:
        scan, texts = image_only_pdf(Path(p).read_bytes(), pages_per_file)
        if not scan:
            continue
        t0 = time.perf_counter()
        res = extract_pdf(scan, min_chars=5, ocr=True)
        seconds += time.perf_counter() - t0
        pages += res.n_pages
        if res.ocr_pages:
            scores.append(res.ocr_confidence)
        want = Counter(_NUMBER.findall(re.sub(r"(?<=\d),(?=\d{3})", "", "".join(texts))))
        got = Counter(_NUMBER.findall(re.sub(r"(?<=\d),(?=\d{3})", "", res.raw_text)))
        total += sum(want.values())
        found += sum((want & got).values())
    return {
        "ocr_pages": float(pages),
        "ocr_seconds": seconds,
        "ocr_pages_per_s": pages / seconds if seconds > 0 and pages else 0.0,
        "ocr_confidence": sum(scores) / len(scores) if scores else 0.0,
        "ocr_number_recall": found / total if total else 0.0,
    }
