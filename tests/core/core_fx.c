/*
 * core_fx.c - the core test fixture: one core, one context, and the small
 * helpers the core suites share (BOs, deadlines, a submit that writes).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "core_fx.h"
#include "pm4.h"

struct msm_core_config
fx_config(void)
{
   struct msm_core_config cfg;
   msm_core_config_defaults(&cfg);
   cfg.hostmem_size = 64ull << 20;
   return cfg;
}

int
fx_open(struct fx *f, const struct msm_core_config *cfg)
{
   struct msm_hostmem_info hm;
   if (msm_core_create(cfg, &f->core) || msm_ctx_create(f->core, &f->ctx))
      return -1;
   msm_core_hostmem(f->core, &hm);
   f->hm = hm.base;
   return 0;
}

int
setup(void **state)
{
   static struct fx f;
   struct msm_core_config cfg = fx_config();
   memset(&f, 0, sizeof(f));
   if (fx_open(&f, &cfg))
      return -1;
   *state = &f;
   return 0;
}

int
teardown(void **state)
{
   struct fx *f = *state;
   struct msm_core_stats st;
   msm_ctx_destroy(f->ctx);
   msm_core_get_stats(f->core, &st);
   /* Whatever a test did, closing its context leaves nothing behind. */
   assert_int_equal(st.contexts, 0);
   assert_int_equal(st.bos, 0);
   assert_int_equal(st.queues, 0);
   assert_int_equal(st.hostmem_used, 0);
   msm_core_destroy(f->core);
   return 0;
}

uint32_t
gem_new(struct msm_ctx *ctx, uint64_t size, uint32_t flags)
{
   struct drm_msm_gem_new req = { .size = size, .flags = flags };
   assert_int_equal(msm_ctx_gem_new(ctx, &req), 0);
   assert_true(req.handle > 0);
   return req.handle;
}

uint64_t
info(struct msm_ctx *ctx, uint32_t handle, uint32_t what)
{
   struct drm_msm_gem_info req = { .handle = handle, .info = what };
   assert_int_equal(msm_ctx_gem_info(ctx, &req, NULL), 0);
   return req.value;
}

struct drm_msm_timespec
abs_ns(int64_t ns)
{
   struct timespec now;
   clock_gettime(CLOCK_MONOTONIC, &now);
   int64_t t = now.tv_sec * 1000000000ll + now.tv_nsec + ns;
   return (struct drm_msm_timespec){ t / 1000000000ll, t % 1000000000ll };
}

int
submit_stream(struct fx *f, uint32_t q, uint32_t dst, const uint32_t *cs,
              unsigned n, uint32_t flags, uint32_t *fence)
{
   uint32_t cs_h = gem_new(f->ctx, 4096, MSM_BO_WC);
   uint64_t off = info(f->ctx, cs_h, MSM_INFO_GET_OFFSET);
   int ret;

   memcpy(f->hm + off, cs, n * 4);
   struct drm_msm_gem_submit_bo bos[] = {
      { .flags = MSM_SUBMIT_BO_READ, .handle = cs_h },
      { .flags = MSM_SUBMIT_BO_WRITE, .handle = dst },
   };
   struct drm_msm_gem_submit_cmd cmd = {
      .type = MSM_SUBMIT_CMD_BUF, .submit_idx = 0, .size = n * 4,
   };
   struct drm_msm_gem_submit req = {
      .flags = MSM_PIPE_3D0 | flags, .fence = *fence, .nr_bos = 2,
      .nr_cmds = 1, .queueid = q,
   };
   ret = msm_ctx_gem_submit(f->ctx, &req, bos, &cmd);
   *fence = req.fence;
   msm_ctx_gem_close(f->ctx, cs_h);
   return ret;
}

/* A submit on queue q writing value at dst's iova after delay_ns. */
int
submit_write(struct fx *f, uint32_t q, uint32_t dst, uint32_t value,
             uint64_t delay_ns, uint32_t flags, uint32_t *fence)
{
   uint64_t iova = info(f->ctx, dst, MSM_INFO_GET_IOVA);
   uint32_t cs[16];
   unsigned n = 0;

   if (delay_ns)
      n += pm4_emit_delay(cs + n, delay_ns);
   n += pm4_emit_mem_write(cs + n, iova, &value, 1);
   return submit_stream(f, q, dst, cs, n, flags, fence);
}

int
wait_fence(struct fx *f, uint32_t q, uint32_t fence, int64_t ns)
{
   struct drm_msm_wait_fence req = {
      .fence = fence, .queueid = q, .timeout = abs_ns(ns),
   };
   return msm_ctx_wait_fence(f->ctx, &req);
}
