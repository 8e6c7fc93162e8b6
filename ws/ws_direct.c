/*
 * ws_direct.c - the ws API straight onto the core, in-process.
 *
 * No transport, no copies beyond what the ioctls themselves do: this is the
 * physical limit every other mode is measured against.  It issues the same
 * msm operations mesa's freedreno msm backend would (GEM_NEW then GET_IOVA,
 * GET_OFFSET then map, ...), so the core sees identical work in every mode.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "msm_core.h"
#include "vclock.h"
#include "ws.h"
#include "ws_util.h"

/* Each call into the core is one request of the virtual clock's cost model,
 * as each forwarded ioctl and each nativectx ccmd is on the host. */
#define CORE_OP(fn) \
   (vclock_charge(VC_HOST_CPU, vclock_costs.host_op_ns), fn)

struct direct_dev {
   struct ws_dev base;
   struct msm_core *core;
   struct msm_ctx *ctx;

};

static struct direct_dev *
to_direct(struct ws_dev *dev)
{
   return (struct direct_dev *)dev;
}

static void
direct_close(struct ws_dev *dev)
{
   struct direct_dev *d = to_direct(dev);
   msm_ctx_destroy(d->ctx);
   free(d);
}

static int
direct_get_param(struct ws_dev *dev, uint32_t param, uint64_t *value)
{
   struct drm_msm_param p = { .pipe = MSM_PIPE_3D0, .param = param };
   int ret = CORE_OP(msm_ctx_get_param)(to_direct(dev)->ctx, &p);
   if (!ret)
      *value = p.value;
   return ret;
}

static int
direct_set_debuginfo(struct ws_dev *dev, const char *comm, const char *cmdline)
{
   struct direct_dev *d = to_direct(dev);
   struct drm_msm_param p = { .pipe = MSM_PIPE_3D0 };
   int ret = 0;

   if (comm) {
      p.param = MSM_PARAM_COMM;
      p.len = (uint32_t)strlen(comm);
      ret = CORE_OP(msm_ctx_set_param)(d->ctx, &p, comm);
   }
   if (!ret && cmdline) {
      p.param = MSM_PARAM_CMDLINE;
      p.len = (uint32_t)strlen(cmdline);
      ret = CORE_OP(msm_ctx_set_param)(d->ctx, &p, cmdline);
   }
   return ret;
}

static int
direct_bo_new(struct ws_dev *dev, uint64_t size, uint32_t flags,
              struct ws_bo **out)
{
   struct direct_dev *d = to_direct(dev);
   struct drm_msm_gem_new req = { .size = size, .flags = flags };
   struct drm_msm_gem_info info = { .info = MSM_INFO_GET_IOVA };
   struct ws_bo *bo;
   int ret;

   bo = calloc(1, sizeof(*bo));
   if (!bo)
      return -ENOMEM;
   ret = CORE_OP(msm_ctx_gem_new)(d->ctx, &req);
   if (ret) {
      free(bo);
      return ret;
   }
   info.handle = req.handle;
   ret = CORE_OP(msm_ctx_gem_info)(d->ctx, &info, NULL);
   if (ret) {
      CORE_OP(msm_ctx_gem_close)(d->ctx, req.handle);
      free(bo);
      return ret;
   }
   bo->dev = dev;
   bo->handle = req.handle;
   bo->flags = flags;
   bo->size = MSM_PAGE_ALIGN(size);
   bo->iova = info.value;
   *out = bo;
   return 0;
}

static void
direct_bo_free(struct ws_bo *bo)
{
   CORE_OP(msm_ctx_gem_close)(to_direct(bo->dev)->ctx, bo->handle);
   free(bo);
}

static int
direct_bo_map(struct ws_bo *bo, void **ptr)
{
   int ret;

   if (!bo->map) {
      /* mesa's msm backend: GEM_INFO GET_OFFSET, then mmap of the node. */
      ret = CORE_OP(msm_ctx_bo_map)(to_direct(bo->dev)->ctx, bo->handle, &bo->map);
      if (ret)
         return ret;
   }
   *ptr = bo->map;
   return 0;
}

static int
direct_bo_upload(struct ws_bo *bo, uint64_t offset, const void *src,
                 uint64_t len)
{
   void *map;
   int ret;

   if (offset > bo->size || len > bo->size - offset)
      return -EINVAL;
   ret = direct_bo_map(bo, &map);
   if (ret)
      return ret;
   memcpy((char *)map + offset, src, len);
   return 0;
}

static int
direct_bo_cpu_prep(struct ws_bo *bo, uint32_t op, int64_t timeout_ns)
{
   struct drm_msm_gem_cpu_prep req = {
      .handle = bo->handle, .op = op, .timeout = ws_abs_timeout(timeout_ns),
   };
   return CORE_OP(msm_ctx_gem_cpu_prep)(to_direct(bo->dev)->ctx, &req);
}

static int
direct_bo_cpu_fini(struct ws_bo *bo)
{
   struct drm_msm_gem_cpu_fini req = { .handle = bo->handle };
   return CORE_OP(msm_ctx_gem_cpu_fini)(to_direct(bo->dev)->ctx, &req);
}

static int
direct_bo_set_name(struct ws_bo *bo, const char *name)
{
   struct drm_msm_gem_info info = {
      .handle = bo->handle, .info = MSM_INFO_SET_NAME,
      .len = (uint32_t)strlen(name), .value = (uintptr_t)name,
   };
   return CORE_OP(msm_ctx_gem_info)(to_direct(bo->dev)->ctx, &info, (char *)name);
}

static int
direct_bo_madvise(struct ws_bo *bo, uint32_t madv, uint32_t *retained)
{
   struct drm_msm_gem_madvise req = { .handle = bo->handle, .madv = madv };
   int ret = CORE_OP(msm_ctx_gem_madvise)(to_direct(bo->dev)->ctx, &req);
   if (!ret && retained)
      *retained = req.retained;
   return ret;
}

static int
direct_submitqueue_new(struct ws_dev *dev, uint32_t prio, uint32_t flags,
                       uint32_t *id)
{
   struct drm_msm_submitqueue req = { .flags = flags, .prio = prio };
   int ret = CORE_OP(msm_ctx_submitqueue_new)(to_direct(dev)->ctx, &req);
   if (!ret)
      *id = req.id;
   return ret;
}

static int
direct_submitqueue_close(struct ws_dev *dev, uint32_t id)
{
   return CORE_OP(msm_ctx_submitqueue_close)(to_direct(dev)->ctx, id);
}

static int
direct_submitqueue_faults(struct ws_dev *dev, uint32_t id, uint32_t *faults)
{
   struct drm_msm_submitqueue_query req = {
      .id = id, .param = MSM_SUBMITQUEUE_PARAM_FAULTS, .len = sizeof(*faults),
   };
   return CORE_OP(msm_ctx_submitqueue_query)(to_direct(dev)->ctx, &req, faults);
}

static int
direct_submit(struct ws_dev *dev, struct ws_submit *s)
{
   struct ws_uapi_submit u;
   int ret = ws_submit_to_uapi(s, &u);

   if (ret)
      return ret;
   ret = CORE_OP(msm_ctx_gem_submit)(to_direct(dev)->ctx, &u.req, u.bos, u.cmds);
   if (!ret)
      s->fence = u.req.fence;
   ws_uapi_submit_fini(&u);
   return ret;
}

static int
direct_fence_wait(struct ws_dev *dev, uint32_t queue, uint32_t fence,
                  int64_t timeout_ns)
{
   struct drm_msm_wait_fence req = {
      .fence = fence, .queueid = queue, .timeout = ws_abs_timeout(timeout_ns),
   };
   return CORE_OP(msm_ctx_wait_fence)(to_direct(dev)->ctx, &req);
}

static int
direct_flush(struct ws_dev *dev)
{
   (void)dev;
   return 0;
}

static void
direct_get_stats(struct ws_dev *dev, struct ws_stats *st)
{
   (void)dev;
   memset(st, 0, sizeof(*st));
}

static const struct ws_ops direct_ops = {
   .name = "direct",
   .close = direct_close,
   .get_param = direct_get_param,
   .set_debuginfo = direct_set_debuginfo,
   .bo_new = direct_bo_new,
   .bo_free = direct_bo_free,
   .bo_map = direct_bo_map,
   .bo_upload = direct_bo_upload,
   .bo_cpu_prep = direct_bo_cpu_prep,
   .bo_cpu_fini = direct_bo_cpu_fini,
   .bo_set_name = direct_bo_set_name,
   .bo_madvise = direct_bo_madvise,
   .submitqueue_new = direct_submitqueue_new,
   .submitqueue_close = direct_submitqueue_close,
   .submitqueue_faults = direct_submitqueue_faults,
   .submit = direct_submit,
   .fence_wait = direct_fence_wait,
   .flush = direct_flush,
   .get_stats = direct_get_stats,
};

int
ws_direct_open(struct msm_core *core, struct ws_dev **out)
{
   struct direct_dev *d = calloc(1, sizeof(*d));
   int ret;

   if (!d)
      return -ENOMEM;
   ret = CORE_OP(msm_ctx_create)(core, &d->ctx);
   if (ret) {
      free(d);
      return ret;
   }
   d->base.ops = &direct_ops;
   d->core = core;
   *out = &d->base;
   return 0;
}
