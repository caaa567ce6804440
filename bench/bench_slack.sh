#!/usr/bin/env bash
# bench/bench_slack.sh - Slack transport figures on loopback: the release
# bot (BUILD/careerbot) against the fake Slack (BUILD/san/fake_slack).
#   latency:    mentions at a fixed rate; p50/p99 from the fake sending the
#               envelope to the fake receiving the chat.postMessage reply
#   throughput: a burst sent as fast as the socket takes it; answered/s
#   memory:     the bot's peak RSS (VmHWM) over both phases, and its RSS
#               once the burst was answered
# Targets: >= 2000 answered mentions/s, p99 < 20 ms, RSS < 30 MB.
# Usage: bash bench/bench_slack.sh [BUILD_DIR]   (env: SLACK_BENCH_RATE,
#   SLACK_BENCH_SECONDS, SLACK_BENCH_BURST, CAREERBOT_KB)
# Prints figures; exits 1 only if something did not run (not on a target).
set -u
B=${1:-build}
RATE=${SLACK_BENCH_RATE:-2000}
SECS=${SLACK_BENCH_SECONDS:-5}
BURST=${SLACK_BENCH_BURST:-20000}
KB=${CAREERBOT_KB:-knowledge} # the bundled knowledge: its answers are what is rendered
BENCH_NAME=bench_slack
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"

# Wait (<= $2 s) until the fake has answered every sent event; print stats.
wait_replies() {
  local deadline=$((SECONDS + $1)) st sent replied left
  while :; do
    st=$(ctl '{"cmd":"stats"}')
    sent=$(echo "$st" | field sent); replied=$(echo "$st" | field replied)
    left=$(echo "$st" | field burst_left)
    if [ "$left" = 0 ] && [ "$sent" -gt 0 ] && [ "$replied" -ge "$sent" ]; then break; fi
    [ $SECONDS -ge $deadline ] && break
    sleep 0.2
  done
  echo "$st"
}

# An optimized fake measures the bot; the ASan one (what `make` builds) is
# itself the bottleneck above ~1500 events/s on a small machine.
FAKE=$B/rel/fake_slack
[ -x "$FAKE" ] || FAKE=$B/san/fake_slack
if [ ! -x "$FAKE" ] || [ ! -x "$B/careerbot" ]; then
  die "build $B/careerbot and $B/san/fake_slack first"
fi
start_fake "$FAKE" 0 600
warm_model "$B/careerbot" "$KB"

SLACK_API_URL="http://127.0.0.1:$port/api/" SLACK_APP_TOKEN="xapp-1-A0BENCH-1-benchtoken" \
SLACK_BOT_TOKEN="xoxb-1-2-benchtoken" CAREERBOT_KB="$KB" CAREERBOT_HEALTH_LISTEN=off \
CAREERBOT_HISTORY_PATH="$tmp/history.db" CAREERBOT_LOG_LEVEL=warn CAREERBOT_CONFIG='' DISCORD_TOKEN='' \
CAREERBOT_LIMITS_USER_COOLDOWN=0 \
  "$B/careerbot" run >"$tmp/bot.out" 2>"$tmp/bot.err" &
bot_pid=$!
for _ in $(seq 100); do curl -s "http://127.0.0.1:$port/_log" | grep -q '"ws_open"' && break; sleep 0.1; done
sleep 0.3 # hello
kill -0 "$bot_pid" 2>/dev/null || die "the bot exited: $(tail -n 5 "$tmp/bot.err")"
# The bot's CPU so far (user, system ticks): its start-up (loading the
# knowledge and the model, connecting), which is not a reply's cost.
read -r user0 sys0 < <(awk '{print $14, $15}' "/proc/$bot_pid/stat")

# Warm-up (with the fake's checks on), then lean mode and latency at a fixed rate.
ctl '{"cmd":"burst","n":200,"rate":1000}' >/dev/null
wait_replies 10 >/dev/null
viol_warm=$(ctl '{"cmd":"stats"}' | field violations)
ctl '{"cmd":"lean","on":true}' >/dev/null
ctl '{"cmd":"reset_stats"}' >/dev/null
ctl "{\"cmd\":\"burst\",\"n\":$((RATE * SECS)),\"rate\":$RATE}" >/dev/null
st=$(wait_replies $((SECS + 30)))
lat_sent=$(echo "$st" | field sent); lat_replied=$(echo "$st" | field replied)
p50=$(echo "$st" | field p50_ms); p99=$(echo "$st" | field p99_ms); pmax=$(echo "$st" | field max_ms)

# Throughput: everything at once.
ctl '{"cmd":"reset_stats"}' >/dev/null
ctl "{\"cmd\":\"burst\",\"n\":$BURST,\"rate\":0}" >/dev/null
st=$(wait_replies 120)
tp_replied=$(echo "$st" | field replied); tp_ms=$(echo "$st" | field elapsed_ms)
tp_p99=$(echo "$st" | field p99_ms)
violations=$viol_warm; max_ack=$(echo "$st" | field max_ack_ms)

hwm_kb=$(awk '/VmHWM/ {print $2}' "/proc/$bot_pid/status" 2>/dev/null)
rss_kb=$(awk '/VmRSS/ {print $2}' "/proc/$bot_pid/status" 2>/dev/null)
# The bot's CPU time (user+sys) per answered mention from its hello to the
# last reply (start-up left out; the warm-up's 200 mentions counted):
# a figure that depends less on how busy the machine (or the fake) is.
read -r user1 sys1 < <(awk '{print $14, $15}' "/proc/$bot_pid/stat" 2>/dev/null)
hz=$(getconf CLK_TCK)
answered=$((lat_replied + tp_replied + 200))
python3 - "$RATE" "$lat_sent" "$lat_replied" "$p50" "$p99" "$pmax" "$tp_replied" "$tp_ms" "$tp_p99" \
  "${hwm_kb:-0}" "$violations" "$max_ack" "$(cut -d' ' -f1 /proc/loadavg)" "$FAKE" "${rss_kb:-0}" \
  "$((${user1:-0} - user0))" "$((${sys1:-0} - sys0))" "$hz" "$answered" "$((user0 + sys0))" <<'EOF'
import sys
(rate, sent, replied, p50, p99, pmax, tp_n, tp_ms, tp_p99, hwm, viol, max_ack, load, fake,
 rss, user, system, hz, answered, start) = sys.argv[1:]
per = lambda ticks: int(ticks) / int(hz) * 1e6 / max(int(answered), 1)
cpu_us = f"{per(int(user) + int(system)):.0f}"
tp = float(tp_n) / (float(tp_ms) / 1000) if float(tp_ms) > 0 else 0
mark = lambda ok: "ok" if ok else "MISSED"
print(f"slack latency    {rate}/s for {sent} mentions ({replied} answered): "
      f"p50 {float(p50):.2f} ms, p99 {float(p99):.2f} ms, max {float(pmax):.2f} ms "
      f"[target p99 < 20 ms: {mark(float(p99) < 20 and replied == sent)}]")
print(f"slack throughput {tp_n} mentions in {float(tp_ms)/1000:.2f} s = {tp:.0f} answered/s "
      f"(p99 under overload {float(tp_p99):.1f} ms) [target >= 2000/s: {mark(tp >= 2000)}]")
print(f"slack memory     bot peak RSS {int(hwm)/1024:.1f} MB, {int(rss)/1024:.1f} MB once the burst was answered "
      f"[target < 30 MB: {mark(int(hwm) < 30*1024)}]")
print(f"slack cpu        {cpu_us} us of bot CPU per answered mention (user {per(user):.0f}, system "
      f"{per(system):.0f}; = {1e6 / max(float(cpu_us), 1):.0f} mentions/s per core; start-up "
      f"{int(start) * 1000 // int(hz)} ms not counted); load average {load}")
print(f"slack checks     fake violations during warm-up {viol}, slowest ack {float(max_ack):.1f} ms, fake {fake}")
EOF
