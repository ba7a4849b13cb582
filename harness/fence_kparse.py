# SPDX-License-Identifier: GPL-2.0
"""KTAP read by the kernel's own parser: tools/testing/kunit/kunit_parser.py
of the series tree, imported from it at run time (never copied here).

The tree is $FENCE_TREE, which bin/lib.sh exports (build/linux, made by
'make tree'); without it, or without the parser in it, load() fails with
one line.  The module is loaded on first use only, so that the subcommands
that read no KTAP (fence.py arch in 'make deps', before there is a tree)
do not need it.

What the verdicts need beyond what 6.1's parser gives is added here, each
with its reason:

  - the raw result line of each test (the detail after "#": a boot test's
    key=value summary, a skip's reason, a failure's message), which the
    parser reads and drops: load() wraps its parse_test_result() to keep
    the line on the Test as .ktap_line;
  - a result line without a description, "ok 8 # SKIP why", as the
    kselftest harness of 6.1 prints a skipped case: KTAP allows it, but the
    parser's TEST_RESULT wants text between the number and the "#" and
    otherwise eats the line as a diagnostic, so that the plan's later cases
    go missing; parse() names such a line "unnamed N" first;
  - the parser prints as it goes (kunit.py's progress lines): load() sends
    that output nowhere.
"""

import importlib
import io
import os
import re
import sys
from typing import Iterable, Iterator, List, Optional, Tuple

TREE_ENV = 'FENCE_TREE'
KUNIT_DIR = 'tools/testing/kunit'
NAMELESS = re.compile(r'^(\s*(?:not )?ok [0-9]+) (# .*)$')
LINE_ATTR = 'ktap_line'

_parser = None


class KparseError(Exception):
	"""The kernel's parser cannot be loaded."""


def kunit_dir(env=None) -> str:
	"""The directory of the kernel's kunit_parser.py: $FENCE_TREE's
	tools/testing/kunit."""
	env = os.environ if env is None else env
	tree = env.get(TREE_ENV)
	if not tree:
		raise KparseError(f'{TREE_ENV} is not set (bin/lib.sh sets it to build/linux: '
				  "run through make or a bin/ tool)")
	return os.path.join(tree, KUNIT_DIR)


def load(env=None):
	"""The kernel's kunit_parser module, silenced and with the result line
	kept on each Test (see the module's docstring)."""
	global _parser
	if _parser is not None:
		return _parser
	d = kunit_dir(env)
	if not os.path.isfile(os.path.join(d, 'kunit_parser.py')):
		raise KparseError(f"no kunit_parser.py in {d}: run 'make tree'")
	sys.path.insert(0, d)
	sys.dont_write_bytecode = True	# no __pycache__ in the tree, as in the clone
	try:
		parser = importlib.import_module('kunit_parser')
		printer = importlib.import_module('kunit_printer')
	except ImportError as e:
		raise KparseError(f'cannot import the kernel parser from {d}: {e}') from e
	finally:
		sys.path.remove(d)
	parser.stdout = printer.Printer(io.StringIO())
	kernel_parse_result = parser.parse_test_result

	def parse_test_result(lines, test, expected_num):
		line = lines.peek() if lines else ''
		found = kernel_parse_result(lines, test, expected_num)
		if found:
			setattr(test, LINE_ATTR, line)
		return found

	parser.parse_test_result = parse_test_result
	_parser = parser
	return parser


def named(lines: Iterable[str]) -> Iterator[str]:
	"""LINES with a description given to each result line that has none
	("ok 8 # SKIP why" -> "ok 8 unnamed 8 # SKIP why")."""
	for l in lines:
		m = NAMELESS.match(l)
		if m:
			n = m.group(1).split()[-1]
			l = f'{m.group(1)} unnamed {n} {m.group(2)}'
		yield l


def parse(lines: Iterable[str]):
	"""The kernel parser's Test of the first KTAP document in LINES (lines
	before its "KTAP version"/"TAP version" header are skipped, a prefix
	before the header is stripped from every line, as for a kernel log)."""
	return load().parse_run_tests(named(l.rstrip('\n') for l in lines))


def line(test) -> str:
	"""The raw result line of TEST, '' if it had none (a case the plan
	promised that never printed its line, or the top level)."""
	return getattr(test, LINE_ATTR, '')


def detail(test) -> str:
	"""The text after the "# " of TEST's result line ("SKIP why" for a
	skip), '' without one; the kernel's TEST_RESULT says where it starts."""
	m = load().TEST_RESULT.match(line(test))
	return m.group(5)[3:].strip() if m and m.group(5) else ''


def status(test) -> str:
	"""The name of TEST's status: SUCCESS, FAILURE, SKIPPED, TEST_CRASHED,
	NO_TESTS or FAILURE_TO_PARSE_TESTS (the parser's TestStatus)."""
	return test.status.name


def results(test, prefix: str = '') -> List[Tuple[str, object]]:
	"""Every test below TEST in document order (subtests before their
	parent's line), each as (name, Test); a subtest's name is prefixed
	with its parents' names and a '.'."""
	out = []
	for t in test.subtests:
		name = prefix + t.name
		out += results(t, name + '.')
		out.append((name, t))
	return out


def first(test) -> Optional[object]:
	"""TEST's first subtest if it printed a result line, else None."""
	if test.subtests and line(test.subtests[0]):
		return test.subtests[0]
	return None
