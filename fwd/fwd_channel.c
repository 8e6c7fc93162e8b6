/*
 * fwd_channel.c - forward ws devices over a transport connection: one
 * session (host context) per device, every ioctl one synchronous CALL.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>

#include "fwd_channel.h"
#include "fwd_guest.h"
#include "fwd_proto.h"
#include "msm_core.h"
#include "transport.h"
#include "ws_ioctl.h"

struct fwd_channel {
   struct mt_host *host;     /* loopback only */
   struct mt_guest *g;
   uint8_t *hostmem;         /* as this guest maps it */
   uint64_t hostmem_size;
   _Atomic uint32_t next_session;
};

struct fwd_dev {
   struct fwd_channel *ch;
   bool owns_channel;
   struct mt_stats base;     /* the connection's counters when we opened */
   struct fwd_session s;
   struct fwd_client *client;
};

static int
channel_finish(struct fwd_channel *ch, int ret, struct fwd_channel **out)
{
   void *base;

   if (ret) {
      fwd_channel_close(ch);
      return ret;
   }
   /* The hostmem BOs' mmap offsets point into. */
   mt_guest_hostmem(ch->g, &base, &ch->hostmem_size);
   ch->hostmem = base;
   *out = ch;
   return 0;
}

static struct mt_guest_config
guest_config(const struct fwd_channel_config *cfg)
{
   return (struct mt_guest_config){
      .proto = FWD_PROTO_NAME, .rtt_us = cfg ? cfg->rtt_us : 0,
   };
}

int
fwd_channel_loopback(struct msm_core *core,
                     const struct fwd_channel_config *cfg,
                     struct fwd_channel **out)
{
   struct fwd_channel *ch = calloc(1, sizeof(*ch));
   struct mt_guest_config gcfg = guest_config(cfg);
   struct msm_hostmem_info hm;
   struct mt_host_proto proto;
   struct mt_host_config hcfg;
   int ret;

   if (!ch)
      return -ENOMEM;
   msm_core_hostmem(core, &hm);
   ret = fwd_host_proto(core, &proto);
   if (!ret) {
      hcfg = (struct mt_host_config){
         .protos = &proto, .nr_protos = 1, .hostmem_base = hm.base,
         .hostmem_size = hm.size, .hostmem_fd = -1,
      };
      ret = mt_host_create(&hcfg, &ch->host);
   }
   if (!ret)
      ret = mt_guest_loopback(ch->host, &gcfg, &ch->g);
   return channel_finish(ch, ret, out);
}

int
fwd_channel_connect(const char *path, const struct fwd_channel_config *cfg,
                    struct fwd_channel **out)
{
   struct fwd_channel *ch = calloc(1, sizeof(*ch));
   struct mt_guest_config gcfg = guest_config(cfg);

   if (!ch)
      return -ENOMEM;
   return channel_finish(ch, mt_guest_connect(path, &gcfg, &ch->g), out);
}

void
fwd_channel_close(struct fwd_channel *ch)
{
   if (!ch)
      return;
   if (ch->g)
      mt_guest_close(ch->g);
   if (ch->host)
      mt_host_destroy(ch->host);
   free(ch);
}

struct mt_guest *
fwd_channel_guest(struct fwd_channel *ch)
{
   return ch->g;
}

static int
dev_ioctl(void *data, unsigned long req, void *arg)
{
   struct fwd_dev *d = data;
   return fwd_ioctl(d->client, req, arg);
}

/* The preload helper's mmap: hostmem as this guest maps it. */
static void *
dev_map(void *data, uint64_t offset, uint64_t size)
{
   struct fwd_channel *ch = ((struct fwd_dev *)data)->ch;

   if (offset > ch->hostmem_size || size > ch->hostmem_size - offset)
      return NULL;
   return ch->hostmem + offset;
}

/* The connection's counters since this device opened: a channel's devices
 * are measured one at a time. */
static void
dev_stats(void *data, struct ws_stats *st)
{
   struct fwd_dev *d = data;
   struct mt_stats ms;

   mt_guest_stats(d->ch->g, &ms);
   st->messages = ms.messages - d->base.messages;
   st->bytes = ms.bytes - d->base.bytes;
   st->sync_round_trips = ms.sync_round_trips - d->base.sync_round_trips;
   st->events = ms.events - d->base.events;
}

static void
dev_close(void *data)
{
   struct fwd_dev *d = data;

   fwd_session_close(&d->s);
   fwd_client_destroy(d->client);
   if (d->owns_channel)
      fwd_channel_close(d->ch);
   free(d);
}

static int
open_dev(struct fwd_channel *ch, bool owning, struct ws_dev **out)
{
   static const struct ws_msm_ioctl_ops ops = {
      .ioctl = dev_ioctl, .map = dev_map, .get_stats = dev_stats,
      .close = dev_close,
   };
   struct fwd_dev *d = calloc(1, sizeof(*d));
   int ret;

   if (!d)
      return -ENOMEM;
   d->ch = ch;
   mt_guest_stats(ch->g, &d->base);
   /* A CUSE open(): a new drm_file on the host. */
   ret = fwd_session_open(&d->s, ch->g, atomic_fetch_add(&ch->next_session, 1) + 1);
   if (ret)
      goto fail;
   ret = fwd_client_create(fwd_session_call, &d->s, &d->client);
   if (ret)
      goto fail_session;
   d->owns_channel = owning;
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

int
ws_fwd_open_channel(struct fwd_channel *ch, struct ws_dev **out)
{
   return open_dev(ch, false, out);
}

int
ws_fwd_open_owning(struct fwd_channel *ch, struct ws_dev **out)
{
   return open_dev(ch, true, out);
}
