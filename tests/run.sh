#!/usr/bin/env bash
# tests/run.sh - run every test program and the knowledge gates; print one
# summary line "N passed, N failed". Called by `make test` with the build dir.
set -u
B=${1:-build}
export CB_BUILD_DIR="$B"
export CB_BOT="$B/san/careerbot"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
# The trained model kept between runs (engine_cache.c): in the build dir,
# never in the home of whoever runs the tests.
mkdir -p "$B/test-cache"
XDG_CACHE_HOME=$(cd "$B/test-cache" && pwd)
export XDG_CACHE_HOME
unset CAREERBOT_KNOWLEDGE_CACHE_DIR
# Train the bundled knowledge's model once, before any test waits on a
# bot that would otherwise train it (seconds under the sanitizers since
# knowledge/examples/): the tests then read it from the cache.
if [ -x "$CB_BOT" ]; then
  timeout 600 "$CB_BOT" ask --kb knowledge "" >/dev/null 2>&1 || echo "note: the bundled model was not trained ahead"
fi
passed=0
failed=0
failures=()

run() { # name, command... (TIME_LIMIT: seconds before it counts as hung)
  local name=$1; shift
  local log="$B/logs/$name.log"
  mkdir -p "$(dirname "$log")"
  if timeout "${TIME_LIMIT:-300}" "$@" >"$log" 2>&1; then
    passed=$((passed + 1)); echo "ok   $name"
  else
    failed=$((failed + 1)); failures+=("$name"); echo "FAIL $name (log: $log)"
    # The failed assertion first: a leak report after it can fill the tail.
    grep -n -B3 -E '\[ +(FAILED|ERROR) +\]|error: Failure|Assertion|runtime error|ERROR: AddressSanitizer' "$log" |
      head -n 40 | sed 's/^/     /'
    echo "     ..."
    tail -n 40 "$log" | sed 's/^/     /'
  fi
}

for t in "$B"/san/tests/unit/test_* "$B"/rel/tests/unit/glibc/test_* "$B"/san/tests/integration/test_*; do
  [ -x "$t" ] || continue
  run "$(basename "$t")" "$t"
done
for s in tests/gates/*.sh; do
  [ -f "$s" ] || continue
  # Gates compile or scan the whole tree: a longer bound than a test program.
  TIME_LIMIT=900 run "gate-$(basename "$s" .sh)" bash "$s" "$B"
done

echo
[ ${#failures[@]} -eq 0 ] || echo "failed: ${failures[*]}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
