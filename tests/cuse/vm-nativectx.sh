#!/bin/bash
# nativectx in a real guest (QEMU TCG, Debian kernel), the mode chosen ONLY by the
# guest config file (vm/run-guest.sh --mode nativectx writes /etc/msmvirt/guest.conf):
#   host:  msmvirt host --connect <QEMU's virtio-serial socket> --hostmem-file <ivshmem file>
#          (+ --listen on a unix socket for `msmvirt stats`); the HELLO names the protocol
#   guest: msmvirt-cuse --config /etc/msmvirt/guest.conf -> the virtio_gpu node
#          /dev/dri/renderD128; msmvirt's nativectx library on it (nc_guest_client:
#          the vg layer over the virtgpu uapi) under LD_PRELOAD=libmsmvirt-preload.so
# Steps: a quick write/wait/read-back; the ws conformance suite through the node; the
# 30-frame GLES trace of unmodified mesa replayed through the library on the node
# (`msmvirt compare --transport node`, per-frame counts printed; REPLAYS, COUNTS_OUT); a
# client killed (SIGKILL) inside a fence wait on a long modelled submit; the daemon
# killed while a client waits; a restarted daemon (whose HELLO frees the dead one's
# contexts on the host).  The host's live-object counters
# are read at checkpoints: nothing may be left.
# Usage: tests/cuse/vm-nativectx.sh [BUILD_DIR]   (default $MESON_BUILD_ROOT, else build/)
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
client="$build/tests/cuse/nc_guest_client"
msmvirt="$build/tools/msmvirt"
trace="$repo/tests/tools/mesa-gles.trace"   # 30 GLES frames of unmodified mesa (forward capture)
REPLAYS=${REPLAYS:-8}
for f in "$cuse" "$preload" "$client" "$msmvirt" "$trace"; do
    [ -e "$f" ] || { echo "FAIL: $f not built (ninja -C $build)"; exit 1; }
done

mkdir -p "$repo/build/vm"
img="$repo/build/vm/nativectx-image"
work=$(mktemp -d "$repo/build/vm/nativectx-run.XXXXXX")
hostmem=$(mktemp /dev/shm/msmvirt-nativectx.XXXXXX)
stats_sock="$work/stats.sock"
trap 'rm -f "$hostmem"; rm -rf "$work"' EXIT
# 256 MiB: the host gives a VM a third of hostmem (its per-VM quota), and each
# nativectx context's arena (8 MiB) counts; the conformance suite runs 5 at once.

t=$EPOCHREALTIME
"$repo/vm/build-guest.sh" --out "$img" \
    --add "$cuse:/usr/local/bin/msmvirt-cuse" \
    --add "$preload:/usr/local/lib/libmsmvirt-preload.so" \
    --add "$client:/usr/local/bin/nc_guest_client" \
    --add "$msmvirt:/usr/local/bin/msmvirt" \
    --add "$trace:/usr/local/share/msmvirt/mesa-gles.trace" ||
    { echo "FAIL: vm/build-guest.sh"; exit 1; }
echo "build: $(vm_since "$t") s"

# ---------------------------------------------------------------- guest side
read -r -d '' guest <<GUEST
REPLAYS=$REPLAYS
GUEST
read -r -d '' guest_body <<'GUEST'
PRE=/usr/local/lib/libmsmvirt-preload.so
NODE=/dev/dri/renderD128
up() { cut -d' ' -f1 /proc/uptime; }
bad=0
fail() { echo "NC-FAIL: $*"; exit 1; }
mark() { echo "NC-FAIL: $*"; bad=1; }
checkpoint() { echo "CHECKPOINT $1"; usleep 3000000; }   # the host reads its counters now
start_daemon() {
    # the mode comes from the config file alone
    msmvirt-cuse --config "$MSMVIRT_CONFIG" 2>"/tmp/cuse.$1.log" &
    dpid=$!
    i=0
    while [ ! -c $NODE ] && [ $i -lt 200 ]; do usleep 100000; i=$((i + 1)); done
    [ -c $NODE ] || { cat "/tmp/cuse.$1.log"; fail "daemon $1: no $NODE"; }
    echo "NC: daemon $1 (pid $dpid): $(head -n 1 /tmp/cuse.$1.log)"
}
wait_line() {   # FILE TEXT: wait up to 20 s for TEXT in FILE
    i=0
    while ! grep -q "$2" "$1" 2>/dev/null && [ $i -lt 200 ]; do usleep 100000; i=$((i + 1)); done
    grep -q "$2" "$1"
}
[ -c /dev/cuse ] || fail "no /dev/cuse"
[ -n "$MSMVIRT_CONFIG" ] || fail "no guest config (MSMVIRT_CONFIG)"
echo "NC: config $MSMVIRT_CONFIG: $(grep -v '^#' "$MSMVIRT_CONFIG" | tr '\n' ' ')"

start_daemon 1
echo "NC: === quick client"
LD_PRELOAD=$PRE nc_guest_client --quick; rc=$?
echo "NC: quick exit $rc"
[ $rc = 0 ] || mark "quick client"
checkpoint after-quick

echo "NC: === ws conformance through the virtio_gpu node"
t0=$(up)
LD_PRELOAD=$PRE nc_guest_client --conform >/tmp/conform.out 2>&1; rc=$?
t1=$(up)
grep -E '^\[ *(PASSED|FAILED|SKIPPED|  FAILED)' /tmp/conform.out
grep -E 'ERROR|LINE' /tmp/conform.out | head -n 10
echo "NC: conformance exit $rc in $(awk -v a=$t0 -v b=$t1 'BEGIN{print b-a}') s"
[ $rc = 0 ] || mark "conformance"
checkpoint after-conform

snap() { # the daemon's counters now, as SNAP lines (tests/cuse/snap_counts.py)
    n=$(grep -c "stats end" /tmp/cuse.1.log)
    kill -USR1 $dpid
    i=0; while [ "$(grep -c 'stats end' /tmp/cuse.1.log)" -le $n ] && [ $i -lt 100 ]; do usleep 100000; i=$((i + 1)); done
    awk '/msmvirt-cuse: stats: /{b=""; on=1} on{b=b $0 "\n"} /stats end/{on=0; last=b} END{printf "%s", last}' \
        /tmp/cuse.1.log | sed "s/^/SNAP $1 /"
}
echo "NC: === the GLES trace replayed through msmvirt's library on the node (msmvirt compare)"
snap r0
for n in 1 $((REPLAYS + 1)); do
    LD_PRELOAD=$PRE msmvirt compare --clock real --modes direct,nativectx --transport node \
        --workloads trace:/usr/local/share/msmvirt/mesa-gles.trace --rtt-us 0 \
        --repeat 1 --iters $n --no-attribution -q >/tmp/replay.$n.out 2>&1
    echo "NC: compare --iters $n exit $?"; cat /tmp/replay.$n.out
    snap r$n
done
checkpoint after-replay

echo "NC: === a client killed inside a fence wait on a 3 s submit"
LD_PRELOAD=$PRE nc_guest_client --hang 3000 >/tmp/hang1.out 2>&1 &
hp=$!
wait_line /tmp/hang1.out "HANG: submitted" || { cat /tmp/hang1.out; fail "hang client did not start"; }
usleep 300000
kill -9 $hp; wait $hp 2>/dev/null
cat /tmp/hang1.out
echo "NC: === client after the kill"
LD_PRELOAD=$PRE nc_guest_client --quick; rc=$?
[ $rc = 0 ] || mark "client after kill"
checkpoint after-kill

echo "NC: === msmvirt-cuse killed while a client waits on a fence"
LD_PRELOAD=$PRE nc_guest_client --hang 3000 >/tmp/hang2.out 2>&1 &
hp=$!
wait_line /tmp/hang2.out "HANG: submitted" || { cat /tmp/hang2.out; fail "hang client 2 did not start"; }
usleep 300000
kill -9 $dpid; wait $dpid 2>/dev/null
i=0; while [ -e $NODE ] && [ $i -lt 50 ]; do usleep 100000; i=$((i + 1)); done
[ -e $NODE ] && fail "$NODE still there after the daemon died"
echo "NC: $NODE gone with its daemon"
# Its library waits on shared memory: the GPU work still retires on the host,
# so the wait may end; either way it cannot use the node again.
usleep 3500000
kill -9 $hp 2>/dev/null; wait $hp 2>/dev/null
cat /tmp/hang2.out
checkpoint after-daemon-kill

start_daemon 2
checkpoint after-restart
echo "NC: === client (daemon 2)"
LD_PRELOAD=$PRE nc_guest_client --quick; rc=$?
[ $rc = 0 ] || mark "client (daemon 2)"
kill -TERM $dpid; wait $dpid
echo "NC: === daemon 1 log"; cat /tmp/cuse.1.log
echo "NC: === daemon 2 log (its per-ioctl statistics)"; cat /tmp/cuse.2.log
checkpoint final
exit $bad
GUEST

# ---------------------------------------------------------------- run
out="$work/guest-output"
host_cmd="exec $(printf '%q' "$msmvirt") host --connect \"\$MSMVIRT_SERIAL_SOCK\" \
--hostmem-file \"\$MSMVIRT_HOSTMEM\" --hostmem-size 256M --listen $(printf '%q' "$stats_sock")"
t=$EPOCHREALTIME
"$repo/vm/run-guest.sh" --mode nativectx --hostmem "$hostmem" --hostmem-size 256M \
    --image-dir "$img" --timeout 900 --host-cmd "$host_cmd" -- "$guest
$guest_body" |
while IFS= read -r line; do
    case $line in SNAP*) ;; *) printf '%s\n' "$line" ;; esac
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

# the replay's counts: warmup 1 + --iters replays per compare run
counts=$(/usr/bin/python3 "$here/snap_counts.py" nativectx "$REPLAYS" "$out" r0 r1 "r$((REPLAYS + 1))" \
         "msmvirt's library, the GLES trace replayed" 30)
echo "$counts"
[ -z "${COUNTS_OUT:-}" ] || printf '%s\n' "$counts" >"$COUNTS_OUT"

# ---------------------------------------------------------------- verdict
ok=1
check() { if eval "$2"; then echo "ok:   $1"; else echo "FAIL: $1"; ok=0; fi; }
stat_is() { grep -qx "$2=$3" "$work/stats.$1" 2>/dev/null; }
o=$(cat "$out" 2>/dev/null)
check "guest command exit status 0 (got $rc)" '[ "$rc" = 0 ]'
check "no NC-FAIL in the guest" '[[ $o != *NC-FAIL* ]]'
check "the daemon ran the virtio_gpu personality from the config" \
    '[[ $o == *"mode nativectx, /dev/dri/renderD128"* ]]'
check "quick client: GPU_ID 630, the GPU's write read back" \
    '[[ $o == *"QUICK: GPU_ID=630 write+wait+map: ok, value 0x5a5a1234"* ]]'
check "ws conformance passed through the node" '[[ $o == *"NC: conformance exit 0"* ]]'
check "the GLES trace replayed on the node (both compare runs)" \
    '[ "$(grep -c "NC: compare --iters [0-9]* exit 0" <<<"$o")" = 2 ] && grep -q "^ *nativectx  *0 " <<<"$o"'
killed=${o#*=== a client killed inside}; killed=${killed%%=== client after the kill*}
check "the killed client's wait never returned to it" '! grep -q "HANG: wait returned" <<<"$killed"'
# A daemon killed: the guest's port closes, which QEMU does not pass on; the
# host learns of it when the next daemon's HELLO restarts the connection (as
# in forward mode, tests/cuse/vm-forward.sh) and frees what the old one had.
echo "info: host at after-daemon-kill (the dead daemon's context, until a new HELLO):" \
    "$(tr '\n' ' ' <"$work/stats.after-daemon-kill" 2>/dev/null)"
for cp in after-quick after-conform after-replay after-kill after-restart final; do
    check "host at $cp: contexts=0 bos=0 queues=0" \
        'stat_is $cp contexts 0 && stat_is $cp bos 0 && stat_is $cp queues 0'
done
check "host at final: inflight=0" 'stat_is final inflight 0'
echo "vm-nativectx wall time: $(vm_since "$t_all") s"
if [ $ok = 1 ]; then echo "vm-nativectx: PASS"; exit 0; fi
echo "vm-nativectx: FAIL"; exit 1
