// SPDX-License-Identifier: GPL-2.0
/*
 * The object that tests/fastpath/run.sh compiles in variants (-D...) and
 * compares with bin/fastpath: fast(), its .cold part and its callee
 * helper() are compared.  LAYOUT adds code, strings, static data and
 * lines before them, which must change nothing that is compared; each
 * other macro changes one thing in them, which must be seen.
 */
extern void sink(const char *s, int x);
extern void sink_buf(char *buf, int x);
extern void __might_sleep(const char *file, int line);
extern void report(const char *s, int x) __attribute__((cold));

/* as the kernel's, for dynamic debug descriptors */
#define ___PASTE(a, b) a##b
#define __PASTE(a, b) ___PASTE(a, b)
#define __UNIQUE_ID(prefix) __PASTE(__PASTE(__UNIQUE_ID_, prefix), __COUNTER__)
#define COUNT(id) do { static int id; id++; } while (0)

#ifdef LAYOUT
/*
 * Placed before the compared code: moves .text, .rodata strings, .bss
 * and every __LINE__ and __COUNTER__ below.
 */
static int before[16];
static int __UNIQUE_ID(unused) __attribute__((used));

int other(int x)
{
	char buf[24];

	sink("another string, placed first", x);
	sink_buf(buf, x);
	before[x & 15]++;
	return before[(x + 1) & 15] + buf[3];
}
#endif

static int counter;
static int counter2;

#ifdef OTHER_VAR
#define COUNTER counter2
#else
#define COUNTER counter
#endif
#ifndef K_HELPER
#define K_HELPER 3
#endif
#ifndef K_FAST
#define K_FAST 7
#endif
#ifndef K_COLD
#define K_COLD 5
#endif
#ifndef MSG
#define MSG "fast path"
#endif

int read_other(void)
{
	return counter2;
}

static __attribute__((noinline)) int helper(int x)
{
	return x * K_HELPER + COUNTER;
}

int fast(int x)
{
	char buf[16];

	__might_sleep(__FILE__, __LINE__);
	if (__builtin_expect(x < 0, 0)) {
		report("negative", x + K_COLD);
		return -1;
	}
	sink(MSG, x);
	sink_buf(buf, x);
	COUNT(__UNIQUE_ID(ddebug));
	COUNTER++;
#ifdef EXTRA_INSN
	asm volatile("nop");
#endif
	return helper(x) + K_FAST + buf[1];
}
