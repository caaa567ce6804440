#!/usr/bin/env bash
# bench/run.sh BUILD_DIR - print the performance figures (`make bench`):
# the matcher on the bundled and generated knowledge, start-up, the
# transports against the fakes (on the bundled knowledge) and the history. Not a test: it never
# fails on slow figures, it reports them.
set -euo pipefail
B=${1:-build}
echo "== engine (build/rel/bench_engine) =="
"$B/rel/bench_engine" knowledge

# ---- start-up (bench/bench_startup.sh) ----
echo
echo "== start-up (careerbot ask on empty input, bundled knowledge; trained, then model from the cache) =="
bash bench/bench_startup.sh "$B"

# ---- Discord (bench/bench_discord.sh) ----
echo
echo "== discord (release bot vs the optimized fake Discord on loopback) =="
bash bench/bench_discord.sh "$B"

# ---- Slack (bench/bench_slack.sh) ----
echo
echo "== slack (release bot vs the optimized fake Slack on loopback) =="
bash bench/bench_slack.sh "$B"

# ---- history (bench/bench_history.c) ----
echo
echo "== history (SQLite: rows/s while the loop runs, longest commit stall, report over 1M rows) =="
"$B/rel/bench_history" 100000 1000000
