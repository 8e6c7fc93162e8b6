/*
 * nc_ccmd.c - the ccmd handlers and their dispatch table.
 *
 * Every handler gets a private, aligned copy of one request whose length is
 * at least the table's min_size; it checks every variable length against
 * hdr.len, every res_id against the context's table, and hands the rest to
 * the core, which validates like the kernel does.  See nc_renderer_priv.h
 * for the return convention.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nc_renderer_priv.h"

#define PAGE_ALIGN(x) (((x) + 4095ull) & ~4095ull)

static int
ccmd_nop(struct nc_ctx *ctx, void *req, struct nc_rsp *rsp)
{
   (void)ctx;
   (void)req;
   (void)rsp;
   return 0;
}

/* ------------------------------------------------------- IOCTL_SIMPLE */

static int
ioctl_submitqueue_new(struct nc_ctx *ctx, struct drm_msm_submitqueue *args,
                      uint32_t *slot)
{
   int ret = nc_queue_reserve(ctx, slot);
   if (ret)
      return ret;
   ret = msm_ctx_submitqueue_new(ctx->mctx, args);
   if (ret)
      nc_queue_unreserve(ctx, *slot);
   else
      nc_queue_publish(ctx, *slot, args->id, args->prio);
   return ret;
}

static int
ccmd_ioctl_simple(struct nc_ctx *ctx, void *r, struct nc_rsp *rsp)
{
   struct nc_ccmd_ioctl_simple_req *req = r;
   uint32_t size = _IOC_SIZE(req->cmd);
   uint64_t payload[NC_IOCTL_PAYLOAD_MAX / 8];
   struct nc_ccmd_ioctl_simple_rsp *out;
   uint32_t slot = NC_QUEUE_NONE;
   int ret;

   if (size > NC_IOCTL_PAYLOAD_MAX ||
       req->hdr.len != NC_ALIGN8(sizeof(*req) + size))
      return -EINVAL;
   memcpy(payload, req->payload, size);

   switch (req->cmd) {
   case DRM_IOCTL_MSM_GET_PARAM: {
      struct drm_msm_param *p = (void *)payload;
      ret = msm_ctx_get_param(ctx->mctx, p);
      if (!ret && p->param == MSM_PARAM_FAULTS)
         nc_publish_faults(ctx, (uint32_t)p->value);
      break;
   }
   case DRM_IOCTL_MSM_SUBMITQUEUE_NEW:
      ret = ioctl_submitqueue_new(ctx, (void *)payload, &slot);
      break;
   case DRM_IOCTL_MSM_SUBMITQUEUE_CLOSE: {
      uint32_t id;
      memcpy(&id, payload, sizeof(id));
      ret = msm_ctx_submitqueue_close(ctx->mctx, id);
      if (!ret)
         nc_queue_close(ctx, id);
      break;
   }
   default:
      /* Not on the allow-list. */
      return -EINVAL;
   }

   rsp->u.hdr.ret = ret;
   out = nc_rsp_body(rsp, NC_ALIGN8(sizeof(*out) + size));
   out->slot = slot;
   if (_IOC_DIR(req->cmd) & _IOC_READ)
      memcpy(out->payload, payload, size);
   return 0;
}

/* ------------------------------------------------------------- GEM */

static int
gem_new(struct nc_ctx *ctx, const struct nc_ccmd_gem_new_req *req)
{
   const struct nc_capset_msm *caps = &ctx->caps.msm;
   struct drm_msm_gem_new args = { .size = req->size, .flags = req->flags };
   struct drm_msm_gem_info info = { .info = MSM_INFO_SET_IOVA,
                                    .value = req->iova };
   struct nc_obj *obj;
   int ret;

   /* blob ids only go up: a reused one is a confused or hostile guest. */
   if (!req->blob_id || req->blob_id <= ctx->last_blob_id)
      return -EINVAL;
   /* No implicit iova: the guest must know where its BO is. */
   if (!req->iova)
      return -EINVAL;
   /* The shared page is never BO storage. */
   if (req->hm_offset + req->size < req->hm_offset ||
       (req->hm_offset < caps->shmem_offset + caps->shmem_size &&
        caps->shmem_offset < req->hm_offset + req->size))
      return -EINVAL;

   if (req->madv_slot != NC_MADV_SLOT_NONE && req->madv_slot >= NC_MADV_SLOTS)
      return -EINVAL;

   ret = msm_ctx_gem_new_at(ctx->mctx, &args, req->hm_offset);
   if (ret)
      return ret;
   info.handle = args.handle;
   ret = msm_ctx_gem_info(ctx->mctx, &info, NULL);
   if (ret)
      goto fail;
   if (req->madv_slot != NC_MADV_SLOT_NONE) {
      ret = msm_ctx_bo_share_madv(ctx->mctx, args.handle,
                                  caps->shmem_offset + NC_SHMEM_MADV_OFFSET +
                                  (uint64_t)req->madv_slot * 4);
      if (ret)
         goto fail;
   }
   obj = calloc(1, sizeof(*obj));
   if (!obj) {
      ret = -ENOMEM;
      goto fail;
   }
   *obj = (struct nc_obj){
      .handle = args.handle, .blob_id = req->blob_id, .flags = req->flags,
      .size = PAGE_ALIGN(req->size), .hm_offset = req->hm_offset,
   };
   ret = nc_table_put(&ctx->blobs, req->blob_id, obj);
   if (ret) {
      free(obj);
      goto fail;
   }
   ctx->last_blob_id = req->blob_id;
   return 0;

fail:
   msm_ctx_gem_close(ctx->mctx, args.handle);
   return ret;
}

static int
ccmd_gem_new(struct nc_ctx *ctx, void *req, struct nc_rsp *rsp)
{
   rsp->u.hdr.ret = gem_new(ctx, req);
   return 0;
}

static int
ccmd_gem_set_iova(struct nc_ctx *ctx, void *r, struct nc_rsp *rsp)
{
   struct nc_ccmd_gem_set_iova_req *req = r;
   struct nc_obj *obj = nc_ctx_obj(ctx, req->res_id);

   if (!obj) {
      rsp->u.hdr.ret = -ENOENT;
      return 0;
   }
   struct drm_msm_gem_info info = {
      .handle = obj->handle, .info = MSM_INFO_SET_IOVA, .value = req->iova,
   };
   rsp->u.hdr.ret = msm_ctx_gem_info(ctx->mctx, &info, NULL);
   return 0;
}

static int
ccmd_gem_cpu_prep(struct nc_ctx *ctx, void *r, struct nc_rsp *rsp)
{
   struct nc_ccmd_gem_cpu_prep_req *req = r;
   struct nc_obj *obj = nc_ctx_obj(ctx, req->res_id);

   nc_rsp_body(rsp, sizeof(struct nc_ccmd_gem_cpu_prep_rsp));
   if (!obj) {
      rsp->u.hdr.ret = -ENOENT;
      return 0;
   }
   /* Never block the connection thread (other guests' contexts share
    * it): the guest polls. */
   struct drm_msm_gem_cpu_prep args = {
      .handle = obj->handle, .op = req->op | MSM_PREP_NOSYNC,
   };
   rsp->u.hdr.ret = msm_ctx_gem_cpu_prep(ctx->mctx, &args);
   return 0;
}

static int
ccmd_gem_set_name(struct nc_ctx *ctx, void *r, struct nc_rsp *rsp)
{
   struct nc_ccmd_gem_set_name_req *req = r;

   if (req->len > req->hdr.len - sizeof(*req))
      return -EINVAL;
   struct nc_obj *obj = nc_ctx_obj(ctx, req->res_id);
   if (!obj) {
      rsp->u.hdr.ret = -ENOENT;
      return 0;
   }
   struct drm_msm_gem_info info = {
      .handle = obj->handle, .info = MSM_INFO_SET_NAME, .len = req->len,
   };
   rsp->u.hdr.ret = msm_ctx_gem_info(ctx->mctx, &info, (char *)req->payload);
   return 0;
}

static int
ccmd_gem_submit(struct nc_ctx *ctx, void *r, struct nc_rsp *rsp)
{
   struct nc_ccmd_gem_submit_req *req = r;
   struct drm_msm_gem_submit_bo *bos = (void *)req->payload;
   struct drm_msm_gem_submit_cmd *cmds;
   uint64_t need = sizeof(*req) +
                   (uint64_t)req->nr_bos * sizeof(*bos) +
                   (uint64_t)req->nr_cmds * sizeof(*cmds);
   uint32_t slot;

   /* The arrays must lie inside the request: counts come from the guest. */
   if (need > req->hdr.len || req->pad)
      return -EINVAL;
   cmds = (void *)(req->payload + (size_t)req->nr_bos * sizeof(*bos));

   for (uint32_t i = 0; i < req->nr_bos; i++) {
      struct nc_obj *obj = nc_ctx_obj(ctx, bos[i].handle);
      if (!obj) {
         /* What the kernel says for a handle that is not ours. */
         rsp->u.hdr.ret = -EINVAL;
         return 0;
      }
      bos[i].handle = obj->handle;
   }

   struct drm_msm_gem_submit args = {
      .flags = req->flags | MSM_SUBMIT_FENCE_SN_IN,
      .fence = req->fence,
      .nr_bos = req->nr_bos,
      .nr_cmds = req->nr_cmds,
      .queueid = req->queue_id,
   };
   nc_queue_submit_begin(ctx, req->queue_id, &slot);
   int ret = msm_ctx_gem_submit(ctx->mctx, &args, bos, cmds);
   nc_queue_submit_end(ctx, slot, req->fence, ret == 0);
   rsp->u.hdr.ret = ret;
   return 0;
}

static int
ccmd_gem_upload(struct nc_ctx *ctx, void *r, struct nc_rsp *rsp)
{
   struct nc_ccmd_gem_upload_req *req = r;
   uint64_t hm, size;
   int ret;

   if (req->len > req->hdr.len - sizeof(*req))
      return -EINVAL;
   struct nc_obj *obj = nc_ctx_obj(ctx, req->res_id);
   if (!obj) {
      rsp->u.hdr.ret = -ENOENT;
      return 0;
   }
   ret = msm_ctx_bo_hostmem(ctx->mctx, obj->handle, &hm, &size);
   if (!ret && (req->off > size || req->len > size - req->off ||
                hm > ctx->hostmem_size || size > ctx->hostmem_size - hm))
      ret = -EINVAL;
   if (!ret)
      memcpy(ctx->hostmem + hm + req->off, req->payload, req->len);
   rsp->u.hdr.ret = ret;
   return 0;
}

static int
ccmd_gem_madvise(struct nc_ctx *ctx, void *r, struct nc_rsp *rsp)
{
   struct nc_ccmd_gem_madvise_req *req = r;
   struct nc_ccmd_gem_madvise_rsp *out = nc_rsp_body(rsp, sizeof(*out));
   struct nc_obj *obj = nc_ctx_obj(ctx, req->res_id);

   if (!obj) {
      out->hdr.ret = -ENOENT;
      return 0;
   }
   struct drm_msm_gem_madvise args = { .handle = obj->handle,
                                       .madv = req->madv };
   out->hdr.ret = msm_ctx_gem_madvise(ctx->mctx, &args);
   out->retained = args.retained;
   return 0;
}

/* ------------------------------------------------------ queues/fences */

static int
ccmd_submitqueue_query(struct nc_ctx *ctx, void *r, struct nc_rsp *rsp)
{
   struct nc_ccmd_submitqueue_query_req *req = r;
   struct nc_ccmd_submitqueue_query_rsp *out;
   uint32_t cap = NC_RSP_MAX - sizeof(*out);
   /* The kernel copies min(len, size of the value); we have room for cap. */
   uint32_t len = req->len < cap ? req->len : cap;

   out = nc_rsp_body(rsp, NC_ALIGN8(sizeof(*out) + len));
   struct drm_msm_submitqueue_query args = {
      .id = req->queue_id, .param = req->param, .len = len,
      .pad = req->pad,
   };
   out->hdr.ret = msm_ctx_submitqueue_query(ctx->mctx, &args, out->payload);
   out->out_len = args.len;
   return 0;
}

static int
ccmd_wait_fence(struct nc_ctx *ctx, void *r, struct nc_rsp *rsp)
{
   struct nc_ccmd_wait_fence_req *req = r;
   struct timespec now;

   nc_rsp_body(rsp, sizeof(struct nc_ccmd_wait_fence_rsp));
   /* A deadline of now: a poll, never a block of the connection thread. */
   clock_gettime(CLOCK_MONOTONIC, &now);
   struct drm_msm_wait_fence args = {
      .fence = req->fence, .queueid = req->queue_id,
      .timeout = { .tv_sec = now.tv_sec, .tv_nsec = now.tv_nsec },
   };
   rsp->u.hdr.ret = msm_ctx_wait_fence(ctx->mctx, &args);
   return 0;
}

/* ------------------------------------------------------------- misc */

static int
ccmd_set_debuginfo(struct nc_ctx *ctx, void *r, struct nc_rsp *rsp)
{
   struct nc_ccmd_set_debuginfo_req *req = r;
   uint64_t need = sizeof(*req) + (uint64_t)req->comm_len + req->cmdline_len;
   int ret = 0;

   if (need > req->hdr.len ||
       (req->flags & ~(NC_DEBUGINFO_COMM | NC_DEBUGINFO_CMDLINE)))
      return -EINVAL;
   if (req->flags & NC_DEBUGINFO_COMM) {
      struct drm_msm_param p = { .pipe = MSM_PIPE_3D0,
                                 .param = MSM_PARAM_COMM,
                                 .len = req->comm_len };
      ret = msm_ctx_set_param(ctx->mctx, &p, (char *)req->payload);
   }
   if (!ret && (req->flags & NC_DEBUGINFO_CMDLINE)) {
      struct drm_msm_param p = { .pipe = MSM_PIPE_3D0,
                                 .param = MSM_PARAM_CMDLINE,
                                 .len = req->cmdline_len };
      ret = msm_ctx_set_param(ctx->mctx, &p,
                              (char *)req->payload + req->comm_len);
   }
   rsp->u.hdr.ret = ret;
   return 0;
}

static int
ccmd_arena_new(struct nc_ctx *ctx, void *r, struct nc_rsp *rsp)
{
   struct nc_ccmd_arena_new_req *req = r;
   struct nc_ccmd_arena_new_rsp *out = nc_rsp_body(rsp, sizeof(*out));
   uint64_t offset = 0;

   if (!req->size || req->size > NC_MAX_ARENA_SIZE) {
      out->hdr.ret = -EINVAL;
      return 0;
   }
   out->hdr.ret = msm_ctx_arena_new(ctx->mctx, req->size, &offset);
   if (!out->hdr.ret) {
      out->offset = offset;
      out->size = PAGE_ALIGN(req->size);
   }
   return 0;
}

/* One table, indexed by command: the loop checks the number and the
 * minimum size before any handler runs. */
const struct nc_ccmd_desc nc_ccmd_table[NC_CCMD_COUNT] = {
#define CCMD(N, n) \
   [NC_CCMD_##N] = { #N, ccmd_##n, sizeof(struct nc_ccmd_##n##_req) }
   CCMD(NOP, nop),
   CCMD(IOCTL_SIMPLE, ioctl_simple),
   CCMD(GEM_NEW, gem_new),
   CCMD(GEM_SET_IOVA, gem_set_iova),
   CCMD(GEM_CPU_PREP, gem_cpu_prep),
   CCMD(GEM_SET_NAME, gem_set_name),
   CCMD(GEM_SUBMIT, gem_submit),
   CCMD(GEM_UPLOAD, gem_upload),
   CCMD(SUBMITQUEUE_QUERY, submitqueue_query),
   CCMD(WAIT_FENCE, wait_fence),
   CCMD(SET_DEBUGINFO, set_debuginfo),
   CCMD(GEM_MADVISE, gem_madvise),
   CCMD(ARENA_NEW, arena_new),
#undef CCMD
};

uint32_t
nc_max_submits(size_t len)
{
   return (uint32_t)(len / nc_ccmd_table[NC_CCMD_GEM_SUBMIT].min_size);
}
