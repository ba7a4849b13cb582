# SPDX-License-Identifier: GPL-2.0
"""The architecture table (arches.toml): load, check, and print for bash.

Each architecture's facts are written once, in arches.toml; this module is
the only reader.  bin/* get them as shell assignments from
'fence.py arch NAME'.
"""

import os
import shlex
import re
import tomllib
from dataclasses import dataclass, field, replace
from typing import Dict, List, Optional

TABLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'arches.toml')


class ArchError(Exception):
	"""The table is malformed, or names an architecture it does not have."""


@dataclass(frozen=True)
class Boot:
	qemu: str
	machine: str
	image: str
	console: str
	append: str
	iommu: List[str]
	devices: List[str]
	busybox: str
	dev: str
	other: str
	multi: str
	alias: str
	plug: str
	stable: List[str]
	walk: str


@dataclass(frozen=True)
class Arch:
	name: str
	cross: str
	debian: str
	defconfig: str
	iommu_kconfig: List[str]
	objects: List[str]
	fastpath: List[str]
	boot: Optional[Boot] = field(default=None)
	# The other machines that boot this architecture's kernel, by
	# variant name: the boot table with a sub-table's keys in place of
	# its own (arches.toml, [ARCH.boot.VARIANT]); the machine is
	# "ARCH-VARIANT".
	variants: Dict[str, Boot] = field(default_factory=dict)
	# The machine get() was asked for: the name, or ARCH-VARIANT.
	machine: str = ''


_STR = str
_LIST = list
_FIELDS = {'cross': _STR, 'debian': _STR, 'defconfig': _STR,
	   'iommu_kconfig': _LIST, 'objects': _LIST, 'fastpath': _LIST}
_BOOT_FIELDS = {'qemu': _STR, 'machine': _STR, 'image': _STR,
		'console': _STR, 'append': _STR, 'iommu': _LIST,
		'devices': _LIST,
		'busybox': _STR, 'dev': _STR, 'other': _STR, 'multi': _STR,
		'alias': _STR,
		'plug': _STR, 'stable': _LIST, 'walk': _STR}
# The boot tests of bin/boot; "stable" names some of them.
BOOT_TESTS = ('vfio', 'multi', 'alias', 'stress', 'selftest')
# How series-check's per-patch walk builds an architecture's kernel
# (bin/kernel.sh, kernel_verdict): at every patch, or only at the patches
# that change what it compiles and no "every" architecture compiles.
WALKS = ('every', 'own')


def _check(where: str, table: dict, fields: dict, optional=()) -> None:
	for key, typ in fields.items():
		if key not in table:
			raise ArchError(f'{where}: missing "{key}"')
		if not isinstance(table[key], typ):
			raise ArchError(f'{where}.{key}: want a {typ.__name__}')
		if typ is _LIST and not all(isinstance(v, str) for v in table[key]):
			raise ArchError(f'{where}.{key}: want a list of strings')
	unknown = set(table) - set(fields) - set(optional)
	if unknown:
		raise ArchError(f'{where}: unknown key(s) {", ".join(sorted(unknown))}')


def _boot(where: str, b: dict) -> Boot:
	_check(where, b, _BOOT_FIELDS)
	if b['busybox'] not in ('host', 'deb'):
		raise ArchError(f'{where}.busybox: "host" or "deb"')
	if not (b['plug'] == 'remove' or b['plug'].startswith('slot:')):
		raise ArchError(f'{where}.plug: "remove" or "slot:NAME"')
	if b['walk'] not in WALKS:
		raise ArchError(f'{where}.walk: "every" or "own"')
	for test in b['stable']:
		if test not in BOOT_TESTS or (test in ('multi', 'alias') and not b[test]):
			raise ArchError(f'{where}.stable: "{test}" is no boot test here '
					f'(want some of: {", ".join(BOOT_TESTS)})')
	return Boot(**b)


# A variant changes the machine, not the kernel: it cannot have a walk of
# its own (the walk is the kernel's), nor variants of its own.
_VARIANT = re.compile(r'[a-z][a-z0-9]*')


def parse(text: str) -> Dict[str, Arch]:
	"""Architectures by name from the text of an arches.toml."""
	try:
		data = tomllib.loads(text)
	except tomllib.TOMLDecodeError as e:
		raise ArchError(f'arches.toml: {e}') from e
	arches = {}
	for name, t in data.items():
		if not isinstance(t, dict):
			raise ArchError(f'{name}: want a table')
		_check(name, t, _FIELDS, optional=('boot',))
		boot = None
		variants = {}
		if 'boot' in t:
			b = {k: v for k, v in t['boot'].items() if not isinstance(v, dict)}
			boot = _boot(f'{name}.boot', b)
			for var, v in t['boot'].items():
				if not isinstance(v, dict):
					continue
				where = f'{name}.boot.{var}'
				if not _VARIANT.fullmatch(var):
					raise ArchError(f'{where}: a variant is named [a-z][a-z0-9]*')
				if 'walk' in v:
					raise ArchError(f'{where}.walk: the walk is the kernel\'s, not a machine\'s')
				variants[var] = _boot(where, {**b, **v})
		for o in t['objects']:
			if ':' not in o:
				raise ArchError(f'{name}.objects: "{o}" is not SYMBOL:object')
		arches[name] = Arch(name=name, boot=boot, variants=variants, machine=name,
				    **{k: t[k] for k in _FIELDS})
	return arches


def load(path: str = TABLE) -> Dict[str, Arch]:
	with open(path, encoding='utf-8') as f:
		return parse(f.read())


def machines(arches: Dict[str, Arch]) -> List[str]:
	"""The machines that boot here: each architecture that boots, then
	its variants as ARCH-VARIANT."""
	return [m for n, a in arches.items() if a.boot
		for m in [n] + [f'{n}-{v}' for v in a.variants]]


def get(name: str, arches: Optional[Dict[str, Arch]] = None) -> Arch:
	"""An architecture by name, or a machine ARCH-VARIANT: the
	architecture with the variant's boot facts."""
	arches = load() if arches is None else arches
	if name in arches:
		return arches[name]
	arch, _, var = name.partition('-')
	if arch in arches and var in arches[arch].variants:
		return replace(arches[arch], boot=arches[arch].variants[var], machine=name)
	names = list(arches) + [m for m in machines(arches) if m not in arches]
	raise ArchError(f'unknown architecture "{name}" (want one of: {" ".join(names)})')


def _array(values: List[str]) -> str:
	return '(' + ' '.join(shlex.quote(v) for v in values) + ')'


def shell(arch: Arch) -> str:
	"""bash assignments of ARCH's facts, for eval (arrays as arrays)."""
	out = {
		'KARCH': shlex.quote(arch.name),
		'CROSS': shlex.quote(arch.cross),
		'DEBIAN_ARCH': shlex.quote(arch.debian),
		'DEFCONFIG': shlex.quote(arch.defconfig),
		'IOMMU_KCONFIG': _array(arch.iommu_kconfig),
		'OBJECTS': _array(arch.objects),
		'FASTPATH': _array(arch.fastpath),
		'BOOTS': '1' if arch.boot else '0',
	}
	if arch.boot:
		b = arch.boot
		out.update({
			'QEMU': shlex.quote(b.qemu),
			'MACHINE': shlex.quote(b.machine),
			'IMAGE': shlex.quote(b.image),
			'CONSOLE': shlex.quote(b.console),
			'APPEND': shlex.quote(b.append),
			'QEMU_IOMMU': _array(b.iommu),
			'QEMU_DEVICES': _array(b.devices),
			'BUSYBOX': shlex.quote(b.busybox),
			'DEV': shlex.quote(b.dev),
			'OTHER': shlex.quote(b.other),
			'MULTI': shlex.quote(b.multi),
			'ALIAS': shlex.quote(b.alias),
			'PLUG': shlex.quote(b.plug),
			'STABLE': _array(b.stable),
			'WALK': shlex.quote(b.walk),
		})
	return ''.join(f'{k}={v}\n' for k, v in out.items())
