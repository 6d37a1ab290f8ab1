#!/bin/sh
# icount.sh KESTREL BINS... - deterministic mode: runs each guest test kernel
# twice under "-icount shift=N" on each IR backend and requires the complete
# serial output (checks, RDTSC checksums, tick positions) to be identical
# between the runs and between the backends. Exits 1 on any difference.
set -u
[ $# -ge 2 ] || { echo "usage: $0 KESTREL BINS..." >&2; exit 2; }
emu=$1
shift
timeout_s=${GUEST_TIMEOUT:-30}
work=$(mktemp -d) || exit 2
trap 'rm -rf "$work"' EXIT
common="-display none -serial stdio -monitor none -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x04"
backends="interp"
if "$emu" -accel tcg,backend=jit -version >/dev/null 2>&1; then
    backends="interp jit"
fi
pass=0 fail=0
for bin in "$@"; do
    name=$(basename "$bin" .bin)
    for shift_n in 0 3; do
        ref=""
        why=""
        for b in $backends; do
            for run in 1 2; do
                out="$work/$name.$shift_n.$b.$run"
                timeout "$timeout_s" "$emu" -icount shift=$shift_n -accel tcg,backend=$b \
                    -kernel "$bin" $common </dev/null >"$out" 2>&1
                status=$?
                if [ $status -ne 1 ]; then
                    why="exit status $status ($b, run $run)"
                elif [ -z "$ref" ]; then
                    ref=$out
                elif ! cmp -s "$ref" "$out"; then
                    why="output differs: $(basename "$ref") vs $(basename "$out")"
                fi
                [ -z "$why" ] || break 2
            done
        done
        if [ -z "$why" ]; then
            pass=$((pass + 1))
            echo "PASS $name (-icount shift=$shift_n: $backends, twice each)"
        else
            fail=$((fail + 1))
            echo "FAIL $name (-icount shift=$shift_n): $why"
            [ -n "$ref" ] && [ -f "$out" ] && diff "$ref" "$out" | head -n 20 | sed 's/^/    /'
        fi
    done
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
