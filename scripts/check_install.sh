#!/usr/bin/env bash
# install_smoke: `cmake --install` into a temporary prefix, then build and run a tiny program
# against it three ways: pkg-config, find_package(corral) on the installed prefix (shared and
# static targets), and find_package(corral) on the build tree's export.
#   usage: check_install.sh <build-dir> [cmake] [c-compiler] [generator]
set -euo pipefail
build=$(cd "$1" && pwd)
cmake=${2:-cmake}
cc=${3:-cc}
gen=${4:-Ninja}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/corral-install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix

step() { printf -- '-- %s\n' "$*"; }

step "cmake --install $build --prefix <tmp>/prefix"
"$cmake" --install "$build" --prefix "$prefix" >"$tmp/install.log"

libdir=$(dirname "$(find "$prefix" -name 'libcorral.so' -print -quit)")
[ -n "$libdir" ] && [ "$libdir" != . ] || { echo "libcorral.so not installed"; cat "$tmp/install.log"; exit 1; }
for f in "$libdir/libcorral.so" "$libdir"/libcorral.so.0 "$libdir/libcorral.a" \
         "$prefix/include/corral.h" "$prefix/include/corral/common.h" \
         "$libdir/pkgconfig/corral.pc" \
         "$libdir/cmake/corral/corralConfig.cmake" \
         "$libdir/cmake/corral/corralConfigVersion.cmake" \
         "$libdir/cmake/corral/corralTargets.cmake"; do
  [ -e "$f" ] || { echo "missing after install: ${f#$prefix/}"; exit 1; }
done
soname=$(objdump -p "$libdir/libcorral.so" | awk '/SONAME/ {print $2}')
[ "$soname" = libcorral.so.0 ] || { echo "unexpected SONAME '$soname'"; exit 1; }
step "installed: lib (SONAME $soname), libcorral.a, headers, corral.pc, CMake package"

cat >"$tmp/probe.c" <<'C'
#include <corral.h>
#include <stdio.h>

int main(void)
{
    corral_rt *rt = NULL;
    int rc;

    if (corral_version() != CORRAL_VERSION_NUMBER) {
        fprintf(stderr, "header/library version mismatch\n");
        return 1;
    }
    rc = corral_rt_new(&rt, CORRAL_RT_VIRTUAL_CLOCK);
    if (rc < 0) {
        fprintf(stderr, "corral_rt_new: %s\n", corral_strerror(rc));
        return 1;
    }
    corral_rt_unref(rt);
    printf("corral %s ok\n", corral_version_string());
    return 0;
}
C

# 1. pkg-config
export PKG_CONFIG_PATH="$libdir/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
grep -q '^Requires.private:.*libevent_core' "$libdir/pkgconfig/corral.pc"
grep -q '^Libs.private:.*-pthread' "$libdir/pkgconfig/corral.pc"
[ "$(pkg-config --modversion corral)" = "$(sed -n 's/^Version: //p' "$libdir/pkgconfig/corral.pc")" ]
# shellcheck disable=SC2046
"$cc" -Wall -Wextra -Werror -o "$tmp/probe_pc" "$tmp/probe.c" $(pkg-config --cflags --libs corral)
LD_LIBRARY_PATH="$libdir" "$tmp/probe_pc" | sed 's/^/   /'
step "pkg-config: cc probe.c \$(pkg-config --cflags --libs corral) -> ran"

# 2. find_package on the installed prefix, and 3. on the build tree
mkdir -p "$tmp/consumer"
cp "$tmp/probe.c" "$tmp/consumer/probe.c"
cat >"$tmp/consumer/CMakeLists.txt" <<'CM'
cmake_minimum_required(VERSION 3.25)
project(corral_consumer LANGUAGES C)
find_package(corral 0.1 REQUIRED)
add_executable(probe_shared probe.c)
target_link_libraries(probe_shared PRIVATE corral::corral)
add_executable(probe_static probe.c)
target_link_libraries(probe_static PRIVATE corral::corral_static)
# 0.x: a different minor version is not compatible (SameMinorVersion).
find_package(corral 0.99 QUIET)
if(corral_FOUND)
  message(FATAL_ERROR "find_package(corral 0.99) must not accept ${corral_VERSION}")
endif()
CM
for where in installed build-tree; do
  if [ $where = installed ]; then loc=(-DCMAKE_PREFIX_PATH="$prefix"); else loc=(-Dcorral_DIR="$build"); fi
  "$cmake" -S "$tmp/consumer" -B "$tmp/consumer-$where" -G "$gen" -DCMAKE_C_COMPILER="$cc" \
    "${loc[@]}" >"$tmp/consumer-$where.log" 2>&1 || { cat "$tmp/consumer-$where.log"; exit 1; }
  "$cmake" --build "$tmp/consumer-$where" >>"$tmp/consumer-$where.log" 2>&1 ||
    { cat "$tmp/consumer-$where.log"; exit 1; }
  "$tmp/consumer-$where/probe_shared" | sed 's/^/   /'
  "$tmp/consumer-$where/probe_static" | sed 's/^/   /'
  if ldd "$tmp/consumer-$where/probe_static" | grep -q libcorral; then
    echo "probe_static ($where) is dynamically linked to libcorral"; exit 1
  fi
  step "find_package(corral 0.1) [$where]: corral::corral and corral::corral_static -> ran"
done
echo "install_smoke: ok"
