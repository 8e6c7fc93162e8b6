#!/usr/bin/env bash
# Unmodified mesa in the real guest, the design chosen ONLY by the guest config file
# (vm/run-guest.sh --mode MODE writes /etc/msmvirt/guest.conf; msmvirt-cuse --config and
# libmsmvirt-preload.so read it):
#   forward    mesa's msm backend (msm_dri.so) on the forwarded msm node
#   nativectx  mesa 22.3.6's freedreno virtio backend (virtio_gpu_dri.so, picked by the
#              loader from the node's PCI identity 1af4:1050) on the virtio_gpu node
# The same gles_client binary runs 1 frame, then FRAMES+1 frames; msmvirt-cuse's counters
# are snapshotted (SIGUSR1) around each run, and the per-frame counts (the difference of
# the two runs over FRAMES) are printed: ioctls, FUSE requests, guest->host messages,
# synchronous round trips, bytes, fence waits.  Host: `msmvirt stats` after each client.
# Asserts: GL_RENDERER=FD630, the frames rendered, read back, exit 0, the host's objects
# back to 0 after each client.  MESA_PIXEL_CHECK=1 also asserts the read-back pixel is
# the clear colour (the sim GPU does not execute clears yet: issue 14).
#
#   bash tests/mesa/vm-gles-modes.sh MODE [BUILD_DIR]     exit 0 = pass
# Environment: FRAMES (30), MESA_VM_DEBUG=1, MESA_VM_KEEP=1, COUNTS_OUT=FILE (the
# per-frame table is also written there).
set -uo pipefail
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"
ROOT=$MESA_TESTS_ROOT
MODE=${1:-}
case $MODE in forward|nativectx) ;; *) echo "usage: $0 forward|nativectx [BUILD_DIR]"; exit 2 ;; esac
BUILD=${2:-${MESON_BUILD_ROOT:-$ROOT/build}}
BUILD=$(cd "$BUILD" && pwd) || { echo "FAIL: no build directory $BUILD"; exit 1; }
FRAMES=${FRAMES:-30}
HOSTMEM_SIZE=128M
IMG=$ROOT/build/mesa/vm-modes
T0=$EPOCHREALTIME

MSMVIRT=$BUILD/tools/msmvirt
CUSE=$BUILD/cuse/msmvirt-cuse
PRELOAD=$BUILD/cuse/libmsmvirt-preload.so
for f in "$MSMVIRT" "$CUSE" "$PRELOAD"; do
    [ -f "$f" ] || { echo "FAIL: $f not built (ninja -C $BUILD)"; exit 1; }
done

mesa_tests_clients || { echo "FAIL: building mesa or the clients"; exit 1; }
t=$EPOCHREALTIME
mesa_image_build "$IMG" --add "$MESA_TESTS_OUT/gles_client:/usr/local/bin/gles_client" \
    --add "$CUSE:/usr/local/bin/msmvirt-cuse" \
    --add "$PRELOAD:/usr/local/lib/libmsmvirt-preload.so" || { echo "FAIL: guest image"; exit 1; }
echo "image: $(du -h "$IMG/initramfs.cpio.gz" | cut -f1) initramfs, built in $(mt_since "$t") s"

work=$(mktemp -d "$ROOT/build/mesa/vm-modes-run.XXXXXX")
[ "${MESA_VM_KEEP:-0}" = 1 ] || trap 'rm -rf "$work"' EXIT
dbg=""
[ "${MESA_VM_DEBUG:-0}" = 1 ] && dbg="export MESA_DEBUG=1 LIBGL_DEBUG=verbose EGL_LOG_LEVEL=debug"

read -r -d '' guest <<GUEST
. $MESA_GUEST_ENV
$dbg
node=/dev/dri/renderD128
echo "config: \$(grep -v '^#' "\$MSMVIRT_CONFIG" | tr '\n' ' ')"
msmvirt-cuse --config "\$MSMVIRT_CONFIG" 2>/tmp/cuse.log &
cpid=\$!
i=0; while [ ! -c \$node ] && [ \$i -lt 150 ]; do sleep 0.1; i=\$((i + 1)); done
[ -c \$node ] || { echo "no \$node after 15 s"; cat /tmp/cuse.log; exit 3; }
head -n 1 /tmp/cuse.log
checkpoint() { echo "CHECKPOINT \$1"; sleep 1.5; }
snap() { # the daemon's counters now, as SNAP lines
    n=\$(grep -c "stats end" /tmp/cuse.log)
    kill -USR1 \$cpid
    i=0; while [ "\$(grep -c 'stats end' /tmp/cuse.log)" -le \$n ] && [ \$i -lt 100 ]; do sleep 0.1; i=\$((i + 1)); done
    awk '/msmvirt-cuse: stats: /{b=""; on=1} on{b=b \$0 "\n"} /stats end/{on=0; last=b} END{printf "%s", last}' \
        /tmp/cuse.log | sed "s/^/SNAP \$1 /"
}
snap start
for run in one:1 many:$((FRAMES + 1)); do
    name=\${run%%:*}; n=\${run#*:}
    echo "== gles \$name (\$n frames)"
    LD_PRELOAD=/usr/local/lib/libmsmvirt-preload.so gles_client -n \$n \$node
    echo "gles_rc=\$?"
    snap \$name
    checkpoint after-\$name
done
kill \$cpid; wait \$cpid
echo "== msmvirt-cuse log"
grep -v '^msmvirt-cuse: stats\|^[A-Z_]* *[0-9]' /tmp/cuse.log | head -n 40
exit 0
GUEST

stats_sock=$work/stats.sock
host_cmd="exec $(printf '%q' "$MSMVIRT") host --connect \"\$MSMVIRT_SERIAL_SOCK\" \
--hostmem-file \"\$MSMVIRT_HOSTMEM\" --hostmem-size $HOSTMEM_SIZE --listen $(printf '%q' "$stats_sock")"
t=$EPOCHREALTIME
"$ROOT/vm/run-guest.sh" --mode "$MODE" --image-dir "$IMG" --timeout 900 \
    --hostmem-size "$HOSTMEM_SIZE" --host-cmd "$host_cmd" -- "$guest" 2>"$work/launcher.log" |
while IFS= read -r line; do
    case $line in SNAP*) ;; *) printf '  | %s\n' "$line" ;; esac
    printf '%s\n' "$line" >>"$work/guest-output"
    case $line in
        "CHECKPOINT "*)
            name=${line#CHECKPOINT }
            "$MSMVIRT" stats --connect "$stats_sock" >"$work/stats.$name" 2>&1
            echo "host stats at $name: $(tr '\n' ' ' <"$work/stats.$name")" ;;
    esac
done
rc=${PIPESTATUS[0]}
out=$(cat "$work/guest-output" 2>/dev/null)
echo "boot+run: $(mt_since "$t") s (launcher status $rc)"
[ "$rc" = 0 ] || { echo "launcher and host daemon:"; sed 's/^/  | /' "$work/launcher.log"; }

# Per-frame counts: (many - one) / FRAMES; startup = one - per-frame.
counts=$(/usr/bin/python3 "$ROOT/tests/cuse/snap_counts.py" "$MODE" "$FRAMES" \
         "$work/guest-output" start one many "unmodified mesa 22.3.6")
echo "$counts"
[ -z "${COUNTS_OUT:-}" ] || printf '%s\n' "$counts" >"$COUNTS_OUT"

stat_of() { sed -n "s/^$2=//p" "$work/stats.$1" 2>/dev/null; }
many=$(sed -n '/^== gles many/,/^== msmvirt-cuse log$/p' <<<"$out")
fail=0 total=0
check() {
    total=$((total + 1))
    if eval "$2"; then echo "ok - $1"; else echo "not ok - $1"; fail=$((fail + 1)); fi
}
check "guest command completed" '[ "$rc" = 0 ]'
check "msmvirt-cuse ran the $MODE personality from the config" \
    'grep -q "msmvirt-cuse: mode $MODE," <<<"$out"'
check "gles_client exits 0 (both runs)" '[ "$(grep -cx "gles_rc=0" <<<"$out")" = 2 ]'
check "GL_RENDERER is FD630" 'grep -qx "GL_RENDERER=FD630" <<<"$many"'
check "rendered $((FRAMES + 1)) frames" 'grep -qx "frames=$((FRAMES + 1))" <<<"$many"'
check "glReadPixels + glFinish + teardown (result=ok)" 'grep -qx "result=ok" <<<"$many"'
if [ "${MESA_PIXEL_CHECK:-0}" = 1 ]; then
    px=$(sed -n 's/^pixel=//p' <<<"$many"); want=$(sed -n 's/^expected_clear=//p' <<<"$many")
    check "read-back pixel $px is the clear colour $want" '[ -n "$px" ] && [ "$px" = "$want" ]'
else
    echo "info - read-back pixel $(sed -n 's/^pixel=//p' <<<"$many") (clear colour" \
         "$(sed -n 's/^expected_clear=//p' <<<"$many"); not checked: MESA_PIXEL_CHECK=1 checks it)"
fi
check "host served submits (submits=$(stat_of after-many submits))" \
    '[ "$(stat_of after-many submits)" -gt 0 ] 2>/dev/null'
for cp in after-one after-many; do
    check "host at $cp: contexts=0 bos=0 queues=0 inflight=0" \
        '[ "$(stat_of $cp contexts)/$(stat_of $cp bos)/$(stat_of $cp queues)/$(stat_of $cp inflight)" = 0/0/0/0 ]'
done
echo "total: $(mt_since "$T0") s"
echo "$((total - fail)) passed, $fail failed"
[ "$fail" = 0 ]
