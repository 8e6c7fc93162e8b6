#!/usr/bin/env bash
# The core's drm backend (a real msm node through libdrm) under mesa's
# freedreno drm-shim: the ws conformance suite runs host-direct on it, and the
# tests drm-shim cannot serve (it executes nothing, rejects almost nothing,
# has no per-process VA range and does not zero recycled BOs) are skipped
# by name -- see tests/ws/conf_drm.c and WS_LACKS_* in conformance.h.
#
#   tests/mesa/drm-backend.sh BUILD_DIR
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${1:-${MESON_BUILD_ROOT:-$ROOT/build}}

bash "$ROOT/tools/build-mesa.sh"
# shellcheck source=/dev/null
. "$ROOT/build/mesa/env.sh"

LD_PRELOAD=$MESA_DRM_SHIM FD_GPU_ID=630 MSMVIRT_DRM_SHIM=1 \
   "$BUILD/tests/ws/conf_drm"
