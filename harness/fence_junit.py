# SPDX-License-Identifier: GPL-2.0
"""The JUnit XML of 'make check' (build/check/junit.xml), for CI dashboards.

One <testsuite> per layer, in the order of bin/check's results file, with
the layer's time ("time: Ns" in the detail of its result line); one
<testcase> per KTAP result line of the layer's own log (LOGDIR/LAYER.log,
as bin/check tees it), read by the kernel's parser (fence_kparse): a "not
ok" is a <failure> with the line's detail, a SKIP a <skipped> with its
reason, a case the plan promised but that never printed its line an
<error>.  A nested result is named "PARENT.NAME".  A layer that failed
while no case of its log did (it could not run, or died after its KTAP)
gets one more case, named after the layer, with its result line's detail
as the failure: the dashboard must show every failed layer.

The XML is written with Debian's python3-junitparser ('make deps'), which
only Debian's /usr/bin/python3 sees ($PYTHON of bin/lib.sh).
"""

import os
import re
from dataclasses import dataclass
from typing import Iterable, List, Optional

import fence_kparse
import fence_ktap

# bin/check's detail of a layer's result line: "time: Ns[, see LOG]".
TIME = re.compile(r'\btime: ([0-9]+)s\b')
ERROR = 'error'
MISSING = 'no result line: the plan promised more cases'


class JunitError(Exception):
	"""The XML cannot be written."""


@dataclass
class Case:
	"""One test case of a layer: a status of fence_ktap (ok, not ok, skip)
	or ERROR, and the message of a failure, skip or error."""
	name: str
	status: str
	message: str = ''


def junitparser():
	"""Debian's junitparser module, or one clear error."""
	try:
		import junitparser as jp  # pylint: disable=import-outside-toplevel
	except ImportError as e:
		raise JunitError('junit needs python3-junitparser under /usr/bin/python3 '
				 f"('make deps'; $PYTHON of bin/lib.sh): {e}") from e
	return jp


def layer_secs(detail: str) -> Optional[int]:
	"""The seconds of a layer from its result line's detail, or None."""
	m = TIME.search(detail)
	return int(m.group(1)) if m else None


def _case(name: str, test) -> Case:
	"""The Case of one parsed KTAP test."""
	st = fence_kparse.status(test)
	detail = fence_kparse.detail(test)
	if not fence_kparse.line(test):
		return Case(name or MISSING, ERROR, MISSING)
	if st == 'SUCCESS':
		return Case(name, fence_ktap.OK, detail)
	if st == 'SKIPPED':
		return Case(name, fence_ktap.SKIP, re.sub(r'^SKIP\s*', '', detail))
	if st == 'FAILURE':
		return Case(name, fence_ktap.NOT_OK, detail)
	return Case(name, ERROR, f'{st.lower()}: {detail}'.rstrip(': '))


def cases(layer: fence_ktap.Result, log: Iterable[str]) -> List[Case]:
	"""The cases of LAYER (its line of bin/check's results) from the lines
	of its log."""
	out = [_case(name, t) for name, t in fence_kparse.results(fence_kparse.parse(log))]
	if layer.status == fence_ktap.NOT_OK and \
	   not any(c.status in (fence_ktap.NOT_OK, ERROR) for c in out):
		out.append(Case(layer.name, fence_ktap.NOT_OK, layer.detail))
	return out


def suite(layer: fence_ktap.Result, log: Iterable[str]):
	"""The <testsuite> of LAYER with the cases of its log."""
	jp = junitparser()
	s = jp.TestSuite(layer.name)
	kinds = {fence_ktap.NOT_OK: jp.Failure, fence_ktap.SKIP: jp.Skipped, ERROR: jp.Error}
	for c in cases(layer, log):
		tc = jp.TestCase(c.name, layer.name)
		if c.status in kinds:
			tc.result = [kinds[c.status](c.message)]
		s.add_testcase(tc)
	s.update_statistics()
	secs = layer_secs(layer.detail)
	if secs is not None:
		s.time = float(secs)	# after update_statistics(), which sums the cases'
	return s


def _read_log(path: str) -> List[str]:
	"""The lines of a layer's log; none if it is missing (its layer did
	not run: its result line says why)."""
	if not os.path.exists(path):
		return []
	with open(path, encoding='utf-8', errors='replace') as f:
		return f.read().replace('\r', '').split('\n')


def document(layers: List[fence_ktap.Result], logdir: str):
	"""The JUnitXml of LAYERS, the logs in LOGDIR, with the totals."""
	jp = junitparser()
	x = jp.JUnitXml('make check')
	totals = dict(tests=0, failures=0, errors=0, skipped=0, time=0.0)
	for layer in layers:
		s = suite(layer, _read_log(os.path.join(logdir, layer.name + '.log')))
		x.add_testsuite(s)
		for k in totals:
			totals[k] += getattr(s, k) or 0
	for k, v in totals.items():
		setattr(x, k, v)
	return x


def write(results: List[fence_ktap.Result], logdir: str, out: str) -> None:
	"""Write the XML of RESULTS (bin/check's results file) to OUT,
	atomically."""
	if not results:
		raise JunitError('no layer in the results file')
	x = document(results, logdir)
	tmp = out + '.tmp'
	x.write(tmp, pretty=True)
	os.replace(tmp, out)
