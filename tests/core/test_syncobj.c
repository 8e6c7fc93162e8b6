/*
 * test_syncobj.c - the core's DRM syncobjs (msm_ctx_syncobj_*) and
 * GEM_SUBMIT's MSM_SUBMIT_SYNCOBJ_IN / _OUT, errno by errno against 6.1's
 * drm_syncobj.c and msm_gem_submit.c.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "msm_core.h"
#include "pm4.h"

#define MS 1000000ll

struct fx {
   struct msm_core *core;
   struct msm_ctx *ctx;
   char *hm;
   uint32_t dst;      /* a BO submits write into */
   uint64_t dst_off;  /* its hostmem offset */
};

static int
setup(void **state)
{
   static struct fx f;
   struct msm_core_config cfg;
   struct msm_hostmem_info hm;
   struct drm_msm_gem_new bo = { .size = 4096, .flags = MSM_BO_WC };
   struct drm_msm_gem_info info = { .info = MSM_INFO_GET_OFFSET };

   memset(&f, 0, sizeof(f));
   msm_core_config_defaults(&cfg);
   cfg.hostmem_size = 16ull << 20;
   if (msm_core_create(&cfg, &f.core) || msm_ctx_create(f.core, &f.ctx))
      return -1;
   msm_core_hostmem(f.core, &hm);
   f.hm = hm.base;
   if (msm_ctx_gem_new(f.ctx, &bo))
      return -1;
   f.dst = bo.handle;
   info.handle = bo.handle;
   if (msm_ctx_gem_info(f.ctx, &info, NULL))
      return -1;
   f.dst_off = info.value;
   *state = &f;
   return 0;
}

static int
teardown(void **state)
{
   struct fx *f = *state;
   struct msm_core_stats st;

   msm_ctx_destroy(f->ctx);
   /* Let what a test left running retire: its BOs live until then. */
   for (int i = 0; i < 500; i++) {
      msm_core_get_stats(f->core, &st);
      if (!st.inflight)
         break;
      usleep(10000);
   }
   msm_core_get_stats(f->core, &st);
   assert_int_equal(st.inflight, 0);
   /* Syncobjs die with their context, whatever the test left. */
   assert_int_equal(st.syncobjs, 0);
   assert_int_equal(st.contexts, 0);
   assert_int_equal(st.bos, 0);
   assert_int_equal(st.queues, 0);
   msm_core_destroy(f->core);
   return 0;
}

static int64_t
now_ns(void)
{
   struct timespec ts;
   clock_gettime(CLOCK_MONOTONIC, &ts);
   return ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

static uint32_t
so_create(struct msm_ctx *ctx, uint32_t flags)
{
   struct drm_syncobj_create c = { .flags = flags };
   assert_int_equal(msm_ctx_syncobj_create(ctx, &c), 0);
   assert_int_not_equal(c.handle, 0);
   return c.handle;
}

static int
so_destroy(struct msm_ctx *ctx, uint32_t handle)
{
   struct drm_syncobj_destroy d = { .handle = handle };
   return msm_ctx_syncobj_destroy(ctx, &d);
}

/* SYNCOBJ_WAIT with a deadline rel_ns from now (0: poll). */
static int
so_wait(struct msm_ctx *ctx, const uint32_t *h, uint32_t n, uint32_t flags,
        int64_t rel_ns, uint32_t *first)
{
   struct drm_syncobj_wait w = {
      .count_handles = n, .flags = flags, .first_signaled = 77,
      .timeout_nsec = rel_ns ? now_ns() + rel_ns : 0,
   };
   int ret = msm_ctx_syncobj_wait(ctx, &w, h);
   if (first)
      *first = w.first_signaled;
   return ret;
}

static int
so_reset(struct msm_ctx *ctx, const uint32_t *h, uint32_t n)
{
   struct drm_syncobj_array a = { .count_handles = n };
   return msm_ctx_syncobj_reset(ctx, &a, h);
}

static int
so_signal(struct msm_ctx *ctx, const uint32_t *h, uint32_t n)
{
   struct drm_syncobj_array a = { .count_handles = n };
   return msm_ctx_syncobj_signal(ctx, &a, h);
}

static uint32_t
dst_value(struct fx *f)
{
   uint32_t v;
   memcpy(&v, f->hm + f->dst_off, 4);
   return v;
}

/* A submit on queue 0 that writes value into f->dst, then keeps the "GPU"
 * busy for delay_ns; with syncobj arrays under the given flags. */
static int
submit(struct fx *f, struct msm_ctx *ctx, uint32_t dst, uint32_t value,
       uint64_t delay_ns, uint32_t flags,
       const struct drm_msm_gem_submit_syncobj *in, uint32_t nr_in,
       const struct drm_msm_gem_submit_syncobj *out, uint32_t nr_out)
{
   struct drm_msm_gem_new cs_bo = { .size = 4096, .flags = MSM_BO_WC };
   struct drm_msm_gem_info info = { .info = MSM_INFO_GET_OFFSET };
   uint32_t cs[16];
   unsigned n = 0;
   int ret;

   assert_int_equal(msm_ctx_gem_new(ctx, &cs_bo), 0);
   info.handle = cs_bo.handle;
   assert_int_equal(msm_ctx_gem_info(ctx, &info, NULL), 0);
   uint64_t cs_off = info.value;
   info = (struct drm_msm_gem_info){ .handle = dst, .info = MSM_INFO_GET_IOVA };
   if (msm_ctx_gem_info(ctx, &info, NULL))
      info.value = 0; /* a bad dst: the submit itself must refuse it */

   n += pm4_emit_mem_write(cs + n, info.value, &value, 1);
   if (delay_ns)
      n += pm4_emit_delay(cs + n, delay_ns);
   memcpy(f->hm + cs_off, cs, n * 4);

   struct drm_msm_gem_submit_bo bos[] = {
      { .flags = MSM_SUBMIT_BO_READ, .handle = cs_bo.handle },
      { .flags = MSM_SUBMIT_BO_WRITE, .handle = dst },
   };
   struct drm_msm_gem_submit_cmd cmd = {
      .type = MSM_SUBMIT_CMD_BUF, .submit_idx = 0, .size = n * 4,
   };
   struct drm_msm_gem_submit req = {
      .flags = MSM_PIPE_3D0 | flags, .nr_bos = 2, .nr_cmds = 1,
      .nr_in_syncobjs = nr_in, .nr_out_syncobjs = nr_out,
      .syncobj_stride = sizeof(struct drm_msm_gem_submit_syncobj),
   };
   ret = msm_ctx_gem_submit_syncobjs(ctx, &req, bos, &cmd, in, out);
   msm_ctx_gem_close(ctx, cs_bo.handle);
   return ret;
}

/* One OUT syncobj: its fence is a submit busy for delay_ns. */
static int
submit_out(struct fx *f, uint32_t value, uint64_t delay_ns, uint32_t handle)
{
   struct drm_msm_gem_submit_syncobj out = { .handle = handle };
   return submit(f, f->ctx, f->dst, value, delay_ns, MSM_SUBMIT_SYNCOBJ_OUT,
                 NULL, 0, &out, 1);
}

/* ---- create / destroy ------------------------------------------------ */

static void
test_create_destroy(void **state)
{
   struct fx *f = *state;
   struct drm_syncobj_create c = { .flags = 2 };
   struct drm_syncobj_destroy d = { .handle = 1, .pad = 1 };
   struct msm_core_stats st;

   /* Handles count up from 1 (idr_alloc(1, 0)) and come back lowest first. */
   assert_int_equal(so_create(f->ctx, 0), 1);
   assert_int_equal(so_create(f->ctx, DRM_SYNCOBJ_CREATE_SIGNALED), 2);
   assert_int_equal(so_create(f->ctx, 0), 3);
   msm_core_get_stats(f->core, &st);
   assert_int_equal(st.syncobjs, 3);
   assert_int_equal(so_destroy(f->ctx, 2), 0);
   assert_int_equal(so_create(f->ctx, 0), 2);
   assert_int_equal(so_create(f->ctx, 0), 4);

   /* Bad flags, bad pad, bad handles: EINVAL (drm_syncobj_destroy()). */
   assert_int_equal(msm_ctx_syncobj_create(f->ctx, &c), -EINVAL);
   assert_int_equal(msm_ctx_syncobj_destroy(f->ctx, &d), -EINVAL);
   assert_int_equal(so_destroy(f->ctx, 0), -EINVAL);
   assert_int_equal(so_destroy(f->ctx, 99), -EINVAL);
   assert_int_equal(so_destroy(f->ctx, 0xffffffffu), -EINVAL);
   assert_int_equal(so_destroy(f->ctx, 1), 0);
   assert_int_equal(so_destroy(f->ctx, 1), -EINVAL);
   msm_core_get_stats(f->core, &st);
   assert_int_equal(st.syncobjs, 3);
   /* The rest go with the context (teardown checks). */
}

static void
test_limit(void **state)
{
   struct msm_core_config cfg;
   struct msm_core *core;
   struct msm_ctx *ctx;
   struct drm_syncobj_create c = { 0 };
   struct msm_core_stats st;
   uint32_t h[5] = { 1, 1, 1, 1, 1 };

   (void)state;
   msm_core_config_defaults(&cfg);
   cfg.hostmem_size = 1 << 20;
   cfg.limits.max_syncobjs = 3;
   cfg.limits.max_syncobj_handles = 4;
   assert_int_equal(msm_core_create(&cfg, &core), 0);
   assert_int_equal(msm_ctx_create(core, &ctx), 0);
   for (int i = 0; i < 3; i++)
      so_create(ctx, DRM_SYNCOBJ_CREATE_SIGNALED);
   assert_int_equal(msm_ctx_syncobj_create(ctx, &c), -ENOMEM);
   assert_int_equal(so_destroy(ctx, 3), 0);
   assert_int_equal(so_create(ctx, 0), 3);
   /* handles[] beyond the limit: E2BIG before anything is looked up. */
   assert_int_equal(so_wait(ctx, h, 4, 0, 0, NULL), 0);
   assert_int_equal(so_wait(ctx, h, 5, 0, 0, NULL), -E2BIG);
   assert_int_equal(so_signal(ctx, h, 5), -E2BIG);
   assert_int_equal(so_reset(ctx, h, 5), -E2BIG);
   msm_ctx_destroy(ctx);
   msm_core_get_stats(core, &st);
   assert_int_equal(st.syncobjs, 0);
   msm_core_destroy(core);
}

/* ---- wait ------------------------------------------------------------ */

static void
test_wait_signalled(void **state)
{
   struct fx *f = *state;
   uint32_t h = so_create(f->ctx, DRM_SYNCOBJ_CREATE_SIGNALED), first;

   assert_int_equal(so_wait(f->ctx, &h, 1, 0, 0, &first), 0);
   assert_int_equal(first, 0);
   assert_int_equal(so_wait(f->ctx, &h, 1, DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL,
                            100 * MS, &first), 0);
   assert_int_equal(first, 0);
   /* A deadline in the past polls, like 0. */
   struct drm_syncobj_wait w = { .count_handles = 1, .timeout_nsec = 1 };
   assert_int_equal(msm_ctx_syncobj_wait(f->ctx, &w, &h), 0);
   w.timeout_nsec = -5;
   assert_int_equal(msm_ctx_syncobj_wait(f->ctx, &w, &h), 0);
}

static void
test_wait_errors(void **state)
{
   struct fx *f = *state;
   uint32_t h[2] = { so_create(f->ctx, DRM_SYNCOBJ_CREATE_SIGNALED),
                     so_create(f->ctx, 0) };
   uint32_t bad[2] = { h[0], 42 };
   struct drm_syncobj_wait w = { .count_handles = 1 };

   /* No fence and no WAIT_FOR_SUBMIT: EINVAL, whatever else is signalled. */
   assert_int_equal(so_wait(f->ctx, &h[1], 1, 0, 0, NULL), -EINVAL);
   assert_int_equal(so_wait(f->ctx, h, 2, 0, 100 * MS, NULL), -EINVAL);
   assert_int_equal(so_wait(f->ctx, h, 2, DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL,
                            0, NULL), -EINVAL);
   /* ...but with WAIT_FOR_SUBMIT "any" is already satisfied. */
   assert_int_equal(so_wait(f->ctx, h, 2,
                            DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT, 0, NULL), 0);
   /* A bad handle anywhere: ENOENT (drm_syncobj_array_find()). */
   assert_int_equal(so_wait(f->ctx, bad, 2, 0, 0, NULL), -ENOENT);
   bad[1] = 0;
   assert_int_equal(so_wait(f->ctx, bad, 2, 0, 0, NULL), -ENOENT);
   /* Flags: WAIT_AVAILABLE is timeline-only; unknown bits. */
   assert_int_equal(so_wait(f->ctx, h, 1, DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE,
                            0, NULL), -EINVAL);
   assert_int_equal(so_wait(f->ctx, h, 1, 1u << 7, 0, NULL), -EINVAL);
   /* No handles (6.1: EINVAL), a NULL array (EFAULT). */
   assert_int_equal(so_wait(f->ctx, h, 0, 0, 0, NULL), -EINVAL);
   assert_int_equal(msm_ctx_syncobj_wait(f->ctx, &w, NULL), -EFAULT);
}

static void
test_wait_timeout(void **state)
{
   struct fx *f = *state;
   uint32_t h = so_create(f->ctx, 0), e = so_create(f->ctx, 0);
   int64_t t0;

   assert_int_equal(submit_out(f, 1, 300 * MS, h), 0);
   /* Poll: ETIME at once (not the WAIT_FENCE's ETIMEDOUT). */
   t0 = now_ns();
   assert_int_equal(so_wait(f->ctx, &h, 1, 0, 0, NULL), -ETIME);
   assert_true(now_ns() - t0 < 250 * MS);
   /* A deadline: ETIME once it passed, not before. */
   t0 = now_ns();
   assert_int_equal(so_wait(f->ctx, &h, 1, 0, 30 * MS, NULL), -ETIME);
   assert_true(now_ns() - t0 >= 30 * MS);
   /* WAIT_FOR_SUBMIT on a syncobj nobody submits to: ETIME too. */
   assert_int_equal(so_wait(f->ctx, &e, 1,
                            DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT, 20 * MS,
                            NULL), -ETIME);
   /* And the fence does signal. */
   assert_int_equal(so_wait(f->ctx, &h, 1, 0, 5000 * MS, NULL), 0);
}

static void
test_wait_all_any(void **state)
{
   struct fx *f = *state;
   uint32_t busy = so_create(f->ctx, 0), done = so_create(f->ctx, 0);
   uint32_t h[3] = { busy, done, busy }, first;

   assert_int_equal(submit_out(f, 1, 0, done), 0);
   assert_int_equal(so_wait(f->ctx, &done, 1, 0, 5000 * MS, NULL), 0);
   assert_int_equal(submit_out(f, 2, 300 * MS, busy), 0);

   /* Any: the first signalled index. */
   assert_int_equal(so_wait(f->ctx, h, 3, 0, 0, &first), 0);
   assert_int_equal(first, 1);
   /* All: not yet. */
   assert_int_equal(so_wait(f->ctx, h, 3, DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL,
                            20 * MS, NULL), -ETIME);
   /* Waiting for all: done at once it retires, first_signaled is the
    * first index that was signalled when the wait began. */
   assert_int_equal(so_wait(f->ctx, h, 3, DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL,
                            5000 * MS, &first), 0);
   assert_int_equal(first, 1);
   assert_int_equal(dst_value(f), 2);
   /* Now everything is signalled: the lowest index. */
   assert_int_equal(so_wait(f->ctx, h, 3, 0, 0, &first), 0);
   assert_int_equal(first, 0);
}

/* An "any" wait that started with nothing signalled reports the index that
 * signalled, and a wait whose fences all started unsignalled reports ~0
 * with WAIT_ALL (the kernel only records the first pass). */
static void
test_wait_any_sleeps(void **state)
{
   struct fx *f = *state;
   uint32_t a = so_create(f->ctx, 0), b = so_create(f->ctx, 0);
   uint32_t h[2] = { a, b }, first;

   assert_int_equal(submit_out(f, 1, 100 * MS, a), 0);
   assert_int_equal(submit_out(f, 2, 200 * MS, b), 0);
   assert_int_equal(so_wait(f->ctx, h, 2, 0, 5000 * MS, &first), 0);
   assert_int_equal(first, 0);
   assert_int_equal(so_wait(f->ctx, &b, 1, 0, 0, NULL), -ETIME);
   assert_int_equal(so_wait(f->ctx, h, 2, DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL,
                            5000 * MS, &first), 0);
   assert_int_equal(first, 0); /* a was signalled when this wait began */
}

struct waiter {
   struct msm_ctx *ctx;
   uint32_t handle;
   uint32_t flags;
   int64_t rel_ns;
   atomic_int done;
   int ret;
   pthread_t thread;
};

static void *
waiter_main(void *arg)
{
   struct waiter *w = arg;
   w->ret = so_wait(w->ctx, &w->handle, 1, w->flags, w->rel_ns, NULL);
   atomic_store(&w->done, 1);
   return NULL;
}

static void
waiter_start(struct waiter *w, struct msm_ctx *ctx, uint32_t handle,
             uint32_t flags, int64_t rel_ns)
{
   w->ctx = ctx;
   w->handle = handle;
   w->flags = flags;
   w->rel_ns = rel_ns;
   atomic_store(&w->done, 0);
   assert_int_equal(pthread_create(&w->thread, NULL, waiter_main, w), 0);
}

static int
waiter_join(struct waiter *w)
{
   pthread_join(w->thread, NULL);
   return w->ret;
}

static void
test_wait_for_submit(void **state)
{
   struct fx *f = *state;
   uint32_t h = so_create(f->ctx, 0);
   struct waiter w;

   /* Blocks until a submit attaches a fence, then until that signals. */
   waiter_start(&w, f->ctx, h, DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT,
                5000 * MS);
   usleep(50000);
   assert_false(atomic_load(&w.done));
   assert_int_equal(submit_out(f, 7, 300 * MS, h), 0);
   usleep(30000);
   assert_false(atomic_load(&w.done)); /* fence there, not signalled yet */
   assert_int_equal(waiter_join(&w), 0);
   assert_int_equal(dst_value(f), 7);

   /* SIGNAL attaches a fence too. */
   assert_int_equal(so_reset(f->ctx, &h, 1), 0);
   waiter_start(&w, f->ctx, h, DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT,
                5000 * MS);
   usleep(30000);
   assert_false(atomic_load(&w.done));
   assert_int_equal(so_signal(f->ctx, &h, 1), 0);
   assert_int_equal(waiter_join(&w), 0);

   /* A fence attached and reset again while the waiter slept: it still
    * counts (the kernel's waiter takes it from its callback). */
   assert_int_equal(so_reset(f->ctx, &h, 1), 0);
   waiter_start(&w, f->ctx, h, DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT,
                2000 * MS);
   usleep(30000);
   assert_int_equal(so_signal(f->ctx, &h, 1), 0);
   assert_int_equal(so_reset(f->ctx, &h, 1), 0);
   assert_int_equal(waiter_join(&w), 0);
}

/* A wait keeps the fence it took: a RESET, or a destroy of the handle,
 * does not change what it waits for. */
static void
test_wait_keeps_fence(void **state)
{
   struct fx *f = *state;
   uint32_t h = so_create(f->ctx, 0), e = so_create(f->ctx, 0);
   struct waiter w, we;
   struct msm_core_stats st;

   assert_int_equal(submit_out(f, 3, 300 * MS, h), 0);
   waiter_start(&w, f->ctx, h, 0, 5000 * MS);
   waiter_start(&we, f->ctx, e, DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT,
                400 * MS);
   usleep(30000);
   assert_int_equal(so_reset(f->ctx, &h, 1), 0);
   assert_int_equal(so_destroy(f->ctx, h), 0);
   assert_int_equal(so_destroy(f->ctx, e), 0);
   /* Gone from the table; the sleeping waits still hold them. */
   msm_core_get_stats(f->core, &st);
   assert_int_equal(st.syncobjs, 2);
   assert_int_equal(waiter_join(&w), 0);
   assert_int_equal(waiter_join(&we), -ETIME);
   msm_core_get_stats(f->core, &st);
   assert_int_equal(st.syncobjs, 0);
}

/* msm_ctx_abort(): the guest is gone, a WAIT_FOR_SUBMIT nobody will ever
 * submit for must let its thread go. */
static void
test_abort_waits(void **state)
{
   struct fx *f = *state;
   uint32_t h = so_create(f->ctx, 0);
   struct waiter w;

   waiter_start(&w, f->ctx, h, DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT,
                60000 * MS);
   usleep(30000);
   msm_ctx_abort(f->ctx);
   assert_int_equal(waiter_join(&w), -ENODEV);
   /* What needs no sleep is still answered. */
   assert_int_equal(so_signal(f->ctx, &h, 1), 0);
   assert_int_equal(so_wait(f->ctx, &h, 1, 0, 1000 * MS, NULL), 0);
   assert_int_equal(so_reset(f->ctx, &h, 1), 0);
   assert_int_equal(so_wait(f->ctx, &h, 1,
                            DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT, 1000 * MS,
                            NULL), -ENODEV);
}

/* ---- reset / signal -------------------------------------------------- */

static void
test_reset_signal(void **state)
{
   struct fx *f = *state;
   uint32_t h[2] = { so_create(f->ctx, DRM_SYNCOBJ_CREATE_SIGNALED),
                     so_create(f->ctx, 0) };
   uint32_t bad[2] = { h[0], 9 };
   struct drm_syncobj_array pad = { .count_handles = 1, .pad = 1 };

   assert_int_equal(so_reset(f->ctx, h, 2), 0);
   assert_int_equal(so_wait(f->ctx, &h[0], 1, 0, 0, NULL), -EINVAL);
   assert_int_equal(so_signal(f->ctx, h, 2), 0);
   assert_int_equal(so_wait(f->ctx, h, 2, DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL, 0,
                            NULL), 0);
   /* Signalling a signalled one, resetting a reset one: fine. */
   assert_int_equal(so_signal(f->ctx, h, 2), 0);
   assert_int_equal(so_reset(f->ctx, &h[1], 1), 0);
   assert_int_equal(so_reset(f->ctx, &h[1], 1), 0);

   /* A bad handle: ENOENT, and nothing was changed. */
   assert_int_equal(so_reset(f->ctx, bad, 2), -ENOENT);
   assert_int_equal(so_wait(f->ctx, &h[0], 1, 0, 0, NULL), 0);
   bad[0] = h[1];
   assert_int_equal(so_signal(f->ctx, bad, 2), -ENOENT);
   assert_int_equal(so_wait(f->ctx, &h[1], 1, 0, 0, NULL), -EINVAL);
   /* pad, no handles, a NULL array. */
   assert_int_equal(msm_ctx_syncobj_reset(f->ctx, &pad, h), -EINVAL);
   assert_int_equal(msm_ctx_syncobj_signal(f->ctx, &pad, h), -EINVAL);
   assert_int_equal(so_reset(f->ctx, h, 0), -EINVAL);
   assert_int_equal(so_signal(f->ctx, h, 0), -EINVAL);
   assert_int_equal(so_reset(f->ctx, NULL, 1), -EFAULT);
   assert_int_equal(so_signal(f->ctx, NULL, 1), -EFAULT);

   /* Reset replaces a busy submit's fence with none. */
   assert_int_equal(submit_out(f, 1, 100 * MS, h[1]), 0);
   assert_int_equal(so_reset(f->ctx, &h[1], 1), 0);
   assert_int_equal(so_wait(f->ctx, &h[1], 1, 0, 0, NULL), -EINVAL);
}

/* ---- GEM_SUBMIT ------------------------------------------------------ */

static void
test_submit_out(void **state)
{
   struct fx *f = *state;
   uint32_t h[2] = { so_create(f->ctx, 0),
                     so_create(f->ctx, DRM_SYNCOBJ_CREATE_SIGNALED) };
   struct drm_msm_gem_submit_syncobj out[2] = { { .handle = h[0] },
                                               { .handle = h[1] } };
   struct msm_core_stats st;

   /* Both get the submit's fence (a signalled one is replaced). */
   assert_int_equal(submit(f, f->ctx, f->dst, 0x5eed, 100 * MS,
                           MSM_SUBMIT_SYNCOBJ_OUT, NULL, 0, out, 2), 0);
   assert_int_equal(so_wait(f->ctx, h, 2, 0, 0, NULL), -ETIME);
   assert_int_equal(so_wait(f->ctx, h, 2, DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL,
                            5000 * MS, NULL), 0);
   /* The CPU sees the submit's CP_MEM_WRITE once the wait returns. */
   assert_int_equal(dst_value(f), 0x5eed);
   msm_core_get_stats(f->core, &st);
   assert_int_equal(st.inflight, 0);
   /* The fence outlives its submit. */
   assert_int_equal(so_wait(f->ctx, h, 2, DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL, 0,
                            NULL), 0);
   /* Without the flag the arrays are not looked at. */
   out[0].handle = 999;
   assert_int_equal(submit(f, f->ctx, f->dst, 1, 0, 0, NULL, 7, out, 9), 0);
}

static void
test_submit_in_reset(void **state)
{
   struct fx *f = *state;
   uint32_t a = so_create(f->ctx, 0), b = so_create(f->ctx, 0);
   struct drm_msm_gem_submit_syncobj in = {
      .handle = a, .flags = MSM_SUBMIT_SYNCOBJ_RESET,
   }, out = { .handle = b };

   /* a: a busy submit writing 1.  The next submit waits for it, writes 2,
    * and resets a once it is queued; b carries its fence. */
   assert_int_equal(submit_out(f, 1, 200 * MS, a), 0);
   assert_int_equal(submit(f, f->ctx, f->dst, 2, 0,
                           MSM_SUBMIT_SYNCOBJ_IN | MSM_SUBMIT_SYNCOBJ_OUT,
                           &in, 1, &out, 1), 0);
   assert_int_equal(so_wait(f->ctx, &a, 1, 0, 0, NULL), -EINVAL);
   assert_int_equal(so_wait(f->ctx, &b, 1, 0, 0, NULL), -ETIME);
   assert_int_equal(so_wait(f->ctx, &b, 1, 0, 5000 * MS, NULL), 0);
   assert_int_equal(dst_value(f), 2);

   /* Without RESET the in-syncobj keeps its fence. */
   assert_int_equal(so_signal(f->ctx, &a, 1), 0);
   in.flags = 0;
   assert_int_equal(submit(f, f->ctx, f->dst, 3, 0, MSM_SUBMIT_SYNCOBJ_IN,
                           &in, 1, NULL, 0), 0);
   assert_int_equal(so_wait(f->ctx, &a, 1, 0, 0, NULL), 0);

   /* The same syncobj in and out (reset, then the new fence). */
   in.flags = MSM_SUBMIT_SYNCOBJ_RESET;
   out.handle = a;
   assert_int_equal(submit(f, f->ctx, f->dst, 4, 50 * MS,
                           MSM_SUBMIT_SYNCOBJ_IN | MSM_SUBMIT_SYNCOBJ_OUT,
                           &in, 1, &out, 1), 0);
   assert_int_equal(so_wait(f->ctx, &a, 1, 0, 5000 * MS, NULL), 0);
   assert_int_equal(dst_value(f), 4);
}

static void
test_submit_errors(void **state)
{
   struct fx *f = *state;
   uint32_t sig = so_create(f->ctx, DRM_SYNCOBJ_CREATE_SIGNALED);
   uint32_t none = so_create(f->ctx, 0);
   struct drm_msm_gem_submit_syncobj in = { .handle = sig }, out = { .handle = none };
   struct msm_core_stats before, after;
   const uint32_t IN = MSM_SUBMIT_SYNCOBJ_IN, OUT = MSM_SUBMIT_SYNCOBJ_OUT;

   msm_core_get_stats(f->core, &before);
   /* msm_parse_deps(): point without timelines, bad flags, unknown handle,
    * a syncobj without a fence. */
   in.point = 1;
   assert_int_equal(submit(f, f->ctx, f->dst, 1, 0, IN, &in, 1, NULL, 0),
                    -EOPNOTSUPP);
   in.point = 0;
   in.flags = 2;
   assert_int_equal(submit(f, f->ctx, f->dst, 1, 0, IN, &in, 1, NULL, 0),
                    -EINVAL);
   in.flags = 0;
   in.handle = 77;
   assert_int_equal(submit(f, f->ctx, f->dst, 1, 0, IN, &in, 1, NULL, 0),
                    -ENOENT);
   in.handle = none;
   assert_int_equal(submit(f, f->ctx, f->dst, 1, 0, IN, &in, 1, NULL, 0),
                    -EINVAL);
   /* msm_parse_post_deps(): any flag, point, unknown handle. */
   out.flags = MSM_SUBMIT_SYNCOBJ_RESET;
   assert_int_equal(submit(f, f->ctx, f->dst, 1, 0, OUT, NULL, 0, &out, 1),
                    -EINVAL);
   out.flags = 0;
   out.point = 3;
   assert_int_equal(submit(f, f->ctx, f->dst, 1, 0, OUT, NULL, 0, &out, 1),
                    -EOPNOTSUPP);
   out.point = 0;
   out.handle = 78;
   assert_int_equal(submit(f, f->ctx, f->dst, 1, 0, OUT, NULL, 0, &out, 1),
                    -EINVAL);
   /* Arrays: over the limit, missing. */
   assert_int_equal(submit(f, f->ctx, f->dst, 1, 0, IN, &in, 257, NULL, 0),
                    -E2BIG);
   assert_int_equal(submit(f, f->ctx, f->dst, 1, 0, IN, NULL, 1, NULL, 0),
                    -EFAULT);
   assert_int_equal(submit(f, f->ctx, f->dst, 1, 0, OUT, NULL, 0, NULL, 1),
                    -EFAULT);

   /* A failing submit changes no syncobj: a valid RESET in-syncobj with a
    * bad out-syncobj leaves the in-syncobj's fence, and a valid out-syncobj
    * with a later bad BO gets no fence. */
   in = (struct drm_msm_gem_submit_syncobj){ .handle = sig,
                                            .flags = MSM_SUBMIT_SYNCOBJ_RESET };
   assert_int_equal(submit(f, f->ctx, f->dst, 1, 0, IN | OUT, &in, 1, &out, 1),
                    -EINVAL);
   assert_int_equal(so_wait(f->ctx, &sig, 1, 0, 0, NULL), 0);
   out.handle = none;
   assert_int_equal(submit(f, f->ctx, 12345, 1, 0, IN | OUT, &in, 1, &out, 1),
                    -EINVAL);
   assert_int_equal(so_wait(f->ctx, &sig, 1, 0, 0, NULL), 0);
   assert_int_equal(so_wait(f->ctx, &none, 1, 0, 0, NULL), -EINVAL);
   msm_core_get_stats(f->core, &after);
   assert_int_equal(after.submits, before.submits);
   assert_int_equal(after.syncobjs, before.syncobjs);
}

/* ---- contexts -------------------------------------------------------- */

static void
test_per_context(void **state)
{
   struct fx *f = *state;
   struct msm_ctx *ctx2;
   struct msm_core_stats st;
   uint32_t a, b, h3;

   assert_int_equal(msm_ctx_create(f->core, &ctx2), 0);
   a = so_create(f->ctx, DRM_SYNCOBJ_CREATE_SIGNALED);
   b = so_create(ctx2, 0);
   /* Same number, different objects. */
   assert_int_equal(a, b);
   assert_int_equal(so_wait(f->ctx, &a, 1, 0, 0, NULL), 0);
   assert_int_equal(so_wait(ctx2, &b, 1, 0, 0, NULL), -EINVAL);
   h3 = so_create(f->ctx, 0);
   assert_int_equal(so_wait(ctx2, &h3, 1, 0, 0, NULL), -ENOENT);
   assert_int_equal(so_destroy(ctx2, h3), -EINVAL);
   assert_int_equal(so_signal(ctx2, &h3, 1), -ENOENT);

   /* One context's submit cannot name another's syncobj. */
   struct drm_msm_gem_submit_syncobj out = { .handle = h3 };
   struct drm_msm_gem_new bo = { .size = 4096, .flags = MSM_BO_WC };
   assert_int_equal(msm_ctx_gem_new(ctx2, &bo), 0);
   assert_int_equal(submit(f, ctx2, bo.handle, 1, 0, MSM_SUBMIT_SYNCOBJ_OUT,
                           NULL, 0, &out, 1), -EINVAL);

   /* ctx2's syncobjs die with it, while a submit of its own still runs. */
   so_create(ctx2, 0);
   out.handle = b;
   assert_int_equal(submit(f, ctx2, bo.handle, 1, 50 * MS,
                           MSM_SUBMIT_SYNCOBJ_OUT, NULL, 0, &out, 1), 0);
   msm_core_get_stats(f->core, &st);
   assert_int_equal(st.syncobjs, 4);
   msm_ctx_destroy(ctx2);
   msm_core_get_stats(f->core, &st);
   assert_int_equal(st.syncobjs, 2);
   assert_int_equal(so_wait(f->ctx, &a, 1, 0, 0, NULL), 0);
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
   const struct CMUnitTest tests[] = {
      T(test_create_destroy),
      cmocka_unit_test(test_limit),
      T(test_wait_signalled),
      T(test_wait_errors),
      T(test_wait_timeout),
      T(test_wait_all_any),
      T(test_wait_any_sleeps),
      T(test_wait_for_submit),
      T(test_wait_keeps_fence),
      T(test_abort_waits),
      T(test_reset_signal),
      T(test_submit_out),
      T(test_submit_in_reset),
      T(test_submit_errors),
      T(test_per_context),
   };
   return cmocka_run_group_tests(tests, NULL, NULL);
}
