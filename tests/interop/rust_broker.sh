#!/usr/bin/env bash
# The rocketmq-rust broker 1.0.0 (crates.io) against our name server; called by run.sh.
#
#   rust_broker.sh NAMESRV WORK_DIR CACHE_DIR PORT
#
# PORT is the broker's remoting port; PORT-2 and PORT+1 (fast and HA ports) must be free too.
# Installs the broker once into CACHE_DIR (cargo install, ~10 min on 2 cores), starts it on
# loopback registering with NAMESRV, and checks, each step with a clear failure:
#   1. it registers (cluster info shows broker-rust in RustCluster);
#   2. a topic created on it with mqadmin updateTopic appears in its route;
#   3. a Java producer and consumer (5.5.0) use that topic through our routes;
#   4. SIGKILL: its route is gone from our server within 5 s.
set -euo pipefail
ns="$1"; work="$2"; cache="$3"; port="$4"
root="$(cd "$(dirname "$0")/../.." && pwd)"
version=1.0.0
install_root="$cache/rocketmq-broker-$version"
bin="$install_root/bin/rocketmq-broker-rust"
if [ ! -x "$bin" ]; then
  echo "installing rocketmq-broker $version (cargo install, cached in $install_root)"
  cargo install rocketmq-broker --version "=$version" --locked --root "$install_root" \
    >"$cache/rocketmq-broker-install.log" 2>&1 \
    || { tail -30 "$cache/rocketmq-broker-install.log"; exit 1; }
fi
admin() { "$root/target/debug/namesrv-admin" -n "$ns" "$@"; }
peers() { "$root/tests/acceptance/peers.sh" "$@"; }

mkdir -p "$work/conf" "$work/store"
cat >"$work/conf/broker.toml" <<TOML
[broker]
namesrvAddr = "$ns"
brokerIp1 = "127.0.0.1"
listenPort = $port
storePathRootDir = "$work/store"

[broker.brokerServerConfig]
bindAddress = "127.0.0.1"

[broker.brokerIdentity]
brokerName = "broker-rust"
brokerClusterName = "RustCluster"
brokerId = 0

[store]
storeType = "LocalFile"
brokerRole = "ASYNC_MASTER"
storePathRootDir = "$work/store"
haListenAddress = "127.0.0.1"
haListenPort = $((port + 1))
TOML
ROCKETMQ_HOME="$work" HOME="$work" ROCKETMQ_SECURITY_PROFILE=development-insecure-loopback \
  "$bin" -c "$work/conf/broker.toml" -n "$ns" >"$work/broker.out" 2>&1 &
pid=$!
trap 'kill -9 $pid 2>/dev/null || true; wait $pid 2>/dev/null || true' EXIT
fail() { echo "FAIL: $*"; tail -30 "$work/broker.out"; exit 1; }

registered=0
for _ in $(seq 120); do
  kill -0 "$pid" 2>/dev/null || fail "the rocketmq-rust broker exited"
  if admin --json cluster-list 2>/dev/null | grep '"broker-rust"' >/dev/null; then registered=1; break; fi
  sleep 1
done
[ "$registered" = 1 ] || fail "the rocketmq-rust broker did not register"
echo "1. registered: $(admin cluster-list | grep broker-rust)"

topic=RustBrokerTopic
peers mqadmin updateTopic -n "$ns" -b "127.0.0.1:$port" -t "$topic" >"$work/mqadmin.log" 2>&1 \
  || { cat "$work/mqadmin.log"; fail "mqadmin updateTopic on the rocketmq-rust broker"; }
routed=0
for _ in $(seq 60); do
  if admin --json topic-route "$topic" 2>/dev/null | grep "127.0.0.1:$port" >/dev/null; then routed=1; break; fi
  sleep 1
done
[ "$routed" = 1 ] || { cat "$work/mqadmin.log"; fail "the new topic did not appear in its route"; }
echo "2. topic created on it is routed: $(admin topic-route "$topic" | tail -1)"

peers produce "$ns" "$topic" 3 >"$work/produce.log" 2>&1 \
  || { tail -20 "$work/produce.log"; fail "Java producer through our routes to the rocketmq-rust broker"; }
peers consume "$ns" "$topic" rust_broker_group 3 90 >"$work/consume.log" 2>&1 \
  || { tail -20 "$work/consume.log"; fail "Java consumer through our routes from the rocketmq-rust broker"; }
echo "3. Java producer and consumer: $(grep -h 'SEND_OK\|RECEIVED' "$work/produce.log" "$work/consume.log" | tail -2 | tr '\n' ' ')"

kill -9 "$pid"; wait "$pid" 2>/dev/null || true
killed=$(date +%s%N)
for _ in $(seq 50); do
  if ! admin --json topic-route "$topic" >/dev/null 2>&1; then
    echo "4. route gone $(( ($(date +%s%N) - killed) / 1000000 )) ms after SIGKILL"
    echo "PASS rocketmq-rust broker $version"
    exit 0
  fi
  sleep 0.1
done
fail "the killed broker's route is still served"
