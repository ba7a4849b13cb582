# SPDX-License-Identifier: GPL-2.0
"""The stable subset as a stable tree receives it: its size and its tags.

A stable maintainer weighs a backport by the code it adds, not by its tests
or documentation.  code_lines() counts the added lines of non-test code of
'git format-patch' files: the lines a diff adds to C sources and headers
(CODE_SUFFIXES), minus the files of TEST_FILES, which the subset leaves to
the full series.  Kconfig, Makefile, documentation and semantic-patch lines
are not code by this measure.

judge() turns the subset into result lines: its size against the goal, and
per patch that it carries "Cc: stable@vger.kernel.org" and touches no test
file (the tests prove the subset from the branch stable-test; they are not
part of it).
"""

import os
import re
from typing import Dict, Iterable, List, Tuple

import fence_ktap

CODE_SUFFIXES = ('.c', '.h', '.S')
# The project's test code, wherever it sits in the kernel tree.
TEST_FILES = (
	re.compile(r'^tools/testing/'),
	re.compile(r'^drivers/iommu/iommu-fence-(test|bench|stress)\.[ch]$'),
	re.compile(r'(^|/)\.kunitconfig$'),
)
CC_STABLE = 'Cc: stable@vger.kernel.org'

_DIFF = re.compile(r'^diff --git a/(\S+) b/(\S+)$')


class StableError(Exception):
	"""A patch that is not git format-patch output."""


def is_test(path: str) -> bool:
	return any(r.search(path) for r in TEST_FILES)


def is_code(path: str) -> bool:
	return path.endswith(CODE_SUFFIXES) and not is_test(path)


def added_lines(text: str) -> Dict[str, int]:
	"""The lines each file of one patch gains ('+' lines of its diff)."""
	files: Dict[str, int] = {}
	path = None
	for line in text.split('\n'):
		m = _DIFF.match(line)
		if m:
			path = m.group(2)
			files.setdefault(path, 0)
		elif path is not None and line.startswith('+') and not line.startswith('+++ '):
			files[path] += 1
	if not files and 'diff --git ' not in text:
		raise StableError('no diff in the patch')
	return files


def code_lines(texts: Iterable[str]) -> int:
	"""The added lines of non-test code of the patches TEXTS."""
	return sum(n for t in texts for p, n in added_lines(t).items() if is_code(p))


def trailer(text: str) -> List[str]:
	"""The lines of the commit message, before the '---' line."""
	head = text.split('\n---\n', 1)
	if len(head) < 2:
		raise StableError('no "---" line after the commit message')
	return head[0].split('\n')


def patch_problems(text: str) -> List[str]:
	"""Why one patch of the subset is not what a stable tree takes."""
	problems = []
	if CC_STABLE not in (l.strip() for l in trailer(text)):
		problems.append(f'no "{CC_STABLE}"')
	tests = sorted(p for p in added_lines(text) if is_test(p))
	if tests:
		problems.append('touches test code: ' + ', '.join(tests))
	return problems


def judge(subset: List[Tuple[str, str]], goal: int,
	  series: List[str]) -> List[fence_ktap.Result]:
	"""SUBSET is (name, text) per patch, SERIES the texts of the full
	series: one result for the size against GOAL, one per patch."""
	n, full = code_lines(t for _, t in subset), code_lines(series)
	res = [fence_ktap.Result(
		fence_ktap.OK if n <= goal and subset else fence_ktap.NOT_OK, 'stable size',
		f'{len(subset)} patches add {n} lines of non-test code '
		f'(goal: at most {goal}; the full series adds {full})')]
	for name, text in subset:
		try:
			why = patch_problems(text)
		except StableError as e:
			why = [str(e)]
		res.append(fence_ktap.Result(fence_ktap.NOT_OK if why else fence_ktap.OK,
					     f'stable tags {os.path.basename(name)}',
					     '; '.join(why) or f'{CC_STABLE}, no test code'))
	return res
