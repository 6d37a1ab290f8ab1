#!/bin/sh
# The main job: install what is missing, build, and boot the default guest
# on this terminal (serial console; Ctrl-A X quits). Extra arguments are
# passed to kestrel.
set -eu
cd "$(dirname "$0")/.."
sh scripts/install-deps.sh
[ -f build/config.mak ] || ./configure
make -j"$(nproc 2>/dev/null || echo 2)" >/dev/null
exec build/kestrel -nographic -m 128 "$@"
