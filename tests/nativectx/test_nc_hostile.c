/*
 * test_nc_hostile.c - the host renderer under crafted input.
 *
 * One table of hostile cases (each a batch a broken or hostile guest could
 * send, or a blob/resource operation), every one checked against the one
 * rule: the offending context is lost (async_error set, the extension's
 * lost errno too when it has it, every later request fails with -EIO and
 * says so in its response slot), nothing outside its memory is touched,
 * and the host and every other context keep working.  Each case runs in a
 * fresh context, as a plain (mesa 22.3.6) guest or an extended one.
 * Then: failures that ARE answers.  A guest rewriting its shmem while the
 * host runs: test_nc_scribble.c; the vg record layer and a fuzz loop:
 * test_nc_fuzz.c.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
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

/* ---- the cases ------------------------------------------------------- */

/* A request's body words (byte offset into the request -> value). */
struct word {
   uint32_t off, val;
};

#define RSP_FROM_END 0x80000000u /* rsp_off = rsp size - (rsp_off & ~this) */
#define LEN_ZERO 0xffffffffu     /* hdr_len: claim 0 bytes */
#define MAX_WORDS 6

struct hostile {
   const char *what;
   uint32_t ext;         /* 0: a plain (mesa) guest; else extensions on */
   /* One request: command, bytes, rsp_off, and words patched in.  hdr_len
    * (if set) is what the header claims; trunc (if set) is how many bytes
    * of the batch reach the host. */
   uint32_t cmd, len, rsp_off, hdr_len, trunc;
   struct word w[MAX_WORDS];
   /* Or instead: an action; it returns what the host said. */
   int (*act)(struct hctx *h);
};

#define HDR sizeof(struct nc_ccmd_req)
#define OFF(type, field) offsetof(struct type, field)
/* A struct drm_msm_param GET_PARAM at the ioctl's payload (offset 20). */
#define IOCTL_PAYLOAD OFF(nc_ccmd_ioctl_simple_req, payload)
#define PARAM_LEN (sizeof(struct nc_ccmd_ioctl_simple_req) + \
                   sizeof(struct drm_msm_param))

static int
run_batch(struct hctx *h, const struct hostile *c)
{
   struct nc_batch b = { .len = 0 };
   uint32_t rsp_off = c->rsp_off;

   if (rsp_off & RSP_FROM_END)
      rsp_off = nc_rsp_size(h->ctx, h->shmem_size) - (rsp_off & ~RSP_FROM_END);
   uint8_t *r = nc_batch_add(&b, c->cmd, c->len, rsp_off);
   for (unsigned i = 0; i < MAX_WORDS && c->w[i].off; i++)
      memcpy(r + c->w[i].off, &c->w[i].val, 4);
   if (c->hdr_len)
      ((struct nc_ccmd_req *)r)->len = c->hdr_len == LEN_ZERO ? 0 : c->hdr_len;
   return nc_host_ctx_execute(h->ctx, b.buf, c->trunc ? c->trunc : b.len);
}

static int
exec1(struct hctx *h, struct nc_batch *b)
{
   return nc_host_ctx_execute(h->ctx, b->buf, b->len);
}

static int
act_unref_unknown(struct hctx *h)
{
   return nc_host_ctx_resource_unref(h->ctx, 77);
}

static int
act_bad_ring(struct hctx *h)
{
   return nc_host_ctx_submit_fence(h->ctx, 99, 1);
}

/* GEM_NEW + attach of blob 7 at storage hm, VA iova; size bytes. */
static int
gem_attach(struct hctx *h, uint64_t iova, uint64_t size, uint64_t blob_size,
           uint64_t hm, uint32_t res_id)
{
   struct nc_batch b = { .len = 0 };
   struct nc_ccmd_gem_new_req *r =
      nc_batch_add(&b, NC_CCMD_GEM_NEW, sizeof(*r), 0);
   r->iova = iova;
   r->size = size;
   r->flags = MSM_BO_WC;
   r->blob_id = 7;
   int ret = exec1(h, &b);
   return ret ? ret : nc_host_ctx_blob_attach(h->ctx, res_id, 7, blob_size, hm);
}

static int
act_iova_overlap(struct hctx *h)
{
   return gem_attach(h, nc_bo_iova(&h->caps, SLOT_A), 4096, 4096,
                     nc_bo_hm(&h->caps, 0), 9);
}

static int
act_iova_past_va(struct hctx *h)
{
   const struct nc_capset_msm *m = &h->caps.capset.msm;
   return gem_attach(h, m->va_start + m->va_size, 4096, 4096,
                     nc_bo_hm(&h->caps, 0), 9);
}

static int
act_iova_unaligned(struct hctx *h)
{
   return gem_attach(h, nc_bo_iova(&h->caps, 0) + 8, 4096, 4096,
                     nc_bo_hm(&h->caps, 0), 9);
}

static int
act_storage_over_shmem(struct hctx *h)
{
   return gem_attach(h, nc_bo_iova(&h->caps, 0), 4096, 4096,
                     h->caps.ext.arena_offset, 9);
}

static int
act_storage_straddles_shmem(struct hctx *h)
{
   return gem_attach(h, nc_bo_iova(&h->caps, 0), 8192, 8192,
                     h->caps.ext.arena_offset + h->shmem_size - 4096, 9);
}

static int
act_storage_outside_arena(struct hctx *h)
{
   return gem_attach(h, nc_bo_iova(&h->caps, 0), 4096, 4096, 0, 9);
}

static int
act_storage_wraps(struct hctx *h)
{
   return gem_attach(h, nc_bo_iova(&h->caps, 0), 4096, 4096,
                     ~0ull & ~4095ull, 9);
}

static int
act_storage_other_ctx(struct hctx *h)
{
   return gem_attach(h, nc_bo_iova(&h->caps, 0), 4096, 4096,
                     nc_bo_hm(&h->e->other_caps, 0), 9);
}

static int
act_blob_size_mismatch(struct hctx *h)
{
   return gem_attach(h, nc_bo_iova(&h->caps, 0), 4096, 8192,
                     nc_bo_hm(&h->caps, 0), 9);
}

static int
act_attach_live_res_id(struct hctx *h)
{
   return gem_attach(h, nc_bo_iova(&h->caps, 0), 4096, 4096,
                     nc_bo_hm(&h->caps, 0), RES_A);
}

static int
act_attach_res_zero(struct hctx *h)
{
   return gem_attach(h, nc_bo_iova(&h->caps, 0), 4096, 4096,
                     nc_bo_hm(&h->caps, 0), 0);
}

static int
act_attach_unknown_blob(struct hctx *h)
{
   return nc_host_ctx_blob_attach(h->ctx, 9, 99, 4096, nc_bo_hm(&h->caps, 0));
}

static int
act_attach_twice(struct hctx *h)
{
   int ret = gem_attach(h, nc_bo_iova(&h->caps, 0), 4096, 4096,
                        nc_bo_hm(&h->caps, 0), 9);
   return ret ? ret : nc_host_ctx_blob_attach(h->ctx, 10, 7, 4096,
                                         nc_bo_hm(&h->caps, 1));
}

/* A blob_id still naming a live object, or one still waiting. */
static int
act_blob_id_live(struct hctx *h)
{
   struct nc_batch b = { .len = 0 };
   nc_add_gem_new(&b, &h->caps, RES_A, 0);
   return exec1(h, &b);
}

static int
act_blob_id_pending(struct hctx *h)
{
   struct nc_batch b = { .len = 0 };
   nc_add_gem_new(&b, &h->caps, 7, 0);
   nc_add_gem_new(&b, &h->caps, 7, 1);
   return exec1(h, &b);
}

static int
act_second_shmem(struct hctx *h)
{
   return nc_host_ctx_blob_attach(h->ctx, 50, 0, PLAIN_SHMEM,
                             nc_bo_hm(&h->caps, 0));
}

static int
act_shmem_too_small(struct hctx *h)
{
   return nc_host_ctx_blob_attach(h->ctx, 50, 0, 1024, h->caps.ext.arena_offset);
}

static int
act_shmem_unaligned(struct hctx *h)
{
   return nc_host_ctx_blob_attach(h->ctx, 50, 0, 16384,
                             h->caps.ext.arena_offset + 8);
}

/* Extensions that do not fit the shmem the guest made. */
static int
act_shmem_too_small_for_ext(struct hctx *h)
{
   struct nc_batch b = { .len = 0 };
   struct nc_ccmd_ext_enable_req *r =
      nc_batch_add(&b, NC_CCMD_EXT_ENABLE, sizeof(*r), 0);
   r->ext = NC_EXT_MADV_WORDS;
   int ret = exec1(h, &b);
   return ret ? ret : nc_host_ctx_blob_attach(h->ctx, 50, 0, PLAIN_SHMEM,
                                         h->caps.ext.arena_offset);
}

/* A response before the guest made its shmem: nowhere to put it. */
static int
act_rsp_before_shmem(struct hctx *h)
{
   struct nc_batch b = { .len = 0 };
   nc_batch_add(&b, NC_CCMD_WAIT_FENCE, sizeof(struct nc_ccmd_wait_fence_req),
                0);
   return exec1(h, &b);
}

static int
act_ext_unoffered(struct hctx *h)
{
   struct nc_batch b = { .len = 0 };
   struct nc_ccmd_ext_enable_req *r =
      nc_batch_add(&b, NC_CCMD_EXT_ENABLE, sizeof(*r), 0);
   r->ext = 1u << 30;
   return exec1(h, &b);
}

static int
act_submit_unknown_res(struct hctx *h)
{
   struct nc_batch b = { .len = 0 };
   uint32_t res[1] = { 77 };
   nc_add_submit(&b, 1, 1, res, 1);
   return exec1(h, &b);
}

static int
act_submit_other_ctx_bo(struct hctx *h)
{
   struct nc_batch b = { .len = 0 };
   /* The bystander owns 40/41; this context has nothing by those names. */
   uint32_t res[2] = { 40, 41 };
   nc_add_submit(&b, 1, 2, res, 1);
   return exec1(h, &b);
}

static int
submit_counts(struct hctx *h, uint32_t nr_bos, uint32_t nr_cmds)
{
   struct nc_batch b = { .len = 0 };
   uint32_t res[1] = { RES_A };
   struct nc_ccmd_gem_submit_req *r = nc_add_submit(&b, 1, 1, res, 1);
   r->nr_bos = nr_bos;
   r->nr_cmds = nr_cmds;
   return exec1(h, &b);
}

static int act_submit_many_bos(struct hctx *h) { return submit_counts(h, 1000, 1); }
static int act_submit_bos_wrap(struct hctx *h) { return submit_counts(h, ~0u, 1); }
static int act_submit_cmds_wrap(struct hctx *h) { return submit_counts(h, 1, 0x10000000u); }

static int
act_submit_unknown_queue(struct hctx *h)
{
   struct nc_batch b = { .len = 0 };
   uint32_t res[1] = { RES_A };
   nc_add_submit(&b, 1, 1, res, 1)->queue_id = 4242;
   return exec1(h, &b);
}

static int
act_queue_id_twice(struct hctx *h)
{
   struct nc_batch b = { .len = 0 };
   for (uint32_t slot = 5; slot <= 6; slot++) {
      struct nc_ccmd_submitqueue_new_req *r =
         nc_batch_add(&b, NC_CCMD_SUBMITQUEUE_NEW, sizeof(*r), 0);
      r->queue_id = 9;
      r->slot = slot;
   }
   return exec1(h, &b);
}

/* GEM_NEW + BLOB_AT(at) for blob 7, then its blob at hm. */
static int
blob_at_then_attach(struct hctx *h, uint64_t at, uint64_t hm)
{
   struct nc_batch b = { .len = 0 };
   nc_add_gem_new(&b, &h->caps, 7, 0);
   struct nc_ccmd_blob_at_req *r =
      nc_batch_add(&b, NC_CCMD_BLOB_AT, sizeof(*r), 0);
   r->blob_id = 7;
   r->hm_offset = at;
   int ret = exec1(h, &b);
   return ret ? ret : nc_host_ctx_blob_attach(h->ctx, 9, 7, 4096, hm);
}

static int
act_blob_at_elsewhere(struct hctx *h)
{
   return blob_at_then_attach(h, nc_bo_hm(&h->caps, 0), nc_bo_hm(&h->caps, 1));
}

static int
act_blob_at_unaligned(struct hctx *h)
{
   return blob_at_then_attach(h, nc_bo_hm(&h->caps, 0) + 8,
                              nc_bo_hm(&h->caps, 0));
}

/* The shmem's BLOB_AT says one place, the kernel puts it in another. */
static int
act_shmem_at_elsewhere(struct hctx *h)
{
   struct nc_batch b = { .len = 0 };
   struct nc_ccmd_ext_enable_req *e =
      nc_batch_add(&b, NC_CCMD_EXT_ENABLE, sizeof(*e), 0);
   e->ext = NC_EXT_ALL;
   struct nc_ccmd_blob_at_req *r =
      nc_batch_add(&b, NC_CCMD_BLOB_AT, sizeof(*r), 0);
   r->hm_offset = h->caps.ext.arena_offset + NC_SHMEM_SIZE;
   int ret = exec1(h, &b);
   return ret ? ret : nc_host_ctx_blob_attach(h->ctx, 50, 0, NC_SHMEM_SIZE,
                                         h->caps.ext.arena_offset);
}

/* Rows name their leading fields by position; the rest are zero. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
static const struct hostile cases[] = {
   /* framing */
   { "unknown cmd", 0, NC_CCMD_COUNT + 7, HDR },
   { "cmd 0", 0, 0, HDR },
   { "cmd past the anchor's", 0, NC_CCMD_ANCHOR_END, HDR },
   { "extension cmd, plain guest", 0, NC_CCMD_GEM_MADVISE,
     sizeof(struct nc_ccmd_gem_madvise_req) },
   { "EXT_ENABLE after the shmem", 0, NC_CCMD_EXT_ENABLE,
     sizeof(struct nc_ccmd_ext_enable_req), 0, 0, 0,
     { { OFF(nc_ccmd_ext_enable_req, ext), NC_EXT_QUEUE_STATE } } },
   { "len 0", 0, NC_CCMD_NOP, HDR, 0, LEN_ZERO },
   { "len below the command's", 0, NC_CCMD_GEM_NEW, HDR },
   { "len past the batch (overlong)", 0, NC_CCMD_NOP, HDR, 0, 4096 },
   { "len misaligned", 0, NC_CCMD_NOP, 24, 0, 18 },
   { "half a header", 0, NC_CCMD_NOP, HDR, 0, 0, 8 },
   /* responses */
   { "rsp_off at the end", 0, NC_CCMD_WAIT_FENCE,
     sizeof(struct nc_ccmd_wait_fence_req), RSP_FROM_END | 0 },
   { "rsp header crosses the end", 0, NC_CCMD_WAIT_FENCE,
     sizeof(struct nc_ccmd_wait_fence_req), RSP_FROM_END | 4 },
   { "rsp_off far outside", 1, NC_CCMD_GEM_CPU_PREP,
     sizeof(struct nc_ccmd_gem_cpu_prep_req), 0xfffffff8u },
   { "rsp_off misaligned", 0, NC_CCMD_WAIT_FENCE,
     sizeof(struct nc_ccmd_wait_fence_req), 2 },
   { "rsp body crosses the end", 0, NC_CCMD_IOCTL_SIMPLE, PARAM_LEN,
     RSP_FROM_END | 8, 0, 0,
     { { OFF(nc_ccmd_ioctl_simple_req, cmd), DRM_IOCTL_MSM_GET_PARAM },
       { IOCTL_PAYLOAD + OFF(drm_msm_param, pipe), MSM_PIPE_3D0 },
       { IOCTL_PAYLOAD + OFF(drm_msm_param, param), MSM_PARAM_GPU_ID } } },
   { "rsp before the shmem", 0, .act = act_rsp_before_shmem },
   /* objects */
   { "submit: unknown res_id", 0, .act = act_submit_unknown_res },
   { "submit: another context's BO", 0, .act = act_submit_other_ctx_bo },
   { "submit: unknown queue", 0, .act = act_submit_unknown_queue },
   { "upload: unknown res_id", 0, NC_CCMD_GEM_UPLOAD,
     sizeof(struct nc_ccmd_gem_upload_req) + 8, 0, 0, 0,
     { { OFF(nc_ccmd_gem_upload_req, res_id), 77 },
       { OFF(nc_ccmd_gem_upload_req, len), 8 } } },
   { "set_iova: unknown res_id", 0, NC_CCMD_GEM_SET_IOVA,
     sizeof(struct nc_ccmd_gem_set_iova_req), 0, 0, 0,
     { { OFF(nc_ccmd_gem_set_iova_req, res_id), 77 },
       { OFF(nc_ccmd_gem_set_iova_req, iova) + 4, 1 } } },
   { "set_name: unknown res_id", 0, NC_CCMD_GEM_SET_NAME,
     sizeof(struct nc_ccmd_gem_set_name_req) + 8, 0, 0, 0,
     { { OFF(nc_ccmd_gem_set_name_req, res_id), 77 },
       { OFF(nc_ccmd_gem_set_name_req, len), 3 } } },
   { "unref: unknown res_id", 0, .act = act_unref_unknown },
   { "gem_new: iova 0", 0, NC_CCMD_GEM_NEW,
     sizeof(struct nc_ccmd_gem_new_req), 0, 0, 0,
     { { OFF(nc_ccmd_gem_new_req, size), 4096 },
       { OFF(nc_ccmd_gem_new_req, blob_id), 7 } } },
   { "gem_new: size 0", 0, NC_CCMD_GEM_NEW,
     sizeof(struct nc_ccmd_gem_new_req), 0, 0, 0,
     { { OFF(nc_ccmd_gem_new_req, iova) + 4, 1 },
       { OFF(nc_ccmd_gem_new_req, blob_id), 7 } } },
   { "gem_new: blob_id 0", 0, NC_CCMD_GEM_NEW,
     sizeof(struct nc_ccmd_gem_new_req), 0, 0, 0,
     { { OFF(nc_ccmd_gem_new_req, iova) + 4, 1 },
       { OFF(nc_ccmd_gem_new_req, size), 4096 } } },
   { "gem_new: iova overlaps a BO", 0, .act = act_iova_overlap },
   { "gem_new: iova past the VA range", 0, .act = act_iova_past_va },
   { "gem_new: iova unaligned", 0, .act = act_iova_unaligned },
   { "storage over the shmem", 0, .act = act_storage_over_shmem },
   { "storage straddles the shmem", 0, .act = act_storage_straddles_shmem },
   { "storage outside the arena", 0, .act = act_storage_outside_arena },
   { "storage wraps", 0, .act = act_storage_wraps },
   { "storage in another context's arena", 0, .act = act_storage_other_ctx },
   { "blob size mismatch", 0, .act = act_blob_size_mismatch },
   { "attach: live res_id", 0, .act = act_attach_live_res_id },
   { "attach: res_id 0", 0, .act = act_attach_res_zero },
   { "attach: unknown blob_id", 0, .act = act_attach_unknown_blob },
   { "attach: blob used twice", 0, .act = act_attach_twice },
   { "blob_id reused while live", 0, .act = act_blob_id_live },
   { "blob_id reused while pending", 0, .act = act_blob_id_pending },
   { "second shmem", 0, .act = act_second_shmem },
   { "submit: nr_bos past the request", 0, .act = act_submit_many_bos },
   { "submit: nr_bos wraps", 0, .act = act_submit_bos_wrap },
   { "submit: nr_cmds wraps", 0, .act = act_submit_cmds_wrap },
   { "ioctl not allowed (GEM_NEW)", 0, NC_CCMD_IOCTL_SIMPLE,
     sizeof(struct nc_ccmd_ioctl_simple_req) + sizeof(struct drm_msm_gem_new),
     0, 0, 0,
     { { OFF(nc_ccmd_ioctl_simple_req, cmd), DRM_IOCTL_MSM_GEM_NEW } } },
   { "ioctl not allowed (SET_PARAM)", 0, NC_CCMD_IOCTL_SIMPLE,
     sizeof(struct nc_ccmd_ioctl_simple_req) + sizeof(struct drm_msm_param),
     0, 0, 0,
     { { OFF(nc_ccmd_ioctl_simple_req, cmd), DRM_IOCTL_MSM_SET_PARAM } } },
   { "ioctl 0", 0, NC_CCMD_IOCTL_SIMPLE,
     sizeof(struct nc_ccmd_ioctl_simple_req) },
   { "ioctl payload short", 0, NC_CCMD_IOCTL_SIMPLE,
     sizeof(struct nc_ccmd_ioctl_simple_req) + 8, 0, 0, 0,
     { { OFF(nc_ccmd_ioctl_simple_req, cmd), DRM_IOCTL_MSM_GET_PARAM } } },
   { "set_name: len past the request", 0, NC_CCMD_GEM_SET_NAME,
     sizeof(struct nc_ccmd_gem_set_name_req) + 8, 0, 0, 0,
     { { OFF(nc_ccmd_gem_set_name_req, res_id), RES_A },
       { OFF(nc_ccmd_gem_set_name_req, len), 9 } } },
   { "upload: len past the request", 0, NC_CCMD_GEM_UPLOAD,
     sizeof(struct nc_ccmd_gem_upload_req) + 8, 0, 0, 0,
     { { OFF(nc_ccmd_gem_upload_req, res_id), RES_A },
       { OFF(nc_ccmd_gem_upload_req, len), 4096 } } },
   { "upload: past the BO", 0, NC_CCMD_GEM_UPLOAD,
     sizeof(struct nc_ccmd_gem_upload_req) + 8, 0, 0, 0,
     { { OFF(nc_ccmd_gem_upload_req, res_id), RES_A },
       { OFF(nc_ccmd_gem_upload_req, len), 8 },
       { OFF(nc_ccmd_gem_upload_req, off), 4092 } } },
   { "debuginfo: lengths past the request", 0, NC_CCMD_SET_DEBUGINFO,
     sizeof(struct nc_ccmd_set_debuginfo_req) + 8, 0, 0, 0,
     { { OFF(nc_ccmd_set_debuginfo_req, comm_len), 4 },
       { OFF(nc_ccmd_set_debuginfo_req, cmdline_len), 0xfffffff0u } } },
   { "bad ring for a fence", 0, .act = act_bad_ring },
   /* extensions */
   { "EXT_ENABLE of an unoffered bit", NC_EXT_ALL, .act = act_ext_unoffered },
   { "shmem too small", 0, .act = act_shmem_too_small },
   { "shmem unaligned", 0, .act = act_shmem_unaligned },
   { "shmem too small for the extensions", 0,
     .act = act_shmem_too_small_for_ext },
   { "madv slot out of range", NC_EXT_ALL, NC_CCMD_GEM_NEW_MADV,
     sizeof(struct nc_ccmd_gem_new_madv_req), 0, 0, 0,
     { { OFF(nc_ccmd_gem_new_madv_req, gem.iova) + 4, 1 },
       { OFF(nc_ccmd_gem_new_madv_req, gem.size), 4096 },
       { OFF(nc_ccmd_gem_new_madv_req, gem.blob_id), 7 },
       { OFF(nc_ccmd_gem_new_madv_req, madv_slot), NC_MADV_SLOTS } } },
   { "submitqueue_new: id 0", NC_EXT_ALL, NC_CCMD_SUBMITQUEUE_NEW,
     sizeof(struct nc_ccmd_submitqueue_new_req), 0, 0, 0,
     { { OFF(nc_ccmd_submitqueue_new_req, slot), 5 } } },
   { "submitqueue_new: slot out of range", NC_EXT_ALL, NC_CCMD_SUBMITQUEUE_NEW,
     sizeof(struct nc_ccmd_submitqueue_new_req), 0, 0, 0,
     { { OFF(nc_ccmd_submitqueue_new_req, queue_id), 5 },
       { OFF(nc_ccmd_submitqueue_new_req, slot), NC_MAX_QUEUES } } },
   { "submitqueue_new: slot taken", NC_EXT_ALL, NC_CCMD_SUBMITQUEUE_NEW,
     sizeof(struct nc_ccmd_submitqueue_new_req), 0, 0, 0,
     { { OFF(nc_ccmd_submitqueue_new_req, queue_id), 5 } } }, /* slot 0 */
   { "submitqueue_new: id in use", NC_EXT_ALL, .act = act_queue_id_twice },
   { "blob placed elsewhere than BLOB_AT said", NC_EXT_ALL,
     .act = act_blob_at_elsewhere },
   { "BLOB_AT unaligned", NC_EXT_ALL, .act = act_blob_at_unaligned },
   { "shmem placed elsewhere than BLOB_AT said", NC_EXT_ALL,
     .act = act_shmem_at_elsewhere },
   { "BLOB_AT for an unknown blob", NC_EXT_ALL, NC_CCMD_BLOB_AT,
     sizeof(struct nc_ccmd_blob_at_req), 0, 0, 0,
     { { OFF(nc_ccmd_blob_at_req, blob_id), 99 } } },
   { "BLOB_AT, plain guest", 0, NC_CCMD_BLOB_AT,
     sizeof(struct nc_ccmd_blob_at_req) },
   { "submitqueue_new: bad prio", NC_EXT_ALL, NC_CCMD_SUBMITQUEUE_NEW,
     sizeof(struct nc_ccmd_submitqueue_new_req), 0, 0, 0,
     { { OFF(nc_ccmd_submitqueue_new_req, queue_id), 5 },
       { OFF(nc_ccmd_submitqueue_new_req, slot), 5 },
       { OFF(nc_ccmd_submitqueue_new_req, prio), 99 } } },
};
#pragma GCC diagnostic pop

/* Cases that need a context without its shmem yet. */
static bool
before_shmem(const struct hostile *c)
{
   return c->act == act_rsp_before_shmem || c->act == act_shmem_too_small ||
          c->act == act_shmem_unaligned || c->act == act_shmem_at_elsewhere ||
          c->act == act_shmem_too_small_for_ext ||
          c->act == act_ext_unoffered;
}

static void
test_hostile_table(void **state)
{
   struct env *e = *state;

   /* The bystander's objects, named like the ones a case reaches for. */
   nc_make_bo(e->other, &e->other_caps, 40, 40, 40);
   nc_make_bo(e->other, &e->other_caps, 41, 41, 41);

   for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
      const struct hostile *c = &cases[i];
      struct hctx h;

      printf("# hostile %zu: %s (%s guest)\n", i, c->what,
             c->ext ? "extended" : "plain");
      hctx_open(e, &h, c->ext, !before_shmem(c));
      int ret = c->act ? c->act(&h) : run_batch(&h, c);
      if (ret != -EIO)
         fail_msg("%s: the host said %d, not -EIO", c->what, ret);
      assert_lost(&h);
      nc_host_ctx_destroy(h.ctx);
   }
   /* The bystander and its objects are untouched. */
   assert_int_equal(nc_host_ctx_resource_unref(e->other, 40), 0);
   assert_int_equal(nc_host_ctx_resource_unref(e->other, 41), 0);
   nc_prove_alive(e->hostmem, e->other, &e->other_caps, 100, 0xb0b);
}

/* ---- answers, not losses --------------------------------------------- */

/* A request that asked for an answer gets the kernel's errno, not a lost
 * context: that is how the guest learns what an ioctl would have said. */
static void
test_sync_failure_is_an_answer(void **state)
{
   struct env *e = *state;
   struct hctx h;
   struct nc_batch b = { .len = 0 };

   hctx_open(e, &h, 0, true);
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
   /* A command without a response ignores rsp_off, however wild. */
   nc_batch_add(&b, NC_CCMD_NOP, sizeof(struct nc_ccmd_nop_req), 0xfffffff8u);

   assert_int_equal(nc_host_ctx_execute(h.ctx, b.buf, b.len), 0);
   struct nc_ccmd_rsp *r0 = (void *)nc_rsp_area(h.ctx);
   struct nc_ccmd_rsp *r1 = (void *)(nc_rsp_area(h.ctx) + 512);
   assert_int_equal(r0->ret, -EINVAL);
   assert_int_equal(r0->len, sizeof(struct nc_ccmd_ioctl_simple_rsp) +
                                sizeof(struct drm_msm_param));
   assert_int_equal(r1->ret, -ENOENT);
   assert_int_equal(r1->len, sizeof(struct nc_ccmd_wait_fence_rsp));
   assert_int_equal(nc_host_ctx_shmem(h.ctx)->seqno, 3);
   assert_int_equal(nc_host_ctx_lost(h.ctx), 0);
   assert_int_equal(nc_host_ctx_shmem(h.ctx)->async_error, 0);
   nc_prove_alive(e->hostmem, h.ctx, &h.caps, 10, 7);
   nc_host_ctx_destroy(h.ctx);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int
main(void)
{
   const struct CMUnitTest tests[] = {
      T(test_hostile_table),
      T(test_sync_failure_is_an_answer),
   };
   return cmocka_run_group_tests_name("nativectx-hostile", tests, NULL, NULL);
}
