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

# ---- reload stall (bench/bench_reload.sh) ----
echo
echo "== reload stall (the running bot's loop during a SIGHUP reload; generated knowledge on disk) =="
rtmp=$(mktemp -d)
for n in 10000 100000; do
  "$B/rel/bench_engine" csv "$n" "$rtmp/kb$n.csv" >/dev/null &&
    "$B/careerbot" kb import "$rtmp/kb$n.csv" --out "$rtmp/kb$n" >/dev/null
done
bash bench/bench_reload.sh "$B" "$rtmp/kb10000" "$rtmp/kb100000"
rm -rf "$rtmp"

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
