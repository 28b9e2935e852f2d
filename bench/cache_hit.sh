#!/usr/bin/env bash
# Exact cache hits at scale (issue 18, item 7; not run in CI).
#
# `gam fit` of y ~ s(x0, bs = "cr") + s(x1, bs = "cr") + s(x2, bs = "cr") + s(x3, bs = "cr") on
# 10^6 gamSim(1)-style rows (a CSV of about 54 MB, 8 significant digits, generated once with a
# fixed seed): the wall time of the whole process for a cold fit (fresh cache directory) and for
# an exact hit (the same file again: answered by its input key, the file hashed but not parsed),
# each the median of RUNS runs, and their ratio.
#
# Usage: bench/cache_hit.sh
# Environment:
#   ROWS     rows of the data (default 1000000)
#   RUNS     runs of each (default 5)
#   HIT_DIR  work directory (default /tmp/gam-cache-hit): the data file is kept there
#   GAM_BIN  use this gam binary instead of building target/release/gam
set -euo pipefail
cd "$(dirname "$0")/.."

ROWS=${ROWS:-1000000}
RUNS=${RUNS:-5}
HIT_DIR=${HIT_DIR:-/tmp/gam-cache-hit}
FORMULA='y ~ s(x0, bs = "cr") + s(x1, bs = "cr") + s(x2, bs = "cr") + s(x3, bs = "cr")'

if [ -z "${GAM_BIN:-}" ]; then
    cargo build --release -q -p gam-cli --bin gam
    GAM_BIN=target/release/gam
fi
mkdir -p "$HIT_DIR"
DATA="$HIT_DIR/gamsim1_$ROWS.csv"
if [ ! -s "$DATA" ]; then
    python3 - "$ROWS" "$DATA" <<'PY'
import math, random, sys
n, path = int(sys.argv[1]), sys.argv[2]
random.seed(1)
with open(path + ".tmp", "w") as f:
    f.write("y,x0,x1,x2,x3\n")
    for _ in range(n):
        x = [random.random() for _ in range(4)]
        f0 = 2 * math.sin(math.pi * x[0])
        f1 = math.exp(2 * x[1])
        f2 = 0.2 * x[2] ** 11 * (10 * (1 - x[2])) ** 6 + 10 * (10 * x[2]) ** 3 * (1 - x[2]) ** 10
        y = f0 + f1 + f2 + random.gauss(0, 2)
        f.write("%.8g,%.8g,%.8g,%.8g,%.8g\n" % (y, *x))
import os
os.replace(path + ".tmp", path)
PY
fi
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

now() { date +%s.%N; }
# Wall time in seconds of a command; its stdout discarded, its stderr kept in $WORK/stderr.
wall() {
    local t0 t1
    t0=$(now)
    "$@" >/dev/null 2>"$WORK/stderr"
    t1=$(now)
    echo "$t1 - $t0" | bc -l
}
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
expect() {
    grep -qx "$1" "$WORK/stderr" || { echo "expected '$1', got: $(cat "$WORK/stderr")" >&2; exit 1; }
}

echo "data:    $DATA ($(stat -c %s "$DATA") bytes, $ROWS rows)"
echo "formula: $FORMULA"
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
cat "$DATA" >/dev/null # in the page cache for every run alike

cold=()
hit=()
for i in $(seq "$RUNS"); do
    cache="$WORK/cache-$i"
    cold+=("$(wall "$GAM_BIN" --cache-dir "$cache" fit "$DATA" "$FORMULA")")
    expect "cache: cold start"
    hit+=("$(wall "$GAM_BIN" --cache-dir "$cache" fit "$DATA" "$FORMULA")")
    expect "cache: exact hit"
done
c=$(median "${cold[@]}")
h=$(median "${hit[@]}")
echo "cold fit runs (s):  ${cold[*]}"
echo "exact hit runs (s): ${hit[*]}"
printf 'cold fit (median of %d):  %8.3f s\n' "$RUNS" "$c"
printf 'exact hit (median of %d): %8.4f s\n' "$RUNS" "$h"
printf 'ratio cold / hit:         %8.1f x\n' "$(echo "$c / $h" | bc -l)"
