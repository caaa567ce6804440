#!/usr/bin/env bash
# bench/bench_discord.sh - Discord transport figures on loopback: the release
# bot (BUILD/careerbot run) against the optimized fake Discord
# (BUILD/rel/fake_discord), measured from outside like bench_slack.sh.
# The bot keeps Discord's global limit of 50 REST requests per second
# (interaction callbacks are not counted), so a message reply cannot go out
# faster than that: latency is measured under the ceiling, throughput against
# it.
#   latency:      mentions paced by the clock at a rate under the ceiling
#                 (default 40/s) over 50 channels; p50/p99 from the fake
#                 sending MESSAGE_CREATE to the fake receiving the
#                 POST /channels/ID/messages reply
#   throughput:   a backlog (default 20,000 mentions) offered as fast as the
#                 gateway socket takes it; answered/s over a window once all
#                 were delivered, against the 50/s ceiling (the fake's
#                 global 429s must stay 0)
#   autocomplete: paced autocomplete interactions while that backlog is
#                 still queued; dispatch -> type 8 callback at the fake
#   memory:       the bot's peak RSS (VmHWM) over all phases, the backlog
#                 queued
# Targets: latency p99 < 20 ms, throughput at the ceiling (>= 45/s, never a
# global 429), autocomplete p99 < 2 ms, RSS < 30 MB.
# Usage: bash bench/bench_discord.sh [BUILD_DIR]   (env: DISCORD_BENCH_RATE,
#   DISCORD_BENCH_SECONDS, DISCORD_BENCH_BACKLOG, DISCORD_BENCH_WINDOW,
#   DISCORD_BENCH_CHANNELS, CAREERBOT_KB)
# Prints figures; exits 1 only if something did not run (not on a target).
set -u
B=${1:-build}
CEILING=50 # DISCORD_GLOBAL_PER_S in bot/platform/discord/discord.h
RATE=${DISCORD_BENCH_RATE:-40}
SECS=${DISCORD_BENCH_SECONDS:-10}
BACKLOG=${DISCORD_BENCH_BACKLOG:-20000}
WINDOW=${DISCORD_BENCH_WINDOW:-10}
CHANS=${DISCORD_BENCH_CHANNELS:-50}
KB=${CAREERBOT_KB:-knowledge} # the bundled knowledge: its answers are what is rendered
TOKEN=bench-discord-token
CONTENT='<@100000000000000001> should I learn django or flask?'
BENCH_NAME=bench_discord
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"

stats() { ctl '{"cmd":"stats"}'; }

# Offer a burst ($1: JSON fields) and wait (<= $2 s) until every dispatch
# was answered; print the final stats.
run_burst() {
  local deadline=$((SECONDS + $2)) st sent replied left
  ctl "{\"cmd\":\"burst\",$1}" >/dev/null
  while :; do
    sleep 0.2
    st=$(stats)
    sent=$(echo "$st" | field sent); replied=$(echo "$st" | field replies)
    left=$(echo "$st" | field burst_left)
    if [ "$left" = 0 ] && [ "$sent" -gt 0 ] && [ "$replied" -ge "$sent" ]; then break; fi
    [ $SECONDS -ge $deadline ] && break
  done
  echo "$st"
}

# Offer the backlog, wait (<= 60 s) until the fake delivered all of it, then
# count replies over WINDOW seconds: prints "answered seconds delivered".
run_backlog() {
  local deadline=$((SECONDS + 60)) st r0 r1 t0 t1
  ctl "{\"cmd\":\"burst\",\"n\":$BACKLOG,\"rate\":0,\"per_tick\":400,$ch}" >/dev/null
  while :; do
    sleep 0.2
    st=$(stats)
    [ "$(echo "$st" | field burst_left)" = 0 ] && break
    [ $SECONDS -ge $deadline ] && break
  done
  r0=$(stats | field replies_total); t0=$(date +%s.%N)
  sleep "$WINDOW"
  r1=$(stats | field replies_total); t1=$(date +%s.%N)
  echo "$((r1 - r0)) $(python3 -c "print($t1 - $t0)") $(echo "$st" | field sent)"
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
  [ "$(stats | field identifies)" -ge 1 ] 2>/dev/null && break
  sleep 0.1
done
sleep 0.3 # READY
kill -0 "$bot_pid" 2>/dev/null || die "the bot exited: $(tail -n 5 "$tmp/bot.err")"
ch="\"channels\":$CHANS,\"content\":\"$CONTENT\""

# Warm-up (the fake checks every payload), then latency under the ceiling.
st=$(run_burst "\"n\":100,\"rate\":$RATE,$ch" 20)
viol_warm=$(echo "$st" | field violations)
lat=$(run_burst "\"n\":$((RATE * SECS)),\"rate\":$RATE,$ch" $((SECS + 30)))
# Throughput against the ceiling, with a backlog queued.
read -r tp_n tp_s tp_sent < <(run_backlog)
# Autocomplete end to end, paced, while the backlog is still being answered.
ac=$(run_burst "\"n\":2000,\"rate\":500,\"kind\":\"autocomplete\",\"channels\":$CHANS" 30)
end=$(stats)

hwm_kb=$(awk '/VmHWM/ {print $2}' "/proc/$bot_pid/status" 2>/dev/null)
rss_kb=$(awk '/VmRSS/ {print $2}' "/proc/$bot_pid/status" 2>/dev/null)
ticks=$(awk '{print $14 + $15}' "/proc/$bot_pid/stat" 2>/dev/null)
kill -0 "$bot_pid" 2>/dev/null || die "the bot died: $(tail -n 5 "$tmp/bot.err")"
python3 - "$RATE" "$lat" "$tp_n" "$tp_s" "$tp_sent" "$ac" "$end" "${hwm_kb:-0}" "${rss_kb:-0}" \
  "$viol_warm" "${ticks:-0}" "$(getconf CLK_TCK)" "$(cut -d' ' -f1 /proc/loadavg)" "$FAKE" "$CHANS" \
  "$CEILING" <<'PY'
import json, sys
(rate, lat, tp_n, tp_s, tp_sent, ac, end, hwm, rss, viol, ticks, hz, load, fake, chans,
 ceiling) = sys.argv[1:]
lat, ac, end = json.loads(lat), json.loads(ac), json.loads(end)
ceiling = int(ceiling)
mark = lambda ok: "ok" if ok else "MISSED"
print(f"discord ceiling      Discord's global limit: {ceiling} REST requests/s per bot, kept by the bot "
      f"(interaction callbacks are not counted)")
print(f"discord latency      {rate}/s over {chans} channels, {lat['sent']} mentions ({lat['replies']} answered): "
      f"p50 {lat['p50_ms']:.2f} ms, p99 {lat['p99_ms']:.2f} ms, max {lat['max_ms']:.2f} ms "
      f"[target p99 < 20 ms: {mark(lat['p99_ms'] < 20 and lat['replies'] == lat['sent'])}]")
tps = int(tp_n) / float(tp_s) if float(tp_s) > 0 else 0
limited = end["global_limited"]
print(f"discord throughput   {tp_sent} mentions queued at once: {tps:.1f} answered/s over {float(tp_s):.1f} s "
      f"= {100 * tps / ceiling:.0f}% of the {ceiling}/s ceiling, global 429s {limited} "
      f"[target >= {0.9 * ceiling:.0f}/s, no 429: {mark(tps >= 0.9 * ceiling and limited == 0)}]")
# mentions offered minus mentions answered (replies_total counts callbacks too)
backlog = 100 + lat["sent"] + int(tp_sent) - (end["replies_total"] - ac["replies"])
print(f"discord autocomplete 500/s with ~{max(int(backlog), 0)} mentions still queued, {ac['replies']} of "
      f"{ac['sent']} answered: p50 {ac['p50_ms']:.2f} ms, p99 {ac['p99_ms']:.2f} ms, max {ac['max_ms']:.2f} ms "
      f"[target p99 < 2 ms: {mark(ac['p99_ms'] < 2 and ac['replies'] == ac['sent'])}]")
print(f"discord memory       bot peak RSS {int(hwm)/1024:.1f} MB, {int(rss)/1024:.1f} MB at the end with the "
      f"backlog queued [target < 30 MB: {mark(int(hwm) < 30*1024)}]")
got = 100 + lat["sent"] + int(tp_sent) + ac["sent"]
print(f"discord cpu          {int(ticks) / int(hz) * 1e6 / max(end['replies_total'], 1):.0f} us of bot CPU "
      f"per answered dispatch ({end['replies_total']} answered of {got} received, the rest queued); "
      f"load average {load}")
print(f"discord checks       fake violations during warm-up {viol}, total {end['violations']}; fake {fake}")
PY
