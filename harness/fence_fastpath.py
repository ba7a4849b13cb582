# SPDX-License-Identifier: GPL-2.0
"""Compare the machine code of the DMA fast-path functions between two
out-of-tree kernel build dirs of one architecture ('make bench-fastpath').

The functions are the architecture's "fastpath" lines of arches.toml
(fence_arch): "OBJECT NAME...", NAME plain for a global function that must
exist, "?NAME" for one that may be absent, "~NAME" for a static one that
may have been inlined.  Each is disassembled with its relocations
(objdump -d -r -z) from both build dirs, its .cold part too, and so is every
function of the same object it calls or jumps to directly, transitively
(a static helper like __iommu_map holds most of the fast path).  The
listings are normalised so that only address and layout differences vanish:

  - the address column goes; the raw bytes stay, except on an instruction
    whose displacement leads out of the function (layout);
  - a branch target objdump resolved itself becomes <FUNC+0xOFF> relative
    to the function, or <SYM+0xOFF> outside it;
  - a relocation becomes [TYPE TARGET]: its own offset goes, the pc-relative
    bias is folded into the addend, so TARGET is SYM+0xOFF as the code sees
    it.  A target given as section+addend or as an assembler label (.LC0)
    is named by what is there: a string (with the line numbers of a KASAN
    stack frame description blanked), a .rodata.cstN constant, else the
    symbol covering the address, with its bytes if it is a small read-only
    object; "SECTION+?" if nothing is known there;
  - numbered local names (foo.constprop.0, __func__.12, .LC3,
    __UNIQUE_ID_ddebug42) lose the number;
  - the line number passed to __might_sleep(), lockdep_rcu_suspicious() and
    their kin (the immediate loaded into the second argument register
    before the call) becomes LINE.

Output, one line per function: "identical FUNC (OBJ, N insns)", "different
FUNC (OBJ)" and at most 20 lines of unified diff, "missing FUNC (OBJ): ..."
when one side lacks it, "skipped FUNC (OBJ) # SKIP inlined|not present"; a
callee's line ends in "# called from CALLER".  Then "fastpath ARCH: N
identical, N different" (", N missing, N skipped" when non-zero, ": nothing
compared" when no function was); it passes when nothing differs or is
missing and at least one function is identical.  The
listings are kept in OUT/{base,series}/OBJ/FUNC.s when an OUT is given.
"""

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

import fence_arch


class FastpathError(Exception):
	"""Bad arguments, a missing tool or object, an unreadable object."""


# --- the instruction sets -----------------------------------------------------

class Isa:
	bfd = ''
	width = 0

	def pc_bias(self, rtype: str, iaddr: int, ilen: int, roff: int) -> int:
		return 0

	def is_branch(self, text: str) -> bool:
		raise NotImplementedError

	def line_arg(self, text: str) -> Optional[str]:
		"""TEXT with its line-number immediate blanked, if it loads one
		into the second argument register; else None."""
		raise NotImplementedError


class X86(Isa):
	bfd = 'elf64-x86-64'
	width = 30
	PCREL = re.compile(r'^R_X86_64_(PC(8|16|32)|PLT32|GOTPC(REL|RELX)|REX_GOTPCRELX)$')
	BRANCH = re.compile(r'^((bnd|notrack|cs|ds) )?(call|jmp|j[a-z]+|loop[a-z]*) ')
	LINE = re.compile(r'^mov[lq]? \$0x[0-9a-f]+,%(esi|rsi)$')

	def pc_bias(self, rtype, iaddr, ilen, roff):
		# relative to the next instruction
		return iaddr + ilen - roff if self.PCREL.match(rtype) else 0

	def is_branch(self, text):
		return bool(self.BRANCH.match(text))

	def line_arg(self, text):
		if self.LINE.match(text):
			return re.sub(r'\$0x[0-9a-f]+', '$LINE', text, count=1)
		return None


class S390(Isa):
	bfd = 'elf64-s390'
	width = 17
	LINE = re.compile(r'^(lhi|lghi|lgfi|iilf|llill|llilf) %r3,[-0-9x]+$')

	def pc_bias(self, rtype, iaddr, ilen, roff):
		# relative to the instruction itself
		return -(roff - iaddr) if re.search(r'(DBL|^R_390_GOTENT)$', rtype) else 0

	def is_branch(self, text):
		# everything pc-relative but the *rl loads, stores and exrl
		return not text.split(' ', 1)[0].endswith('rl')

	def line_arg(self, text):
		if self.LINE.match(text):
			return re.sub(r',[-0-9x]+$', ',LINE', text, count=1)
		return None


ISAS = {'x86_64': X86, 's390': S390}
LINE_CALLEES = re.compile(r' (__might_sleep|__might_resched|__might_fault|__cant_sleep|'
			  r'__cant_migrate|lockdep_rcu_suspicious|warn_slowpath_fmt)$')


# --- names --------------------------------------------------------------------

def norm(s: str) -> str:
	"""S without the numbers of local names."""
	s = re.sub(r'\.LC?[0-9]+', '.LN', s)
	s = re.sub(r'\.[0-9]+', '.N', s)
	return re.sub(r'(__UNIQUE_ID_[A-Za-z0-9_]*[A-Za-z_])[0-9]+', r'\1N', s)


def offstr(n: int) -> str:
	if n > 0:
		return f'+0x{n:x}'
	if n < 0:
		return f'-0x{-n:x}'
	return ''


def hexval(s: str) -> int:
	s = s.lower()
	neg = s.startswith('-')
	s = s.lstrip('-')
	if s.startswith('0x'):
		s = s[2:]
	m = re.match(r'[0-9a-f]*', s).group(0)
	n = int(m, 16) if m else 0
	return -n if neg else n


# --- one object ---------------------------------------------------------------

@dataclass
class Sym:
	name: str
	value: int
	size: int
	func: bool


@dataclass
class Insn:
	sec: str
	addr: int
	nbytes: str
	length: int
	text: str
	keep: bool = True
	relocs: List[Tuple[int, str, str, int]] = field(default_factory=list)  # off, type, sym, addend


class Object:
	"""The symbols, read-only data and disassembly of one object file, as
	objdump prints them."""

	def __init__(self, isa: Isa, syms: str, dump: str, dis: str):
		self.isa = isa
		self.issec = set()
		self.defsec: Dict[str, str] = {}
		self.defval: Dict[str, int] = {}
		self.secsyms: Dict[str, List[Sym]] = {}
		self.funcs: Dict[str, Tuple[str, int, int]] = {}
		self.byte: Dict[Tuple[str, int], int] = {}
		self.insns: List[Insn] = []
		self.at: Dict[Tuple[str, int], int] = {}
		self._symbols(syms)
		self._data(dump)
		self._disassembly(dis)

	def _symbols(self, text):
		# "VALUE FLAGS SECTION\tSIZE NAME"
		for line in text.split('\n'):
			t = line.split('\t')
			if len(t) != 2 or not re.match(r'^[0-9a-f]+ ', line):
				continue
			v = t[0][:t[0].index(' ')]
			flags = t[0][len(v) + 1:len(v) + 8]
			sec = t[0][len(v) + 9:]
			sz = t[1].split(' ', 1)[0]
			nm = t[1][len(sz) + 1:]
			nm = re.sub(r'^\.(hidden|protected|internal) ', '', nm)
			if flags[5:6] == 'd':
				self.issec.add(nm)
				continue
			if flags[6:7] == 'f' or sec.startswith('*'):
				continue
			s = Sym(nm, hexval(v), hexval(sz), flags[6:7] == 'F')
			self.secsyms.setdefault(sec, []).append(s)
			self.defsec[nm] = sec
			self.defval[nm] = s.value
			if s.func:
				self.funcs[nm] = (sec, s.value, s.value + s.size)

	def _data(self, text):
		dsec = ''
		for line in text.split('\n'):
			if line.startswith('Contents of section '):
				dsec = line[20:].rstrip(':')
				continue
			if not re.match(r'^ [0-9a-f]+ ', line):
				continue
			a = line[1:].split(' ', 1)[0]
			h = line[len(a) + 2:len(a) + 2 + 35].replace(' ', '')
			base = hexval(a)
			for n in range(len(h) // 2):
				self.byte[(dsec, base + n)] = hexval(h[2 * n:2 * n + 2])

	def _disassembly(self, text):
		cur = ''
		last = None
		for line in text.split('\n'):
			if line.startswith('Disassembly of section '):
				cur = line[23:].rstrip(':')
				last = None
				continue
			if re.match(r'^[ ]+[0-9a-f]+:\t', line):
				t = line.split('\t')
				a = hexval(re.sub(r'[ :]', '', t[0]))
				b = t[1].rstrip(' ') if len(t) > 1 else ''
				x = re.sub(r'[ \t]+', ' ', ' '.join(t[2:])).rstrip(' ')
				if x == '':
					# more bytes of the previous instruction
					if last is not None and a == last.addr + last.length:
						last.nbytes += ' ' + b
						last.length += len(b.split())
					continue
				last = Insn(cur, a, b, len(b.split()), x)
				self.at[(cur, a)] = len(self.insns)
				self.insns.append(last)
				continue
			m = re.match(r'^\t+([0-9a-f]+): (R_[^\t]*)\t(.*)$', line)
			if m and last is not None:
				s = m.group(3)
				add = 0
				am = re.search(r'[+-]0x[0-9a-f]+$', s)
				if am:
					add = hexval(am.group(0)[1:])
					if am.group(0)[0] == '-':
						add = -add
					s = s[:am.start()]
				last.relocs.append((hexval(m.group(1)), m.group(2), s, add))

	# what is at an address

	def cstring(self, sec, off, limit) -> bool:
		"""A NUL-terminated text starts at OFF (a KERN_<level> prefix
		counts as text)."""
		for n in range(limit):
			b = self.byte.get((sec, off + n))
			if b is None:
				return False
			if b == 0:
				return n > 0
			if not (32 <= b < 127 or b in (9, 10, 1)):
				return False
		return False

	def quote(self, sec, off) -> str:
		s = ''
		for n in range(4096):
			b = self.byte.get((sec, off + n))
			if b is None:
				return sec + '+?'
			if b == 0:
				break
			if b in (34, 92):
				s += '\\' + chr(b)
			elif b == 10:
				s += '\\n'
			elif b == 9:
				s += '\\t'
			elif 32 <= b < 127:
				s += chr(b)
			else:
				s += f'\\x{b:02x}'
		# A KASAN stack frame description, "N OFF SIZE LEN NAME:LINE...":
		# the line numbers move with any edit above the function.
		if re.fullmatch(r'[0-9]+( [0-9]+ [0-9]+ [0-9]+ [^ :]+(:[0-9]+)?)+', s):
			s = re.sub(r':[0-9]+', ':LINE', s)
		return '"' + s + '"'

	def content(self, sec, off, length) -> str:
		out = ''
		for n in range(length):
			b = self.byte.get((sec, off + n))
			if b is None:
				return ''
			out += f'{b:02x}'
		return out

	def cover(self, sec, off, fonly) -> Optional[Sym]:
		"""The symbol covering OFF in SEC (functions only if FONLY): the
		last one starting at or before OFF, one with a size first, then by
		normalised name."""
		best = None
		bn = ''
		for s in self.secsyms.get(sec, []):
			if fonly and not s.func:
				continue
			if not (s.value == off or s.value < off < s.value + s.size):
				continue
			nm = norm(s.name)
			if (best is None or s.value > best.value or
			    (s.value == best.value and (s.size > 0) > (best.size > 0)) or
			    (s.value == best.value and (s.size > 0) == (best.size > 0) and nm < bn)):
				best, bn = s, nm
		return best

	def secref(self, sec, off) -> str:
		"""Name what is at OFF in section SEC."""
		if sec.startswith('.rodata.str'):
			return self.quote(sec, off)
		m = re.fullmatch(r'\.rodata\.cst([0-9]+)', sec)
		if m:
			c = self.content(sec, off, int(m.group(1)))
			return sec + '+?' if c == '' else sec + '=' + c
		k = self.cover(sec, off, False)
		if k is None:
			if sec.startswith('.rodata') and self.cstring(sec, off, 4096):
				return self.quote(sec, off)
			return norm(sec) + '+?'
		c = ''
		if sec.startswith('.rodata') and 0 < k.size <= 256:
			c = (self.quote(sec, k.value) if self.cstring(sec, k.value, k.size)
			     else self.content(sec, k.value, k.size))
		return norm(k.name) + offstr(off - k.value) + ('' if c == '' else '=' + c)

	def resolve(self, insn: Insn, rel) -> Tuple[str, str, int]:
		"""Where relocation REL of INSN points: (text, section or "" for a
		symbol of another object, offset)."""
		roff, rtype, sym, toff = rel
		toff += self.isa.pc_bias(rtype, insn.addr, insn.length, roff)
		tsec = ''
		if sym in self.issec:
			tsec = sym
		elif sym in self.defsec:
			tsec = self.defsec[sym]
			toff += self.defval[sym]
		# by what is there: a section, a label the assembler kept (.LC0
		# on s390), read-only data
		if tsec and (sym in self.issec or sym.startswith('.L') or tsec.startswith('.rodata')):
			return rtype + ' ' + self.secref(tsec, toff), tsec, toff
		if tsec:
			return rtype + ' ' + norm(sym) + offstr(toff - self.defval[sym]), tsec, toff
		return rtype + ' ' + norm(sym) + offstr(toff), tsec, toff


class Listings:
	"""The normalised listings of the listed functions of one object and of
	their callees."""

	def __init__(self, obj: Object, listed: List[str], follow: bool):
		self.obj = obj
		self.follow = follow
		self.queue: List[str] = []
		self.caller: Dict[str, str] = {}
		self.text: Dict[str, List[str]] = {}
		self.count: Dict[str, int] = {}
		for f in listed:
			if f in obj.funcs and f not in self.caller:
				self.queue.append(f)
				self.caller[f] = '-'
		q = 0
		while q < len(self.queue):
			f = self.queue[q]
			out: List[str] = []
			n = self.listing(f, f, out)
			if f + '.cold' in obj.funcs:
				n += self.listing(f, f + '.cold', out)
			self.text[f] = out
			self.count[f] = n
			q += 1

	def callee(self, fn, sec, off):
		"""Note the function that SEC+OFF is in as a callee of FN."""
		if not self.follow:
			return
		k = self.obj.cover(sec, off, True)
		if k is None:
			return
		g = re.sub(r'\.cold$', '', k.name)
		if g == fn or g in self.caller:
			return
		self.queue.append(g)
		self.caller[g] = fn

	def listing(self, fn: str, pn: str, out: List[str]) -> int:
		obj = self.obj
		sec, s, e = obj.funcs.get(pn, ('', 0, 0))
		if (sec, s) not in obj.at:
			raise FastpathError(f'no instructions of {pn} in the disassembly')
		first = obj.at[(sec, s)]
		part = []
		i = first
		while i < len(obj.insns) and obj.insns[i].sec == sec and obj.insns[i].addr < e:
			part.append(i)
			i += 1
		res: Dict[Tuple[int, int], str] = {}
		for i in part:
			insn = obj.insns[i]
			for j, rel in enumerate(insn.relocs):
				txt, tsec, toff = obj.resolve(insn, rel)
				res[(i, j)] = txt
				if LINE_CALLEES.search(txt):
					self.blank_line_arg(i, first)
				if tsec and obj.isa.is_branch(insn.text):
					self.callee(fn, tsec, toff)
		if pn != fn:
			out.append('# ' + norm(pn))
		for i in part:
			insn = obj.insns[i]
			x = insn.text
			if insn.relocs:
				# objdump's target is the field before relocation
				x = re.sub(r' ?# [0-9a-f]+ <[^>]*>', '', x)
				x = re.sub(r'[0-9a-f]+ <[^>]*>', '', x)
				x = x.rstrip(' ')
				for j in range(len(insn.relocs)):
					x += ' [' + res[(i, j)] + ']'
			else:
				rr = ''
				while True:
					m = re.search(r'[ ,][0-9a-f]+ <[^>]*>', x)
					if not m:
						break
					seg = m.group(0)[1:]
					a = hexval(seg.split(' ', 1)[0])
					nm = seg[seg.index('<') + 1:]
					if nm.endswith('>'):
						nm = nm[:-1]
					if s <= a < e:
						nm = norm(pn) + offstr(a - s)
					else:
						nm = norm(nm)
						insn.keep = False
						if obj.isa.is_branch(insn.text):
							self.callee(fn, sec, a)
					rr += x[:m.start() + 1] + '<' + nm + '>'
					x = x[m.end():]
				x = rr + x
			out.append(f'{insn.nbytes if insn.keep else "..":<{obj.isa.width}} {x}')
		return len(part)

	def blank_line_arg(self, i, first):
		"""The line-number argument of a __might_sleep()-like call at I."""
		obj = self.obj
		k = i - 1
		while k >= first and k >= i - 12:
			t = obj.insns[k].text
			if re.match(r'^(call|bras|basr)', t):
				return
			new = obj.isa.line_arg(t)
			if new is not None:
				obj.insns[k].text = new
				obj.insns[k].keep = False
				return
			k -= 1


# --- the comparison -------------------------------------------------------------

def parse_spec(spec: str) -> List[Tuple[str, List[str]]]:
	"""(object, names) of a table: lines or ";"-separated entries."""
	out: List[Tuple[str, List[str]]] = []
	for entry in re.split(r'[;\n]', spec):
		w = entry.split()
		if not w:
			continue
		for o, names in out:
			if o == w[0]:
				names.extend(w[1:])
				break
		else:
			out.append((w[0], w[1:]))
	return out


def objdump(tool: str, *args: str) -> str:
	p = subprocess.run([tool, *args], capture_output=True, text=True, errors='replace')
	if p.returncode != 0:
		msg = (p.stderr.strip().split('\n') or [''])[-1]
		raise FastpathError(f'{tool} {" ".join(args[:-1])} {args[-1]} failed: {msg}')
	return p.stdout


def read_object(tool: str, isa: Isa, path: str) -> Object:
	syms = objdump(tool, '-t', path)
	secs = []
	for line in objdump(tool, '-h', path).split('\n'):
		w = line.split()
		if len(w) > 1 and w[0].isdigit() and w[1].startswith('.rodata'):
			secs += ['-j', w[1]]
	dump = objdump(tool, '-s', *secs, path) if secs else ''
	dis = objdump(tool, '-d', '-r', '-z', '--insn-width=16', path)
	return Object(isa, syms, dump, dis)


@dataclass
class Tally:
	identical: int = 0
	different: int = 0
	missing: int = 0
	skipped: int = 0

	def passed(self) -> bool:
		"""Nothing differs or is missing, and something was compared: a
		run in which every function was skipped proves nothing."""
		return self.identical > 0 and self.different == 0 and self.missing == 0

	def summary(self, arch: str) -> str:
		extra = ''
		if self.missing:
			extra += f', {self.missing} missing'
		if self.skipped:
			extra += f', {self.skipped} skipped'
		if self.identical + self.different == 0:
			extra += ': nothing compared'
		return f'fastpath {arch}: {self.identical} identical, {self.different} different{extra}'


def diff_lines(b_path: str, s_path: str) -> List[str]:
	"""At most 20 lines of GNU diff -U2 of two listings, indented."""
	p = subprocess.run(['diff', '-U2', b_path, s_path], capture_output=True,
			   text=True, errors='replace')
	d = p.stdout.split('\n')[2:]
	if d and d[-1] == '':
		d.pop()
	if len(d) > 20:
		d = d[:19] + [f'... ({len(d) - 19} more lines)']
	return ['    ' + l for l in d]


def compare_object(obj: str, names: List[str], base: Listings, series: Listings,
		   out: List[str], t: Tally, keep: str) -> None:
	def compare(bn, sn, comment):
		b, s = base.text[bn], series.text[sn]
		if b == s:
			n = sum(1 for l in b if not l.startswith('#'))
			out.append(f'identical {bn} ({obj}, {n} insns){comment}')
			t.identical += 1
			return
		out.append(f'different {bn} ({obj}){comment}')
		out.extend(diff_lines(os.path.join(keep, 'base', obj, bn + '.s'),
				      os.path.join(keep, 'series', obj, sn + '.s')))
		t.different += 1

	for name in names:
		fn = name[1:] if name[:1] in '?~' else name
		inb = base.caller.get(fn) == '-'
		ins = series.caller.get(fn) == '-'
		if inb and ins:
			compare(fn, fn, '')
		elif inb or ins:
			out.append(f'missing {fn} ({obj}): only in {"base" if inb else "series"}')
			t.missing += 1
		elif name.startswith('~'):
			out.append(f'skipped {fn} ({obj}) # SKIP inlined')
			t.skipped += 1
		elif name.startswith('?'):
			out.append(f'skipped {fn} ({obj}) # SKIP not present')
			t.skipped += 1
		else:
			out.append(f'missing {fn} ({obj}): in neither build')
			t.missing += 1
	# The callees: the same name on both sides, else the one of the same
	# normalised name (foo.constprop.0 and foo.constprop.1).
	scallees = [f for f in series.queue if series.caller[f] != '-']
	taken = set()
	for fn in (f for f in base.queue if base.caller[f] != '-'):
		comment = f' # called from {base.caller[fn]}'
		if fn in scallees and fn not in taken:
			taken.add(fn)
			compare(fn, fn, comment)
			continue
		m = [s for s in scallees if s not in taken and norm(s) == norm(fn)]
		if len(m) == 1:
			taken.add(m[0])
			compare(fn, m[0], comment)
		else:
			out.append(f'missing {fn} ({obj}): only in base{comment}')
			t.missing += 1
	for fn in scallees:
		if fn not in taken:
			out.append(f'missing {fn} ({obj}): only in series # called from {series.caller[fn]}')
			t.missing += 1


def keep_dir(out: str) -> None:
	"""Make OUT ready for the listings: replace only what an earlier run
	made."""
	os.makedirs(out, exist_ok=True)
	if not os.path.exists(os.path.join(out, '.fastpath')) and (
			os.path.exists(os.path.join(out, 'base')) or
			os.path.exists(os.path.join(out, 'series'))):
		raise FastpathError(f'{out} has a base/ or series/ that the fast-path comparison '
				    'did not make; choose another FASTPATH_OUT')
	for side in ('base', 'series'):
		shutil.rmtree(os.path.join(out, side), ignore_errors=True)
	open(os.path.join(out, '.fastpath'), 'w').close()


def save(out: str, side: str, obj: str, lst: Listings) -> None:
	d = os.path.join(out, side, obj)
	os.makedirs(d, exist_ok=True)
	for f, lines in lst.text.items():
		with open(os.path.join(d, f + '.s'), 'w') as fh:
			fh.write(''.join(l + '\n' for l in lines))


def run(arch: str, base_dir: str, series_dir: str, spec: Optional[str] = None,
	follow: bool = True, out: Optional[str] = None,
	tool: Optional[str] = None) -> Tuple[List[str], bool]:
	"""The report lines of the comparison and whether it passed."""
	a = fence_arch.get(arch)
	if arch not in ISAS:
		raise FastpathError(f'no fast-path comparison for {arch} (want one of: {" ".join(ISAS)})')
	isa = ISAS[arch]()
	table = parse_spec(spec if spec is not None else '\n'.join(a.fastpath))
	if not table:
		raise FastpathError('no objects to compare')
	tool = tool or a.cross + 'objdump'
	if not shutil.which(tool):
		raise FastpathError(f"missing tool '{tool}' (run 'make deps')")
	dirs = {'base': base_dir, 'series': series_dir}
	for side, d in dirs.items():
		if not os.path.isdir(d):
			raise FastpathError(f"{side} build dir '{d}' does not exist")
	for obj, _ in table:
		for d in dirs.values():
			f = os.path.join(d, obj)
			if not os.path.isfile(f):
				raise FastpathError(f'missing object {f}')
			fmt = subprocess.run([tool, '-f', f], capture_output=True, text=True,
					     errors='replace')
			if fmt.returncode != 0:
				raise FastpathError(f'{tool} cannot read {f}: '
						    f'{fmt.stderr.strip().split(": ")[-1]}')
			if f'file format {isa.bfd}' not in fmt.stdout:
				got = re.search(r'file format (\S+)', fmt.stdout)
				raise FastpathError(f'{f} is not an {arch} object '
						    f'({got.group(1) if got else "unknown format"})')
	scratch = None
	if out is None:
		scratch = tempfile.mkdtemp(prefix='fastpath.')
		out = scratch
	try:
		keep_dir(out)
		lines: List[str] = []
		t = Tally()
		for obj, names in table:
			listed = [n[1:] if n[:1] in '?~' else n for n in names]
			lst = {}
			for side, d in dirs.items():
				lst[side] = Listings(read_object(tool, isa, os.path.join(d, obj)),
						     listed, follow)
				save(out, side, obj, lst[side])
			compare_object(obj, names, lst['base'], lst['series'], lines, t, out)
	finally:
		if scratch:
			shutil.rmtree(scratch, ignore_errors=True)
	lines.append(t.summary(arch))
	return lines, t.passed()
