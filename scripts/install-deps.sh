#!/bin/sh
# Installs every Debian package Kestrel needs to build and test (run as root).
# Guests for the system tests (Linux, Xen, busybox...) are fetched by the
# test scripts themselves with apt-get download.
set -eu
PACKAGES="gcc make pkg-config nasm check libcapstone-dev libsdl2-dev zlib1g-dev \
libslirp-dev seabios ipxe-qemu cpio"
missing=""
for p in $PACKAGES; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: missing packages:$missing; run as root (sudo $0)" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq $missing
