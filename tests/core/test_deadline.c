/*
 * test_deadline.c - WAIT_FENCE and GEM_CPU_PREP deadlines as Linux 6.1's
 * msm reads them: to_ktime() is ktime_set(), which validates nothing, and
 * timeout_to_jiffies() turns a deadline before now into "no time left".
 * So a past deadline, a negative tv_sec or an unnormalized tv_nsec is never
 * EINVAL: an unsignalled fence is ETIMEDOUT at once, a busy BO EBUSY, and
 * an idle one 0.  None of this depends on how long the host has been up:
 * the suite passes on a just-booted machine (try it in a time namespace,
 * `unshare --time --monotonic=-N --fork`, whose clock reads a minute).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core_fx.h"

#define SEC 1000000000ll

static void
test_ktime_conversion(void **state)
{
   (void)state;
   struct drm_msm_timespec t = { 1, 5 };
   assert_true(msm_timespec_to_ktime(&t) == SEC + 5);
   /* Negative and unnormalized fields add up as they are. */
   t = (struct drm_msm_timespec){ -2, 500 };
   assert_true(msm_timespec_to_ktime(&t) == -2 * SEC + 500);
   t = (struct drm_msm_timespec){ 1, 3 * SEC };
   assert_true(msm_timespec_to_ktime(&t) == 4 * SEC);
   t = (struct drm_msm_timespec){ 1, -1 };
   assert_true(msm_timespec_to_ktime(&t) == SEC - 1);
   /* KTIME_SEC_MAX and beyond: "never". */
   t = (struct drm_msm_timespec){ MSM_KTIME_SEC_MAX, 0 };
   assert_true(msm_timespec_to_ktime(&t) == MSM_KTIME_MAX);
   t = (struct drm_msm_timespec){ INT64_MAX, INT64_MAX };
   assert_true(msm_timespec_to_ktime(&t) == MSM_KTIME_MAX);
   t = (struct drm_msm_timespec){ MSM_KTIME_SEC_MAX - 1, 0 };
   assert_true(msm_timespec_to_ktime(&t) == (MSM_KTIME_SEC_MAX - 1) * SEC);

   /* Back to a normalized timespec, negative values included. */
   t = msm_ktime_to_timespec(-1);
   assert_true(t.tv_sec == -1 && t.tv_nsec == SEC - 1);
   t = msm_ktime_to_timespec(3 * SEC + 7);
   assert_true(t.tv_sec == 3 && t.tv_nsec == 7);
   t = msm_ktime_to_timespec(INT64_MIN);
   assert_true(msm_timespec_to_ktime(&t) == INT64_MIN);
}

/* Deadlines that are in the past whatever the host's uptime. */
static const struct drm_msm_timespec past[] = {
   { 0, 0 },
   { 0, 1 },
   { -1, 0 },
   { -3600, 999999999 },
   { 0, -1 },
   { INT64_MIN / SEC, 0 },
   { -5, 4 * SEC },          /* -1 s, unnormalized */
};

static void
test_wait_fence_past_deadline(void **state)
{
   struct fx *f = *state;
   uint32_t dst = gem_new(f->ctx, 4096, MSM_BO_WC), fence = 0;
   uint32_t *p = (uint32_t *)(f->hm + info(f->ctx, dst, MSM_INFO_GET_OFFSET));

   assert_int_equal(submit_write(f, 0, dst, 0xfeed, 300000000, 0, &fence), 0);
   for (size_t i = 0; i < sizeof(past) / sizeof(past[0]); i++) {
      struct drm_msm_wait_fence w = { .fence = fence, .timeout = past[i] };
      assert_int_equal(msm_ctx_wait_fence(f->ctx, &w), -ETIMEDOUT);
   }
   /* "Never" (tv_sec past KTIME_SEC_MAX) really waits for the fence. */
   struct drm_msm_wait_fence w = {
      .fence = fence, .timeout = { INT64_MAX, 0 },
   };
   assert_int_equal(msm_ctx_wait_fence(f->ctx, &w), 0);
   assert_int_equal(*p, 0xfeed);
   /* Signalled: a past deadline is no error. */
   for (size_t i = 0; i < sizeof(past) / sizeof(past[0]); i++) {
      w.timeout = past[i];
      assert_int_equal(msm_ctx_wait_fence(f->ctx, &w), 0);
   }
}

static void
test_wait_fence_unnormalized_future(void **state)
{
   struct fx *f = *state;
   uint32_t dst = gem_new(f->ctx, 4096, MSM_BO_WC), fence = 0;
   uint32_t *p = (uint32_t *)(f->hm + info(f->ctx, dst, MSM_INFO_GET_OFFSET));

   assert_int_equal(submit_write(f, 0, dst, 0xbeef, 100000000, 0, &fence), 0);
   /* now - 1 s + 6e9 ns: five seconds ahead, spelled oddly. */
   struct drm_msm_wait_fence w = { .fence = fence, .timeout = abs_ns(-SEC) };
   w.timeout.tv_nsec += 6 * SEC;
   assert_int_equal(msm_ctx_wait_fence(f->ctx, &w), 0);
   assert_int_equal(*p, 0xbeef);
}

static void
test_cpu_prep_past_deadline(void **state)
{
   struct fx *f = *state;
   uint32_t h = gem_new(f->ctx, 4096, MSM_BO_WC), fence = 0;
   struct drm_msm_gem_cpu_prep req = { .handle = h, .op = MSM_PREP_READ };

   /* Idle: nothing to wait for, any deadline. */
   for (size_t i = 0; i < sizeof(past) / sizeof(past[0]); i++) {
      req.timeout = past[i];
      assert_int_equal(msm_ctx_gem_cpu_prep(f->ctx, &req), 0);
   }
   /* Busy: no time left is EBUSY (msm_gem_cpu_prep's remain == 0). */
   assert_int_equal(submit_write(f, 0, h, 1, 300000000, 0, &fence), 0);
   for (size_t i = 0; i < sizeof(past) / sizeof(past[0]); i++) {
      req.timeout = past[i];
      assert_int_equal(msm_ctx_gem_cpu_prep(f->ctx, &req), -EBUSY);
   }
   req.timeout = (struct drm_msm_timespec){ MSM_KTIME_SEC_MAX, 0 };
   assert_int_equal(msm_ctx_gem_cpu_prep(f->ctx, &req), 0);
   assert_int_equal(*(uint32_t *)(f->hm + info(f->ctx, h, MSM_INFO_GET_OFFSET)), 1);
}

int
main(void)
{
   const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_ktime_conversion),
      cmocka_unit_test_setup_teardown(test_wait_fence_past_deadline, setup, teardown),
      cmocka_unit_test_setup_teardown(test_wait_fence_unnormalized_future, setup, teardown),
      cmocka_unit_test_setup_teardown(test_cpu_prep_past_deadline, setup, teardown),
   };
   return cmocka_run_group_tests_name("deadline", tests, NULL, NULL);
}
