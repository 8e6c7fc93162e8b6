#!/bin/bash
# The forward design end to end in a real guest (QEMU TCG, Debian kernel):
#   host:  msmvirt host --connect <QEMU's virtio-serial socket> --hostmem-file <ivshmem file>
#          (+ --listen on a unix socket for `msmvirt stats`)
#   guest: msmvirt-cuse on $MSMVIRT_PORT / $MSMVIRT_HOSTMEM_BAR -> /dev/dri/renderD128,
#          guest_client under LD_PRELOAD=libmsmvirt-preload.so
# Steps: the client's checks; a quick open + ioctl from another process while a client
# waits in WAIT_FENCE; a client killed (SIGKILL) while blocked in WAIT_FENCE on a long
# modelled submit; the client again; msmvirt-cuse killed while a client is inside
# an ioctl, restarted, the client again.  The host's live-object counters are read at
# checkpoints the guest announces: nothing may be left at the end.
# Usage: tests/cuse/vm-forward.sh [BUILD_DIR]   (default $MESON_BUILD_ROOT, else build/)
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=vm/lib.sh
. "$repo/vm/lib.sh"

t_all=$EPOCHREALTIME
build=${1:-${MESON_BUILD_ROOT:-$repo/build}}
build=$(cd "$build" && pwd) || { echo "FAIL: no build directory"; exit 1; }
cuse="$build/cuse/msmvirt-cuse"
preload="$build/cuse/libmsmvirt-preload.so"
client="$build/tests/cuse/guest_client"
msmvirt="$build/tools/msmvirt"
for f in "$cuse" "$preload" "$client" "$msmvirt"; do
    [ -e "$f" ] || { echo "FAIL: $f not built (ninja -C $build)"; exit 1; }
done

mkdir -p "$repo/build/vm"
img="$repo/build/vm/forward-image"
work=$(mktemp -d "$repo/build/vm/forward-run.XXXXXX")
hostmem=$(mktemp /dev/shm/msmvirt-forward.XXXXXX)
stats_sock="$work/stats.sock"
trap 'rm -f "$hostmem"; rm -rf "$work"' EXIT

# ---------------------------------------------------------------- image
t=$EPOCHREALTIME
"$repo/vm/build-guest.sh" --out "$img" \
    --add "$cuse:/usr/local/bin/msmvirt-cuse" \
    --add "$preload:/usr/local/lib/libmsmvirt-preload.so" \
    --add "$client:/usr/local/bin/guest_client" ||
    { echo "FAIL: vm/build-guest.sh"; exit 1; }
echo "build: $(vm_since "$t") s"

# ---------------------------------------------------------------- guest side
read -r -d '' guest <<'GUEST'
PRE=/usr/local/lib/libmsmvirt-preload.so
NODE=/dev/dri/renderD128
up() { cut -d' ' -f1 /proc/uptime; }
bad=0
fail() { echo "FWD-FAIL: $*"; exit 1; }
mark() { echo "FWD-FAIL: $*"; bad=1; }
checkpoint() { echo "CHECKPOINT $1"; usleep 3000000; }   # the host reads its counters now
start_daemon() {
    msmvirt-cuse --port "$MSMVIRT_PORT" --hostmem "$MSMVIRT_HOSTMEM_BAR" \
        --trace "/tmp/trace.$1" 2>"/tmp/cuse.$1.log" &
    dpid=$!
    i=0
    while [ ! -c $NODE ] && [ $i -lt 200 ]; do usleep 100000; i=$((i + 1)); done
    [ -c $NODE ] || { cat "/tmp/cuse.$1.log"; fail "daemon $1: no $NODE"; }
    echo "FWD: daemon $1 (pid $dpid) serves $(ls -l $NODE | awk '{print $1, $5, $6, $10}') after $((i / 10)).$((i % 10)) s"
}
wait_line() {   # FILE TEXT: wait up to 20 s for TEXT in FILE
    i=0
    while ! grep -q "$2" "$1" 2>/dev/null && [ $i -lt 200 ]; do usleep 100000; i=$((i + 1)); done
    grep -q "$2" "$1"
}
[ -c /dev/cuse ] || fail "no /dev/cuse"
[ -n "$MSMVIRT_PORT" ] && [ -n "$MSMVIRT_HOSTMEM_BAR" ] || fail "no port / BAR"

start_daemon 1
echo "FWD: === client (daemon 1)"
t0=$(up); LD_PRELOAD=$PRE guest_client; rc=$?; t1=$(up)
echo "FWD: client exit $rc in $(awk -v a=$t0 -v b=$t1 'BEGIN{print b-a}') s"
[ $rc = 0 ] || mark "client (daemon 1)"
checkpoint after-client

echo "FWD: === another process while a client waits in WAIT_FENCE (3.2 s of GPU work)"
LD_PRELOAD=$PRE guest_client --hang 3000 >/tmp/hang0.out 2>&1 &
hp=$!
wait_line /tmp/hang0.out "HANG: submitted" || { cat /tmp/hang0.out; fail "hang client 0 did not start"; }
usleep 300000
LD_PRELOAD=$PRE guest_client --quick; rc=$?
[ $rc = 0 ] || mark "quick client failed"
wait $hp
cat /tmp/hang0.out

echo "FWD: === a client killed in WAIT_FENCE on a 3 s submit"
LD_PRELOAD=$PRE guest_client --hang 3000 >/tmp/hang1.out 2>&1 &
hp=$!
wait_line /tmp/hang1.out "HANG: submitted" || { cat /tmp/hang1.out; fail "hang client did not start"; }
usleep 300000
t0=$(up); kill -9 $hp; wait $hp 2>/dev/null; t1=$(up)
cat /tmp/hang1.out
echo "FWD: killed client gone after $(awk -v a=$t0 -v b=$t1 'BEGIN{print b-a}') s"
echo "FWD: === client after the kill"
LD_PRELOAD=$PRE guest_client >/tmp/client2.out 2>&1; rc=$?
tail -n 1 /tmp/client2.out
[ $rc = 0 ] || { cat /tmp/client2.out; mark "client after kill"; }
checkpoint after-kill

echo "FWD: === msmvirt-cuse killed while a client is inside WAIT_FENCE"
LD_PRELOAD=$PRE guest_client --hang 3000 >/tmp/hang2.out 2>&1 &
hp=$!
wait_line /tmp/hang2.out "HANG: submitted" || { cat /tmp/hang2.out; fail "hang client 2 did not start"; }
usleep 300000
kill -9 $dpid; wait $dpid 2>/dev/null
wait $hp; echo "FWD: its client exited with $? once the daemon died:"
cat /tmp/hang2.out
i=0; while [ -e $NODE ] && [ $i -lt 50 ]; do usleep 100000; i=$((i + 1)); done
[ -e $NODE ] && fail "$NODE still there after the daemon died"
echo "FWD: $NODE gone with its daemon"

start_daemon 2
echo "FWD: === client (daemon 2)"
LD_PRELOAD=$PRE guest_client >/tmp/client3.out 2>&1; rc=$?
cat /tmp/client3.out
[ $rc = 0 ] || mark "client (daemon 2)"

kill -TERM $dpid; wait $dpid
echo "FWD: === daemon 1 log"; cat /tmp/cuse.1.log
echo "FWD: === daemon 2 log (its per-ioctl statistics)"; cat /tmp/cuse.2.log
echo "FWD: daemon 1's forwarded WAIT_FENCEs that took over 1 s (the long waiters'):"
awk '$6 == "MSM_WAIT_FENCE" && $2 - $1 > 1e9 {
    printf "  %s %s: %.0f ms in the daemon, %s\n", $4, $6, ($2 - $1) / 1e6, $8 }' /tmp/trace.1
echo "FWD: trace lines: daemon 1 $(wc -l </tmp/trace.1), daemon 2 $(wc -l </tmp/trace.2)"
echo "FWD: first trace lines of daemon 2:"; head -n 3 /tmp/trace.2 | cut -c1-160
checkpoint final
exit $bad
GUEST

# ---------------------------------------------------------------- run
out="$work/guest-output"
host_cmd="exec $(printf '%q' "$msmvirt") host --connect \"\$MSMVIRT_SERIAL_SOCK\" \
--hostmem-file \"\$MSMVIRT_HOSTMEM\" --hostmem-size 64M --listen $(printf '%q' "$stats_sock")"
t=$EPOCHREALTIME
"$repo/vm/run-guest.sh" --hostmem "$hostmem" --hostmem-size 64M --image-dir "$img" \
    --timeout 480 --host-cmd "$host_cmd" -- "$guest" |
while IFS= read -r line; do
    printf '%s\n' "$line"
    printf '%s\n' "$line" >>"$out"
    case $line in
        "CHECKPOINT "*)
            name=${line#CHECKPOINT }
            "$msmvirt" stats --connect "$stats_sock" >"$work/stats.$name" 2>&1
            echo "host stats at $name: $(tr '\n' ' ' <"$work/stats.$name")" ;;
    esac
done
rc=${PIPESTATUS[0]}
echo "boot+run: $(vm_since "$t") s"

# ---------------------------------------------------------------- verdict
ok=1
check() { if eval "$2"; then echo "ok:   $1"; else echo "FAIL: $1"; ok=0; fi; }
stat_is() { grep -qx "$2=$3" "$work/stats.$1" 2>/dev/null; }
o=$(cat "$out" 2>/dev/null)
check "guest command exit status 0 (got $rc)" '[ "$rc" = 0 ]'
check "no FWD-FAIL in the guest" '[[ $o != *FWD-FAIL* ]]'
check "client passed with daemon 1" '[[ $o == *"FWD: client exit 0"* ]]'
q=$(sed -n 's/^QUICK: .* in \([0-9.]*\) ms$/\1/p' <<<"$o" | head -n 1)
check "another process's open + GET_PARAM is not held up by a WAIT_FENCE (${q:-?} ms)" \
    '[ -n "$q" ] && awk -v q="$q" "BEGIN{exit !(q < 1000)}"'
killed=${o#*=== a client killed}; killed=${killed%%=== client after the kill*}
check "killed client's WAIT_FENCE never returned to it" '! grep -q "HANG: wait returned" <<<"$killed"'
check "client passed after a client was killed mid-ioctl" '[[ $o == *"=== client after the kill"*PASS* ]]'
check "client passed with the restarted daemon" '[[ ${o##*=== client (daemon 2)} == *PASS* ]]'
for cp in after-client after-kill final; do
    check "host at $cp: contexts=0" 'stat_is $cp contexts 0'
done
check "host at final: bos=0 queues=0 inflight=0" \
    'stat_is final bos 0 && stat_is final queues 0 && stat_is final inflight 0'
echo "vm-forward wall time: $(vm_since "$t_all") s"
if [ $ok = 1 ]; then echo "vm-forward: PASS"; exit 0; fi
echo "vm-forward: FAIL"; exit 1
