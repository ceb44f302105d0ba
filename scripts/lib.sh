# Shared by scripts/test and scripts/demo: installs missing Debian packages, configures, builds.
# shellcheck shell=bash

annp_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
annp_jobs="${ANNP_JOBS:-$(nproc 2>/dev/null || echo 2)}"

annp_log() { printf '\n==> %s\n' "$*"; }

# annp_require_packages PKG...: installs what is missing (as root), or says what to install.
annp_require_packages() {
  if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "annp: this script installs Debian packages and needs dpkg/apt (Debian 12)." >&2
    echo "      Install the equivalents of: $*" >&2
    return 0
  fi
  local missing=()
  local pkg
  for pkg in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$pkg")
    fi
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -eq 0 ]; then
    annp_log "installing missing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}"
  else
    echo "annp: missing Debian packages: ${missing[*]}" >&2
    echo "      install them with:  sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
}

# Packages the library, its tests, benchmarks and examples need.
annp_core_packages=(cmake make g++ libxtensor-dev libxsimd-dev doctest-dev libbenchmark-dev
  xz-utils)
# Packages of the MD integrations (KIM model driver, LAMMPS, ASE) and their tests.
annp_md_packages=(libkim-api-dev lammps lammps-data liblammps-dev libfmt-dev python3-lammps python3-ase python3-numpy
  openmpi-bin libopenmpi-dev)
# The Python module (pybind11) and its example's plots.
annp_python_packages=(pybind11-dev python3-pybind11 python3-dev python3-numpy python3-ase python3-matplotlib)
# Extra packages for the sanitizer/fuzzing stage, the format check and the check of
# benchmarks/count_flops.py (gdb).
annp_check_packages=(clang clang-format libclang-rt-14-dev libfuzzer-14-dev libomp-dev gdb)

# annp_conf_data CONF: the data files an annp-train configuration names (its `data =` line),
# one per line, in order.
annp_conf_data() {
  sed -n 's/^data *= *\([^#]*\).*/\1/p' "$1" | tr -s ' \t' '\n' | sed '/^$/d'
}

# annp_configure DIR [cmake options...]: configures DIR (Release unless told otherwise).
annp_configure() {
  local dir="$1"
  shift
  annp_log "configuring $dir"
  mkdir -p "$dir"
  cmake -S "$annp_root" -B "$dir" -DCMAKE_BUILD_TYPE=Release "$@" >"$dir/configure.log" 2>&1 ||
    {
      cat "$dir/configure.log"
      return 1
    }
}

# annp_build_targets DIR TARGET...: builds the named targets of a configured DIR.
annp_build_targets() {
  local dir="$1"
  shift
  annp_log "building $* in $dir ($annp_jobs jobs)"
  cmake --build "$dir" -j "$annp_jobs" --target "$@"
}

# annp_build DIR [cmake options...]: configures and builds everything.
annp_build() {
  annp_configure "$@"
  annp_log "building $1 ($annp_jobs jobs)"
  cmake --build "$1" -j "$annp_jobs"
}
