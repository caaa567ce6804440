#!/usr/bin/env bash
# bench/bench_startup.sh - start-up figures: `careerbot ask` on empty input
# (load the knowledge, build the index, get the model, exit) on the bundled
# knowledge, first with no model cache (it trains), then reading the model
# it wrote (the usual start: nothing changed since the last run). Prints
# the median wall time and CPU time (user + sys) of each, and their peak RSS.
# Target: <= 50 ms with the cache. Not a test: it never fails on a figure.
# Usage: bash bench/bench_startup.sh [BUILD_DIR] [RUNS]
set -u
B=${1:-build}
RUNS=${2:-7}
KB=${CAREERBOT_KB:-knowledge}
[ -x "$B/careerbot" ] || { echo "bench_startup: build $B/careerbot first" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 - "$B/careerbot" "$KB" "$tmp/cache" "$RUNS" <<'EOF'
import os, statistics, subprocess, sys, time
bot, kb, cache, runs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])

def once(cache_dir):
    env = dict(os.environ, CAREERBOT_KNOWLEDGE_CACHE_DIR=cache_dir, CAREERBOT_KB="")
    t0 = time.monotonic()
    p = subprocess.Popen([bot, "ask", "--kb", kb], stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, env=env)
    _, status, ru = os.wait4(p.pid, 0)
    wall = (time.monotonic() - t0) * 1000
    if status != 0:
        sys.exit(f"bench_startup: ask exited with status {status}")
    return wall, (ru.ru_utime + ru.ru_stime) * 1000, ru.ru_maxrss / 1024

def report(name, samples):
    wall = statistics.median(s[0] for s in samples)
    cpu = statistics.median(s[1] for s in samples)
    rss = max(s[2] for s in samples)
    print(f"startup {name:<22} median of {len(samples)}: wall {wall:6.1f} ms, cpu {cpu:6.1f} ms, "
          f"peak RSS {rss:.1f} MB")

report("training (cache off)", [once("off") for _ in range(max(1, runs // 3))])
once(cache)  # writes the model
hits = [once(cache) for _ in range(runs)]
report("model from the cache", hits)
print(f"startup target <= 50 ms with the cache; load average {os.getloadavg()[0]:.2f}")
EOF
