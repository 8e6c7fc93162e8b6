#!/bin/bash
# Build a minimal msmvirt guest from Debian packages:
#   OUT/vmlinuz            Debian's linux-image-6.1.0-NN-amd64 kernel
#   OUT/initramfs.cpio.gz  busybox + virtio/fuse/cuse modules + /init (+ --add files)
# Usage: vm/build-guest.sh [--out DIR] [--add HOSTPATH[:GUESTPATH]]...
# See vm/README.md.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
# shellcheck source=vm/lib.sh
. "$here/lib.sh"

# Loaded in this order by /init (each needs the ones before it).
MODULES="virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci virtio_console fuse cuse"

usage() {
    cat <<EOF
usage: vm/build-guest.sh [--out DIR] [--add HOSTPATH[:GUESTPATH]]...
  --out DIR      output directory (default: <repo>/build/vm)
  --add SPEC     copy a host file or directory into the image; GUESTPATH defaults
                 to the absolute host path, a GUESTPATH ending in / is a directory.
                 ELF files also get their ldd dependencies and the dynamic loader.
The downloaded .debs and their extraction are cached in <repo>/build/vm/cache
(override with MSMVIRT_VM_CACHE); the cpio is regenerated only if its content changed.
EOF
}

out="$repo/build/vm"
adds=()
while [ $# -gt 0 ]; do
    case "$1" in
        --out) [ $# -ge 2 ] || vm_die "--out needs an argument"; out=$2; shift 2 ;;
        --out=*) out=${1#--out=}; shift ;;
        --add) [ $# -ge 2 ] || vm_die "--add needs an argument"; adds+=("$2"); shift 2 ;;
        --add=*) adds+=("${1#--add=}"); shift ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; vm_die "unknown argument: $1" ;;
    esac
done
mkdir -p "$out"
out=$(cd "$out" && pwd -P)
cache=${MSMVIRT_VM_CACHE:-$repo/build/vm/cache}
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)

t0=$EPOCHREALTIME
vm_ensure_pkgs cpio gzip

# ---------------------------------------------------------------- packages
# One builder at a time per cache and per output directory.
exec 8>"$cache/.lock"
flock 8

kpkg=""
resolve_kpkg() {
    kpkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
        sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-amd64\)$/\1/p' | head -n 1)
}
# apt-cache is slow (~0.8 s): reuse the last answer while the lists are unchanged
kcache="$cache/kernel-package"
if [ -s "$kcache" ] && [ "$kcache" -nt /var/lib/apt/lists ] &&
   { [ ! -e /var/cache/apt/pkgcache.bin ] || [ "$kcache" -nt /var/cache/apt/pkgcache.bin ]; }; then
    kpkg=$(cat "$kcache")
else
    resolve_kpkg
    [ -z "$kpkg" ] || echo "$kpkg" >"$kcache"
fi
if [ -z "$kpkg" ]; then
    vm_log "apt-cache does not know linux-image-amd64; running apt-get update"
    apt-get update >&2 || true
    resolve_kpkg
    [ -z "$kpkg" ] || echo "$kpkg" >"$kcache"
fi
if [ -z "$kpkg" ]; then
    # Offline: fall back to whatever kernel is already cached.
    cached=$(ls "$cache"/linux-image-[0-9]*-amd64_*.deb 2>/dev/null | sort -V | tail -n 1 || true)
    [ -n "$cached" ] || vm_die "cannot resolve linux-image-amd64 and nothing cached"
    kpkg=$(basename "$cached"); kpkg=${kpkg%%_*}
    vm_log "offline: using cached $kpkg"
fi

# fetch PKG -> prints the cached .deb path (downloads it if not cached yet)
fetch() {
    local pkg=$1 deb
    deb=$(ls "$cache/${pkg}"_*.deb 2>/dev/null | sort -V | tail -n 1 || true)
    if [ -z "$deb" ]; then
        local t=$EPOCHREALTIME
        vm_log "downloading $pkg ..."
        (cd "$cache" && apt-get download -o APT::Sandbox::User=root "$pkg" >&2) ||
            { apt-get update >&2 || true
              (cd "$cache" && apt-get download -o APT::Sandbox::User=root "$pkg" >&2); } ||
            vm_die "apt-get download $pkg failed"
        deb=$(ls "$cache/${pkg}"_*.deb 2>/dev/null | sort -V | tail -n 1 || true)
        [ -n "$deb" ] || vm_die "downloaded $pkg but no .deb in $cache"
        vm_log "downloaded $(basename "$deb") in $(vm_since "$t") s"
    fi
    printf '%s\n' "$deb"
}

# extract DEB -> prints the extraction directory (cached, stamped when complete)
extract() {
    local deb=$1 dir
    dir="$cache/x/$(basename "$deb" .deb)"
    if [ ! -e "$dir/.complete" ]; then
        local t=$EPOCHREALTIME
        vm_log "extracting $(basename "$deb") ..."
        rm -rf "$dir"; mkdir -p "$dir"
        dpkg-deb -x "$deb" "$dir"
        touch "$dir/.complete"
        vm_log "extracted in $(vm_since "$t") s"
    fi
    printf '%s\n' "$dir"
}

kdeb=$(fetch "$kpkg")
bdeb=$(fetch busybox-static)
kdir=$(extract "$kdeb")
bdir=$(extract "$bdeb")

kver=${kpkg#linux-image-}
[ -f "$kdir/boot/vmlinuz-$kver" ] || vm_die "no boot/vmlinuz-$kver in $kdeb"
[ -d "$kdir/lib/modules/$kver" ] || vm_die "no lib/modules/$kver in $kdeb"
busybox="$bdir/bin/busybox"
[ -x "$busybox" ] || vm_die "no bin/busybox in $bdeb"

# The output directory may be shared by parallel builds too.
exec 9>"$out/.lock"
flock 9
exec 8>&-

# ---------------------------------------------------------------- staging tree
root="$out/root"
rm -rf "$root"
mkdir -p "$root"/{usr/bin,usr/sbin,usr/lib,usr/lib64,usr/local/bin,usr/local/lib} \
         "$root"/{dev,proc,sys,tmp,run,root,mnt,etc/msmvirt}
# merged /usr, like the host, so ldd's /lib/... and /usr/lib/... paths both work
ln -s usr/bin "$root/bin"; ln -s usr/sbin "$root/sbin"
ln -s usr/lib "$root/lib"; ln -s usr/lib64 "$root/lib64"
chmod 1777 "$root/tmp"; chmod 700 "$root/root"

install -m 755 "$busybox" "$root/usr/bin/busybox"
# applet symlinks (one perl process instead of ~400 ln forks; perl-base is essential).
# Relative targets: no symlink in the staging tree may point into the host's /.
"$busybox" --list-full | VM_ROOT="$root" perl -ne '
    chomp; my ($dir, $name) = m{^(.*/)?([^/]+)$} or next;
    next if $name eq "busybox";
    my ($d, $t) = ($dir // "") =~ m{sbin/$} ? ("usr/sbin", "../bin/busybox") : ("usr/bin", "busybox");
    my $dst = "$ENV{VM_ROOT}/$d/$name";
    -e $dst or -l $dst or symlink($t, $dst) or die "symlink $dst: $!\n";
'

mdir="$root/usr/lib/modules/$kver"
mkdir -p "$mdir"
: >"$root/etc/msmvirt/modules"
for m in $MODULES; do
    src=$(find "$kdir/lib/modules/$kver/kernel" \( -name "$m.ko" -o -name "$m.ko.xz" \
            -o -name "$m.ko.zst" -o -name "$m.ko.gz" \) -print -quit)
    [ -n "$src" ] || vm_die "module $m not found in $kdeb"
    # busybox insmod may not handle compressed modules: store them plain
    case "$src" in
        *.ko.xz) vm_ensure_pkgs xz-utils; xz -dc "$src" >"$mdir/$m.ko" ;;
        *.ko.zst) vm_ensure_pkgs zstd; zstd -qdc "$src" >"$mdir/$m.ko" ;;
        *.ko.gz) gzip -dc "$src" >"$mdir/$m.ko" ;;
        *) cp "$src" "$mdir/$m.ko" ;;
    esac
    echo "$m" >>"$root/etc/msmvirt/modules"
done

cat >"$root/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
cat >"$root/etc/group" <<'EOF'
root:x:0:
video:x:44:
render:x:105:
nogroup:x:65534:
EOF
printf '%s\n' /usr/local/lib /usr/lib/x86_64-linux-gnu /usr/lib >"$root/etc/ld.so.conf"

cat >"$root/init" <<'EOF'
#!/bin/sh
# msmvirt guest /init (generated by vm/build-guest.sh)
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin HOME=/root TERM=dumb
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /dev/shm /dev/pts
mount -t tmpfs -o mode=1777 shm /dev/shm
mount -t tmpfs -o mode=1777 tmp /tmp
mount -t devpts devpts /dev/pts
hostname msmvirt-guest
warn() { echo "msmvirt-init: $*"; echo "msmvirt-init: $*" >>/run/msmvirt-warnings; }

kver=$(uname -r)
while read -r m; do
    [ -n "$m" ] && { insmod "/lib/modules/$kver/$m.ko" || warn "insmod $m failed"; }
done </etc/msmvirt/modules

# PCI: ivshmem-plain (1af4:1110) BAR2, virtio-serial (1af4:1003 / 1af4:1043)
vser=0
for d in /sys/bus/pci/devices/*; do
    [ "$(cat "$d/vendor" 2>/dev/null)" = 0x1af4 ] || continue
    case "$(cat "$d/device")" in
        0x1110) [ -n "$MSMVIRT_HOSTMEM_BAR" ] || MSMVIRT_HOSTMEM_BAR=$d/resource2 ;;
        0x1003|0x1043) vser=1 ;;
    esac
done
# virtio-serial ports (msmvirt.0: the daemon channel, msmvirt.out: the command's
# output) are announced asynchronously after the driver loads
port_by_name() {
    for p in /sys/class/virtio-ports/*; do
        [ "$(cat "$p/name" 2>/dev/null)" = "$1" ] && [ -c "/dev/${p##*/}" ] &&
            { echo "/dev/${p##*/}"; return 0; }
    done
    return 1
}
out=""
if [ $vser = 1 ]; then
    i=0
    while [ $i -lt 200 ]; do
        MSMVIRT_PORT=$(port_by_name msmvirt.0)
        [ -n "$out" ] || { port_by_name msmvirt.out >/dev/null && [ -c /dev/hvc0 ] && out=/dev/hvc0; }
        [ -n "$MSMVIRT_PORT" ] && [ -n "$out" ] && break
        usleep 25000
        i=$((i + 1))
    done
    [ -n "$MSMVIRT_PORT" ] || warn "virtio-serial port msmvirt.0 did not appear"
fi
[ -n "$MSMVIRT_PORT" ] && export MSMVIRT_PORT
[ -n "$MSMVIRT_HOSTMEM_BAR" ] && export MSMVIRT_HOSTMEM_BAR
# the guest config (vm/run-guest.sh --mode / --config): msmvirt-cuse and the
# preload read it
[ -f /etc/msmvirt/guest.conf ] && export MSMVIRT_CONFIG=/etc/msmvirt/guest.conf
[ -f /etc/msmvirt/env ] && . /etc/msmvirt/env
# the command's output goes to the msmvirt.out virtconsole (no kernel messages
# mixed in); without it, to the serial console
[ -n "$out" ] || out=/dev/console

cd /root
if [ -f /etc/msmvirt/cmd ]; then
    exec 4<>"$out"
    # raw: no \r added (hvc resets its termios on the last close, so set it on our fd)
    [ "$out" = /dev/console ] || stty raw -echo <&4
    [ -f /run/msmvirt-warnings ] && cat /run/msmvirt-warnings >&4
    echo "MSMVIRT-START" >&4
    sh -c "$(cat /etc/msmvirt/cmd)" </dev/null >&4 2>&4 4>&-
    rc=$?
    echo "MSMVIRT-EXIT=$rc" >&4
    exec 4>&-
else
    echo "msmvirt-init: no /etc/msmvirt/cmd, starting a shell (exit to power off)"
    setsid cttyhack sh
fi
sync
# let the console drain before the machine disappears
usleep 100000
poweroff -f
EOF
chmod 755 "$root/init"

# ---------------------------------------------------------------- --add
is_elf() { [ "$(head -c 4 "$1" 2>/dev/null | od -An -c | tr -d ' ')" = '177ELF' ]; }

added_libs=0
# inside ROOTPATH: die unless the staging path resolves inside the staging tree
# (an absolute symlink in an added tree would otherwise lead a copy onto the host)
inside() {
    local r
    r=$(realpath -m "$1")
    case "$r/" in "$root"/*) return 0 ;; esac
    vm_die "refusing to write $1: it resolves to $r, outside $root"
}
# copy_deps HOSTFILE: put its shared libraries and loader at their host paths
copy_deps() {
    local f=$1 out_ldd dep
    out_ldd=$(ldd "$f" 2>/dev/null) || return 0   # static or not a dynamic object
    while read -r dep; do
        [ -n "$dep" ] || continue
        if [ ! -e "$root$dep" ] && [ ! -L "$root$dep" ]; then
            inside "$root$dep"
            mkdir -p "$root$(dirname "$dep")"
            cp -L --remove-destination "$dep" "$root$dep"
            added_libs=$((added_libs + 1))
        fi
    done < <(printf '%s\n' "$out_ldd" | awk '
        /=> not found/ { print "missing " $1 > "/dev/stderr"; next }
        /=>/ { if ($3 ~ /^\//) print $3; next }
        $1 ~ /^\// { print $1 }')
    if printf '%s\n' "$out_ldd" | grep -q '=> not found'; then
        vm_log "warning: $f has unresolved libraries (see above)"
    fi
}

for spec in "${adds[@]}"; do
    case "$spec" in
        *:*) hpath=${spec%%:*}; gpath=${spec#*:} ;;
        *) hpath=$spec; gpath="" ;;
    esac
    [ -e "$hpath" ] || vm_die "--add: $hpath does not exist"
    habs=$(realpath "$hpath")
    [ -n "$gpath" ] || gpath=$habs
    case "$gpath" in /*) ;; *) vm_die "--add: guest path must be absolute: $gpath" ;; esac
    case "$gpath" in */) gpath="$gpath$(basename "$habs")" ;; esac
    inside "$root$gpath"
    mkdir -p "$root$(dirname "$gpath")"
    if [ -d "$habs" ]; then
        mkdir -p "$root$gpath"
        cp -a --remove-destination "$habs/." "$root$gpath/"
        while IFS= read -r -d '' f; do
            is_elf "$f" && copy_deps "$f"
        done < <(find "$habs" -type f -print0)
    else
        # --remove-destination: replace (never write through) e.g. an applet symlink
        cp -L --remove-destination --preserve=mode,timestamps "$habs" "$root$gpath"
        is_elf "$habs" && copy_deps "$habs"
    fi
done
if [ ${#adds[@]} -gt 0 ]; then
    # a loader cache so libraries outside the default paths are found too
    ldconfig -r "$root" 2>/dev/null || vm_log "warning: ldconfig -r failed (LD_LIBRARY_PATH may be needed)"
fi

# ---------------------------------------------------------------- outputs
if ! cmp -s "$kdir/boot/vmlinuz-$kver" "$out/vmlinuz" 2>/dev/null; then
    cp "$kdir/boot/vmlinuz-$kver" "$out/vmlinuz.tmp" && mv "$out/vmlinuz.tmp" "$out/vmlinuz"
fi
echo "$kver" >"$out/kernel-version"

# Regenerate the cpio only if the tree's content changed.
manifest=$(cd "$root" && {
    find . -type l -printf 'l %p %l\n'
    find . -type d -printf 'd %p %m\n'
    find . -type f -printf 'f %p %m\n'
    find . -type f -print0 | xargs -0 -r sha256sum
} | LC_ALL=C sort | sha256sum | cut -d' ' -f1)
img="$out/initramfs.cpio.gz"
if [ -f "$img" ] && [ "$(cat "$out/initramfs.sum" 2>/dev/null)" = "$manifest" ]; then
    vm_log "initramfs unchanged ($(du -h "$img" | cut -f1))"
else
    t=$EPOCHREALTIME
    (cd "$root" && find . -mindepth 1 -print0 | LC_ALL=C sort -z |
        cpio --null -o -H newc --owner=0:0 --reproducible --quiet) | gzip -n -1 >"$img.tmp"
    mv "$img.tmp" "$img"
    echo "$manifest" >"$out/initramfs.sum"
    vm_log "initramfs written: $img ($(du -h "$img" | cut -f1), $added_libs libs added, $(vm_since "$t") s)"
fi
vm_log "guest ready: kernel $kver, $out (total $(vm_since "$t0") s)"
