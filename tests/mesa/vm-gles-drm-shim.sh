#!/usr/bin/env bash
# The guest image carries unmodified mesa (vm/mesa-image.sh): boot it under QEMU TCG and
# run the GBM+EGL+GLES2 client on mesa's drm-shim INSIDE the guest (no msmvirt node, no
# host daemon). Proves the packaging: libraries, ELF dependencies, driver search paths.
# The Vulkan client (turnip) runs on drm-shim in the same boot.
#
#   bash tests/mesa/vm-gles-drm-shim.sh        exit 0 = pass
set -uo pipefail
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

GPU_ID=${FD_GPU_ID:-630}
FRAMES=30
IMG=${MESA_VM_IMAGE_DIR:-$MESA_TESTS_ROOT/build/mesa/vm-drm-shim}   # overridable, as MESA_TESTS_OUT
T0=$EPOCHREALTIME

mesa_tests_clients || { echo "FAIL: building mesa or the clients"; exit 1; }
t=$EPOCHREALTIME
mesa_image_build "$IMG" --add "$MESA_TESTS_OUT/gles_client:/usr/local/bin/gles_client" \
    --add "$MESA_TESTS_OUT/vk_client:/usr/local/bin/vk_client" ||
    { echo "FAIL: guest image"; exit 1; }
echo "image: $(du -h "$IMG/initramfs.cpio.gz" | cut -f1) initramfs, built in $(mt_since "$t") s"

read -r -d '' guest <<GUEST
. $MESA_GUEST_ENV
echo "== gles"
LD_PRELOAD=\$MESA_DRM_SHIM FD_GPU_ID=$GPU_ID gles_client -n $FRAMES; echo "gles_rc=\$?"
echo "== vulkan"
LD_PRELOAD=\$MESA_DRM_SHIM FD_GPU_ID=$GPU_ID vk_client; echo "vk_rc=\$?"
echo "uptime=\$(cut -d' ' -f1 /proc/uptime)"
GUEST

t=$EPOCHREALTIME
out=$("$MESA_TESTS_ROOT/vm/run-guest.sh" --image-dir "$IMG" --timeout 300 -- "$guest")
rc=$?
printf '%s\n' "$out" | sed 's/^/  | /'
echo "boot+run: $(mt_since "$t") s (launcher status $rc)"

fail=0
check() { if eval "$2"; then echo "ok - $1"; else echo "not ok - $1"; fail=$((fail + 1)); fi; }
check "guest command completed" '[ "$rc" = 0 ]'
check "gles_client exits 0" 'grep -qx "gles_rc=0" <<<"$out"'
check "GL_RENDERER is FD$GPU_ID" 'grep -qx "GL_RENDERER=FD$GPU_ID" <<<"$out"'
check "GL_VERSION is OpenGL ES" 'grep -q "^GL_VERSION=OpenGL ES " <<<"$out"'
check "rendered $FRAMES frames" 'grep -qx "frames=$FRAMES" <<<"$out"'
check "gles result=ok" 'grep -qx "result=ok" <<<"$(sed -n "/^== gles/,/^== vulkan/p" <<<"$out")"'
check "vk_client exits 0" 'grep -qx "vk_rc=0" <<<"$out"'
check "turnip device is Adreno $GPU_ID" 'grep -q "^deviceName=Turnip Adreno (TM) $GPU_ID" <<<"$out"'
echo "total: $(mt_since "$T0") s"
echo "$((8 - fail)) passed, $fail failed"
[ "$fail" = 0 ]
