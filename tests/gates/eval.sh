#!/usr/bin/env bash
# tests/gates/eval.sh BUILD_DIR - the matching quality gate: run
# `careerbot kb eval` on the bundled knowledge and every eval set, with the
# product's thresholds (answered-correct >= 90%, wrong <= 3%, out-of-scope
# abstained >= 95%). It also fails when an eval question is copied from an
# entry's question or alternates. $CB_BOT is set by tests/run.sh.
set -euo pipefail
B=${1:-build}
BOT=${CB_BOT:-$B/san/careerbot}
shopt -s nullglob
files=(tests/eval/*.jsonl)
if [ ${#files[@]} -eq 0 ]; then
  echo "no eval files in tests/eval"; exit 1
fi
exec "$BOT" kb eval --kb knowledge --min-correct 0.90 --max-wrong 0.03 --min-abstain 0.95 "${files[@]}"
