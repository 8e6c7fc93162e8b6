#!/bin/bash
# Boot the msmvirt guest under QEMU TCG, run one command in it, wire a host daemon
# to its virtio-serial port and ivshmem region, exit with the command's status.
# Usage: vm/run-guest.sh [options] -- GUEST_COMMAND...
# See vm/README.md.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
# shellcheck source=vm/lib.sh
. "$here/lib.sh"
VM_DIE_STATUS=125

usage() {
    cat <<EOF
usage: vm/run-guest.sh [options] -- GUEST_COMMAND...
  --mode MODE          forward | nativectx: the guest config (/etc/msmvirt/guest.conf,
                       exported as MSMVIRT_CONFIG) names this mode, the node
                       dri/renderD128, port and hostmem auto
  --config FILE        the guest config file to install instead (--mode overrides its mode)
  --host-cmd CMD       host command (bash -c) started once QEMU's serial socket exists,
                       with MSMVIRT_SERIAL_SOCK and MSMVIRT_HOSTMEM set; stopped at the end.
                       Its stdout/stderr go to this script's stderr.
  --hostmem FILE       file backing the ivshmem-plain BAR (default: a temporary file
                       under /dev/shm, removed at exit); created/extended to the size
  --hostmem-size SIZE  size of the hostmem region, a power of two (default 64M)
  --serial-sock PATH   unix socket QEMU listens on for the msmvirt.0 port
                       (default: in a temporary directory)
  --timeout SEC        kill QEMU and fail with 124 after SEC seconds (default 120)
  --mem MB             guest RAM (default 512)
  --smp N              guest CPUs (default 1)
  --image-dir DIR      where vmlinuz and initramfs.cpio.gz are (default <repo>/build/vm;
                       built with vm/build-guest.sh if missing)
  --qemu-arg ARG       extra QEMU argument (repeatable)
  --append ARGS        extra kernel command line arguments
  --console-log FILE   also save the whole console output there
  -v, --verbose        show boot/kernel console lines on stderr
  -i, --interactive    no command: a shell on the serial console (QEMU on this terminal)
The guest command's output (stdout+stderr, via the console) goes to stdout.
Exit status: the guest command's, 124 on timeout, 125 if it never reported one.
EOF
}

host_cmd="" hostmem="" hostmem_size=64M sock="" timeout=120 mem=512 smp=1
imgdir="$repo/build/vm" verbose=0 interactive=0 console_log=""
qemu_extra=() kappend="" mode="" config=""
need() { [ "$2" -ge 2 ] || { usage >&2; vm_die "$1 needs an argument"; }; }
while [ $# -gt 0 ]; do
    case "$1" in
        --host-cmd) need "$1" $#; host_cmd=$2; shift 2 ;;
        --mode) need "$1" $#; mode=$2; shift 2 ;;
        --config) need "$1" $#; config=$2; shift 2 ;;
        --hostmem) need "$1" $#; hostmem=$2; shift 2 ;;
        --hostmem-size) need "$1" $#; hostmem_size=$2; shift 2 ;;
        --serial-sock) need "$1" $#; sock=$2; shift 2 ;;
        --timeout) need "$1" $#; timeout=$2; shift 2 ;;
        --mem) need "$1" $#; mem=$2; shift 2 ;;
        --smp) need "$1" $#; smp=$2; shift 2 ;;
        --image-dir) need "$1" $#; imgdir=$2; shift 2 ;;
        --qemu-arg) need "$1" $#; qemu_extra+=("$2"); shift 2 ;;
        --append) need "$1" $#; kappend+=" $2"; shift 2 ;;
        --console-log) need "$1" $#; console_log=$2; shift 2 ;;
        -v|--verbose) verbose=1; shift ;;
        -i|--interactive) interactive=1; shift ;;
        -h|--help) usage; exit 0 ;;
        --) shift; break ;;
        *) usage >&2; vm_die "unknown argument: $1 (the guest command goes after --)" ;;
    esac
done
[[ $timeout =~ ^[0-9]+$ ]] && [ "$timeout" -gt 0 ] || vm_die "--timeout must be a positive integer"
[[ $mem =~ ^[0-9]+$ ]] || vm_die "--mem must be a number of MB"
case $mode in ""|forward|nativectx) ;; *) vm_die "--mode must be forward or nativectx" ;; esac
[ -z "$config" ] || [ -f "$config" ] || vm_die "no config file $config"
if [ $interactive = 0 ] && [ $# -eq 0 ]; then
    usage >&2; vm_die "no guest command (give it after --)"
fi

# One argument is a shell command line; several are quoted word by word.
guest_cmd=""
if [ $# -eq 1 ]; then
    guest_cmd=$1
elif [ $# -gt 1 ]; then
    for a in "$@"; do
        guest_cmd+="'${a//\'/\'\\\'\'}' "
    done
fi

vm_ensure_pkgs qemu-system-x86 cpio
qemu=$(command -v qemu-system-x86_64) || vm_die "qemu-system-x86_64 not found"

if [ ! -f "$imgdir/vmlinuz" ] || [ ! -f "$imgdir/initramfs.cpio.gz" ]; then
    [ "$imgdir" = "$repo/build/vm" ] || vm_die "no guest image in $imgdir (run vm/build-guest.sh --out $imgdir)"
    vm_log "no guest image yet: running vm/build-guest.sh"
    "$here/build-guest.sh" || vm_die "vm/build-guest.sh failed"
fi

# ---------------------------------------------------------------- cleanup
tmp=$(mktemp -d /tmp/msmvirt-vm.XXXXXX) || vm_die "mktemp failed"
qpid="" hpid="" tpids="" own_hostmem="" own_sock=""
cleanup() {
    local st=$?
    trap - EXIT
    trap '' INT TERM HUP      # finish cleaning up even if signalled again
    if [ -n "$qpid" ] && alive "$qpid"; then
        kill -TERM "$qpid" 2>/dev/null
        for _ in 1 2 3 4 5 6 7 8 9 10; do alive "$qpid" || break; sleep 0.1; done
        kill -KILL "$qpid" 2>/dev/null
    fi
    [ -z "$qpid" ] || wait "$qpid" 2>/dev/null
    stop_host
    exec 3<&-
    local p
    for p in $tpids; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
    [ -z "$own_hostmem" ] || rm -f "$own_hostmem"
    [ -z "$own_sock" ] || rm -f "$own_sock"
    rm -rf "$tmp"
    exit "$st"
}
# kill -0 also succeeds on an unreaped (zombie) child: look at its state instead
alive() {
    local st
    st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null) || return 1
    [ -n "$st" ] && [ "${st%% *}" != Z ]
}
host_status=""
stop_host() {
    [ -n "$hpid" ] || return 0
    if alive "$hpid"; then
        # the host command runs in its own process group (setsid): end all of it
        kill -TERM -- "-$hpid" 2>/dev/null
        for _ in $(seq 20); do alive "$hpid" || break; sleep 0.1; done
        kill -KILL -- "-$hpid" 2>/dev/null
        wait "$hpid" 2>/dev/null
    else
        wait "$hpid" 2>/dev/null; host_status=$?
        [ "$host_status" = 0 ] || vm_log "host command exited early with status $host_status"
        kill -KILL -- "-$hpid" 2>/dev/null   # leftovers of its group, if any
    fi
    hpid=""
}
# A signal that arrives during the read loop is only noted there and acted upon
# after read returns: bash 5.2 can crash if a trap exits from inside read -t.
in_read=0 got_sig=""
on_sig() { if [ $in_read = 1 ]; then got_sig=$1; else exit "$1"; fi; }
trap cleanup EXIT
trap 'on_sig 130' INT
trap 'on_sig 143' TERM
trap 'on_sig 129' HUP

# ---------------------------------------------------------------- resources
if [ -z "$hostmem" ]; then
    hostmem=$(mktemp /dev/shm/msmvirt-hostmem.XXXXXX) || vm_die "cannot create hostmem file"
    own_hostmem=$hostmem
    truncate -s "$hostmem_size" "$hostmem" || vm_die "bad --hostmem-size $hostmem_size"
else
    [ -e "$hostmem" ] || : >"$hostmem" || vm_die "cannot create $hostmem"
    want=$(numfmt --from=iec "${hostmem_size%B}" 2>/dev/null) || vm_die "bad --hostmem-size $hostmem_size"
    have=$(stat -c %s "$hostmem")
    [ "$have" -ge "$want" ] || truncate -s "$want" "$hostmem" || vm_die "cannot size $hostmem"
fi
hostmem=$(realpath "$hostmem")
if [ -z "$sock" ]; then
    sock="$tmp/serial.sock"
else
    [ ! -S "$sock" ] || rm -f "$sock"          # stale socket from an earlier run
    [ ! -e "$sock" ] || vm_die "$sock exists and is not a socket"
    own_sock=$sock
fi
mkdir -p "$(dirname "$sock")"
sock=$(realpath -m "$sock")

# The command and the guest config travel in a small uncompressed cpio placed
# before the image (the kernel unpacks concatenated archives; this one only adds
# /etc/msmvirt/cmd and /etc/msmvirt/guest.conf).
initrd="$tmp/initrd.img"
files=()
mkdir -p "$tmp/extra/etc/msmvirt"
if [ $interactive = 0 ]; then
    printf '%s\n' "$guest_cmd" >"$tmp/extra/etc/msmvirt/cmd"
    files+=(etc/msmvirt/cmd)
fi
if [ -n "$config" ] || [ -n "$mode" ]; then
    conf="$tmp/extra/etc/msmvirt/guest.conf"
    if [ -n "$config" ]; then
        cp "$config" "$conf" || vm_die "cannot read $config"
        # --mode wins over the file's mode line
        [ -z "$mode" ] || sed -i -E "s/^([[:space:]]*mode[[:space:]]*=).*/\1 $mode/" "$conf"
    else
        printf '%s\n' "# written by vm/run-guest.sh --mode $mode" "[guest]" "mode = $mode" \
            "node = dri/renderD128" "port = auto" "hostmem = auto" >"$conf"
    fi
    grep -Eq "^[[:space:]]*mode[[:space:]]*=" "$conf" ||
        { [ -z "$mode" ] || vm_die "$config has no mode line for --mode to set"; }
    files+=(etc/msmvirt/guest.conf)
    vm_log "guest config: $(grep -E '^[[:space:]]*mode' "$conf" | tr -s ' ')"
fi
if [ ${#files[@]} -gt 0 ]; then
    (cd "$tmp/extra" && printf '%s\n' etc etc/msmvirt "${files[@]}" |
        cpio -o -H newc --owner=0:0 --quiet) >"$initrd" || vm_die "cpio failed"
fi
cat "$imgdir/initramfs.cpio.gz" >>"$initrd"

out="$tmp/output"          # the guest command's output (virtconsole msmvirt.out)
log="$tmp/console.log"     # serial console: firmware, kernel, /init
: >"$out"; : >"$log"
qargs=(-accel tcg -cpu max -m "$mem" -smp "$smp"
       -nographic -no-reboot -net none -vga none -no-user-config
       -kernel "$imgdir/vmlinuz" -initrd "$initrd"
       -append "console=ttyS0 quiet panic=-1$kappend"
       -object "memory-backend-file,id=hostmem,mem-path=$hostmem,size=$hostmem_size,share=on"
       -device ivshmem-plain,memdev=hostmem
       -device virtio-serial-pci
       -chardev "file,id=out,path=$out"
       -device virtconsole,chardev=out,name=msmvirt.out
       -chardev "socket,id=c0,path=$sock,server=on,wait=off"
       -device virtserialport,chardev=c0,name=msmvirt.0
       "${qemu_extra[@]}")

start_host() {
    [ -n "$host_cmd" ] || return 0
    local i
    for i in $(seq 200); do
        [ -S "$sock" ] && break
        alive "$qpid" || return 0    # QEMU died: reported below
        sleep 0.05
    done
    [ -S "$sock" ] || { vm_log "QEMU did not create $sock"; return 0; }
    vm_log "starting host command"
    MSMVIRT_SERIAL_SOCK=$sock MSMVIRT_HOSTMEM=$hostmem \
        setsid bash -c "$host_cmd" </dev/null >&2 &
    hpid=$!
}

t0=$EPOCHREALTIME
if [ $interactive = 1 ]; then
    vm_log "booting (interactive; exit the shell to power off)"
    # (a background job would get /dev/null as stdin without the explicit dup)
    exec 5<&0
    "$qemu" "${qargs[@]}" <&5 &
    qpid=$!
    exec 5<&-
    start_host
    wait "$qpid"; st=$?; qpid=""
    exit "$st"
fi

# ---------------------------------------------------------------- boot and run
vm_log "booting guest (TCG, ${mem}M, timeout ${timeout}s)"
"$qemu" "${qargs[@]}" </dev/null >"$log" 2>"$tmp/qemu.err" &
qpid=$!
# Follow the output file (tail is stopped by cleanup).
exec 3< <(exec tail -n +1 -F -s 0.1 "$out" 2>/dev/null)
tpids=$!
if [ $verbose = 1 ]; then
    tail -n +1 -F -s 0.1 "$log" >&2 2>/dev/null &
    tpids="$tpids $!"
fi
start_host

state=boot rc="" timed_out=0 gone=0 partial=""
deadline=$((SECONDS + timeout))
while [ "$state" != done ]; do
    if [ "$SECONDS" -ge "$deadline" ]; then timed_out=1; break; fi
    line=""
    in_read=1
    IFS= read -r -t 1 line <&3
    st=$?
    in_read=0
    [ -z "$got_sig" ] || { vm_log "interrupted"; exit "$got_sig"; }
    if [ $st != 0 ]; then
        partial+=$line                   # read -t keeps what it got of a line
        if [ $gone = 1 ]; then
            # QEMU is gone and the output is drained
            [ -z "$partial" ] || [ "$state" != run ] || printf '%s\n' "$partial"
            break
        fi
        alive "$qpid" || gone=1          # one more round to drain the output
        continue
    fi
    line=$partial$line partial=""
    case $state in
        boot)
            if [ "${line%$'\r'}" = MSMVIRT-START ]; then
                state=run
                vm_log "guest command started ($(vm_since "$t0") s after launch)"
            else
                printf '%s\n' "$line" >&2      # /init's warnings
            fi ;;
        run)
            if [[ $line =~ ^(.*)MSMVIRT-EXIT=([0-9]+)$'\r'?$ ]]; then
                [ -z "${BASH_REMATCH[1]}" ] || printf '%s\n' "${BASH_REMATCH[1]}"
                rc=${BASH_REMATCH[2]}
                state=done
            else
                printf '%s\n' "$line"
            fi ;;
    esac
done
[ -z "$console_log" ] || cp "$log" "$console_log" 2>/dev/null

show_tail() {
    vm_log "last console lines:"
    tail -n 40 "$log" 2>/dev/null | tr -d '\r' | sed 's/^/  | /' >&2
    if [ -s "$tmp/qemu.err" ]; then
        vm_log "QEMU stderr:"; sed 's/^/  | /' "$tmp/qemu.err" >&2
    fi
}
if [ $timed_out = 1 ]; then
    vm_log "timeout after ${timeout}s (state: $state); killing QEMU"
    show_tail
    exit 124
fi
if [ -z "$rc" ]; then
    vm_log "the guest never reported an exit status (state: $state)"
    show_tail
    exit 125
fi
# QEMU normally exits right after the marker (poweroff -f); cleanup kills it otherwise
for _ in $(seq 50); do alive "$qpid" || break; sleep 0.1; done
vm_log "guest command exited with $rc ($(vm_since "$t0") s total)"
exit "$rc"
