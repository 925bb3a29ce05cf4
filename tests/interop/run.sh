#!/usr/bin/env bash
# Interop suite: real RocketMQ peers other than the Java ones, against our name server, with a
# real Apache RocketMQ 5.5.0 broker (Maven Central) registered with it. Prints PASS/FAIL per
# peer and exits non-zero on any failure. Every process it starts is stopped on exit.
#
#   tests/interop/run.sh            every peer
#   tests/interop/run.sh go cpp1    only the peers named (go cpp1 cpp2 ons rust-json
#                                   rust-rocketmq rust-broker)
#
# Clients: the Go client (admin CreateTopic, producer, push consumer), the C++ client 1.x
# (PyPI `rocketmq` 0.4.4) and 2.1.0 (PyPI `rocketmq-python-cvs` 2.1.0.3), ali-ons (npm) and
# rocketmq-client-rust 1.0.0 (crates.io) once with JSON and once with ROCKETMQ binary
# headers: each produces and consumes through routes from our server. Broker: the
# rocketmq-rust broker 1.0.0 (crates.io) registers, serves a topic that a Java producer and
# consumer use through our routes, and its route goes when it is killed.
#
# Downloads and builds are cached under ~/.cache/namesrv-interop (venvs, the rocketmq-rust
# broker) and target/interop-rust (the Rust client); a fresh machine builds them (~15 min).
# The Java broker/client/mqadmin scenarios run in tests/run.sh (tests/acceptance/java_peers.rs,
# differential.rs; tests/blackbox/tls.rs, auth.rs).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
cache="${NAMESRV_INTEROP_CACHE:-$HOME/.cache/namesrv-interop}"
mkdir -p "$cache"
work="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
wait_port() {
  for _ in $(seq 600); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done
  return 1
}
# Ports for the peers below, reserved for this script's life (outside the ephemeral range).
source tests/ports.sh

all_peers=(go cpp1 cpp2 ons rust-json rust-rocketmq rust-broker)
if [ "$#" -gt 0 ]; then selected=("$@"); else selected=("${all_peers[@]}"); fi
wanted() { local p; for p in "${selected[@]}"; do [ "$p" = "$1" ] && return 0; done; return 1; }

cargo build -q -p namesrv -p namesrv-admin
tests/acceptance/peers.sh build >"$work/peers-build.log" 2>&1 \
  || { echo "interop: building the Java peers failed" >&2; tail -30 "$work/peers-build.log" >&2; exit 1; }
admin() { target/debug/namesrv-admin -n "$ns" "$@"; }
mqadmin() { tests/acceptance/peers.sh mqadmin "$@" -n "$ns" >>"$work/mqadmin.log" 2>&1; }

reserve_port ns_port
reserve_port http_port
target/debug/namesrv -o listenPort="$ns_port" -o bindAddress=127.0.0.1 -o httpPort="$http_port" \
  -o scanNotActiveBrokerInterval=1000 \
  -o kvConfigPath="$work/kv.json" -o configStorePath="$work/namesrv.properties" >"$work/namesrv.log" 2>&1 &
pids+=($!)
wait_port "$ns_port" || { echo "interop: our name server did not start" >&2; exit 1; }
ns="127.0.0.1:$ns_port"
# Requests our server received with ROCKETMQ binary headers so far (the Java broker uses JSON).
binary_requests() {
  curl -fsS "http://127.0.0.1:$http_port/metrics" \
    | awk '/^namesrv_requests_by_header_encoding_total\{encoding="rocketmq"\}/ {print $2}'
}

reserve_broker_port jbroker_port
BROKER_EXTRA_CONF="registerNameServerPeriod=10000" \
  tests/acceptance/peers.sh broker "$ns" "$work/broker" "$jbroker_port" InteropCluster broker-interop >"$work/broker.log" 2>&1 &
pids+=($!)
registered=0
for _ in $(seq 120); do
  if admin --json cluster-list 2>/dev/null | grep broker-interop >/dev/null; then registered=1; break; fi
  sleep 1
done
[ "$registered" = 1 ] || { echo "interop: the broker did not register" >&2; tail -20 "$work/broker.log" >&2; exit 1; }
broker="127.0.0.1:$jbroker_port"
# One topic for the clients that do not create their own (ali-ons and the Rust client never
# fall back to the broker's auto-create route). Each client run uses its own groups and run id.
topic=InteropTopic
mqadmin updateTopic -b "$broker" -t "$topic"
for _ in $(seq 30); do admin --json topic-route "$topic" >/dev/null 2>&1 && break; sleep 1; done

status=0
run_peer() {
  local name="$1"; shift
  local started=$SECONDS before
  before="$(binary_requests)"
  if "$@" >"$work/$name.log" 2>&1; then
    # Which header encoding the peer spoke (the Java broker beside it only sends JSON).
    grep -q '^ROCKETMQ-header' "$work/$name.log" \
      || echo "ROCKETMQ-header requests during the run: $(($(binary_requests) - before))" >>"$work/$name.log"
    echo "PASS $name ($((SECONDS - started)) s)"
    grep -E '^(sent=|consumer:|producer:|ROCKETMQ-header|[0-9]\. )' "$work/$name.log" | sed 's/^/    /' || true
  else
    echo "FAIL $name"; tail -30 "$work/$name.log"; status=1
  fi
}
# Creates (once) a venv under the cache with one PyPI package, for the C++ clients.
venv_with() {
  local dir="$cache/$1" pkg="$2"
  if [ ! -x "$dir/bin/python" ] || ! "$dir/bin/python" -c 'import rocketmq.client' 2>/dev/null; then
    rm -rf "$dir"
    python3 -m venv "$dir"
    "$dir/bin/pip" install --quiet "$pkg"
  fi
  echo "$dir/bin/python"
}
# The C++ clients write logs under $HOME/logs and ROCKETMQ_CLIENT_LOG_DIR (default /logs).
cpp_env=(env HOME="$work/cpp-home" ROCKETMQ_CLIENT_LOG_DIR="$work/cpp-home/logs/")
mkdir -p "$work/cpp-home/logs"

if wanted go; then
  ( cd tests/interop/go && go build -o "$work/gointerop" . ) >"$work/go-build.log" 2>&1 \
    || { echo "FAIL go (build)"; tail -20 "$work/go-build.log"; exit 1; }
  run_peer go "$work/gointerop" -namesrv "$ns" -broker "$broker" -topic GoInteropTopic -count 5
fi

if wanted cpp1; then
  py="$(venv_with venv-cpp-1.x rocketmq==0.4.4)"
  run_peer cpp1 "${cpp_env[@]}" "$py" tests/interop/cpp/cpp_client.py \
    --namesrv "$ns" --topic "$topic" --count 5 --timeout 120
fi

if wanted cpp2; then
  py="$(venv_with venv-cpp-2.1.0 rocketmq-python-cvs==2.1.0.3)"
  run_peer cpp2 "${cpp_env[@]}" "$py" tests/interop/cpp/cpp_client.py \
    --namesrv "$ns" --topic "$topic" --count 5 --timeout 120 --skip-consumer-shutdown
fi

if wanted ons; then
  ( cd tests/interop/node && npm ci --no-audit --no-fund --loglevel=error ) >"$work/ons-install.log" 2>&1 \
    || { echo "FAIL ons (npm ci)"; tail -20 "$work/ons-install.log"; exit 1; }
  run_peer ons node tests/interop/node/ons.js "$ns" "$topic" 5 120
fi

if wanted rust-json || wanted rust-rocketmq; then
  ( cd tests/interop/rust && CARGO_TARGET_DIR="$root/target/interop-rust" cargo build --release --locked ) \
    >"$work/rust-build.log" 2>&1 \
    || { echo "FAIL rust client (build)"; tail -20 "$work/rust-build.log"; exit 1; }
  rust_client="$root/target/interop-rust/release/namesrv-interop-rust-client"
  # The header encoding each run really used, from our own request counter.
  check_encoding() {
    local expect="$1"; shift
    local before after
    before="$(binary_requests)"
    "$@" || return 1
    after="$(binary_requests)"
    echo "ROCKETMQ-header requests during the run: $((after - before))"
    if [ "$expect" = binary ]; then [ "$((after - before))" -gt 0 ]; else [ "$after" = "$before" ]; fi
  }
  if wanted rust-json; then
    run_peer rust-json check_encoding json env RUST_LOG=warn "$rust_client" "$ns" "$topic" 5 120
  fi
  if wanted rust-rocketmq; then
    run_peer rust-rocketmq check_encoding binary env RUST_LOG=warn ROCKETMQ_SERIALIZE_TYPE=ROCKETMQ \
      "$rust_client" "$ns" "$topic" 5 120
  fi
fi

if wanted rust-broker; then
  reserve_broker_port rbroker_port
  run_peer rust-broker tests/interop/rust_broker.sh "$ns" "$work/rust-broker" "$cache" "$rbroker_port"
fi

# Every peer's groups and the Java broker must still be known (no peer broke the registry).
admin --json cluster-list | grep broker-interop >/dev/null || { echo "FAIL: the Java broker is gone" >&2; status=1; }
exit "$status"
