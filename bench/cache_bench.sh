#!/usr/bin/env bash
# Warm-start cache benchmark (not run in CI).
#
# 1. `gam fit` on the largest public case: wall time of the whole process for
#    a cold fit vs an exact hit (best of 5 each), and where the time of a hit
#    goes (examples/cache_phases.rs).
# 2. `gam cv --folds 10` on the same data: total outer iterations and wall
#    time with the folds seeding each other through the cache, seeding each
#    other in process (--no-cache), and all cold (--cold-folds), and a rerun
#    through the cache (every fold an exact hit).
#
# Usage: bench/cache_bench.sh [DATA [FORMULA]]
set -euo pipefail
cd "$(dirname "$0")/.."

DATA=${1:-crates/gam/tests/data/bench/data/gamsim1_n100k.csv.gz}
FORMULA=${2:-'y ~ s(x0, bs = "cr") + s(x1, bs = "cr") + s(x2, bs = "cr") + s(x3, bs = "cr")'}
RUNS=5

cargo build --release -q -p gam-cli --bin gam --example cache_phases
GAM=target/release/gam
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

now() { date +%s.%N; }
# Wall time in seconds of a command, output discarded.
wall() {
    local t0 t1
    t0=$(now)
    "$@" >/dev/null 2>&1
    t1=$(now)
    echo "$t1 - $t0" | bc -l
}
min() { printf '%s\n' "$@" | sort -g | head -1; }
json_field() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }

echo "data:    $DATA"
echo "formula: $FORMULA"
echo "machine: $(nproc) cores"
echo

echo "== gam fit: cold vs exact hit (whole process, best of $RUNS) =="
cold=()
hit=()
for i in $(seq $RUNS); do
    cache="$WORK/fit-$i"
    cold+=("$(wall "$GAM" -q --cache-dir "$cache" fit "$DATA" "$FORMULA")")
    hit+=("$(wall "$GAM" -q --cache-dir "$cache" fit "$DATA" "$FORMULA")")
done
nocache=()
for i in $(seq $RUNS); do
    nocache+=("$(wall "$GAM" -q --no-cache fit "$DATA" "$FORMULA")")
done
c=$(min "${cold[@]}")
h=$(min "${hit[@]}")
n=$(min "${nocache[@]}")
printf 'cold fit (cache on, writes checkpoints + Final): %8.3f s\n' "$c"
printf 'cold fit (--no-cache):                           %8.3f s\n' "$n"
printf 'exact hit:                                       %8.3f s\n' "$h"
printf 'speed-up of the hit over the cold fit:           %8.1f x\n' "$(echo "$c / $h" | bc -l)"
echo "iterations of the cold fit: $("$GAM" -q --no-cache fit "$DATA" "$FORMULA" --json | json_field '["iterations_run"]')"
echo
echo "-- where an exact hit's time goes (in process) --"
target/release/examples/cache_phases "$DATA" "$FORMULA" "$WORK/fit-1"
printf 'the whole exact-hit process:  %.1f ms\n' "$(echo "$h * 1000" | bc -l)"
echo

echo "== gam cv --folds 10 =="
cv() {
    local label=$1
    shift
    local t0 t1 out
    t0=$(now)
    out=$("$GAM" -q cv "$DATA" "$FORMULA" --folds 10 --seed 1 --json "$@")
    t1=$(now)
    printf '%-40s total outer iterations %4s   %7.3f s   mean held-out deviance per row %s\n' \
        "$label" "$(echo "$out" | json_field '["total_outer_iterations"]')" "$(echo "$t1 - $t0" | bc -l)" \
        "$(echo "$out" | json_field '["mean_deviance_per_row"]')"
}
cv "seeded through the cache (fresh cache)" --cache-dir "$WORK/cv"
cv "rerun through the cache (all hits)" --cache-dir "$WORK/cv"
cv "seeded in process (--no-cache)" --no-cache
cv "all cold (--cold-folds)" --cold-folds
