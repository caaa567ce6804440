#!/usr/bin/env bash
# tests/gates/fuzz.sh BUILD_DIR - a short fuzz run of every parser target,
# so the targets keep building and the corpora keep passing (`make fuzz`
# runs them longer).
set -euo pipefail
exec bash tests/fuzz/run.sh "${1:-build}" "${FUZZ_GATE_SECONDS:-5}"
