/*
 * syncobj.c - DRM syncobjs: per-context handles to an optional fence.
 *
 * Semantics and errno values are those of the 6.1 kernel's drm_syncobj.c
 * for a driver with DRIVER_SYNCOBJ but without DRIVER_SYNCOBJ_TIMELINE
 * (msm in 6.1): binary syncobjs only.  A fence here is a value, not an
 * object: (ring, core seqno) of one of the context's own submits, signalled
 * once the context's work on that ring retired it, or the signalled stub.
 * So a syncobj never pins a submit.
 *
 * Waits sleep on the core's retire_cond, which is broadcast on every retire
 * and on every fence a syncobj gains (WAIT_FOR_SUBMIT waits for that).
 * Like the kernel, a wait takes each syncobj's fence once, when it starts
 * (or, with WAIT_FOR_SUBMIT, when the first fence arrives): a later RESET or
 * a new submit does not change what it waits for.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core_priv.h"

static const struct msm_fence stub_fence = { 0, 0 };

bool
msm_fence_signalled_locked(const struct msm_ctx *ctx,
                           const struct msm_fence *f)
{
   return !f->seqno || ctx->ring_retired[f->ring] >= f->seqno;
}

bool
msm_submit_ready_locked(const struct msm_submit *s)
{
   const struct msm_ctx *ctx = s->ctx;

   if (!s->wait_seqno)
      return true;
   for (uint32_t r = 0; r < ctx->core->chip->nr_rings; r++)
      if (ctx->ring_retired[r] < s->wait_seqno[r])
         return false;
   return true;
}

struct msm_syncobj *
msm_ctx_lookup_syncobj(struct msm_ctx *ctx, uint32_t handle)
{
   if (!handle || handle >= ctx->syncobjs_cap)
      return NULL;
   return ctx->syncobjs[handle];
}

void
msm_syncobj_unref_locked(struct msm_core *core, struct msm_syncobj *so)
{
   if (--so->refcount)
      return;
   core->nr_syncobjs--;
   free(so);
}

/* drm_syncobj_replace_fence(): NULL resets.  A new fence wakes the
 * WAIT_FOR_SUBMIT waiters. */
void
msm_syncobj_replace_fence_locked(struct msm_core *core, struct msm_syncobj *so,
                                 const struct msm_fence *f)
{
   so->has_fence = f != NULL;
   if (f) {
      so->fence = *f;
      so->last = *f;
      so->attached++;
      pthread_cond_broadcast(&core->retire_cond);
   }
}

void
msm_ctx_close_syncobjs_locked(struct msm_ctx *ctx)
{
   for (uint32_t h = 1; h < ctx->syncobjs_cap; h++)
      if (ctx->syncobjs[h])
         msm_syncobj_unref_locked(ctx->core, ctx->syncobjs[h]);
   free(ctx->syncobjs);
   ctx->syncobjs = NULL;
   ctx->syncobjs_cap = 0;
   ctx->nr_syncobjs = 0;
}

/* idr_alloc(1, 0): the lowest free handle. */
static int
handle_alloc_locked(struct msm_ctx *ctx, struct msm_syncobj *so, uint32_t *out)
{
   uint32_t h = ctx->next_syncobj ? ctx->next_syncobj : 1;

   while (h < ctx->syncobjs_cap && ctx->syncobjs[h])
      h++;
   if (h >= ctx->syncobjs_cap) {
      uint32_t cap = ctx->syncobjs_cap ? ctx->syncobjs_cap * 2 : 64;
      struct msm_syncobj **n = realloc(ctx->syncobjs, cap * sizeof(*n));

      if (!n)
         return -ENOMEM;
      memset(n + ctx->syncobjs_cap, 0,
             (cap - ctx->syncobjs_cap) * sizeof(*n));
      ctx->syncobjs = n;
      ctx->syncobjs_cap = cap;
   }
   ctx->syncobjs[h] = so;
   ctx->next_syncobj = h + 1;
   *out = h;
   return 0;
}

int
model_syncobj_create(struct msm_ctx *ctx, struct drm_syncobj_create *args)
{
   struct msm_core *core = ctx->core;
   struct msm_syncobj *so;
   int ret;

   if (args->flags & ~DRM_SYNCOBJ_CREATE_SIGNALED)
      return -EINVAL;
   so = calloc(1, sizeof(*so));
   if (!so)
      return -ENOMEM;
   so->refcount = 1;
   if (args->flags & DRM_SYNCOBJ_CREATE_SIGNALED) {
      so->has_fence = true;
      so->fence = stub_fence;
   }

   pthread_mutex_lock(&core->lock);
   ret = ctx->nr_syncobjs >= core->cfg.limits.max_syncobjs
            ? -ENOMEM : handle_alloc_locked(ctx, so, &args->handle);
   if (!ret) {
      ctx->nr_syncobjs++;
      core->nr_syncobjs++;
   }
   pthread_mutex_unlock(&core->lock);
   if (ret)
      free(so);
   return ret;
}

int
model_syncobj_destroy(struct msm_ctx *ctx,
                      const struct drm_syncobj_destroy *args)
{
   struct msm_core *core = ctx->core;
   struct msm_syncobj *so;

   if (args->pad)
      return -EINVAL;
   pthread_mutex_lock(&core->lock);
   so = msm_ctx_lookup_syncobj(ctx, args->handle);
   if (so) {
      ctx->syncobjs[args->handle] = NULL;
      if (args->handle < ctx->next_syncobj)
         ctx->next_syncobj = args->handle;
      ctx->nr_syncobjs--;
      msm_syncobj_unref_locked(core, so);
   }
   pthread_mutex_unlock(&core->lock);
   /* drm_syncobj_destroy(): idr_remove() found nothing. */
   return so ? 0 : -EINVAL;
}

/* drm_syncobj_array_find(): every handle or ENOENT, referenced. */
static int
array_find_locked(struct msm_ctx *ctx, const uint32_t *handles, uint32_t count,
                  struct msm_syncobj **objs)
{
   for (uint32_t i = 0; i < count; i++) {
      objs[i] = msm_ctx_lookup_syncobj(ctx, handles[i]);
      if (!objs[i]) {
         while (i--)
            msm_syncobj_unref_locked(ctx->core, objs[i]);
         return -ENOENT;
      }
      objs[i]->refcount++;
   }
   return 0;
}

static void
array_put_locked(struct msm_core *core, struct msm_syncobj **objs,
                 uint32_t count)
{
   for (uint32_t i = 0; i < count; i++)
      msm_syncobj_unref_locked(core, objs[i]);
}

static int
array_check(struct msm_ctx *ctx, uint32_t count, const uint32_t *handles)
{
   if (!count)
      return -EINVAL;
   if (count > ctx->core->cfg.limits.max_syncobj_handles)
      return -E2BIG;
   if (!handles)
      return -EFAULT;
   return 0;
}

struct wait_entry {
   struct msm_syncobj *so;
   bool has_fence;
   struct msm_fence fence;
   uint64_t attached;     /* so->attached when the wait began */
};

/* drm_syncobj_array_wait_timeout() for binary syncobjs. */
static int
wait_locked(struct msm_ctx *ctx, struct wait_entry *e, uint32_t count,
            uint32_t flags, int64_t timeout_nsec, uint32_t *first)
{
   struct msm_core *core = ctx->core;
   bool all = flags & DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL;
   bool for_submit = flags & DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT;
   struct timespec deadline = msm_ktime_to_abstime(timeout_nsec);
   uint32_t signalled = 0;

   /* Take the fences up front, so a missing one fails with EINVAL before
    * anything sleeps. */
   for (uint32_t i = 0; i < count; i++) {
      e[i].has_fence = e[i].so->has_fence;
      e[i].fence = e[i].so->fence;
      e[i].attached = e[i].so->attached;
      if (!e[i].has_fence) {
         if (!for_submit)
            return -EINVAL;
         continue;
      }
      if (msm_fence_signalled_locked(ctx, &e[i].fence)) {
         if (!signalled)
            *first = i;
         signalled++;
      }
   }
   if (signalled == count || (signalled && !all))
      return 0;

   for (;;) {
      signalled = 0;
      for (uint32_t i = 0; i < count; i++) {
         /* WAIT_FOR_SUBMIT: a fence the syncobj got since is ours (the
          * kernel takes the first; we see the last of those we slept
          * through, even if a RESET already took it away again). */
         if (!e[i].has_fence && e[i].so->attached != e[i].attached) {
            e[i].has_fence = true;
            e[i].fence = e[i].so->last;
         }
         if (!e[i].has_fence || !msm_fence_signalled_locked(ctx, &e[i].fence))
            continue;
         if (!all) {
            *first = i;
            return 0;
         }
         signalled++;
      }
      if (signalled == count)
         return 0;
      /* A zero or past timeout polls: drm_timeout_abs_to_jiffies(). */
      if (timeout_nsec <= 0 || (uint64_t)timeout_nsec <= msm_now_ns())
         return -ETIME;
      /* A WAIT_FOR_SUBMIT nobody will submit for must not outlive it. */
      if (ctx->aborted)
         return -ENODEV;
      pthread_cond_timedwait(&core->retire_cond, &core->lock, &deadline);
   }
}

int
model_syncobj_wait(struct msm_ctx *ctx, struct drm_syncobj_wait *args,
                   const uint32_t *handles)
{
   struct msm_core *core = ctx->core;
   struct msm_syncobj **objs;
   struct wait_entry *e;
   uint32_t first = ~0u;
   int ret;

   if (args->flags & ~(DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL |
                       DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT))
      return -EINVAL;
   ret = array_check(ctx, args->count_handles, handles);
   if (ret)
      return ret;
   objs = calloc(args->count_handles, sizeof(*objs));
   e = calloc(args->count_handles, sizeof(*e));
   if (!objs || !e) {
      free(objs);
      free(e);
      return -ENOMEM;
   }

   pthread_mutex_lock(&core->lock);
   ret = array_find_locked(ctx, handles, args->count_handles, objs);
   if (!ret) {
      for (uint32_t i = 0; i < args->count_handles; i++)
         e[i].so = objs[i];
      /* The context must outlive our sleep even if it is destroyed. */
      ctx->refcount++;
      ret = wait_locked(ctx, e, args->count_handles, args->flags,
                        args->timeout_nsec, &first);
      array_put_locked(core, objs, args->count_handles);
      msm_ctx_unref_locked(ctx);
   }
   pthread_mutex_unlock(&core->lock);
   free(objs);
   free(e);
   if (!ret)
      args->first_signaled = first;
   return ret;
}

/* RESET and SIGNAL: check, find every handle, then change them all. */
static int
array_apply(struct msm_ctx *ctx, const struct drm_syncobj_array *args,
            const uint32_t *handles, const struct msm_fence *f)
{
   struct msm_core *core = ctx->core;
   struct msm_syncobj **objs;
   int ret;

   if (args->pad)
      return -EINVAL;
   ret = array_check(ctx, args->count_handles, handles);
   if (ret)
      return ret;
   objs = calloc(args->count_handles, sizeof(*objs));
   if (!objs)
      return -ENOMEM;
   pthread_mutex_lock(&core->lock);
   ret = array_find_locked(ctx, handles, args->count_handles, objs);
   if (!ret) {
      for (uint32_t i = 0; i < args->count_handles; i++)
         msm_syncobj_replace_fence_locked(core, objs[i], f);
      array_put_locked(core, objs, args->count_handles);
   }
   pthread_mutex_unlock(&core->lock);
   free(objs);
   return ret;
}

int
model_syncobj_reset(struct msm_ctx *ctx, const struct drm_syncobj_array *args,
                    const uint32_t *handles)
{
   return array_apply(ctx, args, handles, NULL);
}

int
model_syncobj_signal(struct msm_ctx *ctx,
                     const struct drm_syncobj_array *args,
                     const uint32_t *handles)
{
   /* drm_syncobj_assign_null_handle(): an already signalled fence. */
   return array_apply(ctx, args, handles, &stub_fence);
}
