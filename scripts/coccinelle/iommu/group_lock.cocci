// SPDX-License-Identifier: GPL-2.0-only
///
/// The series added iommu_group_lock() and iommu_group_unlock(),
/// which take and drop group->mutex with the __acquires()/__releases()
/// annotations that mutex_lock() and mutex_unlock() lack in 6.1, but only
/// the release path used them.  Every other group->mutex section of the
/// core was invisible to sparse: a return that skips the unlock on an
/// attach, detach, ownership or default-domain path passed make C=2
/// without a word.
///
/// Take group->mutex through the helpers everywhere in the core, so that
/// sparse checks the lock balance of every section, as it already does
/// for the release path.  No change in the generated code: the
/// annotations exist only for sparse.
///
// Confidence: High
// Copyright: (C) 2026 The iommu-fence developers.  GPL v2.
// Subject: Take group->mutex through the annotated group lock helpers
// Comments: Converts mutex_lock(&E->mutex) and mutex_unlock(&E->mutex)
//  where E is a struct iommu_group *, in a file that defines both
//  iommu_group_lock() and iommu_group_unlock() (in 6.1 only
//  drivers/iommu/iommu.c: the helpers are static there and struct
//  iommu_group is opaque everywhere else), except in the bodies of the
//  two helpers themselves.  The type of E must be known to spatch
//  without the headers: a local variable, a parameter or a field of a
//  structure defined in the file.  Other mutex calls
//  (mutex_lock_interruptible(), mutex_trylock(), ...) are left alone;
//  6.1 has none on group->mutex.  Report and org modes list every plain
//  lock and unlock site that patch mode would convert, one line each.
// Options: --no-includes --include-headers
//
// Keywords: group->mutex, iommu_group_lock, iommu_group_unlock, sparse,
//  __acquires, __releases

virtual patch
virtual context
virtual org
virtual report

@initialize:python@
@@
import re

# The helpers take the mutex themselves: their bodies stay as they are.
HELPERS = frozenset(['iommu_group_lock', 'iommu_group_unlock'])

# Python's 'in' confuses the SmPL parser inside a constraint: a helper.
def outside_helpers(p):
	return p[0].current_element not in HELPERS

ORG = False

def emit(p, call, helper, e):
	# A field access comes with spaces around its arrow (a -> b).
	e = re.sub(r'\s*(->|\.)\s*', r'\1', e)
	msg = ("%s(&%s->mutex) in %s() is not checked by sparse: "
	       "use %s(%s)" % (call, e, p[0].current_element, helper, e))
	if ORG:
		coccilib.org.print_todo(p[0], msg)
	else:
		coccilib.report.print_report(p[0], "WARNING: " + msg)

@script:python depends on org@
@@
ORG = True

// ---------------------------------------------------------------------
// Only a file that defines both helpers can call them.

@has_lock@
identifier g;
@@
iommu_group_lock(struct iommu_group *g)
{
...
}

@has_unlock@
identifier g;
@@
iommu_group_unlock(struct iommu_group *g)
{
...
}

// ---------------------------------------------------------------------
// Patch.

@depends on patch && has_lock && has_unlock@
struct iommu_group *E;
position p : script:python() { outside_helpers(p) };
@@
(
- mutex_lock@p(&E->mutex)
+ iommu_group_lock(E)
|
- mutex_unlock@p(&E->mutex)
+ iommu_group_unlock(E)
)

// ---------------------------------------------------------------------
// Context, report and org.

@depends on context && has_lock && has_unlock@
struct iommu_group *E;
position p : script:python() { outside_helpers(p) };
@@
(
* mutex_lock@p(&E->mutex)
|
* mutex_unlock@p(&E->mutex)
)

@plain depends on (report || org) && has_lock && has_unlock@
struct iommu_group *E;
identifier call = { mutex_lock, mutex_unlock };
position p : script:python() { outside_helpers(p) };
@@
call@p(&E->mutex)

@script:python@
call << plain.call;
E << plain.E;
p << plain.p;
@@
if call == "mutex_lock":
	emit(p, call, "iommu_group_lock", E)
else:
	emit(p, call, "iommu_group_unlock", E)
