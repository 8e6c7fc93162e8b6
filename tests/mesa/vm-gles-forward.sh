#!/usr/bin/env bash
# Unmodified mesa on the forwarded render node, in the real guest:
#   host:  msmvirt host --connect <QEMU's virtio-serial socket> --hostmem-file <ivshmem file>
#          (sim backend), also --listen <stats socket>: `msmvirt stats` is read when the
#          guest prints "CHECKPOINT name" (after each client)
#   guest: msmvirt-cuse (CUSE /dev/dri/renderD128, every ioctl forwarded to the host),
#          then gles_client with ONLY LD_PRELOAD=libmsmvirt-preload.so (mmap of hostmem,
#          sysfs identity); no drm-shim.
# Asserts: GL_RENDERER=FD630, N frames, glReadPixels + glFinish, exit 0; the host served
# submits (submits>0, retired==submits) and no context/BO/queue is left after each client.
# The pixel: gles_client -c reads the corner pixel back after three frames of different
# clear colours and fails unless each equals that frame's clear colour. It runs three
# times: mesa's default (its autotuner picks GMEM for the first batch, then sysmem for
# this tiny frame), FD_MESA_DEBUG=gmem (every frame GMEM: event-blit clear + per-tile
# resolve) and FD_MESA_DEBUG=sysmem (every frame a 2D-engine solid fill); glReadPixels
# is a 2D-engine copy into the staging buffer it maps. The sim GPU executes exactly those
# blits (core/blit.c); the host's PM4 coverage report (msmvirt pm4-coverage) after each
# run proves which path ran (its blit counters must grow by one per frame).
# The Vulkan client (turnip) runs in the same boot; its outcome is reported, not asserted
# (MESA_VK_REQUIRED=1 asserts it too): vkCmdFillBuffer, and vkCmdClearColorImage + a copy
# to a buffer, both through the same 2D engine, must read back right (vk_client -c).
#
#   bash tests/mesa/vm-gles-forward.sh [BUILD_DIR]     exit 0 = pass
# BUILD_DIR: the meson build with tools/msmvirt and cuse/msmvirt-cuse +
# cuse/libmsmvirt-preload.so (default $MESON_BUILD_ROOT, else <repo>/build).
# Environment: FRAMES (30), MESA_VM_STRACE=1 (run the clients under strace; host's
# /usr/bin/strace is copied in), MESA_VM_DEBUG=1 (MESA_DEBUG, TU_DEBUG=startup, LIBGL_DEBUG, EGL_LOG_LEVEL on),
# MESA_VM_KEEP=1 (keep the work directory).
set -uo pipefail
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"
ROOT=$MESA_TESTS_ROOT
BUILD=${1:-${MESON_BUILD_ROOT:-$ROOT/build}}
BUILD=$(cd "$BUILD" && pwd) || { echo "FAIL: no build directory $BUILD"; exit 1; }
FRAMES=${FRAMES:-30}
HOSTMEM_SIZE=128M
IMG=${MESA_VM_IMAGE_DIR:-$ROOT/build/mesa/vm-forward}   # overridable, as MESA_TESTS_OUT
T0=$EPOCHREALTIME

find_bin() { # name -> first file of that name under the build dir
    find "$BUILD" -name "$1" -type f -not -path '*/meson-private/*' -print -quit 2>/dev/null
}
MSMVIRT=$BUILD/tools/msmvirt
CUSE=$(find_bin msmvirt-cuse)
PRELOAD=$(find_bin libmsmvirt-preload.so)
for f in "$MSMVIRT" "$CUSE" "$PRELOAD"; do
    [ -n "$f" ] && [ -f "$f" ] || {
        echo "FAIL: missing in $BUILD: tools/msmvirt, msmvirt-cuse or libmsmvirt-preload.so" \
             "(build with: ninja -C $BUILD)"; exit 1; }
done
echo "using $MSMVIRT, $CUSE, $PRELOAD"

mesa_tests_clients || { echo "FAIL: building mesa or the clients"; exit 1; }
adds=(--add "$MESA_TESTS_OUT/gles_client:/usr/local/bin/gles_client"
      --add "$MESA_TESTS_OUT/vk_client:/usr/local/bin/vk_client"
      --add "$CUSE:/usr/local/bin/msmvirt-cuse"
      --add "$PRELOAD:/usr/local/lib/libmsmvirt-preload.so")
[ "${MESA_VM_STRACE:-0}" = 1 ] && adds+=(--add "$(command -v strace):/usr/local/bin/strace")
t=$EPOCHREALTIME
mesa_image_build "$IMG" "${adds[@]}" || { echo "FAIL: guest image"; exit 1; }
echo "image: $(du -h "$IMG/initramfs.cpio.gz" | cut -f1) initramfs, built in $(mt_since "$t") s"

work=$(mktemp -d "$ROOT/build/mesa/vm-forward-run.XXXXXX")
[ "${MESA_VM_KEEP:-0}" = 1 ] || trap 'rm -rf "$work"' EXIT

wrap=""
[ "${MESA_VM_STRACE:-0}" = 1 ] && wrap="strace -f -o /tmp/strace.\$name -e trace=ioctl,openat,mmap,munmap,stat,newfstatat,readlink,open "
dbg=""
[ "${MESA_VM_DEBUG:-0}" = 1 ] && dbg="export MESA_DEBUG=1 TU_DEBUG=startup LIBGL_DEBUG=verbose EGL_LOG_LEVEL=debug"

# The guest command. \$ is expanded in the guest.
read -r -d '' guest <<GUEST
. $MESA_GUEST_ENV
$dbg
node=/dev/dri/renderD128
msmvirt-cuse --port "\$MSMVIRT_PORT" --hostmem "\$MSMVIRT_HOSTMEM_BAR" --trace /tmp/cuse.trace 2>/tmp/cuse.log &
cpid=\$!
i=0; while [ ! -c \$node ] && [ \$i -lt 150 ]; do sleep 0.1; i=\$((i + 1)); done
[ -c \$node ] || { echo "no \$node after 15 s"; cat /tmp/cuse.log; exit 3; }
echo "node: \$(ls -l \$node | awk '{print \$1, \$5, \$6, \$NF}')"
up() { cut -d' ' -f1 /proc/uptime; }
checkpoint() { echo "CHECKPOINT \$1"; sleep 1.5; }   # the host reads its counters now
seen=0
summary() { # per-ioctl counts from msmvirt-cuse's trace since the last call, failures apart
    tail -n +\$((seen + 1)) /tmp/cuse.trace >/tmp/cuse.part
    seen=\$((seen + \$(wc -l </tmp/cuse.part)))
    awk '{ n[\$6]++; r = \$8; sub(/result=/, "", r); if (r != 0) f[\$6 " result=" r]++ }
         END { for (k in n) printf "  ioctl %s x%d\n", k, n[k];
               for (k in f) printf "  FAILED %s x%d\n", k, f[k] }' /tmp/cuse.part | sort
    grep -v ' result=0 ' /tmp/cuse.part | head -n 5 | cut -c1-300 | sed 's/^/  failed: /'
    tail -n 4 /tmp/cuse.part | cut -d' ' -f4- | cut -c1-200 | sed 's/^/  last: /'
}
echo "== gles"
t=\$(up)
name=gles; LD_PRELOAD=/usr/local/lib/libmsmvirt-preload.so $wrap gles_client -c -n $FRAMES \$node
echo "gles_rc=\$?"
echo "gles_s=\$(awk -v a=\$t -v b=\$(up) 'BEGIN{printf "%.2f", b-a}')"
summary
checkpoint after-gles
for mode in gmem sysmem; do
    echo "== gles-\$mode"
    name=gles-\$mode; FD_MESA_DEBUG=\$mode LD_PRELOAD=/usr/local/lib/libmsmvirt-preload.so $wrap gles_client -c -n $FRAMES \$node
    echo "gles_\${mode}_rc=\$?"
    summary
    checkpoint after-gles-\$mode
done
echo "== vulkan"
t=\$(up)
name=vk; LD_PRELOAD=/usr/local/lib/libmsmvirt-preload.so $wrap vk_client -c
echo "vk_rc=\$?"
echo "vk_s=\$(awk -v a=\$t -v b=\$(up) 'BEGIN{printf "%.2f", b-a}')"
summary
for f in /tmp/strace.*; do [ -f "\$f" ] || continue; echo "== \$f (last 60 lines)"; tail -n 60 "\$f"; done
checkpoint after-vk
kill \$cpid; wait \$cpid
echo "== msmvirt-cuse log"
cat /tmp/cuse.log
exit 0
GUEST

stats_sock=$work/stats.sock
host_cmd="exec $(printf '%q' "$MSMVIRT") host --connect \"\$MSMVIRT_SERIAL_SOCK\" \
--hostmem-file \"\$MSMVIRT_HOSTMEM\" --hostmem-size $HOSTMEM_SIZE --listen $(printf '%q' "$stats_sock")"
t=$EPOCHREALTIME
# The guest prints "CHECKPOINT name" and pauses: read the host's counters then.
"$ROOT/vm/run-guest.sh" --image-dir "$IMG" --timeout 600 --hostmem-size "$HOSTMEM_SIZE" \
    --host-cmd "$host_cmd" -- "$guest" 2>"$work/launcher.log" |
while IFS= read -r line; do
    printf '  | %s\n' "$line"
    printf '%s\n' "$line" >>"$work/guest-output"
    case $line in
        "CHECKPOINT "*)
            name=${line#CHECKPOINT }
            "$MSMVIRT" stats --connect "$stats_sock" >"$work/stats.$name" 2>&1
            echo "host stats at $name: $(tr '\n' ' ' <"$work/stats.$name")"
            "$MSMVIRT" pm4-coverage --connect "$stats_sock" >"$work/coverage.$name" 2>&1
            echo "host PM4 coverage at $name (all submits so far):"
            sed 's/^/    /' "$work/coverage.$name" ;;
    esac
done
rc=${PIPESTATUS[0]}
out=$(cat "$work/guest-output" 2>/dev/null)
echo "boot+run: $(mt_since "$t") s (launcher status $rc)"
echo "launcher and host daemon:"; sed 's/^/  | /' "$work/launcher.log"
stat_of() { sed -n "s/^$2=//p" "$work/stats.$1" 2>/dev/null; }
gles=$(sed -n '/^== gles$/,/^== gles-gmem$/p' <<<"$out")
gles_gmem=$(sed -n '/^== gles-gmem$/,/^== gles-sysmem$/p' <<<"$out")
gles_sysmem=$(sed -n '/^== gles-sysmem$/,/^== vulkan$/p' <<<"$out")
vk=$(sed -n '/^== vulkan$/,/^== msmvirt-cuse log$/p' <<<"$out")

fail=0 total=0
check() {
    total=$((total + 1))
    if eval "$2"; then echo "ok - $1"; else echo "not ok - $1"; fail=$((fail + 1)); fi
}
check "guest command completed" '[ "$rc" = 0 ]'
check "gles_client exits 0" 'grep -qx "gles_rc=0" <<<"$gles"'
check "GL_RENDERER is FD630" 'grep -qx "GL_RENDERER=FD630" <<<"$gles"'
check "GL_VERSION is OpenGL ES" 'grep -q "^GL_VERSION=OpenGL ES " <<<"$gles"'
check "rendered $FRAMES frames" 'grep -qx "frames=$FRAMES" <<<"$gles"'
check "glReadPixels + glFinish + teardown (result=ok)" 'grep -qx "result=ok" <<<"$gles"'
check "GEM_SUBMIT forwarded" 'grep -q "ioctl MSM_GEM_SUBMIT x" <<<"$gles"'
check "host served submits (submits=$(stat_of after-gles submits))" \
    '[ "$(stat_of after-gles submits)" -gt 0 ] 2>/dev/null'
check "host retired every submit (retired=$(stat_of after-gles retired))" \
    '[ "$(stat_of after-gles retired)" = "$(stat_of after-gles submits)" ]'
pixels_ok() { # $1: a client's output; every read-back pixel is its frame's clear colour
    [ "$(grep -c '^check frame=.* match$' <<<"$1")" -ge 3 ] && ! grep -q MISMATCH <<<"$1"
}
blits_of() { # checkpoint kind -> the host's count of that blit kind so far (coverage report)
    sed -n "s/.*blits:.* $2=\([0-9]*\).*/\1/p" "$work/coverage.$1" 2>/dev/null | head -n 1
}
grew() { # checkpoint-before checkpoint-after kind -> how much that blit count grew
    echo $(( $(blits_of "$2" "$3" || echo 0) - $(blits_of "$1" "$3" || echo 0) ))
}
check "default path: read-back pixels equal the clear colours ($(grep -m1 '^pixel_checks=' <<<"$gles"))" \
    'pixels_ok "$gles"'
for mode in gmem sysmem; do
    sect=gles_$mode; sect=${!sect}
    check "FD_MESA_DEBUG=$mode: gles_client -c exits 0" 'grep -qx "gles_${mode}_rc=0" <<<"$sect"'
    check "FD_MESA_DEBUG=$mode: read-back pixels equal the clear colours ($(grep -m1 '^pixel_checks=' <<<"$sect"))" \
        'pixels_ok "$sect"'
done
prev=after-gles cur=after-gles-gmem
check "GMEM run cleared and resolved GMEM every frame (gmem_clear +$(grew $prev $cur gmem_clear), gmem_resolve +$(grew $prev $cur gmem_resolve))" \
    '[ "$(grew $prev $cur gmem_clear)" -ge "$FRAMES" ] && [ "$(grew $prev $cur gmem_resolve)" -ge "$FRAMES" ]'
prev=after-gles-gmem cur=after-gles-sysmem
check "sysmem run filled with the 2D engine every frame, no GMEM (2d_fill +$(grew $prev $cur 2d_fill), gmem_clear +$(grew $prev $cur gmem_clear))" \
    '[ "$(grew $prev $cur 2d_fill)" -ge "$FRAMES" ] && [ "$(grew $prev $cur gmem_clear)" = 0 ]'
check "glReadPixels went through 2D copies (2d_copy=$(blits_of after-gles-sysmem 2d_copy))" \
    '[ "$(blits_of after-gles-sysmem 2d_copy)" -ge 9 ]'
check "the sim GPU faulted on nothing (faults=$(stat_of after-gles-sysmem faults))" \
    '[ "$(stat_of after-gles-sysmem faults)" = 0 ]'
for cp in after-gles after-gles-gmem after-gles-sysmem after-vk; do
    check "host at $cp: contexts=0 bos=0 queues=0 inflight=0" \
        '[ "$(stat_of $cp contexts)/$(stat_of $cp bos)/$(stat_of $cp queues)/$(stat_of $cp inflight)" = 0/0/0/0 ]'
done
if [ "${MESA_VK_REQUIRED:-0}" = 1 ]; then
    check "vk_client -c exits 0" 'grep -qx "vk_rc=0" <<<"$vk"'
    check "turnip: vkCmdFillBuffer reads back ($(grep -m1 '^value=' <<<"$vk"))" 'grep -qx "fill=match" <<<"$vk"'
    check "turnip: vkCmdClearColorImage + vkCmdCopyImageToBuffer read back ($(grep -m1 '^clear_pixel=' <<<"$vk"))" \
        'grep -q "^clear=match" <<<"$vk"'
else
    if grep -qx "vk_rc=0" <<<"$vk"; then
        echo "info - turnip: vk_client passed ($(grep -m1 '^deviceName=' <<<"$vk"))"
    else
        echo "info - turnip: vk_client failed: $(grep -m1 -E '^FAIL|Assertion|Segmentation|Aborted' <<<"$vk" ||
              echo "vk_client status $(sed -n 's/^vk_rc=//p' <<<"$vk")")"
    fi
fi
echo "total: $(mt_since "$T0") s"
echo "$((total - fail)) passed, $fail failed"
[ "$fail" = 0 ]
