#!/usr/bin/env bash
# Install what corral needs from Debian's packages (Debian 12 "bookworm").
# Idempotent: only missing packages are installed; when something is missing it first runs
# `apt-get update`. Uses sudo only when not root. Set CORRAL_APT_UPDATE=1 to force the update.
set -euo pipefail

packages=(
  cmake ninja-build gcc g++ pkg-config   # build
  libevent-dev                           # the core's event loop (libevent_core, libevent_pthreads)
  check libsubunit-dev                   # Check unit tests (check.pc requires libsubunit)
  valgrind                               # memory checks
  abigail-tools                          # ABI baseline check (abidw/abidiff)
  clang-format                           # the format check
  gcc-aarch64-linux-gnu qemu-user        # test the aarch64 fiber switch under emulation
  libuv1-dev                             # benchmark peer
  python3                                # conformance runner, Python binding
  swig lua5.4 liblua5.4-dev luajit libluajit-5.1-dev lua-busted   # Lua binding
)

# Rust comes from rustup (preinstalled on this project's machines), not from apt.
if ! command -v cargo >/dev/null 2>&1 && [ ! -x "$HOME/.cargo/bin/cargo" ]; then
  echo "install-deps: cargo (stable Rust) is required for the Rust bindings; install it with rustup" >&2
  exit 1
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ] && [ "${CORRAL_APT_UPDATE:-0}" != 1 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1; then
  sudo=(sudo)
else
  echo "install-deps: need root or sudo to install: ${missing[*]}" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
echo "install-deps: apt-get update"
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
echo "install-deps: done"
