/*
 * nc_ccmd.c - the ccmd handlers and their dispatch table: the anchor's
 * commands and msmvirt's extension commands in one table.
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


static int
ccmd_nop(struct nc_host_ctx *ctx, void *req, struct nc_rsp *rsp)
{
   (void)ctx;
   (void)req;
   (void)rsp;
   return 0;
}

/* ------------------------------------------------------- IOCTL_SIMPLE */

/* A queue made through the anchor's ioctl: the wire id is the core's. */
static int
ioctl_submitqueue_new(struct nc_host_ctx *ctx, struct drm_msm_submitqueue *args)
{
   uint32_t slot = NC_QUEUE_NONE;
   int ret = nc_queue_reserve(ctx, &slot);

   if (ret)
      return ret;
   ret = msm_ctx_submitqueue_new(ctx->mctx, args);
   /* An extended guest's own ids may already use this number. */
   if (!ret && nc_queue_id_used(ctx, args->id)) {
      msm_ctx_submitqueue_close(ctx->mctx, args->id);
      ret = -EBUSY;
   }
   if (ret)
      nc_queue_unreserve(ctx, slot);
   else
      nc_queue_publish(ctx, slot, args->id, args->id, args->prio);
   return ret;
}

static int
ioctl_submitqueue_close(struct nc_host_ctx *ctx, uint32_t id)
{
   uint32_t core_id;
   int ret = nc_queue_core_id(ctx, id, &core_id);

   if (!ret)
      ret = msm_ctx_submitqueue_close(ctx->mctx, core_id);
   if (!ret)
      nc_queue_close(ctx, id);
   return ret;
}

static int
ccmd_ioctl_simple(struct nc_host_ctx *ctx, void *r, struct nc_rsp *rsp)
{
   struct nc_ccmd_ioctl_simple_req *req = r;
   uint32_t size = _IOC_SIZE(req->cmd);
   bool out = _IOC_DIR(req->cmd) & _IOC_READ;
   uint64_t payload[NC_IOCTL_PAYLOAD_MAX / 8];
   int ret;

   if (size > NC_IOCTL_PAYLOAD_MAX || req->hdr.len < sizeof(*req) + size)
      return -EINVAL;
   /* The payload sits at offset 20: copy it to aligned memory. */
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
      ret = ioctl_submitqueue_new(ctx, (void *)payload);
      break;
   case DRM_IOCTL_MSM_SUBMITQUEUE_CLOSE: {
      uint32_t id;
      memcpy(&id, payload, sizeof(id));
      ret = ioctl_submitqueue_close(ctx, id);
      break;
   }
   default:
      /* Not on the allow-list. */
      return -EINVAL;
   }

   /* Exactly what the guest made room for: the header, plus the struct for
    * ioctls that return one. */
   struct nc_ccmd_ioctl_simple_rsp *o =
      nc_rsp_body(rsp, sizeof(*o) + (out ? size : 0));
   o->hdr.ret = ret;
   if (out)
      memcpy(o->payload, payload, size);
   return 0;
}

/* ---------------------------------------------------------------- GEM */

/* GEM_NEW only records the request: the storage offset is the guest
 * kernel's pick and comes with the blob create (nc_host_ctx_blob_attach()). */
static int
gem_new(struct nc_host_ctx *ctx, const struct nc_ccmd_gem_new_req *req,
        uint32_t madv_slot)
{
   struct nc_obj *obj;
   int ret;

   /* Blob 0 is the shmem.  No implicit iova: the guest must know where its
    * BO is.  The core checks the rest when it makes the object. */
   if (!req->blob_id || !req->iova || !req->size ||
       req->size > ctx->caps.ext.max_bo_size)
      return -EINVAL;
   if (madv_slot != NC_MADV_SLOT_NONE && madv_slot >= NC_MADV_SLOTS)
      return -EINVAL;
   obj = calloc(1, sizeof(*obj));
   if (!obj)
      return -ENOMEM;
   *obj = (struct nc_obj){
      .blob_id = req->blob_id, .flags = req->flags,
      .size = MSM_PAGE_ALIGN(req->size), .iova = req->iova,
      .madv_slot = madv_slot,
   };
   /* A blob_id still in use (made or attached) is a confused guest. */
   ret = nc_table_put(&ctx->blobs, req->blob_id, obj);
   if (ret)
      free(obj);
   return ret;
}

static int
ccmd_gem_new(struct nc_host_ctx *ctx, void *req, struct nc_rsp *rsp)
{
   (void)rsp;
   return gem_new(ctx, req, NC_MADV_SLOT_NONE);
}

static int
ccmd_gem_new_madv(struct nc_host_ctx *ctx, void *r, struct nc_rsp *rsp)
{
   struct nc_ccmd_gem_new_madv_req *req = r;

   (void)rsp;
   if (req->pad)
      return -EINVAL;
   return gem_new(ctx, &req->gem, req->madv_slot);
}

static int
ccmd_gem_set_iova(struct nc_host_ctx *ctx, void *r, struct nc_rsp *rsp)
{
   struct nc_ccmd_gem_set_iova_req *req = r;
   struct nc_obj *obj = nc_host_ctx_obj(ctx, req->res_id);

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
ccmd_gem_cpu_prep(struct nc_host_ctx *ctx, void *r, struct nc_rsp *rsp)
{
   struct nc_ccmd_gem_cpu_prep_req *req = r;
   struct nc_obj *obj = nc_host_ctx_obj(ctx, req->res_id);

   nc_rsp_body(rsp, sizeof(struct nc_ccmd_gem_cpu_prep_rsp));
   if (!obj) {
      rsp->u.hdr.ret = -ENOENT;
      return 0;
   }
   /* Never block the connection thread (other guests' contexts share it):
    * the guest polls. */
   struct drm_msm_gem_cpu_prep args = {
      .handle = obj->handle, .op = req->op | MSM_PREP_NOSYNC,
   };
   rsp->u.hdr.ret = msm_ctx_gem_cpu_prep(ctx->mctx, &args);
   return 0;
}

static int
ccmd_gem_set_name(struct nc_host_ctx *ctx, void *r, struct nc_rsp *rsp)
{
   struct nc_ccmd_gem_set_name_req *req = r;

   if (req->len > req->hdr.len - sizeof(*req))
      return -EINVAL;
   struct nc_obj *obj = nc_host_ctx_obj(ctx, req->res_id);
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
gem_submit(struct nc_host_ctx *ctx, const struct nc_ccmd_gem_submit_req *req,
           struct drm_msm_gem_submit_bo *bos,
           struct drm_msm_gem_submit_cmd *cmds)
{
   uint32_t slot, core_id;

   for (uint32_t i = 0; i < req->nr_bos; i++) {
      struct nc_obj *obj = nc_host_ctx_obj(ctx, bos[i].handle);
      if (!obj)
         return -EINVAL; /* what the kernel says for a handle not ours */
      bos[i].handle = obj->handle;
   }
   if (nc_queue_core_id(ctx, req->queue_id, &core_id))
      return -ENOENT;

   /* The guest picked the seqno (its caller has it already). */
   struct drm_msm_gem_submit args = {
      .flags = req->flags | MSM_SUBMIT_FENCE_SN_IN,
      .fence = req->fence,
      .nr_bos = req->nr_bos,
      .nr_cmds = req->nr_cmds,
      .queueid = core_id,
   };
   nc_queue_submit_begin(ctx, req->queue_id, &slot);
   int ret = msm_ctx_gem_submit(ctx->mctx, &args, bos, cmds);
   nc_queue_submit_end(ctx, slot, req->fence, ret == 0);
   return ret;
}

static int
ccmd_gem_submit(struct nc_host_ctx *ctx, void *r, struct nc_rsp *rsp)
{
   struct nc_ccmd_gem_submit_req *req = r;
   uint64_t bos_len = (uint64_t)req->nr_bos *
                      sizeof(struct drm_msm_gem_submit_bo);
   uint64_t cmds_len = (uint64_t)req->nr_cmds *
                       sizeof(struct drm_msm_gem_submit_cmd);

   /* The arrays must lie inside the request: counts come from the guest
    * (hdr.len is bounded by the frame, and so is the allocation). */
   if (sizeof(*req) + bos_len + cmds_len > req->hdr.len)
      return -EINVAL;
   /* They start at offset 36: copy them to aligned memory. */
   uint8_t *arrays = malloc(bos_len + cmds_len + 1);
   if (!arrays)
      return -ENOMEM;
   memcpy(arrays, req->payload, bos_len + cmds_len);
   rsp->u.hdr.ret = gem_submit(ctx, req, (void *)arrays,
                               (void *)(arrays + bos_len));
   free(arrays);
   return 0;
}

static int
ccmd_gem_upload(struct nc_host_ctx *ctx, void *r, struct nc_rsp *rsp)
{
   struct nc_ccmd_gem_upload_req *req = r;
   uint64_t hm, size;
   int ret;

   if (req->len > req->hdr.len - sizeof(*req))
      return -EINVAL;
   struct nc_obj *obj = nc_host_ctx_obj(ctx, req->res_id);
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
ccmd_gem_madvise(struct nc_host_ctx *ctx, void *r, struct nc_rsp *rsp)
{
   struct nc_ccmd_gem_madvise_req *req = r;
   struct nc_ccmd_gem_madvise_rsp *out = nc_rsp_body(rsp, sizeof(*out));
   struct nc_obj *obj = nc_host_ctx_obj(ctx, req->res_id);

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

/* ------------------------------------------------------- queues/fences */

static int
ccmd_submitqueue_query(struct nc_host_ctx *ctx, void *r, struct nc_rsp *rsp)
{
   struct nc_ccmd_submitqueue_query_req *req = r;
   struct nc_ccmd_submitqueue_query_rsp *out;
   uint32_t cap = NC_RSP_MAX - sizeof(*out);
   /* The kernel copies min(len, size of the value); the guest made room
    * for len, we have room for cap. */
   uint32_t len = req->len < cap ? req->len : cap;
   uint32_t core_id;

   out = nc_rsp_body(rsp, sizeof(*out) + len);
   if (nc_queue_core_id(ctx, req->queue_id, &core_id)) {
      out->hdr.ret = -ENOENT;
      return 0;
   }
   struct drm_msm_submitqueue_query args = {
      .id = core_id, .param = req->param, .len = len,
   };
   out->hdr.ret = msm_ctx_submitqueue_query(ctx->mctx, &args, out->payload);
   out->out_len = args.len;
   return 0;
}

static int
ccmd_wait_fence(struct nc_host_ctx *ctx, void *r, struct nc_rsp *rsp)
{
   struct nc_ccmd_wait_fence_req *req = r;
   struct timespec now;
   uint32_t core_id;

   nc_rsp_body(rsp, sizeof(struct nc_ccmd_wait_fence_rsp));
   if (nc_queue_core_id(ctx, req->queue_id, &core_id)) {
      rsp->u.hdr.ret = -ENOENT;
      return 0;
   }
   /* A deadline of now: a poll, never a block of the connection thread. */
   clock_gettime(CLOCK_MONOTONIC, &now);
   struct drm_msm_wait_fence args = {
      .fence = req->fence, .queueid = core_id,
      .timeout = { .tv_sec = now.tv_sec, .tv_nsec = now.tv_nsec },
   };
   rsp->u.hdr.ret = msm_ctx_wait_fence(ctx->mctx, &args);
   return 0;
}

/* NC_EXT_QUEUE_STATE: the guest picked id and slot, so it can submit to
 * the queue before this ran. */
static int
ccmd_submitqueue_new(struct nc_host_ctx *ctx, void *r, struct nc_rsp *rsp)
{
   struct nc_ccmd_submitqueue_new_req *req = r;
   struct drm_msm_submitqueue args = { .flags = req->flags,
                                       .prio = req->prio };
   uint32_t slot = req->slot;
   int ret;

   (void)rsp;
   /* Ids are never reused while their queue drains: "the slot no longer
    * names my queue" must mean it retired. */
   if (!req->queue_id || req->queue_id == NC_QUEUE_NONE ||
       slot >= NC_MAX_QUEUES || nc_queue_id_used(ctx, req->queue_id))
      return -EINVAL;
   ret = nc_queue_reserve(ctx, &slot);
   if (ret)
      return ret;
   ret = msm_ctx_submitqueue_new(ctx->mctx, &args);
   if (ret) {
      nc_queue_unreserve(ctx, slot);
      return ret;
   }
   nc_queue_publish(ctx, slot, req->queue_id, args.id, args.prio);
   return 0;
}

/* --------------------------------------------------------------- misc */

static int
ccmd_set_debuginfo(struct nc_host_ctx *ctx, void *r, struct nc_rsp *rsp)
{
   struct nc_ccmd_set_debuginfo_req *req = r;
   uint64_t need = sizeof(*req) + (uint64_t)req->comm_len + req->cmdline_len;
   int ret = 0;

   if (need > req->hdr.len)
      return -EINVAL;
   if (req->comm_len) {
      struct drm_msm_param p = { .pipe = MSM_PIPE_3D0,
                                 .param = MSM_PARAM_COMM,
                                 .len = req->comm_len };
      ret = msm_ctx_set_param(ctx->mctx, &p, (char *)req->payload);
   }
   if (!ret && req->cmdline_len) {
      struct drm_msm_param p = { .pipe = MSM_PIPE_3D0,
                                 .param = MSM_PARAM_CMDLINE,
                                 .len = req->cmdline_len };
      ret = msm_ctx_set_param(ctx->mctx, &p,
                              (char *)req->payload + req->comm_len);
   }
   rsp->u.hdr.ret = ret;
   return 0;
}

/* The shmem's layout follows from the extensions: they are fixed before
 * it exists. */
static int
ccmd_ext_enable(struct nc_host_ctx *ctx, void *r, struct nc_rsp *rsp)
{
   struct nc_ccmd_ext_enable_req *req = r;

   (void)rsp;
   if (ctx->shmem_obj || req->pad || (req->ext & ~ctx->caps.ext.offered))
      return -EINVAL;
   ctx->ext |= req->ext;
   return 0;
}

static int
ccmd_arena_new(struct nc_host_ctx *ctx, void *r, struct nc_rsp *rsp)
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
      out->size = MSM_PAGE_ALIGN(req->size);
   }
   return 0;
}

/* NC_EXT_BLOB_AT: remember where the guest wants the blob; the blob create
 * must put it there (nc_host_ctx_blob_attach()). */
static int
ccmd_blob_at(struct nc_host_ctx *ctx, void *r, struct nc_rsp *rsp)
{
   struct nc_ccmd_blob_at_req *req = r;

   (void)rsp;
   if (req->pad || req->hm_offset % 4096)
      return -EINVAL;
   if (!req->blob_id) {
      if (ctx->shmem_obj)
         return -EINVAL;
      ctx->shmem_has_at = true;
      ctx->shmem_hm_at = req->hm_offset;
      return 0;
   }
   struct nc_obj *obj = nc_table_get(&ctx->blobs, req->blob_id);
   if (!obj || obj->handle)
      return -ENOENT; /* after its GEM_NEW, before its blob */
   obj->has_at = true;
   obj->hm_at = req->hm_offset;
   return 0;
}

/* One table, indexed by command, anchor and extensions alike: the loop
 * checks the number, the extension, the minimum size and the response slot
 * before any handler runs. */
const struct nc_ccmd_desc nc_ccmd_table[NC_CCMD_COUNT] = {
#define CCMD(N, n, ext, rsp)                                               \
   [NC_CCMD_##N] = { #N, ccmd_##n, sizeof(struct nc_ccmd_##n##_req), ext, \
                     rsp }
   CCMD(NOP, nop, 0, false),
   CCMD(IOCTL_SIMPLE, ioctl_simple, 0, true),
   CCMD(GEM_NEW, gem_new, 0, false),
   CCMD(GEM_SET_IOVA, gem_set_iova, 0, false),
   CCMD(GEM_CPU_PREP, gem_cpu_prep, 0, true),
   CCMD(GEM_SET_NAME, gem_set_name, 0, false),
   CCMD(GEM_SUBMIT, gem_submit, 0, false),
   CCMD(GEM_UPLOAD, gem_upload, 0, false),
   CCMD(SUBMITQUEUE_QUERY, submitqueue_query, 0, true),
   CCMD(WAIT_FENCE, wait_fence, 0, true),
   CCMD(SET_DEBUGINFO, set_debuginfo, 0, false),
   CCMD(EXT_ENABLE, ext_enable, 0, false),
   CCMD(GEM_NEW_MADV, gem_new_madv, NC_EXT_MADV_WORDS, false),
   CCMD(GEM_MADVISE, gem_madvise, NC_EXT_MADV_WORDS, true),
   CCMD(ARENA_NEW, arena_new, NC_EXT_ARENAS, true),
   CCMD(SUBMITQUEUE_NEW, submitqueue_new, NC_EXT_QUEUE_STATE, false),
   CCMD(BLOB_AT, blob_at, NC_EXT_BLOB_AT, false),
#undef CCMD
};

uint32_t
nc_max_submits(size_t len)
{
   return (uint32_t)(len / nc_ccmd_table[NC_CCMD_GEM_SUBMIT].min_size);
}
