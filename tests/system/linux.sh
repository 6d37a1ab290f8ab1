# linux.sh - Linux direct-boot system tests, sourced by tests/system/run.sh
# (uses its run_case / skip_case, $kestrel, $work, $here and backends[]).
#
# Guests come from scripts/fetch-guests.sh (cached in build/guests, or
# $KESTREL_GUESTS): Debian's cloud and generic amd64 kernels and an
# initramfs whose /init (tests/system/linux-init.sh) prints KESTREL-*
# lines and then runs `poweroff -f`. Without ACPI poweroff the guest keeps
# running, so a case passes on exit status 0 (powered off) or when the test
# stops the guest after every expected line appeared ("0/kill"). The
# command line has panic=-1 so that a kernel panic reboots, which ends
# Kestrel (-no-reboot) at once instead of waiting for the timeout.
#
# Cases per kernel and backend:
#   linux-<k>-setup: the loader and option ROM work: the kernel prints its
#     banner and our command line (the 16-bit setup, the decompressor and
#     early 64-bit code ran; whatever happens later, even a panic, passes).
#   linux-<k>-init: the whole boot: /init runs, `uname -r` is the package's
#     release, md5sum of /test.bin matches the host's, cpuinfo has flags.
#   linux-cpu-qemu32: -cpu qemu32 and no initrd: the setup code's CPU check.
top=$(cd "$here/../.." && pwd)
guests=${KESTREL_GUESTS:-$top/build/guests}
linux_cmdline="console=ttyS0 panic=-1 kestrel.test=1"

linux_cases() {
    local k=$1 image=$guests/$2 be=$3
    local release md5
    release=$(cat "$image.release")
    md5=$(cat "$guests/test.md5")
    local args=(-accel "tcg,backend=$be" -nographic -m 512 -no-reboot
                -kernel "$image" -initrd "$guests/initramfs.cpio.gz" -append "$linux_cmdline")
    run_case "linux-$k-setup-$be" "Linux version $release|||Command line: $linux_cmdline" \
        0/kill 300 "${args[@]}"
    run_case "linux-$k-init-$be" "KESTREL-INIT-START|||KESTREL-UNAME $release|||KESTREL-MD5 $md5|||KESTREL-FLAGS flags.*: .*fpu|||KESTREL-INIT-DONE" \
        0/kill 600 "${args[@]}"
}

if [ ! -f "$bios" ]; then
    skip_case linux "$bios not installed (Debian package seabios)"
elif ! "$top/scripts/fetch-guests.sh" "$guests" >"$work/fetch.log" 2>&1; then
    skip_case linux "scripts/fetch-guests.sh failed: $(tail -n 1 "$work/fetch.log")"
else
    for be in "${backends[@]}"; do
        linux_cases cloud vmlinuz-cloud "$be"
        linux_cases amd64 vmlinuz "$be"
    done
    # A 32-bit CPU model: the 16-bit setup runs and refuses the 64-bit kernel (CPUID).
    run_case "linux-cpu-qemu32" "Booting from ROM|||This kernel requires an x86-64 CPU" kill 60 \
        -cpu qemu32 -nographic -m 512 -no-reboot -kernel "$guests/vmlinuz-cloud" \
        -append "$linux_cmdline"
fi

# Neither a bzImage nor a multiboot kernel: one message, status 1.
head -c 16384 /dev/zero >"$work/notakernel"
run_case "kernel-unknown-format" "kestrel: -kernel .*notakernel: not a Linux bzImage or multiboot kernel" \
    1 10 -nographic -kernel "$work/notakernel"
