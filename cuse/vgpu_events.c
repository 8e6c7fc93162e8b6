/*
 * vgpu_events.c - what the host tells a virtio_gpu node's file (fence
 * signals, shmem wake-ups), the fence fds that wait for it, the DRM events
 * read(2) returns, and taking a caller's eventfd (vgpu_node.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "vgpu_priv.h"

/* ----------------------------------------------------------- events */

void
vgpu_signal_fd(int fd)
{
   uint64_t one = 1;
   ssize_t r = write(fd, &one, sizeof(one));
   (void)r; /* an eventfd write fails only at the counter's limit */
   close(fd);
}

/* The event thread: a fence signalled, or the context's shmem changed. */
void
vgpu_on_event(void *data, const struct vg_event *ev)
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
            vgpu_signal_fd(pf->fd);
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
