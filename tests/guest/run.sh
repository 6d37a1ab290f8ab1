#!/bin/sh
# run.sh KESTREL BINS... - runs each guest test kernel under KESTREL (or
# qemu-system-i386, to validate the tests against QEMU) with a timeout, once
# per IR backend (interp, and jit when `-accel tcg,backend=jit` works).
# A test passes when it exits through isa-debug-exit with code 0 (process
# status 1), printed at least one PASS line and no FAIL line. A test whose
# source has a line "; exit-status: N" must end with process status N
# instead (0: the guest powered the machine off). A line "; args: ARGS" adds
# emulator arguments (e.g. -smp 2).
# Prints one line per run and "N passed, N failed"; exits 1 on any failure.
# Under QEMU, tests whose source has a line "; qemu: skip" are skipped.
set -u
[ $# -ge 1 ] || { echo "usage: $0 KESTREL BINS..." >&2; exit 2; }
emu=$1
shift
timeout_s=${GUEST_TIMEOUT:-30}
log=$(mktemp) || exit 2
trap 'rm -f "$log"' EXIT

common="-display none -serial stdio -monitor none -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x04"

# Which backends to run: QEMU has none to choose; Kestrel always has interp.
case $(basename "$emu") in
qemu-*) backends="default" ;;
*)
    backends="interp"
    if "$emu" -accel tcg,backend=jit -version >/dev/null 2>&1; then
        backends="interp jit"
    fi ;;
esac

srcdir=$(dirname "$0")
pass=0 fail=0 skip=0
for bin in "$@"; do
    name=$(basename "$bin" .bin)
    # A test whose source says "; qemu: skip" checks what QEMU does not emulate.
    if [ "$backends" = default ] && grep -q '^; qemu: skip' "$srcdir/$name.asm" 2>/dev/null; then
        skip=$((skip + 1))
        echo "SKIP $name (not emulated by QEMU)"
        continue
    fi
    for b in $backends; do
        accel=""
        [ "$b" = default ] || accel="-accel tcg,backend=$b"
        expect=$(sed -n 's/^; exit-status: \([0-9]*\)$/\1/p' "$srcdir/$name.asm" 2>/dev/null)
        args=$(sed -n 's/^; args: //p' "$srcdir/$name.asm" 2>/dev/null)
        timeout "$timeout_s" "$emu" -kernel "$bin" $accel $common $args </dev/null >"$log" 2>&1
        status=$?
        why=""
        if [ $status -eq 124 ]; then why="timeout after ${timeout_s}s"
        elif [ $status -ne "${expect:-1}" ]; then why="exit status $status"
        elif grep -aq '^FAIL' "$log"; then why="a check failed"
        elif ! grep -aq '^PASS' "$log"; then why="no check ran"
        fi
        if [ -z "$why" ]; then
            pass=$((pass + 1))
            echo "PASS $name ($b)"
        else
            fail=$((fail + 1))
            echo "FAIL $name ($b): $why"
            grep -av '^PASS' "$log" | tail -n 20 | sed 's/^/    /'
        fi
    done
done
if [ "$skip" -gt 0 ]; then
    echo "$pass passed, $fail failed ($skip skipped)"
else
    echo "$pass passed, $fail failed"
fi
[ "$fail" -eq 0 ]
