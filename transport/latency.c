/*
 * latency.c - the clock and the precise wait behind the latency model.
 *
 * The modelled one-way delays are 1-50 us; Linux's default 50 us timer slack
 * (and a sleep's wakeup latency) would swamp them.  So: sleep until a margin
 * before the deadline, then spin on the clock.  The margin also covers
 * threads we did not create (a mt_call() caller) whose slack we leave alone.
 */
#include <sys/prctl.h>
#include <time.h>

#include "mt_priv.h"

#define MT_SPIN_NS 100000ull

uint64_t
mt_now_ns(void)
{
   struct timespec ts;

   clock_gettime(CLOCK_MONOTONIC, &ts);
   return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static inline void
cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
   __builtin_ia32_pause();
#elif defined(__aarch64__)
   __asm__ volatile("yield");
#endif
}

void
mt_wait_until(uint64_t deadline_ns)
{
   for (;;) {
      uint64_t now = mt_now_ns();
      if (now >= deadline_ns)
         return;

      if (deadline_ns - now > MT_SPIN_NS) {
         uint64_t wake = deadline_ns - MT_SPIN_NS;
         struct timespec ts = {
            .tv_sec = wake / 1000000000ull,
            .tv_nsec = wake % 1000000000ull,
         };
         clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
      } else {
         cpu_relax();
      }
   }
}

void
mt_thread_timing_init(void)
{
   prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
}
