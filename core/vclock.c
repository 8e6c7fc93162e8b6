/*
 * vclock.c - the real clock, and the switch to a virtual one (vclock.h).
 */
#include <time.h>

#include "vclock.h"

const char *const vc_cat_name[VC_NCAT] = {
   [VC_GUEST_CPU] = "guest_cpu",
   [VC_HOST_CPU] = "host_cpu",
   [VC_GPU] = "gpu",
   [VC_SYNC_RT] = "sync_rt",
   [VC_ASYNC] = "async_wait",
   [VC_EXIT] = "exit_irq",
   [VC_OTHER] = "other",
};

const char *const vc_cat_label[VC_NCAT] = {
   [VC_GUEST_CPU] = "guest CPU",
   [VC_HOST_CPU] = "host CPU",
   [VC_GPU] = "GPU",
   [VC_SYNC_RT] = "sync round trips",
   [VC_ASYNC] = "async / fence events",
   [VC_EXIT] = "VM exits + IRQs",
   [VC_OTHER] = "other (polls, timeouts)",
};

/* Round numbers for a current x86 host under KVM, stated in the report as
 * assumptions, not measurements: a light VM exit with an ioeventfd kick and
 * an injected interrupt with its guest handler each cost a couple of
 * microseconds of CPU; an ioctl into a kernel driver about one; framing a
 * message a few hundred ns; memcpy ~10 GB/s.  A thread hand-off inside one
 * side is free: a VMM's device model runs on the vCPU's exit, not on a
 * thread it has to wake (the harness does; --cost-wake-ns replays that). */
#define VCLOCK_DEFAULT_COSTS { \
   .guest_op_ns = 300,          \
   .host_op_ns = 1000,          \
   .msg_ns = 500,               \
   .byte_ps = 100,              \
   .vm_exit_ns = 2000,          \
   .irq_ns = 2000,              \
   .wake_ns = 0,                \
}
const struct vclock_costs vclock_default_costs = VCLOCK_DEFAULT_COSTS;
struct vclock_costs vclock_costs = VCLOCK_DEFAULT_COSTS;

static const struct vclock_sched *sched;

void
vclock_set_sched(const struct vclock_sched *s)
{
   sched = s;
}

bool
vclock_is_virtual(void)
{
   return sched != NULL;
}

static uint64_t
clock_ns(clockid_t id)
{
   struct timespec ts;

   clock_gettime(id, &ts);
   return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t
vclock_now_ns(void)
{
   return sched ? sched->now() : clock_ns(CLOCK_MONOTONIC);
}

uint64_t
vclock_wall_ns(void)
{
   /* CLOCK_BOOTTIME: the virtual scheduler only stands in for MONOTONIC. */
   return clock_ns(CLOCK_BOOTTIME);
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
vclock_wait_until(uint64_t deadline_ns, enum vc_cat cat)
{
   /* The GPU thread spins less: on a small machine its spin takes the CPU
    * from the thread it is about to wake. */
   const uint64_t spin_ns = cat == VC_GPU ? 30000 : 100000;

   if (sched) {
      sched->sleep_until(deadline_ns, cat);
      return;
   }
   for (;;) {
      uint64_t now = clock_ns(CLOCK_MONOTONIC);
      if (now >= deadline_ns)
         return;
      if (deadline_ns - now > spin_ns) {
         uint64_t wake = deadline_ns - spin_ns;
         struct timespec ts = {
            .tv_sec = (time_t)(wake / 1000000000ull),
            .tv_nsec = (long)(wake % 1000000000ull),
         };
         clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
      } else {
         cpu_relax();
      }
   }
}

void
vclock_charge(enum vc_cat cat, uint64_t ns)
{
   if (sched && ns)
      sched->sleep_until(sched->now() + ns, cat);
}

void
vclock_charge_msg(enum vc_cat side, uint64_t len)
{
   if (sched)
      vclock_charge(side, vclock_costs.msg_ns +
                          len * vclock_costs.byte_ps / 1000);
}

void
vclock_path_mark(void)
{
   if (sched)
      sched->mark();
}

void
vclock_path(uint64_t out[VC_NCAT])
{
   for (unsigned i = 0; i < VC_NCAT; i++)
      out[i] = 0;
   if (sched)
      sched->path(out);
}
