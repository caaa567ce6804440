#!/usr/bin/env bash
# tests/gates/eval.sh BUILD_DIR - the matching quality gate: run
# `careerbot kb eval` on the bundled knowledge and every eval set.
#
# The classifier trains on the knowledge only (entries' questions and
# alternates, knowledge/out-of-scope.txt, knowledge/examples/); no eval
# question is a training example (kb eval refuses one copied from an
# alternate, an out-of-scope line or an example), so these are held-out
# figures, not in-sample ones (93.6 / 0.4 / 99.7 / 99.2 since examples/
# gained forum1 and chat20, 2026-12-08; 92.2 / 0.4 / 99.7 / 99.2 since the
# chat check sets became examples, 2026-12-07). Thresholds:
# answered-correct >= 86%, wrong <= 2%, out-of-scope abstained >= 96%,
# right or one click away >= 96% (measured 88.5 / 0.9 / 98.6 / 98.1 since
# training visits examples in an order drawn from each one's text; 90.1 /
# 1.0 / 98.3 / 98.3 with the lexical evidence and a positional shuffle,
# under which any knowledge edit reordered training and moved
# answered-correct by up to a point, hence its wider margin; 80.4 / 1.8 /
# 98.3 / 92.8 the day the classifier landed; the gold labels were written
# for the first 46 entries). $CB_BOT is set by tests/run.sh.
set -euo pipefail
B=${1:-build}
BOT=${CB_BOT:-$B/san/careerbot}
shopt -s nullglob
files=(tests/eval/*.jsonl)
if [ ${#files[@]} -eq 0 ]; then
  echo "no eval files in tests/eval"; exit 1
fi
exec "$BOT" kb eval --kb knowledge --min-correct 0.86 --max-wrong 0.02 --min-abstain 0.96 \
  --min-oneclick 0.96 "${files[@]}"
