#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Checks that the cross-built portable core is pure (DESIGN.md: no heap, no OS calls, no mutable
# globals; all state of a meter lives in the struct the caller owns).
#
#   bash port/cortex-m/check_core.sh <firmware build dir>   check build/firmware's core library
#   bash port/cortex-m/check_core.sh --self-test            prove the checks catch violations
#
# Fails (exit 1), naming the symbol and the object, if an object of libmeterfw_core_m4.a
#  1. defines a symbol in .data/.bss/common (nm types D d B b C, and G g S s), or has non-zero
#     data/bss size at all: mutable static state that would be shared by every meter instance;
#  2. references the heap, stdio, the OS clock, process control, the environment, rand() state,
#     errno/newlib reentrancy state, assert's printing path, or a newlib syscall (_write, _sbrk..).
# Other undefined references (memcpy, libm, __aeabi_*) are allowed and listed for information.
# Exit 2 for usage errors (no build dir, no library, no tools).
set -euo pipefail

NM=${NM:-arm-none-eabi-nm}
SIZE=${SIZE:-arm-none-eabi-size}
CC=${CC_ARM:-arm-none-eabi-gcc}
LIB_NAME=libmeterfw_core_m4.a

# Undefined references the core must never have, with the reason printed on failure.
forbidden_reason() {
    case "$1" in
    malloc | calloc | realloc | free | _malloc_r | _calloc_r | _realloc_r | _free_r | \
        aligned_alloc | posix_memalign | memalign)
        echo "heap allocation (no heap in src/)" ;;
    printf | fprintf | sprintf | snprintf | vprintf | vfprintf | vsprintf | vsnprintf | \
        iprintf | fiprintf | siprintf | sniprintf | puts | putchar | fputs | fputc | putc | \
        perror | fflush | scanf | sscanf | fscanf | getchar | fgets)
        echo "stdio (errors are returned, never printed)" ;;
    fopen | fread | fwrite | fclose | fseek | ftell | open | read | write | close | remove)
        echo "file I/O (flash goes through struct mfw_hal)" ;;
    time | clock | gettimeofday | clock_gettime | localtime | gmtime | mktime | \
        localtime_r | gmtime_r)
        echo "OS clock (time is an argument: now from the caller)" ;;
    rand | srand | random | srandom)
        echo "hidden PRNG state (entropy comes from the HAL)" ;;
    exit | _exit | abort | atexit | getenv | system | sleep | usleep | nanosleep | signal | raise)
        echo "process/OS call (there is no OS)" ;;
    __errno | _impure_ptr | _global_impure_ptr)
        echo "newlib errno/reentrancy state (a mutable global; build with -fno-math-errno)" ;;
    __assert_func | __assert)
        echo "assert() printing path (stdio + abort)" ;;
    _write | _read | _sbrk | _open | _close | _lseek | _fstat | _isatty | _kill | _getpid | \
        _write_r | _read_r | _sbrk_r | _open_r | _close_r | _lseek_r | _fstat_r | _isatty_r | \
        _kill_r | _getpid_r | _times | _gettimeofday | _link | _unlink | _stat)
        echo "newlib syscall stub (no syscalls in firmware)" ;;
    *) return 1 ;;
    esac
}

# Allowed undefined references, listed as "allowed" in the summary; anything else external is
# shown as "other" so a reviewer sees it, but does not fail.
allowed() {
    case "$1" in
    memcpy | memset | memmove | memcmp | memchr | strlen | strnlen | strcmp | strncmp | \
        strchr | strrchr | strcpy | strncpy | strstr) return 0 ;;
    sqrt | sqrtf | atan2 | atan2f | atan | atanf | sin | sinf | cos | cosf | tan | tanf | \
        fabs | fabsf | floor | floorf | ceil | ceilf | llround | lround | round | roundf | \
        lrint | llrint | trunc | fmod | fmodf | log | logf | log10 | log10f | pow | powf | \
        exp | expf | hypot | hypotf | asin | acos | fmin | fmax | modf | frexp | ldexp) return 0 ;;
    __aeabi_* | __gnu_* | __popcount* | __clz* | __ctz* | __ffs* | __bswap*) return 0 ;;
    *) return 1 ;;
    esac
}

# check_archive <lib.a>: prints the per-object summary and the violations; returns 0 if pure.
check_archive() {
    local lib=$1
    local nmout sizeout
    nmout=$("$NM" -A -P "$lib") || { echo "check_core: $NM failed on $lib" >&2; return 2; }
    sizeout=$("$SIZE" -A -d "$lib" 2>/dev/null || true)

    # Symbols defined anywhere in the library (a reference between core modules is fine).
    local defined
    defined=$(awk '$3 != "U" && $3 != "w" && $3 != "v" {print $2}' <<<"$nmout" | sort -u)

    local fail=0 line obj sym type
    local -A obj_dirty obj_undef_other obj_bad

    # 1. mutable state, by symbol.
    while read -r line; do
        [ -n "$line" ] || continue
        obj=${line%%]:*}; obj=${obj##*[}
        read -r sym type _ <<<"${line#*]: }"
        case "$type" in
        D | d | B | b | C | G | g | S | s)
            local what="initialised data (.data)"
            case "$type" in B | b | S | s) what="zero-initialised data (.bss)" ;; C) what="common symbol (tentative definition, .bss)" ;; esac
            echo "check_core: FAIL: $obj defines '$sym' in $what: mutable static state; move it into the caller-owned struct or make it const"
            obj_bad[$obj]=1
            fail=1
            ;;
        U)
            local why
            if why=$(forbidden_reason "$sym"); then
                echo "check_core: FAIL: $obj references '$sym': $why"
                obj_bad[$obj]=1
                fail=1
            elif ! allowed "$sym" && ! grep -qxF -- "$sym" <<<"$defined"; then
                obj_undef_other[$obj]+="$sym "
            fi
            ;;
        esac
    done <<<"$nmout"

    # 1b. mutable state without a symbol: any .data/.bss bytes at all (size -A per section).
    local cur="" sec sz
    while read -r line; do
        case "$line" in
        *"(ex "*":"*) cur=${line%% *}; continue ;;
        esac
        read -r sec sz _ <<<"$line" || true
        [ -n "$cur" ] || continue
        case "$sec" in
        .data | .data.* | .bss | .bss.* | COMMON)
            if [ "${sz:-0}" -gt 0 ] 2>/dev/null; then
                obj_dirty[$cur]+="$sec($sz) "
            fi
            ;;
        esac
    done <<<"$sizeout"
    for obj in "${!obj_dirty[@]}"; do
        if [ -z "${obj_bad[$obj]:-}" ]; then
            echo "check_core: FAIL: $obj has writable data sections: ${obj_dirty[$obj]}"
            obj_bad[$obj]=1
            fail=1
        fi
    done

    # Per-object summary.
    echo "check_core: per-object summary of $(basename "$lib")"
    printf '  %-28s %8s %6s %6s  %-6s %s\n' object text data bss status "other externals"
    local objs
    objs=$("$SIZE" -t "$lib" | awk 'NR > 1 && $0 !~ /\(TOTALS\)/ {print $1, $2, $3, $6}')
    local text data bss total_text=0 n=0
    while read -r text data bss obj; do
        [ -n "${obj:-}" ] || continue
        n=$((n + 1))
        total_text=$((total_text + text))
        local status=ok
        [ -z "${obj_bad[$obj]:-}" ] || status=FAIL
        printf '  %-28s %8s %6s %6s  %-6s %s\n' "$obj" "$text" "$data" "$bss" "$status" \
            "${obj_undef_other[$obj]:-}"
    done <<<"$objs"
    printf '  %-28s %8s\n' "($n objects)" "$total_text"
    return $fail
}

self_test() {
    command -v "$CC" >/dev/null || { echo "check_core: $CC not found" >&2; return 2; }
    local tmp rc=0
    tmp=$(mktemp -d)
    local flags=(-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16 -Os -std=c11
                 -ffunction-sections -fdata-sections -fno-math-errno -c)
    # A pure module: const table, libm, memcpy, double math.
    cat >"$tmp/pure.c" <<'EOF'
#include <math.h>
#include <string.h>
static const double k[2] = {1.0, 2.0};
struct s { double a[4]; };
double pure_rms(struct s *st, const double *x) {
    memcpy(st->a, x, sizeof st->a);
    return sqrt(st->a[0] * k[1]) + atan2(st->a[1], st->a[2]);
}
EOF
    printf 'int g;\nint g_use(void) { return g; }\n' >"$tmp/global.c"
    printf 'int counter(void) { static int n; return ++n; }\n' >"$tmp/static.c"
    printf '#include <stdlib.h>\nvoid *grab(void) { return malloc(16); }\n' >"$tmp/heap.c"
    printf '#include <stdio.h>\nvoid say(int x) { printf("%%d\\n", x); }\n' >"$tmp/stdio.c"
    printf 'int _write(int, const void *, int);\nvoid sys(void) { _write(1, "x", 1); }\n' \
        >"$tmp/sys.c"
    local f
    for f in pure global static heap stdio sys; do
        "$CC" "${flags[@]}" "$tmp/$f.c" -o "$tmp/$f.c.obj"
    done
    "${AR:-arm-none-eabi-ar}" rcs "$tmp/good.a" "$tmp/pure.c.obj"
    if ! check_archive "$tmp/good.a" >"$tmp/out" 2>&1; then
        cat "$tmp/out"; echo "check_core: SELF-TEST FAIL: pure object rejected"; rc=1
    fi
    local expect
    for f in global:g static:n heap:malloc stdio:printf sys:_write; do
        "${AR:-arm-none-eabi-ar}" rcs "$tmp/bad_${f%%:*}.a" "$tmp/pure.c.obj" "$tmp/${f%%:*}.c.obj"
        expect=${f#*:}
        if check_archive "$tmp/bad_${f%%:*}.a" >"$tmp/out" 2>&1; then
            cat "$tmp/out"; echo "check_core: SELF-TEST FAIL: ${f%%:*}.c not detected"; rc=1
        elif ! grep -q "FAIL: ${f%%:*}.c.obj .*'$expect" "$tmp/out"; then
            cat "$tmp/out"; echo "check_core: SELF-TEST FAIL: ${f%%:*}.c: '$expect' not named"; rc=1
        else
            grep "FAIL: ${f%%:*}.c.obj" "$tmp/out" | head -1 | sed 's/^/  detected: /'
        fi
    done
    rm -rf "$tmp"
    [ $rc -ne 0 ] || echo "check_core: self-test passed"
    return $rc
}

main() {
    if [ $# -ne 1 ]; then
        echo "usage: $0 <firmware build dir> | --self-test" >&2
        exit 2
    fi
    command -v "$NM" >/dev/null && command -v "$SIZE" >/dev/null || {
        echo "check_core: $NM / $SIZE not found (install gcc-arm-none-eabi)" >&2
        exit 2
    }
    if [ "$1" = --self-test ]; then
        self_test
        exit $?
    fi
    local dir=$1 lib
    [ -d "$dir" ] || { echo "check_core: no build dir '$dir' (run: make firmware)" >&2; exit 2; }
    lib=$(find "$dir" -name "$LIB_NAME" -type f -print -quit)
    [ -n "$lib" ] || { echo "check_core: no $LIB_NAME under '$dir' (run: make firmware)" >&2; exit 2; }
    if check_archive "$lib"; then
        echo "check_core: PASS: the core has no mutable globals and no forbidden references"
        exit 0
    fi
    echo "check_core: the portable core must stay pure (DESIGN.md); see FAIL lines above"
    exit 1
}

main "$@"
