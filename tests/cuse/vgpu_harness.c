/*
 * vgpu_harness.c - see vgpu_harness.h.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "fake_cuse.h"
#include "msm_core.h"
#include "nc_channel.h"
#include "vg_ioctl.h"
#include "vgpu_fence.h"
#include "vgpu_harness.h"
#include "vgpu_node.h"

struct vgpu_client {
   struct vgpu_harness *h;
   struct vgpu_file *f;
   pthread_mutex_t lock;
   pthread_cond_t cond;
   bool stop;
};

static int
open_ctx(void *data, struct vg_dev **out)
{
   return vg_channel_open(data, 0, out);
}

int
vgpu_harness_create(struct vgpu_harness *h)
{
   return vgpu_harness_create_rtt(h, 0);
}

int
vgpu_harness_create_rtt(struct vgpu_harness *h, uint32_t rtt_us)
{
   const struct nc_channel_config ncfg = { .rtt_us = rtt_us };
   struct msm_core_config cfg;
   int ret;

   msm_core_config_defaults(&cfg);
   ret = msm_core_create(&cfg, &h->core);
   if (ret)
      return ret;
   ret = nc_channel_loopback(h->core, &ncfg, &h->ch);
   if (ret)
      return ret;
   struct vgpu_node_config vc = { .open_ctx = open_ctx, .open_data = h->ch };
   return vgpu_node_create(&vc, &h->node);
}

void
vgpu_harness_destroy(struct vgpu_harness *h)
{
   vgpu_node_destroy(h->node);
   nc_channel_close(h->ch);
   msm_core_destroy(h->core);
}

static void
notify(void *data)
{
   struct vgpu_client *c = data;

   pthread_mutex_lock(&c->lock);
   pthread_cond_broadcast(&c->cond);
   pthread_mutex_unlock(&c->lock);
}

int
vgpu_client_open(struct vgpu_harness *h, struct vgpu_client **out)
{
   struct vgpu_client *c = calloc(1, sizeof(*c));
   int ret;

   if (!c)
      return -ENOMEM;
   ret = vgpu_file_create(h->node, &c->f);
   if (ret) {
      free(c);
      return ret;
   }
   c->h = h;
   pthread_mutex_init(&c->lock, NULL);
   pthread_condattr_t ca;
   pthread_condattr_init(&ca);
   pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
   pthread_cond_init(&c->cond, &ca);
   pthread_condattr_destroy(&ca);
   vgpu_file_set_notify(c->f, notify, c);
   *out = c;
   return 0;
}

void
vgpu_client_close(struct vgpu_client *c)
{
   vgpu_file_destroy(c->f);
   pthread_cond_destroy(&c->cond);
   pthread_mutex_destroy(&c->lock);
   free(c);
}

static void
step(void *file, uint32_t tid, unsigned long cmd, uint64_t arg,
     const void *in, size_t in_size, size_t out_size, struct cuse_step *st)
{
   vgpu_file_ioctl(file, tid, cmd, arg, in, in_size, out_size, st);
}

/* What the kernel does for the caller: ioctl(2)'s -1/errno. */
static int
kernel_ioctl(void *data, unsigned long req, void *arg)
{
   struct vgpu_client *c = data;
   int ret = fake_cuse_ioctl_with(step, c->f, (uint32_t)gettid(), req, arg,
                                  NULL);
   if (ret) {
      errno = -ret;
      return -1;
   }
   return 0;
}

int
vgpu_client_ioctl(struct vgpu_client *c, unsigned long req, void *arg)
{
   int ret;

   /* The preload's part: fence fds around EXECBUFFER. */
   if (req == DRM_IOCTL_VIRTGPU_EXECBUFFER)
      ret = vgpu_fence_execbuffer(kernel_ioctl, c, arg);
   else
      ret = kernel_ioctl(c, req, arg);
   return ret ? -errno : 0;
}

int
vgpu_client_wait_event(struct vgpu_client *c, int timeout_ms)
{
   struct timespec ts;
   char buf[64];
   int got = 0;

   clock_gettime(CLOCK_MONOTONIC, &ts);
   ts.tv_sec += timeout_ms / 1000;
   ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
   if (ts.tv_nsec >= 1000000000) {
      ts.tv_sec++;
      ts.tv_nsec -= 1000000000;
   }
   pthread_mutex_lock(&c->lock);
   while (!c->stop && !vgpu_file_readable(c->f))
      if (pthread_cond_timedwait(&c->cond, &c->lock, &ts) == ETIMEDOUT)
         break;
   if (!c->stop && vgpu_file_read(c->f, buf, sizeof(buf)) > 0)
      got = 1;
   pthread_mutex_unlock(&c->lock);
   return got;
}

/* ------------------------------------------------ the library's vg_ops */

static int
f_ioctl(void *data, unsigned long req, void *arg)
{
   int ret = vgpu_client_ioctl(data, req, arg);
   if (ret) {
      errno = -ret;
      return -1;
   }
   return 0;
}

/* The preload's part: the node's offset is the core's hostmem offset. */
static int
f_map(void *data, void *addr, uint64_t size, uint64_t offset)
{
   struct vgpu_client *c = data;
   struct msm_hostmem_info hm;

   msm_core_hostmem(c->h->core, &hm);
   if (hm.fd < 0 || offset > hm.size || size > hm.size - offset)
      return -EINVAL;
   return mmap(addr, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
               hm.fd, (off_t)offset) == MAP_FAILED ? -errno : 0;
}

static int
f_wait_events(void *data)
{
   struct vgpu_client *c = data;

   for (;;) {
      if (vgpu_client_wait_event(c, 1000))
         return 0;
      pthread_mutex_lock(&c->lock);
      bool stop = c->stop;
      pthread_mutex_unlock(&c->lock);
      if (stop)
         return 1;
   }
}

static void
f_stop(void *data)
{
   struct vgpu_client *c = data;

   pthread_mutex_lock(&c->lock);
   c->stop = true;
   pthread_cond_broadcast(&c->cond);
   pthread_mutex_unlock(&c->lock);
}

static void
f_close(void *data)
{
   vgpu_client_close(data);
}

static const struct vg_ioctl_funcs client_funcs = {
   .ioctl = f_ioctl,
   .map = f_map,
   .wait_events = f_wait_events,
   .stop = f_stop,
   .close = f_close,
};

int
vgpu_client_vg(struct vgpu_harness *h, struct vg_dev **out)
{
   struct vgpu_client *c;
   struct msm_hostmem_info hm;
   int ret = vgpu_client_open(h, &c);

   if (ret)
      return ret;
   msm_core_hostmem(h->core, &hm);
   return vg_ioctl_open_with(&client_funcs, c, hm.size, out);
}
