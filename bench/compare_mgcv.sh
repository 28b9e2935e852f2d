#!/usr/bin/env bash
# compare_mgcv.sh -- fit every public reference case (all families: gaussian, binomial, poisson, Gamma)
# with mgcv and with gam, and print a table of fit times (fit only, data already loaded) and REML
# differences, with the geometric mean of the time ratios.
#
# Usage: bench/compare_mgcv.sh [case_id ...]
# Environment: REPS (timed fits per case, default 5), WARMUP (untimed fits first, default 1),
#              BENCH_DIR (default crates/gam/tests/data/bench).
#
# - Installs R, mgcv, jsonlite and single-threaded OpenBLAS with apt-get if missing (needs root).
# - mgcv runs on single-threaded OpenBLAS (libopenblas0-serial), chosen for this run only through R's
#   library path (R_LD_LIBRARY_PATH / LD_LIBRARY_PATH); the system's BLAS alternative is not changed.
#   The BLAS R actually loaded is printed.
# - gam is timed by crates/gam/examples/bench_fit (release build), on all cores and pinned to one core.
# Not run in CI.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCH_DIR="${BENCH_DIR:-$ROOT/crates/gam/tests/data/bench}"
REPS="${REPS:-5}"
WARMUP="${WARMUP:-1}"

LOAD_START="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"

say() { printf '%s\n' "$*" >&2; }

# R, mgcv and the serial BLAS (installed if missing).
# shellcheck source=bench/mgcv_env.sh
. "$ROOT/bench/mgcv_env.sh"

PIN=()
if command -v taskset >/dev/null; then PIN=(taskset -c 0); else say "taskset not found: no one-core runs"; fi

# --- build gam ----------------------------------------------------------------------------------
say "building gam (release)"
(cd "$ROOT" && cargo build --release --quiet -p gam --example bench_fit)
BENCH_FIT="$ROOT/target/release/examples/bench_fit"
if [ -n "${CARGO_TARGET_DIR:-}" ]; then BENCH_FIT="$CARGO_TARGET_DIR/release/examples/bench_fit"; fi

# --- run ----------------------------------------------------------------------------------------
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

mapfile -t CASES < <(Rscript "$ROOT/bench/mgcv_time.R" --bench-dir="$BENCH_DIR" --list "$@")
if [ "${#CASES[@]}" = 0 ]; then say "no cases selected"; exit 1; fi

for id in "${CASES[@]}"; do
  say "gam:  $id"
  if ! "$BENCH_FIT" "$id" --reps "$REPS" --warmup "$WARMUP" --bench-dir "$BENCH_DIR" >"$TMP/$id.json"; then
    say "  gam failed on $id"; rm -f "$TMP/$id.json"
  fi
  if [ "${#PIN[@]}" -gt 0 ]; then
    if ! "${PIN[@]}" "$BENCH_FIT" "$id" --reps "$REPS" --warmup "$WARMUP" --bench-dir "$BENCH_DIR" \
      >"$TMP/$id.1core.json"; then
      say "  gam (one core) failed on $id"; rm -f "$TMP/$id.1core.json"
    fi
  fi
done

say "mgcv: timing ${#CASES[@]} cases"
echo "Machine: $(nproc) cores; load average at start $LOAD_START, now $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)" \
  "(other work on the machine slows both engines)."
# R's start-up script puts R_LD_LIBRARY_PATH before LD_LIBRARY_PATH, and its default includes the
# system library directory (where libblas.so.3 is the alternatives link): put the serial OpenBLAS
# directory first in both.
R_LD_LIBRARY_PATH="$SERIAL_DIR:$R_HOME_DIR/lib:/usr/lib/$MULTIARCH" \
  LD_LIBRARY_PATH="$SERIAL_DIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
  OPENBLAS_NUM_THREADS=1 \
  Rscript "$ROOT/bench/mgcv_time.R" --bench-dir="$BENCH_DIR" --gam-dir="$TMP" \
  --reps="$REPS" --warmup="$WARMUP" "${CASES[@]}" | tee "$TMP/table.txt"

if ! grep -q "^BLAS used by R: .*openblas-serial" "$TMP/table.txt"; then
  say "WARNING: R did not load the single-threaded OpenBLAS from $SERIAL_DIR (see the BLAS line above)"
fi
