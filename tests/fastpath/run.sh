#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Tests of bin/fastpath.
#
#   tests/fastpath/run.sh
#
# 1. tests/fastpath/t.c is compiled in variants (gcc -c -O2, for x86_64
#    also with KASAN as the kernel uses it, for s390 with
#    s390x-linux-gnu-gcc if it is installed) and bin/fastpath compares
#    them with $FASTPATH_SPEC "t.o fast": layout changes (-DLAYOUT: code,
#    strings, static data and lines before the compared functions) must
#    give "identical", each real change (a constant in fast(), in its
#    .cold part or in its callee helper(), a string, a static variable,
#    an extra instruction) "different", also on top of LAYOUT.
# 2. The table markers (~, ?, plain), a function on one side only, the
#    kept listings of $FASTPATH_OUT, and every usage error (one line on
#    stderr, non-zero exit).
# 3. Real objects, if the boot build dirs exist ($FASTPATH_BUILD, default
#    build/boot; ARCH-base, ARCH the kernel's name): a base build dir against itself is all identical; a
#    copy of it with one byte of iommu_map changed (an x86 immediate, an
#    s390 register) differs in iommu_map only; the base iommu.o against
#    the one of another config (build/compile/ARCH) differs.
#
# Reports KTAP through harness/fence.py report, ending with "N passed, N
# failed"; exits non-zero if anything failed.  A test that cannot run (no
# cross compiler, no build dir) is a SKIP, not counted.

. "$(dirname "${BASH_SOURCE[0]}")/../../bin/lib.sh"

TESTS=$TOP/tests/fastpath
FASTPATH=$TOP/bin/fastpath
BUILDS=${FASTPATH_BUILD:-$TOP/build/bench/fastpath}

command -v gcc >/dev/null 2>&1 || die "gcc not found"
command -v objdump >/dev/null 2>&1 || die "objdump not found"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/fastpath-test.XXXXXX") ||
	die "cannot make a scratch directory"
trap 'rm -rf "$TMP"' EXIT
FENCE=$TOP/harness/fence.py
RESULTS=$TMP/results
: >"$RESULTS"
start=$(date +%s)

pass() {
	result_line ok "$1"
}

fail() {
	local name=$1
	shift
	result_line 'not ok' "$name" "$*"
	echo "# not ok: $name"
	# head may close the pipe on sed (SIGPIPE under pipefail).
	sed 's/^/#    | /' "$TMP/stdout" "$TMP/stderr" | head -n 30 || true
}

skip() {
	result_line skip "$1"
}

# build NAME ARCH FLAVOUR [-DMACRO...]: t.c to $TMP/ARCH-FLAVOUR/NAME/t.o
build() {
	local name=$1 arch=$2 flavour=$3 d cc flags
	shift 3
	d=$TMP/$arch-$flavour/$name
	case $arch-$flavour in
	x86_64-plain) cc=gcc flags=(-O2) ;;
	x86_64-kasan)
		cc=gcc
		flags=(-O2 -fsanitize=kernel-address
			-fasan-shadow-offset=0xdffffc0000000000
			--param asan-stack=1 --param asan-globals=1
			--param asan-instrumentation-with-call-threshold=10000)
		;;
	s390-plain) cc=s390x-linux-gnu-gcc flags=(-O2 -march=z196) ;;
	esac
	mkdir -p "$d"
	(cd "$TESTS" && "$cc" -c "${flags[@]}" "$@" t.c -o "$d/t.o") ||
		die "cannot compile t.c for $arch-$flavour with $*"
}

# fp ARCH BASE SERIES: run bin/fastpath; $rc, $TMP/stdout, $TMP/stderr.
fp() {
	rc=0
	"$FASTPATH" "$@" >"$TMP/stdout" 2>"$TMP/stderr" || rc=$?
}

# expect DESC RC LINE...: bin/fastpath exited RC (or non-zero: "!0") and
# printed every LINE (a grep -E pattern matched against whole lines; a
# LINE starting with "!" must not match any line).
expect() {
	local desc=$1 want=$2 l why=()
	shift 2
	case $want in
	"!0") [ "$rc" -ne 0 ] || why+=("exit status 0, want non-zero") ;;
	*) [ "$rc" -eq "$want" ] || why+=("exit status $rc, want $want") ;;
	esac
	for l in "$@"; do
		if [ "${l:0:1}" = "!" ]; then
			! grep -Eqx -- "${l:1}" "$TMP/stdout" || why+=("unwanted line: ${l:1}")
		else
			grep -Eqx -- "$l" "$TMP/stdout" || why+=("no line: $l")
		fi
	done
	if [ ${#why[@]} -eq 0 ]; then
		pass "$desc"
	else
		fail "$desc" "${why[@]}"
	fi
}

# error DESC PATTERN ARGS...: bin/fastpath ARGS fails with one line on
# stderr matching PATTERN and nothing on stdout.
error() {
	local desc=$1 pat=$2 why=()
	shift 2
	fp "$@"
	[ "$rc" -ne 0 ] || why+=("exit status 0")
	[ ! -s "$TMP/stdout" ] || why+=("output on stdout")
	[ "$(wc -l <"$TMP/stderr")" -eq 1 ] || why+=("not one line on stderr")
	grep -Eq -- "$pat" "$TMP/stderr" || why+=("stderr does not match: $pat")
	if [ ${#why[@]} -eq 0 ]; then
		pass "$desc"
	else
		fail "$desc" "${why[@]}"
	fi
}

# 1. Variants of t.c.
variants() {
	local arch=$1 flavour=$2 d=$TMP/$1-$2 t="$1 $2"
	local id_fast='identical fast \(t\.o, [0-9]+ insns\)'
	local id_helper='identical helper(\.[a-z]+\.[0-9]+)? \(t\.o, [0-9]+ insns\) # called from fast'
	local diff_helper='different helper(\.[a-z]+\.[0-9]+)? \(t\.o\) # called from fast'

	build base "$arch" "$flavour"
	build again "$arch" "$flavour"
	build layout "$arch" "$flavour" -DLAYOUT
	build k_fast "$arch" "$flavour" -DK_FAST=8
	build k_helper "$arch" "$flavour" -DK_HELPER=5
	build k_cold "$arch" "$flavour" -DK_COLD=6
	build msg "$arch" "$flavour" '-DMSG="fast_path"'
	build other_var "$arch" "$flavour" -DOTHER_VAR
	build extra "$arch" "$flavour" -DEXTRA_INSN
	build layout_k_fast "$arch" "$flavour" -DLAYOUT -DK_FAST=8
	build layout_k_helper "$arch" "$flavour" -DLAYOUT -DK_HELPER=5
	export FASTPATH_SPEC="t.o fast"

	fp "$arch" "$d/base" "$d/again"
	expect "$t: the same source twice is identical" 0 "$id_fast" "$id_helper" \
		"fastpath $arch: 2 identical, 0 different"
	if cmp -s "$d/base/t.o" "$d/layout/t.o"; then
		fail "$t: -DLAYOUT changes the object"
	else
		fp "$arch" "$d/base" "$d/layout"
		expect "$t: layout changes before the functions are identical" 0 \
			"$id_fast" "$id_helper" "fastpath $arch: 2 identical, 0 different"
	fi
	fp "$arch" "$d/base" "$d/k_fast"
	expect "$t: a constant in fast() differs" 1 "different fast \(t\.o\)" \
		"$id_helper" "fastpath $arch: 1 identical, 1 different"
	fp "$arch" "$d/base" "$d/k_helper"
	expect "$t: a constant in the callee helper() differs" 1 "$id_fast" "$diff_helper"
	FASTPATH_CALLEES=0 fp "$arch" "$d/base" "$d/k_helper"
	expect "$t: FASTPATH_CALLEES=0 leaves the callee out" 0 "$id_fast" \
		"!.*helper.*" "fastpath $arch: 1 identical, 0 different"
	FASTPATH_OUT=$TMP/cold fp "$arch" "$d/base" "$d/k_cold"
	expect "$t: a constant in the .cold part differs" 1 "different fast \(t\.o\)" "$id_helper"
	if ! grep -q '^# fast.cold$' "$TMP/cold/base/t.o/fast.s"; then
		skip "$t: the compiler made no fast.cold"
	elif [ "$(sed '/^# fast.cold$/,$d' "$TMP/cold/base/t.o/fast.s")" = \
		"$(sed '/^# fast.cold$/,$d' "$TMP/cold/series/t.o/fast.s")" ]; then
		pass "$t: ... and only in the listing's .cold part"
	else
		fail "$t: ... and only in the listing's .cold part" "the main part differs too"
	fi
	fp "$arch" "$d/base" "$d/msg"
	expect "$t: a changed string differs" 1 "different fast \(t\.o\)" \
		'    -.*"fast path".*' '    \+.*"fast_path".*'
	fp "$arch" "$d/base" "$d/other_var"
	expect "$t: another static variable differs" 1 "$diff_helper" \
		'    -.*counter[]].*' '    \+.*counter2[]].*'
	fp "$arch" "$d/base" "$d/extra"
	expect "$t: an extra instruction differs" 1 "different fast \(t\.o\)" '    \+.* nop.*'
	fp "$arch" "$d/base" "$d/layout_k_fast"
	expect "$t: a constant in fast() differs after layout changes" 1 \
		"different fast \(t\.o\)" "$id_helper"
	fp "$arch" "$d/base" "$d/layout_k_helper"
	expect "$t: a constant in helper() differs after layout changes" 1 \
		"$id_fast" "$diff_helper"
	unset FASTPATH_SPEC
}

variants x86_64 plain
variants x86_64 kasan
if command -v s390x-linux-gnu-gcc >/dev/null 2>&1 &&
	command -v s390x-linux-gnu-objdump >/dev/null 2>&1; then
	variants s390 plain
else
	skip "s390 variants: no s390x-linux-gnu-gcc or -objdump"
fi

# 2. The table, the kept listings, the errors.
d=$TMP/x86_64-plain
FASTPATH_SPEC="t.o fast ~gone" fp x86_64 "$d/base" "$d/again"
expect "a static function in neither object is skipped" 0 \
	"skipped gone \(t\.o\) # SKIP inlined" "fastpath x86_64: 2 identical, 0 different, 1 skipped"
FASTPATH_SPEC="t.o fast ?gone" fp x86_64 "$d/base" "$d/again"
expect "an optional function in neither object is skipped" 0 \
	"skipped gone \(t\.o\) # SKIP not present"
FASTPATH_SPEC="t.o fast gone" fp x86_64 "$d/base" "$d/again"
expect "a required function in neither object is missing" 1 \
	"missing gone \(t\.o\): in neither build" "fastpath x86_64: 2 identical, 0 different, 1 missing"
FASTPATH_SPEC="t.o fast ~other" fp x86_64 "$d/base" "$d/layout"
expect "a function on one side only is missing" 1 "missing other \(t\.o\): only in series"
FASTPATH_SPEC="t.o fast;t.o read_other" fp x86_64 "$d/base" "$d/again"
expect "';' separates the entries of FASTPATH_SPEC" 0 "identical read_other \(t\.o, [0-9]+ insns\)"

keep=$TMP/keep
FASTPATH_OUT=$keep FASTPATH_SPEC="t.o fast" fp x86_64 "$d/base" "$d/k_fast"
if [ -f "$keep/base/t.o/fast.s" ] && [ -f "$keep/series/t.o/helper.s" ] &&
	! diff -q "$keep/base/t.o/fast.s" "$keep/series/t.o/fast.s" >/dev/null &&
	diff -q "$keep/base/t.o/helper.s" "$keep/series/t.o/helper.s" >/dev/null; then
	pass "FASTPATH_OUT keeps the listings"
else
	fail "FASTPATH_OUT keeps the listings" "no or wrong $keep/{base,series}/t.o/{fast,helper}.s"
fi

export FASTPATH_SPEC="t.o fast"
error "no arguments" "usage: fastpath ARCH"
error "two arguments" "usage: fastpath ARCH" x86_64 "$d/base"
error "four arguments" "usage: fastpath ARCH" x86_64 "$d/base" "$d/again" extra
error "an unknown arch" "unknown architecture \"sparc\"" sparc "$d/base" "$d/again"
error "an arch without a fast-path table" "no fast-path comparison for arm64" arm64 "$d/base" "$d/again"
error "a missing base dir" "base build dir .* does not exist" x86_64 "$TMP/nonexistent" "$d/again"
error "a missing series dir" "series build dir .* does not exist" x86_64 "$d/base" "$TMP/nonexistent"
mkdir -p "$TMP/empty"
error "a missing object" "missing object .*/empty/t\.o" x86_64 "$d/base" "$TMP/empty"
OBJDUMP=$TMP/nonexistent/objdump error "a missing objdump" "missing tool '.*objdump'" \
	x86_64 "$d/base" "$d/again"
if command -v s390x-linux-gnu-objdump >/dev/null 2>&1; then
	error "an object of another arch" "is not an s390 object" s390 "$d/base" "$d/again"
fi
unset FASTPATH_SPEC

# 3. Real objects.
# flip ARCH DIR FUNC: flip the low bit of one byte of FUNC in DIR's
# drivers/iommu/iommu.o: on x86_64 the last byte (the immediate) of its
# first instruction with an immediate and no relocation (not one into
# %esi: that may be the line number of a __might_sleep() call, which is
# blanked), on s390 the register byte of its first lgr; print the
# instruction.
flip() {
	local arch=$1 o=$2/drivers/iommu/iommu.o func=$3 od=objdump sym sec line addr off len byte

	[ "$arch" = s390 ] && od=s390x-linux-gnu-objdump
	sym=$("$od" -t "$o" | awk -v f="$func" '$NF == f && $3 == "F" { print $1, $4 }')
	sec=${sym#* }
	line=$("$od" -d -r -z --insn-width=16 -j "$sec" --start-address=0x"${sym%% *}" "$o" |
		awk -v arch="$arch" '
			/^[ ]+[0-9a-f]+:\t/ { if (cand) { print cand; exit } }
			/^\t+[0-9a-f]+: R_/ { cand = ""; next }
			/^[ ]+[0-9a-f]+:\t/ {
				split($0, t, "\t")
				if (arch == "x86_64" && t[3] ~ /\$0x/ && t[3] !~ /movabs|<|%[er]?si$/)
					cand = $0
				if (arch == "s390" && t[3] ~ /^lgr/)
					cand = $0
			}')
	[ -n "$line" ] || return 1
	addr=$(awk -F '\t' '{ gsub(/[ :]/, "", $1); print $1 }' <<<"$line")
	len=$(awk -F '\t' '{ print split($2, b, " ") }' <<<"$line")
	off=$("$od" -h "$o" | awk -v s="$sec" '$2 == s { print $6 }')
	off=$((16#$off + 16#$addr + len - 1))
	byte=$(od -An -tu1 -j "$off" -N1 "$o" | tr -d ' ')
	printf '%b' "\\$(printf '%03o' $((byte ^ 1)))" |
		dd of="$o" bs=1 seek="$off" conv=notrunc status=none
	echo "$line"
}

# real ARCH: the tests on build/boot/ARCH-base.
real() {
	local arch=$1 base=$BUILDS/$1-base copy=$TMP/real-$1 o line other=$TOP/build/compile/$1
	local objs=() entry table=()

	if [ ! -f "$base/drivers/iommu/iommu.o" ]; then
		skip "real $arch objects: no $base"
		return
	fi
	# the architecture's fast-path objects, from harness/arches.toml
	eval "$("$PYTHON" "$FENCE" arch "$arch" | sed -n 's/^FASTPATH=/table=/p')"
	for entry in "${table[@]}"; do
		objs+=("${entry%% *}")
	done
	fp "$arch" "$base" "$base"
	expect "real $arch: the base build dir against itself is identical" 0 \
		"identical iommu_map \(drivers/iommu/iommu\.o, [0-9]+ insns\)" \
		"fastpath $arch: [0-9]+ identical, 0 different"
	for o in "${objs[@]}"; do
		mkdir -p "$(dirname "$copy/$o")"
		cp "$base/$o" "$copy/$o"
	done
	if line=$(flip "$arch" "$copy" iommu_map); then
		fp "$arch" "$base" "$copy"
		expect "real $arch: one byte flipped in iommu_map ($(cut -f3- <<<"$line" | tr -s ' \t' ' '))" 1 \
			"different iommu_map \(drivers/iommu/iommu\.o\)" \
			"fastpath $arch: [0-9]+ identical, 1 different"
	else
		fail "real $arch: no instruction to flip in iommu_map"
	fi
	if [ -f "$other/drivers/iommu/iommu.o" ]; then
		FASTPATH_SPEC="drivers/iommu/iommu.o iommu_map" fp "$arch" "$base" "$other"
		expect "real $arch: iommu_map of another config differs" 1 \
			"different iommu_map \(drivers/iommu/iommu\.o\)"
	else
		skip "real $arch: no other config in $other"
	fi
}

real x86_64
if command -v s390x-linux-gnu-objdump >/dev/null 2>&1; then
	real s390
else
	skip "real s390 objects: no s390x-linux-gnu-objdump"
fi

echo "# time: $(($(date +%s) - start))s"
"$PYTHON" "$FENCE" report --title fastpath-selftest "$RESULTS"
