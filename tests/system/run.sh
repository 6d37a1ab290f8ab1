#!/bin/bash
# System tests: boots of real packaged software, judged on serial output.
# Usage: tests/system/run.sh KESTREL   (linux.sh, sourced below, adds the Linux boots)
# Each row: name, expected text (extended regex, all must appear in order of
# the list separated by '|||'), expected exit status (or "kill" when the
# guest keeps running and the test stops it after the text appeared; "0/kill"
# accepts either), timeout in seconds, then the kestrel arguments.
set -u
kestrel=$1
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pass=0 fail=0 skip=0

# run_case NAME EXPECT STATUS TIMEOUT ARGS...
run_case() {
    local name=$1 expect=$2 want_status=$3 limit=$4
    shift 4
    local out="$work/$name.out"
    : >"$out"              # exists before the background process opens it
    "$kestrel" "$@" </dev/null >"$out" 2>&1 &
    local pid=$! waited=0 status=running
    while [ "$waited" -lt $((limit * 10)) ]; do
        if ! kill -0 "$pid" 2>/dev/null; then
            wait "$pid"; status=$?; break
        fi
        if [[ "/$want_status/" == */kill/* ]] && all_found "$out" "$expect"; then
            kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; status=kill; break
        fi
        sleep 0.1
        waited=$((waited + 1))
    done
    if [ "$status" = running ]; then
        kill -9 "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; status=timeout
    fi
    if [[ "/$want_status/" == */"$status"/* ]] && all_found "$out" "$expect"; then
        echo "PASS: $name"
        pass=$((pass + 1))
    else
        echo "FAIL: $name (status $status, wanted $want_status); output:"
        tail -c 2000 "$out" | sed 's/^/    /'
        fail=$((fail + 1))
    fi
}

# all_found FILE 'PATTERN|||PATTERN...': every pattern matches somewhere in FILE.
all_found() {
    local file=$1 rest=$2 p
    while [ -n "$rest" ]; do
        p=${rest%%|||*}
        if [ "$p" = "$rest" ]; then rest=""; else rest=${rest#*|||}; fi
        grep -aEq -- "$p" "$file" || return 1
    done
    return 0
}

skip_case() {
    echo "SKIP: $1 ($2)"
    skip=$((skip + 1))
}

backends=(interp)
if "$kestrel" -accel tcg,backend=jit -version >/dev/null 2>&1; then
    backends+=(jit)
fi

bios=/usr/share/seabios/bios-256k.bin
for be in "${backends[@]}"; do
    accel=(-accel "tcg,backend=$be")
    if [ -f "$bios" ]; then
        run_case "seabios-nodisk-$be" "SeaBIOS \(version|||No bootable device" kill 30 \
            "${accel[@]}" -nographic -m 128
        # Two CPUs: SeaBIOS starts the AP with INIT/SIPI and uses the ACPI
        # tables from etc/table-loader (its debug log on port 0x402, alone on
        # stdout: COM1 goes nowhere so the two logs do not interleave).
        run_case "seabios-smp2-$be" "Found 2 cpu\(s\)|||Moving pm_base to 0x600|||ACPI: parse DSDT|||No bootable device" \
            kill 30 "${accel[@]}" -display none -m 128 -smp 2 -serial null -serial stdio \
            -device isa-debugcon,iobase=0x402,chardev=1
        img="$work/boot.img"
        if nasm -f bin -o "$img" "$here/bootsector.asm"; then
            truncate -s 1M "$img"
            run_case "seabios-bootsector-$be" "Booting from Hard Disk|||Kestrel boot sector" 67 30 \
                "${accel[@]}" -nographic -m 32 -hda "$img" \
                -device isa-debug-exit,iobase=0xf4,iosize=0x04
        else
            skip_case "seabios-bootsector-$be" "nasm failed"
        fi
    else
        skip_case "seabios-$be" "$bios not installed (Debian package seabios)"
    fi
done

. "$here/linux.sh"

# Bad input: one clear message, exit status 1.
run_case "missing-disk" "kestrel: .*nosuch\.img.*(No such file|not found|cannot)" 1 10 -nographic -hda "$work/nosuch.img"
run_case "unknown-option" "kestrel: -frobnicate: invalid option" 1 10 -frobnicate

echo "system tests: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
