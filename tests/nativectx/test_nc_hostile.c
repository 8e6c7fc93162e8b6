/*
 * test_nc_hostile.c - the host renderer under crafted input.
 *
 * Each test drives nc_ctx_execute() (a pure function of context and bytes)
 * with a batch a broken or hostile guest could send, and checks the one
 * rule: the offending context is lost (shmem->lost and async_error set,
 * every later request fails with -EIO), nothing outside its memory is
 * touched, and the host and every other context keep working.  The vg
 * record layer and a fuzz loop are in test_nc_fuzz.c.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "msm_core.h"
#include "nc_test_ctx.h"
#include "pm4.h"

#define CANARY 0xa5

struct env {
   struct msm_core *core;
   uint8_t *hostmem;
   struct nc_ctx *a, *b;
   unsigned events_a, events_b;
   struct nc_capset caps_a, caps_b;
};

static void
count_event(void *data, const struct vg_event *ev)
{
   (void)ev;
   __atomic_add_fetch((unsigned *)data, 1, __ATOMIC_RELAXED);
}

/* The bytes after a context's shmem are BO space nobody allocated: fill
 * them so a response written past the area shows. */
static void
paint_after_shmem(struct env *e, const struct nc_capset *c)
{
   memset(e->hostmem + c->msm.shmem_offset + c->msm.shmem_size, CANARY, 256);
}

static void
check_after_shmem(struct env *e, const struct nc_capset *c)
{
   const uint8_t *p = e->hostmem + c->msm.shmem_offset + c->msm.shmem_size;
   for (int i = 0; i < 256; i++)
      assert_int_equal(p[i], CANARY);
}

static int
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
   if (nc_ctx_create(e.core, 0, count_event, &e.events_a, &e.a) ||
       nc_ctx_create(e.core, 0, count_event, &e.events_b, &e.b))
      return -1;
   nc_ctx_capset(e.a, &e.caps_a);
   nc_ctx_capset(e.b, &e.caps_b);
   paint_after_shmem(&e, &e.caps_a);
   *state = &e;
   return 0;
}

static int
teardown(void **state)
{
   struct env *e = *state;
   struct msm_core_stats st;

   nc_ctx_destroy(e->a);
   nc_ctx_destroy(e->b);
   /* Everything the contexts had goes, hostile or not. */
   msm_core_get_stats(e->core, &st);
   assert_int_equal(st.contexts, 0);
   msm_core_destroy(e->core);
   return 0;
}

static uint8_t *
rsp_area(struct nc_ctx *ctx)
{
   return (uint8_t *)nc_ctx_shmem(ctx) + NC_SHMEM_RSP_OFFSET;
}

static uint32_t
rsp_size(void)
{
   return NC_SHMEM_SIZE - NC_SHMEM_RSP_OFFSET;
}

static void
assert_lost(struct env *e, struct nc_ctx *ctx)
{
   struct nc_shmem *shm = nc_ctx_shmem(ctx);
   struct nc_batch b = { .len = 0 };
   struct nc_ccmd_rsp *rsp = (void *)rsp_area(ctx);

   assert_true(nc_ctx_lost(ctx) < 0);
   assert_true(__atomic_load_n(&shm->lost, __ATOMIC_ACQUIRE) > 0);
   assert_true(__atomic_load_n(&shm->async_error, __ATOMIC_ACQUIRE) >= 1);
   /* Later requests fail, and say so where the guest looks. */
   memset(rsp, 0, sizeof(*rsp));
   nc_batch_add(&b, NC_CCMD_NOP, sizeof(struct nc_ccmd_nop_req), 0);
   assert_int_equal(nc_ctx_execute(ctx, b.buf, b.len), -EIO);
   assert_int_equal(rsp->ret, -EIO);
   assert_int_equal(nc_ctx_blob_attach(ctx, 1000, 1000, 4096, 0), -EIO);
   assert_int_equal(nc_ctx_resource_unref(ctx, 1), -EIO);
   assert_int_equal(nc_ctx_submit_fence(ctx, 0, 1), -EIO);
   /* Sleepers were told. */
   if (ctx == e->a)
      assert_true(e->events_a >= 1);
   check_after_shmem(e, &e->caps_a);
}

static void
assert_alive(struct nc_ctx *ctx)
{
   assert_int_equal(nc_ctx_lost(ctx), 0);
   assert_int_equal(nc_ctx_shmem(ctx)->lost, 0);
}

static void
run_lost(struct env *e, struct nc_batch *b)
{
   assert_int_equal(nc_ctx_execute(e->a, b->buf, b->len), -EIO);
   assert_lost(e, e->a);
   nc_prove_alive(e->hostmem, e->b, &e->caps_b, 100, 0xb0b);
}

/* ---- framing --------------------------------------------------------- */

static void
test_unknown_cmd(void **state)
{
   struct nc_batch b = { .len = 0 };
   nc_batch_add(&b, NC_CCMD_COUNT + 7, 16, NC_RSP_NONE);
   run_lost(*state, &b);
}

static void
test_cmd_zero(void **state)
{
   struct nc_batch b = { .len = 0 };
   nc_batch_add(&b, 0, 16, NC_RSP_NONE);
   run_lost(*state, &b);
}

static void
test_len_below_minimum(void **state)
{
   struct nc_batch b = { .len = 0 };
   /* A GEM_NEW header with none of its body. */
   nc_batch_add(&b, NC_CCMD_GEM_NEW, sizeof(struct nc_ccmd_req), NC_RSP_NONE);
   run_lost(*state, &b);
}

static void
test_len_past_buffer(void **state)
{
   struct nc_batch b = { .len = 0 };
   struct nc_ccmd_req *h = nc_batch_add(&b, NC_CCMD_NOP, 16, NC_RSP_NONE);
   h->len = 4096; /* the batch is 16 bytes */
   run_lost(*state, &b);
}

static void
test_len_unaligned_and_truncated(void **state)
{
   struct env *e = *state;
   struct nc_batch b = { .len = 0 };
   struct nc_ccmd_req *h = nc_batch_add(&b, NC_CCMD_NOP, 24, NC_RSP_NONE);
   h->len = 20;
   run_lost(e, &b);

   /* Half a header. */
   struct nc_ctx *c;
   assert_int_equal(nc_ctx_create(e->core, 0, NULL, NULL, &c), 0);
   assert_int_equal(nc_ctx_execute(c, b.buf, 8), -EIO);
   assert_true(nc_ctx_lost(c) < 0);
   nc_ctx_destroy(c);
}

static void
test_rsp_off_outside(void **state)
{
   struct env *e = *state;
   const uint32_t bad[] = { rsp_size(), rsp_size() - 4, 12, 0xfffffff8u };

   for (unsigned i = 0; i < 4; i++) {
      struct nc_ctx *c;
      struct nc_capset caps;
      struct nc_batch b = { .len = 0 };

      assert_int_equal(nc_ctx_create(e->core, 0, NULL, NULL, &c), 0);
      nc_ctx_capset(c, &caps);
      paint_after_shmem(e, &caps);
      nc_batch_add(&b, NC_CCMD_NOP, 16, bad[i]);
      assert_int_equal(nc_ctx_execute(c, b.buf, b.len), -EIO);
      assert_true(nc_ctx_lost(c) < 0);
      check_after_shmem(e, &caps);
      nc_ctx_destroy(c);
   }
   nc_prove_alive(e->hostmem, e->a, &e->caps_a, 10, 1);
}

static void
test_rsp_body_past_area(void **state)
{
   struct env *e = *state;
   struct nc_batch b = { .len = 0 };
   /* The header would fit at the very end; the GET_PARAM answer does not. */
   struct nc_ccmd_ioctl_simple_req *r =
      nc_batch_add(&b, NC_CCMD_IOCTL_SIMPLE,
                   sizeof(*r) + sizeof(struct drm_msm_param), rsp_size() - 8);
   struct drm_msm_param p = { .pipe = MSM_PIPE_3D0, .param = MSM_PARAM_GPU_ID };
   r->cmd = DRM_IOCTL_MSM_GET_PARAM;
   memcpy(r->payload, &p, sizeof(p));
   run_lost(e, &b);
}

/* ---- objects --------------------------------------------------------- */

static void
test_unknown_res_id(void **state)
{
   struct env *e = *state;
   uint32_t res[1] = { 77 };

   for (unsigned i = 0; i < 5; i++) {
      struct nc_ctx *c;
      struct nc_batch b = { .len = 0 };

      assert_int_equal(nc_ctx_create(e->core, 0, NULL, NULL, &c), 0);
      switch (i) {
      case 0:
         nc_add_submit(&b, 1, 1, res, 1);
         break;
      case 1: {
         struct nc_ccmd_gem_upload_req *u =
            nc_batch_add(&b, NC_CCMD_GEM_UPLOAD, sizeof(*u) + 8, NC_RSP_NONE);
         u->res_id = 77;
         u->len = 8;
         break;
      }
      case 2: {
         struct nc_ccmd_gem_set_iova_req *s =
            nc_batch_add(&b, NC_CCMD_GEM_SET_IOVA, sizeof(*s), NC_RSP_NONE);
         s->res_id = 77;
         s->iova = 0x100000000ull;
         break;
      }
      case 3: {
         struct nc_ccmd_gem_set_name_req *s =
            nc_batch_add(&b, NC_CCMD_GEM_SET_NAME, sizeof(*s) + 8, NC_RSP_NONE);
         s->res_id = 77;
         s->len = 3;
         break;
      }
      case 4:
         assert_int_equal(nc_ctx_resource_unref(c, 77), -EIO);
         break;
      }
      if (b.len)
         assert_int_equal(nc_ctx_execute(c, b.buf, b.len), -EIO);
      assert_true(nc_ctx_lost(c) < 0);
      nc_ctx_destroy(c);
   }
   nc_prove_alive(e->hostmem, e->a, &e->caps_a, 10, 2);
}

static void
test_iova_overlap_and_range(void **state)
{
   struct env *e = *state;
   const struct nc_capset *c = &e->caps_a;

   for (unsigned i = 0; i < 4; i++) {
      struct nc_ctx *ctx;
      struct nc_capset caps;
      struct nc_batch b = { .len = 0 };

      assert_int_equal(nc_ctx_create(e->core, 0, NULL, NULL, &ctx), 0);
      nc_ctx_capset(ctx, &caps);
      nc_add_gem_new(&b, &caps, 1, 0);
      nc_add_gem_new(&b, &caps, 2, 1);
      struct nc_ccmd_gem_new_req *r = (void *)(b.buf + b.len - sizeof(*r));
      switch (i) {
      case 0: r->iova = nc_bo_iova(&caps, 0); break;           /* overlap */
      case 1: r->iova = caps.msm.va_start + caps.msm.va_size; break;
      case 2: r->iova = caps.msm.va_start - 4096; break;
      case 3: r->iova = nc_bo_iova(&caps, 1) + 8; break;       /* unaligned */
      }
      assert_int_equal(nc_ctx_execute(ctx, b.buf, b.len), -EIO);
      assert_true(nc_ctx_lost(ctx) < 0);
      nc_ctx_destroy(ctx);
   }
   (void)c;
   nc_prove_alive(e->hostmem, e->a, &e->caps_a, 10, 3);
}

static void
test_gem_new_bad_storage(void **state)
{
   struct env *e = *state;

   for (unsigned i = 0; i < 4; i++) {
      struct nc_ctx *ctx;
      struct nc_capset caps;
      struct nc_batch b = { .len = 0 };

      assert_int_equal(nc_ctx_create(e->core, 0, NULL, NULL, &ctx), 0);
      nc_ctx_capset(ctx, &caps);
      nc_add_gem_new(&b, &caps, 1, 0);
      struct nc_ccmd_gem_new_req *r = (void *)b.buf;
      switch (i) {
      case 0: r->hm_offset = caps.msm.shmem_offset; break;  /* the shmem */
      case 1: r->hm_offset = caps.msm.shmem_offset + caps.msm.shmem_size - 4096;
              r->size = 8192; break;                         /* straddles it */
      case 2: r->hm_offset = 0; break;                       /* not our arena */
      case 3: r->hm_offset = ~0ull & ~4095ull; break;        /* wraps */
      }
      assert_int_equal(nc_ctx_execute(ctx, b.buf, b.len), -EIO);
      assert_true(nc_ctx_lost(ctx) < 0);
      nc_ctx_destroy(ctx);
   }
   nc_prove_alive(e->hostmem, e->a, &e->caps_a, 10, 4);
}

static void
test_blob_id_reused(void **state)
{
   struct env *e = *state;
   struct nc_batch b = { .len = 0 };

   nc_make_bo(e->a, &e->caps_a, 1, 5, 0);
   nc_add_gem_new(&b, &e->caps_a, 5, 1); /* 5 again */
   run_lost(e, &b);

   /* Going backwards is no better. */
   struct nc_ctx *c;
   struct nc_capset caps;
   assert_int_equal(nc_ctx_create(e->core, 0, NULL, NULL, &c), 0);
   nc_ctx_capset(c, &caps);
   nc_make_bo(c, &caps, 1, 5, 0);
   b.len = 0;
   nc_add_gem_new(&b, &caps, 3, 1);
   assert_int_equal(nc_ctx_execute(c, b.buf, b.len), -EIO);
   nc_ctx_destroy(c);
}

static void
test_blob_attach_bad(void **state)
{
   struct env *e = *state;

   for (unsigned i = 0; i < 5; i++) {
      struct nc_ctx *c;
      struct nc_capset caps;
      struct nc_batch b = { .len = 0 };
      int ret;

      assert_int_equal(nc_ctx_create(e->core, 0, NULL, NULL, &c), 0);
      nc_ctx_capset(c, &caps);
      nc_make_bo(c, &caps, 1, 1, 0);
      nc_add_gem_new(&b, &caps, 2, 1);
      assert_int_equal(nc_ctx_execute(c, b.buf, b.len), 0);
      switch (i) {
      case 0: ret = nc_ctx_blob_attach(c, 2, 9, 4096, nc_bo_hm(&caps, 1)); break;
      case 1: ret = nc_ctx_blob_attach(c, 1, 2, 4096, nc_bo_hm(&caps, 1)); break;
      case 2: ret = nc_ctx_blob_attach(c, 2, 2, 8192, nc_bo_hm(&caps, 1)); break;
      case 3: ret = nc_ctx_blob_attach(c, 0, 2, 4096, nc_bo_hm(&caps, 1)); break;
      default: ret = nc_ctx_blob_attach(c, 2, 1, 4096, nc_bo_hm(&caps, 0)); break;
      }
      /* Unknown blob, live res_id, wrong size, res 0, blob used twice. */
      assert_int_equal(ret, -EIO);
      assert_true(nc_ctx_lost(c) < 0);
      nc_ctx_destroy(c);
   }
}

static void
test_submit_other_contexts_bo(void **state)
{
   struct env *e = *state;
   struct nc_batch b = { .len = 0 };
   uint32_t res[2] = { 40, 41 };

   /* B owns res 40/41; A has nothing by those names. */
   nc_make_bo(e->b, &e->caps_b, 40, 40, 40);
   nc_make_bo(e->b, &e->caps_b, 41, 41, 41);
   nc_add_submit(&b, 1, 2, res, 1);
   assert_int_equal(nc_ctx_execute(e->a, b.buf, b.len), -EIO);
   assert_lost(e, e->a);
   /* B and its objects are untouched. */
   assert_int_equal(nc_ctx_resource_unref(e->b, 40), 0);
   assert_int_equal(nc_ctx_resource_unref(e->b, 41), 0);
   nc_prove_alive(e->hostmem, e->b, &e->caps_b, 100, 0xb0b);
}

static void
test_submit_counts_overflow(void **state)
{
   struct env *e = *state;
   const uint32_t counts[][2] = { { 1000, 1 }, { 0xffffffffu, 1 },
                                  { 1, 0x10000000u } };

   for (unsigned i = 0; i < 3; i++) {
      struct nc_ctx *c;
      struct nc_capset caps;
      struct nc_batch b = { .len = 0 };
      uint32_t res[1] = { 1 };

      assert_int_equal(nc_ctx_create(e->core, 0, NULL, NULL, &c), 0);
      nc_ctx_capset(c, &caps);
      nc_make_bo(c, &caps, 1, 1, 0);
      struct nc_ccmd_gem_submit_req *r = nc_add_submit(&b, 1, 1, res, 1);
      r->nr_bos = counts[i][0];
      r->nr_cmds = counts[i][1];
      assert_int_equal(nc_ctx_execute(c, b.buf, b.len), -EIO);
      assert_true(nc_ctx_lost(c) < 0);
      nc_ctx_destroy(c);
   }
   nc_prove_alive(e->hostmem, e->a, &e->caps_a, 10, 5);
}

static void
test_ioctl_not_allowed(void **state)
{
   struct env *e = *state;
   const uint32_t cmds[] = { DRM_IOCTL_MSM_GEM_NEW, DRM_IOCTL_MSM_SET_PARAM,
                             DRM_IOCTL_MSM_GEM_SUBMIT, 0 };

   for (unsigned i = 0; i < 4; i++) {
      struct nc_ctx *c;
      struct nc_batch b = { .len = 0 };
      uint32_t size = cmds[i] ? _IOC_SIZE(cmds[i]) : 0;

      assert_int_equal(nc_ctx_create(e->core, 0, NULL, NULL, &c), 0);
      struct nc_ccmd_ioctl_simple_req *r =
         nc_batch_add(&b, NC_CCMD_IOCTL_SIMPLE, sizeof(*r) + size, 0);
      r->cmd = cmds[i];
      assert_int_equal(nc_ctx_execute(c, b.buf, b.len), -EIO);
      assert_true(nc_ctx_lost(c) < 0);
      nc_ctx_destroy(c);
   }
   /* Right ioctl, wrong payload length. */
   struct nc_batch b = { .len = 0 };
   struct nc_ccmd_ioctl_simple_req *r =
      nc_batch_add(&b, NC_CCMD_IOCTL_SIMPLE, sizeof(*r) + 64, 0);
   r->cmd = DRM_IOCTL_MSM_GET_PARAM;
   run_lost(e, &b);
}

static void
test_lengths_past_request(void **state)
{
   struct env *e = *state;

   for (unsigned i = 0; i < 4; i++) {
      struct nc_ctx *c;
      struct nc_capset caps;
      struct nc_batch b = { .len = 0 };

      assert_int_equal(nc_ctx_create(e->core, 0, NULL, NULL, &c), 0);
      nc_ctx_capset(c, &caps);
      nc_make_bo(c, &caps, 1, 1, 0);
      if (i == 0) {
         struct nc_ccmd_gem_set_name_req *s =
            nc_batch_add(&b, NC_CCMD_GEM_SET_NAME, sizeof(*s) + 8, NC_RSP_NONE);
         s->res_id = 1;
         s->len = 9;
      } else if (i == 1) {
         struct nc_ccmd_gem_upload_req *u =
            nc_batch_add(&b, NC_CCMD_GEM_UPLOAD, sizeof(*u) + 8, NC_RSP_NONE);
         u->res_id = 1;
         u->len = 4096; /* the request carries 8 */
      } else if (i == 2) {
         struct nc_ccmd_gem_upload_req *u =
            nc_batch_add(&b, NC_CCMD_GEM_UPLOAD, sizeof(*u) + 8, NC_RSP_NONE);
         u->res_id = 1;
         u->len = 8;
         u->off = 4092; /* past the BO's end */
      } else {
         struct nc_ccmd_set_debuginfo_req *s =
            nc_batch_add(&b, NC_CCMD_SET_DEBUGINFO, sizeof(*s) + 8,
                         NC_RSP_NONE);
         s->flags = NC_DEBUGINFO_COMM | NC_DEBUGINFO_CMDLINE;
         s->comm_len = 4;
         s->cmdline_len = 0xfffffff0u;
      }
      assert_int_equal(nc_ctx_execute(c, b.buf, b.len), -EIO);
      assert_true(nc_ctx_lost(c) < 0);
      nc_ctx_destroy(c);
   }
   nc_prove_alive(e->hostmem, e->a, &e->caps_a, 10, 6);
}

/* A request that asked for an answer gets the kernel's errno, not a lost
 * context: that is how the guest learns what an ioctl would have said. */
static void
test_sync_failure_is_an_answer(void **state)
{
   struct env *e = *state;
   struct nc_batch b = { .len = 0 };
   struct nc_ccmd_ioctl_simple_req *r =
      nc_batch_add(&b, NC_CCMD_IOCTL_SIMPLE,
                   sizeof(*r) + sizeof(struct drm_msm_param), 0);
   struct drm_msm_param p = { .pipe = MSM_PIPE_3D0, .param = 0x7777 };
   r->cmd = DRM_IOCTL_MSM_GET_PARAM;
   memcpy(r->payload, &p, sizeof(p));
   struct nc_ccmd_wait_fence_req *w =
      nc_batch_add(&b, NC_CCMD_WAIT_FENCE, sizeof(*w), 512);
   w->queue_id = 4242;
   w->fence = 1;

   assert_int_equal(nc_ctx_execute(e->a, b.buf, b.len), 0);
   assert_int_equal(((struct nc_ccmd_rsp *)rsp_area(e->a))->ret, -EINVAL);
   assert_int_equal(((struct nc_ccmd_rsp *)(rsp_area(e->a) + 512))->ret,
                    -ENOENT);
   assert_int_equal(nc_ctx_shmem(e->a)->seqno, 2);
   assert_alive(e->a);
   nc_prove_alive(e->hostmem, e->a, &e->caps_a, 10, 7);
}

static void
test_ring_fence_bad_ring(void **state)
{
   struct env *e = *state;
   assert_int_equal(nc_ctx_submit_fence(e->a, 99, 1), -EIO);
   assert_lost(e, e->a);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int
main(void)
{
   const struct CMUnitTest tests[] = {
      T(test_unknown_cmd),
      T(test_cmd_zero),
      T(test_len_below_minimum),
      T(test_len_past_buffer),
      T(test_len_unaligned_and_truncated),
      T(test_rsp_off_outside),
      T(test_rsp_body_past_area),
      T(test_unknown_res_id),
      T(test_iova_overlap_and_range),
      T(test_gem_new_bad_storage),
      T(test_blob_id_reused),
      T(test_blob_attach_bad),
      T(test_submit_other_contexts_bo),
      T(test_submit_counts_overflow),
      T(test_ioctl_not_allowed),
      T(test_lengths_past_request),
      T(test_sync_failure_is_an_answer),
      T(test_ring_fence_bad_ring),
   };
   return cmocka_run_group_tests_name("nativectx-hostile", tests, NULL, NULL);
}
