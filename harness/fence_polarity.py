# SPDX-License-Identifier: GPL-2.0
"""The polarity rules, stated once: what each tree must show.

  series  every boot cell is clean; every KUnit case passes.
  stable  (the stable subset of the series, patches/stable, plus the test
          commits) what the series must show: the subset closes the race
          on its own.
  base    (the base plus only the test commits) every boot cell ends in a
          kernel report after the test began (fence_bootlog: a report
          before is an error on either tree), and a selftest cell without
          a report may instead be red by a failed case; a SKIP is never
          red; every KUnit race case fails, every regression and
          sanity case passes (a regression case guards a behaviour the
          base has; a sanity case shows that the harness works, or the
          race cases could fail for the wrong reason).

A KUnit case's class is its suite's: iommu-fence-race,
iommu-fence-regression, iommu-fence-sanity.  A case that did not run (the
kernel crashed: kunit.py's ERROR, or a case without a name) is an error on
either tree, never a pass.
"""

from typing import Tuple

import fence_bootlog

TREES = ('series', 'stable', 'base')
# The trees that carry the fence: clean, every case passing.
FENCED = ('series', 'stable')
TREE_NAMES = {'series': 'series', 'stable': 'stable subset', 'base': 'base'}
SUITE_PREFIX = 'iommu-fence-'
CLASSES = ('race', 'regression', 'sanity')
SUITES = tuple(SUITE_PREFIX + c for c in CLASSES)


class PolarityError(Exception):
	"""An unknown tree, suite or status."""


def check_tree(tree: str) -> None:
	if tree not in TREES:
		raise PolarityError(f'unknown tree "{tree}" (want {", ".join(TREES)})')


def fenced(tree: str) -> bool:
	"""Whether TREE carries the fence (must be clean), else it must be red."""
	check_tree(tree)
	return tree in FENCED


def boot_cell(tree: str, test: str, v: fence_bootlog.BootVerdict) -> Tuple[bool, str]:
	"""Whether boot verdict V is what TREE must give, and why."""
	if fenced(tree):
		return v.result == 'clean', v.result
	if v.result == 'report':
		return True, 'report, red as expected'
	if v.first:
		# a report the verdict did not count (before the test began)
		return False, f'{v.result}: {v.error or "a report outside the test"}'
	if test == 'selftest' and v.selftest and v.selftest.failed > 0:
		return True, f'{v.result}, red as expected: a case failed'
	return False, f'{v.result}: the base must end in a kernel report'


def kunit_class(suite: str) -> str:
	"""The class of the cases of SUITE."""
	if suite not in SUITES:
		raise PolarityError(f'suite "{suite}" is none of {", ".join(SUITES)}')
	return suite[len(SUITE_PREFIX):]


def kunit_case(tree: str, suite: str, name: str, status: str) -> Tuple[bool, str]:
	"""Whether a case of SUITE with kunit.py status STATUS (PASS, FAIL,
	SKIP, ERROR) is what TREE must give, and why."""
	fence = fenced(tree)
	cls = kunit_class(suite)
	if status not in ('PASS', 'FAIL', 'SKIP', 'ERROR'):
		raise PolarityError(f'unknown KUnit status "{status}"')
	if status == 'ERROR' or not name:
		return False, f'{cls} case did not run (the kernel crashed?)'
	if fence:
		return status == 'PASS', f'{cls} case {status} on the {TREE_NAMES[tree]}'
	if cls == 'race':
		if status == 'FAIL':
			return True, 'race case fails on the base, as it must'
		return False, f'race case {status} on the base: it proves nothing'
	if status == 'PASS':
		return True, f'{cls} case passes on the base, as it must'
	return False, f'{cls} case {status} on the base'
