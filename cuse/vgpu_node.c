/*
 * vgpu_node.c - the virtio_gpu personality (vgpu_node.h): one handler per
 * table entry (vgpu_spec.c), errno as Linux 6.1's virtgpu_ioctl.c.
 *
 * Locks: f->lock serialises a file's ioctls and its vg ops (the vg layer is
 * not thread-safe per context); f->ev_lock guards what the event thread
 * touches (timelines, pending fence fds, the read queue) and is never held
 * across a vg call, so the event thread (which holds the channel's lock
 * while it calls us) never waits for an ioctl that waits for the channel.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "nc_heap.h"
#include "nc_proto.h"
#include "vgpu_node.h"

#define WAIT_TIMEOUT_NS (15ull * 1000000000ull) /* virtio_gpu_wait_ioctl() */
#define PAGE            4096ull
#define MAX_EVENTS      1024 /* queued, unread DRM events per file */
#define ZOMBIE_RINGS    8    /* GPU rings a closed BO's storage may wait on */

static const char drv_name[] = "virtio_gpu";
static const char drv_date[] = "0";
static const char drv_desc[] = "virtio GPU (msmvirt native context)";

struct vgpu_counters {
   _Atomic uint64_t ioctls, requests, failed;
};

struct vgpu_node {
   struct vgpu_node_config cfg;
   struct cuse_limits lim;
   struct vgpu_counters counters[VGPU_ID_COUNT + 1];
   /* EXECBUFFERs by kind: ring 0 (host CPU work: ccmds), rings >= 1 (GPU
    * work); with FENCE_FD_OUT on a GPU ring (a fence fd for the submit)
    * and on ring 0 (a sync request: the caller polls the fd until the host
    * has run the batch, a round trip); the events queued for readers. */
   _Atomic uint64_t exec_ring0, exec_gpu, exec_fence_out, exec_ring0_fence,
      events_queued;
   pthread_mutex_t lock;          /* capset, closed_stats */
   bool have_caps;
   struct nc_caps caps;
   struct vg_stats closed_stats;  /* of destroyed contexts */
   struct vgpu_file *files;       /* live files, under lock */
};

struct vgpu_bo {
   uint32_t res_id;
   uint32_t blob_mem, blob_flags;
   uint64_t size;
   uint64_t hm_offset;
   bool node_heap;               /* hm_offset is ours to free */
   struct vgpu_bo *next_zombie;  /* closed, storage still in GPU use */
   /* A zombie's storage is free once each GPU ring reached its seq (0:
    * nothing to wait for on that ring). */
   uint64_t zombie_seq[ZOMBIE_RINGS];
   uint32_t fence_ring;          /* the last EXECBUFFER naming it */
   uint64_t fence_seq;           /* 0: none */
};

struct pending_fd {
   struct pending_fd *next;
   uint32_t ring;
   uint64_t seq;
   int fd;                       /* our reference to the caller's eventfd */
};

struct vgpu_file {
   struct vgpu_node *node;
   struct vgpu_file *next;       /* node->files */
   pthread_mutex_t lock;
   struct vg_dev *vg;            /* NULL until CONTEXT_INIT */
   uint32_t num_rings;
   uint64_t poll_rings_mask;
   bool heap_ready;
   struct nc_heap heap;          /* blob storage in the context's arena */
   uint64_t heap_high;           /* arena bytes from here on were never used */
   struct vgpu_bo **handles;     /* handles[h - 1] */
   struct vgpu_bo *zombies;      /* closed BOs whose storage waits for a fence */
   uint32_t nr_handles;

   pthread_mutex_t ev_lock;
   pthread_cond_t ev_cond;
   uint64_t emitted[VGPU_MAX_RINGS];   /* last fence seq per ring */
   uint64_t completed[VGPU_MAX_RINGS]; /* last signalled */
   struct pending_fd *pending;
   uint32_t events;              /* queued DRM events */
   vgpu_notify_fn notify;
   void *notify_data;
};

/* ------------------------------------------------------------- node */

int
vgpu_node_create(const struct vgpu_node_config *cfg, struct vgpu_node **out)
{
   struct vgpu_node *n;

   if (!cfg || !cfg->open_ctx)
      return -EINVAL;
   n = calloc(1, sizeof(*n));
   if (!n)
      return -ENOMEM;
   n->cfg = *cfg;
   if (!n->cfg.import_fd)
      n->cfg.import_fd = vgpu_import_fd_pidfd;
   n->lim = cfg->lim ? *cfg->lim : cuse_kernel_limits;
   pthread_mutex_init(&n->lock, NULL);
   *out = n;
   return 0;
}

void
vgpu_node_destroy(struct vgpu_node *n)
{
   if (!n)
      return;
   pthread_mutex_destroy(&n->lock);
   free(n);
}

void
vgpu_node_get_stats(struct vgpu_node *n, unsigned id, struct vgpu_cmd_stats *st)
{
   struct vgpu_counters *c = &n->counters[id < VGPU_ID_COUNT ? id : VGPU_ID_COUNT];

   st->ioctls = atomic_load(&c->ioctls);
   st->requests = atomic_load(&c->requests);
   st->failed = atomic_load(&c->failed);
}

void
vgpu_node_print_stats(struct vgpu_node *n, FILE *out)
{
   unsigned count;
   const struct fwd_ioctl_spec *table = vgpu_spec_table(&count);
   struct vg_stats vs;

   fprintf(out, "%-22s %7s %8s %6s\n", "ioctl", "count", "requests", "failed");
   for (unsigned id = 0; id <= VGPU_ID_COUNT; id++) {
      struct vgpu_cmd_stats s;

      vgpu_node_get_stats(n, id, &s);
      if (!s.requests)
         continue;
      fprintf(out, "%-22s %7llu %8llu %6llu\n",
              id < count ? table[id].name : "(unknown)",
              (unsigned long long)s.ioctls, (unsigned long long)s.requests,
              (unsigned long long)s.failed);
   }
   fprintf(out, "execbuffer: ring0=%llu gpu_rings=%llu fence_fd_out=%llu "
           "ring0_fence_fd_out=%llu; events queued=%llu\n",
           (unsigned long long)atomic_load(&n->exec_ring0),
           (unsigned long long)atomic_load(&n->exec_gpu),
           (unsigned long long)atomic_load(&n->exec_fence_out),
           (unsigned long long)atomic_load(&n->exec_ring0_fence),
           (unsigned long long)atomic_load(&n->events_queued));
   vgpu_node_vg_stats(n, &vs);
   fprintf(out, "vg: messages=%llu bytes=%llu sync_round_trips=%llu events=%llu\n",
           (unsigned long long)vs.messages, (unsigned long long)vs.bytes,
           (unsigned long long)vs.sync_round_trips,
           (unsigned long long)vs.events);
}

static void
stats_add(struct vg_stats *a, const struct vg_stats *b)
{
   a->messages += b->messages;
   a->bytes += b->bytes;
   a->sync_round_trips += b->sync_round_trips;
   a->events += b->events;
}

void
vgpu_node_vg_stats(struct vgpu_node *n, struct vg_stats *st)
{
   pthread_mutex_lock(&n->lock);
   *st = n->closed_stats;
   for (struct vgpu_file *f = n->files; f; f = f->next) {
      struct vg_stats s;
      if (f->vg) {
         vg_get_stats(f->vg, &s);
         stats_add(st, &s);
      }
   }
   pthread_mutex_unlock(&n->lock);
}

/* ------------------------------------------------------------- file */

int
vgpu_file_create(struct vgpu_node *n, struct vgpu_file **out)
{
   struct vgpu_file *f = calloc(1, sizeof(*f));

   if (!f)
      return -ENOMEM;
   f->node = n;
   pthread_mutex_init(&f->lock, NULL);
   pthread_mutex_init(&f->ev_lock, NULL);
   pthread_condattr_t ca;
   pthread_condattr_init(&ca);
   pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
   pthread_cond_init(&f->ev_cond, &ca);
   pthread_condattr_destroy(&ca);
   pthread_mutex_lock(&n->lock);
   f->next = n->files;
   n->files = f;
   pthread_mutex_unlock(&n->lock);
   *out = f;
   return 0;
}

void
vgpu_file_set_notify(struct vgpu_file *f, vgpu_notify_fn fn, void *data)
{
   pthread_mutex_lock(&f->ev_lock);
   f->notify = fn;
   f->notify_data = data;
   pthread_mutex_unlock(&f->ev_lock);
}

static void
bo_free(struct vgpu_file *f, struct vgpu_bo *bo)
{
   if (bo->node_heap && f->heap_ready)
      nc_heap_free(&f->heap, bo->hm_offset, bo->size);
   free(bo);
}

static bool
fence_done(struct vgpu_file *f, uint32_t ring, uint64_t seq)
{
   pthread_mutex_lock(&f->ev_lock);
   bool done = f->completed[ring] >= seq;
   pthread_mutex_unlock(&f->ev_lock);
   return done;
}

static bool
zombie_idle(struct vgpu_file *f, const struct vgpu_bo *bo)
{
   for (uint32_t r = 0; r < ZOMBIE_RINGS; r++)
      if (bo->zombie_seq[r] && !fence_done(f, r, bo->zombie_seq[r]))
         return false;
   return true;
}

/* Storage the node placed goes back to the heap only once the GPU is done
 * with it, as virtio_gpu keeps an object (and its host-visible range) until
 * its fences are done: a new blob must not land on memory the GPU may still
 * read or write.  Under f->lock. */
static void
reap_zombies(struct vgpu_file *f)
{
   for (struct vgpu_bo **p = &f->zombies; *p;) {
      struct vgpu_bo *bo = *p;
      if (zombie_idle(f, bo)) {
         *p = bo->next_zombie;
         bo_free(f, bo);
      } else {
         p = &bo->next_zombie;
      }
   }
}

void
vgpu_file_destroy(struct vgpu_file *f)
{
   struct vgpu_node *n;

   if (!f)
      return;
   n = f->node;
   pthread_mutex_lock(&n->lock);
   for (struct vgpu_file **p = &n->files; *p; p = &(*p)->next) {
      if (*p == f) {
         *p = f->next;
         break;
      }
   }
   if (f->vg) {
      struct vg_stats s;
      vg_get_stats(f->vg, &s);
      stats_add(&n->closed_stats, &s);
   }
   pthread_mutex_unlock(&n->lock);
   /* No lock held: the event thread may be inside our callback. */
   if (f->vg) {
      vg_set_event_cb(f->vg, NULL, NULL);
      vg_destroy(f->vg);
   }
   for (uint32_t i = 0; i < f->nr_handles; i++)
      if (f->handles[i])
         bo_free(f, f->handles[i]);
   free(f->handles);
   while (f->zombies) {
      struct vgpu_bo *bo = f->zombies;
      f->zombies = bo->next_zombie;
      bo_free(f, bo);
   }
   if (f->heap_ready)
      nc_heap_fini(&f->heap);
   while (f->pending) {
      struct pending_fd *p = f->pending;
      f->pending = p->next;
      close(p->fd);
      free(p);
   }
   pthread_cond_destroy(&f->ev_cond);
   pthread_mutex_destroy(&f->ev_lock);
   pthread_mutex_destroy(&f->lock);
   free(f);
}

/* ----------------------------------------------------------- events */

static void
signal_fd(int fd)
{
   uint64_t one = 1;
   ssize_t r = write(fd, &one, sizeof(one));
   (void)r; /* an eventfd write fails only at the counter's limit */
   close(fd);
}

/* The event thread: a fence signalled, or the context's shmem changed. */
static void
on_event(void *data, const struct vg_event *ev)
{
   struct vgpu_file *f = data;
   bool queue = false;
   vgpu_notify_fn notify;
   void *ndata;

   pthread_mutex_lock(&f->ev_lock);
   if (ev->type == VG_EVENT_FENCE && ev->ring_idx < VGPU_MAX_RINGS) {
      /* A ring's fences signal in order. */
      if (ev->fence_id > f->completed[ev->ring_idx])
         f->completed[ev->ring_idx] = ev->fence_id;
      for (struct pending_fd **p = &f->pending; *p;) {
         struct pending_fd *pf = *p;
         if (pf->ring == ev->ring_idx && pf->seq <= ev->fence_id) {
            *p = pf->next;
            signal_fd(pf->fd);
            free(pf);
         } else {
            p = &pf->next;
         }
      }
      queue = f->poll_rings_mask & (1ull << ev->ring_idx);
      pthread_cond_broadcast(&f->ev_cond);
   } else if (ev->type == VG_EVENT_SHMEM) {
      /* The uapi has no such event: a guest that polls ring 0 gets it as
       * a ring-0 fence event, the wake-up it is (docs/cuse.md). */
      queue = f->poll_rings_mask & 1;
   }
   if (queue && f->events < MAX_EVENTS) {
      f->events++;
      atomic_fetch_add(&f->node->events_queued, 1);
   }
   notify = queue ? f->notify : NULL;
   ndata = f->notify_data;
   pthread_mutex_unlock(&f->ev_lock);
   if (notify)
      notify(ndata);
}

long
vgpu_file_read(struct vgpu_file *f, void *buf, size_t size)
{
   struct drm_event e = {
      .type = VIRTGPU_EVENT_FENCE_SIGNALED, .length = sizeof(e),
   };
   size_t n = 0;

   if (size < sizeof(e))
      return -EINVAL;
   pthread_mutex_lock(&f->ev_lock);
   while (f->events && size - n >= sizeof(e)) {
      memcpy((uint8_t *)buf + n, &e, sizeof(e));
      n += sizeof(e);
      f->events--;
   }
   pthread_mutex_unlock(&f->ev_lock);
   return (long)n;
}

bool
vgpu_file_readable(struct vgpu_file *f)
{
   pthread_mutex_lock(&f->ev_lock);
   bool r = f->events > 0;
   pthread_mutex_unlock(&f->ev_lock);
   return r;
}

/* ------------------------------------------------------------ fd import */

static int
tgid_of(uint32_t tid)
{
   char path[64], line[128];
   FILE *s;
   int tgid = -ESRCH;

   snprintf(path, sizeof(path), "/proc/%u/status", tid);
   s = fopen(path, "re");
   if (!s)
      return -ESRCH;
   while (fgets(line, sizeof(line), s))
      if (sscanf(line, "Tgid: %d", &tgid) == 1)
         break;
   fclose(s);
   return tgid;
}

int
vgpu_import_fd_pidfd(void *data, uint32_t tid, int fd)
{
   char path[64], link[64];
   int tgid, pidfd, ours;
   ssize_t n;

   (void)data;
   if (fd < 0 || !tid)
      return -EINVAL;
   tgid = tgid_of(tid);
   if (tgid < 0)
      return tgid;
   pidfd = (int)syscall(SYS_pidfd_open, tgid, 0);
   if (pidfd < 0)
      return -errno;
   ours = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
   close(pidfd);
   if (ours < 0)
      return errno == EBADF ? -EINVAL : -errno;
   /* Only an eventfd: anything else would let a caller make us write into
    * its pipes or files. */
   snprintf(path, sizeof(path), "/proc/self/fd/%d", ours);
   n = readlink(path, link, sizeof(link) - 1);
   if (n < 0 || (link[n] = 0, strcmp(link, "anon_inode:[eventfd]"))) {
      close(ours);
      return -EINVAL;
   }
   fcntl(ours, F_SETFD, FD_CLOEXEC);
   return ours;
}

/* ----------------------------------------------------------- handles */

static struct vgpu_bo *
bo_get(struct vgpu_file *f, uint32_t handle)
{
   if (!handle || handle > f->nr_handles)
      return NULL;
   return f->handles[handle - 1];
}

/* The lowest free handle, as idr_alloc(1, 0) picks. */
static int
handle_put(struct vgpu_file *f, struct vgpu_bo *bo, uint32_t *handle)
{
   for (uint32_t i = 0; i < f->nr_handles; i++) {
      if (!f->handles[i]) {
         f->handles[i] = bo;
         *handle = i + 1;
         return 0;
      }
   }
   if (f->nr_handles >= (1u << 24))
      return -ENOSPC;
   struct vgpu_bo **h = realloc(f->handles, (f->nr_handles + 1) * sizeof(*h));
   if (!h)
      return -ENOMEM;
   f->handles = h;
   h[f->nr_handles++] = bo;
   *handle = f->nr_handles;
   return 0;
}

/* ----------------------------------------------------------- handlers */

struct vgpu_call {
   struct vgpu_file *f;
   uint32_t tid;
   void *args;                      /* the struct; written back if _IOC_READ */
   const struct fwd_region *regs;
   const uint8_t *in[FWD_MAX_REGIONS];
   uint8_t *out[FWD_MAX_REGIONS];
};

static int
copy_str(struct vgpu_call *c, unsigned i, const char *s, uint64_t len_field)
{
   (void)len_field;
   if (c->regs[i].active && c->out[i])
      memcpy(c->out[i], s, strlen(s) < c->regs[i].count ? strlen(s)
                                                          : c->regs[i].count);
   return 0;
}

static int
h_version(struct vgpu_call *c)
{
   struct drm_version *v = c->args;

   copy_str(c, 0, drv_name, v->name_len);
   copy_str(c, 1, drv_date, v->date_len);
   copy_str(c, 2, drv_desc, v->desc_len);
   v->version_major = 0;
   v->version_minor = 1;
   v->version_patchlevel = 0;
   v->name_len = strlen(drv_name);
   v->date_len = strlen(drv_date);
   v->desc_len = strlen(drv_desc);
   return 0;
}

static int
h_get_cap(struct vgpu_call *c)
{
   struct drm_get_cap *a = c->args;

   /* virtio_gpu has PRIME and no SYNCOBJ in 6.1; our PRIME ioctls answer
    * ENOSYS (no fds over CUSE), so we do not claim it. */
   switch (a->capability) {
   case DRM_CAP_PRIME:
   case DRM_CAP_SYNCOBJ:
   case DRM_CAP_SYNCOBJ_TIMELINE:
      a->value = 0;
      return 0;
   case DRM_CAP_TIMESTAMP_MONOTONIC:
      a->value = 1;
      return 0;
   default:
      /* drm_getcap(): unknown capability. */
      return -EINVAL;
   }
}

/* What a closed BO's storage must wait for: its last EXECBUFFER's fence
 * when that was GPU work.  A BO never named with a GPU fence (a guest that
 * submits through ccmds on ring 0 without BO lists) may still be in use by
 * any submit queued so far: fence every GPU ring now (empty fenced
 * EXECBUFFERs: a ring's fence signals when its last submit retired) and
 * wait for all of them.  Under f->lock. */
static int
zombie_fences(struct vgpu_file *f, struct vgpu_bo *bo)
{
   uint32_t rings = f->vg->caps.capset.msm.priorities;
   int ret = 0;

   memset(bo->zombie_seq, 0, sizeof(bo->zombie_seq));
   if (bo->fence_seq && bo->fence_ring) {
      bo->zombie_seq[bo->fence_ring < ZOMBIE_RINGS ? bo->fence_ring : 0] =
         bo->fence_seq;
      return 0;
   }
   if (rings >= ZOMBIE_RINGS)
      rings = ZOMBIE_RINGS - 1;
   for (uint32_t r = 1; r <= rings && !ret; r++) {
      pthread_mutex_lock(&f->ev_lock);
      uint64_t seq = ++f->emitted[r];
      pthread_mutex_unlock(&f->ev_lock);
      ret = vg_execbuf(f->vg, NULL, 0, r, seq,
                       VG_EXECBUF_FENCE | VG_EXECBUF_DEFER);
      bo->zombie_seq[r] = seq;
   }
   return ret;
}

static int
h_gem_close(struct vgpu_call *c)
{
   struct drm_gem_close *a = c->args;
   struct vgpu_file *f = c->f;
   struct vgpu_bo *bo = bo_get(f, a->handle);
   bool zombie = false;

   if (!bo)
      return -EINVAL;
   f->handles[a->handle - 1] = NULL;
   /* The last handle of the resource (no PRIME: there is one): the guest
    * kernel unrefs it on the host; virtio_gpu notifies the host per
    * command, so nothing waits in our transmit buffer for an EXECBUFFER
    * that may never come. */
   if (f->vg && !vg_resource_unref(f->vg, bo->res_id)) {
      zombie = bo->node_heap && !zombie_fences(f, bo);
      vg_flush(f->vg);
   }
   if (zombie && !zombie_idle(f, bo)) {
      bo->next_zombie = f->zombies;
      f->zombies = bo;
   } else {
      bo_free(f, bo);
   }
   return 0;
}

static int
h_map(struct vgpu_call *c)
{
   struct drm_virtgpu_map *a = c->args;
   struct vgpu_bo *bo = bo_get(c->f, a->handle);

   if (!bo)
      return -ENOENT;
   /* The node's mmap offset is the hostmem offset (the preload maps the
    * BAR there). */
   a->offset = bo->hm_offset;
   return 0;
}

static uint64_t
getparam_value(const struct vgpu_node *n, uint64_t param, int *err)
{
   (void)n;
   *err = 0;
   switch (param) {
   case VIRTGPU_PARAM_3D_FEATURES:        return 1;
   case VIRTGPU_PARAM_CAPSET_QUERY_FIX:   return 1;
   case VIRTGPU_PARAM_RESOURCE_BLOB:      return 1;
   case VIRTGPU_PARAM_HOST_VISIBLE:       return 1;
   case VIRTGPU_PARAM_CROSS_DEVICE:       return 0; /* no resource uuids */
   case VIRTGPU_PARAM_CONTEXT_INIT:       return 1;
   case VIRTGPU_PARAM_SUPPORTED_CAPSET_IDs: return 1u << VGPU_CAPSET_DRM;
   default:
      *err = -EINVAL;
      return 0;
   }
}

static int
h_getparam(struct vgpu_call *c)
{
   struct drm_virtgpu_getparam *a = c->args;
   int err;
   int value = (int)getparam_value(c->f->node, a->param, &err);

   if (err)
      return err;
   if (!c->out[0])
      return -EFAULT;
   memcpy(c->out[0], &value, sizeof(value));
   return 0;
}

static int
h_resource_info(struct vgpu_call *c)
{
   struct drm_virtgpu_resource_info *a = c->args;
   struct vgpu_bo *bo = bo_get(c->f, a->bo_handle);

   if (!bo)
      return -ENOENT;
   a->res_handle = bo->res_id;
   a->size = (uint32_t)bo->size;
   a->blob_mem = bo->blob_mem;
   return 0;
}

/* Runs without f->lock (see handlers[]): a sleeping WAIT must not hold up
 * the file's other ioctls, as it does not in the kernel. */
static int
h_wait(struct vgpu_call *c)
{
   struct drm_virtgpu_3d_wait *a = c->args;
   struct vgpu_file *f = c->f;
   struct vgpu_bo *bo;
   struct timespec ts;
   uint32_t ring;
   uint64_t seq;
   int ret = 0;

   pthread_mutex_lock(&f->lock);
   bo = bo_get(f, a->handle);
   ring = bo ? bo->fence_ring : 0;
   seq = bo ? bo->fence_seq : 0;
   pthread_mutex_unlock(&f->lock);
   if (!bo)
      return -ENOENT;
   pthread_mutex_lock(&f->ev_lock);
   if (a->flags & VIRTGPU_WAIT_NOWAIT) {
      ret = f->completed[ring] < seq ? -EBUSY : 0;
   } else {
      clock_gettime(CLOCK_MONOTONIC, &ts);
      ts.tv_sec += WAIT_TIMEOUT_NS / 1000000000ull;
      while (f->completed[ring] < seq && !ret)
         if (pthread_cond_timedwait(&f->ev_cond, &f->ev_lock, &ts) == ETIMEDOUT)
            ret = f->completed[ring] < seq ? -EBUSY : 0;
   }
   pthread_mutex_unlock(&f->ev_lock);
   return ret;
}

/* The device capset: the guest kernel fetches it once per VM (a probe
 * context).  A file with a context answers its own context's: the anchor
 * bytes are the device's, the extension block names that context's arena
 * (an extended guest reads it past the anchor's 80 bytes). */
static int
node_caps(struct vgpu_file *f, struct nc_caps *out)
{
   struct vgpu_node *n = f->node;
   struct vg_dev *probe;
   int ret = 0;

   if (f->vg) {
      *out = f->vg->caps;
      return 0;
   }
   pthread_mutex_lock(&n->lock);
   if (!n->have_caps) {
      ret = n->cfg.open_ctx(n->cfg.open_data, &probe);
      if (!ret) {
         n->caps = probe->caps;
         n->have_caps = true;
         struct vg_stats s;
         vg_get_stats(probe, &s);
         stats_add(&n->closed_stats, &s);
         vg_destroy(probe);
      }
   }
   *out = n->caps;
   pthread_mutex_unlock(&n->lock);
   return ret ? -EIO : 0;
}

static int
h_get_caps(struct vgpu_call *c)
{
   struct drm_virtgpu_get_caps *a = c->args;
   struct nc_caps caps;
   int ret;

   /* virtio_gpu_get_caps_ioctl(): size 0, an unknown id or a version
    * above the capset's max (0) are EINVAL. */
   if (!a->size || a->cap_set_id != VGPU_CAPSET_DRM || a->cap_set_ver > 0)
      return -EINVAL;
   ret = node_caps(c->f, &caps);
   if (ret)
      return ret;
   if (!c->out[0])
      return -EFAULT;
   memcpy(c->out[0], &caps,
          c->regs[0].count < sizeof(caps) ? c->regs[0].count : sizeof(caps));
   return 0;
}

/* The context's hostmem arena (the capset's extension block, which the
 * host gives the guest kernel): the node places every blob in it, as
 * virtio_gpu places mappable blobs in its host-visible region. */
static int
init_heap(struct vgpu_file *f)
{
   const struct nc_capset_ext *x = &f->vg->caps.ext;

   if (x->magic != NC_CAPSET_EXT_MAGIC || !x->arena_size ||
       nc_heap_init(&f->heap, x->arena_offset, x->arena_size))
      return 0; /* no storage: blob creates fail with ENOSPC */
   f->heap_ready = true;
   f->heap_high = x->arena_offset;
   return 0;
}

static int
h_context_init(struct vgpu_call *c)
{
   struct drm_virtgpu_context_init *a = c->args;
   struct vgpu_file *f = c->f;
   uint32_t capset = 0, rings = 0;
   uint64_t mask = 0;
   bool seen[VGPU_CTX_PARAMS_MAX + 1] = { false };
   struct vg_dev *vg;
   int ret;

   if (!a->num_params)
      return -EINVAL;
   if (f->vg)
      return -EEXIST;
   for (uint32_t i = 0; i < a->num_params; i++) {
      struct drm_virtgpu_context_set_param p;

      memcpy(&p, c->in[0] + i * sizeof(p), sizeof(p));
      if (!p.param || p.param > VGPU_CTX_PARAMS_MAX || seen[p.param])
         return -EINVAL;
      seen[p.param] = true;
      switch (p.param) {
      case VIRTGPU_CONTEXT_PARAM_CAPSET_ID:
         if (p.value != VGPU_CAPSET_DRM)
            return -EINVAL;
         capset = (uint32_t)p.value;
         break;
      case VIRTGPU_CONTEXT_PARAM_NUM_RINGS:
         if (p.value > VGPU_MAX_RINGS)
            return -EINVAL;
         rings = (uint32_t)p.value;
         break;
      case VIRTGPU_CONTEXT_PARAM_POLL_RINGS_MASK:
         mask = p.value;
         break;
      }
   }
   /* No virgl: a context is a DRM native context or nothing. */
   if (!capset)
      return -EINVAL;
   if (rings < VGPU_MAX_RINGS && (mask >> rings))
      return -EINVAL;
   ret = f->node->cfg.open_ctx(f->node->cfg.open_data, &vg);
   if (ret)
      return ret == -ENOMEM ? -ENOMEM : -EIO;
   pthread_mutex_lock(&f->ev_lock);
   f->num_rings = rings;
   f->poll_rings_mask = mask;
   pthread_mutex_unlock(&f->ev_lock);
   pthread_mutex_lock(&f->node->lock);
   f->vg = vg;
   pthread_mutex_unlock(&f->node->lock);
   vg_set_event_cb(vg, on_event, f);
   return init_heap(f);
}

/* Where the blob's storage lives in hostmem: the node's pick, in the
 * context's arena, as virtio_gpu places a mappable blob in its
 * host-visible region.  The arena is the guest kernel's: storage it hands
 * out again is cleared first, as a kernel clears pages (a fresh arena is
 * zero). */
static int
blob_storage(struct vgpu_file *f, uint64_t size, uint64_t *off)
{
   uint8_t *hm = f->vg->hostmem;

   reap_zombies(f);
   if (!f->heap_ready || nc_heap_alloc(&f->heap, size, PAGE, off))
      return -ENOSPC;
   if (*off < f->heap_high) {
      uint64_t n = size < f->heap_high - *off ? size : f->heap_high - *off;
      if (!hm || *off + n > f->vg->hostmem_size) {
         nc_heap_free(&f->heap, *off, size);
         return -ENOSPC;
      }
      memset(hm + *off, 0, n);
   }
   if (*off + size > f->heap_high)
      f->heap_high = *off + size;
   return 0;
}

/* NC_EXT_BLOB_AT: the process names the blob's storage in the create's
 * cmd (a BLOB_AT ccmd for the same blob_id); the guest kernel follows it.
 * 1: found, *off set; 0: none; -EINVAL: one that is not in the arena. */
static int
blob_at(struct vgpu_file *f, const uint8_t *cmd, uint32_t len,
        uint64_t blob_id, uint64_t size, uint64_t *off)
{
   const struct nc_capset_ext *x = &f->vg->caps.ext;
   uint32_t pos = 0;

   if (!(x->offered & NC_EXT_BLOB_AT))
      return 0;
   while (len - pos >= sizeof(struct nc_ccmd_req)) {
      struct nc_ccmd_req hdr;
      struct nc_ccmd_blob_at_req at;

      memcpy(&hdr, cmd + pos, sizeof(hdr));
      if (hdr.len < sizeof(hdr) || hdr.len > len - pos)
         return 0; /* not ours to judge: the host decodes the batch */
      if (hdr.cmd == NC_CCMD_BLOB_AT && hdr.len >= sizeof(at)) {
         memcpy(&at, cmd + pos, sizeof(at));
         if (at.blob_id == blob_id) {
            if (at.hm_offset % PAGE || at.hm_offset < x->arena_offset ||
                at.hm_offset > x->arena_offset + x->arena_size ||
                size > x->arena_offset + x->arena_size - at.hm_offset)
               return -EINVAL;
            *off = at.hm_offset;
            return 1;
         }
      }
      pos += hdr.len;
   }
   return 0;
}

static int
h_resource_create_blob(struct vgpu_call *c)
{
   struct drm_virtgpu_resource_create_blob *a = c->args;
   struct vgpu_file *f = c->f;
   struct vgpu_bo *bo;
   uint32_t handle;
   int ret;

   /* verify_blob(): HOST3D only (GUEST blobs need guest pages the host
    * cannot see here), known flags, a page-aligned nonzero size. */
   if (a->blob_mem != VIRTGPU_BLOB_MEM_HOST3D ||
       (a->blob_flags & ~(VIRTGPU_BLOB_FLAG_USE_MAPPABLE |
                          VIRTGPU_BLOB_FLAG_USE_SHAREABLE |
                          VIRTGPU_BLOB_FLAG_USE_CROSS_DEVICE)) ||
       !a->size || a->size % PAGE)
      return -EINVAL;
   if (!f->vg)
      return -EINVAL;
   bo = calloc(1, sizeof(*bo));
   if (!bo)
      return -ENOMEM;
   bo->blob_mem = a->blob_mem;
   bo->blob_flags = a->blob_flags;
   bo->size = a->size;
   /* The process's pick (and its storage to clear and recycle), else ours. */
   ret = blob_at(f, c->in[0], a->cmd_size, a->blob_id, a->size,
                 &bo->hm_offset);
   if (!ret) {
      ret = blob_storage(f, a->size, &bo->hm_offset);
      bo->node_heap = !ret;
   } else if (ret == 1) {
      ret = 0;
   }
   if (!ret) {
      struct vg_blob_create args = {
         .blob_id = a->blob_id, .size = a->size, .hm_offset = bo->hm_offset,
         .cmd = c->in[0], .cmd_len = a->cmd_size,
      };
      ret = vg_blob_create(f->vg, &args, &bo->res_id);
      if (!ret)
         ret = vg_flush(f->vg); /* notified at once, as virtio_gpu does */
   }
   if (!ret)
      ret = handle_put(f, bo, &handle);
   if (ret) {
      bo_free(f, bo);
      return ret == -E2BIG ? -ENOMEM : ret;
   }
   a->bo_handle = handle;
   a->res_handle = bo->res_id;
   return 0;
}

static int
h_execbuffer(struct vgpu_call *c)
{
   struct drm_virtgpu_execbuffer *a = c->args;
   struct vgpu_file *f = c->f;
   uint32_t ring = 0;
   uint64_t seq;
   int efd = -1, ret;

   if (a->flags & ~VIRTGPU_EXECBUF_FLAGS)
      return -EINVAL;
   /* 6.1 sets it before anything can fail; FENCE_FD_OUT's fd replaces it
    * on success (ours: the caller's eventfd it named, see below). */
   int named_fd = a->fence_fd;
   a->fence_fd = -1;
   if (a->flags & VIRTGPU_EXECBUF_RING_IDX) {
      if (a->ring_idx >= f->num_rings)
         return -EINVAL;
      ring = a->ring_idx;
   }
   if (!f->vg)
      return -EINVAL;
   /* An in-fence the preload did not resolve is not one we can see. */
   if (a->flags & VIRTGPU_EXECBUF_FENCE_FD_IN)
      return -EINVAL;
   for (uint32_t i = 0; i < a->num_bo_handles; i++) {
      uint32_t h;
      memcpy(&h, c->in[1] + 4 * i, 4);
      if (!bo_get(f, h))
         return -ENOENT;
   }
   if (a->flags & VIRTGPU_EXECBUF_FENCE_FD_OUT) {
      efd = f->node->cfg.import_fd(f->node->cfg.import_data, c->tid,
                                   named_fd);
      if (efd < 0)
         return -EINVAL;
   }

   pthread_mutex_lock(&f->ev_lock);
   seq = ++f->emitted[ring];
   pthread_mutex_unlock(&f->ev_lock);
   ret = vg_execbuf(f->vg, a->size ? c->in[0] : NULL, a->size, ring, seq,
                    VG_EXECBUF_FENCE);
   if (ret) {
      if (efd >= 0)
         close(efd);
      return ret == -EIO ? -EIO : ret;
   }
   atomic_fetch_add(ring ? &f->node->exec_gpu : &f->node->exec_ring0, 1);
   if (efd >= 0)
      atomic_fetch_add(ring ? &f->node->exec_fence_out
                            : &f->node->exec_ring0_fence, 1);
   for (uint32_t i = 0; i < a->num_bo_handles; i++) {
      uint32_t h;
      memcpy(&h, c->in[1] + 4 * i, 4);
      struct vgpu_bo *bo = bo_get(f, h);
      bo->fence_ring = ring;
      bo->fence_seq = seq;
   }
   if (efd >= 0) {
      struct pending_fd *p = calloc(1, sizeof(*p));
      pthread_mutex_lock(&f->ev_lock);
      if (f->completed[ring] >= seq || !p) {
         /* Signalled already (or no memory to wait: signal early rather
          * than never). */
         signal_fd(efd);
         free(p);
      } else {
         *p = (struct pending_fd){ f->pending, ring, seq, efd };
         f->pending = p;
      }
      pthread_mutex_unlock(&f->ev_lock);
      a->fence_fd = named_fd;
   }
   return 0;
}

/* unlocked: the handler takes f->lock itself (it may sleep). */
static const struct {
   int (*run)(struct vgpu_call *c);
   bool unlocked;
} handlers[VGPU_ID_COUNT] = {
   [VGPU_ID_VERSION] = { h_version },
   [VGPU_ID_GET_CAP] = { h_get_cap },
   [VGPU_ID_GEM_CLOSE] = { h_gem_close },
   [VGPU_ID_MAP] = { h_map },
   [VGPU_ID_EXECBUFFER] = { h_execbuffer },
   [VGPU_ID_GETPARAM] = { h_getparam },
   [VGPU_ID_RESOURCE_INFO] = { h_resource_info },
   [VGPU_ID_WAIT] = { h_wait, true },
   [VGPU_ID_GET_CAPS] = { h_get_caps },
   [VGPU_ID_RESOURCE_CREATE_BLOB] = { h_resource_create_blob },
   [VGPU_ID_CONTEXT_INIT] = { h_context_init },
};

/* ------------------------------------------------------------ ioctl */

/* Run the handler on a READY plan; lay the struct and out regions out for
 * the kernel's scatter. */
static int
serve(struct vgpu_file *f, uint32_t tid, const struct cuse_plan *p,
      const uint8_t *in_buf, struct cuse_step *st)
{
   struct vgpu_call c = { .f = f, .tid = tid, .regs = p->regs };
   _Alignas(8) uint8_t args[FWD_MAX_STRUCT];
   uint8_t *out = NULL;
   int ret;

   memcpy(args, p->args, sizeof(args));
   c.args = args;
   if (p->out_bytes && !(out = calloc(1, p->out_bytes)))
      return -ENOMEM;
   for (uint32_t i = 0; i < p->spec->nr_regions; i++) {
      if (p->reg_in_off[i] != CUSE_NO_OFFSET)
         c.in[i] = in_buf + p->reg_in_off[i];
      if (p->reg_out_off[i] != CUSE_NO_OFFSET) {
         c.out[i] = out + p->reg_out_off[i];
         /* Bytes the handler leaves alone stay the caller's. */
         if (c.in[i])
            memcpy(c.out[i], c.in[i], p->regs[i].span);
      }
   }
   if (!handlers[p->spec->id].run) {
      free(out);
      return -ENOTTY;
   }
   if (handlers[p->spec->id].unlocked) {
      ret = handlers[p->spec->id].run(&c);
   } else {
      pthread_mutex_lock(&f->lock);
      ret = handlers[p->spec->id].run(&c);
      pthread_mutex_unlock(&f->lock);
   }
   /* drm_ioctl() copies the struct back whatever the handler said. */
   if (p->out_size)
      memcpy(out, args, p->out_size < p->spec->size ? p->out_size
                                                    : p->spec->size);
   st->data = out;
   st->len = p->out_bytes;
   return ret;
}

void
vgpu_file_ioctl(struct vgpu_file *f, uint32_t tid, unsigned long cmd,
                uint64_t arg, const void *in_buf, size_t in_bufsz,
                size_t out_bufsz, struct cuse_step *st)
{
   struct cuse_plan p;
   struct vgpu_counters *c;
   int ret;

   memset(st, 0, sizeof(*st));
   ret = cuse_plan_ioctl_in(vgpu_spec_lookup, cmd, arg, in_buf, in_bufsz,
                            out_bufsz, &f->node->lim, &p);
   c = &f->node->counters[p.spec ? p.spec->id : VGPU_ID_COUNT];
   atomic_fetch_add(&c->requests, 1);
   if (ret == CUSE_PLAN_RETRY) {
      cuse_step_retry(st, &p);
      return;
   }
   if (ret == CUSE_PLAN_READY)
      ret = serve(f, tid, &p, in_buf, st);
   st->result = ret;
   atomic_fetch_add(&c->ioctls, 1);
   if (ret)
      atomic_fetch_add(&c->failed, 1);
}
