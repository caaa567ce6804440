#!/usr/bin/env bash
# bench/lib.sh - what bench_slack.sh and bench_discord.sh share: a scratch
# directory cleaned up on exit, starting a fake and reading its port, the
# fake's /_control, and reading a number out of its JSON stats. Sourced, not
# run. field() is pure bash on purpose: the harness polls stats every 200 ms
# while the bot is measured, and a python3 or jq process per poll took a
# visible share of a 2-core machine away from the bot and the fake.
# Needs: BENCH_NAME set by the caller.
tmp=$(mktemp -d)
fake_pid=""
bot_pid=""
port=""

bench_cleanup() {
  [ -n "$bot_pid" ] && kill "$bot_pid" 2>/dev/null
  [ -n "$fake_pid" ] && kill "$fake_pid" 2>/dev/null
  wait 2>/dev/null
  rm -rf "$tmp"
}
trap bench_cleanup EXIT

die() { echo "$BENCH_NAME: $*" >&2; exit 1; }

# start_fake PROGRAM ARGS...: start it in the background, wait (<= 10 s)
# for its "port=N" line, set fake_pid and port.
start_fake() {
  "$@" >"$tmp/fake.out" 2>"$tmp/fake.err" &
  fake_pid=$!
  for _ in $(seq 100); do grep -q "port=" "$tmp/fake.out" 2>/dev/null && break; sleep 0.1; done
  port=$(sed -n 's/.*port=\([0-9]*\).*/\1/p' "$tmp/fake.out")
  [ -n "$port" ] || die "the fake did not start"
}

ctl() { curl -s -m 10 -X POST --data "$1" "http://127.0.0.1:$port/_control"; }

# field NAME: the number (or true/false) under "NAME" in the flat JSON object
# on stdin; 0 when absent.
field() {
  local json re="\"$1\":(-?[0-9.eE+-]+|true|false)"
  json=$(cat)
  if [[ $json =~ $re ]]; then echo "${BASH_REMATCH[1]}"; else echo 0; fi
}

# warm_model BOT KB: train KB's model into the run's own cache and point the
# bot there (CAREERBOT_KNOWLEDGE_CACHE_DIR), so the bot measured starts as
# it usually does, reading its model, and its CPU is spent on replies.
warm_model() {
  export CAREERBOT_KNOWLEDGE_CACHE_DIR="$tmp/model-cache"
  "$1" ask --kb "$2" </dev/null >/dev/null 2>"$tmp/warm.err" || die "cannot load $2: $(tail -n 3 "$tmp/warm.err")"
}
