#!/usr/bin/env bash
# What benchmarks/batch_bench.py and pdf_bench.py compare against: OCRmyPDF (in its own venv, .venv-bench,
# so its pins never touch sohoa's) with ghostscript (PDF/A) and unpaper (--clean).
# pngquant: what OCRmyPDF --optimize 2/3 uses for PNG-like images (pdf_bench.py).
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
for pkg in ghostscript unpaper tesseract-ocr-osd pngquant; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
fi
[ -x .venv-bench/bin/ocrmypdf ] || { python3 -m venv .venv-bench && .venv-bench/bin/pip install -q ocrmypdf; }
.venv-bench/bin/ocrmypdf --version
