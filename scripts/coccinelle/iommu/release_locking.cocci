// SPDX-License-Identifier: GPL-2.0-only
///
/// The IOMMU core now holds the group mutex around release_device(), to
/// fence it against attach_dev() and detach_dev().  A release_device()
/// that detaches the device itself with arm_iommu_detach_device() ends
/// in iommu_detach_device(), which takes the same mutex: on 32-bit ARM
/// the release of every device behind this IOMMU would deadlock.  That
/// detach is also redundant now: the core has already taken the device
/// off its domain, under the fence, before it calls release_device().
///
/// Use arm_iommu_release_device() instead, which only drops the device's
/// ARM DMA mapping and does not call back into the IOMMU core.  Where the
/// driver stubs out the ARM DMA mapping API for other architectures, stub
/// out arm_iommu_release_device() too.
///
// Confidence: High
// Copyright: (C) 2026 The iommu-fence developers.  GPL v2.
// Comments: A release path is a function bound as .release_device in a
//  struct iommu_ops (designated initializer, compound literal or field
//  assignment) and every function of the same file that it calls,
//  directly or through other functions of the file.  Calls through
//  function pointers are not followed.  Every call in a release path of
//  an API that takes group->mutex is reported.  Patch mode converts
//  arm_iommu_detach_device(dev) on the struct device * parameter of the
//  enclosing function, and only where that function is not reachable
//  from outside the release path (no other caller, no address taken);
//  report mode says why for the calls it leaves alone.
// Options: --no-includes --include-headers
//
// Keywords: release_device, group->mutex, arm_iommu_detach_device,
//  arm_iommu_release_device

virtual patch
virtual context
virtual org
virtual report

@initialize:python@
@@
import re

# Exported IOMMU API that takes group->mutex, directly or through
# iommu_attach_device()/iommu_detach_device().
LOCKING = frozenset([
	'iommu_attach_device', 'iommu_detach_device',
	'iommu_attach_group', 'iommu_detach_group',
	'iommu_deferred_attach',
	'arm_iommu_attach_device', 'arm_iommu_detach_device',
	'iommu_group_for_each_dev',
	'iommu_group_add_device', 'iommu_group_remove_device',
	'iommu_get_group_resv_regions',
	'iommu_device_use_default_domain',
	'iommu_device_unuse_default_domain',
	'iommu_group_claim_dma_owner', 'iommu_group_release_dma_owner',
	'iommu_group_dma_owner_claimed',
	'iommu_device_claim_dma_owner', 'iommu_device_release_dma_owner',
	'iommu_sva_bind_device', 'iommu_sva_unbind_device',
	'iommu_probe_device', 'bus_iommu_probe',
])

DETACHING = frozenset([
	'iommu_detach_device', 'iommu_detach_group',
	'arm_iommu_detach_device',
])

def key(p):
	return (p[0].file, p[0].line, p[0].column)

roots = {}	# file -> {release op: [binding positions]}
defs = {}	# file -> functions defined in the file
calls = {}	# file -> {caller: set of callees}
refs = {}	# file -> {function: [positions of uses other than calls]}
param_calls = set()	# arm_iommu_detach_device() on a struct device * param
cache = {}

# Python's 'in' confuses the SmPL parser inside a constraint: helpers.
def is_locking(f):
	return f in LOCKING

def is_defined(f):
	return any(f in s for s in defs.values())

def bind(e, p):
	if re.match(r'^[A-Za-z_]\w*$', e):
		roots.setdefault(p[0].file, {}).setdefault(e, []).append(key(p))

def analyse(f):
	"""The release path of file f: each function in it with the chain
	of calls from a release op, and the functions of the path that
	nothing outside the path can reach."""
	if f in cache:
		return cache[f]
	r = roots.get(f, {})
	d = defs.get(f, set())
	c = calls.get(f, {})
	path = {}
	todo = []
	for h in sorted(r):
		if h in d:
			path[h] = [h]
			todo.append(h)
	while todo:
		h = todo.pop(0)
		for g in sorted(c.get(h, ())):
			if g in d and g not in path:
				path[g] = path[h] + [g]
				todo.append(g)
	# Greatest fixpoint: a function of the path is exclusive if its
	# only uses are calls from exclusive functions and, for a release
	# op, its .release_device bindings.
	excl = set(path)
	changed = True
	while changed:
		changed = False
		for h in list(excl):
			bad = [x for x in refs.get(f, {}).get(h, [])
			       if x not in r.get(h, [])]
			callers = [g for g, cs in c.items() if h in cs]
			if bad or any(g not in excl for g in callers):
				excl.discard(h)
				changed = True
	cache[f] = (path, excl)
	return cache[f]

def in_path(p):
	path, _ = analyse(p[0].file)
	return p[0].current_element in path

def convertible(p):
	_, excl = analyse(p[0].file)
	return key(p) in param_calls and p[0].current_element in excl

def message(p, api):
	path, excl = analyse(p[0].file)
	h = p[0].current_element
	chain = path[h]
	if len(chain) == 1:
		how = "calls %s()" % api
	else:
		how = "reaches %s() through %s()" % (api, "() -> ".join(chain))
	msg = ("release_device op %s() %s, which takes group->mutex: this "
	       "deadlocks now that the IOMMU core holds group->mutex around "
	       "release_device()" % (chain[0], how))
	if api in DETACHING and api != 'arm_iommu_detach_device':
		return msg + "; not converted: remove the call by hand, the " \
		       "core has already taken the device off its domain"
	if api != 'arm_iommu_detach_device':
		return msg + "; not converted: rework it by hand, it cannot " \
		       "run with group->mutex held"
	if convertible(p):
		return msg + "; use arm_iommu_release_device()"
	if key(p) not in param_calls:
		why = "its argument is not the struct device * parameter of %s()" % h
	else:
		why = "%s() is also reachable from outside the release path" % h
	return msg + "; not converted: %s" % why

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
// The release ops.

@ops_init@
identifier I;
expression E;
position p;
@@
struct iommu_ops I = { ..., .release_device = E@p, ... };

@script:python@
E << ops_init.E;
p << ops_init.p;
@@
bind(E, p)

@ops_lit@
expression E;
position p;
@@
 (struct iommu_ops){ ..., .release_device = E@p, ... }

@script:python@
E << ops_lit.E;
p << ops_lit.p;
@@
bind(E, p)

@ops_assigned@
struct iommu_ops *OP;
struct iommu_ops OS;
expression E;
position p;
@@
(
 OP->release_device = E@p
|
 OS.release_device = E@p
)

@script:python@
E << ops_assigned.E;
p << ops_assigned.p;
@@
bind(E, p)

// ---------------------------------------------------------------------
// The call graph of the file: definitions, calls, other uses.

@fn depends on ops_init || ops_lit || ops_assigned@
identifier h;
position q;
@@
h@q(...) { ... }

@script:python@
h << fn.h;
q << fn.q;
@@
defs.setdefault(q[0].file, set()).add(h)

@call depends on ops_init || ops_lit || ops_assigned@
identifier g;
position pc;
@@
g@pc(...)

@script:python@
g << call.g;
pc << call.pc;
@@
calls.setdefault(pc[0].file, {}).setdefault(pc[0].current_element,
					      set()).add(g)

@use depends on ops_init || ops_lit || ops_assigned@
identifier h : script:python() { is_defined(h) };
position pr;
@@
(
 h(...)
|
 h@pr
)

@script:python@
h << use.h;
pr << use.pr;
@@
refs.setdefault(pr[0].file, {}).setdefault(h, []).append(key(pr))

@detach_param depends on ops_init || ops_lit || ops_assigned@
identifier h, dev;
position pa;
@@
h(..., struct device *dev, ...)
{
<...
arm_iommu_detach_device@pa(dev)
...>
}

@script:python@
pa << detach_param.pa;
@@
param_calls.add(key(pa))

// ---------------------------------------------------------------------
// The calls of the locking API in a release path.

@bad depends on ops_init || ops_lit || ops_assigned@
identifier api : script:python() { is_locking(api) };
position pa : script:python() { in_path(pa) };
@@
api@pa(...)

@conv depends on patch@
position pa : script:python() { convertible(pa) };
expression E;
@@
- arm_iommu_detach_device@pa(E)
+ arm_iommu_release_device(E)

// A file that stubs out the ARM DMA mapping API for other architectures
// needs a stub for the new call too.

@has_stub depends on patch && conv@
expression e;
@@
#define arm_iommu_release_device(...) e

@depends on patch && conv && !has_stub@
expression e;
@@
#define arm_iommu_attach_device(...) e
+#define arm_iommu_release_device(dev) ((void)(dev))

@depends on context@
identifier bad.api;
position bad.pa;
@@
* api@pa(...)

@script:python depends on report || org@
api << bad.api;
pa << bad.pa;
@@
emit(pa, message(pa, api))
