#!/usr/bin/env bash
# bench/bench_reload.sh - how long a knowledge reload blocks the running
# bot's loop. The bot runs on a knowledge folder (console transport, its
# input a pipe); a probe writes "hi" (a chit-chat reply, answered on the
# loop) every 10 ms and records how long each reply took to come; the
# bot is sent SIGHUP (a reload of an unchanged knowledge: files read and
# indexed again, the models read from the cache) and the probe runs until
# the new knowledge is live. Prints the reload's wall and CPU time, the probe's
# slowest answers (the loop blocked at most that long, within ~10 ms) and
# what the bot logged (slices, the longest slice in wall and in CPU time:
# on a loaded machine the wall time counts the time other processes held
# the core too). Run once per folder given.
# Not a test: it never fails on a figure.
# Usage: bash bench/bench_reload.sh BUILD_DIR KB_DIR...
set -u
B=${1:-build}
shift
[ -x "$B/careerbot" ] || { echo "bench_reload: build $B/careerbot first" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for kb in "$@"; do
python3 - "$B/careerbot" "$kb" "$tmp" <<'EOF'
import os, re, select, signal, subprocess, sys, threading, time
bot, kb, tmp = sys.argv[1], sys.argv[2], sys.argv[3]
err = open(f"{tmp}/bot.err", "w+")
env = dict(os.environ, CAREERBOT_KNOWLEDGE_CACHE_DIR=f"{tmp}/cache", CAREERBOT_KB="",
           CAREERBOT_LOG_LEVEL="info", CAREERBOT_CONFIG="", SLACK_APP_TOKEN="",
           SLACK_BOT_TOKEN="", DISCORD_TOKEN="")
p = subprocess.Popen([bot, "run", "--console", "--kb", kb], stdin=subprocess.PIPE,
                     stdout=subprocess.PIPE, stderr=err, env=env, bufsize=0)

def log():
    err.flush()
    with open(f"{tmp}/bot.err") as f:
        return f.read()

def cpu_ms():
    """The bot's CPU time so far (user + system), from /proc."""
    with open(f"/proc/{p.pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")

def wait_for(text, seconds):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if text in log():
            return True
        if p.poll() is not None:
            return False
        time.sleep(0.05)
    return False

def livez():
    """One "hi" answered: ms until its reply's first bytes (None: no reply in 5 min)."""
    t0 = time.monotonic()
    p.stdin.write(b"hi\n")
    r, _, _ = select.select([p.stdout], [], [], 300)
    if not r or not os.read(p.stdout.fileno(), 65536):
        return None
    return (time.monotonic() - t0) * 1000

try:
    up = wait_for("generation=1", 600)
    for _ in range(100):
        if not up or livez() is not None:
            break
        time.sleep(0.1)
    if not up or livez() is None:
        sys.exit(f"bench_reload: the bot did not start on {kb}")
    lat, stop = [], threading.Event()
    def probe():
        while not stop.is_set():
            ms = livez()
            if ms is not None:
                lat.append(ms)
            time.sleep(0.01)
    t = threading.Thread(target=probe)
    t.start()
    time.sleep(0.5)
    t0, c0 = time.monotonic(), cpu_ms()
    os.kill(p.pid, signal.SIGHUP)
    ok = wait_for("generation=2", 600)
    wall, cpu = time.monotonic() - t0, (cpu_ms() - c0) / 1000
    time.sleep(0.5)
    stop.set()
    t.join()
    line = next((l for l in log().splitlines() if "generation=2" in l), "")
    extra = " ".join(re.findall(r'(?:entries|slices|longest_slice_ms|longest_slice_cpu_ms|swap_ms|'
                                r'swap_cpu_ms|ms)=[0-9.]+|longest_slice_in=(?:"[^"]*"|\S+)', line))
    lat.sort()
    p99 = lat[int(0.99 * (len(lat) - 1))] if lat else 0
    print(f"reload {kb}: {'' if ok else 'NOT DONE '}wall {wall:.1f} s, bot CPU {cpu:.1f} s; replies during it: "
          f"{len(lat)} answers, slowest {lat[-1] if lat else 0:.0f} ms, p99 {p99:.0f} ms; "
          f"bot: {extra}; load {os.getloadavg()[0]:.2f}")
finally:
    p.terminate()
    try:
        p.wait(30)
    except subprocess.TimeoutExpired:
        p.kill()
EOF
done
