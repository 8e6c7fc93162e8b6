#!/bin/bash
# End-to-end check of the real guest: build it, boot it under QEMU TCG with a host
# helper on the virtio-serial socket, and check from both sides that
#   (a) the cuse module is loaded (/dev/cuse exists),
#   (b) a line written to $MSMVIRT_PORT comes back (host echo),
#   (c) bytes the guest writes into the ivshmem BAR appear at offset 0 of the host's
#       hostmem file (and bytes the host writes at offset 8 are seen by the guest),
#   (d) the guest command's exit status (7) comes out of vm/run-guest.sh.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=vm/lib.sh
. "$repo/vm/lib.sh"

vm_ensure_pkgs gcc libc6-dev python3

img="$repo/build/vm/smoke-image"
mkdir -p "$repo/build/vm"
work=$(mktemp -d "$repo/build/vm/smoke-run.XXXXXX")     # per run: parallel runs are fine
hostmem=$(mktemp /dev/shm/msmvirt-smoke.XXXXXX)
trap 'rm -f "$hostmem"; rm -rf "$work"' EXIT
result="$work/host-result"

# Dynamically linked on purpose: exercises --add's library + loader copying.
gcc -O2 -Wall -Wextra -o "$work/memtool" "$here/memtool.c" || { echo "FAIL: memtool build"; exit 1; }

t=$EPOCHREALTIME
"$repo/vm/build-guest.sh" --out "$img" --add "$work/memtool:/usr/local/bin/memtool" ||
    { echo "FAIL: vm/build-guest.sh"; exit 1; }
echo "build: $(vm_since "$t") s"

read -r -d '' guest <<'GUEST'
fail() { echo "SMOKE-FAIL: $*"; exit 1; }
[ -c /dev/cuse ] || fail "/dev/cuse missing"
grep -q '^cuse ' /proc/modules || fail "cuse module not loaded"
echo "SMOKE: cuse ok ($(ls -l /dev/cuse | awk '{print $5 $6}'))"

[ -n "$MSMVIRT_PORT" ] && [ -c "$MSMVIRT_PORT" ] || fail "no virtio-serial port"
[ "$(cat "/sys/class/virtio-ports/${MSMVIRT_PORT#/dev/}/name")" = msmvirt.0 ] || fail "wrong port name"
exec 3<>"$MSMVIRT_PORT"
msg="hello from the guest $$"
echo "$msg" >&3
read -r -t 30 reply <&3 || fail "no echo from the host"
[ "$reply" = "$msg" ] || fail "echo mismatch: '$reply'"
echo "SMOKE: echo ok ($MSMVIRT_PORT: $reply)"

[ -n "$MSMVIRT_HOSTMEM_BAR" ] || fail "no ivshmem BAR"
memtool "$MSMVIRT_HOSTMEM_BAR" 0 write 'MSMVIRT!' || fail "BAR write"
echo "CHECK 4d534d5649525421" >&3
read -r -t 30 reply <&3 || fail "no hostmem verdict from the host"
[ "$reply" = HOSTMEM-OK ] || fail "host saw: $reply"
echo "SMOKE: hostmem ok (host read the guest's bytes at offset 0 of $MSMVIRT_HOSTMEM_BAR)"
got=$(memtool "$MSMVIRT_HOSTMEM_BAR" 8 read 8) || fail "BAR read"
[ "$got" = HOST2GST ] || fail "guest read '$got' at offset 8"
echo "SMOKE: reverse ok (guest read the host's bytes at offset 8)"
exit 7
GUEST

t=$EPOCHREALTIME
"$repo/vm/run-guest.sh" --image-dir "$img" --hostmem "$hostmem" --hostmem-size 16M \
    --timeout 180 \
    --host-cmd "exec /usr/bin/python3 $(printf '%q' "$here/echo_host.py") $(printf '%q' "$result")" \
    -- "$guest" | tee "$work/guest-output"
rc=${PIPESTATUS[0]}
echo "boot+run: $(vm_since "$t") s"

ok=1
check() { if eval "$2"; then echo "ok:   $1"; else echo "FAIL: $1"; ok=0; fi; }
out=$(cat "$work/guest-output")
check "launcher exit status is the guest's 7 (got $rc)" '[ "$rc" = 7 ]'
check "guest: /dev/cuse (cuse module)" '[[ $out == *"SMOKE: cuse ok"* ]]'
check "guest: virtio-serial echo" '[[ $out == *"SMOKE: echo ok"* ]]'
check "guest: host confirmed the BAR pattern" '[[ $out == *"SMOKE: hostmem ok"* ]]'
check "guest: saw the host's pattern" '[[ $out == *"SMOKE: reverse ok"* ]]'
check "host helper verdict hostmem-ok" '[ "$(cat "$result" 2>/dev/null)" = hostmem-ok ]'
check "hostmem file offset 0 holds MSMVIRT!" '[ "$(head -c 8 "$hostmem")" = "MSMVIRT!" ]'
if [ $ok = 1 ]; then echo "vm-smoke: PASS"; exit 0; fi
echo "vm-smoke: FAIL"; exit 1
