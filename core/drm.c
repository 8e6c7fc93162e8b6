/*
 * drm.c - the drm backend: a real msm render node through libdrm.
 *
 * The kernel is its own context layer, so this backend passes every
 * msm_ctx_* call through as the ioctl on the context's own drm_file (one
 * host drm_file per guest context, as virglrenderer does).  BO memory is
 * the kernel's: it is mapped through the node (GEM_INFO GET_OFFSET + mmap),
 * not placed in hostmem, so the hostmem-based calls (arenas, a BO's hostmem
 * offset, published fences) answer -EOPNOTSUPP: exposing kernel BOs to a
 * guest needs the VMM to map them (dma-buf) into the guest's BAR.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xf86drm.h>

#include "core_priv.h"

/* One object of the drm_file: its size (msm has no size query, so we
 * remember what GEM_NEW was given) and its CPU mapping, once made. */
struct drm_obj {
   uint32_t handle;
   uint64_t size;
   void *ptr;
};

struct msmdrm_ctx {
   int fd;
   struct drm_obj *objs;
   uint32_t nr_objs, cap_objs;
};

static struct drm_obj *
obj_find(struct msmdrm_ctx *d, uint32_t handle)
{
   for (uint32_t i = 0; i < d->nr_objs; i++)
      if (d->objs[i].handle == handle)
         return &d->objs[i];
   return NULL;
}

static int
obj_add(struct msmdrm_ctx *d, uint32_t handle, uint64_t size)
{
   if (d->nr_objs == d->cap_objs) {
      uint32_t cap = d->cap_objs ? d->cap_objs * 2 : 16;
      struct drm_obj *n = realloc(d->objs, cap * sizeof(*n));
      if (!n)
         return -ENOMEM;
      d->objs = n;
      d->cap_objs = cap;
   }
   d->objs[d->nr_objs++] = (struct drm_obj){ handle, size, NULL };
   return 0;
}

static int
drm_open_node(const char *path)
{
   int fd = open(path, O_RDWR | O_CLOEXEC);
   return fd < 0 ? -errno : fd;
}

/* The node must be an msm one: check once, when the core is made. */
static int
drm_init(struct msm_core *core)
{
   drmVersionPtr v;
   int fd = drm_open_node(core->backend_arg);
   int ret = 0;

   if (fd < 0)
      return fd;
   v = drmGetVersion(fd);
   if (!v)
      ret = -ENODEV;
   else if (strcmp(v->name, "msm"))
      ret = -ENODEV;
   if (v)
      drmFreeVersion(v);
   close(fd);
   return ret;
}

static void
drm_fini(struct msm_core *core)
{
   (void)core;
}

static void
drm_submit(struct msm_core *core, struct msm_submit *submit)
{
   (void)core;
   (void)submit; /* never reached: the kernel takes submits */
}

static uint64_t
drm_timestamp(struct msm_core *core)
{
   (void)core;
   return 0; /* never reached: GET_PARAM goes to the kernel */
}

static int
drm_ctx_init(struct msm_ctx *ctx)
{
   struct msmdrm_ctx *d = calloc(1, sizeof(*d));
   if (!d)
      return -ENOMEM;
   d->fd = drm_open_node(ctx->core->backend_arg);
   if (d->fd < 0) {
      int ret = d->fd;
      free(d);
      return ret;
   }
   ctx->backend_ctx = d;
   return 0;
}

static void
drm_ctx_fini(struct msm_ctx *ctx)
{
   struct msmdrm_ctx *d = ctx->backend_ctx;

   for (uint32_t i = 0; i < d->nr_objs; i++)
      if (d->objs[i].ptr)
         munmap(d->objs[i].ptr, d->objs[i].size);
   free(d->objs);
   close(d->fd); /* the kernel closes the drm_file's handles and queues */
   free(d);
   ctx->backend_ctx = NULL;
}

static int
drm_ctx_ioctl(struct msm_ctx *ctx, unsigned long req, void *args)
{
   struct msmdrm_ctx *d = ctx->backend_ctx;

   if (drmIoctl(d->fd, req, args))
      return -errno;
   if (req == DRM_IOCTL_MSM_GEM_NEW) {
      struct drm_msm_gem_new *n = args;
      uint64_t size = (n->size + 4095) & ~4095ull;
      if (obj_add(d, n->handle, size)) {
         struct drm_gem_close c = { .handle = n->handle };
         drmIoctl(d->fd, DRM_IOCTL_GEM_CLOSE, &c);
         return -ENOMEM;
      }
   }
   return 0;
}

static int
drm_bo_map(struct msm_ctx *ctx, uint32_t handle, void **ptr)
{
   struct msmdrm_ctx *d = ctx->backend_ctx;
   struct drm_msm_gem_info info = { .handle = handle, .info = MSM_INFO_GET_OFFSET };
   struct drm_obj *o = obj_find(d, handle);
   void *p;
   int ret;

   if (!o)
      return -ENOENT;
   if (!o->ptr) {
      ret = drm_ctx_ioctl(ctx, DRM_IOCTL_MSM_GEM_INFO, &info);
      if (ret)
         return ret;
      p = mmap(NULL, o->size, PROT_READ | PROT_WRITE, MAP_SHARED, d->fd,
               (off_t)info.value);
      if (p == MAP_FAILED)
         return -errno;
      o->ptr = p;
   }
   *ptr = o->ptr;
   return 0;
}

static void
drm_bo_closed(struct msm_ctx *ctx, uint32_t handle)
{
   struct msmdrm_ctx *d = ctx->backend_ctx;
   struct drm_obj *o = obj_find(d, handle);

   if (o) {
      if (o->ptr)
         munmap(o->ptr, o->size);
      *o = d->objs[--d->nr_objs];
   }
}

static const struct msm_ctx_ops drm_ctx_ops = {
   .ctx_init = drm_ctx_init,
   .ctx_fini = drm_ctx_fini,
   .ioctl = drm_ctx_ioctl,
   .bo_map = drm_bo_map,
   .bo_closed = drm_bo_closed,
};

const struct msm_backend_ops msm_drm_backend = {
   .name = "drm",
   .ctx_ops = &drm_ctx_ops,
   .init = drm_init,
   .fini = drm_fini,
   .submit = drm_submit,
   .timestamp = drm_timestamp,
};
