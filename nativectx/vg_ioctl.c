/*
 * vg_ioctl.c - the virtgpu-style layer over the virtgpu uapi (vg_ioctl.h).
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <fcntl.h>
#include <unistd.h>

#include "drm.h"
#include "virtgpu_drm.h"
#include "vg_ioctl.h"

#define CAPSET_DRM   6     /* virglrenderer's VIRGL_RENDERER_CAPSET_DRM */
#define RES_BUCKETS  1024

/* res_id -> GEM handle and where the blob is mapped: unref names a
 * resource, GEM_CLOSE a handle. */
struct res_map {
   struct res_map *next;
   uint32_t res_id, handle;
   uint64_t hm_offset, size;
};

struct vg_ioctl_dev {
   struct vg_dev base;
   const struct vg_ioctl_funcs *fn;
   void *data;
   struct res_map *res[RES_BUCKETS];
   uint64_t reserved;            /* bytes at base.hostmem */
   /* The BAR is mapped 1:1 (hostmem + X is the node at X) when the kernel
    * follows the library's storage offsets (NC_EXT_BLOB_AT: the library
    * writes a new BO's storage before the blob exists).  Otherwise the
    * kernel places storage itself, each blob is mapped where the library
    * expects it and the rest of the range is private zero pages. */
   bool identity;

   pthread_t thread;
   bool thread_running;
   pthread_mutex_t ev_lock;
   vg_event_fn event_fn;
   void *event_data;

   _Atomic uint64_t messages, bytes, round_trips, events;
};

static struct vg_ioctl_dev *
to_dev(struct vg_dev *vg)
{
   return (struct vg_ioctl_dev *)vg;
}

static int
call(struct vg_ioctl_dev *d, unsigned long req, void *arg)
{
   int r;

   do {
      r = d->fn->ioctl(d->data, req, arg);
   } while (r && errno == EINTR);
   return r ? -errno : 0;
}

/* A request the host hears of: one notification, payload bytes. */
static void
count_msg(struct vg_ioctl_dev *d, uint64_t bytes)
{
   atomic_fetch_add_explicit(&d->messages, 1, memory_order_relaxed);
   atomic_fetch_add_explicit(&d->bytes, bytes, memory_order_relaxed);
}

static int
wait_fence_fd(int fd)
{
   struct pollfd p = { .fd = fd, .events = POLLIN };

   for (;;) {
      int r = poll(&p, 1, -1);
      if (r == 1)
         return (p.revents & (POLLERR | POLLNVAL)) ? -EIO : 0;
      if (r < 0 && errno != EINTR)
         return -errno;
   }
}

static int
io_execbuf(struct vg_dev *vg, const void *cmd, uint32_t len,
           uint32_t ring_idx, uint64_t fence_id, uint32_t flags)
{
   struct vg_ioctl_dev *d = to_dev(vg);
   struct drm_virtgpu_execbuffer eb = {
      .flags = VIRTGPU_EXECBUF_RING_IDX,
      .size = len,
      .command = (uintptr_t)cmd,
      .fence_fd = -1,
      .ring_idx = ring_idx,
   };
   int ret;

   /* The kernel numbers its fences itself; the library's ring-0 batches
    * never ask for one. */
   (void)fence_id;
   /* Any length: the uapi has no alignment rule (the vg layer under the
    * node checks the protocol's). */
   if (len && !cmd)
      return -EINVAL;
   if (!len && !(flags & VG_EXECBUF_SYNC))
      return 0;
   if (flags & VG_EXECBUF_SYNC)
      eb.flags |= VIRTGPU_EXECBUF_FENCE_FD_OUT;
   ret = call(d, DRM_IOCTL_VIRTGPU_EXECBUFFER, &eb);
   if (ret)
      return ret;
   count_msg(d, sizeof(eb) + len);
   if (flags & VG_EXECBUF_SYNC) {
      atomic_fetch_add_explicit(&d->round_trips, 1, memory_order_relaxed);
      ret = wait_fence_fd(eb.fence_fd);
      close(eb.fence_fd);
   }
   return ret;
}

/* What [off, off + size) of the range shows outside a live blob: the BAR
 * 1:1, or private zero pages (stray writes must not reach storage the
 * kernel gave to another blob). */
static int
unmap_range(struct vg_ioctl_dev *d, uint64_t off, uint64_t size)
{
   if (d->identity)
      return d->fn->map(d->data, d->base.hostmem + off, size, off);
   return mmap(d->base.hostmem + off, size, PROT_READ | PROT_WRITE,
               MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1,
               0) == MAP_FAILED ? -errno : 0;
}

/* The blob's storage, wherever the kernel put it, at the library's offset. */
static int
map_blob(struct vg_ioctl_dev *d, uint32_t handle, uint64_t off, uint64_t size)
{
   struct drm_virtgpu_map m = { .handle = handle };
   int ret;

   if (off > d->reserved || size > d->reserved - off)
      return -EINVAL;
   ret = call(d, DRM_IOCTL_VIRTGPU_MAP, &m);
   if (!ret && !(d->identity && m.offset == off))
      ret = d->fn->map(d->data, d->base.hostmem + off, size, m.offset);
   return ret;
}

static int
io_blob_create(struct vg_dev *vg, const struct vg_blob_create *args,
               uint32_t *res_id)
{
   struct vg_ioctl_dev *d = to_dev(vg);
   struct drm_virtgpu_resource_create_blob b = {
      .blob_mem = VIRTGPU_BLOB_MEM_HOST3D,
      .blob_flags = VIRTGPU_BLOB_FLAG_USE_MAPPABLE,
      .size = args->size,
      .cmd_size = args->cmd_len,
      .cmd = (uintptr_t)args->cmd,
      .blob_id = args->blob_id,
   };
   struct res_map *m = calloc(1, sizeof(*m));
   int ret;

   if (!m)
      return -ENOMEM;
   ret = call(d, DRM_IOCTL_VIRTGPU_RESOURCE_CREATE_BLOB, &b);
   if (ret) {
      free(m);
      return ret;
   }
   count_msg(d, sizeof(b) + args->cmd_len);
   ret = map_blob(d, b.bo_handle, args->hm_offset, args->size);
   if (ret) {
      struct drm_gem_close c = { .handle = b.bo_handle };
      call(d, DRM_IOCTL_GEM_CLOSE, &c);
      free(m);
      return ret;
   }
   m->res_id = b.res_handle;
   m->handle = b.bo_handle;
   m->hm_offset = args->hm_offset;
   m->size = args->size;
   m->next = d->res[m->res_id % RES_BUCKETS];
   d->res[m->res_id % RES_BUCKETS] = m;
   *res_id = b.res_handle;
   return 0;
}

static int
io_resource_unref(struct vg_dev *vg, uint32_t res_id)
{
   struct vg_ioctl_dev *d = to_dev(vg);

   for (struct res_map **p = &d->res[res_id % RES_BUCKETS]; *p;
        p = &(*p)->next) {
      struct res_map *m = *p;
      if (m->res_id != res_id)
         continue;
      struct drm_gem_close c = { .handle = m->handle };
      *p = m->next;
      /* The library may write here before its next blob exists there: it
       * must not reach storage the kernel may give to someone else. */
      unmap_range(d, m->hm_offset, m->size);
      free(m);
      count_msg(d, sizeof(c));
      return call(d, DRM_IOCTL_GEM_CLOSE, &c);
   }
   return -ENOENT;
}

static int
io_flush(struct vg_dev *vg)
{
   (void)vg;
   return 0; /* nothing is held */
}

static void
io_set_event_cb(struct vg_dev *vg, vg_event_fn fn, void *data)
{
   struct vg_ioctl_dev *d = to_dev(vg);

   pthread_mutex_lock(&d->ev_lock);
   d->event_fn = fn;
   d->event_data = data;
   pthread_mutex_unlock(&d->ev_lock);
}

static void
io_get_stats(struct vg_dev *vg, struct vg_stats *st)
{
   struct vg_ioctl_dev *d = to_dev(vg);

   st->messages = atomic_load(&d->messages);
   st->bytes = atomic_load(&d->bytes);
   st->sync_round_trips = atomic_load(&d->round_trips);
   st->events = atomic_load(&d->events);
}

/* The node's events are wake-ups (a DRM event names no fence): pass one
 * on as "shared memory changed", which is what the library re-checks. */
static void *
event_thread(void *arg)
{
   struct vg_ioctl_dev *d = arg;
   const struct vg_event ev = { .type = VG_EVENT_SHMEM };

   for (;;) {
      int r = d->fn->wait_events(d->data);
      if (r == 1 || (r < 0 && r != -EINTR && r != -EAGAIN))
         break;
      if (r)
         continue;
      atomic_fetch_add_explicit(&d->events, 1, memory_order_relaxed);
      pthread_mutex_lock(&d->ev_lock);
      if (d->event_fn)
         d->event_fn(d->event_data, &ev);
      pthread_mutex_unlock(&d->ev_lock);
   }
   return NULL;
}

static void
io_destroy(struct vg_dev *vg)
{
   struct vg_ioctl_dev *d = to_dev(vg);

   if (d->thread_running) {
      d->fn->stop(d->data);
      pthread_join(d->thread, NULL);
   }
   /* Closing the node frees the context and everything it owned. */
   d->fn->close(d->data);
   if (d->reserved)
      munmap(d->base.hostmem, d->reserved);
   for (unsigned i = 0; i < RES_BUCKETS; i++) {
      while (d->res[i]) {
         struct res_map *m = d->res[i];
         d->res[i] = m->next;
         free(m);
      }
   }
   pthread_mutex_destroy(&d->ev_lock);
   free(d);
}

static const struct vg_ops ioctl_ops = {
   .name = "virtgpu-ioctl",
   .destroy = io_destroy,
   .set_event_cb = io_set_event_cb,
   .blob_create = io_blob_create,
   .resource_unref = io_resource_unref,
   .execbuf = io_execbuf,
   .flush = io_flush,
   .get_stats = io_get_stats,
};

static int
context_init(struct vg_ioctl_dev *d)
{
   struct drm_virtgpu_context_set_param params[] = {
      { VIRTGPU_CONTEXT_PARAM_CAPSET_ID, CAPSET_DRM },
      { VIRTGPU_CONTEXT_PARAM_NUM_RINGS, 1 },
      { VIRTGPU_CONTEXT_PARAM_POLL_RINGS_MASK, 1 },
   };
   struct drm_virtgpu_context_init init = {
      .num_params = sizeof(params) / sizeof(params[0]),
      .ctx_set_params = (uintptr_t)params,
   };
   struct drm_virtgpu_get_caps caps = {
      .cap_set_id = CAPSET_DRM,
      .addr = (uintptr_t)&d->base.caps,
      .size = sizeof(d->base.caps),
   };
   int ret = call(d, DRM_IOCTL_VIRTGPU_CONTEXT_INIT, &init);

   if (ret)
      return ret;
   /* The context's creation is the one the caller waits for. */
   count_msg(d, sizeof(init) + sizeof(params));
   atomic_fetch_add_explicit(&d->round_trips, 1, memory_order_relaxed);
   return call(d, DRM_IOCTL_VIRTGPU_GET_CAPS, &caps);
}

int
vg_ioctl_open_with(const struct vg_ioctl_funcs *fn, void *data,
                   uint64_t hostmem_size, struct vg_dev **out)
{
   struct vg_ioctl_dev *d = calloc(1, sizeof(*d));
   void *base;
   int ret;

   /* Reserve the range first: the mappings go at fixed places in it. */
   base = hostmem_size ? mmap(NULL, hostmem_size, PROT_READ | PROT_WRITE,
                              MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                              -1, 0)
                       : MAP_FAILED;
   if (!d || base == MAP_FAILED) {
      if (base != MAP_FAILED)
         munmap(base, hostmem_size);
      free(d);
      fn->close(data);
      return hostmem_size ? -ENOMEM : -EINVAL;
   }
   d->base.ops = &ioctl_ops;
   d->base.hostmem = base;
   d->base.hostmem_size = hostmem_size;
   d->reserved = hostmem_size;
   d->fn = fn;
   d->data = data;
   pthread_mutex_init(&d->ev_lock, NULL);
   ret = context_init(d);
   if (!ret) {
      d->identity = d->base.caps.ext.magic == NC_CAPSET_EXT_MAGIC &&
                    (d->base.caps.ext.offered & NC_EXT_BLOB_AT);
      ret = unmap_range(d, 0, hostmem_size);
   }
   if (!ret) {
      ret = -pthread_create(&d->thread, NULL, event_thread, d);
      d->thread_running = !ret;
   }
   if (ret) {
      io_destroy(&d->base);
      return ret;
   }
   *out = &d->base;
   return 0;
}

/* ------------------------------------------------------- a real DRM fd */

struct fd_node {
   int fd;
   int stop[2];     /* a pipe: stop() makes it readable */
};

static int
fd_ioctl(void *data, unsigned long req, void *arg)
{
   return ioctl(((struct fd_node *)data)->fd, req, arg);
}

static int
fd_map(void *data, void *addr, uint64_t size, uint64_t offset)
{
   struct fd_node *n = data;
   void *p = mmap(addr, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
                  n->fd, (off_t)offset);
   return p == MAP_FAILED ? -errno : 0;
}

static int
fd_wait_events(void *data)
{
   struct fd_node *n = data;
   struct pollfd p[2] = {
      { .fd = n->fd, .events = POLLIN },
      { .fd = n->stop[0], .events = POLLIN },
   };
   char buf[256];

   if (poll(p, 2, -1) < 0)
      return -errno;
   if (p[1].revents)
      return 1;
   if (!(p[0].revents & POLLIN))
      return (p[0].revents & (POLLERR | POLLHUP | POLLNVAL)) ? -EIO : -EAGAIN;
   return read(n->fd, buf, sizeof(buf)) < 0 ? -errno : 0;
}

static void
fd_stop(void *data)
{
   struct fd_node *n = data;
   ssize_t r = write(n->stop[1], "x", 1);
   (void)r;
}

static void
fd_close(void *data)
{
   struct fd_node *n = data;

   close(n->fd);
   close(n->stop[0]);
   close(n->stop[1]);
   free(n);
}

static const struct vg_ioctl_funcs fd_funcs = {
   .ioctl = fd_ioctl,
   .map = fd_map,
   .wait_events = fd_wait_events,
   .stop = fd_stop,
   .close = fd_close,
};

int
vg_ioctl_open_fd(int fd, uint64_t hostmem_size, struct vg_dev **out)
{
   struct fd_node *n = calloc(1, sizeof(*n));

   if (!n || pipe2(n->stop, O_CLOEXEC)) {
      free(n);
      close(fd);
      return -ENOMEM;
   }
   n->fd = fd;
   return vg_ioctl_open_with(&fd_funcs, n, hostmem_size, out);
}
