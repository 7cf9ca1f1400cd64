#!/usr/bin/env bash
# Debian packages the app and the tests need: chromium for the browser tests (Playwright drives it;
# never `playwright install`), a CJK font so Chinese renders in screenshots and PDFs (WenQuanYi Zen Hei,
# whose monospaced face sets the PDF journal), Pango for WeasyPrint's PDFs, and openssl (a publication's
# verify.py checks signatures with it where the cryptography package is absent).
set -euo pipefail
# `--runtime`: only what the app itself needs (the PDFs' font and Pango), for `make run`.
missing=()
[ "${1:-}" = "--runtime" ] || command -v chromium >/dev/null || missing+=(chromium)
fc-list 2>/dev/null | grep -qi "wenquanyi zen hei" || missing+=(fonts-wqy-zenhei)
command -v openssl >/dev/null || missing+=(openssl)
ldconfig -p 2>/dev/null | grep -q "libpangoft2-1.0.so.0" || missing+=(libpango-1.0-0 libpangoft2-1.0-0)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "needs root to install: ${missing[*]} (sudo apt-get install ${missing[*]})" >&2
  exit 1
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" fontconfig >/dev/null
