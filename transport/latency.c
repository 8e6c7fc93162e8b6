/*
 * latency.c - the clock and the precise wait behind the latency model: the
 * shared clock of vclock.h (real, or virtual under vsched).
 */
#include <sys/prctl.h>

#include "mt_priv.h"

uint64_t
mt_now_ns(void)
{
   return vclock_now_ns();
}

void
mt_wait_until(uint64_t deadline_ns)
{
   vclock_wait_until(deadline_ns, VC_OTHER);
}

enum vc_cat
mt_delay_cat(uint32_t type)
{
   return type == MT_CALL || type == MT_REPLY || type == MT_HELLO
          ? VC_SYNC_RT : VC_ASYNC;
}

void
mt_thread_timing_init(void)
{
   prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
}
