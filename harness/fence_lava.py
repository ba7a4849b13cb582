# SPDX-License-Identifier: GPL-2.0
"""The boot cells as LAVA jobs, and LAVA's logs back to the boot verdict.

A cell is what bin/boot boots: its 'boot ... --prepare' lines give the
kernel, the initramfs, the kernel command line, the time limit and the
QEMU arguments (machine, CPUs, memory, the architecture's IOMMU and
devices of harness/arches.toml).  job() turns them into a job for LAVA's
"qemu" device type:

  context   arch (LAVA's name: the suffix of the table's QEMU binary),
            no_kvm (TCG, as here), memory, and every other QEMU argument
            as extra_options, which LAVA's qemu device type appends;
  deploy    to tmpfs: the kernel with its command line, the initramfs;
  boot      method qemu, up to the kernel starting /init;
  test      a monitor from the guest's "iommu-fence-boot: begin" to the
            line after its "end rc=" marker that turns each KTAP result
            line into a LAVA result (ok: pass, not ok: fail).

LAVA's own pass/fail is not the verdict.  The console lines of the job's
log (console()) go to fence_bootlog.judge() as bin/boot's do, and the
polarity (series clean, base must report) is fence_polarity's.

A local run (bin/lava) renders LAVA's device-type template qemu.jinja2
(from Debian's lava-server package, unpacked by 'make deps') with the
job's context: device(), what a lab's server does with its own device
dictionary.
"""

import hashlib
import json
import os
import re
import sys
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

import fence_arch
import fence_bootlog
import fence_polarity

# The kernel's line just before /init: the boot action ends there, so the
# test action's monitor sees the begin marker.
PROMPT = 'Run /init as init process'
# The monitor stops at the line boot/init prints after the end marker:
# LAVA logs the console line by line, and a monitor that stopped at the
# end marker itself could leave that line, with the test's exit status,
# out of the log (seen on x86_64).  Or at a panic: a report on a base
# cell panics the guest (panic_on_warn) and QEMU exits (-no-reboot); a
# monitor still waiting then fails the job as an infrastructure error,
# which a lab retries and counts against its device.  LAVA reads the
# string as a regular expression.
MONITOR_END = 'iommu-fence-boot: power off|Kernel panic - not syncing'
# A KTAP result line of the guest (fence-boot's "ok 1 NAME # ...", the
# selftests' "ok N NAME"), as a LAVA monitor pattern: LAVA wants the
# groups "result" and "test_case_id", the latter in its name alphabet.
# The character after the name is part of the pattern: LAVA matches the
# console as it arrives, and without it a name cut by a read ends the
# match ("mul" for multi_device_unplug_race, seen on x86_64).
PATTERN = r'(?P<result>ok|not ok) [0-9]+ (?P<test_case_id>[-_a-zA-Z0-9.]+)[ \r\n]'
FIXUP = {'ok': 'pass', 'not ok': 'fail'}
# QEMU arguments that LAVA's qemu device type writes itself (from
# "memory" and unconditionally), so they are not repeated in extra_options.
TEMPLATE_OWNS = ('-nographic', '-m')
# For these architectures the template writes "-cpu" and "-machine" too,
# from the context's "cpu" and "machine" (default cortex-a57 and virt): a
# cell's own go there, not into extra_options, or QEMU would get two.
TEMPLATE_CPU = ('aarch64', 'arm64', 'arm')
TEMPLATE_VARS = {'-cpu': 'cpu', '-M': 'machine', '-machine': 'machine'}
# Beyond the cell's own limit: downloads, the boot to /init, power-off,
# and LAVA's own finalize after the test.
MARGIN_S = 180
BOOT_S = 300
# The keys of bin/boot --prepare: the cell's name, then what it boots.
CELL_KEYS = ('arch', 'tree', 'test', 'kernel', 'initrd', 'append', 'limit')


class LavaError(Exception):
	"""Bad input: a malformed cell or LAVA log, an unknown architecture."""


@dataclass(frozen=True)
class Cell:
	"""One boot cell as bin/boot --prepare prints it."""
	arch: str
	tree: str
	test: str
	kernel: str
	initrd: str
	append: str
	limit: int
	qemu: List[str]


def read_cell(text: str) -> Cell:
	"""The Cell of bin/boot --prepare's "KEY<TAB>VALUE" lines."""
	one: Dict[str, str] = {}
	qemu: List[str] = []
	for n, line in enumerate(text.splitlines(), 1):
		if not line:
			continue
		key, tab, value = line.partition('\t')
		if not tab:
			raise LavaError(f'cell line {n}: no tab in "{line}"')
		if key == 'qemu':
			qemu.append(value)
		elif key in CELL_KEYS:
			if key in one:
				raise LavaError(f'cell line {n}: "{key}" twice')
			one[key] = value
		else:
			raise LavaError(f'cell line {n}: unknown key "{key}"')
	missing = [k for k in CELL_KEYS if k not in one]
	if missing:
		raise LavaError(f'cell: missing {", ".join(missing)}')
	if one['tree'] not in fence_polarity.TREES:
		raise LavaError(f'cell: tree "{one["tree"]}" is not one of {", ".join(fence_polarity.TREES)}')
	if not one['limit'].isdigit() or int(one['limit']) <= 0:
		raise LavaError(f'cell: limit "{one["limit"]}" is not a positive number')
	if '"' in one['append']:
		raise LavaError('cell: a double quote in the kernel command line')
	return Cell(one['arch'], one['tree'], one['test'], one['kernel'], one['initrd'],
		    one['append'], int(one['limit']), qemu)


def lava_arch(arch: fence_arch.Arch) -> str:
	"""LAVA's name of ARCH: its qemu device type runs qemu-system-NAME."""
	if not arch.boot:
		raise LavaError(f'architecture "{arch.name}" does not boot here (harness/arches.toml)')
	prefix = 'qemu-system-'
	if not arch.boot.qemu.startswith(prefix):
		raise LavaError(f'{arch.name}.boot.qemu: "{arch.boot.qemu}" is not {prefix}NAME')
	return arch.boot.qemu[len(prefix):]


def context(arch: fence_arch.Arch, cell: Cell) -> Dict:
	"""The job context of CELL for LAVA's qemu device type."""
	memory = None
	extra: List[str] = []
	name = lava_arch(arch)
	ctx: Dict = {}
	args = list(cell.qemu)
	while args:
		a = args.pop(0)
		# An option's value is the next argument unless that is an option.
		value = args.pop(0) if args and not args[0].startswith('-') else None
		if name in TEMPLATE_CPU and a in TEMPLATE_VARS:
			if value is None:
				raise LavaError(f'cell: "{a}" wants a value')
			ctx[TEMPLATE_VARS[a]] = value
		elif a == '-m':
			if value is None or not value.isdigit():
				raise LavaError(f'cell: "-m" wants a size in MiB, not "{value}"')
			memory = int(value)
		elif a in TEMPLATE_OWNS:
			if value is not None:
				raise LavaError(f'cell: "{a}" takes no value')
		elif not a.startswith('-'):
			raise LavaError(f'cell: QEMU argument "{a}" follows no option')
		else:
			extra.append(a if value is None else f'{a} {value}')
	if memory is None:
		raise LavaError('cell: no "-m" among the QEMU arguments')
	return {'arch': name, 'no_kvm': True, 'memory': memory,
		'extra_options': extra, **ctx}


def _image(path: str, url_base: Optional[str]) -> Dict:
	"""The url of an image and its sha256sum, which LAVA checks after the
	download: a lab that serves several builds under one URL cannot boot
	a kernel with another build's initramfs."""
	try:
		with open(path, 'rb') as f:
			digest = hashlib.sha256(f.read()).hexdigest()
	except OSError as e:
		raise LavaError(f'cannot read the image {path}: {e.strerror}') from e
	if url_base:
		url = url_base.rstrip('/') + '/' + os.path.basename(path)
	else:
		url = 'file://' + os.path.abspath(path)
	return {'url': url, 'sha256sum': digest}


def job(name: str, arch: fence_arch.Arch, cell: Cell,
	url_base: Optional[str] = None) -> Dict:
	"""The LAVA job definition of CELL.  Images are file:// URLs of this
	machine's build, or URL_BASE/<file name> for a lab that serves them."""
	if arch.machine != cell.arch:
		raise LavaError(f'the cell is of {cell.arch}, not {arch.machine}')
	return {
		'device_type': 'qemu',
		'job_name': f'iommu-fence {name}',
		'timeouts': {
			'job': {'seconds': cell.limit + BOOT_S + 3 * MARGIN_S},
			'action': {'seconds': cell.limit + MARGIN_S},
			'connection': {'seconds': cell.limit + MARGIN_S},
		},
		'priority': 'medium',
		'visibility': 'public',
		'context': context(arch, cell),
		'actions': [
			{'deploy': {
				'to': 'tmpfs',
				'timeout': {'seconds': MARGIN_S},
				'images': {
					'kernel': {
						'image_arg': f'-kernel {{kernel}} -append "{cell.append}"',
						**_image(cell.kernel, url_base),
					},
					'ramdisk': {
						'image_arg': '-initrd {ramdisk}',
						**_image(cell.initrd, url_base),
					},
				},
			}},
			{'boot': {
				'method': 'qemu',
				'media': 'tmpfs',
				'timeout': {'seconds': BOOT_S},
				'prompts': [PROMPT],
			}},
			{'test': {
				'timeout': {'seconds': cell.limit},
				'monitors': [{
					'name': 'iommu-fence-boot',
					'start': fence_bootlog.BEGIN,
					'end': MONITOR_END,
					'pattern': PATTERN,
					'fixupdict': dict(FIXUP),
				}],
			}},
		],
	}


def schema_check(definition: Dict, lava_root: str) -> None:
	"""LAVA's own schema check of a job definition, the one a server runs
	on 'lavacli jobs submit' (lava_common.schemas.validate, from
	LAVA_ROOT's lava_common: 'make deps' unpacks it)."""
	d = os.path.join(lava_root, 'usr', 'lib', 'python3', 'dist-packages')
	if not os.path.isdir(os.path.join(d, 'lava_common')):
		raise LavaError(f"no lava_common in {d}: run 'make deps'")
	sys.path.insert(0, d)
	try:
		from lava_common.schemas import validate
		import voluptuous
	finally:
		sys.path.remove(d)
	try:
		validate(definition, strict=True)
	except voluptuous.Invalid as e:
		raise LavaError(f'LAVA schema: {e}') from e


def device(ctx: Dict, template_dir: str) -> str:
	"""The device configuration that LAVA's qemu device-type template
	(TEMPLATE_DIR/qemu.jinja2, Debian's lava-server) renders for CTX."""
	import jinja2	# Debian's python3-jinja2; only this function needs it
	if not os.path.isfile(os.path.join(template_dir, 'qemu.jinja2')):
		raise LavaError(f"no qemu.jinja2 in {template_dir}: run 'make deps'")
	env = jinja2.Environment(loader=jinja2.FileSystemLoader(template_dir))
	return env.get_template('qemu.jinja2').render(**ctx)


def _entries(log: str):
	"""The entries {"dt", "lvl", "msg"} of a LAVA job log: lava-run's
	output or a server's raw log (lavacli jobs logs --raw: the same lines
	as a YAML list, "- " before each).  LAVA writes each entry as one YAML
	flow mapping with double-quoted scalars (lava_common.log), which is
	JSON only while the line holds printable ASCII: a console line with
	an escape character or a non-ASCII letter uses YAML's escapes.  So
	each line is read as YAML (Debian's python3-yaml, LAVA's own); a line
	that is not a mapping (a traceback) is skipped."""
	import yaml	# only the LAVA commands need it
	loader = getattr(yaml, 'CSafeLoader', yaml.SafeLoader)
	for line in log.splitlines():
		s = line[2:] if line.startswith('- ') else line
		if not s.startswith('{'):
			continue
		try:
			d = yaml.load(s, Loader=loader)
		except yaml.YAMLError:
			continue
		if isinstance(d, dict) and 'lvl' in d:
			yield d


def console(log: str) -> List[str]:
	"""The guest's console lines of a LAVA job log (level "target")."""
	out = []
	for d in _entries(log):
		if d['lvl'] == 'target':
			msg = d.get('msg', '')
			out.append(msg if isinstance(msg, str) else json.dumps(msg))
	return out


TIMED_OUT = re.compile(r'timed out after [0-9]+ seconds')


def outcome(log: str) -> Tuple[bool, bool]:
	"""(ended, timed_out) of a LAVA job log: the guest printed its end
	marker; LAVA stopped an action at its timeout."""
	ended = any(l.startswith(fence_bootlog.END) for l in console(log))
	timed_out = False
	for d in _entries(log):
		msg = d.get('msg')
		text = json.dumps(msg) if not isinstance(msg, str) else msg
		if d['lvl'] in ('error', 'exception', 'results') and TIMED_OUT.search(text):
			timed_out = True
	return ended, timed_out


def judge(log: str, test: str, limit: int, secs: int) -> fence_bootlog.BootVerdict:
	"""The boot verdict of a LAVA job's log: its console lines judged as
	bin/boot's, with QEMU's status read from the job (the end marker
	counts as a guest stopped after its test; a LAVA timeout as timeout's
	124; anything else, QEMU gone without the marker, as 1)."""
	lines = console(log)
	if not lines:
		raise LavaError('the LAVA log has no console line (level "target")')
	ended, timed_out = outcome(log)
	rc = 0 if ended else (124 if timed_out else 1)
	return fence_bootlog.judge('\n'.join(lines) + '\n', test, rc, ended, limit, secs)
