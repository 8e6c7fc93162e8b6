#!/usr/bin/env bash
# msmvirt's two commands:
#   ./run.sh        install what is missing, build, run the main job
#   ./run.sh test   install what is missing, build, run the whole test suite
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$ROOT"
BUILD=${MSMVIRT_BUILD:-build}

# Debian packages the build, the tests, the guest VM and the report need.
PKGS=(gcc pkg-config meson ninja-build python3
      libdrm-dev libcmocka-dev linux-headers-amd64 libfuse3-dev fuse3
      libjson-c-dev libinih-dev gnuplot-nox
      qemu-system-x86 busybox-static cpio
      clang libclang-rt-14-dev)   # the libFuzzer targets (tests/fuzz)

log() { printf '[run.sh] %s\n' "$*" >&2; }

install_deps() {
   local missing=()
   for p in "${PKGS[@]}"; do
      dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
         missing+=("$p")
   done
   if ((${#missing[@]})); then
      log "installing: ${missing[*]}"
      [ "$(id -u)" = 0 ] || { log "need root to apt-get install"; exit 1; }
      apt-get update -q
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
   fi
}

build() {
   if [ ! -f "$BUILD/build.ninja" ]; then
      log "configuring $BUILD/"
      meson setup "$BUILD" >/dev/null
   fi
   log "building"
   ninja -C "$BUILD" >/dev/null
}

# The main job: host-direct, forward and nativectx side by side on the sim
# backend.  First a real-clock run at a few RTTs (the validation, with the
# harness's own floor), then the full sweep on the deterministic virtual
# clock, which writes docs/evaluation.md + docs/figures/ with the real run
# next to it.  Extra arguments go to the virtual run (e.g. --cost-exit-ns).
WORKLOADS=frame,alloc,dispatch,readback,startup,trace:tests/tools/mesa-gles.trace,trace:tests/tools/sample.trace
main_job() {
   log "1/2 real clock: RTT 0, 50, 200 us, 5 repetitions (about 2 minutes)"
   "$BUILD/tools/msmvirt" compare --clock real --rtt-us 0,50,200 \
      --no-attribution --workloads "$WORKLOADS" \
      --json "$BUILD/compare-real.json" >/dev/null
   log "2/2 virtual clock: the full sweep and the report (about 1 minute)"
   "$BUILD/tools/msmvirt" compare --clock virtual --workloads "$WORKLOADS" \
      --real-json "$BUILD/compare-real.json" \
      --json "$BUILD/compare.json" --report docs "$@"
   log "report: docs/evaluation.md (figures in docs/figures/, raw data in $BUILD/compare.json and $BUILD/compare-real.json)"
}

run_tests() {
   # Unmodified mesa from Debian's source package, built once per machine
   # (~6 min on 2 cores); the mesa suites and the real-guest GLES run use it.
   log "mesa (cached after the first build)"
   bash tools/build-mesa.sh
   log "unit and integration tests"
   # The mesa source is there now: tests that need it must not skip.
   MSMVIRT_REQUIRE_MESA_SRC=1 meson test -C "$BUILD" --print-errorlogs --num-processes 2 "$@"
   # The same suites under ASan + UBSan (gcc, -Dsanitize=true): about 35 s
   # to build and 35 s to run on 2 cores.  The interference suite is left
   # out there: it asserts latencies, and ASan slows the attacker's CP
   # streams 4x (it runs above, unsanitized).
   if [ -z "${MSMVIRT_NO_ASAN:-}" ]; then
      log "unit and integration tests under ASan + UBSan ($BUILD-asan/)"
      [ -f "$BUILD-asan/build.ninja" ] || meson setup "$BUILD-asan" -Dsanitize=true >/dev/null
      ninja -C "$BUILD-asan" >/dev/null
      ASAN_OPTIONS=detect_leaks=1 meson test -C "$BUILD-asan" --print-errorlogs \
         --num-processes 2 --no-suite vm --no-suite mesa --no-suite interference
   fi
   # Each libFuzzer target for 20 s from its seeds (clang build of its own):
   # about 2 minutes with the build.
   if [ -z "${MSMVIRT_NO_FUZZ:-}" ]; then
      log "fuzz smoke ($BUILD-fuzz/)"
      local fuzzdir=$BUILD-fuzz
      [[ $fuzzdir = /* ]] || fuzzdir=$ROOT/$fuzzdir
      bash tests/fuzz/smoke.sh "$fuzzdir" 20
   fi
}

cmd=${1:-main}
[ $# -gt 0 ] && shift
install_deps
build
case "$cmd" in
   main) main_job "$@" ;;
   test) run_tests "$@" ;;
   *) echo "usage: $0 [test]" >&2; exit 2 ;;
esac
