/*
 * nc_blob.c - a context's blob resources: the objects GEM_NEW asked for,
 * made when the blob create that names their blob_id arrives (at the
 * storage offset the guest kernel picked), and blob 0, the shmem.
 *
 * Blob ids may arrive in any order (mesa takes them from a counter outside
 * its execbuf lock); a blob_id may not name two live objects at once.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "nc_renderer_priv.h"


struct nc_obj *
nc_host_ctx_obj(struct nc_host_ctx *ctx, uint32_t res_id)
{
   struct nc_obj *obj = nc_table_get(&ctx->res, res_id);
   /* The shmem is no GPU buffer: no ccmd may name it. */
   return obj && !obj->shmem ? obj : NULL;
}

static void
obj_free(struct nc_host_ctx *ctx, struct nc_obj *obj)
{
   if (obj->handle)
      msm_ctx_gem_close(ctx->mctx, obj->handle);
   free(obj);
}

/* Point the context's shmem view at hostmem + hm_offset (or back at the
 * private dummy), carrying over what the host published so far. */
static void
shmem_switch(struct nc_host_ctx *ctx, uint8_t *base, uint32_t size)
{
   struct nc_shmem *old = ctx->shmem;
   struct nc_shmem *shm = base ? (struct nc_shmem *)base : &ctx->dummy.hdr;
   struct nc_shmem_state *st = &ctx->dummy.state;
   uint32_t rsp_off = base ? nc_shmem_rsp_offset(ctx->ext) : 0;

   if (base && (ctx->ext & NC_EXT_QUEUE_STATE))
      st = (struct nc_shmem_state *)(base + NC_SHMEM_STATE_OFFSET);

   pthread_mutex_lock(&ctx->lock); /* the retire callback reads ctx->state */
   if (st != ctx->state) {
      /* Every host field; the guest's waiter hints stay as they are (a
       * guest may already sleep on queue 0 before this blob arrived). */
      st->lost = ctx->state->lost;
      st->global_faults = ctx->state->global_faults;
      st->nr_queues = NC_MAX_QUEUES;
      st->pad = 0;
      for (uint32_t i = 0; i < NC_MAX_QUEUES; i++) {
         const struct nc_host_queue *q = &ctx->queues[i];
         st->queues[i].completed = q->completed;
         st->queues[i].queue_id =
            q->used && q->id != NC_QUEUE_NONE ? q->id : NC_QUEUE_NONE;
      }
   }
   shm->seqno = old->seqno;
   shm->async_error = old->async_error;
   shm->rsp_mem_offset = rsp_off;
   ctx->shmem = shm;
   ctx->state = st;
   ctx->rsp_area = base ? base + rsp_off : NULL;
   ctx->rsp_size = base ? size - rsp_off : 0;
   pthread_mutex_unlock(&ctx->lock);
}

/* Blob 0: the shmem, in the guest's storage (a core object reserves the
 * range, so no BO can overlap it).  One at a time. */
static int
shmem_create(struct nc_host_ctx *ctx, uint32_t res_id, uint64_t size,
             uint64_t hm_offset)
{
   struct drm_msm_gem_new args = { .size = size, .flags = MSM_BO_WC };
   struct nc_obj *obj;
   int ret;

   if (ctx->shmem_obj || size < NC_SHMEM_MIN_SIZE ||
       size > NC_SHMEM_MAX_SIZE || size % MSM_PAGE_SIZE ||
       nc_shmem_rsp_offset(ctx->ext) + NC_RSP_MIN > size)
      return -EINVAL;
   obj = calloc(1, sizeof(*obj));
   if (!obj)
      return -ENOMEM;
   ret = msm_ctx_gem_new_at(ctx->mctx, &args, hm_offset);
   if (ret) {
      free(obj);
      return ret;
   }
   *obj = (struct nc_obj){ .handle = args.handle, .res_id = res_id,
                           .size = size, .shmem = true };
   ret = nc_table_put(&ctx->res, res_id, obj);
   if (ret) {
      obj_free(ctx, obj);
      return ret;
   }
   /* gem_new_at checked it lies inside one of our arenas. */
   ctx->shmem_obj = obj;
   shmem_switch(ctx, ctx->hostmem + hm_offset, (uint32_t)size);
   return 0;
}

/* Make the object GEM_NEW described, at hm_offset. */
static int
obj_make(struct nc_host_ctx *ctx, struct nc_obj *obj, uint64_t hm_offset)
{
   struct drm_msm_gem_new args = { .size = obj->size, .flags = obj->flags };
   struct drm_msm_gem_info info = { .info = MSM_INFO_SET_IOVA,
                                    .value = obj->iova };
   int ret = msm_ctx_gem_new_at(ctx->mctx, &args, hm_offset);

   if (ret)
      return ret;
   obj->handle = args.handle;
   info.handle = args.handle;
   ret = msm_ctx_gem_info(ctx->mctx, &info, NULL);
   if (!ret && obj->madv_slot != NC_MADV_SLOT_NONE) {
      /* The word lives in the shmem, which must exist by now. */
      if (!ctx->shmem_obj || !(ctx->ext & NC_EXT_MADV_WORDS))
         return -EINVAL;
      uint64_t shm = (uint64_t)((uint8_t *)ctx->shmem - ctx->hostmem);
      ret = msm_ctx_bo_share_madv(ctx->mctx, args.handle,
                                  shm + NC_SHMEM_MADV_OFFSET +
                                  (uint64_t)obj->madv_slot * 4);
   }
   return ret;
}

int
nc_host_ctx_blob_attach(struct nc_host_ctx *ctx, uint32_t res_id, uint64_t blob_id,
                   uint64_t size, uint64_t hm_offset)
{
   struct nc_obj *obj;
   int ret;

   if (ctx->lost)
      return -EIO;
   if (!res_id || nc_table_get(&ctx->res, res_id)) {
      ret = -EINVAL;
      goto lose;
   }
   if (!blob_id) {
      /* Where the guest asked (BLOB_AT), or the kernel broke its word. */
      ret = ctx->shmem_has_at && ctx->shmem_hm_at != hm_offset
               ? -EINVAL : shmem_create(ctx, res_id, size, hm_offset);
      ctx->shmem_has_at = false;
      if (ret)
         goto lose;
      return 0;
   }
   /* Only an object GEM_NEW described and nobody attached yet. */
   obj = blob_id <= UINT32_MAX ? nc_table_get(&ctx->blobs, (uint32_t)blob_id)
                               : NULL;
   if (!obj || obj->handle) {
      ret = -ENOENT;
      goto lose;
   }
   ret = MSM_PAGE_ALIGN(size) != obj->size ||
         (obj->has_at && obj->hm_at != hm_offset)
            ? -EINVAL : obj_make(ctx, obj, hm_offset);
   if (!ret) {
      obj->res_id = res_id;
      ret = nc_table_put(&ctx->res, res_id, obj);
   }
   if (ret) {
      nc_table_remove(&ctx->blobs, obj->blob_id);
      obj_free(ctx, obj);
      goto lose;
   }
   return 0;

lose:
   nc_host_ctx_lose(ctx, ret);
   return -EIO;
}

int
nc_host_ctx_resource_unref(struct nc_host_ctx *ctx, uint32_t res_id)
{
   struct nc_obj *obj;

   if (ctx->lost)
      return -EIO;
   obj = nc_table_remove(&ctx->res, res_id);
   if (!obj) {
      nc_host_ctx_lose(ctx, -ENOENT);
      return -EIO;
   }
   if (obj->shmem) {
      /* Back to the private page: nothing is published any more. */
      shmem_switch(ctx, NULL, 0);
      ctx->shmem_obj = NULL;
   } else {
      nc_table_remove(&ctx->blobs, obj->blob_id);
   }
   /* Busy objects live on in the core until their submits retire. */
   obj_free(ctx, obj);
   return 0;
}

void
nc_blobs_free(struct nc_host_ctx *ctx)
{
   /* Every live object is in blobs (the shmem is not); the core context
    * is gone already, so only our records go. */
   for (uint32_t i = 0; i < ctx->blobs.cap; i++)
      free(ctx->blobs.vals[i]);
   free(ctx->shmem_obj);
   ctx->shmem_obj = NULL;
   nc_table_fini(&ctx->blobs);
   nc_table_fini(&ctx->res);
}
