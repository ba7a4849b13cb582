#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
# Judge the control-path figures of 'make bench' (bin/bench control): read
# the raw kernel logs DIR/{base,series}-R.log of the iommu-fence-bench
# KUnit suite, pool the rounds of every run per tree and print KTAP test
# lines and "# " figure lines.  Goals: see bin/bench.
import re
import statistics
import sys

out, runs = sys.argv[1], int(sys.argv[2])
LINE = re.compile(r"bench (\S+) (\S+) (-?\d+)\s*$")
data = {"base": {}, "series": {}}
problems = []
for tree in data:
    for r in range(1, runs + 1):
        path = "%s/%s-%d.log" % (out, tree, r)
        try:
            text = open(path, errors="replace").read()
        except OSError:
            problems.append("%s run %d: no log" % (tree, r))
            continue
        n = 0
        for line in text.splitlines():
            m = LINE.search(line)
            if m:
                data[tree].setdefault((m.group(1), m.group(2)), []).append(int(m.group(3)))
                n += 1
        if not n:
            problems.append("%s run %d: no figures (see %s)" % (tree, r, path))
        if re.search(r"not ok \d+ (attach_detach|add_remove|release_bound|scaling)", text):
            problems.append("%s run %d: a benchmark case failed" % (tree, r))


def stats(v):
    return min(v), statistics.median(v), max(v)


def get(tree, case, metric):
    return data[tree].get((case, metric), [])


def line(ok, name, comment):
    print("%sok %s # %s" % ("" if ok else "not ", name, comment))


line(not problems, "control runs", "%d runs per tree, all with figures" % runs
     if not problems else "; ".join(problems))

for case, goal in (("attach_detach", 1.05), ("add_remove", None)):
    b, s = get("base", case, "ns_per_cycle"), get("series", case, "ns_per_cycle")
    if not b or not s:
        line(False, case, "no figures")
        continue
    bs, ss = stats(b), stats(s)
    ratios = tuple(x / y for x, y in zip(ss, bs))
    print("# %s ns/cycle over %d rounds: base min %d median %d max %d; "
          "series min %d median %d max %d" % ((case, len(b)) + bs + ss))
    print("# %s series/base: min %.3f median %.3f max %.3f" % ((case,) + ratios))
    if goal is None:
        print("# %s: no goal, figure only" % case)
        continue
    line(ratios[1] <= goal, case,
         "series/base median ratio %.3f (goal <= %.2f)" % (ratios[1], goal))

for hold in (10, 50, 100):
    key = "release_hold_%dms" % hold
    s_rel, s_after = get("series", key, "release_us"), get("series", key, "after_op_us")
    b_rel = get("base", key, "release_us")
    if not s_rel or not s_after:
        line(False, "release_bound %d ms" % hold, "no figures")
        continue
    print("# release with an op held %d ms: series release %s us, done %s us "
          "after the op was let go; base release %s us" %
          (hold, s_rel, s_after, b_rel))
    ok = min(s_rel) >= hold * 1000 and max(s_after) <= 20000
    line(ok, "release_bound %d ms" % hold,
         "series release waits for the op (min %d us >= %d us) and ends "
         "at most %d us after it (goal <= 20000 us)" %
         (min(s_rel), hold * 1000, max(s_after)))

sp = {}
for tree in ("base", "series"):
    t1, t2 = get(tree, "scaling", "threads1_per_s"), get(tree, "scaling", "threads2_per_s")
    if not t1 or not t2:
        continue
    sp[tree] = statistics.median(t2) / statistics.median(t1)
    print("# scaling %s: 1 thread median %d/s, 2 threads median %d/s, "
          "speed-up %.2f" % (tree, statistics.median(t1), statistics.median(t2),
                             sp[tree]))
if len(sp) == 2:
    ok = sp["base"] > 1.2 and sp["series"] >= 0.9 * sp["base"]
    line(ok, "scaling", "speed-up series %.2f, base %.2f (goal: series >= "
         "0.9 x base, base > 1.2)" % (sp["series"], sp["base"]))
else:
    line(False, "scaling", "no figures")
