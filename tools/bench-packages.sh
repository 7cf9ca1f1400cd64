#!/usr/bin/env bash
# Debian packages the benchmarks need: wrk, the HTTP load generator of tests/bench/test_bench_public_site.py.
set -euo pipefail
command -v wrk >/dev/null && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "needs root to install: wrk (sudo apt-get install wrk)" >&2
  exit 1
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wrk >/dev/null
