"""Whether OCR can run on this machine (the engine loads: onnxruntime and OpenCV's system libraries are there), for
tests that need it to skip with a reason instead of failing on a machine without them."""

from __future__ import annotations

import functools

import pytest


@functools.cache
def ocr_works() -> bool:
    try:
        from pipeline.ingest.ocr import ocr_engine

        ocr_engine()
    except Exception:  # OcrUnavailable, or an import error of a native library
        return False
    return True


def needs_ocr(test):  # type: ignore[no-untyped-def]
    """Skip ``test`` when the OCR engine cannot load here (checked when the test runs, not at collection)."""

    @functools.wraps(test)
    def run(*args, **kwargs):  # type: ignore[no-untyped-def]
        if not ocr_works():
            pytest.skip("OCR engine unavailable on this machine (rapidocr-onnxruntime, OpenCV's libGL)")
        return test(*args, **kwargs)

    return run
