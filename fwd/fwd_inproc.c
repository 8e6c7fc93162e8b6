/*
 * fwd_inproc.c - the forward stack in one process, for tests and for the
 * "forward, no transport" point of the evaluation: every ioctl is
 * marshalled, validated and unmarshalled exactly as over a channel, and the
 * "call" is a plain function call into fwd_host_handle().
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fwd_guest.h"
#include "fwd_host.h"
#include "msm_core.h"
#include "ws_ioctl.h"

struct inproc {
   struct msm_ctx *ctx;
   struct fwd_client *client;
   uint8_t *hostmem;
   uint64_t hostmem_size;
};

static int
inproc_call(void *data, const void *req, size_t len, void *rsp, size_t cap,
            size_t *rsp_len)
{
   struct inproc *p = data;
   return fwd_host_handle(p->ctx, req, len, rsp, cap, rsp_len);
}

static int
inproc_ioctl(void *data, unsigned long req, void *arg)
{
   struct inproc *p = data;
   return fwd_ioctl(p->client, req, arg);
}

/* The preload helper's mmap, in-process: hostmem is already mapped. */
static void *
inproc_map(void *data, uint64_t offset, uint64_t size)
{
   struct inproc *p = data;

   if (offset > p->hostmem_size || size > p->hostmem_size - offset)
      return NULL;
   return p->hostmem + offset;
}

static void
inproc_get_stats(void *data, struct ws_stats *st)
{
   struct inproc *p = data;
   struct fwd_stats fs;

   fwd_client_get_stats(p->client, &fs);
   st->messages = fs.messages;
   st->bytes = fs.bytes_sent + fs.bytes_received;
   st->sync_round_trips = fs.messages; /* every forwarded ioctl waits */
   st->events = 0;
}

static void
inproc_close(void *data)
{
   struct inproc *p = data;

   fwd_client_destroy(p->client);
   msm_ctx_destroy(p->ctx);
   free(p);
}

int
ws_fwd_inproc_open(struct msm_core *core, struct ws_dev **out)
{
   static const struct ws_msm_ioctl_ops ops = {
      .ioctl = inproc_ioctl,
      .map = inproc_map,
      .get_stats = inproc_get_stats,
      .close = inproc_close,
   };
   struct msm_hostmem_info hm;
   struct inproc *p;
   int ret;

   p = calloc(1, sizeof(*p));
   if (!p)
      return -ENOMEM;
   ret = msm_ctx_create(core, &p->ctx);
   if (ret)
      goto fail;
   ret = fwd_client_create(inproc_call, p, &p->client);
   if (ret)
      goto fail_ctx;
   msm_core_hostmem(core, &hm);
   p->hostmem = hm.base;
   p->hostmem_size = hm.size;

   ret = ws_msm_ioctl_open(&ops, p, out);
   if (ret)
      goto fail_client;
   return 0;

fail_client:
   fwd_client_destroy(p->client);
fail_ctx:
   msm_ctx_destroy(p->ctx);
fail:
   free(p);
   return ret;
}
