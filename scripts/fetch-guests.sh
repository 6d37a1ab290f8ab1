#!/bin/sh
# fetch-guests.sh - download the Linux guests the system tests and
# scripts/boot.sh boot, and build their initramfs.
#
# Usage: scripts/fetch-guests.sh [DIR]     (default build/guests)
#
# Gets, with `apt-get download` (no root needed, nothing is installed):
#   linux-image-cloud-amd64, linux-image-amd64: the versioned kernel package
#     each meta-package depends on, unpacked with dpkg-deb -x; the bzImage
#     is copied to DIR/vmlinuz-cloud and DIR/vmlinuz.
#   busybox-static: its /bin/busybox goes into DIR/initramfs.cpio.gz, a
#     cpio newc archive (gzip) with /init (tests/system/linux-init.sh), the
#     busybox applet links and /test.bin (64 KiB of fixed pseudo-random
#     bytes) whose md5sum the test computed on the host (DIR/test.md5).
#
# Invariants: everything lands in DIR (a cache: files already there are
# reused, delete DIR to refresh); the script prints one line per guest and
# exits 0 if all were obtained, 2 when a download failed (callers SKIP), 1
# on any other error.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$top/build/guests}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# versioned_dep META: the package META depends on (linux-image-6.1.0-N-...).
versioned_dep() {
    apt-cache depends "$1" 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[^ ]*\)$/\1/p' | head -n 1
}

# fetch_deb PKG OUTDIR: download PKG and unpack it into OUTDIR.
fetch_deb() {
    (cd "$tmp" && apt-get download "$1" >/dev/null 2>&1) || return 2
    dpkg-deb -x "$tmp/$1"_*.deb "$2"
}

# fetch_kernel META OUT: the bzImage of META's kernel as DIR/OUT.
fetch_kernel() {
    [ -s "$dir/$2" ] && { echo "have $2"; return 0; }
    pkg=$(versioned_dep "$1")
    [ -n "$pkg" ] || { echo "fetch-guests: no package behind $1 (apt-get update?)" >&2; return 2; }
    fetch_deb "$pkg" "$tmp/$pkg" || { echo "fetch-guests: apt-get download $pkg failed" >&2; return 2; }
    cp "$tmp/$pkg"/boot/vmlinuz-* "$dir/$2"
    echo "${pkg#linux-image-}" >"$dir/$2.release"
    echo "got $2 ($pkg)"
}

# build_initramfs: busybox + /init + /test.bin as DIR/initramfs.cpio.gz.
build_initramfs() {
    [ -s "$dir/initramfs.cpio.gz" ] && { echo "have initramfs.cpio.gz"; return 0; }
    fetch_deb busybox-static "$tmp/bb" || { echo "fetch-guests: apt-get download busybox-static failed" >&2; return 2; }
    root=$tmp/root
    mkdir -p "$root/bin" "$root/sbin" "$root/proc" "$root/sys" "$root/dev" "$root/tmp"
    cp "$tmp/bb/bin/busybox" "$root/bin/busybox"
    for applet in $("$root/bin/busybox" --list); do
        [ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
    done
    cp "$top/tests/system/linux-init.sh" "$root/init"
    chmod 755 "$root/init"
    # Fixed content: the same bytes (and md5) on every host.
    awk 'BEGIN { x = 12345; for (i = 0; i < 65536; i++) { x = (x * 1103515245 + 12345) % 2147483648;
         printf "%c", int(x / 65536) % 94 + 33 } }' >"$root/test.bin"
    md5sum "$root/test.bin" | cut -d' ' -f1 >"$dir/test.md5"
    command -v cpio >/dev/null || { echo "fetch-guests: cpio not installed (Debian package cpio)" >&2; return 1; }
    (cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) >"$tmp/initramfs.cpio"
    gzip -9 <"$tmp/initramfs.cpio" >"$dir/initramfs.cpio.gz"
    echo "got initramfs.cpio.gz"
}

rc=0
fetch_kernel linux-image-cloud-amd64 vmlinuz-cloud || rc=$?
fetch_kernel linux-image-amd64 vmlinuz || rc=$?
build_initramfs || rc=$?
exit "$rc"
