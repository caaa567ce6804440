#!/usr/bin/env bash
# bench/bench_discord.sh - Discord transport figures on loopback: the release
# bot (BUILD/careerbot run) against the optimized fake Discord
# (BUILD/rel/fake_discord), measured from outside like bench_slack.sh.
#   latency:      mentions paced by the clock at a fixed rate over 50
#                 channels (Discord's buckets are per channel); p50/p99 from
#                 the fake sending MESSAGE_CREATE to the fake receiving the
#                 POST /channels/ID/messages reply
#   throughput:   a burst offered as fast as the gateway socket takes it;
#                 answered/s
#   autocomplete: paced autocomplete interactions; dispatch -> type 8
#                 callback at the fake, p50/p99
#   memory:       the bot's peak RSS (VmHWM) over all phases
# Targets: >= 2000 answered messages/s, p99 < 20 ms, autocomplete p99 < 2 ms,
# RSS < 30 MB.
# Usage: bash bench/bench_discord.sh [BUILD_DIR]   (env: DISCORD_BENCH_RATE,
#   DISCORD_BENCH_SECONDS, DISCORD_BENCH_BURST, DISCORD_BENCH_CHANNELS,
#   CAREERBOT_KB)
# Prints figures; exits 1 only if something did not run (not on a target).
set -u
B=${1:-build}
RATE=${DISCORD_BENCH_RATE:-2000}
SECS=${DISCORD_BENCH_SECONDS:-5}
BURST=${DISCORD_BENCH_BURST:-20000}
CHANS=${DISCORD_BENCH_CHANNELS:-50}
KB=${CAREERBOT_KB:-knowledge} # the bundled knowledge: its answers are what is rendered
TOKEN=bench-discord-token
CONTENT='<@100000000000000001> should I learn django or flask?'
BENCH_NAME=bench_discord
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"

# Offer a burst ($1: JSON fields) and wait (<= $2 s) until every dispatch
# was answered; print the final stats.
run_burst() {
  local deadline=$((SECONDS + $2)) st sent replied left
  ctl "{\"cmd\":\"burst\",$1}" >/dev/null
  while :; do
    sleep 0.2
    st=$(ctl '{"cmd":"stats"}')
    sent=$(echo "$st" | field sent); replied=$(echo "$st" | field replies)
    left=$(echo "$st" | field burst_left)
    if [ "$left" = 0 ] && [ "$sent" -gt 0 ] && [ "$replied" -ge "$sent" ]; then break; fi
    [ $SECONDS -ge $deadline ] && break
  done
  echo "$st"
}

FAKE=$B/rel/fake_discord
[ -x "$FAKE" ] || FAKE=$B/san/fake_discord
if [ ! -x "$FAKE" ] || [ ! -x "$B/careerbot" ]; then
  die "build $B/careerbot and $B/rel/fake_discord first"
fi
start_fake "$FAKE" --port 0 --token "$TOKEN" --heartbeat 30000 --seconds 600
warm_model "$B/careerbot" "$KB"

DISCORD_API_URL="http://127.0.0.1:$port/api/v10" DISCORD_TOKEN="$TOKEN" SLACK_APP_TOKEN='' SLACK_BOT_TOKEN='' \
CAREERBOT_KB="$KB" CAREERBOT_HEALTH_LISTEN=off CAREERBOT_HISTORY_PATH="$tmp/history.db" \
CAREERBOT_LOG_LEVEL=warn CAREERBOT_CONFIG='' CAREERBOT_LIMITS_USER_COOLDOWN=0 \
  "$B/careerbot" run >"$tmp/bot.out" 2>"$tmp/bot.err" &
bot_pid=$!
for _ in $(seq 100); do
  [ "$(ctl '{"cmd":"stats"}' | field identifies)" -ge 1 ] 2>/dev/null && break
  sleep 0.1
done
sleep 0.3 # READY
kill -0 "$bot_pid" 2>/dev/null || die "the bot exited: $(tail -n 5 "$tmp/bot.err")"
ch="\"channels\":$CHANS,\"content\":\"$CONTENT\""

# Warm-up (the fake checks every payload), then latency at a fixed rate.
st=$(run_burst "\"n\":200,\"rate\":1000,$ch" 20)
viol_warm=$(echo "$st" | field violations)
lat=$(run_burst "\"n\":$((RATE * SECS)),\"rate\":$RATE,$ch" $((SECS + 30)))
# Throughput: everything at once.
tp=$(run_burst "\"n\":$BURST,\"rate\":0,\"per_tick\":400,$ch" 120)
# Autocomplete end to end, paced.
ac=$(run_burst "\"n\":2000,\"rate\":500,\"kind\":\"autocomplete\",\"channels\":$CHANS" 30)

hwm_kb=$(awk '/VmHWM/ {print $2}' "/proc/$bot_pid/status" 2>/dev/null)
ticks=$(awk '{print $14 + $15}' "/proc/$bot_pid/stat" 2>/dev/null)
kill -0 "$bot_pid" 2>/dev/null || die "the bot died: $(tail -n 5 "$tmp/bot.err")"
python3 - "$RATE" "$lat" "$tp" "$ac" "${hwm_kb:-0}" "$viol_warm" "${ticks:-0}" "$(getconf CLK_TCK)" \
  "$(cut -d' ' -f1 /proc/loadavg)" "$FAKE" "$CHANS" <<'PY'
import json, sys
rate, lat, tp, ac, hwm, viol, ticks, hz, load, fake, chans = sys.argv[1:]
lat, tp, ac = json.loads(lat), json.loads(tp), json.loads(ac)
mark = lambda ok: "ok" if ok else "MISSED"
print(f"discord latency      {rate}/s over {chans} channels, {lat['sent']} mentions ({lat['replies']} answered): "
      f"p50 {lat['p50_ms']:.2f} ms, p99 {lat['p99_ms']:.2f} ms, max {lat['max_ms']:.2f} ms "
      f"[target p99 < 20 ms: {mark(lat['p99_ms'] < 20 and lat['replies'] == lat['sent'])}]")
el = tp["elapsed_ms"] / 1000
tps = tp["replies"] / el if el > 0 else 0
print(f"discord throughput   {tp['replies']} of {tp['sent']} mentions answered in {el:.2f} s = {tps:.0f} answered/s "
      f"(p99 under overload {tp['p99_ms']:.1f} ms) [target >= 2000/s: {mark(tps >= 2000 and tp['replies'] == tp['sent'])}]")
print(f"discord autocomplete 500/s, {ac['replies']} of {ac['sent']} answered: p50 {ac['p50_ms']:.2f} ms, "
      f"p99 {ac['p99_ms']:.2f} ms [target p99 < 2 ms: {mark(ac['p99_ms'] < 2 and ac['replies'] == ac['sent'])}]")
print(f"discord memory       bot peak RSS {int(hwm)/1024:.1f} MB [target < 30 MB: {mark(int(hwm) < 30*1024)}]")
n = lat["replies"] + tp["replies"] + ac["replies"] + 200
print(f"discord cpu          {int(ticks) / int(hz) * 1e6 / max(n, 1):.0f} us of bot CPU per answered dispatch; "
      f"load average {load}")
print(f"discord checks       fake violations during warm-up {viol}, total {tp['violations']}; fake {fake}")
PY
