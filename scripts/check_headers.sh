#!/usr/bin/env bash
# Header self-compile test: every public header must compile on its own (and twice, for the
# include guard) with -Wall -Wextra -pedantic -Werror.
#   usage: check_headers.sh <compiler> <c|c++> <include-dir>
set -euo pipefail
cc=$1 lang=$2 inc=$3
case $lang in
  c)   flags=(-x c -std=c11 -Wstrict-prototypes -Wmissing-prototypes) ;;
  c++) flags=(-x c++ -std=c++11) ;;
  *)   echo "usage: $0 <compiler> <c|c++> <include-dir>" >&2; exit 2 ;;
esac
flags+=(-Wall -Wextra -pedantic -Werror -Wshadow -I"$inc")

mapfile -t headers < <(cd "$inc" && find . -name '*.h' | sed 's|^\./||' | LC_ALL=C sort)
[ ${#headers[@]} -gt 0 ] || { echo "no headers under $inc" >&2; exit 1; }

fail=0
for h in "${headers[@]}"; do
  for static in "" "-DCORRAL_STATIC"; do
    if printf '#include <%s>\n#include <%s>\nint corral_header_test_%s;\n' "$h" "$h" "x" |
        "$cc" "${flags[@]}" $static -c -o /dev/null -; then
      :
    else
      echo "FAIL: $h ($lang${static:+, $static})"
      fail=1
    fi
  done
done
if [ $fail -ne 0 ]; then exit 1; fi
echo "headers ($lang, $cc): ${#headers[@]} headers compile alone with -Wall -Wextra -pedantic -Werror"
