/*
 * wdev.h - the workloads' view of a ws device: every ws call counted per
 * operation, and optionally attributed (the sync round trips, messages and
 * bytes each call cost, from ws_get_stats deltas around it).
 *
 * Counting is one increment and stays on in timed runs.  Attribution reads
 * the transport counters twice per call, so compare turns it on only in a
 * separate, untimed pass; it is what lets the report say "forward pays 3
 * round trips per bo_new" from measurement instead of from belief.
 *
 * A wdev outlives the ws devices it opens: the startup workload opens a
 * fresh one per iteration, and the counters add up across them.
 */
#ifndef MSMVIRT_WDEV_H
#define MSMVIRT_WDEV_H

#include <stdbool.h>
#include <stdint.h>

#include "vclock.h"
#include "ws.h"

struct mode_ctx;

enum wl_op {
   WL_OP_OPEN,
   WL_OP_CLOSE,
   WL_OP_GET_PARAM,
   WL_OP_SET_DEBUGINFO,
   WL_OP_BO_NEW,
   WL_OP_BO_FREE,
   WL_OP_BO_MAP,
   WL_OP_BO_UPLOAD,
   WL_OP_CPU_PREP,
   WL_OP_CPU_FINI,
   WL_OP_SET_NAME,
   WL_OP_MADVISE,
   WL_OP_QUEUE_NEW,
   WL_OP_QUEUE_CLOSE,
   WL_OP_QUEUE_FAULTS,
   WL_OP_SUBMIT,
   WL_OP_FENCE_WAIT,
   WL_OP_FLUSH,
   WL_OP_COUNT
};

/* "bo_new", ... */
const char *wl_op_name(enum wl_op op);

struct wl_opstat {
   uint64_t calls;
   /* attribution pass only: */
   uint64_t sync_round_trips;
   uint64_t messages;
   uint64_t bytes;
};

struct wdev {
   struct ws_dev *ws;          /* NULL while closed */
   struct mode_ctx *mode;
   bool attribute;
   struct wl_opstat op[WL_OP_COUNT];
   struct ws_stats closed;     /* stats of devices already closed */
   struct ws_stats pending;    /* attribution: stats at the call's start */
};

void wdev_init(struct wdev *w, struct mode_ctx *mode, bool attribute);
/* Open a fresh ws device through the mode (counted as WL_OP_OPEN). */
int wdev_open(struct wdev *w);
void wdev_close(struct wdev *w);
/* Transport stats summed over every device this wdev opened. */
void wdev_stats(struct wdev *w, struct ws_stats *st);

void wdev_begin_(struct wdev *w);
void wdev_end_(struct wdev *w, enum wl_op op);

static inline void
wdev_begin(struct wdev *w)
{
   /* The guest driver's own work per call (the virtual clock's cost model). */
   vclock_charge(VC_GUEST_CPU, vclock_costs.guest_op_ns);
   if (w->attribute)
      wdev_begin_(w);
}

static inline int
wdev_end(struct wdev *w, enum wl_op op, int ret)
{
   w->op[op].calls++;
   if (w->attribute)
      wdev_end_(w, op);
   return ret;
}

static inline int
w_get_param(struct wdev *w, uint32_t param, uint64_t *v)
{
   wdev_begin(w);
   return wdev_end(w, WL_OP_GET_PARAM, ws_get_param(w->ws, param, v));
}

static inline int
w_set_debuginfo(struct wdev *w, const char *comm, const char *cmdline)
{
   wdev_begin(w);
   return wdev_end(w, WL_OP_SET_DEBUGINFO,
                   ws_set_debuginfo(w->ws, comm, cmdline));
}

static inline int
w_bo_new(struct wdev *w, uint64_t size, uint32_t flags, struct ws_bo **out)
{
   wdev_begin(w);
   return wdev_end(w, WL_OP_BO_NEW, ws_bo_new(w->ws, size, flags, out));
}

static inline void
w_bo_free(struct wdev *w, struct ws_bo *bo)
{
   wdev_begin(w);
   ws_bo_free(bo);
   wdev_end(w, WL_OP_BO_FREE, 0);
}

static inline int
w_bo_map(struct wdev *w, struct ws_bo *bo, void **ptr)
{
   wdev_begin(w);
   return wdev_end(w, WL_OP_BO_MAP, ws_bo_map(bo, ptr));
}

static inline int
w_bo_upload(struct wdev *w, struct ws_bo *bo, uint64_t off, const void *src,
            uint64_t len)
{
   wdev_begin(w);
   return wdev_end(w, WL_OP_BO_UPLOAD, ws_bo_upload(bo, off, src, len));
}

static inline int
w_bo_cpu_prep(struct wdev *w, struct ws_bo *bo, uint32_t op, int64_t t)
{
   wdev_begin(w);
   return wdev_end(w, WL_OP_CPU_PREP, ws_bo_cpu_prep(bo, op, t));
}

static inline int
w_bo_cpu_fini(struct wdev *w, struct ws_bo *bo)
{
   wdev_begin(w);
   return wdev_end(w, WL_OP_CPU_FINI, ws_bo_cpu_fini(bo));
}

static inline int
w_bo_set_name(struct wdev *w, struct ws_bo *bo, const char *name)
{
   wdev_begin(w);
   return wdev_end(w, WL_OP_SET_NAME, ws_bo_set_name(bo, name));
}

static inline int
w_bo_madvise(struct wdev *w, struct ws_bo *bo, uint32_t madv,
             uint32_t *retained)
{
   wdev_begin(w);
   return wdev_end(w, WL_OP_MADVISE, ws_bo_madvise(bo, madv, retained));
}

static inline int
w_submitqueue_new(struct wdev *w, uint32_t prio, uint32_t flags,
                  uint32_t *id)
{
   wdev_begin(w);
   return wdev_end(w, WL_OP_QUEUE_NEW,
                   ws_submitqueue_new(w->ws, prio, flags, id));
}

static inline int
w_submitqueue_close(struct wdev *w, uint32_t id)
{
   wdev_begin(w);
   return wdev_end(w, WL_OP_QUEUE_CLOSE, ws_submitqueue_close(w->ws, id));
}

static inline int
w_submitqueue_faults(struct wdev *w, uint32_t id, uint32_t *faults)
{
   wdev_begin(w);
   return wdev_end(w, WL_OP_QUEUE_FAULTS,
                   ws_submitqueue_faults(w->ws, id, faults));
}

static inline int
w_submit(struct wdev *w, struct ws_submit *s)
{
   wdev_begin(w);
   return wdev_end(w, WL_OP_SUBMIT, ws_submit(w->ws, s));
}

static inline int
w_fence_wait(struct wdev *w, uint32_t queue, uint32_t fence, int64_t t)
{
   wdev_begin(w);
   return wdev_end(w, WL_OP_FENCE_WAIT,
                   ws_fence_wait(w->ws, queue, fence, t));
}

static inline int
w_flush(struct wdev *w)
{
   wdev_begin(w);
   return wdev_end(w, WL_OP_FLUSH, ws_flush(w->ws));
}

#endif
