#!/usr/bin/env bash
# tests/gates/compose.sh [BUILD_DIR] - packaging gate: docker-compose.yml
# must validate (`docker-compose config -q`, default and `shards` profile;
# it is checked in a scratch copy with an empty .env, since env_file must
# exist), and every shell script of the repository must pass shellcheck.
set -euo pipefail
cd "$(dirname "$0")/../.."

for tool in docker-compose shellcheck; do
  command -v "$tool" >/dev/null || { echo "compose gate: $tool is not installed (make deps)"; exit 1; }
done

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cp docker-compose.yml "$scratch/"
: >"$scratch/.env"
docker-compose -f "$scratch/docker-compose.yml" --project-directory "$scratch" config -q
services=$(docker-compose -f "$scratch/docker-compose.yml" --project-directory "$scratch" \
  --profile shards config --services | sort | tr '\n' ' ')
[ "$services" = "careerbot discord-shard-0 discord-shard-1 prometheus " ] || {
  echo "compose gate: unexpected services: $services"; exit 1; }
[ "$(docker-compose -f "$scratch/docker-compose.yml" --project-directory "$scratch" config |
     sed -n '/^  prometheus:/,/^  [a-z]/p' | grep -c -- '- monitoring')" = 1 ] || {
  echo "compose gate: prometheus belongs to the monitoring profile"; exit 1; }
# Prometheus scrapes what the compose file names, where the bots listen.
for target in careerbot:8080 discord-shard-0:8080 discord-shard-1:8080; do
  grep -q "\"$target\"" config/prometheus.yml || { echo "compose gate: prometheus lacks $target"; exit 1; }
done
[ "$(grep -c 'CAREERBOT_HEALTH_LISTEN: "0.0.0.0:8080"' docker-compose.yml)" = 3 ] || {
  echo "compose gate: every bot must listen on the compose network for Prometheus"; exit 1; }
grep -q 'CMD \["careerbot", "healthcheck"' Dockerfile || { echo "compose gate: HEALTHCHECK"; exit 1; }
! grep -v "^#" Dockerfile | grep -qw curl || { echo "compose gate: the image should not need curl"; exit 1; }
echo "docker-compose.yml: ok ($services)"

scripts=()
for f in .ci/run tests/*.sh tests/gates/*.sh tests/fuzz/*.sh bench/*.sh config/pre-commit-knowledge \
         config/careerbot.bash-completion; do
  [ -f "$f" ] && scripts+=("$f")
done
shellcheck -s bash "${scripts[@]}"
echo "shellcheck: ${#scripts[@]} scripts ok"
