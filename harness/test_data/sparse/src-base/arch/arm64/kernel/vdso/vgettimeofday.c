 */

int __kernel_clock_gettime(clockid_t clock,
			   struct __kernel_timespec *ts)
