/*
 * vgpu_node.c - the virtio_gpu personality (vgpu_node.h): the node and its
 * files, GEM handles, the storage the node places, and the ioctl path
 * (plan, handler, reply).  Handlers: vgpu_ioctls.c; events and fence fds:
 * vgpu_events.c; locking: vgpu_priv.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vgpu_priv.h"

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

void
vgpu_stats_add(struct vg_stats *a, const struct vg_stats *b)
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
         vgpu_stats_add(st, &s);
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

void
vgpu_bo_free(struct vgpu_file *f, struct vgpu_bo *bo)
{
   if (bo->node_heap && f->heap_ready)
      nc_heap_free(&f->heap, bo->hm_offset, bo->size);
   free(bo);
}

bool
vgpu_fence_done(struct vgpu_file *f, uint32_t ring, uint64_t seq)
{
   pthread_mutex_lock(&f->ev_lock);
   bool done = f->completed[ring] >= seq;
   pthread_mutex_unlock(&f->ev_lock);
   return done;
}

bool
vgpu_zombie_idle(struct vgpu_file *f, const struct vgpu_bo *bo)
{
   for (uint32_t r = 0; r < ZOMBIE_RINGS; r++)
      if (bo->zombie_seq[r] && !vgpu_fence_done(f, r, bo->zombie_seq[r]))
         return false;
   return true;
}

/* Storage the node placed goes back to the heap only once the GPU is done
 * with it, as virtio_gpu keeps an object (and its host-visible range) until
 * its fences are done: a new blob must not land on memory the GPU may still
 * read or write.  Under f->lock. */
void
vgpu_reap_zombies(struct vgpu_file *f)
{
   for (struct vgpu_bo **p = &f->zombies; *p;) {
      struct vgpu_bo *bo = *p;
      if (vgpu_zombie_idle(f, bo)) {
         *p = bo->next_zombie;
         vgpu_bo_free(f, bo);
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
      vgpu_stats_add(&n->closed_stats, &s);
   }
   pthread_mutex_unlock(&n->lock);
   /* No lock held: the event thread may be inside our callback. */
   if (f->vg) {
      vg_set_event_cb(f->vg, NULL, NULL);
      vg_destroy(f->vg);
   }
   for (uint32_t i = 0; i < f->nr_handles; i++)
      if (f->handles[i])
         vgpu_bo_free(f, f->handles[i]);
   free(f->handles);
   while (f->zombies) {
      struct vgpu_bo *bo = f->zombies;
      f->zombies = bo->next_zombie;
      vgpu_bo_free(f, bo);
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

/* ----------------------------------------------------------- handles */

struct vgpu_bo *
vgpu_bo_get(struct vgpu_file *f, uint32_t handle)
{
   if (!handle || handle > f->nr_handles)
      return NULL;
   return f->handles[handle - 1];
}

/* The lowest free handle, as idr_alloc(1, 0) picks. */
int
vgpu_handle_put(struct vgpu_file *f, struct vgpu_bo *bo, uint32_t *handle)
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
   if (!vgpu_handlers[p->spec->id].run) {
      free(out);
      return -ENOTTY;
   }
   if (vgpu_handlers[p->spec->id].unlocked) {
      ret = vgpu_handlers[p->spec->id].run(&c);
   } else {
      pthread_mutex_lock(&f->lock);
      ret = vgpu_handlers[p->spec->id].run(&c);
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
