/*
 * ctx_api.c - the public msm_ctx_* calls (msm_core.h): each hands its
 * arguments to the context layer of the backend the core was made with
 * (struct msm_ctx_funcs in core_priv.h), so no caller, and no shared file
 * of the core, knows which backend it holds.
 */
#include <errno.h>

#include "core_priv.h"

/* A NULL entry is a call this backend cannot serve. */
#define CTX_CALL(ctx, op, ...) \
   ((ctx)->funcs->op ? (ctx)->funcs->op((ctx), __VA_ARGS__) : -EOPNOTSUPP)

int
msm_ctx_get_param(struct msm_ctx *ctx, struct drm_msm_param *args)
{
   return CTX_CALL(ctx, get_param, args);
}

int
msm_ctx_set_param(struct msm_ctx *ctx, const struct drm_msm_param *args,
                  const char *str)
{
   return CTX_CALL(ctx, set_param, args, str);
}

int
msm_ctx_gem_new(struct msm_ctx *ctx, struct drm_msm_gem_new *args)
{
   return CTX_CALL(ctx, gem_new, args);
}

int
msm_ctx_arena_new(struct msm_ctx *ctx, uint64_t size, uint64_t *offset)
{
   return CTX_CALL(ctx, arena_new, size, offset);
}

int
msm_ctx_gem_new_at(struct msm_ctx *ctx, struct drm_msm_gem_new *args,
                   uint64_t hm_offset)
{
   return CTX_CALL(ctx, gem_new_at, args, hm_offset);
}

int
msm_ctx_gem_info(struct msm_ctx *ctx, struct drm_msm_gem_info *args,
                 char *name)
{
   return CTX_CALL(ctx, gem_info, args, name);
}

int
msm_ctx_gem_cpu_prep(struct msm_ctx *ctx,
                     const struct drm_msm_gem_cpu_prep *args)
{
   return CTX_CALL(ctx, gem_cpu_prep, args);
}

int
msm_ctx_gem_cpu_fini(struct msm_ctx *ctx,
                     const struct drm_msm_gem_cpu_fini *args)
{
   return CTX_CALL(ctx, gem_cpu_fini, args);
}

int
msm_ctx_gem_madvise(struct msm_ctx *ctx, struct drm_msm_gem_madvise *args)
{
   return CTX_CALL(ctx, gem_madvise, args);
}

int
msm_ctx_gem_close(struct msm_ctx *ctx, uint32_t handle)
{
   return CTX_CALL(ctx, gem_close, handle);
}

int
msm_ctx_bo_hostmem(struct msm_ctx *ctx, uint32_t handle, uint64_t *offset,
                   uint64_t *size)
{
   return CTX_CALL(ctx, bo_hostmem, handle, offset, size);
}

int
msm_ctx_bo_flags(struct msm_ctx *ctx, uint32_t handle, uint32_t *flags)
{
   return CTX_CALL(ctx, bo_flags, handle, flags);
}

int
msm_ctx_bo_map(struct msm_ctx *ctx, uint32_t handle, void **ptr)
{
   return CTX_CALL(ctx, bo_map, handle, ptr);
}

int
msm_ctx_bo_share_madv(struct msm_ctx *ctx, uint32_t handle,
                      uint64_t hm_offset)
{
   return CTX_CALL(ctx, bo_share_madv, handle, hm_offset);
}

int
msm_ctx_submitqueue_new(struct msm_ctx *ctx, struct drm_msm_submitqueue *args)
{
   return CTX_CALL(ctx, submitqueue_new, args);
}

int
msm_ctx_submitqueue_close(struct msm_ctx *ctx, uint32_t id)
{
   return CTX_CALL(ctx, submitqueue_close, id);
}

int
msm_ctx_submitqueue_query(struct msm_ctx *ctx,
                          struct drm_msm_submitqueue_query *args, void *data)
{
   return CTX_CALL(ctx, submitqueue_query, args, data);
}

uint32_t
msm_ctx_submit_room(struct msm_ctx *ctx)
{
   return ctx->funcs->submit_room ? ctx->funcs->submit_room(ctx) : UINT32_MAX;
}

int
msm_ctx_queue_completed(struct msm_ctx *ctx, uint32_t id, uint32_t *fence)
{
   return CTX_CALL(ctx, queue_completed, id, fence);
}

int
msm_ctx_gem_submit_syncobjs(struct msm_ctx *ctx,
                            struct drm_msm_gem_submit *args,
                            const struct drm_msm_gem_submit_bo *bos,
                            const struct drm_msm_gem_submit_cmd *cmds,
                            const struct drm_msm_gem_submit_syncobj *in,
                            const struct drm_msm_gem_submit_syncobj *out)
{
   return CTX_CALL(ctx, gem_submit_syncobjs, args, bos, cmds, in, out);
}

int
msm_ctx_gem_submit(struct msm_ctx *ctx, struct drm_msm_gem_submit *args,
                   const struct drm_msm_gem_submit_bo *bos,
                   const struct drm_msm_gem_submit_cmd *cmds)
{
   return msm_ctx_gem_submit_syncobjs(ctx, args, bos, cmds, NULL, NULL);
}

int
msm_ctx_wait_fence(struct msm_ctx *ctx, const struct drm_msm_wait_fence *args)
{
   return CTX_CALL(ctx, wait_fence, args);
}

int
msm_ctx_syncobj_create(struct msm_ctx *ctx, struct drm_syncobj_create *args)
{
   return CTX_CALL(ctx, syncobj_create, args);
}

int
msm_ctx_syncobj_destroy(struct msm_ctx *ctx,
                        const struct drm_syncobj_destroy *args)
{
   return CTX_CALL(ctx, syncobj_destroy, args);
}

int
msm_ctx_syncobj_wait(struct msm_ctx *ctx, struct drm_syncobj_wait *args,
                     const uint32_t *handles)
{
   return CTX_CALL(ctx, syncobj_wait, args, handles);
}

int
msm_ctx_syncobj_reset(struct msm_ctx *ctx,
                      const struct drm_syncobj_array *args,
                      const uint32_t *handles)
{
   return CTX_CALL(ctx, syncobj_reset, args, handles);
}

int
msm_ctx_syncobj_signal(struct msm_ctx *ctx,
                       const struct drm_syncobj_array *args,
                       const uint32_t *handles)
{
   return CTX_CALL(ctx, syncobj_signal, args, handles);
}
