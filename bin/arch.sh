# SPDX-License-Identifier: GPL-2.0
# The defconfig-based kernels that bin/compile-drivers and bin/sparse-gate
# share (one configured build dir per architecture and source tree), and
# the minimal configs of bin/bench.  The facts per architecture are
# harness/arches.toml's.  Sourced after lib.sh, never run.

JOBS=${JOBS:-2}

# Options every architecture gets: lockdep makes iommu_fence_assert_held()
# the real out-of-line call rather than an empty inline; VFIO is the other
# user of the group ops, which the sparse gate checks.
COMMON_OPTS="DEBUG_KERNEL PROVE_LOCKING VFIO VFIO_PCI"

# arch_facts ARCH: one fact of harness/arches.toml, e.g. 'arch_facts s390
# CROSS'; arrays are printed one element a line.  Dies on an unknown ARCH.
declare -A ARCH_FACTS_DONE=()
arch_facts() {
	local a=$1 v=$2 facts
	if [ -z "${ARCH_FACTS_DONE[$a]:-}" ]; then
		facts=$(python3 "$TOP/harness/fence.py" arch "$a") || exit 1
		# Each architecture's facts under its own prefix: AF_<arch>_<NAME>.
		eval "$(sed -E "s/^([A-Z_]+)=/AF_${a}_\1=/" <<<"$facts")"
		ARCH_FACTS_DONE[$a]=1
	fi
	local -n ref="AF_${a}_$v"
	printf '%s\n' "${ref[@]}"
}

# The architectures of the table, all or those that boot here.
arch_list() { python3 "$TOP/harness/fence.py" arch --list "$@"; }

# arch_make SRC DIR ARCH ARGS...: make in source tree SRC, out of tree in DIR.
arch_make() {
	local src=$1 dir=$2 a=$3 cross
	shift 3
	cross=$(arch_facts "$a" CROSS)
	make -C "$src" O="$dir" ARCH="$a" CROSS_COMPILE="$cross" \
		CC="ccache ${cross}gcc" -j"$JOBS" "$@"
}

# arch_configure SRC DIR ARCH: defconfig plus COMMON_OPTS and the table's
# iommu_kconfig, unless DIR's stamp says it is configured so already.
arch_configure() {
	local src=$1 dir=$2 a=$3 opts o stamp defconfig args=()
	defconfig=$(arch_facts "$a" DEFCONFIG)
	opts="$COMMON_OPTS $(arch_facts "$a" IOMMU_KCONFIG | tr '\n' ' ')"
	stamp="defconfig=$defconfig opts=$opts gcc=$("$(arch_facts "$a" CROSS)gcc" -dumpfullversion)"
	if [ -f "$dir/.config" ] && [ -f "$dir/.iommu-fence.stamp" ] &&
		[ "$(cat "$dir/.iommu-fence.stamp")" = "$stamp" ]; then
		return 0
	fi
	mkdir -p "$dir"
	rm -f "$dir/.iommu-fence.stamp"
	arch_make "$src" "$dir" "$a" "$defconfig" >"$dir/config.log" 2>&1 ||
		return 1
	for o in $opts; do
		args+=(-e "$o")
	done
	"$src/scripts/config" --file "$dir/.config" "${args[@]}"
	arch_make "$src" "$dir" "$a" olddefconfig >>"$dir/config.log" 2>&1 || return 1
	echo "$stamp" >"$dir/.iommu-fence.stamp"
}

# arch_minconfig SRC DIR ARCH FRAGMENT...: allnoconfig plus the fragments
# (KCONFIG_ALLCONFIG), the minimal kernels of bench; every option of the
# fragments must stick.  Prints the reason and fails otherwise.
arch_minconfig() {
	local src=$1 dir=$2 a=$3 opt
	shift 3
	mkdir -p "$dir"
	cat "$@" >"$dir/.fragment"
	arch_make "$src" "$dir" "$a" -s KCONFIG_ALLCONFIG="$dir/.fragment" \
		allnoconfig >"$dir/.config.log" 2>&1 || { echo "allnoconfig failed"; return 1; }
	while read -r opt; do
		grep -qxF "$opt" "$dir/.config" || { echo "option $opt did not stick"; return 1; }
	done < <(cat "$@" | grep '^CONFIG_')
}
