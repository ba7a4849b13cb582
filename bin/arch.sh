# SPDX-License-Identifier: GPL-2.0
# The per-architecture kernel configs that bin/compile-drivers and
# bin/sparse-gate share: one config recipe, one configured build dir per
# architecture and source tree.  Sourced after lib.sh, never run.

JOBS=${JOBS:-2}
export CCACHE_DIR=${CCACHE_DIR:-$BUILD/ccache}

# Options every architecture gets: lockdep makes iommu_fence_assert_held()
# the real out-of-line call rather than an empty inline; VFIO is the other
# user of the group ops, which the sparse gate checks.
COMMON_OPTS="DEBUG_KERNEL PROVE_LOCKING VFIO VFIO_PCI"

# Per architecture: defconfig, cross compiler prefix, options to enable.
arch_defconfig() {
	case $1 in
	x86_64) echo x86_64_defconfig ;;
	arm64) echo defconfig ;;
	arm) echo multi_v7_defconfig ;;
	s390) echo defconfig ;;
	esac
}

arch_cross() {
	case $1 in
	x86_64) echo "" ;;
	arm64) echo aarch64-linux-gnu- ;;
	arm) echo arm-linux-gnueabihf- ;;
	s390) echo s390x-linux-gnu- ;;
	esac
}

arch_opts() {
	case $1 in
	x86_64)
		echo "PCI PCI_MSI ACPI IOMMU_SUPPORT INTEL_IOMMU AMD_IOMMU"
		echo "VIRTIO VIRTIO_MENU VIRTIO_PCI VIRTIO_IOMMU"
		;;
	arm64)
		echo "IOMMU_SUPPORT ARM_SMMU ARM_SMMU_V3 ARCH_QCOM QCOM_IOMMU"
		echo "ARCH_APPLE APPLE_DART ARCH_MEDIATEK MTK_IOMMU"
		echo "ARCH_ROCKCHIP ROCKCHIP_IOMMU ARCH_RENESAS IPMMU_VMSA"
		echo "ARCH_EXYNOS EXYNOS_IOMMU ARCH_SPRD SPRD_IOMMU"
		echo "ARCH_SUNXI SUN50I_IOMMU ARCH_TEGRA TEGRA_AHB TEGRA_MC"
		echo "TEGRA_IOMMU_SMMU VIRTIO VIRTIO_MENU VIRTIO_IOMMU"
		;;
	arm)
		echo "IOMMU_SUPPORT ARCH_OMAP2PLUS OMAP_IOMMU ARCH_MEDIATEK"
		echo "MTK_IOMMU_V1 ARCH_EXYNOS EXYNOS_IOMMU ARCH_ROCKCHIP"
		echo "ROCKCHIP_IOMMU ARCH_RENESAS IPMMU_VMSA ARCH_TEGRA"
		echo "ARCH_TEGRA_2x_SOC TEGRA_MC TEGRA_IOMMU_GART ARCH_QCOM"
		echo "ARCH_MSM8X60 ARCH_MSM8960 MSM_IOMMU"
		;;
	s390)
		echo "PCI IOMMU_SUPPORT S390_IOMMU"
		;;
	esac
}

# arch_make SRC DIR ARCH ARGS...: make in source tree SRC, out of tree in DIR.
arch_make() {
	local src=$1 dir=$2 a=$3 cross
	shift 3
	cross=$(arch_cross "$a")
	make -C "$src" O="$dir" ARCH="$a" CROSS_COMPILE="$cross" \
		CC="ccache ${cross}gcc" -j"$JOBS" "$@"
}

# arch_configure SRC DIR ARCH: configure DIR unless its stamp matches.
arch_configure() {
	local src=$1 dir=$2 a=$3 opts o stamp args=()
	opts="$COMMON_OPTS $(arch_opts "$a" | tr '\n' ' ')"
	stamp="defconfig=$(arch_defconfig "$a") opts=$opts gcc=$("$(arch_cross "$a")gcc" -dumpfullversion)"
	if [ -f "$dir/.config" ] && [ -f "$dir/.iommu-fence.stamp" ] &&
		[ "$(cat "$dir/.iommu-fence.stamp")" = "$stamp" ]; then
		return 0
	fi
	mkdir -p "$dir"
	rm -f "$dir/.iommu-fence.stamp"
	arch_make "$src" "$dir" "$a" "$(arch_defconfig "$a")" >"$dir/config.log" 2>&1 ||
		return 1
	for o in $opts; do
		args+=(-e "$o")
	done
	"$src/scripts/config" --file "$dir/.config" "${args[@]}"
	arch_make "$src" "$dir" "$a" olddefconfig >>"$dir/config.log" 2>&1 || return 1
	echo "$stamp" >"$dir/.iommu-fence.stamp"
}

# arch_minconfig SRC DIR ARCH FRAGMENT...: allnoconfig plus the fragments
# (KCONFIG_ALLCONFIG), the minimal kernels of series-check and bench; every
# option of tests/build/config.common and config.ARCH must stick.  Prints
# the reason and fails otherwise.
arch_minconfig() {
	local src=$1 dir=$2 a=$3 opt
	shift 3
	mkdir -p "$dir"
	cat "$@" >"$dir/.fragment"
	arch_make "$src" "$dir" "$a" -s KCONFIG_ALLCONFIG="$dir/.fragment" \
		allnoconfig >"$dir/.config.log" 2>&1 || { echo "allnoconfig failed"; return 1; }
	while read -r opt; do
		grep -qxF "$opt" "$dir/.config" || { echo "option $opt did not stick"; return 1; }
	done < <(cat "$TOP/tests/build/config.common" "$TOP/tests/build/config.$a" |
		grep '^CONFIG_')
}
