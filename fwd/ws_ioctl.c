/*
 * ws_ioctl.c - ws.h over msm ioctls, as mesa 22.3's freedreno msm backend
 * issues them (src/freedreno/drm/msm/): GEM_NEW then GEM_INFO(GET_IOVA);
 * GEM_INFO(GET_OFFSET) then mmap; CPU_PREP with an absolute
 * CLOCK_MONOTONIC deadline; GEM_SUBMIT on MSM_PIPE_3D0; WAIT_FENCE;
 * SET_PARAM(COMM, CMDLINE).  Nothing here knows what sits behind the ioctl
 * function.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ws_ioctl.h"
#include "ws_util.h"
#include "msm_core.h"

struct ioctl_dev {
   struct ws_dev base;
   struct ws_msm_ioctl_ops ops;
   void *data;
};

static struct ioctl_dev *
to_dev(struct ws_dev *dev)
{
   return (struct ioctl_dev *)dev;
}

static int
dev_ioctl(struct ws_dev *dev, unsigned long req, void *arg)
{
   struct ioctl_dev *d = to_dev(dev);
   return d->ops.ioctl(d->data, req, arg);
}

static void
ioctl_close(struct ws_dev *dev)
{
   struct ioctl_dev *d = to_dev(dev);

   if (d->ops.close)
      d->ops.close(d->data);
   free(d);
}

static int
ioctl_get_param(struct ws_dev *dev, uint32_t param, uint64_t *value)
{
   struct drm_msm_param req = { .pipe = MSM_PIPE_3D0, .param = param };
   int ret = dev_ioctl(dev, DRM_IOCTL_MSM_GET_PARAM, &req);

   if (!ret)
      *value = req.value;
   return ret;
}

static int
set_param_str(struct ws_dev *dev, uint32_t param, const char *str)
{
   struct drm_msm_param req = {
      .pipe = MSM_PIPE_3D0, .param = param,
      .value = (uintptr_t)str, .len = (uint32_t)strlen(str),
   };
   return dev_ioctl(dev, DRM_IOCTL_MSM_SET_PARAM, &req);
}

static int
ioctl_set_debuginfo(struct ws_dev *dev, const char *comm, const char *cmdline)
{
   int ret = 0;

   if (comm)
      ret = set_param_str(dev, MSM_PARAM_COMM, comm);
   if (!ret && cmdline)
      ret = set_param_str(dev, MSM_PARAM_CMDLINE, cmdline);
   return ret;
}

static int
gem_info(struct ws_dev *dev, uint32_t handle, uint32_t info, uint64_t *value)
{
   struct drm_msm_gem_info req = { .handle = handle, .info = info };
   int ret = dev_ioctl(dev, DRM_IOCTL_MSM_GEM_INFO, &req);

   if (!ret)
      *value = req.value;
   return ret;
}

static void
gem_close(struct ws_dev *dev, uint32_t handle)
{
   struct drm_gem_close req = { .handle = handle };
   dev_ioctl(dev, DRM_IOCTL_GEM_CLOSE, &req);
}

static int
ioctl_bo_new(struct ws_dev *dev, uint64_t size, uint32_t flags,
             struct ws_bo **out)
{
   struct drm_msm_gem_new req = { .size = size, .flags = flags };
   struct ws_bo *bo;
   uint64_t iova;
   int ret;

   bo = calloc(1, sizeof(*bo));
   if (!bo)
      return -ENOMEM;
   ret = dev_ioctl(dev, DRM_IOCTL_MSM_GEM_NEW, &req);
   if (ret)
      goto fail;
   /* mesa asks for the iova right away (msm_bo_new -> get_iova). */
   ret = gem_info(dev, req.handle, MSM_INFO_GET_IOVA, &iova);
   if (ret) {
      gem_close(dev, req.handle);
      goto fail;
   }
   bo->dev = dev;
   bo->handle = req.handle;
   bo->flags = flags;
   bo->size = MSM_PAGE_ALIGN(size); /* GEM_NEW's PAGE_ALIGN */
   bo->iova = iova;
   *out = bo;
   return 0;

fail:
   free(bo);
   return ret;
}

static void
ioctl_bo_free(struct ws_bo *bo)
{
   struct ioctl_dev *d = to_dev(bo->dev);

   if (bo->map && d->ops.unmap)
      d->ops.unmap(d->data, bo->map, bo->size);
   gem_close(bo->dev, bo->handle);
   free(bo);
}

static int
ioctl_bo_map(struct ws_bo *bo, void **ptr)
{
   struct ioctl_dev *d = to_dev(bo->dev);
   uint64_t offset;
   int ret;

   if (!bo->map) {
      ret = gem_info(bo->dev, bo->handle, MSM_INFO_GET_OFFSET, &offset);
      if (ret)
         return ret;
      bo->map = d->ops.map(d->data, offset, bo->size);
      if (!bo->map)
         return -ENOMEM; /* what a failed mmap() of the node means here */
   }
   *ptr = bo->map;
   return 0;
}

static int
ioctl_bo_upload(struct ws_bo *bo, uint64_t offset, const void *src,
                uint64_t len)
{
   void *map;
   int ret;

   if (offset > bo->size || len > bo->size - offset)
      return -EINVAL;
   ret = ioctl_bo_map(bo, &map);
   if (ret)
      return ret;
   memcpy((char *)map + offset, src, len);
   return 0;
}

static int
ioctl_bo_cpu_prep(struct ws_bo *bo, uint32_t op, int64_t timeout_ns)
{
   struct drm_msm_gem_cpu_prep req = {
      .handle = bo->handle, .op = op, .timeout = ws_abs_timeout(timeout_ns),
   };
   return dev_ioctl(bo->dev, DRM_IOCTL_MSM_GEM_CPU_PREP, &req);
}

static int
ioctl_bo_cpu_fini(struct ws_bo *bo)
{
   struct drm_msm_gem_cpu_fini req = { .handle = bo->handle };
   return dev_ioctl(bo->dev, DRM_IOCTL_MSM_GEM_CPU_FINI, &req);
}

static int
ioctl_bo_set_name(struct ws_bo *bo, const char *name)
{
   struct drm_msm_gem_info req = {
      .handle = bo->handle, .info = MSM_INFO_SET_NAME,
      .value = (uintptr_t)name, .len = (uint32_t)strlen(name),
   };
   return dev_ioctl(bo->dev, DRM_IOCTL_MSM_GEM_INFO, &req);
}

static int
ioctl_bo_madvise(struct ws_bo *bo, uint32_t madv, uint32_t *retained)
{
   struct drm_msm_gem_madvise req = { .handle = bo->handle, .madv = madv };
   int ret = dev_ioctl(bo->dev, DRM_IOCTL_MSM_GEM_MADVISE, &req);

   if (!ret && retained)
      *retained = req.retained;
   return ret;
}

static int
ioctl_submitqueue_new(struct ws_dev *dev, uint32_t prio, uint32_t flags,
                      uint32_t *id)
{
   struct drm_msm_submitqueue req = { .flags = flags, .prio = prio };
   int ret = dev_ioctl(dev, DRM_IOCTL_MSM_SUBMITQUEUE_NEW, &req);

   if (!ret)
      *id = req.id;
   return ret;
}

static int
ioctl_submitqueue_close(struct ws_dev *dev, uint32_t id)
{
   return dev_ioctl(dev, DRM_IOCTL_MSM_SUBMITQUEUE_CLOSE, &id);
}

static int
ioctl_submitqueue_faults(struct ws_dev *dev, uint32_t id, uint32_t *faults)
{
   struct drm_msm_submitqueue_query req = {
      .data = (uintptr_t)faults, .id = id,
      .param = MSM_SUBMITQUEUE_PARAM_FAULTS, .len = sizeof(*faults),
   };
   return dev_ioctl(dev, DRM_IOCTL_MSM_SUBMITQUEUE_QUERY, &req);
}

static int
ioctl_submit(struct ws_dev *dev, struct ws_submit *s)
{
   struct ws_uapi_submit u;
   int ret = ws_submit_to_uapi(s, &u);

   if (ret)
      return ret;
   ret = dev_ioctl(dev, DRM_IOCTL_MSM_GEM_SUBMIT, &u.req);
   if (!ret)
      s->fence = u.req.fence;
   ws_uapi_submit_fini(&u);
   return ret;
}

static int
ioctl_fence_wait(struct ws_dev *dev, uint32_t queue, uint32_t fence,
                 int64_t timeout_ns)
{
   struct drm_msm_wait_fence req = {
      .fence = fence, .queueid = queue, .timeout = ws_abs_timeout(timeout_ns),
   };
   return dev_ioctl(dev, DRM_IOCTL_MSM_WAIT_FENCE, &req);
}

static int
ioctl_flush(struct ws_dev *dev)
{
   (void)dev; /* every ioctl is already synchronous */
   return 0;
}

static void
ioctl_get_stats(struct ws_dev *dev, struct ws_stats *st)
{
   struct ioctl_dev *d = to_dev(dev);

   memset(st, 0, sizeof(*st));
   if (d->ops.get_stats)
      d->ops.get_stats(d->data, st);
}

static const struct ws_ops ioctl_ops = {
   .name = "msm-ioctl",
   .close = ioctl_close,
   .get_param = ioctl_get_param,
   .set_debuginfo = ioctl_set_debuginfo,
   .bo_new = ioctl_bo_new,
   .bo_free = ioctl_bo_free,
   .bo_map = ioctl_bo_map,
   .bo_upload = ioctl_bo_upload,
   .bo_cpu_prep = ioctl_bo_cpu_prep,
   .bo_cpu_fini = ioctl_bo_cpu_fini,
   .bo_set_name = ioctl_bo_set_name,
   .bo_madvise = ioctl_bo_madvise,
   .submitqueue_new = ioctl_submitqueue_new,
   .submitqueue_close = ioctl_submitqueue_close,
   .submitqueue_faults = ioctl_submitqueue_faults,
   .submit = ioctl_submit,
   .fence_wait = ioctl_fence_wait,
   .flush = ioctl_flush,
   .get_stats = ioctl_get_stats,
};

int
ws_msm_ioctl_open(const struct ws_msm_ioctl_ops *ops, void *data,
                  struct ws_dev **out)
{
   struct ioctl_dev *d;

   if (!ops || !ops->ioctl || !ops->map)
      return -EINVAL;
   d = calloc(1, sizeof(*d));
   if (!d)
      return -ENOMEM;
   d->base.ops = &ioctl_ops;
   d->ops = *ops;
   d->data = data;
   *out = &d->base;
   return 0;
}
