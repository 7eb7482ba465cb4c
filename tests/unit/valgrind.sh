#!/usr/bin/env bash
# Run every Check suite of corral_unit under valgrind, in no-fork mode (style.md section 3),
# and fail on any valgrind error or failed test.
#
# usage: tests/unit/valgrind.sh <build-dir> [suite...]
# env:   CK_EXCLUDE_TAGS (default "slow": the fiber map-limit test is skipped under valgrind)
#        VALGRIND_EXTRA  extra valgrind options
set -u

build=${1:?usage: valgrind.sh <build-dir> [suite...]}
shift
bin="$build/tests/unit/corral_unit"
if [[ ! -x "$bin" ]]; then
  echo "valgrind.sh: $bin not found (build the tree first)" >&2
  exit 2
fi
if ! command -v valgrind >/dev/null 2>&1; then
  echo "valgrind.sh: valgrind not installed" >&2
  exit 2
fi

if [[ $# -gt 0 ]]; then
  suites=("$@")
else
  mapfile -t suites < <("$bin" --list)
fi

export CK_FORK=no
export CK_EXCLUDE_TAGS=${CK_EXCLUDE_TAGS-slow}
export CK_VERBOSITY=${CK_VERBOSITY:-normal}

status=0
for suite in "${suites[@]}"; do
  echo "=== valgrind: $suite"
  # shellcheck disable=SC2086
  if ! CK_RUN_SUITE="$suite" valgrind --error-exitcode=1 --leak-check=full \
      --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
      --track-fds=no --quiet ${VALGRIND_EXTRA:-} "$bin"; then
    echo "=== valgrind: $suite FAILED" >&2
    status=1
  fi
done
exit $status
