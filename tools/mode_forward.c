/*
 * mode_forward.c - compare's forward mode: ws over msm ioctls, each one
 * marshalled (fwd_guest) and sent as a synchronous CALL to a host serving
 * fwd_host_proto: in-process over a loopback transport (inproc), or a real
 * `msmvirt host` process over a unix socket (socket).  Like the CUSE
 * daemon's one virtio-serial stream in a VM, one connection serves the run
 * and every device is a new session (drm_file) on it.
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
   struct mt_guest *g;       /* the run's one connection */
   char *hostmem;            /* as that guest maps it */
   uint64_t hostmem_size;
   uint32_t next_session;
};

struct fwd_dev {
   struct fwd_mode *fm;
   struct mt_stats base; /* the connection's counters when we opened */
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
   struct mt_guest_config gcfg = {
      .proto = FWD_PROTO_NAME, .rtt_us = m->rtt_us,
   };
   struct msm_hostmem_info hm;
   struct mt_host_proto proto;
   struct mt_host_config hcfg;
   void *base;
   int ret;

   if (!fm)
      return -ENOMEM;
   if (!strcmp(m->transport, "socket")) {
      ret = mode_host_start(&m->cfg, &fm->process);
      if (!ret)
         ret = mt_guest_connect(fm->process.path, &gcfg, &fm->g);
   } else if (!strcmp(m->transport, "inproc")) {
      msm_core_hostmem(m->core, &hm);
      fwd_host_proto(m->core, &proto);
      hcfg = (struct mt_host_config){
         .protos = &proto, .nr_protos = 1, .hostmem_base = hm.base,
         .hostmem_size = hm.size, .hostmem_fd = -1,
      };
      ret = mt_host_create(&hcfg, &fm->host);
      if (!ret)
         ret = mt_guest_loopback(fm->host, &gcfg, &fm->g);
   } else {
      ret = -EOPNOTSUPP;
   }
   if (ret) {
      if (fm->host)
         mt_host_destroy(fm->host);
      mode_host_stop(&fm->process);
      free(fm);
      return ret;
   }
   /* The hostmem BOs' mmap offsets point into, as this guest maps it. */
   mt_guest_hostmem(fm->g, &base, &fm->hostmem_size);
   fm->hostmem = base;
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
   struct fwd_mode *fm = d->fm;

   if (offset > fm->hostmem_size || size > fm->hostmem_size - offset)
      return NULL;
   return fm->hostmem + offset;
}

/* The connection's counters since this device opened (its open included):
 * the devices of a run are used one at a time. */
static void
fd_stats(void *data, struct ws_stats *st)
{
   struct fwd_dev *d = data;
   struct mt_stats ms;

   mt_guest_stats(d->fm->g, &ms);
   st->messages = ms.messages - d->base.messages;
   st->bytes = ms.bytes - d->base.bytes;
   st->sync_round_trips = ms.sync_round_trips - d->base.sync_round_trips;
   st->events = ms.events - d->base.events;
}

static void
fd_close(void *data)
{
   struct fwd_dev *d = data;

   fwd_session_close(&d->s);
   fwd_client_destroy(d->client);
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
   struct fwd_dev *d = calloc(1, sizeof(*d));
   int ret;

   if (!d)
      return -ENOMEM;
   d->fm = fm;
   mt_guest_stats(fm->g, &d->base);
   /* A CUSE open(): a new drm_file on the host. */
   ret = fwd_session_open(&d->s, fm->g, ++fm->next_session);
   if (ret)
      goto fail;
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
fail:
   free(d);
   return ret;
}

void
mode_forward_teardown(struct mode_ctx *m)
{
   struct fwd_mode *fm = m->priv;

   if (fm) {
      mt_guest_close(fm->g);
      if (fm->host)
         mt_host_destroy(fm->host);
      mode_host_stop(&fm->process);
      free(fm);
   }
   m->priv = NULL;
}
