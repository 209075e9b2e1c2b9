#!/usr/bin/env bash
# Coverage-guided fuzzing of the core's parsers and validator, each target for
# a bounded time: scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]
# (default 60 s; targets validate, jwks, form). The properties checked are in
# crates/core/tests/fuzzing/mod.rs.
#
# The corpus grows in fuzz/corpus/<target> (not committed), starting from the
# committed inputs in crates/core/tests/fuzzing/inputs/<target>. A crash is
# copied into that inputs directory, where tests/fuzz_regressions.rs replays
# it in the normal test suite from then on: commit it with its fix. Exits
# non-zero when a target crashed.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-60}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(validate jwks form)
fi

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "== installing cargo-fuzz"
    cargo install cargo-fuzz --locked
fi

# cargo fuzz builds with unstable compiler flags (sanitizer, coverage
# instrumentation); the machines have one stable toolchain and cannot fetch a
# nightly one. Allowed here only, never for the project's own builds.
export RUSTC_BOOTSTRAP=1

start=$(date +%s)
cargo fuzz build
echo "== fuzz targets built in $(( $(date +%s) - start )) s"

status=0
for target in "${targets[@]}"; do
    inputs="crates/core/tests/fuzzing/inputs/$target"
    corpus="fuzz/corpus/$target"
    artifacts="fuzz/artifacts/$target"
    log="fuzz/artifacts/$target.log"
    mkdir -p "$corpus" "$artifacts"
    echo "== fuzzing $target for ${seconds} s (log: $log)"
    if cargo fuzz run "$target" "$corpus" "$inputs" -- \
        -max_total_time="$seconds" -max_len=16384 -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 >"$log" 2>&1; then
        grep -E '^(Done|stat::(number_of_executed_units|average_exec_per_sec|new_units_added|peak_rss_mb))' "$log"
    else
        status=1
        tail -n 60 "$log" >&2
        for found in "$artifacts"/*; do
            [ -f "$found" ] || continue
            name=$(basename "$found")
            case "$name" in
                crash-*) kept="$inputs/$name" ;;
                *) kept="$inputs/crash-$name" ;; # oom-, timeout-, leak-
            esac
            cp "$found" "$kept"
            echo "fuzz: $target failed on $kept (now replayed by tests/fuzz_regressions.rs)" >&2
        done
    fi
done
exit "$status"
