// SPDX-License-Identifier: GPL-2.0-only
///
/// The IOMMU core now calls release_device(), attach_dev() and
/// detach_dev() with the group mutex held: iommu_release_device() closes
/// a per-device release fence under that mutex, so none of these ops can
/// run on a device that is being, or has been, released, and none can
/// run concurrently with another one on the same group.  The driver
/// relies on this serialisation for its per-device state without saying
/// so, and a new caller that reaches an op without the mutex would bring
/// the release race back unnoticed.
///
/// Assert the fence with iommu_fence_assert_held() at the top of each of
/// these ops, after the declarations.  It is a lockdep assertion, empty
/// without CONFIG_LOCKDEP.
///
// Confidence: High
// Copyright: (C) 2026 The iommu-fence developers.  GPL v2.
// Comments: An op is a function bound by a designated initializer,
//  or by an assignment to a field, of .release_device in a
//  struct iommu_ops or of .attach_dev/.detach_dev in a
//  struct iommu_domain_ops, including the compound literal form
//  .default_domain_ops = &(const struct iommu_domain_ops){ ... }.  The
//  definition must be in the same file.  Functions that already call
//  iommu_fence_assert_held() are left alone, so a second run is a no-op.
//  Report and org modes also list the ops that patch mode cannot
//  convert: no definition in the file, no struct device * parameter,
//  or an op bound to something other than a function name.
// Options: --no-includes --include-headers
//
// Keywords: iommu_ops, iommu_domain_ops, release_device, attach_dev,
//  detach_dev, iommu_fence_assert_held

virtual patch
virtual context
virtual org
virtual report

@initialize:python@
@@
import re

# (file, function) -> names of the ops the function is bound to
bound = {}
# (file, function) of the definitions of bound functions that have a
# struct device * parameter
defined = set()

IDENT = r'[A-Za-z_]\w*'

def names_of(e):
	"""The functions an op expression binds: a function name, or both
	branches of a conditional between two function names (as in
	.op = IS_ENABLED(CONFIG_X) ? foo_op : bar_op); None otherwise."""
	e = e.strip()
	if re.match(r'^%s$' % IDENT, e):
		return [e]
	m = re.match(r'^.*\?\s*(%s)\s*:\s*(%s)$' % (IDENT, IDENT), e)
	if m:
		return [m.group(1), m.group(2)]
	return None

def bind(e, p, op):
	for f in names_of(e) or []:
		bound.setdefault((p[0].file, f), set()).add(op)

def bound_name(f):
	return any(k[1] == f for k in bound)

def is_bound(q, f):
	return (q[0].file, f) in bound

def ops_of(q, f):
	return "/".join("." + o for o in sorted(bound[(q[0].file, f)]))

def missing(q, f, dev):
	return ("%s op %s() does not assert the IOMMU release fence: "
		"call iommu_fence_assert_held(%s) first" % (ops_of(q, f), f, dev))

def unconvertible(e, p, op):
	names = names_of(e)
	if names is None:
		return (".%s op %s is not a function name: assert the IOMMU "
			"release fence in the op by hand" % (op, e))
	missing = [f for f in names if (p[0].file, f) not in defined]
	if missing:
		return (".%s op %s() has no definition with a struct device * "
			"parameter in this file: assert the IOMMU release fence "
			"by hand" % (op, "(), ".join(missing)))
	return None

ORG = False

def emit(p, msg):
	if ORG:
		coccilib.org.print_todo(p[0], msg)
	else:
		coccilib.report.print_report(p[0], "WARNING: " + msg)

@script:python depends on org@
@@
ORG = True

// ---------------------------------------------------------------------
// Where ops are bound.

@ops_init@
identifier I;
identifier op =~ "^release_device$";
expression E;
position p;
@@
struct iommu_ops I = { ..., .op = E@p, ... };

@script:python@
op << ops_init.op;
E << ops_init.E;
p << ops_init.p;
@@
bind(E, p, op)

@ops_lit@
identifier op =~ "^release_device$";
expression E;
position p;
@@
 (struct iommu_ops){ ..., .op = E@p, ... }

@script:python@
op << ops_lit.op;
E << ops_lit.E;
p << ops_lit.p;
@@
bind(E, p, op)

@dom_init@
identifier I;
identifier op =~ "^(attach_dev|detach_dev)$";
expression E;
position p;
@@
struct iommu_domain_ops I = { ..., .op = E@p, ... };

@script:python@
op << dom_init.op;
E << dom_init.E;
p << dom_init.p;
@@
bind(E, p, op)

@dom_lit@
identifier op =~ "^(attach_dev|detach_dev)$";
expression E;
position p;
@@
 (struct iommu_domain_ops){ ..., .op = E@p, ... }

@script:python@
op << dom_lit.op;
E << dom_lit.E;
p << dom_lit.p;
@@
bind(E, p, op)

@assigned@
struct iommu_ops *OP;
struct iommu_ops OS;
struct iommu_domain_ops *DP;
struct iommu_domain_ops DS;
identifier rop =~ "^release_device$";
identifier dop =~ "^(attach_dev|detach_dev)$";
identifier op;
expression E;
position p;
@@
(
 OP->rop@op = E@p
|
 OS.rop@op = E@p
|
 DP->dop@op = E@p
|
 DS.dop@op = E@p
)

@script:python@
op << assigned.op;
E << assigned.E;
p << assigned.p;
@@
bind(E, p, op)

// ---------------------------------------------------------------------
// The definitions of the bound functions.

@already depends on (ops_init || ops_lit || dom_init || dom_lit || assigned)@
identifier f : script:python() { bound_name(f) };
position q : script:python(f) { is_bound(q, f) };
@@
f@q(...)
{
<+... iommu_fence_assert_held(...); ...+>
}

@def depends on (ops_init || ops_lit || dom_init || dom_lit || assigned)@
identifier f : script:python() { bound_name(f) };
position q : script:python(f) { is_bound(q, f) };
identifier dev;
@@
f@q(..., struct device *dev, ...)
{
...
}

@script:python@
f << def.f;
q << def.q;
@@
defined.add((q[0].file, f))

// ---------------------------------------------------------------------
// Patch: the assertion goes after the last declaration of the body, as a
// paragraph of its own, or first in a body without declarations, or last
// in a body without statements.  "when any" lets the dots run over the
// other declarations; "when != S1" keeps them off statements, so the
// declaration is one of the function's own, not one of a nested block.

@fix_decl depends on patch && (ops_init || ops_lit || dom_init || dom_lit || assigned)@
position q1 != already.q;
identifier f : script:python() { bound_name(f) };
position q : script:python(f) { is_bound(q, f) };
identifier dev;
declaration D;
statement S, S1;
@@
f@q@q1(..., struct device *dev, ...)
{
... when != S1
    when any
D
+
+ iommu_fence_assert_held(dev);
S
...
}

@fix_nodecl depends on patch && (ops_init || ops_lit || dom_init || dom_lit || assigned)@
position q1 != already.q;
identifier f : script:python() { bound_name(f) };
position q : script:python(f) { is_bound(q, f) };
identifier dev;
statement S;
@@
f@q@q1(..., struct device *dev, ...)
{
+ iommu_fence_assert_held(dev);
+
S
...
}

@fix_empty depends on patch && (ops_init || ops_lit || dom_init || dom_lit || assigned)@
position q1 != already.q;
identifier f : script:python() { bound_name(f) };
position q : script:python(f) { is_bound(q, f) };
identifier dev;
statement S1;
@@
f@q@q1(..., struct device *dev, ...)
{
... when != S1
+ iommu_fence_assert_held(dev);
}

// ---------------------------------------------------------------------
// Context, report and org: the ops that lack the assertion.

@ctx depends on context && (ops_init || ops_lit || dom_init || dom_lit || assigned)@
position q1 != already.q;
identifier f : script:python() { bound_name(f) };
position q : script:python(f) { is_bound(q, f) };
identifier dev;
@@
* f@q@q1(..., struct device *dev, ...)
{
...
}

@rep depends on (report || org) && (ops_init || ops_lit || dom_init || dom_lit || assigned)@
position q1 != already.q;
identifier f : script:python() { bound_name(f) };
position q : script:python(f) { is_bound(q, f) };
identifier dev;
@@
f@q@q1(..., struct device *dev, ...)
{
...
}

@script:python@
f << rep.f;
q << rep.q;
dev << rep.dev;
@@
emit(q, missing(q, f, dev))

// Report and org: direct calls of an op from a function that is not an op
// itself.  The assertion splats there unless that caller holds
// group->mutex.

@direct depends on (report || org) && (ops_init || ops_lit || dom_init || dom_lit || assigned)@
identifier f : script:python() { bound_name(f) };
position pc : script:python(f) { is_bound(pc, f) };
@@
f@pc(...)

@script:python@
f << direct.f;
pc << direct.pc;
@@
caller = pc[0].current_element
if (pc[0].file, caller) not in bound:
	emit(pc, "%s op %s() is also called directly from %s(), which is "
	     "not an op: iommu_fence_assert_held() splats there unless "
	     "group->mutex is held" % (ops_of(pc, f), f, caller))

// The bindings that patch mode cannot convert.

@script:python depends on report || org@
op << ops_init.op;
E << ops_init.E;
p << ops_init.p;
@@
m = unconvertible(E, p, op)
if m:
	emit(p, m)

@script:python depends on report || org@
op << ops_lit.op;
E << ops_lit.E;
p << ops_lit.p;
@@
m = unconvertible(E, p, op)
if m:
	emit(p, m)

@script:python depends on report || org@
op << dom_init.op;
E << dom_init.E;
p << dom_init.p;
@@
m = unconvertible(E, p, op)
if m:
	emit(p, m)

@script:python depends on report || org@
op << dom_lit.op;
E << dom_lit.E;
p << dom_lit.p;
@@
m = unconvertible(E, p, op)
if m:
	emit(p, m)

@script:python depends on report || org@
op << assigned.op;
E << assigned.E;
p << assigned.p;
@@
m = unconvertible(E, p, op)
if m:
	emit(p, m)
