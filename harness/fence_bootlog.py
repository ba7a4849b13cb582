# SPDX-License-Identifier: GPL-2.0
"""The verdict of one boot test (bin/boot) from its guest log.

The guest's /init (boot/init) prints "iommu-fence-boot: begin test=..."
just before it starts the test: the start of the test.  fence-boot prints
"iommu-fence-boot: <phase> cycle N" before each plug cycle, one KTAP line
"ok 1 NAME # key=value..." for its test (a two-device group cell a second
one, the isolation check; the VFIO selftests print one line per case
instead), and /init last "iommu-fence-boot: end rc=N".  The
verdict, in this order:

  error       a kernel report before the test began (during the boot: the
              run proves nothing on either tree), or no start at all with
              a report; the error says so
  report      a kernel report (fence_patterns) after the test began
  hang        QEMU was stopped by the timeout (exit status 124 or 137)
  qemu-crash  QEMU itself died by a signal (exit status > 128)
  clean       QEMU exited 0 (or was stopped by the harness after the end
              marker), "end rc=0" and "ok 1" are in the log and, for
              fence-boot, "ok 1" is not a SKIP (a skipped test proves
              nothing); for the selftests no case failed and one passed
  error       anything else

The start is the begin marker, or without one the first
"iommu-fence-boot:" line or "TAP version"/"KTAP version" header; the
test's KTAP is read only after it, by the kernel's own parser
(fence_kparse): "ok 1" is its first result.  A selftest run with a failed
case, or with no case that passed, counts as QEMU exit status 1 (so it is an error, not a
hang or a crash, unless the log has a report).
"""

import re
from dataclasses import asdict, dataclass, field
from typing import Dict, List, Optional

import fence_kparse
import fence_patterns

RESULTS = ('clean', 'report', 'hang', 'qemu-crash', 'error')
CYCLE = re.compile(r'iommu-fence-boot: [a-z]* cycle ([0-9]+)')
END = 'iommu-fence-boot: end rc='	# boot/init's last line, with the test's status
END_CLEAN = END + '0'
BEGIN = 'iommu-fence-boot: begin'
START_MARK = 'iommu-fence-boot:'
TAP_HEADER = re.compile(r'^K?TAP version ')
EARLY_REPORT = 'a kernel report before the test began'


class BootLogError(Exception):
	"""Bad input to the boot verdict."""


@dataclass
class Selftest:
	"""The VFIO selftests' KTAP lines in the guest log."""
	passed: int = 0
	failed: int = 0
	skipped: int = 0
	failed_names: List[str] = field(default_factory=list)


@dataclass
class BootVerdict:
	result: str
	secs: int
	cycle: int = 0
	first: str = ''			# the first report line
	summary: str = ''		# the detail of the test's "ok 1" line
	selftest: Optional[Selftest] = None
	limit: int = 0			# hang: the timeout
	signal: int = 0			# qemu-crash: the signal that killed QEMU
	rc: int = 0			# error: QEMU's exit status as judged
	error: str = ''			# error: the guest's error line

	def fields(self) -> str:
		"""key=value words of the result, as bin/boot's last line."""
		w = []
		if self.result != 'clean':
			w.append(f'cycle={self.cycle}')
		w.append(f'secs={self.secs}')
		if self.result == 'hang':
			w.append(f'limit={self.limit}')
		if self.result == 'qemu-crash':
			w.append(f'signal={self.signal}')
		if self.result == 'error':
			w.append(f'rc={self.rc}')
		if self.result not in ('hang', 'qemu-crash'):
			if self.selftest:
				s = self.selftest
				w.append(f'pass={s.passed} fail={s.failed} skip={s.skipped}')
				if s.failed_names:
					w.append('failed=' + ','.join(s.failed_names))
			elif self.summary:
				w.append(self.summary)
		if self.first:
			w.append(f'first="{self.first}"')
		if self.error:
			w.append(f'error="{self.error}"')
		return ' '.join(w)

	def to_dict(self) -> Dict:
		return asdict(self)

	@staticmethod
	def from_dict(d: Dict) -> 'BootVerdict':
		try:
			d = dict(d)
			st = d.pop('selftest', None)
			v = BootVerdict(**d, selftest=Selftest(**st) if st else None)
		except TypeError as e:
			raise BootLogError(f'not a boot verdict: {e}') from e
		if v.result not in RESULTS:
			raise BootLogError(f'unknown result "{v.result}"')
		return v


def selftest_counts(ktap) -> Selftest:
	"""The VFIO selftests' counts from the kernel parser's Test of their
	KTAP: its top-level results, each counted by its status.  A case that
	the plan promised but that never printed its line (the parser's
	TEST_CRASHED placeholder) is not counted: a run cut short is judged
	by /init's end marker and QEMU's status, as before the parser."""
	s = Selftest()
	for t in ktap.subtests:
		st = fence_kparse.status(t)
		if st == 'SUCCESS':
			s.passed += 1
		elif st == 'SKIPPED':
			s.skipped += 1
		elif st == 'FAILURE':
			s.failed += 1
			s.failed_names.append(t.name)
	return s


def last_cycle(lines: List[str]) -> int:
	cycle = 0
	for l in lines:
		m = CYCLE.search(l)
		if m:
			cycle = int(m.group(1))
	return cycle


def start(lines: List[str]) -> Optional[int]:
	"""The index of the line where the guest's test begins, or None: /init's
	begin marker; without it the first "iommu-fence-boot:" line or TAP
	header (a boot-time KUnit run's header comes before the marker, so the
	marker wins when there is one)."""
	i = next((i for i, l in enumerate(lines) if BEGIN in l), None)
	if i is None:
		i = next((i for i, l in enumerate(lines)
			  if START_MARK in l or TAP_HEADER.match(l)), None)
	return i


def skipped(result) -> bool:
	"""Whether a parsed KTAP result is a SKIP.  The parser counts a SKIP
	as ok (Test.ok_status()); a verdict must not: a skipped test proves
	nothing."""
	return result is not None and fence_kparse.status(result) == 'SKIPPED'


def judge(log: str, test: str, qemu_rc: int, stopped: bool, limit: int,
	  secs: int) -> BootVerdict:
	"""The verdict of a boot log.  QEMU_RC is the exit status of
	'timeout QEMU' (124/137 timeout, 128+N signal N); STOPPED says that the
	harness stopped the guest after its end marker (its status then
	counts as 0)."""
	if limit <= 0 or secs < 0:
		raise BootLogError('the limit must be positive and the time not negative')
	lines = log.replace('\r', '').split('\n')
	rc = 0 if stopped else qemu_rc
	hit = fence_patterns.first_report(lines)
	first = hit[1] if hit else ''
	cycle = last_cycle(lines[:hit[0] + 1] if hit else lines)
	begin = start(lines)
	early = hit is not None and (begin is None or hit[0] < begin)
	test_lines = lines[begin:] if begin is not None else []
	# The test's KTAP, from its start on (a boot-time KUnit run before it
	# is not the test's), read by the kernel's parser.
	ktap = fence_kparse.parse(test_lines)
	result1 = fence_kparse.first(ktap)
	# fence-boot's results, each of which must pass, as many as its plan
	printed = [t for _, t in fence_kparse.results(ktap) if fence_kparse.line(t)]
	failed = next((t for t in printed[1:] if not t.ok_status()), None)
	missing = len(printed) < (ktap.expected_count or 0)
	selftest = None
	summary = ''
	if test == 'selftest':
		selftest = selftest_counts(ktap)
		if selftest.failed or selftest.passed <= 0:
			rc = 1
	elif result1 is not None:
		# every result's figures: a two-device group cell has two
		# (the cycles, then the isolation check), the vfio cell three
		summary = '; '.join(fence_kparse.detail(t) for t in printed)
	v = BootVerdict(result='error', secs=secs, cycle=cycle, first=first,
			summary=summary, selftest=selftest)
	if early:
		v.rc = rc
		v.error = EARLY_REPORT if begin is not None else \
			'a kernel report and no start of the test'
	elif first:
		v.result = 'report'
	elif rc in (124, 137):
		v.result, v.limit = 'hang', limit
	elif rc > 128:
		v.result, v.signal = 'qemu-crash', rc - 128
	elif rc == 0 and END_CLEAN in lines and test != 'selftest' and skipped(result1):
		v.rc = rc
		v.error = 'the test was skipped: ' + fence_kparse.line(result1)
	elif rc == 0 and END_CLEAN in lines and test != 'selftest' and result1 is not None and \
			(failed or missing):
		v.rc = rc
		v.error = ('not ok: ' + fence_kparse.line(failed) if failed
			   else f'{len(printed)} of {ktap.expected_count} results')
	elif rc == 0 and END_CLEAN in lines and result1 is not None and result1.ok_status():
		# a selftest's first case may be a SKIP: its counts decided above
		v.result = 'clean'
	else:
		v.rc = rc
		v.error = (next((l for l in test_lines if l.startswith('# error:')), '') or
			   ('no selftest case passed' if selftest and not selftest.failed and
			    selftest.passed <= 0 else '') or
			   ('no "ok 1" line' if rc == 0 and END_CLEAN in lines else '') or
			   next((l for l in lines if 'end rc=' in l), '') or
			   'no end marker')
	return v
