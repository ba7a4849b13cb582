#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Tests of the semantic patches under scripts/coccinelle/iommu/.
#
#   tests/cocci/run.sh [TREE]
#
# 1. Every tests/cocci/DIR/NAME.c is run through scripts/coccinelle/iommu/
#    DIR.cocci in patch mode (DIR "all": every semantic patch, in the
#    order bin/convert applies them) and must give NAME.res; a second run
#    on the result must change nothing.  Where NAME.report exists, report
#    mode on NAME.c must print exactly one warning for each of its lines,
#    "NAME.c:LINE TEXT": a warning at NAME.c:LINE that contains TEXT.
# 2. The whole tree: both semantic patches over drivers/ and arch/ of TREE
#    (default build/linux), which is only read, never written: the files
#    spatch would look at are copied to a scratch directory first.  Prints
#    "converted: R release_device, A attach_dev, D detach_dev;
#    unconverted: U" and the time; R must be $COCCI_EXPECT_R (default 13,
#    the 6.1 drivers), every unconverted op must be explained by report
#    mode, a second run must change nothing, and it must all take less
#    than $COCCI_MAX_SECONDS (default 120) seconds.  $COCCI_JOBS: spatch
#    --jobs (default 2).  $COCCI_TREE: the default TREE.
#
# Ends with "N passed, N failed"; exits non-zero if anything failed.  A
# step that cannot run (no spatch, spatch failing, no tree) stops the
# script with one line on stderr.

set -euo pipefail
export LC_ALL=C

PROG=${0##*/}
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
COCCI_DIR=$TOP/scripts/coccinelle/iommu
TESTS=$TOP/tests/cocci
TREE=${1:-${COCCI_TREE:-$TOP/build/linux}}
SPATCH=${SPATCH:-spatch}
EXPECT_R=${COCCI_EXPECT_R:-13}
MAX_SECONDS=${COCCI_MAX_SECONDS:-120}
JOBS=${COCCI_JOBS:-2}
SPFLAGS=(--very-quiet --no-includes --include-headers)

die() {
	echo "$PROG: error: $*" >&2
	exit 1
}

command -v "$SPATCH" >/dev/null 2>&1 ||
	die "spatch not found (install Debian's coccinelle package: 'make deps')"
[ -d "$COCCI_DIR" ] || die "no semantic patches in $COCCI_DIR"
shopt -s nullglob
ALL_COCCI=("$COCCI_DIR"/*.cocci)	# sorted, as bin/convert runs them
shopt -u nullglob
[ ${#ALL_COCCI[@]} -gt 0 ] || die "no semantic patches in $COCCI_DIR"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/cocci-test.XXXXXX") ||
	die "cannot make a scratch directory"
trap 'rm -rf "$TMP"' EXIT

# spatch_run WHAT ARGS...: run spatch, stdout to stdout; stop on failure.
spatch_run() {
	local what=$1 err=$TMP/spatch.err rc=0 msg
	shift
	"$SPATCH" "${SPFLAGS[@]}" "$@" 2>"$err" || rc=$?
	if [ "$rc" -ne 0 ]; then
		msg=$(grep -v '^[[:space:]]*$' "$err" | tail -n 1 || true)
		die "spatch failed on $what: ${msg:-exit status $rc}"
	fi
}

passed=0
failed=0
n=0

result() {	# result OK NAME [DETAILS FILE]
	n=$((n + 1))
	if [ "$1" = ok ]; then
		passed=$((passed + 1))
		echo "ok $n - $2"
	else
		failed=$((failed + 1))
		echo "not ok $n - $2"
		if [ -n "${3:-}" ] && [ -s "$3" ]; then
			sed -n '1,40s/^/#   /p' "$3"
		fi
	fi
}

# cocci_for DIR: the semantic patches a test directory is run through.
cocci_for() {
	if [ "$1" = all ]; then
		printf '%s\n' "${ALL_COCCI[@]}"
	else
		[ -f "$COCCI_DIR/$1.cocci" ] ||
			die "tests/cocci/$1/ has no semantic patch $COCCI_DIR/$1.cocci"
		echo "$COCCI_DIR/$1.cocci"
	fi
}

# patch_in_place DIR FILE COCCI...: patch mode on FILE, in DIR, in place.
patch_in_place() {
	local dir=$1 file=$2 c
	shift 2
	for c in "$@"; do
		(cd "$dir" && spatch_run "${c##*/} (patch) on $file" \
			-D patch --in-place --sp-file "$c" "$file" >/dev/null)
	done
}

# check_report NAME.c NAME.report OUT COCCI...: report mode must print
# exactly the warnings NAME.report lists.
check_report() {
	local src=$1 exp=$2 out=$3 dir c loc text got=0 want=0 line
	shift 3
	dir=$TMP/report
	rm -rf "$dir" && mkdir -p "$dir"
	cp "$src" "$dir/"
	: >"$dir/warnings"
	for c in "$@"; do
		(cd "$dir" && spatch_run "${c##*/} (report) on ${src##*/}" \
			-D report --no-show-diff --sp-file "$c" "${src##*/}") >>"$dir/warnings"
	done
	: >"$out"
	while IFS= read -r line || [ -n "$line" ]; do
		[ -n "$line" ] || continue
		want=$((want + 1))
		loc=${line%% *}
		text=${line#"$loc"}
		text=${text# }
		if ! grep -F "$loc:" "$dir/warnings" | grep -qF -- "$text"; then
			echo "missing: $line" >>"$out"
		fi
	done <"$exp"
	got=$(grep -c ': WARNING: ' "$dir/warnings" || true)
	if [ "$got" -ne "$want" ]; then
		echo "expected $want warnings, got $got:" >>"$out"
		sed 's/^/  /' "$dir/warnings" >>"$out"
	fi
	[ ! -s "$out" ]
}

# ---------------------------------------------------------------------
# 1. Input/expected pairs.

for d in "$TESTS"/*/; do
	d=${d%/}
	dname=${d##*/}
	mapfile -t COCCI < <(cocci_for "$dname")
	for src in "$d"/*.c; do
		[ -e "$src" ] || continue
		base=${src##*/}
		name=$dname/${base%.c}
		res=${src%.c}.res
		[ -f "$res" ] || die "$name: no expected output ${res#"$TOP"/}"
		work=$TMP/work/$name
		rm -rf "$work" && mkdir -p "$work/1" "$work/2"
		cp "$src" "$work/1/$base"
		patch_in_place "$work/1" "$base" "${COCCI[@]}"
		if diff -u "$res" "$work/1/$base" >"$work/diff"; then
			result ok "$name: patch"
		else
			result fail "$name: patch (- expected, + got)" "$work/diff"
		fi
		cp "$work/1/$base" "$work/2/$base"
		patch_in_place "$work/2" "$base" "${COCCI[@]}"
		if diff -u "$work/1/$base" "$work/2/$base" >"$work/diff2"; then
			result ok "$name: idempotent"
		else
			result fail "$name: idempotent (a second run changed it)" "$work/diff2"
		fi
		if [ -f "${src%.c}.report" ]; then
			if check_report "$src" "${src%.c}.report" "$work/report" "${COCCI[@]}"; then
				result ok "$name: report"
			else
				result fail "$name: report" "$work/report"
			fi
		fi
	done
done

# ---------------------------------------------------------------------
# 2. The whole tree.

FA=$COCCI_DIR/fence_assert.cocci
RL=$COCCI_DIR/release_locking.cocci
[ -f "$FA" ] || die "missing $FA"
[ -f "$RL" ] || die "missing $RL"
[ -d "$TREE/drivers" ] || die "no kernel tree at $TREE (run 'make tree' or pass a tree)"
TREE=$(cd "$TREE" && pwd)
DIRS=(drivers)
[ -d "$TREE/arch" ] && DIRS+=(arch)

start=$(date +%s%N)
W=$TMP/tree
mkdir -p "$W"
# Every file that either semantic patch can match has one of these words
# (spatch's own prefilter, --parse-cocci "Grep query", asks for less), so
# running on the copies is running on the tree.
# A tree built by 'make tree' is already converted: read its tag 'base',
# the unconverted 6.1, through git; any other tree as it is on disk.
SRC=$TREE
if [ -e "$TREE/.git" ] && git -C "$TREE" rev-parse -q --verify 'base^{commit}' >/dev/null 2>&1; then
	SRC=$TMP/src
	mkdir -p "$SRC"
	git -C "$TREE" grep -lE 'iommu_ops|iommu_domain_ops|release_device' base -- \
		"${DIRS[@]/%//*.[ch]}" | sed 's|^base:||' | sort >"$TMP/files" ||
		die "git grep failed on the base of $TREE"
	while read -r f; do
		mkdir -p "$SRC/$(dirname "$f")"
		git -C "$TREE" show "base:$f" >"$SRC/$f" || die "cannot read base:$f"
	done <"$TMP/files"
else
	(cd "$TREE" && { grep -rlE --include='*.[ch]' \
		'iommu_ops|iommu_domain_ops|release_device' "${DIRS[@]}" || true; }) |
		sort >"$TMP/files"
fi
[ -s "$TMP/files" ] || die "no IOMMU driver under $TREE/{${DIRS[*]}}"
(cd "$SRC" && xargs -a "$TMP/files" -d '\n' cp --parents -t "$W") ||
	die "cannot copy the candidate files of $TREE"
nfiles=$(wc -l <"$TMP/files")

tree_spatch() {	# tree_spatch MODE COCCI [ARGS...]
	local mode=$1 c=$2
	shift 2
	(cd "$W" && spatch_run "${c##*/} ($mode) on $TREE" -D "$mode" \
		--sp-file "$c" --dir . --jobs "$JOBS" --chunksize 1 "$@")
}

# In the order of bin/convert: fence_assert, then release_locking.
tree_spatch report "$FA" --no-show-diff | sed 's|^\./||' | sort >"$TMP/fa.before"
tree_spatch report "$RL" --no-show-diff | sed 's|^\./||' | sort >"$TMP/rl.before"
tree_spatch patch "$FA" --in-place >/dev/null
tree_spatch patch "$RL" --in-place >/dev/null
tree_spatch report "$FA" --no-show-diff | sed 's|^\./||' | sort >"$TMP/fa.after"
tree_spatch report "$RL" --no-show-diff | sed 's|^\./||' | sort >"$TMP/rl.after"
{
	tree_spatch patch "$FA"
	tree_spatch patch "$RL"
} >"$TMP/again.diff"
end=$(date +%s%N)
ms=$(((end - start) / 1000000))
secs=$(printf '%d.%d' $((ms / 1000)) $((ms % 1000 / 100)))

# Files that are not in 6.1 itself (added by the series on top of the
# tag 'base', like the KUnit mock driver) are listed, not counted.
in_base() {
	[ -e "$TREE/.git" ] || return 0
	git -C "$TREE" rev-parse -q --verify 'base^{commit}' >/dev/null 2>&1 || return 0
	git -C "$TREE" cat-file -e "base:$1" 2>/dev/null
}

# ops FILE: "file op function" for each "does not assert" warning.
ops() {
	awk '/ does not assert the IOMMU release fence/ {
		split($1, a, ":"); file = a[1]
		for (i = 1; i <= NF; i++) if ($i == "op") break
		fn = $(i + 1); sub(/\(\)$/, "", fn)
		n = split($(i - 1), o, "/")
		for (j = 1; j <= n; j++) { sub(/^\./, "", o[j]); print file, o[j], fn }
	}' "$1" | sort -u
}
# unconvertible FILE: "file op function-or-expression" for each op that
# report mode says patch mode cannot convert.
unconvertible() {
	awk '/ has no definition with a struct device \* parameter| is not a function name:/ {
		split($1, a, ":"); file = a[1]
		s = $0; sub(/^[^ ]* WARNING: \./, "", s)
		op = s; sub(/ .*/, "", op)
		what = s; sub(/^[^ ]* op /, "", what)
		sub(/ (has no definition|is not a function name).*/, "", what)
		print file, op, what
	}' "$1" | sort -u
}

ops "$TMP/fa.before" >"$TMP/ops.before"
ops "$TMP/fa.after" >"$TMP/ops.after"
unconvertible "$TMP/fa.after" >"$TMP/ops.unconvertible"
comm -23 "$TMP/ops.before" "$TMP/ops.after" >"$TMP/ops.converted"

: >"$TMP/counted"
: >"$TMP/excluded"
while read -r file op fn; do
	if in_base "$file"; then
		echo "$file $op $fn" >>"$TMP/counted"
	else
		echo "$file $op $fn" >>"$TMP/excluded"
	fi
done <"$TMP/ops.converted"
count() { awk -v op="$1" '$2 == op' "$TMP/counted" | wc -l; }
R=$(count release_device)
A=$(count attach_dev)
D=$(count detach_dev)
: >"$TMP/unconverted"
: >"$TMP/unexplained"
for f in "$TMP/ops.after" "$TMP/ops.unconvertible"; do
	while read -r file op fn; do
		if in_base "$file"; then
			echo "$file $op $fn" >>"$TMP/unconverted"
			# Still without the assertion and without a reason.
			if [ "$f" = "$TMP/ops.after" ]; then
				echo "$file $op $fn" >>"$TMP/unexplained"
			fi
		fi
	done <"$f"
done
U=$(wc -l <"$TMP/unconverted")
unexplained=$(wc -l <"$TMP/unexplained")

echo "# whole tree: $TREE (${DIRS[*]/%//}), $nfiles candidate files"
echo "# converted: $R release_device, $A attach_dev, $D detach_dev; unconverted: $U"
echo "# converted files:"
(cd "$W" && while read -r f; do
	cmp -s "$SRC/$f" "$f" && continue
	if in_base "$f"; then
		echo "#   $f"
	else
		echo "#   $f (not in 6.1, not counted)"
	fi
done <"$TMP/files")
if [ -s "$TMP/excluded" ]; then
	echo "# not counted, not in 6.1 (added on top of the tag 'base'):"
	awk '{ print "#   " $1 ": " $3 "() as ." $2 }' "$TMP/excluded"
fi
if [ "$U" -gt 0 ]; then
	echo "# unconverted, report mode says:"
	grep -h -e ' does not assert' -e ' has no definition' -e ' is not a function name' \
		"$TMP/fa.after" | sed 's/^/#   /'
fi
if grep -q ' is also called directly from ' "$TMP/fa.after"; then
	echo "# ops also called directly from a function that is not an op:"
	grep ' is also called directly from ' "$TMP/fa.after" | sed 's/^/#   /'
fi
echo "# release_locking, calls that take group->mutex in a release path:" \
	"$(grep -c ': WARNING: ' "$TMP/rl.before" || true) found," \
	"$(grep -c ': WARNING: ' "$TMP/rl.after" || true) left after patch mode"
sed 's/^/#   /' "$TMP/rl.before"
if [ -s "$TMP/rl.after" ]; then
	echo "# release_locking, left after patch mode:"
	sed 's/^/#   /' "$TMP/rl.after"
fi
echo "# time: $secs s (limit $MAX_SECONDS s, --jobs $JOBS)"

{
	[ "$R" -eq "$EXPECT_R" ] ||
		echo "expected $EXPECT_R release_device ops converted, got $R"
	[ "$unexplained" -eq 0 ] ||
		echo "$unexplained ops lack the assertion after patch mode, without a reason from report mode"
	[ ! -s "$TMP/again.diff" ] || {
		echo "a second run over the converted tree changed it:"
		head -n 40 "$TMP/again.diff"
	}
	[ "$ms" -le $((MAX_SECONDS * 1000)) ] ||
		echo "took $secs s, more than $MAX_SECONDS s"
} >"$TMP/tree.fail"
if [ -s "$TMP/tree.fail" ]; then
	result fail "whole tree: converted: $R release_device, $A attach_dev, $D detach_dev; unconverted: $U; $secs s" "$TMP/tree.fail"
else
	result ok "whole tree: converted: $R release_device, $A attach_dev, $D detach_dev; unconverted: $U; $secs s"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
