#!/usr/bin/env bash
# bigdata.sh -- benchmark for "Big data on one machine": gam (Rust CLI, whole process, all cores)
# against mgcv's gam(REML), bam(fREML) and bam(fREML, discrete = TRUE) (single-threaded OpenBLAS)
# on gamSim(1)-style data of 10^4 to 10^6 rows, with
#   y ~ s(x0, bs = "cr") + s(x1, bs = "cr") + s(x2, bs = "cr") + s(x3, bs = "cr").
#
# Usage: bench/bigdata.sh
# Environment:
#   SIZES       numbers of rows (default "1e4 1e5 1e6")
#   FAMILIES    gaussian and/or binomial (default "gaussian binomial")
#   TIMEOUT     seconds allowed to each fit process (default 600); a fit that times out or fails is
#               reported in the table, the run goes on
#   BIGDATA_DIR work directory (default /tmp/gam-bigdata): data/<family>_<n>.csv (generated once, with
#               set.seed(1), and reused), results/<family>_<n>/ (rewritten every run), report-*.txt
#   GAM_BIN     use this gam binary instead of building target/release/gam
#
# What is measured (every method in its own process under /usr/bin/time -v):
#   gam:  `gam --no-cache --quiet --json fit DATA FORMULA --family F --out model.json`: wall time and
#         peak RSS of the whole process (reading the CSV included), on all cores (rayon's default
#         pool; RAYON_NUM_THREADS is unset for it). Then `gam predict --type link` (timed apart) gives
#         its fitted linear predictor.
#   mgcv: Rscript bench/bigdata.R fit: read.csv (timed apart), then the fit (timed apart: "fit"),
#         plus the wall time and peak RSS of the whole Rscript process. gam(REML) only for n <= 1e5.
#         R runs on Debian's single-threaded OpenBLAS (libopenblas0-serial), chosen for this run only
#         through R's library path (R_LD_LIBRARY_PATH / LD_LIBRARY_PATH), as bench/compare_mgcv.sh
#         does; the system's BLAS alternative is not changed. The BLAS R loaded is printed.
# Installs R, mgcv, jsonlite, libopenblas0-serial and time with apt-get if missing (needs root).
# Not run in CI.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SIZES="${SIZES:-1e4 1e5 1e6}"
FAMILIES="${FAMILIES:-gaussian binomial}"
TIMEOUT="${TIMEOUT:-600}"
BIGDATA_DIR="${BIGDATA_DIR:-/tmp/gam-bigdata}"
FORMULA='y ~ s(x0, bs = "cr") + s(x1, bs = "cr") + s(x2, bs = "cr") + s(x3, bs = "cr")'
HELPER="$ROOT/bench/bigdata.R"

LOAD_START="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"

say() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { say "$*"; exit 1; }

# R, mgcv and the serial BLAS (installed if missing); then /usr/bin/time and timeout.
# shellcheck source=bench/mgcv_env.sh
. "$ROOT/bench/mgcv_env.sh"
if [ ! -x /usr/bin/time ]; then
  say "installing time (/usr/bin/time)"
  apt_install time || die "cannot install time"
fi
command -v timeout >/dev/null || die "timeout (coreutils) not found"

# R's start-up script puts R_LD_LIBRARY_PATH before LD_LIBRARY_PATH, and its default includes the
# system library directory (where libblas.so.3 is the alternatives link): put the serial OpenBLAS
# directory first in both.
# run_r CMD...: run CMD (Rscript ...) in that environment (an `env` command, so that /usr/bin/time
# can run it)
R_ENV=(env "R_LD_LIBRARY_PATH=$SERIAL_DIR:$R_HOME_DIR/lib:/usr/lib/$MULTIARCH"
  "LD_LIBRARY_PATH=$SERIAL_DIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1)
run_r() { "${R_ENV[@]}" "$@"; }

# --- build gam ----------------------------------------------------------------------------------
if [ -n "${GAM_BIN:-}" ]; then
  GAM="$GAM_BIN"
else
  GAM="${CARGO_TARGET_DIR:-$ROOT/target}/release/gam"
  built=0
  for attempt in 1 2 3; do
    say "building gam-cli (release), attempt $attempt"
    if (cd "$ROOT" && cargo build --release --quiet -p gam-cli); then built=1; break; fi
    [ "$attempt" -lt 3 ] && sleep 60
  done
  if [ "$built" = 0 ]; then
    [ -x "$GAM" ] || die "cannot build gam-cli"
    say "WARNING: the build failed; using the existing $GAM"
  fi
fi
[ -x "$GAM" ] || die "no gam binary at $GAM"

# --- data ---------------------------------------------------------------------------------------
DATA_DIR="$BIGDATA_DIR/data"
RES_DIR="$BIGDATA_DIR/results"
mkdir -p "$DATA_DIR" "$RES_DIR"

n_int() { awk -v s="$1" 'BEGIN { printf "%d", s + 0 }'; }

for fam in $FAMILIES; do
  case "$fam" in gaussian|binomial) ;; *) die "unknown family $fam (gaussian, binomial)";; esac
  for s in $SIZES; do
    n="$(n_int "$s")"
    f="$DATA_DIR/${fam}_${n}.csv"
    if [ -s "$f" ]; then continue; fi
    say "generating $f"
    run_r Rscript "$HELPER" gen --family="$fam" --n="$n" --out="$f" || die "data generation failed for $fam n=$n"
  done
done

# --- timed runs ---------------------------------------------------------------------------------
# run_timed DIR NAME CMD...: run CMD under timeout and /usr/bin/time -v; writes DIR/NAME.{time,stdout,
# stderr,status}; status is "ok", "timeout after T s" or "error (exit N): <end of stderr>"
run_timed() {
  local dir="$1" name="$2"; shift 2
  local t0 t1 rc msg
  t0="$(date +%s.%N)"
  timeout -k 30 "$TIMEOUT" /usr/bin/time -v -o "$dir/$name.time" "$@" \
    >"$dir/$name.stdout" 2>"$dir/$name.stderr"
  rc=$?
  t1="$(date +%s.%N)"
  if [ "$rc" = 0 ]; then
    echo ok >"$dir/$name.status"
  elif [ "$rc" = 124 ] || [ "$rc" = 137 ] && awk -v a="$t0" -v b="$t1" -v t="$TIMEOUT" 'BEGIN { exit !(b - a >= t) }'; then
    echo "timeout after $TIMEOUT s" >"$dir/$name.status"
  else
    msg="$(grep -v '^[[:space:]]*$' "$dir/$name.stderr" | tail -n 3 | tr '\n' ' ' | cut -c1-300)"
    if [ -z "$msg" ]; then msg="$(grep -E 'signal|status' "$dir/$name.time" 2>/dev/null | head -n 1)"; fi
    echo "error (exit $rc): $msg" >"$dir/$name.status"
  fi
  say "  $name: $(cat "$dir/$name.status") ($(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s)"
}

for fam in $FAMILIES; do
  for s in $SIZES; do
    n="$(n_int "$s")"
    data="$DATA_DIR/${fam}_${n}.csv"
    cdir="$RES_DIR/${fam}_${n}"
    rm -rf "$cdir"; mkdir -p "$cdir"
    echo "$data" >"$cdir/data.path"
    say "$fam n=$n"

    run_timed "$cdir" gam env -u RAYON_NUM_THREADS "$GAM" --no-cache --quiet --json \
      fit "$data" "$FORMULA" --family "$fam" --out "$cdir/gam.model.json"
    mv "$cdir/gam.stdout" "$cdir/gam.fit.json"
    if [ "$(cat "$cdir/gam.status")" = ok ]; then
      run_timed "$cdir" gam.predict env -u RAYON_NUM_THREADS "$GAM" --no-cache --quiet \
        predict --type link "$cdir/gam.model.json" "$data" --out "$cdir/gam.eta.csv"
      if [ "$(cat "$cdir/gam.predict.status")" != ok ]; then rm -f "$cdir/gam.eta.csv"; fi
    fi

    for m in bam bamk bamd gamR; do
      if [ "$m" = gamR ] && [ "$n" -gt 100000 ]; then
        echo "skipped: n > 1e5" >"$cdir/$m.status"; continue
      fi
      meth="$m"; [ "$m" = gamR ] && meth=gam
      run_timed "$cdir" "$m" "${R_ENV[@]}" Rscript "$HELPER" fit --method="$meth" --family="$fam" \
        --data="$data" --out="$cdir/$m"
    done
  done
done

# --- report -------------------------------------------------------------------------------------
REPORT="$BIGDATA_DIR/report-$(date +%Y%m%d-%H%M%S).txt"
{
  echo "Big data on one machine: gam (Rust) vs mgcv, $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "Machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | sed 's/.*: //')),"\
    "$(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) RAM;"\
    "load average at start $LOAD_START, at end $(cut -d' ' -f1-3 /proc/loadavg)"\
    "(other work on the machine slows every method)."
  echo "gam: $("$GAM" --version 2>/dev/null) ($GAM, commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null)$(git -C "$ROOT" diff --quiet HEAD 2>/dev/null || echo ' + uncommitted changes')),"\
    "ran on all $(nproc) cores (rayon's default pool)."
  run_r Rscript -e 'cat(sprintf("mgcv %s, %s, on one core; BLAS used by R: %s\n", packageVersion("mgcv"), R.version.string, extSoftVersion()[["BLAS"]]))' 2>/dev/null
  echo "Data: gamSim(1, n, scale = 2) (gaussian) / gamSim(1, n, dist = \"binary\", scale = 0.33) (binomial), set.seed(1);"\
    "CSV in $DATA_DIR. Timeout per fit process: $TIMEOUT s."
  cat <<'EOF'
Columns (seconds, MiB):
  gam wall, gam MiB      gam CLI fit, whole process (CSV reading included): wall time, peak RSS
  R read                 read.csv time in R (bam's process), not part of any R 'fit' time
  gamR/bam/bamD fit      mgcv gam(REML) / bam(fREML) / bam(fREML, discrete = TRUE): fit only
  gamR/bam/bamD wall,MiB the same, whole Rscript process (start-up, loading mgcv, reading, fit, output)
  bamD/gam wall          whole-process wall time ratio (> 1: gam faster)
  X/gam fit              mgcv fit-only time / gam whole-process wall time (> 1: gam faster)
  dREML rel gamR         (gam REML score - gam(REML)'s gcv.ubre) / |gam(REML)'s|
  dEDF X                 max over smooths of |gam EDF - mgcv EDF|, X = bamK, gamR or bam
  dEta X                 max over rows of |gam linear predictor - mgcv's| / s, where s = sd(y) for
                         gaussian and s = sd(bamK's linear predictor) for binomial
  bamK                   bam(fREML) given the knots gam() places on all n rows: the same model as
                         gam's. bam() by default places each smooth's knots on a random sample of
                         10^4 rows (mgcv:::mini.mf), a different basis whenever n > 10^4, which
                         alone moves its fit by about 1e-2 sd (the dEta bam column); bamK is fitted
                         for these accuracy columns only (not timed against gam)
  bamD dEDF/dEta bam     the same for bam discrete vs bam non-discrete (the discretisation's error)
  skip: not run (gam(REML) only for n <= 1e5); TIMEOUT / ERROR: see the notes under the table.
EOF
  for fam in $FAMILIES; do
    run_r Rscript "$HELPER" table --dir="$RES_DIR" --family="$fam" --sizes="$SIZES" --timeout="$TIMEOUT" \
      || echo "(table for $fam failed)"
  done
  echo
  echo "Load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$REPORT"
say "report written to $REPORT"
