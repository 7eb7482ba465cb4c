#!/usr/bin/env bash
# Build tests/arch/ctx_switch_test.c with the aarch64 context switch and run it under qemu.
# Needs Debian's gcc-aarch64-linux-gnu and qemu-user (scripts/install-deps.sh installs them).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
aarch64-linux-gnu-gcc -std=c11 -O2 -static -Wall -Wextra -Werror -D_GNU_SOURCE \
  -I"$top/core/include" -I"$top/core/src" \
  "$top/tests/arch/ctx_switch_test.c" "$top/core/src/fiber_ctx.c" \
  "$top/core/src/fiber_switch_aarch64.S" -o "$out/ctx_switch_test"
qemu-aarch64 "$out/ctx_switch_test"
