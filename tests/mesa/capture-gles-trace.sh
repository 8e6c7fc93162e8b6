#!/usr/bin/env bash
# Capture unmodified mesa's ioctl stream on the forwarded node and turn it into the
# committed replay trace (issue 6 item 3):
#   tests/tools/mesa-gles.trace        `msmvirt compare --workloads trace:...`
#   tests/tools/mesa-gles.ioctls.txt   every ioctl the GLES client issued, with counts
#
# The guest boots exactly as in tests/mesa/vm-gles-forward.sh (msmvirt host on the sim
# backend; msmvirt-cuse forwarding /dev/dri/renderD128; gles_client with
# libmsmvirt-preload.so), with two additions: msmvirt-cuse runs with --trace, and
# libmsmvirt-regions.so (tests/mesa/regions_preload.c) logs what that trace cannot hold:
# GEM_SUBMIT's BO table and cmds, SET_PARAM COMM/CMDLINE and SET_NAME strings.  After the
# client (and the daemon, whose exit prints its per-ioctl counters) the guest cats both
# logs and the daemon's stderr between marker lines on the launcher's output console;
# `msmvirt trace-convert` does the rest on the host.
#
#   bash tests/mesa/capture-gles-trace.sh [BUILD_DIR]    exit 0 = files written
# BUILD_DIR: meson build with tools/msmvirt, msmvirt-cuse, libmsmvirt-preload.so and
# tests/mesa/libmsmvirt-regions.so (default $MESON_BUILD_ROOT, else <repo>/build).
# Environment: FRAMES (30), OUT_DIR (tests/tools: where the two files go),
# GPU_US (50: modelled GPU time per submit), CAPTURE_KEEP=1 (keep the raw logs in
# build/mesa/capture/).
set -uo pipefail
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"
ROOT=$MESA_TESTS_ROOT
BUILD=${1:-${MESON_BUILD_ROOT:-$ROOT/build}}
BUILD=$(cd "$BUILD" && pwd) || { echo "FAIL: no build directory $BUILD"; exit 1; }
FRAMES=${FRAMES:-30}
OUT_DIR=${OUT_DIR:-$ROOT/tests/tools}
GPU_US=${GPU_US:-50}
HOSTMEM_SIZE=128M
IMG=$ROOT/build/mesa/vm-capture

find_bin() { # name -> first file of that name under the build dir
    find "$BUILD" -name "$1" -type f -not -path '*/meson-private/*' -print -quit 2>/dev/null
}
MSMVIRT=$BUILD/tools/msmvirt
CUSE=$(find_bin msmvirt-cuse)
PRELOAD=$(find_bin libmsmvirt-preload.so)
REGIONS=$(find_bin libmsmvirt-regions.so)
for f in "$MSMVIRT" "$CUSE" "$PRELOAD" "$REGIONS"; do
    [ -n "$f" ] && [ -f "$f" ] || {
        echo "FAIL: missing in $BUILD: tools/msmvirt, msmvirt-cuse, libmsmvirt-preload.so or" \
             "libmsmvirt-regions.so (build with: ninja -C $BUILD)"; exit 1; }
done

mesa_tests_clients || { echo "FAIL: building mesa or the clients"; exit 1; }
mesa_image_build "$IMG" \
    --add "$MESA_TESTS_OUT/gles_client:/usr/local/bin/gles_client" \
    --add "$CUSE:/usr/local/bin/msmvirt-cuse" \
    --add "$PRELOAD:/usr/local/lib/libmsmvirt-preload.so" \
    --add "$REGIONS:/usr/local/lib/libmsmvirt-regions.so" || { echo "FAIL: guest image"; exit 1; }

work=$(mktemp -d "$ROOT/build/mesa/capture-run.XXXXXX")
trap 'rm -rf "$work"' EXIT

# The guest command. \$ is expanded in the guest.
read -r -d '' guest <<GUEST
. $MESA_GUEST_ENV
node=/dev/dri/renderD128
msmvirt-cuse --port "\$MSMVIRT_PORT" --hostmem "\$MSMVIRT_HOSTMEM_BAR" --trace /tmp/cuse.trace 2>/tmp/cuse.log &
cpid=\$!
i=0; while [ ! -c \$node ] && [ \$i -lt 150 ]; do sleep 0.1; i=\$((i + 1)); done
[ -c \$node ] || { echo "no \$node after 15 s"; cat /tmp/cuse.log; exit 3; }
MSMVIRT_REGIONS_LOG=/tmp/regions.log \
LD_PRELOAD=/usr/local/lib/libmsmvirt-preload.so:/usr/local/lib/libmsmvirt-regions.so \
    gles_client -n $FRAMES \$node
echo "gles_rc=\$?"
kill \$cpid; wait \$cpid
for f in cuse.trace regions.log cuse.log; do
    echo "==BEGIN \$f"; cat /tmp/\$f; echo "==END \$f"
done
exit 0
GUEST

host_cmd="exec $(printf '%q' "$MSMVIRT") host --connect \"\$MSMVIRT_SERIAL_SOCK\" \
--hostmem-file \"\$MSMVIRT_HOSTMEM\" --hostmem-size $HOSTMEM_SIZE -q"
t=$EPOCHREALTIME
"$ROOT/vm/run-guest.sh" --image-dir "$IMG" --timeout 900 --hostmem-size "$HOSTMEM_SIZE" \
    --host-cmd "$host_cmd" -- "$guest" >"$work/guest-output" 2>"$work/launcher.log"
rc=$?
echo "boot+run: $(mt_since "$t") s (launcher status $rc)"
section() { # name -> the lines between the guest's markers
    awk -v b="==BEGIN $1" -v e="==END $1" '$0 == e { on = 0 } on { print } $0 == b { on = 1 }' \
        "$work/guest-output"
}
for f in cuse.trace regions.log cuse.log; do section "$f" >"$work/$f"; done
grep -v '^==' "$work/guest-output" | grep -v -e '^[0-9]* [0-9]* [0-9]* session=' \
    -e '^submit queue=' -e '^set\(param\|name\) ' | head -n 40 | sed 's/^/  | /'
if [ "$rc" != 0 ] || ! grep -qx "gles_rc=0" "$work/guest-output" || [ ! -s "$work/cuse.trace" ]; then
    echo "FAIL: the capture run did not complete (launcher log:)"
    sed 's/^/  | /' "$work/launcher.log" | tail -n 40
    exit 1
fi
echo "raw: $(wc -l <"$work/cuse.trace") ioctl records, $(wc -l <"$work/regions.log") region records"

if [ "${CAPTURE_KEEP:-0}" = 1 ]; then
    mkdir -p "$ROOT/build/mesa/capture"
    cp "$work/cuse.trace" "$work/regions.log" "$work/cuse.log" "$work/guest-output" \
        "$ROOT/build/mesa/capture/"
fi

mesa_version=$(basename "$(ls -d "$ROOT"/build/mesa/src/mesa-*/ 2>/dev/null | head -n 1)")
renderer=$(sed -n 's/^GL_RENDERER=//p' "$work/guest-output" | head -n 1)
source_note="mesa ${mesa_version#mesa-} freedreno (GL_RENDERER=$renderer), tests/mesa/gles_client -n $FRAMES, msmvirt-cuse --trace in the QEMU guest"
mkdir -p "$OUT_DIR"
"$MSMVIRT" trace-convert --regions "$work/regions.log" --frames "$FRAMES" --gpu-us "$GPU_US" \
    --source "$source_note" "$work/cuse.trace" "$OUT_DIR/mesa-gles.trace" ||
    { echo "FAIL: trace-convert"; exit 1; }

{
    echo "# Every ioctl unmodified mesa issued on the forwarded node for"
    echo "#   $source_note"
    echo "# captured by tests/mesa/capture-gles-trace.sh on $(date -u +%Y-%m-%d); each one is a"
    echo "# synchronous round trip under forward.  Replay: tests/tools/mesa-gles.trace."
    echo "#"
    echo "# From msmvirt-cuse --trace (what reached the host), by name, with failures apart:"
    awk '{ n[$6]++; r = $8; sub(/result=/, "", r); if (r != 0) f[$6 " result=" r]++; t++ }
         END { for (k in n) printf "%-24s %6d\n", k, n[k];
               for (k in f) printf "%-24s %6d   (failed)\n", k, f[k];
               printf "%-24s %6d\n", "total", t }' "$work/cuse.trace" | sort -k1,1 -s
    echo "#"
    echo "# By kind, decoded from each struct's second u32 (GEM_INFO info, GET_PARAM param,"
    echo "# MADVISE advice, SUBMITQUEUE_NEW prio):"
    awk 'function hx(s,  i, v) { v = 0; for (i = 1; i <= length(s); i++)
                                     v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
                                 return v }
         { name = $6; v = ""
           for (i = 9; i <= NF; i++) if (substr($i, 1, 3) == "in=") v = substr($i, 4)
           k = hx(substr(v, 15, 2) substr(v, 13, 2) substr(v, 11, 2) substr(v, 9, 2)) }
         name == "MSM_GEM_INFO" { split("GET_OFFSET GET_IOVA SET_NAME GET_NAME SET_IOVA", n, " ")
                                  c[name " " (k < 5 ? n[k + 1] : k)]++ }
         name == "MSM_GET_PARAM" || name == "MSM_SET_PARAM" {
             split("GPU_ID GMEM_SIZE CHIP_ID MAX_FREQ TIMESTAMP GMEM_BASE PRIORITIES PP_PGTABLE FAULTS SUSPENDS SYSPROF COMM CMDLINE VA_START VA_SIZE", n, " ")
             c[name " " (k >= 1 && k <= 15 ? n[k] : k)]++ }
         name == "MSM_GEM_MADVISE" { c[name " " (k == 0 ? "WILLNEED" : k == 1 ? "DONTNEED" : k)]++ }
         name == "MSM_SUBMITQUEUE_NEW" { c[name " prio=" k]++ }
         END { for (x in c) printf "%-36s %6d\n", x, c[x] }' "$work/cuse.trace" | sort
    echo "#"
    echo "# msmvirt-cuse's own counters at exit (also the requests it answered locally):"
    sed 's/^/# /' "$work/cuse.log"
} >"$OUT_DIR/mesa-gles.ioctls.txt"
echo "wrote $OUT_DIR/mesa-gles.trace ($(wc -c <"$OUT_DIR/mesa-gles.trace") bytes," \
     "$(grep -vc '^#' "$OUT_DIR/mesa-gles.trace") lines) and $OUT_DIR/mesa-gles.ioctls.txt"
