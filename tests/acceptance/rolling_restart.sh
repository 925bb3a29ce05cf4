#!/usr/bin/env bash
# Does GO_AWAY on shutdown help a real client? A rolling restart of three of our replicas
# under a real RocketMQ broker and client, counting the client's failed calls.
#
#   tests/acceptance/rolling_restart.sh GO_AWAY [ROUNDS]
#
# GO_AWAY (true or false) is every replica's goAwayOnShutdown. Three replicas start on
# reserved loopback ports (with routeSnapshotPath, so a restarted one answers routes at
# once), a broker (peers.sh, ROCKETMQ_LINE 5 = 5.5.0 unless set) registers with all three
# every 10 s, and NameServerLoad (java/src/…) queries a topic's route through the Java
# client's MQClientAPIImpl every QUERY_MS (20) ms and sends a message every SEND_MS (100) ms
# with pollNameServerInterval POLL_MS (200) ms. Then each replica in turn, ROUNDS (3) times:
# SIGTERM, wait for the exit, start it again, wait until it answers the topic's route, wait
# GAP_SECONDS (3). The last lines are the figures: restarts, route queries and sends that
# succeeded and failed, failure kinds, and the client log's warnings. The run is bounded
# (every wait has a limit; the client stops by itself after 15 minutes at most) and stops
# everything it started. NAMESRV_BIN (default target/debug/namesrv) and NAMESRV_ADMIN_BIN
# (target/debug/namesrv-admin) must be built; `peers.sh build` must have run. Logs stay in
# the printed work directory (the broker's store is removed).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
go_away="${1:?usage: rolling_restart.sh true|false [ROUNDS]}"
rounds="${2:-3}"
case "$go_away" in true|false) ;; *) echo "GO_AWAY must be true or false" >&2; exit 2 ;; esac
bin="${NAMESRV_BIN:-$root/target/debug/namesrv}"
admin="${NAMESRV_ADMIN_BIN:-$root/target/debug/namesrv-admin}"
query_ms="${QUERY_MS:-20}"
send_ms="${SEND_MS:-100}"
poll_ms="${POLL_MS:-200}"
gap="${GAP_SECONDS:-3}"
topic=GoAwayMeasure
for f in "$bin" "$admin"; do
  [ -x "$f" ] || { echo "rolling_restart.sh: build $f first" >&2; exit 2; }
done
bash "$here/peers.sh" classpath >/dev/null

# shellcheck source=../ports.sh
source "$here/../ports.sh"
reserve_port port0
reserve_port port1
reserve_port port2
reserve_broker_port broker_port
ports=("$port0" "$port1" "$port2")
nsaddr="127.0.0.1:$port0;127.0.0.1:$port1;127.0.0.1:$port2"
work="$(mktemp -d "${TMPDIR:-/tmp}/rolling-restart.XXXXXX")"
declare -a ns_pid=()
broker_pid=""
client_pid=""

log() { echo "[$(date +%H:%M:%S.%3N)] $*"; }

# Stops one process of ours: SIGTERM, up to $2 seconds, then SIGKILL.
stop_pid() {
  local pid="$1" limit="${2:-15}" i
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for (( i = 0; i < limit * 50; i++ )); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.02
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "pid $pid still running after ${limit}s: SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  local i
  [ -n "$client_pid" ] && stop_pid "$client_pid" 10
  [ -n "$broker_pid" ] && stop_pid "$broker_pid" 20
  for i in "${!ns_pid[@]}"; do stop_pid "${ns_pid[$i]}" 10; done
  rm -rf "$work/broker/store"
}
trap cleanup EXIT

# until SECONDS COMMAND...: runs COMMAND every 200 ms until it succeeds; fails after SECONDS.
until_ok() {
  local limit="$1"; shift
  local deadline=$(( $(date +%s) + limit ))
  until "$@" >/dev/null 2>&1; do
    (( $(date +%s) < deadline )) || return 1
    sleep 0.2
  done
}

answers() { "$admin" -n "127.0.0.1:$1" --timeout-ms 1000 cluster-list; }
knows_broker() { "$admin" -n "127.0.0.1:$1" --timeout-ms 1000 cluster-list | grep -q broker-acceptance; }
routes_topic() { "$admin" -n "127.0.0.1:$1" --timeout-ms 1000 topic-route "$topic"; }

start_replica() {
  local i="$1" d="$work/ns$1"
  mkdir -p "$d"
  HOME="$d" RUST_LOG=info "$bin" -o bindAddress=127.0.0.1 -o "listenPort=${ports[$i]}" \
    -o "kvConfigPath=$d/kvConfig.json" -o "configStorePath=$d/namesrv.properties" \
    -o "routeSnapshotPath=$d/routes.json" -o "goAwayOnShutdown=$go_away" \
    >>"$d/namesrv.log" 2>&1 &
  ns_pid[$i]=$!
}

log "work directory $work; replicas $nsaddr; broker port $broker_port; goAwayOnShutdown=$go_away"
for i in 0 1 2; do start_replica "$i"; done
for i in 0 1 2; do
  until_ok 20 answers "${ports[$i]}" || { log "replica $i did not answer"; exit 1; }
done

BROKER_EXTRA_CONF="registerNameServerPeriod=10000" \
  bash "$here/peers.sh" broker "$nsaddr" "$work/broker" "$broker_port" >"$work/broker.log" 2>&1 &
broker_pid=$!
for i in 0 1 2; do
  until_ok 120 knows_broker "${ports[$i]}" || { log "the broker did not register with replica $i"; exit 1; }
done
log "broker registered with the three replicas"
bash "$here/peers.sh" mqadmin updateTopic -n "$nsaddr" -b "127.0.0.1:$broker_port" -t "$topic" \
  -r 4 -w 4 >"$work/mqadmin.log" 2>&1
for i in 0 1 2; do
  until_ok 30 routes_topic "${ports[$i]}" || { log "replica $i has no route for $topic"; exit 1; }
done
log "$topic routed by the three replicas"

# The client logs (rocketmq_client.log, remoting.log) go under its own home.
JAVA_EXTRA_OPTS="${JAVA_EXTRA_OPTS:-} -Duser.home=$work/client-home" \
  bash "$here/peers.sh" nsload "$nsaddr" "$topic" "$query_ms" "$send_ms" "$poll_ms" \
  "$work/stop" 900 >"$work/client.log" 2>&1 &
client_pid=$!
until_ok 90 grep -q '^started' "$work/client.log" || { log "the client did not start"; exit 1; }
sleep 5
log "client running; restarting"

restarts=0
declare -a stop_ms=() down_ms=()
for (( r = 1; r <= rounds; r++ )); do
  for i in 0 1 2; do
    t0=$(date +%s%3N)
    echo "SIGTERM $t0 127.0.0.1:${ports[$i]}" >>"$work/events"
    log "round $r: SIGTERM replica $i (127.0.0.1:${ports[$i]})"
    stop_pid "${ns_pid[$i]}" 15
    t1=$(date +%s%3N)
    start_replica "$i"
    until_ok 20 routes_topic "${ports[$i]}" || { log "replica $i did not come back"; exit 1; }
    t2=$(date +%s%3N)
    stop_ms+=($(( t1 - t0 )))
    down_ms+=($(( t2 - t0 )))
    restarts=$(( restarts + 1 ))
    log "round $r: replica $i stopped in $(( t1 - t0 )) ms, answering again $(( t2 - t0 )) ms after SIGTERM"
    sleep "$gap"
  done
done

sleep 2
touch "$work/stop"
for (( i = 0; i < 300; i++ )); do
  kill -0 "$client_pid" 2>/dev/null || break
  sleep 0.1
done
stop_pid "$client_pid" 5
client_pid=""

client_logs=("$work"/client-home/logs/rocketmqlogs/*.log)
client_warnings=0 go_aways=0
if [ -e "${client_logs[0]}" ]; then
  client_warnings=$(cat "${client_logs[@]}" | grep -c -E ' (WARN|ERROR) ' || true)
  # Connections the client was sent away from (it logs each GO_AWAY answer, at INFO).
  go_aways=$( { cat "${client_logs[@]}" | grep -o 'Receive go away from channelId=[0-9a-f]*' || true; } |
    sort -u | wc -l)
fi
# A restart the client saw: the replica stopped was the one its name-server calls went to
# (NameServerLoad prints each change of that choice).
exposed=$( { grep '^NAMESRV ' "$work/client.log" || true; cat "$work/events"; } | sort -n -k2 |
  awk '$1 == "NAMESRV" { cur = $3 } $1 == "SIGTERM" && $3 == cur { n++ } END { print n + 0 }')
echo "== goAwayOnShutdown=$go_away restarts=$restarts (of the replica the client was using: $exposed) query_ms=$query_ms send_ms=$send_ms poll_ms=$poll_ms"
echo "stop ms: ${stop_ms[*]}"
echo "down ms (SIGTERM to answering again): ${down_ms[*]}"
grep -E '^(ROUTE_OK|ROUTE_FAIL|SEND_OK|SEND_FAIL|FAILURE_KIND) ' "$work/client.log" || {
  echo "the client printed no figures; see $work/client.log"; exit 1; }
echo "client log: connections sent away (GO_AWAY) $go_aways, WARN/ERROR lines $client_warnings"
echo "logs: $work"
