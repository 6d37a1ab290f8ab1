#!/bin/sh
# The test command: install what is missing, build, and run every test
# (unit, guest programs, system boots), then the unit tests again under
# AddressSanitizer + UBSan.
set -eu
cd "$(dirname "$0")/.."
sh scripts/install-deps.sh
jobs=$(nproc 2>/dev/null || echo 2)
./configure
make -j"$jobs"
make -j"$jobs" check
./configure --builddir=build-san --enable-sanitizers
make -j"$jobs" BUILD=build-san check-unit
