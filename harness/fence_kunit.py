# SPDX-License-Identifier: GPL-2.0
"""The verdict of a KUnit run of the iommu-fence suites (bin/kunit): the
cases of kunit.py's JSON (--json) judged by fence_polarity, and on the
series the kernel log checked for reports (fence_patterns).

A case may provoke a report on purpose between the lines
"iommu-fence-test: expected report begins: TEXT" and
"iommu-fence-test: expected report ends": those lines are left out of the
log check, and one of them must hold TEXT.

The verdict of a mutant (bin/kunit-mutants) is here too: a patch that
weakens the fence must make every case on its "Killed by:" line fail.
"""

import json
import re
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
	"""Every result line of the run: the cases, on a fenced tree (the
	series, the stable subset) the log (None: there is no log)."""
	res = judge_cases(tree, load(json_text))
	if fence_polarity.fenced(tree):
		hits = log_problems(log) if log is not None else ['no kernel log']
		res.append(fence_ktap.Result(
			fence_ktap.NOT_OK if hits else fence_ktap.OK, 'kernel-log-clean',
			hits[0] if hits else 'no kernel report outside the expected ones'))
	return res


def _unrun(c: Dict) -> bool:
	"""kunit_parser's "missing expected subtest": a case that never ran
	because the kernel died (an unnamed ERROR case)."""
	return not c.get('name') and c.get('status') == 'ERROR'


def _crash(data: Dict) -> Tuple[List[str], int]:
	"""What kunit.py's JSON shows of a crash: the suites in which cases
	did not run (unnamed ERROR cases), and the number of suites that never
	started (unnamed ERROR cases of the top group)."""
	suites = []

	def walk(node):
		for g in node.get('sub_groups', []):
			if any(_unrun(c) for c in g.get('test_cases', [])):
				suites.append(g.get('name', ''))
			walk(g)
	walk(data)
	return suites, sum(1 for c in data.get('test_cases', []) if _unrun(c))


def mutant_verdict(json_text: Optional[str], killers: List[str]) -> Tuple[bool, str]:
	"""Whether a mutant is killed, and why, from kunit.py's JSON of its
	run (None: there is none) and the cases of its "Killed by:" line
	("case" or "suite.case").

	A killer that FAILs, or that crashed (a named ERROR), kills.  A PASS
	survives; a SKIP is not a kill.  A killer that is not among the JSON's
	cases is an error, unless the JSON shows that the kernel crashed
	before it could run: its suite is listed with unnamed ERROR cases (the
	case that crashed the kernel and those after it have no name), or it
	never started (the top group holds unnamed ERROR cases).  A bare name
	does not say its suite, so any such crash counts for it; "suite.case"
	is exact."""
	if not killers:
		return False, "no 'Killed by:' cases"
	if json_text is None:
		return False, 'no results: the kernel did not build'
	try:
		data = json.loads(json_text)
		found = cases(data)
	except (ValueError, KunitError) as e:
		return False, f'no results: kunit.py JSON: {e}'
	if not found:
		return False, 'no case ran'
	named = [(s, n, st) for s, n, st in found if n]
	present = {s for s, _, _ in found}
	crashed, never = _crash(data)
	killed, alive, bad = [], [], []
	for k in killers:
		suite, _, name = k.rpartition('.')
		hits = [(s, st) for s, n, st in named if n == name and (not suite or s == suite)]
		if len(hits) > 1:
			bad.append(f'{k} names cases of {", ".join(s for s, _ in hits)}: write SUITE.{name}')
		elif hits:
			st = hits[0][1]
			if st == 'PASS':
				alive.append(k)
			elif st == 'SKIP':
				bad.append(f'{k} skipped: a skip is not a kill')
			else:
				killed.append(f'{k}({st})')
			continue
		elif suite and suite in crashed:
			killed.append(f'{k}(the kernel crashed in {suite} before it ran)')
		elif suite and never and suite not in present:
			killed.append(f'{k}(the kernel crashed before {suite} started)')
		elif not suite and (crashed or never):
			where = crashed + ([f'{never} suite(s) that never started'] if never else [])
			killed.append(f'{k}(the kernel crashed before it ran: {", ".join(where)})')
		else:
			bad.append(f'{k} is no case of the run, and the JSON shows no crash that '
				   'kept it from running')
	if alive or bad:
		return False, '; '.join(([f'survives {" ".join(alive)}'] if alive else []) + bad)
	return True, 'killed by ' + ' '.join(killed)


def killer_names(line: str) -> List[str]:
	"""The case names of a "Killed by:" line's text (spaces or commas)."""
	return [k for k in re.split(r'[\s,]+', line) if k]
