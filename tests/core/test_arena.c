/*
 * test_arena.c - hostmem arenas: ranges a context's guest picks BO storage
 * in (msm_ctx_arena_new, msm_ctx_gem_new_at), their limits, and submits and
 * purges of BOs placed in them.
 */
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "msm_core.h"
#include "pm4.h"

#include "core_fx.h"

/* ---- arenas ---------------------------------------------------------- */

static void
test_arena(void **state)
{
   struct fx *f = *state;
   uint64_t base = 0, base2 = 0;
   struct drm_msm_gem_new req = { .size = 8192, .flags = MSM_BO_WC };

   assert_int_equal(msm_ctx_arena_new(f->ctx, 1 << 20, &base), 0);
   /* The guest wrote before the host saw GEM_NEW: the bytes survive. */
   memcpy(f->hm + base + 4096, "early", 5);
   assert_int_equal(msm_ctx_gem_new_at(f->ctx, &req, base + 4096), 0);
   assert_int_equal(info(f->ctx, req.handle, MSM_INFO_GET_OFFSET), base + 4096);
   assert_memory_equal(f->hm + base + 4096, "early", 5);
   uint32_t h = req.handle;
   /* Overlap, unaligned, outside the arena, straddling its end. */
   assert_int_equal(msm_ctx_gem_new_at(f->ctx, &req, base + 8192), -ENOSPC);
   assert_int_equal(msm_ctx_gem_new_at(f->ctx, &req, base + 100), -EINVAL);
   assert_int_equal(msm_ctx_gem_new_at(f->ctx, &req, base + (2 << 20)), -EINVAL);
   assert_int_equal(msm_ctx_gem_new_at(f->ctx, &req, base + (1 << 20) - 4096), -EINVAL);
   assert_int_equal(msm_ctx_gem_new_at(f->ctx, &req, base + 12288), 0);
   /* Close leaves the bytes alone (the guest may be reusing them). */
   assert_int_equal(msm_ctx_gem_close(f->ctx, h), 0);
   assert_memory_equal(f->hm + base + 4096, "early", 5);
   assert_int_equal(msm_ctx_gem_new_at(f->ctx, &req, base + 4096), 0);
   /* Another context cannot place objects in our arena. */
   struct msm_ctx *other;
   assert_int_equal(msm_ctx_create(f->core, &other), 0);
   assert_int_equal(msm_ctx_gem_new_at(other, &req, base + 65536), -EINVAL);
   assert_int_equal(msm_ctx_arena_new(other, 1 << 20, &base2), 0);
   assert_true(base2 >= base + (1 << 20) || base2 + (1 << 20) <= base);
   /* A fresh arena is zero even where another context's arena was. */
   msm_ctx_destroy(other);
   assert_int_equal(msm_ctx_create(f->core, &other), 0);
   assert_int_equal(msm_ctx_arena_new(other, 1 << 20, &base2), 0);
   for (int i = 0; i < (1 << 20); i += 4096)
      assert_int_equal(f->hm[base2 + i], 0);
   msm_ctx_destroy(other);
}

static void
test_arena_limits(void **state)
{
   (void)state;
   struct msm_core_config cfg = fx_config();
   struct fx g = { 0 };
   uint64_t off;

   cfg.limits.max_bo_bytes = 4 << 20;
   assert_int_equal(fx_open(&g, &cfg), 0);
   assert_int_equal(msm_ctx_arena_new(g.ctx, 0, &off), -EINVAL);
   assert_int_equal(msm_ctx_arena_new(g.ctx, 8 << 20, &off), -ENOMEM);
   for (int i = 0; i < MSM_MAX_ARENAS; i++)
      assert_int_equal(msm_ctx_arena_new(g.ctx, 4096, &off), 0);
   assert_int_equal(msm_ctx_arena_new(g.ctx, 4096, &off), -E2BIG);
   msm_ctx_destroy(g.ctx);
   msm_core_destroy(g.core);
}

static void
test_arena_submit_and_purge(void **state)
{
   struct fx *f = *state;
   uint64_t base;
   struct drm_msm_gem_new req = { .size = 4096, .flags = MSM_BO_WC };
   struct drm_msm_gem_madvise madv = { .madv = MSM_MADV_DONTNEED };
   uint32_t fence = 0;

   assert_int_equal(msm_ctx_arena_new(f->ctx, 1 << 20, &base), 0);
   assert_int_equal(msm_ctx_gem_new_at(f->ctx, &req, base), 0);
   assert_int_equal(submit_write(f, 0, req.handle, 0xabc, 0, 0, &fence), 0);
   assert_int_equal(wait_fence(f, 0, fence, 5000000000ll), 0);
   assert_int_equal(*(uint32_t *)(f->hm + base), 0xabc);
   madv.handle = req.handle;
   assert_int_equal(msm_ctx_gem_madvise(f->ctx, &madv), 0);
   assert_int_equal(msm_core_shrink(f->core), 1);
   assert_int_equal(*(uint32_t *)(f->hm + base), 0);
   /* Its range is still its own until closed. */
   struct drm_msm_gem_new req2 = { .size = 4096, .flags = MSM_BO_WC };
   assert_int_equal(msm_ctx_gem_new_at(f->ctx, &req2, base), -ENOSPC);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int
main(void)
{
   const struct CMUnitTest tests[] = {
      T(test_arena),
      cmocka_unit_test(test_arena_limits),
      T(test_arena_submit_and_purge),
   };
   return cmocka_run_group_tests_name("arena", tests, NULL, NULL);
}
