#!/usr/bin/env bash
# tp_large_n.sh -- issue 18 item 0: the default basis at large n. Times `gam fit` (whole process, all
# cores) of the binomial model with four default thin plate smooths against its `cr` twin on the
# same gamSim(1)-style data (bench/bigdata.R gen, set.seed(1)), median of REPS runs each, and
# prints the ratio tp/cr (the issue asks for at most 2).
#
# Usage: bench/tp_large_n.sh            Environment: N (rows, default 4e5), REPS (default 3),
#   BIGDATA_DIR (default /tmp/gam-bigdata; data/binomial_<n>.csv is shared with bigdata.sh),
#   GAM_BIN (a gam binary instead of building target/release/gam). Needs R for the data only.
# Not run in CI.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
N="$(awk -v s="${N:-4e5}" 'BEGIN { printf "%d", s + 0 }')"
REPS="${REPS:-3}"
BIGDATA_DIR="${BIGDATA_DIR:-/tmp/gam-bigdata}"
DATA="$BIGDATA_DIR/data/binomial_${N}.csv"
mkdir -p "$BIGDATA_DIR/data"
if [ ! -s "$DATA" ]; then
  Rscript "$ROOT/bench/bigdata.R" gen --family=binomial --n="$N" --out="$DATA"
fi
if [ -n "${GAM_BIN:-}" ]; then GAM="$GAM_BIN"; else
  (cd "$ROOT" && cargo build --release --quiet -p gam-cli)
  GAM="${CARGO_TARGET_DIR:-$ROOT/target}/release/gam"
fi
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
time_fit() { # FORMULA -> median wall seconds over REPS runs
  for _ in $(seq "$REPS"); do
    /usr/bin/time -f %e -o /tmp/tp_large_n.time "$GAM" --no-cache --quiet fit "$DATA" "$1" --family binomial >/dev/null
    cat /tmp/tp_large_n.time
  done | median
}
tp="$(time_fit 'y ~ s(x0) + s(x1) + s(x2) + s(x3)')"
cr="$(time_fit 'y ~ s(x0, bs = "cr") + s(x1, bs = "cr") + s(x2, bs = "cr") + s(x3, bs = "cr")')"
echo "n = $N binomial, four smooths, median of $REPS: tp ${tp} s, cr ${cr} s, tp/cr $(awk -v a="$tp" -v b="$cr" 'BEGIN { printf "%.2f", a / b }')"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
