#!/usr/bin/env bash
# Set-up shared by the two quickstart commands (scripts/main, scripts/test); also runnable alone.
#
#   1. Installs the Debian 12 packages minidl needs, only those missing (one apt-get update first,
#      and none at all when everything is present). Needs root or sudo only when installing.
#   2. Configures (first time only) and builds the optimised build in build/ with -j2; every
#      executable lands in build/bin/. A no-change run is a quick up-to-date check. Compiles go
#      through ccache, so a second clone or a rebuilt build/ on the same machine reuses objects.
#
#   scripts/setup.sh                 everything (libraries, tools, examples, tests, benches)
#   scripts/setup.sh --target tour   only what `minidl tour` runs (scripts/main uses this)
#
# Environment: MINIDL_JOBS overrides the build parallelism (default 2); CCACHE_DISABLE=1 turns
# ccache off for one run (e.g. to time a cold build).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

# Debian packages (no python3-torch: the tests never run Python; only tests/fixtures/ scripts do).
PACKAGES=(
  build-essential       # g++, make
  cmake
  pkg-config
  libopenblas-dev       # cblas (tensor/blas.cpp)
  libtbb-dev            # oneTBB 2021 (tensor/parallel.cpp)
  doctest-dev           # the test runner
  nlohmann-json3-dev    # JSON: configs, metrics, safetensors header, test fixtures
  libcli11-dev          # command-line flags of tools and examples
  zlib1g-dev            # gzip'd IDX data
  libpng-dev            # images
  libplplot-dev         # training curves (train/plot.cpp)
  plplot-driver-cairo   # PLplot's pngcairo device: the curves as PNG
  dataset-fashion-mnist # real data for examples (/usr/share/datasets/fashion-mnist/)
  graphviz              # dot, to render the graphs the tape exports
  clang-format          # style check in .ci/run
  ccache                # compiler cache: rebuilds and fresh clones reuse unchanged objects
  clang                 # libFuzzer + ASan/UBSan for the fuzz targets (scripts/fuzz, .ci/run)
  libopenmpi-dev        # MPI for dist/ (data-parallel training, MINIDL_MPI; optional to the build)
  openmpi-bin           # mpirun: the 2-process dist/ checks and --distributed runs
)
JOBS="${MINIDL_JOBS:-2}"
BUILD_DIR="$ROOT/build"
BUILD_TYPE=Release
TARGETS=()
while (($# > 0)); do
  case "$1" in
    --target)
      [[ $# -ge 2 ]] || { echo "setup: --target needs a target name" >&2; exit 2; }
      TARGETS+=(--target "$2")
      shift 2
      ;;
    *)
      echo "setup: unknown argument '$1' (usage: scripts/setup.sh [--target NAME]...)" >&2
      exit 2
      ;;
  esac
done

say() { printf 'setup: %s\n' "$*"; }
die() {
  printf 'setup: ERROR: %s\n' "$*" >&2
  exit 1
}

# ---- 1. packages
missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for pkg in "${PACKAGES[@]}"; do
    status="$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)"
    [[ "$status" == "install ok installed" ]] || missing+=("$pkg")
  done
else
  say "dpkg-query not found (not Debian?): skipping the package check; install by hand: ${PACKAGES[*]}"
fi

if ((${#missing[@]} > 0)); then
  say "installing missing Debian packages: ${missing[*]}"
  command -v apt-get >/dev/null 2>&1 || die "apt-get not found; install by hand: ${missing[*]}"
  SUDO=()
  if [[ "$(id -u)" -ne 0 ]]; then
    command -v sudo >/dev/null 2>&1 ||
      die "not root and sudo is not installed; as root run: apt-get install ${missing[*]}"
    SUDO=(sudo)
  fi
  # sudo may reset the environment, so DEBIAN_FRONTEND goes through env. Wait for a held dpkg lock
  # (e.g. unattended-upgrades) instead of failing at once.
  APT=("${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300)
  "${APT[@]}" update </dev/null || die "apt-get update failed"
  "${APT[@]}" install -y --no-install-recommends "${missing[@]}" </dev/null ||
    die "apt-get install failed for: ${missing[*]}"
fi

# ---- 2. configure (only when build/ is not configured yet, or configured for another build type);
# afterwards `cmake --build` re-runs CMake by itself when a CMakeLists.txt or a globbed folder changes.
cached_type=""
if [[ -f "$BUILD_DIR/CMakeCache.txt" ]]; then
  cached_type="$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$BUILD_DIR/CMakeCache.txt")"
fi
if [[ "$cached_type" != "$BUILD_TYPE" ]] ||
  { [[ ! -f "$BUILD_DIR/Makefile" ]] && [[ ! -f "$BUILD_DIR/build.ninja" ]]; }; then
  say "configuring $BUILD_TYPE build in build/"
  launcher=()
  if command -v ccache >/dev/null 2>&1; then
    launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  fi
  cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE="$BUILD_TYPE" "${launcher[@]}" ||
    die "CMake configure failed (see the messages above)"
fi
# Paths under the repository are hashed relative to it, so two clones share ccache entries.
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$ROOT}"

# ---- 3. build
say "building build/ with -j$JOBS${TARGETS:+ (${TARGETS[*]})}"
cmake --build "$BUILD_DIR" -j "$JOBS" "${TARGETS[@]}" ||
  die "build failed (see the compiler errors above)"
say "build ok; executables are in build/bin/"
