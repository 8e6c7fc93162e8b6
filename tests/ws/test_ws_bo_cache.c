/*
 * test_ws_bo_cache.c - the guest driver's BO cache and pipe (ws_bo_cache.h,
 * ws_pipe.h) on host-direct, counted through ws_count so the tests see
 * which ws calls they make: the cache reuses exactly the BOs it should,
 * and the pipe answers "has the GPU passed submit N?" from memory.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "msm_core.h"
#include "pm4.h"
#include "ws_bo_cache.h"
#include "ws_count.h"
#include "ws_pipe.h"

struct fixture {
   struct msm_core *core;
   struct ws_counters cnt;
   struct ws_dev *dev;
};

static int
open_direct(void *core, struct ws_dev **out)
{
   return ws_direct_open(core, out);
}

static int
setup(void **state)
{
   static struct fixture fx;
   struct msm_core_config cfg;

   msm_core_config_defaults(&cfg);
   if (msm_core_create(&cfg, &fx.core))
      return -1;
   ws_counters_init(&fx.cnt, false, NULL, NULL);
   if (ws_count_open(&fx.cnt, open_direct, fx.core, &fx.dev))
      return -1;
   *state = &fx;
   return 0;
}

/* Everything a test allocated is gone from the core. */
static int
teardown(void **state)
{
   struct fixture *fx = *state;
   struct msm_core_stats st;

   ws_close(fx->dev);
   msm_core_get_stats(fx->core, &st);
   msm_core_destroy(fx->core);
   return st.bos == 0 ? 0 : -1;
}

static void
test_bo_cache(void **state)
{
   struct fixture *fx = *state;
   const struct ws_op_count *madv = &fx->cnt.op[WS_OP_MADVISE];
   struct ws_bo_cache c;
   struct ws_cache_bo *a, *b, *d;
   uint32_t gpu_fence = 5;

   ws_bo_cache_init(&c, fx->dev, true);

   /* Sizes round up to mesa's buckets. */
   assert_int_equal(ws_cache_bo_new(&c, 5000, MSM_BO_WC, &a), 0);
   assert_int_equal(a->size, 8192);
   assert_int_equal(ws_cache_bo_new(&c, 20 << 10, MSM_BO_WC, &b), 0);
   assert_int_equal(b->size, 20 << 10);

   /* An idle BO comes back for the same bucket and flags... */
   ws_cache_bo_free(&c, a);
   assert_int_equal(madv->calls, 1); /* DONTNEED */
   assert_int_equal(ws_cache_bo_new(&c, 8192, MSM_BO_WC, &d), 0);
   assert_ptr_equal(d, a);
   assert_int_equal(c.st.hits, 1);
   assert_int_equal(madv->calls, 2); /* WILLNEED */

   /* ...but not for other flags, */
   ws_cache_bo_free(&c, d);
   assert_int_equal(ws_cache_bo_new(&c, 8192, MSM_BO_CACHED, &a), 0);
   assert_ptr_not_equal(a, d);
   ws_cache_bo_free(&c, a);

   /* and not while the GPU still owes the fence of its last use. */
   b->fence_ptr = &gpu_fence;
   b->ufence = 6;
   ws_cache_bo_free(&c, b);
   assert_int_equal(ws_cache_bo_new(&c, 20 << 10, MSM_BO_WC, &a), 0);
   assert_ptr_not_equal(a, b);
   gpu_fence = 6; /* now it has passed */
   assert_int_equal(ws_cache_bo_new(&c, 20 << 10, MSM_BO_WC, &d), 0);
   assert_ptr_equal(d, b);
   d->fence_ptr = NULL;
   ws_cache_bo_free(&c, a);
   ws_cache_bo_free(&c, d);

   ws_bo_cache_fini(&c);
}

/* Off, the cache is a pass-through: every free closes, nothing is advised. */
static void
test_bo_cache_disabled(void **state)
{
   struct fixture *fx = *state;
   struct ws_bo_cache c;
   struct ws_cache_bo *a, *b;

   ws_bo_cache_init(&c, fx->dev, false);
   assert_int_equal(ws_cache_bo_new(&c, 5000, MSM_BO_WC, &a), 0);
   assert_int_equal(a->size, 8192); /* page-aligned, not bucketed */
   ws_cache_bo_free(&c, a);
   assert_int_equal(ws_cache_bo_new(&c, 8192, MSM_BO_WC, &b), 0);
   ws_cache_bo_free(&c, b);
   assert_int_equal(fx->cnt.op[WS_OP_BO_FREE].calls, 2);
   assert_int_equal(fx->cnt.op[WS_OP_MADVISE].calls, 0);
   assert_int_equal(c.st.hits, 0);
   ws_bo_cache_fini(&c);
}

/* A submit's fence is read from the control page once the GPU passed it:
 * waiting again costs no ws call. */
static void
test_pipe(void **state)
{
   struct fixture *fx = *state;
   const struct ws_op_count *waits = &fx->cnt.op[WS_OP_FENCE_WAIT];
   struct ws_bo_cache c;
   struct ws_pipe p;
   struct ws_pipe_fence f1, f2;
   uint32_t cs[4];
   unsigned n = pm4_emit_nop(cs, NULL, 0);
   uint64_t before;

   ws_bo_cache_init(&c, fx->dev, true);
   assert_int_equal(ws_pipe_init(&p, &c, true, 1), 0);
   assert_int_not_equal(p.queue, 0);
   assert_int_equal(ws_pipe_submit(&p, cs, n, NULL, NULL, 0, &f1), 0);
   assert_int_equal(ws_pipe_submit(&p, cs, n, NULL, NULL, 0, &f2), 0);
   assert_int_equal(f1.ufence, 1);
   assert_int_equal(f2.ufence, 2);
   assert_int_equal(fx->cnt.op[WS_OP_SUBMIT].calls, 2);

   assert_int_equal(ws_pipe_idle(&p, 5ll * 1000000000), 0);
   assert_true(ws_pipe_passed(&p, f2.ufence));
   assert_int_equal(*p.fence, 2);
   before = waits->calls;
   assert_int_equal(ws_pipe_wait(&p, &f1, 0), 0);
   assert_int_equal(ws_pipe_wait(&p, &f2, 0), 0);
   assert_int_equal(waits->calls, before);
   /* The command BOs went back to the cache, idle now. */
   assert_int_equal(c.st.allocs, 2);

   ws_pipe_fini(&p);
   ws_bo_cache_fini(&c);
}

int
main(void)
{
   const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_bo_cache, setup, teardown),
      cmocka_unit_test_setup_teardown(test_bo_cache_disabled, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_pipe, setup, teardown),
   };
   return cmocka_run_group_tests(tests, NULL, NULL);
}
