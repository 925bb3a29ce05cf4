#!/usr/bin/env bash
# Builds the release binary, starts it on a free loopback port with a temp KV directory, runs
# the soak (tests/soak/soak.py) against it, and stops it. Arguments go to soak.py, e.g.
#   tests/soak/run.sh --seconds 600
# Exit status: soak.py's (non-zero when any error was seen) or the server's failure.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
cargo build --release -q -p namesrv
work="$(mktemp -d)"
source tests/ports.sh
reserve_port port
target/release/namesrv -o bindAddress=127.0.0.1 -o listenPort="$port" \
  -o kvConfigPath="$work/kvConfig.json" -o configStorePath="$work/namesrv.properties" \
  -o scanNotActiveBrokerInterval=1000 >"$work/namesrv.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.1
done
status=0
python3 tests/soak/soak.py --addr "127.0.0.1:$port" --pid "$pid" "$@" || status=$?
kill -0 "$pid" || { echo "soak: the server died" >&2; tail -20 "$work/namesrv.log" >&2; exit 1; }
grep -c -E '"level":"(ERROR|WARN)"| ERROR | WARN ' "$work/namesrv.log" | sed 's/^/soak: server warnings+errors logged: /' || true
exit "$status"
