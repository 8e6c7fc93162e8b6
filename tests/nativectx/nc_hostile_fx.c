/*
 * nc_hostile_fx.c - the hostile suites' fixture (nc_hostile_fx.h).
 */
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

int
setup(void **state)
{
   static struct env e;
   struct msm_core_config cfg;
   struct msm_hostmem_info hm;

   memset(&e, 0, sizeof(e));
   msm_core_config_defaults(&cfg);
   if (msm_core_create(&cfg, &e.core))
      return -1;
   msm_core_hostmem(e.core, &hm);
   e.hostmem = hm.base;
   if (nc_host_ctx_create(e.core, 0, NULL, NULL, &e.other))
      return -1;
   nc_host_ctx_caps(e.other, &e.other_caps);
   nc_make_shmem(e.other, &e.other_caps, NC_EXT_ALL, NC_SHMEM_SIZE);
   *state = &e;
   return 0;
}

int
teardown(void **state)
{
   struct env *e = *state;
   struct msm_core_stats st;

   nc_host_ctx_destroy(e->other);
   /* Everything the contexts had goes, hostile or not. */
   msm_core_get_stats(e->core, &st);
   assert_int_equal(st.contexts, 0);
   msm_core_destroy(e->core);
   return 0;
}

void
count_event(void *data, const struct vg_event *ev)
{
   (void)ev;
   __atomic_add_fetch((unsigned *)data, 1, __ATOMIC_RELAXED);
}

/* The bytes right after a context's shmem are arena nobody allocated: a
 * response or seqno written past the shmem would show there. */
uint8_t *
after_shmem(struct hctx *h)
{
   return h->e->hostmem + h->caps.ext.arena_offset + h->shmem_size;
}

/* A context with its shmem (plain: mesa's 16 KiB, extended: ours) and two
 * live BOs. */
void
hctx_open(struct env *e, struct hctx *h, uint32_t ext, bool with_shmem)
{
   memset(h, 0, sizeof(*h));
   h->e = e;
   h->ext = ext;
   h->shmem_size = ext ? NC_SHMEM_SIZE : PLAIN_SHMEM;
   assert_int_equal(nc_host_ctx_create(e->core, 0, count_event, &h->events,
                                  &h->ctx), 0);
   nc_host_ctx_caps(h->ctx, &h->caps);
   memset(after_shmem(h), CANARY, 256);
   if (!with_shmem)
      return;
   nc_make_shmem(h->ctx, &h->caps, ext, h->shmem_size);
   nc_make_bo(h->ctx, &h->caps, RES_A, RES_A, SLOT_A);
   nc_make_bo(h->ctx, &h->caps, RES_B, RES_B, SLOT_B);
}

void
assert_lost(struct hctx *h)
{
   struct nc_shmem *shm = nc_host_ctx_shmem(h->ctx);
   struct nc_batch b = { .len = 0 };

   assert_true(nc_host_ctx_lost(h->ctx) < 0);
   assert_true(__atomic_load_n(&shm->async_error, __ATOMIC_ACQUIRE) >= 1);
   assert_true(__atomic_load_n(&nc_host_ctx_state(h->ctx)->lost,
                               __ATOMIC_ACQUIRE) > 0);
   /* Later requests fail, and say so where the guest looks. */
   if (shm->rsp_mem_offset) {
      struct nc_ccmd_rsp *rsp = (void *)nc_rsp_area(h->ctx);
      memset(rsp, 0, sizeof(*rsp));
      nc_batch_add(&b, NC_CCMD_WAIT_FENCE,
                   sizeof(struct nc_ccmd_wait_fence_req), 0);
      assert_int_equal(nc_host_ctx_execute(h->ctx, b.buf, b.len), -EIO);
      assert_int_equal(rsp->ret, -EIO);
      assert_int_equal(rsp->len, sizeof(*rsp));
   }
   assert_int_equal(nc_host_ctx_blob_attach(h->ctx, 1000, 1000, 4096, 0), -EIO);
   assert_int_equal(nc_host_ctx_resource_unref(h->ctx, RES_A), -EIO);
   assert_int_equal(nc_host_ctx_submit_fence(h->ctx, 0, 1), -EIO);
   /* Sleepers were told. */
   assert_true(h->events >= 1);
   /* Nothing past the shmem was written. */
   for (int i = 0; i < 256; i++)
      assert_int_equal(after_shmem(h)[i], CANARY);
}

