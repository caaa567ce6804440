#!/usr/bin/env bash
# tests/fuzz/run.sh BUILD_DIR SECONDS - build every tests/fuzz/fuzz_*.c as a
# libFuzzer target (clang, ASan+UBSan; the program's sources are compiled
# again with clang because sanitizer runtimes of gcc and clang don't mix)
# and run each for SECONDS on its corpus in tests/fuzz/corpus/<name>/.
# Exit 1 if a target fails to build or finds a crash.
set -euo pipefail
B=${1:-build}
SECS=${2:-30}
FB="$B/fuzz"
# Leaks inside third-party libraries, named one by one (tests/fuzz/lsan.supp).
export LSAN_OPTIONS="suppressions=$PWD/tests/fuzz/lsan.supp:print_suppressions=0"
mkdir -p "$FB/obj"
PKGS=(libcurl libwebsockets jansson libpcre2-8 libutf8proc libuv sqlite3 libcrypto libfyaml md4c zlib liburiparser)
read -r -a PKG_CFLAGS <<<"$(pkg-config --cflags "${PKGS[@]}")"
read -r -a PKG_LIBS <<<"$(pkg-config --libs "${PKGS[@]}")"
CFLAGS=(-std=c17 -D_GNU_SOURCE -g -O1 "-fsanitize=fuzzer-no-link,address,undefined" -Ibot -I. "${PKG_CFLAGS[@]}")
LIBS=("${PKG_LIBS[@]}" -lstemmer -lm)
# Objects are reused only while no source, header or built-in data file
# (.incbin: kb_check_data.txt, kb_yaml_messages.txt, the bundled smalltalk.yaml
# and stopwords.txt)
# is newer than them.
newest_dep=$( (find bot handlers -name "*.h" -printf "%T@ %p\n"; \
               find bot/kb/kb_check_data.txt bot/kb/kb_yaml_messages.txt knowledge/smalltalk.yaml \
                    knowledge/stopwords.txt knowledge/crisis.yaml \
                    -printf "%T@ %p\n") | sort -n | tail -n 1 | cut -d" " -f2)
objs=()
for src in $(find bot handlers -name '*.c' | sort); do
  [ "$src" = bot/cli/main.c ] && continue
  obj="$FB/obj/$(echo "$src" | tr / _).o"
  if [ ! -f "$obj" ] || [ "$src" -nt "$obj" ] || [ "$newest_dep" -nt "$obj" ]; then
    clang "${CFLAGS[@]}" -c "$src" -o "$obj"
  fi
  objs+=("$obj")
done
rm -f "$FB/libcb.a"
ar rcs "$FB/libcb.a" "${objs[@]}"
status=0
for t in tests/fuzz/fuzz_*.c; do
  [ -f "$t" ] || continue
  name=$(basename "$t" .c)
  clang "${CFLAGS[@]}" -fsanitize=fuzzer "$t" "$FB/libcb.a" "${LIBS[@]}" -o "$FB/$name"
  corpus="tests/fuzz/corpus/$name"
  work="$FB/corpus-$name"
  mkdir -p "$work"
  if [ -d "$corpus" ]; then cp -n "$corpus"/* "$work"/ 2>/dev/null || true; fi
  echo "fuzzing $name for ${SECS}s"
  if ! (cd "$FB" && ./"$name" -max_total_time="$SECS" -max_len=65536 -timeout=5 -rss_limit_mb=2048 \
        -print_final_stats=1 "corpus-$name" >"$name.log" 2>&1); then
    echo "FAIL: $name found a problem (see $FB/$name.log)"; tail -n 30 "$FB/$name.log"; status=1
  else
    grep -E "stat::number_of_executed_units|stat::peak_rss" "$FB/$name.log" | sed "s/^/  $name /"
  fi
done
exit $status
