# SPDX-License-Identifier: GPL-2.0
"""The one KTAP v1 reporter of the iommu-fence tools, and the reader of the
result lines the bash tools write.

A document is "KTAP version 1", the plan "1..N", one line per test
("ok N name # detail", "not ok N name # detail", "ok N name # SKIP why")
and, at the top level only, the closing line "P passed, F failed" (a SKIP
counts as neither).  A nested document (a layer of 'make check', a test
with subtests) is indented 4 spaces per level, has its own header and plan
and, instead of the closing line, a "# NAME: pass:P fail:F skip:S total:T"
diagnostic, as KUnit prints.

The bash tools do not print KTAP: they append result lines to a file,
"ok|not ok|skip<TAB>name<TAB>detail", and 'fence.py report' turns the file
into the document and the exit status.
"""

import re
from dataclasses import dataclass
from typing import Iterable, List, Optional, TextIO

import fence_kparse

OK, NOT_OK, SKIP = 'ok', 'not ok', 'skip'
STATUSES = (OK, NOT_OK, SKIP)
SUMMARY = re.compile(r'^([0-9]+) passed, ([0-9]+) failed$')
INDENT = '    '


class KtapError(Exception):
	"""A result line that is not "STATUS<TAB>NAME[<TAB>DETAIL]"."""


@dataclass
class Result:
	status: str
	name: str
	detail: str = ''
	subtests: Optional[List['Result']] = None

	def __post_init__(self):
		if self.status not in STATUSES:
			raise KtapError(f'unknown status "{self.status}" (want ok, not ok or skip)')
		if not self.name.strip():
			raise KtapError('a result without a name')


@dataclass
class Counts:
	passed: int = 0
	failed: int = 0
	skipped: int = 0

	def add(self, status: str) -> None:
		if status == OK:
			self.passed += 1
		elif status == NOT_OK:
			self.failed += 1
		else:
			self.skipped += 1

	@property
	def total(self) -> int:
		return self.passed + self.failed + self.skipped


def _clean(s: str) -> str:
	return ' '.join(s.split())


def header(plan: int, depth: int = 0) -> List[str]:
	pre = INDENT * depth
	return [f'{pre}KTAP version 1', f'{pre}1..{plan}']


def line(n: int, r: Result, depth: int = 0) -> str:
	"""The test line of result R, number N."""
	pre = INDENT * depth
	name = _clean(r.name)
	detail = _clean(r.detail)
	if r.status == SKIP:
		return f'{pre}ok {n} {name} # SKIP{" " + detail if detail else ""}'
	return f'{pre}{r.status} {n} {name}{" # " + detail if detail else ""}'


def summary(counts: Counts, title: str = '', depth: int = 0) -> str:
	"""The closing line: top level "P passed, F failed", nested the KUnit
	style diagnostic "# TITLE: pass:P fail:F skip:S total:T" (the only
	place that writes it: nest() comes here too)."""
	if depth == 0:
		return f'{counts.passed} passed, {counts.failed} failed'
	return (f'{INDENT * depth}# {_clean(title) or "subtest"}: pass:{counts.passed} '
		f'fail:{counts.failed} skip:{counts.skipped} total:{counts.total}')


def document(results: List[Result], title: str = '', depth: int = 0) -> List[str]:
	"""Every line of the document of RESULTS, plan first."""
	out = header(len(results), depth)
	counts = Counts()
	for n, r in enumerate(results, 1):
		if r.subtests is not None:
			out += document(r.subtests, r.name, depth + 1)
		out.append(line(n, r, depth))
		counts.add(r.status)
	out.append(summary(counts, title, depth))
	return out


def count(results: Iterable[Result]) -> Counts:
	c = Counts()
	for r in results:
		c.add(r.status)
	return c


def exit_status(results: List[Result]) -> int:
	"""0 if something passed and nothing failed, else 1 (an empty run, or
	one that only skipped, proves nothing)."""
	c = count(results)
	return 0 if c.failed == 0 and c.passed > 0 else 1


def parse_result_line(text: str) -> Result:
	"""One line "STATUS<TAB>NAME[<TAB>DETAIL...]" of a bash tool."""
	fields = text.rstrip('\n').split('\t')
	if len(fields) < 2:
		raise KtapError(f'not "STATUS<TAB>NAME<TAB>DETAIL": {text.strip()!r}')
	return Result(fields[0], fields[1], ' '.join(fields[2:]))


def read_results(lines: Iterable[str]) -> List[Result]:
	"""The results of a bash tool's results file (blank lines ignored)."""
	return [parse_result_line(l) for l in lines if l.strip()]


class Nest:
	"""A nested tool's output, line by line, as part of its parent's
	document: indented, its closing line "P passed, F failed" turned into
	the nested diagnostic (summary()), with the skips of its top-level
	results as the kernel's parser reads the lines so far (fence_kparse;
	the closing line itself has no skip count)."""

	def __init__(self, title: str = ''):
		self.title = title
		self.seen: List[str] = []

	def line(self, line_in: str) -> str:
		text = line_in.rstrip('\n')
		m = SUMMARY.match(text)
		if m:
			skipped = sum(1 for t in fence_kparse.parse(self.seen).subtests
				      if fence_kparse.status(t) == 'SKIPPED')
			return summary(Counts(int(m.group(1)), int(m.group(2)), skipped),
				       self.title, 1)
		self.seen.append(text)
		return INDENT + text if text.strip() else ''


def write(out: TextIO, lines: Iterable[str]) -> None:
	for l in lines:
		print(l, file=out, flush=True)
