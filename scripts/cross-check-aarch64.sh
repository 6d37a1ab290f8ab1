#!/bin/sh
# cross-check-aarch64.sh - the portable (interpreter) build on an aarch64
# host, proven on an x86-64 Debian machine: installs the cross toolchain,
# the arm64 libraries and user-mode QEMU, configures into build-arm64/,
# builds, then runs the unit tests, the guest tests and SeaBIOS (must reach
# "No bootable device") under qemu-aarch64-static. Slow: not part of .ci/run.
# Invariants: never touches build/; exits non-zero when any step fails.
# SKIP_INSTALL=1 skips the apt-get step (needs root otherwise).
set -eu
cd "$(dirname "$0")/.."
B=build-arm64
SYSROOT=/usr/aarch64-linux-gnu

if [ "${SKIP_INSTALL:-0}" != 1 ]; then
    dpkg --add-architecture arm64
    apt-get update -q
    apt-get install -y -q qemu-user-static gcc-aarch64-linux-gnu nasm \
        zlib1g-dev:arm64 check:arm64
fi

# Static: dynamically linked programs hang in clone() (fork, pthread_create)
# under Debian 12's qemu-aarch64-static 7.2 on recent host kernels.
./configure --cross-prefix=aarch64-linux-gnu- --builddir=$B --disable-sdl --disable-slirp \
    --extra-ldflags=-static
make BUILD=$B -j2
units=$(ls tests/unit/test_*.c | sed "s|tests/unit/\(.*\)\.c|$B/tests/unit/\1|")
guests=$(ls tests/guest/*.asm | sed "s|tests/guest/\(.*\)\.asm|$B/tests/guest/\1.bin|")
# shellcheck disable=SC2086
make BUILD=$B -j2 $units $guests

export QEMU_LD_PREFIX=$SYSROOT
status=0
for t in $units; do
    if ! timeout "${UNIT_TIMEOUT:-900}" qemu-aarch64-static "$t"; then
        echo "FAILED: $t"; status=1
    fi
done

# run.sh starts the emulator directly: a wrapper runs it under qemu-user.
printf '#!/bin/sh\nexec qemu-aarch64-static -L %s "$(dirname "$0")/kestrel" "$@"\n' \
    $SYSROOT >$B/kestrel-user
chmod +x $B/kestrel-user
# shellcheck disable=SC2086
GUEST_TIMEOUT=${GUEST_TIMEOUT:-300} tests/guest/run.sh $B/kestrel-user $guests || status=1

log=$B/seabios.log
timeout "${SEABIOS_TIMEOUT:-600}" $B/kestrel-user -nographic -m 128 </dev/null >$log 2>&1 &
pid=$!
i=0
while [ $i -lt "${SEABIOS_TIMEOUT:-600}" ] && kill -0 $pid 2>/dev/null; do
    grep -aq "No bootable device" $log && break
    sleep 1; i=$((i + 1))
done
kill $pid 2>/dev/null || true
if grep -aq "No bootable device" $log; then echo "PASS seabios"
else echo "FAIL seabios (see $log)"; status=1; fi
exit $status
