#!/usr/bin/env bash
# Install the Debian packages sohoa needs (Tesseract + Vietnamese, poppler, qpdf,
# the Vietnamese syllable list, fonts with Vietnamese glyphs). Skips what is present.
set -euo pipefail

PACKAGES=(
  tesseract-ocr tesseract-ocr-vie   # OCR engine + Vietnamese model
  poppler-utils                     # pdftoppm (rasterise), pdftotext/pdfsig (checks)
  qpdf                              # PDF structure checks
  hunspell-vi                       # Vietnamese syllable list for diacritic repair
  unicode-data                      # Unihan readings: the family-name list's rebuild check
  fonts-liberation2 fonts-noto-core fonts-dejavu-core  # Vietnamese glyphs for test scans
  libnss3-tools                     # certutil: NSS trust store for pdfsig in signature tests
  softhsm2                          # software PKCS#11 token for the token-signing test
  python3-venv
  chromium                          # headless browser for the web end-to-end test
  wrk                               # HTTP load generator for the web benchmark
  unpaper                           # OCRmyPDF --clean, the OCR benchmark's peer
  jbig2dec                          # a second JBIG2 decoder: tests check our encoder with it
)

missing=()
for pkg in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages: all present" >&2
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  SUDO="sudo"
fi
echo "installing: ${missing[*]}" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
