#!/usr/bin/env bash
# Interop suite: real RocketMQ clients other than Java's, against our name server, with a
# real Apache RocketMQ 5.x broker (Maven Central) registered with it. Prints PASS/FAIL per
# peer and exits non-zero on any failure. Every process it starts is stopped on exit.
#
#   tests/interop/run.sh
#
# Peers so far: the Go client (github.com/apache/rocketmq-client-go/v2: admin CreateTopic,
# producer, push consumer). The Java broker, client and mqadmin scenarios run in
# `cargo test` (tests/blackbox/java_peers.rs, differential.rs, tls.rs, auth.rs).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
work="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() {
  for _ in $(seq 600); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done
  return 1
}

cargo build -q -p namesrv -p namesrv-admin
tests/acceptance/peers.sh build >/dev/null

ns_port="$(free_port)"
target/debug/namesrv -o listenPort="$ns_port" -o bindAddress=127.0.0.1 \
  -o kvConfigPath="$work/kv.json" -o configStorePath="$work/namesrv.properties" >"$work/namesrv.log" 2>&1 &
pids+=($!)
wait_port "$ns_port" || { echo "interop: our name server did not start" >&2; exit 1; }
ns="127.0.0.1:$ns_port"

# The broker needs listenPort, listenPort-2 and listenPort+1 free.
broker_port="$(python3 - <<'PY'
import socket
for _ in range(200):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close()
    if not 2048 <= p < 60000:
        continue
    try:
        held = []
        for q in (p - 2, p, p + 1):
            t = socket.socket(); t.bind(("127.0.0.1", q)); held.append(t)
        for t in held:
            t.close()
        print(p)
        break
    except OSError:
        for t in held:
            t.close()
PY
)"
BROKER_EXTRA_CONF="registerNameServerPeriod=10000" \
  tests/acceptance/peers.sh broker "$ns" "$work/broker" "$broker_port" InteropCluster broker-interop >"$work/broker.log" 2>&1 &
pids+=($!)
registered=0
for _ in $(seq 120); do
  if target/debug/namesrv-admin -n "$ns" --json cluster-list 2>/dev/null | grep -q broker-interop; then
    registered=1; break
  fi
  sleep 1
done
[ "$registered" = 1 ] || { echo "interop: the broker did not register" >&2; tail -20 "$work/broker.log" >&2; exit 1; }
broker="127.0.0.1:$broker_port"

status=0
run_peer() {
  local name="$1"; shift
  if "$@" >"$work/$name.log" 2>&1; then
    echo "PASS $name"
  else
    echo "FAIL $name"; tail -20 "$work/$name.log"; status=1
  fi
}

( cd tests/interop/go && go build -o "$work/gointerop" . ) >"$work/go-build.log" 2>&1 \
  || { echo "FAIL go (build)"; tail -20 "$work/go-build.log"; exit 1; }
run_peer go "$work/gointerop" -namesrv "$ns" -broker "$broker" -topic GoInteropTopic -count 5
cat "$work/go.log"

exit "$status"
