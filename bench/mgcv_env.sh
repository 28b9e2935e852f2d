# mgcv_env.sh -- sourced by the benchmark scripts: installs R, mgcv, jsonlite and Debian's
# single-threaded OpenBLAS when missing (apt-get, needs root) and sets SERIAL_BLAS, SERIAL_DIR,
# MULTIARCH and R_HOME_DIR for running R on that BLAS through its library path. The caller
# defines say(); failures exit with a message.

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    say "need root to run: $*"; exit 1
  fi
}

apt_updated=0
apt_install() {
  if [ "$apt_updated" = 0 ]; then as_root apt-get update -qq; apt_updated=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2
}

if ! command -v Rscript >/dev/null || ! Rscript -e 'suppressPackageStartupMessages({library(mgcv); library(jsonlite)})' >/dev/null 2>&1; then
  say "installing R, mgcv and jsonlite"
  apt_install r-base-core r-cran-mgcv r-cran-jsonlite || { say "cannot install R"; exit 1; }
fi
if ! dpkg -s libopenblas0-serial >/dev/null 2>&1; then
  say "installing libopenblas0-serial"
  apt_install libopenblas0-serial || { say "cannot install libopenblas0-serial"; exit 1; }
fi
SERIAL_BLAS="$(dpkg -L libopenblas0-serial | grep -E '/libblas\.so\.3$' | head -n 1 || true)"
if [ -z "$SERIAL_BLAS" ]; then
  say "cannot find libblas.so.3 of libopenblas0-serial"; exit 1
fi
SERIAL_DIR="$(dirname "$SERIAL_BLAS")"
MULTIARCH="$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -dumpmachine)"
R_HOME_DIR="$(R RHOME)"
