/*
 * gem.c - GEM objects: handles, storage, iova, CPU access, madvise.
 *
 * Semantics and errno values follow the 6.1 kernel's msm_drv.c / msm_gem.c.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core_priv.h"

struct msm_bo *
msm_ctx_lookup_bo(struct msm_ctx *ctx, uint32_t handle)
{
   if (!handle || handle >= ctx->handles_cap)
      return NULL;
   return ctx->handles[handle];
}

static bool
bo_storage_live(const struct msm_bo *bo)
{
   return bo->madv != __MSM_MADV_PURGED;
}

static void
bo_release_storage_locked(struct msm_core *core, struct msm_bo *bo)
{
   if (bo->arena) {
      /* The guest owns arena contents and may already be reusing the range
       * (the request that freed it was async): never touch the bytes. */
      range_free(&bo->arena->alloc, bo->hm_offset);
   } else if (bo_storage_live(bo)) {
      hostmem_free(&core->hostmem, bo->hm_offset, bo->size);
   }
}

void
msm_bo_unref_locked(struct msm_core *core, struct msm_bo *bo)
{
   if (--bo->refcount)
      return;
   if (bo->iova)
      range_free(&bo->ctx->aspace, bo->iova);
   bo_release_storage_locked(core, bo);
   core->nr_bos--;
   msm_ctx_unref_locked(bo->ctx);
   free(bo);
}

/* The kernel shrinker: reclaim idle DONTNEED objects' pages for good. */
int
msm_core_shrink_locked(struct msm_core *core)
{
   int n = 0;

   for (struct msm_ctx *ctx = core->contexts; ctx; ctx = ctx->next) {
      for (uint32_t h = 1; h < ctx->handles_cap; h++) {
         struct msm_bo *bo = ctx->handles[h];
         if (!bo || bo->active_reads || bo->active_writes)
            continue;
         if (bo->madv_word && bo->madv == MSM_MADV_WILLNEED) {
            /* The guest's own word says: purge only what it let go of, in
             * one atomic step it will see. */
            uint32_t expect = MSM_MADV_DONTNEED;
            if (!__atomic_compare_exchange_n(bo->madv_word, &expect,
                                             __MSM_MADV_PURGED, false,
                                             __ATOMIC_SEQ_CST,
                                             __ATOMIC_SEQ_CST))
               continue;
         } else if (bo->madv != MSM_MADV_DONTNEED) {
            continue;
         } else if (bo->madv_word) {
            __atomic_store_n(bo->madv_word, __MSM_MADV_PURGED,
                             __ATOMIC_SEQ_CST);
         }
         if (bo->arena) {
            /* The range stays the object's until it is closed. */
            hostmem_discard(&core->hostmem, bo->hm_offset, bo->size);
         } else {
            hostmem_free(&core->hostmem, bo->hm_offset, bo->size);
            msm_ctx_charge_locked(ctx, -(int64_t)bo->size, 0);
         }
         bo->madv = __MSM_MADV_PURGED;
         core->purged++;
         n++;
      }
   }
   return n;
}

static int
handle_alloc_locked(struct msm_ctx *ctx, struct msm_bo *bo)
{
   uint32_t h;

   for (h = ctx->next_handle; h < ctx->handles_cap; h++)
      if (!ctx->handles[h])
         break;
   if (h >= ctx->handles_cap) {
      uint32_t cap = ctx->handles_cap ? ctx->handles_cap * 2 : 64;
      struct msm_bo **n = realloc(ctx->handles, cap * sizeof(*n));
      if (!n)
         return -ENOMEM;
      memset(n + ctx->handles_cap, 0,
             (cap - ctx->handles_cap) * sizeof(*n));
      if (!ctx->handles_cap)
         h = 1;
      else
         h = ctx->handles_cap;
      ctx->handles = n;
      ctx->handles_cap = cap;
   }
   ctx->handles[h] = bo;
   ctx->next_handle = h + 1;
   bo->handle = h;
   return 0;
}

static int
gem_new_check(struct msm_ctx *ctx, const struct drm_msm_gem_new *args)
{
   struct msm_rules_caps caps = msm_core_rules_caps(ctx->core);
   return msm_rule_gem_new(&caps, args->size, args->flags);
}

static struct msm_bo *
bo_alloc(const struct drm_msm_gem_new *args)
{
   struct msm_bo *bo = calloc(1, sizeof(*bo));

   if (bo) {
      bo->refcount = 1;
      bo->flags = args->flags;
      bo->size = MSM_PAGE_ALIGN(args->size);
      bo->madv = MSM_MADV_WILLNEED;
   }
   return bo;
}

/* Publish a new object: handle, accounting, references. */
static int
bo_install_locked(struct msm_ctx *ctx, struct msm_bo *bo, uint64_t charged,
                  struct drm_msm_gem_new *args)
{
   int ret = handle_alloc_locked(ctx, bo);

   if (ret)
      return ret;
   bo->ctx = ctx;
   ctx->refcount++;
   msm_ctx_charge_locked(ctx, (int64_t)charged, 1);
   ctx->core->nr_bos++;
   args->handle = bo->handle;
   return 0;
}

/* Within the context's limits and its VM's quota? */
static bool
bo_fits_locked(const struct msm_ctx *ctx, const struct msm_limits *lim,
               uint64_t size)
{
   return ctx->nr_bos < lim->max_bos &&
          size <= lim->max_bo_bytes - ctx->bo_bytes &&
          !msm_vm_check_bo_locked(ctx, size);
}

int
model_gem_new(struct msm_ctx *ctx, struct drm_msm_gem_new *args)
{
   struct msm_core *core = ctx->core;
   const struct msm_limits *lim = &core->cfg.limits;
   struct msm_bo *bo;
   int ret;

   ret = gem_new_check(ctx, args);
   if (ret)
      return ret;
   bo = bo_alloc(args);
   if (!bo)
      return -ENOMEM;

   pthread_mutex_lock(&core->lock);
   /* Purged DONTNEED objects stop counting: try that before refusing. */
   if ((!bo_fits_locked(ctx, lim, bo->size) &&
        msm_core_shrink_locked(core) <= 0) ||
       !bo_fits_locked(ctx, lim, bo->size)) {
      ret = -ENOMEM;
      goto fail;
   }
   ret = hostmem_alloc(&core->hostmem, bo->size, bo, &bo->hm_offset);
   if (ret == -ENOMEM && msm_core_shrink_locked(core) > 0)
      ret = hostmem_alloc(&core->hostmem, bo->size, bo, &bo->hm_offset);
   if (ret)
      goto fail;
   ret = bo_install_locked(ctx, bo, bo->size, args);
   if (ret) {
      hostmem_free(&core->hostmem, bo->hm_offset, bo->size);
      goto fail;
   }
   pthread_mutex_unlock(&core->lock);
   return 0;

fail:
   pthread_mutex_unlock(&core->lock);
   free(bo);
   return ret;
}

int
model_arena_new(struct msm_ctx *ctx, uint64_t size, uint64_t *offset)
{
   struct msm_core *core = ctx->core;
   struct msm_arena *a;
   int ret;

   /* A real kernel's BOs do not live in our hostmem. */
   size = MSM_PAGE_ALIGN(size);
   if (!size)
      return -EINVAL;
   pthread_mutex_lock(&core->lock);
   if (ctx->nr_arenas >= MSM_MAX_ARENAS) {
      ret = -E2BIG;
      goto out;
   }
   if (size > core->cfg.limits.max_bo_bytes - ctx->bo_bytes ||
       msm_vm_check_bytes_locked(ctx, size)) {
      ret = -ENOMEM;
      goto out;
   }
   a = &ctx->arenas[ctx->nr_arenas];
   ret = hostmem_alloc(&core->hostmem, size, ctx, &a->offset);
   if (ret == -ENOMEM && msm_core_shrink_locked(core) > 0)
      ret = hostmem_alloc(&core->hostmem, size, ctx, &a->offset);
   if (ret)
      goto out;
   a->size = size;
   range_init(&a->alloc, a->offset, size);
   ctx->nr_arenas++;
   msm_ctx_charge_locked(ctx, (int64_t)size, 0);
   *offset = a->offset;
out:
   pthread_mutex_unlock(&core->lock);
   return ret;
}

void
msm_ctx_arenas_release_locked(struct msm_ctx *ctx)
{
   for (uint32_t i = 0; i < ctx->nr_arenas; i++) {
      hostmem_free(&ctx->core->hostmem, ctx->arenas[i].offset,
                   ctx->arenas[i].size);
      range_fini(&ctx->arenas[i].alloc);
   }
   ctx->nr_arenas = 0;
}

int
model_gem_new_at(struct msm_ctx *ctx, struct drm_msm_gem_new *args,
                 uint64_t hm_offset)
{
   struct msm_core *core = ctx->core;
   struct msm_arena *arena = NULL;
   struct msm_bo *bo;
   int ret;

   ret = gem_new_check(ctx, args);
   if (ret)
      return ret;
   if (hm_offset & (HOSTMEM_PAGE - 1))
      return -EINVAL;
   bo = bo_alloc(args);
   if (!bo)
      return -ENOMEM;

   pthread_mutex_lock(&core->lock);
   for (uint32_t i = 0; i < ctx->nr_arenas; i++) {
      struct msm_arena *a = &ctx->arenas[i];
      if (hm_offset >= a->offset && hm_offset - a->offset < a->size &&
          bo->size <= a->size - (hm_offset - a->offset)) {
         arena = a;
         break;
      }
   }
   if (!arena) {
      ret = -EINVAL;
      goto fail;
   }
   if (ctx->nr_bos >= core->cfg.limits.max_bos ||
       msm_vm_check_bo_locked(ctx, 0)) {
      ret = -ENOMEM;
      goto fail;
   }
   ret = range_reserve(&arena->alloc, hm_offset, bo->size, bo);
   if (ret)
      goto fail;
   bo->arena = arena;
   bo->hm_offset = hm_offset;
   /* The arena was charged when it was made. */
   ret = bo_install_locked(ctx, bo, 0, args);
   if (ret) {
      range_free(&arena->alloc, hm_offset);
      goto fail;
   }
   pthread_mutex_unlock(&core->lock);
   return 0;

fail:
   pthread_mutex_unlock(&core->lock);
   free(bo);
   return ret;
}

/* Lazily give the object an address in its context's GPU address space,
 * as msm_gem_get_and_pin_iova() does. */
int
msm_bo_get_iova_locked(struct msm_bo *bo, uint64_t *iova)
{
   int ret;

   if (!bo->iova) {
      ret = range_alloc(&bo->ctx->aspace, bo->size, HOSTMEM_PAGE, bo,
                        &bo->iova);
      if (ret) {
         bo->iova = 0;
         return ret;
      }
   }
   *iova = bo->iova;
   return 0;
}

static int
bo_set_iova_locked(struct msm_bo *bo, uint64_t iova)
{
   int ret;

   if (!iova) {
      /* msm_gem_clear_iova(): only while the GPU is not using it. */
      if (bo->active_reads || bo->active_writes)
         return -EBUSY;
      if (bo->iova)
         range_free(&bo->ctx->aspace, bo->iova);
      bo->iova = 0;
      return 0;
   }
   if (bo->iova)
      return bo->iova == iova ? 0 : -EBUSY;
   /* drm_mm_insert_node_in_range(size, PAGE_SIZE, [iova, iova + size)):
    * unaligned, out of range or overlapping all end up as -ENOSPC. */
   if (iova & (HOSTMEM_PAGE - 1))
      return -ENOSPC;
   ret = range_reserve(&bo->ctx->aspace, iova, bo->size, bo);
   if (ret)
      return ret;
   bo->iova = iova;
   return 0;
}

int
model_gem_info(struct msm_ctx *ctx, struct drm_msm_gem_info *args,
               char *name)
{
   struct msm_core *core = ctx->core;
   struct msm_bo *bo;
   size_t n;
   int ret = 0;

   if (args->pad)
      return -EINVAL;
   switch (args->info) {
   case MSM_INFO_GET_OFFSET:
   case MSM_INFO_GET_IOVA:
   case MSM_INFO_SET_IOVA:
      /* value returned as immediate, not pointer, so len == 0 */
      if (args->len)
         return -EINVAL;
      break;
   case MSM_INFO_SET_NAME:
   case MSM_INFO_GET_NAME:
      break;
   default:
      return -EINVAL;
   }

   pthread_mutex_lock(&core->lock);
   bo = msm_ctx_lookup_bo(ctx, args->handle);
   if (!bo) {
      ret = -ENOENT;
      goto out;
   }

   switch (args->info) {
   case MSM_INFO_GET_OFFSET:
      /* The mmap offset is the hostmem offset.  A purged object has no
       * storage left to map; never hand out an offset that may by now
       * belong to someone else. */
      if (!bo_storage_live(bo))
         ret = -EBUSY;
      else
         args->value = bo->hm_offset;
      break;
   case MSM_INFO_GET_IOVA: {
      uint64_t iova;
      ret = msm_bo_get_iova_locked(bo, &iova);
      if (!ret)
         args->value = iova;
      break;
   }
   case MSM_INFO_SET_IOVA:
      ret = bo_set_iova_locked(bo, args->value);
      break;
   case MSM_INFO_SET_NAME:
      if (args->len >= MSM_BO_NAME_LEN) {
         ret = -EINVAL;
         break;
      }
      if (args->len && !name) {
         ret = -EFAULT;
         break;
      }
      memcpy(bo->name, name, args->len);
      bo->name[args->len] = '\0';
      for (uint32_t i = 0; i < args->len; i++) {
         if (!isprint((unsigned char)bo->name[i])) {
            bo->name[i] = '\0';
            break;
         }
      }
      break;
   case MSM_INFO_GET_NAME:
      n = strlen(bo->name);
      if (args->value && args->len < n) {
         ret = -EINVAL;
         break;
      }
      args->len = (uint32_t)n;
      if (args->value) {
         if (!name)
            ret = -EFAULT;
         else
            memcpy(name, bo->name, n);
      }
      break;
   }
out:
   pthread_mutex_unlock(&core->lock);
   return ret;
}

int
model_gem_cpu_prep(struct msm_ctx *ctx,
                   const struct drm_msm_gem_cpu_prep *args)
{
   struct msm_core *core = ctx->core;
   int64_t timeout = msm_timespec_to_ktime(&args->timeout);
   struct timespec deadline = msm_ktime_to_abstime(timeout);
   struct msm_bo *bo;
   bool nosync = args->op & MSM_PREP_NOSYNC;
   bool write = args->op & MSM_PREP_WRITE;
   bool expired;
   int ret = 0;

   if (args->op & ~MSM_PREP_FLAGS)
      return -EINVAL;
   /* msm_gem_cpu_prep(): NOSYNC or a deadline already past both mean
    * "no time to wait" (remain == 0); no deadline is invalid. */
   expired = nosync || msm_ktime_passed(timeout);

   pthread_mutex_lock(&core->lock);
   bo = msm_ctx_lookup_bo(ctx, args->handle);
   if (!bo) {
      ret = -ENOENT;
      goto out;
   }
   /* A reference keeps the object alive if its handle closes meanwhile. */
   bo->refcount++;
   /* Reads wait for writers; writes wait for everyone (dma_resv_usage_rw).
    * msm_gem_cpu_prep(): busy with no time to wait (NOSYNC, or a deadline
    * already past) is EBUSY; running out of time while waiting is ETIMEDOUT. */
   while (bo->active_writes || (write && bo->active_reads)) {
      if (expired) {
         ret = -EBUSY;
         break;
      }
      if (ctx->aborted) {
         ret = -ENODEV;
         break;
      }
      if (pthread_cond_timedwait(&core->retire_cond, &core->lock,
                                 &deadline) == ETIMEDOUT) {
         if (bo->active_writes || (write && bo->active_reads))
            ret = -ETIMEDOUT;
         break;
      }
   }
   msm_bo_unref_locked(core, bo);
out:
   pthread_mutex_unlock(&core->lock);
   return ret;
}

int
model_gem_cpu_fini(struct msm_ctx *ctx,
                   const struct drm_msm_gem_cpu_fini *args)
{
   int ret;

   pthread_mutex_lock(&ctx->core->lock);
   ret = msm_ctx_lookup_bo(ctx, args->handle) ? 0 : -ENOENT;
   pthread_mutex_unlock(&ctx->core->lock);
   return ret;
}

int
model_gem_madvise(struct msm_ctx *ctx, struct drm_msm_gem_madvise *args)
{
   struct msm_core *core = ctx->core;
   struct msm_bo *bo;

   switch (args->madv) {
   case MSM_MADV_WILLNEED:
   case MSM_MADV_DONTNEED:
      break;
   default:
      return -EINVAL;
   }

   pthread_mutex_lock(&core->lock);
   bo = msm_ctx_lookup_bo(ctx, args->handle);
   if (!bo) {
      pthread_mutex_unlock(&core->lock);
      return -ENOENT;
   }
   /* Purged is final: the pages are gone for good. */
   if (bo->madv != __MSM_MADV_PURGED) {
      bo->madv = args->madv;
      if (bo->madv_word)
         __atomic_store_n(bo->madv_word, args->madv, __ATOMIC_SEQ_CST);
   }
   args->retained = bo->madv != __MSM_MADV_PURGED;
   pthread_mutex_unlock(&core->lock);
   return 0;
}

static void
handle_close_locked(struct msm_ctx *ctx, struct msm_bo *bo)
{
   /* The word is the guest's to reuse from now on. */
   bo->madv_word = NULL;
   ctx->handles[bo->handle] = NULL;
   if (bo->handle < ctx->next_handle)
      ctx->next_handle = bo->handle;
   bo->handle = 0;
   msm_ctx_charge_locked(ctx, !bo->arena && bo_storage_live(bo)
                                 ? -(int64_t)bo->size : 0, -1);
   msm_bo_unref_locked(ctx->core, bo);
}

int
model_gem_close(struct msm_ctx *ctx, uint32_t handle)
{
   struct msm_bo *bo;
   int ret = 0;

   pthread_mutex_lock(&ctx->core->lock);
   bo = msm_ctx_lookup_bo(ctx, handle);
   if (bo)
      handle_close_locked(ctx, bo);
   else
      ret = -EINVAL; /* drm_gem_handle_delete() */
   pthread_mutex_unlock(&ctx->core->lock);
   return ret;
}

void
msm_ctx_close_bos_locked(struct msm_ctx *ctx)
{
   for (uint32_t h = 1; h < ctx->handles_cap; h++)
      if (ctx->handles[h])
         handle_close_locked(ctx, ctx->handles[h]);
}

int
model_bo_hostmem(struct msm_ctx *ctx, uint32_t handle, uint64_t *offset,
                 uint64_t *size)
{
   struct msm_bo *bo;
   int ret = 0;

   pthread_mutex_lock(&ctx->core->lock);
   bo = msm_ctx_lookup_bo(ctx, handle);
   if (!bo)
      ret = -ENOENT;
   else if (!bo_storage_live(bo))
      ret = -EBUSY;
   else {
      *offset = bo->hm_offset;
      *size = bo->size;
   }
   pthread_mutex_unlock(&ctx->core->lock);
   return ret;
}

int
model_bo_flags(struct msm_ctx *ctx, uint32_t handle, uint32_t *flags)
{
   struct msm_bo *bo;
   int ret = 0;

   pthread_mutex_lock(&ctx->core->lock);
   bo = msm_ctx_lookup_bo(ctx, handle);
   if (bo)
      *flags = bo->flags;
   else
      ret = -ENOENT;
   pthread_mutex_unlock(&ctx->core->lock);
   return ret;
}

int
model_bo_map(struct msm_ctx *ctx, uint32_t handle, void **ptr)
{
   struct msm_bo *bo;
   int ret = 0;

   pthread_mutex_lock(&ctx->core->lock);
   bo = msm_ctx_lookup_bo(ctx, handle);
   if (!bo)
      ret = -ENOENT;
   else if (!bo_storage_live(bo))
      ret = -EBUSY;
   else
      *ptr = hostmem_ptr(&ctx->core->hostmem, bo->hm_offset);
   pthread_mutex_unlock(&ctx->core->lock);
   return ret;
}

int
model_bo_share_madv(struct msm_ctx *ctx, uint32_t handle, uint64_t hm_offset)
{
   struct msm_bo *bo;
   bool inside = false;
   int ret = 0;

   if (hm_offset & 3)
      return -EINVAL;
   pthread_mutex_lock(&ctx->core->lock);
   for (uint32_t i = 0; i < ctx->nr_arenas; i++) {
      const struct msm_arena *a = &ctx->arenas[i];
      if (hm_offset >= a->offset && hm_offset - a->offset <= a->size - 4)
         inside = true;
   }
   bo = msm_ctx_lookup_bo(ctx, handle);
   if (!bo) {
      ret = -ENOENT;
   } else if (!inside) {
      ret = -EINVAL;
   } else {
      /* Not initialised here: the guest set it before asking, and may
       * have flipped it since (this request can arrive late). */
      bo->madv_word = hostmem_ptr(&ctx->core->hostmem, hm_offset);
   }
   pthread_mutex_unlock(&ctx->core->lock);
   return ret;
}
