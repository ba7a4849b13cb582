#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""iommu-fence harness: the verdicts, the reporter and the tables that the
bash tools under bin/ call.  Each subcommand prints its result on standard
output; a wrong argument or bad input is one line on standard error and
exit status 2."""

import argparse
import json
import os
import sys

sys.dont_write_bytecode = True	# no __pycache__ in the clone

import fence_arch  # noqa: E402
import fence_bench  # noqa: E402
import fence_bootlog  # noqa: E402
import fence_fastpath  # noqa: E402
import fence_junit  # noqa: E402
import fence_kparse  # noqa: E402
import fence_ktap  # noqa: E402
import fence_kunit  # noqa: E402
import fence_lava  # noqa: E402
import fence_maint  # noqa: E402
import fence_polarity  # noqa: E402
import fence_sparse  # noqa: E402
import fence_stable  # noqa: E402

ERRORS = (fence_arch.ArchError, fence_bench.BenchError, fence_bootlog.BootLogError,
	  fence_fastpath.FastpathError, fence_junit.JunitError, fence_kparse.KparseError,
	  fence_ktap.KtapError, fence_kunit.KunitError, fence_lava.LavaError,
	  fence_maint.MaintError, fence_polarity.PolarityError, fence_sparse.SparseError,
	  fence_stable.StableError,
	  ImportError, OSError, ValueError)


class UsageError(Exception):
	pass


def cmd_arch(args) -> int:
	arches = fence_arch.load()
	if (args.boot or args.machines) and not args.list or args.boot and args.machines:
		raise fence_arch.ArchError('arch: --boot or --machines, with --list')
	if args.list and args.machines:
		print(' '.join(fence_arch.machines(arches)))
		return 0
	if args.list:
		print(' '.join(n for n, a in arches.items()
			       if not args.boot or a.boot))
		return 0
	if not args.name:
		raise fence_arch.ArchError('arch: name an architecture or --list')
	print(fence_arch.shell(fence_arch.get(args.name, arches)), end='')
	return 0


def _read(path: str) -> str:
	with open(path, encoding='utf-8', errors='replace') as f:
		return f.read()


def _results(path: str):
	with open(path, encoding='utf-8', errors='replace') as f:
		return fence_ktap.read_results(f)


def cmd_report(args) -> int:
	"""A results file as KTAP; or, for a tool that prints as it goes
	(bin/check), the header (--begin N), the line of the file's last
	result (--next), the closing line (--end)."""
	out = sys.stdout
	if args.begin is not None:
		fence_ktap.write(out, fence_ktap.header(args.begin))
		return 0
	if not args.file:
		raise UsageError('report: name a results file')
	results = _results(args.file)
	if args.next:
		if not results:
			raise fence_ktap.KtapError(f'{args.file} holds no result')
		fence_ktap.write(out, [fence_ktap.line(len(results), results[-1])])
		return 0
	if args.end:
		fence_ktap.write(out, [fence_ktap.summary(fence_ktap.count(results))])
	else:
		fence_ktap.write(out, fence_ktap.document(results, args.title))
	return fence_ktap.exit_status(results)


def cmd_nest(args) -> int:
	"""Standard input as a subtest of the caller's document."""
	nest = fence_ktap.Nest(args.title)
	for l in sys.stdin:
		print(nest.line(l), flush=True)
	return 0


def cmd_junit(args) -> int:
	"""bin/check's results file and the layers' logs as JUnit XML."""
	fence_junit.write(_results(args.file), args.logdir, args.out)
	return 0


def _write(path: str, text: str) -> None:
	"""PATH holds TEXT, or is left as it was: never half written."""
	tmp = path + '.tmp'
	with open(tmp, 'w', encoding='utf-8') as f:
		f.write(text)
	os.replace(tmp, path)


def _boot_verdict(args, v) -> int:
	"""A boot verdict as the cell's JSON (boot-cell reads it) and bin/boot's
	last line."""
	d = {'arch': args.arch, 'tree': args.tree, 'test': args.test, **v.to_dict()}
	_write(args.json, json.dumps(d, indent=1) + '\n')
	print(f'boot: {v.result} {args.arch} {args.tree} {args.test} {v.fields()}')
	return 0 if v.result == 'clean' else 1


def cmd_boot_judge(args) -> int:
	return _boot_verdict(args, fence_bootlog.judge(_read(args.log), args.test, args.rc,
							args.stopped, args.limit, args.secs))


def cmd_lava_job(args) -> int:
	"""A boot cell (bin/boot --prepare) as a LAVA job definition, or as the
	device configuration LAVA's qemu template renders for it (--device)."""
	import yaml	# Debian's python3-yaml, as LAVA's own
	cell = fence_lava.read_cell(_read(args.cell))
	arch = fence_arch.get(cell.arch)
	if args.device:
		_write(args.out, fence_lava.device(fence_lava.context(arch, cell), args.device))
		return 0
	job = fence_lava.job(args.name, arch, cell, args.url_base)
	if args.lava_root:
		fence_lava.schema_check(job, args.lava_root)
	_write(args.out, yaml.safe_dump(job, sort_keys=False, width=1000))
	return 0


def cmd_lava_judge(args) -> int:
	"""A LAVA job log judged as bin/boot judges its guest log."""
	log = _read(args.log)
	cell = fence_lava.read_cell(_read(args.cell))
	if args.console:
		_write(args.console, '\n'.join(fence_lava.console(log)) + '\n')
	args.arch, args.tree, args.test = cell.arch, cell.tree, cell.test
	return _boot_verdict(args, fence_lava.judge(log, cell.test, cell.limit, args.secs))


def _cell(path: str):
	d = json.loads(_read(path))
	if not isinstance(d, dict):
		raise fence_bootlog.BootLogError(f'{path}: not a boot result')
	tree, test = d.pop('tree', None), d.pop('test', None)
	d.pop('arch', None)
	return tree, test, fence_bootlog.BootVerdict.from_dict(d)


def cmd_boot_cell(args) -> int:
	"""A boot-test line from a cell's result JSON (bin/boot's)."""
	tree, test, v = _cell(args.json)
	if args.result:
		print(v.result)
		return 0
	ok, why = fence_polarity.boot_cell(tree, test, v)
	detail = ' '.join(x for x in (args.note, f'{why}: {v.fields()}') if x)
	print(f'{fence_ktap.OK if ok else fence_ktap.NOT_OK}\t{args.name}\t{detail}')
	return 0


def cmd_kunit(args) -> int:
	log = _read(args.log) if os.path.exists(args.log) else None
	results = fence_kunit.judge(args.tree, _read(args.json), log)
	fence_ktap.write(sys.stdout, fence_ktap.document(results, args.title))
	return fence_ktap.exit_status(results)


def cmd_mutant(args) -> int:
	"""A mutant's result line from kunit.py's JSON of its run."""
	text = _read(args.json) if os.path.exists(args.json) else None
	ok, why = fence_kunit.mutant_verdict(text, fence_kunit.killer_names(args.killers))
	if not ok and args.log:
		why += f'; log {args.log}'
	print(f'{fence_ktap.OK if ok else fence_ktap.NOT_OK}\t{args.name}\t{why}')
	return 0 if ok else 1


def _patches(folder: str):
	"""The (path, text) of each patch of a git format-patch folder, in order,
	the cover letter left out."""
	names = sorted(n for n in os.listdir(folder)
		       if n.endswith('.patch') and not n.startswith('0000-'))
	if not names:
		raise fence_stable.StableError(f'{folder} holds no patch')
	return [(os.path.join(folder, n), _read(os.path.join(folder, n))) for n in names]


def cmd_stable(args) -> int:
	"""The stable subset's result lines: its size, each patch's tags."""
	if args.goal < 1:
		raise UsageError('stable: --goal must be a positive number of lines')
	results = fence_stable.judge(_patches(args.subset), args.goal,
				     [t for _, t in _patches(args.series)])
	if args.size:
		print(f'{results[0].name}: {results[0].detail}')
		return 0 if results[0].status == fence_ktap.OK else 1
	for r in results:
		print(f'{r.status}\t{r.name}\t{r.detail}')
	return fence_ktap.exit_status(results)


def cmd_bench(args) -> int:
	if args.runs < 1:
		raise UsageError('bench: RUNS must be positive')
	results, notes = fence_bench.judge(fence_bench.read_dir(args.dir, args.runs), args.runs)
	for n in notes:
		print('# ' + n)
	with open(args.results, 'a', encoding='utf-8') as f:
		for r in results:
			f.write(f'{r.status}\t{r.name}\t{r.detail}\n')
	return 0


def cmd_fastpath(args) -> int:
	if len(args.args) != 3:
		raise UsageError('usage: fastpath ARCH BASE_BUILD_DIR SERIES_BUILD_DIR')
	lines, ok = fence_fastpath.run(*args.args, spec=args.spec,
				       follow=args.callees != '0', out=args.out,
				       tool=args.objdump)
	for l in lines:
		print(l)
	return 0 if ok else 1


def _write_lines(out, lines) -> None:
	out.write(b''.join(l + b'\n' for l in lines))
	out.flush()


def cmd_sparse_normalise(args) -> int:
	"""bin/sparse-gate's sparse.txt: the raw log normalised and sorted."""
	_write_lines(sys.stdout.buffer, fence_sparse.normalise_file(args.raw, args.src))
	return 0


def cmd_sparse_new(args) -> int:
	"""The lines of SERIES beyond BASE, shown; exit 0 if there are none,
	or with --expect if the expected message is among them."""
	new = fence_sparse.new(fence_sparse.read(args.base), fence_sparse.read(args.series))
	if args.out:
		with open(args.out, 'wb') as f:
			_write_lines(f, new)
	_write_lines(sys.stdout.buffer, [fence_sparse.pretty(l) for l in new])
	if args.expect is not None:
		return 0 if fence_sparse.caught(new, os.fsencode(args.expect)) else 1
	return 1 if new else 0


def cmd_recipients(args) -> int:
	"""The recipients of one patch (get_maintainer.pl output, or a mail
	with --mail): the detail of its result line; exit 1 if one cannot be
	real."""
	text = _read(args.file)
	if args.mail:
		rcpt = fence_maint.mail_recipients(text)
	else:
		rcpt = fence_maint.gm_recipients(text)
	ok, detail = fence_maint.judge(rcpt)
	print(detail)
	return 0 if ok else 1


def cmd_maint_sections(args) -> int:
	"""The MAINTAINERS sections of get_maintainer.pl output, one a line."""
	for s in fence_maint.sections(_read(args.file)):
		print(s)
	return 0


def main(argv=None) -> int:
	p = argparse.ArgumentParser(prog='fence.py', description=__doc__)
	sub = p.add_subparsers(dest='cmd', required=True)
	a = sub.add_parser('arch', help='an architecture as shell assignments')
	a.add_argument('name', nargs='?')
	a.add_argument('--list', action='store_true', help='the names')
	a.add_argument('--boot', action='store_true',
		       help='with --list: only those that boot here')
	a.add_argument('--machines', action='store_true',
		       help='with --list: the machines that boot here, each '
		       'architecture that boots and its variants (ARCH-VARIANT)')
	a.set_defaults(func=cmd_arch)

	r = sub.add_parser('report', help='a results file ("ok|not ok|skip<TAB>name<TAB>detail" '
			   'lines) as KTAP; exit 0 if something passed and nothing failed')
	r.add_argument('file', nargs='?')
	r.add_argument('--title', default='')
	g = r.add_mutually_exclusive_group()
	g.add_argument('--begin', type=int, metavar='N', help='only the header and plan of N tests')
	g.add_argument('--next', action='store_true', help="only the line of FILE's last result")
	g.add_argument('--end', action='store_true', help='only the closing line')
	r.set_defaults(func=cmd_report)

	n = sub.add_parser('nest', help="standard input (a tool's KTAP) as a subtest")
	n.add_argument('--title', default='')
	n.set_defaults(func=cmd_nest)

	u = sub.add_parser('junit', help="bin/check's results file and the layers' logs "
			   '(LOGDIR/LAYER.log) as JUnit XML')
	u.add_argument('file')
	u.add_argument('logdir')
	u.add_argument('--out', required=True)
	u.set_defaults(func=cmd_junit)

	b = sub.add_parser('boot-judge', help="a boot log's verdict: JSON file and bin/boot's last line")
	b.add_argument('--log', required=True)
	b.add_argument('--json', required=True)
	b.add_argument('--arch', required=True)
	b.add_argument('--tree', required=True, choices=fence_polarity.TREES)
	b.add_argument('--test', required=True)
	b.add_argument('--rc', type=int, required=True, help="exit status of 'timeout QEMU'")
	b.add_argument('--stopped', type=int, choices=(0, 1), default=0,
		       help='1: the harness stopped the guest after its end marker')
	b.add_argument('--limit', type=int, required=True)
	b.add_argument('--secs', type=int, required=True)
	b.set_defaults(func=cmd_boot_judge)

	lj = sub.add_parser('lava-job', help='a boot cell (bin/boot --prepare lines) as a LAVA job')
	lj.add_argument('--name', required=True)
	lj.add_argument('--cell', required=True, help="bin/boot --prepare's output")
	lj.add_argument('--url-base', default=None,
			help='where a lab finds the images (default: file:// of this build)')
	lj.add_argument('--device', metavar='TEMPLATE_DIR', default=None,
			help="write instead the device configuration LAVA's qemu.jinja2 renders")
	lj.add_argument('--lava-root', default=None,
			help="check the job with LAVA's schema (lava_common under this root)")
	lj.add_argument('--out', required=True)
	lj.set_defaults(func=cmd_lava_job)

	lv = sub.add_parser('lava-judge', help="a LAVA job log's boot verdict, as boot-judge")
	lv.add_argument('--log', required=True, help="lava-run's output or a server's raw log")
	lv.add_argument('--cell', required=True, help="the job's cell (build/lava/jobs/NAME.cell)")
	lv.add_argument('--json', required=True)
	lv.add_argument('--console', default=None, help='also write the console lines here')
	lv.add_argument('--secs', type=int, default=0, help='the run time, for the record')
	lv.set_defaults(func=cmd_lava_judge)

	c = sub.add_parser('boot-cell', help="a boot-test result line from a cell's JSON")
	c.add_argument('json')
	c.add_argument('--name', default='')
	c.add_argument('--note', default='')
	c.add_argument('--result', action='store_true', help='only the result word')
	c.set_defaults(func=cmd_boot_cell)

	k = sub.add_parser('kunit', help="kunit.py's JSON and log judged, as KTAP")
	k.add_argument('tree', choices=fence_polarity.TREES)
	k.add_argument('json')
	k.add_argument('log')
	k.add_argument('--title', default='kunit')
	k.set_defaults(func=cmd_kunit)

	m = sub.add_parser('mutant', help="a mutant's result line (STATUS<TAB>NAME<TAB>DETAIL) "
			   "from kunit.py's JSON; exit 0 if its killers killed it")
	m.add_argument('json', help="kunit.py's --json file (absent: the kernel did not build)")
	m.add_argument('--name', required=True)
	m.add_argument('--killers', required=True, help='the cases of its "Killed by:" line')
	m.add_argument('--log', default='', help='named in the detail when it is not killed')
	m.set_defaults(func=cmd_mutant)

	j = sub.add_parser('bench', help='judge the bench logs DIR/{base,series}-R.log')
	j.add_argument('dir')
	j.add_argument('runs', type=int)
	j.add_argument('--results', required=True, help='append the result lines here')
	j.set_defaults(func=cmd_bench)

	f = sub.add_parser('fastpath', help='compare the fast-path machine code of two build dirs')
	f.add_argument('args', nargs='*', metavar='ARCH BASE SERIES')
	f.add_argument('--spec', default=os.environ.get('FASTPATH_SPEC'),
		       help='"OBJ NAME...;..." instead of the table ($FASTPATH_SPEC)')
	f.add_argument('--out', default=os.environ.get('FASTPATH_OUT') or None,
		       help='keep the listings here ($FASTPATH_OUT)')
	f.add_argument('--callees', default=os.environ.get('FASTPATH_CALLEES', '1'),
		       help='0: do not follow callees ($FASTPATH_CALLEES)')
	f.add_argument('--objdump', default=os.environ.get('OBJDUMP') or None)
	f.set_defaults(func=cmd_fastpath)

	s = sub.add_parser('sparse-normalise', help='a raw sparse log as sorted '
			   '"file<TAB>source line<TAB>message" lines')
	s.add_argument('raw', help="the log of sparse's diagnostics")
	s.add_argument('src', help='the source tree the log is of')
	s.set_defaults(func=cmd_sparse_normalise)

	s = sub.add_parser('sparse-new', help='the normalised lines of SERIES beyond those of BASE, '
			   'shown; exit 1 if there are any (with --expect: if MSG is not among them)')
	s.add_argument('base')
	s.add_argument('series')
	s.add_argument('--out', help='write the new lines (normalised) here')
	s.add_argument('--expect', metavar='MSG', help="a seeded defect's expected message "
		       '(exit 0 if a new line holds it)')
	s.set_defaults(func=cmd_sparse_new)

	s = sub.add_parser('recipients', help="one patch's recipients judged: the detail of its "
			   'result line; exit 1 if one cannot be real')
	s.add_argument('file', help='get_maintainer.pl output, or a mail with --mail')
	s.add_argument('--mail', action='store_true', help="FILE is a mail: its To: and Cc:")
	s.set_defaults(func=cmd_recipients)

	s = sub.add_parser('maint-sections', help='the MAINTAINERS sections (THE REST left out) '
			   'that get_maintainer.pl output names, one a line')
	s.add_argument('file')
	s.set_defaults(func=cmd_maint_sections)

	s = sub.add_parser('stable', help='the stable subset (a format-patch folder) judged: '
			   'its added lines of non-test code against GOAL, its tags; result lines')
	s.add_argument('--goal', type=int, required=True)
	s.add_argument('--series', required=True, help="the full series' format-patch folder")
	s.add_argument('--size', action='store_true', help='print only the size, as text')
	s.add_argument('subset')
	s.set_defaults(func=cmd_stable)

	args = p.parse_args(argv)
	try:
		return args.func(args)
	except UsageError as e:
		print(f'fence.py: {e}', file=sys.stderr)
		return 2
	except ERRORS as e:
		print(f'fence.py: error: {e}', file=sys.stderr)
		return 2


if __name__ == '__main__':
	sys.exit(main())
