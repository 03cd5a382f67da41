#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The tree is formatted: every C file tracked by git matches .clang-format (clang-format 14, the
# Debian 12 version), and every tracked text file keeps .editorconfig's basics (no tab indents
# outside Makefiles, no trailing blanks in code, a final newline).
#   tests/checks/format.sh SOURCE_ROOT
# Exit 1 naming the files that differ; `clang-format -i FILE` fixes a C file.
set -euo pipefail
root=${1:-.}
cd "$root"
cf=$(command -v clang-format-14 || command -v clang-format || true)
if [ -z "$cf" ]; then
  echo "format: clang-format is not installed (scripts/setup.sh installs it)" >&2
  exit 2
fi
fail=0
mapfile -t cfiles < <(git ls-files '*.c' '*.h')
for f in "${cfiles[@]}"; do
  if ! "$cf" --style=file --dry-run --Werror "$f" >/dev/null 2>&1; then
    echo "format: $f differs from .clang-format (clang-format -i $f)"
    fail=1
  fi
done
mapfile -t tfiles < <(git ls-files '*.c' '*.h' '*.sh' '*.bash' '*.py' '*.cmake' 'CMakeLists.txt' \
  '*/CMakeLists.txt' '*.md' '*.json' '*.scn')
for f in "${tfiles[@]}"; do
  [ -s "$f" ] || continue
  if [ "$(tail -c1 "$f" | od -An -c | tr -d ' ')" != '\n' ]; then
    echo "format: $f: no newline at the end"
    fail=1
  fi
  case "$f" in
  *.md) ;;
  *) if grep -nE '[[:space:]]+$' "$f" | head -1 | grep -q .; then
       echo "format: $f:$(grep -nE '[[:space:]]+$' "$f" | head -1 | cut -d: -f1): trailing blanks"
       fail=1
     fi ;;
  esac
  if grep -nP '^\t' "$f" | head -1 | grep -q .; then
    echo "format: $f: a tab indent (.editorconfig: spaces)"
    fail=1
  fi
done
# Every source file says its licence in its first two lines (LICENSE: Apache-2.0).
mapfile -t sfiles < <(git ls-files '*.c' '*.h' '*.sh' '*.bash' '*.py' '*.cmake' 'CMakeLists.txt' \
  '*/CMakeLists.txt' '*.scn' 'Makefile' '.ci/run')
for f in "${sfiles[@]}"; do
  if ! head -n 2 "$f" | grep -q 'SPDX-License-Identifier: Apache-2.0'; then
    echo "format: $f: no SPDX-License-Identifier line at the top"
    fail=1
  fi
done
echo "format: $([ $fail = 0 ] && echo PASS || echo FAIL) (${#cfiles[@]} C files, ${#tfiles[@]} text files, ${#sfiles[@]} with a licence line)"
exit $fail
