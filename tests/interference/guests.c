/*
 * guests.c - the interference suite's guest devices: a ws device on a
 * forward or nativectx connection of our own, and the small job the
 * same-connection victim runs.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "fwd_guest.h"
#include "interfere.h"
#include "msm_core.h"
#include "nc_channel.h"
#include "nc_guest.h"
#include "pm4.h"
#include "transport.h"
#include "ws_ioctl.h"

uint64_t
now_ns(void)
{
   struct timespec ts;
   clock_gettime(CLOCK_MONOTONIC, &ts);
   return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int
f_ioctl(void *data, unsigned long req, void *arg)
{
   return fwd_ioctl(((struct fdev *)data)->client, req, arg);
}

static void *
f_map(void *data, uint64_t offset, uint64_t size)
{
   struct conn *c = ((struct fdev *)data)->c;
   if (offset > c->hostmem_size || size > c->hostmem_size - offset)
      return NULL;
   return c->hostmem + offset;
}

static void
f_close(void *data)
{
   struct fdev *d = data;
   fwd_session_close(&d->s);
   fwd_client_destroy(d->client);
   free(d);
}

int
conn_open(struct conn *c, bool native)
{
   memset(c, 0, sizeof(*c));
   c->native = native;
   if (native)
      return nc_channel_connect(host.path, NULL, &c->ch);
   struct mt_guest_config gcfg = { .proto = FWD_PROTO_NAME };
   int ret = mt_guest_connect(host.path, &gcfg, &c->g);
   if (!ret) {
      void *base;
      mt_guest_hostmem(c->g, &base, &c->hostmem_size);
      c->hostmem = base;
   }
   return ret;
}

/* A new context (drm_file) on the connection; for forward also its raw
 * session so attackers can issue ioctls ws has no verb for. */
int
dev_open(struct conn *c, struct ws_dev **out, struct fdev **raw)
{
   static const struct ws_msm_ioctl_ops ops = {
      .ioctl = f_ioctl, .map = f_map, .close = f_close,
   };
   if (c->native)
      return ws_nativectx_open_channel(c->ch, NULL, out);
   struct fdev *d = calloc(1, sizeof(*d));
   d->c = c;
   int ret = fwd_session_open(&d->s, c->g, ++c->next_session);
   if (!ret)
      ret = fwd_client_create(fwd_session_call, &d->s, &d->client);
   if (!ret)
      ret = ws_msm_ioctl_open(&ops, d, out);
   if (ret) {
      free(d);
      return ret;
   }
   if (raw)
      *raw = d;
   return 0;
}

/* A cmdstream BO: n dwords from cs. */
struct ws_bo *
cs_bo(struct ws_dev *d, const uint32_t *cs, unsigned n, uint64_t size)
{
   struct ws_bo *bo;
   void *p;
   if (ws_bo_new(d, size, MSM_BO_WC, &bo) || ws_bo_map(bo, &p))
      FAIL("cannot make a cmdstream BO");
   memcpy(p, cs, n * 4);
   return bo;
}

/* other: a second BO the stream uses (written, or read with ro). */
int
submit_cs2(struct ws_dev *d, struct ws_bo *cs, uint32_t bytes,
           struct ws_bo *dst, bool ro, uint32_t *fence)
{
   struct ws_submit_bo bos[2] = {
      { cs, MSM_SUBMIT_BO_READ },
      { dst, ro ? MSM_SUBMIT_BO_READ : MSM_SUBMIT_BO_WRITE },
   };
   struct ws_submit_cmd cmd = { .type = MSM_SUBMIT_CMD_BUF, .size = bytes };
   struct ws_submit s = { .nr_bos = dst ? 2 : 1, .bos = bos, .nr_cmds = 1,
                          .cmds = &cmd };
   int ret = ws_submit(d, &s);
   if (fence)
      *fence = s.fence;
   return ret;
}

int
submit_cs(struct ws_dev *d, struct ws_bo *cs, uint32_t bytes,
          struct ws_bo *dst, uint32_t *fence)
{
   return submit_cs2(d, cs, bytes, dst, false, fence);
}

/* The same-connection victim: what a process does to draw one thing and
 * read it back.  Its wall time in ns (exits on any failure). */
uint64_t
small_job(struct ws_dev *d)
{
   uint64_t t0 = now_ns(), v;
   struct ws_bo *dst;
   uint32_t cs[16], fence, value = 0x5a5a0000u | (uint32_t)(t0 & 0xffff);
   void *p;
   int ret;

   for (int i = 0; i < 10; i++)
      if ((ret = ws_get_param(d, MSM_PARAM_GPU_ID, &v)))
         FAIL("victim GET_PARAM: %s", strerror(-ret));
   if (ws_bo_new(d, 4096, MSM_BO_WC, &dst) || ws_bo_map(dst, &p))
      FAIL("victim BO");
   unsigned n = pm4_emit_mem_write(cs, dst->iova, &value, 1);
   struct ws_bo *c = cs_bo(d, cs, n, 4096);
   if ((ret = submit_cs(d, c, n * 4, dst, &fence)) ||
       (ret = ws_flush(d)) ||
       (ret = ws_fence_wait(d, 0, fence, 60000000000ll)) ||
       (ret = ws_bo_cpu_prep(dst, MSM_PREP_READ, 60000000000ll))) {
      CHECK(false, "victim submit/wait: %s after %.2f s", strerror(-ret),
            (now_ns() - t0) / 1e9);
      return now_ns() - t0;
   }
   if (*(volatile uint32_t *)p != value)
      FAIL("victim: the GPU's write is not there");
   ws_bo_cpu_fini(dst);
   ws_bo_free(c);
   ws_bo_free(dst);
   return now_ns() - t0;
}
