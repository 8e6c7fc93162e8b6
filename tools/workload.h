/*
 * workload.h - the workloads compare runs, each written once against the
 * ws API (plain ws_* calls on a counted device, ws_count.h, with the guest
 * driver's ws_bo_cache.h and ws_pipe.h above it) so that exactly the same
 * work goes through every mode.  wk_ is the workloads' prefix (wk_frame.c,
 * struct wk_run, ...).
 *
 * A run opens its device(s) through the mode, does its untimed setup and
 * warmup, times `iters` iterations, verifies what the GPU produced (a
 * broken mode must fail loudly, not look fast) and tears down.
 */
#ifndef MSMVIRT_WORKLOAD_H
#define MSMVIRT_WORKLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "profile.h"
#include "vclock.h"
#include "ws_bo_cache.h"
#include "ws_count.h"

struct mode_ctx;
struct trace;

/* The timed part of one run. */
struct wk_sample {
   uint64_t iters;
   uint64_t elapsed_ns;
   struct ws_stats st;                /* transport counters, delta */
   struct ws_op_count op[WS_OP_COUNT];  /* ws calls, delta (and attribution) */
   struct ws_bo_cache_stats cache;       /* over the whole run */
   uint64_t path_ns[VC_NCAT];         /* critical path, delta (vclock.h) */
};

struct wk_run {
   struct mode_ctx *mode;
   const struct profile *prof;
   const struct trace *trace;  /* the trace workload's parsed file */
   uint32_t iters;             /* timed iterations */
   uint32_t warmup;            /* untimed iterations before them */
   bool attribute;             /* per-op round trips (slower; untimed pass) */
   char err[512];              /* why a run failed */
};

struct workload {
   const char *name;
   const char *unit;       /* what one iteration is: "frame", "BO", ... */
   const char *what;       /* one line for the report */
   /* Round trips per iteration that no remote design can avoid (a submit
    * whose completion the CPU waits for must reach the host and be
    * answered): the physical floor is direct time + floor_rtts * RTT.
    * 0: no floor is drawn. */
   unsigned floor_rtts;
   int (*run)(struct wk_run *r, struct wk_sample *out);
};

const struct workload *workload_table(unsigned *count);
/* "frame", ...; "trace" for trace:FILE. */
const struct workload *workload_find(const char *name);

/* -------------------------------------------- helpers for workloads */

struct wk_window {
   struct ws_counters *c;
   uint64_t t0;
   struct ws_stats st0;
   struct ws_op_count op0[WS_OP_COUNT];
};

/* Counters for a run's devices: attribution as r asks, and every ws call
 * charged the virtual clock's guest CPU cost (the driver's own work). */
void wk_counters_init(struct wk_run *r, struct ws_counters *c);
/* A fresh ws device through the run's mode, counted by c. */
int wk_open(struct wk_run *r, struct ws_counters *c, struct ws_dev **out);

uint64_t wk_now_ns(void);
void wk_window_start(struct wk_window *win, struct ws_counters *c);
void wk_window_stop(struct wk_window *win, uint64_t iters,
                    struct wk_sample *out);

/* acc += s (counts and time; the cache stats are left alone). */
void wk_sample_add(struct wk_sample *acc, const struct wk_sample *s);

/* Record why the run failed; returns -EIO (or ret when it is an errno). */
int wk_fail(struct wk_run *r, int ret, const char *fmt, ...)
   __attribute__((format(printf, 3, 4)));

/* Modelled application work of us microseconds (on the guest CPU). */
void cpu_work_us(uint32_t us);

/* A deterministic byte pattern for BO contents (seeded per BO). */
void wk_fill(void *dst, size_t len, uint32_t seed);

/* Cheap deterministic PRNG (xorshift32) for size mixes and choices. */
static inline uint32_t
wk_rand(uint32_t *state)
{
   uint32_t x = *state ? *state : 0x9e3779b9u;
   x ^= x << 13;
   x ^= x >> 17;
   x ^= x << 5;
   return *state = x;
}

/* Per-workload entry points. */
int wk_frame_run(struct wk_run *r, struct wk_sample *out);
int wk_alloc_run(struct wk_run *r, struct wk_sample *out);
int wk_dispatch_run(struct wk_run *r, struct wk_sample *out);
int wk_readback_run(struct wk_run *r, struct wk_sample *out);
int wk_startup_run(struct wk_run *r, struct wk_sample *out);
int wk_trace_run(struct wk_run *r, struct wk_sample *out);

/* Generous fence / cpu_prep timeout: a hang is a failure, not a result. */
#define WK_TIMEOUT_NS (5ll * 1000000000)

#endif
