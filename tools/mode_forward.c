/*
 * mode_forward.c - compare's forward mode: ws over msm ioctls, each one
 * marshalled (fwd_guest) and sent as a synchronous CALL to a host serving
 * fwd_host_proto: in-process over a loopback transport (inproc), or a real
 * `msmvirt host` process over a unix socket (socket).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fwd_guest.h"
#include "fwd_proto.h"
#include "mode_host.h"
#include "modes.h"
#include "transport.h"
#include "ws_ioctl.h"

struct fwd_mode {
   struct mt_host *host;     /* inproc */
   struct mode_host process; /* socket */
   char *hostmem;            /* inproc: the core's; socket: per device */
   uint64_t hostmem_size;
};

struct fwd_dev {
   struct fwd_mode *fm;
   struct mt_guest *g;
   char *hostmem;
   uint64_t hostmem_size;
   struct fwd_session s;
   struct fwd_client *client;
};

int mode_forward_setup(struct mode_ctx *m);
int mode_forward_open(struct mode_ctx *m, struct ws_dev **out);
void mode_forward_teardown(struct mode_ctx *m);

int
mode_forward_setup(struct mode_ctx *m)
{
   struct fwd_mode *fm = calloc(1, sizeof(*fm));
   struct msm_hostmem_info hm;
   struct mt_host_proto proto;
   struct mt_host_config hcfg;
   int ret;

   if (!fm)
      return -ENOMEM;
   if (!strcmp(m->transport, "socket")) {
      ret = mode_host_start(&m->cfg, &fm->process);
      if (ret) {
         free(fm);
         return ret;
      }
      m->priv = fm;
      return 0;
   }
   if (strcmp(m->transport, "inproc")) {
      free(fm);
      return -EOPNOTSUPP;
   }
   msm_core_hostmem(m->core, &hm);
   fm->hostmem = hm.base;
   fm->hostmem_size = hm.size;
   ret = fwd_host_proto(m->core, &proto);
   if (ret) {
      free(fm);
      return ret;
   }
   hcfg = (struct mt_host_config){
      .protos = &proto, .nr_protos = 1, .hostmem_base = hm.base,
      .hostmem_size = hm.size, .hostmem_fd = -1,
   };
   ret = mt_host_create(&hcfg, &fm->host);
   if (ret) {
      free(fm);
      return ret;
   }
   m->priv = fm;
   return 0;
}

static int
fd_ioctl(void *data, unsigned long req, void *arg)
{
   struct fwd_dev *d = data;
   return fwd_ioctl(d->client, req, arg);
}

static void *
fd_map(void *data, uint64_t offset, uint64_t size)
{
   struct fwd_dev *d = data;

   if (offset > d->hostmem_size || size > d->hostmem_size - offset)
      return NULL;
   return d->hostmem + offset;
}

static void
fd_stats(void *data, struct ws_stats *st)
{
   struct fwd_dev *d = data;
   struct mt_stats ms;

   mt_guest_stats(d->g, &ms);
   st->messages = ms.messages;
   st->bytes = ms.bytes;
   st->sync_round_trips = ms.sync_round_trips;
   st->events = ms.events;
}

static void
fd_close(void *data)
{
   struct fwd_dev *d = data;

   fwd_session_close(&d->s);
   fwd_client_destroy(d->client);
   mt_guest_close(d->g);
   free(d);
}

int
mode_forward_open(struct mode_ctx *m, struct ws_dev **out)
{
   static const struct ws_msm_ioctl_ops ops = {
      .ioctl = fd_ioctl, .map = fd_map, .get_stats = fd_stats,
      .close = fd_close,
   };
   struct fwd_mode *fm = m->priv;
   struct mt_guest_config gcfg = {
      .proto = FWD_PROTO_NAME, .rtt_us = m->rtt_us,
   };
   struct fwd_dev *d = calloc(1, sizeof(*d));
   int ret;

   if (!d)
      return -ENOMEM;
   d->fm = fm;
   if (fm->host) {
      ret = mt_guest_loopback(fm->host, &gcfg, &d->g);
   } else {
      ret = mt_guest_connect(fm->process.path, &gcfg, &d->g);
   }
   if (ret)
      goto fail;
   /* The hostmem the BOs' mmap offsets point into, as this guest maps it. */
   {
      void *base;
      mt_guest_hostmem(d->g, &base, &d->hostmem_size);
      d->hostmem = base;
   }
   ret = fwd_session_open(&d->s, d->g, 1);
   if (ret)
      goto fail_guest;
   ret = fwd_client_create(fwd_session_call, &d->s, &d->client);
   if (ret)
      goto fail_session;
   ret = ws_msm_ioctl_open(&ops, d, out);
   if (ret)
      goto fail_client;
   return 0;

fail_client:
   fwd_client_destroy(d->client);
fail_session:
   fwd_session_close(&d->s);
fail_guest:
   mt_guest_close(d->g);
fail:
   free(d);
   return ret;
}

void
mode_forward_teardown(struct mode_ctx *m)
{
   struct fwd_mode *fm = m->priv;

   if (fm) {
      if (fm->host)
         mt_host_destroy(fm->host);
      mode_host_stop(&fm->process);
      free(fm);
   }
   m->priv = NULL;
}
