#!/usr/bin/env bash
# tests/gates/install.sh [BUILD_DIR] - `make install` with DESTDIR and
# PREFIX lays out the binary, the man page (groff finds no problem in it),
# the bash completion (it completes subcommands and options), the systemd
# unit (paths filled in, ExecReload sends SIGHUP), the config and the
# knowledge; the installed binary runs; `make uninstall` removes it all but
# the operator's config.
set -euo pipefail
cd "$(dirname "$0")/../.."
B=${1:-build}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
make --no-print-directory -s install B="$B" DESTDIR="$scratch" PREFIX=/opt/cb >/dev/null
fail() { echo "install gate: $*"; exit 1; }
for f in opt/cb/bin/careerbot opt/cb/share/man/man1/careerbot.1 \
         opt/cb/share/bash-completion/completions/careerbot opt/cb/lib/systemd/system/careerbot.service \
         etc/careerbot/careerbot.conf etc/careerbot/careerbot.conf.example \
         opt/cb/share/careerbot/knowledge/README.md; do
  [ -e "$scratch/$f" ] || fail "missing $f"
done
"$scratch/opt/cb/bin/careerbot" --version | grep -q '^careerbot ' || fail "the binary does not run"
unit=$scratch/opt/cb/lib/systemd/system/careerbot.service
grep -q '^ExecStart=/opt/cb/bin/careerbot run' "$unit" || fail "ExecStart path"
# shellcheck disable=SC2016 # $MAINPID is systemd's, not the shell's
grep -qF 'ExecReload=/bin/kill -HUP $MAINPID' "$unit" || fail "ExecReload"
grep -q '^Environment=CAREERBOT_KB=/opt/cb/share/careerbot/knowledge' "$unit" || fail "knowledge path"
# the model cache in systemd's cache directory (the unit has no writable home)
grep -q '^CacheDirectory=careerbot' "$unit" || fail "CacheDirectory"
grep -q '^Environment=CAREERBOT_KNOWLEDGE_CACHE_DIR=/var/cache/careerbot' "$unit" || fail "cache dir"
! grep -q '@' "$unit" || fail "unfilled placeholder"
warn=$(groff -man -Tutf8 -ww -z "$scratch/opt/cb/share/man/man1/careerbot.1" 2>&1)
[ -z "$warn" ] || fail "man page: $warn"
for cmd in run ask "kb check" "kb eval" report "history export" "config check" \
           "discord register" "discord invite" healthcheck; do
  grep -q "^\.B.* ${cmd%% *}" "$scratch/opt/cb/share/man/man1/careerbot.1" || fail "man page lacks $cmd"
done
# shellcheck disable=SC1091
complete_words() { # the completions of a command line
  bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _careerbot; printf "%s\n" "${COMPREPLY[@]}"' \
    _ "$scratch/opt/cb/share/bash-completion/completions/careerbot" "$@"
}
# grep reads every line (no -q): quitting at the first match could break
# the pipe under the writer, which pipefail counts as a failure (a flake).
complete_words careerbot kb c | grep -x check >/dev/null || fail "completion: kb c"
complete_words careerbot discord "" | grep -x invite >/dev/null || fail "completion: discord"
complete_words careerbot healthcheck --l | grep -x -- --live >/dev/null || fail "completion: --live"
complete_words careerbot kb check --r | grep -x -- --rules >/dev/null || fail "completion: --rules"
echo "old" >"$scratch/etc/careerbot/careerbot.conf"
make --no-print-directory -s install B="$B" DESTDIR="$scratch" PREFIX=/opt/cb >/dev/null
grep -qx old "$scratch/etc/careerbot/careerbot.conf" || fail "install replaced an edited config"
make --no-print-directory -s uninstall DESTDIR="$scratch" PREFIX=/opt/cb
if [ -e "$scratch/opt/cb/bin/careerbot" ] || [ -e "$scratch/opt/cb/share/careerbot" ]; then
  fail "uninstall left files"
fi
[ -e "$scratch/etc/careerbot/careerbot.conf" ] || fail "uninstall removed the config"
echo "install: ok"
