#!/usr/bin/env bash
# tests/gates/lint.sh [BUILD_DIR] - the product code (bot/, handlers/) has
# no clang-tidy finding (checks in .clang-tidy) and no cppcheck warning.
# `make lint` runs the same script.
set -euo pipefail
cd "$(dirname "$0")/../.."
for tool in clang-tidy cppcheck pkg-config; do
  command -v "$tool" >/dev/null || { echo "lint gate: $tool is not installed (make deps)"; exit 1; }
done
read -r -a PKG_CFLAGS <<<"$(pkg-config --cflags libcurl libwebsockets jansson libpcre2-8 libutf8proc libuv sqlite3 libcrypto libfyaml md4c)"
mapfile -t SOURCES < <(find bot handlers -name '*.c' | sort)
# One clang-tidy per file, as many at once as there are cores: the product
# has ~100 files and one serial run takes minutes on a loaded machine.
TIDY_ARGS=(-std=c17 -D_GNU_SOURCE -Ibot -I. "${PKG_CFLAGS[@]}")
# A file's findings are printed only when it has any (xargs exits 123 then).
# shellcheck disable=SC2016 # the single-quoted script expands in its own bash
printf '%s\0' "${SOURCES[@]}" |
  xargs -0 -I{} -P "$(nproc)" bash -c \
    'out=$(clang-tidy --quiet --warnings-as-errors="*" "$1" -- "${@:2}" 2>&1) || { printf "%s\n" "$out"; exit 1; }' \
    _ {} "${TIDY_ARGS[@]}"
echo "clang-tidy: ${#SOURCES[@]} files clean"
cppcheck --quiet --error-exitcode=1 --enable=warning,portability,performance --inline-suppr \
  --std=c11 -Ibot -I. bot handlers
echo "cppcheck: clean"
