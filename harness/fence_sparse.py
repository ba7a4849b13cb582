# SPDX-License-Identifier: GPL-2.0
"""bin/sparse-gate's verdict: sparse's raw output normalised, the series'
warnings beyond the base's, and the seeded defects' expected message.

A diagnostic is keyed without its line number, as "file<TAB>source line
text<TAB>message": the file relative to the source tree (when it lies in
it), the text of the line it points at with its blanks squeezed (looked up
in the tree), and the message with its continuation lines ("   expected
...", "   got ...") folded in as " | ...".  The normalised lines are sorted
as 'LC_ALL=C sort' sorts them; a key seen more often on the series than on
the base is a new warning.

Everything is bytes, as the awk this replaces read it under LC_ALL=C: a
path or a source line that is not UTF-8 comes out as it went in.
"""

import os
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional, Tuple

# "file:line:col: rest" (a file name without ':' or ' ')
LOCATION = re.compile(rb'^([^: ]+):([0-9]+):([0-9]+): ')
DIAGNOSTIC = re.compile(rb'^(warning|error): ')
BLANKS = re.compile(rb'[ \t]+')


class SparseError(Exception):
	"""A sparse log, a normalised list or a patch that cannot be read."""


def lines_of(data: bytes) -> List[bytes]:
	"""The lines of DATA as awk reads its records (no empty last one)."""
	if not data:
		return []
	lines = data.split(b'\n')
	if lines[-1] == b'':
		lines.pop()
	return lines


def squeeze(text: bytes) -> bytes:
	"""Blanks (space, tab) trimmed at both ends and squeezed to one space."""
	return BLANKS.sub(b' ', text.strip(b' \t'))


@dataclass
class SourceTree:
	"""The text of a source line, per (path, line number), cached; an
	unreadable file or a line beyond its end is the empty text."""
	src: bytes
	cache: Dict[Tuple[bytes, int], bytes] = field(default_factory=dict)
	files: Dict[bytes, Optional[List[bytes]]] = field(default_factory=dict)

	def path(self, f: bytes) -> bytes:
		return f if f.startswith(b'/') else self.src + b'/' + f

	def _lines(self, p: bytes) -> Optional[List[bytes]]:
		if p not in self.files:
			try:
				with open(p, 'rb') as fh:
					self.files[p] = lines_of(fh.read())
			except OSError:
				self.files[p] = None
		return self.files[p]

	def line(self, f: bytes, n: int) -> bytes:
		p = self.path(f)
		if (p, n) not in self.cache:
			lines = self._lines(p)
			text = lines[n - 1] if lines is not None and 1 <= n <= len(lines) else b''
			self.cache[p, n] = squeeze(text)
		return self.cache[p, n]


def relative(f: bytes, src: bytes) -> bytes:
	"""File name F of the log relative to the tree SRC when it lies in it,
	without a leading "./"."""
	prefix = src + b'/'
	if f.startswith(prefix):
		f = f[len(prefix):]
	if f.startswith(b'./'):
		f = f[2:]
	return f


def normalise(raw: Iterable[bytes], tree: SourceTree) -> List[bytes]:
	"""The sorted keys "file<TAB>source line<TAB>message" of the raw sparse
	log lines RAW (without their newlines).

	A "warning: " or "error: " line starts a diagnostic; any other located
	line continues the open one (or, with none open, starts one); a line
	without a location ("...: note: in included file", a blank line)
	closes it."""
	out = []
	key: Optional[bytes] = None
	msg = b''
	for l in raw:
		m = LOCATION.match(l)
		if not m:
			if key is not None:
				out.append(key + b'\t' + msg)
			key = None
			continue
		rest = l[m.end():]
		if DIAGNOSTIC.match(rest) or key is None:
			if key is not None:
				out.append(key + b'\t' + msg)
			f = relative(m.group(1), tree.src)
			key = f + b'\t' + tree.line(f, int(m.group(2)))
			msg = rest
		else:
			msg += b' | ' + rest.lstrip(b' \t')
	if key is not None:
		out.append(key + b'\t' + msg)
	return sorted(out)


def new(base: Iterable[bytes], series: Iterable[bytes]) -> List[bytes]:
	"""The lines of SERIES beyond those of BASE (multiset difference), in
	the order of SERIES."""
	left = Counter(base)
	out = []
	for l in series:
		if left[l] > 0:
			left[l] -= 1
		else:
			out.append(l)
	return out


def pretty(line: bytes) -> bytes:
	"""A normalised line as the gate shows it: "    FILE: [SOURCE] MESSAGE"
	(a tab in the message ends it, as in 'awk -F\\t')."""
	f = (line.split(b'\t') + [b'', b''])[:3]
	return b'    ' + f[0] + b': [' + f[1] + b'] ' + f[2]


def caught(new_lines: Iterable[bytes], expect: bytes) -> bool:
	"""A seeded defect is caught when its expected message (its patch's
	"Expect:" line) is part of one of the new lines (as 'grep -F')."""
	if not expect:
		raise SparseError('an empty expected message catches everything')
	return any(expect in l for l in new_lines)


def read(path: str) -> List[bytes]:
	try:
		with open(path, 'rb') as f:
			return lines_of(f.read())
	except OSError as e:
		raise SparseError(f'{path}: {e.strerror}') from None


def normalise_file(raw: str, src: str) -> List[bytes]:
	"""The normalised lines of the raw sparse log RAW of the tree SRC."""
	return normalise(read(raw), SourceTree(os.fsencode(src)))
