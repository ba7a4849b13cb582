# SPDX-License-Identifier: GPL-2.0
"""The verdict of a KUnit run of the iommu-fence suites (bin/kunit): the
cases of kunit.py's JSON (--json) judged by fence_polarity, and on the
series the kernel log checked for reports (fence_patterns).

A case may provoke a report on purpose between the lines
"iommu-fence-test: expected report begins: TEXT" and
"iommu-fence-test: expected report ends": those lines are left out of the
log check, and one of them must hold TEXT.
"""

import json
from typing import Dict, List, Optional, Tuple

import fence_ktap
import fence_patterns
import fence_polarity

BEGINS = 'iommu-fence-test: expected report begins: '
ENDS = 'iommu-fence-test: expected report ends'


class KunitError(Exception):
	"""kunit.py's JSON is not readable."""


def cases(data: Dict) -> List[Tuple[str, str, str]]:
	"""(suite, case, status) of every case of a kunit.py JSON tree; a
	suite that did not run at all is a case of the top group."""
	out = []

	def walk(node, suite):
		for g in node.get('sub_groups', []):
			walk(g, g.get('name', suite))
		for c in node.get('test_cases', []):
			out.append((suite, c.get('name', ''), c.get('status', 'ERROR')))
	if not isinstance(data, dict):
		raise KunitError('the JSON is not a test group')
	walk(data, data.get('name', ''))
	return out


def load(text: str) -> List[Tuple[str, str, str]]:
	try:
		return cases(json.loads(text))
	except ValueError as e:
		raise KunitError(f'kunit.py JSON: {e}') from e


def judge_cases(tree: str, found: List[Tuple[str, str, str]]) -> List[fence_ktap.Result]:
	res = []
	for suite, name, status in found:
		label = f'{suite}.{name}' if name else f'{suite}.(unnamed)'
		try:
			ok, why = fence_polarity.kunit_case(tree, suite, name, status)
		except fence_polarity.PolarityError as e:
			ok, why = False, str(e)
		res.append(fence_ktap.Result(fence_ktap.OK if ok else fence_ktap.NOT_OK, label, why))
	seen = {s for s, _, _ in found}
	for suite in fence_polarity.SUITES:
		if suite not in seen:
			res.append(fence_ktap.Result(fence_ktap.NOT_OK, suite,
						     'suite did not run'))
	return res


def log_problems(log: str) -> List[str]:
	"""The reports of a kernel log outside the expected-report brackets,
	and the brackets that lack their report."""
	hits = []
	expected, seen = None, False
	for l in log.replace('\r', '').split('\n'):
		if BEGINS in l:
			expected, seen = l.split(BEGINS, 1)[1].strip(), False
		elif ENDS in l:
			if expected is not None and not seen:
				hits.append(f"expected report '{expected}' did not appear")
			expected = None
		elif expected is not None:
			seen = seen or expected in l
		elif fence_patterns.is_report(l):
			hits.append(l.strip())
	if expected is not None:
		hits.append('an expected report never ended')
	return hits


def judge(tree: str, json_text: str, log: Optional[str]) -> List[fence_ktap.Result]:
	"""Every result line of the run: the cases, on the series the log
	(None: there is no log)."""
	fence_polarity.check_tree(tree)
	res = judge_cases(tree, load(json_text))
	if tree == 'series':
		hits = log_problems(log) if log is not None else ['no kernel log']
		res.append(fence_ktap.Result(
			fence_ktap.NOT_OK if hits else fence_ktap.OK, 'kernel-log-clean',
			hits[0] if hits else 'no kernel report outside the expected ones'))
	return res
