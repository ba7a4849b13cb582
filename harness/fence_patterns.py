# SPDX-License-Identifier: GPL-2.0
"""The kernel-report patterns: ONE list, used by every verdict that reads a
kernel log (the boot tests, KUnit's clean-log check, the bench logs).

A line that matches any of them is a kernel report: the run that printed it
is not clean.
"""

import re
from typing import Iterable, Optional, Tuple

PATTERNS: Tuple[str, ...] = (
	'WARNING:',			# WARN_ON()/WARN(): __warn()'s header line
	'BUG:',				# BUG: ... (spinlock, scheduling while atomic, KASAN's title, ...)
	'Oops',				# an oops on architectures that say so (x86 "Oops: 0000")
	'Kernel panic',			# panic(), also panic_on_warn's
	'kernel BUG',			# BUG()/BUG_ON(): "kernel BUG at file:line!"
	'general protection fault',	# x86 #GP
	'Unable to handle kernel',	# s390/arm64 page fault on a kernel address
	'possible circular locking',	# lockdep: lock order inversion
	'possible recursive locking',	# lockdep: the same class taken twice
	'inconsistent lock state',	# lockdep: irq-safe/unsafe mix
	'suspicious RCU usage',		# lockdep-RCU: rcu_dereference_check() failed
	'lock held when returning',	# lockdep: a lock held on return to user space
	'held lock freed',		# lockdep: memory freed with a lock in it held
	'bad unlock balance',		# lockdep: unlock of a lock not held
	'list_add corruption',		# CONFIG_DEBUG_LIST on list_add()
	'list_del corruption',		# CONFIG_DEBUG_LIST on list_del()
	'KASAN',			# KASAN: use-after-free, out-of-bounds, ...
	'sleeping function called from invalid context',  # DEBUG_ATOMIC_SLEEP
	'blocked for more than',	# hung task detector
	'unreferenced object',		# kmemleak's leak report
	'self-detected stall',		# RCU stall, on the stalled CPU
	'detected stalls on CPUs',	# RCU stall, seen from another CPU
)

REPORT = re.compile('|'.join(re.escape(p) for p in PATTERNS))


def is_report(line: str) -> bool:
	"""Whether LINE is (the start of) a kernel report."""
	return REPORT.search(line) is not None


def first_report(lines: Iterable[str]) -> Optional[Tuple[int, str]]:
	"""The index and text of the first report line of LINES, or None."""
	for i, line in enumerate(lines):
		if is_report(line):
			return i, line
	return None
