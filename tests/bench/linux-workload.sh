#!/bin/sh
# linux-workload.sh - the in-guest busybox workload of `make bench` (row
# "busybox"). scripts/fetch-guests.sh puts it into the initramfs as
# /bench.sh; /init (tests/system/linux-init.sh) runs it when the kernel
# command line has "kestrel.bench=1", then powers off.
#
# Output (serial console), read by tests/bench/run.sh:
#   KESTREL-BENCH-BEGIN                    before the first phase
#   phase NAME checksum HEX us N           one per phase, N timed in the guest
#   total checksum HEX us N                all phases
#   KESTREL-BENCH-END                      after the last phase
# A phase's checksum is the md5 of what it produced, so it is the same
# under every correct emulator; the times come from /proc/uptime (10 ms
# resolution, the guest's own clock).
#
# Invariants: the input is generated from a fixed seed (no /dev/urandom,
# no clock), so every byte and checksum is the same on every run; all
# files live in the initramfs' tmpfs (/tmp), nothing touches a disk.
# BENCH_LINES (default 60000, ~1.9 MB of text) sizes the input.
lines=${BENCH_LINES:-60000}
cd /tmp || exit 1

# now_us: the guest's uptime in microseconds (10 ms steps).
now_us() {
    read -r up _ </proc/uptime
    echo "$((${up%.*} * 1000000 + 1${up#*.} * 10000 - 1000000))"
}

# md5_of FILE: the md5 of FILE, hex only.
md5_of() {
    md5sum "$1" | cut -d' ' -f1
}

# run_phase NAME OUTFILE CMD...: runs CMD, prints its phase line with the
# md5 of OUTFILE, and adds its time to the total.
total_us=0
run_phase() {
    phase=$1 phase_out=$2
    shift 2
    t0=$(now_us)
    "$@" || echo "KESTREL-BENCH-FAILED $phase"
    t1=$(now_us)
    echo "phase $phase checksum $(md5_of "$phase_out") us $((t1 - t0))"
    total_us=$((total_us + t1 - t0))
}

# gen_text: LINES lines of pseudo-random "key word word number" text; the
# LCG stays below 2^53, so awk's doubles compute it exactly.
gen_text() {
    awk -v n="$lines" 'BEGIN {
        nw = split("alpha bravo charlie delta echo foxtrot golf hotel india juliet " \
                   "kilo lima mike november oscar papa quebec romeo sierra tango " \
                   "uniform victor whiskey xray yankee zulu kestrel falcon merlin", w)
        x = 20261122
        for (i = 0; i < n; i++) {
            x = (x * 69069 + 1) % 4294967296; a = int(x / 65536)
            x = (x * 69069 + 1) % 4294967296; b = int(x / 65536)
            printf "%08x %s %s %d\n", x, w[a % nw + 1], w[b % nw + 1], a * b
        }
    }' >text
}

hashes() {
    { sha256sum text text.gz text.bz2 && md5sum text text.gz text.bz2; } >hashes
}

echo "KESTREL-BENCH-BEGIN"
run_phase gen text gen_text
run_phase gzip text.gz sh -c 'gzip -9 -c <text >text.gz'
run_phase gunzip text.gunzip sh -c 'gunzip -c <text.gz >text.gunzip'
run_phase bzip2 text.bz2 sh -c 'bzip2 -9 -c <text >text.bz2'
run_phase bunzip2 text.bunzip2 sh -c 'bunzip2 -c <text.bz2 >text.bunzip2'
run_phase hash hashes hashes
run_phase sort text.sorted sh -c 'sort -k2,2 -k4,4n text >text.sorted'
cmp -s text text.gunzip && cmp -s text text.bunzip2 || echo "KESTREL-BENCH-FAILED roundtrip"
echo "total checksum $(cat hashes text.sorted | md5sum | cut -d' ' -f1) us $total_us"
echo "KESTREL-BENCH-SIZES text $(wc -c <text) gz $(wc -c <text.gz) bz2 $(wc -c <text.bz2)"
echo "KESTREL-BENCH-END"
rm -f text text.*
