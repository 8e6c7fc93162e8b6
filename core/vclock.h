/*
 * vclock.h - the clock the latency model, the sim GPU and the workloads'
 * modelled CPU time run on: real (CLOCK_MONOTONIC) or virtual.
 *
 * Real: vclock_now_ns() is CLOCK_MONOTONIC, vclock_wait_until() sleeps and
 * spins, vclock_charge() does nothing (the real CPU pays for itself).
 *
 * Virtual (vsched.c, linked only into the binaries that ask for it): the
 * same code runs, one thread at a time, and time only moves when every
 * thread waits; waits and charges advance a deterministic virtual clock and
 * are booked to a category, so each thread carries the critical path that
 * led to it (vclock_path_mark(), vclock_path()).  The categories sum to the elapsed virtual
 * time exactly.
 */
#ifndef MSMVIRT_VCLOCK_H
#define MSMVIRT_VCLOCK_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What a stretch of the critical path was spent on. */
enum vc_cat {
   VC_GUEST_CPU,   /* the workload's modelled CPU, guest driver and framing */
   VC_HOST_CPU,    /* host framing and executing requests on the core */
   VC_GPU,         /* modelled GPU time */
   VC_SYNC_RT,     /* one-way delays of CALLs and their REPLYs */
   VC_ASYNC,       /* one-way delays of SENDs and EVENTs (fence events) */
   VC_EXIT,        /* VM exits (guest notifies) and interrupt injections */
   VC_OTHER,       /* poll sleeps, timeouts */
   VC_NCAT,
};

/* Short names (JSON keys) and labels (the report): one table, vclock.c. */
extern const char *const vc_cat_name[VC_NCAT];
extern const char *const vc_cat_label[VC_NCAT];

/* The CPU cost model of the virtual clock (ignored by the real one).
 * Defaults in vclock.c; compare prints them and takes --cost-* flags. */
struct vclock_costs {
   uint64_t guest_op_ns;   /* guest driver work per ws call */
   uint64_t host_op_ns;    /* host work per request run on the core */
   uint64_t msg_ns;        /* framing one message, each side */
   uint64_t byte_ps;       /* copying one byte, each side (picoseconds) */
   uint64_t vm_exit_ns;    /* a guest->host notification */
   uint64_t irq_ns;        /* a host->guest interrupt, injected + handled */
   uint64_t wake_ns;       /* one thread waking another (0 for the design
                            * model; set to replay this machine) */
};
extern struct vclock_costs vclock_costs;
extern const struct vclock_costs vclock_default_costs;

/* What a virtual scheduler provides (vsched.c). */
struct vclock_sched {
   uint64_t (*now)(void);
   void (*sleep_until)(uint64_t deadline_ns, enum vc_cat cat);
   void (*path)(uint64_t out[VC_NCAT]);
   void (*mark)(void);
};

void vclock_set_sched(const struct vclock_sched *s); /* NULL: real */
bool vclock_is_virtual(void);

uint64_t vclock_now_ns(void);
/* A wall clock for the harness itself (progress, run time): never virtual. */
uint64_t vclock_wall_ns(void);
/* Until vclock_now_ns() >= deadline.  Real: sleep, then spin the last
 * stretch (timer slack makes plain sleeps useless below ~50 us). */
void vclock_wait_until(uint64_t deadline_ns, enum vc_cat cat);
/* CPU work of ns on this thread under the cost model (virtual only). */
void vclock_charge(enum vc_cat cat, uint64_t ns);
/* Framing + copying one message of len bytes on this side. */
void vclock_charge_msg(enum vc_cat side, uint64_t len);
/* Start a measuring window (one at a time, process-wide), and this thread's
 * critical path since then, per category: the categories sum to the
 * virtual time elapsed since the mark.  Zeros on the real clock. */
void vclock_path_mark(void);
void vclock_path(uint64_t out[VC_NCAT]);

#ifdef __cplusplus
}
#endif

#endif
