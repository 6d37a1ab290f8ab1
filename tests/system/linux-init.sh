#!/bin/sh
# linux-init.sh - /init of the test initramfs (scripts/fetch-guests.sh puts
# it there). Prints markers the system test (tests/system/linux.sh) checks,
# then either powers off (kernel command line "kestrel.test=1") or gives
# an interactive shell on the console (scripts/boot.sh).
#
# Invariant: every line the test greps starts with "KESTREL-"; the test
# accepts poweroff -f failing (no ACPI yet) and stops the guest itself.
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs dev /dev 2>/dev/null
echo "KESTREL-INIT-START"
echo "KESTREL-UNAME $(uname -r)"
echo "KESTREL-MD5 $(md5sum /test.bin)"
echo "KESTREL-FLAGS $(grep -m1 '^flags' /proc/cpuinfo)"
echo "KESTREL-SHA1 $(echo kestrel | sha1sum)"
echo "KESTREL-INIT-DONE"
if grep -q 'kestrel.test=1' /proc/cmdline; then
    poweroff -f
    echo "KESTREL-POWEROFF-FAILED"
    while :; do sleep 1000; done
fi
echo "Kestrel: busybox shell on the console (poweroff -f to leave)"
exec setsid cttyhack sh
