// SPDX-License-Identifier: GPL-2.0
/*
 * Fields with the same names in other structs (PCI controller ops, PM
 * domains) are not IOMMU ops: nothing changes.
 */
#include <linux/pm_domain.h>

static void pnv_like_release_device(struct pci_dev *pdev)
{
	pnv_like_forget(pdev);
}

static int genpd_like_attach_dev(struct generic_pm_domain *genpd,
				 struct device *dev)
{
	return genpd_like_clk_attach(dev);
}

static const struct pci_controller_ops pnv_like_ops = {
	.release_device = pnv_like_release_device,
};

static void genpd_like_init(struct generic_pm_domain *pd)
{
	pd->attach_dev = genpd_like_attach_dev;
}
