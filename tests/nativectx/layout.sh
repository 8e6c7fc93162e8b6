#!/usr/bin/env bash
# Build and run test_nc_layout.c against mesa's own protocol headers.
# They come from the mesa source tools/build-mesa.sh fetches, which ./run.sh
# test does before `meson test` (but after meson configured): so the headers
# are looked up here, at test time.  Without them the test is skipped with
# the reason (exit 77), unless MSMVIRT_REQUIRE_MESA_SRC=1 (run.sh sets it)
# turns that into a failure.
# Usage: layout.sh SRCDIR BUILDDIR UAPI_DIR CC...
set -euo pipefail
SRC=$1 BUILD=$2 UAPI=$3
shift 3
# tools/build-mesa.sh writes SRCDIR/build/mesa; a build dir may link it.
MESA=$(ls -d "$SRC"/build/mesa/src/mesa-*/ "$BUILD"/mesa/src/mesa-*/ 2>/dev/null |
       sort -V | tail -n 1 || true)
VIRTIO=${MESA}src/freedreno/drm/virtio
DRMHW=${MESA}src/virtio/virtio-gpu
if [ -z "$MESA" ] || [ ! -f "$VIRTIO/msm_proto.h" ] || [ ! -f "$DRMHW/drm_hw.h" ]; then
   why="no mesa source under $SRC/build/mesa/src (tools/build-mesa.sh fetches it)"
   if [ "${MSMVIRT_REQUIRE_MESA_SRC:-0}" = 1 ]; then
      echo "FAIL: $why"
      exit 1
   fi
   echo "SKIP: $why"
   exit 77
fi
echo "mesa headers: $VIRTIO/msm_proto.h, $DRMHW/drm_hw.h"
OUT=$BUILD/tests/nativectx/test_nc_layout.bin
# shellcheck disable=SC2046
"$@" -std=gnu11 -Wall -Werror -D__user= -I"$VIRTIO" -I"$DRMHW" \
   -I"$SRC/nativectx" -I"$UAPI" $(pkg-config --cflags cmocka) \
   "$SRC/tests/nativectx/test_nc_layout.c" -o "$OUT" $(pkg-config --libs cmocka)
exec "$OUT"
