#!/usr/bin/env bash
# THE test command: bash scripts/test.sh
#
#   1. dependencies          scripts/install-deps.sh
#   2. debug build + ctest    build/       (Check suites, conformance_c, abi_symbols, headers,
#                                            install_smoke, example)
#   3. ASan+UBSan + ctest     build-asan/  (-DCORRAL_SANITIZE=ON)
#   4. valgrind: Check suites               tests/unit/valgrind.sh build
#   5. valgrind: conformance C programs     tests/conformance/run.py --wrap valgrind
#
# Stops at the first failure and ends with a one-line summary.
# Environment: JOBS (parallelism, default nproc), CORRAL_SKIP_DEPS=1 (skip step 1).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
jobs=${JOBS:-$(nproc 2>/dev/null || echo 2)}
start=$SECONDS
# rustup installs cargo under ~/.cargo/bin, which a non-login shell may not have on PATH.
if ! command -v cargo >/dev/null 2>&1 && [ -x "$HOME/.cargo/bin/cargo" ]; then
  export PATH="$HOME/.cargo/bin:$PATH"
fi

passed=() skipped=() failed="" current=""
section() {
  current=$1
  printf '\n==============================================================================\n'
  printf '== %s\n' "$1"
  printf '==============================================================================\n'
}
ok() { passed+=("$current${1:+ ($1)}"); current=""; }
skip() { skipped+=("$current ($1)"); echo "skipped: $1"; current=""; }
summary() {
  local rc=$?
  if [ -n "$current" ] && [ $rc -ne 0 ]; then failed=$current; fi
  printf '\n== summary (%ss)\n' $((SECONDS - start))
  local p
  for p in ${passed[@]+"${passed[@]}"}; do printf '  PASS  %s\n' "$p"; done
  for p in ${skipped[@]+"${skipped[@]}"}; do printf '  SKIP  %s\n' "$p"; done
  if [ -n "$failed" ]; then printf '  FAIL  %s (exit %s)\n' "$failed" "$rc"; fi
  printf 'test.sh: %d passed, %d failed, %d skipped\n' "${#passed[@]}" \
    "$([ -n "$failed" ] && echo 1 || echo 0)" "${#skipped[@]}"
}
trap summary EXIT

# Configure a build directory with Ninja (recreating it if it was made by another generator).
configure() {
  local dir=$1
  shift
  if [ -f "$dir/CMakeCache.txt" ] &&
     ! grep -q '^CMAKE_GENERATOR:INTERNAL=Ninja$' "$dir/CMakeCache.txt"; then
    echo "$dir was configured with another generator; starting it afresh"
    rm -rf "$dir"
  fi
  cmake -S . -B "$dir" -G Ninja "$@"
}

# Run ctest and remember its test count ("100% tests passed, 0 tests failed out of N").
ctest_count=0
run_ctest() {
  local dir=$1 log
  log=$(mktemp)
  set +e
  ctest --test-dir "$dir" --output-on-failure --no-tests=error -j "$jobs" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  set -e
  ctest_count=$(sed -n 's/.*tests failed out of \([0-9][0-9]*\).*/\1/p' "$log" | tail -n1)
  rm -f "$log"
  return "$rc"
}

# ---------------------------------------------------------------------------------------------
section "dependencies (scripts/install-deps.sh)"
if [ "${CORRAL_SKIP_DEPS:-0}" = 1 ]; then
  skip "CORRAL_SKIP_DEPS=1"
else
  bash scripts/install-deps.sh
  ok
fi

# ---------------------------------------------------------------------------------------------
section "debug build + ctest (build/)"
configure build -DCMAKE_BUILD_TYPE=Debug -DCORRAL_SANITIZE=OFF
cmake --build build -j "$jobs"
run_ctest build
ok "$ctest_count tests"

# ---------------------------------------------------------------------------------------------
section "Release build at -O3 (build-release/): the core and benchmarks compile warning-free"
configure build-release -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_FLAGS=-O3 -DCORRAL_BUILD_TESTS=OFF \
  -DCORRAL_BUILD_BENCH=ON
cmake --build build-release -j "$jobs"
ok

# ---------------------------------------------------------------------------------------------
section "ASan+UBSan build + ctest (build-asan/)"
configure build-asan -DCMAKE_BUILD_TYPE=Debug -DCORRAL_SANITIZE=ON
cmake --build build-asan -j "$jobs"
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:strict_string_checks=1} \
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
CK_TIMEOUT_MULTIPLIER=${CK_TIMEOUT_MULTIPLIER:-4} \
  run_ctest build-asan
ok "$ctest_count tests"

# ---------------------------------------------------------------------------------------------
section "valgrind: Check suites (tests/unit/valgrind.sh build)"
if [ -f tests/unit/valgrind.sh ]; then
  bash tests/unit/valgrind.sh build
  ok
elif [ -n "$(find tests/unit -name '*.c' -print -quit 2>/dev/null)" ]; then
  echo "tests/unit has Check suites but no tests/unit/valgrind.sh" >&2
  false
else
  skip "no Check suites in tests/unit yet"
fi

# ---------------------------------------------------------------------------------------------
section "valgrind: conformance C programs (tests/conformance/run.py)"
if [ -f tests/conformance/run.py ]; then
  python3 tests/conformance/run.py --build-dir build/tests/conformance --lang c --require c \
    --wrap "valgrind -q --error-exitcode=99 --leak-check=full"
  ok
else
  skip "no tests/conformance/run.py yet"
fi

# ---------------------------------------------------------------------------------------------
section "Rust: cargo test, bundled core (bindings/rust-sys, bindings/rust)"
CORRAL_SYS_MODE=bundled cargo test --locked
ok

# ---------------------------------------------------------------------------------------------
section "Rust: cargo test against the installed core (pkg-config)"
rust_prefix=$root/build/_rust_prefix
rm -rf "$rust_prefix"
cmake --install build --prefix "$rust_prefix" >/dev/null
rust_libdir=$(dirname "$(find "$rust_prefix" -name libcorral.so -print -quit)")
PKG_CONFIG_PATH="$rust_libdir/pkgconfig" LD_LIBRARY_PATH="$rust_libdir" CORRAL_SYS_MODE=pkg-config \
  cargo test --locked
ok

# ---------------------------------------------------------------------------------------------
section "Python: pip install ./bindings/python, pytest"
python3 -m pip install --quiet --disable-pip-version-check pytest
python3 -m pip install --quiet --disable-pip-version-check --force-reinstall --no-deps ./bindings/python
corral_lib=$root/build/core/libcorral.so.0
CORRAL_LIBRARY=$corral_lib python3 -m pytest -q bindings/python/tests
ok

# ---------------------------------------------------------------------------------------------
section "conformance corpus, every language present (tests/conformance/run.py)"
CORRAL_SYS_MODE=bundled cargo build --locked -p corral --example conformance
lua_path="$root/bindings/lua/?.lua;$root/bindings/lua/?/init.lua;;"
python3 tests/conformance/run.py --build-dir build/tests/conformance --lang c,py,lua,rs \
  --require c --require py --require lua --require rs \
  --lua-cmd "env LUA_CPATH_5_4=$root/build/bindings/lua/lua5.4/?.so;; LUA_PATH=$lua_path lua5.4 {prog}" \
  --py-cmd "env CORRAL_LIBRARY=$corral_lib python3 {prog}" \
  --rs-cmd "$root/target/debug/examples/conformance {id}"
ok
