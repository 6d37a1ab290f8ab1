#!/bin/bash
# run.sh KESTREL - the benchmark suite (`make bench`): the same guests under
# Kestrel (each backend that exists: interp, jit), under QEMU TCG (when
# installed) and, where the workload has one, as a native host program, all
# timed in one run and reported as one table with the ratios Kestrel/QEMU
# and Kestrel/native.
#
# Every run is timed by wall clock from start until its STOP text appears on
# its output (then it is stopped), BENCH_REPS times (default 3, interleaved
# across targets), and the median is reported. The CPU guest also prints
# per-phase times measured inside the guest (TSC calibrated against the PIT)
# and per-phase checksums; every target's checksums must equal the native
# run's (or QEMU's), or a mismatch is printed loudly.
#
# Benchmarks are not tests: nothing here asserts a time. The exit status is
# 1 only when a run failed (no STOP text before BENCH_TIMEOUT seconds, default
# 600), a checksum mismatched or a guest workload reported
# KESTREL-BENCH-FAILED. Environment: BENCH_REPS, BENCH_TIMEOUT,
# QEMU (the QEMU binary; "none" to skip QEMU), CC (host compiler),
# BENCH_ONLY (an extended regex: run only the benchmarks whose name matches),
# BENCH_TARGETS (a space-separated subset of: interp jit qemu native).
#
# The Linux rows boot Debian's kernels with the initramfs of
# scripts/fetch-guests.sh (cached in build/guests or $KESTREL_GUESTS):
# linux-boot-*: until /init's first line; busybox: a fixed busybox workload
# in the guest (tests/bench/linux-workload.sh), timed between its begin and
# end lines on the console (busybox.span) and by the guest's clock per phase.
#
# To add a benchmark, add one `bench` call near the end of this file, e.g.
#   bench linux "Run /init as init process" - -kernel "$img/bzImage" \
#       -initrd "$img/initrd" -append console=ttyS0 -nographic -m 512
set -u
[ $# -eq 1 ] || { echo "usage: $0 KESTREL" >&2; exit 2; }
kestrel=$1
here=$(cd "$(dirname "$0")" && pwd)
outdir=$(cd "$(dirname "$kestrel")" && pwd)/tests/bench
reps=${BENCH_REPS:-3}
limit=${BENCH_TIMEOUT:-600}
cc=${CC:-gcc}
work=$(mktemp -d) || exit 2
trap 'rm -rf "$work"' EXIT
mkdir -p "$outdir"

note() { echo "bench: $*" >&2; }

is_root() { [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; }

# apt_install PKG: installs a Debian package when running as root.
apt_install() {
    is_root || return 1
    note "installing Debian package $1"
    DEBIAN_FRONTEND=noninteractive apt-get install -y "$1" >"$work/apt.log" 2>&1 ||
        { note "apt-get install $1 failed:"; tail -n 5 "$work/apt.log" >&2; return 1; }
}

# --- targets: what runs a benchmark ---

targets=(interp)
if "$kestrel" -accel tcg,backend=jit -version >/dev/null 2>&1; then
    targets+=(jit)
fi
kestrel_targets=("${targets[@]}")

qemu=${QEMU:-}
if [ -z "$qemu" ]; then
    qemu=$(command -v qemu-system-x86_64 || command -v qemu-system-i386)
    if [ -z "$qemu" ] && apt_install qemu-system-x86; then
        qemu=$(command -v qemu-system-x86_64)
    fi
    [ -n "$qemu" ] || note "QEMU not installed (Debian package qemu-system-x86): no QEMU column"
fi
[ "$qemu" = none ] && qemu=""
[ -n "$qemu" ] && targets+=(qemu)
targets+=(native)
if [ -n "${BENCH_TARGETS:-}" ]; then
    keep=()
    for t in "${targets[@]}"; do
        [[ " $BENCH_TARGETS " == *" $t "* ]] && keep+=("$t")
    done
    targets=("${keep[@]}")
    keep=()
    for t in "${kestrel_targets[@]}"; do
        [[ " $BENCH_TARGETS " == *" $t "* ]] && keep+=("$t")
    done
    kestrel_targets=("${keep[@]}")
fi

# --- building the CPU guest and its native twin ---

CFLAGS_BENCH="-std=gnu11 -O2 -Wall -Wextra -Werror -fno-tree-loop-distribute-patterns"
GUEST_FLAGS="-m32 -ffreestanding -nostdlib -mgeneral-regs-only -fno-pic -no-pie
    -fno-stack-protector -static -Wl,-T,$here/guest.ld -Wl,--build-id=none"

# A freestanding -m32 link needs no 32-bit libc; gcc-multilib is the fallback.
can_build_m32() {
    echo 'void _start(void) { for (;;) { } }' >"$work/probe.c"
    $cc -m32 -ffreestanding -nostdlib -static -o "$work/probe" "$work/probe.c" 2>/dev/null
}

build_cpu_bench() {
    if ! can_build_m32 && ! { apt_install gcc-multilib && can_build_m32; }; then
        note "$cc cannot build -m32 code (Debian package gcc-multilib): no CPU guest"
        return 1
    fi
    # shellcheck disable=SC2086 # the flag lists are word lists
    $cc $CFLAGS_BENCH $GUEST_FLAGS -o "$outdir/cpu-guest.elf" \
        "$here/guest.c" "$here/workload.c" &&
        $cc $CFLAGS_BENCH -o "$outdir/cpu-native" "$here/native.c" "$here/workload.c"
}

# --- one timed run ---

# children_us FILE: user + sys time of reaped children in the output of `times`.
children_us() {
    awk 'NR == 2 { for (i = 1; i <= 2; i++) { split($i, p, "m"); t += p[1] * 60 + p[2] }
                   printf "%d", t * 1000000 }' "$1"
}

# watch_marks STOP PID: reads the run's output until STOP, writes the time
# STOP appeared to $work/t1 (and, with a span_start text, the time that text
# first appeared to $work/tstart), then stops PID.
watch_marks() {
    if [ -z "$span_start" ]; then
        grep -aqF -- "$1" && date +%s%N >"$work/t1"
        kill "$2" 2>/dev/null
        return
    fi
    grep --line-buffered -aF -e "$span_start" -e "$1" | while IFS= read -r line; do
        case $line in
        *"$1"*) date +%s%N >"$work/t1"; break ;;
        *) [ -s "$work/tstart" ] || date +%s%N >"$work/tstart" ;;
        esac
    done
    kill "$2" 2>/dev/null
}

# run_once OUT STOP CMD...: runs CMD until STOP appears on its output (kept in
# OUT), then stops it. Sets run_us to the wall-clock time until STOP appeared,
# run_span_us to the time from span_start's text to STOP (empty without one)
# and run_cpu_us to the CPU time (user + sys, all threads, 10 ms ticks) the
# run used; returns 1 when CMD ended or timed out without printing STOP.
run_once() {
    local out=$1 stop=$2 fifo=$work/fifo t0 pid
    shift 2
    rm -f "$fifo" "$work/t1" "$work/tstart"
    mkfifo "$fifo"
    times >"$work/times0"
    t0=$(date +%s%N)
    timeout "$limit" "$@" </dev/null >"$fifo" 2>&1 &
    pid=$!
    tee "$out" <"$fifo" | watch_marks "$stop" "$pid"
    wait "$pid" 2>/dev/null
    times >"$work/times1"
    [ -s "$work/t1" ] || return 1
    run_us=$((($(cat "$work/t1") - t0) / 1000))
    run_span_us=""
    [ -s "$work/tstart" ] && run_span_us=$((($(cat "$work/t1") - $(cat "$work/tstart")) / 1000))
    run_cpu_us=$(($(children_us "$work/times1") - $(children_us "$work/times0")))
}

# --- results ---

declare -A samples checksums failures mismatched
rows=()
problems=()     # printed after the table

add_row() {
    local r
    for r in "${rows[@]}"; do [ "$r" = "$1" ] && return; done
    rows+=("$1")
}

# record ROW TARGET US [CHECKSUM]
record() {
    add_row "$1"
    samples[$1|$2]+=" $3"
    [ $# -lt 4 ] && return
    local old=${checksums[$1|$2]:-}
    if [ -n "$old" ] && [ "$old" != "$4" ]; then
        problems+=("CHECKSUM MISMATCH: $1 under $2 differs between repetitions ($old, $4)")
        mismatched[$1|$2]=1
    fi
    checksums[$1|$2]=$4
}

# record_phases ROW TARGET OUT: the CPU guest's "phase NAME checksum X us N" lines.
record_phases() {
    local name sum us
    while read -r _ name _ sum _ us; do
        record "$1.$name" "$2" "$us" "$sum"
    done < <(grep -aE '^(phase [a-z0-9]+|total) checksum [0-9a-f]+ us [0-9]+' "$3" | tr -d '\r' |
             sed 's/^total /phase compute /')
}

# bench NAME STOP NATIVE-CMD|- EMULATOR-ARGS...: one benchmark; the emulator
# arguments use QEMU's spelling, so Kestrel and QEMU take the same ones.
bench() {
    local name=$1 stop=$2 native=$3 rep t out
    shift 3
    [[ -z "${BENCH_ONLY:-}" || "$name" =~ $BENCH_ONLY ]] || return 0
    note "$name: $reps runs each under ${targets[*]}"
    for ((rep = 1; rep <= reps; rep++)); do
        for t in "${targets[@]}"; do
            local cmd=()
            case $t in
            interp | jit) cmd=("$kestrel" -accel "tcg,backend=$t" "$@") ;;
            qemu) cmd=("$qemu" -accel tcg "$@") ;;
            native) [ "$native" = - ] && continue; cmd=("$native") ;;
            esac
            [ -n "${failures[$name|$t]:-}" ] && continue
            out=$work/$name-$t.out
            if run_once "$out" "$stop" "${cmd[@]}"; then
                record "$name" "$t" "$run_us"
                record "$name.cputime" "$t" "$run_cpu_us"
                [ -n "$run_span_us" ] && record "$name.span" "$t" "$run_span_us"
                record_phases "$name" "$t" "$out"
                grep -aq KESTREL-BENCH-FAILED "$out" &&
                    problems+=("FAILED: $name under $t: $(grep -a -m1 KESTREL-BENCH-FAILED "$out" | tr -d '\r')")
            else
                failures[$name|$t]="no '$stop' within ${limit}s"
                add_row "$name"
                problems+=("FAILED: $name under $t: ${failures[$name|$t]}")
                echo "bench: FAILED: $name under $t: ${failures[$name|$t]}; output ends:" >&2
                tail -c 1500 "$out" | tr -d '\033' | tail -n 15 | sed 's/^/    /' >&2
            fi
        done
    done
}

# bench_span NAME START STOP NATIVE-CMD|- EMULATOR-ARGS...: bench, plus the
# row NAME.span: the wall-clock time from START's first line to STOP.
span_start=""
bench_span() {
    local name=$1
    span_start=$2
    shift 2
    bench "$name" "$@"
    span_start=""
}

median() {
    tr ' ' '\n' | grep . | sort -n |
        awk '{ v[NR] = $1 }
             END { if (NR) print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# cell ROW TARGET: the median in ms (marked "!" when its checksum is wrong),
# FAIL, or "-" when the target has no such run.
cell() {
    if [ -n "${failures[$1|$2]:-}" ]; then
        echo FAIL
    elif [ -n "${samples[$1|$2]:-}" ]; then
        echo "${samples[$1|$2]}" | median | awk '{ printf "%.1f", $1 / 1000 }'
        [ -n "${mismatched[$1|$2]:-}" ] && echo '!'
    else
        echo -
    fi
}

ratio() {
    set -- "${1%!}" "${2%!}"
    case "$1$2" in
    *[!0-9.]*) echo - ;;
    *) awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }' ;;
    esac
}

# A row's checksums must match the reference target's: native, else QEMU.
check_sums() {
    local row=$1 ref="" t
    for t in native qemu "${kestrel_targets[@]}"; do
        [ -n "${checksums[$row|$t]:-}" ] && { ref=$t; break; }
    done
    [ -n "$ref" ] || return
    for t in "${targets[@]}"; do
        local sum=${checksums[$row|$t]:-}
        if [ -n "$sum" ] && [ "$sum" != "${checksums[$row|$ref]}" ]; then
            problems+=("CHECKSUM MISMATCH: $row: $t $sum, $ref ${checksums[$row|$ref]}")
            mismatched[$row|$t]=1
        fi
    done
}

print_table() {
    local header=(benchmark) row t k line
    for t in "${targets[@]}"; do header+=("$t"); done
    for k in "${kestrel_targets[@]}"; do
        [ -n "$qemu" ] && header+=("$k/qemu")
        header+=("$k/native")
    done
    echo
    echo "Medians of $reps runs in ms. NAME: wall clock until the guest's stop text;"
    echo "NAME.cputime: user+sys CPU time of the run; NAME.span: wall clock between two"
    echo "guest marker lines; NAME.PHASE: timed inside the guest (busybox: by the guest clock)."
    {
        echo "${header[*]}"
        for row in "${rows[@]}"; do
            declare -A ms=()
            line=("$row")
            for t in "${targets[@]}"; do
                ms[$t]=$(cell "$row" "$t" | tr -d '\n')
                line+=("${ms[$t]}")
            done
            for k in "${kestrel_targets[@]}"; do
                [ -n "$qemu" ] && line+=("$(ratio "${ms[$k]}" "${ms[qemu]}")")
                line+=("$(ratio "${ms[$k]}" "${ms[native]}")")
            done
            echo "${line[*]}"
        done
    } | awk '{ for (i = 1; i <= NF; i++) {
                   cell[NR, i] = $i
                   if (length($i) > w[i]) w[i] = length($i)
               }
               if (NF > nf) nf = NF }
             END { for (r = 1; r <= NR; r++) { line = sprintf("%-*s", w[1], cell[r, 1])
                       for (i = 2; i <= nf; i++) line = line sprintf("  %*s", w[i], cell[r, i])
                       print line } }'
    echo
    echo "kestrel: $kestrel (${kestrel_targets[*]}); qemu: ${qemu:-none}"
    echo "host: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
}

# --- the benchmarks ---

bios=/usr/share/seabios/bios-256k.bin
if [ -f "$bios" ]; then
    # No NIC: Kestrel has none by default, and QEMU's e1000 would add iPXE's network boot.
    bench seabios "No bootable device" - -nographic -m 128 -nic none
else
    note "$bios not installed (Debian package seabios): no SeaBIOS benchmark"
fi

if build_cpu_bench; then
    bench cpuguest "kestrel-bench: ok" "$outdir/cpu-native" -kernel "$outdir/cpu-guest.elf" -m 128 \
        -display none -serial stdio -monitor none -no-reboot \
        -device isa-debug-exit,iobase=0xf4,iosize=0x04
else
    problems+=("CPU guest not built: no CPU benchmark")
fi

# Linux: boot to /init (two kernels), and the busybox workload
# (tests/bench/linux-workload.sh) between its markers, with per-phase
# guest-clock times and output checksums (compared with QEMU's).
guests=${KESTREL_GUESTS:-$here/../../build/guests}
if "$here/../../scripts/fetch-guests.sh" "$guests" >"$work/fetch.log" 2>&1; then
    linux=(-nographic -m 512 -no-reboot -nic none -initrd "$guests/initramfs.cpio.gz")
    for k in generic:vmlinuz cloud:vmlinuz-cloud; do
        bench "linux-boot-${k%%:*}" KESTREL-INIT-START - "${linux[@]}" \
            -kernel "$guests/${k#*:}" -append "console=ttyS0 panic=-1"
    done
    bench_span busybox KESTREL-BENCH-BEGIN KESTREL-BENCH-END - "${linux[@]}" \
        -kernel "$guests/vmlinuz-cloud" -append "console=ttyS0 panic=-1 kestrel.bench=1"
else
    note "scripts/fetch-guests.sh failed ($(tail -n 1 "$work/fetch.log")): no Linux benchmarks"
fi

for row in "${rows[@]}"; do check_sums "$row"; done
print_table
if [ ${#problems[@]} -gt 0 ]; then
    echo
    printf '*** %s\n' "${problems[@]}"
    exit 1
fi
