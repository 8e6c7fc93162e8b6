/*
 * test_fwd_clock.c - absolute deadlines from a guest whose CLOCK_MONOTONIC
 * is not the host's (a VM): the forwarder shifts them by the connection's
 * clock offset, so a wait means the same time on both sides.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "fwd_guest.h"
#include "fwd_host.h"
#include "fwd_spec.h"
#include "msm_core.h"
#include "pm4.h"

#define HOUR (3600ll * 1000000000ll)

static int64_t
host_now(void)
{
   struct timespec ts;
   clock_gettime(CLOCK_MONOTONIC, &ts);
   return ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

/* One ioctl through marshal -> host (with a clock offset) -> unmarshal. */
static int
fio(struct msm_ctx *ctx, int64_t offset, unsigned long req, void *arg)
{
   static uint8_t msg[1 << 16], rsp[1 << 16];
   size_t len = 0, rsp_len = 0;
   int ret = fwd_marshal_request(req, arg, msg, sizeof(msg), &len);

   if (ret)
      return ret;
   ret = fwd_host_handle_clock(ctx, offset, msg, len, rsp, sizeof(rsp),
                               &rsp_len);
   if (ret)
      return ret;
   return fwd_unmarshal_reply(req, arg, rsp, rsp_len);
}

/* A submit that writes 7 into a fresh BO after delay_ns of GPU time;
 * *where: that BO's hostmem offset, *handle: its GEM handle. */
static uint32_t
slow_submit(struct msm_ctx *ctx, char *hm, uint64_t delay_ns, uint32_t *where,
            uint32_t *handle)
{
   struct drm_msm_gem_new a = { .size = 4096, .flags = MSM_BO_WC };
   struct drm_msm_gem_new b = { .size = 4096, .flags = MSM_BO_WC };
   struct drm_msm_gem_info off = { .info = MSM_INFO_GET_OFFSET };
   struct drm_msm_gem_info iova = { .info = MSM_INFO_GET_IOVA };
   uint32_t cs[16], v = 7;
   unsigned n;

   assert_int_equal(msm_ctx_gem_new(ctx, &a), 0);
   assert_int_equal(msm_ctx_gem_new(ctx, &b), 0);
   iova.handle = b.handle;
   assert_int_equal(msm_ctx_gem_info(ctx, &iova, NULL), 0);
   n = pm4_emit_delay(cs, delay_ns);
   n += pm4_emit_mem_write(cs + n, iova.value, &v, 1);
   off.handle = a.handle;
   assert_int_equal(msm_ctx_gem_info(ctx, &off, NULL), 0);
   memcpy(hm + off.value, cs, n * 4);
   off.handle = b.handle;
   assert_int_equal(msm_ctx_gem_info(ctx, &off, NULL), 0);
   *where = (uint32_t)off.value;
   if (handle)
      *handle = b.handle;
   struct drm_msm_gem_submit_bo bos[] = {
      { .flags = MSM_SUBMIT_BO_READ, .handle = a.handle },
      { .flags = MSM_SUBMIT_BO_WRITE, .handle = b.handle },
   };
   struct drm_msm_gem_submit_cmd cmd = { .type = MSM_SUBMIT_CMD_BUF, .size = n * 4 };
   struct drm_msm_gem_submit s = { .flags = MSM_PIPE_3D0, .nr_bos = 2, .nr_cmds = 1 };
   assert_int_equal(msm_ctx_gem_submit(ctx, &s, bos, &cmd), 0);
   return s.fence;
}

static void
test_guest_clock_behind(void **state)
{
   (void)state;
   struct msm_core_config cfg;
   struct msm_core *core;
   struct msm_ctx *ctx;
   struct msm_hostmem_info hm;
   uint32_t where;

   msm_core_config_defaults(&cfg);
   assert_int_equal(msm_core_create(&cfg, &core), 0);
   assert_int_equal(msm_ctx_create(core, &ctx), 0);
   msm_core_hostmem(core, &hm);

   /* The guest booted halfway through the host's uptime, so its clock
    * reads less by that much: a real offset on a host up for a minute or a
    * month.  It waits "10 s from now" in its own clock. */
   int64_t offset = host_now() / 2;
   int64_t guest_deadline = host_now() - offset + 10ll * 1000000000;
   struct drm_msm_wait_fence w = {
      .fence = slow_submit(ctx, hm.base, 200000000, &where, NULL),
      .timeout = { guest_deadline / 1000000000, guest_deadline % 1000000000 },
   };
   /* Shifted, that is 10 s from now here: the wait really waits. */
   assert_int_equal(fio(ctx, offset, DRM_IOCTL_MSM_WAIT_FENCE, &w), 0);
   assert_int_equal(*(uint32_t *)((char *)hm.base + where), 7);

   /* "offset/2 from now" in the guest's clock is offset/2 ago in ours:
    * unshifted, an immediate timeout. */
   guest_deadline = host_now() - offset / 2;
   w.timeout = (struct drm_msm_timespec){ guest_deadline / 1000000000,
                                          guest_deadline % 1000000000 };
   w.fence = slow_submit(ctx, hm.base, 200000000, &where, NULL);
   assert_int_equal(fio(ctx, 0, DRM_IOCTL_MSM_WAIT_FENCE, &w), -ETIMEDOUT);
   /* Shifted, the same deadline is offset/2 ahead: it waits. */
   assert_int_equal(fio(ctx, offset, DRM_IOCTL_MSM_WAIT_FENCE, &w), 0);

   /* CPU_PREP deadlines move the same way (EBUSY would be "no time"). */
   struct drm_msm_gem_cpu_prep p = { .op = MSM_PREP_READ };
   slow_submit(ctx, hm.base, 200000000, &where, &p.handle);
   guest_deadline = host_now() - offset + 10ll * 1000000000;
   p.timeout = (struct drm_msm_timespec){ guest_deadline / 1000000000,
                                          guest_deadline % 1000000000 };
   assert_int_equal(fio(ctx, offset, DRM_IOCTL_MSM_GEM_CPU_PREP, &p), 0);
   assert_int_equal(*(uint32_t *)((char *)hm.base + where), 7);

   msm_ctx_destroy(ctx);
   msm_core_destroy(core);
}

static void
test_guest_clock_ahead_saturates(void **state)
{
   (void)state;
   struct msm_core_config cfg;
   struct msm_core *core;
   struct msm_ctx *ctx;
   struct msm_hostmem_info hm;
   uint32_t where;

   msm_core_config_defaults(&cfg);
   assert_int_equal(msm_core_create(&cfg, &core), 0);
   assert_int_equal(msm_ctx_create(core, &ctx), 0);
   msm_core_hostmem(core, &hm);
   /* A deadline of 0 in a clock far ahead of ours stays "already past". */
   struct drm_msm_wait_fence w = {
      .fence = slow_submit(ctx, hm.base, 200000000, &where, NULL),
   };
   assert_int_equal(fio(ctx, -HOUR, DRM_IOCTL_MSM_WAIT_FENCE, &w), -ETIMEDOUT);
   /* A deadline the shift makes negative (or one that was negative, or not
    * normalized) stays a valid, past deadline: the kernel takes any. */
   w.timeout = (struct drm_msm_timespec){ 5, 0 };
   assert_int_equal(fio(ctx, -HOUR, DRM_IOCTL_MSM_WAIT_FENCE, &w), -ETIMEDOUT);
   w.timeout = (struct drm_msm_timespec){ -7, -3 };
   assert_int_equal(fio(ctx, -1, DRM_IOCTL_MSM_WAIT_FENCE, &w), -ETIMEDOUT);
   /* "Never" stays never: the wait ends when the fence does. */
   w.timeout = (struct drm_msm_timespec){ INT64_MAX, 0 };
   assert_int_equal(fio(ctx, -HOUR, DRM_IOCTL_MSM_WAIT_FENCE, &w), 0);
   assert_int_equal(*(uint32_t *)((char *)hm.base + where), 7);
   /* A SYNCOBJ_WAIT's nanosecond deadline is shifted too (the entry says
    * where it is). */
   const struct fwd_ioctl_spec *spec = fwd_spec_lookup(DRM_IOCTL_SYNCOBJ_WAIT);
   assert_non_null(spec);
   assert_int_equal(spec->deadline.kind, FWD_DEADLINE_NSEC);
   assert_int_equal(spec->deadline.offset,
                    offsetof(struct drm_syncobj_wait, timeout_nsec));
   msm_ctx_destroy(ctx);
   msm_core_destroy(core);
}

int
main(void)
{
   const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_guest_clock_behind),
      cmocka_unit_test(test_guest_clock_ahead_saturates),
   };
   return cmocka_run_group_tests_name("fwd-clock", tests, NULL, NULL);
}
