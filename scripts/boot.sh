#!/bin/sh
# The main job: install what is missing, build, and boot the default guest
# on this terminal (serial console; Ctrl-A X quits): Debian's cloud kernel
# with the busybox initramfs of scripts/fetch-guests.sh, to an interactive
# shell on ttyS0. When the guests cannot be fetched (no network, no apt),
# or with KESTREL_GUEST=seabios, it boots SeaBIOS alone as before.
# Extra arguments are passed to kestrel.
set -eu
cd "$(dirname "$0")/.."
sh scripts/install-deps.sh
[ -f build/config.mak ] || ./configure
make -j"$(nproc 2>/dev/null || echo 2)" >/dev/null
guests=build/guests
if [ "${KESTREL_GUEST:-linux}" = linux ]; then
    if sh scripts/fetch-guests.sh "$guests" >&2; then
        exec build/kestrel -nographic -m 512 -kernel "$guests/vmlinuz-cloud" \
            -initrd "$guests/initramfs.cpio.gz" -append "console=ttyS0" "$@"
    fi
    echo "boot.sh: no Linux guest (scripts/fetch-guests.sh failed); booting SeaBIOS only" >&2
fi
exec build/kestrel -nographic -m 128 "$@"
