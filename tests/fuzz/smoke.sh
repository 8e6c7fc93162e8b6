#!/usr/bin/env bash
# The fuzz smoke CI runs: every libFuzzer target for SECONDS from its seed
# corpus (tests/fuzz/seeds, cut from real runs by make-seeds.py), in a
# clang + ASan + UBSan build of its own.  Any crash, sanitizer report,
# leak or broken invariant fails it.
#   tests/fuzz/smoke.sh [BUILD_DIR] [SECONDS]
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${1:-$ROOT/build-fuzz}
SECS=${2:-20}
TARGETS=(fuzz_nc fuzz_fwd fuzz_cp fuzz_transport fuzz_cuse_plan)

log() { printf '[fuzz] %s\n' "$*" >&2; }

if [ ! -f "$BUILD/build.ninja" ]; then
   log "configuring $BUILD (clang, -Dfuzz=true)"
   CC=clang meson setup "$BUILD" "$ROOT" -Dfuzz=true >/dev/null
fi
log "building ${#TARGETS[@]} targets"
ninja -C "$BUILD" "${TARGETS[@]/#/tests/fuzz/}" >/dev/null

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for t in "${TARGETS[@]}"; do
   seeds=$ROOT/tests/fuzz/seeds/${t#fuzz_}
   mkdir -p "$work/$t"
   [ -d "$seeds" ] && cp "$seeds"/* "$work/$t/" 2>/dev/null || true
   log "$t: ${SECS}s from $(ls "$work/$t" | wc -l) seeds"
   # -timeout: one input running 10 s is a hang (nothing here sleeps).
   if ! "$BUILD/tests/fuzz/$t" -max_total_time="$SECS" -timeout=10 \
         -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$work/" \
         "$work/$t" >"$work/$t.log" 2>&1; then
      tail -40 "$work/$t.log" >&2
      log "$t: FAILED"
      exit 1
   fi
   grep -E '^#[0-9]+[[:space:]]+DONE' "$work/$t.log" | tail -1 | sed "s/^/[fuzz] $t: /" >&2
done
log "all targets clean"
