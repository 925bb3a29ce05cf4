#!/usr/bin/env bash
# Controller failover, side by side: Java 5.5.0's controller (embedded in three Java name
# servers) and ours (embedded in three of ours), each with two real 5.5.0 brokers in controller
# mode (periods 2 s), loopback only. Reuses the acceptance tests' fixtures; each test prints
# `measured: …` lines, which are collected per implementation and round.
#
#   bench/controller_failover.sh [ROUNDS]     (default 2; about 6 minutes a round)
#
# Writes bench/results/controller/<impl>.txt and prints a summary table. Every process the
# tests start is stopped by them.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
rounds="${1:-2}"
out="bench/results/controller"
mkdir -p "$out"
cargo build -q -p namesrv --tests
bash tests/acceptance/peers.sh build >/dev/null
tests=(killing_the_master_elects_the_slave killing_the_controller_leader a_frozen_master)
for impl in java ours; do
  : > "$out/$impl.txt"
  for round in $(seq "$rounds"); do
    for t in "${tests[@]}"; do
      CONTROLLER_IMPL=$impl cargo test -q -p namesrv --test acceptance_controller "$t" -- --nocapture --test-threads 1 2>&1 \
        | grep '^measured:' | sed "s/^/round=$round /" >> "$out/$impl.txt" || true
    done
  done
done
python3 - "$out" <<'PY'
import re, sys, collections
out = sys.argv[1]
rows = collections.defaultdict(lambda: collections.defaultdict(list))
for impl in ("java", "ours"):
    for line in open(f"{out}/{impl}.txt"):
        m = re.match(r"round=\d+ measured: (.*?) (?:after|in) ([0-9.]+)(ms|s|µs)", line)
        if not m:
            continue
        what, value, unit = m.groups()
        secs = float(value) / {"s": 1, "ms": 1e3, "µs": 1e6}[unit]
        rows[what][impl].append(secs)
print("| event | Java 5.5.0 (s) | ours (s) |")
print("|---|---|---|")
for what, by in rows.items():
    fmt = lambda xs: ", ".join(f"{x:.2f}" for x in xs) or "-"
    print(f"| {what} | {fmt(by['java'])} | {fmt(by['ours'])} |")
PY
