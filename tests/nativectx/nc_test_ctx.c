/*
 * nc_test_ctx.c - building requests for the host renderer by hand (the
 * tests are the guest): the shmem and BOs at fixed slots of a context's VA
 * range and arena, submits, and an end-to-end proof that a context still
 * works.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "nc_test_ctx.h"
#include "pm4.h"

uint64_t
nc_bo_hm(const struct nc_caps *c, unsigned i)
{
   return c->ext.arena_offset + NC_SHMEM_SIZE + i * 4096ull;
}

uint64_t
nc_bo_iova(const struct nc_caps *c, unsigned i)
{
   return c->capset.msm.va_start + (1 + i) * 4096ull;
}

void
nc_make_shmem(struct nc_host_ctx *ctx, const struct nc_caps *c, uint32_t ext,
              uint32_t size)
{
   if (ext) {
      struct nc_batch b = { .len = 0 };
      struct nc_ccmd_ext_enable_req *r =
         nc_batch_add(&b, NC_CCMD_EXT_ENABLE, sizeof(*r), 0);
      r->ext = ext;
      assert_int_equal(nc_host_ctx_execute(ctx, b.buf, b.len), 0);
   }
   assert_int_equal(nc_host_ctx_blob_attach(ctx, NC_TEST_SHMEM_RES, 0, size,
                                       c->ext.arena_offset), 0);
   assert_int_equal(nc_host_ctx_shmem(ctx)->rsp_mem_offset,
                    nc_shmem_rsp_offset(ext));
}

uint8_t *
nc_rsp_area(struct nc_host_ctx *ctx)
{
   struct nc_shmem *shm = nc_host_ctx_shmem(ctx);
   return (uint8_t *)shm + shm->rsp_mem_offset;
}

uint32_t
nc_rsp_size(struct nc_host_ctx *ctx, uint32_t shmem_size)
{
   return shmem_size - nc_host_ctx_shmem(ctx)->rsp_mem_offset;
}

void
nc_add_gem_new(struct nc_batch *b, const struct nc_caps *c, uint32_t blob_id,
               unsigned slot)
{
   struct nc_ccmd_gem_new_req *r =
      nc_batch_add(b, NC_CCMD_GEM_NEW, sizeof(*r), 0);
   r->iova = nc_bo_iova(c, slot);
   r->size = 4096;
   r->flags = MSM_BO_WC;
   r->blob_id = blob_id;
}

/* A live BO: res_id, blob_id and slot i of iova/hostmem. */
void
nc_make_bo(struct nc_host_ctx *ctx, const struct nc_caps *c, uint32_t res_id,
           uint32_t blob_id, unsigned slot)
{
   struct nc_batch b = { .len = 0 };
   nc_add_gem_new(&b, c, blob_id, slot);
   assert_int_equal(nc_host_ctx_execute(ctx, b.buf, b.len), 0);
   assert_int_equal(nc_host_ctx_blob_attach(ctx, res_id, blob_id, 4096,
                                       nc_bo_hm(c, slot)), 0);
}

struct nc_ccmd_gem_submit_req *
nc_add_submit(struct nc_batch *b, uint32_t fence, uint32_t nr_bos,
              const uint32_t *res, uint32_t cs_dwords)
{
   struct nc_ccmd_gem_submit_req *r;
   uint32_t len = sizeof(*r) + nr_bos * sizeof(struct drm_msm_gem_submit_bo) +
                  sizeof(struct drm_msm_gem_submit_cmd);

   r = nc_batch_add(b, NC_CCMD_GEM_SUBMIT, len, 0);
   r->flags = MSM_PIPE_3D0;
   r->fence = fence;
   r->nr_bos = nr_bos;
   r->nr_cmds = 1;
   /* Offset 36: not 8-aligned, so each element is copied in. */
   uint8_t *p = r->payload;
   for (uint32_t i = 0; i < nr_bos; i++) {
      struct drm_msm_gem_submit_bo bo = {
         .handle = res[i],
         .flags = i ? MSM_SUBMIT_BO_WRITE : MSM_SUBMIT_BO_READ,
      };
      memcpy(p, &bo, sizeof(bo));
      p += sizeof(bo);
   }
   struct drm_msm_gem_submit_cmd cmd = { .type = MSM_SUBMIT_CMD_BUF,
                                         .size = cs_dwords * 4 };
   memcpy(p, &cmd, sizeof(cmd));
   return r;
}

/* Prove ctx works end to end: two BOs, a submit writing value, its fence. */
void
nc_prove_alive(uint8_t *hostmem, struct nc_host_ctx *ctx, const struct nc_caps *c,
               uint32_t base, uint32_t value)
{
   struct nc_batch b = { .len = 0 };
   uint32_t cs[8], res[2] = { base, base + 1 };
   unsigned n = pm4_emit_mem_write(cs, nc_bo_iova(c, base + 1) + 16, &value,
                                   1);
   uint32_t errors = nc_host_ctx_shmem(ctx)->async_error;

   nc_make_bo(ctx, c, base, base, base);
   nc_make_bo(ctx, c, base + 1, base + 1, base + 1);
   memcpy(hostmem + nc_bo_hm(c, base), cs, n * 4); /* the guest's mapping */
   nc_add_submit(&b, base, 2, res, n);
   assert_int_equal(nc_host_ctx_execute(ctx, b.buf, b.len), 0);
   assert_int_equal(nc_host_ctx_shmem(ctx)->seqno, b.seqno);

   struct drm_msm_wait_fence w = { .fence = base, .queueid = 0 };
   struct timespec ts;
   clock_gettime(CLOCK_MONOTONIC, &ts);
   w.timeout.tv_sec = ts.tv_sec + 5;
   w.timeout.tv_nsec = ts.tv_nsec;
   assert_int_equal(msm_ctx_wait_fence(nc_host_ctx_msm(ctx), &w), 0);
   uint32_t got;
   memcpy(&got, hostmem + nc_bo_hm(c, base + 1) + 16, 4);
   assert_int_equal(got, value);
   /* The state area says so too (the zero-round-trip fence wait's source;
    * a private page for a plain guest). */
   assert_int_equal(nc_host_ctx_state(ctx)->queues[0].completed, base);
   assert_int_equal(nc_host_ctx_lost(ctx), 0);
   assert_int_equal(nc_host_ctx_state(ctx)->lost, 0);
   assert_int_equal(nc_host_ctx_shmem(ctx)->async_error, errors);
}
