# Shared helpers for vm/*.sh (sourced, not executed).
# shellcheck shell=bash

# ldconfig, setsid & co. live in sbin; a CI shell's PATH may lack it
case ":$PATH:" in *:/usr/sbin:*) ;; *) PATH="$PATH:/usr/sbin:/sbin" ;; esac

vm_log() { printf '[vm] %s\n' "$*" >&2; }
vm_die() { printf '[vm] error: %s\n' "$*" >&2; exit "${VM_DIE_STATUS:-1}"; }

# vm_ensure_pkgs PKG... : apt-get install only the packages dpkg does not
# report as installed.  Updates the package lists once if the first attempt
# fails (a fresh machine may have empty lists).
vm_ensure_pkgs() {
    local missing=() p
    for p in "$@"; do
        dpkg -s "$p" 2>/dev/null | grep -q '^Status: install ok installed' || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    [ "$(id -u)" -eq 0 ] || vm_die "missing packages (${missing[*]}) and not root"
    vm_log "installing missing packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get install -y --no-install-recommends "${missing[@]}" >&2; then
        apt-get update >&2 || true
        apt-get install -y --no-install-recommends "${missing[@]}" >&2 ||
            vm_die "apt-get install ${missing[*]} failed"
    fi
}

# Elapsed seconds (with ms) since the argument (an $EPOCHREALTIME value).
vm_since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN{printf "%.1f", b-a}'; }
