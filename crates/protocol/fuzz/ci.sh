#!/usr/bin/env bash
# Bounded fuzzing for CI: every target runs FUZZ_SECONDS (default 60) from the committed seeds
# plus whatever earlier runs on this machine found (target/fuzz-corpus/, not committed).
# A crash fails the run and leaves its input in artifacts/<target>/; turn that input into a
# unit test next to the code it broke before fixing it.
#
#   crates/protocol/fuzz/ci.sh [target ...]      (default: every target in Cargo.toml)
set -euo pipefail
cd "$(dirname "$0")"
seconds="${FUZZ_SECONDS:-60}"

command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked

# cargo-fuzz needs nightly flags (-Zsanitizer). Use a nightly toolchain when rustup has one;
# otherwise let stable accept them, which is what RUSTC_BOOTSTRAP is for.
if rustup run nightly rustc --version >/dev/null 2>&1; then
  fuzz=(cargo +nightly fuzz)
else
  export RUSTC_BOOTSTRAP=1
  fuzz=(cargo fuzz)
fi

if [ "$#" -gt 0 ]; then
  targets=("$@")
else
  mapfile -t targets < <("${fuzz[@]}" list)
fi

"${fuzz[@]}" build

status=0
for target in "${targets[@]}"; do
  corpus="target/fuzz-corpus/$target"
  mkdir -p "$corpus" "seeds/$target"
  args=(-max_total_time="$seconds" -rss_limit_mb=2048 -max_len=262144 -print_final_stats=1)
  [ -f "dict/$target.dict" ] && args+=(-dict="dict/$target.dict")
  echo "fuzz: $target for ${seconds}s"
  if ! "${fuzz[@]}" run "$target" "$corpus" "seeds/$target" -- "${args[@]}" \
      >"target/fuzz-$target.log" 2>&1; then
    echo "fuzz: $target FAILED; input in artifacts/$target/, log:" >&2
    tail -40 "target/fuzz-$target.log" >&2
    status=1
  else
    grep -E '^stat::number_of_executed_units|^Done' "target/fuzz-$target.log" | sed "s/^/fuzz: $target: /"
  fi
done
exit "$status"
