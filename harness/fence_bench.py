# SPDX-License-Identifier: GPL-2.0
"""The judge of 'make bench' (bin/bench control): the raw kernel logs
DIR/{base,series}-R.log of the iommu-fence-bench KUnit suite, pooled over
the rounds of every run per tree.

Figures are "bench CASE METRIC VALUE" lines.  The goals are read from the
same logs, where the suite prints them as "bench-goal CASE GOAL VALUE"; a
goal the judge applies but no log states is an error (there is no built-in
number):

  attach_detach median_ratio_permille_max   series/base ratio of the
                                            medians of ns_per_cycle
  group_attach median_ratio_permille_max    the same, for each group size
                                            (cases group_attach_N); a note
                                            gives the ratios by size and
                                            the largest size's over the
                                            smallest's
  release_hold after_op_us_max              the series' release ends at
                                            most this long after the held op
                                            is let go (and waits for it:
                                            release_us >= H ms)
  scaling speedup_vs_base_permille_min      the series' 2-thread/1-thread
                                            speed-up relative to the base's
  scaling base_speedup_permille_min         the base's own speed-up (else
                                            the machine cannot show
                                            serialisation at all)
"""

import os
import re
import statistics
from dataclasses import dataclass, field
from typing import Dict, List, Tuple

import fence_ktap
import fence_patterns

FIGURE = re.compile(r'bench (\S+) (\S+) (-?\d+)\s*$')
GOAL = re.compile(r'bench-goal (\S+) (\S+) (-?\d+)')
FAILED_CASE = re.compile(r'not ok \d+ (\S+)')
TREES = ('base', 'series')


class BenchError(Exception):
	"""A goal is missing or stated twice with different values."""


@dataclass
class Logs:
	figures: Dict[str, Dict[Tuple[str, str], List[int]]] = field(
		default_factory=lambda: {t: {} for t in TREES})
	goals: Dict[Tuple[str, str], int] = field(default_factory=dict)
	problems: List[str] = field(default_factory=list)

	def get(self, tree: str, case: str, metric: str) -> List[int]:
		return self.figures[tree].get((case, metric), [])

	def goal(self, case: str, name: str) -> int:
		if (case, name) not in self.goals:
			raise BenchError(f'no "bench-goal {case} {name} N" line in the logs')
		return self.goals[(case, name)]


def read_log(logs: Logs, tree: str, run: int, text: str, where: str) -> None:
	n = 0
	for line in text.replace('\r', '').split('\n'):
		m = FIGURE.search(line)
		if m:
			logs.figures[tree].setdefault((m.group(1), m.group(2)), []).append(int(m.group(3)))
			n += 1
		m = GOAL.search(line)
		if m:
			key, v = (m.group(1), m.group(2)), int(m.group(3))
			if logs.goals.setdefault(key, v) != v:
				logs.problems.append(f'{tree} run {run}: goal {" ".join(key)} '
						     f'{v}, another log says {logs.goals[key]}')
		m = FAILED_CASE.search(line)
		if m:
			logs.problems.append(f'{tree} run {run}: case {m.group(1)} failed')
		if fence_patterns.is_report(line):
			logs.problems.append(f'{tree} run {run}: kernel report: {line.strip()}')
	if not n:
		logs.problems.append(f'{tree} run {run}: no figures (see {where})')


def read_dir(path: str, runs: int) -> Logs:
	logs = Logs()
	for tree in TREES:
		for r in range(1, runs + 1):
			p = os.path.join(path, f'{tree}-{r}.log')
			try:
				with open(p, errors='replace') as f:
					text = f.read()
			except OSError:
				logs.problems.append(f'{tree} run {r}: no log')
				continue
			read_log(logs, tree, r, text, p)
	return logs


def stats(v: List[int]) -> Tuple[float, float, float]:
	return min(v), statistics.median(v), max(v)


def _result(ok: bool, name: str, detail: str) -> fence_ktap.Result:
	return fence_ktap.Result(fence_ktap.OK if ok else fence_ktap.NOT_OK, name, detail)


def _figures(logs: Logs, case: str, notes: List[str]):
	"""The min/median/max lines of CASE's ns_per_cycle; the series/base
	ratios of min, median and max, or None without figures."""
	b, s = logs.get('base', case, 'ns_per_cycle'), logs.get('series', case, 'ns_per_cycle')
	if not b or not s:
		return None
	bs, ss = stats(b), stats(s)
	ratios = tuple(x / y for x, y in zip(ss, bs))
	notes.append(f'{case} ns/cycle over {len(b)} rounds: base min {bs[0]:.0f} median '
		     f'{bs[1]:.0f} max {bs[2]:.0f}; series min {ss[0]:.0f} median {ss[1]:.0f} '
		     f'max {ss[2]:.0f}')
	notes.append(f'{case} series/base: min {ratios[0]:.3f} median {ratios[1]:.3f} '
		     f'max {ratios[2]:.3f}')
	return ratios


def _ratio(logs: Logs, case: str, goal: int, notes: List[str]) -> fence_ktap.Result:
	ratios = _figures(logs, case, notes)
	if ratios is None:
		return _result(False, case, 'no figures')
	return _result(ratios[1] * 1000 <= goal, case,
		       f'series/base median ratio {ratios[1]:.3f} (goal <= {goal / 1000:.3f})')


def group_growth(logs: Logs, sizes: List[str]) -> str:
	"""One note with the series/base median ratio of each group size and
	that of the largest size over that of the smallest: a check that costs
	the series O(N) per device of an N-device group walk shows as a ratio
	that grows with N.  Empty with fewer than two sizes that both trees
	have."""
	ratios = []
	for c in sizes:
		b, s = logs.get('base', c, 'ns_per_cycle'), logs.get('series', c, 'ns_per_cycle')
		if b and s:
			ratios.append((c.rsplit('_', 1)[1], statistics.median(s) / statistics.median(b)))
	if len(ratios) < 2:
		return ''
	return ('group_attach series/base median ratio by group size: ' +
		', '.join(f'{n} devices {r:.3f}' for n, r in ratios) +
		f'; {ratios[-1][0]} over {ratios[0][0]}: {ratios[-1][1] / ratios[0][1]:.3f}')


def _goal_or_fail(logs: Logs, name: str, case: str, goal: str, out: list):
	try:
		return logs.goal(case, goal)
	except BenchError as e:
		out.append(_result(False, name, str(e)))
		return None


def judge(logs: Logs, runs: int) -> Tuple[List[fence_ktap.Result], List[str]]:
	"""The result lines and the figure notes."""
	res: List[fence_ktap.Result] = []
	notes: List[str] = []
	res.append(_result(not logs.problems, 'control runs',
			   '; '.join(logs.problems) if logs.problems else
			   f'{runs} runs per tree, all with figures'))

	g = _goal_or_fail(logs, 'attach_detach', 'attach_detach', 'median_ratio_permille_max', res)
	if g is not None:
		res.append(_ratio(logs, 'attach_detach', g, notes))
	if _figures(logs, 'add_remove', notes):
		notes.append('add_remove: no goal, figure only')

	sizes = sorted({c for t in TREES for c, _ in logs.figures[t] if c.startswith('group_attach_')},
		       key=lambda c: int(c.rsplit('_', 1)[1]) if c.rsplit('_', 1)[1].isdigit() else 0)
	g = _goal_or_fail(logs, 'group_attach', 'group_attach', 'median_ratio_permille_max', res)
	if g is not None:
		if not sizes:
			res.append(_result(False, 'group_attach', 'no figures'))
		for c in sizes:
			res.append(_ratio(logs, c, g, notes))
		growth = group_growth(logs, sizes)
		if growth:
			notes.append(growth)

	holds = sorted({int(m.group(1)) for t in TREES for c, _ in logs.figures[t]
			for m in [re.fullmatch(r'release_hold_(\d+)ms', c)] if m})
	g = _goal_or_fail(logs, 'release_bound', 'release_hold', 'after_op_us_max', res)
	if g is not None:
		if not holds:
			res.append(_result(False, 'release_bound', 'no figures'))
		for hold in holds:
			key = f'release_hold_{hold}ms'
			s_rel, s_after = logs.get('series', key, 'release_us'), logs.get('series', key, 'after_op_us')
			name = f'release_bound {hold} ms'
			if not s_rel or not s_after:
				res.append(_result(False, name, 'no figures'))
				continue
			notes.append(f'release with an op held {hold} ms: series release {s_rel} us, '
				     f'done {s_after} us after the op was let go; base release '
				     f'{logs.get("base", key, "release_us")} us')
			ok = min(s_rel) >= hold * 1000 and max(s_after) <= g
			res.append(_result(ok, name, f'series release waits for the op (min {min(s_rel)} '
					   f'us >= {hold * 1000} us) and ends at most {max(s_after)} us '
					   f'after it (goal <= {g} us)'))

	rel = _goal_or_fail(logs, 'scaling', 'scaling', 'speedup_vs_base_permille_min', res)
	base_min = _goal_or_fail(logs, 'scaling', 'scaling', 'base_speedup_permille_min', res)
	if rel is not None and base_min is not None:
		sp = {}
		for tree in TREES:
			t1 = logs.get(tree, 'scaling', 'threads1_per_s')
			t2 = logs.get(tree, 'scaling', 'threads2_per_s')
			if t1 and t2:
				sp[tree] = statistics.median(t2) / statistics.median(t1)
				notes.append(f'scaling {tree}: 1 thread median {statistics.median(t1):.0f}/s, '
					     f'2 threads median {statistics.median(t2):.0f}/s, '
					     f'speed-up {sp[tree]:.2f}')
		if len(sp) == 2:
			ok = sp['base'] * 1000 > base_min and sp['series'] * 1000 >= rel * sp['base']
			res.append(_result(ok, 'scaling', f'speed-up series {sp["series"]:.2f}, base '
					   f'{sp["base"]:.2f} (goal: series >= {rel / 1000:.2f} x base, '
					   f'base > {base_min / 1000:.2f})'))
		else:
			res.append(_result(False, 'scaling', 'no figures'))
	return res, notes
