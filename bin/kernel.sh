# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# The fragment lists below are space-separated paths under the clone,
# split on purpose:
# shellcheck disable=SC2086,SC2046
#
# Kernel builds, for every tool that builds one.  Sourced after lib.sh,
# never run; bin/kernel is the command for one commit's kernel.
#
# The facts per architecture are harness/arches.toml's, read here and
# nowhere else in bash (arch_load, arch_facts).  Two kinds of config:
#
#   the one kernel per architecture and commit: allnoconfig plus
#   boot/config.common, boot/config.<arch> and boot/config.tests.
#   series-check builds every commit of the series with it and the boot
#   tests boot it, so 'make check' builds each commit once per
#   architecture.  All commits of one architecture are built in one
#   source worktree, build/wt/kernel-<arch>, and one build dir,
#   build/kernel/<arch> (under a lock): moving the worktree from commit to
#   commit rebuilds only what changed, and the same paths keep every
#   object in ccache.  The boot image of each commit built is kept as
#   build/kernel/images/<arch>-<commit>-<stamp>.img with its build log
#   (.log), the newest KERNEL_KEEP (4) per architecture;
#
#   defconfig plus the architecture's IOMMU options (arch_configure):
#   compile-drivers and sparse-gate, which cover every driver.
#
# bench's minimal kernels are allnoconfig plus tests/build/ (min_config).

JOBS=${JOBS:-2}

# arch_load ARCH: the architecture's facts as shell variables (KARCH,
# CROSS, DEBIAN_ARCH, DEFCONFIG, IOMMU_KCONFIG, OBJECTS, FASTPATH, BOOTS,
# and for one that boots QEMU, MACHINE, IMAGE, CONSOLE, APPEND,
# QEMU_DEVICES, BUSYBOX, DEV, OTHER, MULTI, PLUG).  Exits on an unknown
# ARCH, with the table's one-line error.
arch_load() {
	local facts
	facts=$("$PYTHON" "$TOP/harness/fence.py" arch "$1") || exit 1
	eval "$facts"
}

# arch_facts ARCH NAME: one fact, an array one element a line.
arch_facts() {
	(
		arch_load "$1"
		local -n fact=$2
		printf '%s\n' "${fact[@]}"
	)
}

# The architectures of the table, one a line; --boot: those that boot
# here; --machines: those and their variants (ARCH-VARIANT), bin/boot's
# machines.
arch_list() { "$PYTHON" "$TOP/harness/fence.py" arch --list "$@" | tr ' ' '\n'; }

# arch_args [ARCH...]: ARCHES, the architectures a tool was given, each
# checked against the table, or all of the table's.
arch_args() {
	local a
	ARCHES=("$@")
	[ ${#ARCHES[@]} -gt 0 ] || mapfile -t ARCHES < <(arch_list)
	for a in "${ARCHES[@]}"; do
		arch_facts "$a" KARCH >/dev/null || exit 1
	done
}

# kmake SRC OUT ARCH ARGS...: make in source tree SRC, out of tree in OUT.
kmake() {
	local src=$1 out=$2 a=$3 cross
	shift 3
	cross=$(arch_facts "$a" CROSS)
	make -C "$src" O="$out" ARCH="$a" CROSS_COMPILE="$cross" \
		CC="ccache ${cross}gcc" -j"$JOBS" "$@"
}

# stick OUT REQUIRED OPTIONAL SRC: the options of the fragment files
# REQUIRED (space-separated) must be in OUT/.config as written; those of
# OPTIONAL only where SRC's Kconfig defines the symbol (the series' test
# code, absent before the commit that adds it).  Prints what did not stick.
stick() {
	local out=$1 req=$2 opt=$3 src=$4 line sym missing=""
	while read -r line; do
		grep -qxF "$line" "$out/.config" || missing+=" $line"
	done < <(cat $req /dev/null | grep -e '^CONFIG_' -e '^# CONFIG_.* is not set$')
	while read -r line; do
		sym=$(sed -E 's/^(# )?CONFIG_([A-Za-z0-9_]+).*/\2/' <<<"$line")
		git -C "$src" grep -q -E -e "^(menu)?config $sym\$" -- '*Kconfig*' || continue
		grep -qxF "$line" "$out/.config" || missing+=" $line"
	done < <(cat $opt /dev/null | grep -e '^CONFIG_' -e '^# CONFIG_.* is not set$')
	[ -z "$missing" ] || { echo "options did not stick (a dependency is missing):$missing"; return 1; }
}

# min_config SRC OUT ARCH REQUIRED [OPTIONAL]: allnoconfig plus the
# fragment files (KCONFIG_ALLCONFIG), checked by stick.
min_config() {
	local src=$1 out=$2 a=$3 req=$4 opt=${5:-}
	mkdir -p "$out"
	cat $req $opt /dev/null >"$out/.fragment"
	kmake "$src" "$out" "$a" -s KCONFIG_ALLCONFIG="$out/.fragment" allnoconfig \
		>"$out/.config.log" 2>&1 || { echo "allnoconfig failed, see $out/.config.log"; return 1; }
	stick "$out" "$req" "$opt" "$src"
}

# Options every defconfig-based kernel gets: lockdep makes
# iommu_fence_assert_held() the real out-of-line call rather than an empty
# inline; VFIO is the other user of the group ops, which sparse checks.
COMMON_OPTS="DEBUG_KERNEL PROVE_LOCKING VFIO VFIO_PCI"

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
	kmake "$src" "$dir" "$a" "$defconfig" >"$dir/config.log" 2>&1 || return 1
	for o in $opts; do
		args+=(-e "$o")
	done
	"$src/scripts/config" --file "$dir/.config" "${args[@]}"
	kmake "$src" "$dir" "$a" olddefconfig >>"$dir/config.log" 2>&1 || return 1
	echo "$stamp" >"$dir/.iommu-fence.stamp"
}

# arch_objects ARCH DIR: the table's objects (harness/arches.toml
# "objects", the converted drivers and the core), one a line, as the
# configured build dir DIR has them: "object" where DIR/.config keeps its
# symbol (y or m), "-SYMBOL:object" where olddefconfig dropped it.
arch_objects() {
	local pair st
	while read -r pair; do
		st=$(sed -n "s/^CONFIG_${pair%%:*}=//p" "$2/.config")
		case $st in
		y | m) echo "${pair#*:}" ;;
		*) echo "-$pair" ;;
		esac
	done < <(arch_facts "$1" OBJECTS)
}

# The one kernel's fragments: REQUIRED and OPTIONAL for min_config.
kernel_required() { echo "$TOP/boot/config.common $TOP/boot/config.$1"; }
kernel_optional() { echo "$TOP/boot/config.tests"; }

# kernel_stamp ARCH: what a build depends on besides the commit: the
# fragments, this file, the compiler and the binutils.
kernel_stamp() {
	local cross
	cross=$(arch_facts "$1" CROSS)
	cat $(kernel_required "$1") $(kernel_optional "$1") "${BASH_SOURCE[0]}" |
		cat - <("${cross}gcc" -dumpfullversion) <("${cross}ld" --version | head -n 1) |
		sha256sum | cut -c1-16
}

# kernel_build ARCH REF [--force]: build REF's kernel for ARCH; on success
# print the path of its boot image, else one line saying why and fail.
# An image kept from an earlier build of the same commit and stamp is
# reused, unless --force: series-check walks the series commit by commit
# and needs the build dir at each of them (which files changed, and the
# compiler's warnings for them, are read from that build).
kernel_build() {
	local arch=$1 ref=$2 force=${3:-} sha store keep=${KERNEL_KEEP:-4} f src out image
	image=$(arch_facts "$arch" IMAGE)
	[ -n "$image" ] || { echo "architecture '$arch' has no boot kernel in harness/arches.toml"; return 1; }
	sha=$(git -C "$TREE" rev-parse -q --verify "$ref^{commit}") ||
		{ echo "no commit '$ref' in build/linux"; return 1; }
	src=$BUILD/wt/kernel-$arch
	out=$BUILD/kernel/$arch
	store=$BUILD/kernel/images/$arch-$sha-$(kernel_stamp "$arch").img
	if [ -f "$store" ] && [ "$force" != --force ]; then
		touch "$store"
		echo "$store"
		return 0
	fi
	mkdir -p "$out" "$BUILD/kernel/images"
	# One build of an architecture at a time: the worktree and the build
	# dir are shared, and a second make moving them would store a wrong image.
	exec {lock}>"$BUILD/kernel/$arch.lock"
	flock "$lock"
	rm -f "$out/.iommu-fence.built"
	if ! (test_worktree "$sha" "$src") >/dev/null 2>&1; then
		echo "cannot check out $ref in ${src#"$TOP"/}"
	elif ! f=$(min_config "$src" "$out" "$arch" "$(kernel_required "$arch")" \
		"$(kernel_optional "$arch")"); then
		echo "config: $f"
	elif ! kmake "$src" "$out" "$arch" -s "$(basename "$image")" >"$out/.build.log" 2>&1; then
		f=$(grep -m1 -E 'error|Error' "$out/.build.log" || tail -n 1 "$out/.build.log")
		echo "build failed, see ${out#"$TOP"/}/.build.log: $f"
	else
		echo "$sha" >"$out/.iommu-fence.built"
		cp "$out/.build.log" "${store%.img}.log"
		cp "$out/$image" "$store.tmp" && mv "$store.tmp" "$store"
		ls -t "$BUILD/kernel/images/$arch-"*.img | tail -n +"$((keep + 1))" |
			while read -r f; do rm -f "$f" "${f%.img}.log"; done
		echo "$store"
		exec {lock}>&-
		return 0
	fi
	exec {lock}>&-
	return 1
}

# every_arches: the boot architectures whose table says walk = "every".
every_arches() {
	local e
	for e in $(arch_list --boot); do
		[ "$(arch_facts "$e" WALK)" != every ] || echo "$e"
	done
}

# every_built COMMIT: the "every" architectures, when each has a recorded
# verdict for COMMIT (it built there); else fail.
every_built() {
	local c=$1 e names=""
	for e in $(every_arches); do
		compgen -G "$BUILD/kernel/verdicts/$e-$c-$(kernel_stamp "$e")" >/dev/null || return 1
		names+="${names:+, }$e"
	done
	[ -n "$names" ] && echo "$names"
}

# compiles FILE OUT: does the build in OUT compile source FILE (its
# object is there) or include header FILE (a .cmd file names it)?
compiles() {
	case $1 in
	*.c | *.S) [ -f "$2/${1%.*}.o" ] ;;
	*.h) grep -rqsF --include='*.cmd' -- "/$1" "$2" ;;
	*) return 1 ;;
	esac
}

# needs_build COMMIT OUT: does COMMIT change anything the build in OUT uses?
needs_build() {
	local c=$1 out=$2 f
	# The last build there failed, or never ran: build.
	[ -f "$out/.iommu-fence.built" ] || return 0
	while read -r f; do
		case $f in
		*Kconfig* | *Makefile* | *Kbuild* | *.lds*) return 0 ;;
		*) ! compiles "$f" "$out" || return 0 ;;
		esac
	done < <(git -C "$TREE" diff-tree --no-commit-id -r --name-only "$c")
	return 1
}

# build_at ARCH COMMIT: 0 and a note, or 1 and the first error.
build_at() {
	local arch=$1 c=$2 image f warn=""
	image=$(kernel_build "$arch" "$c" --force) || { echo "$image"; return 1; }
	[ -f "${image%.img}.log" ] || { echo "no build log beside $image"; return 1; }
	while read -r f; do
		# Out of tree, gcc names a source by its path under srctree.
		grep -qE "(^|/)$f:[0-9]+:[0-9]+: warning:" "${image%.img}.log" && warn="$warn $f"
	done < <(git -C "$TREE" diff-tree --no-commit-id -r --name-only "$c")
	if [ -n "$warn" ]; then
		echo "compiler warnings in:$warn"
		return 1
	fi
	echo "built"
}

# only_here COMMIT ARCH: does COMMIT change a file that ARCH's build
# compiles and no "every" architecture's build does?  Read from the build
# dirs as they are; a Kconfig or Makefile under arch/ counts as ARCH's.
only_here() {
	local c=$1 arch=$2 f e
	while read -r f; do
		case $f in
		arch/"$arch"/*Kconfig* | arch/"$arch"/*Makefile* | arch/"$arch"/*Kbuild*)
			return 0 ;;
		esac
		compiles "$f" "$BUILD/kernel/$arch" || continue
		for e in $(every_arches); do
			! compiles "$f" "$BUILD/kernel/$e" || continue 2
		done
		return 0
	done < <(git -C "$TREE" diff-tree --no-commit-id -r --name-only "$c")
	return 1
}

# kernel_verdict ARCH COMMIT: whether COMMIT builds on its own, as a patch
# on its parent, with no compiler warning in a file it touches: 0 and a
# note, or 1 and the first error.  Walk a branch commit by commit from its
# base, so that the build dir holds the parent: a commit that changes
# nothing this config compiles (no Kconfig or Makefile, no compiled
# source, no header a compiled object includes) is not rebuilt, since its
# build result is its parent's.  On an architecture whose table says
# walk = "own", a commit that every "every" architecture built (recorded)
# is built here only when it changes something only this one compiles:
# 'make walk' is one full pass, not one per architecture ('make walk-all'
# sets KERNEL_WALK=every for all of them).  A commit that built
# is recorded per commit and stamp (build/kernel/verdicts/): the same
# commit on another branch (the stable subset is the head of the series)
# is not built again.
kernel_verdict() {
	local arch=$1 sha rec msg e parent
	case ${KERNEL_WALK:-} in '' | every | own) ;;
	*) echo "KERNEL_WALK must be every or own, not '$KERNEL_WALK'"; return 1 ;;
	esac
	sha=$(git -C "$TREE" rev-parse -q --verify "$2^{commit}") ||
		{ echo "no commit '$2' in build/linux"; return 1; }
	rec=$BUILD/kernel/verdicts/$arch-$sha-$(kernel_stamp "$arch")
	if [ -f "$rec" ]; then
		echo "$(cat "$rec") (recorded)"
		return 0
	fi
	# A root commit, the base, has no parent to compare with: built.
	parent=0
	! git -C "$TREE" rev-parse -q --verify "$sha^" >/dev/null || parent=1
	if [ $parent = 1 ] && ! needs_build "$sha" "$BUILD/kernel/$arch"; then
		msg="nothing this config compiles changes"
	elif [ $parent = 1 ] && [ "${KERNEL_WALK:-$(arch_facts "$arch" WALK)}" = own ] &&
		e=$(every_built "$sha") && ! only_here "$sha" "$arch"; then
		# Not recorded: the next commit that is built here builds
		# this one's changes too, and so does the tip.
		echo "built on $e; changes nothing only $arch compiles"
		return 0
	else
		msg=$(build_at "$arch" "$sha") || { echo "$msg"; return 1; }
	fi
	mkdir -p "${rec%/*}"
	echo "$msg" >"$rec"
	echo "$msg"
}
