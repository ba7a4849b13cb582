# SPDX-License-Identifier: GPL-2.0
# The one kernel per architecture and commit: allnoconfig plus
# boot/config.common, boot/config.<arch> and boot/config.tests, built out
# of tree with ccache.  series-check builds every commit of the series with
# it and the boot tests boot it, so each commit is built once per
# architecture and 'make check' shares the builds between its layers.
# Sourced after lib.sh, never run; bin/kernel is the command.
#
# Every commit of one architecture is built in one source worktree,
# build/wt/kernel-<arch>, and one build dir, build/kernel/<arch>: moving
# the worktree from commit to commit rebuilds only what changed, and the
# same source and build paths keep every object in ccache.  The boot image
# of each commit built is kept as build/kernel/images/<arch>-<commit>-
# <config hash>.img with its build log (.log), the newest KERNEL_KEEP (4)
# per architecture.

JOBS=${JOBS:-2}
KERNEL_FRAGMENTS=(common "@ARCH@" tests)

# kernel_arch ARCH: the architecture's facts (harness/arches.toml) as
# shell variables; it must be one that boots here.
kernel_arch() {
	local facts
	facts=$(python3 "$TOP/harness/fence.py" arch "$1") || exit 1
	eval "$facts"
	[ "$BOOTS" = 1 ] || die "architecture '$1' has no boot kernel in harness/arches.toml"
}

kernel_make() {
	make -C "$KSRC" O="$KOUT" ARCH="$KARCH" CROSS_COMPILE="$CROSS" \
		CC="ccache ${CROSS}gcc" -j"$JOBS" "$@"
}

# kernel_fragments: the config fragment files, in order.
kernel_fragments() {
	local f
	for f in "${KERNEL_FRAGMENTS[@]}"; do
		echo "$TOP/boot/config.${f/@ARCH@/$KARCH}"
	done
}

# kernel_config: configure $KOUT for the commit checked out in $KSRC.
# Every option of config.common and config.<arch> must stick; one of
# config.tests only where the commit's Kconfig defines its symbol.
kernel_config() {
	local line sym missing=""
	cat $(kernel_fragments) >"$KOUT/.fragment"
	kernel_make -s KCONFIG_ALLCONFIG="$KOUT/.fragment" allnoconfig \
		>"$KOUT/.config.log" 2>&1 || { echo "allnoconfig failed"; return 1; }
	while read -r line; do
		grep -qxF "$line" "$KOUT/.config" || missing+=" $line"
	done < <(grep -h -e '^CONFIG_' -e '^# CONFIG_.* is not set$' \
		"$TOP/boot/config.common" "$TOP/boot/config.$KARCH")
	while read -r line; do
		sym=$(sed -E 's/^(# )?CONFIG_([A-Za-z0-9_]+).*/\2/' <<<"$line")
		git -C "$KSRC" grep -q -e "^config $sym$" -- '*Kconfig*' || continue
		grep -qxF "$line" "$KOUT/.config" || missing+=" $line"
	done < <(grep -h -e '^CONFIG_' -e '^# CONFIG_.* is not set$' "$TOP/boot/config.tests")
	[ -z "$missing" ] || { echo "options did not stick (a dependency is missing):$missing"; return 1; }
}

# kernel_stamp: what a build depends on besides the commit.
kernel_stamp() {
	{ cat $(kernel_fragments); "${CROSS}gcc" -dumpfullversion; } | sha256sum | cut -c1-16
}

# kernel_build ARCH REF: build REF's kernel for ARCH; on success print the
# path of its boot image, else one line saying why and fail.
kernel_build() {
	local arch=$1 ref=$2 sha store keep=${KERNEL_KEEP:-4} msg f
	kernel_arch "$arch"
	sha=$(git -C "$TREE" rev-parse -q --verify "$ref^{commit}") ||
		{ echo "no commit '$ref' in build/linux"; return 1; }
	KSRC=$BUILD/wt/kernel-$arch
	KOUT=$BUILD/kernel/$arch
	store=$BUILD/kernel/images/$arch-$sha-$(kernel_stamp).img
	if [ -f "$store" ]; then
		touch "$store"
		echo "$store"
		return 0
	fi
	mkdir -p "$KOUT" "$BUILD/kernel/images"
	(test_worktree "$sha" "$KSRC") >/dev/null || { echo "cannot check out $ref"; return 1; }
	msg=$(kernel_config) || { echo "config: $msg"; return 1; }
	if ! kernel_make -s "$(basename "$IMAGE")" >"$KOUT/.build.log" 2>&1; then
		echo "build failed: $(grep -m1 -E 'error|Error' "$KOUT/.build.log")"
		return 1
	fi
	# The image, and the build log beside it (series-check reads the
	# compiler's warnings from it).
	cp "$KOUT/.build.log" "${store%.img}.log"
	cp "$KOUT/$IMAGE" "$store.tmp" && mv "$store.tmp" "$store"
	# Keep the newest few of this architecture.
	ls -t "$BUILD/kernel/images/$arch-"*.img | tail -n +"$((keep + 1))" |
		while read -r f; do rm -f "$f" "${f%.img}.log"; done
	echo "$store"
}
