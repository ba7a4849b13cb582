# SPDX-License-Identifier: GPL-2.0
# Shared helpers for the iommu-fence tooling.  Sourced, never run.

set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$TOP/build}
TREE=$BUILD/linux

# The one Python of the harness (harness/fence.py, its unit tests): Debian's,
# which sees the Debian packages of 'make deps' (python3-junitparser); a
# python3 earlier on PATH (pyenv, a venv) may not.
PYTHON=/usr/bin/python3

# The tree whose tools/testing/kunit/kunit_parser.py the harness imports to
# read KTAP (harness/fence_kparse.py): the series tree of 'make tree'.
export FENCE_TREE=$TREE
PROG=$(basename "$0")

# shellcheck source=../base.conf
. "$TOP/base.conf"

# Fixed identities and dates make every generated commit reproducible.
export GIT_AUTHOR_NAME="iommu-fence" GIT_AUTHOR_EMAIL="iommu-fence@example.org"
export GIT_COMMITTER_NAME="iommu-fence" GIT_COMMITTER_EMAIL="iommu-fence@example.org"
export GIT_AUTHOR_DATE="2026-01-01T00:00:00Z" GIT_COMMITTER_DATE="2026-01-01T00:00:00Z"
export LC_ALL=C

# One compiler cache for every build of every layer, outside the clone, so
# that a fresh clone on a machine that built before starts warm.  A cold
# run is CCACHE_DIR set to an empty directory.
export CCACHE_DIR=${CCACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/iommu-fence/ccache}

# result_line ok|not ok|skip NAME [DETAIL]: one line of the tool's results
# file, $RESULTS: the one format every tool writes its results in, which
# 'harness/fence.py report' turns into KTAP.
result_line() {
	printf '%s\t%s\t%s\n' "$1" "$2" "${3:-}" >>"$RESULTS"
}

die() {
	echo "$PROG: error: $*" >&2
	exit 1
}

say() {
	echo "$PROG: $*"
}

need_tool() {
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 ||
			die "missing tool '$t' (run 'make deps')"
	done
}

# Print the installed version of the base package, or nothing.
base_installed_version() {
	dpkg-query -W -f='${Status} ${Version}\n' "$BASE_PACKAGE" 2>/dev/null |
		awk '$3 == "installed" { print $4 }'
}

version_in_range() {
	dpkg --compare-versions "$1" ge "$BASE_MIN" &&
		dpkg --compare-versions "$1" lt "$BASE_MAX"
}

# Check the base tarball and its package; print the package version.
check_base() {
	local v

	[ -f "$BASE_TARBALL" ] ||
		die "$BASE_TARBALL is missing (install $BASE_PACKAGE: 'make deps')"
	v=$(base_installed_version)
	[ -n "$v" ] ||
		die "$BASE_TARBALL is not from an installed $BASE_PACKAGE package"
	version_in_range "$v" ||
		die "$BASE_PACKAGE $v is outside the accepted range [$BASE_MIN, $BASE_MAX) of base.conf"
	echo "$v"
}

# True when the series tree is a complete git tree with the base tag.
tree_exists() {
	[ -f "$TREE/.git/iommu-fence-base" ] &&
		git -C "$TREE" rev-parse -q --verify refs/tags/base >/dev/null
}

# Refuse to touch a tree with local edits.
tree_clean_or_die() {
	local st

	st=$(git -C "$TREE" status --porcelain --untracked-files=normal 2>&1) ||
		die "build/linux is not a usable git tree: ${st%%$'\n'*}"
	[ -z "$st" ] ||
		die "build/linux has local changes ($(echo "$st" | wc -l) paths); commit or discard them first"
}

# test_worktree REF DIR: a detached, clean worktree of build/linux at REF
# (the base test trees live beside the series tree, never inside it).
test_worktree() {
	local ref=$1 dir=$2

	if [ ! -e "$dir/.git" ]; then
		rm -rf "$dir"
		mkdir -p "$(dirname "$dir")"
		git -C "$TREE" worktree prune
		git -C "$TREE" worktree add -q --detach "$dir" "$ref" ||
			die "cannot check out $ref in $dir"
	fi
	git -C "$dir" checkout -q -f --detach "$ref" || die "cannot check out $ref in $dir"
	git -C "$dir" clean -q -fdx
}
