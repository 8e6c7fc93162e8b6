# Shared by tests/mesa/*.sh (sourced): builds mesa (cached), the GLES and Vulkan
# clients against it; vm/mesa-image.sh (guest images with mesa) comes along.
# shellcheck shell=bash

MESA_TESTS_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# Overridable, so that worktrees sharing one build/mesa do not race on the clients.
MESA_TESTS_OUT=${MESA_TESTS_OUT:-$MESA_TESTS_ROOT/build/mesa/tests}
export PATH=/usr/bin:/bin:/usr/sbin:/sbin:$PATH

# shellcheck source=vm/mesa-image.sh
. "$MESA_TESTS_ROOT/vm/mesa-image.sh"

mt_since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN{printf "%.1f", b-a}'; }

# mesa_tests_clients: build/mesa/tests/{gles_client,vk_client}, rebuilt when stale.
mesa_tests_clients() {
    # quiet when mesa is built already; a first build (~6 min) shows its progress
    if [ -f "$MESA_TESTS_ROOT/build/mesa/install/.msmvirt-mesa-stamp" ]; then
        bash "$MESA_TESTS_ROOT/tools/build-mesa.sh" >/dev/null || return 1
    else
        bash "$MESA_TESTS_ROOT/tools/build-mesa.sh" >&2 || return 1
    fi
    # shellcheck source=/dev/null
    . "$MESA_TESTS_ROOT/build/mesa/env.sh"
    local here=$MESA_TESTS_ROOT/tests/mesa stamp=$MESA_TESTS_ROOT/build/mesa/install/.msmvirt-mesa-stamp
    local inc src
    mkdir -p "$MESA_TESTS_OUT"
    if [ ! -x "$MESA_TESTS_OUT/gles_client" ] || [ "$here/gles_client.c" -nt "$MESA_TESTS_OUT/gles_client" ] ||
       [ "$stamp" -nt "$MESA_TESTS_OUT/gles_client" ]; then
        # shellcheck disable=SC2046
        cc -std=c11 -O2 -Wall -Wextra -Werror -o "$MESA_TESTS_OUT/gles_client.$$" "$here/gles_client.c" \
            $(pkg-config --cflags --libs egl glesv2 gbm) || return 1
        mv "$MESA_TESTS_OUT/gles_client.$$" "$MESA_TESTS_OUT/gles_client"   # parallel tests
    fi
    # Vulkan headers: the mesa source tree's (same version as turnip), else the system's.
    inc=""
    for src in "$MESA_TESTS_ROOT"/build/mesa/src/mesa-*/include; do
        [ -f "$src/vulkan/vk_icd.h" ] && inc=$src
    done
    if [ ! -x "$MESA_TESTS_OUT/vk_client" ] || [ "$here/vk_client.c" -nt "$MESA_TESTS_OUT/vk_client" ]; then
        cc -std=c11 -O2 -Wall -Wextra -Werror ${inc:+-I"$inc"} -o "$MESA_TESTS_OUT/vk_client.$$" \
            "$here/vk_client.c" -ldl || return 1
        mv "$MESA_TESTS_OUT/vk_client.$$" "$MESA_TESTS_OUT/vk_client"
    fi
}
