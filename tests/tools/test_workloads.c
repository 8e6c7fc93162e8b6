/*
 * test_workloads.c - every built-in workload runs and verifies on
 * host-direct with a few iterations and leaves nothing behind in the core.
 * (The BO cache and the pipe have their own tests in tests/ws.)
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "modes.h"
#include "profile.h"
#include "workload.h"

static void
run_direct(const char *name, uint32_t iters)
{
   const struct workload *wk = workload_find(name);
   struct msm_core_config cfg;
   struct msm_core_stats st;
   struct profile prof;
   struct mode_ctx m;
   struct wk_sample s;
   struct wk_run r;

   assert_non_null(wk);
   profile_defaults(&prof);
   msm_core_config_defaults(&cfg);
   assert_int_equal(mode_setup(&m, mode_find("direct"), &cfg, 0, "inproc"), 0);
   for (int attribute = 0; attribute < 2; attribute++) {
      memset(&r, 0, sizeof(r));
      r.mode = &m;
      r.prof = &prof;
      r.iters = iters;
      r.warmup = 2;
      r.attribute = attribute;
      if (wk->run(&r, &s))
         fail_msg("%s: %s", name, r.err);
      assert_int_equal(s.iters, iters);
      assert_true(s.elapsed_ns > 0);
      /* Direct has no transport: not a single message. */
      assert_int_equal(s.st.messages, 0);
      assert_int_equal(s.st.sync_round_trips, 0);
   }
   msm_core_get_stats(m.core, &st);
   assert_int_equal(st.contexts, 0);
   assert_int_equal(st.faults, 0);
   mode_teardown(&m);
}

static void test_frame(void **state) { (void)state; run_direct("frame", 6); }
static void test_alloc(void **state) { (void)state; run_direct("alloc", 50); }
static void test_dispatch(void **state) { (void)state; run_direct("dispatch", 10); }
static void test_readback(void **state) { (void)state; run_direct("readback", 10); }
static void test_startup(void **state) { (void)state; run_direct("startup", 3); }

static void
test_ops_counted(void **state)
{
   struct msm_core_config cfg;
   struct profile prof;
   struct mode_ctx m;
   struct wk_sample s;
   struct wk_run r = { 0 };

   (void)state;
   profile_defaults(&prof);
   prof.frame.submits = 3;
   prof.frame.gpu_us = 30;
   prof.frame.cpu_us = 0;
   msm_core_config_defaults(&cfg);
   assert_int_equal(mode_setup(&m, mode_find("direct"), &cfg, 0, "inproc"), 0);
   r.mode = &m;
   r.prof = &prof;
   r.iters = 8;
   if (wk_frame_run(&r, &s))
      fail_msg("%s", r.err);
   assert_int_equal(s.op[WS_OP_SUBMIT].calls, 8 * 3);
   assert_int_equal(s.op[WS_OP_BO_UPLOAD].calls, 8 * prof.frame.stream_bos);
   mode_teardown(&m);
}

static void
test_modes(void **state)
{
   unsigned n;
   const struct mode *t = mode_table(&n);

   (void)state;
   assert_true(n >= 3);
   assert_string_equal(t[0].name, "direct");
   assert_true(mode_available(mode_find("direct")));
   assert_non_null(mode_find("forward"));
   assert_non_null(mode_find("nativectx"));
   assert_null(mode_find("teleport"));
   /* A mode that is not built says why. */
   for (unsigned i = 0; i < n; i++)
      if (!mode_available(&t[i]))
         assert_non_null(t[i].missing);
}

int
main(void)
{
   const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_frame),
      cmocka_unit_test(test_alloc),
      cmocka_unit_test(test_dispatch),
      cmocka_unit_test(test_readback),
      cmocka_unit_test(test_startup),
      cmocka_unit_test(test_ops_counted),
      cmocka_unit_test(test_modes),
   };
   return cmocka_run_group_tests(tests, NULL, NULL);
}
