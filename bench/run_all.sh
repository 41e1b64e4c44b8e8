#!/usr/bin/env bash
# The whole HTTP benchmark (`make bench`): wrk installed if missing, 1M referrals loaded once into
# refloop_bench, then create/read/list (and FHIR conditional create) against the bare ceiling.
# Extra arguments go to bench/http_bench.py, e.g. `bench/run_all.sh --rounds 5`.
# BENCH_PROFILE=1 also samples GET by id and the filtered list with py-spy;
# BENCH_OUTREACH=0 skips the outreach throughput bench (bench/outreach_throughput.py).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python

if ! command -v wrk >/dev/null 2>&1; then
  echo "wrk not found: installing it with apt-get"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq wrk
fi
if [ ! -x .venv/bin/py-spy ] || ! $PY -c "import orjson" 2>/dev/null; then
  .venv/bin/pip install -q -e '.[test,bench]'   # the `bench` extra, when run without make
fi

$PY bench/load_referrals.py
$PY bench/http_bench.py "$@"

if [ "${BENCH_PROFILE:-0}" = "1" ]; then
  $PY bench/pyspy_profile.py --path read
  $PY bench/pyspy_profile.py --path list_filtered
fi

if [ "${BENCH_OUTREACH:-1}" = "1" ] && [ -f bench/outreach_throughput.py ]; then
  # Its own figures and ratios; a failure there must not hide the HTTP table above.
  $PY -m bench.outreach_throughput || echo "outreach throughput bench failed (see above)"
fi
