#!/usr/bin/env bash
# Side-by-side benchmark: our name server, the Apache RocketMQ Java name server (newest 5.x, 5.5.0)
# (Maven Central), the rocketmq-rust name server 1.0.0 (crates.io) and the null server, all on
# loopback, loaded by namesrv-bench with identical workloads, alternating A B C D per point.
#
#   bench/compare.sh            full run (about 15 minutes on a 2-core machine)
#   bench/compare.sh --quick    smoke run (about 3 minutes)
#
# Writes raw JSON lines to bench/results/latest/, then bench/report.py turns them into
# bench/results/latest/report.md, PNG plots in docs/bench/ and the results section of
# docs/benchmarks.md. Every server it starts is stopped on exit.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

quick=0
[ "${1:-}" = "--quick" ] && quick=1

out="bench/results/latest"
rm -rf "$out"
mkdir -p "$out"
work="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

log() { printf '\n== %s\n' "$*" >&2; }

log "building"
cargo build --release -q -p namesrv -p namesrv-bench
bench=target/release/namesrv-bench
ours=target/release/namesrv
tests/acceptance/peers.sh build
rr_root="${HOME}/.cache/namesrv-bench/rocketmq-rust-1.0.0"
rr="$rr_root/bin/rocketmq-namesrv-rust"
if [ ! -x "$rr" ]; then
  log "installing rocketmq-namesrv 1.0.0 from crates.io (cached in $rr_root)"
  cargo install rocketmq-namesrv --version 1.0.0 --locked --root "$rr_root"
fi
# runserver.sh's JVM options for Java >= 9 (RocketMQ 5.x distribution).
java_opts="-server -Xms4g -Xmx4g -Xmn2g -XX:MetaspaceSize=128m -XX:MaxMetaspaceSize=320m -XX:+UseG1GC -XX:G1HeapRegionSize=16m -XX:G1ReservePercent=25 -XX:InitiatingHeapOccupancyPercent=30 -XX:SoftRefLRUPolicyMSPerMB=0"

{
  echo "{\"date\":\"$(date -u +%FT%TZ)\",\"cpu\":\"$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')\",\"cores\":$(nproc),\"mem_gb\":$(awk '/MemTotal/{printf "%.0f", $2/1048576}' /proc/meminfo),\"kernel\":\"$(uname -r)\",\"java\":\"$(java -version 2>&1 | head -1 | sed 's/"//g')\",\"java_opts\":\"$java_opts\",\"quick\":$quick}"
} > "$out/machine.json"

# start NAME PORT [extra args for ours]: starts a server, waits for its port, sets $last_pid.
start() {
  local name="$1" port="$2"; shift 2
  local dir="$work/$name-$port-$RANDOM"
  mkdir -p "$dir"
  case "$name" in
    ours) "$ours" -o listenPort="$port" -o bindAddress=127.0.0.1 -o kvConfigPath="$dir/kv.json" \
            -o configStorePath="$dir/namesrv.properties" "$@" >"$dir/log" 2>&1 & ;;
    java) JAVA_NAMESRV_OPTS="$java_opts" tests/acceptance/peers.sh javansrv "$dir" "$port" >"$dir/log" 2>&1 & ;;
    rocketmq-rust) "$rr" --listenPort "$port" --bindAddress 127.0.0.1 --kvConfigPath "$dir/kv.json" \
            --rocketmqHome "$dir" >"$dir/log" 2>&1 & ;;
    null) "$bench" null-server --listen "127.0.0.1:$port" >"$dir/log" 2>&1 & ;;
  esac
  local pid=$!
  pids+=("$pid")
  for _ in $(seq 600); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && { last_pid="$pid"; return; }
    sleep 0.1
  done
  echo "compare.sh: $name did not listen on $port" >&2
  tail -20 "$dir/log" >&2
  exit 1
}

stop() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

servers=(ours java rocketmq-rust null)
declare -A port=([ours]=19876 [java]=19877 [rocketmq-rust]=19878 [null]=19879)
if [ "$quick" = 1 ]; then
  rounds=1; conn_points=(1 16); seconds=2
  scale_points=("2 1000" "2 10000" "100 1000")
else
  rounds=2; conn_points=(1 4 16 64); seconds=5
  # "z": registered with compressed 5.x bodies; 100,000 topics in plain JSON (~18 MB) exceed
  # the default 16 MiB frame limit of Java and of ours, compressed they fit (~1 MB).
  scale_points=("2 1000" "2 10000" "2 50000" "1 1000" "10 1000" "100 1000" "1000 1000" "100 10000" "1 100000 z")
fi

log "throughput: route queries over 100 topics (2 brokers), closed loop, 4 in flight per connection"
declare -A pid
for s in "${servers[@]}"; do start "$s" "${port[$s]}"; pid[$s]="$last_pid"; done
for round in $(seq "$rounds"); do
  for c in "${conn_points[@]}"; do
    for s in "${servers[@]}"; do
      "$bench" load --addr "127.0.0.1:${port[$s]}" --label "$s" --workload route \
        --connections "$c" --inflight 4 --duration "$seconds" --warmup 1 \
        --brokers 2 --topics 100 --server-pid "${pid[$s]}" --seed "$round" \
        --json "$out/throughput.jsonl" >/dev/null
    done
  done
done

peak="$(python3 -c '
import json,sys
rows=[json.loads(l) for l in open(sys.argv[1])]
print(int(max(r["qps"] for r in rows if r["label"]=="ours" and r["connections"]==16)))' "$out/throughput.jsonl")"
rate=$((peak / 2))
log "latency at half our peak: open loop at $rate req/s over 16 connections"
for round in $(seq "$rounds"); do
  for s in ours java rocketmq-rust; do
    "$bench" load --addr "127.0.0.1:${port[$s]}" --label "$s" --workload route \
      --connections 16 --rate "$rate" --duration $((seconds * 2)) --warmup 1 \
      --brokers 2 --topics 100 --server-pid "${pid[$s]}" --json "$out/latency.jsonl" >/dev/null
  done
done

log "mixed read/write profile and a registration storm, 16 connections"
for s in ours java rocketmq-rust; do
  "$bench" load --addr "127.0.0.1:${port[$s]}" --label "$s" --workload mixed \
    --connections 16 --inflight 4 --duration "$seconds" --brokers 10 --topics 1000 \
    --server-pid "${pid[$s]}" --json "$out/mixed.jsonl" >/dev/null
  "$bench" load --addr "127.0.0.1:${port[$s]}" --label "$s" --workload register \
    --connections 16 --inflight 1 --duration "$seconds" --brokers 100 --topics 1000 --no-populate \
    --server-pid "${pid[$s]}" --json "$out/register.jsonl" >/dev/null
done
for s in "${servers[@]}"; do stop "${pid[$s]}"; done

log "scale: a fresh server per point, B brokers x T topics registered, then route queries"
for point in "${scale_points[@]}"; do
  read -r brokers topics zlib <<<"$point"
  compressed=()
  [ "${zlib:-}" = z ] && compressed=(--compressed)
  for s in ours java rocketmq-rust; do
    start "$s" "${port[$s]}"; p="$last_pid"
    "$bench" load --addr "127.0.0.1:${port[$s]}" --label "$s" --workload route \
      --connections 4 --inflight 4 --duration 3 --warmup 1 --brokers "$brokers" --topics "$topics" \
      "${compressed[@]}" --server-pid "$p" --json "$out/scale.jsonl" >/dev/null \
      || echo "{\"label\":\"$s\",\"brokers\":$brokers,\"topics\":$topics,\"failed\":true}" >>"$out/scale.jsonl"
    stop "$p"
  done
done

log "cold start: exec to first answer"
for s in ours java rocketmq-rust; do
  d="$work/cold-$s"; mkdir -p "$d"
  case "$s" in
    ours) cmd=("$ours" -o listenPort=19880 -o bindAddress=127.0.0.1 -o kvConfigPath="$d/kv.json" -o configStorePath="$d/p") ;;
    java) cmd=(env JAVA_NAMESRV_OPTS="$java_opts" tests/acceptance/peers.sh javansrv "$d" 19880) ;;
    rocketmq-rust) cmd=("$rr" --listenPort 19880 --bindAddress 127.0.0.1 --kvConfigPath "$d/kv.json" --rocketmqHome "$d") ;;
  esac
  for round in 1 2 3; do
    "$bench" cold-start --addr 127.0.0.1:19880 --label "$s" -- "${cmd[@]}" >>"$out/coldstart.jsonl"
    sleep 0.5
  done
done
log "warm restart (ours, routeSnapshotPath): exec to first SUCCESS route"
d="$work/warm"; mkdir -p "$d"
snap=(-o routeSnapshotPath="$d/routes.json" -o routeSnapshotIntervalSeconds=1)
start ours 19881 "${snap[@]}"; p="$last_pid"
"$bench" load --addr 127.0.0.1:19881 --label warm-setup --duration 3 --connections 1 --brokers 2 --topics 1000 >/dev/null &
loader=$!
sleep 3.5
kill -9 "$p"; wait "$p" 2>/dev/null || true; wait "$loader" 2>/dev/null || true
for round in 1 2 3; do
  "$bench" cold-start --addr 127.0.0.1:19881 --label ours-warm --topic BenchTopic0 -- \
    "$ours" -o listenPort=19881 -o bindAddress=127.0.0.1 -o kvConfigPath="$d/kv.json" \
    -o configStorePath="$d/p" "${snap[@]}" >>"$out/coldstart.jsonl"
done

log "report"
venv="target/bench-venv"
[ -x "$venv/bin/python" ] || { python3 -m venv "$venv" && "$venv/bin/pip" install -q matplotlib; }
"$venv/bin/python" bench/report.py "$out"
