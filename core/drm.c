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
   /* The kernel behind the node makes queue 0 itself. */
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

   if (!d)
      return; /* init failed */
   for (uint32_t i = 0; i < d->nr_objs; i++)
      if (d->objs[i].ptr)
         munmap(d->objs[i].ptr, d->objs[i].size);
   free(d->objs);
   close(d->fd); /* the kernel closes the drm_file's handles and queues */
   free(d);
   ctx->backend_ctx = NULL;
}

/* The uapi ioctl on the context's drm_file, pointer fields already aimed
 * at host buffers. */
static int
drm_ioctl(struct msm_ctx *ctx, unsigned long req, void *args)
{
   struct msmdrm_ctx *d = ctx->backend_ctx;

   return drmIoctl(d->fd, req, args) ? -errno : 0;
}

static int
drm_get_param(struct msm_ctx *ctx, struct drm_msm_param *args)
{
   return drm_ioctl(ctx, DRM_IOCTL_MSM_GET_PARAM, args);
}

static int
drm_set_param(struct msm_ctx *ctx, const struct drm_msm_param *args,
              const char *str)
{
   struct drm_msm_param p = *args;

   if (p.param == MSM_PARAM_COMM || p.param == MSM_PARAM_CMDLINE)
      p.value = (uintptr_t)str;
   return drm_ioctl(ctx, DRM_IOCTL_MSM_SET_PARAM, &p);
}

static int
drm_gem_new(struct msm_ctx *ctx, struct drm_msm_gem_new *args)
{
   struct msmdrm_ctx *d = ctx->backend_ctx;
   int ret = drm_ioctl(ctx, DRM_IOCTL_MSM_GEM_NEW, args);

   if (ret)
      return ret;
   /* msm has no size query: remember it for the CPU mapping. */
   if (obj_add(d, args->handle, MSM_PAGE_ALIGN(args->size))) {
      struct drm_gem_close c = { .handle = args->handle };
      drm_ioctl(ctx, DRM_IOCTL_GEM_CLOSE, &c);
      return -ENOMEM;
   }
   return 0;
}

static int
drm_gem_info(struct msm_ctx *ctx, struct drm_msm_gem_info *args, char *name)
{
   struct drm_msm_gem_info a = *args;
   bool is_name = a.info == MSM_INFO_SET_NAME || a.info == MSM_INFO_GET_NAME;
   int ret;

   if (a.info == MSM_INFO_SET_NAME || (a.info == MSM_INFO_GET_NAME && a.value))
      a.value = (uintptr_t)name;
   ret = drm_ioctl(ctx, DRM_IOCTL_MSM_GEM_INFO, &a);
   if (!is_name)
      args->value = a.value;
   args->len = a.len;
   return ret;
}

static int
drm_gem_cpu_prep(struct msm_ctx *ctx, const struct drm_msm_gem_cpu_prep *args)
{
   struct drm_msm_gem_cpu_prep a = *args;
   return drm_ioctl(ctx, DRM_IOCTL_MSM_GEM_CPU_PREP, &a);
}

static int
drm_gem_cpu_fini(struct msm_ctx *ctx, const struct drm_msm_gem_cpu_fini *args)
{
   struct drm_msm_gem_cpu_fini a = *args;
   return drm_ioctl(ctx, DRM_IOCTL_MSM_GEM_CPU_FINI, &a);
}

static int
drm_gem_madvise(struct msm_ctx *ctx, struct drm_msm_gem_madvise *args)
{
   return drm_ioctl(ctx, DRM_IOCTL_MSM_GEM_MADVISE, args);
}

static int
drm_gem_close(struct msm_ctx *ctx, uint32_t handle)
{
   struct msmdrm_ctx *d = ctx->backend_ctx;
   struct drm_gem_close a = { .handle = handle };
   struct drm_obj *o = obj_find(d, handle);

   if (o) {
      if (o->ptr)
         munmap(o->ptr, o->size);
      *o = d->objs[--d->nr_objs];
   }
   return drm_ioctl(ctx, DRM_IOCTL_GEM_CLOSE, &a);
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
      ret = drm_ioctl(ctx, DRM_IOCTL_MSM_GEM_INFO, &info);
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

static int
drm_submitqueue_new(struct msm_ctx *ctx, struct drm_msm_submitqueue *args)
{
   return drm_ioctl(ctx, DRM_IOCTL_MSM_SUBMITQUEUE_NEW, args);
}

static int
drm_submitqueue_close(struct msm_ctx *ctx, uint32_t id)
{
   return drm_ioctl(ctx, DRM_IOCTL_MSM_SUBMITQUEUE_CLOSE, &id);
}

static int
drm_submitqueue_query(struct msm_ctx *ctx,
                      struct drm_msm_submitqueue_query *args, void *data)
{
   struct drm_msm_submitqueue_query a = *args;
   int ret;

   a.data = (uintptr_t)data;
   ret = drm_ioctl(ctx, DRM_IOCTL_MSM_SUBMITQUEUE_QUERY, &a);
   args->len = a.len;
   return ret;
}

static int
drm_gem_submit_syncobjs(struct msm_ctx *ctx, struct drm_msm_gem_submit *args,
                        const struct drm_msm_gem_submit_bo *bos,
                        const struct drm_msm_gem_submit_cmd *cmds,
                        const struct drm_msm_gem_submit_syncobj *in,
                        const struct drm_msm_gem_submit_syncobj *out)
{
   struct drm_msm_gem_submit a = *args;
   int ret;

   a.bos = (uintptr_t)bos;
   a.cmds = (uintptr_t)cmds;
   /* Our arrays are canonical: the caller already applied the stride. */
   a.in_syncobjs = (uintptr_t)in;
   a.out_syncobjs = (uintptr_t)out;
   a.syncobj_stride = sizeof(struct drm_msm_gem_submit_syncobj);
   ret = drm_ioctl(ctx, DRM_IOCTL_MSM_GEM_SUBMIT, &a);
   args->fence = a.fence;
   return ret;
}

static int
drm_wait_fence(struct msm_ctx *ctx, const struct drm_msm_wait_fence *args)
{
   struct drm_msm_wait_fence a = *args;
   return drm_ioctl(ctx, DRM_IOCTL_MSM_WAIT_FENCE, &a);
}

static int
drm_syncobj_create(struct msm_ctx *ctx, struct drm_syncobj_create *args)
{
   return drm_ioctl(ctx, DRM_IOCTL_SYNCOBJ_CREATE, args);
}

static int
drm_syncobj_destroy(struct msm_ctx *ctx,
                    const struct drm_syncobj_destroy *args)
{
   struct drm_syncobj_destroy a = *args;
   return drm_ioctl(ctx, DRM_IOCTL_SYNCOBJ_DESTROY, &a);
}

static int
drm_syncobj_wait(struct msm_ctx *ctx, struct drm_syncobj_wait *args,
                 const uint32_t *handles)
{
   struct drm_syncobj_wait a = *args;
   int ret;

   a.handles = (uintptr_t)handles;
   ret = drm_ioctl(ctx, DRM_IOCTL_SYNCOBJ_WAIT, &a);
   args->first_signaled = a.first_signaled;
   return ret;
}

/* RESET and SIGNAL: the same array, another ioctl. */
static int
drm_syncobj_array(struct msm_ctx *ctx, unsigned long req,
                  const struct drm_syncobj_array *args, const uint32_t *handles)
{
   struct drm_syncobj_array a = *args;

   a.handles = (uintptr_t)handles;
   return drm_ioctl(ctx, req, &a);
}

static int
drm_syncobj_reset(struct msm_ctx *ctx, const struct drm_syncobj_array *args,
                  const uint32_t *handles)
{
   return drm_syncobj_array(ctx, DRM_IOCTL_SYNCOBJ_RESET, args, handles);
}

static int
drm_syncobj_signal(struct msm_ctx *ctx, const struct drm_syncobj_array *args,
                   const uint32_t *handles)
{
   return drm_syncobj_array(ctx, DRM_IOCTL_SYNCOBJ_SIGNAL, args, handles);
}

/* The kernel is the context layer.  BO memory is the kernel's, not
 * hostmem, so arenas, hostmem offsets, shared madvise words and published
 * fences are not served (NULL: -EOPNOTSUPP). */
static const struct msm_ctx_funcs drm_ctx_funcs = {
   .init = drm_ctx_init,
   .fini = drm_ctx_fini,
   .get_param = drm_get_param,
   .set_param = drm_set_param,
   .gem_new = drm_gem_new,
   .gem_info = drm_gem_info,
   .gem_cpu_prep = drm_gem_cpu_prep,
   .gem_cpu_fini = drm_gem_cpu_fini,
   .gem_madvise = drm_gem_madvise,
   .gem_close = drm_gem_close,
   .bo_map = drm_bo_map,
   .submitqueue_new = drm_submitqueue_new,
   .submitqueue_close = drm_submitqueue_close,
   .submitqueue_query = drm_submitqueue_query,
   .gem_submit_syncobjs = drm_gem_submit_syncobjs,
   .wait_fence = drm_wait_fence,
   .syncobj_create = drm_syncobj_create,
   .syncobj_destroy = drm_syncobj_destroy,
   .syncobj_wait = drm_syncobj_wait,
   .syncobj_reset = drm_syncobj_reset,
   .syncobj_signal = drm_syncobj_signal,
};

const struct msm_backend_ops msm_drm_backend = {
   .name = "drm",
   .ctx_funcs = &drm_ctx_funcs,
   .init = drm_init,
   .fini = drm_fini,
   .submit = drm_submit,
   .timestamp = drm_timestamp,
};
