/*
 * test_nc_scribble.c - the host renderer while its guest rewrites the
 * shared memory underneath it: a thread scribbles over the whole shmem
 * (header included) during thousands of batches.
 */
#include <pthread.h>
#include <sched.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "nc_hostile_fx.h"

/* ---- the shmem rewritten under the host ------------------------------ */

struct scribbler {
   uint32_t *words;
   uint32_t n;
   volatile bool stop;
   unsigned rounds;
};

static void *
scribble(void *arg)
{
   struct scribbler *s = arg;
   uint64_t x = 0x2545f4914f6cdd1dull;

   while (!s->stop) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      __atomic_store_n(&s->words[x % s->n], (uint32_t)(x >> 32),
                       __ATOMIC_RELAXED);
      __atomic_add_fetch(&s->rounds, 1, __ATOMIC_RELAXED);
   }
   return NULL;
}

/* The guest owns its shmem and may write anything there at any time, the
 * header (rsp_mem_offset included) as much as the response area.  The host
 * never takes a size or offset from it, so its answers still land where
 * the layout says, it writes nothing outside, and the context keeps
 * working. */
static void
test_shmem_rewritten_during_execution(void **state)
{
   struct env *e = *state;

   for (uint32_t ext = 0; ext <= NC_EXT_ALL; ext += NC_EXT_ALL) {
      struct hctx h;
      struct scribbler s = { .n = 0 };
      pthread_t t;

      hctx_open(e, &h, ext, true);
      uint32_t rsp_off = nc_host_ctx_shmem(h.ctx)->rsp_mem_offset;
      s.words = (uint32_t *)nc_host_ctx_shmem(h.ctx);
      s.n = h.shmem_size / 4;
      assert_int_equal(pthread_create(&t, NULL, scribble, &s), 0);
      /* The batches must overlap the scribbling: start once it runs, and
       * go on until it has written a good deal during them. */
      while (__atomic_load_n(&s.rounds, __ATOMIC_RELAXED) < 1000)
         sched_yield();
      unsigned start = __atomic_load_n(&s.rounds, __ATOMIC_RELAXED), i;
      for (i = 0; i < 2000 || (__atomic_load_n(&s.rounds, __ATOMIC_RELAXED) -
                               start < 100000 && i < 1000000); i++) {
         struct nc_batch b = { .len = 0, .seqno = 10 * i };
         struct nc_ccmd_ioctl_simple_req *r =
            nc_batch_add(&b, NC_CCMD_IOCTL_SIMPLE,
                         sizeof(*r) + sizeof(struct drm_msm_param),
                         8 * (i % 64));
         struct drm_msm_param p = { .pipe = MSM_PIPE_3D0,
                                    .param = MSM_PARAM_GPU_ID };
         r->cmd = DRM_IOCTL_MSM_GET_PARAM;
         memcpy(r->payload, &p, sizeof(p));
         nc_batch_add(&b, NC_CCMD_NOP, sizeof(struct nc_ccmd_nop_req), 0);
         assert_int_equal(nc_host_ctx_execute(h.ctx, b.buf, b.len), 0);
      }
      s.stop = true;
      pthread_join(t, NULL);
      printf("# %s guest: %u batches, %u scribbles during them\n",
             ext ? "extended" : "plain", i, s.rounds - start);
      assert_true(s.rounds - start >= 100000 || i >= 1000000);
      assert_int_equal(nc_host_ctx_lost(h.ctx), 0);
      for (int i = 0; i < 256; i++)
         assert_int_equal(after_shmem(&h)[i], CANARY);

      /* With the scribbler gone: an answer goes exactly where the layout
       * says, whatever the header claims now. */
      nc_host_ctx_shmem(h.ctx)->rsp_mem_offset = 0xfffff000u;
      struct nc_batch b = { .len = 0 };
      struct nc_ccmd_wait_fence_req *w =
         nc_batch_add(&b, NC_CCMD_WAIT_FENCE, sizeof(*w), 64);
      w->queue_id = 0;
      w->fence = 0;
      assert_int_equal(nc_host_ctx_execute(h.ctx, b.buf, b.len), 0);
      struct nc_ccmd_rsp *rsp =
         (void *)((uint8_t *)nc_host_ctx_shmem(h.ctx) + rsp_off + 64);
      assert_int_equal(rsp->len, sizeof(struct nc_ccmd_wait_fence_rsp));
      assert_int_equal(rsp->ret, 0);
      /* What the scribbler left in the host's fields fools only the guest;
       * clear them so the proof below reads the host's answers. */
      nc_host_ctx_state(h.ctx)->lost = 0;
      nc_prove_alive(e->hostmem, h.ctx, &h.caps, 10, 8);
      nc_host_ctx_destroy(h.ctx);
   }
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int
main(void)
{
   const struct CMUnitTest tests[] = {
      T(test_shmem_rewritten_during_execution),
   };
   return cmocka_run_group_tests_name("nativectx-scribble", tests, NULL, NULL);
}
