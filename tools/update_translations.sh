#!/usr/bin/env bash
# Bring the catalogues up to date with the code: extract, update, fill the Chinese from
# tools/fill_zh.py, compile. Prints any message still without its Chinese (exit 1 then).
# Serialised with flock, so two people running it at once do not interleave their writes.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
exec 9>/tmp/ledger-translations.lock
flock 9
$BIN/pybabel extract -F babel.cfg -o translations/messages.pot . >/dev/null 2>&1
$BIN/pybabel update --no-fuzzy-matching -i translations/messages.pot -d translations >/dev/null 2>&1
status=0
$BIN/python tools/fill_zh.py || status=$?
$BIN/pybabel compile -d translations >/dev/null 2>&1 || true
exit $status
