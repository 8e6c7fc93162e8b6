#!/usr/bin/env bash
# End-to-end: unmodified mesa freedreno (built from Debian's source package by
# tools/build-mesa.sh, cached) runs a GBM + EGL + GLES2 client on mesa's drm-shim, which
# fakes an msm render node (/dev/dri/renderD128) inside the process.
#
#   bash tests/mesa/drm-shim.sh          exits 0 on success
#
# drm-shim's submit is a no-op, so the pixel read back is not checked here.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HERE=$ROOT/tests/mesa
OUT=$ROOT/build/mesa/tests
GPU_ID=${FD_GPU_ID:-630}
FRAMES=60

export PATH=/usr/bin:/bin:$PATH

bash "$ROOT/tools/build-mesa.sh"
# shellcheck source=/dev/null
. "$ROOT/build/mesa/env.sh"

# Build the clients (gles_client, vk_client) against the mesa prefix (tests/mesa/lib.sh).
# shellcheck source=tests/mesa/lib.sh
. "$HERE/lib.sh"
mesa_tests_clients || { echo "not ok - building the clients"; exit 1; }
CLIENT=$OUT/gles_client

fail=0
check() { # description, command...
  local what=$1; shift
  if "$@"; then echo "ok - $what"; else echo "not ok - $what"; fail=$((fail + 1)); fi
}

echo "[drm-shim] running gles_client under drm-shim (FD_GPU_ID=$GPU_ID, $FRAMES frames)"
rc=0
out=$(LD_PRELOAD=$MESA_DRM_SHIM FD_GPU_ID=$GPU_ID "$CLIENT" -n "$FRAMES" 2>&1) || rc=$?
printf '%s\n' "$out" | sed 's/^/  | /'
check "gles_client exits 0" test "$rc" = 0
check "GL_RENDERER is FD$GPU_ID" grep -q "^GL_RENDERER=.*FD$GPU_ID" <<<"$out"
check "GL_VERSION is OpenGL ES" grep -q '^GL_VERSION=OpenGL ES ' <<<"$out"
check "rendered $FRAMES frames" grep -qx "frames=$FRAMES" <<<"$out"
check "pixel read back" grep -q '^pixel=[0-9]*,[0-9]*,[0-9]*,[0-9]*$' <<<"$out"

# turnip on drm-shim: the Vulkan client (instance, device, buffer, vkCmdFillBuffer, submit,
# fence wait, map). drm-shim executes nothing, so the filled value is not checked.
echo "[drm-shim] running vk_client under drm-shim (turnip)"
rc=0
vk=$(LD_PRELOAD=$MESA_DRM_SHIM FD_GPU_ID=$GPU_ID timeout 60 "$OUT/vk_client" 2>&1) || rc=$?
printf '%s\n' "$vk" | grep -v '^step=' | sed 's/^/  | /'
check "vk_client exits 0" test "$rc" = 0
check "turnip device is Adreno $GPU_ID" grep -q "^deviceName=Turnip Adreno (TM) $GPU_ID" <<<"$vk"

# vulkaninfo through the Vulkan loader: informational only (needs vulkan-tools).
if command -v vulkaninfo >/dev/null 2>&1; then
  if vk=$(LD_PRELOAD=$MESA_DRM_SHIM FD_GPU_ID=$GPU_ID VK_ICD_FILENAMES=$VK_ICD_FILENAMES \
          timeout 60 vulkaninfo --summary 2>&1); then
    echo "[drm-shim] turnip: $(grep -m1 deviceName <<<"$vk" | sed -e "s/^[[:space:]]*//" -e "s/ *= */=/")"
  else
    echo "[drm-shim] turnip: vulkaninfo failed (informational, not a test failure)"
    tail -n 5 <<<"$vk" | sed 's/^/  | /'
  fi
fi

total=7
echo "$((total - fail)) passed, $fail failed"
[ "$fail" = 0 ]
