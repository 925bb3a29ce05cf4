#!/usr/bin/env bash
# Side-by-side benchmark: our name server, the Apache RocketMQ Java name server (newest 5.x, 5.5.0)
# (Maven Central), the rocketmq-rust name server 1.0.0 (crates.io) and the null server, loaded by
# namesrv-bench with identical workloads, alternating A B C D per point.
#
#   bench/compare.sh            full run, pinned (about 20-25 minutes on a 2-core machine)
#   bench/compare.sh --quick    smoke run (about 5 minutes; 7 on a machine others are loading)
#   bench/compare.sh --shared   servers and load generator share every core (the old method)
#
# Pinned (the default): every server runs on core 0 (taskset -c 0) and the load generator on
# core 1, so each server gets exactly one core of its own, whatever its thread count, and none
# competes with the generator: a per-core comparison. Needs at least 2 cores (else --shared).
#
# Everything runs in a network namespace of its own holding only loopback (unshare -n, then
# `ip link set lo up`): no server, tool or load can send a packet off the machine, and a peer
# that dials a non-loopback address of the host (rocketmq-rust 1.0.0 dials the first one every
# 30 s) finds none. Building and downloading happen before entering it; there is no network
# inside. The interfaces seen inside are recorded in machine.json.
#
# Writes raw JSON lines to bench/results/latest/, then bench/report.py turns them into
# bench/results/latest/report.md, PNG plots in docs/bench/ and the results section of
# docs/benchmarks.md. Every server it starts is stopped on exit.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

quick=0
pinned=1
for arg in "$@"; do
  case "$arg" in
    --quick) quick=1 ;;
    --pinned) pinned=1 ;;
    --shared) pinned=0 ;;
    *) sed -n '2,22p' "$0" >&2; exit 2 ;;
  esac
done
if [ "$pinned" = 1 ] && [ "$(nproc)" -lt 2 ]; then
  echo "compare.sh: pinned mode needs 2 cores, this machine has $(nproc); use --shared" >&2
  exit 2
fi

log() { printf '\n== %s\n' "$*" >&2; }

bench=target/release/namesrv-bench
ours=target/release/namesrv
rr_root="${HOME}/.cache/namesrv-bench/rocketmq-rust-1.0.0"
rr="$rr_root/bin/rocketmq-namesrv-rust"
venv="target/bench-venv"

if [ -z "${NAMESRV_BENCH_NETNS:-}" ]; then
  # Outside the namespace: everything that needs the network or a compiler.
  log "building"
  cargo build --release -q -p namesrv -p namesrv-bench
  tests/acceptance/peers.sh build
  if [ ! -x "$rr" ]; then
    log "installing rocketmq-namesrv 1.0.0 from crates.io (cached in $rr_root)"
    cargo install rocketmq-namesrv --version 1.0.0 --locked --root "$rr_root"
  fi
  [ -x "$venv/bin/python" ] || { python3 -m venv "$venv" && "$venv/bin/pip" install -q matplotlib; }
  command -v ip >/dev/null || { echo "compare.sh: needs ip (iproute2)" >&2; exit 2; }
  log "entering a loopback-only network namespace"
  if [ "$(id -u)" = 0 ]; then
    ns=(unshare --net)
  else
    # An unprivileged user may make a network namespace inside a user namespace of its own.
    ns=(unshare --net --map-root-user)
  fi
  exec "${ns[@]}" env NAMESRV_BENCH_NETNS=1 bash "$0" "$@"
fi

# Inside the namespace from here on.
ip link set lo up
ifaces="$(ip -o link show | awk -F': ' '{print $2}' | sort -u | tr '\n' ' ')"
if [ "$ifaces" != "lo " ]; then
  echo "compare.sh: the namespace has interfaces other than lo: $ifaces" >&2
  exit 1
fi
# shellcheck source=tests/ports.sh
source tests/ports.sh

if [ "$pinned" = 1 ]; then
  on_server=(taskset -c 0)
  on_generator=(taskset -c 1)
else
  on_server=()
  on_generator=()
fi

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

# runserver.sh's JVM options for Java >= 9 (RocketMQ 5.x distribution).
java_opts="-server -Xms4g -Xmx4g -Xmn2g -XX:MetaspaceSize=128m -XX:MaxMetaspaceSize=320m -XX:+UseG1GC -XX:G1HeapRegionSize=16m -XX:G1ReservePercent=25 -XX:InitiatingHeapOccupancyPercent=30 -XX:SoftRefLRUPolicyMSPerMB=0"
# A frame limit that takes a plain-JSON registration of 100,000 topics (~18 MB), for the point
# that needs it: ours reads frameMaxLength, Java's NettyDecoder this system property.
big_frame=67108864

ip -o addr show >"$work/ip-addr"
python3 - "$out/machine.json" "$work/ip-addr" "$java_opts" "$quick" "$pinned" <<'PY'
import json, os, platform, subprocess, sys
path, addr_file, java_opts, quick, pinned = sys.argv[1:]
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
mem = next(int(l.split()[1]) for l in open("/proc/meminfo") if l.startswith("MemTotal"))
java = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr.splitlines()[0].replace('"', "")
json.dump({
    "date": subprocess.run(["date", "-u", "+%FT%TZ"], capture_output=True, text=True).stdout.strip(),
    "cpu": cpu, "cores": os.cpu_count(), "mem_gb": round(mem / 1048576), "kernel": platform.release(),
    "java": java, "java_opts": java_opts, "quick": quick == "1", "pinned": pinned == "1",
    "server_cpus": "0" if pinned == "1" else "all", "generator_cpus": "1" if pinned == "1" else "all",
    "netns_addresses": open(addr_file).read().splitlines(),
    "load_average": open("/proc/loadavg").read().split()[:3],
}, open(path, "w"))
PY

# start NAME PORT [extra args for ours]: starts a server on the server core, waits for its port,
# sets $last_pid (the server process itself: taskset and peers.sh exec). $java_extra adds JVM
# options for Java.
start() {
  local name="$1" port="$2"; shift 2
  local dir="$work/$name-$port-$RANDOM"
  mkdir -p "$dir"
  case "$name" in
    ours) "${on_server[@]}" "$ours" -o listenPort="$port" -o bindAddress=127.0.0.1 -o kvConfigPath="$dir/kv.json" \
            -o configStorePath="$dir/namesrv.properties" "$@" >"$dir/log" 2>&1 & ;;
    java) JAVA_NAMESRV_OPTS="$java_opts ${java_extra:-}" "${on_server[@]}" tests/acceptance/peers.sh javansrv "$dir" "$port" >"$dir/log" 2>&1 & ;;
    rocketmq-rust) "${on_server[@]}" "$rr" --listenPort "$port" --bindAddress 127.0.0.1 --kvConfigPath "$dir/kv.json" \
            --rocketmqHome "$dir" >"$dir/log" 2>&1 & ;;
    null) "${on_server[@]}" "$bench" null-server --listen "127.0.0.1:$port" >"$dir/log" 2>&1 & ;;
  esac
  local pid=$!
  pids+=("$pid")
  for _ in $(seq 600); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && { last_pid="$pid"; last_log="$dir/log"; return; }
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "compare.sh: $name did not listen on $port" >&2
  tail -20 "$dir/log" >&2
  exit 1
}

stop() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

# The load generator, on its own core.
gen() { "${on_generator[@]}" "$bench" "$@"; }

servers=(ours java rocketmq-rust null)
declare -A port
for s in "${servers[@]}"; do reserve_port p; port[$s]="$p"; done
reserve_port cold_port
reserve_port warm_port

# Scale points: BROKERS TOPICS FORM, FORM = json (plain JSON body), compressed (the 5.x zlib
# body a broker sends when compressing), json-big-frame (plain JSON, frame limit raised).
if [ "$quick" = 1 ]; then
  rounds=1; conn_points=(1 16); seconds=2
  scale_points=("2 1000 json" "100 1000 json" "1 100000 compressed" "1 100000 json-big-frame")
else
  rounds=2; conn_points=(1 4 16 64); seconds=5
  scale_points=("2 1000 json" "2 10000 json" "2 50000 json" "1 1000 json" "10 1000 json" "100 1000 json"
    "1000 1000 json" "100 10000 json" "1 100000 compressed" "1 100000 json-big-frame")
fi
deep_inflight=32

log "throughput: route queries over 100 topics (2 brokers), closed loop, 4 in flight per connection; then 16 x $deep_inflight"
declare -A pid
for s in "${servers[@]}"; do start "$s" "${port[$s]}"; pid[$s]="$last_pid"; done
# Which process each measured pid is and where it may run: the proof of pinning.
for s in "${servers[@]}"; do
  echo "$s pid ${pid[$s]} $(tr '\0' ' ' <"/proc/${pid[$s]}/cmdline" | cut -c1-80) | $(taskset -pc "${pid[$s]}")"
done >"$out/affinity.txt"
for round in $(seq "$rounds"); do
  for point in "${conn_points[@]/%/ 4}" "16 $deep_inflight"; do
    read -r c inflight <<<"$point"
    for s in "${servers[@]}"; do
      gen load --addr "127.0.0.1:${port[$s]}" --label "$s" --workload route \
        --connections "$c" --inflight "$inflight" --duration "$seconds" --warmup 1 \
        --brokers 2 --topics 100 --server-pid "${pid[$s]}" --seed "$round" \
        --json "$out/throughput.jsonl" >/dev/null \
        || echo "compare.sh: $s failed the $c x $inflight point" >&2
    done
  done
done

# The peaks of this run's closed-loop points at 16 connections, 4 in flight.
peak() {
  python3 - "$out/throughput.jsonl" "$1" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
qps = [r["qps"] for r in rows if r["label"] == sys.argv[2] and r["connections"] == 16 and r["inflight"] == 4]
print(int(max(qps)) if qps else 0)
PY
}
for who in ours java; do
  rate=$(( $(peak "$who") / 2 ))
  file="$out/latency.jsonl"; [ "$who" = java ] && file="$out/latency_java.jsonl"
  if [ "$rate" -le 0 ]; then log "no $who peak at 16 connections: no open-loop point at half of it"; continue; fi
  log "latency at half the $who peak: open loop at $rate req/s over 16 connections"
  for round in $(seq "$rounds"); do
    for s in ours java rocketmq-rust; do
      gen load --addr "127.0.0.1:${port[$s]}" --label "$s" --workload route \
        --connections 16 --rate "$rate" --duration $((seconds * 2)) --warmup 1 \
        --brokers 2 --topics 100 --server-pid "${pid[$s]}" --note "half-$who-peak" \
        --json "$file" >/dev/null || echo "compare.sh: $s failed the open-loop point" >&2
    done
  done
done

log "mixed read/write profile and registration storms (unchanged version, new version, new version with one topic changed), 16 connections"
for s in ours java rocketmq-rust; do
  gen load --addr "127.0.0.1:${port[$s]}" --label "$s" --workload mixed \
    --connections 16 --inflight 4 --duration "$seconds" --brokers 10 --topics 1000 \
    --server-pid "${pid[$s]}" --json "$out/mixed.jsonl" >/dev/null || echo "compare.sh: $s failed the mixed point" >&2
  for versions in unchanged changing one-topic; do
    gen load --addr "127.0.0.1:${port[$s]}" --label "$s" --workload register --versions "$versions" \
      --connections 16 --inflight 1 --duration "$seconds" --brokers 100 --topics 1000 --no-populate \
      --server-pid "${pid[$s]}" --json "$out/register.jsonl" >/dev/null || echo "compare.sh: $s failed the $versions storm" >&2
  done
done
for s in "${servers[@]}"; do stop "${pid[$s]}"; done

log "scale: a fresh server per point, B brokers x T topics registered, then route queries"
for point in "${scale_points[@]}"; do
  read -r brokers topics form <<<"$point"
  extra_load=(); ours_extra=(); java_extra=""
  case "$form" in
    compressed) extra_load=(--compressed) ;;
    json-big-frame) ours_extra=(-o "frameMaxLength=$big_frame"); java_extra="-Dcom.rocketmq.remoting.frameMaxLength=$big_frame" ;;
  esac
  for s in ours java rocketmq-rust; do
    if [ "$s" = ours ]; then start ours "${port[ours]}" "${ours_extra[@]}"; else start "$s" "${port[$s]}"; fi
    p="$last_pid"
    gen load --addr "127.0.0.1:${port[$s]}" --label "$s" --workload route \
      --connections 4 --inflight 4 --duration 3 --warmup 1 --brokers "$brokers" --topics "$topics" \
      "${extra_load[@]}" --note "$form" --server-pid "$p" --json "$out/scale.jsonl" >/dev/null \
      || { echo "{\"label\":\"$s\",\"brokers\":$brokers,\"topics\":$topics,\"note\":\"$form\",\"failed\":true}" >>"$out/scale.jsonl"
           echo "compare.sh: $s failed the scale point $point; its log ends:" >&2; tail -5 "$last_log" >&2 || true; }
    stop "$p"
  done
  java_extra=""
done

log "cold start: exec to first answer"
for s in ours java rocketmq-rust; do
  d="$work/cold-$s"; mkdir -p "$d"
  case "$s" in
    ours) cmd=("$ours" -o listenPort="$cold_port" -o bindAddress=127.0.0.1 -o kvConfigPath="$d/kv.json" -o configStorePath="$d/p") ;;
    java) cmd=(env JAVA_NAMESRV_OPTS="$java_opts" tests/acceptance/peers.sh javansrv "$d" "$cold_port") ;;
    rocketmq-rust) cmd=("$rr" --listenPort "$cold_port" --bindAddress 127.0.0.1 --kvConfigPath "$d/kv.json" --rocketmqHome "$d") ;;
  esac
  for round in 1 2 3; do
    gen cold-start --addr "127.0.0.1:$cold_port" --label "$s" -- "${on_server[@]}" "${cmd[@]}" >>"$out/coldstart.jsonl"
    sleep 0.5
  done
done
log "warm restart (ours, routeSnapshotPath): exec to first SUCCESS route"
d="$work/warm"; mkdir -p "$d"
snap=(-o routeSnapshotPath="$d/routes.json" -o routeSnapshotIntervalSeconds=1)
start ours "$warm_port" "${snap[@]}"; p="$last_pid"
gen load --addr "127.0.0.1:$warm_port" --label warm-setup --duration 3 --connections 1 --brokers 2 --topics 1000 >/dev/null &
loader=$!
sleep 3.5
kill -9 "$p"; wait "$p" 2>/dev/null || true; wait "$loader" 2>/dev/null || true
for round in 1 2 3; do
  gen cold-start --addr "127.0.0.1:$warm_port" --label ours-warm --topic BenchTopic0 -- \
    "${on_server[@]}" "$ours" -o listenPort="$warm_port" -o bindAddress=127.0.0.1 -o kvConfigPath="$d/kv.json" \
    -o configStorePath="$d/p" "${snap[@]}" >>"$out/coldstart.jsonl"
done

log "report"
"$venv/bin/python" bench/report.py "$out"
