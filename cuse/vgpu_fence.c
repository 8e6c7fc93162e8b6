/*
 * vgpu_fence.c - fence fds of the virtio_gpu node (vgpu_fence.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/sync_file.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "vgpu_fence.h"

static bool
signalled(int fd)
{
   struct pollfd p = { .fd = fd, .events = POLLIN };
   return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

/* poll() until fd is readable (or errors out: a broken fd never signals,
 * and the kernel would have refused it up front). */
static int
wait_fd(int fd)
{
   struct pollfd p = { .fd = fd, .events = POLLIN };

   for (;;) {
      int r = poll(&p, 1, -1);
      if (r == 1)
         return (p.revents & POLLNVAL) ? -EINVAL : 0;
      if (r < 0 && errno != EINTR)
         return -errno;
   }
}

int
vgpu_fence_execbuffer(vgpu_ioctl_fn ioctl_fn, void *data,
                      struct drm_virtgpu_execbuffer *eb)
{
   int efd = -1, ret, err;

   if (eb->flags & VIRTGPU_EXECBUF_FENCE_FD_IN) {
      ret = wait_fd(eb->fence_fd);
      if (ret) {
         errno = -ret;
         return -1;
      }
      eb->flags &= ~VIRTGPU_EXECBUF_FENCE_FD_IN;
   }
   if (eb->flags & VIRTGPU_EXECBUF_FENCE_FD_OUT) {
      efd = eventfd(0, EFD_CLOEXEC);
      if (efd < 0)
         return -1;
      eb->fence_fd = efd;
   }
   ret = ioctl_fn(data, DRM_IOCTL_VIRTGPU_EXECBUFFER, eb);
   err = errno;
   if (ret && efd >= 0) {
      close(efd);
      eb->fence_fd = -1;
   }
   errno = err;
   return ret;
}

bool
vgpu_fence_is_ours(int fd)
{
   char path[64], link[64];
   ssize_t n;

   if (fd < 0)
      return false;
   snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
   n = readlink(path, link, sizeof(link) - 1);
   if (n < 0)
      return false;
   link[n] = 0;
   return !strcmp(link, "anon_inode:[eventfd]");
}

struct merge {
   int a, b, out;
};

static void *
merge_thread(void *arg)
{
   struct merge *m = arg;
   uint64_t one = 1;

   wait_fd(m->a);
   wait_fd(m->b);
   if (write(m->out, &one, sizeof(one)) < 0)
      perror("msmvirt fence merge");
   close(m->a);
   close(m->b);
   close(m->out);
   free(m);
   return NULL;
}

static int
sync_merge(int fd, struct sync_merge_data *md)
{
   struct merge *m;
   pthread_t t;
   pthread_attr_t attr;
   int out, err;

   if (md->flags || md->pad) {
      errno = EINVAL;
      return -1;
   }
   if (md->fd2 < 0 || fcntl(md->fd2, F_GETFD) < 0) {
      errno = EBADF;
      return -1;
   }
   out = eventfd(0, EFD_CLOEXEC);
   if (out < 0)
      return -1;
   if (signalled(fd) && signalled(md->fd2)) {
      uint64_t one = 1;
      if (write(out, &one, sizeof(one)) < 0) {
         close(out);
         return -1;
      }
      md->fence = out;
      return 0;
   }
   m = calloc(1, sizeof(*m));
   if (!m) {
      close(out);
      errno = ENOMEM;
      return -1;
   }
   m->a = fcntl(fd, F_DUPFD_CLOEXEC, 0);
   m->b = fcntl(md->fd2, F_DUPFD_CLOEXEC, 0);
   m->out = fcntl(out, F_DUPFD_CLOEXEC, 0);
   pthread_attr_init(&attr);
   pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
   err = (m->a < 0 || m->b < 0 || m->out < 0)
            ? EMFILE : pthread_create(&t, &attr, merge_thread, m);
   pthread_attr_destroy(&attr);
   if (err) {
      if (m->a >= 0) close(m->a);
      if (m->b >= 0) close(m->b);
      if (m->out >= 0) close(m->out);
      free(m);
      close(out);
      errno = err;
      return -1;
   }
   md->fence = out;
   return 0;
}

static int
sync_info(int fd, struct sync_file_info *info)
{
   int status = signalled(fd) ? 1 : 0;

   if (info->flags || info->pad) {
      errno = EINVAL;
      return -1;
   }
   snprintf(info->name, sizeof(info->name), "virtio_gpu");
   info->status = status;
   /* num_fences 0: a query of the count; else the array must hold it. */
   if (info->num_fences) {
      struct sync_fence_info fi = { .status = status };
      snprintf(fi.obj_name, sizeof(fi.obj_name), "msmvirt");
      snprintf(fi.driver_name, sizeof(fi.driver_name), "virtio_gpu");
      if (!info->sync_fence_info) {
         errno = EFAULT;
         return -1;
      }
      memcpy((void *)(uintptr_t)info->sync_fence_info, &fi, sizeof(fi));
   }
   info->num_fences = 1;
   return 0;
}

int
vgpu_fence_sync_ioctl(int fd, unsigned long req, void *arg)
{
   if (!arg) {
      errno = EFAULT;
      return -1;
   }
   switch (req) {
   case SYNC_IOC_MERGE:
      return sync_merge(fd, arg);
   case SYNC_IOC_FILE_INFO:
      return sync_info(fd, arg);
   default:
      errno = ENOTTY;
      return -1;
   }
}
